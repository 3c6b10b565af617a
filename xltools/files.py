"""Which files a command works on, and names of files: shown to a person, or built from data.

Every file given, and every file inside the folders given, is an input — nothing is skipped silently
except office lock files (~$x.xlsx, .~lock.x.xlsx#) and hidden files: a county's .et, .ods or PDF is
listed with the reason it cannot be used, and so is a folder that cannot be read. A file name in
another encoding (GBK, from a Windows zip) is shown decoded as well as it can be, and still opened.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple


class Input(NamedTuple):
    """One input: where it is, the name a person reads, and why it cannot be read if that is known already.
    Its place is kept as text, not as a `Path` (a run of 100,000 inputs holds them all: ~140 bytes each
    against ~480)."""

    location: str  # os.fspath of the path (a name in another encoding keeps its surrogate escapes)
    name: str
    problem: str = ""  # an unreadable detail (permission, os_error) for a folder that could not be listed

    @property
    def path(self) -> Path:
        return Path(self.location)


def find_returns(items: Iterable[Path | str]) -> list[Input]:
    """Files as given; folders as all their files (recursively, sorted), lock and hidden files aside."""
    out: list[Input] = []
    for item in map(Path, items):
        if item.is_dir():
            out += _walk(item)
        else:
            out.append(Input(os.fspath(item), display_name(item)))
    return out


def _walk(top: Path) -> list[Input]:
    found: list[Input] = []

    def failed(e: OSError) -> None:
        where = Path(e.filename) if e.filename else top
        problem = "permission" if isinstance(e, PermissionError) else "os_error"
        found.append(Input(os.fspath(where), display_name(where), problem))

    for root, dirs, files in os.walk(top, onerror=failed):
        rel = Path(root).relative_to(top)
        dirs[:] = sorted(d for d in dirs if not _ignored(d))
        if any(_ignored(part) for part in rel.parts):
            continue
        for f in files:
            if not _ignored(f):
                p = Path(root) / f
                found.append(Input(os.fspath(p), display_name(p)))
    return sorted(found, key=lambda i: os.fsencode(i.location))


def _ignored(name: str) -> bool:
    return name.startswith((".", "~$"))


def display_name(path: Path | str) -> str:
    """The path as a person should read it: a name that is not valid UTF-8 is decoded as GB18030 (the
    encoding of Chinese Windows), else with replacement characters — never a crash when printed."""
    text = str(path)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        raw = os.fsencode(path)
    for encoding in ("gb18030", "big5"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return raw.decode("utf-8", "replace")


def safe_file_name(name: str) -> str:
    """A name from data made safe as one file name: no separators, no control characters, not hidden."""
    cleaned = "".join("_" if ch in '/\\:*?"<>|' or ord(ch) < 32 or ord(ch) == 127 else ch for ch in name)
    return cleaned.lstrip(".").strip()[:200] or "_"
