"""Torch spelling: elementwise (see `torch.py`)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from .torch_base import Arg, At, Entry, _cast, _dims, _dtype, _floating, _normalized, _to, tensor
from .tree import Const, Node, binop, call, method

# ---- elementwise ------------------------------------------------------------------------


def _unary(fn: str) -> Entry:
    return lambda at, args: call(fn, tensor(args[0]))


def _function(fn: str) -> Entry:
    """A function that does not promote: arrays in the result's dtype first."""
    return lambda at, args: call(fn, *(tensor(a) if a.literal else _to(a, at.out) for a in args))


def _arith(symbol: str) -> Entry:
    """An operator, a bool operand meeting a number first in the result's dtype (torch
    refuses a bool in `-` and in the derivative of `**`)."""

    def entry(at: At, args: list[Arg]) -> Node:
        if at.out.kind == "b" or not any(a.kind == "b" for a in args):
            return binop(symbol, *(a.node for a in args))
        nodes = [
            (Const(int(a.value)) if a.literal else _to(a, at.out)) if a.kind == "b" else a.node
            for a in args
        ]
        return binop(symbol, *nodes)

    return entry


def _on_bools(entry: Entry) -> Entry:
    """Where every operand is bool, which some torch kernels refuse: in int64, the result
    in NumPy's dtype (bool for abs, clip, matmul and dot; int8 for `**`)."""

    def on_bools(at: At, args: list[Arg]) -> Node:
        arrays = [a for a in args if not a.literal]
        given = [a for a in args if a.literal and a.value is not None]
        if any(a.kind != "b" for a in arrays) or any(type(a.value) is not bool for a in given):
            return entry(at, args)
        ints = [a if a.literal and a.value is None else _cast(a, "int64") for a in args]
        inner = entry(replace(at, out=np.dtype("int64")), ints)
        return method(inner, "to", _dtype(at.out))

    return on_bools


def _relu(at: At, args: list[Arg]) -> Node:
    (x,) = args
    return call("torch.relu", _to(x, "int64") if x.kind == "b" else tensor(x))


def _compare(symbol: str) -> Entry:
    return lambda at, args: binop(symbol, *(a.node for a in args))


def _where(at: At, args: list[Arg]) -> Node:
    condition, x, y = args
    c = tensor(condition)
    c = c if condition.kind == "b" else binop("!=", c, 0)  # NumPy reads a number's truth
    return call("torch.where", c, x.node, y.node)


def _clip(at: At, args: list[Arg]) -> Node:
    a, lo, hi = args
    bounds = {k: b for k, b in (("min", lo), ("max", hi)) if not (b.literal and b.value is None)}
    if not bounds:
        return a.node  # NumPy 2 allows it; torch.clamp would refuse
    as_tensor = any(not b.literal for b in bounds.values())  # clamp takes both alike
    kwargs = {k: _to(b, at.out) if as_tensor else b.node for k, b in bounds.items()}
    return call("torch.clamp", tensor(a), **kwargs)


# ---- reductions -------------------------------------------------------------------------


def _reduction(fn: str, floats: bool = False) -> Entry:
    def entry(at: At, args: list[Arg]) -> Node:
        (a,) = args
        x = _floating(a, at) if floats else tensor(a)
        if at.attrs.get("axis") == ():  # NumPy reduces no axis: a new one of size 1
            return call(fn, method(x, "unsqueeze", -1), dim=-1)
        return call(fn, x, **_dims(at, a.ndim, fn in ("torch.sum", "torch.mean")))

    return entry


def _prod(at: At, args: list[Arg]) -> Node:
    (a,) = args
    axis, keep = at.attrs.get("axis"), {"keepdim": True} if at.attrs.get("keepdims") else {}
    if axis is None and not keep:
        return call("torch.prod", tensor(a))
    out = tensor(a)
    for d in reversed(_normalized(axis, a.ndim)):  # one dim at a time, the highest first
        out = call("torch.prod", out, dim=d, **keep)
    return out


def _logsumexp(at: At, args: list[Arg]) -> Node:
    (a,) = args
    x = _floating(a, at)
    if at.attrs.get("axis") == () and a.ndim:  # NumPy reduces no axis: a new one of size 1
        return call("torch.logsumexp", method(x, "unsqueeze", -1), dim=-1)
    dims = _normalized(at.attrs.get("axis"), a.ndim)
    dim = dims[0] if len(dims) == 1 else tuple(dims)
    keep = {"keepdim": True} if at.attrs.get("keepdims") else {}
    return call("torch.logsumexp", x, dim=dim, **keep)


def _arg(fn: str) -> Entry:
    def entry(at: At, args: list[Arg]) -> Node:
        axis, keep = at.attrs.get("axis"), at.attrs.get("keepdims")
        kwargs: dict[str, Any] = {"dim": axis} if axis is not None or keep else {}
        a = _to(args[0], "uint8") if args[0].kind == "b" else tensor(args[0])  # not bool
        return call(fn, a, **kwargs, **({"keepdim": True} if keep else {}))

    return entry


def _norm(at: At, args: list[Arg]) -> Node:
    renamed = {"axis": "dim", "keepdims": "keepdim"}
    kwargs = {renamed.get(k, k): v for k, v in at.changed.items()}
    return call("torch.linalg.norm", _floating(args[0], at), **kwargs)


def _softmax(fn: str, log: bool) -> Entry:
    def entry(at: At, args: list[Arg]) -> Node:
        (x,) = args
        axis = at.attrs.get("axis", -1)
        if isinstance(axis, tuple) and len(axis) == 1:
            axis = axis[0]
        if isinstance(axis, int):
            return call(fn, _floating(x, at), dim=axis)
        # torch's softmax takes one dim: over several, written with logsumexp
        dims = tuple(_normalized(axis, x.ndim))
        if not dims:  # over no axes: a new one of size 1
            inner = call(fn, method(_floating(x, at), "unsqueeze", -1), dim=-1)
            return method(inner, "squeeze", -1)
        lse = call("torch.logsumexp", x.node, dim=dims, keepdim=True)
        shifted = binop("-", x.node, lse)
        return shifted if log else call("torch.exp", shifted)

    return entry


def _cumsum(at: At, args: list[Arg]) -> Node:
    (a,) = args
    axis = at.attrs.get("axis")
    if axis is None or a.ndim == 0:  # NumPy flattens first (a 0-d array too)
        return call("torch.cumsum", method(a.node, "reshape", -1), dim=0)
    return call("torch.cumsum", a.node, dim=axis)
