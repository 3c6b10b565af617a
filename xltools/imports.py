"""Imports a command process never needs, kept out of it (issue #14: a fast single check).

When they are installed (``pip install '.[test]'`` installs both), pandera imports hypothesis for its data
synthesis strategies and pandas imports pyarrow for Arrow-backed columns: 0.3 s and 0.12 s of the 1.4 s
``xltools check ONE.xlsx`` took, for features no command uses. ``leave_out`` marks them unavailable in
``sys.modules`` (Python's own way to block an import) before pandas and pandera load; both libraries treat
them as optional. Only the command-line entry point calls it — never the library, whose caller may want them —
and pyarrow only for commands that write or read no Parquet file.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

NEVER = ("hypothesis",)  # pandera's data synthesis: no command synthesises data
ARROW = ("pyarrow",)
ARROW_FREE = ("check", "diff", "make-template", "specs", "print")  # commands that never touch Parquet


def leave_out(*modules: str) -> None:
    """Block ``modules`` in this process unless something imported them already."""
    for m in modules:
        if m not in sys.modules:
            sys.modules[m] = None  # type: ignore[assignment]


def for_command(argv: Sequence[str]) -> None:
    """Keep out what the command in ``argv`` (sys.argv) does not need."""
    leave_out(*NEVER)
    command = next((a for a in argv[1:] if not a.startswith("-")), "")
    if command in ARROW_FREE and not any(a.lower().endswith(".parquet") for a in argv):
        leave_out(*ARROW)
