"""`xltools diff` (DESIGN §13): two versions of one region's return — values changed, findings resolved,
still open and new; different returns refused in one line."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
from returns import LECHANG, cell_of, make_return, seed
from support.fill import fill_return
from typer.testing import CliRunner

from xltools import diff_returns
from xltools.cli import app
from xltools.template import build_template
from xltools.versions import DiffError

runner = CliRunner()
KEYS = {"old", "new", "region_code", "year", "spec", "changed", "resolved", "still_open", "new_findings"}

# The first version: three mistakes (a phone without area code, text in a number cell, fewer inspection
# visits than institutions inspected).
FIRST = {"phone": "6927892", "penalties": "约2万", "inspection_visits": 10}
# The resubmission fixes the phone and the penalties, keeps the visits, and types a new mistake.
SECOND = {**FIRST, "phone": "0751-3332222", "penalties": 86.11, "enrollment_rate": 120}


@pytest.fixture(scope="module")
def versions(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("versions")
    return make_return(tmp, FIRST, name="v1.xlsx"), make_return(tmp, SECOND, name="v2.xlsx")


def test_resubmission_that_fixes_two_findings_and_adds_one(versions: tuple[Path, Path]) -> None:
    old, new = versions
    d = diff_returns(old, new)
    assert sorted(f.field for f in d.resolved) == ["penalties", "phone"]
    assert [f.field for f in d.new_findings] == ["enrollment_rate"]
    assert "inspection_visits" in {f.field for f in d.still_open}
    changed = {c.field: (c.old, c.new) for c in d.changed}
    assert changed == {
        "phone": ("6927892", "0751-3332222"),
        "penalties": ("约2万", 86.11),
        "enrollment_rate": (98.01, 120),
    }
    sheet, cell = cell_of(new, "enrollment_rate")
    assert next((c.sheet, c.cell) for c in d.changed if c.field == "enrollment_rate") == (sheet, cell)


def test_diff_json_keys_and_exit_1_while_errors_remain(versions: tuple[Path, Path]) -> None:
    old, new = versions
    result = runner.invoke(app, ["diff", str(old), str(new), "--format", "json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.output)
    assert set(data) == KEYS
    assert (data["region_code"], data["year"], data["spec"]) == ("440222", 2023, "yibao_dept")
    assert set(data["changed"][0]) == {"field", "label", "sheet", "cell", "old", "new"}
    assert {f["field"] for f in data["resolved"]} == {"phone", "penalties"}
    assert all({"code", "severity", "sheet", "cell", "message"} <= set(f) for f in data["new_findings"])


def test_diff_text_in_chinese(versions: tuple[Path, Path]) -> None:
    old, new = versions
    result = runner.invoke(app, ["diff", str(old), str(new)])
    assert result.exit_code == 1
    assert "联系电话" in result.output and "6927892" in result.output and "0751-3332222" in result.output
    assert "已解决" in result.output and "新出现" in result.output, result.output


def test_diff_exit_0_when_the_new_version_is_clean(tmp_path: Path, versions: tuple[Path, Path]) -> None:
    clean = make_return(tmp_path, name="clean.xlsx")
    result = runner.invoke(app, ["diff", str(versions[1]), str(clean)])
    assert result.exit_code == 0, result.output
    d = diff_returns(versions[1], clean)
    assert d.new_findings == [] and d.still_open == [] and len(d.resolved) >= 2


def test_a_table_row_change_is_named_by_its_row(tmp_path: Path) -> None:
    a = make_return(tmp_path, name="a.xlsx")
    b = make_return(tmp_path, rows={("ind_reason", 2): "新的说明"}, name="b.xlsx")
    (c,) = diff_returns(a, b).changed
    assert c.field == "ind_reason" and "第 3 行" in c.to_dict()["label"] and c.new == "新的说明"


@pytest.mark.parametrize(
    "what",
    ["region", "year"],
)
def test_different_returns_are_refused_in_one_line(what: str, tmp_path: Path) -> None:
    a = make_return(tmp_path, name="a.xlsx")
    if what == "region":
        data = seed()
        spec = data["spec"]
        template = build_template(spec, tmp_path / "t.xlsx", 2023, spec.regions.find("440281"))
        b = fill_return(template, {**data["values"], "region_code": "440281"}, tmp_path / "b.xlsx")
    else:
        b = make_return(tmp_path, {"fill_date": "2023-03-01"}, name="b.xlsx", year=2022)
    result = runner.invoke(app, ["diff", str(a), str(b)])
    assert result.exit_code == 2, result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    with pytest.raises(DiffError):
        diff_returns(a, b)


def test_different_specs_are_refused(tmp_path: Path) -> None:
    a = make_return(tmp_path, name="a.xlsx")
    b = make_return(tmp_path, source=LECHANG, name="b.xlsx")
    result = runner.invoke(app, ["diff", str(a), str(b)])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, result.output


@pytest.mark.parametrize("bad", ["missing.xlsx", "notes.txt", "garbage.xlsx"])
def test_unreadable_version_is_one_line_exit_2(bad: str, tmp_path: Path) -> None:
    good = make_return(tmp_path, name="a.xlsx")
    path = tmp_path / bad
    if bad == "notes.txt":
        path.write_text("=cmd|' /C calc'!A0", encoding="utf-8")
    elif bad == "garbage.xlsx":
        path.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    for args in ([str(good), str(path)], [str(path), str(good)]):
        result = runner.invoke(app, ["diff", *args])
        assert result.exit_code == 2, result.output
        assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output


def test_the_same_value_written_another_way_is_no_change(tmp_path: Path) -> None:
    a = make_return(tmp_path, name="a.xlsx")
    b = make_return(tmp_path, {"insured_residents": "174,537", "penalties": "８６.１１"}, name="b.xlsx")
    assert diff_returns(a, b).changed == []


def test_a_renamed_sheet_is_its_finding_not_a_list_of_emptied_values(tmp_path: Path) -> None:
    a = make_return(tmp_path, name="a.xlsx")

    def rename(wb: openpyxl.Workbook) -> None:
        wb["业务情况"].title = "业务"

    b = make_return(tmp_path, name="b.xlsx", edit=rename)
    d = diff_returns(a, b)
    assert d.changed == []
    assert any(f.code == "tampered" for f in d.new_findings)


def test_json_shows_counts_as_integers(versions: tuple[Path, Path], tmp_path: Path) -> None:
    a = make_return(tmp_path, name="a.xlsx")
    b = make_return(tmp_path, {"inspection_visits": 70}, name="b.xlsx")
    data = json.loads(runner.invoke(app, ["diff", str(a), str(b), "--format", "json"]).output)
    (change,) = [c for c in data["changed"] if c["field"] == "inspection_visits"]
    assert change["new"] == 70 and isinstance(change["old"], int)
