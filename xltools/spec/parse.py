"""Turn a spec's raw YAML mapping (``extends`` already folded in) into the model, key by key.

Every malformed key is a `SpecError` naming the file, the key path and the problem.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from pathlib import Path
from typing import Any

from xltools.catalogue import Msg
from xltools.spec.errors import SpecError
from xltools.spec.expr import FUNCTIONS, Expr
from xltools.spec.model import (
    Aggregate,
    Block,
    Field,
    FieldBlock,
    Form,
    FormBlock,
    FormCell,
    GridBlock,
    Ratio,
    Region,
    RegionList,
    Rule,
    Sheet,
    SignOff,
    Spec,
    Table,
    TableBlock,
)
from xltools.spec.values import (
    check_keys,
    check_unique,
    dict_of,
    list_of,
    read_bool,
    read_date,
    read_expr,
    read_id,
    read_number,
    read_text,
)

BASE_KINDS = ("number", "integer", "text", "date", "choice")
SEVERITIES = ("error", "warning")
AGGREGATES = ("sum", "mean", "none", "ratio")
RULE_CODES = ("rule", "missing", "range", "sum")
_REGION_CODE = re.compile(r"[0-9]{6}")  # ASCII digits: `\d` would take ４４０２０１ or ٤٤٠٢٠١
_REGION_CODES = re.compile(r"(?:[0-9]{6}\n)*[0-9]{6}")  # a whole list of them, one a line
_BAD_NAME = re.compile(r'[/\\:*?"<>|]')

_TYPE_KEYS = {"base", "decimals", "min", "max", "unit", "format", "wrap", "aggregate", "choices_from", "change"}
_FIELD_KEYS = {
    "tolerance",
    "id",
    "label",
    "label_en",
    "type",
    "unit",
    "decimals",
    "required",
    "min",
    "max",
    "min_exclusive",
    "choices",
    "choices_by",
    "choices_from",
    "pattern",
    "pattern_hint",
    "pattern_hint_en",
    "formula",
    "aggregate",
    "note",
    "prefill",
    "key",
    "width",
    "format",
    "wrap",
    "column",
    "qualitative",
    "change",
    "restates",
}
_TABLE_KEYS = {"title", "rows", "qualitative_when", "columns", "footer", "row_values", "row_rules", "hint", "roles"}
ROLES = ("target", "actual", "weight", "score", "reason", "standard")  # what a column (or row value) is for
_RULE_KEYS = {"id", "field", "severity", "code", "when", "assert", "require", "message", "message_en", "description"}
_FORM_CELL_KINDS = ("text", "label", "field", "region")


# --- regions -------------------------------------------------------------------------------------


def parse_regions(path: Path, raw: dict[str, Any], rid: str) -> RegionList:
    """A region list: 6-digit codes and names that are safe in file names."""
    check_keys(path, "", raw, {"id", "name", "regions"}, {"regions"})
    items = list_of(path, "regions", raw["regions"])
    regions = _plain_regions(items)
    if regions is None:  # something is wrong (or merely unusual): entry by entry, to name the first problem
        regions = [_region(path, f"regions[{i}]", r) for i, r in enumerate(items)]
        check_unique(path, "regions", [r.code for r in regions], Msg.of("spec.what.region_code"))
        check_unique(path, "regions", [r.name for r in regions], Msg.of("spec.what.region_name"))
    return RegionList(str(raw.get("id", rid)), read_text(path, "name", raw.get("name"), rid), tuple(regions))


def _region(path: Path, key: str, r: Any) -> Region:
    check_keys(path, key, r, {"code", "name"}, {"code", "name"})
    code, name = str(r["code"]).strip(), str(r["name"]).strip()
    if not _REGION_CODE.fullmatch(code):
        raise SpecError(path, f"{key}.code", "region_code", code=code[:40])
    if not 1 <= len(name) <= 40 or _BAD_NAME.search(name) or any(unicodedata.category(c)[0] == "C" for c in name):
        raise SpecError(path, f"{key}.name", "region_name", name=name[:40])
    return Region(code, name)


def _plain_regions(items: list[Any]) -> list[Region] | None:
    """The regions when every entry passes `_region`'s checks, tested on the whole list at once (issue #14: a
    bureau's 12,000 regions cost every check process 40 ms entry by entry); None when any entry might not."""
    keys = {"code", "name"}
    if not items or not all(type(r) is dict and r.keys() == keys for r in items):
        return None
    codes = [str(r["code"]).strip() for r in items]
    names = [str(r["name"]).strip() for r in items]
    joined, lines = "".join(names), "\n".join(codes)
    if (
        len(lines) != 7 * len(codes) - 1  # six characters each: no code hides a line break
        or not _REGION_CODES.fullmatch(lines)
        or not 1 <= min(map(len, names)) <= max(map(len, names)) <= 40
        or not joined.isprintable()  # no control, format, private or unassigned character (category C)
        or _BAD_NAME.search(joined)
        or len(set(codes)) < len(codes)
        or len(set(names)) < len(names)
    ):
        return None
    return list(map(Region, codes, names))


