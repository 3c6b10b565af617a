"""Whole-spec checks once every key has been read: names that exist, formulas without cycles."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from xltools.catalogue import Msg
from xltools.spec.errors import SpecError
from xltools.spec.model import Spec

# Fields every spec must have: the region and year a return is for, and the fill date that decides
# which of two returns for the same region counts (DESIGN §4 common block, §6).
REQUIRED_FIELDS = ("region_code", "year", "fill_date")


def validate(spec: Spec) -> Spec:
    """The spec with its derived fields ordered; a SpecError for any name that does not exist or a cycle."""
    path = Path(spec.path)
    scalars = set(spec.fields)
    columns = {c.id for c in spec.table.columns} if spec.table else set()
    row_values = {rid for rid, _ in spec.table.row_values} if spec.table else set()
    known = scalars | columns

    def unknown(key: str, names: frozenset[str] | set[str], allowed: set[str]) -> None:
        for n in sorted(names - allowed):
            near = [k for k in sorted(allowed) if k.startswith(n[:4])][:3]
            hint = Msg.of("spec.name_hint", near=", ".join(near)) if near else ""
            raise SpecError(path, key, "unknown_name", name=n, hint=hint)

    for f in spec.fields.values():
        if f.formula is not None:
            unknown(f"fields[{f.id}].formula", f.formula.names, known)
    for r in spec.rules:
        unknown(f"rules[{r.id}]", r.names | {r.field}, known)
    for a, b in spec.magnitude_pairs:
        unknown("magnitude_pairs", {a, b}, scalars)
    unknown("unique_by", set(spec.unique_by), {f.id for f in spec.inputs})
    if spec.table:
        t = spec.table
        row_scope = scalars | columns | row_values
        if t.qualitative_when is not None:
            unknown("table.qualitative_when", t.qualitative_when.names, row_scope)
        for rid, e in t.row_values:
            unknown(f"table.row_values[{rid}]", e.names, scalars | columns)
        for r in t.row_rules:
            unknown(f"table.row_rules[{r.id}]", r.names | {r.field}, row_scope)
        for c in t.columns:
            if c.choices_by and c.choices_by[0] not in columns:
                raise SpecError(path, f"table.columns[{c.id}].choices_by", "parent_missing", parent=c.choices_by[0])
            if c.choices_by:
                parent = t.column(c.choices_by[0])
                extra = sorted(set(c.parent_choices()) - set(parent.choices or ()))
                if extra:
                    raise SpecError(path, f"table.columns[{c.id}].choices_by", "parent_choice", value=extra[0])
    for ratio in spec.ratios:
        unknown(f"ratios[{ratio.id}]", {ratio.numerator, ratio.denominator}, scalars)
    for f in spec.fields.values():
        if f.restates:
            unknown(f"fields[{f.id}].restates", {f.restates}, scalars)
    for i, item in enumerate(spec.signoff):
        if item.field:
            unknown(f"signoff[{i}].field", {item.field}, scalars)
    if spec.form is not None:
        for bi, block in enumerate(spec.form.blocks):
            unknown(f"form.blocks[{bi}].indicators", set(block.indicators), columns)
            for ri, row in enumerate(block.rows):
                refs = {c.value for c in row if c.kind in ("label", "field")}
                unknown(f"form.blocks[{bi}].rows[{ri}]", refs, scalars)
    for f in spec.fields.values():  # the instruction sheet explains a formula in words, never in its syntax
        if f.formula is not None and f.formula.functions and not f.note:
            raise SpecError(path, f"fields[{f.id}].note", "formula_note")
    for fid in REQUIRED_FIELDS:
        if fid not in spec.fields:
            raise SpecError(path, "sheets", "required_field", field=fid)
    return replace(spec, derived_order=tuple(_topological(spec)))


def _topological(spec: Spec) -> list[str]:
    """Derived field ids, dependencies first; a cycle is a SpecError."""
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(fid: str, trail: tuple[str, ...]) -> None:
        if state.get(fid) == 2:
            return
        if state.get(fid) == 1:
            cycle = " → ".join((*trail[trail.index(fid) :], fid))
            raise SpecError(spec.path, f"fields[{fid}].formula", "formula_cycle", cycle=cycle)
        f = spec.fields.get(fid)
        if f is None or f.formula is None:
            return
        state[fid] = 1
        for n in sorted(f.formula.names):
            visit(n, (*trail, fid))
        state[fid] = 2
        order.append(fid)

    for fid in spec.fields:
        visit(fid, ())
    return order
