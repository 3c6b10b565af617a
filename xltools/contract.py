"""The workbook contract (DESIGN §3), written by the builder and read by the checker — in one place.

- where every field sits (the layout), its defined name's target, and each derived field's formula;
- the anchors: locked label cells and row numbers whose text proves that nothing was inserted or deleted;
- the structure fingerprint; the metadata a template records about itself (hidden sheet and custom
  document properties, the ``xltools_`` prefix);
- A1 references: letters, absolute forms, defined-name targets.

The checker never reads values through these coordinates (it follows the defined names); it uses them
to know what the names must point to, which cells must hold formulas, and which texts must not move.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

from xltools.spec import FieldBlock, GridBlock, Spec, TableBlock
from xltools.spec.expr import Expr, to_excel
from xltools.spec.model import Field

INSTRUCTIONS_SHEET = "填报说明"
META_SHEET = "_xltools"
FORM_SHEET = "自评表"  # the printed form view: every box a formula over the input sheets
RESERVED_SHEETS = (INSTRUCTIONS_SHEET, META_SHEET, FORM_SHEET)
META_CODES_COL, META_NAMES_COL, META_LISTS_COL = 3, 4, 5  # the hidden sheet: region codes, names, other lists
PROPERTY_PREFIX = "xltools_"
META_KEYS = ("spec", "spec_version", "year", "region_code", "region_name", "fingerprint", "xltools_version")
IDENTITY_KEYS = ("spec", "spec_version", "year", "region_code", "fingerprint")  # must agree sheet vs properties
TARGETS_KEY, TARGETS_DIGEST_KEY = "targets", "targets_digest"  # approved targets prefilled (DESIGN §13)
# The columns of a targets list (DESIGN §13): the region, then the table columns a template gets prefilled.
TARGET_LIST_COLUMNS = (
    "region_code", "ind_level1", "ind_level2", "ind_name", "ind_direction", "ind_unit", "ind_target", "ind_weight"
)  # fmt: skip
TARGET_COLUMNS = TARGET_LIST_COLUMNS[1:]

# Data sheets: row 0 title, row 1 subtitle (region, year), row 2 column header, then blocks; the table's
# sheet has its hint in row 2 and its header in row 3. Columns of a data sheet:
SEQ_COL, LABEL_COL, VALUE_COL, UNIT_COL, NOTE_COL = 0, 1, 2, 3, 4
FORM_HEADER = ("序号", "项目", "填报值", "单位", "说明")
HEADER_ROW = 2
TABLE_HEADER_ROW = 3
MAX_ROWS, MAX_COLS = 1_048_576, 16_384


# --- A1 references -------------------------------------------------------------------------------

_A1 = re.compile(r"^\$?([A-Z]{1,3})\$?(\d{1,7})$")
_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$")


def col_letter(col: int) -> str:
    """0-based column index -> Excel letters (0 -> A)."""
    out = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


@lru_cache(maxsize=65536)
def a1(row: int, col: int, absolute: bool = False) -> str:
    """0-based row/col -> A1 text (absolute with $ when asked)."""
    d = "$" if absolute else ""
    return f"{d}{col_letter(col)}{d}{row + 1}"


@lru_cache(maxsize=16384)
def position(ref: str) -> tuple[int, int] | None:
    """'C10' -> (9, 2), 0-based row and column; None when it is not a cell inside Excel's grid."""
    m = _A1.match(ref)
    if not m:
        return None
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    row = int(m.group(2))
    if not (1 <= row <= MAX_ROWS and 1 <= col <= MAX_COLS):
        return None
    return row - 1, col - 1


def quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


@lru_cache(maxsize=4096)
def parse_target(text: str) -> tuple[str, tuple[str, ...]] | None:
    """A defined name's formula ('资金情况'!$C$10 or a one-column range) -> (sheet, A1 cells); else None."""
    m = _REF.match(text.strip().lstrip("="))
    if not m:
        return None
    sheet = (m.group(1) or "").replace("''", "'") or (m.group(2) or "")
    c1, r1 = m.group(3), int(m.group(4))
    if m.group(5):
        c2, r2 = m.group(5), int(m.group(6))
        if c1 != c2 or r2 < r1 or r2 - r1 > 10000:
            return None
        return sheet, tuple(f"{c1}{r}" for r in range(r1, r2 + 1))
    return sheet, (f"{c1}{r1}",)


