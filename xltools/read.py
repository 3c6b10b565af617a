"""Open a returned workbook safely and read its values, formulas, defined names and metadata.

Sizes, part counts and compression ratios are checked before anything is decompressed; the
structural parts (workbook, relationships, properties) are parsed with defusedxml; any XML part
that declares a DTD or entities is refused. Cell values come from python-calamine (Rust, fast);
formulas are looked up only for the cells that must hold one. One plain reason (Unreadable) for
every kind of bad file.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from xml.sax import saxutils

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as DET

from xltools.layout import META_SHEET

MAX_FILE_BYTES = 30 * 1024 * 1024
MAX_PARTS = 2000
MAX_PART_BYTES = 40 * 1024 * 1024
MAX_TOTAL_BYTES = 150 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed, per part: beyond this it is a bomb, not a return

_NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "pr": "http://schemas.openxmlformats.org/package/2006/relationships",
    "cp": "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties",
    "vt": "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes",
}
_M = "{" + _NS["m"] + "}"
_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?(\d+)(?::\$?([A-Z]{1,3})\$?(\d+))?$")


class Unreadable(Exception):
    """The file is not a readable .xlsx workbook; the reason is one plain sentence (zh and en)."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(zh)
        self.zh, self.en = zh, en

    def reason(self, lang: str = "zh") -> str:
        return self.en if lang == "en" else self.zh


@dataclass
class RawWorkbook:
    """What `check` needs of a workbook: sheets, names, values of the sheets read, formulas, metadata."""

    path: Path
    sheets: list[str]
    names: dict[str, str]  # defined name -> its formula text ('资金情况'!$C$10)
    date1904: bool = False
    values: dict[str, tuple[int, int, list[list[Any]]]] = field(default_factory=dict)  # sheet -> (row0, col0, rows)
    xml: dict[str, bytes] = field(default_factory=dict)  # sheet -> its XML, for formula look-ups
    meta: dict[str, str] = field(default_factory=dict)
    custom: dict[str, str] = field(default_factory=dict)

    def target(self, name: str) -> tuple[str, list[str]] | None:
        """The sheet and the A1 cells a defined name points to; None if missing or broken (#REF!)."""
        text = self.names.get(name)
        if text is None:
            return None
        m = _REF.match(text.strip().lstrip("="))
        if not m:
            return None
        sheet = (m.group(1) or "").replace("''", "'") or (m.group(2) or "")
        c1, r1 = m.group(3), int(m.group(4))
        if m.group(5):
            c2, r2 = m.group(5), int(m.group(6))
            if c1 != c2 or r2 < r1 or r2 - r1 > 10000:
                return None
            return sheet, [f"{c1}{r}" for r in range(r1, r2 + 1)]
        return sheet, [f"{c1}{r1}"]

    def has_sheet(self, sheet: str) -> bool:
        return sheet in self.values

    def value(self, sheet: str, ref: str) -> Any:
        """The value shown in a cell (a formula's cached result); None when empty."""
        row0, col0, rows = self.values.get(sheet, (0, 0, []))
        at = _position(ref)
        if at is None:
            return None
        r, c = at[0] - row0, at[1] - col0
        if 0 <= r < len(rows) and 0 <= c < len(rows[r]):
            v = rows[r][c]
            return None if v == "" else v
        return None

    def formula(self, sheet: str, ref: str) -> str | None:
        """The formula of a cell without its '=' ("" for a shared-formula follower); None if it has none."""
        xml = self.xml.get(sheet)
        if not xml:
            return None
        needle = b' r="' + ref.encode() + b'"'
        i = xml.find(needle)
        while i != -1:
            lt = xml.rfind(b"<", 0, i)
            tag = xml[lt + 1 : i].split(b" ", 1)[0]
            if tag == b"c" or tag.endswith(b":c"):
                gt = xml.find(b">", i)
                if gt == -1 or xml[gt - 1 : gt] == b"/":
                    return None
                end = xml.find(b"</" + tag + b">", gt)
                m = _FORMULA.search(xml, gt, end if end != -1 else len(xml))
                if m is None:
                    return None
                return _unescape((m.group(1) or b"").decode("utf-8", "replace"))
            i = xml.find(needle, i + 1)
        return None


