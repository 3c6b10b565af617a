"""The spec model: frozen dataclasses that the builder, the checker and the aggregator read.

No I/O here: `xltools.spec.load` reads YAML files into these objects and validates them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from xltools.catalogue import Text
from xltools.spec.expr import Expr


@dataclass(frozen=True)
class Aggregate:
    """How a field is combined across returns: sum, mean, none, or a ratio of two summed fields."""

    how: str = "none"
    ratio: tuple[str, str] | None = None


@dataclass(frozen=True)
class Field:
    """One value of a return: an input cell, a derived (formula) cell, or a table column."""

    id: str
    label: str
    type: str
    kind: str
    sheet: str
    label_en: str = ""
    unit: str = ""
    decimals: int | None = None
    percent: bool = False
    wrap: bool = False
    required: bool = True
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    earliest: dt.date | None = None  # date fields: the range the template's validation allows
    latest: dt.date | None = None
    choices: tuple[str, ...] | None = None
    choices_by: tuple[str, tuple[tuple[str, tuple[str, ...]], ...]] | None = None
    pattern: str | None = None
    pattern_hint: str = ""
    pattern_hint_en: str = ""
    formula: Expr | None = None
    aggregate: Aggregate = Aggregate()
    note: str = ""
    prefill: str | None = None
    key: bool = False
    width: float | None = None
    column: str | None = None
    qualitative: Field | None = None
    tolerance: float | None = None  # how far a derived value may be from its stored one (default: see rules)
    choices_from: str | None = None  # "regions": the choices are the region list's codes
    change: float | None = None  # the band of a year-over-year change beyond which it is an outlier (0.3 = ±30 %)
    restates: str | None = None  # the field of last year's return this one restates (上年三公经费 → 三公经费合计)

    @property
    def derived(self) -> bool:
        return self.formula is not None

    @property
    def numeric(self) -> bool:
        return self.kind in ("number", "integer")

    @property
    def name(self) -> Text:
        """The label in both languages (English falls back to the Chinese label, shown in quotes)."""
        return Text(self.label, self.label_en or None)

    @property
    def shown_unit(self) -> str:
        return "%" if self.percent else self.unit

    def parent_choices(self) -> dict[str, tuple[str, ...]]:
        """For a dependent choice: allowed values per value of the parent column."""
        return dict(self.choices_by[1]) if self.choices_by else {}


@dataclass(frozen=True)
class Rule:
    """A cross-field rule: ``assert`` must hold (or ``require`` must be filled) when ``when`` holds."""

    id: str
    field: str
    severity: str = "error"
    code: str = "rule"
    when: Expr | None = None
    check: Expr | None = None
    require: str | None = None
    message: str = ""
    message_en: str = ""
    description: str = ""  # the rule in a sentence for the instruction sheet (no values, no syntax)

    @cached_property
    def names(self) -> frozenset[str]:
        out: set[str] = set()
        for e in (self.when, self.check):
            if e is not None:
                out |= e.names
        if self.require:
            out.add(self.require)
        return frozenset(out)

    @cached_property
    def needs(self) -> frozenset[str]:
        """The names the rule needs filled to be judged (``require`` is the one it checks for)."""
        return self.names - {self.require} if self.require else self.names


@dataclass(frozen=True)
class Table:
    """The indicator table: a fixed block of rows; a row is used when any cell is filled."""

    title: str
    sheet: str
    rows: int
    columns: tuple[Field, ...]
    qualitative_when: Expr | None
    footer: tuple[str, ...]
    row_values: tuple[tuple[str, Expr], ...]
    row_rules: tuple[Rule, ...]
    hint: str = ""
    roles: tuple[tuple[str, str], ...] = ()  # role (target, actual, weight, score, reason, standard) -> id
    shown: tuple[tuple[str, str, str], ...] = ()  # row values shown as a column: (id, label, after column)

    def column(self, cid: str) -> Field:
        return next(c for c in self.columns if c.id == cid)

    def role(self, name: str) -> str | None:
        """The column (or row value) that plays a role: ``table.role("score")`` → "ind_score"."""
        return dict(self.roles).get(name)


@dataclass(frozen=True)
class FieldBlock:
    title: str
    fields: tuple[str, ...]


@dataclass(frozen=True)
class GridBlock:
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, tuple[str, ...]], ...]

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(f for _, ids in self.rows for f in ids)


@dataclass(frozen=True)
class TableBlock:
    title: str


Block = FieldBlock | GridBlock | TableBlock


@dataclass(frozen=True)
class Sheet:
    name: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Ratio:
    """A figure compared across regions and years besides the key fields: numerator ÷ denominator × scale."""

    id: str
    label: str
    numerator: str
    denominator: str
    scale: float = 1.0
    unit: str = ""
    change: float | None = None

    @property
    def name(self) -> Text:
        return Text(self.label)


@dataclass(frozen=True)
class SignOff:
    """One item of a sign-off block: a label, and the field that fills it (none: signed or stamped by hand)."""

    label: str
    field: str | None = None


@dataclass(frozen=True)
class FormCell:
    """A box of the printed form: words (``text``), a field's label, a field's value, or the region's name."""

    kind: str  # text | label | field | region
    value: str = ""  # the words, or the field id
    span: int = 1  # columns it takes


