"""Test helper: a real LibreOffice as the person filling a template (values typed in through its own
input parsing, then saved as .xlsx) — the stand-in for a clerk in the tests (DESIGN §8)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from xltools.libreoffice import LibreOfficeError, soffice


def uno_python() -> str | None:
    """A Python that can `import uno` (Debian's python3 with python3-uno), or None."""
    for exe in (os.environ.get("XLTOOLS_UNO_PYTHON"), "/usr/bin/python3", "/usr/lib/libreoffice/program/python"):
        if exe and Path(exe).is_file():
            ok = subprocess.run([exe, "-c", "import uno"], capture_output=True, check=False, timeout=60)
            if ok.returncode == 0:
                return exe
    return None


def fill_like_a_person(jobs: Sequence[tuple[Path, dict[str, Any], Path]], timeout: float = 600) -> list[Path]:
    """Type values into templates inside one real LibreOffice and save each as .xlsx.

    ``jobs``: (template, values by defined name — a list for a table column —, output path).
    Values go in through LibreOffice's own input parsing, cell by cell, as a person entering them would.
    """
    exe, office = uno_python(), soffice()
    if exe is None or office is None:
        raise LibreOfficeError("LibreOffice with its Python bridge (python3-uno) is not installed")
    payload = [
        {"template": str(t), "out": str(o), "values": {k: _plain(v) for k, v in values.items()}}
        for t, values, o in jobs
    ]
    with tempfile.TemporaryDirectory(prefix="xltools-fill-") as tmp:
        spec = Path(tmp) / "jobs.json"
        spec.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
        script = Path(__file__).with_name("lo_script.py")
        proc = subprocess.run(
            [exe, str(script), str(spec)],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env={**os.environ, "XLTOOLS_SOFFICE": office},
        )
    outs = [Path(o) for _, _, o in jobs]
    missing = [o.name for o in outs if not o.is_file()]
    if proc.returncode != 0 or missing:
        raise LibreOfficeError(
            f"LibreOffice fill failed (exit {proc.returncode}); missing {missing}: {proc.stderr.strip()[-800:]}"
        )
    return outs


def _plain(v: Any) -> Any:
    """JSON for the bridge: dates as ISO text (LibreOffice parses them as a person's typing would)."""
    if isinstance(v, list | tuple):
        return [_plain(x) for x in v]
    if isinstance(v, dt.date):
        return v.isoformat()
    return v
