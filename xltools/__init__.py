"""xltools: locked Excel templates, validation and aggregation of 绩效自评表 returns.

The library API (the CLI is a thin layer over it)::

    from xltools import aggregate_returns, build_template, check_file, load_spec, write_summary
    spec = load_spec("yibao_dept")
    build_template(spec, "out.xlsx", year=2023, region=spec.regions.find("始兴县"))
    report = check_file("returned.xlsx")          # Report: status, findings (code, sheet, cell, message…)
    summary = aggregate_returns(["inbox/"], spec="yibao_dept", year=2023)
    write_summary(summary, "summary.xlsx")

Heavy modules (pandas, pandera, openpyxl) load only when the function that needs them is called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xltools._version import __version__

_LAZY = {
    "load_spec": "xltools.spec",
    "list_specs": "xltools.spec",
    "SpecError": "xltools.spec",
    "build_template": "xltools.template",
    "build_templates": "xltools.template",
    "check_file": "xltools.check",
    "check_files": "xltools.check",
    "check_values": "xltools.check",
    "aggregate_returns": "xltools.aggregate",
    "write_summary": "xltools.aggregate",
    "write_outputs": "xltools.aggregate",
    "export_long": "xltools.aggregate",
    "diff_returns": "xltools.versions",
    "read_targets": "xltools.targets",
    "print_pdfs": "xltools.paper",
}
_RENAMED = {"aggregate_returns": "aggregate"}  # the package xltools.aggregate holds the function aggregate

if TYPE_CHECKING:
    from xltools.aggregate import aggregate as aggregate_returns
    from xltools.aggregate import export_long, write_outputs, write_summary
    from xltools.check import check_file, check_files, check_values
    from xltools.paper import print_pdfs
    from xltools.spec import SpecError, list_specs, load_spec
    from xltools.targets import read_targets
    from xltools.template import build_template, build_templates
    from xltools.versions import diff_returns


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), _RENAMED.get(name, name))
    raise AttributeError(f"module 'xltools' has no attribute {name!r}")


__all__ = [
    "SpecError",
    "__version__",
    "aggregate_returns",
    "build_template",
    "build_templates",
    "check_file",
    "check_files",
    "check_values",
    "diff_returns",
    "export_long",
    "list_specs",
    "load_spec",
    "print_pdfs",
    "read_targets",
    "write_outputs",
    "write_summary",
]
