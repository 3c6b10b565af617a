"""Build the locked submission workbook of a spec with xlsxwriter (DESIGN §3)."""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from xltools import __version__
from xltools.expr import EvalError, evaluate, to_excel
from xltools.layout import (
    FORM_HEADER,
    INSTRUCTIONS_SHEET,
    LABEL_COL,
    META_SHEET,
    NOTE_COL,
    TABLE_HEADER_ROW,
    UNIT_COL,
    VALUE_COL,
    a1,
    layout_of,
    quote_sheet,
)
from xltools.spec import Field, FieldBlock, GridBlock, Region, Spec, TableBlock

INPUT_FILL, FORMULA_FILL, PREFILL_FILL = "#FFF2CC", "#E7E6E6", "#DDEBF7"
LIST_LIMIT = 255  # xlsxwriter (and Excel) refuse inline lists longer than this
META_KEYS = ("spec", "spec_version", "year", "region_code", "region_name", "fingerprint", "xltools_version")


def default_year(today: dt.date | None = None) -> int:
    """Returns are made for the last calendar year by default."""
    return (today or dt.date.today()).year - 1


@dataclass(frozen=True)
class Meta:
    """What a template carries about itself, so that `check` needs nothing but the file."""

    spec: str
    spec_version: str
    year: int
    region_code: str
    region_name: str
    fingerprint: str
    xltools_version: str = __version__

    def items(self) -> list[tuple[str, str]]:
        return [(k, str(getattr(self, k))) for k in META_KEYS]


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place only if the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # as an ordinary new file (mkstemp makes it private)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def template_name(spec: Spec, year: int, region: Region | None) -> str:
    if region is None:
        return f"{spec.id}_{year}.xlsx"
    return f"{region.code}_{region.name}_{spec.id}_{year}.xlsx"


def build_template(
    spec: Spec, path: Path | str, year: int | None = None, region: Region | None = None, password: str | None = None
) -> Path:
    """Write the template of ``spec`` to ``path`` (atomically) and return the path."""
    path = Path(path)
    year = year or default_year()
    with atomic_path(path) as tmp:
        _Builder(spec, year, region, password).write(tmp)
    return path


def build_templates(spec: Spec, folder: Path | str, year: int | None = None, password: str | None = None) -> list[Path]:
    """One template per region of the spec's region list, named after the region."""
    folder = Path(folder)
    year = year or default_year()
    return [
        build_template(spec, folder / template_name(spec, year, r), year, r, password) for r in spec.regions.regions
    ]


def describe(field: Field, spec: Spec, prefilled: bool = False) -> str:
    """The plain-Chinese requirement of a field, for notes and the instruction sheet."""
    parts: list[str] = []
    if field.derived and field.formula is not None:
        labels = to_excel(field.formula, lambda n: spec.field(n).label)[1:]
        parts.append(f"自动计算：{_pretty(labels)}")
        return "；".join(parts)
    if prefilled:
        parts.append("已预填")
    parts.append("必填" if field.required else "选填")
    if field.kind == "integer":
        parts.append("整数")
    elif field.kind == "number" and field.decimals is not None:
        parts.append(f"保留 {field.decimals} 位小数")
    if field.min is not None:
        parts.append(f"{'>' if field.min_exclusive else '≥'} {field.min:g}")
    if field.max is not None:
        parts.append(f"≤ {field.max:g}")
    if field.kind == "date":
        parts.append("日期")
    if field.pattern_hint:
        parts.append(field.pattern_hint)
    if field.note:
        parts.append(field.note)
    return "；".join(parts)


def _pretty(formula: str) -> str:
    return formula.replace("<=", "≤").replace(">=", "≥").replace("<>", "≠").replace("*", "×").replace("/", "÷")


