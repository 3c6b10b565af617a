"""Build the locked submission workbook of a spec with xlsxwriter (DESIGN §3)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from xltools.atomic import outputs
from xltools.contract import (
    FORM_HEADER,
    FORM_SHEET,
    HEADER_ROW,
    INSTRUCTIONS_SHEET,
    LABEL_COL,
    META_CODES_COL,
    META_LISTS_COL,
    META_NAMES_COL,
    META_SHEET,
    NOTE_COL,
    TABLE_HEADER_ROW,
    TARGET_COLUMNS,
    UNIT_COL,
    VALUE_COL,
    Meta,
    a1,
    label_text,
    layout_of,
    quote_sheet,
    region_name_formula,
    targets_record,
)
from xltools.files import safe_file_name
from xltools.spec import Field, FieldBlock, GridBlock, Region, Spec, TableBlock
from xltools.spec.expr import EvalError, evaluate, to_excel
from xltools.style import Styles, display_width
from xltools.template.form import page_setup, write_boxes, write_form
from xltools.template.instructions import describe, pretty, write_instructions

LIST_LIMIT = 255  # xlsxwriter (and Excel) refuse inline lists longer than this


def default_year(today: dt.date | None = None) -> int:
    """Returns are made for the last calendar year by default."""
    return (today or dt.date.today()).year - 1


def template_name(spec: Spec, year: int, region: Region | None) -> str:
    """The template's file name: 440222_始兴县_yibao_dept_2023.xlsx — one name, never a path."""
    parts = [region.code, region.name] if region else []
    return safe_file_name("_".join([*parts, spec.id, str(year)]) + ".xlsx")


Targets = dict[str, list[dict[str, Any]]]  # approved indicator rows by region code (`xltools.targets`)


def build_template(
    spec: Spec,
    path: Path | str,
    year: int | None = None,
    region: Region | None = None,
    password: str | None = None,
    targets: Targets | None = None,
) -> Path:
    """Write the template of ``spec`` to ``path`` (atomically) and return the path. With ``targets`` (rows
    by region code, as `xltools.targets.read_targets` gives them) the region's indicator rows are
    prefilled and locked."""
    path = Path(path)
    rows = (targets or {}).get(region.code, []) if region else []
    with outputs() as out:
        _Builder(spec, year or default_year(), region, password, rows).write(out.path(path))
    return path


def build_templates(
    spec: Spec, folder: Path | str, year: int | None = None, password: str | None = None, targets: Targets | None = None
) -> list[Path]:
    """One template per region of the spec's region list, named after the region: all of them or none.
    With ``targets``, each listed region's indicator rows are prefilled; the others get an open table."""
    folder = Path(folder)
    year = year or default_year()
    paths = [folder / template_name(spec, year, r) for r in spec.regions.regions]
    with outputs() as out:
        for r, path in zip(spec.regions.regions, paths, strict=True):
            _Builder(spec, year, r, password, (targets or {}).get(r.code, [])).write(out.path(path))
    return paths