_A1 = re.compile(r"^([A-Z]{1,3})(\d+)$")
_FORMULA = re.compile(rb"<(?:\w+:)?f\b[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)", re.S)
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.I)
_ROOT = re.compile(rb"<[A-Za-z]")


@lru_cache(maxsize=8192)
def _position(ref: str) -> tuple[int, int] | None:
    """'C10' -> (9, 2), 0-based row and column."""
    m = _A1.match(ref)
    if not m:
        return None
    col = 0
    for ch in m.group(1):
        col = col * 26 + ord(ch) - 64
    return int(m.group(2)) - 1, col - 1


def _unescape(text: str) -> str:
    return saxutils.unescape(text, {"&quot;": '"', "&apos;": "'"})


def sniff(path: Path) -> None:
    """Raise Unreadable with the reason a file is not an .xlsx we can open."""
    if not path.exists():
        raise Unreadable("文件不存在", "the file does not exist")
    if path.is_dir():
        raise Unreadable("这是一个文件夹，不是文件", "this is a folder, not a file")
    size = path.stat().st_size
    if size == 0:
        raise Unreadable("文件是空的（0 字节）", "the file is empty (0 bytes)")
    if size > MAX_FILE_BYTES:
        raise Unreadable(
            f"文件过大（{size // 1048576} MB），不像一份填报表",
            f"the file is too large ({size // 1048576} MB) for a return",
        )
    hint = _OTHER_FORMATS.get(path.suffix.lower())
    if hint is not None:
        raise Unreadable(*hint)
    with path.open("rb") as fh:
        head = fh.read(512)
    if head.startswith(b"PK\x03\x04"):
        return
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        if _encrypted(path):
            raise Unreadable(
                "文件设置了打开密码（已加密），请取消密码后另存为 .xlsx 再上报",
                "the workbook is password-encrypted: remove the password and save as .xlsx",
            )
        raise Unreadable(
            "文件是旧版 .xls 格式，请用 Excel 或 WPS 打开后另存为 .xlsx",
            "this is an old .xls workbook: open it and save as .xlsx",
        )
    text = head.lstrip(b"\xef\xbb\xbf").lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html", b"<table", b"<?xml", b"<")):
        raise Unreadable(
            "文件其实是网页（HTML/XML）而不是 .xlsx，请用 Excel 或 WPS 另存为 .xlsx",
            "the file is a web page (HTML/XML), not .xlsx: save it as .xlsx",
        )
    if b"\x00" not in head and (b"," in head or b"\t" in head):
        raise Unreadable(
            "文件其实是 CSV 文本而不是 .xlsx，请使用下发的模板填写",
            "the file is CSV text, not .xlsx: fill in the template you were sent",
        )
    raise Unreadable("文件不是 .xlsx 工作簿（无法识别的格式）", "the file is not an .xlsx workbook (unknown format)")


_SAVE_AS = "，请打开后另存为 .xlsx（Excel 工作簿）再上报"
_OTHER_FORMATS = {
    ".et": ("文件是 WPS 表格格式（.et）" + _SAVE_AS, "this is a WPS spreadsheet (.et): save it as .xlsx"),
    ".ett": ("文件是 WPS 表格模板格式（.ett）" + _SAVE_AS, "this is a WPS template (.ett): save it as .xlsx"),
    ".ods": (
        "文件是 OpenDocument 表格格式（.ods）" + _SAVE_AS,
        "this is an OpenDocument spreadsheet (.ods): save it as .xlsx",
    ),
    ".xlsb": (
        "文件是 Excel 二进制格式（.xlsb）" + _SAVE_AS,
        "this is a binary Excel workbook (.xlsb): save it as .xlsx",
    ),
    ".numbers": ("文件是 Numbers 格式" + _SAVE_AS, "this is a Numbers file: export it as .xlsx"),
    ".pdf": (
        "文件是 PDF，不是可汇总的报表；请上报填好的 .xlsx 模板",
        "this is a PDF, not a return: send the filled .xlsx template",
    ),
    ".doc": (
        "文件是 Word 文档，不是填报模板；请上报填好的 .xlsx 模板",
        "this is a Word document: send the filled .xlsx template",
    ),
    ".docx": (
        "文件是 Word 文档，不是填报模板；请上报填好的 .xlsx 模板",
        "this is a Word document: send the filled .xlsx template",
    ),
}


