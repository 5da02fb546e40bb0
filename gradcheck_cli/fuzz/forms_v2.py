"""The v2 functions' candidate forms, where their kind's defaults do not fit (forms.py reads
V2_OVERRIDES beside the v1 overrides)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..ops import Op
from .form import OMIT, SYMMETRIZED, Form, _with_attrs
from .operands import Arr, fixed

V2_OVERRIDES: dict[str, Callable[[Op], list[Form]]] = {}


def _one_hot(op: Op) -> list[Form]:
    """Integer labels in range, 0-d to 2-d (torch refuses the others: a case pins that)."""
    labels = [fixed(s, "int", [2, 0, 1, 1, 0, 2]) for s in ((), (3,), (2, 3))]
    return [Form(op.name, (x,), (("num_classes", n),)) for x in labels for n in (3, 4)]


V2_OVERRIDES["one_hot"] = _one_hot


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


V2_OVERRIDES.update(
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


V2_OVERRIDES.update(
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


V2_OVERRIDES.update(
    {
        op: _decomposition_forms
        for op in "inv det slogdet solve cholesky eigh eigvalsh svd svdvals qr".split()
    }
)
V2_OVERRIDES["split"] = _split_forms
