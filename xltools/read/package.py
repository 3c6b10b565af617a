"""The .xlsx package (a zip) opened defensively: part counts, sizes and ratios checked before anything
is decompressed; every part read with a cap at the size its header declares, so a member that lies about
its size is cut off while streaming; XML parsed with defusedxml; DTDs and entities refused."""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

from defusedxml import ElementTree as DET

from xltools.read.sniff import Unreadable

MAX_PARTS = 2000
MAX_PART_BYTES = 40 * 1024 * 1024
MAX_TOTAL_BYTES = 150 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed, per part: beyond this it is a bomb, not a return
_LOCAL = struct.Struct("<4s5H3L2H")  # a member's local header: signature … name length, extra length
_CENTRAL_OUT = struct.Struct("<4s6H3L5H2L")  # a directory entry, and the directory's end, as `stored_zip` writes them
_END_OUT = struct.Struct("<4s4H2LH")

NS = {
    "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
    "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
    "pr": "http://schemas.openxmlformats.org/package/2006/relationships",
    "cp": "http://schemas.openxmlformats.org/officeDocument/2006/custom-properties",
    "vt": "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes",
}
STRICT_MAIN = b"http://purl.oclc.org/ooxml/spreadsheetml/main"
_DTD = re.compile(rb"<!(DOCTYPE|ENTITY)", re.I)
_ROOT = re.compile(rb"<[A-Za-z]")
_DECLARED = re.compile(rb"""\A(?:\xef\xbb\xbf)?<\?xml[^>]*?encoding=["']([^"']*)["']""")


