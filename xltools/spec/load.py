"""Where specs live, and reading them: bounded YAML, the ``extends`` chain, caching and pickling.

Specs are looked up by id in a folder: ``--schemas DIR`` (a bureau's own), else ``$XLTOOLS_SCHEMAS``,
else the bundled ones (the repository's top-level ``schemas/``, installed as package data). A path to
a ``.yaml`` file works too. Every problem is a `SpecError` naming the file and the key.
"""

from __future__ import annotations

import copyreg
import os
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from xltools.catalogue import Msg
from xltools.spec import cache
from xltools.spec.errors import SpecError
from xltools.spec.model import RegionList, Spec
from xltools.spec.parse import check_keys, dict_of, list_of, parse_regions, parse_spec
from xltools.spec.validate import validate

if TYPE_CHECKING:
    import yaml

MAX_SPEC_BYTES = 1024 * 1024  # a spec is a few KB
MAX_REGIONS_BYTES = 32 * 1024 * 1024  # a national list of ~100,000 units fits
MAX_NODES = 2_000_000  # YAML nodes after anchors and aliases are expanded (an alias bomb has billions)

_SPEC_KEYS = {
    "id",
    "version",
    "unique_by",
    "title",
    "title_en",
    "extends",
    "abstract",
    "regions",
    "placeholders",
    "types",
    "sheets",
    "rules",
    "overrides",
    "magnitude_pairs",
    "magnitude_unit",
    "magnitude_band",
    "signoff",
    "form",
    "ratios",
}
_MERGED_KEYS = ("sheets", "rules", "types", "abstract", "magnitude_pairs", "overrides")


def bundled_schemas() -> Path:
    """The specs shipped with xltools: package data in a wheel, the repository's schemas/ in a checkout."""
    from importlib.resources import files

    package = Path(str(files("xltools")))
    for candidate in (package / "schemas", package.parent / "schemas"):
        if candidate.is_dir():
            return candidate
    return package / "schemas"


def schemas_dir(directory: Path | str | None = None) -> Path:
    """The folder of spec files: the one given, else $XLTOOLS_SCHEMAS, else the bundled ones."""
    if directory is not None:
        return Path(directory)
    env = os.environ.get("XLTOOLS_SCHEMAS")
    return Path(env) if env else bundled_schemas()


def spec_ids(directory: Path | str | None = None) -> list[str]:
    """Ids of the concrete (non-abstract) specs in the folder, sorted."""
    d = schemas_dir(directory)
    return sorted(p.stem for p in d.glob("*.yaml") if not p.stem.startswith("_"))


def is_spec_id(text: str) -> bool:
    """Whether ``text`` can name a concrete spec as a returned file records it: an id, never a path, a file name
    or an abstract part (``_common``). What a file says is looked up by id, not opened wherever it points."""
    return (
        0 < len(text) <= 128
        and not text.startswith(("_", "."))
        and not any(c in text for c in "/\\:\0")
        and Path(text).suffix.lower() not in (".yaml", ".yml")
    )


def list_specs(directory: Path | str | None = None) -> list[Spec]:
    """Every spec of the folder; none at all is an error (a folder without specs is a mistake)."""
    d = schemas_dir(directory)
    ids = spec_ids(d)
    if not ids:
        raise SpecError(d, "", "none_found", folder=str(d))
    return [load_spec(i, d) for i in ids]


def load_spec(spec: str | Path, directory: Path | str | None = None) -> Spec:
    """Load a spec by id (from the schemas folder) or by path to a .yaml file."""
    p = Path(spec)
    if p.suffix in (".yaml", ".yml"):
        return _load_path(p.resolve())
    return _load_id(str(spec), _real_folder(os.path.abspath(schemas_dir(directory))))


@lru_cache(maxsize=64)
def _real_folder(folder: str) -> str:
    """A folder's real path, looked up once: every return of a run names the same folder (resolving it is
    ~40 µs of system calls, twice per return)."""
    return str(Path(folder).resolve())


@lru_cache(maxsize=64)
def _load_id(spec: str, directory: str) -> Spec:
    d = Path(directory)
    path = d / f"{spec}.yaml"
    if not spec or "/" in spec or "\\" in spec or spec.startswith(".") or not path.is_file():
        known = ", ".join(spec_ids(d)) or Msg.of("spec.none")
        raise SpecError(path if spec else d, "", "not_found", spec=spec, known=known)
    return _load_path(path)


@lru_cache(maxsize=64)
def _load_path(path: Path) -> Spec:
    raw = _merged(path, ())
    if raw.get("abstract"):
        raise SpecError(path, "abstract", "abstract")
    regions = load_regions(_regions_id(path, raw), path.parent)
    spec = parse_spec(path, raw, regions)
    return validate(spec)


def _regions_id(path: Path, raw: dict[str, Any]) -> str:
    rid = raw.get("regions")
    if not isinstance(rid, str) or not rid:
        raise SpecError(path, "regions", "regions_missing")
    if "/" in rid or "\\" in rid or rid.startswith(".") or not (path.parent / "regions" / f"{rid}.yaml").is_file():
        raise SpecError(path, "regions", "regions_not_found", regions=rid)
    return rid


