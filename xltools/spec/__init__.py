"""Return-type specs: the one model that the builder, the checker, the aggregator and the desk read.

- `model`: frozen dataclasses (Spec → Sheet → Field / Table / Rule), no I/O;
- `expr`: the expression language of formulas and rules (Excel rendering, Python evaluation);
- `load`: where specs live, bounded YAML, ``extends``, caching and pickling;
- `parse`: the raw mapping → the model, key by key; `validate`: names and cycles across the spec.
"""

from __future__ import annotations

from xltools.spec.errors import SpecError
from xltools.spec.load import bundled_schemas, is_spec_id, list_specs, load_regions, load_spec, schemas_dir, spec_ids
from xltools.spec.model import (
    Aggregate,
    Block,
    Field,
    FieldBlock,
    GridBlock,
    Region,
    RegionList,
    Rule,
    Sheet,
    Spec,
    Table,
    TableBlock,
)

__all__ = [
    "Aggregate",
    "Block",
    "Field",
    "FieldBlock",
    "GridBlock",
    "Region",
    "RegionList",
    "Rule",
    "Sheet",
    "Spec",
    "SpecError",
    "Table",
    "TableBlock",
    "bundled_schemas",
    "is_spec_id",
    "list_specs",
    "load_regions",
    "load_spec",
    "schemas_dir",
    "spec_ids",
]
