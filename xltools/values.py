"""Turn raw cell values into typed values for a field, accepting only unambiguous forms.

Accepted: numbers stored as text, full-width digits (１２３), thousands separators (1,234.5),
a trailing % on a percentage field, dates as text in the usual Chinese forms (2024-7-9, 2024年7月9日).
Rejected as `type`: anything a person must interpret — "约3万", "3万元", "—", "3-5".
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from xltools.spec import Field

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_EPOCH_1904 = dt.date(1904, 1, 1)


@dataclass(frozen=True)
class Problem:
    """Why a value could not be read as its field's type: what was expected (plain words)."""

    expected: str
    expected_en: str


def is_blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def normalise_text(v: Any) -> str:
    """Text as compared with choices and patterns: NFKC (full-width → ASCII), trimmed."""
    if isinstance(v, float) and math.isfinite(v) and v == int(v) and abs(v) < 1e15:
        v = int(v)
    return unicodedata.normalize("NFKC", str(v)).strip()


def expected_kind(field: Field) -> Problem:
    unit = "%" if field.percent else field.unit
    if field.kind == "integer":
        return Problem(f"整数{f'（{unit}）' if unit else ''}", f"a whole number{f' ({unit})' if unit else ''}")
    if field.kind == "number":
        return Problem(f"数字{f'（{unit}）' if unit else ''}", f"a number{f' ({unit})' if unit else ''}")
    if field.kind == "date":
        return Problem("日期（如 2024-07-09）", "a date (e.g. 2024-07-09)")
    return Problem("文字", "text")


def coerce(raw: Any, field: Field, date1904: bool = False) -> tuple[Any, Problem | None]:
    """(typed value or None when blank, problem or None)."""
    if is_blank(raw):
        return None, None
    if field.kind in ("number", "integer"):
        return _number(raw, field)
    if field.kind == "date":
        return _date(raw, date1904, field)
    return normalise_text(raw), None


def _number(raw: Any, field: Field) -> tuple[Any, Problem | None]:
    if isinstance(raw, bool):
        return None, expected_kind(field)
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        s = unicodedata.normalize("NFKC", str(raw)).strip().replace(" ", "")
        if field.unit == "%" and s.endswith("%"):
            s = s[:-1]
        if _THOUSANDS.match(s):
            s = s.replace(",", "")
        if not _NUMBER.match(s):
            return None, expected_kind(field)
        value = float(s)
    if not math.isfinite(value) or abs(value) > 1e15:
        return None, expected_kind(field)
    if field.kind == "integer":
        if abs(value - round(value)) > 1e-9:
            return None, expected_kind(field)
        return round(value), None
    return value, None


def _date(raw: Any, date1904: bool, field: Field) -> tuple[Any, Problem | None]:
    if isinstance(raw, dt.datetime):
        return raw.date(), None
    if isinstance(raw, dt.date):
        return raw, None
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        if math.isfinite(raw) and 1 <= raw < 2958466:
            return (_EXCEL_EPOCH_1904 if date1904 else _EXCEL_EPOCH) + dt.timedelta(days=int(raw)), None
        return None, expected_kind(field)
    m = _DATE.match(unicodedata.normalize("NFKC", str(raw)).strip())
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))), None
        except ValueError:
            pass
    return None, expected_kind(field)