class _Builder:
    def __init__(self, spec: Spec, year: int, region: Region | None, password: str | None) -> None:
        self.spec, self.year, self.region, self.password = spec, year, region, password
        self.layout = layout_of(spec)
        self.meta = Meta(
            spec.id,
            spec.version,
            year,
            region.code if region else "",
            region.name if region else "",
            self.layout.fingerprint,
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
        self.fmt = _Formats(wb)
        wb.set_properties(
            {
                "title": self.spec.title,
                "subject": f"{self.spec.id} {self.spec.version}",
                "author": "xltools",
                "comments": "由 xltools 生成的绩效自评填报模板",
                "created": dt.datetime(self.year + 1, 1, 1),
            }
        )
        for k, v in self.meta.items():
            wb.set_custom_property(f"xltools_{k}", v)
        instructions = wb.add_worksheet(INSTRUCTIONS_SHEET)
        sheets = {s.name: wb.add_worksheet(s.name) for s in self.spec.sheets}
        self.meta_ws = wb.add_worksheet(META_SHEET)
        self._write_meta()
        for s in self.spec.sheets:
            self._write_sheet(sheets[s.name], s)
        self._write_instructions(instructions)
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
        ws.protect(self.password or "")
        ws.very_hidden()

    def _list_source(self, choices: tuple[str, ...]) -> str | list[str]:
        """A short list inline; a long one (over 255 characters) from a range on the hidden sheet."""
        if len(",".join(choices)) <= LIST_LIMIT and not any("," in c for c in choices):
            return list(choices)
        return "=" + self._meta_range(choices)

    def _meta_range(self, values: tuple[str, ...]) -> str:
        """A column of the hidden sheet holding ``values`` (written once), as an absolute range."""
        if values not in self.list_ranges:
            col = 3 + len(self.list_ranges)
            for i, v in enumerate(values):
                self.meta_ws.write_string(i, col, v)
            self.list_ranges[values] = f"{quote_sheet(META_SHEET)}!{a1(0, col, True)}:{a1(len(values) - 1, col, True)}"
        return self.list_ranges[values]

    def _region_name_formula(self, field: Field) -> str:
        """The name of the region whose code is chosen, beside the code (INDEX/MATCH: every client has them)."""
        regions = self.spec.regions.regions
        codes = self._meta_range(tuple(r.code for r in regions))
        names = self._meta_range(tuple(r.name for r in regions))
        c = self.layout.cells[field.id]
        code = a1(c.row, c.col, True)
        return f'=IF({code}="","",INDEX({names},MATCH({code}&"",{codes},0)))'  # &"": a code typed as a number too

    # --- data sheets ------------------------------------------------------------------------------
    def _write_sheet(self, ws: Worksheet, sheet: Any) -> None:
        f = self.fmt
        is_table = any(isinstance(b, TableBlock) for b in sheet.blocks)
        ncols = len(self.spec.table.columns) + 1 if is_table and self.spec.table else len(FORM_HEADER)
        ws.merge_range(0, 0, 0, ncols - 1, f"{self.spec.title}：{sheet.name}", f.title)
        ws.set_row(0, 28)
        marks = iter(self.layout.rows[sheet.name])
        seq = 0
        if not is_table:
            ws.write_row(1, 0, FORM_HEADER, f.header)
            ws.freeze_panes(2, 0)
            for width, col in (
                (5, 0),
                (self._label_width(sheet), LABEL_COL),
                (18, VALUE_COL),
                (16, UNIT_COL),
                (46, NOTE_COL),
            ):
                ws.set_column(col, col, width)
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
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
        ws.protect(
            self.password or "",
            {"select_locked_cells": True, "select_unlocked_cells": True, "format_columns": True, "format_rows": True},
        )

    def _label_width(self, sheet: Any) -> float:
        labels = [self.spec.fields[fid].label for b in sheet.blocks if isinstance(b, FieldBlock) for fid in b.fields]
        labels += [label for b in sheet.blocks if isinstance(b, GridBlock) for label, _ in b.rows]
        return max([_display_width(s) for s in labels] + [12]) + 2

    def _write_field_row(self, ws: Worksheet, field: Field, seq: int) -> None:
        cell = self.layout.cells[field.id]
        ws.write_number(cell.row, 0, seq, self.fmt.seq)
        ws.write_string(
            cell.row, LABEL_COL, field.label + (" *" if field.required and not field.derived else ""), self.fmt.label
        )
        if field.choices_from == "regions" and field.id not in self.prefill:
            ws.write_formula(cell.row, UNIT_COL, self._region_name_formula(field), self.fmt.unit, "")
        else:
            ws.write_string(cell.row, UNIT_COL, "%" if field.percent else field.unit, self.fmt.unit)
        ws.write_string(cell.row, NOTE_COL, describe(field, self.spec, field.id in self.prefill), self.fmt.note)
        if field.wrap:
            ws.set_row(cell.row, 48)
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
                "minimum": dt.date(2000, 1, 1),
                "maximum": dt.date(2100, 12, 31),
                "error_message": "请填写日期，如 2024-07-09。",
            }
        elif field.kind == "choice" and field.choices:
            opts |= {
                "validate": "list",
                "source": self._list_source(field.choices),
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
        ncols = len(t.columns) + 1
        hint = f"共 {t.rows} 行，从第一行起连续填写，每行一项指标。"
        if t.qualitative_when is not None:
            variants = [
                f"{c.label}{'从下拉列表选择' if c.qualitative.kind == 'choice' else '填文字'}"
                for c in t.columns
                if c.qualitative is not None and c.qualitative.kind != c.kind
            ]
            when = _pretty(to_excel(t.qualitative_when, lambda n: self.spec.field(n).label)[1:])
            hint += f"当 {when} 时为定性指标：{'，'.join(variants)}。"
        ws.merge_range(1, 0, 1, ncols - 1, hint, f.note)
        ws.set_row(1, 32)
        ws.write(TABLE_HEADER_ROW, 0, "序号", f.header)
        ws.set_column(0, 0, 5)
        for c in t.columns:
            rng = self.layout.columns[c.id]
            ws.write(TABLE_HEADER_ROW, rng.col, c.label + (" *" if c.required else ""), f.header)
            ws.set_column(rng.col, rng.col, c.width or max(_display_width(c.label) + 2, 10))
            for i in range(t.rows):
                ws.write_blank(rng.first_row + i, rng.col, None, f.value(c, "input"))
            message = describe(c, self.spec)
            if c.qualitative is not None:
                message += "；定性：" + describe(c.qualitative, self.spec)
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
        ws.set_landscape()
        ws.set_row(TABLE_HEADER_ROW, 30)

    # --- instructions ----------------------------------------------------------------------------
    def _write_instructions(self, ws: Worksheet) -> None:
        f, spec = self.fmt, self.spec
        ws.set_column(0, 0, 16)
        ws.set_column(1, 1, 30)
        ws.set_column(2, 2, 10)
        ws.set_column(3, 3, 70)
        where = f"（{self.region.name} {self.region.code}）" if self.region else ""
        ws.merge_range(0, 0, 0, 3, f"{spec.title} {self.year} 年度 填报说明{where}", f.title)
        ws.set_row(0, 30)
        units = sorted({fl.unit for fl in spec.fields.values() if fl.unit and fl.kind == "number"})
        lines = [
            "1. 只在黄色单元格中填写；灰色单元格为自动计算（公式），蓝色单元格已预填，均不能修改。",
            f"2. 金额单位为{'、'.join(u for u in units if '元' in u) or '万元'}，请勿填成“元”；保留两位小数。比率按百分比显示。",
            "3. 带下拉箭头的单元格请从列表中选择；数字单元格只填数字，不要写“约”“万元”等文字。",
            "4. 标 * 的项目必须填写。不要增删工作表、行或列，不要改动公式，否则报表无法汇总。",
            "5. 填好后保存为 .xlsx 格式上报；上报前可用 xltools check 自查，系统会指出有问题的单元格。",
            f"6. 表样：{spec.id} 版本 {spec.version}；结构校验码 {self.meta.fingerprint}。",
        ]
        row = 2
        for line in lines:
            ws.merge_range(row, 0, row, 3, line, f.text)
            row += 1
        row += 1
        ws.write(row, 0, "颜色说明", f.block)
        for text, fmt in (("需要填写", f.legend_input), ("自动计算", f.legend_formula), ("已预填", f.legend_prefill)):
            row += 1
            ws.write_blank(row, 0, None, fmt)
            ws.write_string(row, 1, text, f.text)
        row += 2
        ws.write_row(row, 0, ["工作表", "项目", "单位", "填写要求"], f.header)
        for fld in (*spec.fields.values(), *(spec.table.columns if spec.table else ())):
            row += 1
            ws.write_row(
                row,
                0,
                [fld.sheet, fld.label, "%" if fld.percent else fld.unit, describe(fld, spec, fld.id in self.prefill)],
                f.wrap,
            )
        row += 2
        ws.write_row(row, 0, ["校验规则", "条件", "级别", "说明"], f.header)
        rules = [*spec.rules, *(spec.table.row_rules if spec.table else ())]
        for rule in rules:
            row += 1
            cond = rule_text(spec, rule)
            ws.write_row(
                row,
                0,
                [
                    spec.field(rule.field).label if rule.field in spec.all_ids() else rule.field,
                    cond,
                    "错误" if rule.severity == "error" else "提示",
                    _strip_placeholders(rule.message),
                ],
                f.wrap,
            )
        ws.protect(self.password or "")
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)


