"""Uploaded files by content: stored once under their SHA-256, never overwritten, never changed.

With SQLite the bytes are files in the data folder (``uploads/ab/abcdef…``), written to a temporary name,
flushed and renamed into place *before* the version row that names them is committed. A crash between the
two leaves a file no row names; `FileBlobs.sweep` (run when the server starts) removes such files, so the
ledger never names a missing file and keeps no file it does not know. With PostgreSQL the bytes are a row
of the ``blobs`` table, written in the same transaction as the version.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from xltools.desk.tables import Blob

DIGEST = re.compile(r"[0-9a-f]{64}")


def digest_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class Blobs(Protocol):
    def put(self, db: Session, source: Path, sha: str) -> None: ...
    def read(self, db: Session, sha: str) -> bytes: ...
    def sweep(self, known: Iterable[str]) -> int: ...


class FileBlobs:
    """Blobs as files under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha: str) -> Path:
        if not DIGEST.fullmatch(sha):
            raise ValueError("not a SHA-256 digest")
        return self.root / sha[:2] / sha

    def put(self, db: Session, source: Path, sha: str) -> None:
        final = self.path(sha)
        if final.exists():
            return  # the same bytes are stored already: shared, not rewritten
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.parent / f".tmp-{secrets.token_hex(8)}"
        try:
            with open(source, "rb") as src, open(tmp, "wb") as dst:
                for chunk in iter(lambda: src.read(1 << 20), b""):
                    dst.write(chunk)
                dst.flush()
                os.fsync(dst.fileno())
            os.replace(tmp, final)
            _fsync_dir(final.parent)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    def read(self, db: Session, sha: str) -> bytes:
        return self.path(sha).read_bytes()

    def sweep(self, known: Iterable[str]) -> int:
        """Remove temporary files and files no version names (left by a crash); how many were removed."""
        keep, removed = set(known), 0
        if not self.root.is_dir():
            return 0
        for sub in self.root.iterdir():
            if not sub.is_dir():
                continue
            for f in sub.iterdir():
                if f.name.startswith(".tmp-") or f.name not in keep:
                    f.unlink(missing_ok=True)
                    removed += 1
        return removed


class TableBlobs:
    """Blobs as rows of the ``blobs`` table (PostgreSQL: one `pg_dump` holds everything)."""

    def put(self, db: Session, source: Path, sha: str) -> None:
        if db.get(Blob, sha) is None:
            db.add(Blob(sha256=sha, data=source.read_bytes()))

    def read(self, db: Session, sha: str) -> bytes:
        blob = db.get(Blob, sha)
        if blob is None:
            raise FileNotFoundError(sha)
        return blob.data

    def sweep(self, known: Iterable[str]) -> int:
        return 0  # written in the version's own transaction: nothing can be left over


def orphans(db: Session, known: Iterable[str]) -> int:
    """Rows of ``blobs`` no version names (none by construction; counted for the tests)."""
    keep = set(known)
    return sum(1 for sha in db.scalars(select(Blob.sha256)) if sha not in keep)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
