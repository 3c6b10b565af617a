"""A small, safe expression language: written once in a spec, rendered as an Excel formula
by the template builder and evaluated in Python by the checker. No Python ``eval``.

Grammar (Excel-like)::

    expr    := compare
    compare := concat (("=" | "<>" | "<" | "<=" | ">" | ">=") concat)?
    concat  := sum
    sum     := product (("+" | "-") product)*
    product := unary (("*" | "/") unary)*
    unary   := "-" unary | atom
    atom    := NUMBER | "string" | NAME | NAME "(" args ")" | "(" expr ")"

Names are field ids or table column ids. Blank cells count as 0 in arithmetic and as ""
in text comparisons, as in Excel.
"""

from __future__ import annotations

import datetime as dt
import operator
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Any

MAX_LENGTH = 4000  # characters: a spec's formulas are a few hundred at most
MAX_DEPTH = 40  # nested parentheses, functions and signs


class ExprError(ValueError):
    """The text of an expression cannot be parsed: ``detail`` is its catalogue key (``expr.<detail>``)."""

    def __init__(self, detail: str, **params: object) -> None:
        from xltools.catalogue import say

        self.detail, self.params = detail, params
        super().__init__(say(f"expr.{detail}", "zh", **params))


class EvalError(ArithmeticError):
    """An expression cannot be evaluated on these values (e.g. division by zero)."""


# --- syntax tree -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Str:
    value: str


@dataclass(frozen=True)
class Ref:
    name: str


@dataclass(frozen=True)
class Neg:
    operand: Node


@dataclass(frozen=True)
class Bin:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Call:
    fn: str
    args: tuple[Node, ...]


Node = Num | Str | Ref | Neg | Bin | Call


@dataclass(frozen=True)
class Function:
    """A function of the language: how many arguments, whether Excel/WPS/LibreOffice all have it."""

    min_args: int
    max_args: int | None
    in_excel: bool


# Functions a derived field may use (rendered into templates) carry in_excel=True: the set that
# Excel 2010+, WPS and LibreOffice all evaluate. The others are for checker-only rules.
FUNCTIONS: dict[str, Function] = {
    "SUM": Function(1, None, True),
    "MIN": Function(1, None, True),
    "MAX": Function(1, None, True),
    "ROUND": Function(2, 2, True),
    "ABS": Function(1, 1, True),
    "IF": Function(3, 3, True),
    "AND": Function(1, None, True),
    "OR": Function(1, None, True),
    "COUNTA": Function(1, None, True),
    "NOT": Function(1, 1, False),
    "ISBLANK": Function(1, 1, False),
    "SUMIF": Function(3, 3, False),
    "YEAR": Function(1, 1, False),
}

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d*)?|\.\d+)|(?P<str>\"(?:[^\"]|\"\")*\")|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op><>|<=|>=|[-+*/(),=<>]))"
)
_PRECEDENCE = {"=": 1, "<>": 1, "<": 1, "<=": 1, ">": 1, ">=": 1, "+": 2, "-": 2, "*": 3, "/": 3}


@dataclass(frozen=True)
class Expr:
    """A parsed expression with its source text."""

    text: str
    tree: Node

    @cached_property
    def run(self) -> Compiled:
        """The expression compiled (`compile_node`): ``expr.run(values)`` evaluates it."""
        return compile_node(self.tree)

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "run"}  # closures do not pickle: made again

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    @cached_property
    def names(self) -> frozenset[str]:
        """Every field or column id the expression refers to."""
        return frozenset(_names(self.tree))

    @cached_property
    def functions(self) -> frozenset[str]:
        return frozenset(_functions(self.tree))

    def addends(self) -> tuple[str, ...] | None:
        """The names summed when the expression is a plain sum (a + b + c or SUM(a, b)), else None."""
        tree = self.tree
        if isinstance(tree, Call) and tree.fn == "SUM" and all(isinstance(a, Ref) for a in tree.args):
            return tuple(a.name for a in tree.args if isinstance(a, Ref))
        out: list[str] = []

        def walk(node: Node) -> bool:
            if isinstance(node, Ref):
                out.append(node.name)
                return True
            return isinstance(node, Bin) and node.op == "+" and walk(node.left) and walk(node.right)

        return tuple(out) if walk(tree) and len(out) > 1 else None

    def ratio(self) -> tuple[str, str] | None:
        """(numerator, denominator) when the expression divides one field by another exactly once."""
        found: list[tuple[str, str]] = []

        def walk(node: Node) -> None:
            if isinstance(node, Bin):
                if node.op == "/":
                    if isinstance(node.left, Ref) and isinstance(node.right, Ref):
                        found.append((node.left.name, node.right.name))
                    else:
                        found.append(("", ""))
                walk(node.left)
                walk(node.right)
            elif isinstance(node, Neg):
                walk(node.operand)
            elif isinstance(node, Call):
                for a in node.args:
                    walk(a)

        walk(self.tree)
        return found[0] if len(found) == 1 and found[0][0] else None


