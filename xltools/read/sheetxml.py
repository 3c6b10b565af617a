"""A worksheet's XML, proven to say one thing to every reader before any reader is given it.

calamine (which reads the values) and the look-ups here (formulas, number formats) must see the same cells
as Excel or WPS would show. A sheet whose ``sheetData`` is *canonical* — rows and cells each with an ``r``,
in the main namespace, cells holding only a formula, a value or an inline string, no comments, no CDATA,
nothing foreign — reads the same way in all of them: one pattern proves it (C speed, no Python per cell),
and it is used as it is. Any other sheet is parsed strictly (expat: well-formed XML, namespaces resolved) and
re-written canonically, cell by cell at the place Excel puts it, or refused: so no reader is left to guess
where a cell without ``r`` goes, which of two cells at one place counts, or whether an element of another
namespace is read (calamine reads local names only; Excel ignores what ``mc:Ignorable`` names).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from xml.parsers import expat
from xml.sax.saxutils import escape

from xltools.contract import a1
from xltools.read.package import NS, in_utf8
from xltools.read.sniff import Unreadable

Extent = tuple[int, int]  # (rows, columns) a sheet may use

_MAIN = NS["m"]
_MAX_ROWS, _MAX_COLS = 1048576, 16384
# The canonical sheetData: what Excel, WPS, LibreOffice, openpyxl and xlsxwriter write. Attribute values hold
# no quote and no "<", text no "<": so every "<" is a tag, and every '<c r="' a cell's own reference. ATTRS (a
# tag's attributes after its r, if any) is the look-ups' too: they read the sheet by this grammar.
ATTRS = rb'(?: (?!r=)[A-Za-z_][\w.:-]*+="[^"<]*+")*+ ?'
_F = rb"<f" + ATTRS + rb"(?:/>|>[^<]*+</f>)"
_V = rb"<v ?(?:/>|>[^<]*+</v>)"
_IS = rb'<is><t(?: xml:space="preserve")? ?(?:/>|>[^<]*+</t>)</is>'
_CELLS = re.compile(rb'<c r="([A-Z]+[0-9]+)"')  # in a canonical sheetData: every cell's own reference
# The look-ups' formula, and a cell with one: its r and the formula's text (a cell without one fails at once).
FORMULA = re.compile(rb"<f" + ATTRS + rb"(?:/>|>([^<]*+)</f>)")
CELL_FORMULA = re.compile(rb'<c r="([A-Z]+\d+)"' + ATTRS + rb">" + FORMULA.pattern)
# What differs between the returns of one template in a sheet that holds only formulas and labels (the printed
# form): the formulas' cached values, right after their text, and the texts (the county's name in a title). A
# canonical sheet without them — its *skeleton* — says where every cell is and what every formula is: no match of
# `_CELLS` or `CELL_FORMULA` holds such a value or text, nor could one span where it was (it would hold "</f></c>",
# or a text element's tags and then a cell's opening).
_SKELETON = (
    (re.compile(rb"</f><v>[^<]*+</v>"), b"</f>"),
    (re.compile(rb"<t>[^<]++"), b"<t>"),
    (re.compile(rb'<t xml:space="preserve">[^<]++'), b'<t xml:space="preserve">'),
)
_VIEWS: dict[bytes, tuple[tuple[bytes, bytes], ...]] = {}  # sheetData's skeleton -> its formula cells, as proven
VIEWS_KEPT, VIEW_BYTES = 64, 1 << 20  # skeletons kept, and the largest kept (a template's printed form: 25 KB)

Formulas = tuple[tuple[bytes, bytes], ...]  # a sheet's formulas: (A1, the formula's XML text) in the sheet's order
_OPEN, _CLOSE = b"<sheetData>", b"</sheetData>"


def sheet_data(xml: bytes) -> tuple[int, int]:
    """Where a proven sheet's cells are: (start, end) of its sheetData's content."""
    start = xml.find(_OPEN)
    return (start + len(_OPEN), xml.find(_CLOSE, start)) if start != -1 else (0, 0)


def prove_sheet(xml: bytes, part: str, sheet: str, limit: Extent | None) -> bytes:
    """The sheet's XML as every reader is to read it: ``xml`` itself when canonical, else a canonical re-writing
    of its cells. Raises Unreadable when it is not well-formed XML, holds two cells at one place, cells of
    another namespace or parts inside a cell no reader agrees on, or reaches beyond ``limit``."""
    limit = limit or (_MAX_ROWS, _MAX_COLS)
    if not _canonical(xml, limit):  # not canonical, or reaching past the extent: the rewrite says which
        xml = _rewrite(xml, part, sheet, limit)
        if not _canonical(xml, limit):  # what is written here is canonical: were it not, refuse, not guess
            raise Unreadable("inner_damaged", part=part[:80])
    _one_cell_a_place(xml, part)
    return xml


def prove_view(xml: bytes, part: str, sheet: str, limit: Extent | None) -> tuple[bytes, Formulas]:
    """`prove_sheet`, and the sheet's formulas: those of a canonical sheet whose skeleton (`_SKELETON`) was proven
    before are known — its cells are the same, so no two are at one place, and so are its formulas."""
    if len(xml) > VIEW_BYTES or not _canonical(xml, limit or (_MAX_ROWS, _MAX_COLS)):
        proven = prove_sheet(xml, part, sheet, limit)
        return proven, formula_cells(proven)
    start, end = sheet_data(xml)
    skeleton = xml[start:end]  # the cells (a page's header may name the county too)
    for pattern, kept in _SKELETON:
        skeleton = pattern.sub(kept, skeleton)
    known = _VIEWS.get(skeleton)
    if known is None:
        _one_cell_a_place(xml, part)
        known = formula_cells(xml)
        if len(_VIEWS) >= VIEWS_KEPT:  # hostile files, each unlike the last, cannot grow it without end
            _VIEWS.clear()
        _VIEWS[skeleton] = known
    return xml, known


def formula_cells(xml: bytes) -> Formulas:
    """Every formula of a proven sheet, in one pass over its XML."""
    return tuple(CELL_FORMULA.findall(xml, *sheet_data(xml)))


def _one_cell_a_place(xml: bytes, part: str) -> None:
    cells = _CELLS.findall(xml, *sheet_data(xml))  # one pass, no Python per match
    if len(set(cells)) != len(cells):
        raise Unreadable("inner_damaged", part=part[:80])  # two cells at one place: which is shown is a guess


@functools.lru_cache(maxsize=32)
def _grammar(limit: Extent) -> re.Pattern[bytes]:
    """The canonical sheetData of a sheet within ``limit``: every row and cell reference bounded by it, so a cell
    beyond it fails the pattern (and the rewrite then refuses it by name) with no Python per cell here."""
    rows, cols = _upto(limit[0]), _letters(limit[1])
    cell = rb'<c r="' + cols + rows + b'"' + ATTRS + rb"(?:/>|>(?:" + _F + rb")?(?:" + _V + rb")?(?:" + _IS
    cell += rb")?</c>)"
    row = rb'<row r="' + rows + b'"' + ATTRS + rb"(?:/>|>(?:" + cell + rb")*+</row>)"
    return re.compile(rb"(?:" + row + rb")*+")


def _upto(n: int) -> bytes:
    """A pattern for the numbers 1 to ``n`` as Excel writes them (decimal, no leading zero)."""
    digits = str(n).encode()
    k = len(digits)
    shorter = [b"[1-9]" + (b"[0-9]{0,%d}" % (k - 2) if k > 2 else b"")] if k > 1 else []
    return _below(digits, shorter, b"0123456789", first=b"1")


def _letters(n: int) -> bytes:
    """A pattern for the column letters of columns 1 to ``n`` (A, B, … Z, AA, …)."""
    letters = a1(0, n - 1).rstrip("0123456789").encode()
    m = len(letters)
    return _below(letters, [b"[A-Z]{1,%d}" % (m - 1)] if m > 1 else [], b"ABCDEFGHIJKLMNOPQRSTUVWXYZ", first=b"A")


def _below(top: bytes, shorter: list[bytes], alphabet: bytes, first: bytes) -> bytes:
    """Strings of ``top``'s length at most ``top`` (same length: lexical order is numeric order), or ``shorter``."""
    alts = list(shorter)
    every = b"[" + alphabet[:1] + b"-" + alphabet[-1:] + b"]"
    for i, ch in enumerate(top):
        low = alphabet.index(first) if i == 0 else 0
        high = alphabet.index(ch)
        if high > low:
            rest = len(top) - i - 1
            span = b"[" + alphabet[low : low + 1] + b"-" + alphabet[high - 1 : high] + b"]"
            alts.append(top[:i] + span + (every + b"{%d}" % rest if rest else b""))
    alts.append(top)
    return b"(?:" + b"|".join(alts) + b")"


