"""Run a real headless LibreOffice over workbooks: fill them as a person would, or open, recalculate
everything and save as .xlsx.

Used by the tests as the stand-in for a person filling a template (`fill_like_a_person`), and by
anyone who wants a return's cached values refreshed (`recalculate`). LibreOffice keeps stale cached values unless its profile says
otherwise (DESIGN §10), so each call uses a private profile that forces recalculation on load.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

_RECALC_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


class LibreOfficeError(RuntimeError):
    pass


def soffice() -> str | None:
    """Path of the soffice binary, or None when LibreOffice is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def recalculate(files: Sequence[Path], outdir: Path, timeout: float = 300) -> list[Path]:
    """Open every file in one LibreOffice run, recalculate, save as .xlsx into ``outdir``.

    Returns the output paths in the order of ``files``; raises LibreOfficeError if any is missing.
    """
    exe = soffice()
    if exe is None:
        raise LibreOfficeError("LibreOffice (soffice) is not installed")
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="xltools-lo-") as profile:
        user = Path(profile) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(_RECALC_PROFILE, encoding="utf-8")
        cmd = [
            exe,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            "xlsx:Calc MS Excel 2007 XML",
            "--outdir",
            str(outdir),
            *map(str, files),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    outs = [outdir / (Path(f).stem + ".xlsx") for f in files]
    missing = [o.name for o in outs if not o.is_file()]
    if proc.returncode != 0 or missing:
        raise LibreOfficeError(
            f"LibreOffice failed (exit {proc.returncode}); missing {missing}: {proc.stderr.strip()[-500:]}"
        )
    return outs


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
        script = Path(__file__).with_name("_lo_fill.py")
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
