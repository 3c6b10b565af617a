"""Fill templates inside a real LibreOffice, as a person would, then save them as .xlsx.

Run by LibreOffice's own Python (Debian's python3 with python3-uno), not by xltools' interpreter:
    /usr/bin/python3 _lo_fill.py JOBS.json
JOBS.json: [{"template": path, "out": path, "values": {defined name: value or [row values]}}, ...]
Each value is entered into the cells behind its defined name through LibreOffice's input parsing
(what typing it into the cell does): numbers and ISO dates become numbers and dates, other text stays
text. The sheets stay protected: only unlocked input cells are written. Standard library + uno only.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]


def prop(name: str, value: object) -> PropertyValue:
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def connect(pipe: str, timeout: float = 60) -> object:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.time() + timeout
    while True:
        try:
            return resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
        except Exception:
            if time.time() > deadline:
                raise
            time.sleep(0.25)


def enter(cell: object, value: object, text_cell: bool) -> None:
    """What typing ``value`` into the cell does: in a cell formatted as text (@) everything stays text;
    elsewhere numbers and dates are parsed, other text stays text."""
    if value is None:
        cell.setString("")
    elif isinstance(value, bool):
        cell.setFormula("TRUE" if value else "FALSE")
    elif isinstance(value, int | float) and not text_cell:
        cell.setValue(float(value))
    else:
        if isinstance(value, float) and value == int(value):
            value = int(value)  # 440222.0 typed as 440222
        text = str(value)
        if text_cell or text.startswith("="):
            cell.setString(text)  # typed into a text cell, or text that looks like a formula: kept as text
        else:
            cell.setFormula(text)  # LibreOffice's input parsing: "2024-07-09" becomes a date, "约3万" stays text


def main() -> None:
    jobs = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    soffice = os.environ.get("XLTOOLS_SOFFICE", "soffice")
    with tempfile.TemporaryDirectory(prefix="xltools-uno-") as profile:
        pipe = f"xltools_{os.getpid()}"
        proc = subprocess.Popen(
            [
                soffice,
                f"-env:UserInstallation={Path(profile).as_uri()}",
                "--headless",
                "--invisible",
                "--norestore",
                "--nolockcheck",
                "--nodefault",
                f"--accept=pipe,name={pipe};urp;",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            ctx = connect(pipe)
            desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
            for job in jobs:
                doc = desktop.loadComponentFromURL(
                    Path(job["template"]).resolve().as_uri(), "_blank", 0, (prop("Hidden", True),)
                )
                try:
                    names, formats = doc.NamedRanges, doc.NumberFormats
                    for name, value in job["values"].items():
                        cells = names.getByName(name).getReferredCells()
                        values = value if isinstance(value, list) else [value]
                        for i, v in enumerate(values):
                            cell = cells.getCellByPosition(0, i)
                            if cell.getPropertyValue("CellProtection").IsLocked:
                                continue  # prefilled and locked: a person cannot type there either
                            text_cell = formats.getByKey(cell.NumberFormat).FormatString == "@"
                            enter(cell, v, text_cell)
                    doc.calculateAll()
                    doc.storeToURL(
                        Path(job["out"]).resolve().as_uri(),
                        (prop("FilterName", "Calc MS Excel 2007 XML"), prop("Overwrite", True)),
                    )
                finally:
                    doc.close(True)
            with contextlib.suppress(Exception):  # the bridge goes away with the process
                desktop.terminate()
        finally:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


if __name__ == "__main__":
    main()
