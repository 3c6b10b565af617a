"""aggregate: every input accounted for; totals are live formulas equal to the sums of the inputs
(also after LibreOffice recalculates them); rates are ratios of sums; text stays text."""

from __future__ import annotations

import csv
import datetime as dt
import html
import random
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from returns import LECHANG, SHIXING, region_return, seed
from support.synth import synthesize

from xltools.aggregate import aggregate, export_long, write_summary
from xltools.aggregate.summary import reason_text
from xltools.libreoffice import recalculate

MISSING_REGION = "440233"  # 新丰县
DUPLICATED = "440203"  # 武江区 sends twice
LINK = '=HYPERLINK("http://example.com","点击")'


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Nine regions' returns, a later second return for one, a broken file; the values each was filled with."""
    d = tmp_path_factory.mktemp("batch")
    base = seed(SHIXING)
    spec = base["spec"]
    rng = random.Random(5)
    filled: dict[str, dict] = {}
    for region in spec.regions.regions:
        if region.code == MISSING_REGION:
            continue
        values = base["values"] if region.code == "440222" else synthesize(spec, base["values"], region, 2023, rng)
        values = dict(values)
        if region.code == "440205":
            values["ind_name"] = [LINK, *values["ind_name"][1:]]
            values["department"] = LINK
        region_return(spec, values, 2023, region, d / "in" / f"{region.code}.xlsx")
        filled[region.code] = values
    # A corrected second return from 武江区, filled in later: it must be the one that counts.
    again = {**filled[DUPLICATED], "fill_date": dt.date(2024, 8, 1), "reception_cost": 1.11}
    region_return(spec, again, 2023, spec.regions.find(DUPLICATED), d / "in" / f"{DUPLICATED}_更正.xlsx")
    first = filled[DUPLICATED]
    filled[DUPLICATED] = again
    good = (d / "in" / "440222.xlsx").read_bytes()
    (d / "in" / "broken.xlsx").write_bytes(good[: len(good) // 3])
    (d / "in" / "扫描件.pdf").write_bytes(b"%PDF-1.4\n")  # sent by mistake: listed, never dropped
    return {"dir": d / "in", "values": filled, "first": first, "out": d}


@pytest.fixture(scope="module")
def summary(batch: dict):
    return aggregate([batch["dir"]], spec="yibao_dept", year=2023, jobs=2)


@pytest.fixture(scope="module")
def written(batch: dict, summary) -> Path:
    return write_summary(summary, batch["out"] / "summary.xlsx")


def parts_sum(values: dict, *fields: str) -> float:
    return sum(float(values[f]) for f in fields)


def totals_row(ws) -> int:
    return next(r for r in range(1, ws.max_row + 1) if str(ws.cell(r, 1).value or "").startswith("合计"))


def column(ws, header_start: str) -> int:
    return next(c for c in range(1, ws.max_column + 1) if str(ws.cell(3, c).value or "").startswith(header_start))


def test_every_input_is_accounted_for(summary, batch: dict) -> None:
    statuses = {s.path.name: s.status for s in summary.submissions}
    assert len(statuses) == 12  # 9 regions + 1 duplicate + 1 broken + 1 PDF
    assert statuses["broken.xlsx"] == statuses["扫描件.pdf"] == "rejected"
    pdf = next(s for s in summary.submissions if s.path.name == "扫描件.pdf")
    assert "PDF" in reason_text(pdf.reason)
    assert statuses[f"{DUPLICATED}.xlsx"] == "duplicate"
    assert statuses[f"{DUPLICATED}_更正.xlsx"] in ("ok", "warnings")
    assert summary.by_region[MISSING_REGION] == []
    assert [s.path.name for s in summary.by_region[DUPLICATED]] == [f"{DUPLICATED}_更正.xlsx"]


def test_parallel_and_serial_runs_agree(summary, batch: dict) -> None:
    serial = aggregate([batch["dir"]], spec="yibao_dept", year=2023, jobs=1)
    assert [(s.path.name, s.status, s.values) for s in serial.submissions] == [
        (s.path.name, s.status, s.values) for s in summary.submissions
    ]


def expected_totals(batch: dict) -> dict[str, float]:
    vals = batch["values"].values()
    spent = sum(parts_sum(v, "personnel_expenditure", "public_expenditure", "project_expenditure") for v in vals)
    budget = sum(float(v["budget_final"]) for v in vals)
    return {
        "年初预算数": sum(float(v["budget_initial"]) for v in vals),
        "全年执行数": spent,
        "预算执行率": spent / budget,
        "三公经费合计": sum(parts_sum(v, "reception_cost", "vehicle_cost", "overseas_cost") for v in vals),
        "参保人数合计": sum(parts_sum(v, "insured_residents", "insured_employees", "insured_maternity") for v in vals),
        "检查覆盖率": sum(float(v["inspected_institutions"]) for v in vals)
        / sum(parts_sum(v, "designated_hospitals", "designated_pharmacies") for v in vals),
    }


def test_totals_are_formulas_and_equal_the_sums_of_the_inputs(written: Path, batch: dict) -> None:
    formulas = openpyxl.load_workbook(written)["汇总"]
    values = openpyxl.load_workbook(written, data_only=True)["汇总"]
    row = totals_row(formulas)
    for header, want in expected_totals(batch).items():
        col = column(formulas, header)
        assert str(formulas.cell(row, col).value).startswith("="), header
        assert values.cell(row, col).value == pytest.approx(want, rel=1e-9), header
    rate = formulas.cell(row, column(formulas, "预算执行率")).value
    assert "SUMIF(" in rate and "/SUMIF(" in rate and "AVERAGE" not in rate  # a ratio of sums, never an average


@pytest.mark.libreoffice
def test_totals_after_libreoffice_recalculates_the_summary(
    written: Path, batch: dict, lo_required: str, tmp_path: Path
) -> None:
    (recalculated,) = recalculate([written], tmp_path)
    ws = openpyxl.load_workbook(recalculated, data_only=True)["汇总"]
    row = totals_row(ws)
    for header, want in expected_totals(batch).items():
        assert ws.cell(row, column(ws, header)).value == pytest.approx(want, rel=1e-9), header
    first = next(r for r in range(row, ws.max_row + 1) if ws.cell(r, 2).value == "自评等级分布")
    grades = [ws.cell(r, 4).value for r in range(first + 1, first + 5)]
    assert sum(grades) == 9  # every region in the totals has a grade


def test_missing_region_and_broken_file_are_shown(written: Path) -> None:
    wb = openpyxl.load_workbook(written)
    rows = {r[1]: r for r in wb["汇总"].iter_rows(min_row=4, values_only=True) if r[1]}
    assert rows[MISSING_REGION][3] == "未报送"
    status = [r for r in wb["报送情况"].iter_rows(values_only=True)]
    broken = next(r for r in status if r[4] == "broken.xlsx")
    assert broken[3] == "无法受理" and "损坏" in broken[8]
    dup = next(r for r in status if r[4] == f"{DUPLICATED}.xlsx")
    assert dup[3] == "重复，未采用" and "填报日期最新" in dup[8]
    assert next(r for r in status if r[1] == MISSING_REGION)[3] == "未报送"


def test_text_from_returns_stays_text(written: Path) -> None:
    wb = openpyxl.load_workbook(written)
    cells = [c for row in wb["指标明细"].iter_rows() for c in row if c.value == LINK]
    assert cells and all(c.data_type == "s" for c in cells)
    with zipfile.ZipFile(written) as zf:
        sheets = "".join(zf.read(n).decode() for n in zf.namelist() if n.startswith("xl/worksheets/"))
        shared = "xl/sharedStrings.xml" in zf.namelist()  # constant-memory writing: strings inline in the sheets
        strings = zf.read("xl/sharedStrings.xml").decode() if shared else ""
    assert re.search(r"<f>[^<]*HYPERLINK", sheets) is None  # never a formula
    assert f"<t>{LINK}</t>" in html.unescape(sheets + strings)  # kept, as a string


def test_indicator_rows_stacked_with_their_region(written: Path, batch: dict) -> None:
    ws = openpyxl.load_workbook(written)["指标明细"]
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    assert len(rows) == sum(len([x for x in v["ind_name"] if x]) for v in batch["values"].values())
    assert {r[0] for r in rows} == set(batch["values"])


def test_long_export(summary, tmp_path: Path) -> None:
    path = export_long(summary, tmp_path / "long.csv")
    with path.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == [
        "spec",
        "year",
        "region_code",
        "region_name",
        "section",
        "row",
        "field",
        "label",
        "value",
        "unit",
        "status",
        "status_label",
    ]
    fields = [r for r in rows if r["section"] == "field"]
    assert len(fields) == 9 * len(summary.spec.fields)
    indicators = [r for r in rows if r["section"] == "indicator"]
    assert len(indicators) == sum(len(s.indicators) for _, s in summary.counted()) * len(summary.spec.table.columns)
    assert {r["spec"] for r in rows} == {"yibao_dept"} and {r["year"] for r in rows} == {"2023"}
    assert {(r["status"], r["status_label"]) for r in rows} <= {("ok", "已报送"), ("warnings", "已报送（有提示）")}
    rates = {r["field"]: (r["value"], r["unit"]) for r in fields if r["region_code"] == "440222"}
    assert rates["execution_rate"][1] == rates["enrollment_rate"][1] == "%"  # one scale for every rate
    assert float(rates["execution_rate"][0]) == pytest.approx(100.0)
    shixing = {r["field"]: r["value"] for r in fields if r["region_code"] == "440222"}
    assert float(shixing["total_expenditure"]) == pytest.approx(385.67)
    linked = {r["field"]: r["value"] for r in fields if r["region_code"] == "440205"}
    assert linked["department"] == "'" + LINK  # Excel opens it as text, not as a formula
    assert float(shixing["three_costs_change"]) == pytest.approx(-0.03)  # negative numbers stay numbers
    parquet = export_long(summary, tmp_path / "long.parquet")
    import pandas as pd

    assert len(pd.read_parquet(parquet)) == len(rows)


def test_cli_aggregate(batch: dict, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from xltools.cli import app

    out = tmp_path / "s.xlsx"
    result = CliRunner().invoke(
        app, ["aggregate", str(batch["dir"]), "-o", str(out), "--export", str(tmp_path / "l.csv")]
    )
    assert result.exit_code == 0, result.output
    assert "未报送：1 个（新丰县）" in result.output and out.is_file()
    assert "broken.xlsx：无法受理" in result.output and "扫描件.pdf：无法受理" in result.output
    assert f"{DUPLICATED}.xlsx：重复，未采用" in result.output
    assert str(out) in result.output and "l.csv" in result.output


def test_cli_aggregate_without_returns_is_one_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from xltools.cli import app

    result = CliRunner().invoke(app, ["aggregate", str(tmp_path), "-o", str(tmp_path / "s.xlsx")])
    assert result.exit_code == 2 and "没有找到" in result.output
    result = CliRunner().invoke(app, ["aggregate", str(tmp_path / "收件箱"), "-o", str(tmp_path / "s.xlsx")])
    assert result.exit_code == 2 and "找不到" in result.output and "收件箱" in result.output


def test_a_whole_return_in_yuan_is_caught_across_regions(tmp_path: Path) -> None:
    """Every amount of one return × 10,000: consistent inside itself, so only the other regions show it."""
    base = seed(SHIXING)
    spec = base["spec"]
    rng = random.Random(11)
    amounts = {f.id for f in spec.inputs if f.unit == "万元"}
    for i, region in enumerate(spec.regions.regions[:5]):
        values = synthesize(spec, base["values"], region, 2023, rng)
        if i == 2:
            values = {
                k: round(v * 10000, 2) if k in amounts and isinstance(v, int | float) else v for k, v in values.items()
            }
        region_return(spec, values, 2023, region, tmp_path / "in" / f"{region.code}.xlsx")
    yuan = spec.regions.regions[2].code
    by_region = {code: subs[0] for code, subs in aggregate([tmp_path / "in"], jobs=1).by_region.items() if subs}
    flagged = {f.field for f in by_region[yuan].report.findings if f.code == "unit"}
    assert {"budget_final", "project_expenditure", "recovered_funds"} <= flagged
    assert not flagged & {f.id for f in spec.derived}  # reported at the inputs a clerk can change
    assert by_region[yuan].status == "errors"  # in 元: an error, left out of the totals
    assert all(not any(f.code == "unit" for f in s.report.findings) for c, s in by_region.items() if c != yuan)


def test_project_returns_count_once_per_project(tmp_path: Path) -> None:
    """A county sends one project return per project: two projects both count; a resubmission of one
    project is a duplicate (spec: unique_by project_name)."""
    base = seed(LECHANG)
    spec, region = base["spec"], base["region"]
    other = {
        **base["values"],
        "project_name": "2021年医疗保障信息化建设项目",
        "budget_initial_fiscal": 5,
        "budget_final_fiscal": 5,
        "spent_fiscal": 4.5,
    }
    again = {**base["values"], "fill_date": dt.date(2022, 2, 10)}
    for name, values in (("a", base["values"]), ("b", other), ("c", again)):
        region_return(spec, values, 2021, region, tmp_path / "in" / f"{name}.xlsx")
    summary = aggregate([tmp_path / "in"], jobs=1)
    assert sorted(s.path.name for s in summary.by_region[region.code]) == ["b.xlsx", "c.xlsx"]
    assert {s.path.name: s.status for s in summary.submissions}["a.xlsx"] == "duplicate"
    out = write_summary(summary, tmp_path / "s.xlsx")
    ws = openpyxl.load_workbook(out, data_only=True)["汇总"]
    col = column(ws, "年度资金总额·全年执行数")
    assert ws.cell(totals_row(ws), col).value == pytest.approx(3 + 4.5)
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if r[1] == region.code]
    assert len(rows) == 2  # one row per project


def test_detail_past_excels_last_row_goes_only_to_the_export(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No sheet is cut silently at Excel's 1,048,576 rows (100,000 returns × 20 indicators would pass it):
    the sheet says where the detail is and holds none of it; the export holds all of it."""
    import csv

    import openpyxl

    from xltools.aggregate import aggregate, write_outputs
    from xltools.aggregate import summary as summary_module

    monkeypatch.setattr(summary_module, "SHEET_ROWS", 40)
    s = aggregate([Path(__file__).resolve().parent.parent / "samples" / "returns" / "yibao_dept_2023"])
    book, export = write_outputs(s, tmp_path / "s.xlsx", tmp_path / "s.csv")
    ws = openpyxl.load_workbook(book)["指标明细"]
    assert ws.max_row == 3 and "超过 Excel 工作表的上限（40 行）" in str(ws["A3"].value)
    rows = list(csv.DictReader(export.open(encoding="utf-8-sig")))
    indicators = [r for r in rows if r["section"] == "indicator"]
    needed = sum(len(sub.indicators) for _, sub in s.counted())
    assert needed > 40 and len({(r["region_code"], r["row"]) for r in indicators}) == needed
    assert openpyxl.load_workbook(book)["校验结果"].max_row > 3  # under the limit: written as before


@pytest.mark.parametrize("first", ["yibao", "other", "junk"])
def test_chunked_runs_give_the_same_summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, first: str) -> None:
    """Returns read, validated and reduced in chunks (issue #14) make the summary a single piece makes —
    also when the first chunk is unlike the rest (its spec is not the one collected, or it holds no return
    at all: the run is made again, with the chunk already handed to the workers let go)."""
    import openpyxl

    from xltools.aggregate import collect, write_outputs

    root = Path(__file__).resolve().parent.parent / "samples"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for p in (root / "returns" / "yibao_dept_2023").glob("*.xlsx"):
        (inbox / f"b_{p.name}").write_bytes(p.read_bytes())
    (inbox / "b_junk.xlsx").write_bytes(b"not a workbook")
    if first == "other":  # sorted first: three returns of another spec, more than a chunk
        for k, p in enumerate(sorted((root / "project_2021").glob("*.xlsx")) * 3):
            (inbox / f"a_{k}_{p.name}").write_bytes(p.read_bytes())
    if first == "junk":  # sorted first: two chunks of files that are no workbook
        for k in range(5):
            (inbox / f"a_{k}.xlsx").write_bytes(b"not a workbook either")

    def cells(stream: int) -> dict[str, list[tuple[object, ...]]]:
        monkeypatch.setattr(collect, "STREAM", stream)
        out = tmp_path / f"s{stream}.xlsx"
        write_outputs(collect.aggregate([inbox], jobs=2), out)
        wb = openpyxl.load_workbook(out)
        return {ws.title: [tuple(c.value for c in row) for row in ws.iter_rows()] for ws in wb.worksheets}

    from xltools.check.pipeline import Preparer

    drained: list[int] = []
    drain = Preparer.drain
    monkeypatch.setattr(Preparer, "drain", lambda self: drained.append(1) or drain(self))
    whole = cells(10_000)
    assert cells(2) == whole
    assert "b_junk.xlsx" in str(whole["报送情况"])
    assert bool(drained) == (first == "junk")  # the undecided first chunk's successor was let go


def test_a_run_that_spills_its_returns_gives_the_same_summary_and_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Past `spool.SPILL` returns each one's details wait on disk while the summary is written (issue #14): the
    workbook — every cell, column width and row height — and the export are those of a run in memory, with
    the findings the run itself adds (a return in 元 against the others, outliers against last year) kept."""
    from xltools.aggregate import collect, write_outputs

    root = Path(__file__).resolve().parent.parent / "samples" / "returns"
    inbox = tmp_path / "in"
    base = seed(SHIXING)
    spec, rng = base["spec"], random.Random(11)
    amounts = {f.id for f in spec.inputs if f.unit == "万元"}
    for i, region in enumerate(spec.regions.regions):  # one whole return in 元
        values = synthesize(spec, base["values"], region, 2023, rng)
        if i == 2:
            values = {
                k: round(v * 10000, 2) if k in amounts and isinstance(v, int | float) else v for k, v in values.items()
            }
        region_return(spec, values, 2023, region, inbox / f"a_{region.code}.xlsx")
    for p in sorted((root / "yibao_dept_2023").glob("*.xlsx"))[-3:]:  # three regions sent twice
        (inbox / f"b_{p.name}").write_bytes(p.read_bytes())
    (inbox / "c_junk.xlsx").write_bytes(b"not a workbook")

    import pandas as pd

    from xltools.aggregate import export as export_module

    def run(stream: int, spill: int) -> tuple[dict, bytes, collect.Summary]:
        monkeypatch.setattr(collect, "STREAM", stream)
        monkeypatch.setattr(collect, "SPILL", spill)
        monkeypatch.setattr(export_module, "BATCH", 7 if spill == 0 else 50_000)  # the export in batches too
        s = collect.aggregate([inbox], jobs=1, prior=root / "yibao_dept_2022")
        book, export = write_outputs(s, tmp_path / f"s{spill}.xlsx", tmp_path / f"s{spill}.csv")
        parquet = pd.read_parquet(write_outputs(s, tmp_path / "p.xlsx", tmp_path / "p.parquet")[1])
        assert str(parquet["row"].dtype) == "Int64" and str(parquet["year"].dtype) == "int64"  # typed, in batches too
        counts = re.findall(r",insured_residents,[^,]*,([^,]*),", export.read_text(encoding="utf-8-sig"))
        assert counts and all(c.isdigit() for c in counts), counts  # a count stays 229547, never 229547.0
        wb = openpyxl.load_workbook(book)
        seen = {
            ws.title: (
                [tuple(c.value for c in row) for row in ws.iter_rows()],
                {k: d.width for k, d in ws.column_dimensions.items()},
                {k: d.height for k, d in ws.row_dimensions.items() if d.height},
            )
            for ws in wb.worksheets
        }
        return seen, export.read_bytes() + parquet.to_csv().encode(), s

    in_memory, csv_bytes, plain = run(10_000, 10_000)
    spilled, spilled_csv, s = run(3, 0)
    assert plain.spool is None and s.spool is not None and s.spool.count == len(s.submissions) == 14
    assert spilled == in_memory and spilled_csv == csv_bytes
    _, widths, heights = in_memory["校验结果"]  # fitted while written: wrapped messages make taller rows
    assert round(widths["I"]) == 71 and any(h >= 2 * 15 for r, h in heights.items() if r > 3)
    assert in_memory["汇总"][2][3] >= 45  # the header row: at least as the writer asked
    yuan = spec.regions.regions[2].code
    assert any(f.code == "unit" and f.detail == "peers" for f in s.by_region[yuan][0].report.findings)
    assert s.by_region[yuan][0].status == "errors" and s.outliers
    for sub, finding in s.outliers:  # kept in the spool, not only in a copy read once
        assert finding in sub.report.findings
    folder = s.spool.folder
    assert folder.is_dir()
    s.close()
    assert not folder.exists()


@pytest.mark.parametrize("when", ["start", "writing"])
def test_a_spool_that_cannot_be_written_is_one_line_and_no_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, when: str
) -> None:
    """A large run's temporary spool on a full or missing disk: one line naming the folder and what to do,
    exit 2, and no half-written summary — never a traceback."""
    import tempfile

    from typer.testing import CliRunner

    from xltools.aggregate import collect, spool
    from xltools.cli import app

    monkeypatch.setattr(collect, "SPILL", 0)
    monkeypatch.setattr(collect, "STREAM", 3)
    if when == "start":
        blocker = tmp_path / "not_a_folder"
        blocker.write_text("x")
        monkeypatch.setattr(tempfile, "tempdir", str(blocker))
    else:

        def full(self: spool.Spool, n: int, part: int) -> None:
            raise spool.SpoolError("database or disk is full")

        monkeypatch.setattr(spool.Spool, "get", full)
    samples = Path(__file__).resolve().parent.parent / "samples" / "returns" / "yibao_dept_2023"
    out = tmp_path / "汇总.xlsx"
    result = CliRunner().invoke(app, ["aggregate", str(samples), "-o", str(out), "--jobs", "1"])
    assert result.exit_code == 2, result.output
    assert "临时文件夹" in result.output and "TMPDIR" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1 and not out.exists()


def test_the_console_names_a_few_and_points_to_the_sheet_for_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A province's run has thousands of regions missing or with warnings: the console names the first ones
    and says how many more, in the summary's 报送情况 sheet — never a line of 50,000 names."""
    from typer.testing import CliRunner

    from xltools import cli

    inbox = tmp_path / "in"
    inbox.mkdir()
    for p in (Path(__file__).resolve().parent.parent / "samples" / "returns" / "yibao_dept_2023").glob("*.xlsx"):
        (inbox / p.name).write_bytes(p.read_bytes())
    for k in range(3):
        (inbox / f"扫描件{k}.pdf").write_bytes(b"%PDF-1.4")
    monkeypatch.setattr(cli, "CONSOLE_NAMES", 0)
    monkeypatch.setattr(cli, "CONSOLE_FILES", 1)
    result = CliRunner().invoke(cli.app, ["aggregate", str(inbox), "-o", str(tmp_path / "s.xlsx"), "--jobs", "1"])
    assert result.exit_code in (0, 1), result.output
    out = result.output
    assert "未报送：1 个（等，另有 1 个见汇总表“报送情况”）" in out, out
    assert out.count("扫描件") == 1 and "另有 2 个未采用的文件，见汇总表“报送情况”" in out
