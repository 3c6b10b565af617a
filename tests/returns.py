"""Build returns for tests from the seed data: fill a template, then make one mistake on purpose."""

from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
from support.fill import fill_return, load_return_data

from xltools.template import build_template

SAMPLES = Path(__file__).resolve().parent.parent / "samples" / "data"
SHIXING = SAMPLES / "440222_shixing_2023_yibao_dept.yaml"
LECHANG = SAMPLES / "440281_lechang_2021_project.yaml"


def seed(path: Path = SHIXING) -> dict[str, Any]:
    return load_return_data(path)


def region_return(spec: Any, values: dict[str, Any], year: int, region: Any, out: Path) -> Path:
    """``region``'s own template for ``year``, filled with ``values``, at ``out`` (the template is not kept)."""
    with tempfile.TemporaryDirectory() as d:
        return fill_return(build_template(spec, Path(d) / "template.xlsx", year, region), values, out)


def make_return(
    tmp: Path,
    changes: dict[str, Any] | None = None,
    rows: dict[tuple[str, int], Any] | None = None,
    source: Path = SHIXING,
    name: str = "return.xlsx",
    region: bool = True,
    edit: Callable[[openpyxl.Workbook], None] | None = None,
    year: int | None = None,
) -> Path:
    """The seed return with ``changes`` (field -> value) and ``rows`` ((column, row) -> value) applied;
    with ``year``, made from that year's template."""
    data = seed(source)
    values = {k: (list(v) if isinstance(v, list) else v) for k, v in data["values"].items()}
    values.update(changes or {})
    if year is not None:
        data["year"] = values["year"] = year
    for (col, i), v in (rows or {}).items():
        column = values.setdefault(col, [])
        column.extend([None] * (i + 1 - len(column)))
        column[i] = v
    template = build_template(data["spec"], tmp / f"template-{name}", data["year"], data["region"] if region else None)
    out = fill_return(template, values, tmp / name)
    if edit is not None:
        wb = openpyxl.load_workbook(out)
        edit(wb)
        wb.save(out)
    return out


def patch_part(path: Path, part_pattern: str, fn: Callable[[str], str]) -> Path:
    """Rewrite the parts of an .xlsx whose names match ``part_pattern`` (regex) with ``fn``."""
    tmp = path.with_suffix(".patching")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if re.fullmatch(part_pattern, info.filename):
                data = fn(data.decode("utf-8")).encode("utf-8")
            dst.writestr(info, data)
    shutil.move(tmp, path)
    return path


def with_shared_strings(path: Path) -> Path:
    """The return with its inline strings moved to xl/sharedStrings.xml, as Excel, WPS and LibreOffice save."""
    strings: list[str] = []

    def share(m: re.Match[str]) -> str:
        strings.append(m.group(1))
        return f't="s"><v>{len(strings) - 1}</v>'

    tmp = path.with_suffix(".sharing")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename).decode("utf-8")
            if info.filename.startswith("xl/worksheets/"):
                data = re.sub(r't="inlineStr"><is><t(?: xml:space="preserve")?>([^<]*)</t></is>', share, data)
            elif info.filename == "[Content_Types].xml":
                kind = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
                data = data.replace(
                    "</Types>", f'<Override PartName="/xl/sharedStrings.xml" ContentType="{kind}"/></Types>'
                )
            elif info.filename == "xl/_rels/workbook.xml.rels":
                kind = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
                rel = f'<Relationship Id="rIdStrings" Type="{kind}" Target="sharedStrings.xml"/>'
                data = data.replace("</Relationships>", rel + "</Relationships>")
            dst.writestr(info, data.encode("utf-8"))
        main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
        items = "".join(f'<si><t xml:space="preserve">{t}</t></si>' for t in strings)
        dst.writestr("xl/sharedStrings.xml", f'<sst xmlns="{main}" count="{len(strings)}">{items}</sst>')
    shutil.move(tmp, path)
    return path


def sheet_part(path: Path, sheet: str) -> str:
    """The zip part of a named sheet."""
    wb = openpyxl.load_workbook(path, read_only=True)
    index = wb.sheetnames.index(sheet) + 1
    wb.close()
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
    part = f"xl/worksheets/sheet{index}.xml"
    assert part in names, names
    return part


def cell_of(path: Path, name: str) -> tuple[str, str]:
    wb = openpyxl.load_workbook(path, read_only=False)
    ((sheet, ref),) = wb.defined_names[name].destinations
    return sheet, ref.replace("$", "")


def flat(report: Any) -> set[tuple[str, str, str]]:
    """Findings as (code, severity, sheet!cell) for assertions."""
    return {(f.code, f.severity, f.where) for f in report.findings}


# Three mistakes a clerk makes (a phone without its area code, 约2万 for an amount, a count out of range);
# the desk's tests upload them, then the fixed return.
FIRST_MISTAKES = {"phone": "6927892", "penalties": "约2万", "inspection_visits": 10}
