"""The summary's worksheets write their cells in one step each: the XML must be xlsxwriter's own, byte for byte."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st
from xlsxwriter.worksheet import Worksheet

from xltools.aggregate import summary as summary_module
from xltools.aggregate.fitted import StreamedSheet

# Texts as returns hold them, and as an attacker would write them: control characters, xlsxwriter's own escape
# (_x0041_), the non-characters it rewrites, markup, spaces at either end, rich-text look-alikes.
TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.sampled_from(list("ab _x0041F&<>\"'\n\t\r\x00\x01\x1f\ufffe\uffff中<r>/")), max_size=30),
    st.sampled_from(["<r>x</r>", " lead", "trail ", "_x0000_", "=1+1", "", "\u3000全角", "a>b", "&", "<"]),
)
NUMBER = st.one_of(st.integers(-(10**15), 10**15), st.floats(allow_nan=False, allow_infinity=False))
CELL = st.one_of(
    st.tuples(st.just("text"), TEXT),
    st.tuples(st.just("number"), NUMBER),
    st.tuples(st.just("blank"), st.none()),
)


def _sheet_xml(path: Path, cls: type[Worksheet], rows: list[list[tuple[str, Any]]], formatted: list[bool]) -> bytes:
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False})
    fmt = wb.add_format({"text_wrap": True})
    ws = wb.add_worksheet("s", worksheet_class=cls)
    for r, row in enumerate(rows):
        for c, (kind, value) in enumerate(row):
            f = fmt if formatted[(r + c) % len(formatted)] else None
            if kind == "text":
                ws._write_string(r, c, value, f)
            elif kind == "number":
                ws._write_number(r, c, value, f)
            else:
                ws._write_blank(r, c, None, f)
    wb.close()
    with zipfile.ZipFile(path) as zf:
        return zf.read("xl/worksheets/sheet1.xml")


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(st.lists(CELL, min_size=1, max_size=6), min_size=1, max_size=5),
    formatted=st.lists(st.booleans(), min_size=1, max_size=3),
)
def test_cells_are_written_as_xlsxwriter_writes_them(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[tuple[str, Any]]], formatted: list[bool]
) -> None:
    d = tmp_path_factory.mktemp("cells")
    assert _sheet_xml(d / "a.xlsx", StreamedSheet, rows, formatted) == _sheet_xml(
        d / "b.xlsx", Worksheet, rows, formatted
    )


def _rows_xml(
    path: Path, cls: type[Worksheet], rows: list[list[tuple[str, Any]]], how: list[tuple[bool, int | None]]
) -> bytes:
    """A sheet of ``rows``, each written at once (`put_row`, with ``cls`` StreamedSheet) or cell by cell, after its
    height if it has one: ``how`` says which, row by row in turn."""
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False})
    fmt = wb.add_format({"text_wrap": True})
    ws = wb.add_worksheet("s", worksheet_class=cls)
    for r, row in enumerate(rows):
        at_once, height = how[r % len(how)]
        if height is not None:
            ws.set_row(r, height)
        cells = [
            (None if kind == "blank" else value, None if kind == "blank" and c % 2 else fmt)
            for c, (kind, value) in enumerate(row)
        ]
        if at_once and cls is StreamedSheet and ws.put_row(r, cells):
            continue
        for c, (value, f) in enumerate(cells):
            if value is None:
                ws._write_blank(r, c, None, f)
            elif isinstance(value, str):
                ws._write_string(r, c, value, f)
            elif isinstance(value, dt.datetime):
                ws.write_datetime(r, c, value, f)
            else:
                ws._write_number(r, c, value, f)
    wb.close()
    with zipfile.ZipFile(path) as zf:
        return zf.read("xl/worksheets/sheet1.xml")


ROW_CELL = CELL | st.tuples(st.just("date"), st.datetimes(dt.datetime(1900, 3, 1), dt.datetime(9999, 12, 31)))


@settings(max_examples=300, deadline=None)
@given(
    rows=st.lists(st.lists(ROW_CELL, min_size=1, max_size=6), min_size=1, max_size=6),
    how=st.lists(
        st.tuples(st.booleans(), st.none() | st.sampled_from([8.0, 15.0, 30.0, 409.0])), min_size=1, max_size=4
    ),
)
def test_rows_written_at_once_are_written_as_xlsxwriter_writes_them(
    tmp_path_factory: pytest.TempPathFactory, rows: list[list[tuple[str, Any]]], how: list[tuple[bool, int | None]]
) -> None:
    """Rows written at once among rows written cell by cell, with and without a height, blank cells with and
    without a format, dates, texts xlsxwriter rewrites (such a row is written cell by cell): the same XML."""
    d = tmp_path_factory.mktemp("rows")
    assert _rows_xml(d / "a.xlsx", StreamedSheet, rows, how) == _rows_xml(d / "b.xlsx", Worksheet, rows, how)


def test_a_row_is_written_at_once_unless_it_cannot_be(tmp_path: Path) -> None:
    """The fast way is taken (so the test above compares it): a plain row goes at once; a row with a rewritten
    text, a cell without a format, a date that is not a datetime, or a row already written does not, and nothing
    of it is written."""
    wb = xlsxwriter.Workbook(str(tmp_path / "x.xlsx"), {"constant_memory": True})
    fmt = wb.add_format()
    ws = wb.add_worksheet("s", worksheet_class=StreamedSheet)
    assert ws.put_row(
        0, [("a", fmt), (1.5, fmt), (None, fmt), (None, None), ("a & <b>", fmt), (dt.datetime(2024, 7, 9), fmt)]
    )
    assert not ws.put_row(1, [("a\x01", fmt)])
    assert not ws.put_row(1, [("_x0041_", fmt)])
    assert not ws.put_row(1, [("a", None)])
    assert not ws.put_row(1, [(dt.date(2024, 1, 1), fmt)])  # a date without a time: xlsxwriter's own way
    assert not ws.put_row(1, [(float("nan"), fmt)])
    assert not ws.put_row(1, [(None, None)])
    assert ws.put_row(2, [("b", fmt)])
    assert not ws.put_row(1, [("c", fmt)])  # before a row written: as xlsxwriter, which writes no cell there
    wb.close()
    with zipfile.ZipFile(tmp_path / "x.xlsx") as zf:
        xml = zf.read("xl/worksheets/sheet1.xml").decode()
    assert '<row r="1">' in xml and '<row r="3">' in xml and '<row r="2"' not in xml and "a &amp; &lt;b&gt;" in xml


def _parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:  # core.xml holds the time it was written
        return {n: zf.read(n) for n in zf.namelist() if n != "docProps/core.xml"}


def test_a_summary_is_the_same_workbook_as_stock_xlsxwriter_writes(
    summary: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = summary_module.write_summary(summary, tmp_path / "fast.xlsx")
    monkeypatch.setattr(summary_module, "StreamedSheet", Worksheet)
    stock = summary_module.write_summary(summary, tmp_path / "stock.xlsx")
    a, b = _parts(fast), _parts(stock)
    assert a.keys() == b.keys() and any(n.startswith("xl/worksheets/") for n in a)
    assert a == b


def test_no_row_is_taller_than_excel_allows(summary: Any, tmp_path: Path) -> None:
    """A text of 60 lines would make a row of 900 points; Excel's and WPS's tallest is 409 (a taller one makes
    Excel "repair" the file). The row is as tall as it may be, and the text is all in the cell."""
    import openpyxl

    wb = openpyxl.load_workbook(summary_module.write_summary(summary, tmp_path / "s.xlsx"))
    heights = {ws.title: [d.height for d in ws.row_dimensions.values() if d.height] for ws in wb.worksheets}
    assert 408 <= max(heights["指标明细"]) <= 409  # (xlsxwriter keeps heights in whole pixels)
    assert all(h <= 409 for hs in heights.values() for h in hs), heights
    texts = [c.value for row in wb["指标明细"].iter_rows() for c in row if isinstance(c.value, str)]
    assert any(t.count("\n") == 59 for t in texts)


@pytest.fixture(scope="module")
def summary(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A summary of a few returns, one with markup and a formula look-alike in its texts."""
    import random

    from returns import SHIXING, region_return, seed
    from support.synth import synthesize

    from xltools.aggregate import aggregate

    d = tmp_path_factory.mktemp("streamed")
    base = seed(SHIXING)
    spec = base["spec"]
    rng = random.Random(3)
    for region in spec.regions.regions[:4]:
        values = dict(synthesize(spec, base["values"], region, 2023, rng))
        if region is spec.regions.regions[0]:
            values["ind_name"] = ['=HYPERLINK("http://x","<点击> & _x0041_")', *values["ind_name"][1:]]
            values["department"] = "  前后有空格 "
            values["ind_name"][1] = "\n".join(f"第{i}行说明" for i in range(60))  # taller than a row can be
        region_return(spec, values, 2023, region, d / "in" / f"{region.code}.xlsx")
    return aggregate([d / "in"], spec="yibao_dept", year=2023, jobs=1)
