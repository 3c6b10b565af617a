"""Last year's figures, wherever the bureau keeps them (DESIGN §13 ``--prior``): a folder of last year's
returns, one return, a summary workbook or a long export that xltools wrote."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xltools.spec import Spec

_CODE = re.compile(r"^\d{6}$")


class PriorError(ValueError):
    """Last year's figures cannot be had from the path given: ``detail`` is its catalogue key (prior.<detail>)."""

    def __init__(self, detail: str, **params: Any) -> None:
        super().__init__(detail)
        self.detail, self.params = detail, params


@dataclass
class Prior:
    """Last year's figures by region code (and, for specs that tell returns apart, by key)."""

    year: int | None
    values: dict[str, dict[str, Any]] = field(default_factory=dict)
    source: str = ""


def load_prior(path: Path | str, spec: Spec, schemas: Path | None = None, jobs: int = 1) -> Prior:
    """Read last year's figures of ``spec`` from ``path``."""
    path = Path(path)
    if not path.exists():
        raise PriorError("not_found", path=str(path))
    if path.is_dir():
        return _from_folder(path, spec, schemas, jobs)
    suffix = path.suffix.lower()
    if suffix in (".csv", ".parquet"):
        return _from_export(path, spec)
    if suffix == ".xlsx":
        return _from_workbook(path, spec, schemas)
    raise PriorError("kind", path=str(path))


def _from_folder(path: Path, spec: Spec, schemas: Path | None, jobs: int) -> Prior:
    from xltools.aggregate.collect import AggregateError, aggregate

    try:
        summary = aggregate([path], spec=spec.id, jobs=jobs, schemas=schemas)
    except AggregateError:
        raise PriorError("empty", path=str(path)) from None
    from xltools.check.outliers import fields_used

    used = fields_used(spec)  # what year-over-year compares: a whole run's figures would not fit in memory
    values: dict[str, dict[str, Any]] = {}
    for r, s in summary.counted():
        figures = s.values
        values[key_of(spec, r.code, figures)] = {f: figures[f] for f in used if f in figures}
    summary.close()
    return Prior(summary.year, values, str(path))


def _from_workbook(path: Path, spec: Spec, schemas: Path | None) -> Prior:
    from xltools.check.pipeline import finish, prepare, validate_all

    p = prepare(path, schemas)
    if p.typed is not None:  # one return of last year
        if p.report.spec != spec.id:
            raise PriorError("other_spec", path=str(path), spec=p.report.spec or "")
        validate_all([p])
        finish(p)
        values = {k: v for k, v in p.typed.values.items() if k not in p.typed.unknown}
        return Prior(p.report.year, {key_of(spec, p.report.region_code or "", values): values}, str(path))
    return _from_summary(path, spec)


def _from_summary(path: Path, spec: Spec) -> Prior:
    """A summary workbook xltools wrote: 汇总's rows by region code, its figure columns by their headings."""
    import openpyxl

    from xltools.aggregate.summary import heading, summary_fields, w

    try:
        wb = openpyxl.load_workbook(path, data_only=True, read_only=True)
    except Exception:
        raise PriorError("kind", path=str(path)) from None
    name = w("summary.sheet")
    if name not in wb.sheetnames:
        raise PriorError("kind", path=str(path))
    rows = list(wb[name].iter_rows(values_only=True))
    header = {str(h): j for j, h in enumerate(rows[2]) if h} if len(rows) > 2 else {}
    columns = {f.id: header[heading(f)] for f in summary_fields(spec) if heading(f) in header}
    if not columns:
        raise PriorError("other_spec", path=str(path), spec="")
    title = str(rows[0][0] or "")
    if spec.title not in title:  # another spec's summary may share some headings (总分, 执行率)
        raise PriorError("other_spec", path=str(path), spec=title[:40])
    pattern = re.escape(w("summary.year_of", year="YEAR")).replace("YEAR", r"(\d{4})")  # as the title says it
    year = int(m.group(1)) if (m := re.search(pattern, title)) else None
    code_col = 1
    values: dict[str, dict[str, Any]] = {}
    for row in rows[3:]:
        code = str(row[code_col] or "")
        if not _CODE.match(code):
            continue
        figures = {fid: row[j] for fid, j in columns.items() if row[j] not in (None, "")}
        if figures:
            values[key_of(spec, code, figures)] = figures
    return Prior(year, values, str(path))