class Package:
    """An open .xlsx zip whose members are read safely. Use as a context manager."""

    def __init__(self, path: Path) -> None:
        try:
            self.fh = path.open("rb")
        except PermissionError:
            raise Unreadable("permission") from None
        except OSError as e:
            raise Unreadable("os_error", reason=e.strerror or type(e).__name__) from None
        try:
            self.zf = zipfile.ZipFile(self.fh)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError, OSError):
            self.fh.close()
            raise Unreadable("damaged") from None
        members = self.zf.infolist()
        self.infos = {i.filename: i for i in members}
        try:
            # two members of one part name (equal but for case, or a backslash for a slash, as Excel compares
            # them): which one a reader takes is its own choice, so what was checked need not be what is read
            if len(self.infos) != len(members) or len({_part_key(n) for n in self.infos}) != len(members):
                raise Unreadable("damaged")
            self._check_sizes()
        except Unreadable:
            self.close()
            raise

    def __enter__(self) -> Package:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.zf.close()
        self.fh.close()

    def __contains__(self, name: str) -> bool:
        return name in self.infos

    def _check_sizes(self) -> None:
        if len(self.infos) > MAX_PARTS:
            raise Unreadable("parts", count=len(self.infos))
        total = 0
        for info in self.infos.values():
            total += info.file_size
            too_big = info.file_size > MAX_PART_BYTES
            bomb = info.compress_size and info.file_size / info.compress_size > MAX_RATIO and info.file_size > 1048576
            if too_big or bomb or total > MAX_TOTAL_BYTES:
                raise Unreadable("expands", part=info.filename[:80], size=max(1, info.file_size // 1048576))

    def read(self, name: str) -> bytes:
        """A part's bytes, inflated never past the size its header declares: a member whose data inflates beyond
        that is cut off at once, in one call (zipfile's own read() would first inflate all of it, in Python-sized
        steps); then its size and CRC must be what the header says."""
        info = self.infos[name]
        if info.flag_bits & 0x1 or info.compress_size > MAX_PART_BYTES:  # an encrypted member; a mad one
            raise Unreadable("damaged")
        try:
            self.fh.seek(info.header_offset)
            head = self.fh.read(_LOCAL.size)
            if len(head) != _LOCAL.size or head[:4] != b"PK\x03\x04":
                raise Unreadable("damaged")
            name_len, extra_len = _LOCAL.unpack(head)[-2:]
            own = self.fh.read(name_len)  # the local header's name must be the directory's (as zipfile checks)
            if own != info.orig_filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437"):
                raise Unreadable("damaged")
            self.fh.seek(extra_len, 1)
            raw = self.fh.read(info.compress_size)
        except OSError:
            raise Unreadable("damaged") from None
        if len(raw) != info.compress_size:
            raise Unreadable("damaged")
        if info.compress_type == zipfile.ZIP_STORED:
            data = raw
        elif info.compress_type == zipfile.ZIP_DEFLATED:
            try:
                data = zlib.decompressobj(-zlib.MAX_WBITS).decompress(raw, info.file_size + 1)
            except zlib.error:
                raise Unreadable("damaged") from None
        else:  # bzip2, lzma…: no spreadsheet program writes them
            raise Unreadable("damaged")
        if len(data) != info.file_size or zlib.crc32(data) != info.CRC:
            raise Unreadable("damaged")
        return data

    def crc(self, name: str) -> int:
        """The CRC-32 the directory declares for a part (`read` has proven a part's bytes have it)."""
        return self.infos[name].CRC

    def xml(self, name: str) -> Any:
        """A structural part parsed with defusedxml (no DTD, no entities)."""
        return parse_xml(self.read(name), name)


def _part_key(name: str) -> str:
    """A member's part name as Excel compares part names: case-insensitive, either slash, no leading one."""
    return name.replace("\\", "/").lstrip("/").casefold()


def stored_zip(parts: list[tuple[str, bytes, int]]) -> bytes:
    """A zip of ``parts`` (name, bytes, their CRC-32), stored uncompressed: what another reader is given to read,
    so that it reads exactly the bytes that were proven, under the names they were found by."""
    out: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for name, data, crc in parts:
        encoded = name.encode("utf-8")
        head = _LOCAL.pack(b"PK\x03\x04", 20, 0x800, 0, 0, 0, crc, len(data), len(data), len(encoded), 0)
        central.append(
            _CENTRAL_OUT.pack(
                b"PK\x01\x02", 20, 20, 0x800, 0, 0, 0, crc, len(data), len(data), len(encoded), 0, 0, 0, 0, 0, offset
            )
            + encoded
        )
        out += (head, encoded, data)
        offset += len(head) + len(encoded) + len(data)
    directory = b"".join(central)
    end = _END_OUT.pack(b"PK\x05\x06", 0, 0, len(central), len(central), len(directory), offset, 0)
    return b"".join(out) + directory + end


def parse_xml(data: bytes, name: str) -> Any:
    """XML parsed with defusedxml (no DTD, no entities); a parse error is the file's damage."""
    refuse_dtd(data, name)
    try:
        return DET.fromstring(data, forbid_dtd=True)
    except DET.ParseError:
        raise Unreadable("inner_damaged", part=name[:80]) from None


def parse_rels(data: bytes, name: str) -> dict[str, tuple[str, str]]:
    """Relationship id -> (target part, type), for the bytes of a .rels part. Two relationships with one id
    are the part's damage: readers differ on which counts."""
    import posixpath

    out: dict[str, tuple[str, str]] = {}
    base = posixpath.dirname(posixpath.dirname(name))  # xl/_rels/workbook.xml.rels -> xl
    for rel in parse_xml(data, name).iterfind("pr:Relationship", NS):
        target = rel.get("Target", "")
        target = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join(base, target))
        rid = rel.get("Id", "")
        if rid in out:
            raise Unreadable("inner_damaged", part=name[:80])
        out[rid] = (target, rel.get("Type", ""))
    return out


def in_utf8(xml: bytes) -> bool:
    """Whether a part is UTF-8 (declared so, or not declared): what is scanned here as bytes is what calamine
    reads, not the same bytes in another encoding."""
    declared = _DECLARED.match(xml)
    return declared is None or declared.group(1).lower() in (b"utf-8", b"utf8")


def refuse_dtd(xml: bytes, part: str) -> None:
    """Refuse a part whose prolog (everything before the root element) declares a DTD or entities."""
    root = _ROOT.search(xml)
    if _DTD.search(xml, 0, root.start() if root else len(xml)):
        raise Unreadable("unsafe_xml")
