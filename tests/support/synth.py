"""Test helper: synthetic returns for samples and benchmarks: a seed return varied per region, kept only when clean.

"Consistent" is decided by the spec itself: a draw is kept when `check_values` finds nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from xltools.check import check_values
from xltools.spec import Region, Spec
from xltools.spec.expr import EvalError, evaluate, excel_round


def synthesize(
    spec: Spec, base: dict[str, Any], region: Region, year: int, rng: random.Random, attempts: int = 200
) -> dict[str, Any]:
    """Values for ``region``: the seed's figures scaled and jittered, indicator scores recomputed."""
    for _ in range(attempts):
        values = draw(spec, base, region, year, rng)
        if not check_values(spec, values).findings:
            return values
    raise RuntimeError(f"no clean synthetic return for {region.name} in {attempts} draws")


def draw(spec: Spec, base: dict[str, Any], region: Region, year: int, rng: random.Random) -> dict[str, Any]:
    """One variation of the seed for ``region``, unchecked (may break rules: realistic for benchmarks)."""
    size = rng.uniform(0.6, 1.8)  # a bigger region has more money and more people alike
    amount_scale, count_scale = size * rng.uniform(0.85, 1.15), size * rng.uniform(0.85, 1.15)
    seed_name = _seed_region_name(spec, base)
    out: dict[str, Any] = {}
    for f in spec.inputs:
        v = base.get(f.id)
        if f.id == "region_code":
            out[f.id] = region.code
        elif f.id == "year":
            out[f.id] = year
        elif f.numeric and isinstance(v, int | float) and not f.max:
            scale = amount_scale if f.kind == "number" else count_scale
            x = v * scale * rng.uniform(0.95, 1.05)
            out[f.id] = excel_round(x, f.decimals if f.decimals is not None else 2) if f.kind == "number" else round(x)
        elif f.numeric and isinstance(v, int | float):  # bounded (a percentage): stay near the seed, inside the bounds
            out[f.id] = excel_round(min(f.max or v, max(f.min or 0, v + rng.uniform(-0.5, 1.5))), f.decimals or 2)
        elif f.kind == "text" and isinstance(v, str) and seed_name:
            out[f.id] = v.replace(seed_name, region.name)  # 始兴县医疗保障局 -> 武江区医疗保障局
        else:
            out[f.id] = v
    if spec.table is not None:
        out |= _indicators(spec, base, rng)
    return out


def _seed_region_name(spec: Spec, base: dict[str, Any]) -> str:
    r = spec.regions.find(str(base.get("region_code", "")))
    return r.name if r else ""


def _indicators(spec: Spec, base: dict[str, Any], rng: random.Random) -> dict[str, list[Any]]:
    """The seed's indicator rows with quantitative actuals jittered and scores recomputed by the spec's
    standard score (columns found by their roles in the spec)."""
    table = spec.table
    assert table is not None
    cols = {c.id: list(base.get(c.id) or []) for c in table.columns}
    n = max((len(v) for v in cols.values()), default=0)
    actual_id, score_id, weight_id, reason_id = (table.role(r) for r in ("actual", "score", "weight", "reason"))
    standard = dict(table.row_values).get(table.role("standard") or "")
    if standard is None or not (actual_id and score_id and weight_id and reason_id):
        return cols
    for i in range(n):
        row = {c: (vals[i] if i < len(vals) else None) for c, vals in cols.items()}
        seed_actual = row.get(actual_id)
        qualitative = table.qualitative_when is not None and bool(evaluate(table.qualitative_when, row))
        if qualitative or not isinstance(seed_actual, int | float):
            continue
        row[actual_id] = excel_round(seed_actual * rng.uniform(0.93, 1.08), 2)
        try:
            score = evaluate(standard, row)
        except EvalError:
            continue
        cols[actual_id][i], cols[score_id][i] = row[actual_id], score
        if score < row[weight_id] and not row.get(reason_id):
            cols[reason_id][i] = "（示例）未完全达到年度指标值，将加强工作推进。"
    return cols


def earlier(
    spec: Spec,
    current: dict[str, Any],
    rng: random.Random,
    growth: tuple[float, float] = (0.0, 0.06),
    attempts: int = 200,
) -> dict[str, Any]:
    """The same region's return a year earlier: figures grown by ``growth`` since (±1 % each), bounded
    ones a little lower, and the figures this year restates (上年三公经费) exactly last year's totals."""
    for _ in range(attempts):
        grew = 1 + rng.uniform(*growth)
        out: dict[str, Any] = {}
        for f in spec.inputs:
            v = current.get(f.id)
            if f.id == "year":
                out[f.id] = int(v) - 1
            elif f.kind == "date" and isinstance(v, dt.date):
                out[f.id] = v.replace(year=v.year - 1, day=min(v.day, 28))
            elif f.numeric and isinstance(v, int | float) and not f.max:
                x = v / grew * rng.uniform(0.99, 1.01)
                out[f.id] = (
                    excel_round(x, f.decimals if f.decimals is not None else 2) if f.kind == "number" else round(x)
                )
            elif f.numeric and isinstance(v, int | float):
                out[f.id] = excel_round(max(f.min or 0, v - rng.uniform(0, 0.2)), f.decimals or 2)
            else:
                out[f.id] = v
        for f in spec.fields.values():
            if f.restates and isinstance(current.get(f.id), int | float):
                _restate(spec, out, f.restates, current[f.id])
        if spec.table is not None:
            out |= _indicators(spec, {**current, **{c.id: current.get(c.id) for c in spec.table.columns}}, rng)
        for f in check_values(spec, out).findings:  # an explanation a changed figure now asks for
            if f.code == "missing" and f.field in out and spec.fields[f.field].kind == "text":
                out[f.field] = "（示例）因工作需要略有变化，详见说明。"
        if not check_values(spec, out).findings:
            return out
    raise RuntimeError(f"no clean earlier return in {attempts} draws")


def _restate(spec: Spec, values: dict[str, Any], total_id: str, total: float) -> None:
    """Scale the inputs summed into ``total_id`` so that they add up to ``total`` exactly (2 decimals)."""
    parts = [n for n in sorted(spec.fields[total_id].formula.names) if n in values]  # type: ignore[union-attr]
    now = sum(values[n] or 0 for n in parts)
    for n in parts:
        values[n] = excel_round((values[n] or 0) * total / now, 2) if now else 0
    largest = max(parts, key=lambda n: values[n])
    values[largest] = excel_round(values[largest] + total - sum(values[n] for n in parts), 2)
