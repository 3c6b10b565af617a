"""pandera schemas generated from a spec: required, range, choice and pattern of every input.

One schema serves one return or thousands (one row per return, or per indicator row), validated
lazily so that every failure comes out at once. Each failure maps back to a field and a code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pandas as pd
import pandera.pandas as pa

from xltools.catalogue import Text
from xltools.check.values import bounds
from xltools.findings import ERROR, WARNING
from xltools.spec import Field, Spec


@dataclass(frozen=True)
class CheckMeta:
    """What one generated check means, for turning its failures into findings."""

    code: str
    expected: Any
    severity: str = ERROR
    detail: str = ""


MISSING = CheckMeta("missing", None)


@dataclass(frozen=True)
class Failure:
    """One failed check on one value: which row of the frame, which field, which check, what value."""

    position: int  # row position in the validated frame
    field: str
    meta: CheckMeta
    value: Any

    @property
    def code(self) -> str:
        return self.meta.code

    @property
    def expected(self) -> Any:
        return self.meta.expected

    @property
    def severity(self) -> str:
        return self.meta.severity


@dataclass(frozen=True)
class Generated:
    schema: pa.DataFrameSchema
    meta: dict[str, list[CheckMeta]]  # column -> meta of its checks, in check_number order
    frame_checks: list[tuple[str, CheckMeta]]  # dataframe-wide checks: (column they are about, meta)


def _choices_shown(choices: tuple[str, ...]) -> tuple[str, ...]:
    return choices if len(choices) <= 8 else (*choices[:8], "…")


def _checks(f: Field) -> tuple[list[pa.Check], list[CheckMeta]]:
    checks: list[pa.Check] = []
    meta: list[CheckMeta] = []
    if f.numeric:
        if f.min is not None and f.max is not None:
            checks.append(pa.Check.in_range(f.min, f.max, include_min=not f.min_exclusive))
        elif f.min is not None:
            checks.append(pa.Check.gt(f.min) if f.min_exclusive else pa.Check.ge(f.min))
        elif f.max is not None:
            checks.append(pa.Check.le(f.max))
        if (shown := bounds(f)) is not None:
            meta.append(CheckMeta("range", shown))
    if f.kind == "number" and f.decimals is not None and not f.derived:
        d = f.decimals  # more digits than the form shows: totals differ from what the clerk sees
        checks.append(pa.Check(lambda s, d=d: (s.round(d) - s).abs() < 1e-9, name=f"decimals_{d}"))
        meta.append(CheckMeta("type", d, WARNING, "decimals"))
    if f.choices:
        # a set in a closure, not pandera's isin: pandera deep-copies every column as it builds a schema, and
        # a region field's choices are the whole region list (12,000 codes: 7 ms a copy)
        checks.append(pa.Check(lambda s, allowed=frozenset(f.choices): s.isin(allowed), name="isin"))
        meta.append(CheckMeta("choice", _choices_shown(f.choices)))
    if f.pattern:
        checks.append(pa.Check.str_matches(f.pattern))
        meta.append(CheckMeta("pattern", Text(f.pattern_hint or f.pattern, f.pattern_hint_en or None)))
    return checks, meta


def _column(f: Field) -> tuple[pa.Column, list[CheckMeta]]:
    checks, meta = _checks(f)
    dtype = float if f.numeric else None
    return pa.Column(dtype, checks=checks, nullable=not f.required, required=True, coerce=False), meta


def _generate(fields: list[Field], frame_checks: list[tuple[str, pa.Check, CheckMeta]] | None = None) -> Generated:
    columns: dict[str, pa.Column] = {}
    meta: dict[str, list[CheckMeta]] = {}
    for f in fields:
        columns[f.id], meta[f.id] = _column(f)
    wide = frame_checks or []
    schema = pa.DataFrameSchema(columns, checks=[c for _, c, _ in wide], strict=False)
    return Generated(schema, meta, [(col, m) for col, _, m in wide])


@lru_cache(maxsize=32)
def field_schema(spec: Spec) -> Generated:
    """The schema of a return's scalar inputs: one row per return."""
    return _generate(spec.inputs)


@lru_cache(maxsize=32)
def table_schema(spec: Spec, qualitative: bool) -> Generated:
    """The schema of used indicator rows: quantitative rows, or qualitative ones (column variants)."""
    assert spec.table is not None
    cols = [c.qualitative if qualitative and c.qualitative else c for c in spec.table.columns]
    wide: list[tuple[str, pa.Check, CheckMeta]] = []
    for c in cols:
        if c.choices_by:
            parent, mapping = c.choices_by[0], c.parent_choices()
            wide.append(
                (
                    c.id,
                    _dependent_check(c.id, parent, mapping),
                    CheckMeta("choice", None, detail="under_parent"),
                )
            )
    return _generate(cols, wide)


def _dependent_check(child: str, parent: str, mapping: dict[str, tuple[str, ...]]) -> pa.Check:
    def check(df: pd.DataFrame) -> pd.Series:
        ok = [
            p not in mapping or c is None or c != c or c in mapping[p]  # c != c: NaN
            for p, c in zip(df[parent], df[child], strict=True)
        ]
        return pd.Series(ok, index=df.index)

    return pa.Check(check, name=f"choices_by:{child}")


def frame(rows: list[dict[str, Any]], fields: list[Field]) -> pd.DataFrame:
    """A frame with one column per field: float for numbers (None → NaN), object otherwise."""
    data: dict[str, Any] = {}
    for f in fields:
        col = [r.get(f.id) for r in rows]
        data[f.id] = pd.Series(col, dtype="float64") if f.numeric else pd.Series(col, dtype="object")
    return pd.DataFrame(data, index=pd.RangeIndex(len(rows)))


def validate(gen: Generated, df: pd.DataFrame) -> list[Failure]:
    """Every failure of every check, mapped to (row position, field, code)."""
    if df.empty:
        return []
    try:
        gen.schema.validate(df, lazy=True)
        return []
    except pa.errors.SchemaErrors as e:
        cases = e.failure_cases
    out: list[Failure] = []
    wide = {f"choices_by:{col}": (col, m) for col, m in gen.frame_checks}
    for case in cases.itertuples(index=False):
        pos = case.index
        if pos is None or pos != pos:
            continue
        column, check = case.column, str(case.check)
        if check == "not_nullable":
            out.append(Failure(int(pos), str(column), MISSING, None))
        elif check in wide:
            col, m = wide[check]
            out.append(Failure(int(pos), col, m, df.at[int(pos), col]))
        elif column in gen.meta and case.check_number is not None and case.check_number == case.check_number:
            m = gen.meta[str(column)][int(case.check_number)]
            out.append(Failure(int(pos), str(column), m, case.failure_case))
    return out
