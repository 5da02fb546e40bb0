"""Torch spelling: shape (see `torch.py`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..backends.index_plan import FULL, Pick, plan
from ..backends.index_plan import Operand as PlanOperand
from ..ir import ArrayRef
from .torch_base import Arg, At, Entry, _normalized, _to
from .tree import Attr, Const, Index, Node, binop, call, method

# ---- products and shapes ----------------------------------------------------------------


def _matmul(at: At, args: list[Arg]) -> Node:
    x, y = (_to(a, at.out) for a in args)
    return binop("@", x, y)


def _dot(at: At, args: list[Arg]) -> Node:
    """numpy.dot: multiply with a 0-D operand; a's last axis against b's second-to-last
    (its only, if 1-D), which is matmul unless b has batch axes to take apart."""
    (a, b), (m, n) = (_to(x, at.out) for x in args), (x.ndim for x in args)
    if m == 0 or n == 0:
        return call("torch.mul", a, b)
    if m == 1 and n == 1:
        return call("torch.dot", a, b)
    if n <= 2:
        return call("torch.matmul", a, b)
    return call("torch.tensordot", a, b, dims=([m - 1], [n - 2]))


def _outer(at: At, args: list[Arg]) -> Node:
    items = [(_to(a, at.out), a) for a in args]
    return call("torch.outer", *(i if a.ndim == 1 else method(i, "reshape", -1) for i, a in items))


_T = (None, (1, 0), (-1, -2), (1, -2), (-1, 0))  # the axes of a 2-D transpose


def _transpose(at: At, args: list[Arg]) -> Node:
    (a,) = args
    axes = at.attrs.get("axes")
    if a.ndim == 2 and axes in _T:
        return Attr(a.node, "T")
    perm = tuple(reversed(range(a.ndim))) if axes is None else tuple(axes)
    return method(a.node, "permute", *perm) if perm else method(a.node, "permute", ())


def _reshape(at: At, args: list[Arg]) -> Node:
    shape = at.attrs["shape"]
    if not isinstance(shape, (tuple, list)):
        return method(args[0].node, "reshape", shape)
    return method(args[0].node, "reshape", *shape) if shape else method(args[0].node, "reshape", ())


def _expand_dims(at: At, args: list[Arg]) -> Node:
    (a,) = args
    axis = at.attrs["axis"]
    count = 1 if isinstance(axis, int) else len(axis)
    out = a.node
    for d in _normalized(axis, a.ndim + count):  # ascending: each lands where NumPy puts it
        out = method(out, "unsqueeze", d)
    return out


def _squeeze(at: At, args: list[Arg]) -> Node:
    axis = at.attrs.get("axis")
    return method(args[0].node, "squeeze", *(() if axis is None else (axis,)))


def _flip(at: At, args: list[Arg]) -> Node:
    (m,) = args
    return call("torch.flip", m.node, dims=tuple(_normalized(at.attrs.get("axis"), m.ndim)))


def _joined(fn: str) -> Entry:
    def entry(at: At, args: list[Arg]) -> Node:
        axis = at.attrs.get("axis", 0)
        items = [_to(a, at.out) for a in args]
        if axis is None:  # NumPy flattens every array first
            return call(fn, [method(i, "reshape", -1) for i in items])
        return call(fn, items, dim=axis)

    return entry


# ---- indexing: NumPy's, with torch's own calls ------------------------------------------


def _getitem(at: At, args: list[Arg]) -> Node:
    """x[index] as NumPy has it: flip, slice, pick (the plan of `index_plan`)."""
    x = args[0]
    operands = [PlanOperand(a.kind, a.shape) for a in args[1:]]
    p = plan(at.attrs["index"], x.shape, operands, True)
    y = call("torch.flip", x.node, dims=p.flips) if p.flips else x.node
    if p.basic is not None:
        y = Index(y, tuple(_basic(e, args) for e in p.basic))
    if not p.picks:
        return y if p.basic is not None or p.flips else Index(y, ())
    picks = tuple(_pick(pick, args) for pick in p.picks)
    if p.adjacent:
        return Index(y, (Const(FULL),) * p.position + picks)
    if p.front is not None:
        y = method(y, "permute", *p.front)
    return Index(y, picks)


def _long(a: Arg) -> Node:
    return a.node if a.dtype == np.dtype("int64") else method(a.node, "long")


def _basic(entry: Any, args: list[Arg]) -> Node:
    if isinstance(entry, ArrayRef):  # a 0-d integer array: torch takes it as an integer
        return _long(args[entry.input])
    return Const(entry)


def _pick(pick: Pick, args: list[Arg]) -> Node:
    entry = pick.entry
    if isinstance(entry, ArrayRef):
        a = args[entry.input]
        if pick.mask:  # a 0-d mask: on its new axis
            return method(a.node, "reshape", 1) if pick.ndim == 0 else a.node
        return _long(a)
    if isinstance(entry, tuple):
        return call("torch.tensor", list(entry)) if pick.mask else Const(list(entry))
    return Const(entry)  # an int
