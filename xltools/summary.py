"""Write the bureau's summary workbook and the long-format export of an aggregate.

Totals are live Excel formulas (with their values cached for viewers that do not recalculate);
rates in the totals row are recomputed from summed numerators and denominators, never averaged.
Text from returns is always written as text: a value starting with "=" never becomes a formula.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import xlsxwriter

from xltools.aggregate import DUPLICATE, ERRORS, MISSING, REJECTED, WARNINGS, Submission, Summary, duplicate_rule
from xltools.build import atomic_path
from xltools.expr import Node, Str
from xltools.layout import a1
from xltools.spec import Field, Spec

STATUS_ZH = {
    "accepted": "已报送",
    WARNINGS: "已报送（有提示）",
    ERRORS: "已报送（有错误）",
    REJECTED: "已拒收",
    DUPLICATE: "重复，未采用",
    MISSING: "未报送",
}
SUMMARY, STATUS, INDICATORS, FINDINGS = "汇总", "报送情况", "指标明细", "校验结果"
FIXED = ("序号", "行政区划代码", "地区", "报送状态", "错误数", "提示数")


def summary_fields(spec: Spec) -> list[Field]:
    """The figures of the summary table: key fields, plus the parts of every ratio they show."""
    wanted = {f.id for f in spec.fields.values() if f.key} | set(spec.unique_by)
    for f in list(spec.fields.values()):
        if f.id in wanted and f.aggregate.ratio:
            wanted |= set(f.aggregate.ratio)
    return [f for f in spec.fields.values() if f.id in wanted]


def categories(f: Field) -> list[str]:
    """The text values a derived text field can take: the strings its formula yields (优, 良, 中, 差)."""
    out: list[str] = []

    def walk(node: Node) -> None:
        if isinstance(node, Str) and node.value not in out:
            out.append(node.value)
        for child in getattr(node, "args", ()) or (getattr(node, "left", None), getattr(node, "right", None)):
            if child is not None:
                walk(child)

    if f.formula is not None:
        walk(f.formula.tree)
    return out


def write_summary(summary: Summary, path: Path | str) -> Path:
    """The summary workbook: 汇总, 报送情况, 指标明细, 校验结果 — written atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        wb = xlsxwriter.Workbook(
            str(tmp), {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False}
        )
        w = _Writer(wb, summary)
        w.summary_sheet()
        w.status_sheet()
        w.indicator_sheet()
        w.findings_sheet()
        wb.close()
    return path


