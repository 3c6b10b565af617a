"""Load a return-type spec (schemas/*.yaml) into one immutable model, validated on load.

The spec is the single source of truth: the template builder, the checker and the aggregator
read only these objects. A malformed spec raises SpecError naming the file, the key and the
problem in plain words.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml

from xltools.expr import FUNCTIONS, Expr, ExprError, parse

BASE_KINDS = ("number", "integer", "text", "date", "choice")
# Fields every spec must have: the region and year a return is for, and the fill date that decides
# which of two returns for the same region counts (DESIGN §4 common block, §6).
REQUIRED_FIELDS = ("region_code", "year", "fill_date")
SEVERITIES = ("error", "warning")
AGGREGATES = ("sum", "mean", "none")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_CELL_LIKE = re.compile(r"^([a-z]{1,3}\d+|r\d*c\d*|r|c)$")


class SpecError(ValueError):
    """A spec file is malformed; the message names file, key and problem."""

    def __init__(self, path: Path | str, key: str, problem: str) -> None:
        self.path, self.key, self.problem = str(path), key, problem
        super().__init__(f"{path}: {key}: {problem}" if key else f"{path}: {problem}")


# --- the model ---------------------------------------------------------------------------------


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
    unit: str = ""
    decimals: int | None = None
    percent: bool = False
    wrap: bool = False
    required: bool = True
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    choices: tuple[str, ...] | None = None
    choices_by: tuple[str, tuple[tuple[str, tuple[str, ...]], ...]] | None = None
    pattern: str | None = None
    pattern_hint: str = ""
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

    @property
    def derived(self) -> bool:
        return self.formula is not None

    @property
    def numeric(self) -> bool:
        return self.kind in ("number", "integer")

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

    @cached_property
    def names(self) -> frozenset[str]:
        out: set[str] = set()
        for e in (self.when, self.check):
            if e is not None:
                out |= e.names
        if self.require:
            out.add(self.require)
        return frozenset(out)


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

    def column(self, cid: str) -> Field:
        return next(c for c in self.columns if c.id == cid)


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
class Region:
    code: str
    name: str


@dataclass(frozen=True)
class RegionList:
    id: str
    name: str
    regions: tuple[Region, ...]

    def find(self, code_or_name: str) -> Region | None:
        key = str(code_or_name).strip()
        return next((r for r in self.regions if key in (r.code, r.name)), None)


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
    magnitude_pairs: tuple[tuple[str, str], ...] = ()
    extends: tuple[str, ...] = field(default=())
    unique_by: tuple[str, ...] = ()  # besides the region, what tells two returns apart (e.g. project_name)

    def __reduce__(self) -> tuple[Any, tuple[Path]]:
        """Pickle as a reference to the spec file: a worker process sends results, not whole specs."""
        return (_load_path, (Path(self.path),))

    def field(self, fid: str) -> Field:
        if fid in self.fields:
            return self.fields[fid]
        if self.table:
            for c in self.table.columns:
                if c.id == fid:
                    return c
        raise KeyError(fid)

    @property
    def inputs(self) -> list[Field]:
        return [f for f in self.fields.values() if not f.derived]

    @cached_property
    def derived(self) -> list[Field]:
        """Derived fields in an order where each comes after everything it depends on."""
        return [self.fields[f] for f in _topological(self)]

    def all_ids(self) -> list[str]:
        ids = list(self.fields)
        if self.table:
            ids += [c.id for c in self.table.columns]
        return ids


# --- where specs live ----------------------------------------------------------------------------


def schemas_dir() -> Path:
    """The folder of spec files: $XLTOOLS_SCHEMAS, else the project's own schemas/."""
    env = os.environ.get("XLTOOLS_SCHEMAS")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "schemas"


def spec_ids(directory: Path | None = None) -> list[str]:
    """Ids of the concrete (non-abstract) specs in the folder, sorted."""
    d = directory or schemas_dir()
    return sorted(p.stem for p in d.glob("*.yaml") if not p.stem.startswith("_"))


def list_specs(directory: Path | None = None) -> list[Spec]:
    return [load_spec(i, directory) for i in spec_ids(directory)]


