"""Trust (issue #8, DESIGN §7, §11): returns as an attacker or a careless clerk would make them.

Every figure is read right or reported as an error at its cell; a hostile file costs only itself; every
path is accounted for; output is written whole or not at all; specs and names from data are bounded.
These tests go through the public ways in (check_file, aggregate, the CLI), so they ran unchanged
against the code before the fixes, where each of them failed.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from returns import cell_of, flat, make_return, patch_part, seed, sheet_part, with_shared_strings
from typer.testing import CliRunner

from xltools.aggregate import aggregate
from xltools.check import check_file
from xltools.cli import app

E, W = "error", "warning"
ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "returns" / "yibao_dept_2023"


def codes(path: Path) -> set[tuple[str, str, str]]:
    return {(f.code, f.severity, f.where) for f in check_file(path).findings}


def at(path: Path, name: str) -> str:
    sheet, ref = cell_of(path, name)
    return f"{sheet}!{ref}"


def xlsx_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "xltools", *args], capture_output=True, text=True, check=False)


# --- 1. nothing read wrong in silence ------------------------------------------------------------


def _set(wb: openpyxl.Workbook, name: str, value: object) -> str:
    """Type over the cell a defined name points to (sheet unprotected first); its sheet!A1."""
    ((sheet, ref),) = wb.defined_names[name].destinations
    ws = wb[sheet]
    ws.protection.sheet = False
    ws[ref.replace("$", "")] = value
    return f"{sheet}!{ref.replace('$', '')}"


def _names(path: Path, fn) -> Path:
    return patch_part(path, "xl/workbook.xml", fn)


def test_a_name_moved_to_another_cell_is_tampered_and_not_read(tmp_path: Path) -> None:
    path = make_return(tmp_path)
    home = at(path, "budget_final")
    sheet, cell = home.split("!")
    elsewhere = f"C{int(cell[1:]) + 1}"  # the next row: the figure below it
    _names(
        path, lambda xml: re.sub(r"(<definedName name=\"budget_final\">)[^<]*", rf"\1'{sheet}'!$C${elsewhere[1:]}", xml)
    )
    report = check_file(path)
    assert ("tampered", E, home) in {(f.code, f.severity, f.where) for f in report.findings}
    assert report.status == "errors"
    moved = next(f for f in report.findings if f.field == "budget_final")
    assert f"{sheet}!{elsewhere}" in moved.message  # says where it went


def test_a_name_defined_twice_is_tampered(tmp_path: Path) -> None:
    path = make_return(tmp_path)
    home = at(path, "budget_final")
    twin = '<definedName name="budget_final" localSheetId="2">\'资金情况\'!$C$9</definedName>'
    _names(path, lambda xml: xml.replace("</definedNames>", twin + "</definedNames>"))
    assert ("tampered", E, home) in codes(path)


def test_region_code_changed_in_the_cells_is_tampered_and_the_real_return_still_counts(tmp_path: Path) -> None:
    """An unprotected sheet with 440222 changed to 440203: not 'ok as 440203', and the real 440203 return
    is not dropped as a duplicate."""
    inbox = tmp_path / "in"
    inbox.mkdir()
    real = next(SAMPLES.glob("440203_*.xlsx"))
    shutil.copy(real, inbox / real.name)

    def relabel(wb: openpyxl.Workbook) -> None:
        _set(wb, "region_code", "440203")

    forged = make_return(tmp_path, edit=relabel, name="forged.xlsx")
    shutil.copy(forged, inbox / "forged.xlsx")
    report = check_file(forged)
    assert ("tampered", E, at(forged, "region_code")) in {(f.code, f.severity, f.where) for f in report.findings}
    assert report.region_code == "440222"  # what the template recorded, not what the cell claims
    summary = aggregate([inbox], spec="yibao_dept", year=2023, jobs=1)
    statuses = {s.file_name: s.status for s in summary.submissions}
    assert statuses[real.name] == "ok" and statuses["forged.xlsx"] == "errors"
    assert [s.file_name for s in summary.by_region["440203"]] == [real.name]


def test_year_changed_in_the_cells_is_tampered(tmp_path: Path) -> None:
    def relabel(wb: openpyxl.Workbook) -> None:
        _set(wb, "year", 2024)

    path = make_return(tmp_path, edit=relabel)
    assert ("tampered", E, at(path, "year")) in codes(path)


def test_metadata_sheet_disagreeing_with_the_properties_is_tampered(tmp_path: Path) -> None:
    def relabel(wb: openpyxl.Workbook) -> None:
        ws = wb["_xltools"]
        for row in ws.iter_rows(min_row=2):
            if row[0].value == "region_code":
                row[1].value = "440203"

    report = check_file(make_return(tmp_path, edit=relabel))
    assert any(f.code == "tampered" for f in report.findings) and report.status == "errors"


@pytest.mark.parametrize(
    "edit",
    [
        lambda ws: ws.insert_rows(6),
        lambda ws: ws.delete_rows(6),
        lambda ws: ws.insert_cols(3),
        lambda ws: ws.insert_rows(30),  # in the middle of nowhere: nothing moves, nothing to report
    ],
    ids=["row inserted", "row deleted", "column inserted", "row inserted below the form"],
)
def test_rows_or_columns_inserted_by_a_program_that_left_the_names_behind(tmp_path: Path, edit) -> None:
    """openpyxl moves cells but not names: every value on the sheet would be read from its neighbour."""

    def apply(wb: openpyxl.Workbook) -> None:
        edit(wb["资金情况"])

    path = make_return(tmp_path, edit=apply)
    report = check_file(path)
    on_sheet = [f for f in report.findings if f.sheet == "资金情况"]
    if edit.__code__.co_consts and 30 in edit.__code__.co_consts:
        assert report.status == "ok"
        return
    assert report.status == "errors"
    assert [f.code for f in on_sheet] == ["tampered"]  # one finding, and no value read from a moved cell


def _anchor(kind: type) -> tuple[str, str, str | int]:
    """A locked anchor of 资金情况 whose template value is of ``kind``: (sheet, A1, value)."""
    from xltools.contract import layout_of

    cells, _, expected = layout_of(seed()["spec"]).anchor_groups["资金情况"]
    cell, value = next((c, v) for c, v in zip(cells, expected, strict=True) if type(v) is kind)
    return cell.sheet, cell.a1, value


@pytest.mark.parametrize(
    ("kind", "typed", "moved"),
    [
        (int, lambda v: True if v == 1 else float(v) + 1, True),  # a row number as TRUE, or another number
        (int, lambda v: float(v), False),  # 1 stored as 1.0 is the same number
        (str, lambda v: f"  {v} ", False),  # a label with spaces around it is the same label
        (str, lambda v: v + "（改）", True),
    ],
    ids=["number as TRUE or another", "number as a float", "label padded", "label changed"],
)
def test_a_locked_anchor_changed_is_shifted_and_one_the_same_is_not(tmp_path: Path, kind, typed, moved) -> None:
    """The anchors of a sheet are compared in one pass; what counts as the same is `_same`'s: TRUE is not the row
    number 1 though Python says True == 1, and padding around a label does not change it."""
    sheet, ref, value = _anchor(kind)

    def change(wb: openpyxl.Workbook) -> None:
        wb[sheet][ref].value = typed(value)

    report = check_file(make_return(tmp_path, edit=change))
    shifted = [(f.sheet, f.cell) for f in report.findings if f.code == "tampered" and f.detail == "shifted"]
    assert shifted == ([(sheet, ref)] if moved else [])
    assert report.status == ("errors" if moved else "ok")


def _written_backwards(xml: str) -> str:
    """A sheet's rows, and the cells of each, in the reverse of the order Excel writes them: still one cell at
    each place, as a reader takes it wherever it stands."""
    head, rest = xml.split("<sheetData>", 1)
    data, tail = rest.split("</sheetData>", 1)
    rows = re.findall(r"<row [^>]*?/>|<row [^>]*>.*?</row>", data, re.S)
    assert "".join(rows) == data

    def backwards(row: str) -> str:
        if row.endswith("/>"):
            return row
        open_tag, cells = row[: row.index(">") + 1], row[row.index(">") + 1 : -len("</row>")]
        found = re.findall(r'<c r="[^"]*"[^>]*?/>|<c r="[^"]*"[^>]*>.*?</c>', cells, re.S)
        assert "".join(found) == cells
        return open_tag + "".join(reversed(found)) + "</row>"

    return f"{head}<sheetData>{''.join(backwards(r) for r in reversed(rows))}</sheetData>{tail}"


@pytest.fixture(scope="module", params=["as written", "written backwards"])
def looked_up(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list]:
    """A return with a percent-formatted cell, and cells to look up in it: derived (formulas), inputs, and one
    that is not in the sheet; as a spreadsheet program writes it, or with every sheet's rows and cells reversed."""
    from xltools.contract import layout_of

    tmp = tmp_path_factory.mktemp("look-ups")
    path = _percent_format(make_return(tmp, {"enrollment_rate": 0.95}), "enrollment_rate")
    if request.param == "written backwards":
        patch_part(path, r"xl/worksheets/sheet\d+\.xml", _written_backwards)
    layout = layout_of(seed()["spec"])
    derived = [layout.homes[f] for f in layout.formulas][:15]
    plain = [h for f, h in layout.homes.items() if f not in layout.formulas][:20]
    return path, [cell_of(path, "enrollment_rate"), *derived, *plain, ("资金情况", "Z999")]


