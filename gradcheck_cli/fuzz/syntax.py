"""Expressions of the case language, written from op applications through Python's `ast`.

`ast.unparse` places the parentheses, so a composed program needs no precedence rules of
its own. The operator of each op is the parser's own table, read here, not restated.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Sequence
from typing import Any

from ..ir import ArrayRef
from ..ops import OPS, REQUIRED
from ..parse import BINOPS, COMPARES

# & | ^ take booleans only (shapes.py refuses numbers): the forms call logical_and & co.
OPERATORS = {name: node for node, (name, _) in BINOPS.items() if not name.startswith("logical_")}
COMPARISONS = {name: node for node, name in COMPARES.items()}
OPERATOR_ONLY = {*OPERATORS, *COMPARISONS, "negative", "getitem"} - {"matmul"}


def literal(value: Any) -> ast.expr:
    """A Python value as the expression writes it: -2 as `-2`, inf as `inf`, (0, 1) as a tuple."""
    if isinstance(value, tuple):
        return ast.Tuple([literal(v) for v in value], ast.Load())
    if isinstance(value, float) and math.isinf(value):
        node: ast.expr = ast.Name("inf", ast.Load())
        return ast.UnaryOp(ast.USub(), node) if value < 0 else node
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value < 0:
        return ast.UnaryOp(ast.USub(), ast.Constant(-value))
    return ast.Constant(value)


def _index_entry(entry: Any, operands: Sequence[ast.expr]) -> ast.expr:
    if isinstance(entry, ArrayRef):
        return operands[entry.input]
    if isinstance(entry, slice):
        bounds = [None if b is None else literal(b) for b in (entry.start, entry.stop, entry.step)]
        return ast.Slice(*bounds)
    if isinstance(entry, tuple):  # a list written in the index: a gather or a mask
        return ast.List([literal(v) for v in entry], ast.Load())
    return literal(entry)


def subscript(base: ast.expr, index: tuple[Any, ...], operands: Sequence[ast.expr]) -> ast.expr:
    entries = [_index_entry(e, operands) for e in index]
    inner = entries[0] if len(entries) == 1 else ast.Tuple(entries, ast.Load())
    return ast.Subscript(base, inner, ast.Load())


def _call(name: str, args: list[ast.expr], keywords: dict[str, Any]) -> ast.expr:
    words = [ast.keyword(k, literal(v)) for k, v in keywords.items()]
    return ast.Call(ast.Name(name, ast.Load()), args, words)


def _method(op: str, base: ast.expr, attrs: dict[str, Any]) -> ast.expr:
    func = ast.Attribute(base, op, ast.Load())
    if op in ("reshape", "transpose"):  # `a.reshape(3, 2)`, `a.transpose(1, 0)`
        value = next(iter(attrs.values()), None)
        parts = value if isinstance(value, tuple) else (() if value is None else (value,))
        return ast.Call(func, [literal(v) for v in parts], [])
    return ast.Call(func, [], [ast.keyword(k, literal(v)) for k, v in attrs.items()])


def apply(op: str, operands: Sequence[ast.expr], attrs: dict[str, Any], spelling: str = "") -> Any:
    """`op` applied to `operands` (expressions, literals included), with the attributes
    written out. `spelling` picks another way to write it: "method" (`a.sum(axis=0)`),
    "T" (`a.T`), "call" (`matmul(a, b)`), or a function alias ("amax")."""
    if op == "getitem":
        return subscript(operands[0], attrs["index"], operands)
    if op == "negative":
        return ast.UnaryOp(ast.USub(), operands[0])
    if op in COMPARISONS:
        return ast.Compare(operands[0], [COMPARISONS[op]()], [operands[1]])
    if op in OPERATORS and spelling != "call":
        return ast.BinOp(operands[0], OPERATORS[op](), operands[1])
    if spelling == "T":
        return ast.Attribute(operands[0], "T", ast.Load())
    if spelling == "method":
        return _method(op, operands[0], attrs)
    spec = OPS[op]
    if spec.rest:  # einsum(subscripts, *operands): the attributes first, then the arrays
        return _call(op, [literal(attrs[k]) for k, _ in spec.attrs] + list(operands), {})
    args = [ast.List(list(operands), ast.Load())] if spec.variadic else list(operands)
    required = [k for k, default in spec.attrs if default is REQUIRED and k in attrs]
    args += [literal(attrs[k]) for k in required]
    rest = {k: v for k, v in attrs.items() if k not in required}
    return _call(op if spelling in ("", "call") else spelling, args, rest)


def text(node: ast.expr) -> str:
    return ast.unparse(node)
