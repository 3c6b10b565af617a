"""Reading returns on a Dask cluster (DESIGN §15): ``aggregate --executor dask [--scheduler tcp://HOST:8786]``.

Phase 1 of the check (read, identify, type — the part that grows with the returns) runs on the cluster's
workers in chunks; the prepared returns come back as they finish and the rest — one pandera run, the rules,
the summary — runs here exactly as in a local run, so the summary is the same. The paths must be readable
by the workers (a shared file system). Without a scheduler a LocalCluster of this machine's cores is used.

A file that kills its worker is retried by Dask on another (three tries), then reported `unreadable` with the
reason; the other files go on. Dask is an optional extra (``pip install 'xltools[dask]'``), imported only here.
"""

from __future__ import annotations

from collections.abc import Sequence
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


def prepare_on_cluster(
    paths: Sequence[Path],
    schemas: Path | None,
    names: Sequence[str],
    scheduler: str | None = None,
    progress: Progress | None = None,
    expect_spec: Spec | None = None,
    expect_year: int | None = None,
) -> list[Prepared]:
    """Phase 1 of every file on the cluster at ``scheduler`` (or a local one), in the order given."""
    try:
        from distributed import Client, LocalCluster, as_completed
    except ImportError:
        raise ClusterError("not_installed") from None
    work = [
        (str(Path(p).resolve()), str(schemas.resolve()) if schemas else None, expect_spec, expect_year, n)
        for p, n in zip(paths, names, strict=True)
    ]
    chunks = [work[i : i + CHUNK] for i in range(0, len(work), CHUNK)]
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT)
        else:
            cluster = LocalCluster(processes=True, threads_per_worker=1, dashboard_address=None)
            client = Client(cluster)
    except (OSError, TimeoutError, ValueError) as e:  # ValueError: not an address (no port, file://)
        raise ClusterError(
            "connect", scheduler=scheduler or "LocalCluster", reason=str(e).splitlines()[0][:200]
        ) from None
    results: list[list[Prepared] | None] = [None] * len(chunks)
    try:
        futures = client.map(_prepare_chunk, chunks, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        done = 0
        for future in as_completed(futures):
            i = index[future.key]
            try:
                results[i] = future.result()
            except Exception as e:  # KilledWorker and the like: that chunk's files, one line each
                results[i] = [Prepared(unreadable_report(n, "crashed", reason=type(e).__name__)) for *_, n in chunks[i]]
            done += len(chunks[i])
            if progress:
                progress(done, len(work))
            future.release()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return [p for chunk in results for p in (chunk or [])]
