"""Find a return's values through its defined names and check its structure against the spec.

Structure problems are `tampered` (a sheet, name or formula removed or overwritten) and
`template` (another spec, an unknown version, a changed layout) findings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from xltools.findings import ERROR, Finding, make
from xltools.layout import layout_of
from xltools.read import RawWorkbook
from xltools.spec import Spec

_FORMULA_NOISE = re.compile(r"[\s$']")


@dataclass
class Extracted:
    """The raw values of one return, where each came from, and what is wrong with its structure."""

    spec: Spec
    scalars: dict[str, Any] = field(default_factory=dict)
    where: dict[str, tuple[str, str]] = field(default_factory=dict)  # field id -> (sheet, A1)
    table: dict[str, list[Any]] = field(default_factory=dict)  # column id -> raw value per row
    table_where: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    def locate(self, fid: str, row: int | None = None) -> tuple[str, str]:
        if row is not None and fid in self.table_where and row < len(self.table_where[fid]):
            return self.table_where[fid][row]
        return self.where.get(fid, ("", ""))


def normalise_formula(text: str) -> str:
    return _FORMULA_NOISE.sub("", text.lstrip("=")).upper()


def extract(raw: RawWorkbook, spec: Spec, lang: str = "zh") -> Extracted:
    """Values of every field and table column of ``spec`` found in ``raw`` through their names."""
    out = Extracted(spec)
    layout = layout_of(spec)

    def tampered(sheet: str, cell: str, fid: str, label: str, expected: str, zh: str, en: str) -> None:
        text = en if lang == "en" else zh
        out.findings.append(make("tampered", ERROR, sheet, cell, fid, label, expected=expected, actual=text, lang=lang))

    missing_sheets = {s.name for s in spec.sheets if s.name not in raw.sheets}
    for name in sorted(missing_sheets, key=[s.name for s in spec.sheets].index):
        tampered(
            name,
            "",
            "",
            name,
            name,
            f"工作表“{name}”被删除或改名，请使用原模板重新填报",
            f"sheet “{name}” is missing or was renamed: use the original template",
        )
    for f in spec.fields.values():
        target = raw.target(f.id)
        if target is None or not raw.has_sheet(target[0]):
            if f.sheet not in missing_sheets:
                at = layout.cells[f.id]
                tampered(
                    at.sheet,
                    at.a1,
                    f.id,
                    f.label,
                    f.id,
                    f"定义名称 {f.id}（“{f.label}”）缺失或已损坏，模板结构被改动",
                    f"the defined name {f.id} (“{f.label}”) is missing or broken",
                )
            continue
        sheet, (ref, *_) = target
        out.where[f.id] = (sheet, ref)
        value = out.scalars[f.id] = raw.value(sheet, ref)
        if not f.derived:
            continue
        formula, expected = raw.formula(sheet, ref), layout.formulas[f.id]
        if formula is None:
            shown = "空" if value is None else value
            tampered(
                sheet,
                ref,
                f.id,
                f.label,
                expected,
                f"“{f.label}”的公式被改成了固定值 {shown}，请使用原模板重新填报",
                f"the formula of “{f.label}” was replaced by the constant {shown}: use the original template",
            )
        elif formula and normalise_formula(formula) != normalise_formula(expected):
            tampered(
                sheet,
                ref,
                f.id,
                f.label,
                expected,
                f"“{f.label}”的公式被改动为 ={formula}（应为 {expected}）",
                f"the formula of “{f.label}” was changed to ={formula}",
            )
    table = spec.table
    for c in table.columns if table else ():
        target = raw.target(c.id)
        if target is None or not raw.has_sheet(target[0]) or len(target[1]) != (table.rows if table else 0):
            if c.sheet not in missing_sheets:
                rng = layout.columns[c.id]
                tampered(
                    rng.sheet,
                    rng.cell(0).a1,
                    c.id,
                    c.label,
                    c.id,
                    f"定义名称 {c.id}（“{c.label}”列）缺失或被改动，模板结构被改动",
                    f"the defined name {c.id} (column “{c.label}”) is missing or changed",
                )
            continue
        sheet, refs = target
        out.table_where[c.id] = [(sheet, r) for r in refs]
        out.table[c.id] = [raw.value(sheet, r) for r in refs]
    return out
