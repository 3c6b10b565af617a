"""Test helper: fill a template's input cells through its defined names (as a program would, not a person).

openpyxl keeps protection, validations and names, and empties every formula's cached value,
so a filled file is exactly the "saved by a program that never recalculated" case of DESIGN §3.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from xltools.atomic import atomic_path


def name_cells(wb: Any, name: str) -> list[Any]:
    """The cells a workbook-scoped defined name points to, in order."""
    dn = wb.defined_names.get(name)
    if dn is None:
        raise KeyError(f"the workbook has no defined name {name!r}")
    cells: list[Any] = []
    for sheet, ref in dn.destinations:
        rng = wb[sheet][ref.replace("$", "")]
        if isinstance(rng, tuple):
            cells.extend(c for row in rng for c in (row if isinstance(row, tuple) else (row,)))
        else:
            cells.append(rng)
    return cells


def fill_return(template: Path | str, values: Mapping[str, Any], out: Path | str) -> Path:
    """Write ``values`` (field id -> value; table column id -> list of row values) into a copy.

    A value of None leaves the cell empty. Text is written as text, never as a formula.
    """
    import openpyxl

    wb = openpyxl.load_workbook(template)
    for name, value in values.items():
        cells = name_cells(wb, name)
        if isinstance(value, Sequence) and not isinstance(value, str):
            if len(value) > len(cells):
                raise ValueError(f"{name}: {len(value)} values for {len(cells)} rows")
            for cell, v in zip(cells, value, strict=False):
                _put(cell, v)
        else:
            _put(cells[0], value)
    out = Path(out)
    with atomic_path(out) as tmp:
        wb.save(tmp)
    return out


def _put(cell: Any, value: Any) -> None:
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # text that looks like a formula stays text


def table_values(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> dict[str, list[Any]]:
    """Indicator rows (one list per row, in column order) -> column id -> list of values."""
    out: dict[str, list[Any]] = {c: [] for c in columns}
    for i, row in enumerate(rows):
        if len(row) != len(columns):
            raise ValueError(f"indicator row {i + 1} has {len(row)} cells, expected {len(columns)}")
        for c, v in zip(columns, row, strict=True):
            out[c].append(None if v == "" else v)
    return out


def load_return_data(path: Path | str) -> dict[str, Any]:
    """Read a return described as YAML (spec, year, region, values, indicators) into fill values."""
    import yaml

    from xltools.spec import load_spec

    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    spec = load_spec(data["spec"])
    values: dict[str, Any] = {
        "region_code": str(data["region"]),
        "year": int(data["year"]),
        **(data.get("values") or {}),
    }
    if spec.table and data.get("indicators"):
        values |= table_values([c.id for c in spec.table.columns], data["indicators"])
    return {"spec": spec, "year": int(data["year"]), "region": spec.regions.find(str(data["region"])), "values": values}
