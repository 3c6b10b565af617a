"""Worksheets fitted to what they hold, written in constant memory (issue #14).

xlsxwriter's constant-memory mode sends each row to disk as the next begins, so a row's height is decided as it is
written, before the texts of the rows after it are known; its columns' widths are set after the last row (`Fitted`).
Its rows' XML is written in one step a cell (`StreamedSheet`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from xlsxwriter.utility import _preserve_whitespace, xl_rowcol_to_cell_fast
from xlsxwriter.worksheet import CellBlankTuple, CellNumberTuple, CellStringTuple, Worksheet

from xltools.style import Measure

MAX_ROW_HEIGHT = 409  # points: the tallest row Excel and WPS allow (a taller one is "repaired" on opening)

# What xlsxwriter rewrites in a text before it writes it (control characters as _xHHHH_, a literal _xHHHH_, the
# two non-characters): such a text goes its way.
_REWRITTEN = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")


class StreamedSheet(Worksheet):
    """xlsxwriter's worksheet with its innermost step — a stored cell to XML — done in one write for the cells a
    summary holds by the million: a text, a number or a blank, with a format, in constant-memory mode. Any other
    cell is written the stock way; the XML is the same, byte for byte (tested)."""

    def _initialize(self, init_data: Any) -> None:
        super()._initialize(init_data)  # type: ignore[no-untyped-call]
        if self.constant_memory:  # the row file is only written until the workbook reopens it to be read: so
            # write-only, as a readable one resets its decoder, in Python, on every write (2.5× slower)
            fh: Any = self.row_data_fh  # type: ignore[has-type]
            fh.close()
            self.row_data_fh = self.fh = open(self.row_data_filename, "w", encoding="utf-8")  # noqa: SIM115

    def _opt_reopen(self) -> None:
        fh: Any = self.row_data_fh
        if fh is not None and not self.row_data_fh_closed and not fh.readable():  # to be read, and appended to
            self._opt_close()  # type: ignore[no-untyped-call]
        super()._opt_reopen()  # type: ignore[no-untyped-call]

    def _write_cell(self, row: int, col: int, cell: Any) -> None:
        fmt = cell.format
        kind = type(cell)
        if fmt is None or not self.constant_memory:
            return super()._write_cell(row, col, cell)  # type: ignore[no-untyped-call]
        head = f'<c r="{xl_rowcol_to_cell_fast(row, col)}" s="{fmt._get_xf_index()}"'
        if kind is CellStringTuple:
            text = cell.string
            if _REWRITTEN.search(text) or text.startswith("<r>"):
                return super()._write_cell(row, col, cell)  # type: ignore[no-untyped-call]
            if "&" in text or "<" in text or ">" in text:
                text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            space = ' xml:space="preserve"' if _preserve_whitespace(text) else ""
            self.fh.write(f'{head} t="inlineStr"><is><t{space}>{text}</t></is></c>')
        elif kind is CellNumberTuple:
            self.fh.write(f"{head}><v>{cell.number:.16G}</v></c>")
        elif kind is CellBlankTuple:
            self.fh.write(f"{head}/>")
        else:
            return super()._write_cell(row, col, cell)  # type: ignore[no-untyped-call]
        return None


class Fitted:
    """A sheet written once, fitted to what it holds: each row as tall as its wrapped texts, decided as it is written,
    and each column as wide as its widest text within its cap, set when every row is written (`finish`) — a
    constant-memory sheet cannot go back to a row, but xlsxwriter writes the columns' widths only at the end.

    A row's lines are counted at its column's widest (`Measure.bound`), before the column's width is known: the
    count it gets at the width it ends with, as a column ends narrower than its bound only when every text in it fits
    each of its lines on one line of that width (tested)."""

    def __init__(self, ws: Any, caps: Mapping[int, float]) -> None:
        self.ws = ws
        self.measure = Measure(caps)
        self.line = self.measure.line
        self.bounds: dict[int, float] = {}  # column -> the width its texts' lines are counted at
        self.tall: dict[int, int] = {}
        self.row = self.low = 0  # the row being written; rows from low up to it may still be in memory

    def finish(self) -> None:
        """Every row is written: the columns' widths, from what they hold."""
        for col, width in sorted(self.measure.widths().items()):
            self.ws.set_column(col, col, width)

    def _at(self, row: int) -> None:
        """Writing moves on to ``row``: rows before the current one are on disk, so what is kept of them —
        their heights here and in xlsxwriter's row table, which constant-memory mode never empties — goes."""
        if row <= self.row:
            return
        for r in range(self.low, self.row):
            self.tall.pop(r, None)
            self.ws.row_info.pop(r, None)
            self.ws.row_sizes.pop(r, None)
        self.low, self.row = self.row, row

    def __getattr__(self, name: str) -> Any:
        return getattr(self.ws, name)

    def _text(self, row: int, col: int, text: str) -> None:
        self._at(row)
        self.measure.text(row, col, text)
        width = self.bounds.get(col)
        if width is None:
            width = self.bounds[col] = self.measure.bound(col)
        lines = Measure.lines(text, width)
        if lines > self.tall.get(row, 1):
            self.tall[row] = lines
            self.ws.set_row(row, min(self.line * lines + 2, MAX_ROW_HEIGHT))

    def set_row(self, row: int, height: float, *args: Any) -> Any:
        """A height the writer asks for, unless the row's texts need more lines."""
        self._at(row)
        if self.tall.get(row, 1) <= 1:
            return self.ws.set_row(row, min(height, MAX_ROW_HEIGHT), *args)
        return None

    def write_string(self, row: int, col: int, text: str, fmt: Any = None) -> Any:
        self._text(row, col, text)
        return self.ws._write_string(row, col, text, fmt)  # rows and columns are numbers: no A1 to convert

    def write_number(self, row: int, col: int, value: float, fmt: Any = None) -> Any:
        self._text(row, col, f"{value:,.2f}")
        return self.ws._write_number(row, col, value, fmt)

    def write_datetime(self, row: int, col: int, value: Any, fmt: Any = None) -> Any:
        self._text(row, col, "2024-07-09")
        return self.ws.write_datetime(row, col, value, fmt)

    def write_row(self, row: int, col: int, values: list[Any], fmt: Any = None) -> Any:
        self._at(row)
        for j, v in enumerate(values):
            if isinstance(v, str):
                self._text(row, col + j, v)
        return self.ws.write_row(row, col, values, fmt)

    def write_blank(self, row: int, col: int, blank: Any, fmt: Any = None) -> Any:
        self._at(row)
        return self.ws._write_blank(row, col, blank, fmt)

    def merge_range(self, first_row: int, first_col: int, last_row: int, last_col: int, data: Any, fmt: Any) -> Any:
        self._at(first_row)
        return self.ws.merge_range(first_row, first_col, last_row, last_col, data, fmt)
