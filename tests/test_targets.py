"""Approved targets (DESIGN §13): the bureau's list checked like a return, then prefilled and locked in each
listed region's template; a changed prefilled cell is `tampered`."""

from __future__ import annotations

import csv
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from returns import patch_part, sheet_part
from support.fill import fill_return
from typer.testing import CliRunner

from xltools.check import check_file
from xltools.cli import app
from xltools.contract import TARGET_LIST_COLUMNS, layout_of
from xltools.spec import load_spec
from xltools.style import PREFILL_FILL
from xltools.targets import read_targets, write_targets_template
from xltools.template import build_template

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples" / "targets" / "yibao_dept_2025_targets.csv"
SPEC = load_spec("yibao_dept")
runner = CliRunner()


def sample_rows() -> list[list[str]]:
    with SAMPLE.open(encoding="utf-8") as fh:
        return list(csv.reader(fh))


def write_csv(path: Path, rows: list[list[Any]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


def targets_of(code: str) -> list[dict[str, Any]]:
    t = read_targets(SAMPLE, SPEC, 2025)
    return t.rows[code]


@pytest.fixture(scope="module")
def shixing(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """始兴县's 2025 template with the sample list's indicators prefilled."""
    tmp = tmp_path_factory.mktemp("targets")
    t = read_targets(SAMPLE, SPEC, 2025)
    return build_template(SPEC, tmp / "shixing.xlsx", 2025, SPEC.regions.find("440222"), targets=t.rows)


def filled(template: Path, out: Path, **rows: Any) -> Path:
    """The template filled with the seed's other figures and the actuals, scores and reasons per row."""
    from returns import seed

    values = dict(seed()["values"])
    values |= {"year": 2025, "fill_date": "2026-03-01"}
    for c in ("ind_level1", "ind_level2", "ind_name", "ind_direction", "ind_unit", "ind_target", "ind_weight"):
        values.pop(c, None)  # prefilled: the clerk does not type them
    values |= rows
    return fill_return(template, values, out)


# --- the list is checked first -----------------------------------------------------------------------------


def test_the_sample_list_is_clean() -> None:
    t = read_targets(SAMPLE, SPEC, 2025)
    assert t.report.findings == [] and t.usable
    assert sorted(t.rows) == ["440222", "440281"]
    assert sum(r["ind_weight"] for r in t.rows["440222"]) == 90


MISTAKES = [
    # (what, row index in the sample (1 = first data row), column, new value, code, detail)
    ("weights not 90", 1, "ind_weight", "15", "sum", "rule"),
    ("level 2 not under level 1", 1, "ind_level2", "社会效益指标", "choice", "under_parent"),
    ("dropdown string not exact", 2, "ind_direction", "正向", "choice", ""),
    ("level 1 not a dropdown string", 3, "ind_level1", "产出", "choice", ""),
    ("unknown region", 1, "region_code", "440299", "choice", ""),
    ("region not a code", 1, "region_code", "始兴县", "choice", ""),
    ("target missing", 2, "ind_target", "", "missing", ""),
    ("target not a number", 2, "ind_target", "约1500", "type", ""),
    ("weight negative", 2, "ind_weight", "-10", "range", ""),
    ("name missing", 4, "ind_name", "", "missing", ""),
]


@pytest.mark.parametrize(("what", "row", "column", "value", "code", "detail"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_each_kind_of_mistake_is_a_finding_at_its_cell(
    what: str, row: int, column: str, value: str, code: str, detail: str, tmp_path: Path
) -> None:
    rows = sample_rows()
    j = rows[0].index(column)
    rows[row][j] = value
    path = write_csv(tmp_path / "targets.csv", rows)
    t = read_targets(path, SPEC, 2025)
    assert not t.usable
    hits = [(f.code, f.detail, f.cell) for f in t.report.findings if f.severity == "error"]
    cell = f"{'ABCDEFGH'[j]}{row + 1}"
    if code == "sum":  # a region's weights: reported at the region's first weight
        assert ("sum", "rule", "H2") in hits, hits
    else:
        assert (code, detail, cell) in hits, hits
    result = runner.invoke(
        app, ["make-template", "-s", "yibao_dept", "-y", "2025", "--targets", str(path), "-o", str(tmp_path / "out")]
    )
    assert result.exit_code == 1, result.output
    assert cell in result.output or code == "sum"
    assert not (tmp_path / "out").exists()  # nothing written while the list has errors


def test_units_are_free_text(tmp_path: Path) -> None:
    rows = sample_rows()
    rows[1][rows[0].index("ind_unit")] = "家次/年（含复查）"
    assert read_targets(write_csv(tmp_path / "t.csv", rows), SPEC, 2025).usable


def test_spec_and_year_columns_must_match(tmp_path: Path) -> None:
    rows = [[*r, *(("spec", "year") if i == 0 else ("yibao_dept", "2024"))] for i, r in enumerate(sample_rows())]
    t = read_targets(write_csv(tmp_path / "t.csv", rows), SPEC, 2025)
    assert {(f.code, f.detail) for f in t.report.findings} == {("template", "targets_year")}
    rows = [[*r, *(("spec", "year") if i == 0 else ("project", "2025"))] for i, r in enumerate(sample_rows())]
    t = read_targets(write_csv(tmp_path / "t.csv", rows), SPEC, 2025)
    assert {(f.code, f.detail) for f in t.report.findings} == {("template", "targets_spec")}


def test_more_indicators_than_the_table_has_rows(tmp_path: Path) -> None:
    header, first, *_ = sample_rows()
    rows = [header] + [[*first[:3], f"指标{i}", *first[4:7], "4"] for i in range(SPEC.table.rows + 2)]  # type: ignore[union-attr]
    t = read_targets(write_csv(tmp_path / "t.csv", rows), SPEC, 2025)
    assert ("range", "targets_rows") in {(f.code, f.detail) for f in t.report.findings}


@pytest.mark.parametrize("kind", ["empty", "no header", "wrong columns", "not utf-8", "zip bomb name", "garbage"])
def test_unusable_lists(kind: str, tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    if kind == "empty":
        write_csv(path, [list(TARGET_LIST_COLUMNS)])
    elif kind == "no header":
        write_csv(path, sample_rows()[1:])
    elif kind == "wrong columns":
        write_csv(path, [["region", "target"], ["440222", "1"]])
    elif kind == "not utf-8":
        path.write_bytes("region_code,指标\n".encode("gbk") + b"\xff\xfe\n")
    elif kind == "zip bomb name":
        path = tmp_path / "t.xlsx"
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("[Content_Types].xml", "<x/>")
            z.writestr("xl/workbook.xml", "A" * 10)
    else:
        path = tmp_path / "t.xlsx"
        path.write_bytes(b"\x00" * 200)
    result = runner.invoke(
        app, ["make-template", "-s", "yibao_dept", "--targets", str(path), "-o", str(tmp_path / "o")]
    )
    assert result.exit_code in (1, 2), result.output
    assert "Traceback" not in result.output and result.output.strip()
    assert not (tmp_path / "o").exists()


def test_a_missing_list_is_exit_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["make-template", "-s", "yibao_dept", "--targets", str(tmp_path / "nope.csv")])
    assert result.exit_code == 2 and "不存在" in result.output, result.output


def test_a_spec_without_an_indicator_table_takes_no_targets() -> None:
    import dataclasses

    from xltools.targets import accepts_targets

    bare = dataclasses.replace(SPEC, table=None)
    assert accepts_targets(SPEC) and not accepts_targets(bare)
    with pytest.raises(ValueError, match="no indicator table"):
        read_targets(SAMPLE, bare, 2025)


# --- templates ---------------------------------------------------------------------------------------------


def test_cli_writes_every_region_prefilling_the_listed_ones(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["make-template", "-s", "yibao_dept", "-y", "2025", "--targets", str(SAMPLE), "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "始兴县、乐昌市" in result.output
    assert len(list(out.glob("*.xlsx"))) == len(SPEC.regions.regions)
    lay = layout_of(SPEC)
    sheet, first = lay.where("ind_target", 0)
    for path in out.glob("*.xlsx"):
        ws = openpyxl.load_workbook(path)[sheet]
        listed = path.name.startswith(("440222", "440281"))
        assert (ws[first].value is not None) == listed, path.name


def test_prefilled_cells_are_locked_blue_and_never_formulas(shixing: Path) -> None:
    lay = layout_of(SPEC)
    wb = openpyxl.load_workbook(shixing)
    sheet = lay.where("ind_name", 0)[0]
    ws = wb[sheet]
    assert ws.protection.sheet
    rows = targets_of("440222")
    for i, row in enumerate(rows):
        for cid in ("ind_name", "ind_target", "ind_weight"):
            cell = ws[lay.where(cid, i)[1]]
            assert cell.value == row[cid]
            assert cell.protection.locked and cell.fill.fgColor.rgb.endswith(PREFILL_FILL.lstrip("#")), (cid, i)
        for cid in ("ind_actual", "ind_score", "ind_reason"):
            assert not ws[lay.where(cid, i)[1]].protection.locked  # the clerk fills these
    unused = ws[lay.where("ind_actual", len(rows))[1]]
    assert unused.protection.locked  # rows beyond the approved ones take nothing


def test_formula_text_in_the_list_stays_text(tmp_path: Path) -> None:
    rows = sample_rows()
    rows[1][rows[0].index("ind_name")] = '=HYPERLINK("http://evil","点我")'
    t = read_targets(write_csv(tmp_path / "t.csv", rows), SPEC, 2025)
    assert t.usable
    path = build_template(SPEC, tmp_path / "x.xlsx", 2025, SPEC.regions.find("440222"), targets=t.rows)
    sheet, cell = layout_of(SPEC).where("ind_name", 0)
    c = openpyxl.load_workbook(path)[sheet][cell]
    assert c.data_type == "s" and c.value.startswith("=HYPERLINK")
    with zipfile.ZipFile(path) as z:
        assert not any(b"HYPERLINK" in z.read(n) and b"<f>" in z.read(n) for n in z.namelist() if "worksheets" in n)


def test_a_filled_targeted_template_checks_clean(shixing: Path, tmp_path: Path) -> None:
    n = len(targets_of("440222"))
    from returns import seed

    base = seed()["values"]
    path = filled(
        shixing,
        tmp_path / "r.xlsx",
        ind_actual=base["ind_actual"][:n],
        ind_score=base["ind_score"][:n],
        ind_reason=base["ind_reason"][:n],
    )
    report = check_file(path)
    assert not [f for f in report.findings if f.code == "tampered"], [f.to_dict() for f in report.findings]


@pytest.mark.parametrize(
    ("column", "row", "value"),
    [
        ("ind_target", 1, 2000),
        ("ind_weight", 1, 20),
        ("ind_name", 1, "改过的指标"),
        ("ind_direction", 1, "反向(≤)"),
        ("ind_unit", 7, "次"),  # the qualitative row has no unit: left blank, and locked blank
        ("ind_target", 7, "改过的定性目标"),
    ],
)
def test_a_changed_target_is_tampered_at_its_cell(
    column: str, row: int, value: Any, shixing: Path, tmp_path: Path
) -> None:
    path = filled(shixing, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    sheet, cell = layout_of(SPEC).where(column, row)
    expected = wb[sheet][cell].value
    wb[sheet][cell].value = value
    wb.save(path)
    report = check_file(path)
    hits = [f for f in report.findings if (f.code, f.detail) == ("tampered", "target")]
    assert [(f.sheet, f.cell, f.field, f.expected, f.actual) for f in hits] == [(sheet, cell, column, expected, value)]
    assert report.status == "errors"
    assert "审定的指标目标" in hits[0].text("zh")


def test_an_added_indicator_row_is_tampered(shixing: Path, tmp_path: Path) -> None:
    n = len(targets_of("440222"))
    path = filled(shixing, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(path)
    sheet, cell = layout_of(SPEC).where("ind_name", n)
    wb[sheet][cell].value = "自己加的指标"
    wb.save(path)
    hits = [f for f in check_file(path).findings if (f.code, f.detail) == ("tampered", "target_extra")]
    assert [(f.cell, f.params["row"]) for f in hits] == [(cell, n + 1)]


def test_an_edited_record_of_the_targets_is_tampered(shixing: Path, tmp_path: Path) -> None:
    path = filled(shixing, tmp_path / "r.xlsx")
    patch_part(path, sheet_part(path, "_xltools"), lambda xml: xml.replace("1500", "9999", 1))
    hits = [f for f in check_file(path).findings if (f.code, f.detail) == ("tampered", "metadata")]
    assert hits, "an edited hidden record of the targets must not pass"


def test_region_not_in_the_list_gets_an_open_table(tmp_path: Path) -> None:
    out = tmp_path / "x.xlsx"
    result = runner.invoke(
        app,
        ["make-template", "-s", "yibao_dept", "-y", "2025", "-r", "440203", "--targets", str(SAMPLE), "-o", str(out)],
    )
    assert result.exit_code == 0 and "留空" in result.output, result.output
    sheet, cell = layout_of(SPEC).where("ind_name", 0)
    ws = openpyxl.load_workbook(out)[sheet]
    assert ws[cell].value is None and not ws[cell].protection.locked


def test_targets_template_has_the_columns_and_dropdowns(tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    result = runner.invoke(app, ["make-template", "-s", "yibao_dept", "--targets-template", str(out)])
    assert result.exit_code == 0, result.output
    ws = openpyxl.load_workbook(out)["targets"]
    assert [c.value for c in ws[1]][: len(TARGET_LIST_COLUMNS)] == list(TARGET_LIST_COLUMNS)
    assert ws.page_setup.orientation == "landscape" and ws.sheet_properties.pageSetUpPr.fitToPage  # one page wide
    sources = " ".join(str(dv.formula1) for dv in ws.data_validations.dataValidation)
    assert "正向(≥)" in sources and "产出指标" in sources and "lists!" in sources
    # An empty list read back is a finding, not an open template for everyone.
    t = read_targets(out, SPEC, 2025)
    assert [(f.code, f.detail) for f in t.report.findings] == [("missing", "targets_empty")]
    bad = runner.invoke(app, ["make-template", "-s", "yibao_dept", "--targets-template", str(tmp_path / "t.csv")])
    assert bad.exit_code == 2


def test_a_filled_targets_workbook_round_trips(tmp_path: Path) -> None:
    """The bureau fills the targets template (row 2 holds the Chinese labels) and hands it to --targets."""
    out = write_targets_template(SPEC, tmp_path / "t.xlsx", 2025)
    wb = openpyxl.load_workbook(out)
    ws = wb["targets"]
    for i, row in enumerate(sample_rows()[1:], start=3):
        for j, v in enumerate(row, start=1):
            ws.cell(i, j, float(v) if j >= 7 and v.replace(".", "").isdigit() else v)
    wb.save(out)
    t = read_targets(out, SPEC, 2025)
    assert t.usable and sorted(t.rows) == ["440222", "440281"], [f.to_dict() for f in t.report.findings]

    def plain(rows: dict[str, list[dict[str, Any]]]) -> dict[str, list[dict[str, Any]]]:
        return {code: [{k: v for k, v in r.items() if k != "_where"} for r in rs] for code, rs in rows.items()}

    assert plain(t.rows) == plain(read_targets(SAMPLE, SPEC, 2025).rows)


def test_library_api_writes_prefilled_templates(tmp_path: Path) -> None:
    from xltools.template import build_templates

    t = read_targets(SAMPLE, SPEC, 2025)
    paths = build_templates(SPEC, tmp_path, 2025, targets=t.rows)
    sheet, cell = layout_of(SPEC).where("ind_name", 0)
    names = {p.name[:6]: openpyxl.load_workbook(p)[sheet][cell].value for p in paths}
    assert names["440222"] == t.rows["440222"][0]["ind_name"] and names["440203"] is None


def test_a_column_given_twice_is_refused_at_its_header(tmp_path: Path) -> None:
    rows = [["ind_target" if i == 0 else "999", *r] for i, r in enumerate(sample_rows())]
    t = read_targets(write_csv(tmp_path / "t.csv", rows), SPEC, 2025)
    assert [(f.code, f.detail, f.cell) for f in t.report.findings] == [("template", "targets_twice", "H1")]


def test_a_list_split_over_sheets_is_refused(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    header, *rows = sample_rows()
    ws2 = wb.create_sheet("乐昌")
    for ws, part in ((wb.active, [r for r in rows if r[0] == "440222"]), (ws2, [r for r in rows if r[0] == "440281"])):
        ws.append(header)
        for r in part:
            ws.append(r)
    wb.save(tmp_path / "t.xlsx")
    t = read_targets(tmp_path / "t.xlsx", SPEC, 2025)
    assert not t.usable and [f.detail for f in t.report.findings] == ["targets_sheets"]


def test_a_gbk_csv_is_read(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(SAMPLE.read_text(encoding="utf-8").encode("gbk"))
    assert read_targets(path, SPEC, 2025).usable


def test_targets_and_targets_template_together_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        ["make-template", "-s", "yibao_dept", "--targets", str(SAMPLE), "--targets-template", str(tmp_path / "t.xlsx")],
    )
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, result.output
    assert not (tmp_path / "t.xlsx").exists()


def test_english_lists_the_prefilled_regions_in_english(tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "make-template",
            "-s",
            "yibao_dept",
            "-y",
            "2025",
            "--targets",
            str(SAMPLE),
            "-o",
            str(tmp_path / "o"),
            "--lang",
            "en",
        ],
    )
    assert result.exit_code == 0 and "始兴县, 乐昌市" in result.output, result.output