# --- the layout ----------------------------------------------------------------------------------


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


def label_text(f: Field) -> str:
    """A field's label as the template writes it beside the value (required inputs marked *)."""
    return f.label + (" *" if f.required and not f.derived else "")


@dataclass(frozen=True)
class Box:
    """A box of the printed form or of a sign-off block: where, how big, and what it shows."""

    row: int
    col: int
    cols: int  # columns it spans
    rows: int  # rows it spans
    kind: str  # title | text | label | field | region | blank
    text: str = ""  # words shown (title, text, label)
    field: str = ""  # the field or column a value box shows
    formula: str = ""  # the value box's formula (without '=')


@dataclass(frozen=True)
class Layout:
    """Positions of every field and table column, each derived field's formula, the anchors, and the
    display-only boxes (the printed form, the sign-off) whose formulas are part of the structure."""

    spec_id: str
    cells: dict[str, Cell]
    columns: dict[str, ColumnRange]
    formulas: dict[str, str]
    rows: dict[str, list[tuple[str, int]]]  # sheet -> (kind, row) markers for the builder
    anchors: dict[Cell, str | int] = field(default_factory=dict)  # locked texts that must not move
    extent: dict[str, tuple[int, int]] = field(default_factory=dict)  # sheet -> (rows, columns) it uses
    boxes: dict[str, list[Box]] = field(default_factory=dict)  # sheet -> its display boxes (form, sign-off)

    @cached_property
    def memo(self) -> dict[Any, Any]:
        """What `check` worked out once for this layout and may reuse (the returns of one template share their
        structure): keyed by what it depends on, bounded by its user."""
        return {}

    @cached_property
    def homes(self) -> dict[str, tuple[str, str]]:
        """(sheet, A1) of every field, made once per layout: the returns read where the template put them share
        these tuples rather than each making its own."""
        return {k: (c.sheet, c.a1) for k, c in self.cells.items()}

    @cached_property
    def column_homes(self) -> dict[str, tuple[tuple[str, str], ...]]:
        """(sheet, A1) of every row of every table column, made once per layout (see `homes`)."""
        return {
            k: tuple((r.sheet, a1(i, r.col)) for i in range(r.first_row, r.last_row + 1))
            for k, r in self.columns.items()
        }

    @cached_property
    def name_targets(self) -> dict[str, tuple[str, tuple[str, ...]] | None]:
        """What each field's and column's defined name must point to, as `parse_target` reads a name: a return's
        name is trusted only when it reads the same (made once per layout, not once per name per return)."""
        return {k: parse_target(self.target(k)) for k in [*self.cells, *self.columns]}

    @cached_property
    def anchor_groups(self) -> dict[str, tuple[tuple[Cell, ...], tuple[tuple[int, int], ...], tuple[str | int, ...]]]:
        """The anchors by sheet, in their order: (cells, their (row, col), the text or number each must hold), so
        that a return's anchors on one sheet are read in one call."""
        groups: dict[str, list[tuple[Cell, str | int]]] = {}
        for cell, expected in self.anchors.items():
            groups.setdefault(cell.sheet, []).append((cell, expected))
        return {
            sheet: (tuple(c for c, _ in g), tuple((c.row, c.col) for c, _ in g), tuple(e for _, e in g))
            for sheet, g in groups.items()
        }

    @cached_property
    def column_positions(self) -> dict[str, tuple[tuple[int, int], ...]]:
        """(row, col) of every row of every table column: where a column read at home is read from."""
        return {k: tuple((i, r.col) for i in range(r.first_row, r.last_row + 1)) for k, r in self.columns.items()}

    def views(self, sheet: str) -> dict[str, str]:
        """The formulas of a sheet's display boxes, by A1: what `check` verifies (a view edited is tampered)."""
        return {a1(b.row, b.col): b.formula for b in self.boxes.get(sheet, ()) if b.formula}

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

    def where(self, name: str, row: int | None = None) -> tuple[str, str]:
        """(sheet, A1) of a field, or of row ``row`` of a table column."""
        if name in self.cells:
            return self.homes[name]
        if name in self.columns:
            return self.columns[name].sheet, self.columns[name].cell(row or 0).a1
        return "", ""

    @cached_property
    def fingerprint(self) -> str:
        """A short hash of the locked structure: names, their cells, and every formula."""
        data = {
            "spec": self.spec_id,
            "cells": sorted((k, c.sheet, c.a1) for k, c in self.cells.items()),
            "columns": sorted((k, r.sheet, r.col, r.first_row, r.last_row) for k, r in self.columns.items()),
            "formulas": sorted(self.formulas.items()),
            "views": sorted(
                (sheet, a1(b.row, b.col), b.formula) for sheet, bs in self.boxes.items() for b in bs if b.formula
            ),
        }
        return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()[:16]