# --- the spec ------------------------------------------------------------------------------------


def parse_spec(path: Path, raw: dict[str, Any], regions: RegionList) -> Spec:
    """The model of one spec (names are checked afterwards, by `validate`)."""
    types = {name: dict_of(path, f"types.{name}", t) for name, t in (raw.get("types") or {}).items()}
    for name, t in types.items():
        check_keys(path, f"types.{name}", t, _TYPE_KEYS, {"base"})
        if t["base"] not in BASE_KINDS:
            raise SpecError(path, f"types.{name}.base", "base_kind", base=t["base"], known=", ".join(BASE_KINDS))
    overrides = raw.get("overrides") or {}
    build = _FieldBuilder(path, types, regions, overrides)

    fields: dict[str, Field] = {}
    sheets: list[Sheet] = []
    table: Table | None = None
    check_unique(path, "sheets", [s.get("name") for s in raw["sheets"]], Msg.of("spec.what.sheet"))
    for si, s in enumerate(raw["sheets"]):
        skey = f"sheets[{s.get('name', si)}]"
        check_keys(path, skey, s, {"name", "after", "blocks", "table"}, {"name"})
        sname = read_text(path, f"{skey}.name", s["name"])
        if len(sname) > 31 or re.search(r"[\[\]:*?/\\]", sname) or sname.startswith("'") or sname.endswith("'"):
            raise SpecError(path, f"{skey}.name", "sheet_name", name=sname[:40])
        blocks: list[Block] = []
        for bi, b in enumerate(list_of(path, f"{skey}.blocks", s.get("blocks") or [])):
            bkey = f"{skey}.blocks[{bi}]"
            bpath = build.path = _origin(b, path)
            check_keys(bpath, bkey, b, {"title", "fields", "grid"}, set())
            title = read_text(bpath, f"{bkey}.title", b.get("title"))
            if ("fields" in b) == ("grid" in b):
                raise SpecError(bpath, bkey, "block_form")
            if "fields" in b:
                ids = []
                for fi, fraw in enumerate(list_of(bpath, f"{bkey}.fields", b["fields"])):
                    f = build.field(f"{bkey}.fields[{fi}]", fraw, sname)
                    _add(bpath, f"{bkey}.fields[{f.id}]", fields, f)
                    ids.append(f.id)
                blocks.append(FieldBlock(title, tuple(ids)))
            else:
                blocks.append(_grid(bpath, f"{bkey}.grid", b["grid"], title, sname, build, fields))
        if s.get("table") is not None:
            tpath = build.path = _origin(s["table"], path)
            if table is not None:
                raise SpecError(tpath, f"{skey}.table", "one_table")
            table = _table(tpath, f"{skey}.table", s["table"], sname, build, fields)
            blocks.append(TableBlock(table.title))
        if not blocks:
            raise SpecError(path, skey, "sheet_empty")
        sheets.append(Sheet(sname, tuple(blocks)))
    for oid in overrides:
        if oid not in fields:
            raise SpecError(path, f"overrides.{oid}", "override_missing", field=oid)

    rules = tuple(
        _rule(_origin(r, path), f"rules[{r.get('id', i) if isinstance(r, dict) else i}]", r)
        for i, r in enumerate(raw.get("rules") or [])
    )
    check_unique(path, "rules", [r.id for r in rules], Msg.of("spec.what.rule"))
    pairs = []
    for i, pair in enumerate(list_of(path, "magnitude_pairs", raw.get("magnitude_pairs") or [])):
        if not (isinstance(pair, list) and len(pair) == 2):
            raise SpecError(path, f"magnitude_pairs[{i}]", "pair")
        pairs.append((str(pair[0]), str(pair[1])))
    band = list_of(path, "magnitude_band", raw.get("magnitude_band") or [2000, 50000])
    if len(band) != 2 or not all(isinstance(x, int | float) and not isinstance(x, bool) and x > 0 for x in band):
        raise SpecError(path, "magnitude_band", "pair")
    placeholders = tuple(str(p) for p in list_of(path, "placeholders", raw.get("placeholders") or []))
    unique_by = tuple(str(u) for u in list_of(path, "unique_by", raw.get("unique_by") or []))
    return Spec(
        id=str(raw["id"]),
        version=read_text(path, "version", raw["version"]),
        title=read_text(path, "title", raw.get("title"), str(raw["id"])),
        title_en=read_text(path, "title_en", raw.get("title_en")),
        path=str(path),
        regions=regions,
        placeholders=placeholders,
        sheets=tuple(sheets),
        fields=fields,
        table=table,
        rules=rules,
        magnitude_pairs=tuple(pairs),
        magnitude_unit=read_text(path, "magnitude_unit", raw.get("magnitude_unit")),
        magnitude_band=(float(band[0]), float(band[1])),
        extends=tuple(raw["_chain"][:-1]),
        unique_by=unique_by,
        signoff=_signoff(path, raw.get("signoff")),
        ratios=_ratios(path, raw.get("ratios")),
        form=_form(path, raw.get("form")),
    )


