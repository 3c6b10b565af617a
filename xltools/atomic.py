"""Writing outputs all or nothing: checked before the work, written beside their place, moved in together.

- `check_output` says before any work whether a file (or folder) can be written where asked;
- `outputs()` gives temporary paths beside the final ones and moves them all into place only when the
  block succeeds: ``--region all`` writes every template or none, the summary and its export both or
  neither; on an error, Ctrl-C or SIGTERM (see `terminate_cleanly`) the temporary files are removed;
- temporary files left by a process that was killed outright (``kill -9``) are removed by the next run
  that writes into the same folder (`sweep`).
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

TMP_PREFIX = ".xltools-tmp-"


class OutputError(OSError):
    """An output cannot be written: ``detail`` is the catalogue key (output.<detail>), ``path`` where."""

    def __init__(self, detail: str, path: Path | str, reason: Any = "") -> None:
        super().__init__(f"{detail}: {path}")
        self.detail, self.path, self.reason = detail, str(path), reason


def _reason(e: OSError) -> Any:
    """Why an OS call failed, in words the catalogue has where it can."""
    from xltools.catalogue import Msg

    if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return Msg.of("output.read_only")
    if e.errno in (errno.ENOSPC, errno.EDQUOT):
        return Msg.of("output.disk_full")
    return e.strerror or type(e).__name__


def check_output(path: Path | str, folder: bool = False) -> Path:
    """Raise OutputError unless ``path`` can be written (as a file, or as a folder to write into)."""
    path = Path(path)
    if folder:
        if path.exists() and not path.is_dir():
            raise OutputError("not_folder", path)
        probe_dir = path if path.is_dir() else _existing_parent(path)
    else:
        if path.is_dir():
            raise OutputError("is_folder", path)
        probe_dir = _existing_parent(path.parent)
        if path.exists() and not os.access(path, os.W_OK):
            raise OutputError("cannot_write", path, _reason(PermissionError(errno.EACCES, "")))
    if not probe_dir.is_dir():
        raise OutputError("not_folder", probe_dir)
    if not os.access(probe_dir, os.W_OK | os.X_OK):
        raise OutputError("cannot_write", path, _reason(PermissionError(errno.EACCES, "")))
    return path


def _existing_parent(path: Path) -> Path:
    p = path.absolute()
    while not p.exists() and p != p.parent:
        p = p.parent
    return p


def sweep(folder: Path) -> None:
    """Remove temporary files that a killed xltools process left in ``folder``."""
    try:
        entries = list(folder.iterdir())
    except OSError:
        return
    for p in entries:
        if not p.name.startswith(TMP_PREFIX):
            continue
        pid = p.name[len(TMP_PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            with contextlib.suppress(OSError):
                p.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Outputs:
    """Temporary paths for several outputs that land together (`commit`) or not at all (`discard`)."""

    def __init__(self) -> None:
        self.pending: list[tuple[Path, Path]] = []

    def path(self, final: Path | str) -> Path:
        """A temporary path beside ``final``, in the same folder (so the final move is a rename)."""
        final = Path(final)
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise OutputError("cannot_write", final, _reason(e)) from None
        sweep(final.parent)
        tmp = final.parent / f"{TMP_PREFIX}{os.getpid()}-{secrets.token_hex(4)}{final.suffix}"
        self.pending.append((tmp, final))
        return tmp

    def commit(self) -> None:
        umask = os.umask(0)
        os.umask(umask)
        for tmp, final in self.pending:
            if not tmp.exists():
                raise OutputError("cannot_write", final, "")
        try:
            for tmp, final in self.pending:
                os.chmod(tmp, 0o666 & ~umask)  # as an ordinary new file
                os.replace(tmp, final)
        except OSError as e:
            raise OutputError("cannot_write", final, _reason(e)) from None
        finally:
            self.discard()

    def discard(self) -> None:
        for tmp, _ in self.pending:
            with contextlib.suppress(OSError):
                tmp.unlink()
        self.pending.clear()


@contextlib.contextmanager
def outputs() -> Iterator[Outputs]:
    """Outputs written inside the block land together when it succeeds; none of them otherwise."""
    group = Outputs()
    try:
        yield group
    except OSError as e:
        group.discard()
        if isinstance(e, OutputError):
            raise
        raise OutputError("cannot_write", group.pending[-1][1] if group.pending else "", _reason(e)) from None
    except BaseException:
        group.discard()
        raise
    group.commit()


@contextlib.contextmanager
def atomic_path(path: Path | str) -> Iterator[Path]:
    """One output written atomically: a temporary path, moved into place only if the block succeeds."""
    with outputs() as group:
        yield group.path(Path(path))


def terminate_cleanly() -> None:
    """Turn SIGTERM into SystemExit, so that `outputs` blocks remove their temporary files."""

    def handler(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)

    with contextlib.suppress(ValueError):  # not in the main thread
        signal.signal(signal.SIGTERM, handler)
