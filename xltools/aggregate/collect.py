"""Merge many returns into one summary for the bureau (DESIGN §6): every input accounted for.

Phase 1 (read, identify, type) runs in isolated worker processes; pandera then validates the scalar
fields of all returns as one frame and all their indicator rows as one frame; rules run last. Each
region gets one status from one vocabulary (missing, ok, warnings, errors, rejected); each file one
too (the same, or duplicate). Only returns without errors reach the totals.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import statistics
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xltools.aggregate.spool import SPILL, Spool
from xltools.aggregate.submission import (
    DUPLICATE,
    MISSING,
    REJECTED,
    Submission,
)
from xltools.catalogue import Msg, Text
from xltools.check.identify import not_collected
from xltools.check.pipeline import (
    PhaseOne,
    Prepared,
    Preparer,
    Progress,
    finish,
    unreadable_report,
    validate_all,
)
from xltools.check.values import normalise_text
from xltools.files import Input, find_returns
from xltools.findings import ERROR, Finding
from xltools.spec import Field, Region, Spec, SpecError, load_spec

_CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")


class AggregateError(ValueError):
    """The call cannot produce a summary (no returns, unknown spec…): ``detail`` is its catalogue key."""

    def __init__(self, detail: str, **params: Any) -> None:
        super().__init__(detail)
        self.detail, self.params = detail, params

    def text(self, lang: str = "zh") -> str:
        if self.detail == "spec":
            return str(self.params["error"].text(lang))
        from xltools.catalogue import say

        return say(f"aggregate.{self.detail}", lang, **self.params)


@dataclass
class Summary:
    spec: Spec
    year: int
    submissions: list[Submission]
    by_region: dict[str, list[Submission]]  # region code -> the returns that count (none: not sent)
    rejected: dict[str, list[Submission]] = field(default_factory=dict)  # region code -> its rejected files
    outliers: list[tuple[Submission, Finding]] = field(default_factory=list)  # the 异常提示 of the run
    prior: Any = None  # last year's figures the outliers were measured against (a Prior), if any
    spool: Spool | None = None  # where a large run keeps its returns' details (removed by `close`)

    def close(self) -> None:
        """Let go of the spool's file (also done when the summary is let go)."""
        if self.spool is not None:
            self.spool.close()

    def counted(self) -> list[tuple[Region, Submission]]:
        """Every return that counts (listed with its figures), region by region in list order."""
        return [(r, s) for r in self.spec.regions.regions for s in self.by_region.get(r.code, [])]

    def in_totals(self) -> list[tuple[Region, Submission]]:
        """The returns whose figures are summed: counted and without errors."""
        return [(r, s) for r, s in self.counted() if s.in_totals]

    def left_out(self) -> list[tuple[Region, Submission]]:
        """Counted returns whose figures stay out of the totals (they have errors)."""
        return [(r, s) for r, s in self.counted() if not s.in_totals]

    def region_status(self, region: Region) -> str:
        """missing, rejected (only rejected files), or the status of its counted return."""
        subs = self.by_region.get(region.code) or []
        if subs:
            return subs[0].status
        return REJECTED if self.rejected.get(region.code) else MISSING

    def lines(self) -> list[tuple[Region, Submission | None]]:
        """One line per counted return, region by region; a region with none gets one line of its own."""
        out: list[tuple[Region, Submission | None]] = []
        for r in self.spec.regions.regions:
            subs = self.by_region.get(r.code) or []
            out += [(r, s) for s in subs] if subs else [(r, None)]
        return out

    def region_counts(self) -> Counter[str]:
        """Regions by status."""
        return Counter(self.region_status(r) for r in self.spec.regions.regions)

    def file_counts(self) -> Counter[str]:
        """Files by status."""
        return Counter(s.status for s in self.submissions)