def _origin(obj: Any, default: Path) -> Path:
    return obj.get("_file", default) if isinstance(obj, dict) else default


def _add(path: Path, key: str, fields: dict[str, Field], f: Field) -> None:
    if f.id in fields:
        raise SpecError(path, key, "duplicate_field", field=f.id, sheet=fields[f.id].sheet)
    fields[f.id] = f


class _FieldBuilder:
    """Turns one raw field mapping into a Field, applying its named type and any override."""

    def __init__(
        self, path: Path, types: dict[str, dict[str, Any]], regions: RegionList, overrides: dict[str, Any]
    ) -> None:
        self.path, self.types, self.regions, self.overrides = path, types, regions, overrides

    def field(self, key: str, raw: Any, sheet: str, default_label: str = "") -> Field:
        p = self.path
        if isinstance(raw, dict) and isinstance(raw.get("id"), str) and key.endswith("]"):
            key = f"{key.rsplit('[', 1)[0]}[{raw['id']}]"
        check_keys(p, key, raw, _FIELD_KEYS, {"id", "type"})
        fid = read_id(p, f"{key}.id", raw["id"])
        raw = {**raw, **dict_of(p, f"overrides.{fid}", self.overrides.get(fid, {}))}
        tname = str(raw["type"])
        if tname not in self.types:
            raise SpecError(p, f"{key}.type", "unknown_type", type=tname, known=", ".join(sorted(self.types)))
        t = self.types[tname]
        merged = {**{k: v for k, v in t.items() if k != "base"}, **raw}
        kind = t["base"]
        label = read_text(p, f"{key}.label", merged.get("label"), default_label)
        if not label:
            raise SpecError(p, f"{key}.label", "label_missing")
        choices = merged.get("choices")
        if merged.get("choices_from") == "regions":
            choices = self.regions.codes
        elif merged.get("choices_from") is not None:
            raise SpecError(p, f"{key}.choices_from", "choices_from")
        choices_by = None
        if merged.get("choices_by") is not None:
            cb = dict_of(p, f"{key}.choices_by", merged["choices_by"])
            if len(cb) != 1:
                raise SpecError(p, f"{key}.choices_by", "choices_by_one")
            parent, mapping = next(iter(cb.items()))
            mapping = dict_of(p, f"{key}.choices_by.{parent}", mapping)
            items = tuple(
                (str(k), tuple(str(x) for x in list_of(p, f"{key}.choices_by.{parent}.{k}", v)))
                for k, v in mapping.items()
            )
            choices_by = (str(parent), items)
            choices = [c for _, vs in items for c in vs]
        if kind == "choice" and not choices:
            raise SpecError(p, key, "choices_missing")
        if choices is not None and choices is not self.regions.codes:  # the list's codes are checked already
            choices = [str(c) for c in list_of(p, f"{key}.choices", choices)]
            check_unique(p, f"{key}.choices", choices, Msg.of("spec.what.choice"))
        pattern = merged.get("pattern")
        if pattern is not None:
            try:
                re.compile(str(pattern))
            except re.error as e:
                raise SpecError(p, f"{key}.pattern", "bad_pattern", problem=str(e)) from None
        formula = read_expr(p, f"{key}.formula", merged["formula"]) if merged.get("formula") is not None else None
        if formula is not None:
            bad = sorted(fn for fn in formula.functions if not FUNCTIONS[fn].in_excel)
            if bad:
                raise SpecError(p, f"{key}.formula", "formula_functions", functions=", ".join(bad))
        agg = _aggregate(p, f"{key}.aggregate", merged.get("aggregate"), formula)
        fmt = merged.get("format")
        if fmt not in (None, "percent"):
            raise SpecError(p, f"{key}.format", "format_unknown", format=fmt)
        prefill = merged.get("prefill")
        if prefill not in (None, "region", "year"):
            raise SpecError(p, f"{key}.prefill", "prefill", value=repr(prefill))
        decimals = merged.get("decimals")
        if decimals is not None and (
            not isinstance(decimals, int) or isinstance(decimals, bool) or not 0 <= decimals <= 10
        ):
            raise SpecError(p, f"{key}.decimals", "decimals", value=repr(decimals))
        is_date = kind == "date"
        f = Field(
            id=fid,
            label=label,
            label_en=read_text(p, f"{key}.label_en", merged.get("label_en")),
            type=tname,
            kind=kind,
            sheet=sheet,
            unit=read_text(p, f"{key}.unit", merged.get("unit")),
            decimals=decimals,
            percent=fmt == "percent",
            wrap=read_bool(p, f"{key}.wrap", merged.get("wrap"), False),
            required=read_bool(p, f"{key}.required", merged.get("required"), formula is None),
            min=None if is_date else read_number(p, f"{key}.min", merged.get("min")),
            max=None if is_date else read_number(p, f"{key}.max", merged.get("max")),
            earliest=read_date(p, f"{key}.min", merged.get("min")) if is_date else None,
            latest=read_date(p, f"{key}.max", merged.get("max")) if is_date else None,
            min_exclusive=read_bool(p, f"{key}.min_exclusive", merged.get("min_exclusive"), False),
            choices=tuple(choices) if choices is not None else None,
            choices_by=choices_by,
            pattern=str(pattern) if pattern is not None else None,
            pattern_hint=read_text(p, f"{key}.pattern_hint", merged.get("pattern_hint")),
            pattern_hint_en=read_text(p, f"{key}.pattern_hint_en", merged.get("pattern_hint_en")),
            formula=formula,
            aggregate=agg,
            note=read_text(p, f"{key}.note", merged.get("note")),
            prefill=prefill,
            key=read_bool(p, f"{key}.key", merged.get("key"), False),
            width=read_number(p, f"{key}.width", merged.get("width")),
            column=read_text(p, f"{key}.column", merged.get("column")) or None,
            tolerance=read_number(p, f"{key}.tolerance", merged.get("tolerance")),
            choices_from=merged.get("choices_from"),
            change=_band(p, f"{key}.change", merged.get("change")),
            restates=read_text(p, f"{key}.restates", merged.get("restates")) or None,
        )
        if f.min is not None and f.max is not None and f.min > f.max:
            raise SpecError(p, f"{key}.min", "min_max", min=f"{f.min:g}", max=f"{f.max:g}")
        if f.earliest and f.latest and f.earliest > f.latest:
            raise SpecError(p, f"{key}.min", "min_max", min=f.earliest, max=f.latest)
        if merged.get("qualitative") is not None:
            q = dict_of(p, f"{key}.qualitative", merged["qualitative"])
            qraw = {
                **{k: v for k, v in raw.items() if k not in ("qualitative", "choices", "choices_by")},
                "label": label,
                **q,
            }
            f = replace(f, qualitative=self.field(f"{key}.qualitative", qraw, sheet))
        return f