@settings(max_examples=25, deadline=None)
@given(order=st.permutations(range(40)))
def test_cell_look_ups_in_any_order_find_what_a_fresh_look_up_finds(looked_up, order: list[int]) -> None:
    """Formula and format look-ups search on (or back) from the last cell found: in whatever order they come, and
    in whatever order the sheet holds its cells, each finds what it finds alone."""
    from xltools.read import read_workbook

    path, cells = looked_up
    raw, fresh = read_workbook(path), read_workbook(path)
    asked = [cells[i] for i in order if i < len(cells)]
    got = [(raw.formula(s, r), raw.is_percent(s, r)) for s, r in asked]
    alone = []
    for s, r in asked:
        fresh._cursors.clear()
        alone.append((fresh.formula(s, r), fresh.is_percent(s, r)))
    assert got == alone and any(f for f, _ in got) and any(p for _, p in got)


def test_a_return_written_backwards_reads_as_the_same_return(tmp_path: Path) -> None:
    as_written = make_return(tmp_path, {"enrollment_rate": 0.95}, name="a.xlsx")
    backwards = patch_part(
        shutil.copy(as_written, tmp_path / "b.xlsx"), r"xl/worksheets/sheet\d+\.xml", _written_backwards
    )
    assert check_file(backwards).findings == check_file(as_written).findings


@pytest.mark.parametrize("text", ["38²", "①", "⁵", "１²", "3⁰", "⑴"])
def test_characters_that_normalise_into_digits_are_a_type_error(tmp_path: Path, text: str) -> None:
    path = make_return(tmp_path, {"inspection_visits": text})
    assert ("type", E, at(path, "inspection_visits")) in codes(path)
    assert check_file(path).status == "errors"


def _percent_format(path: Path, name: str) -> Path:
    """The cell shows a percentage, as Excel makes it when a clerk types 95% (value 0.95, format 0%)."""
    wb = openpyxl.load_workbook(path)
    sheet, ref = cell_of(path, name)
    wb[sheet][ref].number_format = "0%"
    wb.save(path)
    return path


def test_a_percentage_typed_with_its_sign_is_read_as_what_it_shows(tmp_path: Path) -> None:
    path = _percent_format(make_return(tmp_path, {"enrollment_rate": 0.95}), "enrollment_rate")
    report = check_file(path)
    (finding,) = report.findings
    assert (finding.code, finding.severity, finding.field) == ("rule", W, "enrollment_rate")
    assert "参保率 95% 低于" in finding.message  # 95, never "0.95%"


def test_a_percentage_in_an_amount_is_a_type_error_not_a_silent_scale(tmp_path: Path) -> None:
    path = _percent_format(make_return(tmp_path, {"reception_cost": 0.05}), "reception_cost")
    assert ("type", E, at(path, "reception_cost")) in codes(path)


# --- 2. one file never takes a batch down ---------------------------------------------------------


