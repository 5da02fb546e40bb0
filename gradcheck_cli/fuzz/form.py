"""A form (an op applied to operands and attributes) and the v1 candidates by op kind; the
v2 functions' own candidates are in forms_v2.py, the selection in forms.py."""

from __future__ import annotations

import ast
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..ops import OPS, REQUIRED, Op
from . import syntax
from .operands import Arr, fixed
from .shapes import (
    ARRAY_PAIRS,
    LINALG_SHAPES,
    SHAPES,
    SHAPES_FOR,
    axis_values,
    index_forms,
    literal_pairs,
    permutations,
    reshape_targets,
)

OMIT = "<omit>"  # an attribute left at its default, not written
ORDS = (None, 1, 2, float("inf"), float("-inf"), 0, 3, -1, -2, "fro", "nuc")
MAX_SIZE = 400  # elements of an operand or result: larger is slow, not more telling


@dataclass(frozen=True)
class Form:
    op: str
    args: tuple[Any, ...]  # Arr or a Python literal, in the op's order (a list if variadic)
    attrs: tuple[tuple[str, Any], ...] = ()  # the attributes written; the rest are defaults
    spelling: str = ""  # "" the usual one; "method", "T", "call", or a function alias
    part: int | None = None  # a tuple op's (ops.Op.results): the part the form checks

    @property
    def attr_dict(self) -> dict[str, Any]:
        return dict(self.attrs)

    def names(self) -> list[str | None]:
        """The variable each array operand is called in a case (None for a literal)."""
        spec = OPS[self.op]
        out: list[str | None] = []
        for i, arg in enumerate(self.args):
            if not isinstance(arg, Arr):
                out.append(None)
            elif spec.variadic:
                out.append(f"a{i}")
            else:
                out.append(spec.arrays[i] if i < len(spec.arrays) else f"i{i}")
        return out

    def expression(self, operands: list[ast.expr] | None = None) -> ast.expr:
        if operands is None:
            operands = [
                syntax.literal(a) if n is None else ast.Name(n, ast.Load())
                for a, n in zip(self.args, self.names(), strict=True)
            ]
        if self.op in SYMMETRIZED:  # read symmetric by every framework: (a + a^T) / 2
            operands = [_symmetrize(operands[0]), *operands[1:]]
        return syntax.apply(self.op, operands, self.attr_dict, self.spelling)

    @property
    def call_attrs(self) -> dict[str, Any]:
        """What NumPy (`reference.apply`) is called with: the attributes, and a tuple op's
        part as `output`, as the parser writes it."""
        return self.attr_dict | ({} if self.part is None else {"output": self.part})

    @property
    def gauged(self) -> bool:
        """Whether the part checked is known only up to a sign per column or row (its
        term is then `part ** 2`)."""
        return (self.op, self.part) in GAUGED

    @property
    def id(self) -> str:
        """`sum(a, axis=0) | a[2, 3]`: the expression, then each array operand's shape."""
        shapes = [
            f"{n}{list(a.shape)}"
            + ("" if a.dtype == "float" else f" {a.dtype}")
            + (f" {a.structure}" if a.structure else "")
            for a, n in zip(self.args, self.names(), strict=True)
            if n is not None
        ]
        text = syntax.text(self.expression())
        if self.part is not None:
            text = f"({text})[{self.part}]" + (" ** 2" if self.gauged else "")
        return f"{text} | {', '.join(shapes)}"


# tuple parts known up to a sign per column (row): eigenvectors, U and Vh, Q (R's rows then)
GAUGED = {("eigh", 1), ("svd", 0), ("svd", 2), ("qr", 0), ("qr", 1)}
SYMMETRIZED = {"cholesky", "eigh", "eigvalsh"}  # NumPy reads one triangle, the others both


def _symmetrize(a: ast.expr) -> ast.expr:
    swapped = syntax.apply("swapaxes", [a], {"axis1": -1, "axis2": -2})
    return ast.BinOp(ast.BinOp(a, ast.Add(), swapped), ast.Div(), ast.Constant(2))


# ---- candidates by kind ------------------------------------------------------------------


def _unary(op: Op) -> list[Form]:
    return [Form(op.name, (Arr(s),)) for s in SHAPES]


def _binary(op: Op) -> list[Form]:
    pairs = [(Arr(a), Arr(b)) for a, b in ARRAY_PAIRS] + literal_pairs(op.domain)
    return [Form(op.name, p) for p in pairs]


