"""Tensorflow spelling: shape (see `tensorflow.py`)."""

from __future__ import annotations

from typing import Any

from .site import Site
from .tensorflow_base import Arg, Template, _in_case_dtype, _same, _target, cast
from .tree import BinOp, Const, Index, Node, call

# ---- products and shapes ------------------------------------------------------------------


def _matmul(site: Site, args: list[Arg]) -> Node:
    """numpy.matmul: a 1-D operand is a row (left) or a column (right), then dropped."""
    a, b = _same(args)
    ra, rb = args[0].ndim, args[1].ndim
    if ra == 1 and rb == 1:
        return call("tf.tensordot", a, b, 1)
    if ra == 1:
        return call("tf.squeeze", BinOp("@", Index(a, (Const(None),)), b), -2)
    if rb == 1:
        return call("tf.squeeze", BinOp("@", a, Index(b, (Const(slice(None)), Const(None)))), -1)
    return BinOp("@", a, b)


def _dot(site: Site, args: list[Arg]) -> Node:
    """numpy.dot: the last axis of a with the second-to-last of b (the only one of a 1-D b)."""
    a, b = _same(args)
    ra, rb = args[0].ndim, args[1].ndim
    if ra == 0 or rb == 0:
        return BinOp("*", a, b)
    if ra == 1 and rb == 1:
        return call("tf.tensordot", a, b, 1)
    return call("tf.tensordot", a, b, [[ra - 1], [max(rb - 2, 0)]])


def _outer(site: Site, args: list[Arg]) -> Node:
    """Both flattened; a literal a constant of the promoted dtype (tf.reshape would take
    it in its own)."""
    target, parts = _target(args), []
    for tree, a in zip(_same(args), args, strict=True):
        tree = cast(a, target) if a.literal else tree
        parts.append(tree if a.ndim == 1 else call("tf.reshape", tree, [-1]))
    return _in_case_dtype(call("tf.tensordot", *parts, axes=0), target, site)


def normalized(axes: Any, ndim: int) -> list[int]:
    """An axis or axes as sorted non-negative ints (None: every axis)."""
    if axes is None:
        return list(range(ndim))
    axes = (axes,) if isinstance(axes, int) else axes
    return sorted(a % ndim for a in axes) if ndim else []


def _transpose(site: Site, args: list[Arg]) -> Node:
    (a,) = args
    axes = site.attrs.get("axes")
    if axes is None:
        return call("tf.transpose", a.node)
    return call("tf.transpose", a.node, perm=[d % a.ndim for d in axes])


def _reshape(site: Site, args: list[Arg]) -> Node:
    shape = site.attrs["shape"]
    return call("tf.reshape", args[0].node, list(shape) if isinstance(shape, tuple) else [shape])


def _expand_dims(site: Site, args: list[Arg]) -> Node:
    (a,) = args
    axis = site.attrs["axis"]
    tree = a.node
    for d in normalized(axis, a.ndim + (1 if isinstance(axis, int) else len(axis))):
        tree = call("tf.expand_dims", tree, d)
    return tree


def _squeeze(site: Site, args: list[Arg]) -> Node:
    axis = site.attrs.get("axis")
    if axis is None:
        return call("tf.squeeze", args[0].node)
    if axis == ():
        return args[0].node  # NumPy squeezes no axis; tf.squeeze(axis=[]) would squeeze all
    return call("tf.squeeze", args[0].node, axis=list(axis) if isinstance(axis, tuple) else axis)


def _flip(site: Site, args: list[Arg]) -> Node:
    (m,) = args
    return call("tf.reverse", m.node, axis=normalized(site.attrs.get("axis"), m.ndim))


def _joined(fn: str) -> Template:
    """tf.concat, tf.stack: a literal among the arrays as a constant of their dtype (a list
    takes it in its own)."""

    def template(site: Site, args: list[Arg]) -> Node:
        target = _target(args)
        items = [
            cast(a, target) if a.literal else t for t, a in zip(_same(args), args, strict=True)
        ]
        axis = site.attrs.get("axis", 0)
        if axis is None:  # NumPy flattens every array first
            items, axis = [call("tf.reshape", i, [-1]) for i in items], 0
        return _in_case_dtype(call(fn, list(items), axis=axis), target, site)

    return template
