"""On paper (issues #10, #11, DESIGN §12): templates, returns, an annotated copy and the summary printed to
PDF by a real LibreOffice with CJK fonts, then read page by page as a person would — page counts, what page 1
says, the sign-off where it belongs, nothing cut; PNGs of every page saved under artifacts/ for review."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from support.paper import cut_cells, pages_text, save_pngs

from xltools.aggregate import aggregate, write_summary
from xltools.check import check_file
from xltools.contract import FORM_SHEET
from xltools.paper import print_copy, print_pdfs
from xltools.report import annotate
from xltools.spec import load_spec
from xltools.template import build_template

ROOT = Path(__file__).resolve().parent.parent
LECHANG = next((ROOT / "samples" / "project_2021").glob("440281_*.xlsx"))
INBOX = ROOT / "samples" / "returns" / "yibao_dept_2023"
SHIXING = next(INBOX.glob("440222_*.xlsx"))
NANXIONG = next(INBOX.glob("440282_*.xlsx"))
pytestmark = pytest.mark.libreoffice


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory, lo_required: str) -> dict[str, Path]:
    """One LibreOffice run prints them all: the two seed returns, a template, an annotated copy, the summary."""
    d = tmp_path_factory.mktemp("paper")
    spec = load_spec("yibao_dept")
    template = build_template(spec, d / "template.xlsx", 2025, spec.regions.find("始兴县"))
    annotated = annotate(check_file(NANXIONG), NANXIONG, d / "annotated.xlsx")
    summary = write_summary(aggregate([INBOX], jobs=1), d / "summary.xlsx")
    inputs = [LECHANG, SHIXING, template, annotated, summary]
    results = print_pdfs(inputs, d / "pdf")
    assert [r.problem for r in results] == [None] * len(inputs)
    pdfs = dict(zip(["lechang", "shixing", "template", "annotated", "summary"], (r.pdf for r in results), strict=True))
    for name, pdf in pdfs.items():
        save_pngs(pdf, name)
    return pdfs


def test_lechang_prints_as_the_national_form_on_one_page(printed: dict[str, Path]) -> None:
    """Issue #11's bar: the 乐昌市 project return prints as one page holding the form's boxes and its figures."""
    pages = pages_text(printed["lechang"])
    form = pages[0].replace("\n", "")  # wrapped boxes come out line by line
    for words in (
        "项目支出绩效自评表",
        "项目名称",
        "年初预算数",
        "全年执行数",
        "执行率",
        "预期目标",
        "实际完成情况",
        "三级指标",
        "偏差原因分析及改进措施",
        "总分",
        "单位（盖章）",
        "乐昌市",
        "2021 年度",
    ):
        assert words in form, words
    for figure in ("3.00", "100.00%", "99.49", "定点医药机构监督检查覆盖率", "参保人对医保服务满意度"):
        assert figure in form, figure
    assert "医疗服务与保障能力提升" in form  # the project's name
    assert "第 1 页" in form and "单位（盖章）" not in pages[1]  # the form is whole on its page


def test_shixing_prints_with_its_own_figures(printed: dict[str, Path]) -> None:
    form = pages_text(printed["shixing"])[0]
    for words in ("部门整体支出绩效自评表", "始兴县", "2023 年度", "385.67", "96.00", "优", "单位负责人（签字）"):
        assert words in form, words


def test_a_return_pdf_is_the_form_then_its_sheets_and_ends_with_the_sign_off(printed: dict[str, Path]) -> None:
    pages = pages_text(printed["shixing"])
    assert "自评表" in pages[0] and "填报说明" not in "".join(pages)  # instructions are not part of a return
    order = [s for p in pages for s in ("基本信息", "资金情况", "业务情况", "绩效指标", "自评结论") if f"　{s}" in p]
    assert order[:1] == ["基本信息"] and "自评结论" in order
    assert "单位负责人（签字）" in pages[-1] and "填报人" in pages[-1]
    assert len(pages) <= 8


def test_a_template_prints_with_title_region_and_year_on_every_page(printed: dict[str, Path]) -> None:
    pages = pages_text(printed["template"])
    assert "填报说明" in pages[0]
    for page in pages:
        assert "始兴县" in page and "2025 年度" in page and "第" in page and "页" in page
    assert "自评表" in pages[-1] and "单位（盖章）" in pages[-1]
    assert len(pages) <= 10


def test_the_annotated_copy_ends_with_its_findings(printed: dict[str, Path]) -> None:
    pages = pages_text(printed["annotated"])
    last = pages[-1]
    assert "校验意见" in last and "联系电话" in last and "约2万" in last
    report = check_file(NANXIONG)
    assert all(f.where in last for f in report.findings)


