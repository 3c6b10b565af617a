"""Reading returns on a Dask cluster (DESIGN §15): ``aggregate --executor dask [--scheduler tcp://HOST:8786]``.

Phase 1 of the check (read, identify, type — the part that grows with the returns) runs on the cluster's
workers in chunks; the prepared returns come back in order, a chunk of the run at a time, and the rest —
pandera, the rules, the spool, the summary — runs here exactly as in a local run, so the summary is the same.
The paths must be readable by the workers (a shared file system). Without a scheduler a LocalCluster of this
machine's cores is used.

A task that fails — a file killed its worker three times (Dask's retries), or the task outlasted the time its
files have (`TIMEOUT` each, as locally) — is run again file by file, so only the file at fault is reported
`unreadable`, with the reason, and the others are read. Dask cannot stop a running task: a hung file keeps its
worker's thread busy until that worker is restarted, but the run goes on. Dask is an optional extra
(``pip install 'xltools[dask]'``), imported only here.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import Any

from xltools.check.pipeline import Prepared, Progress, crash_report, prepare, unreadable_report
from xltools.check.workers import TIMEOUT as WORKER_TIMEOUT
from xltools.check.workers import Crash
from xltools.spec import Spec

CHUNK = 32  # returns per task: a task costs the scheduler ~1 ms, a return ~5 ms on a worker
CONNECT_TIMEOUT = "10s"
TIMEOUT = WORKER_TIMEOUT  # seconds a file may take, as in a local run


class ClusterError(RuntimeError):
    """The cluster cannot be used: ``detail`` is the catalogue key (cluster.<detail>)."""

    def __init__(self, detail: str, **params: Any) -> None:
        super().__init__(detail)
        self.detail, self.params = detail, params


Work = tuple[str, str | None, Spec | None, int | None, str]  # path, schemas, expected spec and year, name


def _timed_out(e: BaseException) -> bool:
    return isinstance(e, TimeoutError) or type(e).__name__ == "TimeoutError"


def _prepare_chunk(work: list[Work]) -> list[Prepared]:
    """On a worker: phase 1 for a chunk of files (a bad file is a finding, never an exception)."""
    out = []
    for path, schemas, spec, year, name in work:
        try:
            out.append(prepare(Path(path), Path(schemas) if schemas else None, spec, year, name))
        except MemoryError:
            out.append(Prepared(unreadable_report(name, "crashed", reason="MemoryError")))
        except Exception as e:  # a file nobody foresaw: its own problem, not the chunk's
            out.append(Prepared(unreadable_report(name, "crashed", reason=type(e).__name__)))
    return out


class ClusterPreparer:
    """Phase 1 on the cluster at ``scheduler`` (or a LocalCluster), with the `Preparer`'s interface, so that an
    `aggregate` on a cluster streams as a local one does: files are submitted chunk by chunk, read on the
    workers while this process reduces the chunk before, and taken back in order — this process holds one chunk
    of prepared returns at a time, however many there are."""

    def __init__(self, schemas: Path | None, scheduler: str | None = None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise ClusterError("not_installed") from None
        from xltools.check.pipeline import load_specs

        load_specs(schemas)  # a broken spec of the bureau's own stops the run here, as locally
        self.schemas = str(schemas.resolve()) if schemas else None
        self.cluster = None
        try:
            if scheduler:
                self.client = Client(scheduler, timeout=CONNECT_TIMEOUT)
            else:
                self.cluster = LocalCluster(processes=True, threads_per_worker=1, dashboard_address=None)
                self.client = Client(self.cluster)
        except (OSError, TimeoutError, ValueError) as e:  # ValueError: not an address (no port, file://)
            if self.cluster is not None:
                self.cluster.close()
            raise ClusterError(
                "connect", scheduler=scheduler or "LocalCluster", reason=str(e).splitlines()[0][:200]
            ) from None
        self.pending: deque[tuple[Any, list[Work]]] = deque()  # (future, its files), in order
        self.ready: deque[Prepared] = deque()  # taken from the cluster, not yet by the caller
        self.counted: set[str] = set()  # keys of the futures already counted as done
        self.done, self.total = 0, 0
        self.progress: Progress | None = None

    def __enter__(self) -> ClusterPreparer:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.drain()
            self.client.close()
        finally:
            if self.cluster is not None:
                self.cluster.close()

    def count(self, total: int, progress: Progress | None) -> None:
        """Report progress on the next ``total`` files as (done, total)."""
        self.done, self.total, self.progress = 0, total, progress

    def submit(self, paths: list[Path], names: list[str]) -> None:
        work: list[Work] = [
            (str(Path(p).resolve()), self.schemas, None, None, n) for p, n in zip(paths, names, strict=True)
        ]
        chunks = [work[i : i + CHUNK] for i in range(0, len(work), CHUNK)]
        for chunk, future in zip(chunks, self.client.map(_prepare_chunk, chunks, pure=False), strict=True):
            self.pending.append((future, chunk))

    def pump(self) -> None:
        """Count the chunks the cluster has finished (the work itself goes on there unasked)."""
        for future, chunk in self.pending:
            if future.key not in self.counted and future.done():
                self.counted.add(future.key)
                self._advance(len(chunk))

    def take(self, names: list[str]) -> list[Prepared]:
        """The next ``len(names)`` files submitted, prepared, in order."""
        while len(self.ready) < len(names):
            future, chunk = self.pending.popleft()
            try:
                self.ready.extend(future.result(timeout=TIMEOUT * len(chunk)))
            except Exception:  # its worker died (KilledWorker) or a file hangs: each file again, alone
                future.cancel()
                self.ready.extend(self._alone(chunk))
            if future.key not in self.counted:
                self._advance(len(chunk))
            self.counted.discard(future.key)
            future.release()
        return [self.ready.popleft() for _ in names]

    def _alone(self, chunk: list[Work]) -> list[Prepared]:
        """A failed task's files, one task each, so that only the file at fault is lost: `unreadable`, with
        the reason, when its task fails again or outlasts the time a file has (a running task cannot be
        stopped: a hung one keeps its worker's thread until that worker is restarted)."""
        out = []
        for work, future in zip(chunk, self.client.map(_prepare_chunk, [[w] for w in chunk], pure=False), strict=True):
            try:
                out += future.result(timeout=TIMEOUT)
            except Exception as e:
                crash = Crash("timeout", f"{TIMEOUT:g}") if _timed_out(e) else Crash("crashed", type(e).__name__)
                out.append(Prepared(crash_report(work[-1], crash)))
                future.cancel()
            future.release()
        return out

    def drain(self) -> None:
        """Let go of every file submitted and not yet taken."""
        for future, _ in self.pending:
            future.release()
        self.pending.clear()
        self.ready.clear()
        self.counted.clear()

    def _advance(self, n: int) -> None:
        self.done += n
        if self.progress:
            self.progress(self.done, self.total)
