"""Read many files in worker processes so that one hostile file costs only itself.

Each worker works through a small chunk of files under a memory cap, answering file by file. A worker
that dies (abort, out of memory, a signal) or spends too long on one file is replaced; the file it was
on — the first of its chunk not yet answered — is reported as `Crash`, the rest of its chunk goes back
in the queue, and the other files go on. (A pool such as ProcessPoolExecutor breaks as a whole when one
worker dies.)
"""

from __future__ import annotations

import contextlib
import faulthandler
import gc
import multiprocessing as mp
import os
import queue
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

MEMORY_CAP = 1024 * 1024 * 1024  # bytes a worker may allocate beyond what it starts with
TIMEOUT = 120.0  # seconds for one file
CHUNK = 16  # files handed to a worker at a time (it answers each as soon as it is done)
LOW = 4  # a worker with no more files than this queued is handed more, so it never waits for the caller
READY = ("ready", None)


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


def _serve(conn: Connection, fn: Callable[[Any], Any], cap: int | None, init: Callable[[], None] | None = None) -> None:
    gc.freeze()  # what a forked worker inherits stays untouched by its collector (see `Pool._start`)
    gc.enable()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    faulthandler.disable()  # a worker that dies is reported as its file's reason, not as a dump on the console
    if init is not None:
        try:
            init()  # imports and set-up, before the cap: they are the worker's, not a file's
        except Exception as e:  # the worker cannot work: say why, once, and stop
            conn.send(("failed", f"{type(e).__name__}: {e}"[:300]))
            return
    _limit_memory(cap)
    if init is not None:
        conn.send(READY)  # a warm worker says when it is warm (`Warm.ready`)
    while True:
        try:
            chunk = conn.recv()
        except (EOFError, OSError):
            return
        if chunk is None:
            return
        for i, item in chunk:
            try:
                result: tuple[int, Any] = (i, fn(item))
            except MemoryError:
                result = (i, Crash("memory", "MemoryError"))
            except Exception as e:  # a bug or a file nobody foresaw: that file's problem, not the batch's
                result = (i, Crash("crashed", type(e).__name__))
            try:
                conn.send(result)
            except Exception as e:  # the result itself cannot travel back (pickling)
                conn.send((i, Crash("crashed", type(e).__name__)))


