"""The spec's logic applied to one return's typed values: derived values, rules, magnitudes.

Derived values are recomputed from the inputs (cached values in the file are never trusted, only
compared). A rule is skipped, never guessed, when a value it needs is blank or unreadable:
the blank or unreadable value has its own finding already.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from xltools.expr import EvalError, Expr, evaluate
from xltools.findings import ERROR, WARNING, Finding, make, show
from xltools.spec import Field, Rule, Spec
from xltools.values import is_blank, normalise_text

MAGNITUDE_BAND = (2000.0, 50000.0)  # "about 10,000 times": 元 entered where 万元 was asked
MAGNITUDE_UNIT = "万元"  # the unit whose figures are compared across regions


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


Locate = Callable[[str, int | None], tuple[str, str]]  # (field id, table row) -> (sheet, A1)


def derive(t: Typed) -> set[str]:
    """Compute every derived field into ``t.values``; return the ids computed from blank inputs."""
    incomplete: set[str] = set(t.table) if not t.used else set()  # an empty table: its sums say nothing
    scope = {**t.values, **t.columns_scope()}
    bad_columns = {c for c, _ in t.table_unknown}
    for f in t.spec.derived:
        assert f.formula is not None
        names = f.formula.names
        if names & (t.unknown | bad_columns):
            t.unknown.add(f.id)
            t.values[f.id] = scope[f.id] = None
            continue
        if names & (t.blank | incomplete):
            incomplete.add(f.id)
        try:
            value = evaluate(f.formula, scope)
            t.values[f.id] = scope[f.id] = round(value, 9) if isinstance(value, float) else value  # no float noise
        except EvalError:
            t.unknown.add(f.id)
            t.values[f.id] = scope[f.id] = None
    return incomplete


def tolerance(f: Field) -> float:
    """The spec's `tolerance`, else 0.01 per addend for sums (DESIGN §4), else only float noise."""
    if f.tolerance is not None:
        return f.tolerance
    addends = f.formula.addends() if f.formula is not None else None
    return 0.01 * len(addends) if addends else 1e-6


def compare_derived(t: Typed, file_values: dict[str, Any], locate: Locate, lang: str) -> list[Finding]:
    """`sum` findings: a derived cell whose stored value differs from what its inputs give."""
    out: list[Finding] = []
    for f in t.spec.derived:
        stored, computed = file_values.get(f.id), t.values.get(f.id)
        if f.id in t.unknown or stored is None or stored == "" or computed is None:
            continue
        if isinstance(computed, str) or isinstance(stored, str):
            differs = str(stored) != str(computed)
        elif isinstance(stored, bool) or not isinstance(stored, int | float):
            differs = True
        else:
            differs = abs(float(stored) - float(computed)) > tolerance(f)
        if differs:
            sheet, cell = locate(f.id, None)
            out.append(
                make("sum", ERROR, sheet, cell, f.id, f.label, expected=_round(computed), actual=stored, lang=lang)
            )
    return out


def _round(v: Any) -> Any:
    return round(v, 6) if isinstance(v, float) else v


def _needed(rule: Rule) -> set[str]:
    return set(rule.names) - ({rule.require} if rule.require else set())


def _is_placeholder(spec: Spec, v: Any) -> bool:
    return is_blank(v) or normalise_text(v) in spec.placeholders


def _holds(expr: Expr | None, scope: dict[str, Any]) -> bool | None:
    """True/False, or None when it cannot be evaluated on these values."""
    if expr is None:
        return True
    try:
        return bool(evaluate(expr, scope))
    except EvalError:
        return None


def apply_rule(
    rule: Rule, t: Typed, scope: dict[str, Any], skip: set[str], locate: Locate, row: int | None, lang: str
) -> Finding | None:
    """One rule on one scope (the return, or one indicator row)."""
    if _needed(rule) & skip:
        return None
    if _holds(rule.when, scope) is not True:
        return None
    if rule.require:
        if not _is_placeholder(t.spec, scope.get(rule.require)):
            return None
    elif _holds(rule.check, scope) is not False:
        return None
    sheet, cell = locate(rule.field, row)
    message = format_message(rule.message_en if lang == "en" and rule.message_en else rule.message, scope)
    target = t.spec.field(rule.field)
    actual = scope.get(rule.field)
    return make(
        rule.code,
        rule.severity,
        sheet,
        cell,
        rule.field,
        target.label,
        expected=rule.check.text if rule.check else f"{rule.require} 已填写",
        actual=actual if not isinstance(actual, list) else None,
        lang=lang,
        message=message,
    )


