"""Approved targets (DESIGN §13 ``make-template --targets``): the bureau's list of indicators per region —
checked first like a return, then prefilled and locked in each listed region's template.

The list is an .xlsx or .csv with the columns ``region_code, ind_level1, ind_level2, ind_name,
ind_direction, ind_unit, ind_target, ind_weight`` (optionally ``spec`` and ``year``, which must then match);
a second row may give the columns' Chinese labels. `write_targets_template` writes an empty list with these
columns and dropdowns.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xltools.atomic import outputs
from xltools.catalogue import Msg, Text
from xltools.check.values import bounds, coerce, expected_kind, is_blank, normalise_text, within
from xltools.contract import TARGET_COLUMNS, TARGET_LIST_COLUMNS, a1
from xltools.findings import ERROR, WARNING, Finding, Report
from xltools.read import Unreadable, sniff
from xltools.read.package import Package
from xltools.spec import Field, Spec
from xltools.spec.expr import EvalError, evaluate

COLUMNS = TARGET_LIST_COLUMNS
OPTIONAL = ("spec", "year")
PREFILLED = TARGET_COLUMNS  # what a region's template gets prefilled and locked
MAX_ROWS = 100_000  # rows of a list (10,000 regions × 10 indicators); a longer one is refused, never cut


@dataclass
class Targets:
    """A targets list read and checked: its rows by region code (typed values by column id), and its report."""

    report: Report
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def usable(self) -> bool:
        return not self.report.errors and not self.report.unreadable


def accepts_targets(spec: Spec) -> bool:
    """Whether the spec's indicator table has every column a targets list prefills."""
    return spec.table is not None and all(c in {col.id for col in spec.table.columns} for c in PREFILLED)


def read_targets(path: Path | str, spec: Spec, year: int) -> Targets:
    """Read and check a targets list: every mistake a finding at its cell, as `check` reports a return."""
    path = Path(path)
    if not accepts_targets(spec):
        raise ValueError(f"spec {spec.id} has no indicator table with {', '.join(PREFILLED)}")
    report = Report(file=str(path), spec=spec.id, spec_version=spec.version, year=year, spec_title=spec.title)
    out = Targets(report)
    try:
        sheet, table = _table(path)
    except Unreadable as e:
        report.unreadable = True
        report.findings.append(Finding("unreadable", ERROR, detail=e.detail, params=e.params))
        return out
    if not table or "region_code" not in table[0]:
        report.findings.append(
            Finding("template", ERROR, sheet, "A1", detail="targets_columns", params={"columns": ", ".join(COLUMNS)})
        )
        return out
    header = [str(h or "").strip() for h in table[0]]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        report.findings.append(
            Finding("template", ERROR, sheet, "A1", detail="targets_columns", params={"columns": ", ".join(missing)})
        )
        return out
    twice = [j for j, h in enumerate(header) if h in (*COLUMNS, *OPTIONAL) and header.index(h) != j]
    if twice:  # which copy would count is a guess: refuse it
        j = twice[0]
        report.findings.append(
            Finding("template", ERROR, sheet, a1(0, j), detail="targets_twice", params={"column": header[j]})
        )
        return out
    if len(table) > MAX_ROWS:
        report.findings.append(
            Finding("range", ERROR, sheet, a1(MAX_ROWS, 0), detail="targets_too_long", params={"rows": MAX_ROWS})
        )
        return out
    col = {name: header.index(name) for name in (*COLUMNS, *OPTIONAL) if name in header}
    labels = {spec.field(c).label for c in COLUMNS}
    found: list[Finding] = []
    for r, cells in enumerate(table[1:], start=2):
        cells = [*cells, *[None] * (len(header) - len(cells))]
        if all(is_blank(cells[col[c]]) for c in COLUMNS) or normalise_text(cells[col["region_code"]] or "") in labels:
            continue  # an empty row, or the row of Chinese labels
        where = {name: a1(r - 1, j) for name, j in col.items()}
        found += _meta_columns(spec, year, cells, col, sheet, where)
        row, problems = _row(spec, cells, col, sheet, where)
        found += problems
        code = row.get("region_code")
        if code is not None:
            out.rows.setdefault(code, []).append(row | {"_where": where})
    found += _per_region(spec, out.rows, sheet)
    if not out.rows and not found:
        found.append(
            Finding(
                "missing",
                ERROR,
                sheet,
                "A2",
                "region_code",
                "targets_empty",
                {"label": spec.fields["region_code"].name},
            )
        )
    report.findings += found
    return out


