"""The catalogue: every word a person reads, in both languages, with the same parameters in each."""

from __future__ import annotations

import re
import string
import subprocess
from pathlib import Path

import pytest

from xltools.catalogue import Msg, Text, console_lang, entries, say
from xltools.catalogue.findings import CODES

ROOT = Path(__file__).resolve().parent.parent
KEYS = sorted(entries())
CJK = re.compile(r"[\u3400-\u9fff]")


def fields(template: str) -> set[str]:
    return {name.split(":")[0].split("!")[0] for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("key", KEYS)
def test_both_languages_take_the_same_parameters(key: str) -> None:
    entry = entries()[key]
    assert fields(entry.zh) == fields(entry.en), key


@pytest.mark.parametrize("key", KEYS)
def test_english_words_are_english(key: str) -> None:
    """Under --lang en a message's own words are English; Chinese only inside quotes (DESIGN §12)."""
    outside = re.sub(r"“[^”]*”|\{[^}]*\}|元|万元", "", entries()[key].en)
    assert not CJK.search(outside), (key, entries()[key].en)


@pytest.mark.parametrize("code", list(CODES))
def test_every_code_has_its_own_words(code: str) -> None:
    assert any(k == code or k.startswith(code + ".") for k in KEYS), code
    assert CODES[code].title.zh and CODES[code].title.en


def test_parameters_are_shown_in_the_readers_language() -> None:
    label = Text("联系电话", "phone")
    assert say("missing", "zh", label=label) == "“联系电话”未填写，请填写。"
    assert say("missing", "en", label=label) == "“phone” is empty: fill it in."
    assert say("missing", "en", label=Text("联系电话")) == "“联系电话” is empty: fill it in."  # no label_en: quoted
    nested = Msg.of("kind.number_unit", unit="万元")
    assert (
        say("type", "en", label=label, expected=nested, actual="约3万")
        == "“phone” should be a number (万元); found “约3万”."
    )
    assert say("missing", "zh") == "“{label}”未填写，请填写。"  # a missing parameter never raises


@pytest.mark.parametrize(
    ("explicit", "env", "lang"),
    [
        (None, {}, "zh"),
        (None, {"LANG": "C"}, "zh"),
        (None, {"LANG": "POSIX"}, "zh"),
        (None, {"LANG": "en_US.UTF-8"}, "en"),
        (None, {"LANG": "zh_CN.UTF-8", "LC_ALL": "en_GB.UTF-8"}, "en"),
        ("zh", {"LANG": "en_US.UTF-8"}, "zh"),
        ("en", {}, "en"),
    ],
)
def test_console_language(explicit: str | None, env: dict[str, str], lang: str) -> None:
    assert console_lang(explicit, env) == lang


def _strings(path: Path) -> list[tuple[int, str]]:
    """The string literals of a module that are not docstrings."""
    import ast

    tree = ast.parse(path.read_text(encoding="utf-8"))
    docs = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    patterns = {  # the characters a regular expression matches are not words
        id(arg)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "compile"
        for arg in node.args
    }
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs | patterns
    ]


def test_no_chinese_words_outside_the_catalogue_and_the_templates() -> None:
    """Words live in one place (issue #9): Chinese text in code only in the catalogue and in the template
    builder's generated text; elsewhere only the contract's own names (sheet names, the form's headings,
    DESIGN §3) and the house fonts. Docstrings and comments may quote the domain."""
    allowed = ("xltools/catalogue/", "xltools/template/", "xltools/contract.py", "xltools/style.py")
    files = subprocess.run(
        ["git", "ls-files", "xltools"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    offenders = [
        f"{name}:{line}: {text!r}"
        for name in files
        if name.endswith(".py") and not name.startswith(allowed)
        for line, text in _strings(ROOT / name)
        if CJK.search(text)
    ]
    assert not offenders, "\n".join(offenders)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_a_long_text_found_is_quoted_in_part_and_kept_whole_in_json(lang: str) -> None:
    """A clerk's (or an attacker's) 5,000-character text in a field that takes a choice: the sentence quotes
    its start and says how long it is; JSON's `actual` keeps it all. A text of `QUOTED` characters is whole."""
    from xltools.findings import ERROR, QUOTED, Finding

    long = "很长的说明" * 1000
    f = Finding("choice", ERROR, "基本信息", "C7", "department", "", {"label": Text("单位名称", "unit")}, "", long)
    text = f.text(lang)
    assert len(text) < QUOTED + 150 and long[:QUOTED] in text and long[: QUOTED + 1] not in text
    assert ("共 5000 个字符" if lang == "zh" else "5000 characters in all") in text
    assert f.to_dict(lang)["actual"] == long
    whole = "说" * QUOTED
    g = Finding("choice", ERROR, "基本信息", "C7", "department", "", {"label": "单位名称"}, "", whole)
    assert whole in g.text(lang) and "字符" not in g.text("zh").replace(whole, "")