def _band(path: Path, key: str, v: Any) -> float | None:
    band = read_number(path, key, v)
    if band is not None and band <= 0:
        raise SpecError(path, key, "change_band", value=repr(v))
    return band


def _ratios(path: Path, raw: Any) -> tuple[Ratio, ...]:
    out = []
    for i, r in enumerate(list_of(path, "ratios", raw or [])):
        key = f"ratios[{i}]"
        check_keys(
            path,
            key,
            r,
            {"id", "label", "numerator", "denominator", "scale", "unit", "change"},
            {"id", "label", "numerator", "denominator"},
        )
        out.append(
            Ratio(
                read_id(path, f"{key}.id", r["id"]),
                read_text(path, f"{key}.label", r["label"]),
                read_text(path, f"{key}.numerator", r["numerator"]),
                read_text(path, f"{key}.denominator", r["denominator"]),
                read_number(path, f"{key}.scale", r.get("scale")) or 1.0,
                read_text(path, f"{key}.unit", r.get("unit")),
                _band(path, f"{key}.change", r.get("change")),
            )
        )
    return tuple(out)


def _aggregate(path: Path, key: str, v: Any, formula: Expr | None) -> Aggregate:
    """sum, mean, none, or ratio: the ratio of the summed numerator and denominator of the formula."""
    if v is None:
        return Aggregate()
    if not isinstance(v, str) or v not in AGGREGATES:
        raise SpecError(
            path, key, "aggregate_unknown", how=v if isinstance(v, str) else repr(v), known=", ".join(AGGREGATES)
        )
    if v == "ratio":
        parts = formula.ratio() if formula is not None else None
        if parts is None:
            raise SpecError(path, key, "aggregate_ratio")
        return Aggregate("ratio", parts)
    return Aggregate(v)


