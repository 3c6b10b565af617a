"""The worker pool as a long run uses it: items submitted chunk by chunk and taken back in order while the
caller works, the same workers for every chunk, a file's time limit never stretched by handing more."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from xltools.check.workers import Crash, Pool


def _work(item: str) -> tuple[str, int]:
    if item == "abort":
        os.abort()
    if item == "hang":
        time.sleep(3600)
    return item.upper(), os.getpid()


def test_chunks_come_back_in_order_while_the_next_is_read() -> None:
    items = [f"f{i}" for i in range(40)]
    with Pool(_work, jobs=2, timeout=20) as pool:
        pool.submit(items[:10])
        out: list[object] = []
        for start in range(0, 40, 10):
            if start + 10 < 40:
                pool.submit(items[start + 10 : start + 20])  # the next chunk, before this one is taken
            chunk = pool.take(10)
            for _ in range(5):
                pool.pump()  # the caller's own work, keeping the workers fed
            out += chunk
    assert [r[0] for r in out if isinstance(r, tuple)] == [i.upper() for i in items]


def test_a_death_in_one_chunk_costs_its_file_and_the_next_chunk_goes_on() -> None:
    with Pool(_work, jobs=2, timeout=20) as pool:
        pool.submit(["a", "abort", "b", "c"])
        pool.submit(["d", "e"])
        first, second = pool.take(4), pool.take(2)
    assert first[1] == Crash("crashed", "SIGABRT")
    assert [r[0] for r in (first[0], first[2], first[3], *second) if isinstance(r, tuple)] == ["A", "B", "C", "D", "E"]


def test_the_same_workers_serve_every_chunk() -> None:
    """Workers are forked once, while the caller is small, and kept: a fresh fork of a grown parent would keep
    its own copy of every page the parent writes afterwards (issue #14)."""
    with Pool(_work, jobs=2, timeout=20) as pool:
        pids = set()
        for start in range(0, 60, 10):
            pool.submit([f"f{i}" for i in range(start, start + 10)])
            pids |= {r[1] for r in pool.take(10) if isinstance(r, tuple)}
    assert len(pids) == 2 and os.getpid() not in pids, pids


def test_more_work_for_a_busy_worker_does_not_stretch_its_files_time() -> None:
    """A worker stuck on a file is handed more files as the caller submits them; the stuck file still
    runs out of time ``timeout`` after it began."""
    began = time.monotonic()
    with Pool(_work, jobs=1, timeout=2) as pool:
        pool.submit(["hang"])
        for k in range(4):
            time.sleep(0.5)
            pool.submit([f"f{k}"])
            pool.pump()
        out = pool.take(5)
    assert out[0] == Crash("timeout", "2")
    assert [r[0] for r in out[1:] if isinstance(r, tuple)] == [f"F{k}" for k in range(4)]
    assert time.monotonic() - began < 3.0  # each hand-over restarting the clock would make it 4 s


def test_taking_more_than_was_submitted_is_a_mistake() -> None:
    with Pool(_work, jobs=1) as pool:
        pool.submit(["a"])
        with pytest.raises(ValueError, match="2 results asked, 1 submitted"):
            pool.take(2)


def _private_mb_after_collecting(_: object) -> int:
    import gc

    junk = [[i] for i in range(200_000)]  # enough young objects for the collector to run on its own
    gc.collect()  # and a full collection
    del junk
    with open("/proc/self/smaps_rollup") as fh:
        private = sum(int(line.split()[1]) for line in fh if line.startswith(("Private_Dirty", "Private_Clean")))
    return private // 1024


def test_a_worker_does_not_copy_what_the_parent_holds() -> None:
    """The parent holds ~100 MB of objects; a worker whose collector walked them would copy their pages."""
    import gc

    held = [[i] for i in range(1_000_000)]
    results = Pool(_private_mb_after_collecting, jobs=1).map([None, None])
    assert all(isinstance(r, int) and r < 60 for r in results), results
    assert gc.isenabled() and gc.get_freeze_count() == 0  # the parent's collector as it was
    assert len(held) == 1_000_000


def test_an_aggregate_forks_its_workers_before_it_lists_the_inputs(monkeypatch: pytest.MonkeyPatch) -> None:
    """The workers exist before the run holds anything of its own (its inputs, its returns): pages the parent
    fills and writes later are never shared with them, so they never keep copies of them."""
    import multiprocessing

    from xltools.aggregate import collect

    seen: list[int] = []
    found = collect.find_returns
    before = {c.pid for c in multiprocessing.active_children()}  # other tests' may still be about

    def listing(given: list[object]) -> list[object]:
        seen.append(len({c.pid for c in multiprocessing.active_children()} - before))
        return found(given)  # type: ignore[arg-type]

    monkeypatch.setattr(collect, "find_returns", listing)
    samples = Path(__file__).resolve().parent.parent / "samples" / "returns" / "yibao_dept_2023"
    summary = collect.aggregate([samples], jobs=2)
    assert seen == [2] and len(summary.submissions) == 9
    assert not {c.pid for c in multiprocessing.active_children()} - before  # and are gone after it


def test_a_worker_that_died_between_pumps_is_not_handed_files_into_a_broken_pipe() -> None:
    """Its file in work is its crash; the files queued behind it, and those handed to it after it died but
    before the pool noticed, are read by a fresh worker."""
    with Pool(_work, jobs=1, timeout=20) as pool:
        pool.submit(["abort", "a", "b"])
        time.sleep(1.0)  # it dies while the caller works elsewhere
        pool.submit(["c"])
        out = pool.take(4)
    assert out[0] == Crash("crashed", "SIGABRT")
    assert [r[0] for r in out[1:] if isinstance(r, tuple)] == ["A", "B", "C"]


def test_a_worker_that_died_idle_costs_no_file() -> None:
    import signal

    with Pool(_work, jobs=1, timeout=20) as pool:
        pool.submit(["a"])
        (first,) = pool.take(1)
        assert isinstance(first, tuple)
        os.kill(first[1], signal.SIGKILL)  # the OOM killer, say, while it waits for work
        while pool.workers[0].process.is_alive():
            time.sleep(0.05)
        pool.submit(["b"])
        (second,) = pool.take(1)
    assert isinstance(second, tuple) and second[0] == "B" and second[1] != first[1]


def test_cancelling_does_not_wait_for_files_in_work() -> None:
    began = time.monotonic()
    with Pool(_work, jobs=1, timeout=60) as pool:
        pool.submit(["hang", "a", "b"])
        pool.pump()
        pool.cancel()
        pool.submit(["c"])
        (out,) = pool.take(1)
    assert isinstance(out, tuple) and out[0] == "C"
    assert time.monotonic() - began < 10  # not the 60 s the hung file had


def test_closing_kills_busy_workers_at_once() -> None:
    pool: Pool[str, tuple[str, int]] = Pool(_work, jobs=2, timeout=60)
    pool.submit(["hang", "hang", "a"])
    pool.pump()
    began = time.monotonic()
    pool.close()
    assert time.monotonic() - began < 2  # stopping them politely waited 5 s each


def test_no_worker_is_forked_while_the_caller_says_to_wait() -> None:
    """``before_fork`` runs before every fork, a dead worker's replacement too: `Preparer` waits there for its
    import thread, so that no worker inherits a module lock that thread held (issue #14)."""
    calls: list[int] = []
    pool = Pool(_work, jobs=1, timeout=20)
    pool.before_fork = lambda: calls.append(len(pool.workers))
    with pool:
        out = pool.map(["a", "abort", "b"])
    assert out[1] == Crash("crashed", "SIGABRT") and [r[0] for r in (out[0], out[2]) if isinstance(r, tuple)] == [
        "A",
        "B",
    ]
    assert len(calls) == 2  # the first worker and the one that replaced it


def test_no_worker_is_forked_while_a_run_imports_phase_two(monkeypatch: pytest.MonkeyPatch) -> None:
    """`Preparer` imports pandas and pandera in a thread while the first files are read, and forks no worker
    before that thread is done."""
    import threading

    import xltools.check.pipeline as pipeline
    import xltools.check.workers as workers

    alive_at_fork: list[bool] = []
    started = threading.Event()

    def slow_warm() -> None:
        started.set()
        time.sleep(1.0)

    monkeypatch.setattr(pipeline, "_warm", slow_warm)
    fork = workers._Worker

    def watched(*args: object) -> object:
        alive_at_fork.append(any(t.name == "xltools-warm" and t.is_alive() for t in threading.enumerate()))
        return fork(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(workers, "_Worker", watched)
    with pipeline.Preparer(None, 1) as pre:
        assert started.wait(5)
        pre.pool.workers[0].kill()  # dies idle: the next submission replaces it
        pre.submit([Path("nowhere.xlsx")], ["nowhere.xlsx"])
        (result,) = pre.take(["nowhere.xlsx"])
    assert result.report.unreadable
    assert alive_at_fork == [False, False]  # the first worker before the thread began, its replacement after it
