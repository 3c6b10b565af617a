"""Checking returns (DESIGN §5): everything missing, malformed or inconsistent, at its cell.

- `extract`: values through the defined names, and the structure they come from (`tampered`);
- `values`, `typed`: raw cells → typed values (`type`); `identify`: which spec, which year;
- `schema`, `validate`: pandera schemas generated from the spec, over many returns at once;
- `rules`: derived values recomputed, cross-field and row rules, 元/万元 magnitudes;
- `workers`: isolated reader processes; `pipeline`: the phases put together.
"""

from __future__ import annotations

from xltools.check.pipeline import Prepared, check_file, check_files, check_values, finish, prepare_all, validate_all

__all__ = ["Prepared", "check_file", "check_files", "check_values", "finish", "prepare_all", "validate_all"]
