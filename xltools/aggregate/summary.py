"""Write the bureau's summary workbook: 汇总, 报送情况, 指标明细, 校验结果 (DESIGN §6, §12).

Totals are live Excel formulas over the regions marked 计入合计 (returns without errors), with their
values cached for viewers that do not recalculate; rates in the totals row are recomputed from summed
numerators and denominators, never averaged. Text from returns is always written as text: a value
starting with "=" never becomes a formula. Every sheet prints on A4 landscape, fitted to the width,
header rows repeated, with page numbers; 汇总 ends with the summary's sign-off block.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import xlsxwriter

from xltools.aggregate.apart import Apart
from xltools.aggregate.collect import Summary, duplicate_rule
from xltools.aggregate.fitted import Fitted, StreamedSheet
from xltools.aggregate.submission import DUPLICATE, ERRORS, MISSING, OK, REJECTED, WARNINGS, Submission
from xltools.atomic import outputs
from xltools.catalogue import Msg, localise, say
from xltools.contract import a1
from xltools.findings import Finding
from xltools.spec import Field, Spec
from xltools.spec.expr import Node, Str
from xltools.style import Styles

ZH = "zh"  # the summary is a Chinese official document


SHEET_ROWS = 1_048_576  # Excel's (and WPS's) last row
HEADER_ROWS = 3  # title, subtitle, column headings


def w(key: str, **params: Any) -> str:
    """A word of the summary."""
    return say(key, ZH, **params)


def status_label(code: str) -> str:
    return say(f"status.{code}", ZH)


def summary_fields(spec: Spec) -> list[Field]:
    """The figures of the summary table: key fields, plus the parts of every ratio they show."""
    wanted = {f.id for f in spec.fields.values() if f.key} | set(spec.unique_by)
    for f in list(spec.fields.values()):
        if f.id in wanted and f.aggregate.ratio:
            wanted |= set(f.aggregate.ratio)
    return [f for f in spec.fields.values() if f.id in wanted]


def heading(f: Field) -> str:
    """A figure's column heading in 汇总 (also how a summary is read back as last year's figures)."""
    return f"{f.label}（{f.shown_unit}）" if f.shown_unit else f.label


def categories(f: Field) -> list[str]:
    """The text values a derived text field can take: the strings its formula yields (优, 良, 中, 差)."""
    out: list[str] = []

    def walk(node: Node) -> None:
        if isinstance(node, Str) and node.value and node.value not in out:
            out.append(node.value)
        for child in getattr(node, "args", ()) or (getattr(node, "left", None), getattr(node, "right", None)):
            if child is not None:
                walk(child)

    if f.formula is not None:
        walk(f.formula.tree)
    return out


def reason_text(reason: Any) -> str:
    """Why a file was not used, in Chinese: a finding's sentence or a catalogue message."""
    if isinstance(reason, Finding):
        return reason.text(ZH)
    return "" if reason is None else localise(reason, ZH)


def write_summary(summary: Summary, path: Path | str) -> Path:
    """The summary workbook — written atomically."""
    path = Path(path)
    with outputs() as out:
        write_summary_to(summary, out.path(path))
    return path


def write_summary_to(summary: Summary, target: Path) -> None:
    wb = xlsxwriter.Workbook(
        str(target),
        {
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "constant_memory": True,  # rows go to disk as they are written: memory flat in the returns (#14)
        },
    )
    wb.set_properties({"title": w("summary.title", spec=summary.spec.title, year=summary.year), "author": "xltools"})
    writer = _Writer(wb, summary)
    # about how many rows each sheet will have: the one with the most is written apart
    lines, counted = len(summary.lines()), summary.counted()
    details = sum(sub.rows for _, sub in counted) if summary.spec.table is not None else 1
    findings = sum(sub.counts[2] for sub in summary.submissions)
    others = len(summary.submissions) - len(counted)  # 报送情况's files listed after the regions
    writer.write(
        [
            (
                w("summary.sheet"),
                SUMMARY_CAPS | {7 + j: 11 for j in range(len(summary_fields(summary.spec)))},
                writer.summary_sheet,
                HEADER_ROWS + lines + 1,
            ),
            (w("summary.status_sheet"), STATUS_CAPS, writer.status_sheet, HEADER_ROWS + lines + 2 + others),
            (w("summary.outliers_sheet"), OUTLIER_CAPS, writer.outliers_sheet, HEADER_ROWS + len(summary.outliers)),
            (w("summary.indicator_sheet"), INDICATOR_CAPS, writer.indicator_sheet, HEADER_ROWS + _shown(details)),
            (w("summary.findings_sheet"), FINDING_CAPS, writer.findings_sheet, HEADER_ROWS + _shown(findings)),
        ]
    )
    wb.close()


