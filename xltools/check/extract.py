"""Find a return's values through its defined names, and prove the structure they come from.

A value is read only through a name that points exactly where the template put it, on a sheet whose
locked labels and row numbers are where the template wrote them. Anything else is `tampered` (at the
cell, an error) and the value is not read: a sheet deleted or renamed, a name missing, moved or defined
twice, rows or columns inserted or deleted, a formula typed over, the region or year in the cells not
what the template recorded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from xltools.catalogue import Msg
from xltools.contract import Cell, Layout, layout_of
from xltools.findings import ERROR, Finding
from xltools.read import RawWorkbook
from xltools.read.workbook import formula_text
from xltools.spec import Spec

_FORMULA_NOISE = re.compile(r"[\s$']")


@dataclass
class Extracted:
    """The raw values of one return, where each came from, and what is wrong with its structure."""

    spec: Spec
    scalars: dict[str, Any] = field(default_factory=dict)
    where: dict[str, tuple[str, str]] = field(default_factory=dict)  # field id -> (sheet, A1)
    table: dict[str, list[Any]] = field(default_factory=dict)  # column id -> raw value per row
    table_where: dict[str, Sequence[tuple[str, str]]] = field(default_factory=dict)  # column id -> per row
    percent: set[tuple[str, int | None]] = field(default_factory=set)  # cells showing a percentage
    findings: list[Finding] = field(default_factory=list)

    def __getstate__(self) -> dict[str, Any]:
        """Pickled small, as phase 1's answer travels from a worker (issue #14): when every field and column read
        is where its layout puts it — in every return read, since a name pointing elsewhere is not read — their
        cells travel as the fields' ids and are the layout's own again on the other side."""
        state = dict(self.__dict__)
        layout = layout_of(self.spec)
        if _at_home(self.where, layout.homes) and _at_home(self.table_where, layout.column_homes):
            state["where"], state["table_where"] = tuple(self.where), tuple(self.table_where)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        if isinstance(state["where"], tuple):
            layout = layout_of(state["spec"])
            state["where"] = {k: layout.homes[k] for k in state["where"]}
            state["table_where"] = {k: layout.column_homes[k] for k in state["table_where"]}
        self.__dict__.update(state)

    def locate(self, fid: str, row: int | None = None) -> tuple[str, str]:
        if row is not None and fid in self.table_where and row < len(self.table_where[fid]):
            return self.table_where[fid][row]
        if fid in self.where:
            return self.where[fid]
        return layout_of(self.spec).where(fid, row)  # not read (tampered): where the template put it

    def ref(self, fid: str, row: int | None = None) -> str:
        sheet, cell = self.locate(fid, row)
        return f"{sheet}!{cell}" if sheet and cell else ""


def _at_home(where: Mapping[str, object], homes: Mapping[str, object]) -> bool:
    return all(homes.get(k) == v for k, v in where.items())


def normalise_formula(text: str) -> str:
    """A formula as compared with the template's (the returns of one template share their formulas: short
    ones are cached; a long one, as a hostile file may hold, is not)."""
    return _normalised(text) if len(text) <= 512 else _normalised.__wrapped__(text)


@lru_cache(maxsize=4096)
def _normalised(text: str) -> str:
    return _FORMULA_NOISE.sub("", text.lstrip("=")).upper()


def tampered(
    detail: str, sheet: str = "", cell: str = "", fid: str = "", expected: Any = None, actual: Any = None, **params: Any
) -> Finding:
    """A `tampered` error (the return's figures count in no total)."""
    return Finding("tampered", ERROR, sheet, cell, fid, detail, params, expected, actual)


def extract(raw: RawWorkbook, spec: Spec) -> Extracted:
    """Values of every field and table column of ``spec`` found in ``raw`` through their names."""
    out = Extracted(spec)
    layout = layout_of(spec)
    homes, column_homes, name_targets = layout.homes, layout.column_homes, layout.name_targets
    sheet_order = [s.name for s in spec.sheets]
    sheet_order += [s for s in layout.boxes if s not in sheet_order]  # the printed form is part of the template
    missing_sheets = {s for s in sheet_order if s not in raw.sheets}
    for name in sorted(missing_sheets, key=sheet_order.index):
        out.findings.append(tampered("sheet_missing", name))
    shifted = _shifted_sheets(raw, layout, missing_sheets, out.findings)
    unusable = missing_sheets | shifted

    def readable(fid: str, label: Any, expected_cells: int) -> bool:
        """Whether the name points where the template put it (so its cells are the layout's); a `tampered`
        finding when it does not."""
        home_sheet, home_cell = layout.where(fid, 0)
        if home_sheet in unusable:
            return False
        if fid in raw.duplicates:
            out.findings.append(tampered("name_duplicate", home_sheet, home_cell, fid, name=fid, label=label))
            return False
        target = raw.target(fid)
        if target is None or not raw.has_sheet(target[0]) or len(target[1]) != expected_cells:
            out.findings.append(tampered("name_missing", home_sheet, home_cell, fid, name=fid, label=label))
            return False
        if target != name_targets[fid]:
            found = f"{target[0]}!{target[1][0]}" + (f":{target[1][-1]}" if len(target[1]) > 1 else "")
            expected = layout.target(fid).replace("$", "").replace("'", "")
            out.findings.append(
                tampered(
                    "name_moved", home_sheet, home_cell, fid, name=fid, label=label, expected=expected, actual=found
                )
            )
            return False
        return True

    for f in spec.fields.values():
        if not readable(f.id, f.name, 1):
            continue
        sheet, ref = out.where[f.id] = homes[f.id]
        value = out.scalars[f.id] = raw.value(sheet, ref)
        if not f.derived:
            if f.numeric and _maybe_percent(value) and raw.is_percent(sheet, ref):
                out.percent.add((f.id, None))
            continue
        formula, expected = raw.formula(sheet, ref), layout.formulas[f.id]
        if formula is None:
            out.findings.append(
                tampered("formula_constant", sheet, ref, f.id, label=f.name, expected=expected, actual=value)
            )
        elif formula and normalise_formula(formula) != normalise_formula(expected):
            out.findings.append(
                tampered("formula_changed", sheet, ref, f.id, label=f.name, expected=expected, actual=formula)
            )
    table = spec.table
    for c in table.columns if table else ():
        if not readable(c.id, c.name, table.rows if table else 0):
            continue
        cells = out.table_where[c.id] = column_homes[c.id]
        values = out.table[c.id] = raw.values_at(layout.columns[c.id].sheet, layout.column_positions[c.id])
        if c.numeric:
            out.percent |= {
                (c.id, i)
                for i, (v, (sheet, r)) in enumerate(zip(values, cells, strict=True))
                if _maybe_percent(v) and raw.is_percent(sheet, r)
            }
    out.findings += _identity(raw, out)
    out.findings += _targets(raw, out)
    out.findings += _views(raw, layout, missing_sheets)
    return out


def _targets(raw: RawWorkbook, ext: Extracted) -> list[Finding]:
    """Approved targets prefilled by the template must be in the table as written: a changed cell is
    `tampered`; so is a record of them edited or removed (it must match its digest in the properties)."""
    from xltools.contract import TARGETS_DIGEST_KEY, TARGETS_KEY, digest, read_targets_record

    text, sealed = raw.meta.get(TARGETS_KEY, ""), raw.custom.get(TARGETS_DIGEST_KEY, "")
    if not text and not sealed:
        return []
    record = read_targets_record(text) if text else None
    if (sealed and digest(text) != sealed) or record is None:
        return [
            tampered(
                "metadata", what=Msg.of("what.targets"), expected=sealed or "—", actual=digest(text) if text else "—"
            )
        ]
    return compare_targets(ext, record)


def compare_targets(ext: Extracted, record: dict[int, dict[str, Any]]) -> list[Finding]:
    """The table against approved targets (row index -> column -> value): a prefilled cell changed, or an
    indicator added below them, is `tampered`. Used with the file's own record, and by the desk with the
    collection's list — which a return cannot edit or drop."""
    from xltools.contract import TARGET_COLUMNS

    out: list[Finding] = []
    rows = max((len(v) for v in ext.table.values()), default=0)
    for i in range(rows):  # rows the template left out must stay empty: no indicator added
        if i in record:
            continue
        for cid in TARGET_COLUMNS:
            actual = ext.table.get(cid, [None] * rows)[i]
            if actual is not None and str(actual).strip():
                sheet, cell = ext.table_where[cid][i]
                label = ext.spec.field(cid).name
                out.append(tampered("target_extra", sheet, cell, cid, label=label, row=i + 1, actual=actual))
                break
    for i, row in sorted(record.items()):
        for cid, expected in row.items():
            if cid not in ext.table or i >= len(ext.table[cid]):
                continue  # the column itself is unreadable: its own finding says so
            actual = ext.table[cid][i]
            if not _same_value(actual, expected):
                sheet, cell = ext.table_where[cid][i]
                label = ext.spec.field(cid).name
                out.append(tampered("target", sheet, cell, cid, label=label, expected=expected, actual=actual))
    return out


def _same_value(actual: Any, expected: Any) -> bool:
    if expected is None:
        return actual is None or (isinstance(actual, str) and not actual.strip())
    if isinstance(expected, int | float) and not isinstance(expected, bool):
        return (
            isinstance(actual, int | float)
            and not isinstance(actual, bool)
            and abs(actual - expected) <= 1e-9 * max(1.0, abs(expected))
        )
    from xltools.check.values import normalise_text

    return isinstance(actual, str) and normalise_text(actual) == normalise_text(str(expected))


def _views(raw: RawWorkbook, layout: Layout, skip: set[str]) -> list[Finding]:
    """The printed form and the sign-off are derived, so never read — but one edited or broken is tampered
    like any other formula. One finding per sheet, at the first cell that differs."""
    out: list[Finding] = []
    memo = layout.memo
    for sheet in layout.boxes:
        if sheet in skip:
            continue
        cells = raw.formula_cells(sheet)
        key = ("view", sheet, cells)
        if key not in memo:
            if len(memo) >= MEMO:  # hostile files, each unlike the last, cannot grow it without end
                memo.clear()
            memo[key] = _first_view_changed(layout.views(sheet), {ref.decode(): text for ref, text in cells})
        changed = memo[key]
        if changed is not None:
            ref, expected, formula = changed
            out.append(tampered("view", sheet, ref, expected="=" + expected, actual=f"={formula}" if formula else None))
    return out


MEMO = 256  # verified sets of view formulas kept per layout


def _first_view_changed(views: dict[str, str], found: dict[str, bytes]) -> tuple[str, str, str | None] | None:
    """The first view cell whose formula is missing or not the template's: (A1, expected, found)."""
    for ref, expected in views.items():
        text = found.get(ref)
        formula = None if text is None else formula_text(text)
        if formula is None or (formula and normalise_formula(formula) != normalise_formula(expected)):
            return ref, expected, formula
    return None


def _shifted_sheets(raw: RawWorkbook, layout: Layout, skip: set[str], found: list[Finding]) -> set[str]:
    """Sheets whose locked labels or row numbers are not where the template wrote them: rows or columns
    were inserted or deleted, so every value on them sits somewhere else. One finding per sheet."""
    bad: set[str] = set()
    for sheet, (cells, positions, expected) in layout.anchor_groups.items():
        if sheet in skip or not raw.has_sheet(sheet):
            continue
        values = raw.values_at(sheet, positions)
        if values == list(expected) and bool not in map(type, values):
            continue  # each the same as the template's (equal, and no True standing for a 1): as `_same` says
        for cell, value, text in zip(cells, values, expected, strict=True):
            if not _same(value, text):
                bad.add(sheet)
                shown = "" if value is None else value
                found.append(tampered("shifted", sheet, cell.a1, expected=text, actual=shown))
                break
    return bad


def _maybe_percent(value: Any) -> bool:
    """A number that may be a percentage typed with its sign (95% is stored 0.95; nobody types 10000%)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and abs(value) < 100


def _same(value: Any, expected: str | int) -> bool:
    if isinstance(expected, int):
        return isinstance(value, int | float) and not isinstance(value, bool) and value == expected
    return isinstance(value, str) and value.strip() == expected.strip()


def _identity(raw: RawWorkbook, ext: Extracted) -> list[Finding]:
    """The region and year in the cells must be what the template recorded; the hidden sheet and the
    document properties must agree on what the file is."""
    from xltools.contract import disagreements

    out: list[Finding] = []
    for key in disagreements(raw.meta, raw.custom):
        what = {"spec_version": "spec", "region_code": "region"}.get(key, key)
        out.append(tampered("metadata", what=Msg.of(f"what.{what}"), expected=raw.custom[key], actual=raw.meta[key]))
    recorded = raw.identity
    for fid, key, what in (("region_code", "region_code", "region"), ("year", "year", "year")):
        if fid not in ext.where or not recorded.get(key):
            continue
        value = ext.scalars.get(fid)
        shown = _plain(value)
        if shown != recorded[key]:
            sheet, cell = ext.where[fid]
            f = ext.spec.fields[fid]
            out.append(
                tampered(
                    "identity",
                    sheet,
                    cell,
                    fid,
                    label=f.name,
                    what=Msg.of(f"what.{what}"),
                    expected=recorded[key],
                    actual=shown or None,
                )
            )
    return out


def _plain(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    from xltools.check.values import normalise_text

    return normalise_text(v)


__all__ = ["Cell", "Extracted", "extract", "normalise_formula"]
