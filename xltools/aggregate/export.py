"""The long-format export for analysts (DESIGN §12): one row per figure of every counted return.

Columns on every row: spec, year, region_code, region_name, section, row, field, label, value, unit,
status, status_label. ``section`` is ``field`` for a scalar figure and ``indicator`` for a cell of the
indicator table (``row`` is then its row number); every rate is in one scale, percent, said in ``unit``.
CSV (UTF-8 with BOM, for Excel) or Parquet carry the same columns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from xltools.aggregate.collect import Summary
from xltools.atomic import outputs
from xltools.catalogue import say
from xltools.spec import Field

COLUMNS = (
    "spec",
    "year",
    "region_code",
    "region_name",
    "section",
    "row",
    "field",
    "label",
    "value",
    "unit",
    "status",
    "status_label",
)


def _value(f: Field, v: Any) -> tuple[Any, str]:
    """A figure in the export's scale: rates stored as fractions become percent (1.0 → 100, unit %)."""
    if isinstance(v, dt.date):
        v = v.isoformat()
    if f.percent and isinstance(v, int | float) and not isinstance(v, bool):
        return round(v * 100, 10), "%"
    return v, f.shown_unit


def long_rows(summary: Summary) -> Iterable[dict[str, Any]]:
    """One row per field of every counted return, then one per cell of its indicator rows."""
    spec = summary.spec
    for region, sub in summary.counted():
        common = {
            "spec": spec.id,
            "year": summary.year,
            "region_code": region.code,
            "region_name": region.name,
            "status": sub.status,
            "status_label": say(f"status.{sub.status}", "zh"),
        }
        for f in spec.fields.values():
            value, unit = _value(f, sub.values.get(f.id))
            yield {
                **common,
                "section": "field",
                "row": None,
                "field": f.id,
                "label": f.label,
                "value": value,
                "unit": unit,
            }
        if spec.table is None:
            continue
        for i, ind in enumerate(sub.indicators, 1):
            for c in spec.table.columns:
                value, unit = _value(c, ind.get(c.id))
                yield {
                    **common,
                    "section": "indicator",
                    "row": i,
                    "field": c.id,
                    "label": c.label,
                    "value": value,
                    "unit": unit,
                }


def export_long(summary: Summary, path: Path | str) -> Path:
    """CSV or Parquet, by the file's extension — written atomically."""
    path = Path(path)
    with outputs() as out:
        write_long(summary, out.path(path), path.suffix.lower())
    return path


def write_long(summary: Summary, target: Path, suffix: str) -> None:
    import pandas as pd

    df = pd.DataFrame(list(long_rows(summary)), columns=list(COLUMNS)).astype({"row": "Int64"})
    if suffix == ".parquet":  # one type per column: values as text, as in the CSV
        df.assign(value=df["value"].map(lambda v: None if v is None else str(v))).to_parquet(target, index=False)
    else:  # Excel would run a CSV cell that starts with "=" as a formula: keep returns' text as text
        df.assign(value=df["value"].map(csv_safe)).to_csv(target, index=False, encoding="utf-8-sig")


def csv_safe(v: Any) -> Any:
    """Text that a spreadsheet would read as a formula gets a leading apostrophe (OWASP's CSV injection advice)."""
    if isinstance(v, str) and v.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + v
    return v
