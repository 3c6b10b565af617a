"""Which spec a return was made from — read from the file itself — and whether it is the one collected."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xltools.catalogue import Text
from xltools.contract import layout_of
from xltools.findings import ERROR, Finding, Report
from xltools.read import RawWorkbook
from xltools.spec import Spec, SpecError, load_spec


def template_error(detail: str, expected: Any = None, actual: Any = None, **params: Any) -> Finding:
    return Finding("template", ERROR, "", "", "", detail, params, expected, actual)


def identify(raw: RawWorkbook, report: Report, schemas: Path | None) -> tuple[Spec | None, list[Finding]]:
    """The spec a return was made from, checked against the file's own metadata."""
    meta = raw.identity
    sid = meta.get("spec", "")
    report.spec, report.spec_version = sid or None, meta.get("spec_version") or None
    report.region_code = meta.get("region_code") or None
    try:
        report.year = int(meta.get("year", ""))
    except ValueError:
        report.year = None
    if not sid:
        return None, [template_error("not_xltools")]
    try:
        spec = load_spec(sid, schemas)
    except SpecError as e:
        if e.detail != "not_found":
            raise  # the bureau's own spec file is broken: the caller's error, not this file's
        return None, [template_error("unknown_spec", spec=sid)]
    report.spec_title = spec.title
    if report.spec_version != spec.version:
        return None, [template_error("version", spec.version, report.spec_version)]
    if meta.get("fingerprint") != layout_of(spec).fingerprint:
        return None, [template_error("fingerprint")]
    return spec, []


def not_collected(report: Report, spec: Spec | None, year: int | None) -> Finding | None:
    """A `template` error when a return is of another spec or year than the one being collected."""
    if spec is not None and report.spec != spec.id:
        other = Text(report.spec_title or report.spec or "?")
        return template_error("other_spec", spec.name, other)
    if year and report.year != year:
        return template_error("other_year", year, report.year)
    return None


def expected_spec(spec_id: str | None, schemas: Path | None) -> Spec | None:
    """The spec being collected, when the caller names one (an unknown id is the caller's error)."""
    return load_spec(spec_id, schemas) if spec_id else None
