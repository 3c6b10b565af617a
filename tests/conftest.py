"""Shared fixtures: templates built once per session, seed returns, LibreOffice."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings
from support.libreoffice_fill import uno_python

from xltools.libreoffice import soffice
from xltools.spec import load_spec
from xltools.template import build_template

# CI runs the same examples every time (a red CI must be reproducible); local runs keep exploring.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DATA = ROOT / "samples" / "data"
SPEC_IDS = ("dept_overall", "yibao_dept", "project")


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A generic (no region) template of every spec, year 2023."""
    d = tmp_path_factory.mktemp("templates")
    return {sid: build_template(load_spec(sid), d / f"{sid}.xlsx", 2023) for sid in SPEC_IDS}


@pytest.fixture(scope="session")
def lo_required() -> str:
    """LibreOffice and its Python bridge must be installed for these tests; CI installs both (.ci/run).
    Never skipped: without them the tests fail, saying what to install."""
    exe = soffice()
    if exe is None or uno_python() is None:
        pytest.fail(
            "LibreOffice (soffice) and python3-uno are needed: run `bash .ci/run`, "
            "or deselect these tests with -m 'not libreoffice'"
        )
    return exe
