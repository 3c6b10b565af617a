"""Reporters: the text a person reads, the JSON lines programs read."""

from __future__ import annotations

import json

from xltools.catalogue import Msg, Text
from xltools.findings import Finding, Report
from xltools.report import render_json, render_text


def finding(code: str, severity: str, sheet: str, cell: str, message: str) -> Finding:
    """A finding whose message is given, as a spec rule's is (its catalogue entry says just "{text}")."""
    return Finding(code, severity, sheet, cell, "f", "" if code == "rule" else "rule", {"text": Text(message, message)})


def typed(sheet: str, cell: str) -> Finding:
    return Finding("type", "error", sheet, cell, "f", "", {"label": Text("年初预算数")}, Msg.of("kind.number"), None)


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
            typed("资金情况", "C5"),
            finding("missing", "error", "业务情况", "C16", "未填写"),
        ],
    ),
    Report("gone.xlsx", findings=[Finding("unreadable", "error", detail="empty")], unreadable=True),
]


def test_text_has_a_verdict_per_file_and_a_summary() -> None:
    text = render_text(REPORTS)
    assert "通过，未发现问题" in text
    assert "1 个提示，无错误" in text
    assert "2 个错误、1 个提示" in text
    assert "=> 无法读取" in text
    assert text.rstrip().endswith("共 4 个文件：通过 1 个；仅有提示 1 个；有错误 1 个；无法读取 1 个")
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
        "message": "“年初预算数”应填数字，实际为“（空）”。",
        "expected": "数字",
        "actual": None,
    }


def test_annotated_copy_keeps_dropdowns_and_protection_and_marks_the_other_side_of_a_rule(tmp_path) -> None:
    from pathlib import Path

    import openpyxl

    from xltools.check import check_file
    from xltools.report import annotate

    source = next((Path(__file__).resolve().parent.parent / "samples" / "returns").rglob("440282_*.xlsx"))
    report = check_file(source)
    out = annotate(report, source, tmp_path / "a.xlsx")
    before, after = openpyxl.load_workbook(source), openpyxl.load_workbook(out)
    for ws in before.worksheets:
        copy = after[ws.title]
        assert copy.protection.sheet == ws.protection.sheet
        assert [(str(d.sqref), d.formula1) for d in copy.data_validations.dataValidation] == [
            (str(d.sqref), d.formula1) for d in ws.data_validations.dataValidation
        ]
    rule = next(f for f in report.findings if f.code == "rule" and f.field == "inspection_visits")
    (other,) = rule.cells  # 检查覆盖机构数, the other side of 检查家次 ≥ 检查覆盖机构数
    sheet, cell = other.split("!")
    assert after[sheet][cell].comment is not None and "检查家次" in after[sheet][cell].comment.text
    assert after.sheetnames[-1] == "校验意见" and after["校验意见"].max_row == len(report.findings) + 2
