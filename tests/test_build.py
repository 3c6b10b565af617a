"""make-template: the workbook contract of DESIGN §3 on every shipped spec."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest

from xltools.contract import FORM_SHEET, INSTRUCTIONS_SHEET, META_SHEET, layout_of
from xltools.spec import load_spec
from xltools.template import build_template, build_templates

ROOT = Path(__file__).resolve().parent.parent
SPEC_IDS = ("dept_overall", "yibao_dept", "project")
EXCEL_FUNCTIONS = {"SUM", "IF", "MIN", "MAX", "ROUND", "ABS", "AND", "OR", "INDEX", "MATCH", "COUNTA", "SUMPRODUCT"}


def cell_of(wb: openpyxl.Workbook, name: str):
    ((sheet, ref),) = wb.defined_names[name].destinations
    return wb[sheet][ref.replace("$", "")]


def first_cell(wb: openpyxl.Workbook, name: str):
    """The cell of a field, or the first row's cell of a table column."""
    ((sheet, ref),) = wb.defined_names[name].destinations
    return wb[sheet][ref.replace("$", "").split(":")[0]]


def validations_at(ws, coordinate: str) -> list:
    return [dv for dv in ws.data_validations.dataValidation if coordinate in dv.sqref]


@pytest.mark.parametrize("spec_id", SPEC_IDS)
def test_every_field_is_a_defined_name_on_a_cell_of_its_kind(templates: dict[str, Path], spec_id: str) -> None:
    spec = load_spec(spec_id)
    wb = openpyxl.load_workbook(templates[spec_id])
    for f in spec.fields.values():
        assert f.id in wb.defined_names, f.id
        cell = cell_of(wb, f.id)
        if f.derived:
            assert isinstance(cell.value, str) and cell.value.startswith("="), (f.id, cell.value)
            assert cell.protection.locked, f.id
        elif f.prefill == "year":
            assert cell.value == 2023 and cell.protection.locked
        else:
            assert cell.value is None, f.id
            assert not cell.protection.locked, f.id
            assert cell.fill.fgColor.rgb.endswith("FFF2CC"), f.id  # shaded as an input
            assert validations_at(cell.parent, cell.coordinate), f"{f.id}: no validation / input message"


@pytest.mark.parametrize("spec_id", SPEC_IDS)
def test_indicator_columns_are_names_over_unlocked_rows(templates: dict[str, Path], spec_id: str) -> None:
    spec = load_spec(spec_id)
    wb = openpyxl.load_workbook(templates[spec_id])
    for c in spec.table.columns:
        ((sheet, ref),) = wb.defined_names[c.id].destinations
        cells = [row[0] for row in wb[sheet][ref.replace("$", "")]]
        assert len(cells) == spec.table.rows >= 20
        assert all(not x.protection.locked and x.value is None for x in cells), c.id
        assert validations_at(wb[sheet], cells[0].coordinate), c.id


@pytest.mark.parametrize("spec_id", SPEC_IDS)
def test_dropdowns_on_every_choice(templates: dict[str, Path], spec_id: str) -> None:
    spec = load_spec(spec_id)
    wb = openpyxl.load_workbook(templates[spec_id])
    choices = [f for f in spec.fields.values() if f.kind == "choice" and not f.prefill]
    choices += [
        c for c in spec.table.columns if c.kind == "choice" or (c.qualitative and c.qualitative.kind == "choice")
    ]
    assert {c.id for c in choices} >= {"ind_level1", "ind_level2", "ind_direction", "ind_actual"}
    for f in choices:
        cell = first_cell(wb, f.id)
        lists = [dv for dv in validations_at(cell.parent, cell.coordinate) if dv.type == "list"]
        assert lists, f.id
        wanted = f.qualitative.choices if f.kind != "choice" else f.choices
        source = lists[0].formula1
        if source.startswith('"'):
            assert source.strip('"').split(",") == list(wanted)
        else:  # a long list kept in a range of the hidden sheet
            assert META_SHEET in source