def parse(text: str) -> Expr:
    """Parse ``text``; raise ExprError saying what is wrong (bounded: length and nesting depth)."""
    text = str(text)
    if len(text) > MAX_LENGTH:
        raise ExprError("too_long", length=len(text), limit=MAX_LENGTH)
    tokens = _tokenize(text)
    parser = _Parser(tokens, text)
    tree = parser.expression()
    if parser.pos != len(tokens):
        raise ExprError("extra", token=tokens[parser.pos][1])
    return Expr(text, tree)


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ExprError("character", char=text[pos:].strip()[:1], position=pos + 1)
        kind = m.lastgroup or ""
        tokens.append((kind, m.group(kind)))
        pos = m.end()
    return tokens


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], text: str) -> None:
        self.tokens, self.text, self.pos, self.depth = tokens, text, 0, 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if tok is None:
            raise ExprError("incomplete")
        if value is not None and tok[1] != value:
            raise ExprError("expected", expected=value, found=tok[1])
        self.pos += 1
        return tok

    def expression(self, min_prec: int = 1) -> Node:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExprError("too_deep", limit=MAX_DEPTH)
        left = self.unary()
        while (tok := self.peek()) and tok[0] == "op" and _PRECEDENCE.get(tok[1], 0) >= min_prec:
            op = self.take()[1]
            right = self.expression(_PRECEDENCE[op] + 1)
            left = Bin(op, left, right)
        self.depth -= 1
        return left

    def unary(self) -> Node:
        tok = self.peek()
        if tok and tok[1] == "-":
            self.take()
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise ExprError("too_deep", limit=MAX_DEPTH)
            node = Neg(self.unary())
            self.depth -= 1
            return node
        return self.atom()

    def atom(self) -> Node:
        kind, value = self.take()
        if kind == "num":
            return Num(float(value))
        if kind == "str":
            return Str(value[1:-1].replace('""', '"'))
        if kind == "name":
            nxt = self.peek()
            if nxt and nxt[1] == "(":
                return self.call(value.upper())
            return Ref(value)
        if value == "(":
            node = self.expression()
            self.take(")")
            return node
        raise ExprError("unexpected", token=value)

    def call(self, fn: str) -> Node:
        if fn not in FUNCTIONS:
            raise ExprError("function", function=fn, known=", ".join(sorted(FUNCTIONS)))
        self.take("(")
        args: list[Node] = []
        if (tok := self.peek()) and tok[1] != ")":
            args.append(self.expression())
            while (tok := self.peek()) and tok[1] == ",":
                self.take()
                args.append(self.expression())
        self.take(")")
        f = FUNCTIONS[fn]
        if len(args) < f.min_args or (f.max_args is not None and len(args) > f.max_args):
            raise ExprError("arity", function=fn, count=len(args))
        return Call(fn, tuple(args))


def _names(node: Node) -> Iterable[str]:
    if isinstance(node, Ref):
        yield node.name
    elif isinstance(node, Neg):
        yield from _names(node.operand)
    elif isinstance(node, Bin):
        yield from _names(node.left)
        yield from _names(node.right)
    elif isinstance(node, Call):
        for a in node.args:
            yield from _names(a)


def _functions(node: Node) -> Iterable[str]:
    if isinstance(node, Call):
        yield node.fn
        for a in node.args:
            yield from _functions(a)
    elif isinstance(node, Neg):
        yield from _functions(node.operand)
    elif isinstance(node, Bin):
        yield from _functions(node.left)
        yield from _functions(node.right)


# --- rendering as an Excel formula ------------------------------------------------------------


def to_excel(expr: Expr, ref: Callable[[str], str]) -> str:
    """Render as an Excel formula (with leading '='); ``ref`` maps a name to a cell or range."""
    return "=" + _render(expr.tree, ref, 0)


def _render(node: Node, ref: Callable[[str], str], parent_prec: int, right: bool = False) -> str:
    if isinstance(node, Num):
        v = node.value
        return str(int(v)) if v == int(v) else repr(v)
    if isinstance(node, Str):
        return '"' + node.value.replace('"', '""') + '"'
    if isinstance(node, Ref):
        return ref(node.name)
    if isinstance(node, Neg):
        return "-" + _render(node.operand, ref, 4)
    if isinstance(node, Call):
        return node.fn + "(" + ",".join(_render(a, ref, 0) for a in node.args) + ")"
    prec = _PRECEDENCE[node.op]
    text = _render(node.left, ref, prec) + node.op + _render(node.right, ref, prec, right=True)
    return f"({text})" if prec < parent_prec or (right and prec == parent_prec) else text


# --- evaluation in Python ---------------------------------------------------------------------

Value = float | str | dt.date | None | Sequence["Value"]