@lru_cache(maxsize=32)
def layout_of(spec: Spec) -> Layout:
    """Compute the layout of a spec's data sheets (rows are 0-based)."""
    cells: dict[str, Cell] = {}
    columns: dict[str, ColumnRange] = {}
    rows: dict[str, list[tuple[str, int]]] = {}
    anchors: dict[Cell, str | int] = {}
    extent: dict[str, tuple[int, int]] = {}
    ends: dict[str, int] = {}  # sheet -> the first row after its blocks
    shown_at: dict[str, tuple[str, int, str, str]] = {}  # row value -> (sheet, column, label, column beside)
    for sheet in spec.sheets:
        if sheet.name in RESERVED_SHEETS:
            from xltools.spec import SpecError

            raise SpecError(spec.path, f"sheets[{sheet.name}].name", "sheet_reserved", name=sheet.name)
        marks: list[tuple[str, int]] = []
        row = HEADER_ROW + 1  # title, subtitle, column header
        ncols = len(FORM_HEADER)
        is_table = any(isinstance(b, TableBlock) for b in sheet.blocks)
        if not is_table:
            for j, text in enumerate(FORM_HEADER):
                anchors[Cell(sheet.name, HEADER_ROW, j)] = text
        seq = 0
        for block in sheet.blocks:
            if isinstance(block, FieldBlock):
                marks.append(("block", row))
                row += 1
                for fid in block.fields:
                    seq += 1
                    cells[fid] = Cell(sheet.name, row, VALUE_COL)
                    anchors[Cell(sheet.name, row, SEQ_COL)] = seq
                    anchors[Cell(sheet.name, row, LABEL_COL)] = label_text(spec.fields[fid])
                    row += 1
            elif isinstance(block, GridBlock):
                marks.append(("grid", row))
                for j, title in enumerate(block.columns):
                    anchors[Cell(sheet.name, row + 1, VALUE_COL + j)] = title
                ncols = max(ncols, VALUE_COL + len(block.columns))
                row += 2  # block title, column header
                for label, ids in block.rows:
                    seq += 1
                    anchors[Cell(sheet.name, row, SEQ_COL)] = seq
                    anchors[Cell(sheet.name, row, LABEL_COL)] = label
                    for j, fid in enumerate(ids):
                        cells[fid] = Cell(sheet.name, row, VALUE_COL + j)
                    row += 1
            elif isinstance(block, TableBlock) and spec.table:
                t = spec.table
                first = TABLE_HEADER_ROW + 1
                after = {a: (rid, label) for rid, label, a in t.shown}
                col = 1
                for c in t.columns:
                    columns[c.id] = ColumnRange(sheet.name, col, first, first + t.rows - 1)
                    anchors[Cell(sheet.name, TABLE_HEADER_ROW, col)] = label_text(c)
                    col += 1
                    if c.id in after:  # a row value shown beside this column (参考得分 beside 得分)
                        shown_at[after[c.id][0]] = (sheet.name, col, after[c.id][1], c.id)
                        col += 1
                for i in range(t.rows):
                    anchors[Cell(sheet.name, first + i, SEQ_COL)] = i + 1
                footer_row = first + t.rows
                for fid in t.footer:
                    f = spec.fields[fid]
                    cells[fid] = Cell(sheet.name, footer_row, columns[f.column or ""].col)
                marks.append(("table", footer_row))
                ncols = max(ncols, col)
                row = footer_row + 1
            row += 1  # a blank row between blocks
        rows[sheet.name] = marks
        ends[sheet.name] = row
        extent[sheet.name] = (row + 40, ncols + 10)  # room for the builder's own notes below the form
    lay = Layout(spec.id, cells, columns, {}, rows, anchors, extent)
    for f in spec.fields.values():
        if f.formula is not None:
            lay.formulas[f.id] = lay.formula(f.formula, f.sheet)
    for rid, (sheet_name, col, label, beside) in shown_at.items():
        lay.boxes.setdefault(sheet_name, []).extend(_shown(spec, lay, rid, sheet_name, col, label, beside))
    if spec.signoff and spec.sheets:
        last = spec.sheets[-1].name
        start = ends[last] + 1
        lay.boxes[last] = _signoff(
            spec, lay, last, start, [(LABEL_COL, 1), (VALUE_COL, 1), (UNIT_COL, 1), (NOTE_COL, 1)]
        )
        extent[last] = (max(extent[last][0], start + 40), extent[last][1])
    if spec.form is not None:
        lay.boxes[FORM_SHEET] = _form(spec, lay)
        extent[FORM_SHEET] = (max(b.row + b.rows for b in lay.boxes[FORM_SHEET]) + 40, spec.form.columns + 10)
    return lay


