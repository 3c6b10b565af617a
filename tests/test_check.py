"""check: for each finding code, a return built from the template that produces it at the right cell
and nothing else; the seed return checks clean; accepted and rejected forms of numbers."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from returns import LECHANG, cell_of, flat, make_return, patch_part, sheet_part

from xltools.catalogue.findings import CODES as CATALOGUE
from xltools.check import check_file
from xltools.spec import load_spec

E, W = "error", "warning"


def at(path: Path, name: str) -> str:
    sheet, ref = cell_of(path, name)
    return f"{sheet}!{ref}"


def row_cell(path: Path, column: str, row: int) -> str:
    wb = openpyxl.load_workbook(path)
    ((sheet, ref),) = wb.defined_names[column].destinations
    first = ref.replace("$", "").split(":")[0]
    letters, number = re.match(r"([A-Z]+)(\d+)", first).groups()
    return f"{sheet}!{letters}{int(number) + row}"


def test_seed_000_return_is_clean(tmp_path: Path) -> None:
    report = check_file(make_return(tmp_path))
    assert report.findings == []
    assert (report.status, report.spec, report.spec_version, report.region_code, report.year) == (
        "ok",
        "yibao_dept",
        load_spec("yibao_dept").version,
        "440222",
        2023,
    )


def test_seed_004_project_warns_about_problems_left_as_none(tmp_path: Path) -> None:
    """The seed's own mistake: "存在问题: 无" under a score below 100."""
    path = make_return(tmp_path, source=LECHANG)
    report = check_file(path)
    assert flat(report) == {("missing", W, at(path, "problems"))}
    assert "99.49" in report.findings[0].message


# (name, how to spoil the seed return, expected findings as (code, severity, defined name or (column, row)))
Case = tuple[str, dict, dict, list]
CASES: list[Case] = [
    ("missing", {"phone": None}, {}, [("missing", E, "phone")]),
    ("type: 约3万", {"budget_final": "约3万"}, {}, [("type", E, "budget_final")]),
    ("type: 3万元", {"recovered_funds": "95.69万元"}, {}, [("type", E, "recovered_funds")]),
    ("type: dash", {"penalties": "—"}, {}, [("type", E, "penalties")]),
    ("type: fraction in a count", {"inspection_visits": 68.5}, {}, [("type", E, "inspection_visits")]),
    ("type: bad date", {"fill_date": "去年七月"}, {}, [("type", E, "fill_date")]),
    ("type: text in a table number", {}, {("ind_score", 0): "满分"}, [("type", E, ("ind_score", 0))]),
    (
        "type warning: more decimals than the form shows",
        {"reception_cost": 0.2345},
        {},
        [("type", W, "reception_cost")],
    ),
    ("range", {"personnel_expenditure": -5}, {}, [("range", E, "personnel_expenditure")]),
    ("range: percent over 100", {"enrollment_rate": 101}, {}, [("range", E, "enrollment_rate")]),
    ("range: score above weight", {}, {("ind_score", 0): 12}, [("range", E, ("ind_score", 0))]),
    (
        "choice: level 2 under the wrong level 1",
        {},
        {("ind_level2", 0): "社会效益指标"},
        [("choice", E, ("ind_level2", 0))],
    ),
    ("choice: not a direction", {}, {("ind_direction", 1): "大于"}, [("choice", E, ("ind_direction", 1))]),
    ("choice: qualitative answer", {}, {("ind_actual", 7): "基本达成"}, [("choice", E, ("ind_actual", 7))]),
    ("missing: cell of a used row", {}, {("ind_unit", 2): None}, [("missing", E, ("ind_unit", 2))]),
    ("pattern", {"phone": "6927892"}, {}, [("pattern", E, "phone")]),
    ("rule: visits below inspected", {"inspection_visits": 40}, {}, [("rule", E, "inspection_visits")]),
    (
        "rule: inspected above designated",
        {"inspected_institutions": 60, "inspection_visits": 68},
        {},
        [("rule", E, "inspected_institutions")],
    ),
    ("rule: aid paid with no visits", {"aid_visits": 0}, {}, [("rule", E, "aid_visits")]),
    ("rule warning: enrollment below 98", {"enrollment_rate": 97.2}, {}, [("rule", W, "enrollment_rate")]),
    ("rule warning: fill date not in the next year", {"fill_date": "2023-12-30"}, {}, [("rule", W, "fill_date")]),
    ("rule: qualitative band", {}, {("ind_score", 7): 9}, [("rule", E, ("ind_score", 7))]),
    (
        "rule warning: standard score",
        {},
        {("ind_score", 1): 9, ("ind_reason", 1): "有偏差"},
        [("rule", W, ("ind_score", 1))],
    ),
    ("missing warning: reason for a lost point", {}, {("ind_reason", 8): "无"}, [("missing", W, ("ind_reason", 8))]),
    (
        "sum: weights not 90",
        {},
        {("ind_weight", 2): 5, ("ind_score", 2): 5},
        [("sum", E, "ind_weight_total"), ("rule", W, "ind_weight_total")],
    ),
    ("missing warning: execution reason", {"budget_final": 450}, {}, [("missing", W, "execution_reason")]),
    ("missing warning: three costs rose", {"three_costs_prior": 2.0}, {}, [("missing", W, "three_costs_note")]),
    (
        "unit: 元 for 万元",
        {"project_expenditure": 1814700},
        {},
        [("unit", E, "project_expenditure"), ("rule", W, "execution_rate")],
    ),
]