def check_rules(t: Typed, incomplete: set[str], locate: Locate, lang: str) -> list[Finding]:
    """The spec's cross-field rules on the whole return."""
    scope = {**t.values, **t.columns_scope()}
    skip = t.blank | t.unknown | incomplete | {c for c, _ in t.table_unknown}
    out = []
    for rule in t.spec.rules:
        f = apply_rule(rule, t, scope, skip, locate, None, lang)
        if f:
            out.append(f)
            if f.severity == ERROR:
                skip.add(rule.field)  # one error per value: later rules on it would only echo it
    return out


def check_rows(t: Typed, locate: Locate, lang: str) -> list[Finding]:
    """The indicator table's row rules on every used row."""
    table = t.spec.table
    if table is None:
        return []
    out: list[Finding] = []
    scalar_skip = t.blank | t.unknown
    for i in t.used:
        scope = dict(t.values)
        skip = set(scalar_skip)
        for c, vals in t.table.items():
            scope[c] = vals[i]
            if (c, i) in t.table_unknown or is_blank(vals[i]):
                skip.add(c)
        for rid, expr in table.row_values:
            if expr.names & skip:
                skip.add(rid)
                continue
            try:
                scope[rid] = evaluate(expr, scope)
            except EvalError:
                skip.add(rid)
        for rule in table.row_rules:
            f = apply_rule(rule, t, scope, skip, locate, i, lang)
            if f:
                out.append(f)
                if f.severity == ERROR:
                    skip.add(rule.field)
    return out


def check_table_filled(t: Typed, locate: Locate, lang: str) -> list[Finding]:
    table = t.spec.table
    if table is None or t.used:
        return []
    first = table.columns[0]
    sheet, cell = locate(first.id, 0)
    msg = (
        "the indicator table is empty: fill in at least one indicator"
        if lang == "en"
        else "绩效指标表未填写任何指标，请至少填写一行"
    )
    return [make("missing", ERROR, sheet, cell, first.id, first.label, lang=lang, message=msg)]


def check_magnitudes(t: Typed, locate: Locate, lang: str) -> list[Finding]:
    """`unit` warnings: an amount about 10,000 times its siblings or its partner (元 for 万元)."""
    lo, hi = MAGNITUDE_BAND
    spec = t.spec
    found: dict[str, Finding] = {}

    def val(fid: str) -> float | None:
        v = t.values.get(fid)
        return float(v) if isinstance(v, int | float) and fid not in t.unknown and v > 0 else None

    def flag(fid: str, ref_label: str, ref: float) -> None:
        if fid in found or fid not in spec.fields:
            return
        f = spec.fields[fid]
        sheet, cell = locate(fid, None)
        found[fid] = make(
            "unit",
            WARNING,
            sheet,
            cell,
            fid,
            f.label,
            expected=f"{ref_label}（{show(ref)}）",
            actual=t.values[fid],
            lang=lang,
        )

    for f in spec.derived:
        addends = f.formula.addends() if f.formula is not None else None
        if not addends or not all(a in spec.fields and spec.fields[a].unit == f.unit for a in addends):
            continue
        known = {a: val(a) for a in addends}
        for a, v in known.items():
            others = sum(x for b, x in known.items() if b != a and x)
            if v and others and lo <= v / others <= hi:
                flag(a, "其他分项合计" if lang != "en" else "the other parts", others)
    for a, b in spec.magnitude_pairs:
        va, vb = val(a), val(b)
        if va and vb:
            if lo <= va / vb <= hi:
                flag(a, spec.fields[b].label, vb)
            elif lo <= vb / va <= hi:
                flag(b, spec.fields[a].label, va)
    return list(found.values())


_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)(?::(%))?\}")


def format_message(template: str, scope: dict[str, Any]) -> str:
    """Fill {field} and {field:%} in a rule's message with the return's values."""

    def sub(m: re.Match[str]) -> str:
        v = scope.get(m.group(1))
        if m.group(2) and isinstance(v, int | float):  # 96.4175%, 100.0009% (never "100.00% exceeds 100%")
            return f"{v * 100:.4f}".rstrip("0").rstrip(".") + "%"
        if isinstance(v, dt.date):
            return v.isoformat()
        return show(v)

    return _PLACEHOLDER.sub(sub, template)
