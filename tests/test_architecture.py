"""The shape of the codebase (issue #9): small modules, layers that only look down, nothing reaching up
into the package root, and the packages the wheel ships are the packages there are."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "xltools"
MODULES = sorted(p for p in PACKAGE.rglob("*.py"))

# Lower layers never import higher ones. A module is placed by its dotted name's longest prefix here.
LAYERS = [
    ("xltools._version", 0),
    ("xltools.catalogue", 0),
    ("xltools.findings", 1),
    ("xltools.spec", 2),
    ("xltools.contract", 3),
    ("xltools.style", 3),
    ("xltools.atomic", 3),
    ("xltools.files", 3),
    ("xltools.libreoffice", 3),
    ("xltools.read", 4),
    ("xltools.check", 5),
    ("xltools.template", 6),
    ("xltools.report", 6),
    ("xltools.aggregate", 7),
    ("xltools.paper", 7),
    ("xltools.versions", 7),
    ("xltools.targets", 7),
    ("xltools.desk", 8),
    ("xltools.console", 8),
    ("xltools.imports", 8),
    ("xltools.web", 9),
    ("xltools.cli", 10),
    ("xltools.cli_desk", 10),
    ("xltools.__main__", 11),
    ("xltools", 11),  # the root: the library's lazy front door
]


def dotted(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(name: str) -> int:
    best = max((p for p, _ in LAYERS if name == p or name.startswith(p + ".")), key=len)
    return dict(LAYERS)[best]


def imports(path: Path) -> list[tuple[int, str]]:
    """Every xltools module a module imports (at any depth of the file), with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 and node.module.startswith("xltools"):
            out += [(node.lineno, node.module)]
            if node.module == "xltools":
                out += [(node.lineno, f"xltools.{a.name}") for a in node.names]
        elif isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names if a.name.startswith("xltools")]
    return out


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_over_600_lines(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 600


@pytest.mark.parametrize(
    "path",
    [p for p in MODULES if p.name != "__init__.py" or p.parent != PACKAGE],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_imports_only_look_down_and_never_into_the_root(path: Path) -> None:
    me = dotted(path)
    for line, target in imports(path):
        assert target != "xltools", f"{me}:{line} imports the package root"
        if target.startswith(me + ".") or me.startswith(target + "."):
            continue  # within its own package
        assert layer_of(target) <= layer_of(me), f"{me}:{line} imports {target}, a higher layer"


def test_the_wheel_ships_every_package() -> None:
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {dotted(p.parent / "__init__.py") for p in PACKAGE.rglob("__init__.py")}
    assert listed - {"xltools.schemas"} == found