class _Builder:
    def __init__(
        self, spec: Spec, year: int, region: Region | None, password: str | None, targets: list[dict[str, Any]]
    ) -> None:
        self.spec, self.year, self.region, self.password = spec, year, region, password
        self.layout = layout_of(spec)
        from xltools._version import __version__

        self.targets: dict[int, dict[str, Any]] = {
            i: {c: row.get(c) for c in TARGET_COLUMNS} for i, row in enumerate(targets)
        }
        self.meta = Meta(
            spec.id,
            spec.version,
            year,
            region.code if region else "",
            region.name if region else "",
            self.layout.fingerprint,
            __version__,
            targets_record(self.targets) if self.targets else "",
        )
        given = {"year": year, "region": region.code if region else None}  # what `prefill:` in the spec refers to
        self.prefill: dict[str, Any] = {
            f.id: given[f.prefill] for f in spec.fields.values() if f.prefill and given[f.prefill] is not None
        }
        self.cached = self._cached_values()
        self.list_ranges: dict[tuple[str, ...], str] = {}

    def _cached_values(self) -> dict[str, Any]:
        """What each formula shows on the empty form, stored so no client sees a stale 0."""
        values: dict[str, Any] = {f.id: self.prefill.get(f.id) for f in self.spec.fields.values()}
        if self.spec.table:
            values |= {c.id: [None] * self.spec.table.rows for c in self.spec.table.columns}
            for i, row in self.targets.items():
                for cid, v in row.items():
                    values[cid][i] = v
        for f in self.spec.derived:
            try:
                values[f.id] = evaluate(f.formula, values) if f.formula else None  # type: ignore[arg-type]
            except EvalError:
                values[f.id] = None
        return values

    # --- workbook ------------------------------------------------------------------------------
    def write(self, path: Path) -> None:
        wb = xlsxwriter.Workbook(
            str(path), {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
        )
        self.wb = wb
        self.fmt = Styles(wb)
        wb.set_properties(
            {
                "title": self.spec.title,
                "subject": f"{self.spec.id} {self.spec.version}",
                "author": "xltools",
                "comments": "由 xltools 生成的绩效自评填报模板",
                "created": dt.datetime(self.year + 1, 1, 1),
            }
        )
        for k, v in self.meta.properties():
            wb.set_custom_property(k, v)
        instructions = wb.add_worksheet(INSTRUCTIONS_SHEET)
        sheets = {s.name: wb.add_worksheet(s.name) for s in self.spec.sheets}
        form = wb.add_worksheet(FORM_SHEET) if self.spec.form is not None else None
        self.meta_ws = wb.add_worksheet(META_SHEET)
        self._write_meta()
        for s in self.spec.sheets:
            self._write_sheet(sheets[s.name], s)
        if form is not None:
            write_form(self, form)
        write_instructions(self, instructions)
        for fid in self.spec.all_ids():
            wb.define_name(fid, "=" + self.layout.target(fid))
        instructions.activate()
        wb.close()

    def _write_meta(self) -> None:
        ws = self.meta_ws
        ws.write_row(0, 0, ["key", "value"])
        for i, (k, v) in enumerate(self.meta.items(), start=1):
            ws.write_string(i, 0, k)
            ws.write_string(i, 1, v)
        for i, r in enumerate(self.regions):  # the region list: codes and names (contract columns)
            ws.write_string(i, META_CODES_COL, r.code)
            ws.write_string(i, META_NAMES_COL, r.name)
        ws.protect(self.password or "")
        ws.very_hidden()

    @property
    def regions(self) -> list[Region]:
        """The regions this template can be for: its own region only, when made for one (a county's return need
        not carry — and every check need not read — a province's 12,000 names); else the whole list."""
        return [self.region] if self.region is not None else list(self.spec.regions.regions)

    def choices(self, field: Field) -> tuple[str, ...]:
        """A choice field's dropdown: for the region code, the codes of ``regions``."""
        if field.choices_from == "regions":
            return tuple(r.code for r in self.regions)
        return tuple(field.choices or ())

    @property
    def place(self) -> str:
        """Who fills it, as the titles say: 始兴县（440222）, or a blank line for a generic template."""
        return f"{self.region.name}（{self.region.code}）" if self.region else "＿＿＿＿＿＿"

    def subtitle(self, sheet: str = "") -> str:
        return f"（{self.year} 年度）　填报单位：{self.place}" + (f"　{sheet}" if sheet else "")

    def _list_source(self, choices: tuple[str, ...]) -> str | list[str]:
        """A short list inline; a long one (over 255 characters) from a range on the hidden sheet."""
        if len(",".join(choices)) <= LIST_LIMIT and not any("," in c for c in choices):
            return list(choices)
        return "=" + self._meta_range(choices)

    def _meta_range(self, values: tuple[str, ...]) -> str:
        """A column of the hidden sheet holding ``values`` (written once), as an absolute range."""
        if values not in self.list_ranges:
            col = META_LISTS_COL + len(self.list_ranges)
            for i, v in enumerate(values):
                self.meta_ws.write_string(i, col, v)
            self.list_ranges[values] = f"{quote_sheet(META_SHEET)}!{a1(0, col, True)}:{a1(len(values) - 1, col, True)}"
        return self.list_ranges[values]

    def _region_name_formula(self, field: Field) -> str:
        """The name of the region whose code is chosen, beside the code."""
        c = self.layout.cells[field.id]
        return "=" + region_name_formula(self.spec, a1(c.row, c.col, True))

    # --- data sheets ------------------------------------------------------------------------------
    def _write_sheet(self, ws: Worksheet, sheet: Any) -> None:
        f = self.fmt
        is_table = any(isinstance(b, TableBlock) for b in sheet.blocks)
        ncols = self._table_columns() if is_table and self.spec.table else len(FORM_HEADER)
        ws.merge_range(0, 0, 0, ncols - 1, f"{self.spec.title}　{sheet.name}", f.title)
        ws.set_row(0, 30)
        ws.merge_range(1, 0, 1, ncols - 1, self.subtitle(), f.subtitle)
        ws.set_row(1, 20)
        marks = iter(self.layout.rows[sheet.name])
        seq = 0
        if not is_table:
            ws.write_row(HEADER_ROW, 0, FORM_HEADER, f.header)
            ws.freeze_panes(HEADER_ROW + 1, 0)
            for width, col in (
                (5, 0),
                (self._label_width(sheet), LABEL_COL),
                (self._value_width(sheet), VALUE_COL),
                (20, UNIT_COL),
                (40, NOTE_COL),
            ):
                ws.set_column(col, col, width)
            ws.repeat_rows(HEADER_ROW)
        for block in sheet.blocks:
            _, row = next(marks)
            if isinstance(block, FieldBlock):
                ws.merge_range(row, 0, row, NOTE_COL, block.title, f.block)
                for fid in block.fields:
                    seq += 1
                    self._write_field_row(ws, self.spec.fields[fid], seq)
            elif isinstance(block, GridBlock):
                ws.merge_range(row, 0, row, NOTE_COL, block.title, f.block)
                ws.write(row + 1, LABEL_COL, "项目", f.header)
                ws.write(row + 1, 0, "序号", f.header)
                for j, c in enumerate(block.columns):
                    ws.write(row + 1, VALUE_COL + j, c, f.header)
                for label, ids in block.rows:
                    seq += 1
                    first = self.spec.fields[ids[0]]
                    r = self.layout.cells[first.id].row
                    ws.write_number(r, 0, seq, f.seq)
                    ws.write_string(r, LABEL_COL, label, f.label)
                    for fid in ids:
                        self._write_value(ws, self.spec.fields[fid])
            elif isinstance(block, TableBlock):
                self._write_table(ws, row)
        write_boxes(self, ws, self.layout.boxes.get(sheet.name, []))
        page_setup(self, ws, sheet.name, landscape=is_table)
        ws.protect(
            self.password or "",
            {"select_locked_cells": True, "select_unlocked_cells": True, "format_columns": True, "format_rows": True},
        )

    def _table_columns(self) -> int:
        """序号, the table's columns, and the row values shown beside them."""
        assert self.spec.table is not None
        return len(self.spec.table.columns) + 1 + len(self.spec.table.shown)

    def _label_width(self, sheet: Any) -> float:
        labels = [
            label_text(self.spec.fields[fid]) for b in sheet.blocks if isinstance(b, FieldBlock) for fid in b.fields
        ]
        labels += [label for b in sheet.blocks if isinstance(b, GridBlock) for label, _ in b.rows]
        labels += [item.label for item in self.spec.signoff] if sheet.name == self.spec.sheets[-1].name else []
        return min(max([display_width(s) for s in labels] + [12]) + 2, 40)

    def _value_width(self, sheet: Any) -> float:
        """Wide enough for a phone number, a date, a region code, and the grid's column headings."""
        heads = [c for b in sheet.blocks if isinstance(b, GridBlock) for c in b.columns]
        return max([display_width(h) + 2 for h in heads] + [20])

    def _write_field_row(self, ws: Worksheet, field: Field, seq: int) -> None:
        cell = self.layout.cells[field.id]
        ws.write_number(cell.row, 0, seq, self.fmt.seq)
        ws.write_string(cell.row, LABEL_COL, label_text(field), self.fmt.label)
        if field.choices_from == "regions" and field.id in self.prefill and self.region is not None:
            ws.write_string(cell.row, UNIT_COL, self.region.name, self.fmt.unit)  # the name beside the code
        elif field.choices_from == "regions":
            ws.write_formula(cell.row, UNIT_COL, self._region_name_formula(field), self.fmt.unit, "")
        else:
            ws.write_string(cell.row, UNIT_COL, field.shown_unit, self.fmt.unit)
        note = describe(field, self.spec, field.id in self.prefill)
        ws.write_string(cell.row, NOTE_COL, note, self.fmt.cell_note)
        lines = max(1, -(-display_width(note) // 44), 3 if field.wrap else 1)  # notes wrap inside their own cell
        if lines > 1:
            ws.set_row(cell.row, 14 * lines + 2)
        self._write_value(ws, field)

    def _write_value(self, ws: Worksheet, field: Field) -> None:
        cell = self.layout.cells[field.id]
        if field.formula is not None:
            fmt = self.fmt.value(field, "formula")
            value = self.cached.get(field.id)
            ws.write_formula(cell.row, cell.col, self.layout.formulas[field.id], fmt, "" if value is None else value)
        elif field.id in self.prefill:
            v = self.prefill[field.id]
            fmt = self.fmt.value(field, "prefill")
            ws.write_number(cell.row, cell.col, v, fmt) if isinstance(v, int) else ws.write_string(
                cell.row, cell.col, v, fmt
            )
        else:
            ws.write_blank(cell.row, cell.col, None, self.fmt.value(field, "input"))
            self._validate(ws, cell.row, cell.col, cell.row, cell.col, field)

    def _validate(
        self, ws: Worksheet, r1: int, c1: int, r2: int, c2: int, field: Field, message: str | None = None
    ) -> None:
        """Data validation with an input message, by kind: number, integer, date, list, or any."""
        opts: dict[str, Any] = {
            "input_title": field.label[:32],
            "input_message": (message or describe(field, self.spec, field.id in self.prefill))[:255],
            "error_title": "填写有误",
        }
        if field.kind in ("number", "integer"):
            lo = field.min if field.min is not None else -1e12
            hi = field.max if field.max is not None else 1e12
            opts |= {
                "validate": "decimal" if field.kind == "number" else "integer",
                "criteria": "between",
                "minimum": lo,
                "maximum": hi,
                "error_message": f"{field.label}应填数字"
                + (f"，且不小于 {lo:g}" if field.min is not None else "")
                + (f"，不大于 {hi:g}" if field.max is not None else "")
                + "。",
            }
            if field.min_exclusive:
                opts |= {"criteria": ">", "value": lo}
                del opts["minimum"], opts["maximum"]
        elif field.kind == "date":
            opts |= {
                "validate": "date",
                "criteria": "between",
                "minimum": field.earliest or dt.date(1900, 1, 1),
                "maximum": field.latest or dt.date(9999, 12, 31),
                "error_message": "请填写日期，如 2024-07-09。",
            }
        elif field.kind == "choice" and field.choices:
            opts |= {
                "validate": "list",
                "source": self._list_source(self.choices(field)),
                "error_message": f"请从下拉列表中选择{field.label}。",
            }
        else:
            opts |= {"validate": "any"}
            del opts["error_title"]
        ws.data_validation(r1, c1, r2, c2, opts)

    def _write_table(self, ws: Worksheet, footer_row: int) -> None:
        t = self.spec.table
        assert t is not None
        f = self.fmt
        ncols = self._table_columns()
        for _, label, _ in t.shown:
            col = next(b.col for b in self.layout.boxes[t.sheet] if b.kind == "label" and b.text == label)
            ws.set_column(col, col, max(display_width(label) + 2, 9))
        hint = f"共 {t.rows} 行，{t.hint}"
        if t.qualitative_when is not None:
            variants = [
                f"{c.label}{'从下拉列表选择' if c.qualitative.kind == 'choice' else '填文字'}"
                for c in t.columns
                if c.qualitative is not None and c.qualitative.kind != c.kind
            ]
            when = pretty(to_excel(t.qualitative_when, lambda n: self.spec.field(n).label)[1:])
            hint += f"当 {when} 时为定性指标：{'，'.join(variants)}。"
        if self.targets:
            fill = "、".join(c.label for c in t.columns if c.id not in TARGET_COLUMNS)
            hint = f"第 1–{max(self.targets) + 1} 行为审定的绩效指标（蓝色，已锁定，不可修改），请逐行填写{fill}。"
        ws.merge_range(TABLE_HEADER_ROW - 1, 0, TABLE_HEADER_ROW - 1, ncols - 1, hint, f.cell_note)
        ws.set_row(TABLE_HEADER_ROW - 1, 32)
        ws.write(TABLE_HEADER_ROW, 0, "序号", f.header)
        ws.set_column(0, 0, 5)
        for c in t.columns:
            rng = self.layout.columns[c.id]
            ws.write(TABLE_HEADER_ROW, rng.col, label_text(c), f.header)
            ws.set_column(rng.col, rng.col, c.width or max(display_width(c.label) + 2, 10))
            for i in range(t.rows):
                value = self.targets.get(i, {}).get(c.id)
                if self.targets and i not in self.targets:  # only the approved indicators are scored
                    ws.write_blank(rng.first_row + i, rng.col, None, f.value(c, "unused"))
                elif value is None:
                    role = "prefill" if i in self.targets and c.id in TARGET_COLUMNS else "input"
                    ws.write_blank(rng.first_row + i, rng.col, None, f.value(c, role))
                elif isinstance(value, int | float):
                    ws.write_number(rng.first_row + i, rng.col, value, f.value(c, "prefill"))
                else:  # text is written as text: never a formula, whatever the list held
                    ws.write_string(rng.first_row + i, rng.col, str(value), f.value(c, "prefill"))
            message = describe(c, self.spec)
            if c.qualitative is not None:
                same = set(message.split("；"))
                extra = [x for x in describe(c.qualitative, self.spec).split("；") if x not in same]
                message += ("；定性指标：" + "；".join(extra)) if extra else ""
            q = c.qualitative
            if q is not None and q.kind == "choice":
                # The dropdown of qualitative answers, as a hint only: quantitative rows hold numbers.
                ws.data_validation(
                    rng.first_row,
                    rng.col,
                    rng.last_row,
                    rng.col,
                    {
                        "validate": "list",
                        "source": self._list_source(q.choices or ()),
                        "error_type": "information",
                        "input_title": c.label[:32],
                        "input_message": message[:255],
                        "error_title": "提示",
                        "error_message": "定量指标请填数字；定性指标请从列表选择。",
                    },
                )
            elif q is not None and q.kind != c.kind:
                text = Field(id=c.id, label=c.label, type="text", kind="text", sheet=c.sheet)
                self._validate(ws, rng.first_row, rng.col, rng.last_row, rng.col, text, message)
            else:
                self._validate(ws, rng.first_row, rng.col, rng.last_row, rng.col, c, message)
        first = TABLE_HEADER_ROW + 1
        wraps = any(c.wrap for c in t.columns)
        for i in range(t.rows):
            ws.write_number(first + i, 0, i + 1, f.seq)
            if wraps:
                ws.set_row(first + i, 30)  # two lines for the long explanations
        ws.write(footer_row, 0, "", f.header)
        for col in range(1, ncols):
            ws.write_blank(footer_row, col, None, f.header)
        labels = [self.spec.fields[fid].label for fid in t.footer]
        label = "合计（" + "、".join(labels) + "）"
        before = min((self.layout.cells[fid].col for fid in t.footer), default=ncols) - 1  # up to the first total
        if before > 1:
            ws.merge_range(footer_row, 1, footer_row, before, label, f.header)
        else:
            ws.write_string(footer_row, 1, label, f.header)
        for fid in t.footer:
            self._write_value(ws, self.spec.fields[fid])
        ws.freeze_panes(TABLE_HEADER_ROW + 1, 0)
        ws.repeat_rows(TABLE_HEADER_ROW)
        ws.set_row(TABLE_HEADER_ROW, 30)


__all__ = ["build_template", "build_templates", "default_year", "template_name"]
