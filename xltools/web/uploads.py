"""Receiving an upload while it streams: the cap is enforced as bytes arrive (DESIGN §14).

FastAPI and uvicorn have no size limit of their own: a form parser would spool any size to disk first.
Here the multipart body is parsed as it comes; the part named ``file`` goes to a temporary file until it
passes the cap, after which nothing more is stored and the rest of the body is read and discarded up to a
hard limit (so that a plain client, still sending, gets to read the 413), then the connection is dropped.
Nothing from the file's name reaches a path: the file is stored under a fixed name; its name is kept only
to show (cleaned of folders and control characters).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from python_multipart.multipart import MultipartParser, parse_options_header
from starlette.requests import Request

FIELD = "file"
MAX_PARTS = 16


@dataclass
class Upload:
    """What arrived: the stored file (None when absent or over the cap) and the name to show."""

    path: Path | None
    name: str
    size: int
    over: bool = False
    malformed: bool = False


def clean_name(raw: str) -> str:
    """A file name to show: the last path part, without control or format characters, at most 120."""
    name = re.split(r"[\\/]", raw)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[-120:] or "upload.xlsx"


async def receive(request: Request, folder: Path, cap: int, hard: int) -> Upload:
    """Parse the multipart body of ``request`` into ``folder``/upload.xlsx, storing at most ``cap`` bytes."""
    ctype, params = parse_options_header(request.headers.get("content-type", ""))
    boundary = params.get(b"boundary")
    if ctype != b"multipart/form-data" or not boundary:
        await _drain(request, hard)
        return Upload(None, "", 0, malformed=True)
    target = folder / "upload.xlsx"
    state: dict[str, Any] = {
        "header": b"",
        "headers": {},
        "is_file": False,
        "name": "",
        "size": 0,
        "over": False,
        "parts": 0,
    }
    out = open(target, "wb")  # noqa: SIM115 - closed in finally; written by the parser's callbacks
    seen = {"file": False}

    def on_part_begin() -> None:
        state["headers"], state["is_file"] = {}, False
        state["parts"] += 1
        if state["parts"] > MAX_PARTS:
            raise ValueError("too many parts")  # a form has one file: thousands of parts are an attack

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["header"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        key = state["header"].lower()
        state["headers"][key] = state["headers"].get(key, b"") + data[start:end]

    def on_header_end() -> None:
        state["header"] = b""

    def on_headers_finished() -> None:
        _, disp = parse_options_header(state["headers"].get(b"content-disposition", b""))
        if disp.get(b"name") == FIELD.encode() and not seen["file"]:
            state["is_file"] = seen["file"] = True
            raw = disp.get(b"filename", b"")
            text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
            state["name"] = clean_name(text) if text else ""  # a form sent without choosing a file

    def on_part_data(data: bytes, start: int, end: int) -> None:
        if not state["is_file"] or state["over"]:
            return
        state["size"] += end - start
        if state["size"] > cap:
            state["over"] = True
            out.truncate(0)
            return
        out.write(data[start:end])

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_headers_finished": on_headers_finished,
            "on_part_data": on_part_data,
        },
    )
    total, malformed = 0, False
    try:
        async for chunk in request.stream():
            total += len(chunk)
            if total > hard:
                break
            if not malformed:
                try:
                    parser.write(chunk)
                except Exception:  # a broken body: read to its end, refuse it
                    malformed = True
        if not malformed:
            try:
                parser.finalize()
            except Exception:
                malformed = True
    finally:
        out.close()
    if state["over"] or total > hard:
        target.unlink(missing_ok=True)
        return Upload(None, state["name"], state["size"], over=True)
    if malformed or not seen["file"] or (state["size"] == 0 and not state["name"]):
        target.unlink(missing_ok=True)
        return Upload(None, state["name"], state["size"], malformed=malformed)
    return Upload(target, state["name"], state["size"])


async def _drain(request: Request, hard: int) -> None:
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > hard:
            return
