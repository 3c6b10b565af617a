"""Test helper: look at printed pages as a person would — their text, PNGs saved for review, and which cells
of a workbook would print cut (text wider than its cell, or more lines than its row holds)."""

from __future__ import annotations

import math
import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
ARTIFACTS = Path(os.environ.get("XLTOOLS_ARTIFACTS", ROOT / "artifacts"))  # PNGs of printed pages, for review
LINE = 15.0  # points a line of text takes
DEFAULT_WIDTH = 8.43  # Excel's default column width


def pages_text(pdf: Path) -> list[str]:
    """The text of every page, as a reader of the PDF extracts it."""
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(pdf).pages]


def save_pngs(pdf: Path, name: str, dpi: int = 60) -> list[Path]:
    """PNGs of the pages under artifacts/ (poppler-utils' pdftoppm, installed by .ci/run)."""
    exe = shutil.which("pdftoppm")
    assert exe, "pdftoppm (poppler-utils) is needed: bash .ci/run installs it"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for old in ARTIFACTS.glob(f"{name}-*.png"):
        old.unlink()
    subprocess.run([exe, "-png", "-r", str(dpi), str(pdf), str(ARTIFACTS / name)], check=True)
    return sorted(ARTIFACTS.glob(f"{name}-*.png"))


def display_width(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def cut_cells(path: Path) -> list[str]:
    """Cells of the printed (visible) sheets whose text would not fit: wider than the cell (or its merged
    range) when it does not wrap and cannot spill into an empty neighbour, or needing more lines than the
    row's height gives when it wraps. Formulas are left aside (their text is not known here)."""
    import openpyxl

    wb = openpyxl.load_workbook(path)
    out: list[str] = []
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        merged = {}
        for rng in ws.merged_cells.ranges:
            merged[(rng.min_row, rng.min_col)] = rng
        covered = {
            (r, c)
            for rng in ws.merged_cells.ranges
            for r in range(rng.min_row, rng.max_row + 1)
            for c in range(rng.min_col, rng.max_col + 1)
        }

        def width(col: int, ws: object = ws) -> float:
            letter = openpyxl.utils.get_column_letter(col)
            dim = ws.column_dimensions.get(letter)
            if dim is not None and dim.width:
                return float(dim.width)
            for d in ws.column_dimensions.values():  # a width set for a span of columns
                if d.min and d.max and d.min <= col <= d.max and d.width:
                    return float(d.width)
            return DEFAULT_WIDTH

        def height(row: int, ws: object = ws) -> float:
            dim = ws.row_dimensions.get(row)
            if dim is not None and dim.hidden:
                return 0.0
            return float(dim.height) if dim is not None and dim.height else LINE

        for row in ws.iter_rows():
            for cell in row:
                text = cell.value
                if not isinstance(text, str) or not text or text.startswith("="):
                    continue
                rng = merged.get((cell.row, cell.column))
                cols = range(cell.column, (rng.max_col if rng else cell.column) + 1)
                rows = range(cell.row, (rng.max_row if rng else cell.row) + 1)
                avail_w = sum(width(c) for c in cols)
                avail_h = sum(height(r) for r in rows)
                if avail_h == 0:
                    continue
                size = (cell.font.sz or 11) / 11
                need = display_width(text) * size
                wraps = bool(cell.alignment and cell.alignment.wrap_text)
                if wraps:
                    lines = sum(
                        max(1, math.ceil(display_width(p) * size / max(avail_w - 1, 1))) for p in text.splitlines()
                    )
                    if lines * LINE * size > avail_h + 2:
                        out.append(f"{ws.title}!{cell.coordinate}: {lines} lines in {avail_h:g} pt: {text[:30]}")
                elif need > avail_w + 1:
                    right = (cell.row, cols[-1] + 1)
                    neighbour = ws.cell(*right).value if right not in covered else "merged"
                    if rng is not None or neighbour not in (None, ""):
                        out.append(f"{ws.title}!{cell.coordinate}: {need:g} wide in {avail_w:g}: {text[:30]}")
    return out
