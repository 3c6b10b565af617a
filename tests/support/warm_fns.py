"""Functions for the warm worker tests (importable by name in a spawned process)."""

from __future__ import annotations

import os
import time


def echo(x: object) -> object:
    return x


def slow(seconds: float) -> float:
    time.sleep(seconds)
    return seconds


def greedy(megabytes: int) -> int:
    block = bytearray(megabytes * 1024 * 1024)
    return len(block)


def abort(_: object) -> None:
    os.abort()


def broken_init() -> None:
    raise RuntimeError("no specs here")
