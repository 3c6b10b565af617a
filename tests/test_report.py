"""Reporters: the text a person reads, the JSON lines programs read."""

from __future__ import annotations

import json

from xltools.findings import Finding, Report
from xltools.report import render_json, render_text


def finding(code: str, severity: str, sheet: str, cell: str, message: str) -> Finding:
    return Finding(code, severity, sheet, cell, "f", message, None, None)


REPORTS = [
    Report("ok.xlsx", "yibao_dept", "1.0", "440222", 2023),
    Report(
        "warn.xlsx", "yibao_dept", "1.0", "440203", 2023, [finding("rule", "warning", "业务情况", "C8", "参保率低")]
    ),
    Report(
        "bad.xlsx",
        "yibao_dept",
        "1.0",
        "440204",
        2023,
        [
            finding("rule", "warning", "资金情况", "C11", "执行率超过 100%"),
            finding("type", "error", "资金情况", "C5", "应填数字"),
            finding("missing", "error", "业务情况", "C16", "未填写"),
        ],
    ),
    Report("gone.xlsx", findings=[finding("unreadable", "error", "", "", "文件是空的")], unreadable=True),
]


def test_text_has_a_verdict_per_file_and_a_summary() -> None:
    text = render_text(REPORTS)
    assert "通过，未发现问题" in text
    assert "1 个提示，无错误" in text
    assert "2 个错误、1 个提示" in text
    assert "=> 无法读取" in text
    assert text.rstrip().endswith("共 4 个文件：1 个通过，1 个仅有提示，1 个有错误，1 个无法读取")
    assert "\x1b[" not in text  # no colour unless asked


def test_text_keeps_sheet_order_and_puts_errors_first_within_a_sheet() -> None:
    lines = render_text([REPORTS[2]]).splitlines()
    money = lines.index("  [资金情况]")
    assert "C5" in lines[money + 1] and "错误" in lines[money + 1]
    assert "C11" in lines[money + 2] and "提示" in lines[money + 2]
    assert lines.index("  [业务情况]") > money  # findings come in sheet order from check


def test_colour_and_english() -> None:
    text = render_text(REPORTS[2:3], lang="en", color=True)
    assert "\x1b[31m" in text and "errors, 1 warnings" in text and "fix the errors" in text
    assert "(whole file)" in render_text(REPORTS[3:], lang="en")


def test_json_lines_have_exactly_the_design_keys() -> None:
    lines = [json.loads(x) for x in render_json(REPORTS).splitlines()]
    assert [x["status"] for x in lines] == ["ok", "warnings", "errors", "unreadable"]
    assert all(set(x) == {"file", "status", "spec", "spec_version", "region_code", "year", "findings"} for x in lines)
    assert lines[2]["findings"][1] == {
        "code": "type",
        "severity": "error",
        "sheet": "资金情况",
        "cell": "C5",
        "field": "f",
        "message": "应填数字",
        "expected": None,
        "actual": None,
    }
