"""What kind of file this is, from its name and first bytes: one plain reason for anything not an .xlsx."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xltools.catalogue import Msg

MAX_FILE_BYTES = 30 * 1024 * 1024


class Unreadable(Exception):
    """The file is not a readable .xlsx workbook: ``detail`` is the reason's catalogue key (unreadable.<detail>)."""

    def __init__(self, detail: str, **params: Any) -> None:
        super().__init__(detail)
        self.detail, self.params = detail, params

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild, (self.detail, self.params))


def _rebuild(detail: str, params: dict[str, Any]) -> Unreadable:
    return Unreadable(detail, **params)


_FORMATS = (".et", ".ett", ".ods", ".xlsb", ".numbers")  # formats a county might send instead of .xlsx
_OTHER = {".pdf": "pdf", ".doc": "word", ".docx": "word", ".wps": "word"}


def sniff(path: Path) -> None:
    """Raise Unreadable with the reason a file is not an .xlsx we can open."""
    try:
        if not path.exists():
            raise Unreadable("not_found")
        if path.is_dir():
            raise Unreadable("folder")
        size = path.stat().st_size
        if size == 0:
            raise Unreadable("empty")
        if size > MAX_FILE_BYTES:
            raise Unreadable("too_large", size=size // 1048576)
        suffix = path.suffix.lower()
        if suffix in _FORMATS:
            raise Unreadable("format", format=Msg.of(f"format{suffix}"))
        if suffix in _OTHER:
            raise Unreadable(_OTHER[suffix])
        with path.open("rb") as fh:
            head = fh.read(512)
    except PermissionError:
        raise Unreadable("permission") from None
    except OSError as e:
        raise Unreadable("os_error", reason=e.strerror or type(e).__name__) from None
    if head.startswith(b"PK\x03\x04"):
        return
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise Unreadable("encrypted" if _encrypted(path) else "xls")
    text = head.lstrip(b"\xef\xbb\xbf").lstrip().lower()
    if text.startswith(b"<"):
        raise Unreadable("html")
    if b"\x00" not in head and (b"," in head or b"\t" in head):
        raise Unreadable("csv")
    raise Unreadable("unknown_format")


def _encrypted(path: Path) -> bool:
    try:
        import msoffcrypto

        with path.open("rb") as fh:
            return bool(msoffcrypto.OfficeFile(fh).is_encrypted())
    except Exception:
        return False
