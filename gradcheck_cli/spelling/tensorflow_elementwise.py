"""Tensorflow spelling: elementwise (see `tensorflow.py`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .site import Site
from .tensorflow_base import (
    Arg,
    Template,
    _dtype,
    _in_case_dtype,
    _same,
    _target,
    axis_kwargs,
    cast,
)
from .tree import Attr, Const, Node, call

# ---- elementwise with broadcasting --------------------------------------------------------


def _broadcast(tree: Node, shape: tuple[int, ...], own: tuple[int, ...]) -> Node:
    return tree if tuple(own) == tuple(shape) else call("tf.broadcast_to", tree, list(shape))


def _filled(arg: Arg, shape: tuple[int, ...], dtype: np.dtype) -> Node:
    """A literal as a tensor of `shape`: tf.zeros, tf.ones or tf.fill."""
    if arg.value in (0, 1) and not isinstance(arg.value, bool):
        return call(f"tf.{'zeros' if arg.value == 0 else 'ones'}", list(shape), _dtype(dtype))
    return call("tf.fill", list(shape), cast(arg, dtype))


def _where(site: Site, args: list[Arg]) -> Node:
    """tf.where with the operands broadcast to the result's shape first."""
    condition, x, y = args
    c = condition.node if condition.kind == "b" else call("tf.cast", condition.node, _dtype(bool))
    shape, target = site.out.shape, _target([x, y])
    dtype = site.out.dtype if x.literal and y.literal else target  # literals: the result's
    parts = [_broadcast(c, shape, condition.shape)]
    for arg, tree in zip((x, y), _same([x, y]), strict=True):
        if arg.literal and (arg.shape != shape or (x.literal and y.literal)):
            parts.append(_filled(arg, shape, dtype))
        else:
            parts.append(_broadcast(tree, shape, arg.shape))
    return _in_case_dtype(call("tf.where", *parts), dtype, site)


def _clip(site: Site, args: list[Arg]) -> Node:
    """tf.clip_by_value; a missing bound is the dtype's infinity (its extreme for integers).
    A bound above the other gives a_min (NumPy gives a_max)."""
    a, lo, hi = args
    given = [b for b in (lo, hi) if not (b.literal and b.value is None)]
    if not given:
        return a.node
    target = _target([a, *given])
    trees = dict(zip([id(x) for x in (a, *given)], _same([a, *given]), strict=True))
    if target.kind == "f":
        low, high = Const(-float("inf")), Const(float("inf"))
    else:
        low, high = (Attr(_dtype(target), end) for end in ("min", "max"))
    low, high = trees.get(id(lo), low), trees.get(id(hi), high)
    clipped = call("tf.clip_by_value", _broadcast(trees[id(a)], site.out.shape, a.shape), low, high)
    return _in_case_dtype(clipped, target, site)


# ---- reductions ---------------------------------------------------------------------------


def _reduce(fn: str, kind: str = "") -> Template:
    """`kind` "numeric": a bool becomes int64 (NumPy's sum); "floating": the case dtype."""

    def template(site: Site, args: list[Arg]) -> Node:
        (a,) = args
        x = a.node
        if kind == "numeric" and a.kind == "b":
            x = cast(a, "int64")
        elif a.literal or (kind == "floating" and a.kind not in "fc"):
            x = cast(a, site.out.dtype)
        return call(fn, x, **axis_kwargs(site))

    return template


def _arg(fn: str) -> Template:
    """numpy.argmax: axis None means the flattened array; keepdims keeps every axis then."""

    def template(site: Site, args: list[Arg]) -> Node:
        (a,) = args
        axis, keep = site.attrs.get("axis"), site.attrs.get("keepdims")
        if axis is None:
            out = call(fn, call("tf.reshape", a.node, [-1]), axis=0)
            return call("tf.reshape", out, [1] * a.ndim) if keep else out
        out = call(fn, a.node, axis=axis)
        return call("tf.expand_dims", out, axis) if keep else out

    return template


NORM_ORDS = "'euclidean', 'fro', 1, 2, inf for matrices and any p > 0 for vectors"


def _norm(site: Site, args: list[Arg]) -> Node:
    """numpy.linalg.norm as tf.norm: with ord and no axis, a vector or a matrix norm."""
    (x,) = args
    ord_, axis = site.attrs.get("ord"), site.attrs.get("axis")
    if axis is None and ord_ is not None:
        axis = 0 if x.ndim == 1 else (0, 1)
    if isinstance(axis, tuple):
        axis = axis[0] if len(axis) == 1 else list(axis)
    kwargs: dict[str, Any] = {"ord": ord_} if ord_ is not None else {}
    kwargs.update({"axis": axis} if axis is not None else {})
    kwargs.update({"keepdims": True} if site.attrs.get("keepdims") else {})
    return call("tf.norm", x.node if x.kind in "fc" else cast(x, site.out.dtype), **kwargs)


def _softmax(fn: str) -> Template:
    def template(site: Site, args: list[Arg]) -> Node:
        axis = site.attrs.get("axis", -1)
        axis = axis[0] if isinstance(axis, tuple) else axis
        (x,) = args
        tree = x.node if x.kind in "fc" else cast(x, site.out.dtype)
        return call(fn, tree, **({"axis": axis} if axis != -1 else {}))

    return template


def _cumsum(site: Site, args: list[Arg]) -> Node:
    (a,) = args
    x = cast(a, "int64") if a.kind == "b" else a.node
    if site.attrs.get("axis") is None:  # NumPy flattens first
        return call("tf.math.cumsum", call("tf.reshape", x, [-1]))
    return call("tf.math.cumsum", x, axis=site.attrs["axis"])
