"""Worksheets fitted to what they hold, written in constant memory (issue #14).

xlsxwriter's constant-memory mode sends each row to disk as the next begins, so a sheet cannot be measured
after it is written: a sheet is written twice over the same rows — first to a `Probe`, which measures the
texts and writes nothing, then to a `Fitted` sheet whose columns are set from those measures before the
first row and whose rows are made tall enough for their wrapped texts as they are written.
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


class Probe:
    """A sheet's first pass: its texts are measured and nothing is written, so the columns' widths are known
    before the first row goes to disk (a constant-memory sheet cannot be fitted afterwards)."""

    def __init__(self, caps: Mapping[int, float]) -> None:
        self.measure = Measure(caps)
        self.rows = 0  # how many rows the sheet has (up to its last written)

    def __getattr__(self, name: str) -> Any:
        return _nothing

    def write_string(self, row: int, col: int, text: str, fmt: Any = None) -> None:
        if row >= self.rows:
            self.rows = row + 1
        self.measure.text(row, col, text)

    def write_number(self, row: int, col: int, value: float, fmt: Any = None) -> None:
        if row >= self.rows:
            self.rows = row + 1
        self.measure.text(row, col, f"{value:,.2f}")  # as wide as it prints, give or take the format

    def write_datetime(self, row: int, col: int, value: Any, fmt: Any = None) -> None:
        self.measure.text(row, col, "2024-07-09")

    def write_row(self, row: int, col: int, values: list[Any], fmt: Any = None) -> None:
        for j, v in enumerate(values):
            if isinstance(v, str):
                self.measure.text(row, col + j, v)


def _nothing(*args: Any, **kwargs: Any) -> None:
    return None


class Fitted:
    """A sheet's second pass: columns as the probe measured them; each row as tall as its wrapped texts,
    decided while it is written (or as the writer asked, when its texts fit on one line)."""

    def __init__(self, ws: Any, widths: Mapping[int, float], line: float) -> None:
        self.ws, self.widths, self.line = ws, dict(widths), line
        self.measure = Measure({})  # widths are decided: what the writer says of them now changes nothing
        self.tall: dict[int, int] = {}
        self.row = self.low = 0  # the row being written; rows from low up to it may still be in memory
        for col, width in self.widths.items():
            ws.set_column(col, col, width)

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
        width = self.widths.get(col)
        if width is None:
            return
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
