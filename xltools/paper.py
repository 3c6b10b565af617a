"""Print workbooks to PDF as the documents they are (DESIGN §12): `xltools print`.

A return prints as the official form first (自评表, with its unused indicator rows hidden and 一级/二级
指标 merged down their groups), then its detail sheets, each row tall enough for its text; an annotated
copy ends with its list of findings (校验意见); a blank template prints with its instructions; a summary
prints as it is (its sheets are already set up for A4). The copies are made in a temporary folder and
printed by one headless LibreOffice run; ``combine`` binds the PDFs into one, in region order.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xltools.atomic import outputs
from xltools.contract import FORM_SHEET, INSTRUCTIONS_SHEET, META_SHEET, Layout, layout_of
from xltools.files import Input, find_returns, safe_file_name
from xltools.libreoffice import to_pdf
from xltools.read import Unreadable, sniff
from xltools.read.package import Package
from xltools.spec import Spec, SpecError, load_spec
from xltools.style import display_width

LINE = 15.0  # points a line of body text takes
_CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


@dataclass
class Printed:
    """One input and what became of it: its PDF and page count, or why it could not be printed."""

    source: Input
    pdf: Path | None = None
    pages: int = 0
    problem: Any = None  # an Unreadable, when it could not be printed
    region: str = ""  # the region code it is for (orders a combined PDF)


def print_pdfs(
    items: list[Path | str], out: Path | str, combine: bool = False, schemas: Path | None = None
) -> list[Printed]:
    """PDFs of every workbook found in ``items``: into the folder ``out`` (one per input, named after it), or
    into the file ``out`` (.pdf) when there is one input or when ``combine`` binds them in region order."""
    out = Path(out)
    inputs = find_returns(items)
    results = [Printed(i) for i in inputs]
    with tempfile.TemporaryDirectory(prefix="xltools-print-") as tmp:
        copies: list[tuple[Printed, Path]] = []
        for k, p in enumerate(results):
            if p.source.problem:
                p.problem = Unreadable(p.source.problem, reason="")
                continue
            try:
                sniff(p.source.path)
                with Package(p.source.path):  # sizes, part counts and ratios, before openpyxl reads it
                    pass
                copy = Path(tmp) / f"{k:05d}_{safe_file_name(Path(p.source.name).stem)}.xlsx"
                p.region = print_copy(p.source.path, copy, schemas)
                copies.append((p, copy))
            except Unreadable as e:
                p.problem = e
            except Exception:  # openpyxl on a workbook damaged in a way the checks above do not see
                p.problem = Unreadable("damaged")
        pdfs = to_pdf([c for _, c in copies], Path(tmp) / "pdf") if copies else []
        for (p, _), pdf in zip(copies, pdfs, strict=True):
            p.pdf, p.pages = pdf, page_count(pdf)
        done = [p for p in results if p.pdf is not None]
        with outputs() as group:
            if combine:
                order = sorted(done, key=lambda p: (p.region or "999999", p.source.name))
                _bind([p.pdf for p in order if p.pdf], group.path(out))
                for p in done:
                    p.pdf = out
            elif out.suffix.lower() == ".pdf":
                for p in done:
                    assert p.pdf is not None
                    shutil.copyfile(p.pdf, group.path(out))
                    p.pdf = out
            else:
                for p in done:
                    assert p.pdf is not None
                    final = out / safe_file_name(Path(p.source.name).stem + ".pdf")
                    shutil.copyfile(p.pdf, group.path(final))
                    p.pdf = final
    return results


def page_count(pdf: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(pdf).pages)


def _bind(pdfs: list[Path], target: Path) -> None:
    from pypdf import PdfWriter

    writer = PdfWriter()
    for pdf in pdfs:
        writer.append(str(pdf))
    with target.open("wb") as fh:
        writer.write(fh)


# --- print copies ---------------------------------------------------------------------------------


def print_copy(source: Path, target: Path, schemas: Path | None = None) -> str:
    """A copy of a workbook arranged for paper; returns the region code it is for ("" when none)."""
    import openpyxl

    wb = openpyxl.load_workbook(source)
    props = {p.name: p.value for p in wb.custom_doc_props.props}
    spec = _spec(str(props.get("xltools_spec") or ""), schemas)
    region = str(props.get("xltools_region_code") or "") or next(iter(_CODE.findall(source.name)), "")
    if spec is not None and META_SHEET in wb.sheetnames:
        lay = layout_of(spec)
        filled = _filled(wb, spec, lay)
        if FORM_SHEET in wb.sheetnames:
            _fit_form(wb, spec, lay, filled)
        for sheet in spec.sheets:
            if sheet.name in wb.sheetnames:
                _fit_rows(wb[sheet.name], spec, lay, sheet.name)
        if filled and INSTRUCTIONS_SHEET in wb.sheetnames:  # a return: the form first, no instructions
            wb[INSTRUCTIONS_SHEET].sheet_state = "hidden"
            if FORM_SHEET in wb.sheetnames:
                wb.move_sheet(FORM_SHEET, offset=-wb.sheetnames.index(FORM_SHEET))
                wb.active = 0
        if filled and not region:
            region = str(wb[lay.cells["region_code"].sheet][lay.cells["region_code"].a1].value or "")
    wb.save(target)
    return region


def _spec(sid: str, schemas: Path | None) -> Spec | None:
    try:
        return load_spec(sid, schemas) if sid else None
    except SpecError:
        return None


def _filled(wb: Any, spec: Spec, lay: Layout) -> dict[int, bool]:
    """Which indicator rows are used (any cell filled); empty when nothing at all is filled (a template)."""
    inputs = [f for f in spec.inputs if not f.prefill]
    anything = any(_value(wb, lay.cells[f.id].sheet, lay.cells[f.id].a1) not in (None, "") for f in inputs)
    if not anything or spec.table is None:
        return {}
    used = {}
    for i in range(spec.table.rows):
        used[i] = any(
            _value(wb, lay.columns[c.id].sheet, lay.columns[c.id].cell(i).a1) not in (None, "")
            for c in spec.table.columns
        )
    return used or {0: False}


def _value(wb: Any, sheet: str, ref: str) -> Any:
    return wb[sheet][ref].value if sheet in wb.sheetnames else None


def _fit_form(wb: Any, spec: Spec, lay: Layout, used: dict[int, bool]) -> None:
    """The printed form: unused indicator rows hidden, 一级/二级 merged down their groups, rows as tall as
    the texts they show."""
    ws = wb[FORM_SHEET]
    form = spec.form
    assert form is not None
    boxes = lay.boxes[FORM_SHEET]
    table_rows: dict[int, int] = {}  # form row -> indicator row
    columns = {c.id for c in spec.table.columns} if spec.table else set()
    for b in boxes:
        if b.kind == "field" and b.field in columns:
            table_rows.setdefault(b.row, len(table_rows))
    if used:
        for row, i in table_rows.items():
            if not used.get(i):
                ws.row_dimensions[row + 1].hidden = True
        _merge_groups(wb, ws, spec, lay, boxes, table_rows, used)
    for b in boxes:
        if b.kind != "field" or not b.field:
            continue
        field = spec.field(b.field)
        if field.derived or (not field.wrap and field.kind != "text"):
            continue  # a formula's text is not what it shows
        if b.field in columns:
            i = table_rows[b.row]
            text = _value(wb, lay.columns[b.field].sheet, lay.columns[b.field].cell(i).a1)
        else:
            text = _value(wb, lay.cells[b.field].sheet, lay.cells[b.field].a1)
        width = sum(form.widths[b.col : b.col + b.cols])
        _grow(ws, b.row, str(text or ""), width)


def _merge_groups(
    wb: Any, ws: Any, spec: Spec, lay: Layout, boxes: list[Any], table_rows: dict[int, int], used: dict[int, bool]
) -> None:
    """Merge the 一级 (and within it the 二级) cells of consecutive used rows that say the same."""
    assert spec.table is not None
    keys = [c for c in (spec.table.columns[0].id, spec.table.columns[1].id)]
    cols = {b.field: b.col for b in boxes if b.kind == "field" and b.field in keys}
    rows = [r for r, i in sorted(table_rows.items()) if used.get(i)]
    for depth, key in enumerate(keys):
        if key not in cols:
            continue
        group: list[int] = []
        previous: tuple[Any, ...] | None = None
        for r in [*rows, None]:
            value = (
                None
                if r is None
                else tuple(
                    _value(wb, lay.columns[k].sheet, lay.columns[k].cell(table_rows[r]).a1) for k in keys[: depth + 1]
                )
            )
            if r is not None and value == previous and value and value[-1] not in (None, ""):
                group.append(r)
                continue
            if len(group) > 1 and group[-1] - group[0] == len(group) - 1:
                col = cols[key] + 1
                ws.merge_cells(start_row=group[0] + 1, start_column=col, end_row=group[-1] + 1, end_column=col)
            group, previous = ([r], value) if r is not None else ([], None)


def _fit_rows(ws: Any, spec: Spec, lay: Layout, sheet: str) -> None:
    """Rows of a data sheet as tall as the long texts typed into them."""
    for f in spec.fields.values():
        cell = lay.cells.get(f.id)
        if cell is None or cell.sheet != sheet or f.derived or not (f.wrap or f.kind == "text"):
            continue
        letter = re.sub(r"\d", "", cell.a1)
        width = ws.column_dimensions[letter].width or 10
        _grow(ws, cell.row, str(ws[cell.a1].value or ""), width)
    if spec.table is not None and spec.table.sheet == sheet:
        for c in spec.table.columns:
            if not c.wrap:
                continue
            rng = lay.columns[c.id]
            letter = re.sub(r"\d", "", rng.cell(0).a1)
            width = ws.column_dimensions[letter].width or 10
            for i in range(spec.table.rows):
                a1 = rng.cell(i).a1
                _grow(ws, rng.first_row + i, str(ws[a1].value or ""), width)


def _grow(ws: Any, row: int, text: str, width: float) -> None:
    """Make a (0-based) row tall enough for ``text`` wrapped in a box ``width`` characters wide."""
    if not text:
        return
    lines = sum(max(1, -(-display_width(part) // max(int(width) - 1, 1))) for part in text.splitlines() or [""])
    height = LINE * lines + 4
    dim = ws.row_dimensions[row + 1]
    if (dim.height or LINE) < height:
        dim.height = height
