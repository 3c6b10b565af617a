"""Read one raw YAML value of a spec, or raise a `SpecError` naming its file, key and problem."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from xltools.catalogue import Msg
from xltools.catalogue.specs import kind_of
from xltools.spec.errors import SpecError
from xltools.spec.expr import Expr, ExprError, parse

MAX_TEXT = 2000  # characters in a label, note, hint or message
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_CELL_LIKE = re.compile(r"^([a-z]{1,3}\d+|r\d*c\d*|r|c)$")


def check_keys(path: Path, key: str, obj: Any, allowed: set[str], required: set[str]) -> None:
    """``obj`` is a mapping with only ``allowed`` keys and every ``required`` one."""
    if not isinstance(obj, dict):
        raise SpecError(path, key, "not_mapping", kind=kind_of(obj))
    for k in obj:
        if k not in allowed and not str(k).startswith("_"):
            raise SpecError(path, key_join(key, str(k)), "unknown_key", name=k, allowed=", ".join(sorted(allowed)))
    for k in sorted(required):
        if obj.get(k) in (None, ""):
            raise SpecError(path, key_join(key, k), "key_missing")


def key_join(key: str, sub: str) -> str:
    return f"{key}.{sub}" if key else sub


def list_of(path: Path, key: str, v: Any) -> list[Any]:
    if not isinstance(v, list):
        raise SpecError(path, key, "not_list", kind=kind_of(v))
    return v


def dict_of(path: Path, key: str, v: Any) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise SpecError(path, key, "not_mapping", kind=kind_of(v))
    return v


def read_number(path: Path, key: str, v: Any) -> float | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise SpecError(path, key, "not_number", kind=kind_of(v), value=repr(v))
    return float(v)


def read_date(path: Path, key: str, v: Any) -> dt.date | None:
    if v is None:
        return None
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    raise SpecError(path, key, "not_date", value=repr(v))


def read_text(path: Path, key: str, v: Any, default: str = "") -> str:
    if v is None:
        return default
    if not isinstance(v, str | int | float) or isinstance(v, bool):
        raise SpecError(path, key, "not_text", kind=kind_of(v))
    text = str(v)
    if len(text) > MAX_TEXT:
        raise SpecError(path, key, "text_too_long", length=len(text), limit=MAX_TEXT)
    return text


def read_bool(path: Path, key: str, v: Any, default: bool) -> bool:
    if v is None:
        return default
    if not isinstance(v, bool):
        raise SpecError(path, key, "not_bool", value=repr(v))
    return v


def check_unique(path: Path, key: str, ids: list[Any], what: Msg) -> None:
    seen: set[Any] = set()
    for i in ids:
        if i in seen:
            raise SpecError(path, key, "duplicate", what=what, value=i)
        seen.add(i)


def read_expr(path: Path, key: str, text: Any) -> Expr:
    if not isinstance(text, str | int | float) or isinstance(text, bool):
        raise SpecError(path, key, "expr_kind", kind=kind_of(text))
    try:
        return parse(str(text))
    except ExprError as e:
        raise SpecError(
            path, key, "expr", text=str(text)[:80], problem=Msg.of(f"expr.{e.detail}", **e.params)
        ) from None


def read_id(path: Path, key: str, v: Any) -> str:
    fid = str(v)
    if not _ID.match(fid) or _CELL_LIKE.match(fid) or len(fid) > 64:
        raise SpecError(path, key, "bad_id", id=fid)
    return fid
