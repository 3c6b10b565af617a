"""Check returned workbooks: read safely, identify the spec, validate everything, report findings.

Three phases, so that many returns share one pandera run: `prepare` (per file: read, identify, find
values through names, type them), `validate_all` (pandera over all returns of a spec at once) and
`finish` (derived values, rules, magnitudes). Many files are prepared in isolated worker processes.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from xltools.catalogue import Msg
from xltools.check.extract import Extracted, extract
from xltools.check.identify import identify, not_collected
from xltools.check.rules import check_magnitudes, check_rows, check_rules, check_table_filled, compare_derived, derive
from xltools.check.typed import Typed, type_values
from xltools.check.workers import Crash, Pool
from xltools.contract import META_SHEET, layout_of
from xltools.findings import ERROR, Finding, Report
from xltools.read import RawWorkbook, Unreadable, read_workbook
from xltools.spec import Spec, SpecError, is_spec_id, load_spec, spec_ids

META_EXTENT = (200_000, 64)  # the hidden sheet holds the region list (up to a national one)
MARGIN = (1000, 50)  # rows and columns beyond the template's own a return may still use


@dataclass
class Prepared:
    """A return read, identified and typed (phase 1, per file); validation and rules come after."""

    report: Report
    ext: Extracted | None = None
    typed: Typed | None = None
    fill_date: Any = None
    finished: bool = False  # phase 3 done: its findings are in the report (finishing again adds nothing)


def unreadable_report(path: str, detail: str, **params: Any) -> Report:
    return Report(file=path, findings=[Finding("unreadable", ERROR, detail=detail, params=params)], unreadable=True)


def prepare(
    path: Path | str,
    schemas: Path | None = None,
    expect_spec: Spec | None = None,
    expect_year: int | None = None,
    display: str | None = None,
) -> Prepared:
    """Phase 1: read safely, identify the spec, find values through names, coerce types."""
    name = display or str(path)
    report = Report(file=name)
    specs: dict[str, Spec | None] = {}  # the file's spec, looked up once

    def spec_of(wb: RawWorkbook) -> Spec | None:
        sid = wb.identity.get("spec") or ""
        if sid not in specs:
            specs[sid] = _spec_of(sid, schemas)
        return specs[sid]

    try:
        raw = read_workbook(
            Path(path),
            sheets=lambda wb: _data_sheets(spec_of(wb)),
            extents=lambda wb, s: _extent(spec_of(wb), s),
            xml_only=lambda wb: set(layout_of(spec).boxes) - _data_sheets(spec) if (spec := spec_of(wb)) else set(),
        )
    except Unreadable as e:
        return Prepared(unreadable_report(name, e.detail, **e.params))
    spec, problems = identify(raw, report, schemas)
    if spec is not None:
        other = not_collected(report, expect_spec, expect_year)
        if other is not None:
            spec, problems = None, [other]
    report.findings += problems
    if spec is None:
        return Prepared(report)
    ext = extract(raw, spec)
    typed, found = type_values(ext, raw.date1904)
    ext.findings += found
    for f in ext.findings:  # a region or year that differs from the template's record is not believed
        if f.code == "tampered" and f.detail == "identity":
            typed.unknown.add(f.field)
    region = typed.values.get("region_code")
    if isinstance(region, str) and region and "region_code" not in typed.unknown:
        report.region_code = region
    return Prepared(report, ext, typed, typed.values.get("fill_date"))


def _spec_of(sid: str, schemas: Path | None) -> Spec | None:
    """The spec a file names, by id: one that is not an id (a path, an abstract part) is not a form here."""
    if not is_spec_id(sid):
        return None
    try:
        return load_spec(sid, schemas)
    except SpecError as e:
        if e.detail == "not_found":
            return None
        raise  # the bureau's own spec file is broken: that stops the run (one line), it is not this file's fault


def _data_sheets(spec: Spec | None) -> set[str]:
    """Only the spec's own sheets need reading (not the instruction sheet)."""
    return {s.name for s in spec.sheets} if spec else set()


def _extent(spec: Spec | None, sheet: str) -> tuple[int, int]:
    """How far a sheet may reach: the template's own extent and a margin; the hidden sheet, its lists."""
    if sheet == META_SHEET:
        return META_EXTENT
    rows, cols = layout_of(spec).extent.get(sheet, (0, 0)) if spec else (0, 0)
    return rows + MARGIN[0], cols + MARGIN[1]


