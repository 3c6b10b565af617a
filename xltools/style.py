"""Formats and colours of every workbook xltools writes (templates, summaries, annotated copies): once.

Chinese official documents are set in 宋体 (body) and 黑体 (titles); WPS and Excel have both, and
LibreOffice falls back to the CJK fonts installed (Noto Serif / Sans CJK).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cached_property, lru_cache
from typing import Any

from xltools.spec import Field

BODY_FONT, TITLE_FONT = "宋体", "黑体"
# 宋体 (a serif) and 黑体 (a sans) by every name they go by: a printer maps them to the CJK fonts it has
SERIF_NAMES = ("宋体", "SimSun", "新宋体", "NSimSun", "仿宋", "FangSong")
SANS_NAMES = ("黑体", "SimHei", "微软雅黑", "Microsoft YaHei")
BORDER = "#A6A6A6"
INPUT_FILL, FORMULA_FILL, PREFILL_FILL = "#FFF2CC", "#E7E6E6", "#DDEBF7"
HEADER_FILL, BLOCK_FILL, TOTAL_FILL = "#D9E1F2", "#EDEDED", "#EDEDED"
ERROR_FILL, WARNING_FILL, QUIET_FILL = "#FF9999", "#FFEB9C", "#D9D9D9"
NOTE_COLOUR, SEQ_COLOUR = "#595959", "#7F7F7F"

# the fill of a status in the summary (DESIGN §6 codes)
STATUS_FILL = {
    "errors": ERROR_FILL,
    "rejected": ERROR_FILL,
    "warnings": WARNING_FILL,
    "missing": QUIET_FILL,
    "duplicate": QUIET_FILL,
}


def argb(colour: str) -> str:
    """#RRGGBB -> FFRRGGBB, as openpyxl writes colours."""
    return "FF" + colour.lstrip("#").upper()


def number_format(field: Field | None) -> str:
    """The Excel number format a field's value is shown in."""
    if field is None:
        return "General"
    if field.kind == "text" or (field.kind == "choice" and not field.numeric):
        return "@"
    if field.kind == "date":
        return "yyyy-mm-dd"
    if field.kind == "integer":
        return "0" if field.max is not None and field.max < 10000 else "#,##0"  # a year is not 2,023
    if field.kind == "number":
        d = field.decimals
        frac = "." + "0" * d if d else ""
        if field.percent:
            return f"0{frac}%"
        return f"#,##0{frac}" if d is not None else "General"
    return "General"


class Styles:
    """The named formats of one xlsxwriter workbook, made once each (and looked up once: a large summary asks
    for one for each of its hundreds of thousands of cells)."""

    def __init__(self, wb: Any) -> None:
        self.wb = wb
        self._made: dict[tuple[tuple[str, Any], ...], Any] = {}
        self._numbers: dict[tuple[str | None, bool], Any] = {}
        self._statuses: dict[str, Any] = {}

    def make(self, **props: Any) -> Any:
        """A format with the house font and ``props`` (cached: equal props, one format)."""
        props = {"font_name": BODY_FONT, "font_size": 11, **props}
        key = tuple(sorted(props.items()))
        if key not in self._made:
            self._made[key] = self.wb.add_format(props)
        return self._made[key]

    def fix(self) -> None:
        """Number every format made so far, in the order made (xlsxwriter numbers a format when a cell first uses
        it): a sheet written in another process then names the same styles as this one (`aggregate.apart`)."""
        for fmt in self._made.values():
            fmt._get_xf_index()

    def boxed(self, **props: Any) -> Any:
        return self.make(**{"border": 1, "border_color": BORDER, "valign": "vcenter", **props})

    # --- titles and text --------------------------------------------------------------------------
    @cached_property
    def title(self) -> Any:
        return self.make(font_name=TITLE_FONT, bold=True, font_size=16, align="center", valign="vcenter")

    @cached_property
    def subtitle(self) -> Any:
        return self.make(font_size=10, align="center", valign="vcenter", text_wrap=True)

    @cached_property
    def note(self) -> Any:
        return self.make(font_color=NOTE_COLOUR, font_size=9, text_wrap=True, valign="top")

    @cached_property
    def text(self) -> Any:
        return self.make(text_wrap=True, valign="top")

    @cached_property
    def header(self) -> Any:
        return self.boxed(font_name=TITLE_FONT, bold=True, bg_color=HEADER_FILL, align="center", text_wrap=True)

    @cached_property
    def block(self) -> Any:
        return self.boxed(font_name=TITLE_FONT, bold=True, bg_color=BLOCK_FILL)

    @cached_property
    def label(self) -> Any:
        return self.boxed(text_wrap=True)

    @cached_property
    def seq(self) -> Any:
        return self.boxed(align="center", font_color=SEQ_COLOUR)

    @cached_property
    def unit(self) -> Any:
        return self.boxed(align="center", text_wrap=True)

    @cached_property
    def cell_note(self) -> Any:
        return self.boxed(font_color=NOTE_COLOUR, font_size=9, text_wrap=True)

    @cached_property
    def wrap(self) -> Any:
        return self.boxed(text_wrap=True, valign="top")

    @cached_property
    def cell(self) -> Any:
        return self.boxed(text_wrap=True)

    @cached_property
    def date(self) -> Any:
        return self.boxed(num_format="yyyy-mm-dd", align="center")

    @cached_property
    def block_heading(self) -> Any:
        """A form's section heading, written down its first column."""
        return self.boxed(font_name=TITLE_FONT, bold=True, align="center", text_wrap=True)

    @cached_property
    def form_label(self) -> Any:
        return self.boxed(align="center", text_wrap=True)

    @cached_property
    def form_text(self) -> Any:
        return self.boxed(align="center", text_wrap=True)

    def view(self, field: Field) -> Any:
        """A value on the printed form: the field's number format, wrapped text, locked, no fill."""
        align = "left" if field.kind == "text" else "center" if field.kind in ("choice", "date") else "right"
        return self.boxed(num_format=number_format(field), text_wrap=True, locked=True, align=align)

    def legend(self, fill: str) -> Any:
        return self.boxed(bg_color=fill)

    # --- values -----------------------------------------------------------------------------------
    def value(self, field: Field, role: str) -> Any:
        """A template's value cell: number format from the field; fill and lock from its role."""
        if role == "unused":  # a row a targeted template leaves out: locked, no fill
            return self.boxed(num_format=number_format(field), locked=True)
        fill, locked = {"input": (INPUT_FILL, False), "formula": (FORMULA_FILL, True), "prefill": (PREFILL_FILL, True)}[
            role
        ]
        extra = {"text_wrap": True} if field.wrap else {}
        return self.boxed(num_format=number_format(field), bg_color=fill, locked=locked, **extra)

    def number(self, field: Field | None, total: bool = False) -> Any:
        """A summary's number cell (bold and shaded in the totals row); one look-up per field, not per cell."""
        key = (field.id if field is not None else None, total)
        if key not in self._numbers:
            fmt = "#,##0" if field is not None and field.kind == "integer" else number_format(field)
            extra = {"bold": True, "bg_color": TOTAL_FILL} if total else {}
            self._numbers[key] = self.boxed(num_format=fmt, **extra)
        return self._numbers[key]

    @cached_property
    def total(self) -> Any:
        return self.boxed(bold=True, bg_color=TOTAL_FILL, text_wrap=True)

    def status(self, code: str) -> Any:
        if code not in self._statuses:
            fill = STATUS_FILL.get(code)
            self._statuses[code] = self.boxed(bg_color=fill, text_wrap=True) if fill else self.cell
        return self._statuses[code]