def _encrypted(path: Path) -> bool:
    try:
        import msoffcrypto

        with path.open("rb") as fh:
            return bool(msoffcrypto.OfficeFile(fh).is_encrypted())
    except Exception:
        return False


Selector = Callable[["RawWorkbook"], "set[str] | None"]


def read_workbook(path: Path | str, sheets: Selector | None = None) -> RawWorkbook:
    """Read names, metadata and the cells of the sheets ``sheets`` picks once it has seen the
    metadata (all sheets when None or when it returns None). Raises Unreadable."""
    path = Path(path)
    sniff(path)
    try:
        with zipfile.ZipFile(path) as zf:
            return _read(zf, path, sheets)
    except Unreadable:
        raise
    except DefusedXmlException:
        raise Unreadable(
            "文件内含不安全的 XML 结构（实体或 DTD），已拒绝读取",
            "the file holds unsafe XML (entities or a DTD) and was refused",
        ) from None
    except (zipfile.BadZipFile, EOFError, zipfile.LargeZipFile, NotImplementedError):
        raise Unreadable(
            "文件已损坏（不是完整的 .xlsx 压缩包），请重新保存或重新发送",
            "the file is damaged (not a complete .xlsx package): save or send it again",
        ) from None
    except (DET.ParseError, KeyError, ValueError, IndexError) as e:
        raise Unreadable(
            f"文件内部结构损坏，无法读取（{type(e).__name__}）",
            f"the workbook's inner structure is damaged ({type(e).__name__})",
        ) from None
    except BaseException as e:  # anything else from a hostile file, including a panic inside python-calamine
        if not isinstance(e, Exception) and not _is_panic(e):
            raise  # KeyboardInterrupt, SystemExit
        raise Unreadable(
            f"文件内容不安全或已损坏，已拒绝读取（{type(e).__name__}）",
            f"the file's content is unsafe or damaged and was refused ({type(e).__name__})",
        ) from None


def _check_sizes(zf: zipfile.ZipFile) -> None:
    infos = zf.infolist()
    if len(infos) > MAX_PARTS:
        raise Unreadable(
            f"文件包含 {len(infos)} 个部件，远超正常填报表", f"the file holds {len(infos)} parts: not a return"
        )
    total = 0
    for info in infos:
        total += info.file_size
        too_big = info.file_size > MAX_PART_BYTES
        bomb = info.compress_size and info.file_size / info.compress_size > MAX_RATIO and info.file_size > 1048576
        if too_big or bomb or total > MAX_TOTAL_BYTES:
            raise Unreadable(
                f"文件解压后过大（{info.filename} {info.file_size // 1048576} MB），疑似异常文件，已拒绝读取",
                f"the file expands too much ({info.filename}: {info.file_size // 1048576} MB): refused",
            )


def _xml(zf: zipfile.ZipFile, name: str) -> Any:
    return DET.fromstring(zf.read(name), forbid_dtd=True)


