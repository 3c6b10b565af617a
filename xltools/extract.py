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
    has_formula: dict[str, bool] = field(default_factory=dict)  # derived id -> formula still there
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
    en = lang == "en"
    missing_sheets = [s.name for s in spec.sheets if s.name not in raw.sheets]
    for name in missing_sheets:
        msg = (
            f"sheet “{name}” is missing or was renamed: use the original template"
            if en
            else f"工作表“{name}”被删除或改名，请使用原模板重新填报"
        )
        out.findings.append(make("tampered", ERROR, name, "", "", name, expected=name, actual=msg, lang=lang))
    for f in spec.fields.values():
        target = raw.target(f.id)
        if target is None or target[0] not in raw.cells:
            if f.sheet not in missing_sheets:
                c = layout.cells[f.id]
                msg = (
                    f"the defined name {f.id} (“{f.label}”) is missing or broken"
                    if en
                    else f"定义名称 {f.id}（“{f.label}”）缺失或已损坏，模板结构被改动"
                )
                out.findings.append(
                    make("tampered", ERROR, c.sheet, c.a1, f.id, f.label, expected=f.id, actual=msg, lang=lang)
                )
            continue
        sheet, (ref, *_) = target
        out.where[f.id] = (sheet, ref)
        cell = raw.cell(sheet, ref)
        out.scalars[f.id] = cell.value if cell else None
        if f.derived:
            out.has_formula[f.id] = bool(cell and cell.is_formula)
            expected = layout.formulas[f.id]
            if not out.has_formula[f.id]:
                shown = "空" if cell is None or cell.value in (None, "") else cell.value
                msg = (
                    f"the formula of “{f.label}” was replaced by the constant {shown}: use the original template"
                    if en
                    else f"“{f.label}”的公式被改成了固定值 {shown}，请使用原模板重新填报"
                )
                out.findings.append(
                    make("tampered", ERROR, sheet, ref, f.id, f.label, expected=expected, actual=msg, lang=lang)
                )
            elif cell and cell.formula and normalise_formula(cell.formula) != normalise_formula(expected):
                msg = (
                    f"the formula of “{f.label}” was changed to ={cell.formula}"
                    if en
                    else f"“{f.label}”的公式被改动为 ={cell.formula}（应为 {expected}）"
                )
                out.findings.append(
                    make("tampered", ERROR, sheet, ref, f.id, f.label, expected=expected, actual=msg, lang=lang)
                )
    if spec.table:
        for c in spec.table.columns:
            target = raw.target(c.id)
            if target is None or target[0] not in raw.cells or len(target[1]) != spec.table.rows:
                if c.sheet not in missing_sheets:
                    rng = layout.columns[c.id]
                    msg = (
                        f"the defined name {c.id} (column “{c.label}”) is missing or changed"
                        if en
                        else f"定义名称 {c.id}（“{c.label}”列）缺失或被改动，模板结构被改动"
                    )
                    out.findings.append(
                        make(
                            "tampered",
                            ERROR,
                            rng.sheet,
                            rng.cell(0).a1,
                            c.id,
                            c.label,
                            expected=c.id,
                            actual=msg,
                            lang=lang,
                        )
                    )
                continue
            sheet, refs = target
            out.table_where[c.id] = [(sheet, r) for r in refs]
            values = []
            for r in refs:
                cell = raw.cell(sheet, r)
                values.append(cell.value if cell else None)
            out.table[c.id] = values
    return out
