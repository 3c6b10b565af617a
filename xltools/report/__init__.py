"""Reporting check results: `text` for a person, `jsonl` for programs, `annotate` for the copy sent back."""

from __future__ import annotations

from xltools.report.annotate import annotate
from xltools.report.jsonl import render_json
from xltools.report.text import render_text, verdict

__all__ = ["annotate", "render_json", "render_text", "verdict"]
