"""Every finding code and every CLI command is documented."""

from __future__ import annotations

from pathlib import Path

import pytest

from xltools.cli import app
from xltools.catalogue.findings import CODES as CATALOGUE

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("code", list(CATALOGUE))
def test_every_code_is_documented(code: str) -> None:
    doc = (ROOT / "docs" / "findings.md").read_text(encoding="utf-8")
    assert f"| `{code}` |" in doc and f"- `{code}` —" in doc
    assert CATALOGUE[code].example in doc


@pytest.mark.parametrize("command", [c.name for c in app.registered_commands])
def test_every_command_is_in_the_readme(command: str) -> None:
    assert f"xltools {command}" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_cli_reference_is_current() -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_cli_reference", ROOT / "docs" / "make_cli_reference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == module.reference(), (
        "run: python docs/make_cli_reference.py"
    )
