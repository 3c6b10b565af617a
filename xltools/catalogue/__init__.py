"""Every word a person reads, in one place: message templates by key, in Chinese and English.

A finding, a spec error or an unreadable reason carries a key (``type``, ``tampered.formula_constant``,
``spec.unknown_key``) and its parameters; the words are made here, when the reader's language is known::

    say("unreadable.xls", "en")              # 'this is an old .xls workbook: open it and save as .xlsx'
    say("missing", "zh", label=Text("联系电话", "phone"))

Parameters may be `Text` (a string in both languages, such as a label with its ``label_en``) or values,
which are shown as a person reads them (`show`). Under English a message's own words are English; Chinese
stays only inside quotes: labels without an English twin, the clerk's values, units such as “万元”.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

LANGS = ("zh", "en")


@dataclass(frozen=True)
class Text:
    """A string in both languages: a label and its ``label_en``, a spec's message and its English twin."""

    zh: str
    en: str | None = None

    def get(self, lang: str) -> str:
        return self.en if lang == "en" and self.en else self.zh

    def __str__(self) -> str:
        return self.zh


@dataclass(frozen=True)
class Msg:
    """A catalogue message not yet put into words: made in the reader's language when shown."""

    key: str
    params: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(cls, key: str, **params: Any) -> Msg:
        return cls(key, tuple(params.items()))

    def get(self, lang: str) -> str:
        return say(self.key, lang, **dict(self.params))

    def __str__(self) -> str:
        return self.get("zh")


@dataclass(frozen=True)
class Entry:
    """One message: its Chinese and English templates (``str.format`` fields name the parameters)."""

    zh: str
    en: str


def _entries() -> dict[str, Entry]:
    from xltools.catalogue import cli, desk, findings, specs, ui

    out: dict[str, Entry] = {}
    for module in (findings, specs, ui, cli, desk):
        for key, entry in module.ENTRIES.items():
            if key in out:
                raise RuntimeError(f"catalogue key {key!r} defined twice")
            out[key] = entry
    return out


_ENTRIES: dict[str, Entry] | None = None


def entries() -> dict[str, Entry]:
    """Every key of the catalogue and its templates."""
    global _ENTRIES
    if _ENTRIES is None:
        _ENTRIES = _entries()
    return _ENTRIES


def say(key: str, lang: str = "zh", /, **params: Any) -> str:
    """The message ``key`` in ``lang`` with ``params`` filled in."""
    entry = entries()[key]
    template = entry.en if lang == "en" else entry.zh
    return template.format_map(_Params(params, lang))


def word(key: str, lang: str = "zh") -> str:
    """A word or phrase without parameters (a status, a severity, a column heading)."""
    return say(key, lang)


class _Params(dict[str, str]):
    """Parameters shown in the reader's language; a missing one shows as its name (never a KeyError)."""

    def __init__(self, params: Mapping[str, Any], lang: str) -> None:
        super().__init__()
        self.params, self.lang = params, lang

    def __missing__(self, key: str) -> str:
        if key not in self.params:
            return "{" + key + "}"
        return localise(self.params[key], self.lang)


def localise(v: Any, lang: str = "zh") -> str:
    """A parameter as the reader sees it: a `Text` in their language, anything else through `show`."""
    if isinstance(v, Text | Msg):
        return v.get(lang)
    if isinstance(v, list | tuple) and all(isinstance(x, Text | Msg | str) for x in v):
        sep = ", " if lang == "en" else "、"
        return sep.join(localise(x, lang) for x in v)
    return show(v, lang)


def show(v: Any, lang: str = "zh") -> str:
    """A value as a person reads it: 204.2 not 204.20000000001, 3 not 3.0, dates as 2024-07-09."""
    if v is None:
        return "(empty)" if lang == "en" else "（空）"
    if isinstance(v, bool):
        return ("yes" if v else "no") if lang == "en" else ("是" if v else "否")
    if isinstance(v, float):
        if not math.isfinite(v):
            return str(v)
        if v == int(v) and abs(v) < 1e15:
            return str(int(v))
        return f"{v:.6f}".rstrip("0").rstrip(".")
    if isinstance(v, dt.datetime):
        return v.date().isoformat() if v.time() == dt.time() else v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def console_lang(explicit: str | None = None, environ: Mapping[str, str] | None = None) -> str:
    """The console's language: ``--lang`` when given, else English for an ``en_*`` locale, else Chinese
    (C and POSIX count as Chinese: the tool is for Chinese finance bureaus)."""
    if explicit in LANGS:
        return explicit
    env = os.environ if environ is None else environ
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(var)
        if value:
            return "en" if value.lower().startswith("en") else "zh"
    return "zh"