def validate_all(prepared: list[Prepared]) -> None:
    """Phase 2: pandera over every return of a spec at once (one frame of scalars, one of indicator rows)."""
    from xltools.check.validate import validate_frames

    groups: dict[int, list[Prepared]] = {}
    for p in prepared:
        if p.typed is not None:
            groups.setdefault(id(p.typed.spec), []).append(p)
    for group in groups.values():
        validate_frames([(p.typed, p.ext) for p in group if p.typed is not None and p.ext is not None])


def finish(p: Prepared) -> Report:
    """Phase 3: derived values, rules and magnitudes; the report's findings in sheet order. Once."""
    if p.typed is None or p.ext is None or p.finished:
        return p.report
    p.finished = True
    t, ext = p.typed, p.ext
    found = list(ext.findings)
    incomplete = derive(t)
    found += compare_derived(t, ext.scalars, ext.locate)
    found += check_rules(t, incomplete, ext.locate)
    found += check_rows(t, ext.locate)
    found += check_table_filled(t, ext.locate)
    found += check_magnitudes(t, ext.locate)
    p.report.findings += ordered(t.spec, found)
    return p.report


def check_file(
    path: Path | str,
    schemas: Path | None = None,
    expect_spec: str | None = None,
    expect_year: int | None = None,
) -> Report:
    """Everything wrong with one return. Never raises for a bad file: that is a finding too."""
    expected = load_spec(expect_spec, schemas) if expect_spec else None
    p = prepare(path, schemas, expected, expect_year)
    validate_all([p])
    return finish(p)


Progress = Callable[[int, int], None]  # (files done, files in all)


def check_files(
    paths: list[Path],
    schemas: Path | None = None,
    jobs: int = 1,
    progress: Progress | None = None,
    expect_spec: str | None = None,
    expect_year: int | None = None,
    names: list[str] | None = None,
) -> list[Report]:
    """Check many returns: read in isolated worker processes, one pandera run for all, rules per return."""
    expected = load_spec(expect_spec, schemas) if expect_spec else None
    prepared = prepare_all(paths, schemas, jobs, progress, expected, expect_year, names)
    validate_all(prepared)
    return [finish(p) for p in prepared]


def _prepare_one(args: tuple[Path, Path | None, Spec | None, int | None, str]) -> Prepared:
    return prepare(*args)


def prepare_all(
    paths: list[Path],
    schemas: Path | None,
    jobs: int,
    progress: Progress | None = None,
    expect_spec: Spec | None = None,
    expect_year: int | None = None,
    names: list[str] | None = None,
) -> list[Prepared]:
    """Phase 1 for every file. One file is read here; several in ``jobs`` worker processes, each file
    isolated: a worker that dies or hangs costs its own file (`unreadable`), never the batch."""
    shown = names or [str(p) for p in paths]
    load_specs(schemas)
    work = [(p, schemas, expect_spec, expect_year, n) for p, n in zip(paths, shown, strict=True)]
    if len(work) == 1:
        out = [_prepare_one(work[0])]
        if progress:
            progress(1, 1)
        return out
    results = Pool(_prepare_one, jobs).map(work, progress)
    return [_as_prepared(r, n) for r, n in zip(results, shown, strict=True)]


class PhaseOne(Protocol):
    """What reads a long run's returns for `aggregate`: `Preparer` here, `ClusterPreparer` on a Dask cluster."""

    def __enter__(self) -> PhaseOne: ...
    def __exit__(self, *exc: object) -> None: ...
    def count(self, total: int, progress: Progress | None) -> None: ...
    def submit(self, paths: list[Path], names: list[str]) -> None: ...
    def take(self, names: list[str]) -> list[Prepared]: ...
    def pump(self) -> None: ...
    def drain(self) -> None: ...