def _grid(
    path: Path, key: str, raw: Any, title: str, sheet: str, build: _FieldBuilder, fields: dict[str, Field]
) -> GridBlock:
    check_keys(path, key, raw, {"columns", "rows"}, {"columns", "rows"})
    columns = tuple(read_text(path, f"{key}.columns", c) for c in list_of(path, f"{key}.columns", raw["columns"]))
    rows = []
    for ri, r in enumerate(list_of(path, f"{key}.rows", raw["rows"])):
        rkey = f"{key}.rows[{ri}]"
        check_keys(path, rkey, r, {"label", "fields"}, {"label", "fields"})
        cells = list_of(path, f"{rkey}.fields", r["fields"])
        if len(cells) != len(columns):
            raise SpecError(path, f"{rkey}.fields", "grid_row", columns=len(columns), count=len(cells))
        ids = []
        for ci, c in enumerate(cells):
            f = build.field(f"{rkey}.fields[{ci}]", c, sheet, f"{r['label']}·{columns[ci]}")
            _add(path, f"{rkey}.fields[{f.id}]", fields, f)
            ids.append(f.id)
        rows.append((read_text(path, f"{rkey}.label", r["label"]), tuple(ids)))
    return GridBlock(title, columns, tuple(rows))


def _table(path: Path, key: str, raw: Any, sheet: str, build: _FieldBuilder, fields: dict[str, Field]) -> Table:
    check_keys(path, key, raw, _TABLE_KEYS, {"title", "rows", "columns"})
    nrows = raw["rows"]
    if not isinstance(nrows, int) or isinstance(nrows, bool) or not 1 <= nrows <= 500:
        raise SpecError(path, f"{key}.rows", "table_rows", value=repr(nrows))
    columns = tuple(
        build.field(f"{key}.columns[{i}]", c, sheet)
        for i, c in enumerate(list_of(path, f"{key}.columns", raw["columns"]))
    )
    check_unique(path, f"{key}.columns", [c.id for c in columns], Msg.of("spec.what.column"))
    for c in columns:
        if c.id in fields:
            raise SpecError(path, f"{key}.columns[{c.id}]", "column_clash", column=c.id)
        if c.derived:
            raise SpecError(path, f"{key}.columns[{c.id}].formula", "column_formula")
    colids = {c.id for c in columns}
    footer = []
    for i, fraw in enumerate(list_of(path, f"{key}.footer", raw.get("footer") or [])):
        f = build.field(f"{key}.footer[{i}]", fraw, sheet)
        if f.column not in colids:
            raise SpecError(path, f"{key}.footer[{f.id}].column", "footer_column", column=f.column)
        if not f.derived:
            raise SpecError(path, f"{key}.footer[{f.id}]", "footer_formula")
        _add(path, f"{key}.footer[{f.id}]", fields, f)
        footer.append(f.id)
    row_values = []
    shown = []
    for i, rv in enumerate(list_of(path, f"{key}.row_values", raw.get("row_values") or [])):
        check_keys(path, f"{key}.row_values[{i}]", rv, {"id", "formula", "label", "after"}, {"id", "formula"})
        rid = read_id(path, f"{key}.row_values[{i}].id", rv["id"])
        expr = read_expr(path, f"{key}.row_values[{rid}].formula", rv["formula"])
        row_values.append((rid, expr))
        if rv.get("label") is not None:  # shown in the template as a column of formulas, beside a column
            after = read_text(path, f"{key}.row_values[{rid}].after", rv.get("after"))
            if after not in colids:
                raise SpecError(path, f"{key}.row_values[{rid}].after", "footer_column", column=after)
            bad = sorted(fn for fn in expr.functions if not FUNCTIONS[fn].in_excel)
            if bad:
                raise SpecError(path, f"{key}.row_values[{rid}].formula", "formula_functions", functions=", ".join(bad))
            shown.append((rid, read_text(path, f"{key}.row_values[{rid}].label", rv["label"]), after))
    qw = raw.get("qualitative_when")
    row_rules = tuple(
        _rule(path, f"{key}.row_rules[{r.get('id', i) if isinstance(r, dict) else i}]", r)
        for i, r in enumerate(list_of(path, f"{key}.row_rules", raw.get("row_rules") or []))
    )
    check_unique(path, f"{key}.row_rules", [r.id for r in row_rules], Msg.of("spec.what.rule"))
    roles = dict_of(path, f"{key}.roles", raw.get("roles") or {})
    for role, cid in roles.items():
        if role not in ROLES:
            raise SpecError(path, f"{key}.roles.{role}", "unknown_key", name=role, allowed=", ".join(ROLES))
        if cid not in colids | {rid for rid, _ in row_values}:
            raise SpecError(path, f"{key}.roles.{role}", "unknown_name", name=cid, hint="")
    return Table(
        read_text(path, f"{key}.title", raw["title"]),
        sheet,
        nrows,
        columns,
        read_expr(path, f"{key}.qualitative_when", qw) if qw is not None else None,
        tuple(footer),
        tuple(row_values),
        row_rules,
        hint=read_text(path, f"{key}.hint", raw.get("hint")),
        roles=tuple((str(k), str(v)) for k, v in roles.items()),
        shown=tuple(shown),
    )