def aggregate(
    inputs: Iterable[Path | str],
    spec: str | None = None,
    year: int | None = None,
    jobs: int | None = None,
    schemas: Path | None = None,
    progress: Progress | None = None,
    prior: Path | str | None = None,
    executor: str = "local",
    scheduler: str | None = None,
) -> Summary:
    """Check every return found in ``inputs`` and merge the ones that count, region by region; with ``prior``
    (last year's returns, one return, or a summary or long export xltools wrote), flag outliers against it."""
    given = [Path(i) for i in inputs]
    absent = [str(i) for i in given if not os.path.lexists(i)]
    if absent:
        raise AggregateError("not_found", paths=absent)
    n = jobs or os.cpu_count() or 1
    with _phase_one(executor, schemas, n, scheduler) as pre:  # workers start now, before the run holds anything
        found = _found(given, spec, year)
        spool = Spool() if len(found) > SPILL else None
        streamed = _streamed(pre, found, spec, year, schemas, progress, spool) if len(found) > STREAM else None
        if streamed is None and spool is not None:
            spool.close()
            spool = None
        if streamed is not None:
            spec_obj, year, subs = streamed
        else:
            ordered = _taken(pre, found, progress)
            spec_obj, year = _decide(ordered, spec, year, schemas)
            subs = _reduced(ordered, found, spec_obj, year)
    compare_regions(subs, spec_obj)
    by_region = _choose(subs, spec_obj)
    last = None
    if prior is not None:
        from xltools.aggregate.prior import PriorError, load_prior

        last = load_prior(prior, spec_obj, schemas, jobs or 1)
        if last.year is not None and last.year != year - 1:
            raise PriorError("year", prior=last.year, year=year, expected=year - 1)
    trusted = [s for subs_ in by_region.values() for s in subs_ if s.in_totals]
    outliers = flag_outliers(trusted, spec_obj, last)
    rejected: dict[str, list[Submission]] = {}
    for s in subs:
        if s.status == REJECTED:
            region = s.region or _region_from_name(s.file_name, spec_obj)
            if region is not None:
                s.region = region
                rejected.setdefault(region.code, []).append(s)
    return Summary(spec_obj, year, subs, by_region, rejected, outliers, last, spool)


# Returns validated and reduced at a time (the next chunk is read meanwhile): the run keeps their figures, not
# their cells.
STREAM = 250


def _found(given: list[Path], spec: str | None, year: int | None) -> list[Input]:
    found = find_returns(given)
    if not found and not (spec and year):  # with both given, a summary of no returns lists every region 未报送
        raise AggregateError("no_files")
    return found


def _taken(pre: PhaseOne, found: list[Input], progress: Progress | None) -> list[Prepared]:
    """Phase 1 of every input by ``pre``'s workers, in order (an input already known unreadable gets its report)."""
    readable = [i for i in found if not i.problem]
    pre.count(len(readable), progress)
    pre.submit([i.path for i in readable], [i.name for i in readable])
    return _in_order(found, readable, pre.take([i.name for i in readable]))


def _phase_one(executor: str, schemas: Path | None, jobs: int, scheduler: str | None) -> PhaseOne:
    """Where phase 1 runs: local worker processes, or a Dask cluster (DESIGN §15; Dask imported only then)."""
    if executor == "dask":
        from xltools.aggregate.cluster import ClusterPreparer

        return ClusterPreparer(schemas, scheduler)
    return Preparer(schemas, jobs)


def _in_order(found: list[Input], readable: list[Input], prepared: list[Prepared]) -> list[Prepared]:
    """Every input's phase 1: the readable ones' as prepared, the others' report of why not."""
    by_input = dict(zip((id(i) for i in readable), prepared, strict=True))
    return [by_input.get(id(i)) or Prepared(unreadable_report(i.name, i.problem, reason="")) for i in found]


