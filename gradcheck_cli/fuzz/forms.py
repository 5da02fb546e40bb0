"""Every op's forms: its applications across shapes and attribute values, as NumPy takes them.

A form is an op with its operands (float arrays by shape, fixed integer or boolean arrays,
Python literals) and the attributes written out. The candidates come from the op's kind,
arity and attribute names, so a new op of a known kind gets forms without an entry here;
`where`, `clip` and `getitem` have their own. NumPy (`reference`) then decides: a
candidate it refuses is not a form.
"""

from __future__ import annotations

import ast
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from ..ops import METHODS, OPS, REQUIRED, Op
from . import reference, syntax
from .draw import structured
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
OVERRIDES: dict[str, Callable[[Op], list[Form]]] = {"where": _where, "clip": _clip}


def _one_hot(op: Op) -> list[Form]:
    """Integer labels in range, 0-d to 2-d (torch refuses the others: a case pins that)."""
    labels = [fixed(s, "int", [2, 0, 1, 1, 0, 2]) for s in ((), (3,), (2, 3))]
    return [Form(op.name, (x,), (("num_classes", n),)) for x in labels for n in (3, 4)]


OVERRIDES["one_hot"] = _one_hot


def _spread_forms(op: Op) -> list[Form]:
    """var, std: the reduction forms, and ddof=1 and 2 over an axis of 3 and over all. std
    over one element is 0 everywhere, its gradient the 0/0 a case pins (cases/v2/stats.yaml)."""
    out = [f for f in _with_attrs(op) if op.name != "std" or _spread_count(f) > 1]
    for shape, axis in [((3,), None), ((2, 3), 1), ((2, 3), None), ((2, 3, 2), (0, 2))]:
        for ddof in (1, 2):
            attrs = (("ddof", ddof),) if axis is None else (("axis", axis), ("ddof", ddof))
            out.append(Form(op.name, (Arr(shape),), attrs))
    return out


def _spread_count(form: Form) -> int:
    """How many elements each result of a var/std form reduces."""
    shape, axis = form.args[0].shape, form.attr_dict.get("axis")
    if axis is None or not shape:
        return int(np.prod(shape))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return int(np.prod([shape[a % len(shape)] for a in axes]))


def _offsets(op: Op, shapes: list[tuple[int, ...]], key: str) -> list[Form]:
    """trace, diag, triu, tril: each shape with the diagonal's offset omitted, 1, -1, 2."""
    out = []
    for shape in shapes:
        for k in (OMIT, 1, -1, 2):
            out.append(Form(op.name, (Arr(shape),), () if k == OMIT else ((key, k),)))
    return out


def _diagonal_forms(op: Op) -> list[Form]:
    out = _offsets(op, [(2, 3), (3, 3), (3, 2)], "offset")
    for axes in [(1, 2), (2, 0), (-1, 0), (0, -2)]:
        for offset in (OMIT, 1, -1):
            attrs = (() if offset == OMIT else (("offset", offset),)) + tuple(
                zip(("axis1", "axis2"), axes, strict=True)
            )
            out.append(Form(op.name, (Arr((2, 3, 4)),), attrs))
    return out