def _read(zf: zipfile.ZipFile, path: Path, select: Selector | None) -> RawWorkbook:
    _check_sizes(zf)
    names = set(zf.namelist())
    if "xl/workbook.xml" not in names:
        raise Unreadable(
            "文件是压缩包，但不是 Excel 工作簿（缺少 xl/workbook.xml）",
            "the file is a zip archive but not an Excel workbook",
        )
    if "xl/vbaProject.bin" in names:
        raise Unreadable(
            "文件含有宏（.xlsm），出于安全不予读取；请另存为 .xlsx（不含宏）后上报",
            "the workbook contains macros (.xlsm): save it as a macro-free .xlsx",
        )
    for name in ("xl/sharedStrings.xml", "xl/styles.xml"):  # parsed by calamine; sheets are checked as read
        if name in names:
            _refuse_dtd(zf.read(name), name)
    wb = _xml(zf, "xl/workbook.xml")
    rels = _rels(zf, "xl/_rels/workbook.xml.rels")
    pr = wb.find("m:workbookPr", _NS)
    date1904 = pr is not None and pr.get("date1904") in ("1", "true")
    sheet_parts: dict[str, str] = {}
    order: list[str] = []
    for s in wb.iterfind("m:sheets/m:sheet", _NS):
        name = s.get("name", "")
        rid = s.get("{" + _NS["r"] + "}id", "")
        order.append(name)
        if rid in rels:
            sheet_parts[name] = rels[rid]
    defined: dict[str, str] = {}
    for d in wb.iterfind("m:definedNames/m:definedName", _NS):
        if d.get("localSheetId") is None and d.get("name"):
            defined[d.get("name", "")] = (d.text or "").strip()
    raw = RawWorkbook(path, order, defined, date1904)
    book = _calamine(path)
    available = set(book.sheet_names)

    def load(sheet: str) -> None:
        if sheet in available and sheet not in raw.values:
            part = sheet_parts.get(sheet)
            if part in names:
                raw.xml[sheet] = zf.read(part)
                _refuse_dtd(raw.xml[sheet], part)
            sh = book.get_sheet_by_name(sheet)
            row0, col0 = sh.start or (0, 0)
            try:
                rows = sh.to_python(skip_empty_area=True)
            except BaseException as e:  # calamine panics (pyo3 PanicException) on impossible dates
                if not _is_panic(e):
                    raise
                raise Unreadable(
                    f"工作表“{sheet}”中有无法识别的数值（如超出范围的日期），文件无法读取",
                    f"sheet “{sheet}” holds a value that cannot be read (e.g. a date out of range)",
                ) from None
            raw.values[sheet] = (row0, col0, rows)

    load(META_SHEET)
    for r in range(2, 50):
        k, v = raw.value(META_SHEET, f"A{r}"), raw.value(META_SHEET, f"B{r}")
        if k is None:
            break
        raw.meta[str(k)] = "" if v is None else _text(v)
    if not raw.meta and "docProps/custom.xml" in names:  # the metadata sheet is gone: try the properties
        for p in _xml(zf, "docProps/custom.xml").iterfind("cp:property", _NS):
            if len(p):
                raw.custom[p.get("name", "")] = (p[0].text or "").strip()
    wanted = select(raw) if select is not None else None
    for sheet in order:
        if wanted is None or sheet in wanted:
            load(sheet)
    return raw


def _is_panic(e: BaseException) -> bool:
    """A Rust panic surfaced by pyo3 (a BaseException, so that `except Exception` does not swallow it)."""
    return type(e).__name__ == "PanicException"


def _refuse_dtd(xml: bytes, part: str) -> None:
    """Refuse a part whose prolog (everything before the root element) declares a DTD or entities."""
    root = _ROOT.search(xml)
    if _DTD.search(xml, 0, root.start() if root else len(xml)):
        raise DefusedXmlException(part)


def _calamine(path: Path) -> Any:
    import python_calamine

    try:
        return python_calamine.CalamineWorkbook.from_path(str(path))
    except python_calamine.PasswordError:
        raise Unreadable(
            "文件设置了打开密码（已加密），请取消密码后另存为 .xlsx 再上报",
            "the workbook is password-encrypted: remove the password and save as .xlsx",
        ) from None


def _text(v: Any) -> str:
    if isinstance(v, float) and v == int(v):
        return str(int(v))
    return str(v)


def _rels(zf: zipfile.ZipFile, name: str) -> dict[str, str]:
    out: dict[str, str] = {}
    if name not in zf.namelist():
        return out
    for rel in _xml(zf, name).iterfind("pr:Relationship", _NS):
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        out[rel.get("Id", "")] = target
    return out