class _Writer:
    def __init__(self, wb: Any, summary: Summary) -> None:
        self.wb, self.s, self.spec = wb, summary, summary.spec
        border = {"border": 1, "border_color": "#A6A6A6", "valign": "vcenter"}
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.header = wb.add_format(
            {**border, "bold": True, "bg_color": "#D9E1F2", "text_wrap": True, "align": "center"}
        )
        self.text = wb.add_format(border)
        self.note = wb.add_format({"font_color": "#595959", "text_wrap": True, "valign": "top"})
        self.total = wb.add_format({**border, "bold": True, "bg_color": "#EDEDED"})
        self.status_fmt = {
            ERRORS: wb.add_format({**border, "bg_color": "#FF9999"}),
            WARNINGS: wb.add_format({**border, "bg_color": "#FFEB9C"}),
            MISSING: wb.add_format({**border, "bg_color": "#D9D9D9"}),
            REJECTED: wb.add_format({**border, "bg_color": "#FF9999"}),
            DUPLICATE: wb.add_format({**border, "bg_color": "#D9D9D9"}),
        }
        self.date = wb.add_format({**border, "num_format": "yyyy-mm-dd"})
        self._num: dict[tuple[str, bool], Any] = {}

    def num(self, f: Field | None, bold: bool = False) -> Any:
        fmt = "General"
        if f is not None and f.numeric:
            d = f.decimals
            if f.percent:
                fmt = "0.00%"
            elif f.kind == "integer":
                fmt = "#,##0"
            elif d is not None:
                fmt = "#,##0." + "0" * d if d else "#,##0"
        key = (fmt, bold)
        if key not in self._num:
            props: dict[str, Any] = {"border": 1, "border_color": "#A6A6A6", "num_format": fmt}
            if bold:
                props |= {"bold": True, "bg_color": "#EDEDED"}
            self._num[key] = self.wb.add_format(props)
        return self._num[key]

    def put(self, ws: Any, row: int, col: int, value: Any, f: Field | None = None, fmt: Any = None) -> None:
        """A value as what it is: numbers as numbers, dates as dates, anything else as text."""
        if value is None or value == "":
            ws.write_blank(row, col, None, fmt or self.text)
        elif isinstance(value, bool):
            ws.write_string(row, col, "是" if value else "否", fmt or self.text)
        elif isinstance(value, int | float):
            ws.write_number(row, col, value, fmt or self.num(f))
        elif isinstance(value, dt.date):
            ws.write_datetime(row, col, dt.datetime.combine(value, dt.time()), self.date)
        else:
            ws.write_string(row, col, str(value), fmt or self.text)

    # --- 汇总 --------------------------------------------------------------------------------------
    def summary_sheet(self) -> None:
        s, spec = self.s, self.spec
        ws = self.wb.add_worksheet(SUMMARY)
        fields = summary_fields(spec)
        regions = spec.regions.regions
        ws.write_string(0, 0, f"{spec.title} {s.year} 年度汇总（{spec.regions.name}）", self.title)
        c = s.counts()
        sent = len(regions) - c[MISSING]
        ws.write_string(
            1,
            0,
            f"共 {len(regions)} 个地区：已报送 {sent}，未报送 {c[MISSING]}；其中有错误 {c[ERRORS]}、"
            f"有提示 {c[WARNINGS]}。收到文件 {len(s.submissions)} 个（拒收 {c[REJECTED]}，重复未采用 {c[DUPLICATE]}）。"
            f"生成于 {dt.date.today().isoformat()}。",
            self.note,
        )
        header = [
            *FIXED,
            *[f"{f.label}（{'%' if f.percent else f.unit}）" if f.unit or f.percent else f.label for f in fields],
        ]
        ws.write_row(2, 0, header, self.header)
        ws.set_row(2, 42)
        first = 3
        col0 = len(FIXED)
        lines = s.lines()
        for i, (r, sub) in enumerate(lines):
            row = first + i
            status = sub.status if sub else MISSING
            fmt = self.status_fmt.get(status, self.text)
            ws.write_number(row, 0, i + 1, self.text)
            ws.write_string(row, 1, r.code, self.text)
            ws.write_string(row, 2, r.name, self.text)
            ws.write_string(row, 3, STATUS_ZH[status], fmt)
            self.put(ws, row, 4, len(sub.report.errors) if sub else None)
            self.put(ws, row, 5, len(sub.report.warnings) if sub else None)
            for j, f in enumerate(fields):
                self.put(ws, row, col0 + j, sub.values.get(f.id) if sub else None, f)
        last = first + len(lines) - 1
        total_row = last + 1
        ws.write_string(total_row, 0, "", self.total)
        ws.write_string(total_row, 1, "", self.total)
        ws.write_string(total_row, 2, "合计", self.total)
        ws.write_string(total_row, 3, f"已报送 {sent}", self.total)
        ws.write_formula(
            total_row,
            4,
            f"=SUM({a1(first, 4)}:{a1(last, 4)})",
            self.num(None, True),
            sum(len(x.report.errors) for _, x in s.counted()),
        )
        ws.write_formula(
            total_row,
            5,
            f"=SUM({a1(first, 5)}:{a1(last, 5)})",
            self.num(None, True),
            sum(len(x.report.warnings) for _, x in s.counted()),
        )
        position = {f.id: col0 + j for j, f in enumerate(fields)}
        for j, f in enumerate(fields):
            col = col0 + j
            rng = f"{a1(first, col)}:{a1(last, col)}"
            formula, value = self.total_formula(f, rng, position, first, last)
            if formula:
                ws.write_formula(total_row, col, formula, self.num(f, True), value)
            else:
                ws.write_blank(total_row, col, None, self.total)
        row = total_row + 2
        for j, f in enumerate(fields):
            cats = categories(f) if f.kind == "text" and f.derived else []
            if not cats:
                continue
            col = col0 + j
            ws.write_string(row, 2, f"{f.label}分布", self.header)
            ws.write_string(row, 3, "地区数", self.header)
            for k, cat in enumerate(cats, 1):
                ws.write_string(row + k, 2, cat, self.text)
                count = sum(1 for _, x in s.counted() if x.values.get(f.id) == cat)
                ws.write_formula(
                    row + k, 3, f'=COUNTIF({a1(first, col, True)}:{a1(last, col, True)},"{cat}")', self.num(None), count
                )
            row += len(cats) + 2
        ws.write_string(
            row,
            0,
            "说明：合计行为公式；比率按分子、分母合计重新计算，不是各地比率的平均；"
            "“已拒收”“未报送”地区不计入合计。" + duplicate_rule(self.spec),
            self.note,
        )
        ws.set_column(0, 0, 5)
        ws.set_column(1, 1, 12)
        ws.set_column(2, 2, 16)
        ws.set_column(3, 3, 16)
        ws.set_column(4, 5, 7)
        ws.set_column(col0, col0 + len(fields) - 1, 14)
        ws.freeze_panes(3, 3)
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.activate()

    def total_formula(self, f: Field, rng: str, position: dict[str, int], first: int, last: int) -> tuple[str, Any]:
        """The totals-row formula of a column by its aggregate setting, and its value now."""
        vals = [x.values.get(f.id) for _, x in self.s.counted()]
        nums = [v for v in vals if isinstance(v, int | float) and not isinstance(v, bool)]
        how = f.aggregate.how
        if how == "sum":
            return f"=SUM({rng})", sum(nums)
        if how == "mean":
            return f'=IF(COUNT({rng})=0,"",AVERAGE({rng}))', (sum(nums) / len(nums)) if nums else ""
        if how == "ratio" and f.aggregate.ratio:
            num_id, den_id = f.aggregate.ratio
            cn, cd = position[num_id], position[den_id]
            rn, rd = f"{a1(first, cn)}:{a1(last, cn)}", f"{a1(first, cd)}:{a1(last, cd)}"
            sn = sum(v for _, x in self.s.counted() if isinstance(v := x.values.get(num_id), int | float))
            sd = sum(v for _, x in self.s.counted() if isinstance(v := x.values.get(den_id), int | float))
            return f"=IF(SUM({rd})=0,0,SUM({rn})/SUM({rd}))", (sn / sd if sd else 0)
        return "", None

    # --- 报送情况 ------------------------------------------------------------------------------------
    def status_sheet(self) -> None:
        s = self.s
        ws = self.wb.add_worksheet(STATUS)
        ws.write_string(0, 0, f"报送情况：{self.spec.title} {s.year} 年度", self.title)
        ws.write_string(
            1, 0, duplicate_rule(self.spec) + "每个收到的文件都列在下面，包括拒收和重复的文件及其原因。", self.note
        )
        header = ["序号", "行政区划代码", "地区", "状态", "文件", "错误数", "提示数", "填报日期", "原因 / 说明"]
        ws.write_row(2, 0, header, self.header)
        row = 3
        shown: set[int] = set()
        lines = s.lines()
        for i, (r, sub) in enumerate(lines, 1):
            self.status_row(ws, row, i, r.code, r.name, sub, MISSING if sub is None else sub.status)
            if sub is not None:
                shown.add(id(sub))
            row += 1
        others = [x for x in s.submissions if id(x) not in shown]
        if others:
            row += 1
            ws.write_string(row, 0, f"未采用的文件（{len(others)} 个）", self.title)
            row += 1
            for i, sub in enumerate(others, 1):
                known = sub.region or self.spec.regions.find(sub.report.region_code or "")
                code = known.code if known else (sub.report.region_code or "")
                name = known.name if known else ""
                self.status_row(ws, row, i, code, name, sub, sub.status)
                row += 1
        for col, width in enumerate((5, 12, 16, 16, 40, 7, 7, 12, 70)):
            ws.set_column(col, col, width)
        ws.freeze_panes(3, 0)

    def status_row(
        self, ws: Any, row: int, seq: int, code: str, name: str, sub: Submission | None, status: str
    ) -> None:
        ws.write_number(row, 0, seq, self.text)
        ws.write_string(row, 1, code, self.text)
        ws.write_string(row, 2, name, self.text)
        ws.write_string(row, 3, STATUS_ZH[status], self.status_fmt.get(status, self.text))
        self.put(ws, row, 4, sub.path.name if sub else None)
        self.put(ws, row, 5, len(sub.report.errors) if sub else None)
        self.put(ws, row, 6, len(sub.report.warnings) if sub else None)
        self.put(ws, row, 7, sub.fill_date if sub else None)
        self.put(ws, row, 8, sub.reason if sub else "未收到报表")

    # --- 指标明细 ------------------------------------------------------------------------------------
    def indicator_sheet(self) -> None:
        table = self.spec.table
        ws = self.wb.add_worksheet(INDICATORS)
        if table is None:
            ws.write_string(0, 0, "本表样没有绩效指标表", self.note)
            return
        header = ["行政区划代码", "地区", "行号", *[c.label for c in table.columns]]
        ws.write_row(0, 0, header, self.header)
        row = 1
        for region, sub in self.s.counted():
            for i, ind in enumerate(sub.indicators, 1):
                ws.write_string(row, 0, region.code, self.text)
                ws.write_string(row, 1, region.name, self.text)
                ws.write_number(row, 2, i, self.text)
                for j, c in enumerate(table.columns):
                    self.put(ws, row, 3 + j, ind.get(c.id), c)
                row += 1
        ws.set_column(0, 2, 10)
        for j, c in enumerate(table.columns):
            ws.set_column(3 + j, 3 + j, c.width or 12)
        ws.freeze_panes(1, 3)
        ws.autofilter(0, 0, max(row - 1, 1), len(header) - 1)

    # --- 校验结果 ------------------------------------------------------------------------------------
    def findings_sheet(self) -> None:
        ws = self.wb.add_worksheet(FINDINGS)
        header = ["行政区划代码", "地区", "文件", "状态", "级别", "代码", "工作表", "单元格", "说明"]
        ws.write_row(0, 0, header, self.header)
        row = 1
        for sub in self.s.submissions:
            for f in sub.report.findings:
                values = [
                    sub.region.code if sub.region else (sub.report.region_code or ""),
                    sub.region.name if sub.region else "",
                    sub.path.name,
                    STATUS_ZH[sub.status],
                    "错误" if f.severity == "error" else "提示",
                    f.code,
                    f.sheet,
                    f.cell,
                    f.message,
                ]
                for col, v in enumerate(values):
                    self.put(ws, row, col, v)
                row += 1
        for col, width in enumerate((12, 14, 36, 14, 6, 10, 10, 8, 90)):
            ws.set_column(col, col, width)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(row - 1, 1), len(header) - 1)


