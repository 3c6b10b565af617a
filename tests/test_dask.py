"""aggregate --executor dask (DESIGN §15): returns read on a Dask cluster — a LocalCluster, and a real
`dask scheduler` with two `dask worker` processes started here — give the same summary as a local run."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from support.serving import free_port

from xltools.aggregate.cluster import _prepare_chunk  # imports nothing of Dask

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "returns" / "yibao_dept_2023"


def cells(path: Path) -> dict[str, list[tuple[object, ...]]]:
    wb = openpyxl.load_workbook(path)
    return {ws.title: [tuple(c.value for c in row) for row in ws.iter_rows()] for ws in wb.worksheets}


def xltools(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xltools", *args], capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ten samples, a file that is not a workbook, and a copy of one return (a duplicate)."""
    d = tmp_path_factory.mktemp("inbox")
    for p in SAMPLES.glob("*.xlsx"):
        (d / p.name).write_bytes(p.read_bytes())
    (d / "440233_新丰县.xlsx").write_bytes(b"%PDF-1.4 not a workbook")
    (d / "copy_440222.xlsx").write_bytes((SAMPLES / "440222_始兴县_yibao_dept_2023.xlsx").read_bytes())
    return d


@pytest.fixture(scope="module")
def local(inbox: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[tuple[object, ...]]]:
    out = tmp_path_factory.mktemp("local") / "s.xlsx"
    r = xltools("aggregate", str(inbox), "-o", str(out), "--jobs", "2")
    assert r.returncode == 0, r.stderr
    return cells(out)


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A `dask scheduler` and two `dask worker` processes on localhost."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [
        subprocess.Popen(
            ["dask", "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    procs += [
        subprocess.Popen(
            ["dask", "worker", address, "--nthreads", "1", "--no-dashboard", "--name", f"w{i}"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i in range(2)
    ]
    from distributed import Client

    end = time.monotonic() + 60
    while True:
        try:
            with Client(address, timeout="5s") as c:
                if len(c.scheduler_info()["workers"]) == 2:
                    break
        except OSError:
            pass
        if time.monotonic() > end:
            pytest.fail("dask scheduler and workers did not start")
        time.sleep(0.5)
    yield address
    for p in procs:
        p.terminate()
    for p in procs:
        p.wait(timeout=30)


def test_a_local_cluster_gives_the_same_summary(inbox: Path, local, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "s.xlsx"
    r = xltools("aggregate", str(inbox), "-o", str(out), "--executor", "dask")
    assert r.returncode == 0, r.stderr
    assert cells(out) == local


def test_a_scheduler_and_two_workers_give_the_same_summary(inbox: Path, local, scheduler: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "s.xlsx"
    r = xltools("aggregate", str(inbox), "-o", str(out), "--executor", "dask", "--scheduler", scheduler)
    assert r.returncode == 0, r.stderr
    assert cells(out) == local
    listed = " ".join(str(v) for row in local["报送情况"] for v in row)
    assert "440233_新丰县.xlsx" in listed and "无法受理" in listed  # the PDF is listed, not lost
    assert "copy_440222.xlsx" in listed


def test_without_executor_nothing_of_dask_is_imported(tmp_path: Path) -> None:
    out = tmp_path / "s.xlsx"
    r = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "xltools", "aggregate", str(SAMPLES), "-o", str(out)],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0 and out.is_file()
    assert "| pandera" in r.stderr and "| dask" not in r.stderr and "| distributed" not in r.stderr


def test_an_unreachable_scheduler_is_one_line(inbox: Path, tmp_path: Path) -> None:
    r = xltools(
        "aggregate", str(inbox), "-o", str(tmp_path / "s.xlsx"), "--executor", "dask",
        "--scheduler", f"tcp://127.0.0.1:{free_port()}",
    )  # fmt: skip
    assert r.returncode == 2 and "无法连接 Dask 集群" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "s.xlsx").exists()
    for address in ("notaurl", "file:///etc/passwd", "tcp://127.0.0.1"):  # not addresses at all
        r = xltools(
            "aggregate", str(inbox), "-o", str(tmp_path / "s.xlsx"), "--executor", "dask", "--scheduler", address
        )
        assert r.returncode == 2 and "无法连接 Dask 集群" in r.stderr and "Traceback" not in r.stderr, r.stderr[-300:]
    r = xltools("aggregate", str(inbox), "-o", str(tmp_path / "s.xlsx"), "--scheduler", "tcp://x:1")
    assert r.returncode == 2 and "--executor dask" in r.stderr


def test_a_long_run_on_the_cluster_streams_and_spills_as_a_local_one(  # type: ignore[no-untyped-def]
    inbox: Path, local, scheduler: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunks of the run (2 returns) across the cluster's tasks (3 files each), every return's details in the
    spool: the same summary — this process holds one chunk of prepared returns, not the whole run."""
    from xltools.aggregate import cluster, collect, spool, write_outputs

    monkeypatch.setattr(collect, "STREAM", 2)
    monkeypatch.setattr(collect, "SPILL", 0)
    monkeypatch.setattr(cluster, "CHUNK", 3)
    done: list[tuple[int, int]] = []
    summary = collect.aggregate(
        [inbox], executor="dask", scheduler=scheduler, progress=lambda d, t: done.append((d, t))
    )
    assert isinstance(summary.spool, spool.Spool)
    out = tmp_path / "s.xlsx"
    write_outputs(summary, out)
    summary.close()
    assert cells(out) == local
    assert done[-1] == (11, 11) and [d for d, _ in done] == sorted(d for d, _ in done)


RELEASE = threading.Event()  # lets the hung task of the test below end when it is over


def _flaky(work: list[Any]) -> list[Any]:
    """Phase 1 of a task, as run on the in-process cluster of the test below: a task holding a file named
    boom fails (as Dask reports a worker killed three times), one holding hang hangs."""
    names = " ".join(w[-1] for w in work)
    if "boom" in names:
        raise RuntimeError("the worker died")
    if "hang" in names:
        RELEASE.wait(60)
    return _prepare_chunk(work)  # the real one (the test puts this function in its place)


def test_a_failed_or_hung_task_costs_only_the_file_at_fault(monkeypatch: pytest.MonkeyPatch) -> None:
    """A task whose worker dies (here: the task fails) or that outlasts its files' time is run again file by
    file: only the file at fault is `unreadable`, with its reason; the others of its task are read."""
    from distributed import LocalCluster

    from xltools.aggregate import cluster

    monkeypatch.setattr(cluster, "_prepare_chunk", _flaky)
    monkeypatch.setattr(cluster, "CHUNK", 3)
    monkeypatch.setattr(cluster, "TIMEOUT", 2)
    paths = sorted(SAMPLES.glob("*.xlsx"))[:5]
    names = ["a", "boom", "b", "hang", "c"]
    local = LocalCluster(processes=False, n_workers=1, threads_per_worker=4, dashboard_address=None)
    try:
        with cluster.ClusterPreparer(None, local.scheduler_address) as pre:
            pre.count(5, None)
            pre.submit(paths, names)
            began = time.monotonic()
            out = pre.take(names)
            took = time.monotonic() - began
    finally:
        RELEASE.set()
        local.close()
    status = {n: (p.report.status, [f.detail for f in p.report.findings]) for n, p in zip(names, out, strict=True)}
    assert status["boom"] == ("unreadable", ["crashed"]) and status["hang"] == ("unreadable", ["timeout"]), status
    assert all(out[i].typed is not None for i in (0, 2, 4)), status  # the rest of both tasks: read
    assert took < 30, took  # the hung task's 4 s, then the hung file's own 2 s — not the 60 s it hangs