def _table(path: Path) -> tuple[str, list[list[Any]]]:
    """The first sheet of a workbook (read after the same guards as a return), or a CSV's rows."""
    if not path.is_file():
        raise Unreadable("not_found")
    if path.suffix.lower() == ".csv":
        for encoding in ("utf-8-sig", "gb18030"):  # Excel on Chinese Windows saves CSV in GBK
            try:
                with path.open(encoding=encoding, newline="") as fh:
                    return path.name, [row for row, _ in zip(csv.reader(fh), range(MAX_ROWS + 1), strict=False)]
            except UnicodeDecodeError:
                continue
            except (OSError, csv.Error):
                break
        raise Unreadable("unknown_format")
    sniff(path)
    with Package(path):
        pass
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        sheets = {ws.title: _rows(ws) for ws in wb.worksheets if ws.sheet_state == "visible"}
    except Exception:
        raise Unreadable("damaged") from None
    filled = [name for name, rows in sheets.items() if any(v not in (None, "") for r in rows for v in r)]
    if len(filled) > 1:  # a list split over sheets would lose the rows of all but one
        raise Unreadable("targets_sheets", sheets=", ".join(filled[:5]))
    name = filled[0] if filled else next(iter(sheets), "")
    return name, sheets.get(name, [])


def _rows(ws: Any) -> list[list[Any]]:
    return [
        list(r)
        for r, _ in zip(
            ws.iter_rows(values_only=True, max_row=MAX_ROWS + 1, max_col=30), range(MAX_ROWS + 1), strict=False
        )
    ]


def _meta_columns(
    spec: Spec, year: int, cells: list[Any], col: dict[str, int], sheet: str, where: dict[str, str]
) -> list[Finding]:
    out = []
    if "spec" in col and not is_blank(cells[col["spec"]]) and normalise_text(cells[col["spec"]]) != spec.id:
        out.append(
            Finding("template", ERROR, sheet, where["spec"], "spec", "targets_spec", {}, spec.id, cells[col["spec"]])
        )
    if "year" in col and not is_blank(cells[col["year"]]) and normalise_text(cells[col["year"]]) != str(year):
        out.append(
            Finding("template", ERROR, sheet, where["year"], "year", "targets_year", {}, year, cells[col["year"]])
        )
    return out


def _row(
    spec: Spec, cells: list[Any], col: dict[str, int], sheet: str, where: dict[str, str]
) -> tuple[dict[str, Any], list[Finding]]:
    """One row typed and checked against the spec's own definitions of the columns."""
    assert spec.table is not None
    table = spec.table
    row: dict[str, Any] = {}
    found: list[Finding] = []
    raw = {c: cells[col[c]] for c in COLUMNS}
    code = normalise_text(raw["region_code"]) if not is_blank(raw["region_code"]) else None
    region_field = spec.fields["region_code"]
    if code is None:
        found.append(
            Finding("missing", ERROR, sheet, where["region_code"], "region_code", "", {"label": region_field.name})
        )
    elif spec.regions.find(code) is None or not code.isdigit():
        choices = tuple(r.code for r in spec.regions.regions[:8])
        found.append(
            Finding(
                "choice",
                ERROR,
                sheet,
                where["region_code"],
                "region_code",
                "",
                {"label": region_field.name},
                choices,
                raw["region_code"],
            )
        )
    else:
        row["region_code"] = spec.regions.find(code).code  # type: ignore[union-attr]
    scope = {c: None if is_blank(v) else normalise_text(v) for c, v in raw.items()}
    qualitative = table.qualitative_when is not None and _holds(table.qualitative_when, scope)
    for cid in PREFILLED:
        column = table.column(cid)
        f = column.qualitative if qualitative and column.qualitative else column
        value, problems = _cell(f, raw[cid], sheet, where[cid], row)
        row[cid] = value
        found += problems
    return row, found


def _holds(expr: Any, scope: dict[str, Any]) -> bool:
    try:
        return bool(evaluate(expr, scope))
    except EvalError:
        return False