APART_ROWS = 5_000  # a sheet with more rows than this is written by a forked process while the others are written
# ... unless the run has more returns and regions than this: the child copies every page of them it touches
# (CPython writes a reference count whenever it touches an object), so memory would grow with the run — at
# 100,000 of each the process tree peaked at 423 MB with the child, 357 MB without (measured); written here then
APART_OBJECTS = 50_000


# Each sheet's widest columns, in characters: a longer text wraps within them.
SUMMARY_CAPS = {0: 5, 1: 8, 2: 18, 3: 17, 4: 5, 5: 5, 6: 5}  # and 11 for each figure
STATUS_CAPS = {0: 5, 1: 8, 2: 18, 3: 17, 4: 40, 5: 5, 6: 5, 7: 11, 8: 60}
OUTLIER_CAPS = {0: 5, 1: 8, 2: 18, 3: 13, 4: 20, 5: 70}
INDICATOR_CAPS = {0: 8, 1: 18, 2: 17, 3: 5}  # and each column's own width
FINDING_CAPS = {0: 8, 1: 18, 2: 30, 3: 17, 4: 5, 5: 9, 6: 9, 7: 6, 8: 70}


def _print_setup(ws: Any, header_rows: tuple[int, int], title: str) -> None:
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(*header_rows)
    ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.7)
    ws.set_header(f"&C&9{title.replace('&', '&&')}")
    ws.set_footer(f"&C&9{w('summary.footer')}")


class _Totals:
    """The figures of the returns in the totals, summed as they are written: per field the sum and count of
    its numbers, and how many returns gave each text (优, 良…)."""

    def __init__(self) -> None:
        self.sums: dict[str, Any] = defaultdict(int)
        self.counts: Counter[str] = Counter()
        self.texts: defaultdict[str, Counter[Any]] = defaultdict(Counter)

    def add(self, fields: list[Field], values: Mapping[str, Any]) -> None:
        for f in fields:
            v = values.get(f.id)
            if isinstance(v, int | float) and not isinstance(v, bool):
                self.sums[f.id] += v
                self.counts[f.id] += 1
            elif v is not None:
                self.texts[f.id][v] += 1


def _fill(fill: Callable[[Any], None], ws: Fitted) -> None:
    fill(ws)
    ws.finish()