def load_spec(spec: str | Path, directory: Path | None = None) -> Spec:
    """Load a spec by id (from the schemas folder) or by path to a .yaml file."""
    p = Path(spec)
    if p.suffix in (".yaml", ".yml"):
        return _load_path(p.resolve())
    return _load_id(str(spec), str(directory or schemas_dir()))


@lru_cache(maxsize=64)
def _load_id(spec: str, directory: str) -> Spec:
    d = Path(directory).resolve()
    path = d / f"{spec}.yaml"
    if not path.is_file():
        known = ", ".join(spec_ids(d)) or "（无）"
        raise SpecError(path, "", f"找不到表样定义 {spec!r}；可用的有: {known}")
    return _load_path(path)


@lru_cache(maxsize=64)
def _load_path(path: Path) -> Spec:
    raw = _merged(path, ())
    if raw.get("abstract"):
        raise SpecError(path, "abstract", "这是公共部分，不能单独使用；请使用继承它的表样")
    return _build(path, raw)


@lru_cache(maxsize=16)
def load_regions(rid: str, directory: Path) -> RegionList:
    path = directory / "regions" / f"{rid}.yaml"
    if not path.is_file():
        raise SpecError(path, "regions", f"找不到地区列表 {rid!r}")
    raw = _read_yaml(path)
    _keys(path, "", raw, {"id", "name", "regions"}, {"regions"})
    regions: list[Region] = []
    for i, r in enumerate(_list(path, "regions", raw["regions"])):
        key = f"regions[{i}]"
        _keys(path, key, r, {"code", "name"}, {"code", "name"})
        regions.append(Region(str(r["code"]).strip(), str(r["name"]).strip()))
    _unique(path, "regions", [r.code for r in regions], "行政区划代码")
    return RegionList(str(raw.get("id", rid)), str(raw.get("name", rid)), tuple(regions))


# --- reading and merging the YAML ----------------------------------------------------------------

_SPEC_KEYS = {
    "id",
    "version",
    "unique_by",
    "title",
    "extends",
    "abstract",
    "regions",
    "placeholders",
    "types",
    "sheets",
    "rules",
    "overrides",
    "magnitude_pairs",
}
_TYPE_KEYS = {"base", "decimals", "min", "max", "unit", "format", "wrap", "aggregate", "choices_from"}
_FIELD_KEYS = {
    "tolerance",
    "id",
    "label",
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
}
_SHEET_KEYS = {"name", "after", "blocks", "table"}
_TABLE_KEYS = {"title", "rows", "qualitative_when", "columns", "footer", "row_values", "row_rules"}
_RULE_KEYS = {"id", "field", "severity", "code", "when", "assert", "require", "message", "message_en"}


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f"第 {mark.line + 1} 行" if mark else ""
        raise SpecError(path, where, f"不是有效的 YAML: {getattr(e, 'problem', e)}") from None
    except OSError as e:
        raise SpecError(path, "", f"无法读取: {e.strerror}") from None
    if not isinstance(data, dict):
        raise SpecError(path, "", "文件内容应为键值映射（id、version、sheets…）")
    return data