EINSUMS = [  # (subscripts, operand shapes)
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 2)]),
    ("i,i->", [(3,), (3,)]),
    ("i,j->ij", [(2,), (3,)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("ij->ji", [(2, 3)]),
    ("ba", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("...j,jk->...k", [(2, 2, 3), (3, 2)]),
    ("...i,...i->...", [(1, 3), (2, 3)]),
    ("i,i,i->", [(3,), (3,), (3,)]),
    ("iij->j", [(2, 2, 3)]),
    ("ij,ij->i", [(2, 3), (2, 3)]),
    (",i->i", [(), (3,)]),
]


def _einsum_forms(op: Op) -> list[Form]:
    return [
        Form(op.name, tuple(Arr(s) for s in shapes), (("subscripts", subscripts),))
        for subscripts, shapes in EINSUMS
    ]


def _tensordot_forms(op: Op) -> list[Form]:
    pairs: list[tuple[tuple[int, ...], tuple[int, ...], Any]] = [
        ((2, 3), (2, 3), OMIT),
        ((2, 2, 3), (2, 3), OMIT),
        ((2, 3), (3, 2), 1),
        ((2, 3, 2), (2, 3), 1),
        ((3,), (2,), 0),
        ((2, 3), (2,), 0),
        ((), (3,), 0),
        ((3, 2), (3, 2), ([0], [0])),
        ((2, 3, 2), (2, 3, 2), ([1, 2], [1, 0])),
        ((3, 2), (2, 3), (0, -1)),
        ((2, 3), (3, 2), ([-1], [0])),
    ]
    return [
        Form(op.name, (Arr(a), Arr(b)), () if axes == OMIT else (("axes", axes),))
        for a, b, axes in pairs
    ]


def _cross_forms(op: Op) -> list[Form]:
    pairs: list[tuple[tuple[int, ...], tuple[int, ...], Any]] = [
        ((3,), (3,), OMIT),
        ((2, 3), (3,), OMIT),
        ((3,), (2, 3), OMIT),
        ((2, 3), (2, 3), OMIT),
        ((2, 2, 3), (2, 3), -1),
        ((3, 2), (3, 2), 0),
        ((3, 2), (3, 1), 0),
        ((2, 3, 2), (3, 2), -2),
        ((2, 3), (2, 3), 1),
    ]
    return [
        Form(op.name, (Arr(a), Arr(b)), () if axis == OMIT else (("axis", axis),))
        for a, b, axis in pairs
    ]


OVERRIDES.update(
    {
        "var": _spread_forms,
        "std": _spread_forms,
        "trace": lambda op: _offsets(op, [(2, 3), (3, 3), (3, 2), (2, 3, 2)], "offset"),
        "einsum": _einsum_forms,
        "tensordot": _tensordot_forms,
        "cross": _cross_forms,
        "diag": lambda op: _offsets(op, [(3,), (1,), (2, 3), (3, 3), (3, 2)], "k"),
        "diagonal": _diagonal_forms,
        "triu": lambda op: _offsets(op, [(3,), (2, 3), (3, 3), (3, 2), (2, 3, 2)], "k"),
        "tril": lambda op: _offsets(op, [(3,), (2, 3), (3, 3), (3, 2), (2, 3, 2)], "k"),
    }
)  # the stats family's forms (ops.STATS)


def _arrange_forms(op: Op) -> list[Form]:
    """The arrange family's forms (ops.ARRANGE): the static arguments each op takes, in
    range or not (NumPy decides); split gives a tuple, which no single expression uses."""
    three = [(3,), (2, 3), (2, 3, 2)]
    out: list[Form] = []
    if op.name == "take":
        indices = [
            fixed((), "int", [1]),
            fixed((2,), "int", [1, -1]),
            fixed((2, 2), "int", [0, 2, 2, -2]),
            (0, 2, 2),
        ]
        for shape in [(4,), (3, 4), (2, 3, 4)]:
            for idx in indices:
                for axis in (OMIT, 0, 1, -1):
                    attrs = () if axis == OMIT else (("axis", axis),)
                    out.append(Form(op.name, (Arr(shape), idx), attrs))
    elif op.name == "take_along_axis":
        pairs = [
            ((4,), fixed((3,), "int", [3, 0, 3]), OMIT),
            ((4,), fixed((5,), "int", [1, -1, 0, 1, 2]), None),
            ((3, 4), fixed((3, 2), "int", [0, 3, 3, -1, 2, 1]), OMIT),
            ((3, 4), fixed((2, 4), "int", [2, 0, 0, 1, 2, 2, -1, 0]), 0),
            ((3, 4), fixed((1, 4), "int", [2, 0, 1, 1]), 0),
            ((2, 3, 4), fixed((2, 3, 2), "int", [3, 0, 1, 1, 2, 0]), -1),
            ((2, 3, 4), fixed((2, 2, 1), "int", [2, 0, 1, 1]), 1),
            ((2, 3), fixed((4,), "int", [5, 0, 0, 2]), None),
        ]
        for shape, idx, axis in pairs:
            attrs = () if axis == OMIT else (("axis", axis),)
            out.append(Form(op.name, (Arr(shape), idx), attrs))
    elif op.name in ("sort", "argsort"):
        for shape in three:
            for axis in (OMIT, None, 0, 1, -2):
                attrs = () if axis == OMIT else (("axis", axis),)
                out.append(Form(op.name, (Arr(shape),), attrs))
    elif op.name == "tile":
        for shape in [(), (3,), (2, 3)]:
            for reps in (2, (2,), (2, 1), (1, 2, 2), (0,)):
                out.append(Form(op.name, (Arr(shape),), (("reps", reps),)))
    elif op.name == "repeat":
        for shape in [(), *three]:
            for repeats in (2, (2,), (1, 0, 2), (3, 1)):
                for axis in (OMIT, 0, 1, -1):
                    attrs = (("repeats", repeats),) + (() if axis == OMIT else (("axis", axis),))
                    out.append(Form(op.name, (Arr(shape),), attrs))
    elif op.name == "pad":
        widths = (1, (1, 2), ((1, 0), (0, 2)), ((2, 1),), ((0, 1), (1, 1), (1, 0)))
        for shape in [(3,), (3, 4), (3, 4, 3)]:
            for width in widths:
                for mode in (OMIT, "constant", "edge", "reflect"):
                    attrs = (("pad_width", width),) + (() if mode == OMIT else (("mode", mode),))
                    out.append(Form(op.name, (Arr(shape),), attrs))
                given = (("pad_width", width), ("constant_values", 1.5))
                out.append(Form(op.name, (Arr(shape),), given))
    elif op.name == "roll":
        for shape in three:
            for shift in (1, -2, (1, 2)):
                for axis in (OMIT, 0, -1, (0, 1)):
                    attrs = (("shift", shift),) + (() if axis == OMIT else (("axis", axis),))
                    out.append(Form(op.name, (Arr(shape),), attrs))
    elif op.name in ("moveaxis", "swapaxes"):
        keys = ("source", "destination") if op.name == "moveaxis" else ("axis1", "axis2")
        pairs = [((2, 3), 0, 1), ((2, 3), -1, 0), ((2, 3, 2), 0, -1), ((2, 3, 2), 2, 0)]
        pairs += [((2, 3, 2), 1, 1), ((3,), 0, -1)]
        if op.name == "moveaxis":
            pairs += [((2, 3, 2), (0, 1), (2, 0)), ((2, 3, 2), (-1, 0), (0, 1))]
        for shape, a, b in pairs:
            out.append(Form(op.name, (Arr(shape),), tuple(zip(keys, (a, b), strict=True))))
    elif op.name == "broadcast_to":
        pairs = [((), (3,)), ((), (2, 3)), ((3,), (2, 3)), ((2, 1), (2, 3)), ((1, 3), (2, 2, 3))]
        pairs += [((3,), (3,)), ((2, 1, 2), (2, 3, 2))]
        out += [Form(op.name, (Arr(a),), (("shape", b),)) for a, b in pairs]
    elif op.name == "ravel":
        out += [Form(op.name, (Arr(s),)) for s in [(), *three]]
    return out


OVERRIDES.update(
    {
        name: _arrange_forms
        for name in "take take_along_axis sort argsort split tile repeat pad roll moveaxis"
        " swapaxes broadcast_to ravel".split()
    }
)  # the arrange family's forms (ops.ARRANGE)


SQUARE = [(2, 2), (3, 3), (2, 3, 3)]  # matrices and a stack of them
TALL_WIDE = [(3, 2), (2, 3), (2, 3, 2), (2, 2, 3)]


def _decomposition_forms(op: Op) -> list[Form]:
    """The decompositions' forms (ops.DECOMPOSITIONS): square, well-conditioned matrices
    and a stack of them; symmetric positive definite ones for cholesky, eigh, eigvalsh
    (written symmetrized, `SYMMETRIZED`); tall and wide ones too for svd, svdvals and qr;
    solve's b a vector and a matrix. Each tuple part becomes a form of its own
    (`forms_of`), a sign-gauged one compared squared (`GAUGED`)."""
    structure = "spd" if op.name in SYMMETRIZED else "square"
    if op.name in ("svd", "svdvals", "qr"):
        structure = "distinct"
    out = [Form(op.name, (Arr(s, structure=structure),)) for s in SQUARE]
    if op.name == "solve":
        rhs = [(2, 2), (3,), (3, 2), (3, 3), (2, 3, 2)]
        return [
            Form(op.name, (Arr(a, structure="square"), Arr(b)))
            for a in SQUARE
            for b in rhs
            if b[-2 if len(b) > 1 else -1] == a[-1] and (len(b) < 3 or len(a) == 3)
        ]
    if op.name in ("svd", "svdvals", "qr"):
        out += [Form(op.name, (Arr(s, structure=structure),)) for s in TALL_WIDE]
    if op.name == "svd":  # full_matrices=True (the default) only on square matrices: JAX
        # and TensorFlow refuse its gradient otherwise
        out = [f for f in out if f.args[0].shape[-1] == f.args[0].shape[-2]]
        thin = (("full_matrices", False),)
        out += [Form(op.name, (Arr(s, structure=structure),), thin) for s in SQUARE + TALL_WIDE]
    return out


def _split_forms(op: Op) -> list[Form]:
    """split: sections (an int) and indices (a list), along several axes."""
    out = []
    for shape in [(4,), (4, 6), (2, 4, 6)]:
        for sections in (2, (1, 3), (2,), (0, 2, 3)):
            for axis in (OMIT, 1, -1):
                attrs = (("indices_or_sections", sections),)
                attrs += () if axis == OMIT else (("axis", axis),)
                out.append(Form(op.name, (Arr(shape),), attrs))
    return out


OVERRIDES.update(
    {
        op: _decomposition_forms
        for op in "inv det slogdet solve cholesky eigh eigvalsh svd svdvals qr".split()
    }
)
OVERRIDES["split"] = _split_forms


ALIASES = {"max": "amax", "min": "amin"}  # ops.FUNCTION_ALIASES, from the op's side


def _spellings(forms: list[Form]) -> list[Form]:
    """The method, `.T`, function-call and alias spellings, for the forms on a 2-d array."""
    out = []
    for f in forms:
        two_d = isinstance(f.args[0], Arr) and len(f.args[0].shape) == 2
        if f.op in METHODS and two_d:
            out.append(Form(f.op, f.args, f.attrs, "method"))
        if f.op == "transpose" and not f.attrs:
            out.append(Form(f.op, f.args, f.attrs, "T"))
        if f.op in ALIASES and two_d:
            out.append(Form(f.op, f.args, f.attrs, ALIASES[f.op]))
        if f.op == "matmul" and two_d:
            out.append(Form(f.op, f.args, f.attrs, "call"))
    return out


SAMPLE = {"above_one": 1.5}  # a float operand's plain value by domain (else 0.75)


def sample_inputs(form: Form) -> list[Any]:
    """Plain values of the operands' shapes (for asking NumPy whether it takes the form)."""
    value = SAMPLE.get(OPS[form.op].domain, 0.75)
    out: list[Any] = []
    for a in form.args:
        if not isinstance(a, Arr):
            out.append(a)
        elif a.dtype != "float":
            out.append(a.array)
        else:
            plain = np.full(a.shape, value)
            out.append(structured(a.structure, plain) if a.structure else plain)
    return out


def accepted(form: Form) -> bool:
    """Whether NumPy takes the form and gives a finite result of a modest size."""
    inputs = sample_inputs(form)
    try:
        out = reference.apply(form.op, inputs, form.call_attrs)
    except (ValueError, TypeError, IndexError, np.exceptions.AxisError):
        return False
    numeric = out.dtype.kind in "fiub"
    return numeric and out.size <= MAX_SIZE and bool(np.all(np.isfinite(out.astype(float))))


def forms_of(spec: Op) -> tuple[Form, ...]:
    """The forms of an op described by `spec` (in `ops.OPS` or not), in a fixed order."""
    candidates = (OVERRIDES.get(spec.name) or KINDS[spec.kind])(spec)
    candidates += _spellings(candidates)
    if spec.results:  # a tuple op: one form per part, as many as NumPy gives
        candidates = [
            Form(f.op, f.args, f.attrs, f.spelling, i)
            for f in candidates
            for i in range(_part_count(f))
        ]
    unique = {f.id: f for f in candidates}
    return tuple(f for f in unique.values() if accepted(f))


def _part_count(form: Form) -> int:
    """How many parts NumPy's tuple has for the form (0: NumPy refuses it)."""
    try:
        with np.errstate(all="ignore"):
            out = reference.function(form.op)(*sample_inputs(form), **form.attr_dict)
    except (ValueError, TypeError, IndexError, np.exceptions.AxisError):
        return 0
    return len(out)


@cache
def forms(op: str) -> tuple[Form, ...]:
    """The forms of the op named `op` in `ops.OPS`, each once."""
    return forms_of(OPS[op])


def all_forms() -> list[Form]:
    return [f for op in OPS for f in forms(op)]
