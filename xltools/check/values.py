"""Turn raw cell values into typed values for a field, accepting only unambiguous forms.

Accepted: numbers stored as text, full-width digits (１２３), thousands separators (1,234.5), a
percentage typed with its sign in a percentage field (95% → 95), dates as text in the usual Chinese
forms (2024-7-9, 2024年7月9日). Rejected as `type`: anything a person must interpret — "约3万", "3万元",
"—", "3-5" — and characters that only look like digits after Unicode normalisation (38², ①, ⁵).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from xltools.catalogue import Msg
from xltools.spec import Field

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_EXCEL_EPOCH_1904 = dt.date(1904, 1, 1)


@dataclass(frozen=True)
class Problem:
    """Why a value could not be read as its field's type: the catalogue detail and what was expected."""

    expected: Msg
    detail: str = ""


CELL_TEXT_LIMIT = 32_767  # characters: the most Excel and WPS keep in a cell (only a crafted file holds more)


def is_blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def normalise_text(v: Any) -> str:
    """Text as compared with choices and patterns: NFKC (full-width → ASCII), trimmed."""
    if isinstance(v, float) and math.isfinite(v) and v == int(v) and abs(v) < 1e15:
        v = int(v)
    return unicodedata.normalize("NFKC", str(v)).strip()


def expected_kind(field: Field) -> Msg:
    """What a field takes, in words (a catalogue message)."""
    unit = field.shown_unit
    if field.kind in ("integer", "number"):
        return Msg.of(f"kind.{field.kind}_unit", unit=unit) if unit else Msg.of(f"kind.{field.kind}")
    if field.kind == "date":
        return Msg.of("kind.date")
    return Msg.of("kind.text")


def bounds(field: Field) -> Msg | str | None:
    """A numeric field's bounds as a finding shows them (在 0 到 100 之间, > 0, ≤ 1), or None."""
    if field.min is not None and field.max is not None:
        return Msg.of("range.between", min=field.min, max=field.max)
    if field.min is not None:
        return f"{'>' if field.min_exclusive else '≥'} {field.min:g}"
    return f"≤ {field.max:g}" if field.max is not None else None


def within(field: Field, value: float) -> bool:
    """``value`` is inside the field's bounds (the exclusive minimum honoured)."""
    low = field.min is not None and (value <= field.min if field.min_exclusive else value < field.min)
    return not low and not (field.max is not None and value > field.max)


def coerce(raw: Any, field: Field, date1904: bool = False, percent_format: bool = False) -> tuple[Any, Problem | None]:
    """(typed value or None when blank, problem or None). ``percent_format``: the cell shows a percentage."""
    if is_blank(raw):
        return None, None
    if field.kind in ("number", "integer"):
        return _number(raw, field, percent_format)
    if field.kind == "date":
        return _date(raw, date1904, field)
    if isinstance(raw, str) and len(raw) > CELL_TEXT_LIMIT:
        return None, Problem(Msg.of("kind.text"), "text_too_long")
    return normalise_text(raw), None


def _look_alike(s: str) -> bool:
    """Characters that NFKC turns into digits or signs but a person would not read as plain ones
    (superscripts, subscripts, circled and parenthesised numbers); full-width forms are fine."""
    return any(
        unicodedata.normalize("NFKC", ch) != ch and not ("\uff01" <= ch <= "\uff5e" or ch in "\u3000\u00a0") for ch in s
    )


def _number(raw: Any, field: Field, percent_format: bool) -> tuple[Any, Problem | None]:
    if isinstance(raw, bool):
        return None, Problem(expected_kind(field))
    if isinstance(raw, int | float):
        value = float(raw)
        if percent_format and not field.percent:
            if field.unit != "%":
                return None, Problem(expected_kind(field), "percent_elsewhere")
            value = round(value * 100, 10)  # typed 95% into a field that takes 95: stored 0.95, read 95
    else:
        text = str(raw)
        if _look_alike(text):
            return None, Problem(expected_kind(field), "look_alike")
        s = unicodedata.normalize("NFKC", text).strip().replace(" ", "")
        if s.endswith("%") and field.unit == "%":
            s = s[:-1]
        if _THOUSANDS.match(s):
            s = s.replace(",", "")
        if not _NUMBER.match(s):
            return None, Problem(expected_kind(field))
        value = float(s)
    if not math.isfinite(value) or abs(value) > 1e15:
        return None, Problem(expected_kind(field))
    if field.kind == "integer":
        if abs(value - round(value)) > 1e-9:
            return None, Problem(expected_kind(field))
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
        return None, Problem(expected_kind(field))
    text = str(raw)
    if _look_alike(text):
        return None, Problem(expected_kind(field), "look_alike")
    m = _DATE.match(unicodedata.normalize("NFKC", text).strip())
    if m:
        try:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))), None
        except ValueError:
            pass
    return None, Problem(expected_kind(field))
