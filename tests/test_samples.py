"""The committed sample returns are what samples/build_samples.py makes from the current specs."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from support.compare import workbook_content

from xltools.check import check_file

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def _load_builder():
    spec = importlib.util.spec_from_file_location("build_samples", SAMPLES / "build_samples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _content(path: Path) -> dict:
    """Every cell, name, validation and property as openpyxl reads them (not timestamps)."""
    return workbook_content(path)


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("samples")
    _load_builder().build(out)
    return out


def test_committed_samples_are_up_to_date(rebuilt: Path) -> None:
    fresh = sorted(p.relative_to(rebuilt) for p in rebuilt.rglob("*.xlsx"))
    committed = sorted(p.relative_to(SAMPLES) for p in SAMPLES.rglob("*.xlsx"))
    assert fresh == committed, "run: python samples/build_samples.py"
    for rel in fresh:
        assert _content(rebuilt / rel) == _content(SAMPLES / rel), (
            f"{rel} is stale: run python samples/build_samples.py"
        )
    for rel in (p.relative_to(rebuilt) for p in rebuilt.rglob("*.csv")):
        assert (rebuilt / rel).read_bytes() == (SAMPLES / rel).read_bytes(), f"{rel} is stale"


def test_samples_check_as_documented() -> None:
    statuses = {str(p.relative_to(SAMPLES)): check_file(p).status for p in SAMPLES.rglob("*.xlsx")}
    expected = {
        f"returns/yibao_dept_2023/{code}_{name}_yibao_dept_2023.xlsx": "ok"
        for code, name in [
            ("440203", "武江区"),
            ("440204", "浈江区"),
            ("440205", "曲江区"),
            ("440222", "始兴县"),
            ("440224", "仁化县"),
            ("440229", "翁源县"),
            ("440232", "乳源瑶族自治县"),
            ("440281", "乐昌市"),
        ]
    }
    expected |= {k.replace("2023", "2022"): "ok" for k in expected}  # last year's: all clean
    expected["returns/yibao_dept_2022/440233_新丰县_yibao_dept_2022.xlsx"] = "ok"
    expected["returns/yibao_dept_2023/440282_南雄市_yibao_dept_2023.xlsx"] = "errors"
    expected["returns/yibao_dept_2022/440282_南雄市_yibao_dept_2022.xlsx"] = "ok"
    expected["project_2021/440281_乐昌市_project_2021.xlsx"] = "warnings"
    assert statuses == expected


def test_mistakes_sample_has_each_typical_mistake() -> None:
    (path,) = SAMPLES.glob("returns/yibao_dept_2023/440282_*.xlsx")
    codes = {(f.code, f.field) for f in check_file(path).findings}
    assert {
        ("pattern", "phone"),
        ("type", "penalties"),
        ("unit", "project_expenditure"),
        ("rule", "inspection_visits"),
        ("missing", "problems"),
    } <= codes