@lru_cache(maxsize=16)
def load_regions(rid: str, directory: Path) -> RegionList:
    """A region list (schemas/regions/<id>.yaml)."""
    path = directory / "regions" / f"{rid}.yaml"
    if not path.is_file():
        raise SpecError(path, "regions", "regions_not_found", regions=rid)
    return parse_regions(path, read_yaml(path, MAX_REGIONS_BYTES), rid)


def _pickle_spec(spec: Spec) -> tuple[Any, tuple[Path]]:
    """A spec pickles as a reference to its file: worker processes load it once, results travel light."""
    return (_load_path, (Path(spec.path),))


copyreg.pickle(Spec, _pickle_spec)


# --- bounded YAML --------------------------------------------------------------------------------


def _loader() -> Any:
    """PyYAML's C loader when it was built with libyaml (imported on the first parse: a cached spec needs none)."""
    import yaml

    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path, limit: int = MAX_SPEC_BYTES) -> dict[str, Any]:
    """A YAML mapping, refusing files too large, not UTF-8, or whose aliases expand too far (parsed once per
    change of the file: see `xltools.spec.cache`)."""
    try:
        st = path.stat()
        size = st.st_size
        if size > limit:
            raise SpecError(path, "", "too_large", size=size // 1024, limit=limit // 1024)
        cached = cache.get(path, st)
        if cached is not None:
            return cached
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise SpecError(path, "", "encoding") from None
    except OSError as e:
        raise SpecError(path, "", "unreadable", reason=e.strerror or type(e).__name__) from None
    import yaml

    loader = _loader()(text)
    try:
        node = loader.get_single_node()
        if node is not None and _expanded_size(node) > MAX_NODES:
            raise SpecError(path, "", "yaml_aliases", limit=MAX_NODES)
        data = loader.construct_document(node) if node is not None else None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark else "?"
        raise SpecError(path, "", "yaml", line=line, problem=getattr(e, "problem", None) or str(e)) from None
    except RecursionError:
        raise SpecError(path, "", "yaml_aliases", limit=MAX_NODES) from None
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise SpecError(path, "", "top_level")
    cache.put(path, st, data)
    return data


def _expanded_size(root: yaml.Node) -> int:
    """How many nodes the document has once every alias is expanded (shared nodes counted per use)."""
    sizes: dict[int, int] = {}
    order: list[yaml.Node] = []
    stack = [root]
    seen: set[int] = set()
    while stack:  # post-order without recursion: children sized before parents
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        stack.extend(_children(node))
    for node in reversed(order):
        sizes[id(node)] = min(MAX_NODES + 1, 1 + sum(sizes.get(id(c), 1) for c in _children(node)))
    return sizes[id(root)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    import yaml

    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [x for pair in node.value for x in pair]
    return []


# --- extends -------------------------------------------------------------------------------------


def _merged(path: Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    """The spec's raw data with its ``extends`` chain folded in."""
    if path in seen:
        raise SpecError(path, "extends", "extends_cycle", chain=" → ".join(p.stem for p in (*seen, path)))
    raw = read_yaml(path)
    check_keys(path, "", raw, _SPEC_KEYS, {"id", "version"})
    _tag_origin(raw, path)
    if raw["id"] != path.stem:
        raise SpecError(path, "id", "id_mismatch", id=raw["id"], stem=path.stem)
    base_id = raw.get("extends")
    if not base_id:
        raw["_chain"] = (raw["id"],)
        return raw
    base_path = path.parent / f"{base_id}.yaml"
    if not isinstance(base_id, str) or "/" in base_id or "\\" in base_id or not base_path.is_file():
        raise SpecError(path, "extends", "extends_missing", base=base_id, file=base_path.name)
    base = _merged(base_path, (*seen, path))
    out = {**base, **{k: v for k, v in raw.items() if k not in _MERGED_KEYS}}
    out["abstract"] = raw.get("abstract", False)
    out["_chain"] = (*base["_chain"], raw["id"])
    out["types"] = {**(base.get("types") or {}), **(dict_of(path, "types", raw.get("types") or {}))}
    out["magnitude_pairs"] = list(base.get("magnitude_pairs") or []) + list(raw.get("magnitude_pairs") or [])
    out["overrides"] = {**(base.get("overrides") or {}), **(dict_of(path, "overrides", raw.get("overrides") or {}))}
    rules = {r.get("id"): r for r in list_of(path, "rules", base.get("rules") or []) if isinstance(r, dict)}
    for r in list_of(path, "rules", raw.get("rules") or []):
        rules[r.get("id") if isinstance(r, dict) else None] = r
    out["rules"] = list(rules.values())
    sheets = [dict(s) for s in list_of(path, "sheets", base.get("sheets") or [])]
    for i, s in enumerate(list_of(path, "sheets", raw.get("sheets") or [])):
        check_keys(path, f"sheets[{i}]", s, {"name", "after", "blocks", "table"}, {"name"})
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
                raise SpecError(path, f"sheets[{i}].after", "after_missing", sheet=after)
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
