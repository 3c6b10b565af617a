"""Two versions of one region's return (DESIGN §13 ``xltools diff``): the values that changed, and the findings
resolved, still open and new. A resubmission is the same region, spec and year; anything else is refused."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xltools.catalogue import Msg, Text, localise, say, show
from xltools.check.pipeline import Prepared, finish, prepare_all, validate_all
from xltools.findings import Finding, Report


class DiffError(ValueError):
    """The two files cannot be compared: ``detail`` is its catalogue key (diff.<detail>)."""

    def __init__(self, detail: str, **params: Any) -> None:
        super().__init__(detail)
        self.detail, self.params = detail, params


@dataclass(frozen=True)
class Change:
    """A value that is not what it was: the field (row of the table, when it is a column), where it is now."""

    field: str
    label: Text | Msg
    sheet: str
    cell: str
    old: Any
    new: Any

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "field": self.field,
            "label": localise(self.label, lang),
            "sheet": self.sheet,
            "cell": self.cell,
            "old": _plain(self.old),
            "new": _plain(self.new),
        }


@dataclass
class Diff:
    """What changed from ``old`` to ``new``."""

    old: Report
    new: Report
    changed: list[Change] = field(default_factory=list)
    resolved: list[Finding] = field(default_factory=list)
    still_open: list[Finding] = field(default_factory=list)
    new_findings: list[Finding] = field(default_factory=list)

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        """Exactly the keys of DESIGN §13."""
        return {
            "old": self.old.file,
            "new": self.new.file,
            "region_code": self.new.region_code,
            "year": self.new.year,
            "spec": self.new.spec,
            "changed": [c.to_dict(lang) for c in self.changed],
            "resolved": [f.to_dict(lang) for f in self.resolved],
            "still_open": [f.to_dict(lang) for f in self.still_open],
            "new_findings": [f.to_dict(lang) for f in self.new_findings],
        }


def diff_returns(old: Path | str, new: Path | str, schemas: Path | None = None) -> Diff:
    """Compare two versions of one return; DiffError when either cannot be read or they are not of the same
    region, spec and year."""
    prepared = prepare_all([Path(old), Path(new)], schemas, 1)
    validate_all(prepared)
    return diff_prepared(prepared[0], prepared[1])


def diff_prepared(old: Prepared, new: Prepared) -> Diff:
    """`diff_returns` over two returns prepared and validated already (the desk's checker has them)."""
    prepared = [old, new]
    before, after = (finish(p) for p in prepared)
    for r, p in zip((before, after), prepared, strict=True):
        if r.unreadable or r.spec is None or p.typed is None:
            reason = r.findings[0].text("zh") if r.findings else ""
            raise DiffError(
                "unreadable", file=r.file, reason=Text(reason, r.findings[0].text("en") if r.findings else "")
            )
    for what, a, b in (
        ("spec", before.spec, after.spec),
        ("year", before.year, after.year),
        ("region", before.region_code, after.region_code),
    ):
        if a != b:
            raise DiffError("different", what=_what(what), old=a, new=b)
    result = Diff(before, after, _changes(*prepared))
    key = _identity
    old_keys, new_keys = {key(f) for f in before.findings}, {key(f) for f in after.findings}
    result.resolved = [f for f in before.findings if key(f) not in new_keys]
    result.still_open = [f for f in after.findings if key(f) in old_keys]
    result.new_findings = [f for f in after.findings if key(f) not in old_keys]
    return result


def _what(what: str) -> Any:
    return Msg.of(f"what.{what}")


def _identity(f: Finding) -> tuple[str, str, str, str, str]:
    """The same finding in two versions: the same kind at the same place (its words carry the values, which
    may differ: 检查家次 40 → 50 is still the one finding)."""
    return (f.code, f.detail, f.field, f.sheet, f.cell)


def _changes(before: Prepared, after: Prepared) -> list[Change]:
    """Values that differ as `check` reads them (174537 and "174,537" are one value); a value read in neither
    version's structure (a name moved, a sheet renamed) is left to its `tampered` finding, never shown as
    emptied."""
    assert before.ext is not None and after.ext is not None and after.typed is not None and before.typed is not None
    spec = after.typed.spec
    out: list[Change] = []
    for f in spec.inputs:
        if f.id not in before.ext.where or f.id not in after.ext.where:
            continue
        a, b = _read(before, f.id), _read(after, f.id)
        if _same(a, b):
            continue
        sheet, cell = after.ext.locate(f.id)
        out.append(Change(f.id, f.name, sheet, cell, a, b))
    if spec.table is not None:
        for c in spec.table.columns:
            if c.id not in before.ext.table or c.id not in after.ext.table:
                continue
            for i in range(spec.table.rows):
                a, b = _read(before, c.id, i), _read(after, c.id, i)
                if _same(a, b):
                    continue
                sheet, cell = after.ext.locate(c.id, i)
                out.append(Change(c.id, Msg.of("diff.row", label=c.name, row=i + 1), sheet, cell, a, b))
    return out


def _read(p: Prepared, fid: str, row: int | None = None) -> Any:
    """A value as `check` typed it; the cell's own content when it could not be typed (约2万 stays 约2万)."""
    assert p.typed is not None and p.ext is not None
    if row is None:
        return p.ext.scalars.get(fid) if fid in p.typed.unknown else p.typed.values.get(fid)
    typed, raw = p.typed.table.get(fid, []), p.ext.table.get(fid, [])
    if (fid, row) in p.typed.table_unknown or row >= len(typed):
        return raw[row] if row < len(raw) else None
    return typed[row]


def _same(a: Any, b: Any) -> bool:
    if a in (None, "") and b in (None, ""):
        return True
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
        return abs(float(a) - float(b)) < 1e-9
    return a == b


def _plain(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return int(v)  # a count read as 68.0 is 68
    if isinstance(v, dt.datetime | dt.date):
        return v.isoformat()[:10] if isinstance(v, dt.datetime) and v.time() == dt.time() else v.isoformat()
    return v


def render_diff_json(d: Diff, lang: str = "zh") -> str:
    return json.dumps(d.to_dict(lang), ensure_ascii=False)


def render_diff_text(d: Diff, lang: str = "zh") -> str:
    """For a person: the values changed, then the findings resolved, still open and new, and a verdict."""
    lines = [
        say(
            "diff.head",
            lang,
            old=d.old.file,
            new=d.new.file,
            spec=d.new.spec_title or d.new.spec,
            region=d.new.region_code,
            year=d.new.year,
        )
    ]
    lines.append(say("diff.changed", lang, count=len(d.changed)))
    for c in d.changed:
        lines.append(
            say(
                "diff.change",
                lang,
                where=f"{c.sheet}!{c.cell}",
                label=c.label,
                old=show(_plain(c.old), lang),
                new=show(_plain(c.new), lang),
            )
        )
    for key, items in (
        ("diff.resolved", d.resolved),
        ("diff.still_open", d.still_open),
        ("diff.new_findings", d.new_findings),
    ):
        lines.append(say(key, lang, count=len(items)))
        for f in items:
            lines.append(f"    {say(f'severity.{f.severity}', lang)}  {f.where or '-':<12} {f.text(lang)}  ({f.code})")
    errors = len(d.new.errors)
    lines.append(
        say("diff.verdict_errors" if errors else "diff.verdict_ok", lang, errors=errors, warnings=len(d.new.warnings))
    )
    return "\n".join(lines) + "\n"