def shown(ref: str) -> str:
    """A display formula: the cell's value, or nothing when it is empty (never a 0 for an empty cell)."""
    return f'IF({ref}="","",{ref})'


def region_lists(n: int) -> tuple[str, str]:
    """The hidden sheet's ranges of region codes and names (always the first two lists it holds)."""
    codes = f"{quote_sheet(META_SHEET)}!{a1(0, META_CODES_COL, True)}:{a1(max(n, 1) - 1, META_CODES_COL, True)}"
    names = f"{quote_sheet(META_SHEET)}!{a1(0, META_NAMES_COL, True)}:{a1(max(n, 1) - 1, META_NAMES_COL, True)}"
    return codes, names


def region_name_formula(spec: Spec, code_ref: str) -> str:
    """The name of the region whose code is in ``code_ref`` (INDEX/MATCH: every client has them)."""
    codes, names = region_lists(len(spec.regions.regions))
    return f'IF({code_ref}="","",INDEX({names},MATCH({code_ref}&"",{codes},0)))'  # &"": a code typed as a number too


def _shown(spec: Spec, lay: Layout, rid: str, sheet: str, col: int, label: str, beside: str) -> list[Box]:
    """A row value shown as a column of formulas (参考得分): empty on a row without its inputs, or on a
    qualitative row; the header is a label."""
    assert spec.table is not None
    t = spec.table
    expr = dict(t.row_values)[rid]
    columns = {c.id for c in t.columns}
    boxes = [Box(TABLE_HEADER_ROW, col, 1, 1, "label", text=label)]
    for i in range(t.rows):

        def ref(name: str, i: int = i) -> str:
            if name in columns:
                c = lay.columns[name].cell(i)
                return a1(c.row, c.col, True)
            return lay.ref(name, sheet)

        blank = [f'{ref(n)}=""' for n in sorted(expr.names & columns)]
        skip = [to_excel(t.qualitative_when, ref)[1:]] if t.qualitative_when is not None else []
        formula = f'IF(OR({",".join(blank + skip)}),"",{to_excel(expr, ref)[1:]})'
        boxes.append(Box(lay.columns[beside].first_row + i, col, 1, 1, "computed", field=beside, formula=formula))
    return boxes


def _signoff(spec: Spec, lay: Layout, sheet: str, start: int, slots: list[tuple[int, int]]) -> list[Box]:
    """The sign-off block: items two to a row, each a label box and a value box (a field's value, or blank
    to be signed or stamped by hand). ``slots``: (column, span) of label, value, label, value."""
    boxes: list[Box] = []
    for i, item in enumerate(spec.signoff):
        row = start + i // 2
        (lc, lspan), (vc, vspan) = slots[(i % 2) * 2], slots[(i % 2) * 2 + 1]
        boxes.append(Box(row, lc, lspan, 1, "label", text=item.label))
        if item.field:
            formula = shown(lay.ref(item.field, sheet))
            boxes.append(Box(row, vc, vspan, 1, "field", field=item.field, formula=formula))
        else:
            boxes.append(Box(row, vc, vspan, 1, "blank"))
    return boxes


