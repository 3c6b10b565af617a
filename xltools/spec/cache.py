"""Parsed YAML kept between runs (issue #14): a spec or region list is read by PyYAML once per change of
the file, then loaded from a pickle — a check process does not pay YAML parsing, nor a 12,000-region list
its seconds, every time.

The cache lives in ``$XLTOOLS_CACHE`` (default ``~/.cache/xltools``; ``XLTOOLS_CACHE=`` turns it off). An entry is
keyed by the file's resolved path, size, modification time and the xltools version, so an edited file is read
again. Only what YAML's safe loader makes (mappings, lists, strings, numbers, dates) is ever stored, and
loading refuses any other type: a planted cache file cannot run code. A cache that cannot be read or
written is ignored: the file is parsed as if there were none.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import os
import pickle
import secrets
from pathlib import Path
from typing import Any

SAFE = {("datetime", "date"), ("datetime", "datetime"), ("datetime", "timedelta"), ("datetime", "timezone")}


class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in SAFE:
            return getattr(dt, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not a YAML value")


def folder() -> Path | None:
    configured = os.environ.get("XLTOOLS_CACHE")
    if configured == "":
        return None
    return Path(configured) if configured else Path.home() / ".cache" / "xltools"


def _key(path: Path, st: os.stat_result) -> str:
    from xltools._version import __version__

    raw = f"{path.resolve()}\0{st.st_size}\0{st.st_mtime_ns}\0{__version__}"
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def get(path: Path, st: os.stat_result) -> dict[str, Any] | None:
    """The file's parsed content from an earlier run, or None."""
    top = folder()
    if top is None:
        return None
    try:
        data = (top / "yaml" / f"{_key(path, st)}.pickle").read_bytes()
        value = _SafeUnpickler(io.BytesIO(data)).load()
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError):
        return None
    return value if isinstance(value, dict) else None


def put(path: Path, st: os.stat_result, value: dict[str, Any]) -> None:
    """Keep the parsed content for the next run (silently not, when the cache cannot be written)."""
    top = folder()
    if top is None:
        return
    target = top / "yaml" / f"{_key(path, st)}.pickle"
    tmp = target.with_name(f".tmp-{secrets.token_hex(6)}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        os.replace(tmp, target)
    except (OSError, pickle.PicklingError, RecursionError, TypeError):
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
