"""A sheet's XML says one thing to every reader (xltools.read.sheetxml).

The oracle is an independent reading of the sheet as Excel shows it: ElementTree, namespaces resolved (an
element of another namespace is not a cell, as Excel ignores what mc:Ignorable names), rows and cells
without r placed one past the one before. For any sheet, proven XML read by calamine must give exactly the
oracle's cells, or the sheet is refused: as damaged when the oracle finds it ambiguous (not well-formed, two
cells at one place, something other than rows, cells, formulas, values and inline strings in sheetData), as
beyond its extent when a cell or row lies past it.
"""

from __future__ import annotations

import contextlib
import re
import xml.etree.ElementTree as ET
import zlib
from typing import Any

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from xltools.contract import a1
from xltools.read import Unreadable, sheetxml
from xltools.read.package import NS, stored_zip
from xltools.read.sheetxml import formula_cells, prove_sheet, prove_view
from xltools.read.workbook import _calamine

MAIN = NS["m"]
M = "{" + MAIN + "}"
LIMIT = (40, 12)
HEAD = f'<worksheet xmlns="{MAIN}" xmlns:x="urn:foreign" xmlns:m="{MAIN}" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x">'


def _column(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def excel(xml: bytes) -> set[str] | dict[tuple[int, int], str]:
    """The cells Excel shows, {(row, col): text}, 1-based; else what is wrong: "odd" when a reader would have
    to guess, "far" when a cell or row lies past the extent (both, or either for XML that is not XML)."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError:
        return {"odd", "far"}
    datas = [e for e in root.iter() if e.tag.rpartition("}")[2] == "sheetData"]
    if len(datas) != 1 or datas[0].tag != M + "sheetData" or datas[0] not in list(root):
        return {"odd"}
    wrong: set[str] = set()
    cells: dict[tuple[int, int], str] = {}
    row = 0

    def place(at: int, col: int) -> None:
        if at > LIMIT[0] or col > LIMIT[1]:
            wrong.add("far")

    data = datas[0]
    if (data.text or "").strip():
        wrong.add("odd")
    for r in data:
        if (r.tail or "").strip() or (r.text or "").strip():
            wrong.add("odd")
        if r.tag != M + "row":
            wrong.add("odd")
            continue
        ref = r.get("r")
        row = int(re.fullmatch(r"[A-Za-z]*(\d+)", ref).group(1)) if ref else row + 1  # type: ignore[union-attr]
        place(row, 0)
        if row == 0:
            wrong.add("odd")  # rows count from 1
        col = 0
        for c in r:
            if (c.tail or "").strip() or (c.text or "").strip():
                wrong.add("odd")
            if c.tag != M + "c":
                wrong.add("odd")
                continue
            ref = c.get("r")
            if ref:
                m = re.fullmatch(r"([A-Za-z]+)(\d+)", ref)
                if m is None:
                    wrong.add("odd")
                    continue
                at, col = int(m.group(2)), _column(m.group(1))
                if at == 0:
                    wrong.add("odd")
            else:
                at, col = row, col + 1
            place(at, col)
            tags = [k.tag for k in c]
            if (at, col) in cells or len(set(tags)) != len(tags) or set(tags) - {M + "f", M + "v", M + "is"}:
                wrong.add("odd")
            inline = c.find(M + "is")
            if inline is not None and any(not k.tag.startswith(M) for k in inline.iter()):
                wrong.add("odd")
            if c.get("t") == "inlineStr":
                value = "".join(t.text or "" for t in inline.iter(M + "t")) if inline is not None else ""
            else:
                value = v.text or "" if (v := c.find(M + "v")) is not None else ""
            cells[(at, col)] = value
    return wrong or {k: v.strip() for k, v in cells.items() if v.strip()}  # space at a text's ends: not this test's


def calamine_cells(sheet: bytes) -> dict[tuple[int, int], str]:
    """What calamine reads of a proven sheet, in a workbook of that one sheet."""
    workbook = (
        f'<workbook xmlns="{MAIN}" xmlns:r="{NS["r"]}"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets>'
        "</workbook>"
    ).encode()
    rels = (
        f'<Relationships xmlns="{NS["pr"]}"><Relationship Id="rId1" Type="{NS["r"]}/worksheet" '
        'Target="worksheets/sheet1.xml"/></Relationships>'
    ).encode()
    package = (
        f'<Relationships xmlns="{NS["pr"]}"><Relationship Id="rId1" Type="{NS["r"]}/officeDocument" '
        'Target="xl/workbook.xml"/></Relationships>'
    ).encode()
    parts = [
        ("_rels/.rels", package),
        ("xl/workbook.xml", workbook),
        ("xl/_rels/workbook.xml.rels", rels),
        ("xl/worksheets/sheet1.xml", sheet),
    ]
    book = _calamine(stored_zip([(n, d, zlib.crc32(d)) for n, d in parts]))
    sh = book.get_sheet_by_name("S")
    row0, col0 = sh.start or (0, 0)
    out: dict[tuple[int, int], str] = {}
    for i, values in enumerate(sh.to_python(skip_empty_area=True)):
        for j, v in enumerate(values):
            if _text(v).strip():
                out[(row0 + i + 1, col0 + j + 1)] = _text(v).strip()
    return out


def _text(v: Any) -> str:
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)


def outcome(body: str) -> str | dict[tuple[int, int], str]:
    """What xltools reads of a sheet: calamine's reading of the proven XML, or why it was refused."""
    xml = (HEAD + "<sheetData>" + body + "</sheetData></worksheet>").encode()
    try:
        proven = prove_sheet(xml, "xl/worksheets/sheet1.xml", "S", LIMIT)
    except Unreadable as e:
        return {"inner_damaged": "odd", "extent": "far"}.get(e.detail, e.detail)
    return calamine_cells(proven)


def expected(body: str) -> set[str] | dict[tuple[int, int], str]:
    return excel((HEAD + "<sheetData>" + body + "</sheetData></worksheet>").encode())


def _mostly(plain: list[str], odd: list[str]) -> st.SearchStrategy[str]:
    """The forms Excel writes, most of the time; the others, one time in 30 (a sheet draws some 20 of them)."""
    return st.integers(0, 29).flatmap(lambda i: st.sampled_from(odd if i == 0 else plain))


_ROW_R = _mostly(['r="{n}"', "", 'spans="1:3" r="{n}"'], ["r = '{n}'", 'x:r="{n}"', 'r="A{n}"', 'r="0"'])
_CELL_R = _mostly(
    ['r="{a}{n}"', "", 's="1" r="{a}{n}"', 'r="{a}{n}" s="2"'], ["r='{a}{n}'", 's="1"r="{a}{n}"', 'x:r="{a}{n}"']
)
_LETTERS = _mostly(["A", "B", "L", "c"], ["M", "AB", "XFD", "AAAAA"])
_VALUE = _mostly(
    ["<v>{v}</v>", "", "<f>A1</f><v>{v}</v>", '<is><t> r="XFD1048576"</t></is>', "<m:v>{v}</m:v>"],
    [
        "<x:v>{v}</x:v>",
        "<v>{v}</v><x:v>3500</x:v>",
        "<v>{v}</v><v>9</v>",
        "<v><![CDATA[{v}]]></v>",
        "<v>{v}</v><!-- <v>7</v> -->",
        "<x:foo/><v>{v}</v>",
        "<is><t>a</t><x:t>b</x:t></is>",
    ],
)
_ELEMENT = _mostly(["c", "m:c"], ["x:c"])
_ROW = _mostly(["row", "m:row"], ["x:row"])
_EXTRA = _mostly([""], ["<!-- <c r='XFD1'/> -->", "junk", '<x:c r="B1"><v>5</v></x:c>'])


@st.composite
def bodies(draw: Any) -> str:
    out = []
    for _ in range(draw(st.integers(0, 5))):
        n = draw(st.integers(1, 42))
        row_tag = draw(_ROW)
        cells = []
        for _ in range(draw(st.integers(0, 4))):
            tag = draw(_ELEMENT)
            ref = draw(_CELL_R).format(a=draw(_LETTERS), n=draw(st.integers(1, 42)))
            value = draw(_VALUE).format(v=draw(st.integers(0, 99)))
            t = ' t="inlineStr"' if "<is>" in value else ""
            cells.append(f"<{tag} {ref}{t}>{value}</{tag}>" if draw(st.booleans()) or value else f"<{tag} {ref}/>")
        out.append(f"<{row_tag} {draw(_ROW_R).format(n=n)}>{''.join(cells)}{draw(_EXTRA)}</{row_tag}>")
    return "".join(out)


@given(bodies())
@settings(max_examples=400, deadline=None)
@example('<row r="1"><c r="A1"><v>1</v></c></row>')  # canonical, as it is
@example("<row><c><v>1</v></c><c><v>2</v></c></row><row><c><v>3</v></c></row>")  # no r: one past the last
@example('<row r="1"><c r="A1"><v>1</v></c><x:c r="B1"><v>5</v></x:c></row>')  # a foreign cell
@example('<row r="1"><c r="A1"><v>100</v><x:v>3500</x:v></c></row>')  # Excel shows 100; calamine read 3500
@example('<row r="1"><c s="1"r="XFD1048576"><v>1</v></c></row>')  # no space before r: not XML
@example('<row r="1"><c r="AAAAA1"><v>1</v></c></row>')  # five letters: far beyond XFD
@example('<row r="1"><c r="A1"><v>1</v></c><c r="A1"><v>2</v></c></row>')  # two cells at A1
@example('<row r="1"><c r="A1" t="inlineStr"><is><t> r="XFD9"</t></is></c>' + "<c><v>1</v></c>" * 20 + "</row>")
def test_proven_sheets_read_as_excel_shows_them_or_are_refused(body: str) -> None:
    got, want = outcome(body), expected(body)
    assert got in want if isinstance(want, set) else got == want, (body, got, want)


@pytest.mark.parametrize(
    "body",
    [
        # text and attribute values posing as references, to hide cells without r past the extent
        '<row r="1">' + '<c t="inlineStr"><is><t> r="A1" r="A1"</t></is></c>' * 2 + "<c><v>1</v></c>" * 30 + "</row>",
        '<row r="1">' + """<c x:y=" r='A1'"><v>1</v></c>""" * 30 + "</row>",
        '<row r="1"><!-- ' + '<c r="A1"/>' * 30 + " -->" + "<c><v>1</v></c>" * 30 + "</row>",
        "<row x:y=\" r='1'\"><c><v>1</v></c></row>" * 50,  # rows past row 40, each posing as row 1
    ],
    ids=["text", "attribute", "comment", "rows"],
)
def test_references_posing_in_text_values_or_comments_do_not_hide_far_cells(body: str) -> None:
    assert expected(body) == {"far"} and outcome(body) == "far"


def test_a_canonical_sheet_is_handed_on_as_it_is_and_any_other_is_rewritten() -> None:
    canonical = (HEAD + '<sheetData><row r="1"><c r="A1" s="1"><v>1</v></c></row></sheetData></worksheet>').encode()
    assert prove_sheet(canonical, "p", "S", LIMIT) is canonical
    spaced = canonical.replace(b'<c r="A1"', b'<c  r="A1"')
    rewritten = prove_sheet(spaced, "p", "S", LIMIT)
    assert rewritten != spaced and b'<c r="A1" s="1"><v>1</v></c>' in rewritten


def test_a_sheet_declared_in_another_encoding_is_read_in_it() -> None:
    body = '<row r="1"><c r="A1" t="inlineStr"><is><t>é</t></is></c></row>'
    xml = '<?xml version="1.0" encoding="ISO-8859-1"?>' + HEAD + "<sheetData>" + body + "</sheetData></worksheet>"
    proven = prove_sheet(xml.encode("latin-1"), "p", "S", LIMIT)
    assert calamine_cells(proven) == {(1, 1): "é"}


@given(
    limit=st.tuples(st.integers(1, 1048576), st.integers(1, 16384)),
    at=st.tuples(st.integers(1, 1048576), st.integers(1, 16384)),
    near=st.booleans(),
)
@example(limit=(40, 12), at=(40, 12), near=False)
@example(limit=(40, 12), at=(41, 12), near=False)
@example(limit=(40, 12), at=(40, 13), near=False)
@example(limit=(1048576, 16384), at=(1048576, 16384), near=False)  # XFD1048576, the last cell there is
@example(limit=(999, 702), at=(1000, 703), near=False)  # ZZ999 against AAA1000: the lengths change there
def test_a_canonical_sheet_within_its_extent_is_handed_on_and_one_reaching_past_it_is_refused_at_the_cell(
    limit: tuple[int, int], at: tuple[int, int], near: bool
) -> None:
    if near:  # most drawn cells would be far: half the time, one within a step of the extent's edge
        at = (min(max(1, limit[0] + at[0] % 3 - 1), 1048576), min(max(1, limit[1] + at[1] % 3 - 1), 16384))
    ref = a1(at[0] - 1, at[1] - 1)
    xml = (HEAD + f'<sheetData><row r="{at[0]}"><c r="{ref}"><v>1</v></c></row></sheetData></worksheet>').encode()
    if at[0] <= limit[0] and at[1] <= limit[1]:
        assert prove_sheet(xml, "p", "S", limit) is xml
    else:
        with pytest.raises(Unreadable) as refused:
            prove_sheet(xml, "p", "S", limit)
        named = ref if at[0] <= limit[0] else a1(at[0] - 1, 0)  # a row past the extent is named by its first cell
        assert (refused.value.detail, refused.value.params["cell"]) == ("extent", named)


def _sibling(body: str, how: str, k: int) -> str:
    """``body`` as another return of the same template may hold it, or as a hostile one."""
    if how == "values":  # other cached values and texts: the same skeleton
        body = re.sub(r"<v>(\d+)</v>", lambda m: f"<v>{(int(m.group(1)) + k) % 1000}</v>", body)
        return re.sub(r"<t( xml:space=\"preserve\")?>([^<]*)</t>", f"<t\\1>县{k}</t>", body)
    if how == "formula":
        return body.replace("<f>A1</f>", f"<f>A{k % 40 + 1}</f>")
    if how == "twice":  # a cell at a place another holds
        return body + '<row r="1"><c r="A1"><f>A1</f><v>1</v></c></row>'
    return body + '<row r="2"><c r="B2"><v>1</v></c><v>5</v></row>'  # a value between cells: not canonical


@given(bodies(), st.sampled_from(["values", "formula", "twice", "stray"]), st.integers(1, 999))
@settings(max_examples=300, deadline=None)
@example(
    '<row r="1"><c r="A1"><f>A1</f><v>1</v></c><c r="B1" t="inlineStr"><is><t>甲县</t></is></c></row>', "values", 5
)
@example('<row r="1"><c r="A1"><f>A1</f><v>1</v></c></row>', "twice", 1)
def test_a_view_proven_after_one_like_it_is_read_as_if_it_were_the_first(body: str, how: str, k: int) -> None:
    """The printed form's formulas are known from a sheet of the same skeleton proven before (`prove_view`):
    whatever the second sheet — other values and texts, another formula, a cell twice, a stray value — it is
    refused as `prove_sheet` refuses it, or handed on as it hands it on, with the formulas found in that afresh."""
    bases = [body]
    with contextlib.suppress(Unreadable):  # and the sheet as proven: canonical, as most returns are
        proven = prove_sheet((HEAD + "<sheetData>" + body + "</sheetData></worksheet>").encode(), "p", "S", LIMIT)
        bases.append(proven[slice(*sheetxml.sheet_data(proven))].decode())
    for base in bases:
        sheetxml._VIEWS.clear()
        for b in (base, _sibling(base, how, k)):
            xml = (HEAD + "<sheetData>" + b + "</sheetData></worksheet>").encode()
            try:
                fresh = prove_sheet(xml, "p", "S", LIMIT)
            except Unreadable as e:
                with pytest.raises(Unreadable) as refused:
                    prove_view(xml, "p", "S", LIMIT)
                assert (refused.value.detail, refused.value.params) == (e.detail, e.params)
                continue
            assert prove_view(xml, "p", "S", LIMIT) == (fresh, formula_cells(fresh))


def test_a_view_like_one_proven_before_is_not_searched_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """(So that the test above compares the remembered formulas, not only fresh ones.)"""
    sheetxml._VIEWS.clear()
    body = '<row r="1"><c r="A1" s="1"><f>SUM(B1:B9)</f><v>{v}</v></c><c r="B1" t="inlineStr"><is><t>{t}</t></is></c></row>'
    one = (HEAD + "<sheetData>" + body.format(v=1, t="甲县") + "</sheetData></worksheet>").encode()
    two = (HEAD + "<sheetData>" + body.format(v=2, t="乙县") + "</sheetData></worksheet>").encode()
    assert prove_view(one, "p", "S", LIMIT)[1] == ((b"A1", b"SUM(B1:B9)"),)
    searched: list[bytes] = []
    monkeypatch.setattr(sheetxml, "formula_cells", lambda xml: searched.append(xml) or ())
    assert prove_view(two, "p", "S", LIMIT) == (two, ((b"A1", b"SUM(B1:B9)"),)) and searched == []
    assert prove_view(two.replace(b"SUM(B1:B9)", b"SUM(B1:B8)"), "p", "S", LIMIT)[1] == () and len(searched) == 1
