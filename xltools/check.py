"""Check returned workbooks: read safely, identify the spec, validate everything, report findings."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xltools.expr import EvalError, evaluate
from xltools.extract import Extracted, extract
from xltools.findings import ERROR, Finding, Report, make
from xltools.layout import layout_of
from xltools.read import RawWorkbook, Unreadable, read_workbook
from xltools.rules import Typed, check_magnitudes, check_rows, check_rules, check_table_filled, compare_derived, derive
from xltools.schema import field_schema, frame, table_schema, validate
from xltools.spec import Field, Spec, SpecError, load_spec
from xltools.values import coerce, expected_kind, is_blank, normalise_text


@dataclass
class Prepared:
    """A return read, identified and typed (phase 1, per file); validation and rules come after."""

    report: Report
    ext: Extracted | None = None
    typed: Typed | None = None
    fill_date: Any = None


def prepare(
    path: Path | str,
    lang: str = "zh",
    schemas: Path | None = None,
    expect_spec: str | None = None,
    expect_year: int | None = None,
) -> Prepared:
    """Phase 1: read safely, identify the spec, find values through names, coerce types."""
    report = Report(file=str(path))
    try:
        raw = read_workbook(Path(path), sheets=lambda wb: _data_sheets(wb, schemas))
    except Unreadable as e:
        report.unreadable = True
        report.findings.append(make("unreadable", ERROR, "", "", "", "", actual=e.reason(lang), lang=lang))
        return Prepared(report)
    spec, problems = identify(raw, report, lang, schemas, expect_spec, expect_year)
    report.findings += problems
    if spec is None:
        return Prepared(report)
    ext = extract(raw, spec, lang)
    typed, found = type_values(ext, raw.date1904, lang)
    ext.findings += found
    region = typed.values.get("region_code")
    if isinstance(region, str) and region:
        report.region_code = region
    return Prepared(report, ext, typed, typed.values.get("fill_date"))


def validate_all(prepared: list[Prepared], lang: str = "zh") -> None:
    """Phase 2: pandera over every return of a spec at once (one frame of scalars, one of indicator rows)."""
    groups: dict[int, list[Prepared]] = {}
    for p in prepared:
        if p.typed is not None:
            groups.setdefault(id(p.typed.spec), []).append(p)
    for group in groups.values():
        validate_frames(group, lang)


def finish(p: Prepared, lang: str = "zh") -> Report:
    """Phase 3: derived values, rules and magnitudes; the report's findings in sheet order."""
    if p.typed is None or p.ext is None:
        return p.report
    t, ext = p.typed, p.ext
    found = list(ext.findings)
    incomplete = derive(t)
    found += compare_derived(t, ext.scalars, ext.locate, lang)
    found += check_rules(t, incomplete, ext.locate, lang)
    found += check_rows(t, ext.locate, lang)
    found += check_table_filled(t, ext.locate, lang)
    found += check_magnitudes(t, ext.locate, lang)
    p.report.findings += ordered(t.spec, found)
    return p.report


def check_file(
    path: Path | str,
    lang: str = "zh",
    schemas: Path | None = None,
    expect_spec: str | None = None,
    expect_year: int | None = None,
) -> Report:
    """Everything wrong with one return. Never raises for a bad file: that is a finding too."""
    p = prepare(path, lang, schemas, expect_spec, expect_year)
    validate_all([p], lang)
    return finish(p, lang)


Progress = Callable[[int, int], None]  # (files done, files in all)


def check_files(
    paths: list[Path],
    lang: str = "zh",
    schemas: Path | None = None,
    jobs: int = 1,
    progress: Progress | None = None,
    expect_spec: str | None = None,
    expect_year: int | None = None,
) -> list[Report]:
    """Check many returns: read in ``jobs`` processes, one pandera run for all, rules per return."""
    prepared = prepare_all(paths, lang, schemas, jobs, progress, expect_spec, expect_year)
    validate_all(prepared, lang)
    return [finish(p, lang) for p in prepared]


def _prepare_one(args: tuple[Path, str, Path | None, str | None, int | None]) -> Prepared:
    return prepare(*args)