@dataclass(frozen=True)
class FormBlock:
    """Rows of boxes under one heading (written down the first column), or the indicator table."""

    title: str
    rows: tuple[tuple[FormCell, ...], ...] = ()
    indicators: tuple[str, ...] = ()  # table column ids, one box each, when this block is the table


@dataclass(frozen=True)
class Form:
    """The national 表样 a return prints as (DESIGN §12): column widths and blocks, then the sign-off."""

    widths: tuple[float, ...]
    blocks: tuple[FormBlock, ...]

    @property
    def columns(self) -> int:
        return len(self.widths)


class Region(NamedTuple):
    """One region of a list: a tuple, so that a 12,000-region list is built in a millisecond, not six."""

    code: str
    name: str


@dataclass(frozen=True)
class RegionList:
    """A city's (or province's) regions, looked up by code or name in constant time."""

    id: str
    name: str
    regions: tuple[Region, ...]

    @cached_property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.regions)

    @cached_property
    def _index(self) -> dict[str, Region]:
        index = {r.name: r for r in self.regions}
        index |= {r.code: r for r in self.regions}  # a code wins over a name that looks like one
        return index

    def find(self, code_or_name: object) -> Region | None:
        return self._index.get(str(code_or_name).strip())

    def suggest(self, text: str, limit: int = 3) -> list[Region]:
        """Regions a near miss probably meant: 始兴 → 始兴县 (names that contain it, or that it starts)."""
        key = str(text).strip()
        if not key:
            return []
        out = [r for r in self.regions if key in r.name or r.name.startswith(key) or r.code.startswith(key)]
        return out[:limit]


@dataclass(frozen=True, eq=False)
class Spec:
    """A return type: its sheets, fields, indicator table and rules."""

    id: str
    version: str
    title: str
    path: str
    regions: RegionList
    placeholders: tuple[str, ...]
    sheets: tuple[Sheet, ...]
    fields: Mapping[str, Field]
    table: Table | None
    rules: tuple[Rule, ...]
    title_en: str = ""
    magnitude_pairs: tuple[tuple[str, str], ...] = ()
    magnitude_unit: str = ""  # the unit whose figures are checked for 元 typed in its place (万元)
    magnitude_band: tuple[float, float] = (2000.0, 50000.0)  # "about 10,000 times"
    extends: tuple[str, ...] = field(default=())
    unique_by: tuple[str, ...] = ()  # besides the region, what tells two returns apart (e.g. project_name)
    derived_order: tuple[str, ...] = ()  # derived field ids, each after everything it depends on
    signoff: tuple[SignOff, ...] = ()  # the sign-off block that ends the last data sheet and the form
    ratios: tuple[Ratio, ...] = ()  # figures compared across regions and years besides the key fields
    form: Form | None = None  # the printed form view (自评表)

    @property
    def name(self) -> Text:
        return Text(self.title, self.title_en or None)

    def field(self, fid: str) -> Field:
        if fid in self.fields:
            return self.fields[fid]
        if self.table:
            for c in self.table.columns:
                if c.id == fid:
                    return c
        raise KeyError(fid)

    @cached_property
    def inputs(self) -> list[Field]:
        return [f for f in self.fields.values() if not f.derived]

    @cached_property
    def derived(self) -> list[Field]:
        """Derived fields in an order where each comes after everything it depends on."""
        return [self.fields[f] for f in self.derived_order]

    def all_ids(self) -> list[str]:
        ids = list(self.fields)
        if self.table:
            ids += [c.id for c in self.table.columns]
        return ids

    @cached_property
    def id_order(self) -> dict[str, int]:
        """Each field and column id's place in the spec (`all_ids`)."""
        return {n: i for i, n in enumerate(self.all_ids())}

    def inputs_behind(self, fid: str) -> list[str]:
        """The input fields a value depends on (itself when it is an input), in spec order."""
        if fid not in self._behind:
            self._behind[fid] = self._inputs_behind(fid)
        return list(self._behind[fid])

    @cached_property
    def _behind(self) -> dict[str, list[str]]:
        return {}

    def _inputs_behind(self, fid: str) -> list[str]:
        seen: set[str] = set()

        def walk(name: str) -> None:
            f = self.fields.get(name)
            if f is None or name in seen:
                return
            seen.add(name)
            if f.formula is not None:
                for n in f.formula.names:
                    walk(n)

        walk(fid)
        return [f for f in self.fields if f in seen and not self.fields[f].derived]
