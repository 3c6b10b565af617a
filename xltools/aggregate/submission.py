"""One input file of a run and what became of it: its status, and its details kept in memory or, in a large
run, in the run's spool."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xltools.aggregate.spool import Spool
from xltools.findings import Finding, Report
from xltools.spec import Region

OK, WARNINGS, ERRORS, REJECTED, DUPLICATE, MISSING = "ok", "warnings", "errors", "rejected", "duplicate", "missing"
COUNTED = (OK, WARNINGS, ERRORS)  # a region's return: listed with its figures
IN_TOTALS = (OK, WARNINGS)  # and these only are summed


@dataclass(slots=True)
class Details:
    """What a return says beyond its status: its findings, figures, indicator rows and their cells."""

    report: Report
    values: dict[str, Any] = field(default_factory=dict)
    indicators: list[dict[str, Any]] = field(default_factory=list)
    where: dict[str, tuple[str, str]] = field(default_factory=dict)  # field id -> (sheet, A1)


class Submission:
    """One input file and what became of it. Its details live in the object or, in a large run, in the run's
    spool (`spill`), read back one return at a time as the summary is written; change its findings only
    through `amend`, which stores them back."""

    __slots__ = (
        "_at",
        "_d",
        "_path",
        "counts",
        "fill_date",
        "mtime",
        "name",
        "reason",
        "region",
        "rows",
        "status",
        "unique",
    )

    def __init__(
        self,
        path: Path | str,
        report: Report,
        name: str = "",
        status: str = REJECTED,
        reason: Any = None,  # why it was rejected or not used (a catalogue message or a finding)
        region: Region | None = None,
        values: dict[str, Any] | None = None,
        indicators: list[dict[str, Any]] | None = None,
        fill_date: Any = None,
        mtime: float = 0.0,
        where: dict[str, tuple[str, str]] | None = None,
        unique: tuple[str, ...] = (),  # what tells a region's returns apart (spec.unique_by), normalised
    ) -> None:
        self._path = os.fspath(path)  # text: a large run holds every one (a Path takes ~300 bytes more)
        self.name, self.status, self.reason, self.region = name, status, reason, region
        self.fill_date, self.mtime, self.unique = fill_date, mtime, unique
        self._d: Details | None = Details(report, values or {}, indicators or [], where or {})
        self._at: tuple[Spool, int] | None = None
        self.counts = (0, 0, 0)  # errors, warnings, findings
        self.rows = len(indicators or ())  # indicator rows
        self._count(report)

    @property
    def path(self) -> Path:
        return Path(self._path)

    def __repr__(self) -> str:
        return f"Submission({self.file_name!r}, {self.status!r})"

    @property
    def details(self) -> Details:
        if self._d is not None:
            return self._d
        assert self._at is not None
        spool, n = self._at
        return spool.get(n)  # type: ignore[no-any-return]

    @property
    def report(self) -> Report:
        return self.details.report

    @property
    def values(self) -> dict[str, Any]:
        return self.details.values

    @property
    def indicators(self) -> list[dict[str, Any]]:
        return self.details.indicators

    @property
    def where(self) -> dict[str, tuple[str, str]]:
        return self.details.where

    def spill(self, spool: Spool) -> None:
        """Keep its details in ``spool`` from now on, not in memory."""
        if self._d is not None:
            self._at, self._d = (spool, spool.add(self._d)), None

    def amend(self, findings: list[Finding]) -> None:
        """Its findings become ``findings`` (the run's own: unit errors against the other regions, outliers)
        and its status follows them, unless it was not counted."""
        d = self.details
        d.report.findings = findings
        if self._at is not None:
            self._at[0].put(self._at[1], d)
        self._count(d.report)
        if self.status in COUNTED:
            self.classify()

    def _count(self, report: Report) -> None:
        self.counts = (len(report.errors), len(report.warnings), len(report.findings))

    @property
    def file_name(self) -> str:
        """The file's own name, as a person reads it."""
        return Path(self.name).name if self.name else self.path.name

    @property
    def counted(self) -> bool:
        return self.status in COUNTED

    @property
    def in_totals(self) -> bool:
        return self.status in IN_TOTALS

    def classify(self) -> None:
        errors, warnings, _ = self.counts
        self.status = ERRORS if errors else WARNINGS if warnings else OK
