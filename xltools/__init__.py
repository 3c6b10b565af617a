"""xltools: locked Excel templates, validation and aggregation of 绩效自评表 returns.

The library API (the CLI is a thin layer over it)::

    from xltools import load_spec, build_template
    spec = load_spec("yibao_dept")
    build_template(spec, "out.xlsx", year=2023, region=spec.regions.find("始兴县"))

Heavy modules (pandas, pandera, openpyxl) load only when the function that needs them is called.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_LAZY = {
    "load_spec": "xltools.spec",
    "list_specs": "xltools.spec",
    "SpecError": "xltools.spec",
    "build_template": "xltools.build",
    "build_templates": "xltools.build",
}

if TYPE_CHECKING:
    from xltools.build import build_template, build_templates
    from xltools.spec import SpecError, list_specs, load_spec


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'xltools' has no attribute {name!r}")


__all__ = ["SpecError", "__version__", "build_template", "build_templates", "list_specs", "load_spec"]
