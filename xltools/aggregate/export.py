"""The long-format export for analysts (DESIGN §12): one row per figure of every counted return.

Columns on every row: spec, year, region_code, region_name, section, row, field, label, value, unit,
status, status_label. ``section`` is ``field`` for a scalar figure and ``indicator`` for a cell of the
indicator table (``row`` is then its row number); every rate is in one scale, percent, said in ``unit``.
CSV (UTF-8 with BOM, for Excel) or Parquet carry the same columns.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator
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


BATCH = 50_000  # rows turned into a frame and written at a time: memory flat in the returns (issue #14)


def write_long(summary: Summary, target: Path, suffix: str) -> None:
    import pandas as pd

    if suffix == ".parquet":  # one type per column: values as text, as in the CSV
        import pyarrow as pa
        import pyarrow.parquet as pq

        schema = pa.schema([(c, pa.int64() if c in ("year", "row") else pa.string()) for c in COLUMNS])
        writer = None
        for df in _frames(summary):
            text = df["value"].map(lambda v: None if v is None else str(v))
            table = pa.Table.from_pandas(df.assign(value=text), schema=schema, preserve_index=False)
            writer = writer or pq.ParquetWriter(target, table.schema)  # with pandas' metadata: Int64 rows stay
            writer.write_table(table)
        assert writer is not None  # _frames yields at least one frame
        writer.close()
        return
    with target.open("wb") as fh:  # Excel would run a CSV cell that starts with "=" as a formula: text stays text
        for i, df in enumerate(_frames(summary)):
            safe = pd.Series([csv_safe(v) for v in df["value"]], index=df.index, dtype=object)  # 229547 stays so
            df.assign(value=safe).to_csv(fh, index=False, header=i == 0, encoding="utf-8-sig" if i == 0 else "utf-8")


def _frames(summary: Summary) -> Iterator[Any]:
    """The export's rows, `BATCH` at a time, as frames (at least one, with the columns, when there are none)."""
    import pandas as pd

    rows = long_rows(summary)
    while True:
        batch = list(itertools.islice(rows, BATCH))
        yield pd.DataFrame(  # as the rows hold them: a batch of whole numbers must not become 229547.0
            {c: pd.Series([r[c] for r in batch], dtype=object) for c in COLUMNS}, columns=list(COLUMNS)
        ).astype({"row": "Int64", "year": "int64"})
        if len(batch) < BATCH:
            return


def csv_safe(v: Any) -> Any:
    """Text that a spreadsheet would read as a formula gets a leading apostrophe (OWASP's CSV injection advice)."""
    if isinstance(v, str) and v.startswith(("=", "+", "-", "@", "\t", "\r")):
        return "'" + v
    return v
