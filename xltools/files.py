"""Which files a command works on: the files given, and the workbooks inside the folders given."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls")


def find_returns(items: Iterable[Path | str]) -> list[Path]:
    """Files as given (whatever their type: `check` says what is wrong with them); folders as their
    workbooks, sorted, without Office/WPS/LibreOffice lock files (~$x.xlsx, .~lock.x.xlsx#)."""
    out: list[Path] = []
    for item in map(Path, items):
        if item.is_dir():
            out += sorted(
                p
                for p in item.rglob("*")
                if p.is_file()
                and p.suffix.lower() in WORKBOOK_SUFFIXES
                and not p.name.startswith(("~$", ".~lock", "."))
            )
        else:
            out.append(item)
    return out