class _Worker:
    def __init__(
        self, ctx: Any, fn: Callable[[Any], Any], cap: int | None, init: Callable[[], None] | None = None
    ) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(child, fn, cap, init), daemon=True)
        self.process.start()
        child.close()
        self.jobs: deque[int] = deque()  # handed over, not yet answered (the first is in work)
        self.deadline = 0.0
        self.warm = init is None  # a worker with set-up to do is warm once it says so

    def give(self, jobs: list[int], items: Sequence[Any] | Mapping[int, Any], timeout: float) -> None:
        if not self.jobs:  # a worker already busy keeps its current file's deadline
            self.deadline = time.monotonic() + timeout
        self.jobs.extend(jobs)
        with contextlib.suppress(OSError):  # it died on the file in work: the pool finds out from its sentinel
            self.conn.send([(i, items[i]) for i in jobs])

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send(None)
        self.process.join(timeout=5)
        self.kill()

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
    """Workers that each run ``fn`` on one item at a time, isolated from each other's failures.

    Items are submitted (`submit`) and their results taken back in the same order (`take`); between the two
    the caller may do work of its own, calling `pump` now and then to keep the workers fed — a large
    `aggregate` reduces one chunk of returns while the workers read the next (issue #14). Workers live as
    long as the pool (a dead or hung one is replaced): one forked early, while the parent is small, stays
    small — one forked late shares a large parent's pages and keeps its own copy of each page the parent
    then writes (measured: 52 MB against 87–107 MB a worker at 10,000 returns).
    """

    def __init__(
        self,
        fn: Callable[[T], R],
        jobs: int,
        timeout: float = TIMEOUT,
        cap: int | None = MEMORY_CAP,
    ) -> None:
        self.fn, self.jobs, self.timeout, self.cap = fn, max(1, jobs), timeout, cap
        methods = mp.get_all_start_methods()
        self.ctx = mp.get_context("fork" if "fork" in methods else "spawn")
        self.items: dict[int, T] = {}  # submitted and not yet answered
        self.results: dict[int, R | Crash] = {}  # answered and not yet taken
        self.todo: deque[int] = deque()  # submitted and not handed to a worker
        self.workers: list[_Worker] = []
        self.submitted = self.taken = self.done = 0
        self.on_done: Callable[[int], None] | None = None  # told how many items are answered so far
        self.before_fork: Callable[[], None] | None = None  # called before a worker is forked (waits out threads)

    def map(self, items: Sequence[T], progress: Callable[[int, int], None] | None = None) -> list[R | Crash]:
        """``fn`` of every item, in order (a `Crash` for an item whose worker died or ran out of time)."""
        with self:
            if progress:
                self.on_done = lambda done: progress(done, len(items))
            self.submit(items)
            return self.take(len(items))

    def __enter__(self) -> Pool[T, R]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def submit(self, items: Iterable[T]) -> None:
        for item in items:
            self.items[self.submitted] = item
            self.todo.append(self.submitted)
            self.submitted += 1
        self._feed()

    def take(self, n: int) -> list[R | Crash]:
        """The results of the next ``n`` items submitted, in order, once all of them are answered."""
        first, end = self.taken, self.taken + n
        if end > self.submitted:
            raise ValueError(f"{n} results asked, {self.submitted - self.taken} submitted")
        i = first
        while i < end:
            if i in self.results:
                i += 1
            else:
                self.pump(block=True)
        self.taken = end
        return [self.results.pop(i) for i in range(first, end)]

    def pump(self, block: bool = False) -> None:
        """Collect the answers ready now (with ``block``, wait for one, a death or a timeout) and hand out work."""
        busy = [w for w in self.workers if w.jobs]
        if not busy:
            self._feed()
            return
        left = max(0.0, min(w.deadline for w in busy) - time.monotonic()) if block else 0.0
        ready = set(wait([x for w in busy for x in (w.conn, w.process.sentinel)], timeout=left))
        for k, w in enumerate(self.workers):
            if not w.jobs:
                continue
            answered, lost = self._collect(w, ready)
            self.done += answered + lost
            if self.on_done and answered + lost:
                self.on_done(self.done)
            if lost:  # died or timed out on one file: a fresh worker takes its place
                self.workers[k] = self._start()
        self._feed()

    def start(self) -> None:
        """Fork every worker now (else they start with the first items)."""
        while len(self.workers) < self.jobs:
            self.workers.append(self._start())

    def close(self) -> None:
        """Stop the idle workers and kill the busy ones (an error or Ctrl-C does not wait for their files)."""
        for w in self.workers:
            w.stop() if w.process.is_alive() and not w.jobs else w.kill()
        self.workers = []

    def cancel(self) -> None:
        """Forget every item submitted and not yet taken: those not begun are dropped, the workers busy with
        the others are killed (fresh ones start with the next items)."""
        for w in self.workers:
            if w.jobs:
                w.kill()
        self.workers = [w for w in self.workers if not w.jobs]
        self.items.clear()
        self.results.clear()
        self.todo.clear()
        self.taken = self.submitted

    def _feed(self) -> None:
        """Start workers as needed and keep each one's queue from running dry."""
        while len(self.workers) < self.jobs and len(self.workers) < len(self.items):
            self.workers.append(self._start())
        for k, w in enumerate(self.workers):
            if not w.jobs and not w.process.is_alive():  # died idle (the OOM killer, say): no file of it lost
                w.kill()
                self.workers[k] = w = self._start()
            if self.todo and len(w.jobs) <= LOW:
                size = max(1, min(CHUNK, len(self.todo) // (len(self.workers) * 2)))
                w.give([self.todo.popleft() for _ in range(min(size, len(self.todo)))], self.items, self.timeout)

    def _start(self) -> _Worker:
        """A worker, forked with the collector off; the child freezes what it inherits (`_serve`), so that its
        collector never touches (and so copies) the pages of what the parent holds — a large run's returns
        (issue #14: the workers' memory grew with the run until this). Freezing in the parent instead would
        move the parent's young objects to its oldest generation at every fork, where its cyclic garbage waits
        for a full collection."""
        if self.before_fork is not None:
            self.before_fork()
        enabled = gc.isenabled()
        gc.disable()
        try:
            return _Worker(self.ctx, self.fn, self.cap)
        finally:
            if enabled:
                gc.enable()

    def _answer(self, i: int, result: R | Crash) -> None:
        self.results[i] = result
        del self.items[i]

    def _collect(self, w: _Worker, ready: set[Any]) -> tuple[int, int]:
        """(files ``w`` answered now, 1 if it died or timed out on its current file — that file's Crash)."""
        answered = 0
        if w.conn in ready:
            try:
                while w.jobs and w.conn.poll():
                    i, payload = w.conn.recv()
                    self._answer(i, payload)
                    w.jobs.remove(i)
                    answered += 1
                    w.deadline = time.monotonic() + self.timeout  # the next file's own time
                return answered, 0
            except (EOFError, OSError):
                pass  # died while answering: below
        elif w.process.sentinel not in ready and time.monotonic() < w.deadline:
            return 0, 0
        if not w.jobs:
            return answered, 0
        if w.process.is_alive() and time.monotonic() >= w.deadline:
            self._answer(w.jobs[0], Crash("timeout", f"{self.timeout:g}"))
        else:
            w.process.join(timeout=1)
            self._answer(w.jobs[0], _death(w.process))
        w.jobs.popleft()
        self.todo.extendleft(reversed(w.jobs))  # not started: back to the queue, for another worker
        w.jobs.clear()
        w.kill()
        return answered, 1


class Warm(Generic[T, R]):
    """Workers kept warm between calls (the desk's checkers): a call runs ``fn`` on one item in an idle
    worker and waits for it; a worker that dies or runs out of time costs that call alone (a `Crash`) and
    is replaced. Started with the spawn method: a server has threads, and forking them is unsafe."""

    def __init__(
        self,
        fn: Callable[[T], R],
        workers: int = 2,
        timeout: float = TIMEOUT,
        cap: int | None = MEMORY_CAP,
        init: Callable[[], None] | None = None,
    ) -> None:
        self.fn, self.timeout, self.cap, self.init = fn, timeout, cap, init
        self.ctx = mp.get_context("spawn")
        self.idle: queue.Queue[_Worker] = queue.Queue()
        self.all = max(1, workers)
        self.failure = ""  # why a worker could not start, when one could not
        for _ in range(self.all):
            self.idle.put(self._fresh())

    def _fresh(self) -> _Worker:
        return _Worker(self.ctx, self.fn, self.cap, self.init)

    def ready(self, timeout: float = 120.0) -> bool:
        """Wait until every worker is warm (True), or ``timeout`` seconds."""
        workers = [self.idle.get() for _ in range(self.all)]
        try:
            return all(self._warm(w, timeout) for w in workers)
        finally:
            for w in workers:
                self.idle.put(w)

    def _warm(self, w: _Worker, timeout: float) -> bool:
        if not w.warm and w.conn in wait([w.conn, w.process.sentinel], timeout=timeout):
            with contextlib.suppress(EOFError, OSError):
                said = w.conn.recv()
                w.warm = said == READY
                if not w.warm and isinstance(said, tuple) and said[:1] == ("failed",):
                    self.failure = str(said[1])
        return w.warm

    def run(self, item: T) -> R | Crash:
        w = self.idle.get()
        try:
            if not self._warm(w, self.timeout) or not w.process.is_alive():
                w.kill()  # died while idle (or never became warm): a fresh one takes the call
                w = self._fresh()
                self._warm(w, self.timeout)
            try:
                w.give([0], [item], self.timeout)
            except OSError:  # its pipe broke: it died just now
                w.kill()
                w = self._fresh()
                self._warm(w, self.timeout)
                w.give([0], [item], self.timeout)
            ready = wait([w.conn, w.process.sentinel], timeout=self.timeout)
            if w.conn in ready:
                with contextlib.suppress(EOFError, OSError):
                    _, result = w.conn.recv()
                    w.jobs.clear()
                    return result  # type: ignore[no-any-return]
            if not ready:
                crash = Crash("timeout", f"{self.timeout:g}")
            else:
                w.process.join(timeout=1)
                crash = _death(w.process)
            w.kill()
            w = self._fresh()
            return crash
        finally:
            w.jobs.clear()
            self.idle.put(w)

    def close(self) -> None:
        for _ in range(self.all):
            w = self.idle.get()
            w.stop() if w.process.is_alive() else w.kill()