def _merged(path: Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    """The spec's raw data with its ``extends`` chain folded in."""
    if path in seen:
        chain = " → ".join(p.stem for p in (*seen, path))
        raise SpecError(path, "extends", f"继承关系形成循环: {chain}")
    raw = _read_yaml(path)
    _keys(path, "", raw, _SPEC_KEYS, {"id", "version"})
    _tag_origin(raw, path)
    if raw["id"] != path.stem:
        raise SpecError(path, "id", f"id {raw['id']!r} 应与文件名 {path.stem!r} 相同")
    base_id = raw.get("extends")
    if not base_id:
        raw["_chain"] = (raw["id"],)
        return raw
    base_path = path.parent / f"{base_id}.yaml"
    if not base_path.is_file():
        raise SpecError(path, "extends", f"被继承的表样 {base_id!r} 不存在（应有文件 {base_path.name}）")
    base = _merged(base_path, (*seen, path))
    out = {
        **base,
        **{
            k: v
            for k, v in raw.items()
            if k not in ("sheets", "rules", "types", "abstract", "magnitude_pairs", "overrides")
        },
    }
    out["abstract"] = raw.get("abstract", False)
    out["_chain"] = (*base["_chain"], raw["id"])
    out["types"] = {**(base.get("types") or {}), **(_dict(path, "types", raw.get("types") or {}))}
    out["magnitude_pairs"] = list(base.get("magnitude_pairs") or []) + list(raw.get("magnitude_pairs") or [])
    out["overrides"] = {**(base.get("overrides") or {}), **(_dict(path, "overrides", raw.get("overrides") or {}))}
    rules = {r.get("id"): r for r in _list(path, "rules", base.get("rules") or []) if isinstance(r, dict)}
    for r in _list(path, "rules", raw.get("rules") or []):
        rules[r.get("id") if isinstance(r, dict) else None] = r
    out["rules"] = list(rules.values())
    sheets = [dict(s) for s in _list(path, "sheets", base.get("sheets") or [])]
    for i, s in enumerate(_list(path, "sheets", raw.get("sheets") or [])):
        _keys(path, f"sheets[{i}]", s, _SHEET_KEYS, {"name"})
        same = next((b for b in sheets if b.get("name") == s["name"]), None)
        if same is not None:
            same["blocks"] = list(same.get("blocks") or []) + list(s.get("blocks") or [])
            if s.get("table"):
                same["table"] = s["table"]
            continue
        after = s.get("after")
        pos = len(sheets)
        if after is not None:
            idx = next((j for j, b in enumerate(sheets) if b.get("name") == after), None)
            if idx is None:
                raise SpecError(path, f"sheets[{i}].after", f"找不到工作表 {after!r}")
            pos = idx + 1
        sheets.insert(pos, dict(s))
    out["sheets"] = sheets
    return out


def _tag_origin(raw: dict[str, Any], path: Path) -> None:
    """Mark the file each block, table and rule comes from, so errors name the right file."""
    for s in raw.get("sheets") or []:
        if isinstance(s, dict):
            for b in s.get("blocks") or []:
                if isinstance(b, dict):
                    b["_file"] = path
            if isinstance(s.get("table"), dict):
                s["table"]["_file"] = path
    for r in raw.get("rules") or []:
        if isinstance(r, dict):
            r["_file"] = path


def _origin(obj: Any, default: Path) -> Path:
    return obj.get("_file", default) if isinstance(obj, dict) else default


def _keys(path: Path, key: str, obj: Any, allowed: set[str], required: set[str]) -> None:
    if not isinstance(obj, dict):
        raise SpecError(path, key or "(顶层)", f"应为键值映射，实际为 {_kind(obj)}")
    for k in obj:
        if k not in allowed and not str(k).startswith("_"):
            hint = ", ".join(sorted(allowed))
            raise SpecError(path, _join(key, str(k)), f"未知的键 {k!r}（允许的键: {hint}）")
    for k in sorted(required):
        if obj.get(k) in (None, ""):
            raise SpecError(path, _join(key, k), "缺少必填的键")


def _join(key: str, sub: str) -> str:
    return f"{key}.{sub}" if key else sub


def _kind(v: Any) -> str:
    return {
        dict: "映射",
        list: "列表",
        str: "文本",
        int: "整数",
        float: "数字",
        bool: "布尔值",
        type(None): "空值",
    }.get(type(v), type(v).__name__)


def _list(path: Path, key: str, v: Any) -> list[Any]:
    if not isinstance(v, list):
        raise SpecError(path, key, f"应为列表，实际为 {_kind(v)}")
    return v


def _dict(path: Path, key: str, v: Any) -> dict[str, Any]:
    if not isinstance(v, dict):
        raise SpecError(path, key, f"应为键值映射，实际为 {_kind(v)}")
    return v


def _number(path: Path, key: str, v: Any) -> float | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise SpecError(path, key, f"应为数字，实际为 {_kind(v)} {v!r}")
    return float(v)


def _text(path: Path, key: str, v: Any, default: str = "") -> str:
    if v is None:
        return default
    if not isinstance(v, str | int | float) or isinstance(v, bool):
        raise SpecError(path, key, f"应为文本，实际为 {_kind(v)}")
    return str(v)


def _bool(path: Path, key: str, v: Any, default: bool) -> bool:
    if v is None:
        return default
    if not isinstance(v, bool):
        raise SpecError(path, key, f"应为 true 或 false，实际为 {v!r}")
    return v


def _unique(path: Path, key: str, ids: list[str], what: str) -> None:
    seen: set[str] = set()
    for i in ids:
        if i in seen:
            raise SpecError(path, key, f"{what} {i!r} 重复出现")
        seen.add(i)


def _expr(path: Path, key: str, text: Any) -> Expr:
    if not isinstance(text, str | int | float) or isinstance(text, bool):
        raise SpecError(path, key, f"应为表达式文本，实际为 {_kind(text)}")
    try:
        return parse(str(text))
    except ExprError as e:
        raise SpecError(path, key, f"表达式 {text!r} 有误: {e}") from None


# --- building the model --------------------------------------------------------------------------


def _build(path: Path, raw: dict[str, Any]) -> Spec:
    types = {name: _dict(path, f"types.{name}", t) for name, t in (raw.get("types") or {}).items()}
    for name, t in types.items():
        _keys(path, f"types.{name}", t, _TYPE_KEYS, {"base"})
        if t["base"] not in BASE_KINDS:
            raise SpecError(
                path, f"types.{name}.base", f"未知的基础类型 {t['base']!r}（可用: {', '.join(BASE_KINDS)}）"
            )
    regions_id = _text(path, "regions", raw.get("regions"))
    if not regions_id:
        raise SpecError(path, "regions", "缺少地区列表（如 regions: shaoguan）")
    if not (path.parent / "regions" / f"{regions_id}.yaml").is_file():
        raise SpecError(path, "regions", f"找不到地区列表 {regions_id!r}（应有文件 regions/{regions_id}.yaml）")
    regions = load_regions(regions_id, path.parent)
    overrides = raw.get("overrides") or {}
    build = _FieldBuilder(path, types, regions, overrides)

    fields: dict[str, Field] = {}
    sheets: list[Sheet] = []
    table: Table | None = None
    _unique(path, "sheets", [s.get("name") for s in raw["sheets"]], "工作表名")
    for si, s in enumerate(raw["sheets"]):
        skey = f"sheets[{s.get('name', si)}]"
        _keys(path, skey, s, _SHEET_KEYS, {"name"})
        sname = _text(path, f"{skey}.name", s["name"])
        if len(sname) > 31 or re.search(r"[\[\]:*?/\\]", sname):
            raise SpecError(path, f"{skey}.name", f"工作表名 {sname!r} 不合 Excel 规则（≤31 字，不含 []:*?/\\）")
        blocks: list[Block] = []
        for bi, b in enumerate(_list(path, f"{skey}.blocks", s.get("blocks") or [])):
            bkey = f"{skey}.blocks[{bi}]"
            bpath = build.path = _origin(b, path)
            _keys(bpath, bkey, b, {"title", "fields", "grid"}, set())
            title = _text(bpath, f"{bkey}.title", b.get("title"))
            if ("fields" in b) == ("grid" in b):
                raise SpecError(bpath, bkey, "每个区块应有 fields 或 grid 之一")
            if "fields" in b:
                ids = []
                for fi, fraw in enumerate(_list(bpath, f"{bkey}.fields", b["fields"])):
                    f = build.field(f"{bkey}.fields[{fi}]", fraw, sname)
                    _add(bpath, f"{bkey}.fields[{f.id}]", fields, f)
                    ids.append(f.id)
                blocks.append(FieldBlock(title, tuple(ids)))
            else:
                blocks.append(_grid(bpath, f"{bkey}.grid", b["grid"], title, sname, build, fields))
        if s.get("table") is not None:
            tpath = build.path = _origin(s["table"], path)
            if table is not None:
                raise SpecError(tpath, f"{skey}.table", "每个表样只能有一个指标表")
            table = _table(tpath, f"{skey}.table", s["table"], sname, build, fields)
            blocks.append(TableBlock(table.title))
        if not blocks:
            raise SpecError(path, skey, "工作表没有任何内容（blocks 或 table）")
        sheets.append(Sheet(sname, tuple(blocks)))
    for oid in overrides:
        if oid not in fields:
            raise SpecError(path, f"overrides.{oid}", f"要覆盖的字段 {oid!r} 不存在")

    rules = tuple(
        _rule(_origin(r, path), f"rules[{r.get('id', i) if isinstance(r, dict) else i}]", r)
        for i, r in enumerate(raw.get("rules") or [])
    )
    _unique(path, "rules", [r.id for r in rules], "规则 id")
    pairs = []
    for i, pair in enumerate(_list(path, "magnitude_pairs", raw.get("magnitude_pairs") or [])):
        if not (isinstance(pair, list) and len(pair) == 2):
            raise SpecError(path, f"magnitude_pairs[{i}]", "应为两个字段 id 组成的列表")
        pairs.append((str(pair[0]), str(pair[1])))
    placeholders = tuple(str(p) for p in _list(path, "placeholders", raw.get("placeholders") or []))
    unique_by = tuple(str(u) for u in _list(path, "unique_by", raw.get("unique_by") or []))
    spec = Spec(
        id=str(raw["id"]),
        version=_text(path, "version", raw["version"]),
        title=_text(path, "title", raw.get("title"), str(raw["id"])),
        path=str(path),
        regions=regions,
        placeholders=placeholders,
        sheets=tuple(sheets),
        fields=fields,
        table=table,
        rules=rules,
        magnitude_pairs=tuple(pairs),
        extends=tuple(raw["_chain"][:-1]),
        unique_by=unique_by,
    )
    _check_names(spec)
    return spec


def _add(path: Path, key: str, fields: dict[str, Field], f: Field) -> None:
    if f.id in fields:
        raise SpecError(path, key, f"字段 id {f.id!r} 重复（已在工作表 {fields[f.id].sheet!r} 中定义）")
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
        _keys(p, key, raw, _FIELD_KEYS, {"id", "type"})
        fid = str(raw["id"])
        if not _ID.match(fid) or _CELL_LIKE.match(fid) or len(fid) > 64:
            raise SpecError(
                p,
                f"{key}.id",
                f"字段 id {fid!r} 无效：只能用小写字母、数字和下划线，以字母开头，且不能像单元格地址（如 ab12）",
            )
        raw = {**raw, **_dict(p, f"overrides.{fid}", self.overrides.get(fid, {}))}
        tname = str(raw["type"])
        if tname not in self.types:
            raise SpecError(p, f"{key}.type", f"未知的类型 {tname!r}（已定义: {', '.join(sorted(self.types))}）")
        t = self.types[tname]
        merged = {**{k: v for k, v in t.items() if k != "base"}, **raw}
        kind = t["base"]
        label = _text(p, f"{key}.label", merged.get("label"), default_label)
        if not label:
            raise SpecError(p, f"{key}.label", "缺少中文名称（label）")
        choices = merged.get("choices")
        if merged.get("choices_from") == "regions":
            choices = [r.code for r in self.regions.regions]
        elif merged.get("choices_from") is not None:
            raise SpecError(p, f"{key}.choices_from", "目前只支持 choices_from: regions")
        choices_by = None
        if merged.get("choices_by") is not None:
            cb = _dict(p, f"{key}.choices_by", merged["choices_by"])
            if len(cb) != 1:
                raise SpecError(p, f"{key}.choices_by", "应只写一个上级字段，如 {ind_level1: {...}}")
            parent, mapping = next(iter(cb.items()))
            mapping = _dict(p, f"{key}.choices_by.{parent}", mapping)
            items = tuple(
                (str(k), tuple(str(x) for x in _list(p, f"{key}.choices_by.{parent}.{k}", v)))
                for k, v in mapping.items()
            )
            choices_by = (str(parent), items)
            choices = [c for _, vs in items for c in vs]
        if kind == "choice" and not choices:
            raise SpecError(p, key, "下拉字段需要 choices、choices_by 或 choices_from")
        if choices is not None:
            choices = [str(c) for c in _list(p, f"{key}.choices", choices)]
            _unique(p, f"{key}.choices", choices, "选项")
        pattern = merged.get("pattern")
        if pattern is not None:
            try:
                re.compile(str(pattern))
            except re.error as e:
                raise SpecError(p, f"{key}.pattern", f"正则表达式有误: {e}") from None
        formula = _expr(p, f"{key}.formula", merged["formula"]) if merged.get("formula") is not None else None
        if formula is not None:
            bad = sorted(fn for fn in formula.functions if not FUNCTIONS[fn].in_excel)
            if bad:
                raise SpecError(
                    p,
                    f"{key}.formula",
                    f"公式中的 {', '.join(bad)} 不是 Excel、WPS、LibreOffice 都支持的函数，只能用于校验规则",
                )
        agg = _aggregate(p, f"{key}.aggregate", merged.get("aggregate"))
        fmt = merged.get("format")
        if fmt not in (None, "percent"):
            raise SpecError(p, f"{key}.format", f"未知的显示格式 {fmt!r}（可用: percent）")
        prefill = merged.get("prefill")
        if prefill not in (None, "region", "year"):
            raise SpecError(p, f"{key}.prefill", f"prefill 只能是 region 或 year，实际为 {prefill!r}")
        decimals = merged.get("decimals")
        if decimals is not None and (not isinstance(decimals, int) or isinstance(decimals, bool) or decimals < 0):
            raise SpecError(p, f"{key}.decimals", f"应为非负整数，实际为 {decimals!r}")
        f = Field(
            id=fid,
            label=label,
            type=tname,
            kind=kind,
            sheet=sheet,
            unit=_text(p, f"{key}.unit", merged.get("unit")),
            decimals=decimals,
            percent=fmt == "percent",
            wrap=_bool(p, f"{key}.wrap", merged.get("wrap"), False),
            required=_bool(p, f"{key}.required", merged.get("required"), formula is None),
            min=_number(p, f"{key}.min", merged.get("min")),
            max=_number(p, f"{key}.max", merged.get("max")),
            min_exclusive=_bool(p, f"{key}.min_exclusive", merged.get("min_exclusive"), False),
            choices=tuple(choices) if choices is not None else None,
            choices_by=choices_by,
            pattern=str(pattern) if pattern is not None else None,
            pattern_hint=_text(p, f"{key}.pattern_hint", merged.get("pattern_hint")),
            formula=formula,
            aggregate=agg,
            note=_text(p, f"{key}.note", merged.get("note")),
            prefill=prefill,
            key=_bool(p, f"{key}.key", merged.get("key"), False),
            width=_number(p, f"{key}.width", merged.get("width")),
            column=_text(p, f"{key}.column", merged.get("column")) or None,
            tolerance=_number(p, f"{key}.tolerance", merged.get("tolerance")),
            choices_from=merged.get("choices_from"),
        )
        if f.min is not None and f.max is not None and f.min > f.max:
            raise SpecError(p, f"{key}.min", f"下限 {f.min:g} 大于上限 {f.max:g}")
        if merged.get("qualitative") is not None:
            q = _dict(p, f"{key}.qualitative", merged["qualitative"])
            qraw = {
                **{k: v for k, v in raw.items() if k not in ("qualitative", "choices", "choices_by")},
                "label": label,
                **q,
            }
            f = replace(f, qualitative=self.field(f"{key}.qualitative", qraw, sheet))
        return f


def _aggregate(path: Path, key: str, v: Any) -> Aggregate:
    if v is None:
        return Aggregate()
    if isinstance(v, str):
        if v not in AGGREGATES:
            raise SpecError(path, key, f"未知的汇总方式 {v!r}（可用: {', '.join(AGGREGATES)}, ratio）")
        return Aggregate(v)
    d = _dict(path, key, v)
    r = d.get("ratio")
    if set(d) != {"ratio"} or not (isinstance(r, list) and len(r) == 2):
        raise SpecError(path, key, "比率的汇总应写成 {ratio: [分子字段, 分母字段]}")
    return Aggregate("ratio", (str(r[0]), str(r[1])))


def _grid(
    path: Path, key: str, raw: Any, title: str, sheet: str, build: _FieldBuilder, fields: dict[str, Field]
) -> GridBlock:
    _keys(path, key, raw, {"columns", "rows"}, {"columns", "rows"})
    columns = tuple(_text(path, f"{key}.columns", c) for c in _list(path, f"{key}.columns", raw["columns"]))
    rows = []
    for ri, r in enumerate(_list(path, f"{key}.rows", raw["rows"])):
        rkey = f"{key}.rows[{ri}]"
        _keys(path, rkey, r, {"label", "fields"}, {"label", "fields"})
        cells = _list(path, f"{rkey}.fields", r["fields"])
        if len(cells) != len(columns):
            raise SpecError(path, f"{rkey}.fields", f"应有 {len(columns)} 个字段（每列一个），实际为 {len(cells)} 个")
        ids = []
        for ci, c in enumerate(cells):
            f = build.field(f"{rkey}.fields[{ci}]", c, sheet, f"{r['label']}·{columns[ci]}")
            _add(path, f"{rkey}.fields[{f.id}]", fields, f)
            ids.append(f.id)
        rows.append((str(r["label"]), tuple(ids)))
    return GridBlock(title, columns, tuple(rows))


def _table(path: Path, key: str, raw: Any, sheet: str, build: _FieldBuilder, fields: dict[str, Field]) -> Table:
    _keys(path, key, raw, _TABLE_KEYS, {"title", "rows", "columns"})
    nrows = raw["rows"]
    if not isinstance(nrows, int) or isinstance(nrows, bool) or not 1 <= nrows <= 500:
        raise SpecError(path, f"{key}.rows", f"行数应为 1–500 的整数，实际为 {nrows!r}")
    columns = tuple(
        build.field(f"{key}.columns[{i}]", c, sheet)
        for i, c in enumerate(_list(path, f"{key}.columns", raw["columns"]))
    )
    _unique(path, f"{key}.columns", [c.id for c in columns], "列 id")
    for c in columns:
        if c.id in fields:
            raise SpecError(path, f"{key}.columns[{c.id}]", f"列 id {c.id!r} 与字段重名")
        if c.derived:
            raise SpecError(path, f"{key}.columns[{c.id}].formula", "指标表的列不能是公式")
    colids = {c.id for c in columns}
    footer = []
    for i, fraw in enumerate(_list(path, f"{key}.footer", raw.get("footer") or [])):
        f = build.field(f"{key}.footer[{i}]", fraw, sheet)
        if f.column not in colids:
            raise SpecError(path, f"{key}.footer[{f.id}].column", f"合计行的列 {f.column!r} 不是指标表的列")
        if not f.derived:
            raise SpecError(path, f"{key}.footer[{f.id}]", "合计行的字段必须有公式（formula）")
        _add(path, f"{key}.footer[{f.id}]", fields, f)
        footer.append(f.id)
    row_values = []
    for i, rv in enumerate(_list(path, f"{key}.row_values", raw.get("row_values") or [])):
        _keys(path, f"{key}.row_values[{i}]", rv, {"id", "formula"}, {"id", "formula"})
        row_values.append((str(rv["id"]), _expr(path, f"{key}.row_values[{rv['id']}].formula", rv["formula"])))
    qw = raw.get("qualitative_when")
    row_rules = tuple(
        _rule(path, f"{key}.row_rules[{r.get('id', i) if isinstance(r, dict) else i}]", r)
        for i, r in enumerate(_list(path, f"{key}.row_rules", raw.get("row_rules") or []))
    )
    _unique(path, f"{key}.row_rules", [r.id for r in row_rules], "规则 id")
    return Table(
        _text(path, f"{key}.title", raw["title"]),
        sheet,
        nrows,
        columns,
        _expr(path, f"{key}.qualitative_when", qw) if qw is not None else None,
        tuple(footer),
        tuple(row_values),
        row_rules,
    )


def _rule(path: Path, key: str, raw: Any) -> Rule:
    _keys(path, key, raw, _RULE_KEYS, {"id"})
    if ("assert" in raw) == ("require" in raw):
        raise SpecError(path, key, "每条规则应有 assert（必须成立的条件）或 require（必须填写的字段）之一")
    sev = raw.get("severity", "error")
    if sev not in SEVERITIES:
        raise SpecError(path, f"{key}.severity", f"应为 error 或 warning，实际为 {sev!r}")
    require = _text(path, f"{key}.require", raw.get("require")) or None
    target = _text(path, f"{key}.field", raw.get("field")) or require
    if not target:
        raise SpecError(path, f"{key}.field", "缺少规则所指的字段（field）")
    code = raw.get("code", "missing" if require else "rule")
    return Rule(
        id=str(raw["id"]),
        field=target,
        severity=sev,
        code=str(code),
        when=_expr(path, f"{key}.when", raw["when"]) if raw.get("when") is not None else None,
        check=_expr(path, f"{key}.assert", raw["assert"]) if raw.get("assert") is not None else None,
        require=require,
        message=_text(path, f"{key}.message", raw.get("message")),
        message_en=_text(path, f"{key}.message_en", raw.get("message_en")),
    )


# --- whole-spec checks: names, cycles ------------------------------------------------------------


def _check_names(spec: Spec) -> None:
    path = Path(spec.path)
    scalars = set(spec.fields)
    columns = {c.id for c in spec.table.columns} if spec.table else set()
    row_values = {rid for rid, _ in spec.table.row_values} if spec.table else set()
    known = scalars | columns

    def unknown(key: str, names: frozenset[str] | set[str], allowed: set[str]) -> None:
        for n in sorted(names - allowed):
            near = [k for k in sorted(allowed) if k.startswith(n[:4])][:3]
            hint = f"（是否想写 {', '.join(near)}？）" if near else ""
            raise SpecError(path, key, f"引用了不存在的字段 {n!r}{hint}")

    for f in spec.fields.values():
        if f.formula is not None:
            unknown(f"fields[{f.id}].formula", f.formula.names, known)
        if f.aggregate.ratio:
            unknown(f"fields[{f.id}].aggregate.ratio", set(f.aggregate.ratio), scalars)
    for r in spec.rules:
        unknown(f"rules[{r.id}]", r.names | {r.field}, known)
    for a, b in spec.magnitude_pairs:
        unknown("magnitude_pairs", {a, b}, scalars)
    unknown("unique_by", set(spec.unique_by), {f.id for f in spec.inputs})
    if spec.table:
        t = spec.table
        row_scope = scalars | columns | row_values
        if t.qualitative_when is not None:
            unknown("table.qualitative_when", t.qualitative_when.names, row_scope)
        for rid, e in t.row_values:
            unknown(f"table.row_values[{rid}]", e.names, scalars | columns)
        for r in t.row_rules:
            unknown(f"table.row_rules[{r.id}]", r.names | {r.field}, row_scope)
        for c in t.columns:
            if c.choices_by and c.choices_by[0] not in columns:
                raise SpecError(path, f"table.columns[{c.id}].choices_by", f"上级列 {c.choices_by[0]!r} 不存在")
            if c.choices_by:
                parent = t.column(c.choices_by[0])
                extra = sorted(set(c.parent_choices()) - set(parent.choices or ()))
                if extra:
                    raise SpecError(path, f"table.columns[{c.id}].choices_by", f"{extra[0]!r} 不是上级列的选项")
    for fid in REQUIRED_FIELDS:
        if fid not in spec.fields:
            raise SpecError(path, "sheets", f"缺少公共字段 {fid!r}（每个表样都必须有）")
    _topological(spec)


def _topological(spec: Spec) -> list[str]:
    """Derived field ids, dependencies first; a cycle is a SpecError."""
    order: list[str] = []
    state: dict[str, int] = {}

    def visit(fid: str, trail: tuple[str, ...]) -> None:
        if state.get(fid) == 2:
            return
        if state.get(fid) == 1:
            cycle = " → ".join((*trail[trail.index(fid) :], fid))
            raise SpecError(spec.path, f"fields[{fid}].formula", f"公式之间形成循环引用: {cycle}")
        f = spec.fields.get(fid)
        if f is None or f.formula is None:
            return
        state[fid] = 1
        for n in sorted(f.formula.names):
            visit(n, (*trail, fid))
        state[fid] = 2
        order.append(fid)

    for fid in spec.fields:
        visit(fid, ())
    return order
