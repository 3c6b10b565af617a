"""Checking an upload in a warm worker process (DESIGN §14): the file is read, typed, validated and
compared with the region's previous version away from the server, under a memory cap and a timeout, so
a hostile file costs one request. The workers import the checker once and stay warm between uploads."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xltools.check.workers import Crash, Warm
from xltools.findings import Report


@dataclass(frozen=True)
class Job:
    """One file to check for one region of one collection."""

    path: str
    name: str  # the file as the county named it: shown in the report
    spec: str
    year: int
    region_code: str
    region_name: str
    previous: str | None = None  # the region's previous version, to say what changed
    annotated: str | None = None  # write the annotated copy here
    targets: tuple[tuple[tuple[str, Any], ...], ...] = ()  # the region's approved indicator rows, as held


@dataclass
class Checked:
    """What the desk records of a checked upload."""

    report: Report
    status: str  # ok | warnings | errors | rejected
    contact: dict[str, str]
    diff: dict[str, Any] | None = None  # DESIGN §13's keys, in Chinese

    @property
    def counts(self) -> tuple[int, int]:
        return len(self.report.errors), len(self.report.warnings)

    def report_json(self, lang: str = "zh") -> str:
        return json.dumps(self.report.to_dict(lang), ensure_ascii=False)


def warm_up() -> None:
    """Import what a check needs before the memory cap is set (a worker's fixed cost, paid once)."""
    import pandera.pandas  # noqa: F401

    from xltools.check import pipeline  # noqa: F401
    from xltools.report import annotate  # noqa: F401
    from xltools.spec import list_specs, load_spec

    specs = [load_spec(s.id) for s in list_specs()]
    with tempfile.TemporaryDirectory(prefix="xltools-warm-") as tmp:  # pandera's first validation, paid here
        from xltools.template import build_template

        spec = specs[0]
        path = build_template(spec, Path(tmp) / "warm.xlsx", 2000)
        run(Job(str(path), "warm.xlsx", spec.id, 2000, "", ""))


def run(job: Job) -> Checked:
    """Check ``job.path`` as a return of ``job.region_code`` (in a worker)."""
    from xltools.catalogue import Text
    from xltools.check.identify import template_error
    from xltools.check.pipeline import finish, prepare, validate_all
    from xltools.report.annotate import annotate
    from xltools.spec import load_spec
    from xltools.versions import DiffError, diff_prepared

    spec = load_spec(job.spec)
    p = prepare(job.path, None, spec, job.year, job.name)
    if p.typed is not None and p.report.region_code and p.report.region_code != job.region_code:
        p.report.findings.append(
            template_error("other_region", Text(job.region_name), Text(_region_name(spec, p.report.region_code)))
        )
        p.typed, p.ext = None, None
    if job.targets and p.ext is not None and p.typed is not None:  # the collection's list, not the file's
        from xltools.check.extract import compare_targets

        p.ext.findings += compare_targets(p.ext, {i: dict(row) for i, row in enumerate(job.targets)})
    before = prepare(job.previous, None, spec, job.year, "previous") if job.previous else None
    validate_all([x for x in (p, before) if x is not None and x.typed is not None])
    diff, report = None, None
    if before is not None and before.typed is not None and p.typed is not None:
        try:
            d = diff_prepared(before, p)  # finishes both returns
            diff, report = d.to_dict("zh"), d.new
        except DiffError:
            diff = None
    if report is None:
        report = finish(p)
    if job.annotated:
        annotate(report, job.path, job.annotated)
    status = "rejected" if p.typed is None else report.status
    contact = {}
    if p.typed is not None:
        values = p.typed.values
        contact = {f.id: str(values[f.id]) for f in contact_fields(spec) if values.get(f.id) not in (None, "")}
    return Checked(report, status, contact, diff)


def contact_fields(spec: Any) -> list[Any]:
    """Whom the 催报 list names: the text fields of the spec's sign-off block (填报人, 联系电话 — not its date)."""
    return [spec.field(s.field) for s in spec.signoff if s.field and spec.field(s.field).type == "text"]


def _region_name(spec: Any, code: str) -> str:
    region = spec.regions.find(code)
    return f"{region.name} {code}" if region else code


def crashed(job: Job, c: Crash) -> Checked:
    from xltools.check.pipeline import crash_report

    return Checked(crash_report(job.name, c), "rejected", {})


class Checker:
    """The server's warm checker processes."""

    def __init__(self, workers: int = 2, timeout: float = 60.0, cap: int = 1024 * 1024 * 1024) -> None:
        self.pool: Warm[Job, Checked] = Warm(run, workers, timeout, cap, warm_up)

    def ready(self) -> bool:
        """Wait until every checker process has imported what a check needs."""
        return self.pool.ready()

    def failure(self) -> str:
        """Why a checker process could not start ("" when none failed)."""
        return self.pool.failure

    def check(self, job: Job) -> Checked:
        """The file checked; a worker that died or ran out of time makes it `unreadable` (one line)."""
        result = self.pool.run(job)
        return result if isinstance(result, Checked) else crashed(job, result)

    def close(self) -> None:
        self.pool.close()


def held_targets(c: Any, region_code: str) -> tuple[tuple[tuple[str, Any], ...], ...]:
    """The region's approved indicator rows as the collection holds them (prefilled columns only)."""
    from xltools.contract import TARGET_COLUMNS

    rows = json.loads(c.targets).get(region_code, []) if c.targets else []
    return tuple(tuple((col, row.get(col)) for col in TARGET_COLUMNS) for row in rows)