def prepare_all(
    paths: list[Path],
    lang: str,
    schemas: Path | None,
    jobs: int,
    progress: Progress | None = None,
    expect_spec: str | None = None,
    expect_year: int | None = None,
) -> list[Prepared]:
    """Phase 1 for every file: in ``jobs`` processes (in this one when jobs is 1 or the batch is tiny)."""
    work = [(p, lang, schemas, expect_spec, expect_year) for p in paths]
    if jobs <= 1 or len(paths) < 8:
        results: Iterable[Prepared] = map(_prepare_one, work)
        return _counted(results, len(work), progress)
    chunk = max(1, min(32, len(work) // (jobs * 4)))
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return _counted(pool.map(_prepare_one, work, chunksize=chunk), len(work), progress)


def _counted(results: Iterable[Prepared], total: int, progress: Progress | None) -> list[Prepared]:
    out: list[Prepared] = []
    for i, p in enumerate(results, 1):
        out.append(p)
        if progress:
            progress(i, total)
    return out


def _data_sheets(raw: RawWorkbook, schemas: Path | None) -> set[str] | None:
    """Only the spec's own sheets need reading (not the instruction sheet)."""
    try:
        return {s.name for s in load_spec(raw.meta.get("spec") or raw.custom.get("xltools_spec") or "", schemas).sheets}
    except SpecError:
        return set()


def identify(
    raw: RawWorkbook, report: Report, lang: str, schemas: Path | None, expect_spec: str | None, expect_year: int | None
) -> tuple[Spec | None, list[Finding]]:
    """The spec a return was made from, checked against the file's own metadata."""
    en = lang == "en"
    meta = raw.meta or {k.removeprefix("xltools_"): v for k, v in raw.custom.items() if k.startswith("xltools_")}
    sid = meta.get("spec", "")
    report.spec, report.spec_version = sid or None, meta.get("spec_version") or None
    report.region_code = meta.get("region_code") or None
    try:
        report.year = int(meta.get("year", ""))
    except ValueError:
        report.year = None

    def problem(zh: str, en_text: str) -> tuple[None, list[Finding]]:
        return None, [make("template", ERROR, "", "", "", "", actual=en_text if en else zh, lang=lang)]

    if not sid:
        return problem(
            "文件不是 xltools 生成的填报模板（找不到表样标识），请使用下发的模板填写",
            "not an xltools template (no spec id inside): fill in the template you were sent",
        )
    try:
        spec = load_spec(sid, schemas)
    except SpecError:
        return problem(f"文件的表样 {sid!r} 在本机的表样定义中不存在", f"the file's spec {sid!r} is not known here")
    if report.spec_version != spec.version:
        return problem(
            f"文件的表样版本 {report.spec_version} 与当前版本 {spec.version} 不符，请使用最新下发的模板",
            f"the file's spec version {report.spec_version} is not the current {spec.version}: use the latest template",
        )
    if meta.get("fingerprint") != layout_of(spec).fingerprint:
        return problem(
            "文件的模板结构与当前表样不一致（结构校验码不符），请使用最新下发的模板",
            "the file's template structure does not match the current spec (fingerprint differs)",
        )
    other = not_collected(report, expect_spec, expect_year, lang)
    return (None, [other]) if other else (spec, [])


def not_collected(report: Report, spec_id: str | None, year: int | None, lang: str = "zh") -> Finding | None:
    """A `template` finding when a return is of another spec or year than the one being collected."""
    if spec_id and report.spec != spec_id:
        zh = f"这是 {report.spec} 表样的报表，不是本次汇总的表样 {spec_id}"
        en = f"this is a {report.spec} return, not the {spec_id} being collected"
    elif year and report.year != year:
        zh = f"这是 {report.year} 年度的报表，不是本次汇总的 {year} 年度"
        en = f"this return is for {report.year}, not {year}"
    else:
        return None
    return make("template", ERROR, "", "", "", "", actual=en if lang == "en" else zh, lang=lang)


def type_values(ext: Extracted, date1904: bool, lang: str) -> tuple[Typed, list[Finding]]:
    """Coerce every raw value to its field's type; `type` findings for what cannot be read."""
    spec = ext.spec
    t = Typed(spec)
    found: list[Finding] = []

    def read(raw: Any, field: Field, row: int | None) -> tuple[Any, bool]:
        """The typed value, and whether it could be read (a `type` finding when not)."""
        value, problem = coerce(raw, field, date1904)
        if problem:
            sheet, cell = ext.locate(field.id, row)
            expected = problem.expected_en if lang == "en" else problem.expected
            found.append(
                make("type", ERROR, sheet, cell, field.id, field.label, expected=expected, actual=raw, lang=lang)
            )
        return value, problem is None

    for f in spec.inputs:
        if f.id not in ext.where:
            t.unknown.add(f.id)
            t.values[f.id] = None
            continue
        value, ok = read(ext.scalars.get(f.id), f, None)
        t.values[f.id] = value
        if not ok:
            t.unknown.add(f.id)
        elif value is None:
            t.blank.add(f.id)
    table = spec.table
    if table is None or not ext.table:
        return t, found
    nrows = table.rows
    cols = [c for c in table.columns if c.id in ext.table]
    t.used = [i for i in range(nrows) if any(not is_blank(ext.table[c.id][i]) for c in cols)]
    for c in table.columns:
        t.table[c.id] = [None] * nrows
        if c.id not in ext.table:
            t.table_unknown |= {(c.id, i) for i in range(nrows)}
    t.qualitative = [False] * nrows
    for i in t.used:
        if table.qualitative_when is not None:
            scope = {c.id: None if is_blank(v := ext.table[c.id][i]) else normalise_text(v) for c in cols}
            try:
                t.qualitative[i] = bool(evaluate(table.qualitative_when, scope))
            except EvalError:
                t.qualitative[i] = False
        for c in cols:
            variant = c.qualitative if t.qualitative[i] and c.qualitative else c
            t.table[c.id][i], ok = read(ext.table[c.id][i], variant, i)
            if not ok:
                t.table_unknown.add((c.id, i))
    return t, found


def validate_frames(group: list[Prepared], lang: str) -> None:
    """pandera on the scalar inputs (one row per return) and on the used indicator rows (by kind of row)."""
    items = [(p.typed, p.ext) for p in group if p.typed is not None and p.ext is not None]
    spec = items[0][0].spec
    for fail in validate(field_schema(spec), frame([t.values for t, _ in items], spec.inputs)):
        t, ext = items[fail.position]
        if fail.field not in t.unknown:
            ext.findings.append(_from_failure(spec, ext, fail.field, None, fail.code, fail, lang))
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
                ext.findings.append(_from_failure(spec, ext, fail.field, row, fail.code, fail, lang))
                if fail.code != "missing" and fail.severity == ERROR:
                    t.table_unknown.add((fail.field, row))


def _from_failure(spec: Spec, ext: Extracted, fid: str, row: int | None, code: str, fail: Any, lang: str) -> Finding:
    f = spec.field(fid)
    sheet, cell = ext.locate(fid, row)
    expected = fail.expected_en if lang == "en" else fail.expected
    if code == "choice" and f.choices_by and row is not None:
        parent = ext.table.get(f.choices_by[0], [None] * (row + 1))[row]
        allowed = f.parent_choices().get(normalise_text(parent) if parent is not None else "", ())
        expected = f"{parent} 下的 {'、'.join(allowed)}" if lang != "en" else f"under {parent}: {', '.join(allowed)}"
    value = fail.value
    if isinstance(value, float) and value != value:
        value = None
    if code == "missing":
        return make("missing", ERROR, sheet, cell, fid, f.label, expected=expected_kind(f).expected, lang=lang)
    return make(code, fail.severity, sheet, cell, fid, f.label, expected=expected, actual=value, lang=lang)


def ordered(spec: Spec, findings: list[Finding]) -> list[Finding]:
    """One finding per (code, cell), in sheet order then row then column."""
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


def check_values(spec: Spec, values: dict[str, Any], lang: str = "zh") -> Report:
    """Check values not yet in a workbook (field id -> value, column id -> list of row values).

    Cells are reported where the template would put them; useful before prefilling a template.
    """
    layout = layout_of(spec)
    ext = Extracted(spec)
    for f in spec.fields.values():
        at = layout.cells[f.id]
        ext.where[f.id] = (at.sheet, at.a1)
        ext.scalars[f.id] = None if f.derived else values.get(f.id)
    if spec.table:
        for c in spec.table.columns:
            rng = layout.columns[c.id]
            given = list(values.get(c.id) or [])
            ext.table[c.id] = (given + [None] * spec.table.rows)[: spec.table.rows]
            ext.table_where[c.id] = [(rng.sheet, rng.cell(i).a1) for i in range(spec.table.rows)]
    typed, found = type_values(ext, False, lang)
    ext.findings += found
    p = Prepared(Report(file="(values)", spec=spec.id, spec_version=spec.version), ext, typed)
    validate_all([p], lang)
    return finish(p, lang)