@pytest.mark.parametrize(("name", "changes", "rows", "expected"), CASES, ids=[c[0] for c in CASES])
def test_each_mistake_gives_its_finding_and_nothing_else(
    tmp_path: Path, name: str, changes: dict, rows: dict, expected: list
) -> None:
    path = make_return(tmp_path, changes, rows)
    want = {(code, sev, at(path, ref) if isinstance(ref, str) else row_cell(path, *ref)) for code, sev, ref in expected}
    assert flat(check_file(path)) == want


def test_catalogue_codes_are_all_exercised() -> None:
    exercised = {code for *_, expected in CASES for code, _, _ in expected}
    exercised |= {"tampered", "template", "unreadable", "sum"}  # below, and in test_bad_input.py
    exercised |= {"outlier"}  # needs last year's figures: tests/test_outliers.py
    assert exercised == set(CATALOGUE)


def test_unambiguous_forms_are_accepted(tmp_path: Path) -> None:
    path = make_return(
        tmp_path,
        {
            "budget_final": "３８５.６７",  # full-width digits
            "insured_residents": "174,537",  # thousands separator, as text
            "enrollment_rate": "98.01%",  # a percent sign on a percentage field
            "personnel_expenditure": " 188.72 ",  # a number stored as text
            "fill_date": "2024年7月9日",  # a date as text
        },
        {("ind_direction", 0): "正向（≥）"},
    )  # full-width brackets
    assert check_file(path).findings == []


def test_unknown_region_code_in_a_generic_template(tmp_path: Path) -> None:
    path = make_return(tmp_path, {"region_code": "449999"}, region=False)
    assert flat(check_file(path)) == {("choice", E, at(path, "region_code"))}


def test_formula_typed_over_is_tampered_and_its_sum_wrong(tmp_path: Path) -> None:
    path = make_return(tmp_path, {"total_expenditure": 380})
    where = at(path, "total_expenditure")
    assert flat(check_file(path)) == {("tampered", E, where), ("sum", E, where)}


def test_formula_typed_over_with_the_right_number_is_still_tampered(tmp_path: Path) -> None:
    path = make_return(tmp_path, {"basic_expenditure": 204.2})
    assert flat(check_file(path)) == {("tampered", E, at(path, "basic_expenditure"))}


