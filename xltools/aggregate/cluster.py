"""Reading returns on a Dask cluster (DESIGN §15): ``aggregate --executor dask [--scheduler tcp://HOST:8786]``.

Phase 1 of the check (read, identify, type — the part that grows with the returns) runs on the cluster's
workers in chunks; the prepared returns come back in order, a chunk of the run at a time, and the rest —
pandera, the rules, the spool, the summary — runs here exactly as in a local run, so the summary is the same.
The paths must be readable by the workers (a shared file system). Without a scheduler a LocalCluster of this
machine's cores is used.

A file that kills its worker is retried by Dask on another (three tries); then every file of its task (up to
`CHUNK`) is reported `unreadable` with the reason — not only the one that killed it — and the other tasks go on.
A file that hangs holds its task, and so the run, with no time limit (Dask cannot stop a running task): the local
pool's per-file timeout has no counterpart here yet. Dask is an optional extra (``pip install 'xltools[dask]'``),
imported only here.
"""

from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import Any

from xltools.check.pipeline import Prepared, Progress, prepare, unreadable_report
from xltools.spec import Spec

CHUNK = 32  # returns per task: a task costs the scheduler ~1 ms, a return ~5 ms on a worker
CONNECT_TIMEOUT = "10s"


class ClusterError(RuntimeError):
    """The cluster cannot be used: ``detail`` is the catalogue key (cluster.<detail>)."""

    def __init__(self, detail: str, **params: Any) -> None:
        super().__init__(detail)
        self.detail, self.params = detail, params


def _prepare_chunk(work: list[tuple[str, str | None, Spec | None, int | None, str]]) -> list[Prepared]:
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
        self.pending: deque[tuple[Any, list[str]]] = deque()  # (future, its files' names), in order
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
        work = [(str(Path(p).resolve()), self.schemas, None, None, n) for p, n in zip(paths, names, strict=True)]
        chunks = [work[i : i + CHUNK] for i in range(0, len(work), CHUNK)]
        for chunk, future in zip(chunks, self.client.map(_prepare_chunk, chunks, pure=False), strict=True):
            self.pending.append((future, [n for *_, n in chunk]))

    def pump(self) -> None:
        """Count the chunks the cluster has finished (the work itself goes on there unasked)."""
        for future, names in self.pending:
            if future.key not in self.counted and future.done():
                self.counted.add(future.key)
                self._advance(len(names))

    def take(self, names: list[str]) -> list[Prepared]:
        """The next ``len(names)`` files submitted, prepared, in order."""
        while len(self.ready) < len(names):
            future, chunk = self.pending.popleft()
            try:
                self.ready.extend(future.result())
            except Exception as e:  # KilledWorker and the like: that chunk's files, one line each
                self.ready.extend(Prepared(unreadable_report(n, "crashed", reason=type(e).__name__)) for n in chunk)
            if future.key not in self.counted:
                self._advance(len(chunk))
            self.counted.discard(future.key)
            future.release()
        return [self.ready.popleft() for _ in names]

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