def _canonical(xml: bytes, limit: Extent) -> bool:
    if xml.count(b"sheetData") != 2:  # one sheetData, and no other element (of any prefix) of that name
        return False
    if not in_utf8(xml):
        return False  # read in another encoding by calamine than the bytes seen here
    start, end = sheet_data(xml)
    return start > len(_OPEN) - 1 and end != -1 and _grammar(limit).fullmatch(xml, start, end) is not None


def _column(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def _reference(value: str, cell: bool) -> tuple[int, int | None]:
    """(row, column or None) of an r attribute, 1-based, read as Excel and calamine read it (letters, digits)."""
    m = re.fullmatch(r"([A-Za-z]*)([0-9]+)", value)
    if m is None or (cell and not m.group(1)) or int(m.group(2)) == 0:
        raise ValueError(value)
    return int(m.group(2)), (_column(m.group(1)) if m.group(1) else None)


@dataclass
class _Cell:
    attrs: dict[str, str]
    formula: tuple[dict[str, str], list[str]] | None = None
    value: list[str] | None = None
    inline: list[str] | None = None


@dataclass
class _Parse:
    part: str
    sheet: str
    limit: Extent
    stack: list[str] = field(default_factory=list)  # the open elements, as "uri}local"
    sheet_data: int = 0  # how many main-namespace sheetData elements were seen
    in_data: bool = False
    row: int = 0  # the current row, 1-based (0 before the first)
    col: int = 0  # the last cell's column in the current row
    cells: dict[tuple[int, int], _Cell] = field(default_factory=dict)
    cell: _Cell | None = None
    text: list[str] | None = None  # where character data goes now

    def refuse(self) -> Unreadable:
        return Unreadable("inner_damaged", part=self.part[:80])

    def place(self, row: int, col: int) -> None:
        """Refuse a cell (or a row, col 0) beyond the extent at once: nothing past it is kept."""
        if row > self.limit[0] or col > self.limit[1]:
            cell = a1(min(row, _MAX_ROWS) - 1, min(max(col, 1), _MAX_COLS) - 1)
            raise Unreadable("extent", sheet=self.sheet, cell=cell)

    def start(self, name: str, attrs: dict[str, str]) -> None:
        uri, _, local = name.rpartition("}")
        parent = self.stack[-1] if self.stack else ""
        self.stack.append(name)
        if local == "sheetData":
            if uri != _MAIN or self.in_data or len(self.stack) != 2:
                raise self.refuse()  # a second sheetData, or one of another namespace: calamine may read it
            self.sheet_data += 1
            self.in_data = True
            return
        if not self.in_data:
            return
        main = uri == _MAIN
        if parent == _MAIN + "}sheetData" and main and local == "row":
            r = attrs.get("r")
            self.row = _reference(r, cell=False)[0] if r is not None else self.row + 1
            self.col = 0
            self.place(self.row, 0)
        elif parent == _MAIN + "}row" and main and local == "c":
            r = attrs.get("r")
            if r is not None:
                row, col = _reference(r, cell=True)
            else:
                row, col = max(self.row, 1), self.col + 1
            self.col = col or 0
            self.place(row, self.col)
            if (row, self.col) in self.cells:
                raise self.refuse()
            self.cell = self.cells[(row, self.col)] = _Cell({k: v for k, v in attrs.items() if k in ("s", "t")})
        elif parent == _MAIN + "}c" and main and self.cell is not None:
            if local == "f" and self.cell.formula is None:
                keep = {k: v for k, v in attrs.items() if k in ("t", "ref", "si", "ca", "aca")}
                self.cell.formula = (keep, [])
                self.text = self.cell.formula[1]
            elif local == "v" and self.cell.value is None:
                self.cell.value = self.text = []
            elif local == "is" and self.cell.inline is None:
                self.cell.inline = []
            else:
                raise self.refuse()
        elif self.cell is not None and self.cell.inline is not None and main and _in_inline(self.stack):
            self.text = self.cell.inline if local == "t" and not _in_phonetic(self.stack) else None
        else:
            raise self.refuse()  # anything else inside sheetData: another namespace, or out of place

    def end(self, name: str) -> None:
        self.stack.pop()
        local = name.rpartition("}")[2]
        if local == "sheetData" and self.in_data:
            self.in_data = False
        elif self.in_data:
            if local == "c" and len(self.stack) == 3:
                self.cell = None
            self.text = None

    def chars(self, data: str) -> None:
        if self.text is not None:
            self.text.append(data)
        elif self.in_data and data.strip():
            raise self.refuse()  # text where no reader looks for it (inside a row, between cells)


def _in_inline(stack: list[str]) -> bool:
    """Whether the element just opened lies inside a cell's inline string (is, its runs r, their rPr, t, rPh)."""
    return len(stack) >= 6 and stack[4] == _MAIN + "}is"


def _in_phonetic(stack: list[str]) -> bool:
    return any(s in (_MAIN + "}rPh", _MAIN + "}rPr") for s in stack[5:-1])


def _rewrite(xml: bytes, part: str, sheet: str, limit: Extent) -> bytes:
    """Parse a sheet strictly and write its cells canonically (a minimal worksheet: what calamine and the
    look-ups here read of a sheet is its cells), or refuse it. A cell beyond ``limit`` is refused as it is met,
    so what is kept is bounded by the extent, not by the file."""
    state = _Parse(part, sheet, limit)
    parser = expat.ParserCreate(namespace_separator="}")
    parser.StartElementHandler = state.start
    parser.EndElementHandler = state.end
    parser.CharacterDataHandler = state.chars
    parser.buffer_text = True
    try:
        parser.Parse(xml, True)
    except (expat.ExpatError, ValueError):
        raise state.refuse() from None
    if state.sheet_data != 1:
        raise state.refuse()
    out = [b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="', _MAIN.encode(), b'">']
    out.append(_OPEN)
    row = 0
    for (r, c), cell in sorted(state.cells.items(), key=lambda item: item[0]):
        if r != row:
            out.append(b"</row>" if row else b"")
            out.append(b'<row r="%d">' % r)
            row = r
        out.append(b'<c r="' + a1(r - 1, c - 1).encode() + b'"' + _attrs(cell.attrs) + b">")
        if cell.formula is not None:
            out.append(b"<f" + _attrs(cell.formula[0]) + b">" + _text(cell.formula[1]) + b"</f>")
        if cell.value is not None:
            out.append(b"<v>" + _text(cell.value) + b"</v>")
        if cell.inline is not None:
            out.append(b'<is><t xml:space="preserve">' + _text(cell.inline) + b"</t></is>")
        out.append(b"</c>")
    out.append(b"</row>" if row else b"")
    out.append(_CLOSE + b"</worksheet>")
    return b"".join(out)


def _attrs(attrs: dict[str, str]) -> bytes:
    return b"".join(b" " + k.encode() + b'="' + _escape(v) + b'"' for k, v in attrs.items())


def _text(parts: list[str]) -> bytes:
    return _escape("".join(parts))


def _escape(text: str) -> bytes:
    return escape(text, {'"': "&quot;", "\r": "&#13;", "\t": "&#9;", "\n": "&#10;"}).encode("utf-8")