def long_rows(summary: Summary) -> Iterable[dict[str, Any]]:
    """One row per region and field of every counted return: region, field, label, value, unit."""
    for region, sub in summary.counted():
        for f in summary.spec.fields.values():
            v = sub.values.get(f.id)
            if isinstance(v, dt.date):
                v = v.isoformat()
            yield {
                "region_code": region.code,
                "region_name": region.name,
                "field": f.id,
                "label": f.label,
                "value": v,
                "unit": "%" if f.percent else f.unit,
                "status": sub.status,
            }


def export_long(summary: Summary, path: Path | str) -> Path:
    """CSV (UTF-8 with BOM, for Excel) or Parquet, by the file's extension."""
    import pandas as pd

    path = Path(path)
    df = pd.DataFrame(
        list(long_rows(summary)), columns=["region_code", "region_name", "field", "label", "value", "unit", "status"]
    )
    with atomic_path(path) as tmp:
        if path.suffix.lower() == ".parquet":  # one type per column: values as text, as in the CSV
            df.assign(value=df["value"].map(lambda v: None if v is None else str(v))).to_parquet(tmp, index=False)
        else:  # Excel would run a CSV cell that starts with "=" as a formula: keep returns' text as text
            df.assign(value=df["value"].map(csv_safe)).to_csv(tmp, index=False, encoding="utf-8-sig")
    return path


def csv_safe(v: Any) -> Any:
    """Text that a spreadsheet would read as a formula gets a leading apostrophe (OWASP's CSV injection advice)."""
    if isinstance(v, str) and v.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + v
    return v