def test_generic_region_dropdown_lists_every_region_code(templates: dict[str, Path]) -> None:
    wb = openpyxl.load_workbook(templates["yibao_dept"])
    cell = cell_of(wb, "region_code")
    (dv,) = [d for d in validations_at(cell.parent, cell.coordinate) if d.type == "list"]
    assert dv.formula1.strip('"').split(",") == [r.code for r in load_spec("yibao_dept").regions.regions]


@pytest.mark.parametrize("spec_id", SPEC_IDS)
def test_sheets_protected_meta_hidden_instructions_first(templates: dict[str, Path], spec_id: str) -> None:
    spec = load_spec(spec_id)
    wb = openpyxl.load_workbook(templates[spec_id])
    assert wb.sheetnames == [INSTRUCTIONS_SHEET, *[s.name for s in spec.sheets], FORM_SHEET, META_SHEET]
    assert all(wb[s.name].protection.sheet for s in spec.sheets) and wb[FORM_SHEET].protection.sheet
    meta = wb[META_SHEET]
    assert meta.sheet_state == "veryHidden"
    kv = {r[0].value: r[1].value for r in meta.iter_rows(min_row=2, max_col=2) if r[0].value}
    assert kv["spec"] == spec_id and kv["spec_version"] == spec.version and kv["year"] == "2023"
    assert kv["fingerprint"] == layout_of(spec).fingerprint
    text = " ".join(str(c.value) for row in wb[INSTRUCTIONS_SHEET].iter_rows() for c in row if c.value)
    assert "万元" in text and "黄色" in text and spec.fields["phone"].label in text


@pytest.mark.parametrize("spec_id", SPEC_IDS)
def test_formulas_use_only_functions_every_client_has(templates: dict[str, Path], spec_id: str) -> None:
    wb = openpyxl.load_workbook(templates[spec_id])
    formulas = [
        c.value
        for ws in wb.worksheets
        for row in ws.iter_rows()
        for c in row
        if isinstance(c.value, str) and c.value.startswith("=")
    ]
    assert formulas
    used = {fn for f in formulas for fn in re.findall(r"([A-Z][A-Z0-9.]*)\(", f)}
    assert used <= EXCEL_FUNCTIONS, used - EXCEL_FUNCTIONS


def test_cached_values_match_the_empty_form(templates: dict[str, Path]) -> None:
    """xlsxwriter would cache 0 for every formula; the builder stores what the empty form shows."""
    wb = openpyxl.load_workbook(templates["yibao_dept"], data_only=True)
    assert cell_of(wb, "grade").value in ("", None)  # no grade before any indicator is scored (was "差")
    assert cell_of(wb, "total_expenditure").value == 0


def test_region_template_prefills_and_locks_the_region(tmp_path: Path) -> None:
    spec = load_spec("yibao_dept")
    path = build_template(spec, tmp_path / "t.xlsx", 2023, spec.regions.find("始兴县"))
    wb = openpyxl.load_workbook(path)
    cell = cell_of(wb, "region_code")
    assert cell.value == "440222" and cell.protection.locked
    kv = {r[0].value: r[1].value for r in wb[META_SHEET].iter_rows(min_row=2, max_col=2)}
    assert kv["region_code"] == "440222" and kv["region_name"] == "始兴县"