def _reduced(
    ordered: list[Prepared], found: list[Input], spec: Spec, year: int, pump: Callable[[], None] | None = None
) -> list[Submission]:
    """Phases 2 and 3, then each return reduced to what the summary needs; ``ordered`` is emptied as it goes,
    so that a return's cells are let go as soon as it is reduced. ``pump`` is called between returns, to keep
    phase 1's workers busy with the next chunk meanwhile."""
    if len(ordered) != len(found):
        raise ValueError(f"{len(ordered)} returns prepared for {len(found)} inputs")
    for p in ordered:
        _reject_other(p, spec, year)
    validate_all([p for p in ordered if p.typed is not None])
    out = []
    ordered.reverse()
    for i in found:
        out.append(_submission(ordered.pop(), i, spec))
        if pump is not None:
            pump()
    return out


def _streamed(
    pre: PhaseOne,
    found: list[Input],
    spec: str | None,
    year: int | None,
    schemas: Path | None,
    progress: Progress | None,
    spool: Spool | None = None,
) -> tuple[Spec, int, list[Submission]] | None:
    """Phases 1–3 chunk by chunk (issue #14: memory holds each return's figures, not its cells), or None when
    the run must be made as one piece. ``pre``'s workers read chunk k + 1 while this process validates and
    reduces chunk k. With ``spool``, each chunk's details go to it as soon as they are reduced. Every rule is
    per return or per indicator row, so chunks change no finding. The spec and year, when not given, are
    decided on the first chunk and checked against all returns at the end; should the whole disagree (a first
    chunk unlike the rest), the run is made again as one piece."""
    counts: Counter[tuple[str | None, int | None]] = Counter()
    decided: tuple[Spec, int] | None = None
    subs: list[Submission] = []
    chunks = [found[start : start + STREAM] for start in range(0, len(found), STREAM)]
    readable = [[i for i in chunk if not i.problem] for chunk in chunks]
    pre.count(sum(map(len, readable)), progress)
    pre.submit([i.path for i in readable[0]], [i.name for i in readable[0]])
    for k, chunk in enumerate(chunks):
        if k + 1 < len(chunks):  # read while this chunk is reduced
            pre.submit([i.path for i in readable[k + 1]], [i.name for i in readable[k + 1]])
        ordered = _in_order(chunk, readable[k], pre.take([i.name for i in readable[k]]))
        counts.update((p.report.spec, p.report.year) for p in ordered if p.typed is not None)
        if decided is None:
            try:
                decided = _decide(ordered, spec, year, schemas)
            except AggregateError as e:
                if e.detail in ("no_spec", "no_year"):
                    pre.drain()  # the next chunk, already handed out
                    return None  # nothing to decide on yet: one piece
                raise
        reduced = _reduced(ordered, chunk, *decided, pump=pre.pump)
        if spool is not None:
            for sub in reduced:
                sub.spill(spool)
        subs += reduced
    if _decide_counts(counts, spec, year, schemas) != decided:
        return None
    return decided[0], decided[1], subs


def _decide(prepared: list[Prepared], spec: str | None, year: int | None, schemas: Path | None) -> tuple[Spec, int]:
    """The spec and year being collected: as given, else the most common among the returns."""
    return _decide_counts(
        Counter((p.report.spec, p.report.year) for p in prepared if p.typed is not None), spec, year, schemas
    )


def _decide_counts(
    found: Counter[tuple[str | None, int | None]], spec: str | None, year: int | None, schemas: Path | None
) -> tuple[Spec, int]:
    if spec is None:
        if not found:
            raise AggregateError("no_spec")
        spec = Counter(s for s, _ in found.elements()).most_common(1)[0][0]
    try:
        spec_obj = load_spec(spec or "", schemas)
    except SpecError as e:
        raise AggregateError("spec", error=e) from None
    if year is None:
        years = Counter(y for s, y in found.elements() if s == spec_obj.id and y)
        if not years:
            raise AggregateError("no_year", spec=spec_obj.name)
        year = years.most_common(1)[0][0]
    return spec_obj, int(year)


def _reject_other(p: Prepared, spec: Spec, year: int) -> None:
    """A return of another spec or year is rejected with a `template` finding saying so."""
    if p.typed is None:
        return
    other = not_collected(p.report, spec, year)
    if other is not None:
        p.report.findings.append(other)
        p.typed, p.ext = None, None


