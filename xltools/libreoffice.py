"""Run a real headless LibreOffice over workbooks: recalculate and save as .xlsx, or print to PDF.

Each run has its own private profile (so runs never share state or a lock, and the profile forces
recalculation on load — LibreOffice otherwise keeps stale cached values, DESIGN §10), a timeout, and
a fontconfig file that maps the fonts official documents use (宋体, 黑体, as WPS and Excel have them)
to the CJK fonts installed on a Linux machine (Noto Serif / Sans CJK, from Debian's fonts-noto-cjk).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

from xltools.style import SANS_NAMES, SERIF_NAMES

_RECALC_PROFILE = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="ODFRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""

_FONTS_CONF = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
{aliases}
</fontconfig>
"""
_ALIAS = """  <alias binding="same"><family>{name}</family><prefer>{prefer}</prefer></alias>"""


def _fonts_conf() -> str:
    serif = "".join(f"<family>{f}</family>" for f in ("Noto Serif CJK SC", "Source Han Serif SC", "AR PL UMing CN"))
    sans = "".join(f"<family>{f}</family>" for f in ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei"))
    aliases = [_ALIAS.format(name=n, prefer=serif) for n in SERIF_NAMES] + [
        _ALIAS.format(name=n, prefer=sans) for n in SANS_NAMES
    ]
    return _FONTS_CONF.format(aliases="\n".join(aliases))


class LibreOfficeError(RuntimeError):
    pass


def soffice() -> str | None:
    """Path of the soffice binary, or None when LibreOffice is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def _convert(files: Sequence[Path], outdir: Path, target: str, suffix: str, timeout: float) -> list[Path]:
    exe = soffice()
    if exe is None:
        raise LibreOfficeError("LibreOffice (soffice) is not installed")
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="xltools-lo-") as profile:
        user = Path(profile) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(_RECALC_PROFILE, encoding="utf-8")
        fonts = Path(profile) / "fonts.conf"
        fonts.write_text(_fonts_conf(), encoding="utf-8")
        cmd = [
            exe,
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--headless",
            "--norestore",
            "--nolockcheck",
            "--convert-to",
            target,
            "--outdir",
            str(outdir),
            *map(str, files),
        ]
        env = {**os.environ, "FONTCONFIG_FILE": str(fonts)}
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False, env=env)
        except subprocess.TimeoutExpired:
            raise LibreOfficeError(f"LibreOffice took longer than {timeout:g} s") from None
    outs = [outdir / (Path(f).stem + suffix) for f in files]
    missing = [o.name for o in outs if not o.is_file()]
    if proc.returncode != 0 or missing:
        raise LibreOfficeError(
            f"LibreOffice failed (exit {proc.returncode}); missing {missing}: {proc.stderr.strip()[-500:]}"
        )
    return outs


def recalculate(files: Sequence[Path], outdir: Path, timeout: float = 300) -> list[Path]:
    """Open every file in one LibreOffice run, recalculate, save as .xlsx into ``outdir`` (in order)."""
    return _convert(files, outdir, "xlsx:Calc MS Excel 2007 XML", ".xlsx", timeout)


def to_pdf(files: Sequence[Path], outdir: Path, timeout: float = 300) -> list[Path]:
    """Print every workbook to a PDF of the same name in ``outdir``, in one LibreOffice run (in order)."""
    return _convert(files, outdir, "pdf:calc_pdf_Export", ".pdf", timeout)
