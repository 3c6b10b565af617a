"""The shared strings calamine is handed read as Excel reads them (xltools.read.bookxml).

Each case is a sharedStrings part some writer could produce; calamine reads it, as handed on by
`strings_part`, in a workbook whose sheet shows each string in turn. It must show Excel's strings.
"""

from __future__ import annotations

import pytest

from xltools.read import Unreadable
from xltools.read.bookxml import part, strings_part, workbook_parts
from xltools.read.package import NS, stored_zip
from xltools.read.workbook import _calamine

MAIN = NS["m"]
_RELS = (
    f'<Relationships xmlns="{NS["pr"]}"><Relationship Id="rId1" Type="{NS["r"]}/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
).encode()


def shown(strings: bytes, n: int) -> list[str]:
    """What calamine shows of shared strings 0 … n-1, one a cell, given them as `strings_part` hands them on."""
    rows = "".join(f'<row r="{i + 1}"><c r="A{i + 1}" t="s"><v>{i}</v></c></row>' for i in range(n))
    sheet = f'<worksheet xmlns="{MAIN}"><sheetData>{rows}</sheetData></worksheet>'.encode()
    book, rels = workbook_parts([("S", "xl/worksheets/sheet1.xml", f"{NS['r']}/worksheet")], False)
    parts = [book, rels, part("_rels/.rels", _RELS), strings_part(strings), part("xl/worksheets/sheet1.xml", sheet)]
    values = _calamine(stored_zip(parts)).get_sheet_by_name("S").to_python()
    return [row[0] for row in values]


def sst(body: str, head: str = f'<sst xmlns="{MAIN}">', prolog: str = "") -> bytes:
    return (prolog + head + body + "</sst>").encode("utf-8")


MC = 'xmlns:x="urn:x" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x"'


@pytest.mark.parametrize(
    ("strings", "excel"),
    [
        (sst("<si><t>甲</t></si><si><t>乙</t></si>"), ["甲", "乙"]),
        # rich text: the runs' text, not their fonts; the phonetic guide (rPh) is not shown
        (sst("<si><r><rPr><b/></rPr><t>甲</t></r><r><t>乙</t></r><rPh sb='0' eb='1'><t>jia</t></rPh></si>"), ["甲乙"]),
        # a writer that prefixes the main namespace (the .NET Open XML SDK does)
        (sst("<x:si><x:t>甲</x:t></x:si>", head=f'<x:sst xmlns:x="{MAIN}">').replace(b"</sst>", b"</x:sst>"), ["甲"]),
        # an si of another namespace, ignored by Excel under mc:Ignorable: it does not shift the ones after it
        (sst("<x:si><x:t>伪</x:t></x:si><si><t>甲</t></si>", head=f'<sst xmlns="{MAIN}" {MC}>'), ["甲"]),
        (sst("<si><t>甲</t><x:t>伪</x:t></si>", head=f'<sst xmlns="{MAIN}" {MC}>'), ["甲"]),
        # an si re-declaring the default namespace as another
        (sst('<si xmlns="urn:x"><t>伪</t></si><si><t>甲</t></si>'), ["甲"]),
        (sst("<si><t><![CDATA[a<b]]></t></si><!-- <si><t>伪</t></si> -->"), ["a<b"]),
        (sst("<si><t>é</t></si>", prolog='<?xml version="1.0" encoding="ISO-8859-1"?>'), ["é"]),
    ],
    ids=["plain", "rich", "prefixed-main", "foreign-si", "foreign-t", "default-redeclared", "cdata-comment", "latin-1"],
)
def test_shared_strings_are_read_as_excel_shows_them(strings: bytes, excel: list[str]) -> None:
    if b"ISO-8859-1" in strings:
        strings = strings.decode("utf-8").encode("latin-1")
    assert shown(strings, len(excel)) == excel


def test_plain_shared_strings_are_handed_on_as_they_are() -> None:
    strings = sst("<si><t>甲</t></si>")
    assert strings_part(strings)[1] is strings


@pytest.mark.parametrize("strings", [b"<sst", sst("<si><t>a</t></si>", head='<sst xmlns="urn:x">')])
def test_shared_strings_that_are_not_an_sst_are_refused(strings: bytes) -> None:
    with pytest.raises(Unreadable):
        strings_part(strings.replace(b"<si>", b"<si >"))
