"""The text report a person reads: per file a header, findings grouped by sheet (errors first), a verdict."""

from __future__ import annotations

from xltools.catalogue import say
from xltools.findings import Finding, Report


def render_text(reports: list[Report], lang: str = "zh", color: bool = False) -> str:
    """A readable report of every file, and a count line when there are several."""

    def paint(text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if color else text

    lines: list[str] = []
    for r in reports:
        about = [
            x
            for x in (
                f"{say('report.spec', lang)} {r.spec_title or r.spec} {r.spec_version}" if r.spec else "",
                f"{say('report.region', lang)} {r.region_code}" if r.region_code else "",
                f"{say('report.year', lang)} {r.year}" if r.year else "",
            )
            if x
        ]
        sep = ", " if lang == "en" else "，"
        head = paint(f"{say('report.file', lang)}: {r.file}", "1")
        lines.append(
            head + (f"  ({sep.join(about)})" if lang == "en" and about else f"  （{sep.join(about)}）" if about else "")
        )
        sheets: dict[str, list[Finding]] = {}
        for f in r.findings:  # already in sheet order
            sheets.setdefault(f.sheet, []).append(f)
        for sheet, items in sheets.items():
            lines.append(f"  [{sheet or say('report.file_level', lang)}]")
            for f in sorted(items, key=lambda f: f.severity != "error"):  # errors first, stable
                word = say(f"severity.{f.severity}", lang)
                tag = paint(word, "31" if f.severity == "error" else "33")
                lines.append(f"    {tag}  {f.cell or '-':<6} {f.text(lang)}  ({f.code})")
        lines.append(f"  => {paint(*verdict(r, lang))}")
        lines.append("")
    if len(reports) > 1:
        count = {s: sum(1 for r in reports if r.status == s) for s in ("ok", "warnings", "errors", "unreadable")}
        lines.append(say("report.summary", lang, files=len(reports), **count))
    return "\n".join(lines).rstrip() + "\n"


def verdict(r: Report, lang: str) -> tuple[str, str]:
    """The last line about a file, with its colour: advice that fits the problem."""
    if r.status == "unreadable":
        return say("check.unreadable", lang), "31"
    if r.status == "errors":
        template = next((f for f in r.errors if f.code == "template"), None)
        if template is not None:
            return say("report.verdict_template", lang, reason=template.text(lang)), "31"
        if any(f.code == "tampered" for f in r.errors):
            return say("report.verdict_tampered", lang), "31"
        return say("report.verdict_errors", lang, errors=len(r.errors), warnings=len(r.warnings)), "31"
    if r.status == "warnings":
        return say("report.verdict_warnings", lang, warnings=len(r.warnings)), "33"
    return say("check.ok", lang), "32"