def excel_round(x: float, digits: int) -> float:
    """Round half away from zero, as Excel's ROUND does (not banker's rounding)."""
    q = Decimal(1).scaleb(-digits)
    d = Decimal(repr(float(x))).quantize(q, rounding=ROUND_HALF_UP)
    return float(d)


def evaluate(expr: Expr | Node, values: Mapping[str, Any]) -> Any:
    """Evaluate with ``values`` (name -> scalar, or list for a table column). Blank is None."""
    if isinstance(expr, Expr):
        return expr.run(values)
    return compile_node(expr)(values)


def _num(v: Any) -> float:
    if type(v) is float:  # the common case, first
        return v
    if v is None or v == "":
        return 0.0
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, int | float):
        return float(v)
    if isinstance(v, dt.date):
        return float((v - dt.date(1899, 12, 30)).days)
    raise EvalError(f"not a number: {v!r}")


def _flat(args: Iterable[Any]) -> list[Any]:
    out: list[Any] = []
    for a in args:
        if isinstance(a, list | tuple):
            out.extend(a)
        else:
            out.append(a)
    return out


_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "<>": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _compare(op: str, a: Any, b: Any) -> bool:
    if isinstance(a, str) or isinstance(b, str):
        return _COMPARISONS[op]("" if a is None else str(a), "" if b is None else str(b))
    return _COMPARISONS[op](_num(a), _num(b))


Compiled = Callable[[Mapping[str, Any]], Any]


def compile_node(node: Node) -> Compiled:
    """The expression as nested Python closures, made once: evaluating it is then a call per node, with no
    dispatch on the node's type (issue #14: rules ran ~570 interpreted steps a return)."""
    if isinstance(node, Num | Str):
        constant = node.value
        return lambda values: constant
    if isinstance(node, Ref):
        name = node.name
        return lambda values: values.get(name)
    if isinstance(node, Neg):
        operand = compile_node(node.operand)
        return lambda values: -_num(operand(values))
    if isinstance(node, Bin):
        return _compile_bin(node.op, compile_node(node.left), compile_node(node.right))
    return _compile_call(node.fn, [compile_node(a) for a in node.args])


def _compile_bin(op: str, left: Compiled, right: Compiled) -> Compiled:
    def arithmetic(values: Mapping[str, Any]) -> Any:
        a, b = left(values), right(values)
        x, y = _num(a), _num(b)
        if op == "+":
            return x + y
        if op == "-":
            return x - y
        if op == "*":
            return x * y
        if y == 0:
            raise EvalError("division by zero")
        return x / y

    def comparison(values: Mapping[str, Any]) -> Any:
        a, b = left(values), right(values)
        return _compare(op, a, b)

    return arithmetic if op in ("+", "-", "*", "/") else comparison


def _compile_call(fn: str, args: list[Compiled]) -> Compiled:
    if fn == "IF":
        cond, then, other = args

        def if_(values: Mapping[str, Any]) -> Any:
            return (then if _truthy(cond(values)) else other)(values)

        return if_
    if fn == "AND":
        return lambda values: all(_truthy(a(values)) for a in args)
    if fn == "OR":
        return lambda values: any(_truthy(a(values)) for a in args)
    if fn == "NOT":
        (only,) = args
        return lambda values: not _truthy(only(values))
    if fn == "ISBLANK":
        (only,) = args

        def isblank(values: Mapping[str, Any]) -> Any:
            v = only(values)
            return v is None or v == ""

        return isblank
    if fn == "SUMIF":

        def sumif(values: Mapping[str, Any]) -> Any:
            crit_range, crit, sum_range = (a(values) for a in args)
            pairs = zip(_as_list(crit_range), _as_list(sum_range), strict=False)
            return sum(_num(s) for c, s in pairs if _compare("=", c, crit))

        return sumif
    return lambda values: _call(fn, [a(values) for a in args])


def _call(fn: str, vals: list[Any]) -> Any:
    """A function of evaluated arguments."""
    if fn == "SUM":
        return sum(_num(v) for v in _flat(vals) if not isinstance(v, str))
    if fn in ("MIN", "MAX"):
        nums = [_num(v) for v in _flat(vals) if v is not None and not isinstance(v, str)]
        return (min if fn == "MIN" else max)(nums) if nums else 0.0
    if fn == "ROUND":
        return excel_round(_num(vals[0]), int(_num(vals[1])))
    if fn == "ABS":
        return abs(_num(vals[0]))
    if fn == "COUNTA":
        return float(sum(1 for v in _flat(vals) if v is not None and v != ""))
    if fn == "YEAR":
        v = vals[0]
        if isinstance(v, dt.date):
            return float(v.year)
        raise EvalError("YEAR of a non-date")
    raise EvalError(f"unknown function {fn}")  # pragma: no cover - parse() rejects these


def _as_list(v: Any) -> list[Any]:
    return list(v) if isinstance(v, list | tuple) else [v]


def _truthy(v: Any) -> bool:
    if isinstance(v, str):
        raise EvalError("text used as a condition")
    return bool(_num(v))