def test_stale_cached_value_is_a_sum_error(tmp_path: Path) -> None:
    """A formula whose stored result disagrees with its inputs (what a person saw on paper)."""
    path = make_return(tmp_path)
    sheet, ref = cell_of(path, "total_expenditure")
    patch_part(
        path,
        sheet_part(path, sheet),
        lambda xml: re.sub(rf'(<c r="{ref}"[^>]*>)(<f>[^<]*</f>)(<v>[^<]*</v>|<v\s*/>)?', r"\1\2<v>380</v>", xml),
    )
    report = check_file(path)
    assert flat(report) == {("sum", E, f"{sheet}!{ref}")}
    assert report.findings[0].expected == pytest.approx(385.67) and report.findings[0].actual == 380


Edit = Callable[[openpyxl.Workbook], None]


def _delete_sheet(wb: openpyxl.Workbook) -> None:
    del wb["业务情况"]


def _rename_sheet(wb: openpyxl.Workbook) -> None:
    wb["资金情况"].title = "资金"


def _delete_name(wb: openpyxl.Workbook) -> None:
    del wb.defined_names["budget_final"]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (_delete_sheet, {("tampered", E, "业务情况")}),
        (_delete_name, {("tampered", E, "{budget_final}")}),
    ],
    ids=["sheet deleted", "name deleted"],
)
def test_structure_removed_is_tampered(tmp_path: Path, edit: Edit, expected: set) -> None:
    from xltools.contract import layout_of
    from xltools.spec import load_spec

    home = "!".join(layout_of(load_spec("yibao_dept")).where("budget_final"))  # where the template put it
    want = {(code, sev, where.format(budget_final=home)) for code, sev, where in expected}
    assert flat(check_file(make_return(tmp_path, edit=edit))) == want


def test_renamed_sheet_is_tampered_and_nothing_invented(tmp_path: Path) -> None:
    report = check_file(make_return(tmp_path, edit=_rename_sheet))
    assert {f.code for f in report.findings} == {"tampered"}
    assert ("tampered", E, "资金情况") in flat(report)


def test_not_an_xltools_workbook(tmp_path: Path) -> None:
    path = tmp_path / "plain.xlsx"
    openpyxl.Workbook().save(path)
    report = check_file(path)
    assert flat(report) == {("template", E, "")} and report.status == "errors"


def test_unknown_spec_version(tmp_path: Path) -> None:
    path = make_return(tmp_path)
    patch_part(
        path, sheet_part(path, "_xltools"), lambda xml: xml.replace(f">{load_spec('yibao_dept').version}<", ">0.9<", 1)
    )
    report = check_file(path)
    assert flat(report) == {("template", E, "")}
    assert "0.9" in report.findings[0].message


def test_another_spec_or_year_when_one_is_expected(tmp_path: Path) -> None:
    path = make_return(tmp_path)
    assert "不是本次收集的“项目支出绩效自评表”" in check_file(path, expect_spec="project").findings[0].message
    assert "请使用 2024 年度表样" in check_file(path, expect_year=2024).findings[0].message


def test_english_messages(tmp_path: Path) -> None:
    report = check_file(make_return(tmp_path, {"phone": None, "inspection_visits": 40}))
    messages = " ".join(f.text("en") for f in report.findings)
    assert "is empty" in messages and "cannot be fewer" in messages
    assert not re.search(r"[请应]", messages)


def test_batch_check_equals_file_by_file() -> None:
    """check_files (parallel reading, one pandera run) reports exactly what check_file does per file."""
    from xltools.check import check_files
    from xltools.files import find_returns

    paths = [i.path for i in find_returns([Path(__file__).resolve().parent.parent / "samples"])]
    assert len(paths) >= 8  # enough to use the process pool
    batch = check_files(paths, jobs=2)
    assert [(r.file, r.status, r.findings) for r in batch] == [
        (r.file, r.status, r.findings) for r in map(check_file, paths)
    ]


def test_meta_sheet_deleted_identity_comes_from_the_properties(tmp_path: Path) -> None:
    def drop_meta(wb: openpyxl.Workbook) -> None:
        del wb["_xltools"]

    report = check_file(make_return(tmp_path, edit=drop_meta))
    assert (report.spec, report.spec_version, report.year, report.status) == (
        "yibao_dept",
        load_spec("yibao_dept").version,
        2023,
        "ok",
    )


