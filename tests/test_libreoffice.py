"""A real LibreOffice (headless) fills in for a person: fill, recalculate, save as .xlsx, read back."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from xltools.build import build_template
from xltools.fill import fill_return, load_return_data
from xltools.libreoffice import recalculate

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "data"

pytestmark = pytest.mark.libreoffice


def value(wb: openpyxl.Workbook, name: str) -> object:
    ((sheet, ref),) = wb.defined_names[name].destinations
    return wb[sheet][ref.replace("$", "")].value


@pytest.fixture(scope="module")
def recalculated(tmp_path_factory: pytest.TempPathFactory, lo_required: str) -> dict[str, Path]:
    """Both seed returns filled through their names, then recalculated by LibreOffice in one call."""
    d = tmp_path_factory.mktemp("lo")
    filled = []
    for name in ("440222_shixing_2023_yibao_dept", "440281_lechang_2021_project"):
        data = load_return_data(SAMPLES / f"{name}.yaml")
        template = build_template(data["spec"], d / f"{name}.template.xlsx", data["year"], data["region"])
        filled.append(fill_return(template, data["values"], d / f"{name}.xlsx"))
    outs = recalculate(filled, d / "out")
    return {p.stem: p for p in outs}


def test_seed_000_totals_computed_by_libreoffice(recalculated: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(recalculated["440222_shixing_2023_yibao_dept"], data_only=True)
    assert value(wb, "basic_expenditure") == pytest.approx(204.20, abs=1e-9)
    assert value(wb, "total_expenditure") == pytest.approx(385.67, abs=1e-9)
    assert value(wb, "insured_total") == 228236
    assert value(wb, "designated_total") == 53
    assert value(wb, "three_costs_total") == pytest.approx(2.73, abs=1e-9)
    assert value(wb, "three_costs_change") == pytest.approx(-0.03, abs=1e-9)
    assert value(wb, "execution_rate") == pytest.approx(1.0)
    assert value(wb, "inspection_coverage") == pytest.approx(1.0)
    assert value(wb, "indicator_score_total") == pytest.approx(86)
    assert value(wb, "total_score") == pytest.approx(96)  # the seed's self-assessed score
    assert value(wb, "grade") == "优"


def test_seed_004_project_funding_block(recalculated: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(recalculated["440281_lechang_2021_project"], data_only=True)
    assert value(wb, "budget_final") == 3 and value(wb, "spent") == 3
    assert value(wb, "execution_rate") == pytest.approx(1.0)
    assert value(wb, "execution_score") == 10


def test_structure_survives_the_round_trip(recalculated: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(recalculated["440222_shixing_2023_yibao_dept"])
    assert value(wb, "total_expenditure") == "=$C$8+$C$9"  # still a formula, same text
    assert all(wb[s].protection.sheet for s in ("基本信息", "资金情况", "业务情况", "绩效指标", "自评结论"))
    ((sheet, ref),) = wb.defined_names["budget_final"].destinations
    assert not wb[sheet][ref.replace("$", "")].protection.locked
    assert len(wb["绩效指标"].data_validations.dataValidation) >= 10


def test_check_agrees_after_libreoffice(
    recalculated: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The seed 000 return checks clean both raw (no cached values) and after LibreOffice recalculated it."""
    from xltools.check import check_file

    raw = Path(str(recalculated["440222_shixing_2023_yibao_dept"]).replace("/out/", "/"))
    assert raw.is_file()
    for path in (raw, recalculated["440222_shixing_2023_yibao_dept"]):
        report = check_file(path)
        assert report.status == "ok", [(f.code, f.where, f.message) for f in report.findings]
    lechang = check_file(recalculated["440281_lechang_2021_project"])
    assert [(f.code, f.field) for f in lechang.findings] == [("missing", "problems")]