def _rule(path: Path, key: str, raw: Any) -> Rule:
    check_keys(path, key, raw, _RULE_KEYS, {"id"})
    if ("assert" in raw) == ("require" in raw):
        raise SpecError(path, key, "rule_form")
    sev = raw.get("severity", "error")
    if sev not in SEVERITIES:
        raise SpecError(path, f"{key}.severity", "severity", value=repr(sev))
    require = read_text(path, f"{key}.require", raw.get("require")) or None
    target = read_text(path, f"{key}.field", raw.get("field")) or require
    if not target:
        raise SpecError(path, f"{key}.field", "rule_field")
    code = raw.get("code", "missing" if require else "rule")
    if code not in RULE_CODES:
        raise SpecError(path, f"{key}.code", "rule_code", known=", ".join(RULE_CODES), value=repr(code))
    return Rule(
        id=read_text(path, f"{key}.id", raw["id"]),
        field=target,
        severity=sev,
        code=str(code),
        when=read_expr(path, f"{key}.when", raw["when"]) if raw.get("when") is not None else None,
        check=read_expr(path, f"{key}.assert", raw["assert"]) if raw.get("assert") is not None else None,
        require=require,
        message=read_text(path, f"{key}.message", raw.get("message")),
        message_en=read_text(path, f"{key}.message_en", raw.get("message_en")),
        description=read_text(path, f"{key}.description", raw.get("description")),
    )


