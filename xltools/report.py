"""Render check reports: text for a person, JSON lines for programs, an annotated copy to send back."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from xltools.build import atomic_path
from xltools.findings import CATALOGUE, Finding, Report

ERROR_FILL, WARNING_FILL = "FFFF9999", "FFFFEB9C"

_WORDS = {
    "zh": {
        "error": "错误",
        "warning": "提示",
        "ok": "通过，未发现问题",
        "file": "文件",
        "verdict_errors": "{e} 个错误、{w} 个提示：请修改错误后重新上报",
        "verdict_warnings": "{w} 个提示，无错误：请核实提示内容",
        "unreadable": "无法读取",
        "spec": "表样",
        "year": "年度",
        "region": "地区",
        "summary": "共 {n} 个文件：{ok} 个通过，{w} 个仅有提示，{e} 个有错误，{u} 个无法读取",
        "file_level": "（整个文件）",
    },
    "en": {
        "error": "error",
        "warning": "warning",
        "ok": "OK, no problems found",
        "file": "file",
        "verdict_errors": "{e} errors, {w} warnings: fix the errors and send it again",
        "verdict_warnings": "{w} warnings, no errors: check the warnings",
        "unreadable": "cannot be read",
        "spec": "spec",
        "year": "year",
        "region": "region",
        "summary": "{n} files: {ok} ok, {w} with warnings only, {e} with errors, {u} unreadable",
        "file_level": "(whole file)",
    },
}


def render_json(reports: Iterable[Report]) -> str:
    """One JSON object per file per line, with exactly DESIGN §5's keys."""
    return "\n".join(json.dumps(r.to_dict(), ensure_ascii=False) for r in reports)


def render_text(reports: list[Report], lang: str = "zh", color: bool = False) -> str:
    """A readable report: per file a header, findings grouped by sheet with errors first, a verdict."""
    w = _WORDS["en" if lang == "en" else "zh"]

    def paint(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if color else text

    lines: list[str] = []
    for r in reports:
        about = [
            x
            for x in (
                f"{w['spec']} {r.spec} {r.spec_version}" if r.spec else "",
                f"{w['region']} {r.region_code}" if r.region_code else "",
                f"{w['year']} {r.year}" if r.year else "",
            )
            if x
        ]
        lines.append(paint(f"{w['file']}: {r.file}", "1") + (f"  （{'，'.join(about)}）" if about else ""))
        sheets: dict[str, list[Finding]] = {}
        for f in r.findings:  # already in sheet order
            sheets.setdefault(f.sheet, []).append(f)
        for sheet, items in sheets.items():
            lines.append(f"  [{sheet or w['file_level']}]")
            for f in sorted(items, key=lambda f: f.severity != "error"):  # errors first, stable
                tag = paint(w["error"], "31") if f.severity == "error" else paint(w["warning"], "33")
                lines.append(f"    {tag}  {f.cell or '-':<6} {f.message}  ({f.code})")
        if r.status == "unreadable":
            verdict = paint(w["unreadable"], "31")
        elif r.status == "errors":
            verdict = paint(w["verdict_errors"].format(e=len(r.errors), w=len(r.warnings)), "31")
        elif r.status == "warnings":
            verdict = paint(w["verdict_warnings"].format(w=len(r.warnings)), "33")
        else:
            verdict = paint(w["ok"], "32")
        lines.append(f"  => {verdict}")
        lines.append("")
    if len(reports) > 1:
        count = {s: sum(1 for r in reports if r.status == s) for s in ("ok", "warnings", "errors", "unreadable")}
        lines.append(
            w["summary"].format(
                n=len(reports), ok=count["ok"], w=count["warnings"], e=count["errors"], u=count["unreadable"]
            )
        )
    return "\n".join(lines).rstrip() + "\n"


def annotate(report: Report, source: Path | str, out: Path | str) -> Path | None:
    """A copy of the return with each finding's cell filled (red error, yellow warning) and commented.

    Returns None for a file that cannot be read (there is nothing to annotate).
    """
    if report.unreadable:
        return None
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    wb = openpyxl.load_workbook(source)
    by_cell: dict[tuple[str, str], list[Finding]] = {}
    for f in report.findings:
        if f.sheet in wb.sheetnames and f.cell:
            by_cell.setdefault((f.sheet, f.cell), []).append(f)
    for (sheet, ref), items in by_cell.items():
        cell = wb[sheet][ref]
        worst = "error" if any(f.severity == "error" for f in items) else "warning"
        color = ERROR_FILL if worst == "error" else WARNING_FILL
        cell.fill = PatternFill("solid", start_color=color, end_color=color)
        text = "\n".join(f"[{CATALOGUE[f.code].title}] {f.message}" for f in items)
        comment = Comment(text, "xltools")
        comment.width, comment.height = 320, 40 + 30 * len(items)
        cell.comment = comment
    out = Path(out)
    with atomic_path(out) as tmp:
        wb.save(tmp)
    return out