def _from_export(path: Path, spec: Spec) -> Prior:
    """A long export xltools wrote: the scalar rows of ``spec``, rates back from percent to fractions."""
    import pandas as pd

    try:
        df = (
            pd.read_parquet(path)
            if path.suffix.lower() == ".parquet"
            else pd.read_csv(path, dtype=str, encoding="utf-8-sig")
        )
    except Exception:
        raise PriorError("kind", path=str(path)) from None
    needed = {"spec", "year", "region_code", "section", "field", "value"}
    if not needed <= set(df.columns):
        raise PriorError("kind", path=str(path))
    rows = df[(df["spec"].astype(str) == spec.id) & (df["section"].astype(str) == "field")]
    if rows.empty:
        raise PriorError("other_spec", path=str(path), spec=",".join(sorted(set(df["spec"].astype(str)))))
    years = sorted({int(y) for y in rows["year"].astype(str) if y.isdigit()})
    if len(years) > 1:  # an export of several years: last year's is the latest one in it
        rows = rows[rows["year"].astype(str) == str(years[-1])]
    by_region: dict[str, dict[str, Any]] = {}
    for code, fid, raw in zip(rows["region_code"].astype(str), rows["field"].astype(str), rows["value"], strict=True):
        f = spec.fields.get(fid)
        if f is None or raw is None or (isinstance(raw, float) and raw != raw) or raw == "":
            continue
        value: Any = raw
        if f.numeric:
            try:
                value = float(raw)
            except ValueError:
                continue
            if f.percent:
                value /= 100  # the export shows every rate in percent
        by_region.setdefault(code.zfill(6), {})[fid] = value
    values = {key_of(spec, code, v): v for code, v in by_region.items()}
    return Prior(years[-1] if years else None, values, str(path))


def key_of(spec: Spec, code: str, values: dict[str, Any]) -> str:
    """The key returns are matched on across years: the region, and what tells its returns apart."""
    extra = [str(values.get(u) or "").strip() for u in spec.unique_by]
    return "|".join([code, *extra]) if extra else code


def check_with_prior(
    paths: list[Path],
    prior: Path | str,
    schemas: Path | None = None,
    jobs: int = 1,
    expect_spec: str | None = None,
    expect_year: int | None = None,
    names: list[str] | None = None,
    skipped: list[tuple[str, PriorError]] | None = None,
) -> list[Any]:
    """`check_files`, and each return's key figures against last year's (`xltools check --prior`). A file the
    prior does not fit (another spec or year) is checked but not compared, and listed in ``skipped``; when it
    fits no file at all, PriorError."""
    from xltools.check.outliers import year_over_year
    from xltools.check.pipeline import finish, ordered, prepare_all, validate_all
    from xltools.spec import load_spec

    expected = load_spec(expect_spec, schemas) if expect_spec else None
    prepared = prepare_all(paths, schemas, jobs, None, expected, expect_year, names)
    validate_all(prepared)
    reports = [finish(p) for p in prepared]
    loaded: dict[str, Prior | PriorError] = {}
    problems: list[tuple[str, PriorError]] = []
    compared = 0
    for p in prepared:
        if p.typed is None or p.ext is None:
            continue
        spec = p.typed.spec
        if spec.id not in loaded:
            try:
                loaded[spec.id] = load_prior(prior, spec, schemas, jobs)
            except PriorError as e:
                loaded[spec.id] = e
        last = loaded[spec.id]
        year = p.report.year
        if isinstance(last, PriorError) or (last.year is not None and year is not None and last.year != year - 1):
            # this file is of another spec or year than the prior: it stays checked, just not compared
            problems.append(
                (
                    p.report.file,
                    last
                    if isinstance(last, PriorError)
                    else PriorError("year", prior=last.year, year=year, expected=(year or 0) - 1),
                )
            )
            continue
        values = {k: v for k, v in p.typed.values.items() if k not in p.typed.unknown}
        key = key_of(spec, p.report.region_code or "", values)
        if key not in last.values:  # nothing of this region last year: say so, never a silent pass
            problems.append((p.report.file, PriorError("no_region", region=key.replace("|", " "), path=str(prior))))
            continue
        compared += 1
        found = year_over_year(spec, {key: values}, last.values, {key: p.ext.where})
        p.report.findings = ordered(spec, [*p.report.findings, *found.get(key, [])])
    if problems and not compared:
        raise problems[0][1]  # the prior fits none of the files: one line, exit 2
    if skipped is not None:
        skipped.extend(problems)
    return reports
