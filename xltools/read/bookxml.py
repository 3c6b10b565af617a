"""The workbook-level parts calamine reads — workbook.xml, its relationships, the shared strings and the styles —
given to it as they are read here, so that it reads the same sheets, strings and number formats as Excel.

calamine finds these parts' elements by local name, in any namespace, and keeps the last of two relationships
with one Id or the last of two attributes named ``id``; Excel resolves namespaces and ignores what
``mc:Ignorable`` names. So a ``<x:Relationship>`` could send calamine to another sheet's part, an ``<x:si>``
shift every shared string by one, an ``<x:xf>`` turn a number into a date. What calamine is handed is written
here, canonically, from this module's namespace-aware reading — or, for shared strings (which differ in every
return), proven plain by a scan at C speed and handed on as they are.
"""

from __future__ import annotations

import re
import zlib
from functools import lru_cache
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from xltools.read.package import NS, in_utf8, parse_xml
from xltools.read.sniff import Unreadable

Part = tuple[str, bytes, int]  # (name, bytes, CRC-32): a part of the zip calamine is handed

_M = "{" + NS["m"] + "}"
_HEAD = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_PREFIXED = re.compile(rb"<[A-Za-z_][\w.-]*:")  # a tag with a prefix: calamine would read it by its local name
_SST = re.compile(rb"<sst\b[^>]*>")
_MAIN_DEFAULT = b'xmlns="' + NS["m"].encode() + b'"'


def part(name: str, data: bytes) -> Part:
    return name, data, zlib.crc32(data)


def workbook_parts(sheets: list[tuple[str, str, str]], date1904: bool) -> tuple[Part, Part]:
    """xl/workbook.xml and its relationships for ``sheets`` (name, part, relationship type), in order: only what
    calamine reads of them (the sheets, the 1904 flag). Each sheet's target is absolute: no path to resolve."""
    book = [_HEAD, b'<workbook xmlns="', NS["m"].encode(), b'" xmlns:r="', NS["r"].encode(), b'">']
    book.append(b'<workbookPr date1904="1"/>' if date1904 else b"")
    rels = [_HEAD, b'<Relationships xmlns="', NS["pr"].encode(), b'">']
    book.append(b"<sheets>")
    for i, (name, target, kind) in enumerate(sheets, 1):
        book.append(b'<sheet name=%s sheetId="%d" r:id="rId%d"/>' % (_attr(name), i, i))
        rels.append(b'<Relationship Id="rId%d" Type=%s Target=%s/>' % (i, _attr(kind), _attr("/" + target)))
    book.append(b"</sheets></workbook>")
    rels.append(b"</Relationships>")
    return part("xl/workbook.xml", b"".join(book)), part("xl/_rels/workbook.xml.rels", b"".join(rels))


@lru_cache(maxsize=64)
def styles_part(data: bytes) -> tuple[Part, frozenset[int]]:
    """xl/styles.xml as calamine is to read it (the number formats and the cells' formats, of the main
    namespace, where Excel reads them), and the cell formats that show a percentage. Cached by content."""
    root = parse_xml(data, "xl/styles.xml")
    formats = {
        f.get("numFmtId", ""): f.get("formatCode", "")
        for f in root.iterfind("m:numFmts/m:numFmt", NS)
        if (f.get("numFmtId") or "").isdigit()
    }
    xfs = [xf.get("numFmtId") for xf in root.iterfind("m:cellXfs/m:xf", NS)]
    out = [_HEAD, b'<styleSheet xmlns="', NS["m"].encode(), b'"><numFmts>']
    out += [b"<numFmt numFmtId=%s formatCode=%s/>" % (_attr(i), _attr(code)) for i, code in formats.items()]
    out.append(b"</numFmts><cellXfs>")
    out += [b"<xf/>" if i is None else b"<xf numFmtId=%s/>" % _attr(i) for i in xfs]
    out.append(b"</cellXfs></styleSheet>")
    percent = {
        n
        for n, i in enumerate(xfs)
        if i is not None and i.isdigit() and (int(i) in _PERCENT_IDS or "%" in _QUOTED.sub("", formats.get(i, "")))
    }
    return part("xl/styles.xml", b"".join(out)), frozenset(percent)


_PERCENT_IDS = {9, 10}  # Excel's built-in 0% and 0.00%
_QUOTED = re.compile(r'"[^"]*"|\\.')  # literal text in a format code: a "%" there is not a percentage


def strings_part(data: bytes) -> Part:
    """xl/sharedStrings.xml as calamine is to read it: as it is when plain (UTF-8, the main namespace declared
    once on sst, no prefixed tag, no comment or CDATA: then calamine's reading by local name is Excel's), else
    each string written as Excel reads it (text of the main namespace's si/t and si/r/t, not the phonetic)."""
    if _plain(data):
        return part("xl/sharedStrings.xml", data)
    root = parse_xml(data, "xl/sharedStrings.xml")
    if root.tag != _M + "sst":
        raise Unreadable("inner_damaged", part="xl/sharedStrings.xml")
    out = [_HEAD, b'<sst xmlns="', NS["m"].encode(), b'">']
    for si in root.iterfind("m:si", NS):
        wanted = {id(t) for t in si.iterfind("m:t", NS)} | {id(t) for t in si.iterfind("m:r/m:t", NS)}
        text = "".join(_text(t) for t in si.iter() if id(t) in wanted)  # in document order
        out.append(b'<si><t xml:space="preserve">' + _escape(text) + b"</t></si>")
    out.append(b"</sst>")
    return part("xl/sharedStrings.xml", b"".join(out))


def _plain(data: bytes) -> bool:
    root = _SST.search(data)
    return (
        in_utf8(data)
        and root is not None
        and _MAIN_DEFAULT in root.group()
        and data.count(b'xmlns="') == 1
        and _PREFIXED.search(data) is None
        and data.find(b"<!") == -1
    )


def _text(t: Any) -> str:
    """A t element's text, without that of any element inside it (the schema allows none; Excel ignores one of
    another namespace)."""
    return (t.text or "") + "".join(child.tail or "" for child in t)


def _attr(value: str) -> bytes:
    return quoteattr(value, {"\r": "&#13;", "\t": "&#9;", "\n": "&#10;"}).encode("utf-8")


def _escape(text: str) -> bytes:
    return escape(text, {"\r": "&#13;"}).encode("utf-8")
