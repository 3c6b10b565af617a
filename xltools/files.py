"""Which files a command works on: the files given, and every file inside the folders given.

Nothing in a folder is skipped silently except office lock files (~$x.xlsx, .~lock.x.xlsx#) and hidden
files: a county's .et, .ods or PDF is listed with the reason it cannot be used, not dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def find_returns(items: Iterable[Path | str]) -> list[Path]:
    """Files as given; folders as all their files (recursively, sorted), lock and hidden files aside."""
    out: list[Path] = []
    for item in map(Path, items):
        if item.is_dir():
            out += sorted(p for p in item.rglob("*") if p.is_file() and not _ignored(p.relative_to(item)))
        else:
            out.append(item)
    return out


def _ignored(rel: Path) -> bool:
    return any(part.startswith((".", "~$")) for part in rel.parts)
