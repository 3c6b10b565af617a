"""Run a real headless LibreOffice over workbooks: open, recalculate everything and save as .xlsx.

For anyone who wants a return's cached values refreshed (`recalculate`). LibreOffice keeps stale
cached values unless its profile says otherwise (DESIGN §10), so each call uses a private profile that
forces recalculation on load.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

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
