"""Outliers (DESIGN §13): figures that moved too far from last year, that stand too far from the other
regions, or that restate last year wrongly. Always warnings (code ``outlier``): they ask for a look, they
never change a total.

- Year over year: a key field (or a spec ratio) whose relative change exceeds its band (spec key ``change``);
  a change from 0 is not a ratio and says nothing. The message gives both years' values, the change, and the
  other regions' median change when there are others.
- Peers: the modified z-score 0.6745·(x − median)/MAD beyond 3.5, only with at least 5 regions. When MAD is 0
  (more than half the regions report the same figure) the mean absolute deviation takes its place
  (z = (x − median)/(1.2533·MeanAD)); when that is 0 too, every region reports the same and nothing stands out.
  A plain 3σ rule is not used: with ten regions its largest possible |z| is (n−1)/√n ≈ 2.85.
  Only figures that do not grow with a region's size are compared across regions — rates, percentages,
  scores and spec ratios (what the summary does not sum): a county three times its neighbour's size has three
  times the money, which is no outlier. And a figure is flagged only when it is also further from the median
  than its band (the same `change` that bounds a year's move): when nine regions score 90.0 and one 88.5, the
  z-score is large but the difference is not.
- Restated: a field the spec says restates last year (上年三公经费 restates 三公经费合计) must equal it.
"""

from __future__ import annotations

import bisect
import statistics
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from xltools.catalogue import Msg, Text
from xltools.findings import WARNING, Finding
from xltools.spec import Spec

Z_LIMIT = 3.5
MIN_PEERS = 5
MAD_SCALE = 0.6745  # makes the MAD of normal data comparable with a standard deviation
MEANAD_SCALE = 1.253314  # the same for the mean absolute deviation (√(π/2))

Values = Mapping[str, Any]  # field id -> value of one region's return
Where = Mapping[str, tuple[str, str]]  # field id -> (sheet, A1) in that return


@dataclass(frozen=True)
class Figure:
    """A figure the outlier rules look at: a key field, or a spec ratio."""

    id: str
    name: Text
    unit: str
    band: float | None
    cell_of: str  # the field whose cell the finding points at
    fraction: bool = False  # stored as a fraction, shown as a percentage (execution rate)
    summed: bool = False  # grows with the region's size (the summary sums it): not compared across regions


def figures(spec: Spec) -> list[Figure]:
    out = [
        Figure(f.id, f.name, f.shown_unit, f.change, f.id, f.percent, f.aggregate.how == "sum")
        for f in spec.fields.values()
        if f.key and f.numeric and f.id not in spec.unique_by
    ]
    out += [Figure(r.id, r.name, r.unit, r.change, r.numerator) for r in spec.ratios]
    return out


def fields_used(spec: Spec) -> set[str]:
    """The fields the outlier rules read of a return: their figures, the parts of ratios, restated figures."""
    used = {fig.id for fig in figures(spec)} | {fig.cell_of for fig in figures(spec)}
    used |= {part for r in spec.ratios for part in (r.numerator, r.denominator)}
    used |= {f.id for f in spec.fields.values() if f.restates} | {
        f.restates for f in spec.fields.values() if f.restates
    }
    return used


def value(spec: Spec, fig: Figure, values: Values) -> float | None:
    """The figure of a return (a ratio computed from its parts); None when it cannot be had."""
    ratio = next((r for r in spec.ratios if r.id == fig.id), None)
    if ratio is None:
        v = values.get(fig.id)
        return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None
    num, den = values.get(ratio.numerator), values.get(ratio.denominator)
    if not isinstance(num, int | float) or not isinstance(den, int | float) or not den:
        return None
    return float(num) / float(den) * ratio.scale


def modified_z(x: float, others: list[float]) -> float | None:
    """The modified z-score of ``x`` among ``others`` (all regions, ``x`` included); None when too few."""
    found = spread(others)
    return None if found is None else z_of(x, found)


def spread(values: list[float]) -> tuple[float, float, float, float] | None:
    """What a modified z-score needs of ``values`` — median, MAD, mean absolute deviation, and the size below
    which a spread is rounding — or None when too few. Computed once for all regions: each region's z is then
    a subtraction and a division (issue #14: once per region made the peers' rule quadratic)."""
    if len(values) < MIN_PEERS:
        return None
    median = statistics.median(values)
    tiny = max(abs(v) for v in values) * 1e-12  # a spread below this is rounding, not a spread (no inf z)
    mad = statistics.median(abs(v - median) for v in values)
    mean_ad = statistics.fmean(abs(v - median) for v in values) if mad <= tiny else 0.0
    return median, mad, mean_ad, tiny


