"""Read a returned workbook: its sheets, defined names, metadata, and the values of the sheets asked for.

Cell values come from python-calamine (Rust, fast) — but only once each sheet's XML is proven (sheetxml):
canonical, so that calamine and the look-ups here read the cells Excel shows, or re-written so; and within
the template's extent (one cell at XFD1048576 would make calamine allocate the whole grid). calamine is not
handed the file: it is handed a zip, stored, of the parts read and proven here (size, CRC, no DTD; the sheets
as proven; the workbook, its relationships, shared strings and styles as read here, by bookxml), under the
names found here — so it cannot parse a byte or a part the checks have not seen, read an element by its local
name that Excel reads as another namespace's, or inflate a part a second time.
Formulas and number formats are looked up in the proven sheet XML for the cells that need them.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax import saxutils

from defusedxml import DefusedXmlException

from xltools.contract import META_SHEET, meta_from_properties, meta_from_sheet, parse_target, position
from xltools.read.bookxml import Part, strings_part, styles_part, workbook_parts
from xltools.read.package import NS, STRICT_MAIN, Package, parse_rels, parse_xml, refuse_dtd, stored_zip
from xltools.read.sheetxml import FORMULA, Extent, Formulas, formula_cells, prove_sheet, prove_view, sheet_data
from xltools.read.sniff import Unreadable, sniff

_M = "{" + NS["m"] + "}"
# In a proven (canonical) sheet every "<" is a tag and every '<c r="' a cell: these read it as its readers do.
_STYLE = re.compile(rb' s="(\d+)"')
_READ_BY_CALAMINE = {"workbookPr", "sheets", "sheet", "definedNames", "definedName"}  # of workbook.xml

_RELS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="'
    + NS["pr"].encode()
    + b'"><Relationship Id="rId1" Type="'
    + NS["r"].encode()
    + b'/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_PACKAGE_RELS = ("_rels/.rels", _RELS, zlib.crc32(_RELS))  # the workbook is xl/workbook.xml, the part read here


@dataclass
class RawWorkbook:
    """What `check` needs of a workbook: sheets, names, values of the sheets read, formulas, metadata."""

    path: Path
    sheets: list[str]
    names: dict[str, str]  # workbook-scoped defined name -> its formula text ('资金情况'!$C$10)
    duplicates: set[str] = field(default_factory=set)  # names defined more than once (or also sheet-scoped)
    date1904: bool = False
    values: dict[str, tuple[int, int, list[list[Any]]]] = field(default_factory=dict)  # sheet -> (row0, col0, rows)
    xml: dict[str, bytes] = field(default_factory=dict)  # sheet -> its XML, for formula and format look-ups
    formulas: dict[str, Formulas] = field(default_factory=dict)  # sheet -> its formulas, when found as it was proven
    meta: dict[str, str] = field(default_factory=dict)  # the hidden sheet's records
    custom: dict[str, str] = field(default_factory=dict)  # the same records as document properties
    percent_styles: frozenset[int] = frozenset()
    # sheet -> where its sheetData's content is, found once for the look-ups
    _spans: dict[str, tuple[int, int]] = field(default_factory=dict, repr=False, compare=False)
    # sheet -> where the last cell looked up was found, and its (row, col)
    _cursors: dict[str, tuple[int, tuple[int, int]]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def identity(self) -> dict[str, str]:
        """What the file says it is: the hidden sheet, else the document properties."""
        return self.meta or self.custom

    def target(self, name: str) -> tuple[str, tuple[str, ...]] | None:
        """The sheet and the A1 cells a defined name points to; None if missing or broken (#REF!)."""
        text = self.names.get(name)
        return None if text is None else parse_target(text)

    def has_sheet(self, sheet: str) -> bool:
        return sheet in self.values

    def value(self, sheet: str, ref: str) -> Any:
        """The value shown in a cell (a formula's cached result); None when empty."""
        at = position(ref)
        return None if at is None else self.value_at(sheet, *at)

    def values_at(self, sheet: str, cells: tuple[tuple[int, int], ...]) -> list[Any]:
        """The values of many cells of a sheet, each at 0-based (row, col), as `value_at` gives each."""
        row0, col0, rows = self.values.get(sheet, (0, 0, []))
        height = len(rows)
        out: list[Any] = []
        for row, col in cells:
            r, c = row - row0, col - col0
            v = rows[r][c] if 0 <= r < height and 0 <= c < len(rows[r]) else None
            out.append(None if v == "" else v)
        return out

    def value_at(self, sheet: str, row: int, col: int) -> Any:
        """The value shown in the cell at 0-based ``row`` and ``col``; None when empty."""
        row0, col0, rows = self.values.get(sheet, (0, 0, []))
        r, c = row - row0, col - col0
        if 0 <= r < len(rows) and 0 <= c < len(rows[r]):
            v = rows[r][c]
            return None if v == "" else v
        return None

    def _cell_xml(self, sheet: str, ref: str) -> tuple[bytes, int, int] | None:
        """(sheet XML, start of the cell's element, end of its element) of a cell, or None."""
        xml = self.xml.get(sheet)
        if not xml:
            return None
        start, end = self._spans.get(sheet) or self._spans.setdefault(sheet, sheet_data(xml))
        # One cell at most has this reference (the sheet is proven). Look-ups come near the last one (a field after
        # the one before, a column's next row), so each looks from where the last one was found: on, when its cell
        # comes after that one's in the order sheets are written, back otherwise; then the other way.
        needle = b'<c r="' + ref.encode() + b'"'
        at, last = self._cursors.get(sheet, (start, (-1, -1)))
        here = position(ref) or (-1, -1)
        if here >= last:
            lt = xml.find(needle, at, end)
            if lt == -1:
                lt = xml.rfind(needle, start, at)  # the needle holds one "<", its first byte: none spans ``at``
        else:
            lt = xml.rfind(needle, start, at)
            if lt == -1:
                lt = xml.find(needle, at, end)
        if lt == -1:
            return None
        self._cursors[sheet] = (lt, here)
        gt = xml.find(b"<", lt + 1, end)  # the next tag: a proven tag holds no "<"
        if gt == -1:
            return None
        if xml[gt - 2 : gt] == b"/>":
            return xml, lt, gt - 1
        close = xml.find(b"</c>", lt, end)
        return xml, lt, close if close != -1 else end

    def formula(self, sheet: str, ref: str) -> str | None:
        """The formula of a cell without its '=' ("" for a shared-formula follower); None if it has none."""
        found = self._cell_xml(sheet, ref)
        if found is None:
            return None
        xml, start, end = found
        m = FORMULA.search(xml, start + 1, end)
        if m is None:
            return None
        return _unescape((m.group(1) or b"").decode("utf-8", "replace"))

    def formula_cells(self, sheet: str) -> tuple[tuple[bytes, bytes], ...]:
        """Every formula of a sheet as (A1, its XML text) — b"" for a shared-formula follower — in one pass
        over its XML, as bytes: the returns of one template share them, so callers may memoise on them."""
        known = self.formulas.get(sheet)
        if known is not None:
            return known
        xml = self.xml.get(sheet)
        return formula_cells(xml) if xml else ()

    def is_percent(self, sheet: str, ref: str) -> bool:
        """Whether the cell shows its number as a percentage (a clerk typed 95%, stored as 0.95)."""
        if not self.percent_styles:
            return False
        found = self._cell_xml(sheet, ref)
        if found is None:
            return False
        xml, start, _ = found
        m = _STYLE.search(xml, start, xml.find(b"<", start + 1))
        return m is not None and int(m.group(1)) in self.percent_styles


def formula_text(raw: bytes) -> str:
    """A formula's text from its XML bytes. The template's formulas are short and shared: cached; a long one
    (hostile) is not."""
    return _formula_text(raw) if len(raw) <= 512 else _formula_text.__wrapped__(raw)


@lru_cache(maxsize=4096)
def _formula_text(raw: bytes) -> str:
    return _unescape(raw.decode("utf-8", "replace"))


def _unescape(text: str) -> str:
    return saxutils.unescape(text, {"&quot;": '"', "&apos;": "'"})


Selector = Callable[[RawWorkbook], "set[str] | None"]
Extents = Callable[[RawWorkbook, str], "Extent | None"]


def read_workbook(
    path: Path | str, sheets: Selector | None = None, extents: Extents | None = None, xml_only: Selector | None = None
) -> RawWorkbook:
    """Read names, metadata and the cells of the sheets ``sheets`` picks once it has seen the metadata (all
    sheets when None or when it returns None). A sheet with a cell beyond ``extents(raw, sheet)`` is refused
    before its values are read. Of the sheets ``xml_only`` picks, only the XML is kept (their formulas are
    verified, their values not needed). Raises Unreadable."""
    path = Path(path)
    sniff(path)
    try:
        with Package(path) as pkg:
            return _read(pkg, path, sheets, extents, xml_only)
    except Unreadable:
        raise
    except DefusedXmlException:
        raise Unreadable("unsafe_xml") from None
    except (KeyError, ValueError, IndexError) as e:
        raise Unreadable("inner_damaged", part=type(e).__name__) from None
    except MemoryError:
        raise Unreadable("crashed", reason="MemoryError") from None
    except BaseException as e:  # anything else from a hostile file, including a panic inside python-calamine
        if not isinstance(e, Exception) and not _is_panic(e):
            raise  # KeyboardInterrupt, SystemExit
        raise Unreadable("unsafe", reason=type(e).__name__) from None


def _read(
    pkg: Package, path: Path, select: Selector | None, extents: Extents | None, xml_only: Selector | None = None
) -> RawWorkbook:
    if "xl/workbook.xml" not in pkg:
        raise Unreadable("not_workbook")
    if "xl/vbaProject.bin" in pkg:
        raise Unreadable("macros")
    wb_bytes = pkg.read("xl/workbook.xml")
    if STRICT_MAIN in wb_bytes[:4096]:
        raise Unreadable("strict")
    rels_part = "xl/_rels/workbook.xml.rels"
    rels = pkg.read(rels_part) if rels_part in pkg else b""
    order, sheet_parts, defined, duplicates, date1904, written = _structure(wb_bytes, rels)
    raw = RawWorkbook(path, list(order), dict(defined), set(duplicates), date1904)
    if "docProps/custom.xml" in pkg:
        raw.custom = meta_from_properties(dict(_properties(pkg.read("docProps/custom.xml"))))
    # calamine is given only the parts proven here, stored: it parses no byte the checks have not seen. The
    # package's relationships, the workbook and its relationships are written here from what was read above
    # (bookxml): the file's own could send it to other parts, sheets or dates than the ones read here.
    book_parts: list[Part] = [*written, _PACKAGE_RELS]
    percent: frozenset[int] = frozenset()
    if "xl/sharedStrings.xml" in pkg:
        book_parts.append(strings_part(pkg.read("xl/sharedStrings.xml")))
    if "xl/styles.xml" in pkg:
        styles, percent = styles_part(pkg.read("xl/styles.xml"))
        book_parts.append(styles)
    limits: dict[str, Extent | None] = {}  # sheet -> the extent its XML was proven within
    crcs: dict[str, int] = {}  # sheet -> the CRC-32 of its proven XML

    def prove(sheet: str, view: bool = False) -> bool:
        """Read a sheet's XML and prove it (no DTD; canonical, or re-written so; no cell beyond its extent)
        before calamine or a look-up here may read it. A ``view`` (only its formulas are read) is proven with them."""
        part = sheet_parts.get(sheet)
        if part is None or part not in pkg:
            return False
        limit = extents(raw, sheet) if extents is not None else None
        if sheet not in raw.xml:
            data = pkg.read(part)
            refuse_dtd(data, part)
            if view:
                raw.xml[sheet], raw.formulas[sheet] = prove_view(data, part, sheet, limit)
            else:
                raw.xml[sheet] = prove_sheet(data, part, sheet, limit)
            crcs[sheet] = pkg.crc(part) if raw.xml[sheet] is data else zlib.crc32(raw.xml[sheet])
        elif sheet not in limits or limits[sheet] != limit:
            prove_sheet(raw.xml[sheet], part, sheet, limit)
        limits[sheet] = limit
        return True

    def wanted() -> list[str]:
        chosen = select(raw) if select is not None else None
        return [s for s in order if s != META_SHEET and (chosen is None or s in chosen)]

    def open_book(sheets: list[str]) -> Any:
        parts = book_parts + [(sheet_parts[s], raw.xml[s], crcs[s]) for s in sheets]
        return _calamine(stored_zip(parts))

    # The sheets are chosen by what the file says it is: before the hidden sheet is read, by its document
    # properties — the same answer but for a tampered file, whose sheets are then proven and opened again.
    guess = [s for s in [META_SHEET, *wanted()] if prove(s)]
    book = open_book(guess)
    available = set(book.sheet_names)
    for sheet in [s for s in raw.xml if s not in available]:
        del raw.xml[sheet]  # not a sheet calamine reads (as a chart sheet): nothing of it is read

    def load(sheet: str) -> None:
        if sheet not in available or sheet in raw.values or sheet not in raw.xml:
            return
        try:
            sh = book.get_sheet_by_name(sheet)
            row0, col0 = sh.start or (0, 0)
            rows = sh.to_python(skip_empty_area=True)
        except BaseException as e:  # calamine panics (pyo3 PanicException) on impossible dates
            if not _is_panic(e):
                raise
            raise Unreadable("bad_value", sheet=sheet) from None
        raw.values[sheet] = (row0, col0, rows)

    load(META_SHEET)
    if META_SHEET in raw.values:
        raw.meta = meta_from_sheet(
            [(raw.value_at(META_SHEET, r, 0), raw.value_at(META_SHEET, r, 1)) for r in range(1, 49)]  # A2:B49
        )
    sheets = [s for s in wanted() if s in available and prove(s)]
    if any(s not in guess for s in sheets) or any(limits[s] != (extents(raw, s) if extents else None) for s in guess):
        book = open_book([s for s in [META_SHEET, *sheets] if s in raw.xml])
    for sheet in sheets:
        load(sheet)
    for sheet in (xml_only(raw) or set()) if xml_only is not None else set():
        if sheet not in raw.xml:
            prove(sheet, view=True)  # its formulas are looked up in it: proven as the sheets calamine reads are
    if any(sheet in raw.values for sheet in order if sheet != META_SHEET):
        raw.percent_styles = percent
    return raw


Structure = tuple[tuple[str, ...], dict[str, str], dict[str, str], frozenset[str], bool, tuple[Part, Part]]


@lru_cache(maxsize=64)
def _structure(wb_bytes: bytes, rels_bytes: bytes) -> Structure:
    """Sheets in order, each sheet's part, the defined names, names defined twice, the 1904 flag, and the
    workbook and its relationships as calamine is to read them. Cached by content (the returns of one template share these bytes): callers copy what they change."""
    wb = parse_xml(wb_bytes, "xl/workbook.xml")
    read = [e for e in wb.iter() if e.tag.rpartition("}")[2] in _READ_BY_CALAMINE]
    if any(not e.tag.startswith(_M) for e in read) or sum(e.tag == _M + "workbookPr" for e in read) > 1:
        # calamine reads these by local name: one of another namespace (which Excel ignores under mc:Ignorable),
        # or a second workbookPr, would have it read other sheets or dates than the ones read here
        raise Unreadable("inner_damaged", part="xl/workbook.xml")
    rels = parse_rels(rels_bytes, "xl/_rels/workbook.xml.rels") if rels_bytes else {}
    pr = wb.find("m:workbookPr", NS)
    date1904 = pr is not None and pr.get("date1904") in ("1", "true")
    sheet_parts: dict[str, str] = {}
    order: list[str] = []
    kinds: list[tuple[str, str, str]] = []
    for s in wb.iterfind("m:sheets/m:sheet", NS):
        name = s.get("name", "")
        rid = s.get("{" + NS["r"] + "}id", "")
        if name.casefold() in (o.casefold() for o in order):
            raise Unreadable("inner_damaged", part="xl/workbook.xml")  # two sheets of one name: which is read?
        if rid not in rels:  # Excel cannot open it; calamine would not either
            raise Unreadable("inner_damaged", part="xl/_rels/workbook.xml.rels")
        order.append(name)
        sheet_parts[name] = rels[rid][0]
        kinds.append((name, *rels[rid]))
    defined: dict[str, str] = {}
    duplicates: set[str] = set()
    local: set[str] = set()
    for d in wb.iterfind("m:definedNames/m:definedName", NS):
        name = d.get("name") or ""
        if not name:
            continue
        if d.get("localSheetId") is not None:
            local.add(name)
        elif name in defined:
            duplicates.add(name)
        else:
            defined[name] = (d.text or "").strip()
    duplicates |= {n for n in local if not n.startswith("_xlnm.")}  # a sheet-scoped twin shadows the name
    return tuple(order), sheet_parts, defined, frozenset(duplicates), date1904, workbook_parts(kinds, date1904)


@lru_cache(maxsize=64)
def _properties(data: bytes) -> tuple[tuple[str, str], ...]:
    """The custom document properties as (name, text)."""
    root = parse_xml(data, "docProps/custom.xml")
    return tuple((p.get("name", ""), (p[0].text or "").strip()) for p in root.iterfind("cp:property", NS) if len(p))


def _is_panic(e: BaseException) -> bool:
    """A Rust panic surfaced by pyo3 (a BaseException, so that `except Exception` does not swallow it)."""
    return type(e).__name__ == "PanicException"


def _calamine(data: bytes) -> Any:
    import io

    import python_calamine

    try:
        return python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except python_calamine.PasswordError:  # sniff has refused encrypted files; this is the last word
        raise Unreadable("encrypted") from None
