"""Every finding code and every CLI command is documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from xltools.catalogue.findings import CODES as CATALOGUE
from xltools.cli import app

ROOT = Path(__file__).resolve().parent.parent


def _load(name: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "docs" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_findings_reference_is_current() -> None:
    assert (ROOT / "docs" / "findings.md").read_text(encoding="utf-8") == _load(
        "make_findings_reference"
    ).reference(), "run: python docs/make_findings_reference.py"


@pytest.mark.parametrize("code", list(CATALOGUE))
def test_every_code_is_documented(code: str) -> None:
    doc = (ROOT / "docs" / "findings.md").read_text(encoding="utf-8")
    assert f"| `{code}` |" in doc and f"- `{code}` —" in doc
    assert CATALOGUE[code].example in doc


@pytest.mark.parametrize("command", [c.name for c in app.registered_commands])
def test_every_command_is_in_the_readme(command: str) -> None:
    assert f"xltools {command}" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_cli_reference_is_current() -> None:
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == _load("make_cli_reference").reference(), (
        "run: python docs/make_cli_reference.py"
    )


def test_the_readme_check_example_is_what_check_prints() -> None:
    """The README's `check` example is a real run on the bundled sample (kept true when findings change)."""
    import subprocess
    import sys

    sample = "samples/returns/yibao_dept_2023/440282_南雄市_yibao_dept_2023.xlsx"
    out = subprocess.run(
        [sys.executable, "-m", "xltools", "check", sample, "--lang", "zh"], cwd=ROOT, capture_output=True, text=True
    ).stdout
    assert f"$ xltools check {sample}\n{out}```" in (ROOT / "README.md").read_text(encoding="utf-8")
