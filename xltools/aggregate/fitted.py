"""Worksheets fitted to what they hold, written in constant memory (issue #14).

xlsxwriter's constant-memory mode sends each row to disk as the next begins, so a row's height is decided as it is
written, before the texts of the rows after it are known; its columns' widths are set after the last row (`Fitted`).
Its rows' XML is written in one step a cell, or a row at once (`StreamedSheet`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from math import isfinite
from typing import Any

from xlsxwriter.utility import _preserve_whitespace, xl_col_to_name, xl_rowcol_to_cell_fast
from xlsxwriter.worksheet import CellBlankTuple, CellNumberTuple, CellStringTuple, Worksheet

from xltools.style import Measure

MAX_ROW_HEIGHT = 409  # points: the tallest row Excel and WPS allow (a taller one is "repaired" on opening)

# What xlsxwriter rewrites in a text before it writes it (control characters as _xHHHH_, a literal _xHHHH_, the
# two non-characters): such a text goes its way.
_REWRITTEN = re.compile("[\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_LETTERS = [xl_col_to_name(c) for c in range(64)]  # the columns a row written at once may reach

_REMEMBERED = 20_000  # texts a sheet keeps the XML or the line count of (each a few hundred bytes at most)

Cells = Sequence[tuple[Any, Any]]  # a row's cells from column 0 on: each (value, format)


class StreamedSheet(Worksheet):
    """xlsxwriter's worksheet with its innermost step — a stored cell to XML — done in one write for the cells a
    summary holds by the million: a text, a number or a blank, with a format, in constant-memory mode. Any other
    cell is written the stock way; the XML is the same, byte for byte (tested)."""

    def _initialize(self, init_data: Any) -> None:
        super()._initialize(init_data)  # type: ignore[no-untyped-call]
        self._texts: dict[tuple[str, Any], str] = {}  # (text, format) -> its cell's XML after the reference
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

    def put_row(self, row: int, cells: Cells) -> bool:
        """Write a row's cells from column 0 on at once — each (value, format): a text, a number or a datetime with a
        format, or None for a blank (none at all without a format) — as the XML xlsxwriter writes for them cell by cell
        (tested); its height must be set before. False, and nothing written, for a row it does not write so: a
        cell of another kind, a text xlsxwriter rewrites, a row begun or written already, one past the sheet."""
        if (
            not self.constant_memory
            or row < self.previous_row
            or row >= self.xls_rowmax
            or len(cells) > len(_LETTERS)
            or self.table.get(row)
        ):
            return False
        out: list[str] = []
        first = last = -1
        n = str(row + 1)
        texts = self._texts
        for col, (value, fmt) in enumerate(cells):
            if value is None:
                if fmt is None:
                    continue
                out.append(f'<c r="{_LETTERS[col]}{n}" s="{fmt._get_xf_index()}"/>')
            elif fmt is None:
                return False
            elif type(value) is str:
                rest = texts.get((value, fmt))
                if rest is None:
                    rest = self._text_xml(value, fmt)
                    if rest is None:
                        return False
                out.append(f'<c r="{_LETTERS[col]}{n}"{rest}')
            elif (type(value) is int or type(value) is float) and isfinite(value):
                out.append(f'<c r="{_LETTERS[col]}{n}" s="{fmt._get_xf_index()}"><v>{value:.16G}</v></c>')
            elif type(value) is dt.datetime:  # a date is its serial number, formatted
                number = self._convert_date_time(value)  # type: ignore[no-untyped-call]
                out.append(f'<c r="{_LETTERS[col]}{n}" s="{fmt._get_xf_index()}"><v>{number:.16G}</v></c>')
            else:
                return False
            first = col if first < 0 else first
            last = col
        if first < 0:
            return False  # no cell: what a row of no cells writes (its height alone, or nothing) is xlsxwriter's
        if row > self.previous_row:
            self._write_single_row(row)  # the row before, when it is still to be written; this row is then the current
        self._check_dimensions(row, first)
        self._check_dimensions(row, last)
        self._write_row(row, None, self.row_info.pop(row, None))  # type: ignore[no-untyped-call]
        self.fh.write("".join(out))
        self.fh.write("</row>")
        return True

    def _text_xml(self, text: str, fmt: Any) -> str | None:
        """A text cell's XML after its reference, remembered (a summary repeats its names, units and levels on
        every row); None for a text xlsxwriter rewrites."""
        if _REWRITTEN.search(text) or text.startswith("<r>") or len(text) > self.xls_strmax // 2:
            return None
        shown = text
        if "&" in text or "<" in text or ">" in text:
            shown = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        space = ' xml:space="preserve"' if _preserve_whitespace(text) else ""
        rest = f' s="{fmt._get_xf_index()}" t="inlineStr"><is><t{space}>{shown}</t></is></c>'
        if len(self._texts) >= _REMEMBERED:
            self._texts.clear()
        self._texts[(text, fmt)] = rest
        return rest


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
        self.seen: dict[tuple[int, str], int] = {}  # (column, text) -> the lines it takes there (`_lines`)
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
        self._tall(row, self._lines(row, col, text))

    def _lines(self, row: int, col: int, text: str) -> int:
        """Record a text of a column; the lines it takes there. A text seen in the column before is known: the
        column's widest already counts it, and its bound, once set, stays."""
        seen = self.seen.get((col, text))
        if seen is not None:
            return seen
        lines = self._count(row, col, text)
        if len(self.seen) >= _REMEMBERED:
            self.seen.clear()
        self.seen[(col, text)] = lines
        return lines

    def _count(self, row: int, col: int, text: str) -> int:
        """Record a text of a column; the lines it takes there (a number's text: seldom seen twice)."""
        self.measure.text(row, col, text)
        width = self.bounds.get(col)
        if width is None:
            width = self.bounds[col] = self.measure.bound(col)
        return Measure.lines(text, width)

    def _tall(self, row: int, lines: int) -> None:
        if lines > self.tall.get(row, 1):
            self.tall[row] = lines
            self.ws.set_row(row, min(self.line * lines + 2, MAX_ROW_HEIGHT))

    def write_value(self, row: int, col: int, value: Any, fmt: Any = None) -> None:
        """A value as what it is: None a blank, a text, a date, else a number (what `write_cells` takes)."""
        self._at(row)
        self._tall(row, self._measured(row, col, value))
        _write(self.ws, row, col, value, fmt)

    def write_cells(self, row: int, cells: Cells) -> None:
        """A row's cells from column 0 on, each (value, format) as `write_value` takes them: measured alike, and
        written at once where the sheet can (`StreamedSheet.put_row`), else cell by cell; the same XML."""
        self._at(row)
        self._tall(row, max([1, *(self._measured(row, col, value) for col, (value, _) in enumerate(cells))]))
        put_row = getattr(self.ws, "put_row", None)
        if put_row is None or not put_row(row, cells):
            for col, (value, fmt) in enumerate(cells):
                _write(self.ws, row, col, value, fmt)

    def _measured(self, row: int, col: int, value: Any) -> int:
        """Record a value of a column; the lines it takes there (a blank: one)."""
        if isinstance(value, str):
            return self._lines(row, col, value)
        return 1 if value is None else self._count(row, col, _shown(value))

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
        self._at(row)
        self._tall(row, self._count(row, col, _shown(value)))
        return self.ws._write_number(row, col, value, fmt)

    def write_datetime(self, row: int, col: int, value: Any, fmt: Any = None) -> Any:
        self._text(row, col, _shown(value))
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


def _write(ws: Any, row: int, col: int, value: Any, fmt: Any) -> None:
    """A value as `Fitted.write_value` takes it, written to xlsxwriter's sheet (nothing measured)."""
    if value is None:
        ws._write_blank(row, col, None, fmt)
    elif isinstance(value, str):
        ws._write_string(row, col, value, fmt)
    elif isinstance(value, dt.date):
        ws.write_datetime(row, col, value, fmt)
    else:
        ws._write_number(row, col, value, fmt)


def _shown(value: Any) -> str:
    """The text a value shows, as far as its column's width and its row's height go: a number with its
    thousands and two decimals, a date as ten characters."""
    if isinstance(value, str):
        return value
    if isinstance(value, dt.date):
        return "2024-07-09"
    return f"{value:,.2f}"
