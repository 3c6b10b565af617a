"""Read many files in worker processes so that one hostile file costs only itself.

Each worker takes one file at a time under a memory cap; a worker that dies (abort, out of memory, a
signal) or takes too long is replaced, and only the file it held is reported — as `Crash` — while the
others go on. (A pool such as ProcessPoolExecutor breaks as a whole when one worker dies.)
"""

from __future__ import annotations

import contextlib
import faulthandler
import multiprocessing as mp
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MEMORY_CAP = 1024 * 1024 * 1024  # bytes a worker may allocate beyond what it starts with
TIMEOUT = 120.0  # seconds for one file


@dataclass(frozen=True)
class Crash:
    """A file whose worker died or ran out of time: ``kind`` is crashed, memory or timeout."""

    kind: str
    reason: str


def _limit_memory(cap: int | None) -> None:
    if cap is None:
        return
    try:
        import resource

        with open("/proc/self/statm") as fh:
            size = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        resource.setrlimit(resource.RLIMIT_AS, (size + cap, size + cap))
    except (ImportError, OSError, ValueError):  # not Linux: no cap, the other guards still hold
        pass


def _serve(conn: Connection, fn: Callable[[Any], Any], cap: int | None) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    faulthandler.disable()  # a worker that dies is reported as its file's reason, not as a dump on the console
    _limit_memory(cap)
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        i, item = msg
        try:
            result: tuple[int, bool, Any] = (i, True, fn(item))
        except MemoryError:
            result = (i, False, Crash("memory", "MemoryError"))
        except Exception as e:  # a bug or a file nobody foresaw: that file's problem, not the batch's
            result = (i, False, Crash("crashed", type(e).__name__))
        try:
            conn.send(result)
        except Exception as e:  # the result itself cannot travel back (pickling)
            conn.send((i, False, Crash("crashed", type(e).__name__)))


class _Worker:
    def __init__(self, ctx: Any, fn: Callable[[Any], Any], cap: int | None) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child, fn, cap), daemon=True)
        self.process.start()
        child.close()
        self.job: int | None = None
        self.deadline = 0.0

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send(None)
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()


def _death(process: Any) -> Crash:
    code = process.exitcode
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = str(-code)
        return Crash("crashed", name)
    return Crash("crashed", f"exit {code}")


class Pool(Generic[T, R]):
    """Workers that each run ``fn`` on one item at a time, isolated from each other's failures."""

    def __init__(self, fn: Callable[[T], R], jobs: int, timeout: float = TIMEOUT, cap: int | None = MEMORY_CAP) -> None:
        self.fn, self.jobs, self.timeout, self.cap = fn, max(1, jobs), timeout, cap
        methods = mp.get_all_start_methods()
        self.ctx = mp.get_context("fork" if "fork" in methods else "spawn")

    def map(self, items: Sequence[T], progress: Callable[[int, int], None] | None = None) -> list[R | Crash]:
        results: list[Any] = [None] * len(items)
        todo = deque(range(len(items)))
        workers = [_Worker(self.ctx, self.fn, self.cap) for _ in range(min(self.jobs, len(items)))]
        done = 0
        try:
            while todo or any(w.job is not None for w in workers):
                for w in workers:
                    if w.job is None and todo:
                        w.job = todo.popleft()
                        w.deadline = time.monotonic() + self.timeout
                        w.conn.send((w.job, items[w.job]))
                busy = [w for w in workers if w.job is not None]
                wait_for = min(w.deadline for w in busy) - time.monotonic()
                ready = set(wait([x for w in busy for x in (w.conn, w.process.sentinel)], timeout=max(0.0, wait_for)))
                for k, w in enumerate(workers):
                    if w.job is None:
                        continue
                    finished = self._collect(w, ready, results)
                    if finished is None:
                        continue
                    done += 1
                    if progress:
                        progress(done, len(items))
                    if not finished:  # died or timed out: a fresh worker takes its place
                        workers[k] = _Worker(self.ctx, self.fn, self.cap)
        finally:
            for w in workers:
                w.stop() if w.process.is_alive() else w.kill()
        return results

    def _collect(self, w: _Worker, ready: set[Any], results: list[Any]) -> bool | None:
        """True when the worker delivered, False when it died or timed out, None while it works."""
        job = w.job
        assert job is not None
        if w.conn in ready:
            try:
                i, _ok, payload = w.conn.recv()
                results[i] = payload
                w.job = None
                return True
            except (EOFError, OSError):
                pass  # died while answering: below
        elif w.process.sentinel not in ready and time.monotonic() < w.deadline:
            return None
        if w.process.is_alive() and time.monotonic() >= w.deadline:
            results[job] = Crash("timeout", f"{self.timeout:g}")
        else:
            w.process.join(timeout=1)
            results[job] = _death(w.process)
        w.job = None
        w.kill()
        return False