def _cell(f: Field, raw: Any, sheet: str, cell: str, row: dict[str, Any]) -> tuple[Any, list[Finding]]:
    params = {"label": f.name}
    if is_blank(raw):
        return None, [Finding("missing", ERROR, sheet, cell, f.id, "", params, expected_kind(f))] if f.required else []
    value, problem = coerce(raw, f)
    if problem:
        return None, [Finding("type", ERROR, sheet, cell, f.id, problem.detail, params, problem.expected, raw)]
    if f.choices_by:
        parent = row.get(f.choices_by[0])
        allowed = f.parent_choices().get(parent or "", ())
        if parent is not None and value not in allowed:
            return None, [
                Finding("choice", ERROR, sheet, cell, f.id, "under_parent", {**params, "parent": parent}, allowed, raw)
            ]
    elif f.choices and value not in f.choices:
        return None, [Finding("choice", ERROR, sheet, cell, f.id, "", params, f.choices, raw)]
    if f.numeric and isinstance(value, int | float) and not within(f, value):
        return None, [Finding("range", ERROR, sheet, cell, f.id, "", params, bounds(f), value)]
    return value, []


def _per_region(spec: Spec, rows: dict[str, list[dict[str, Any]]], sheet: str) -> list[Finding]:
    """Per region: no more rows than the table has; the spec's rules on the weights (90 in all, the split)."""
    assert spec.table is not None
    out: list[Finding] = []
    weight_rules = [
        r for r in spec.rules if r.names <= {"ind_weight_total", "ind_level1", "ind_weight"} and r.check is not None
    ]
    for code, items in rows.items():
        first = items[0]["_where"]["ind_weight"]
        if len(items) > spec.table.rows:
            extra = items[spec.table.rows]["_where"]["region_code"]
            out.append(
                Finding(
                    "range",
                    ERROR,
                    sheet,
                    extra,
                    "region_code",
                    "targets_rows",
                    {"region": code, "rows": spec.table.rows},
                    spec.table.rows,
                    len(items),
                )
            )
        weights = [r["ind_weight"] for r in items if isinstance(r.get("ind_weight"), int | float)]
        if len(weights) != len(items) or any(r.get("ind_level1") is None for r in items):
            continue  # a weight or a level is missing or wrong: its own finding says so
        scope = {
            "ind_weight_total": sum(weights),
            "ind_weight": weights,
            "ind_level1": [r.get("ind_level1") for r in items],
        }
        for rule in weight_rules:
            if _holds(rule.check, scope):
                continue
            from xltools.check.rules import format_message

            text = Text(format_message(rule.message, scope), format_message(rule.message_en, scope) or None)
            params = {
                "text": Msg.of("targets.region_rule", region=code, text=text),
                "label": spec.fields["ind_weight_total"].name,
            }
            out.append(
                Finding(
                    rule.code,
                    rule.severity if rule.severity == ERROR else WARNING,
                    sheet,
                    first,
                    "ind_weight",
                    "" if rule.code == "rule" else "rule",
                    params,
                    rule.check.text if rule.check else None,
                    sum(weights),
                )
            )
    return out


def write_targets_template(spec: Spec, path: Path | str, year: int) -> Path:
    """An empty targets list: the columns (ids, then their Chinese labels), dropdowns, the region list."""
    import xlsxwriter

    from xltools.style import Styles

    assert spec.table is not None
    path = Path(path)
    with outputs() as group:
        wb = xlsxwriter.Workbook(str(group.path(path)), {"strings_to_formulas": False, "strings_to_numbers": False})
        st = Styles(wb)
        ws = wb.add_worksheet("targets")
        lists = wb.add_worksheet("lists")
        ws.write_row(0, 0, COLUMNS, st.header)
        ws.write_row(1, 0, [spec.field(c).label for c in COLUMNS], st.header)
        codes = [r.code for r in spec.regions.regions]
        for i, r in enumerate(spec.regions.regions):
            lists.write_string(i, 0, r.code)
            lists.write_string(i, 1, r.name)
        lists.hide()
        last = 1000
        ws.data_validation(2, 0, last, 0, {"validate": "list", "source": f"=lists!$A$1:$A${len(codes)}"})
        for j, cid in enumerate(COLUMNS[1:], start=1):
            f = spec.table.column(cid)
            choices = f.choices or ()
            if choices and len(",".join(choices)) <= 255:
                ws.data_validation(2, j, last, j, {"validate": "list", "source": list(choices)})
            ws.set_column(j, j, max(12, f.width or 12))
        ws.set_column(0, 0, 12)
        ws.freeze_panes(2, 0)
        ws.set_paper(9)  # A4 landscape, one page wide, both header rows on every page
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(0, 1)
        wb.close()
    return path