def z_of(x: float, found: tuple[float, float, float, float]) -> float:
    median, mad, mean_ad, tiny = found
    if mad > tiny:
        return MAD_SCALE * (x - median) / mad
    if mean_ad > tiny:
        return (x - median) / (MEANAD_SCALE * mean_ad)
    return 0.0


def _median_without(ordered: list[float], v: float) -> float:
    """The median of sorted ``ordered`` with one ``v`` taken out (what `statistics.median` of the rest gives)."""
    i, m = bisect.bisect_left(ordered, v), len(ordered) - 1

    def at(k: int) -> float:
        return ordered[k] if k < i else ordered[k + 1]

    return at(m // 2) if m % 2 else (at(m // 2 - 1) + at(m // 2)) / 2


def change(now: float, before: float) -> float | None:
    """The relative change from ``before`` to ``now``; None from 0 (not a ratio)."""
    return None if before == 0 else (now - before) / abs(before)


def year_over_year(
    spec: Spec, now: Mapping[str, Values], before: Mapping[str, Values], where: Mapping[str, Where]
) -> dict[str, list[Finding]]:
    """Findings per region code: key figures that moved beyond their band, and restated figures that differ."""
    out: dict[str, list[Finding]] = {}
    for fig in figures(spec):
        if fig.band is None:
            continue
        changes = {
            code: c
            for code, values in now.items()
            if code in before
            and (x := value(spec, fig, values)) is not None
            and (p := value(spec, fig, before[code])) is not None
            and (c := change(x, p)) is not None
        }
        ordered = sorted(changes.values())
        for code, c in changes.items():
            if abs(c) <= fig.band:
                continue
            others = _median_without(ordered, c) if len(ordered) > 1 else None
            peers = Msg.of("outlier.peer_change", median=_percent(others)) if others is not None else ""
            x, p = value(spec, fig, now[code]), value(spec, fig, before[code])
            sheet, cell = where.get(code, {}).get(fig.cell_of, ("", ""))
            params = {
                "label": fig.name,
                "change": _percent(c),
                "prior": _figure(p, fig),
                "now": _figure(x, fig),
                "peers": peers,
            }
            out.setdefault(code, []).append(Finding("outlier", WARNING, sheet, cell, fig.id, "year", params, p, x))
    for f in spec.fields.values():
        if not f.restates:
            continue
        for code, values in now.items():
            x = values.get(f.id)
            p = before.get(code, {}).get(f.restates)
            if not isinstance(x, int | float) or not isinstance(p, int | float) or abs(float(x) - float(p)) <= 0.01:
                continue
            sheet, cell = where.get(code, {}).get(f.id, ("", ""))
            params = {"label": f.name, "prior_label": spec.fields[f.restates].name}
            out.setdefault(code, []).append(Finding("outlier", WARNING, sheet, cell, f.id, "restated", params, p, x))
    return out


def peers(spec: Spec, now: Mapping[str, Values], where: Mapping[str, Where]) -> dict[str, list[Finding]]:
    """Findings per region code: size-free figures that stand beyond |z| 3.5 from the other regions (5 or
    more), and further from their median than the figure's band."""
    out: dict[str, list[Finding]] = {}
    for fig in figures(spec):
        if fig.summed:
            continue
        xs = {code: x for code, values in now.items() if (x := value(spec, fig, values)) is not None}
        if len(xs) < MIN_PEERS:
            continue
        found = spread(list(xs.values()))
        if found is None:
            continue
        median = found[0]
        for code, x in xs.items():
            z = z_of(x, found)
            if abs(z) <= Z_LIMIT:
                continue
            if fig.band is not None and abs(x - median) <= fig.band * abs(median):
                continue  # far in z, near in fact
            sheet, cell = where.get(code, {}).get(fig.cell_of, ("", ""))
            params = {"label": fig.name, "now": _figure(x, fig), "median": _figure(median, fig), "z": f"{z:+.1f}"}
            out.setdefault(code, []).append(
                Finding("outlier", WARNING, sheet, cell, fig.id, "peers", params, median, x)
            )
    return out


def _percent(c: float) -> str:
    return f"{c * 100:+.1f}%"


def _figure(v: float | None, fig: Figure) -> str:
    """A figure as the summary shows it: 228,236; 385.67 万元; 96.46%."""
    if v is None:
        return ""
    if fig.fraction:
        return f"{v * 100:,.2f}%"
    shown = f"{int(v):,}" if float(v).is_integer() else f"{v:,.2f}"
    return shown + ("%" if fig.unit == "%" else f" {fig.unit}" if fig.unit else "")