def _ternary(op: Op) -> list[Form]:
    triples = [(s, s, s) for s in SHAPES] + [((2, 3), (3,), (2, 1))]
    return [Form(op.name, tuple(Arr(s) for s in t)) for t in triples]


def _elementwise(op: Op) -> list[Form]:
    return {1: _unary, 2: _binary}.get(len(op.arrays), _ternary)(op)


def _attr_values(op: Op, name: str, default: Any, shape: tuple[int, ...]) -> list[Any]:
    omit = [] if default is REQUIRED else [OMIT]
    if name == "axis":
        return omit + axis_values(len(shape), default)
    values = {
        "axes": permutations(len(shape)),
        "shape": reshape_targets(shape),
        "keepdims": [True],
        "ord": [o for o in ORDS if o is not default],
    }.get(name, [])
    return omit + values


def _with_attrs(op: Op) -> list[Form]:
    """Every shape, with every combination of candidate values of the op's attributes."""
    out = []
    for shape in SHAPES_FOR.get(op.name, SHAPES):
        choices = [_attr_values(op, k, d, shape) for k, d in op.attrs]
        for combo in itertools.product(*choices):
            attrs = tuple((k, v) for (k, _), v in zip(op.attrs, combo, strict=True) if v != OMIT)
            out.append(Form(op.name, (Arr(shape),), attrs))
    return out


def _linalg(op: Op) -> list[Form]:
    pairs = [(Arr(a), Arr(b)) for a in LINALG_SHAPES for b in LINALG_SHAPES]
    pairs += [(2.5, Arr((3,))), (Arr((2, 3)), 2)]
    return [Form(op.name, p) for p in pairs]


def _variadic(op: Op) -> list[Form]:
    """1-3 arrays: equal shapes, or shapes that differ along the axis; axis None too."""
    out = []
    for base in [(3,), (2, 3), (2, 3, 2)]:
        for axis in [OMIT, None, *axis_values(len(base) + 1, 0)]:
            along = axis if isinstance(axis, int) and -len(base) <= axis < len(base) else 0
            varied = [base[:along] + (n,) + base[along + 1 :] if base else base for n in (2, 1, 3)]
            attrs = () if axis == OMIT else (("axis", axis),)
            for count in (1, 2, 3):
                out.append(Form(op.name, tuple(Arr(base) for _ in range(count)), attrs))
                out.append(Form(op.name, tuple(Arr(s) for s in varied[:count]), attrs))
    mixed = [(Arr((2, 2)), Arr((3,))), (Arr(()), 1.5), (Arr(()), Arr(())), (Arr((2,)), 2)]
    mixed.append((Arr((2,)), fixed((2,), "int", [1, 2])))
    out += [Form(op.name, m, attrs) for m in mixed for attrs in [(), (("axis", None),)]]
    return out


def _where(op: Op) -> list[Form]:
    conditions = [fixed(s, "bool", [True, False, False, True, True]) for s in SHAPES[:3]]
    conditions += [fixed((2, 1), "bool", [False, True]), True]
    branches = [(Arr((3,)), Arr((3,))), (Arr((2, 3)), Arr((3,))), (Arr(()), Arr((2, 3)))]
    branches += [(Arr((2, 1)), Arr((1, 3))), (Arr((3,)), 0.5), (-1, Arr((2, 3)))]
    branches.append((Arr((3,)), fixed((3,), "int", [2, -1, 1])))
    return [Form(op.name, (c, *b)) for c in conditions for b in branches]


def _clip(op: Op) -> list[Form]:
    lows = [None, -0.5, -1, Arr(()), Arr((3,)), Arr((2, 1))]
    highs = [None, 0.5, 1, Arr(()), Arr((3,)), Arr((2, 1))]
    out = [Form(op.name, (Arr((2, 3)), lo, hi)) for lo in lows for hi in highs]
    for shape in [(), (3,)]:
        out += [Form(op.name, (Arr(shape), lo, hi)) for lo, hi in zip(lows, highs, strict=True)]
    out.append(Form(op.name, (Arr(()), Arr((3,)), None)))
    return out


def _getitem(op: Op) -> list[Form]:
    out = []
    for shape, index, arrays in index_forms():
        out.append(Form(op.name, (Arr(shape), *arrays), (("index", index),)))
    return out


KINDS: dict[str, Callable[[Op], list[Form]]] = {
    "elementwise": _elementwise,
    "compare": _binary,
    "reduction": _with_attrs,
    "linalg": _linalg,
    "shape": lambda op: _variadic(op) if op.variadic else _with_attrs(op),
    "index": _getitem,
}
