"""Merging returns for the bureau (DESIGN §6): `collect` checks and chooses the returns of each region,
`summary` writes the summary workbook, `export` the long-format table for analysts."""

from __future__ import annotations

from pathlib import Path

from xltools.aggregate.collect import AggregateError, Submission, Summary, aggregate, duplicate_rule
from xltools.aggregate.export import export_long, write_long
from xltools.aggregate.summary import write_summary, write_summary_to
from xltools.atomic import outputs


def write_outputs(summary: Summary, workbook: Path | str, export: Path | str | None = None) -> list[Path]:
    """The summary workbook and, if asked, the export: both written, or neither."""
    paths = [Path(workbook)] + ([Path(export)] if export is not None else [])
    with outputs() as out:
        write_summary_to(summary, out.path(paths[0]))
        if export is not None:
            write_long(summary, out.path(paths[1]), paths[1].suffix.lower())
    return paths


__all__ = [
    "AggregateError",
    "Submission",
    "Summary",
    "aggregate",
    "duplicate_rule",
    "export_long",
    "write_outputs",
    "write_summary",
]
