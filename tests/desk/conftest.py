"""Fixtures of the desk's tests: a desk on SQLite and on a real PostgreSQL, warm checkers, returns."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from returns import FIRST_MISTAKES, make_return
from support import postgres

from xltools.desk import Desk
from xltools.desk.checking import Checker

_names = itertools.count(1)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """Never skipped: without PostgreSQL these tests fail, saying what to install."""
    if postgres.binaries() is None:
        pytest.fail("PostgreSQL is needed: run `bash .ci/run`, or deselect these tests with -m 'not postgres'")
    with postgres.server() as url:
        yield url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def desk(request: pytest.FixtureRequest, tmp_path: Path) -> Desk:
    """An empty desk on each database."""
    if request.param == "sqlite":
        return Desk.at(tmp_path / "data")
    server = request.getfixturevalue("pg_server")
    return Desk.at(db=postgres.new_database(server, f"desk_{next(_names)}"))


@pytest.fixture(scope="session")
def checker() -> Iterator[Checker]:
    c = Checker(workers=1, timeout=60)
    yield c
    c.close()


@pytest.fixture(scope="session")
def returns(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """始兴县 2023: with three mistakes, clean, and the return of another region (乐昌市's project)."""
    d = tmp_path_factory.mktemp("desk-returns")
    return {
        "mistakes": make_return(d, FIRST_MISTAKES, name="440222_mistakes.xlsx"),
        "clean": make_return(d, name="440222_clean.xlsx"),
        "fixed_new_mistake": make_return(d, {"enrollment_rate": 120}, name="440222_new.xlsx"),
    }