def _far_cell(good: Path, out: Path, sheet: str = "资金情况") -> Path:
    shutil.copy(good, out)
    return patch_part(
        out,
        sheet_part(out, sheet),
        lambda xml: xml.replace("</sheetData>", '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'),
    )


def test_a_cell_at_xfd1048576_is_refused_before_values_are_read(tmp_path: Path) -> None:
    path = _far_cell(make_return(tmp_path), tmp_path / "far.xlsx")
    report = check_file(path)
    assert report.status == "unreadable" and "模板范围以外" in report.findings[0].message


def test_one_hostile_file_in_a_batch_of_ten_costs_only_itself(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    for p in sorted(SAMPLES.glob("*.xlsx")):
        shutil.copy(p, inbox / p.name)
    _far_cell(next(SAMPLES.glob("440222_*.xlsx")), inbox / "hostile.xlsx")
    proc = xlsx_cli("check", "--format", "json", str(inbox))
    lines = [json.loads(x) for x in proc.stdout.splitlines()]
    assert proc.returncode == 2 and len(lines) == 10, proc.stderr
    statuses = {Path(x["file"]).name: x["status"] for x in lines}
    assert statuses.pop("hostile.xlsx") == "unreadable"
    assert sorted(statuses.values()) == ["errors"] + ["ok"] * 8


def test_a_reader_process_that_dies_costs_only_its_own_file() -> None:
    from xltools.check.workers import Crash, Pool

    results = Pool(_maybe_die, jobs=2, timeout=20).map(["a", "abort", "b", "hog", "c", "hang", "d"])
    assert results[0] == "A" and results[2] == "B" and results[4] == "C" and results[6] == "D"
    assert results[1] == Crash("crashed", "SIGABRT")
    assert isinstance(results[3], Crash) and results[3].kind in ("memory", "crashed")
    assert results[5] == Crash("timeout", "20")


def _maybe_die(item: str) -> str:
    import time

    if item == "abort":
        os.abort()
    if item == "hog":
        return str(len(bytearray(8 * 1024**3)))  # beyond the memory cap
    if item == "hang":
        time.sleep(3600)
    return item.upper()


def test_a_zip_member_that_lies_about_its_size_is_cut_off(tmp_path: Path) -> None:
    """The header says the styles part is small; its data inflates to 1 GiB. It is cut off at the declared
    size while streaming: zipfile's read() inflates the whole member before its CRC fails (1 GiB in memory
    per such file before)."""
    good = make_return(tmp_path)
    out = tmp_path / "liar.xlsx"
    real = zipfile.ZipFile(good).read("xl/styles.xml")
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != "xl/styles.xml":
                dst.writestr(info, src.read(info.filename))
        with dst.open("xl/styles.xml", "w", force_zip64=True) as fh:
            fh.write(real)
            for _ in range(1024):
                fh.write(b" " * 2**20)
    data = bytearray(out.read_bytes())
    name = b"xl/styles.xml"
    for header, size_at, name_len_at, name_at in ((b"PK\x03\x04", 22, 26, 30), (b"PK\x01\x02", 24, 28, 46)):
        i = data.find(header)
        while i != -1:
            n = int.from_bytes(data[i + name_len_at : i + name_len_at + 2], "little")
            if data[i + name_at : i + name_at + n] == name:
                data[i + size_at : i + size_at + 4] = len(real).to_bytes(4, "little")  # the lie
            i = data.find(header, i + 4)
    out.write_bytes(bytes(data))

    # the check runs in a child of a small wrapper, which reports that child's peak memory
    wrapper = (
        "import resource, subprocess, sys; "
        "p = subprocess.run([sys.executable, '-m', 'xltools', 'check', '--format', 'json', sys.argv[1]], capture_output=True, text=True); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss); print(p.returncode); print(p.stdout)"
    )
    proc = subprocess.run([sys.executable, "-c", wrapper, str(out)], capture_output=True, text=True, check=True)
    peak_kb, code, output = proc.stdout.split("\n", 2)
    assert int(code) == 2
    assert int(peak_kb) < 400 * 1024  # the 1 GiB was never inflated (it was, before)
    (line,) = map(json.loads, output.strip().splitlines())
    assert line["status"] == "unreadable" and "损坏" in line["findings"][0]["message"]


def _rewritten(good: Path, out: Path, part: str, **how: object) -> Path:
    """``good`` with ``part`` stored another way (zipfile's own writer: a valid zip of its kind)."""
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == part:
                dst.writestr(part, data, **how)  # type: ignore[arg-type]
            else:
                dst.writestr(info, data)
    return out


def _patched(path: Path, part: str, fn: object) -> Path:
    """``path`` with the bytes of ``part``'s local header and data changed by ``fn(data, start, end)``."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo(part)
    start = info.header_offset
    end = start + 30 + len(part) + int.from_bytes(data[start + 28 : start + 30], "little") + info.compress_size
    fn(data, start, end)  # type: ignore[operator]
    path.write_bytes(bytes(data))
    return path


def _flip_data(data: bytearray, start: int, end: int) -> None:
    data[end - 20] ^= 0x55  # inside the compressed stream


def _rename_local(data: bytearray, start: int, end: int) -> None:
    data[start + 30] ^= 0x20  # the local header's name: "X" for "x"


def _encrypted_flag(data: bytearray, start: int, end: int) -> None:
    data[start + 6] |= 0x1
    i = data.find(b"PK\x01\x02")  # and in the central directory, which zipfile reads
    while i != -1:
        n = int.from_bytes(data[i + 28 : i + 30], "little")
        if data[i + 46 : i + 46 + n] == b"xl/worksheets/sheet2.xml":
            data[i + 8] |= 0x1
        i = data.find(b"PK\x01\x02", i + 4)


@pytest.mark.parametrize(
    "damage",
    [_flip_data, _rename_local, _encrypted_flag],
    ids=["a byte of the data changed", "local name unlike the directory's", "a member marked encrypted"],
)
def test_a_damaged_zip_member_is_damage_not_a_misread_value(tmp_path: Path, damage: object) -> None:
    """Each part is inflated in one bounded call and checked against its header (size, CRC, name, flags)."""
    good = make_return(tmp_path)
    bad = _patched(shutil.copy(good, tmp_path / "bad.xlsx"), "xl/worksheets/sheet2.xml", damage)
    report = check_file(bad)
    assert report.unreadable and [f.detail for f in report.findings] == ["damaged"], report.findings


@pytest.mark.parametrize("far_first", [True, False], ids=["far copy first", "far copy last"])
def test_a_zip_with_two_members_of_one_name_is_damage_whichever_comes_first(tmp_path: Path, far_first: bool) -> None:
    """A sheet stored twice, once as the template wrote it and once with a cell at XFD1048576: the checks and
    calamine must not be left to pick different copies, so the file is not read at all."""
    import warnings

    good = make_return(tmp_path)
    part = "xl/worksheets/sheet2.xml"
    out = tmp_path / "twice.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename != part:
                dst.writestr(info, data)
                continue
            far = data.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>')
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # zipfile warns of the duplicate name: that is the point
                for copy in (far, data) if far_first else (data, far):
                    dst.writestr(part, copy)
    report = check_file(out)
    assert report.unreadable and [f.detail for f in report.findings] == ["damaged"], report.findings


def test_calamine_is_handed_only_the_parts_read_and_proven_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not the file: a zip of the sheets whose values are read (not the instructions, not the printed form, not
    the theme), byte for byte as `Package.read` proved them, under the names found here; and the package's
    relationships, the workbook, its relationships and the styles written here from what was read of them."""
    import io

    from xltools.read import workbook

    good = make_return(tmp_path)
    handed: list[bytes] = []
    real = workbook._calamine

    def spy(data: bytes) -> object:
        handed.append(data)
        return real(data)

    monkeypatch.setattr(workbook, "_calamine", spy)
    report = check_file(good)
    assert not report.unreadable and len(handed) == 1
    with zipfile.ZipFile(io.BytesIO(handed[0])) as given, zipfile.ZipFile(good) as source:
        names = given.namelist()
        assert all(i.compress_type == zipfile.ZIP_STORED for i in given.infolist())
        sheets = {n for n in names if n.startswith("xl/worksheets/")}
        assert {n: given.read(n) for n in sheets} == {n: source.read(n) for n in sheets}
        assert b'Target="xl/workbook.xml"' in given.read("_rels/.rels")
        written = {n: given.read(n) for n in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml")}
        assert all(written[n] != source.read(n) for n in written)
        rels = written["xl/_rels/workbook.xml.rels"]
        assert all(f'Target="/{n}"'.encode() in rels for n in sheets)
        assert source_sheets(source.read("xl/workbook.xml")) == source_sheets(written["xl/workbook.xml"])
    assert set(names) - sheets == {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "_rels/.rels"}
    read = {sheet_part(good, s) for s in ("基本信息", "资金情况", "业务情况", "绩效指标", "自评结论", "_xltools")}
    assert sheets == read


def source_sheets(workbook_xml: bytes) -> list[str]:
    """The sheet names a workbook.xml lists, in order."""
    return [html.unescape(n) for n in re.findall(r'<sheet name="([^"]*)"', workbook_xml.decode())]


def test_the_files_own_package_relationships_cannot_send_calamine_to_another_workbook(tmp_path: Path) -> None:
    """The names, sheets and extents are read from xl/workbook.xml; calamine must read that part as the workbook,
    not whatever the file's _rels/.rels names (a sheet part the checks proved as a sheet, here)."""
    good = make_return(tmp_path)
    with zipfile.ZipFile(good) as zf:
        rels = zf.read("_rels/.rels")
    assert b'Target="xl/workbook.xml"' in rels or b'Target="/xl/workbook.xml"' in rels
    elsewhere = rels.replace(b'Target="/xl/workbook.xml"', b'Target="xl/workbook.xml"').replace(
        b'Target="xl/workbook.xml"', b'Target="xl/worksheets/sheet2.xml"'
    )
    out = _rewritten_with(good, tmp_path / "elsewhere.xlsx", "_rels/.rels", elsewhere)
    assert check_file(out).findings == check_file(good).findings


def _rewritten_with(good: Path, out: Path, part: str, data: bytes) -> Path:
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, data if info.filename == part else src.read(info.filename))
    return out


def test_a_damaged_part_that_no_reader_reads_costs_nothing(tmp_path: Path) -> None:
    """calamine cannot open a part it is not handed: a theme with a changed byte leaves the figures as read."""
    good = make_return(tmp_path)
    bad = _patched(shutil.copy(good, tmp_path / "bad.xlsx"), "xl/theme/theme1.xml", _flip_data)
    with zipfile.ZipFile(bad) as zf, pytest.raises(zipfile.BadZipFile):
        zf.read("xl/theme/theme1.xml")
    assert check_file(bad).findings == check_file(good).findings


def test_a_member_stored_uncompressed_is_read_and_one_in_bzip2_is_damage(tmp_path: Path) -> None:
    """Every spreadsheet program deflates; a stored part is still a valid zip, and is read. No program writes
    bzip2 or lzma: such a part is not read."""
    good = make_return(tmp_path)
    stored = _rewritten(good, tmp_path / "stored.xlsx", "xl/worksheets/sheet2.xml", compress_type=zipfile.ZIP_STORED)
    assert check_file(stored).findings == check_file(good).findings
    bz = _rewritten(good, tmp_path / "bz.xlsx", "xl/worksheets/sheet2.xml", compress_type=zipfile.ZIP_BZIP2)
    report = check_file(bz)
    assert report.unreadable and [f.detail for f in report.findings] == ["damaged"]


# --- 3. every path handled ---------------------------------------------------------------------------


def test_a_file_and_a_folder_without_read_permission_are_listed_with_their_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inbox = tmp_path / "in"
    (inbox / "locked").mkdir(parents=True)
    shutil.copy(next(SAMPLES.glob("440222_*.xlsx")), inbox / "ok.xlsx")
    shutil.copy(next(SAMPLES.glob("440203_*.xlsx")), inbox / "secret.xlsx")
    (inbox / "secret.xlsx").chmod(0)
    (inbox / "locked").chmod(0)
    if os.geteuid() == 0:  # root reads everything: deny as the kernel would for anyone else
        real_open, real_scandir = Path.open, os.scandir

        def deny_open(self: Path, *a, **k):
            if self.name == "secret.xlsx":
                raise PermissionError(13, "Permission denied", str(self))
            return real_open(self, *a, **k)

        def deny_scandir(path="."):
            if Path(path).name == "locked":
                raise PermissionError(13, "Permission denied", str(path))
            return real_scandir(path)

        monkeypatch.setattr(Path, "open", deny_open)
        monkeypatch.setattr(os, "scandir", deny_scandir)
    try:
        result = CliRunner().invoke(app, ["check", "--format", "json", "--jobs", "1", str(inbox)])
    finally:
        (inbox / "secret.xlsx").chmod(0o644)
        (inbox / "locked").chmod(0o755)
    lines = {Path(x["file"]).name: x for x in map(json.loads, result.output.splitlines())}
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert lines["ok.xlsx"]["status"] == "ok"
    assert lines["secret.xlsx"]["status"] == lines["locked"]["status"] == "unreadable"
    assert "没有读取权限" in lines["secret.xlsx"]["findings"][0]["message"]
    assert "没有读取权限" in lines["locked"]["findings"][0]["message"]


def test_a_file_name_in_gbk_from_a_windows_zip(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    name = "始兴县_2023.xlsx".encode("gbk")  # not valid UTF-8: as a Windows zip extracts it
    shutil.copy(next(SAMPLES.glob("440222_*.xlsx")), os.fsencode(inbox) + b"/" + name)
    check = xlsx_cli("check", "--format", "json", str(inbox))
    assert check.returncode == 0, check.stderr
    (line,) = map(json.loads, check.stdout.splitlines())
    assert line["file"].endswith("始兴县_2023.xlsx") and line["status"] == "ok"
    summary = xlsx_cli("aggregate", str(inbox), "-o", str(tmp_path / "s.xlsx"))
    assert summary.returncode == 0 and "Traceback" not in summary.stderr, summary.stderr
    ws = openpyxl.load_workbook(tmp_path / "s.xlsx")["报送情况"]
    assert "始兴县_2023.xlsx" in [c.value for row in ws.iter_rows() for c in row]


def test_strict_open_xml_gets_its_own_plain_reason(tmp_path: Path) -> None:
    path = make_return(tmp_path)
    patch_part(
        path,
        "xl/workbook.xml",
        lambda xml: xml.replace(
            "http://schemas.openxmlformats.org/spreadsheetml/2006/main", "http://purl.oclc.org/ooxml/spreadsheetml/main"
        ),
    )
    report = check_file(path)
    assert report.status == "unreadable" and "Strict Open XML" in report.findings[0].message


# --- 4. output that cannot be written -------------------------------------------------------------


def test_a_folder_where_the_summary_should_be_is_one_line_exit_2(tmp_path: Path) -> None:
    (tmp_path / "s.xlsx").mkdir()
    proc = xlsx_cli("aggregate", str(SAMPLES), "-o", str(tmp_path / "s.xlsx"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "文件夹" in proc.stderr


def test_a_full_disk_is_one_line_and_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import xlsxwriter

    def full(self, *a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(xlsxwriter.Workbook, "close", full)
    result = CliRunner().invoke(app, ["aggregate", str(SAMPLES), "-o", str(tmp_path / "s.xlsx")])
    assert result.exit_code == 2 and "磁盘空间不足" in result.output and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_region_all_writes_every_template_or_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from xltools.template import build

    real = build._Builder.write
    done: list[str] = []

    def fail_on_the_fifth(self, path):
        if len(done) == 4:
            raise OSError(28, "No space left on device")
        done.append(str(path))
        return real(self, path)

    monkeypatch.setattr(build._Builder, "write", fail_on_the_fifth)
    out = tmp_path / "templates"
    result = CliRunner().invoke(app, ["make-template", "--spec", "project", "--region", "all", "-o", str(out)])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert list(out.iterdir()) == []


def test_the_summary_and_its_export_both_or_neither(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from xltools.aggregate import export

    def broken(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export, "write_long", broken)
    import xltools.aggregate as agg

    monkeypatch.setattr(agg, "write_long", broken)
    result = CliRunner().invoke(
        app, ["aggregate", str(SAMPLES), "-o", str(tmp_path / "s.xlsx"), "--export", str(tmp_path / "s.csv")]
    )
    assert result.exit_code == 2
    assert list(tmp_path.iterdir()) == []


def test_sigterm_while_writing_leaves_no_temporary_file(tmp_path: Path) -> None:
    script = f"""
import time
from pathlib import Path
from xltools.atomic import outputs, terminate_cleanly
terminate_cleanly()
with outputs() as out:
    Path(out.path(Path({str(tmp_path / "s.xlsx")!r}))).write_bytes(b"half")
    print("writing", flush=True)
    time.sleep(60)
"""
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "writing"
    assert any(tmp_path.iterdir())  # the temporary file is there
    proc.terminate()
    proc.wait(timeout=30)
    assert list(tmp_path.iterdir()) == []


def test_leftovers_of_a_kill_9_are_removed_by_the_next_run(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    leftover = tmp_path / f".xltools-tmp-{dead.pid}-deadbeef.xlsx"
    leftover.write_bytes(b"half a template")
    result = CliRunner().invoke(app, ["make-template", "--spec", "project", "-o", str(tmp_path / "t.xlsx")])
    assert result.exit_code == 0 and not leftover.exists() and (tmp_path / "t.xlsx").is_file()


# --- 5. names from data never become paths ---------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "name", "words"),
    [("../../etc", "武江区", "6 位数字"), ("440203", "../../etc/passwd", "地区名称"), ("440203", "a\x07b", "地区名称")],
)
def test_region_codes_and_names_that_would_be_paths_are_refused(
    tmp_path: Path, code: str, name: str, words: str
) -> None:
    from xltools.spec import SpecError, load_spec

    schemas = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas", schemas)
    (schemas / "regions" / "shaoguan.yaml").write_text(
        f"id: shaoguan\nname: 韶关市\nregions:\n  - {{code: {json.dumps(code)}, name: {json.dumps(name)}}}\n",
        encoding="utf-8",
    )
    with pytest.raises(SpecError) as info:
        load_spec("project", schemas)
    assert words in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("spec", ["../schemas/project", "/etc/passwd", ".hidden"])
def test_a_spec_id_is_never_a_path(spec: str) -> None:
    result = CliRunner().invoke(app, ["make-template", "--spec", spec])
    assert result.exit_code == 2 and "找不到表样定义" in result.output


# --- 6. specs are bounded ----------------------------------------------------------------------------

BOUND_GOOD = """\
id: mini
version: "1"
regions: shaoguan
types:
  amount: {base: number, decimals: 2, min: 0, unit: 万元, aggregate: sum}
  region: {base: choice, choices_from: regions}
  year: {base: integer}
  date: {base: date}
sheets:
  - name: 资金
    blocks:
      - title: 资金
        fields:
          - {id: region_code, label: 地区, type: region}
          - {id: year, label: 年度, type: year}
          - {id: fill_date, label: 填报日期, type: date}
          - {id: a, label: 甲, type: amount}
          - {id: total, label: 合计, type: amount, formula: 'FORMULA'}
"""


@pytest.mark.parametrize(
    ("formula", "words"),
    [("(" * 600 + "a" + ")" * 600, "嵌套过深"), ("-" * 600 + "a", "嵌套过深"), ("a" + " + a" * 2000, "过长")],
    ids=["600 parentheses", "600 signs", "8,000 characters"],
)
def test_expressions_are_bounded(tmp_path: Path, formula: str, words: str) -> None:
    d = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas" / "regions", d / "regions")
    (d / "mini.yaml").write_text(BOUND_GOOD.replace("FORMULA", formula), encoding="utf-8")
    proc = xlsx_cli("make-template", "--spec", str(d / "mini.yaml"), "-o", str(tmp_path / "t.xlsx"))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and words in proc.stderr and "formula" in proc.stderr


def test_a_yaml_alias_bomb_is_refused(tmp_path: Path) -> None:
    d = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas" / "regions", d / "regions")
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    (d / "mini.yaml").write_text("\n".join(lines) + "\n" + BOUND_GOOD.replace("FORMULA", "a"), encoding="utf-8")
    proc = xlsx_cli("make-template", "--spec", str(d / "mini.yaml"), "-o", str(tmp_path / "t.xlsx"))
    assert proc.returncode == 2 and "别名" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_a_huge_spec_file_is_refused(tmp_path: Path) -> None:
    d = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas" / "regions", d / "regions")
    (d / "mini.yaml").write_text(BOUND_GOOD.replace("FORMULA", "a") + "#" * 2_000_000 + "\n", encoding="utf-8")
    proc = xlsx_cli("make-template", "--spec", str(d / "mini.yaml"), "-o", str(tmp_path / "t.xlsx"))
    assert proc.returncode == 2 and "过大" in proc.stderr


# --- 7. totals a bureau can sign ------------------------------------------------------------------------


def test_returns_with_errors_stay_listed_but_out_of_the_totals(tmp_path: Path) -> None:
    from xltools.aggregate import write_summary

    summary = aggregate([SAMPLES], jobs=1)
    out = write_summary(summary, tmp_path / "s.xlsx")
    values = openpyxl.load_workbook(out, data_only=True)["汇总"]
    header = {c.value: c.column for c in values[3] if c.value}
    rows = {r[1].value: r for r in values.iter_rows(min_row=4) if r[1].value and str(r[1].value).isdigit()}
    total = next(r for r in values.iter_rows(min_row=4) if str(r[0].value or "").startswith("合计"))
    col = header["年初预算数（万元）"] - 1
    counted = [r for code, r in rows.items() if r[4].value == "是"]
    assert rows["440282"][3].value == "已报送（有错误）" and rows["440282"][4].value == "否"
    assert rows["440282"][col].value is not None  # its own figures stay listed
    assert total[col].value == pytest.approx(sum(r[col].value for r in counted))
    assert len(counted) == 8
    note = next(c.value for row in values.iter_rows() for c in row if str(c.value or "").startswith("说明"))
    assert "未计入合计：南雄市" in note


def test_a_region_whose_only_file_was_rejected_is_rejected_not_missing(tmp_path: Path) -> None:
    inbox = tmp_path / "in"
    inbox.mkdir()
    for p in SAMPLES.glob("*.xlsx"):
        if not p.name.startswith("440203"):
            shutil.copy(p, inbox / p.name)
    (inbox / "440203_武江区.pdf").write_bytes(b"%PDF-1.4\n")
    summary = aggregate([inbox], jobs=1)
    wuj = summary.spec.regions.find("440203")
    assert summary.region_status(wuj) == "rejected"
    from xltools.aggregate import write_summary

    ws = openpyxl.load_workbook(write_summary(summary, tmp_path / "s.xlsx"))["汇总"]
    row = next(r for r in ws.iter_rows(min_row=4, values_only=True) if r[1] == "440203")
    assert row[3] == "无法受理"


def test_an_amount_typed_in_yuan_is_reported_at_the_input_cell(tmp_path: Path) -> None:
    """人员经费 in 元: the totals it inflates are locked formulas; the finding names the cell to change."""
    path = make_return(tmp_path, {"personnel_expenditure": 1887200})
    report = check_file(path)
    unit = [f for f in report.findings if f.code == "unit"]
    assert [(f.severity, f.where) for f in unit] == [(E, at(path, "personnel_expenditure"))]
    assert at(path, "total_expenditure").split("!")[1] in " ".join(unit[0].cells) or unit[0].cells


# --- 8. fuzzing: mutated names, cells and batches -------------------------------------------------------

from hypothesis import HealthCheck  # noqa: E402

FIELDS = ["budget_final", "total_expenditure", "insured_total", "region_code", "year", "enrollment_rate", "grade"]


@pytest.fixture(scope="module")
def good_return(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_return(tmp_path_factory.mktemp("good"))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    field=st.sampled_from(FIELDS),
    sheet=st.sampled_from(["资金情况", "业务情况", "基本信息", "填报说明"]),
    col=st.sampled_from("ABCDEFZ"),
    row=st.integers(1, 60),
)
def test_any_name_pointed_anywhere_else_is_never_read(
    good_return: Path, tmp_path: Path, field: str, sheet: str, col: str, row: int
) -> None:
    path = tmp_path / "m.xlsx"
    shutil.copy(good_return, path)
    home = at(path, field)
    target = f"'{sheet}'!${col}${row}"
    _names(path, lambda xml: re.sub(rf'(<definedName name="{field}">)[^<]*', lambda m: m.group(1) + target, xml))
    report = check_file(path)
    if f"{sheet}!{col}{row}" == home:
        assert report.status == "ok"
    else:
        assert report.status == "errors" and ("tampered", E, home) in {
            (f.code, f.severity, f.where) for f in report.findings
        }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    sheet=st.sampled_from(["资金情况", "业务情况", "基本信息", "绩效指标", "自评结论"]),
    col=st.integers(0, 16383),
    row=st.integers(1, 1048576),
)
def test_a_stray_cell_anywhere_is_read_or_refused_never_a_crash(
    good_return: Path, tmp_path: Path, sheet: str, col: int, row: int
) -> None:
    from xltools.contract import col_letter

    path = tmp_path / "s.xlsx"
    shutil.copy(good_return, path)
    ref = f"{col_letter(col)}{row}"
    patch_part(
        path,
        sheet_part(path, sheet),
        lambda xml: xml.replace("</sheetData>", f'<row r="{row}"><c r="{ref}"><v>7</v></c></row></sheetData>'),
    )
    report = check_file(path)
    assert report.status in ("ok", "warnings", "errors", "unreadable")
    if row > 2000 or col > 200:
        assert report.status == "unreadable"


KINDS = ["good", "far", "truncated", "xls", "noise", "moved", "pdf"]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(kinds=st.lists(st.sampled_from(KINDS), min_size=2, max_size=7))
def test_a_batch_of_any_files_accounts_for_every_one(
    good_return: Path, tmp_path_factory: pytest.TempPathFactory, kinds: list[str]
) -> None:
    inbox = tmp_path_factory.mktemp("batch")
    data = good_return.read_bytes()
    for i, kind in enumerate(kinds):
        out = inbox / f"{i}_{kind}.{'pdf' if kind == 'pdf' else 'xlsx'}"
        if kind == "good":
            out.write_bytes(data)
        elif kind == "far":
            _far_cell(good_return, out)
        elif kind == "truncated":
            out.write_bytes(data[: len(data) // 2])
        elif kind == "xls":
            out.write_bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 504)
        elif kind == "noise":
            out.write_bytes(os.urandom(4096))
        elif kind == "moved":
            shutil.copy(good_return, out)
            _names(out, lambda xml: re.sub(r"(<definedName name=\"budget_final\">)[^<]*", r"\1'资金情况'!$C$9", xml))
        else:
            out.write_bytes(b"%PDF-1.4\n")
    summary = aggregate([inbox], spec="yibao_dept", year=2023, jobs=2)
    assert len(summary.submissions) == len(kinds)
    by_kind = {s.file_name.split("_", 1)[1].split(".")[0]: s.status for s in summary.submissions}
    assert all(v in ("ok", "warnings", "errors", "rejected", "duplicate") for v in by_kind.values())
    goods = [s for s in summary.submissions if "_good." in s.file_name]
    assert all(s.status in ("ok", "duplicate") for s in goods)
    assert all(
        s.status == "rejected"
        for s in summary.submissions
        if s.file_name.split("_", 1)[1].split(".")[0] in ("far", "truncated", "xls", "noise", "pdf")
    )
    in_totals = {id(s) for _, s in summary.in_totals()}
    assert all(id(s) not in in_totals for s in summary.submissions if "_moved." in s.file_name)


@pytest.mark.parametrize("command", ["check", "aggregate"])
def test_a_broken_spec_of_the_bureaus_own_stops_the_run_with_one_line(tmp_path: Path, command: str) -> None:
    schemas = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas", schemas)
    text = (schemas / "yibao_dept.yaml").read_text(encoding="utf-8")
    (schemas / "yibao_dept.yaml").write_text(text.replace("type: count", "type: cuont", 1), encoding="utf-8")
    args = [command, str(SAMPLES), "--schemas", str(schemas)] + (
        ["-o", str(tmp_path / "s.xlsx")] if command == "aggregate" else []
    )
    proc = xlsx_cli(*args)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "cuont" in proc.stderr and "yibao_dept.yaml" in proc.stderr


@pytest.mark.parametrize(
    "element",
    ['<x:workbookPr date1904="1"/>', '<workbookPr date1904="1"/>'],
    ids=["foreign-under-mc-ignorable", "a-second-one"],
)
def test_a_workbook_element_calamine_would_read_but_excel_not_is_refused(tmp_path: Path, element: str) -> None:
    """calamine reads workbook.xml by local name: an <x:workbookPr date1904="1"> that Excel ignores (its prefix
    named by mc:Ignorable), or a second workbookPr, would shift every date by four years in silence."""
    path = make_return(tmp_path)
    assert check_file(path).status != "unreadable"

    def add(xml: str) -> str:
        root = xml.index(">", xml.index("<workbook")) + 1
        head = xml[:root].replace(
            "<workbook ",
            '<workbook xmlns:x="urn:x" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
            'mc:Ignorable="x" ',
            1,
        )
        return head + element + xml[root:]

    report = check_file(patch_part(path, r"xl/workbook\.xml", add))
    assert report.status == "unreadable" and "xl/workbook.xml" in report.findings[0].message


_MC = 'xmlns:x="urn:x" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x" '
_WORKSHEET = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"


def _foreign(root: str, inserted: str, before: str | None = None) -> Callable[[str], str]:
    """A patch declaring prefix x (named by mc:Ignorable) on the root element ``root`` and inserting
    ``inserted`` before the first ``before`` (or as the root's first child)."""

    def patch(xml: str) -> str:
        xml = xml.replace(f"<{root} ", f"<{root} {_MC}", 1)
        at = xml.index(before) if before else xml.index(">", xml.index(f"<{root} ")) + 1
        return xml[:at] + inserted + xml[at:]

    return patch


@pytest.mark.parametrize(
    ("part", "patch"),
    [
        # calamine keeps the last relationship of an Id: this one would send it to another sheet's part
        (
            r"xl/_rels/workbook\.xml\.rels",
            _foreign(
                "Relationships",
                f'<x:Relationship Id="rId2" Type="{_WORKSHEET}" Target="/xl/worksheets/sheet3.xml"/>',
                "</Relationships>",
            ),
        ),
        # calamine takes a sheet's last attribute named id, in any namespace
        (
            r"xl/workbook\.xml",
            lambda xml: _foreign("workbook", "")(xml).replace('r:id="rId2"', 'r:id="rId2" x:id="rId3"', 1),
        ),
        # calamine reads every si by local name: one of another namespace shifts every shared string by one
        (r"xl/sharedStrings\.xml", _foreign("sst", "<x:si><x:t>伪造</x:t></x:si>")),
        # ... and every xf: these would give every cell style below 200 a date format, numbers read as dates
        (
            r"xl/styles\.xml",
            _foreign("styleSheet", "<x:cellXfs>" + '<x:xf numFmtId="14"/>' * 200 + "</x:cellXfs>", "<cellXfs"),
        ),
    ],
    ids=["relationship", "sheet-id", "shared-string", "cell-format"],
)
def test_an_element_or_attribute_of_another_namespace_is_read_as_excel_reads_it_not_by_its_local_name(
    tmp_path: Path, part: str, patch: Callable[[str], str]
) -> None:
    """Excel resolves namespaces (and ignores what mc:Ignorable names); calamine reads these parts by local name.
    It is handed them as read here, so the return reads as it did before the foreign element was added."""
    path = with_shared_strings(make_return(tmp_path))
    before = check_file(path)
    assert before.status == "ok" and before.findings == []
    after = check_file(patch_part(path, part, patch))
    assert (after.status, flat(after)) == ("ok", set()), after.findings


@pytest.mark.parametrize(
    ("part", "patch"),
    [
        (
            r"xl/_rels/workbook\.xml\.rels",
            lambda xml: xml.replace(
                "</Relationships>",
                f'<Relationship Id="rId2" Type="{_WORKSHEET}" Target="/xl/worksheets/sheet3.xml"/></Relationships>',
            ),
        ),
        (
            r"xl/workbook\.xml",
            lambda xml: re.sub(r'(<sheet name=")[^"]*(" sheetId="3")', r"\g<1>基本信息\2", xml, count=1),
        ),
        (r"xl/_rels/workbook\.xml\.rels", lambda xml: re.sub(r'<Relationship [^>]*Id="rId3"[^>]*/>', "", xml)),
    ],
    ids=["two-relationships-of-one-id", "two-sheets-of-one-name", "a-sheet-without-its-relationship"],
)
def test_a_workbook_whose_readers_would_differ_on_which_part_or_sheet_counts_is_refused(
    tmp_path: Path, part: str, patch: Callable[[str], str]
) -> None:
    path = patch_part(make_return(tmp_path), part, patch)
    report = check_file(path)
    assert report.status == "unreadable" and part.replace("\\", "").split("/")[-1] in report.findings[0].message


@pytest.mark.parametrize(
    "target", ["worksheets/sheet3.xml", "./worksheets/sheet3.xml", "worksheets/../worksheets/sheet3.xml"]
)
def test_a_sheet_relationship_with_a_relative_target_is_read_where_excel_reads_it(tmp_path: Path, target: str) -> None:
    """calamine joins a relative target to xl/ without resolving "." and "..": it is handed the target as
    resolved here (an absolute one), so the sheet is read, not lost."""
    path = make_return(tmp_path)
    patched = patch_part(
        path, r"xl/_rels/workbook\.xml\.rels", lambda xml: xml.replace("/xl/worksheets/sheet3.xml", target)
    )
    report = check_file(patched)
    assert (report.status, flat(report)) == ("ok", set()), report.findings


@pytest.mark.parametrize(
    "twin",
    ["xl/worksheets/Sheet3.xml", "xl\\worksheets\\sheet3.xml", "/xl/worksheets/sheet3.xml", "XL/WORKSHEETS/SHEET3.XML"],
)
def test_a_member_whose_name_is_another_part_for_excel_is_damage(tmp_path: Path, twin: str) -> None:
    """Excel compares part names without case and reads \\ as /: a second member named so is the same part to
    it, and which of the two a reader takes is its own choice."""
    good = make_return(tmp_path)
    out = tmp_path / "twin.xlsx"
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename))
        dst.writestr(zipfile.ZipInfo(twin), src.read("xl/worksheets/sheet3.xml").replace(b"<v>", b"<v>9"))
    assert zipfile.ZipFile(out).namelist()[-1] == twin  # the twin is stored under exactly that name
    report = check_file(out)
    assert report.unreadable and [f.detail for f in report.findings] == ["damaged"], report.findings


@pytest.mark.parametrize("named", ["_common", "{elsewhere}/yibao_dept.yaml", "../schemas/yibao_dept", "evil.yaml"])
def test_a_spec_a_file_names_is_looked_up_by_id_never_opened_where_it_points(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, named: str
) -> None:
    """The document properties say which spec a return is (before its hidden sheet is read): a path there, a
    file name or an abstract part is not an id, and no YAML is opened for it."""
    from xltools.spec import load as spec_load

    elsewhere = tmp_path / "elsewhere"  # a spec file outside the schemas folder: a return must not open it
    elsewhere.mkdir()
    shutil.copy(ROOT / "schemas" / "yibao_dept.yaml", elsewhere)
    named = named.format(elsewhere=elsewhere)
    path = make_return(tmp_path)
    spec_load._load_path.cache_clear()
    spec_load._load_id.cache_clear()
    opened: list[Path] = []
    real = spec_load._load_path

    def spy(p: Path) -> object:
        opened.append(p)
        return real(p)

    monkeypatch.setattr(spec_load, "_load_path", spy)
    patch_part(
        path,
        r"docProps/custom\.xml",
        lambda xml: xml.replace("<vt:lpwstr>yibao_dept</vt:lpwstr>", f"<vt:lpwstr>{named}</vt:lpwstr>", 1),
    )
    report = check_file(path)
    assert all(p.name == "yibao_dept.yaml" and p.parent == (ROOT / "schemas").resolve() for p in opened), opened
    assert report.status != "unreadable" and any(f.detail == "metadata" for f in report.findings), report.findings