def _signoff(path: Path, raw: Any) -> tuple[SignOff, ...]:
    out = []
    for i, item in enumerate(list_of(path, "signoff", raw or [])):
        check_keys(path, f"signoff[{i}]", item, {"label", "field"}, {"label"})
        out.append(
            SignOff(
                read_text(path, f"signoff[{i}].label", item["label"]),
                read_text(path, f"signoff[{i}].field", item.get("field")) or None,
            )
        )
    return tuple(out)


def _form(path: Path, raw: Any) -> Form | None:
    """The printed form: widths, and blocks of rows of boxes (each row fills every column exactly)."""
    if raw is None:
        return None
    check_keys(path, "form", raw, {"widths", "blocks"}, {"widths", "blocks"})
    widths = tuple(float(read_number(path, "form.widths", w) or 0) for w in list_of(path, "form.widths", raw["widths"]))
    if not 2 <= len(widths) <= 20 or any(w <= 0 for w in widths):
        raise SpecError(path, "form.widths", "form_widths")
    blocks = []
    for bi, b in enumerate(list_of(path, "form.blocks", raw["blocks"])):
        key = f"form.blocks[{bi}]"
        check_keys(path, key, b, {"title", "rows", "indicators"}, set())
        title = read_text(path, f"{key}.title", b.get("title"))
        if ("rows" in b) == ("indicators" in b):
            raise SpecError(path, key, "form_block")
        if "indicators" in b:
            ids = tuple(
                read_text(path, f"{key}.indicators", c) for c in list_of(path, f"{key}.indicators", b["indicators"])
            )
            if len(ids) + (1 if title else 0) != len(widths):
                raise SpecError(
                    path, f"{key}.indicators", "form_row", columns=len(widths), count=len(ids) + (1 if title else 0)
                )
            blocks.append(FormBlock(title, indicators=ids))
            continue
        rows = []
        for ri, r in enumerate(list_of(path, f"{key}.rows", b["rows"])):
            cells = []
            for ci, c in enumerate(list_of(path, f"{key}.rows[{ri}]", r)):
                ckey = f"{key}.rows[{ri}][{ci}]"
                check_keys(path, ckey, c, {*_FORM_CELL_KINDS, "span"}, set())
                kinds = [k for k in _FORM_CELL_KINDS if k in c]
                if len(kinds) != 1:
                    raise SpecError(path, ckey, "form_cell")
                span = c.get("span", 1)
                if not isinstance(span, int) or isinstance(span, bool) or span < 1:
                    raise SpecError(path, f"{ckey}.span", "form_span", value=repr(span))
                cells.append(FormCell(kinds[0], read_text(path, f"{ckey}.{kinds[0]}", c[kinds[0]]), span))
            used = sum(c.span for c in cells) + (1 if title else 0)
            if used != len(widths):
                raise SpecError(path, f"{key}.rows[{ri}]", "form_row", columns=len(widths), count=used)
            rows.append(tuple(cells))
        blocks.append(FormBlock(title, tuple(rows)))
    return Form(widths, tuple(blocks))
