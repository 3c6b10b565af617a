"""A return's raw values coerced to their fields' types: what is known, blank, or could not be read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from xltools.catalogue import Msg
from xltools.check.extract import Extracted
from xltools.check.values import CELL_TEXT_LIMIT, coerce, is_blank, normalise_text
from xltools.findings import ERROR, Finding
from xltools.spec import Field, Spec
from xltools.spec.expr import EvalError, evaluate


@dataclass
class Typed:
    """A return's values after coercion: what is known, what is blank, what could not be read."""

    spec: Spec
    values: dict[str, Any] = field(default_factory=dict)
    blank: set[str] = field(default_factory=set)
    unknown: set[str] = field(default_factory=set)
    table: dict[str, list[Any]] = field(default_factory=dict)
    table_unknown: set[tuple[str, int]] = field(default_factory=set)
    used: list[int] = field(default_factory=list)
    qualitative: list[bool] = field(default_factory=list)

    def columns_scope(self) -> dict[str, list[Any]]:
        """Table columns as lists over the used rows (for SUM, SUMIF…)."""
        return {c: [vals[i] for i in self.used] for c, vals in self.table.items()}


def type_values(ext: Extracted, date1904: bool) -> tuple[Typed, list[Finding]]:
    """Coerce every raw value to its field's type; `type` (and date `range`) findings for what cannot be read."""
    spec = ext.spec
    t = Typed(spec)
    found: list[Finding] = []

    def read(raw: Any, f: Field, row: int | None) -> tuple[Any, bool]:
        """The typed value, and whether it could be read (a finding when not)."""
        value, problem = coerce(raw, f, date1904, (f.id, row) in ext.percent)
        if problem:
            sheet, cell = ext.locate(f.id, row)
            actual = f"{raw * 100:g}%" if problem.detail == "percent_elsewhere" else raw
            params: dict[str, Any] = {"label": f.name}
            if problem.detail == "text_too_long":  # the finding says how long, not the text itself
                actual, params = len(raw), {**params, "length": len(raw), "limit": CELL_TEXT_LIMIT}
            found.append(Finding("type", ERROR, sheet, cell, f.id, problem.detail, params, problem.expected, actual))
            return None, False
        if isinstance(value, dt.date) and not _in_range(value, f):
            sheet, cell = ext.locate(f.id, row)
            expected = Msg.of("range.between", min=f.earliest, max=f.latest)
            found.append(Finding("range", ERROR, sheet, cell, f.id, "", {"label": f.name}, expected, value))
            return None, False
        return value, True

    for f in spec.inputs:
        if f.id not in ext.where:
            t.unknown.add(f.id)
            t.values[f.id] = None
            continue
        value, ok = read(ext.scalars.get(f.id), f, None)
        t.values[f.id] = value
        if not ok:
            t.unknown.add(f.id)
        elif value is None:
            t.blank.add(f.id)
    table = spec.table
    if table is None or not ext.table:
        return t, found
    nrows = table.rows
    cols = [c for c in table.columns if c.id in ext.table]
    t.used = [i for i in range(nrows) if any(not is_blank(ext.table[c.id][i]) for c in cols)]
    for c in table.columns:
        t.table[c.id] = [None] * nrows
        if c.id not in ext.table:
            t.table_unknown |= {(c.id, i) for i in range(nrows)}
    t.qualitative = [False] * nrows
    for i in t.used:
        if table.qualitative_when is not None:
            scope = {c.id: None if is_blank(v := ext.table[c.id][i]) else normalise_text(v) for c in cols}
            try:
                t.qualitative[i] = bool(evaluate(table.qualitative_when, scope))
            except EvalError:
                t.qualitative[i] = False
        for c in cols:
            variant = c.qualitative if t.qualitative[i] and c.qualitative else c
            t.table[c.id][i], ok = read(ext.table[c.id][i], variant, i)
            if not ok:
                t.table_unknown.add((c.id, i))
    return t, found


def _in_range(value: dt.date, f: Field) -> bool:
    return (f.earliest is None or value >= f.earliest) and (f.latest is None or value <= f.latest)
