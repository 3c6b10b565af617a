"""Test helper: a workbook's content as an independent reader (openpyxl) sees it, for golden comparisons.

The product's own reader is not used as the oracle: a bug in it would hide the same bug in both files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def workbook_content(path: Path) -> dict[str, Any]:
    """Sheets, every cell's value or formula, merged ranges, validations, protection, names, custom properties."""
    import openpyxl

    wb = openpyxl.load_workbook(path)  # formulas as text, values as stored
    sheets = {}
    for ws in wb.worksheets:
        sheets[ws.title] = {
            "state": ws.sheet_state,
            "cells": {
                c.coordinate: (c.value, c.number_format, c.protection.locked)
                for row in ws.iter_rows()
                for c in row
                if c.value is not None
            },
            "merged": sorted(str(r) for r in ws.merged_cells.ranges),
            "validations": sorted(
                (str(v.sqref), v.type, v.formula1, v.formula2) for v in ws.data_validations.dataValidation
            ),
            "protected": ws.protection.sheet,
            "print": (
                ws.page_setup.orientation,
                ws.page_setup.paperSize,
                str(ws.print_title_rows),
                ws.oddFooter.center.text,
            ),
        }
    names = {n: str(d.attr_text) for n, d in wb.defined_names.items()}
    custom = {p.name: p.value for p in wb.custom_doc_props.props}
    return {"sheets": sheets, "order": wb.sheetnames, "names": names, "custom": custom}