def test_the_summary_prints_on_at_most_8_pages_and_signs_off(printed: dict[str, Path]) -> None:
    pages = pages_text(printed["summary"])
    assert len(pages) <= 8
    first = pages[0]
    for words in ("汇总表", "2023", "韶关市", "合计", "计入合计", "编制单位（盖章）", "审核人", "第 1 页"):
        assert words in first, words
    assert "南雄市" in first and "未计入合计：南雄市" in first.replace("\n", "")


@pytest.mark.parametrize("source", [LECHANG, SHIXING, NANXIONG], ids=["lechang", "shixing", "nanxiong"])
def test_print_copies_cut_no_text(source: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.xlsx"
    print_copy(source, copy)
    assert cut_cells(copy) == []
    wb = openpyxl.load_workbook(copy)
    assert wb.sheetnames[0] == FORM_SHEET and wb.active.title == FORM_SHEET


@pytest.mark.parametrize("spec_id", ["dept_overall", "yibao_dept", "project"])
def test_templates_and_summary_cut_no_text(spec_id: str, tmp_path: Path) -> None:
    spec = load_spec(spec_id)
    assert cut_cells(build_template(spec, tmp_path / "t.xlsx", 2025)) == []
    assert cut_cells(build_template(spec, tmp_path / "r.xlsx", 2025, spec.regions.regions[6])) == []  # the longest name
    assert cut_cells(write_summary(aggregate([INBOX], jobs=1), tmp_path / "s.xlsx")) == []


def test_the_print_copy_hides_unused_rows_and_merges_groups(tmp_path: Path) -> None:
    copy = tmp_path / "copy.xlsx"
    print_copy(LECHANG, copy)
    ws = openpyxl.load_workbook(copy)[FORM_SHEET]
    source = openpyxl.load_workbook(LECHANG)
    ((sheet, ref),) = source.defined_names["ind_name"].destinations
    used = sum(1 for row in source[sheet][ref.replace("$", "")] for c in row if c.value)
    hidden = [r for r, d in ws.row_dimensions.items() if d.hidden]
    assert used == 8 and len(hidden) == 20 - used  # 乐昌's eight indicators shown, the other rows hidden
    merged = [str(m) for m in ws.merged_cells.ranges]
    assert any(
        m.startswith("B") and m.split(":")[0][1:] != m.split(":")[1][1:] for m in merged
    )  # 产出指标 down its rows


def test_combine_binds_a_folder_in_region_order(tmp_path: Path, lo_required: str) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    for p in (next(INBOX.glob("440282_*.xlsx")), next(INBOX.glob("440203_*.xlsx"))):
        shutil.copy(p, inbox / f"z_{p.name}")  # file names out of region order
    out = tmp_path / "all.pdf"
    proc = subprocess.run(
        [sys.executable, "-m", "xltools", "print", str(inbox), "--combine", "-o", str(out)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    pages = pages_text(out)
    first_nanxiong = next(i for i, p in enumerate(pages) if "南雄市" in p)
    first_wujiang = next(i for i, p in enumerate(pages) if "武江区" in p)
    assert first_wujiang < first_nanxiong  # 440203 before 440282
    assert "已生成 PDF" in proc.stdout and str(out) in proc.stdout


def test_print_reports_what_it_cannot_print_and_prints_the_rest(tmp_path: Path, lo_required: str) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    shutil.copy(SHIXING, inbox / "ok.xlsx")
    (inbox / "scan.pdf").write_bytes(b"%PDF-1.4\n")
    (inbox / "broken.xlsx").write_bytes(SHIXING.read_bytes()[:500])
    proc = subprocess.run(
        [sys.executable, "-m", "xltools", "print", str(inbox), "-o", str(tmp_path / "out")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert (tmp_path / "out" / "ok.pdf").is_file() and not (tmp_path / "out" / "scan.pdf").exists()
    assert "scan.pdf" in proc.stderr and "broken.xlsx" in proc.stderr and len(proc.stderr.strip().splitlines()) == 2


def test_print_to_one_pdf_file_needs_one_input_or_combine(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "xltools", "print", str(INBOX), "-o", str(tmp_path / "x.pdf")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2 and "--combine" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_an_edited_form_view_is_tampered(tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(SHIXING)
    ws = wb[FORM_SHEET]
    target = next(c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("=IF("))
    target.value = "=96"
    wb.save(tmp_path / "edited.xlsx")
    report = check_file(tmp_path / "edited.xlsx")
    assert [(f.code, f.detail, f.where) for f in report.findings] == [
        ("tampered", "view", f"{FORM_SHEET}!{target.coordinate}")
    ]


def test_json_of_a_return_is_unchanged_by_the_form_view() -> None:
    """The view is derived: it adds no finding and no field to the report of a clean return."""
    proc = subprocess.run(
        [sys.executable, "-m", "xltools", "check", "--format", "json", str(SHIXING)], capture_output=True, text=True
    )
    assert json.loads(proc.stdout)["findings"] == []
