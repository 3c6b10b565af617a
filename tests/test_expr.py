"""The expression language: parsing, Excel rendering, Python evaluation."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from xltools.spec.expr import Bin, EvalError, ExprError, Num, Ref, evaluate, excel_round, parse, to_excel


def names_as_is(name: str) -> str:
    return name


@pytest.mark.parametrize(
    ("text", "excel"),
    [
        ("a + b", "=a+b"),
        ("a - (b - c)", "=a-(b-c)"),
        ("(a + b) * c", "=(a+b)*c"),
        ("a / (b * c)", "=a/(b*c)"),
        ("-a + 2.5", "=-a+2.5"),
        ('IF(x >= 90, "优", "差")', '=IF(x>=90,"优","差")'),
        ("ROUND(MIN(r, 1) * 10, 2)", "=ROUND(MIN(r,1)*10,2)"),
        ('a <> "定性"', '=a<>"定性"'),
    ],
)
def test_renders_as_excel(text: str, excel: str) -> None:
    assert to_excel(parse(text), names_as_is) == excel


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("a + b", {"a": 188.72, "b": 15.48}, pytest.approx(204.20)),
        ("a + b", {"a": None, "b": 2}, 2.0),  # a blank cell counts as 0
        ("IF(b > 0, a / b, 0)", {"a": 1, "b": 0}, 0.0),
        ("ROUND(MIN(a / b, 1) * 10, 2)", {"a": 385.67, "b": 400}, 9.64),
        ('IF(s >= 90, "优", IF(s >= 80, "良", "中"))', {"s": 85}, "良"),
        ("SUM(col)", {"col": [1, None, 2.5]}, 3.5),
        ('SUMIF(k, "x", v)', {"k": ["x", "y", "x"], "v": [1, 2, 3]}, 4.0),
        ("ISBLANK(t)", {"t": ""}, True),
        ("YEAR(d) = y + 1", {"d": dt.date(2024, 7, 9), "y": 2023}, True),
        ('a = "定性"', {"a": None}, False),
    ],
)
def test_evaluates_like_excel(text: str, values: dict, expected: object) -> None:
    assert evaluate(parse(text), values) == expected


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [(2.675, 2, 2.68), (0.125, 2, 0.13), (-0.125, 2, -0.13), (9.6417, 2, 9.64), (2.5, 0, 3.0)],
)
def test_round_is_half_away_from_zero(value: float, digits: int, expected: float) -> None:
    assert excel_round(value, digits) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("a +", "不完整"),
        ("a $ b", "无法识别"),
        ("FOO(a)", "不支持的函数"),
        ("ROUND(a)", "参数个数"),
        ("(a + b", "不完整"),
        ("a b", "多余"),
    ],
)
def test_parse_errors_say_what_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(ExprError, match=problem):
        parse(text)


def test_division_by_zero_is_an_eval_error() -> None:
    with pytest.raises(EvalError):
        evaluate(parse("a / b"), {"a": 1, "b": 0})


def test_plain_sums_know_their_addends() -> None:
    assert parse("a + b + c").addends() == ("a", "b", "c")
    assert parse("SUM(a, b)").addends() == ("a", "b")
    assert parse("a - b").addends() is None


_leaves = st.one_of(st.integers(0, 50).map(lambda n: Num(float(n))), st.sampled_from(["x", "y", "z"]).map(Ref))
_trees = st.recursive(_leaves, lambda kids: st.builds(Bin, st.sampled_from(["+", "-", "*"]), kids, kids), max_leaves=12)


@given(tree=_trees, x=st.integers(-20, 20), y=st.integers(-20, 20), z=st.integers(-20, 20))
def test_rendering_keeps_the_meaning(tree: object, x: int, y: int, z: int) -> None:
    """Render to Excel text, parse that text back: the value must not change (precedence, brackets)."""
    from xltools.spec.expr import Expr

    values = {"x": x, "y": y, "z": z}
    text = to_excel(Expr("", tree), names_as_is)[1:]  # type: ignore[arg-type]
    assert evaluate(parse(text), values) == evaluate(tree, values)  # type: ignore[arg-type]


def test_a_compiled_expression_pickles_and_evaluates_again() -> None:
    """Expressions are compiled once into closures (issue #14); a spec's expressions still travel to worker
    processes, so the closures are left out of the pickle and made again on the other side."""
    import pickle

    e = parse("IF(a > b, a - b, SUM(a, b))")
    assert e.run({"a": 5, "b": 2}) == 3.0 and evaluate(e, {"a": 1, "b": 2}) == 3.0
    again = pickle.loads(pickle.dumps(e))
    assert again == e and again.run({"a": 5, "b": 2}) == 3.0
    assert evaluate(e.tree, {"a": 1, "b": 2}) == 3.0  # a bare tree is compiled on the spot
