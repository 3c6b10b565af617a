"""The committed blank templates in templates/ are what the current specs produce."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.compare import workbook_content as content

from xltools.spec import load_spec
from xltools.template import build_template

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("spec_id", ["dept_overall", "yibao_dept", "project"])
def test_committed_template_is_current(spec_id: str, tmp_path: Path) -> None:
    committed = ROOT / "templates" / f"{spec_id}_2025.xlsx"
    fresh = build_template(load_spec(spec_id), tmp_path / committed.name, 2025)
    assert content(committed) == content(fresh), (
        f"regenerate: xltools make-template --spec {spec_id} --year 2025 -o {committed}"
    )
