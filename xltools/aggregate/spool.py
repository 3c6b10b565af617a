"""Where a large run keeps its returns' details while the summary is made: a temporary SQLite file.

A return reduced to its figures still holds ~30 KB (findings, indicator rows, cell addresses); 100,000 of
them would not fit the 400 MB a run may take (issue #14). Past `SPILL` returns each one's details go here
as it is reduced, and come back one at a time as the summary and export are written; what decides the run
(status, region, which return counts) stays in memory, a few hundred bytes a return.
"""

from __future__ import annotations

import pickle
import shutil
import sqlite3
import tempfile
import weakref
from pathlib import Path
from typing import Any

SPILL = 2_000  # runs of more returns than this keep details on disk (fewer: in memory, as fast as before)


class SpoolError(OSError):
    """The spool's file cannot be made, written or read (most often: the temporary folder's disk is full)."""


PARTS = 3  # a record's parts, each pickled apart: a reader unpickles only the part it needs


class Spool:
    """Records by number, each of `PARTS` pickled parts, in a file of its own that is removed when the spool is
    closed or let go. The pickles are the run's own, written and read by this process only."""

    def __init__(self) -> None:
        try:
            self.folder = Path(tempfile.mkdtemp(prefix="xltools-spool-"))  # private: mode 0700
            self.db = sqlite3.connect(self.folder / "spool.sqlite", isolation_level=None, check_same_thread=False)
            self.db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-8000;")
            self.db.execute("CREATE TABLE record (n INTEGER PRIMARY KEY, p0 BLOB, p1 BLOB, p2 BLOB)")
        except (sqlite3.Error, OSError) as e:
            raise SpoolError(str(e)) from None
        self.count = 0
        self._last: tuple[int, int, Any] | None = None  # the part read last (read again and again by its user)
        self._finalizer = weakref.finalize(self, _remove, self.db, self.folder)

    def reopen(self) -> None:
        """A connection of this process's own to the same file, in a forked child (SQLite's connections must not
        cross a fork); the parent's is left untouched."""
        self._inherited = self.db  # kept, never used nor closed here: closing it could touch the parent's locks
        try:
            self.db = sqlite3.connect(self.folder / "spool.sqlite", isolation_level=None, check_same_thread=False)
        except sqlite3.Error as e:
            raise SpoolError(str(e)) from None

    def add(self, *parts: Any) -> int:
        """Store a record of `PARTS` parts; its number."""
        blobs = tuple(pickle.dumps(p, protocol=5) for p in parts)
        self._run("INSERT INTO record VALUES (?, ?, ?, ?)", (self.count + 1, *blobs))
        self.count += 1
        return self.count

    def put(self, n: int, part: int, value: Any) -> None:
        """Store ``value`` again as part ``part`` of record ``n`` (after it was changed)."""
        self._run(f"UPDATE record SET p{int(part)} = ? WHERE n = ?", (pickle.dumps(value, protocol=5), n))
        self._last = (n, part, value)

    def get(self, n: int, part: int) -> Any:
        """Part ``part`` of record ``n`` (the last one read is kept, so reading it again costs nothing)."""
        if self._last is not None and self._last[:2] == (n, part):
            return self._last[2]
        row = self._run(f"SELECT p{int(part)} FROM record WHERE n = ?", (n,)).fetchone()
        if row is None:
            raise KeyError(n)
        value = pickle.loads(row[0])
        self._last = (n, part, value)
        return value

    def _run(self, sql: str, params: tuple[Any, ...]) -> sqlite3.Cursor:
        try:
            return self.db.execute(sql, params)
        except (sqlite3.Error, OSError) as e:
            raise SpoolError(str(e)) from None

    def close(self) -> None:
        self._last = None
        self._finalizer()


def _remove(db: sqlite3.Connection, folder: Path) -> None:
    db.close()
    shutil.rmtree(folder, ignore_errors=True)
