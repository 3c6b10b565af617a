"""One input file of a run and what became of it: its status, and its details kept in memory or, in a large
run, in the run's spool."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from xltools.aggregate.spool import PARTS, Spool
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

    # In the spool a return's details are three parts, read apart: its figures (汇总), its indicator rows
    # (指标明细), its report and cells (校验结果, the export).
    _VALUES, _INDICATORS, _REPORT = range(PARTS)

    def _part(self, part: int) -> Any:
        assert self._at is not None
        spool, n = self._at
        return spool.get(n, part)

    @property
    def report(self) -> Report:
        return self._d.report if self._d is not None else self._part(self._REPORT)[0]  # type: ignore[no-any-return]

    @property
    def values(self) -> dict[str, Any]:
        return self._d.values if self._d is not None else self._part(self._VALUES)  # type: ignore[no-any-return]

    @property
    def indicators(self) -> list[dict[str, Any]]:
        return self._d.indicators if self._d is not None else self._part(self._INDICATORS)  # type: ignore[no-any-return]

    @property
    def where(self) -> dict[str, tuple[str, str]]:
        return self._d.where if self._d is not None else self._part(self._REPORT)[1]  # type: ignore[no-any-return]

    def spill(self, spool: Spool) -> None:
        """Keep its details in ``spool`` from now on, not in memory."""
        if self._d is not None:
            d = self._d
            self._at, self._d = (spool, spool.add(d.values, d.indicators, (d.report, d.where))), None

    def amend(self, findings: list[Finding]) -> None:
        """Its findings become ``findings`` (the run's own: unit errors against the other regions, outliers)
        and its status follows them, unless it was not counted."""
        if self._d is not None:
            report = self._d.report
            report.findings = findings
        else:
            report, where = self._part(self._REPORT)
            report.findings = findings
            spool, n = self._at  # type: ignore[misc]
            spool.put(n, self._REPORT, (report, where))
        self._count(report)
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
