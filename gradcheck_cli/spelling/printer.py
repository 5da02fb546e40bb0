"""A tree printed as Python source (`source`): the line a repro script shows, with the
parentheses Python's precedences need and literals written back as Python reads them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .tree import (
    _BINARY,
    ATOM,
    COMPARE,
    POWER,
    UNARY,
    Attr,
    BinOp,
    Call,
    Const,
    Index,
    Input,
    Name,
    Node,
    Seq,
    Unary,
)


@dataclass(frozen=True)
class Text:
    """Printed source and the precedence it binds with."""

    text: str
    prec: int = ATOM

    def at(self, prec: int) -> str:
        return self.text if self.prec >= prec else f"({self.text})"


def literal(value: Any) -> Text:
    """A Python literal: numbers (inf and nan as float(...)), None, strings, tuples, lists,
    slices (in an index only), Ellipsis."""
    if isinstance(value, float) and not math.isfinite(value):
        text = 'float("-inf")' if value < 0 else f'float("{value}")'
        return Text(text)
    if isinstance(value, tuple):
        inner = ", ".join(literal(v).text for v in value)
        return Text(f"({inner},)" if len(value) == 1 else f"({inner})")
    if isinstance(value, list):
        return Text("[" + ", ".join(literal(v).text for v in value) + "]")
    if isinstance(value, slice):
        parts = [
            "" if v is None else literal(v).text for v in (value.start, value.stop, value.step)
        ]
        return Text(":".join(parts[:2]) + (f":{parts[2]}" if value.step is not None else ""))
    if value is Ellipsis:
        return Text("...")
    text = repr(value)
    negative = isinstance(value, (int, float)) and not isinstance(value, bool) and text[0] == "-"
    return Text(text, UNARY if negative else ATOM)


def source(tree: Node, args: Sequence[Text | str]) -> Text:
    """The tree as Python source, `args[i]` standing for Input(i)."""
    shown = [a if isinstance(a, Text) else Text(a) for a in args]
    return _source(tree, shown)


def _source(t: Node, args: Sequence[Text]) -> Text:
    if isinstance(t, Input):
        return args[t.index]
    if isinstance(t, Name):
        return Text(t.path)
    if isinstance(t, Const):
        return literal(t.value)
    if isinstance(t, Call):
        parts = [_source(a, args).text for a in t.args]
        parts += [f"{k}={_source(v, args).text}" for k, v in t.kwargs]
        return Text(f"{_source(t.fn, args).at(ATOM)}({', '.join(parts)})")
    if isinstance(t, Attr):
        return Text(f"{_source(t.obj, args).at(ATOM)}.{t.name}")
    if isinstance(t, Index):
        entries = ", ".join(_source(e, args).text for e in t.entries) or "()"
        return Text(f"{_source(t.base, args).at(ATOM)}[{entries}]")
    if isinstance(t, Seq):
        inner = ", ".join(_source(i, args).text for i in t.items)
        if t.kind == "tuple":
            return Text(f"({inner},)" if len(t.items) == 1 else f"({inner})")
        return Text(f"[{inner}]")
    if isinstance(t, Unary):
        return Text(f"{t.op}{_source(t.operand, args).at(UNARY)}", UNARY)
    if isinstance(t, BinOp):
        return _binary(t, args)
    raise TypeError(f"not a tree node: {t!r}")


def _binary(t: BinOp, args: Sequence[Text]) -> Text:
    """The left operand may share the operator's precedence (left to right), the right one
    may not, so the tree of the user's expression is kept exactly; `**` the reverse."""
    prec = _BINARY[t.op][0]
    left, right = _source(t.left, args), _source(t.right, args)
    if prec == POWER:
        return Text(f"{left.at(POWER + 1)} ** {right.at(UNARY)}", POWER)
    if prec == COMPARE:
        return Text(f"{left.at(COMPARE + 1)} {t.op} {right.at(COMPARE + 1)}", COMPARE)
    return Text(f"{left.at(prec)} {t.op} {right.at(prec + 1)}", prec)
