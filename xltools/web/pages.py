"""Rendering pages: Jinja2 templates whose every word comes from the catalogue (``t``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.responses import HTMLResponse

from xltools.catalogue import say
from xltools.desk.service import local

HERE = Path(__file__).parent
LANG = "zh"


def _t(key: str, **params: Any) -> str:
    return say(key, LANG, **params)


def _when(t: dt.datetime | None) -> str:
    return local(t).strftime("%Y-%m-%d %H:%M") if t else ""


def _status(code: str) -> str:
    return say(f"status.{code}", LANG)


ENV = Environment(loader=FileSystemLoader(HERE / "templates"), autoescape=select_autoescape(default=True))
ENV.globals.update(t=_t)
ENV.filters.update(when=_when, status=_status)


def page(name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(ENV.get_template(name).render(**context), status_code=status_code)


def message(title_key: str, text: str, status_code: int) -> HTMLResponse:
    """A plain page saying why a request cannot be done."""
    return page("message.html", status_code, title=_t(title_key), text=text)
