"""Merge many returns into one summary for the bureau (DESIGN §6): every input accounted for.

Phase 1 (read, identify, type) runs in parallel processes; pandera then validates the scalar
fields of all returns as one frame and all their indicator rows as one frame; rules run last.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xltools.check import Prepared, Progress, finish, not_collected, prepare_all, validate_all
from xltools.files import find_returns
from xltools.findings import WARNING, Report, make, show
from xltools.rules import MAGNITUDE_BAND, MAGNITUDE_UNIT
from xltools.spec import Region, Spec, SpecError, load_spec
from xltools.values import normalise_text

ACCEPTED, WARNINGS, ERRORS = "accepted", "accepted_warnings", "accepted_errors"
REJECTED, DUPLICATE, MISSING = "rejected", "duplicate", "missing"


class AggregateError(ValueError):
    """The call cannot produce a summary (no returns, unknown spec…)."""


@dataclass
class Submission:
    """One input file and what became of it."""

    path: Path
    report: Report
    status: str = REJECTED
    reason: str = ""
    region: Region | None = None
    values: dict[str, Any] = field(default_factory=dict)
    indicators: list[dict[str, Any]] = field(default_factory=list)
    fill_date: Any = None
    mtime: float = 0.0
    where: dict[str, tuple[str, str]] = field(default_factory=dict)  # field id -> (sheet, A1)

    @property
    def counted(self) -> bool:
        return self.status in (ACCEPTED, WARNINGS, ERRORS)

    def classify(self) -> None:
        self.status = ERRORS if self.report.errors else WARNINGS if self.report.warnings else ACCEPTED


@dataclass
class Summary:
    spec: Spec
    year: int
    submissions: list[Submission]
    by_region: dict[str, list[Submission]]  # region code -> the returns that count (none: not sent)
    lang: str = "zh"

    def counted(self) -> list[tuple[Region, Submission]]:
        """Every return that counts, region by region in list order."""
        return [(r, s) for r in self.spec.regions.regions for s in self.by_region.get(r.code, [])]

    def lines(self) -> list[tuple[Region, Submission | None]]:
        """One line per counted return, region by region; a region with none gets one empty line."""
        out: list[tuple[Region, Submission | None]] = []
        for r in self.spec.regions.regions:
            subs = self.by_region.get(r.code) or []
            out += [(r, s) for s in subs] if subs else [(r, None)]
        return out

    def counts(self) -> Counter[str]:
        c = Counter(s.status for s in self.submissions)
        c[MISSING] = sum(1 for subs in self.by_region.values() if not subs)
        return c


def aggregate(
    inputs: Iterable[Path | str],
    spec: str | None = None,
    year: int | None = None,
    jobs: int | None = None,
    lang: str = "zh",
    schemas: Path | None = None,
    progress: Progress | None = None,
) -> Summary:
    """Check every return found in ``inputs`` and merge the ones that count, region by region."""
    given = [Path(i) for i in inputs]
    absent = [str(i) for i in given if not i.exists()]
    if absent:
        raise AggregateError(f"找不到：{'、'.join(absent)}" if lang != "en" else f"not found: {', '.join(absent)}")
    paths = find_returns(given)
    if not paths:
        raise AggregateError("没有找到任何文件" if lang != "en" else "no files found")
    prepared = prepare_all(paths, lang, schemas, jobs or os.cpu_count() or 1, progress)
    spec_obj, year = _decide(prepared, spec, year, schemas, lang)
    for p in prepared:
        _reject_other(p, spec_obj, year, lang)
    validate_all([p for p in prepared if p.typed is not None], lang)
    subs = [_submission(p, spec_obj, lang) for p in prepared]
    compare_regions(subs, spec_obj, lang)
    by_region = _choose(subs, spec_obj, lang)
    return Summary(spec_obj, year, subs, by_region, lang)


def _decide(
    prepared: list[Prepared], spec: str | None, year: int | None, schemas: Path | None, lang: str
) -> tuple[Spec, int]:
    """The spec and year being collected: as given, else the most common among the returns."""
    found = Counter((p.report.spec, p.report.year) for p in prepared if p.typed is not None)
    if spec is None:
        if not found:
            raise AggregateError(
                "没有任何可识别的填报表，无法确定表样；请用 --spec 指定"
                if lang != "en"
                else "no recognisable return: give --spec"
            )
        spec = Counter(s for s, _ in found.elements()).most_common(1)[0][0]
    try:
        spec_obj = load_spec(spec or "", schemas)
    except SpecError as e:
        raise AggregateError(str(e)) from None
    if year is None:
        years = Counter(y for s, y in found.elements() if s == spec_obj.id and y)
        if not years:
            raise AggregateError(
                f"没有 {spec_obj.id} 表样的报表，无法确定年度；请用 --year 指定"
                if lang != "en"
                else f"no {spec_obj.id} return: give --year"
            )
        year = years.most_common(1)[0][0]
    return spec_obj, int(year)


def _reject_other(p: Prepared, spec: Spec, year: int, lang: str) -> None:
    """A return of another spec or year is rejected with a `template` finding saying so."""
    if p.typed is None:
        return
    other = not_collected(p.report, spec.id, year, lang)
    if other is not None:
        p.report.findings.append(other)
        p.typed, p.ext = None, None


def _submission(p: Prepared, spec: Spec, lang: str) -> Submission:
    report = finish(p, lang)
    path = Path(report.file)
    sub = Submission(path, report, mtime=path.stat().st_mtime if path.exists() else 0.0)
    if p.typed is None:
        sub.reason = report.findings[0].message if report.findings else ""
        return sub
    region = spec.regions.find(report.region_code or "")
    if region is None:
        sub.reason = (
            f"行政区划代码 {report.region_code or '（空）'} 不在 {spec.regions.name} 的地区列表中"
            if lang != "en"
            else f"region code {report.region_code or '(empty)'} is not in the region list"
        )
        return sub
    t = p.typed
    sub.region, sub.fill_date, sub.where = region, p.fill_date, dict(p.ext.where) if p.ext else {}
    sub.values = {k: v for k, v in t.values.items() if k not in t.unknown}
    if spec.table is not None:
        sub.indicators = [{c: t.table[c][i] for c in t.table} for i in t.used]
    sub.classify()
    return sub


def compare_regions(subs: list[Submission], spec: Spec, lang: str) -> None:
    """`unit` warnings across returns: an amount about 10,000 times the regions' median was
    almost certainly entered in 元 — a whole return in 元 passes every check inside itself."""
    lo, hi = MAGNITUDE_BAND
    counted = [s for s in subs if s.counted]
    for f in spec.fields.values():
        if f.unit != MAGNITUDE_UNIT or not f.numeric:
            continue
        values = [(s, v) for s in counted if isinstance(v := s.values.get(f.id), int | float) and v > 0]
        if len(values) < 3:
            continue
        median = statistics.median(v for _, v in values)  # once per field: one outlier barely moves it
        for s, v in values:
            if any(x.code == "unit" and x.field == f.id for x in s.report.findings):
                continue  # already flagged within its own return
            if lo <= v / median <= hi:
                sheet, cell = s.where.get(f.id, ("", ""))
                text = (
                    f"“{f.label}”为 {show(v)} 万元，约为各地区中位数（{show(median)}）的一万倍，可能误按“元”填写"
                    if lang != "en"
                    else f"“{f.label}” is {show(v)}, about 10,000 times the regions' median ({show(median)}): "
                    "probably entered in 元 instead of 万元"
                )
                s.report.findings.append(
                    make(
                        "unit", WARNING, sheet, cell, f.id, f.label, expected=median, actual=v, lang=lang, message=text
                    )
                )
                s.classify()


def duplicate_rule(spec: Spec, lang: str = "zh") -> str:
    """Which of several returns with the same region (and, for some specs, the same project) counts."""
    if lang == "en":
        same = "region" + "".join(f" and {u}" for u in spec.unique_by)
        return f"When several returns share the same {same}, the one with the latest fill date counts; on a tie, the latest file."
    same = "同一地区" + "".join(f"、同一{spec.fields[u].label}" for u in spec.unique_by)
    return f"{same}有多份报表时，采用填报日期最新的一份；填报日期相同时，采用文件修改时间最新的一份。"


def _choose(subs: list[Submission], spec: Spec, lang: str) -> dict[str, list[Submission]]:
    """The returns that count for each region: one per region (and per ``unique_by`` value, e.g. one
    per project); the others with the same key become duplicates."""
    groups: dict[tuple[str, ...], list[Submission]] = {}
    for s in subs:
        if s.counted and s.region is not None:
            key = (s.region.code, *(normalise_text(s.values.get(u) or "") for u in spec.unique_by))
            groups.setdefault(key, []).append(s)

    def rank(s: Submission) -> tuple[dt.date, float, str]:
        d = s.fill_date if isinstance(s.fill_date, dt.date) else dt.date.min
        return (d, s.mtime, s.path.name)

    by_region: dict[str, list[Submission]] = {r.code: [] for r in spec.regions.regions}
    for key in sorted(groups):
        group = sorted(groups[key], key=rank, reverse=True)
        by_region[key[0]].append(group[0])
        rule = duplicate_rule(spec, lang)
        for other in group[1:]:
            other.status = DUPLICATE
            other.reason = (
                f"duplicate of {group[0].path.name}: {rule}"
                if lang == "en"
                else f"与 {group[0].path.name} 重复：{rule}"
            )
    return by_region