def _submission(p: Prepared, given: Input, spec: Spec) -> Submission:
    report = finish(p)
    try:
        mtime = os.stat(given.location).st_mtime
    except OSError:
        mtime = 0.0
    if p.typed is None:
        region = spec.regions.find(report.region_code or "") if report.region_code else None
        first = report.findings[0] if report.findings else None
        return Submission(given.location, report, given.name, reason=first, region=region, mtime=mtime)
    region = spec.regions.find(report.region_code or "")
    if region is None:
        unknown = Msg.of("reason.unknown_region", code=report.region_code, regions=spec.regions.name)
        return Submission(given.location, report, given.name, reason=unknown, mtime=mtime)
    t = p.typed
    values = {k: v for k, v in t.values.items() if k not in t.unknown}
    indicators = [{c: t.table[c][i] for c in t.table} for i in t.used] if spec.table is not None else []
    unique = tuple(normalise_text(values.get(u) or "") for u in spec.unique_by)
    sub = Submission(
        given.location,
        report,
        given.name,
        region=region,
        values=values,
        indicators=indicators,
        fill_date=p.fill_date,
        mtime=mtime,
        where=dict(p.ext.where) if p.ext else {},
        unique=unique,
    )
    sub.classify()
    return sub


def _region_from_name(name: str, spec: Spec) -> Region | None:
    """The region a rejected file is for, by a region code or name in its file name (only when one matches)."""
    hits = {r for code in _CODE.findall(name) if (r := spec.regions.find(code)) is not None}
    if not hits:
        hits = {r for r in spec.regions.regions if r.name in name}
    return hits.pop() if len(hits) == 1 else None


def compare_regions(subs: list[Submission], spec: Spec) -> None:
    """`unit` errors across returns: an amount about 10,000 times the regions' median was almost
    certainly entered in 元 — a whole return in 元 passes every check inside itself."""
    if not spec.magnitude_unit:
        return
    lo, hi = spec.magnitude_band
    fields = [f for f in spec.fields.values() if f.unit == spec.magnitude_unit and f.numeric]
    counted = [s for s in subs if s.counted]
    found = {f.id: (array("q"), array("d")) for f in fields}  # one read of each return; 16 bytes a figure
    for i, s in enumerate(counted):
        values = s.values
        for f in fields:
            if isinstance(v := values.get(f.id), int | float) and v > 0:
                at, xs = found[f.id]
                at.append(i)
                xs.append(v)
    flagged: dict[int, list[Field]] = {}
    medians: dict[str, float] = {}
    for f in fields:
        at, xs = found[f.id]
        if len(xs) < 3:
            continue
        medians[f.id] = median = statistics.median(xs)  # once: one outlier barely moves it
        for i, v in zip(at, xs, strict=True):
            if lo <= v / median <= hi:
                flagged.setdefault(i, []).append(f)
    for i, fs in flagged.items():
        s = counted[i]
        values, findings = s.values, list(s.report.findings)
        for f in fs:
            target = f
            if f.derived:  # name the input behind it that is out of scale
                behind = [(values.get(a), a) for a in spec.inputs_behind(f.id) if spec.fields[a].unit == f.unit]
                behind = [(x, a) for x, a in behind if isinstance(x, int | float)]
                if behind:
                    target = spec.fields[max(behind)[1]]
            if any(x.code == "unit" and x.field == target.id for x in findings):
                continue  # already flagged, within its own return or through another total
            sheet, cell = s.where.get(target.id, ("", ""))
            params = {"label": target.name, "unit": spec.magnitude_unit}
            findings.append(
                Finding("unit", ERROR, sheet, cell, target.id, "peers", params, medians[f.id], values.get(target.id))
            )
        if len(findings) != len(s.report.findings):
            s.amend(findings)


