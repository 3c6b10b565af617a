"""The annotated copy sent back to a county: every finding's cell filled (red error, yellow warning) and
commented, the cells it involves marked too, and a last sheet listing every finding so that it prints.
Dropdowns, protection and text stay as they were (openpyxl keeps them)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xltools.atomic import outputs
from xltools.catalogue import say
from xltools.catalogue.findings import CODES
from xltools.findings import Finding, Report
from xltools.style import BODY_FONT, ERROR_FILL, TITLE_FONT, WARNING_FILL, argb

ZH = "zh"  # the copy goes back to a Chinese clerk
RELATED_FILL = "#FCE4D6"


def annotate(report: Report, source: Path | str, out: Path | str) -> Path | None:
    """A copy of the return with each finding marked; None for a file that cannot be read."""
    if report.unreadable:
        return None
    out = Path(out)
    with outputs() as group:
        write_annotated(report, Path(source), group.path(out))
    return out


def write_annotated(report: Report, source: Path, target: Path) -> None:
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = openpyxl.load_workbook(source)
    by_cell: dict[tuple[str, str], list[Finding]] = {}
    related: dict[tuple[str, str], list[Finding]] = {}
    for f in report.findings:
        if f.sheet in wb.sheetnames and f.cell:
            by_cell.setdefault((f.sheet, f.cell), []).append(f)
        for ref in f.cells:
            sheet, _, cell = ref.rpartition("!")
            if sheet in wb.sheetnames and (sheet, cell) != (f.sheet, f.cell):
                related.setdefault((sheet, cell), []).append(f)
    for (sheet, ref), items in related.items():
        if (sheet, ref) in by_cell:
            continue
        cell = wb[sheet][ref]
        cell.fill = PatternFill("solid", start_color=argb(RELATED_FILL), end_color=argb(RELATED_FILL))
        text = "\n".join(f"[{say('report.related', ZH)}] {f.where}: {f.text(ZH)}" for f in items)
        cell.comment = _comment(Comment, text, len(items))
    for (sheet, ref), items in by_cell.items():
        cell = wb[sheet][ref]
        worst = ERROR_FILL if any(f.severity == "error" for f in items) else WARNING_FILL
        cell.fill = PatternFill("solid", start_color=argb(worst), end_color=argb(worst))
        text = "\n".join(f"[{CODES[f.code].title.zh}] {f.text(ZH)}" for f in items)
        cell.comment = _comment(Comment, text, len(items))
    _findings_sheet(wb, report, Font, Alignment)
    wb.save(target)


def _comment(cls: Any, text: str, n: int) -> Any:
    comment = cls(text, "xltools")
    comment.width, comment.height = 360, 50 + 40 * n
    return comment


def _findings_sheet(wb: Any, report: Report, font: Any, alignment: Any) -> None:
    """The findings as a printable list: 序号, 级别, 位置, 说明."""
    title = say("report.findings_sheet", ZH)
    if title in wb.sheetnames:
        del wb[title]
    ws = wb.create_sheet(title)
    ws.append([say("report.findings_title", ZH, file=Path(report.file).name)])
    ws["A1"].font = font(name=TITLE_FONT, bold=True, size=14)
    ws.merge_cells("A1:D1")
    headers = [say(k, ZH) for k in ("summary.seq", "summary.level", "report.where", "summary.message_col")]
    ws.append(headers)
    for c in ws[2]:
        c.font = font(name=TITLE_FONT, bold=True)
    for i, f in enumerate(report.findings, 1):
        ws.append([i, say(f"severity.{f.severity}", ZH), f.where or say("report.file_level", ZH), f.text(ZH)])
    if not report.findings:
        ws.append(["", "", "", say("check.ok", ZH)])
    for row in ws.iter_rows(min_row=2):
        for c in row:
            c.alignment = alignment(wrap_text=True, vertical="top")
            if c.font is None or not c.font.b:
                c.font = font(name=BODY_FONT)
    for col, width in zip("ABCD", (6, 7, 18, 80), strict=True):
        ws.column_dimensions[col].width = width
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "2:2"
    ws.oddFooter.center.text = say("summary.footer", ZH)