class _Writer:
    def __init__(self, wb: Any, summary: Summary) -> None:
        self.wb, self.s, self.spec = wb, summary, summary.spec
        self.style = Styles(wb)
        self.title_text = w("summary.title", spec=self.spec.title, year=summary.year)
        self.apart: Apart | None = None  # the sheet a forked process wrote, if one did

    def write(self, sheets: list[tuple[str, Mapping[int, float], Callable[[Any], None], int]]) -> None:
        """Each sheet written once, fitted as it goes (`Fitted`); every format made and numbered first, so that the
        sheet with the most rows, when it has many, can be written by a forked process while this one writes the
        rest (`apart`). ``sheets``: each one's name, columns' caps, writer and how many rows it will have."""
        made = [
            (self.wb.add_worksheet(name, worksheet_class=StreamedSheet), caps, fill) for name, caps, fill, _ in sheets
        ]
        self.formats()
        self.style.fix()
        jobs = [functools.partial(_fill, fill, Fitted(ws, caps)) for ws, caps, fill in made]
        big = max(range(len(sheets)), key=lambda i: sheets[i][3])
        apart = None
        if sheets[big][3] > APART_ROWS and len(self.s.submissions) + len(self.spec.regions.regions) <= APART_OBJECTS:
            spool = self.s.spool
            apart = Apart.start(self.wb, made[big][0], jobs[big], spool.reopen if spool is not None else None)
        try:
            for i, job in enumerate(jobs):
                if apart is None or i != big:
                    job()
            if apart is not None:
                apart.finish()
                self.apart = apart
        except BaseException:
            if apart is not None:
                apart.abandon()
            raise

    def formats(self) -> None:
        """Every format the sheets use, made before any is written: a sheet written apart cannot make one (a format
        missed here only costs that: the sheet is written in this process after all)."""
        st = self.style
        for name in ("title", "subtitle", "header", "seq", "cell", "total", "note", "text", "block", "date"):
            getattr(st, name)
        for code in (OK, WARNINGS, ERRORS, REJECTED, DUPLICATE, MISSING):
            st.status(code)
        st.number(None)
        for f in summary_fields(self.spec):
            st.number(f)
            st.number(f, True)
        for c in self.spec.table.columns if self.spec.table is not None else ():
            st.number(c)

    def put(self, ws: Fitted, row: int, col: int, value: Any, f: Field | None = None, fmt: Any = None) -> None:
        ws.write_value(row, col, *self.cell(value, f, fmt))

    def cell(self, value: Any, f: Field | None = None, fmt: Any = None) -> tuple[Any, Any]:
        """(value, format): numbers as numbers, dates as dates, nothing as a blank, anything else as text."""
        st = self.style
        if value is None or value == "":
            return None, fmt or st.cell
        if isinstance(value, bool):
            return (w("summary.yes") if value else w("summary.no")), fmt or st.cell
        if isinstance(value, int | float):
            return value, fmt or st.number(f)
        if isinstance(value, dt.date):
            return dt.datetime.combine(value, dt.time()), st.date
        return str(value), fmt or st.cell

    def titled(self, ws: Any, last_col: int, title: str, subtitle: str) -> None:
        ws.merge_range(0, 0, 0, last_col, title, self.style.title)
        ws.set_row(0, 30)
        ws.merge_range(1, 0, 1, last_col, subtitle, self.style.subtitle)
        ws.set_row(1, 30)

    # --- 汇总 ----------------------------------------------------------------------------------------
    def summary_sheet(self, ws: Any) -> None:
        s, spec, st = self.s, self.spec, self.style
        fields = summary_fields(spec)
        fixed = [
            w(k)
            for k in (
                "summary.seq",
                "summary.code",
                "summary.region",
                "summary.status",
                "summary.in_totals",
                "summary.errors",
                "summary.warnings",
            )
        ]
        header = [*fixed, *[heading(f) for f in fields]]
        last_col = len(header) - 1
        regions = spec.regions.regions
        counts = s.region_counts()
        parts = "，".join(
            w("summary.part", label=status_label(code), count=counts[code])
            for code in ("ok", WARNINGS, ERRORS, REJECTED, MISSING)
            if counts[code]
        )
        self.titled(
            ws,
            last_col,
            self.title_text,
            w(
                "summary.subtitle",
                regions=spec.regions.name,
                count=len(regions),
                parts=parts,
                files=len(s.submissions),
                date=dt.date.today().isoformat(),
            ),
        )
        ws.write_row(2, 0, header, st.header)
        ws.set_row(2, 45)
        first = 3
        col0 = len(fixed)
        lines = s.lines()
        flag_col = 4
        totals = _Totals()  # what the totals row caches, gathered as the rows go by (one read of each return)
        cell, yes, no = self.cell, w("summary.yes"), w("summary.no")
        for i, (r, sub) in enumerate(lines):
            row = first + i
            status = sub.status if sub else s.region_status(r)
            values = sub.values if sub else {}
            ws.write_cells(
                row,
                [
                    (i + 1, st.seq),
                    (r.code, st.cell),
                    (r.name, st.cell),
                    (status_label(status), st.status(status)),
                    (yes if sub and sub.in_totals else no, st.cell),
                    cell(sub.counts[0] if sub else None),
                    cell(sub.counts[1] if sub else None),
                    *[cell(values.get(f.id), f) for f in fields],
                ],
            )
            if sub is not None and sub.in_totals:
                totals.add(fields, values)
        last = first + len(lines) - 1
        total_row = last + 1
        flags = f"{a1(first, flag_col, True)}:{a1(last, flag_col, True)}"
        yes = w("summary.yes")
        counted = s.in_totals()
        ws.merge_range(
            total_row, 0, total_row, 4, w("summary.total", count=len({r.code for r, _ in counted})), st.total
        )
        for col in (5, 6):  # findings are counted per return, not summed over the city
            ws.write_blank(total_row, col, None, st.total)
        position = {f.id: col0 + j for j, f in enumerate(fields)}
        for j, f in enumerate(fields):
            col = col0 + j
            rng = f"{a1(first, col)}:{a1(last, col)}"
            formula, value = self.total_formula(f, rng, flags, yes, position, first, last, totals)
            if formula:
                ws.write_formula(total_row, col, formula, st.number(f, True), value)
            else:
                ws.write_blank(total_row, col, None, st.total)
        row = total_row + 1
        left = s.left_out()
        left_text = (
            w(
                "summary.left_out",
                regions="；".join(
                    w("summary.left_out_one", region=r.name, reason=status_label(x.status)) for r, x in left
                ),
            )
            if left
            else w("summary.none_left_out")
        )
        note = w("summary.note", left_out=left_text, duplicates=localise(duplicate_rule(spec), ZH))
        ws.merge_range(row, 0, row, last_col, note, st.note)
        ws.set_row(row, 15 * (2 + len(note) // 90))
        row += 2
        for j, f in enumerate(fields):
            cats = categories(f) if f.kind == "text" and f.derived else []
            if not cats:
                continue
            col = col0 + j
            ws.merge_range(row, 1, row, 2, w("summary.distribution", label=f.label), st.header)
            ws.write_string(row, 3, w("summary.region_count"), st.header)
            for k, cat in enumerate(cats, 1):
                ws.merge_range(row + k, 1, row + k, 2, cat, st.cell)
                count = totals.texts[f.id][cat]
                formula = f'=COUNTIFS({a1(first, col, True)}:{a1(last, col, True)},"{cat}",{flags},"{yes}")'
                ws.write_formula(row + k, 3, formula, st.number(None), count)
            row += len(cats) + 2
        self.signoff(ws, row, last_col)
        ws.freeze_panes(3, 3)
        _print_setup(ws, (2, 2), self.title_text)
        ws.activate()

    def signoff(self, ws: Any, row: int, last_col: int) -> None:
        """编制单位（盖章）、编制人、审核人、日期 — spread across the page's width."""
        keys = ("summary.signoff_unit", "summary.signoff_preparer", "summary.signoff_reviewer", "summary.signoff_date")
        span = max(1, (last_col + 1) // len(keys))
        for i, key in enumerate(keys):
            start = i * span
            end = last_col if i == len(keys) - 1 else start + span - 1
            if end > start:
                ws.merge_range(row, start, row, end, w(key), self.style.text)
            else:
                ws.write_string(row, start, w(key), self.style.text)
        ws.set_row(row, 36)

    def total_formula(
        self, f: Field, rng: str, flags: str, yes: str, position: dict[str, int], first: int, last: int, t: _Totals
    ) -> tuple[str, Any]:
        """The totals-row formula of a column by its aggregate setting (over rows in the totals), and its value."""
        how = f.aggregate.how
        if how == "sum":
            return f'=SUMIF({flags},"{yes}",{rng})', t.sums[f.id]
        if how == "mean":
            n = t.counts[f.id]
            return f'=IF(COUNTIFS({flags},"{yes}",{rng},"<>")=0,"",AVERAGEIF({flags},"{yes}",{rng}))', (
                t.sums[f.id] / n
            ) if n else ""
        if how == "ratio" and f.aggregate.ratio:
            num_id, den_id = f.aggregate.ratio
            cn, cd = position[num_id], position[den_id]
            rn, rd = f"{a1(first, cn)}:{a1(last, cn)}", f"{a1(first, cd)}:{a1(last, cd)}"
            sn, sd = t.sums[num_id], t.sums[den_id]
            num, den = f'SUMIF({flags},"{yes}",{rn})', f'SUMIF({flags},"{yes}",{rd})'
            return f"=IF({den}=0,0,{num}/{den})", (sn / sd if sd else 0)
        return "", None

    # --- 报送情况 ------------------------------------------------------------------------------------
    def status_sheet(self, ws: Any) -> None:
        s, st = self.s, self.style
        header = [
            w(k)
            for k in (
                "summary.seq",
                "summary.code",
                "summary.region",
                "summary.status",
                "summary.file",
                "summary.errors",
                "summary.warnings",
                "summary.fill_date",
                "summary.reason",
            )
        ]
        title = w("summary.status_title", spec=self.spec.title, year=s.year)
        ws.measure.width(7, 11)  # dates
        self.titled(ws, len(header) - 1, title, w("summary.status_note", rule=localise(duplicate_rule(self.spec), ZH)))
        ws.write_row(2, 0, header, st.header)
        row = 3
        shown: set[int] = set()
        for i, (r, sub) in enumerate(s.lines(), 1):
            if sub is None:
                rejected = s.rejected.get(r.code) or []
                status = REJECTED if rejected else MISSING
                self.status_row(ws, row, i, r.code, r.name, rejected[0] if rejected else None, status)
                shown |= {id(x) for x in rejected[:1]}
            else:
                self.status_row(ws, row, i, r.code, r.name, sub, sub.status)
                shown.add(id(sub))
            row += 1
        others = [x for x in s.submissions if id(x) not in shown]
        if others:
            row += 1
            ws.merge_range(row, 0, row, len(header) - 1, w("summary.others", count=len(others)), st.block)
            row += 1
            for i, sub in enumerate(others, 1):
                known = sub.region
                self.status_row(
                    ws,
                    row,
                    i,
                    known.code if known else (sub.report.region_code or ""),
                    known.name if known else "",
                    sub,
                    sub.status,
                )
                row += 1
        ws.freeze_panes(3, 0)
        _print_setup(ws, (2, 2), title)

    def status_row(
        self, ws: Any, row: int, seq: int, code: str, name: str, sub: Submission | None, status: str
    ) -> None:
        st, cell = self.style, self.cell
        reason = (
            reason_text(sub.reason) if sub and sub.reason is not None else ("" if sub else w("reason.not_received"))
        )
        if sub and status == ERRORS:
            reason = w("reason.errors_left_out")
        ws.write_cells(
            row,
            [
                (seq, st.seq),
                (code, st.cell),
                (name, st.cell),
                (status_label(status), st.status(status)),
                cell(sub.file_name if sub else None),
                *[cell(v) for v in ((sub.counts[0], sub.counts[1], sub.fill_date) if sub else (None, None, None))],
                cell(reason),
            ],
        )

    # --- 异常提示 ------------------------------------------------------------------------------------
    def outliers_sheet(self, ws: Any) -> None:
        """Each flag explained in one sentence: against last year, against the other regions, restated."""
        st = self.style
        title = w("summary.outliers_title", spec=self.spec.title, year=self.s.year)
        prior = self.s.prior
        before = w("summary.year_of", year=prior.year) if prior is not None and prior.year else "—"
        none = "" if self.s.outliers else w("summary.outliers_none")
        if not self.s.outliers:  # no sentences to size the message column: wide enough for the title
            ws.measure.width(5, OUTLIER_CAPS[5])
        header = [
            w(k)
            for k in (
                "summary.seq",
                "summary.code",
                "summary.region",
                "summary.kind",
                "summary.figure",
                "summary.message_col",
            )
        ]
        self.titled(ws, len(header) - 1, title, w("summary.outliers_note", prior=before, none=none))
        ws.write_row(2, 0, header, st.header)
        row = 3
        for i, (sub, f) in enumerate(self.s.outliers, 1):
            region = sub.region
            ws.write_number(row, 0, i, st.seq)
            self.put(ws, row, 1, region.code if region else "")
            self.put(ws, row, 2, region.name if region else "")
            self.put(ws, row, 3, say(f"kind.{f.detail}", ZH))
            self.put(ws, row, 4, localise(f.params.get("label"), ZH))
            self.put(ws, row, 5, f.text(ZH))
            row += 1
        ws.freeze_panes(3, 0)
        _print_setup(ws, (2, 2), title)

    # --- 指标明细 ------------------------------------------------------------------------------------
    def indicator_sheet(self, ws: Any) -> None:
        table, st = self.spec.table, self.style
        if table is None:
            ws.write_string(0, 0, w("summary.no_table"), st.note)
            return
        header = [
            w("summary.code"),
            w("summary.region"),
            w("summary.status"),
            w("summary.row"),
            *[c.label for c in table.columns],
        ]
        title = w("summary.indicators_title", spec=self.spec.title, year=self.s.year)
        self.titled(ws, len(header) - 1, title, "")
        for j, c in enumerate(table.columns):
            ws.measure.cap(4 + j, c.width or 12)
        needed = sum(sub.rows for _, sub in self.s.counted())
        if too_many(ws, needed, len(header) - 1, st.note):
            _print_setup(ws, (2, 2), title)
            return
        ws.write_row(2, 0, header, st.header)
        row = 3
        cell, columns = self.cell, table.columns
        for region, sub in self.s.counted():
            whose = [(region.code, st.cell), (region.name, st.cell), (status_label(sub.status), st.status(sub.status))]
            for i, ind in enumerate(sub.indicators, 1):  # a row at once: 3 million cells at 10,000 returns
                ws.write_cells(row, [*whose, (i, st.seq), *[cell(ind.get(c.id), c) for c in columns]])
                row += 1
        ws.freeze_panes(3, 4)
        ws.autofilter(2, 0, max(row - 1, 3), len(header) - 1)
        _print_setup(ws, (2, 2), title)

    # --- 校验结果 ------------------------------------------------------------------------------------
    def findings_sheet(self, ws: Any) -> None:
        st = self.style
        header = [
            w(k)
            for k in (
                "summary.code",
                "summary.region",
                "summary.file",
                "summary.status",
                "summary.level",
                "summary.code_col",
                "summary.sheet_col",
                "summary.cell_col",
                "summary.message_col",
            )
        ]
        title = w("summary.findings_title", spec=self.spec.title, year=self.s.year)
        self.titled(ws, len(header) - 1, title, "")
        if too_many(ws, sum(sub.counts[2] for sub in self.s.submissions), len(header) - 1, st.note):
            _print_setup(ws, (2, 2), title)
            return
        ws.write_row(2, 0, header, st.header)
        row = 3
        cell = self.cell
        for sub in self.s.submissions:
            whose = [
                cell(sub.region.code if sub.region else (sub.report.region_code or "")),
                cell(sub.region.name if sub.region else ""),
                cell(sub.file_name),
                cell(status_label(sub.status)),
            ]
            for f in sub.report.findings:
                what = [say(f"severity.{f.severity}", ZH), f.code, f.sheet, f.cell, f.text(ZH)]
                ws.write_cells(row, [*whose, *[cell(v) for v in what]])
                row += 1
        ws.freeze_panes(3, 0)
        ws.autofilter(2, 0, max(row - 1, 3), len(header) - 1)
        _print_setup(ws, (2, 2), title)


def _shown(rows: int) -> int:
    """How many of ``rows`` detail rows a sheet shows: all, or one saying where they are (`too_many`)."""
    return rows if HEADER_ROWS + rows <= SHEET_ROWS else 1


def too_many(ws: Any, rows: int, last_col: int, fmt: Any) -> bool:
    """Whether ``rows`` detail rows would pass Excel's last row; then the sheet says, across its width, where
    they are instead (the long export) and gets none of them — never a cut list that looks whole."""
    if HEADER_ROWS + rows <= SHEET_ROWS:
        return False
    ws.merge_range(2, 0, 2, last_col, w("summary.too_many_rows", rows=rows, limit=SHEET_ROWS), fmt)
    ws.set_row(2, 36)
    return True


__all__ = ["Msg", "categories", "summary_fields", "write_summary"]
