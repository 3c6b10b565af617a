"""Phase 2 of a check: the spec's generated pandera schemas over many returns at once, failures mapped
back to findings at their cells (one frame of scalar inputs, one of indicator rows per kind of row)."""

from __future__ import annotations

from typing import Any

from xltools.check.extract import Extracted
from xltools.check.schema import Failure, field_schema, frame, table_schema, validate
from xltools.check.typed import Typed
from xltools.check.values import expected_kind, normalise_text
from xltools.findings import ERROR, Finding
from xltools.spec import Spec


def validate_frames(items: list[tuple[Typed, Extracted]]) -> None:
    """pandera on the scalar inputs (one row per return) and on the used indicator rows (by kind of row)."""
    if not items:
        return
    spec = items[0][0].spec
    for fail in validate(field_schema(spec), frame([t.values for t, _ in items], spec.inputs)):
        t, ext = items[fail.position]
        if fail.field not in t.unknown:
            ext.findings.append(_finding(spec, ext, fail, None))
            if fail.severity == ERROR:
                t.unknown.add(fail.field)  # a failed value feeds no derived value or rule
    if spec.table is None:
        return
    for qualitative in (False, True):
        rows = [(t, ext, i) for t, ext in items for i in t.used if t.qualitative[i] == qualitative]
        if not rows:
            continue
        fields = [c.qualitative if qualitative and c.qualitative else c for c in spec.table.columns]
        df = frame([{c: vals[i] for c, vals in t.table.items()} for t, _, i in rows], fields)
        for fail in validate(table_schema(spec, qualitative), df):
            t, ext, row = rows[fail.position]
            if (fail.field, row) not in t.table_unknown:
                ext.findings.append(_finding(spec, ext, fail, row))
                if fail.code != "missing" and fail.severity == ERROR:
                    t.table_unknown.add((fail.field, row))


def warm() -> None:
    """Pay phase 2's first-run costs now: import pandas and pandera (~0.6 s) and validate one small frame
    (pandera loads its validation backends on first use). `aggregate` does this in a thread while its workers
    read the first chunk (issue #14)."""
    import pandas as pd
    import pandera.pandas as pa

    pa.DataFrameSchema({"x": pa.Column(float, pa.Check.ge(0), nullable=True)}).validate(pd.DataFrame({"x": [1.0]}))


def _finding(spec: Spec, ext: Extracted, fail: Failure, row: int | None) -> Finding:
    f = spec.field(fail.field)
    sheet, cell = ext.locate(fail.field, row)
    params: dict[str, Any] = {"label": f.name}
    value = fail.value
    if isinstance(value, float) and value != value:
        value = None
    if fail.code == "missing":
        return Finding("missing", ERROR, sheet, cell, f.id, "", params, expected_kind(f))
    expected = fail.expected
    detail = fail.meta.detail
    if detail == "under_parent" and f.choices_by and row is not None:
        parent = ext.table.get(f.choices_by[0], [None] * (row + 1))[row]
        expected = f.parent_choices().get(normalise_text(parent) if parent is not None else "", ())
        params["parent"] = parent
    if detail == "decimals":
        params["decimals"] = fail.expected
        expected = None
    return Finding(fail.code, fail.severity, sheet, cell, f.id, detail, params, expected, value)
