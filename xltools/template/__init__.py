"""The locked submission workbook of a spec (DESIGN §3): `build` writes it with xlsxwriter;
`instructions` makes its 填报说明 sheet and every requirement text from the spec."""

from __future__ import annotations

from xltools.template.build import build_template, build_templates, default_year, template_name
from xltools.template.instructions import describe

__all__ = ["build_template", "build_templates", "default_year", "describe", "template_name"]
