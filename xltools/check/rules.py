"""The spec's logic applied to one return's typed values: derived values, rules, magnitudes.

Derived values are recomputed from the inputs (cached values in the file are never trusted, only
compared). A rule is skipped, never guessed, when a value it needs is blank or unreadable: the blank
or unreadable value has its own finding already. A finding about a derived value also names the input
cells behind it: those are the cells a clerk can change.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import Any

from xltools.catalogue import Msg, Text, show
from xltools.check.typed import Typed
from xltools.check.values import is_blank, normalise_text
from xltools.findings import ERROR, Finding
from xltools.spec import Field, Rule, Spec
from xltools.spec.expr import EvalError, Expr, evaluate

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


def related_cells(spec: Spec, ids: list[str], locate: Locate, row: int | None = None) -> tuple[str, ...]:
    """The cells of ``ids`` (row ``row`` for table columns) as sheet!A1, each once, in order."""
    columns = {c.id for c in spec.table.columns} if spec.table else set()
    out: list[str] = []
    for n in ids:
        sheet, cell = locate(n, row if n in columns else None)
        if sheet and cell and f"{sheet}!{cell}" not in out:
            out.append(f"{sheet}!{cell}")
    return tuple(out)


def _rule_cells(spec: Spec, rule: Rule, locate: Locate, row: int | None) -> tuple[str, ...]:
    """What a broken rule involves besides its own cell: the other values it names and, when it is about a
    derived value, the inputs behind that value (the cells a clerk can change)."""
    order = spec.id_order
    others = sorted(rule.names - {rule.field}, key=lambda n: order.get(n, len(order)))
    target = spec.fields.get(rule.field)
    behind = spec.inputs_behind(rule.field) if target is not None and target.derived else []
    return related_cells(spec, [*others, *behind], locate, row)


def compare_derived(t: Typed, file_values: dict[str, Any], locate: Locate) -> list[Finding]:
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
            behind = related_cells(t.spec, t.spec.inputs_behind(f.id), locate)
            out.append(
                Finding("sum", ERROR, sheet, cell, f.id, "", {"label": f.name}, _round(computed), stored, behind)
            )
    return out


def _round(v: Any) -> Any:
    return round(v, 6) if isinstance(v, float) else v


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
    rule: Rule, t: Typed, scope: dict[str, Any], skip: set[str], locate: Locate, row: int | None
) -> Finding | None:
    """One rule on one scope (the return, or one indicator row)."""
    if not rule.needs.isdisjoint(skip):
        return None
    if _holds(rule.when, scope) is not True:
        return None
    if rule.require:
        if not _is_placeholder(t.spec, scope.get(rule.require)):
            return None
    elif _holds(rule.check, scope) is not False:
        return None
    sheet, cell = locate(rule.field, row)
    text = Text(
        format_message(rule.message, scope), format_message(rule.message_en, scope) if rule.message_en else None
    )
    actual = scope.get(rule.field)
    others = _rule_cells(t.spec, rule, locate, row)
    return Finding(
        rule.code,
        rule.severity,
        sheet,
        cell,
        rule.field,
        "" if rule.code == "rule" else "rule",
        {"text": text, "label": t.spec.field(rule.field).name, "rule": rule.id},
        rule.check.text if rule.check else rule.require,
        actual if not isinstance(actual, list) else None,
        tuple(c for c in others if c != f"{sheet}!{cell}"),
    )


def check_rules(t: Typed, incomplete: set[str], locate: Locate) -> list[Finding]:
    """The spec's cross-field rules on the whole return."""
    scope = {**t.values, **t.columns_scope()}
    skip = t.blank | t.unknown | incomplete | {c for c, _ in t.table_unknown}
    out = []
    for rule in t.spec.rules:
        f = apply_rule(rule, t, scope, skip, locate, None)
        if f:
            out.append(f)
            if f.severity == ERROR:
                skip.add(rule.field)  # one error per value: later rules on it would only echo it
    return out


def check_rows(t: Typed, locate: Locate) -> list[Finding]:
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
            f = apply_rule(rule, t, scope, skip, locate, i)
            if f:
                out.append(f)
                if f.severity == ERROR:
                    skip.add(rule.field)
    return out


def check_table_filled(t: Typed, locate: Locate) -> list[Finding]:
    table = t.spec.table
    if table is None or t.used or not t.table:
        return []
    first = table.columns[0]
    sheet, cell = locate(first.id, 0)
    return [Finding("missing", ERROR, sheet, cell, first.id, "table_empty", {"label": first.name})]


def check_magnitudes(t: Typed, locate: Locate) -> list[Finding]:
    """`unit` errors: an amount about 10,000 times its sibling parts or its partner (元 typed for 万元).

    A derived amount that is out of scale is reported at the input behind it that makes it so (the
    largest one): that is the cell the clerk must change.
    """
    spec = t.spec
    if not spec.magnitude_unit:
        return []
    lo, hi = spec.magnitude_band
    found: dict[str, Finding] = {}

    def val(fid: str) -> float | None:
        v = t.values.get(fid)
        if isinstance(v, bool) or not isinstance(v, int | float) or fid in t.unknown or v <= 0:
            return None
        return float(v)

    def flag(fid: str, reference: Text | Msg, ref_value: float) -> None:
        f = spec.fields[fid]
        culprit, detail, total = fid, "", None
        if f.derived:
            behind = [(val(a), a) for a in spec.inputs_behind(fid) if spec.fields[a].unit == spec.magnitude_unit]
            behind = [(v, a) for v, a in behind if v]
            if not behind:
                return
            culprit, detail, total = max(behind)[1], "via_total", f
        if culprit in found:
            return
        c = spec.fields[culprit]
        sheet, cell = locate(culprit, None)
        params: dict[str, Any] = {"label": c.name, "reference": reference, "unit": spec.magnitude_unit}
        cells: tuple[str, ...] = ()
        if total is not None:
            params["total"] = total.name
            cells = related_cells(spec, [total.id], locate)
        found[culprit] = Finding(
            "unit", ERROR, sheet, cell, culprit, detail, params, ref_value, t.values[culprit], cells
        )

    for f in spec.derived:
        addends = f.formula.addends() if f.formula is not None else None
        if not addends or not all(
            a in spec.fields and spec.fields[a].unit == f.unit == spec.magnitude_unit for a in addends
        ):
            continue
        known = {a: val(a) for a in addends}
        for a, v in known.items():
            others = sum(x for b, x in known.items() if b != a and x)
            if v and others and lo <= v / others <= hi:
                flag(a, Msg.of("ref.other_parts"), others)
    for a, b in spec.magnitude_pairs:
        va, vb = val(a), val(b)
        if va and vb:
            if lo <= va / vb <= hi:
                flag(a, spec.fields[b].name, vb)
            elif lo <= vb / va <= hi:
                flag(b, spec.fields[a].name, va)
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
