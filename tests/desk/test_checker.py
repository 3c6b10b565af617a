"""The desk's warm checker processes: a hostile file or a dead worker costs one call, never the server."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from support import warm_fns

from xltools.check.workers import Crash, Warm
from xltools.desk.checking import Checker, Job


def test_a_hang_a_memory_hog_and_an_abort_each_cost_one_call() -> None:
    pool: Warm[object, object] = Warm(warm_fns.echo, workers=1, timeout=3, cap=256 * 1024 * 1024)
    try:
        assert pool.ready()
        assert pool.run("a") == "a"
        slow: Warm[float, float] = Warm(warm_fns.slow, workers=1, timeout=1.0)
        t = time.monotonic()
        assert slow.run(30) == Crash("timeout", "1")
        assert time.monotonic() - t < 10
        assert slow.run(0.01) == 0.01  # a fresh worker took its place
        slow.close()
        greedy: Warm[int, int] = Warm(warm_fns.greedy, workers=1, cap=256 * 1024 * 1024)
        assert isinstance(greedy.run(2048), Crash) and greedy.run(1) == 1024 * 1024
        greedy.close()
        aborting: Warm[object, None] = Warm(warm_fns.abort, workers=1)
        crash = aborting.run(None)
        assert isinstance(crash, Crash) and crash.kind == "crashed" and crash.reason == "SIGABRT"
        aborting.close()
    finally:
        pool.close()


def test_a_worker_that_died_while_idle_is_replaced_not_a_500() -> None:
    pool: Warm[object, object] = Warm(warm_fns.echo, workers=1)
    try:
        assert pool.ready()
        w = pool.idle.get()
        pool.idle.put(w)
        os.kill(w.process.pid, signal.SIGKILL)
        w.process.join()
        assert pool.run("still here") == "still here"
    finally:
        pool.close()


def test_a_worker_that_cannot_start_says_why() -> None:
    pool: Warm[object, object] = Warm(warm_fns.echo, workers=1, init=warm_fns.broken_init)
    try:
        assert not pool.ready(timeout=60)
        assert pool.failure == "RuntimeError: no specs here"
    finally:
        pool.close()


def test_the_checker_reports_a_check_out_of_time_as_an_unreadable_file(returns: dict[str, Path]) -> None:
    checker = Checker(workers=1, timeout=0.001)
    try:
        assert checker.ready()
        checked = checker.check(Job(str(returns["clean"]), "x.xlsx", "yibao_dept", 2023, "440222", "始兴县"))
        assert checked.status == "rejected" and checked.report.unreadable
        assert (checked.report.findings[0].code, checked.report.findings[0].detail) == ("unreadable", "timeout")
        assert "Traceback" not in checked.report.findings[0].text("zh")
    finally:
        checker.close()
