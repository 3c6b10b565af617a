"""The printed form view (自评表) and the sign-off block, written from the contract's boxes; and the page
setup every sheet of a template shares (A4, header and footer with the page number)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from xlsxwriter.worksheet import Worksheet

from xltools.contract import FORM_SHEET, Box
from xltools.style import display_width

if TYPE_CHECKING:
    from xltools.template.build import _Builder

FOOTER = "&C&9第 &P 页 共 &N 页"


def _escape(text: str) -> str:
    return text.replace("&", "&&")


def page_setup(b: _Builder, ws: Worksheet, sheet: str, landscape: bool = False) -> None:
    """A4, fitted to the page width, margins for binding, header (title, region and year, sheet) and footer."""
    ws.set_paper(9)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.6, right=0.5, top=0.75, bottom=0.7)
    where = f"{b.region.name} " if b.region else ""
    header = f"&L&9{_escape(b.spec.title)}&C&9{_escape(where)}{b.year} 年度&R&9{_escape(sheet)}"
    ws.set_header(header)
    ws.set_footer(FOOTER)


def _cached(b: _Builder, box: Box) -> Any:
    """What a display box shows on the blank form: the prefilled or computed value, else nothing."""
    if box.kind == "region":
        return b.region.name if b.region else ""
    value = b.cached.get(box.field) if box.field in b.spec.fields else None
    return "" if value is None or isinstance(value, list) else value


def _break(text: str, width: float) -> str:
    """Break a heading that does not fit before its bracket, never leaving a lone “）” on a line."""
    if "（" in text and display_width(text) > width - 1 and "\n" not in text:
        head, _, tail = text.partition("（")
        return f"{head}\n（{tail}" if head else text
    return text


def write_boxes(b: _Builder, ws: Worksheet, boxes: list[Box], widths: tuple[float, ...] = ()) -> None:
    """Write boxes (labels, texts, values by formula, blanks to sign), merging those that span cells."""
    st = b.fmt
    for box in boxes:
        if widths and box.kind in ("block", "label", "text"):
            box = replace(box, text=_break(box.text, sum(widths[box.col : box.col + box.cols])))
        last_row, last_col = box.row + box.rows - 1, box.col + box.cols - 1
        if box.kind == "title":
            fmt, content = st.title, box.text
        elif box.kind == "subtitle":
            fmt, content = st.subtitle, b.subtitle()
        elif box.kind == "block":
            fmt, content = st.block_heading, box.text
        elif box.kind == "label":
            fmt, content = st.form_label, box.text
        elif box.kind == "text":
            fmt, content = st.form_text, box.text
        elif box.kind == "blank":
            fmt, content = st.form_text, ""
        elif box.kind == "computed":  # a formula column of a data sheet: grey and locked, like the totals
            fmt, content = st.value(b.spec.field(box.field), "formula"), None
        else:
            field = b.spec.field(box.field)
            fmt, content = st.view(field), None
        if content is not None:
            if (last_row, last_col) != (box.row, box.col):
                ws.merge_range(box.row, box.col, last_row, last_col, content, fmt)
            elif content:
                ws.write_string(box.row, box.col, content, fmt)
            else:
                ws.write_blank(box.row, box.col, None, fmt)
            continue
        if (last_row, last_col) != (box.row, box.col):
            ws.merge_range(box.row, box.col, last_row, last_col, "", fmt)
        ws.write_formula(box.row, box.col, "=" + box.formula, fmt, _cached(b, box))


def write_form(b: _Builder, ws: Worksheet) -> None:
    """自评表: the national layout, nothing to fill (every value a formula), printed on A4."""
    spec, form = b.spec, b.spec.form
    assert form is not None
    boxes = b.layout.boxes[FORM_SHEET]
    for col, width in enumerate(form.widths):
        ws.set_column(col, col, width)
    write_boxes(b, ws, boxes, form.widths)
    ws.set_row(0, 32)
    ws.set_row(1, 20)
    tall: dict[int, float] = {}
    for box in boxes:  # rows get room for their words; rows of long answers room for a few lines
        width = sum(form.widths[box.col : box.col + box.cols])
        field = spec.field(box.field) if box.kind == "field" and box.field else None
        if field is not None and field.wrap:
            tall[box.row] = max(tall.get(box.row, 0), 15 * 3 if width > 40 else 15 * 2)
        if box.kind in ("label", "text", "block") and box.text:
            lines = -(-display_width(box.text) // max(int(width) - 1, 1))
            last = box.row + box.rows - 1
            above = sum(tall.get(r, 15.0) for r in range(box.row, last))  # the rows above the last keep theirs
            tall[last] = max(tall.get(last, 0), 15.0 * lines - above + 2)
    for row in range(2, max(b.row + b.rows for b in boxes)):  # every row's height is set: no client guesses
        ws.set_row(row, max(tall.get(row, 0), 18.0))
    page_setup(b, ws, FORM_SHEET)
    ws.protect(b.password or "", {"select_locked_cells": True, "select_unlocked_cells": True, "format_rows": True})