def _form(spec: Spec, lay: Layout) -> list[Box]:
    """The printed form (自评表): title, subtitle, blocks of boxes, the indicator table, the sign-off."""
    assert spec.form is not None
    form, sheet, ncols = spec.form, FORM_SHEET, spec.form.columns
    boxes = [Box(0, 0, ncols, 1, "title", text=spec.title), Box(1, 0, ncols, 1, "subtitle")]
    row = 2
    for block in form.blocks:
        first = row
        col0 = 1 if block.title else 0
        if block.indicators and spec.table:
            for j, cid in enumerate(block.indicators):
                boxes.append(Box(row, col0 + j, 1, 1, "label", text=spec.table.column(cid).label, field=cid))
            row += 1
            for i in range(spec.table.rows):
                for j, cid in enumerate(block.indicators):
                    ref = lay.columns[cid].cell(i)
                    local = a1(ref.row, ref.col, True)
                    target = f"{quote_sheet(ref.sheet)}!{local}"
                    boxes.append(Box(row, col0 + j, 1, 1, "field", field=cid, formula=shown(target)))
                row += 1
        for cells in block.rows:
            col = col0
            for c in cells:
                if c.kind == "field":
                    boxes.append(
                        Box(row, col, c.span, 1, "field", field=c.value, formula=shown(lay.ref(c.value, sheet)))
                    )
                elif c.kind == "label":
                    boxes.append(Box(row, col, c.span, 1, "label", text=spec.fields[c.value].label, field=c.value))
                elif c.kind == "region":
                    code = lay.ref("region_code", sheet)
                    boxes.append(
                        Box(row, col, c.span, 1, "region", field="region_code", formula=region_name_formula(spec, code))
                    )
                else:
                    boxes.append(Box(row, col, c.span, 1, "text", text=c.value))
                col += c.span
            row += 1
        if block.title:
            boxes.append(Box(first, 0, 1, row - first, "block", text=block.title))
    boxes += _signoff(spec, lay, sheet, row + 1, [(0, 2), (2, 2), (4, 2), (6, ncols - 6)])
    return boxes


# --- what a template records about itself ----------------------------------------------------------


@dataclass(frozen=True)
class Meta:
    """What a template carries about itself, so that `check` needs nothing but the file."""

    spec: str
    spec_version: str
    year: int
    region_code: str
    region_name: str
    fingerprint: str
    xltools_version: str
    targets: str = ""  # the approved targets prefilled in the table (JSON, see `targets_record`), if any

    def items(self) -> list[tuple[str, str]]:
        keys = (*META_KEYS, TARGETS_KEY) if self.targets else META_KEYS
        return [(k, str(getattr(self, k))) for k in keys]

    def properties(self) -> list[tuple[str, str]]:
        """The same, as custom document properties (xltools_spec, …); the targets as their digest (a
        property holds 255 characters), so that the hidden sheet's copy cannot be edited alone."""
        props = [(PROPERTY_PREFIX + k, str(getattr(self, k))) for k in META_KEYS]
        if self.targets:
            props.append((PROPERTY_PREFIX + TARGETS_DIGEST_KEY, digest(self.targets)))
        return props


def targets_record(rows: dict[int, dict[str, Any]]) -> str:
    """The prefilled cells of a table as the template records them: {row index: {column id: value}}."""
    return json.dumps({str(i): v for i, v in sorted(rows.items())}, ensure_ascii=False, sort_keys=True)


def read_targets_record(text: str) -> dict[int, dict[str, Any]] | None:
    """`targets_record` read back; None when it is not one (an edited hidden sheet)."""
    try:
        data = json.loads(text)
        return {int(i): {str(k): v for k, v in row.items()} for i, row in data.items()}
    except (ValueError, TypeError, AttributeError):
        return None


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def meta_from_sheet(pairs: list[tuple[Any, Any]]) -> dict[str, str]:
    """The hidden sheet's key/value rows (after its header row) as text."""
    out: dict[str, str] = {}
    for k, v in pairs:
        if k is None or k == "":
            break
        out[str(k)] = "" if v is None else _text(v)
    return out


def meta_from_properties(props: dict[str, str]) -> dict[str, str]:
    return {k.removeprefix(PROPERTY_PREFIX): v for k, v in props.items() if k.startswith(PROPERTY_PREFIX)}


def disagreements(sheet: dict[str, str], props: dict[str, str]) -> list[str]:
    """Identity keys on which the hidden sheet and the document properties differ (both present)."""
    if not sheet or not props:
        return []
    return [k for k in IDENTITY_KEYS if k in sheet and k in props and sheet[k] != props[k]]


def _text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)