_WIDE = re.compile("[\u2e81-\U0010ffff]")


def display_width(text: str) -> int:
    """Column width a text needs: CJK characters take two units."""
    if text.isascii():
        return len(text)
    return _wide_width(text) if len(text) <= 64 else len(text) + len(_WIDE.findall(text))


@lru_cache(maxsize=4096)
def _wide_width(text: str) -> int:  # a summary repeats its short texts (levels, units, names) on every return
    return len(text) + len(_WIDE.findall(text))


DEFAULT_CAP = 40.0  # the widest a column may grow when its sheet gives it no cap


class Measure:
    """How wide a sheet's columns must be to print it whole, from the texts it holds (xlsxwriter writes, it
    does not measure): record every text as it is written, then take `widths`; `lines` gives a text's height in a
    column of a given width, `bound` the width to count it at before the column's is known. Memory: one number a
    column, whatever the rows."""

    def __init__(self, caps: Mapping[int, float], minimum: float = 5.0, line: float = 15.0) -> None:
        self.caps, self.minimum, self.line = dict(caps), minimum, line
        self.widest: dict[int, int] = {}  # column -> widest text
        self.fixed: dict[int, float] = {}

    def text(self, row: int, col: int, text: str) -> None:
        widest = self.widest.get(col, -1)
        if 2 * len(text) <= widest:  # a character takes at most two units: this text cannot be the widest
            return
        width = display_width(text)
        if width > widest:
            self.widest[col] = width

    def width(self, col: int, width: float) -> None:
        """A column's width decided by the caller (its texts still set the rows' heights)."""
        self._open(col)
        self.fixed[col] = width

    def cap(self, col: int, width: float) -> None:
        """The widest a column may grow to fit its texts."""
        self._open(col)
        self.caps[col] = width

    def _open(self, col: int) -> None:
        if col in self.widest:  # rows already counted at the column's old bound would be the wrong height
            raise ValueError(f"column {col}'s width is decided before its first text, not after")

    def bound(self, col: int) -> float:
        """The width a column has if its texts need all the room they may have: its lines counted at this width are
        as many as at the width it ends with (`widths`). Ending narrower means every text in it is at least two
        units narrower than that width, so each of its lines fits on one line at either width."""
        return self._within(col, self.caps.get(col, DEFAULT_CAP))

    def widths(self) -> dict[int, float]:
        """Each column that holds text: its fixed width, else its widest text's, within its cap."""
        return {
            col: self._within(col, min(self.caps.get(col, DEFAULT_CAP), widest + 2))
            for col, widest in self.widest.items()
        }

    def _within(self, col: int, width: float) -> float:
        return self.fixed.get(col) or max(self.minimum, width)

    @staticmethod
    def lines(text: str, width: float) -> int:
        """How many lines ``text`` takes in a column ``width`` wide."""
        room = max(int(width) - 1, 1)
        if 2 * len(text) <= room and text.isprintable():  # one line, however wide its characters
            return 1
        if text.isprintable():  # no line break (every one of str.splitlines' is unprintable)
            return max(1, -(-display_width(text) // room))
        return sum(max(1, -(-display_width(p) // room)) for p in text.splitlines() or [""])
