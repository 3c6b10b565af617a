"""A real LibreOffice (headless) is the person filling the template: it types every value into the cells
behind the defined names, recalculates and saves as .xlsx; then we read what it computed, and `check`
must agree. One LibreOffice run fills all the files."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from returns import LECHANG, SHIXING, flat
from support.fill import load_return_data
from support.libreoffice_fill import fill_like_a_person

from xltools.check import check_file
from xltools.template import build_template

pytestmark = pytest.mark.libreoffice

MISTAKES = {"budget_final": "约3万", "inspection_visits": 40, "phone": "6927892"}


def value(wb: openpyxl.Workbook, name: str) -> object:
    ((sheet, ref),) = wb.defined_names[name].destinations
    return wb[sheet][ref.replace("$", "").split(":")[0]].value


def at(wb: openpyxl.Workbook, name: str) -> str:
    ((sheet, ref),) = wb.defined_names[name].destinations
    return f"{sheet}!{ref.replace('$', '')}"


@pytest.fixture(scope="module")
def typed(tmp_path_factory: pytest.TempPathFactory, lo_required: str) -> dict[str, Path]:
    """Seed 000, seed 004, and seed 000 with three mistakes, each typed in by LibreOffice."""
    d = tmp_path_factory.mktemp("lo")
    jobs = []
    for name, source, changes in (("shixing", SHIXING, {}), ("lechang", LECHANG, {}), ("mistakes", SHIXING, MISTAKES)):
        data = load_return_data(source)
        template = build_template(data["spec"], d / f"{name}.template.xlsx", data["year"], data["region"])
        jobs.append((template, {**data["values"], **changes}, d / f"{name}.xlsx"))
    data = load_return_data(SHIXING)  # a generic template: the person picks the region code
    generic = build_template(data["spec"], d / "generic.template.xlsx", data["year"])
    jobs.append((generic, data["values"], d / "generic.xlsx"))
    return {p.stem: p for p in fill_like_a_person(jobs)}


def test_seed_000_totals_computed_by_libreoffice(typed: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(typed["shixing"], data_only=True)
    assert value(wb, "basic_expenditure") == pytest.approx(204.20, abs=1e-9)  # 188.72 + 15.48
    assert value(wb, "total_expenditure") == pytest.approx(385.67, abs=1e-9)  # 204.20 + 181.47
    assert value(wb, "insured_total") == 228236  # 174537 + 30875 + 22824
    assert value(wb, "designated_total") == 53  # 14 + 39
    assert value(wb, "three_costs_total") == pytest.approx(2.73, abs=1e-9)
    assert value(wb, "three_costs_change") == pytest.approx(-0.03, abs=1e-9)
    assert value(wb, "execution_rate") == pytest.approx(1.0)
    assert value(wb, "inspection_coverage") == pytest.approx(1.0)
    assert value(wb, "indicator_score_total") == pytest.approx(86)
    assert value(wb, "total_score") == pytest.approx(96)  # the seed's self-assessed score
    assert value(wb, "grade") == "优"


def test_typed_values_keep_their_kind(typed: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(typed["shixing"], data_only=True)
    assert value(wb, "phone") == "0751-6927892"  # a text cell keeps the leading zero
    assert value(wb, "fill_date").date().isoformat() == "2024-07-09"  # typed text became a date
    assert value(wb, "region_code") == "440222"


def test_seed_004_project_funding_block(typed: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(typed["lechang"], data_only=True)
    assert value(wb, "budget_final") == 3 and value(wb, "spent") == 3
    assert value(wb, "execution_rate") == pytest.approx(1.0)
    assert value(wb, "execution_score") == 10


def test_structure_survives_libreoffice(typed: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(typed["shixing"])
    from xltools.contract import layout_of
    from xltools.spec import load_spec

    assert (
        value(wb, "total_expenditure") == layout_of(load_spec("yibao_dept")).formulas["total_expenditure"]
    )  # same text
    assert all(wb[s].protection.sheet for s in ("基本信息", "资金情况", "业务情况", "绩效指标", "自评结论", "自评表"))
    ((sheet, ref),) = wb.defined_names["budget_final"].destinations
    assert not wb[sheet][ref.replace("$", "")].protection.locked
    assert len(wb["绩效指标"].data_validations.dataValidation) >= 10


def test_check_agrees_with_libreoffice(typed: dict[str, Path]) -> None:
    report = check_file(typed["shixing"])
    assert report.status == "ok", [(f.code, f.where, f.message) for f in report.findings]
    assert [(f.code, f.field) for f in check_file(typed["lechang"]).findings] == [("missing", "problems")]


def test_mistakes_typed_in_libreoffice_are_found_at_their_cells(typed: dict[str, Path]) -> None:
    """Validation does not stop a paste or a program: the checker must."""
    wb = openpyxl.load_workbook(typed["mistakes"])
    assert flat(check_file(typed["mistakes"])) == {
        ("type", "error", at(wb, "budget_final")),
        ("rule", "error", at(wb, "inspection_visits")),
        ("pattern", "error", at(wb, "phone")),
    }


def test_generic_template_names_the_chosen_region(typed: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(typed["generic"], data_only=True)
    ((sheet, ref),) = wb.defined_names["region_code"].destinations
    code = wb[sheet][ref.replace("$", "")]
    assert (code.value, code.offset(column=1).value) == ("440222", "始兴县")
    assert check_file(typed["generic"]).status == "ok"