class Preparer:
    """Phase 1 of an `aggregate` run in worker processes: files are submitted chunk by chunk and taken back,
    prepared and in order, while the workers go on reading the next chunk; the caller `pump`s now and then as
    it works (issue #14). The workers are forked as it is made, after the specs are loaded and before the run
    holds anything of its own, and they serve the whole run (see `Pool`)."""

    def __init__(self, schemas: Path | None, jobs: int) -> None:
        load_specs(schemas)
        self.schemas = schemas
        self.pool: Pool[Any, Prepared] = Pool(_prepare_one, jobs)
        self.pool.start()
        self.pump = self.pool.pump
        # Phase 2's imports and set-up (~0.6 s) in a thread while the workers read the first chunk, not in the
        # main process while they wait for it (issue #14). A worker forked while a thread imports could inherit a
        # module lock held by nobody: a replacement is forked only once the thread is done.
        self.warming = threading.Thread(target=_warm, name="xltools-warm", daemon=True)
        self.warming.start()
        self.pool.before_fork = self.warming.join

    def __enter__(self) -> Preparer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.warming.join()
        self.pool.close()

    def count(self, total: int, progress: Progress | None) -> None:
        """Report progress on the next ``total`` files as (done, total)."""
        base = self.pool.done
        self.pool.on_done = (lambda done: progress(done - base, total)) if progress else None

    def submit(self, paths: list[Path], names: list[str]) -> None:
        self.pool.submit((p, self.schemas, None, None, n) for p, n in zip(paths, names, strict=True))

    def take(self, names: list[str]) -> list[Prepared]:
        """The next ``len(names)`` files submitted, prepared (those files' display names, in order)."""
        return [_as_prepared(r, n) for r, n in zip(self.pool.take(len(names)), names, strict=True)]

    def drain(self) -> None:
        """Let go of every file submitted and not yet taken, at once (files in work are abandoned)."""
        self.pool.cancel()


def load_specs(schemas: Path | None) -> None:
    """Load every spec once (a run's workers inherit them)."""
    for sid in spec_ids(schemas):  # a broken spec of the bureau's own stops the run here, with one line
        load_spec(sid, schemas)


def _warm() -> None:
    """Phase 2's set-up, done early (in a thread); should it fail, phase 2 meets the same failure and says so."""
    with contextlib.suppress(Exception):
        from xltools.check.validate import warm

        warm()


def _as_prepared(result: Prepared | Crash, name: str) -> Prepared:
    return result if isinstance(result, Prepared) else Prepared(crash_report(name, result))


def crash_report(name: str, c: Crash) -> Report:
    """The `unreadable` report of a file whose reading process died or ran out of time."""
    detail = "timeout" if c.kind == "timeout" else "crashed"
    reason = Msg.of("reason.memory") if c.kind == "memory" else c.reason
    return unreadable_report(name, detail, reason=reason, seconds=c.reason)


def ordered(spec: Spec, findings: list[Finding]) -> list[Finding]:
    """One finding per (code, cell, message), in sheet order then row then column."""
    sheet_order = {s.name: i for i, s in enumerate(spec.sheets)}
    seen: set[tuple[str, str, str, str, str]] = set()
    out = []
    for f in findings:
        key = (f.code, f.sheet, f.cell, f.field, f.message)
        if key not in seen:
            seen.add(key)
            out.append(f)

    def position(f: Finding) -> tuple[int, int, int, str]:
        letters = "".join(ch for ch in f.cell if ch.isalpha())
        digits = "".join(ch for ch in f.cell if ch.isdigit())
        col = sum((ord(ch) - 64) * 26**i for i, ch in enumerate(reversed(letters)))
        return (sheet_order.get(f.sheet, -1), int(digits or 0), col, f.code)

    return sorted(out, key=position)


def check_values(spec: Spec, values: dict[str, Any]) -> Report:
    """Check values not yet in a workbook (field id -> value, column id -> list of row values).

    Cells are reported where the template would put them; useful before prefilling a template.
    """
    layout = layout_of(spec)
    ext = Extracted(spec)
    for f in spec.fields.values():
        ext.where[f.id] = layout.homes[f.id]
        ext.scalars[f.id] = None if f.derived else values.get(f.id)
    if spec.table:
        for c in spec.table.columns:
            given = list(values.get(c.id) or [])
            ext.table[c.id] = (given + [None] * spec.table.rows)[: spec.table.rows]
            ext.table_where[c.id] = layout.column_homes[c.id]
    typed, found = type_values(ext, False)
    ext.findings += found
    p = Prepared(Report(file="(values)", spec=spec.id, spec_version=spec.version, spec_title=spec.title), ext, typed)
    validate_all([p])
    return finish(p)
