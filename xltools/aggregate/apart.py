"""A worksheet written by a forked process while this one writes the others (issue #14).

Writing a large summary is one core's work while the other idles, and its largest sheet (指标明细, or 校验结果 when
there are more findings than indicator rows) is about half of it. That sheet's rows are written by a child process
into the sheet's own row file. The child is forked once every sheet has been measured and every format numbered
(`Styles.fix`), so that its cells name the styles this process writes. It sends back what the sheet's object learnt
while its rows were written — extent, merges, column widths, autofilter, print setup — and this process takes that
as its own before the workbook is put together: the same file, byte for byte, as writing the sheet here (tested).

A child that could not do all of this alone — it made or numbered a format, changed the workbook, failed or died —
says so or is found out, and the sheet is written here after all. No fork where it is unsafe or impossible: another
thread running (the desk's server), no `os.fork` (Windows).
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import os
import pickle
import signal
import threading
from collections.abc import Callable
from typing import Any

from xlsxwriter.format import Format

# A worksheet's attributes that are not the sheet's state: its open files (each process has its own; the row file's
# name stays the same), a bound method of the workbook, and what `StreamedSheet` remembers of texts it wrote.
_NOT_STATE = frozenset(
    {"fh", "row_data_fh", "row_data_fh_closed", "row_data_filename", "workbook_add_format", "_texts"}
)
_STOPS = frozenset({signal.SIGINT, signal.SIGTERM})


class Apart:
    """One sheet's rows written in a forked child; `finish` makes the sheet this process's again."""

    def __init__(self, wb: Any, ws: Any, write: Callable[[], None], pid: int, read_fd: int) -> None:
        self.wb, self.ws, self.write, self.pid, self.read_fd = wb, ws, write, pid, read_fd
        self.fallback = ""  # why the sheet was written here after all ("" if the child wrote it)

    @classmethod
    def start(
        cls, wb: Any, ws: Any, write: Callable[[], None], after_fork: Callable[[], None] | None = None
    ) -> Apart | None:
        """Fork a child that runs ``write`` (every row of ``ws``); None where no child can be forked safely, and
        the caller writes the sheet itself. ``after_fork`` runs first in the child (to reopen a database)."""
        if not hasattr(os, "fork") or threading.active_count() > 1 or not ws.constant_memory:
            return None
        read_fd, write_fd = os.pipe()
        gc.collect(0)  # fewer young objects for the child to inherit and the collector to touch
        # Ctrl-C and SIGTERM wait until the child has its own handlers: the parent's would have it run the parent's
        # clean-up (removing the summary's temporary file) and go on as the parent.
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, _STOPS)
        try:
            pid = os.fork()
        except OSError:  # no memory or processes left for a child: written here
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            os.close(read_fd)
            os.close(write_fd)
            return None
        if pid == 0:  # the child: never returns
            try:
                for sig in _STOPS:
                    signal.signal(sig, signal.SIG_DFL)  # a stop ends the child at once; the parent carries on
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)
                os.close(read_fd)
                _child(wb, ws, write, after_fork, write_fd)
            finally:
                os._exit(1)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        os.close(write_fd)
        return cls(wb, ws, write, pid, read_fd)

    def finish(self) -> None:
        """Wait for the child and take the sheet's state from it — or write the sheet here, if it could not."""
        try:
            with os.fdopen(self.read_fd, "rb") as fh:
                said = fh.read()
        finally:
            _, status = os.waitpid(self.pid, 0)
        answer: tuple[str, Any] = ("died", f"exit status {os.waitstatus_to_exitcode(status)}")
        if said:
            with contextlib.suppress(Exception):
                answer = pickle.loads(said)
        kind, value = answer
        if kind == "state":
            for name, v in value.items():
                setattr(self.ws, name, v)
            return
        self.fallback = f"{kind}: {value}"
        fh = self.ws.row_data_fh  # the child's rows, whole or in part: the sheet starts again, here
        fh.seek(0)
        fh.truncate()
        self.write()

    def abandon(self) -> None:
        """Stop the child (this process is failing): its work is not wanted."""
        with contextlib.suppress(OSError):
            os.kill(self.pid, 9)
        with contextlib.suppress(OSError):
            os.close(self.read_fd)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


def _child(wb: Any, ws: Any, write: Callable[[], None], after_fork: Callable[[], None] | None, fd: int) -> None:
    code = 0
    try:
        gc.disable()  # a short life: the collector would only copy the parent's pages it walks
        if after_fork is not None:
            after_fork()
        before, book = _state(ws), _book(wb)
        ws.row_data_fh.close()  # the parent's handle, nothing in it yet: the child writes through its own
        ws.row_data_fh = ws.fh = open(ws.row_data_filename, "w", encoding="utf-8")  # noqa: SIM115
        write()
        ws._write_single_row()  # the last row, which xlsxwriter keeps until the workbook is closed
        ws.row_info.clear()  # every row is on disk: the parent's own last-row write, at close, must find none
        ws.row_data_fh.close()
        if _book(wb) != book:
            answer: tuple[str, Any] = ("workbook", "a format was made or numbered, or the workbook changed")
        else:
            after = _state(ws)
            changed = {k: getattr(ws, k) for k, v in after.items() if before.get(k) != v}
            held = sorted(k for k, v in changed.items() if _holds_format(v))
            answer = ("formats", held) if held else ("state", changed)
        said = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException as e:  # whatever it was, the parent writes the sheet itself
        said = pickle.dumps(("failed", f"{type(e).__name__}: {e}"[:300]))
        code = 1
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(said)
    finally:
        os._exit(code)  # no atexit, no finalizers: the parent's spool and files are the parent's


def _state(ws: Any) -> dict[str, bytes]:
    """Each of the sheet's attributes, pickled (to tell which ones writing its rows changed)."""
    return {k: pickle.dumps(v, protocol=pickle.HIGHEST_PROTOCOL) for k, v in vars(ws).items() if k not in _NOT_STATE}


def _book(wb: Any) -> tuple[Any, ...]:
    """What of the workbook a sheet's rows could change: formats and their numbers, strings, names, the active sheet."""
    meta = wb.worksheet_meta
    return (
        tuple((id(f), f.xf_index, f.dxf_index) for f in wb.formats),
        wb.str_table.count,
        tuple(wb.defined_names),
        meta.activesheet,
        meta.firstsheet,
    )


def _holds_format(value: Any) -> bool:
    """Whether ``value`` holds a Format: a copy of it in the parent would not be the parent's format."""
    if isinstance(value, Format):
        return True
    if isinstance(value, dict):
        return any(_holds_format(k) or _holds_format(v) for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return any(_holds_format(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):  # xlsxwriter's ColumnInfo, RowInfo
        return any(_holds_format(v) for v in vars(value).values())
    return False
