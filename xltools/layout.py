"""Where every field of a spec sits in the workbook: one deterministic layout for builder and checker.

The checker never relies on these coordinates to read values (it follows the defined names);
it uses the layout to know which cells must hold formulas and to fingerprint the structure.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property, lru_cache

from xltools.expr import Expr, to_excel
from xltools.spec import FieldBlock, GridBlock, Spec, TableBlock

INSTRUCTIONS_SHEET = "填报说明"
META_SHEET = "_xltools"
LABEL_COL, VALUE_COL, UNIT_COL, NOTE_COL = 1, 2, 3, 4
FORM_HEADER = ("序号", "项目", "填报值", "单位", "说明")
TABLE_HEADER_ROW = 2


def col_letter(col: int) -> str:
    """0-based column index -> Excel letters (0 -> A)."""
    out = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def a1(row: int, col: int, absolute: bool = False) -> str:
    """0-based row/col -> A1 text (absolute with $ when asked)."""
    d = "$" if absolute else ""
    return f"{d}{col_letter(col)}{d}{row + 1}"


def quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


@dataclass(frozen=True)
class Cell:
    sheet: str
    row: int
    col: int

    @property
    def a1(self) -> str:
        return a1(self.row, self.col)

    @property
    def ref(self) -> str:
        """As Excel shows it to a person: 资金情况!C9."""
        return f"{self.sheet}!{self.a1}"


@dataclass(frozen=True)
class ColumnRange:
    sheet: str
    col: int
    first_row: int
    last_row: int

    def cell(self, i: int) -> Cell:
        return Cell(self.sheet, self.first_row + i, self.col)


@dataclass(frozen=True)
class Layout:
    """Positions of every field and table column, plus each derived field's Excel formula."""

    spec_id: str
    cells: dict[str, Cell]
    columns: dict[str, ColumnRange]
    formulas: dict[str, str]
    rows: dict[str, list[tuple[str, int]]]  # sheet -> (kind, row) markers for the builder

    def ref(self, name: str, from_sheet: str) -> str:
        """A name as a formula reference, seen from ``from_sheet``."""
        if name in self.cells:
            c = self.cells[name]
            local = a1(c.row, c.col, True)
        else:
            r = self.columns[name]
            c = Cell(r.sheet, r.first_row, r.col)
            local = f"{a1(r.first_row, r.col, True)}:{a1(r.last_row, r.col, True)}"
        return local if c.sheet == from_sheet else f"{quote_sheet(c.sheet)}!{local}"

    def target(self, name: str) -> str:
        """The defined name's target, e.g. '资金情况'!$C$9."""
        if name in self.cells:
            c = self.cells[name]
            return f"{quote_sheet(c.sheet)}!{a1(c.row, c.col, True)}"
        r = self.columns[name]
        return f"{quote_sheet(r.sheet)}!{a1(r.first_row, r.col, True)}:{a1(r.last_row, r.col, True)}"

    def formula(self, expr: Expr, sheet: str) -> str:
        return to_excel(expr, lambda n: self.ref(n, sheet))

    @cached_property
    def fingerprint(self) -> str:
        """A short hash of the locked structure: names, their cells, and every formula."""
        data = {
            "spec": self.spec_id,
            "cells": sorted((k, c.sheet, c.a1) for k, c in self.cells.items()),
            "columns": sorted((k, r.sheet, r.col, r.first_row, r.last_row) for k, r in self.columns.items()),
            "formulas": sorted(self.formulas.items()),
        }
        return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()[:16]


@lru_cache(maxsize=32)
def layout_of(spec: Spec) -> Layout:
    """Compute the layout of a spec's data sheets (rows are 0-based)."""
    cells: dict[str, Cell] = {}
    columns: dict[str, ColumnRange] = {}
    rows: dict[str, list[tuple[str, int]]] = {}
    for sheet in spec.sheets:
        marks: list[tuple[str, int]] = []
        row = 2  # row 0: title, row 1: header
        for block in sheet.blocks:
            if isinstance(block, FieldBlock):
                marks.append(("block", row))
                row += 1
                for fid in block.fields:
                    cells[fid] = Cell(sheet.name, row, VALUE_COL)
                    row += 1
            elif isinstance(block, GridBlock):
                marks.append(("grid", row))
                row += 2  # block title, column header
                for _, ids in block.rows:
                    for j, fid in enumerate(ids):
                        cells[fid] = Cell(sheet.name, row, VALUE_COL + j)
                    row += 1
            elif isinstance(block, TableBlock) and spec.table:
                t = spec.table
                first = TABLE_HEADER_ROW + 1
                for j, c in enumerate(t.columns):
                    columns[c.id] = ColumnRange(sheet.name, 1 + j, first, first + t.rows - 1)
                footer_row = first + t.rows
                for fid in t.footer:
                    f = spec.fields[fid]
                    cells[fid] = Cell(sheet.name, footer_row, columns[f.column or ""].col)
                marks.append(("table", footer_row))
                row = footer_row + 1
            row += 1  # a blank row between blocks
        rows[sheet.name] = marks
    lay = Layout(spec.id, cells, columns, {}, rows)
    for f in spec.fields.values():
        if f.formula is not None:
            lay.formulas[f.id] = lay.formula(f.formula, f.sheet)
    return lay