def rule_text(spec: Spec, rule: Any) -> str:
    """A rule's condition in labels, e.g. '检查家次≥检查覆盖机构数'."""

    def label(n: str) -> str:
        try:
            return spec.field(n).label
        except KeyError:
            return n

    parts = []
    if rule.when is not None:
        parts.append("当 " + _pretty(to_excel(rule.when, label)[1:]) + " 时")
    if rule.check is not None:
        parts.append(_pretty(to_excel(rule.check, label)[1:]))
    if rule.require:
        parts.append(f"须填写{label(rule.require)}")
    return "，".join(parts)


def _strip_placeholders(message: str) -> str:
    """A rule's message for the instruction sheet: the return's values are not known yet."""
    return re.sub(r"\s*\{[a-z_]+(:[^}]*)?\}\s*", "…", message)


def _display_width(text: str) -> int:
    """Column width a text needs: CJK characters take two units."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


class _Formats:
    """The workbook's cell formats, made once."""

    def __init__(self, wb: Workbook) -> None:
        self.wb = wb
        border = {"border": 1, "border_color": "#A6A6A6", "valign": "vcenter"}
        self.title = wb.add_format({"bold": True, "font_size": 14, "align": "center", "valign": "vcenter"})
        self.header = wb.add_format(
            {**border, "bold": True, "bg_color": "#D9E1F2", "align": "center", "text_wrap": True}
        )
        self.block = wb.add_format({**border, "bold": True, "bg_color": "#EDEDED"})
        self.label = wb.add_format({**border})
        self.seq = wb.add_format({**border, "align": "center", "font_color": "#7F7F7F"})
        self.unit = wb.add_format({**border, "align": "center"})
        self.note = wb.add_format({**border, "font_color": "#595959", "font_size": 9, "text_wrap": True})
        self.text = wb.add_format({"text_wrap": True, "valign": "top"})
        self.wrap = wb.add_format({**border, "text_wrap": True, "valign": "top"})
        self.legend_input = wb.add_format({**border, "bg_color": INPUT_FILL})
        self.legend_formula = wb.add_format({**border, "bg_color": FORMULA_FILL})
        self.legend_prefill = wb.add_format({**border, "bg_color": PREFILL_FILL})
        self._values: dict[tuple[str, str], Any] = {}

    def value(self, field: Field, role: str) -> Any:
        """The format of a value cell: number format from the field, fill and lock from its role."""
        num = _number_format(field)
        key = (num, role + (":wrap" if field.wrap else ""))
        if key not in self._values:
            props: dict[str, Any] = {"border": 1, "border_color": "#A6A6A6", "valign": "vcenter", "num_format": num}
            props |= {
                "input": {"bg_color": INPUT_FILL, "locked": False},
                "formula": {"bg_color": FORMULA_FILL, "locked": True},
                "prefill": {"bg_color": PREFILL_FILL, "locked": True},
            }[role]
            if field.wrap:
                props["text_wrap"] = True
            self._values[key] = self.wb.add_format(props)
        return self._values[key]


def _number_format(field: Field) -> str:
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


__all__ = ["Meta", "atomic_path", "build_template", "build_templates", "default_year", "describe", "template_name"]
