"""The template's instruction sheet (填报说明) and every requirement text it shows, made from the spec."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from xlsxwriter.worksheet import Worksheet

from xltools.contract import INSTRUCTIONS_SHEET
from xltools.spec import Field, Rule, Spec
from xltools.spec.expr import to_excel
from xltools.style import FORMULA_FILL, INPUT_FILL, PREFILL_FILL, display_width

if TYPE_CHECKING:
    from xltools.template.build import _Builder


def describe(field: Field, spec: Spec, prefilled: bool = False) -> str:
    """The plain-Chinese requirement of a field, for notes and the instruction sheet."""
    parts: list[str] = []
    if field.derived and field.formula is not None:
        if field.note:  # a formula with functions is explained in words by the spec (validated on load)
            return f"自动计算：{field.note}"
        labels = to_excel(field.formula, lambda n: spec.field(n).label)[1:]
        return f"自动计算：{pretty(labels)}"
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


def pretty(formula: str) -> str:
    return formula.replace("<=", "≤").replace(">=", "≥").replace("<>", "≠").replace("*", "×").replace("/", "÷")


def rule_text(spec: Spec, rule: Rule) -> str:
    """A rule's condition in labels, e.g. '检查家次≥检查覆盖机构数'."""

    def label(n: str) -> str:
        try:
            return spec.field(n).label
        except KeyError:
            return n

    parts = []
    if rule.when is not None:
        parts.append("当 " + pretty(to_excel(rule.when, label)[1:]) + " 时")
    if rule.check is not None:
        parts.append(pretty(to_excel(rule.check, label)[1:]))
    if rule.require:
        parts.append(f"须填写{label(rule.require)}")
    return "，".join(parts)


def strip_placeholders(message: str) -> str:
    """A rule's message for the instruction sheet: the return's values are not known yet."""
    return re.sub(r"\s*\{[a-z_]+(:[^}]*)?\}\s*", "…", message)


def _amounts(spec: Spec) -> str:
    """The sentence about amounts: their unit (the one checked for 元) and their decimals."""
    unit = spec.magnitude_unit
    if not unit:
        return "金额按各栏标注的单位填写。"
    decimals = sorted({f.decimals for f in spec.inputs if f.unit == unit and f.decimals is not None})
    tail = f"保留 {decimals[0]} 位小数。" if len(decimals) == 1 else ""
    return f"金额单位为{unit}，请勿按“元”填写；{tail}比率按百分比显示。"


def write_instructions(b: _Builder, ws: Worksheet) -> None:
    """填报说明: how to fill, the colours, every field's requirement, every rule."""
    f, spec = b.fmt, b.spec
    ws.set_column(0, 0, 12)
    ws.set_column(1, 1, 26)
    ws.set_column(2, 2, 8)
    ws.set_column(3, 3, 62)
    ws.merge_range(0, 0, 0, 3, f"{spec.title}　填报说明", f.title)
    ws.set_row(0, 30)
    ws.merge_range(1, 0, 1, 3, b.subtitle(), f.subtitle)
    lines = [
        "1. 只在黄色单元格中填写；灰色单元格为自动计算（公式），蓝色单元格已预填，均不能修改。",
        "2. " + _amounts(spec),
        "3. 带下拉箭头的单元格请从列表中选择；数字单元格只填数字，不要写“约”“万元”等文字。",
        "4. 标 * 的项目必须填写。不要增删工作表、行或列，不要改动公式，否则报表无法汇总。",
        "5. 填好后保存为 .xlsx 格式上报；上报前可用 xltools check 自查，系统会指出有问题的单元格。",
        "6. 最后一个工作表末尾和“自评表”设有签字盖章栏；“自评表”按全国通用表样排版，内容全部取自各填报工作表，打印后签字盖章。",
        f"7. 表样：{spec.title}（{spec.id}）版本 {spec.version}；结构校验码 {b.meta.fingerprint}。",
    ]
    row = 2
    for line in lines:
        ws.merge_range(row, 0, row, 3, line, f.text)
        _fit(ws, row, [(line, 12 + 26 + 8 + 62)])
        row += 1
    row += 1
    ws.write(row, 0, "颜色说明", f.block)
    for text, fill in (("需要填写", INPUT_FILL), ("自动计算", FORMULA_FILL), ("已预填", PREFILL_FILL)):
        row += 1
        ws.write_blank(row, 0, None, f.legend(fill))
        ws.write_string(row, 1, text, f.text)
    row += 2
    ws.write_row(row, 0, ["工作表", "项目", "单位", "填写要求"], f.header)
    header_row = row
    for fld in (*spec.fields.values(), *(spec.table.columns if spec.table else ())):
        row += 1
        text = describe(fld, spec, fld.id in b.prefill)
        ws.write_row(row, 0, [fld.sheet, fld.label, fld.shown_unit, text], f.wrap)
        _fit(ws, row, [(fld.sheet, 12), (fld.label, 26), (text, 62)])
    row += 2
    ws.merge_range(row, 0, row, 1, "校验项目", f.header)
    ws.write_row(row, 2, ["级别", "要求"], f.header)
    rules: list[Any] = [*spec.rules, *(spec.table.row_rules if spec.table else ())]
    for rule in rules:
        row += 1
        label = spec.field(rule.field).label if rule.field in spec.all_ids() else rule.field
        text = rule.description or strip_placeholders(rule.message)
        ws.merge_range(row, 0, row, 1, label, f.wrap)
        ws.write_row(row, 2, ["错误" if rule.severity == "error" else "提示", text], f.wrap)
        _fit(ws, row, [(label, 12 + 26), (text, 62)])
    ws.protect(b.password or "")
    from xltools.template.form import page_setup

    page_setup(b, ws, INSTRUCTIONS_SHEET)
    ws.repeat_rows(header_row)


def _fit(ws: Worksheet, row: int, cells: list[tuple[str, float]]) -> None:
    """Give a row the lines its longest text needs: ``cells`` are (text, width of its column)."""
    lines = max(-(-display_width(text) // max(int(width) - 1, 1)) for text, width in cells)
    if lines > 1:
        ws.set_row(row, 15 * lines + 2)
