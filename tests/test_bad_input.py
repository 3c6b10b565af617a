"""DESIGN §7: every bad file gets exit 2 and a one-line reason, never a traceback, and never stops the
others in the batch; random damage to a valid return never raises out of the checker."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import msoffcrypto
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from returns import make_return

from xltools.check import check_file


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_return(tmp_path_factory.mktemp("good"))


def _truncated(good: Path, out: Path) -> None:
    data = good.read_bytes()
    out.write_bytes(data[: len(data) // 2])


def _encrypted(good: Path, out: Path) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    with good.open("rb") as src, out.open("wb") as dst:
        OOXMLFile(src).encrypt("1234", dst)


def _xls(good: Path, out: Path) -> None:
    # An OLE compound file header, as an old .xls starts (not encrypted).
    out.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 504)


def _with_part(good: Path, out: Path, name: str, data: bytes) -> None:
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != name:
                dst.writestr(info, src.read(info.filename))
        dst.writestr(name, data)


def _macros(good: Path, out: Path) -> None:
    _with_part(good, out, "xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\x00" * 100)


def _xml_bomb(good: Path, out: Path) -> None:
    lol = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
        + ']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol9;</t></si></sst>'
    )
    _with_part(good, out, "xl/sharedStrings.xml", lol.encode())


def _huge_strings(good: Path, out: Path) -> None:
    body = "<si><t>" + "x" * 1000 + "</t></si>"
    xml = '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">' + body * 60000 + "</sst>"
    _with_part(good, out, "xl/sharedStrings.xml", xml.encode())


BAD = {
    "empty.xlsx": (lambda g, o: o.write_bytes(b""), "空的"),
    "truncated.xlsx": (_truncated, "损坏"),
    "old.xlsx": (_xls, ".xls"),
    "data.xlsx": (lambda g, o: o.write_text("区划,金额\n440222,3\n", encoding="utf-8"), "CSV"),
    "page.xlsx": (lambda g, o: o.write_text("<html><body><table><tr><td>1</td></tr></table></body></html>"), "网页"),
    "locked.xlsx": (_encrypted, "密码"),
    "macros.xlsm": (_macros, "宏"),
    "bomb.xlsx": (_xml_bomb, "不安全"),
    "huge.xlsx": (_huge_strings, "过大"),
    "notes.docx": (lambda g, o: shutil.copy(Path(zipfile.__file__), o), "Word"),
    "renamed.xlsx": (lambda g, o: shutil.copy(Path(zipfile.__file__), o), "不是 .xlsx"),
    "始兴县.et": (_xls, "WPS"),
    "始兴县.ods": (lambda g, o: shutil.copy(g, o), ".ods"),
    "scan.pdf": (lambda g, o: o.write_bytes(b"%PDF-1.4\n%\xe2\xe3\n"), "PDF"),
}


@pytest.fixture(scope="module")
def batch(good: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("bad")
    out = {}
    for name, (make, _) in BAD.items():
        make(good, d / name)
        out[name] = d / name
    return out


def test_encrypted_file_really_is_encrypted(batch: dict[str, Path]) -> None:
    with batch["locked.xlsx"].open("rb") as fh:
        assert msoffcrypto.OfficeFile(fh).is_encrypted()


@pytest.mark.parametrize("name", list(BAD))
def test_bad_file_has_one_plain_reason(batch: dict[str, Path], name: str) -> None:
    report = check_file(batch[name])
    assert report.status == "unreadable"
    (finding,) = report.findings
    assert finding.code == "unreadable" and "\n" not in finding.message
    assert BAD[name][1] in finding.message, finding.message


def test_a_batch_of_bad_files_with_a_good_one(good: Path, batch: dict[str, Path]) -> None:
    """One CLI call over all of them: exit 2, every file reported, the good one ok, no traceback."""
    files = [str(good), *map(str, batch.values())]
    proc = subprocess.run(
        [sys.executable, "-m", "xltools.cli", "check", "--format", "json", *files],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [x["file"] for x in lines] == files
    assert set(lines[0]) == {"file", "status", "spec", "spec_version", "region_code", "year", "findings"}
    assert lines[0]["status"] == "ok"
    assert all(x["status"] == "unreadable" for x in lines[1:])
    for x in lines:
        for f in x["findings"]:
            assert set(f) == {"code", "severity", "sheet", "cell", "field", "message", "expected", "actual"}


def test_text_report_of_the_batch_has_one_line_per_bad_file(good: Path, batch: dict[str, Path]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "xltools.cli", "check", str(good), *map(str, batch.values())],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stdout.count("(unreadable)") == len(BAD)
    assert "通过，未发现问题" in proc.stdout


def test_exit_status_1_for_errors_0_for_warnings_only(tmp_path: Path) -> None:
    bad = make_return(tmp_path, {"phone": None}, name="bad.xlsx")
    warn = make_return(tmp_path, {"enrollment_rate": 97}, name="warn.xlsx")
    run = [sys.executable, "-m", "xltools.cli", "check"]
    assert subprocess.run([*run, str(warn)], capture_output=True, check=False).returncode == 0
    assert subprocess.run([*run, str(warn), str(bad)], capture_output=True, check=False).returncode == 1


def test_annotated_copy_marks_and_comments_each_cell(tmp_path: Path) -> None:
    import openpyxl

    from xltools.report import annotate

    path = make_return(tmp_path, {"phone": None, "enrollment_rate": 97})
    report = check_file(path)
    out = annotate(report, path, tmp_path / "annotated.xlsx")
    wb = openpyxl.load_workbook(out)
    for f in report.findings:
        cell = wb[f.sheet][f.cell]
        assert f.message in cell.comment.text
        assert cell.fill.start_color.rgb == ("FFFF9999" if f.severity == "error" else "FFFFEB9C")
    assert check_file(out).findings == report.findings  # the copy is still a checkable return


# --- random damage never raises ----------------------------------------------------------------

FIELDS = [
    "budget_final",
    "phone",
    "fill_date",
    "insured_total",
    "ind_score",
    "ind_direction",
    "region_code",
    "total_score",
    "enrollment_rate",
    "three_costs_note",
]
VALUES = st.one_of(
    st.none(),
    st.integers(-(10**9), 10**9),
    st.floats(allow_nan=False),
    st.text(st.characters(blacklist_categories=("Cc", "Cs")), max_size=30),
    st.sampled_from(["=1+1", "约3万", "#DIV/0!", "１２３", "1,234.5", "—", "2024-02-30"]),
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=4))
def test_random_cell_edits_never_raise(tmp_path: Path, edits: dict) -> None:
    changes = {k: v for k, v in edits.items() if not k.startswith("ind_")}
    rows = {(k, 0): v for k, v in edits.items() if k.startswith("ind_")}
    report = check_file(make_return(tmp_path, changes, rows))
    if report.status == "unreadable":  # only a date cell holding an impossible serial number (python-calamine)
        assert "无法识别的数值" in report.findings[0].message and "fill_date" in edits
    else:
        assert report.status in ("ok", "warnings", "errors")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_byte_damage_never_raises(good: Path, tmp_path: Path, data: st.DataObject) -> None:
    raw = bytearray(good.read_bytes())
    for _ in range(data.draw(st.integers(1, 8))):
        i = data.draw(st.integers(0, len(raw) - 1))
        raw[i] = data.draw(st.integers(0, 255))
    path = tmp_path / "damaged.xlsx"
    path.write_bytes(bytes(raw))
    assert check_file(path).status in ("ok", "warnings", "errors", "unreadable")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(drop=st.sets(st.sampled_from(["budget_final", "total_expenditure", "ind_score", "year", "grade"]), min_size=1))
def test_random_name_removal_is_tampered_never_a_crash(good: Path, tmp_path: Path, drop: set) -> None:
    def edit(xml: str) -> str:
        import re

        for name in drop:
            xml = re.sub(rf'<definedName name="{name}"[^>]*>[^<]*</definedName>', "", xml)
        return xml

    from returns import patch_part

    path = tmp_path / "names.xlsx"
    shutil.copy(good, path)
    patch_part(path, "xl/workbook.xml", edit)
    report = check_file(path)
    assert report.status == "errors"
    assert {f.field for f in report.findings if f.code == "tampered"} == drop


def test_json_output_carries_the_raw_values(tmp_path: Path) -> None:
    """What the clerk typed reaches the JSON unchanged, whatever its type (text, date, number)."""
    report = check_file(make_return(tmp_path, {"fill_date": "去年", "budget_final": "约3万", "enrollment_rate": 97}))
    data = json.loads(json.dumps(report.to_dict(), ensure_ascii=False))
    actual = {f["field"]: f["actual"] for f in data["findings"]}
    assert actual == {"fill_date": "去年", "budget_final": "约3万", "enrollment_rate": 97}
    assert {f["code"] for f in data["findings"]} == {"type", "rule"}


def test_a_folder_accounts_for_every_file(batch: dict[str, Path], tmp_path: Path) -> None:
    """Every file in a folder is reported, whatever its type; only lock and hidden files are left out."""
    from xltools.files import find_returns

    folder = next(iter(batch.values())).parent
    (folder / "~$始兴县.xlsx").write_bytes(b"lock")
    (folder / ".DS_Store").write_bytes(b"x")
    assert sorted(i.path.name for i in find_returns([folder])) == sorted(BAD)


def test_annotated_copy_keeps_formula_like_text_as_text(tmp_path: Path) -> None:
    import re

    from xltools.report import annotate

    link = '=HYPERLINK("http://example.com","x")'
    path = make_return(tmp_path, {"department": link, "phone": None})
    out = annotate(check_file(path), path, tmp_path / "annotated.xlsx")
    with zipfile.ZipFile(out) as zf:
        sheets = "".join(zf.read(n).decode() for n in zf.namelist() if n.startswith("xl/worksheets/"))
    assert re.search(r"<f>[^<]*HYPERLINK", sheets) is None
    assert check_file(out).findings == check_file(path).findings