def flag_outliers(counted: list[Submission], spec: Spec, prior: Any) -> list[tuple[Submission, Finding]]:
    """Outlier warnings on the returns in the totals (a return with errors says nothing reliable and would
    only distort the median): against the other regions, and against last year."""
    from xltools.aggregate.prior import key_of
    from xltools.check.outliers import fields_used, peers, year_over_year
    from xltools.check.pipeline import ordered

    used = sorted(fields_used(spec))  # a run's worth of whole returns' figures would not fit in memory
    at = {f: i for i, f in enumerate(used)}
    subs: dict[str, Submission] = {}
    values: dict[str, Mapping[str, Any]] = {}
    for s in counted:
        if s.region is None:
            continue
        all_values = s.values
        k = key_of(spec, s.region.code, all_values)
        subs[k] = s
        values[k] = _Figures(at, array("d", (_number(all_values.get(f)) for f in used)))
    where = _Where(subs)  # the cells of the few returns flagged, read when a finding needs them
    found = peers(spec, values, where)
    if prior is not None:
        for k, fs in year_over_year(spec, values, prior.values, where).items():
            found.setdefault(k, []).extend(fs)
    out: list[tuple[Submission, Finding]] = []
    for k, fs in found.items():
        sub = subs[k]
        sub.amend(ordered(spec, [*sub.report.findings, *fs]))
        out += [(sub, f) for f in fs]
    return out


def _number(v: Any) -> float:
    """A figure as the outlier rules see it: a number, or NaN for anything else (blank, text, yes/no)."""
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else math.nan


class _Figures(Mapping[str, Any]):
    """A return's figures that the outlier rules read, as 8 bytes each (a dict of them took ~600 bytes a
    return: 60 MB at 100,000 returns); what is not a number reads as absent."""

    __slots__ = ("_at", "_xs")

    def __init__(self, at: dict[str, int], xs: array[float]) -> None:
        self._at, self._xs = at, xs

    def __getitem__(self, key: str) -> float:
        x = self._xs[self._at[key]]
        if math.isnan(x):
            raise KeyError(key)
        return x

    def __iter__(self) -> Iterator[str]:
        return (k for k, i in self._at.items() if not math.isnan(self._xs[i]))

    def __len__(self) -> int:
        return sum(1 for _ in self)


class _Where(Mapping[str, dict[str, tuple[str, str]]]):
    """Each return's cells by its key, read from the return only when asked (for a flagged figure)."""

    def __init__(self, subs: dict[str, Submission]) -> None:
        self.subs = subs

    def __getitem__(self, key: str) -> dict[str, tuple[str, str]]:
        return self.subs[key].where

    def __iter__(self) -> Iterator[str]:
        return iter(self.subs)

    def __len__(self) -> int:
        return len(self.subs)


def duplicate_rule(spec: Spec) -> Msg:
    """Which of several returns with the same region (and, for some specs, the same project) counts."""
    same = [Msg.of("rule.same_region")] + [Msg.of("rule.same_field", label=spec.fields[u].name) for u in spec.unique_by]
    return Msg.of("rule.duplicate", same=tuple(same))


def _choose(subs: list[Submission], spec: Spec) -> dict[str, list[Submission]]:
    """The returns that count for each region: one per region (and per ``unique_by`` value, e.g. one
    per project); the others with the same key become duplicates."""
    groups: dict[tuple[str, ...], list[Submission]] = {}
    for s in subs:
        if s.counted and s.region is not None:
            key = (s.region.code, *s.unique)
            groups.setdefault(key, []).append(s)

    def rank(s: Submission) -> tuple[dt.date, float, str]:
        d = s.fill_date if isinstance(s.fill_date, dt.date) else dt.date.min
        return (d, s.mtime, s.path.name)

    by_region: dict[str, list[Submission]] = {r.code: [] for r in spec.regions.regions}
    for key in sorted(groups):
        group = sorted(groups[key], key=rank, reverse=True)
        by_region[key[0]].append(group[0])
        for other in group[1:]:
            other.status = DUPLICATE
            other.reason = Msg.of("reason.duplicate", file=group[0].file_name, rule=duplicate_rule(spec))
    return by_region


__all__ = ["AggregateError", "Submission", "Summary", "Text", "aggregate", "duplicate_rule"]