def test_empty_indicator_table_is_one_finding_not_a_cascade(tmp_path: Path) -> None:
    from xltools.spec import load_spec

    columns = [c.id for c in load_spec("yibao_dept").table.columns]
    path = make_return(tmp_path, dict.fromkeys(columns), {})
    assert flat(check_file(path)) == {("missing", E, row_cell(path, "ind_level1", 0))}


def test_a_text_longer_than_a_cell_keeps_is_an_error_at_its_cell_not_a_cut_text(tmp_path: Path) -> None:
    """Excel and WPS keep at most 32,767 characters in a cell: a file holding more was not saved by them. The
    text is not read (a summary would cut it in silence); the finding says how long it is, not the text."""
    path = make_return(tmp_path, {"department": "LONG-TEXT"})  # the writer cuts at the limit: put it in the XML
    patch_part(
        path, r"xl/(sharedStrings|worksheets/sheet\d+)\.xml", lambda xml: xml.replace("LONG-TEXT", "医" * 40_000)
    )
    report = check_file(path)
    assert flat(report) == {("type", E, at(path, "department"))}
    (f,) = report.findings
    assert (f.detail, f.actual, f.params["length"], f.params["limit"]) == ("text_too_long", 40_000, 40_000, 32_767)
    assert "40000" in f.text("zh") and "医医" not in f.text("zh") and "医医" not in f.text("en")


def test_a_text_as_long_as_a_cell_keeps_is_read(tmp_path: Path) -> None:
    path = make_return(tmp_path, {"department": "医" * 32_767})
    assert flat(check_file(path)) == set()


def _roundtrip(ext: Any) -> Any:
    import pickle

    return pickle.loads(pickle.dumps(ext))


def test_phase_one_answer_pickles_small_and_the_same(tmp_path: Path) -> None:
    """A return read where the template put every field travels from its worker as the fields' ids (issue #14:
    9.5 -> 5.6 KB a benchmark return); the other side has the layout's cells again, in the same order."""
    import pickle

    from xltools.check.pipeline import prepare
    from xltools.contract import layout_of

    p = prepare(make_return(tmp_path))
    assert p.ext is not None
    again = _roundtrip(p.ext)
    assert list(again.where.items()) == list(p.ext.where.items()) and again.where
    assert {k: list(v) for k, v in again.table_where.items()} == {k: list(v) for k, v in p.ext.table_where.items()}
    layout = layout_of(p.ext.spec)
    assert all(again.table_where[c] is layout.column_homes[c] for c in again.table_where)
    state = pickle.loads(pickle.dumps(p.ext.__getstate__()))  # what travels: ids, not cells
    assert state["where"] == tuple(p.ext.where) and "资金情况" not in repr(state["where"])


def test_a_return_with_a_field_unread_pickles_without_it(tmp_path: Path) -> None:
    from xltools.check.pipeline import prepare

    p = prepare(make_return(tmp_path, edit=_delete_name))
    assert p.ext is not None and "budget_final" not in p.ext.where
    again = _roundtrip(p.ext)
    assert "budget_final" not in again.where and list(again.where) == list(p.ext.where)
    assert again.locate("budget_final") == p.ext.locate("budget_final") != ("", "")


def test_cells_off_the_layout_travel_as_they_are(tmp_path: Path) -> None:
    """Should a field ever be read elsewhere than its layout's cell, it pickles as it is: never moved home."""
    from xltools.check.pipeline import prepare

    p = prepare(make_return(tmp_path))
    assert p.ext is not None
    fid = next(iter(p.ext.where))
    p.ext.where[fid] = ("别处", "Z99")
    column = next(iter(p.ext.table_where))
    p.ext.table_where[column] = [("别处", f"Z{i}") for i in range(1, 4)]
    again = _roundtrip(p.ext)
    assert again.where == p.ext.where and again.where[fid] == ("别处", "Z99")
    assert list(again.table_where[column]) == [("别处", f"Z{i}") for i in range(1, 4)]
