"""Findings are data (DESIGN §5): a stable code, a location, parameters — and no words.

The sentence a person reads is made from the catalogue when the finding is reported, in the reader's
language (`Finding.text`); ``Finding.message`` is the Chinese one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as dc_field
from typing import Any

from xltools.catalogue import Msg, Text, localise, say

ERROR, WARNING = "error", "warning"
CODES = (
    "missing",
    "type",
    "range",
    "choice",
    "pattern",
    "sum",
    "rule",
    "unit",
    "outlier",
    "tampered",
    "template",
    "unreadable",
)


QUOTED = 200  # characters of a text found that a sentence quotes (the rest is in the cell, and in JSON's actual)


@dataclass(frozen=True, eq=True)
class Finding:
    """One problem found in a return, located by sheet and cell as Excel shows them.

    ``detail`` refines the code (``tampered`` / ``formula_constant``); ``params`` fill its message;
    ``cells`` are other cells the finding involves (``资金情况!C6``): the inputs behind a derived value,
    the other side of a broken rule.
    """

    code: str
    severity: str
    sheet: str = ""
    cell: str = ""
    field: str = ""
    detail: str = ""
    params: Mapping[str, Any] = dc_field(default_factory=dict, hash=False)
    expected: Any = None
    actual: Any = None
    cells: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The catalogue key of its message: the code, or code.detail."""
        return f"{self.code}.{self.detail}" if self.detail else self.code

    @property
    def where(self) -> str:
        return f"{self.sheet}!{self.cell}" if self.sheet and self.cell else self.sheet or ""

    def text(self, lang: str = "zh") -> str:
        """The sentence a person reads, in ``lang`` (a long text found is quoted up to `QUOTED`, with its length)."""
        actual = self.actual
        if isinstance(actual, str) and len(actual) > QUOTED:
            actual = Msg.of("value.clipped", start=actual[:QUOTED], length=len(actual))
        where = {"sheet": self.sheet, "cell": self.cell, "expected": self.expected, "actual": actual}
        return say(self.key, lang, **{**where, **(self.params or {})})

    @property
    def message(self) -> str:
        return self.text("zh")

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        """Exactly the keys of DESIGN §5."""
        return {
            "code": self.code,
            "severity": self.severity,
            "sheet": self.sheet,
            "cell": self.cell,
            "field": self.field,
            "message": self.text(lang),
            "expected": _jsonable(self.expected, lang),
            "actual": _jsonable(self.actual, lang),
        }


def _jsonable(v: Any, lang: str) -> Any:
    if v is None or isinstance(v, bool | int | float | str):
        return v
    if isinstance(v, list | tuple):
        return localise(v, lang)
    return localise(v, lang) if isinstance(v, Text | Msg) else str(v)


@dataclass
class Report:
    """Everything `check` says about one file."""

    file: str
    spec: str | None = None
    spec_version: str | None = None
    region_code: str | None = None
    year: int | None = None
    findings: list[Finding] = dc_field(default_factory=list)
    unreadable: bool = False
    spec_title: str | None = None

    @property
    def status(self) -> str:
        if self.unreadable:
            return "unreadable"
        if any(f.severity == ERROR for f in self.findings):
            return "errors"
        return "warnings" if self.findings else "ok"

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == WARNING]

    @property
    def trusted(self) -> bool:
        """Whether its figures may count in a total: read, identified, and without errors."""
        return self.status in ("ok", "warnings")

    def to_dict(self, lang: str = "zh") -> dict[str, Any]:
        """Exactly the keys of DESIGN §5."""
        return {
            "file": self.file,
            "status": self.status,
            "spec": self.spec,
            "spec_version": self.spec_version,
            "region_code": self.region_code,
            "year": self.year,
            "findings": [f.to_dict(lang) for f in self.findings],
        }

    def flatten(self) -> list[tuple[str, str, str]]:
        """The findings as (code, severity, sheet!cell) rows: what tests and scripts compare."""
        return [(f.code, f.severity, f.where) for f in self.findings]