def test_a_regions_template_carries_its_own_region_not_the_whole_list(tmp_path: Path) -> None:
    """A county's return need not carry a province's region list: every check of it would read the list
    (issue #14: 12,000 regions made each check ~6x slower). The generic template keeps the list."""
    import shutil
    import zipfile

    import yaml
    from support.fill import fill_return, load_return_data

    from xltools.check import check_file

    schemas = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas", schemas)
    regions = [{"code": "440222", "name": "始兴县"}] + [
        {"code": f"{900000 + i}", "name": f"远方地区{i:04d}"} for i in range(1, 3000)
    ]
    (schemas / "regions" / "shaoguan.yaml").write_text(
        yaml.safe_dump({"id": "shaoguan", "name": "韶关市", "regions": regions}, allow_unicode=True), encoding="utf-8"
    )
    spec = load_spec("yibao_dept", schemas)
    own = build_template(spec, tmp_path / "own.xlsx", 2023, spec.regions.find("440222"))
    generic = build_template(spec, tmp_path / "generic.xlsx", 2023)
    wb = openpyxl.load_workbook(own)
    assert cell_of(wb, "region_code").value == "440222"
    codes = [c.value for c in next(wb[META_SHEET].iter_cols(min_col=4, max_col=4)) if c.value]
    assert codes == ["440222"]
    with zipfile.ZipFile(own) as z:
        assert not any("远方地区" in z.read(n).decode() for n in z.namelist() if n.endswith(".xml"))
    with zipfile.ZipFile(generic) as z:
        assert "远方地区2999" in z.read("xl/sharedStrings.xml").decode()
    assert own.stat().st_size * 2 < generic.stat().st_size
    data = load_return_data(ROOT / "samples" / "data" / "440222_shixing_2023_yibao_dept.yaml")
    filled = fill_return(own, data["values"], tmp_path / "filled.xlsx")
    report = check_file(filled, schemas)
    assert report.region_code == "440222" and not report.errors, [f.code for f in report.findings]


def test_region_all_writes_one_file_per_region_named_after_it(tmp_path: Path) -> None:
    spec = load_spec("project")
    paths = build_templates(spec, tmp_path / "out", 2021)
    assert [p.name for p in paths][:2] == ["440203_武江区_project_2021.xlsx", "440204_浈江区_project_2021.xlsx"]
    assert len(paths) == 10 and all(p.is_file() for p in paths)


def _fingerprint_in_a_fresh_process(spec: str) -> str:
    import subprocess
    import sys

    code = f"from xltools.contract import layout_of; from xltools.spec import load_spec; print(layout_of(load_spec({spec!r})).fingerprint)"
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_fingerprint_is_stable_and_follows_the_structure(tmp_path: Path) -> None:
    """Stable across processes and equal to what the committed template recorded (read by openpyxl), so the
    templates in the counties' hands stay valid; a changed formula changes it."""
    import shutil

    import openpyxl

    first, second = _fingerprint_in_a_fresh_process("dept_overall"), _fingerprint_in_a_fresh_process("dept_overall")
    committed = openpyxl.load_workbook(ROOT / "templates" / "dept_overall_2025.xlsx")
    recorded = {p.name: p.value for p in committed.custom_doc_props.props}["xltools_fingerprint"]
    assert first == second == recorded
    schemas = tmp_path / "schemas"
    shutil.copytree(ROOT / "schemas", schemas)
    text = (schemas / "dept_overall.yaml").read_text(encoding="utf-8")
    (schemas / "dept_overall.yaml").write_text(
        text.replace(
            "formula: reception_cost + vehicle_cost + overseas_cost", "formula: reception_cost + vehicle_cost"
        ),
        encoding="utf-8",
    )
    changed = layout_of(load_spec("dept_overall", schemas)).fingerprint
    assert changed != first and len(changed) == len(first)


def test_a_failed_build_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from xltools.template import build

    def boom(self, path):
        Path(path).write_bytes(b"partial")
        raise RuntimeError("disk full")

    monkeypatch.setattr(build._Builder, "write", boom)
    with pytest.raises(RuntimeError):
        build_template(load_spec("project"), tmp_path / "t.xlsx", 2021)
    assert list(tmp_path.iterdir()) == []


def test_written_files_get_ordinary_permissions(tmp_path: Path) -> None:
    import os

    path = build_template(load_spec("project"), tmp_path / "t.xlsx", 2021)
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_generic_template_shows_the_region_name_beside_the_code(templates: dict[str, Path], tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(templates["yibao_dept"])
    code = cell_of(wb, "region_code")
    name = code.offset(column=1)
    assert name.value.startswith("=IF(") and "INDEX(" in name.value and "MATCH(" in name.value
    assert name.protection.locked
    spec = load_spec("yibao_dept")
    region = build_template(spec, tmp_path / "r.xlsx", 2023, spec.regions.find("始兴县"))
    assert openpyxl.load_workbook(region)["基本信息"][name.coordinate].value == "始兴县"  # prefilled: the name itself
