"""The numpy engine's shape and index ops (transpose, reshape, expand_dims, squeeze, flip,
concatenate, stack, getitem): forward, VJP and explain's phrase for the VJP, per op.

Each forward is NumPy's own semantics; each VJP gives one cotangent per input, the
cotangent of the output moved back where the input's elements went (None for an index).
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any

import numpy as np

from .. import ir
from .np_rules_common import (
    Rule,
    axis_text,
    common_dtype,
    fit,
    generic_text,
    is_diff,
    plain,
    reduced_axes,
)


def vjp_transpose(g, ans, a, axes=None):
    if axes is None:
        return (fit(np.transpose(g), a),)
    return (fit(np.transpose(g, np.argsort(reduced_axes(axes, np.ndim(a)))), a),)


def vjp_reshape_back(g, ans, a, **attrs):
    """reshape, expand_dims, squeeze: the cotangent takes the input's shape back."""
    return (fit(np.reshape(g, np.shape(a)), a),)


def vjp_flip(g, ans, m, axis=None):
    return (fit(np.flip(g, axis), m),)


def concatenate(*arrays, axis=0):
    return np.concatenate(common_dtype(arrays), axis=axis)


def stack(*arrays, axis=0):
    return np.stack(common_dtype(arrays), axis=axis)


def vjp_concatenate(g, ans, *arrays, axis=0):
    if axis is None:  # NumPy flattened every array first
        sizes = [np.size(x) for x in arrays]
        parts = np.split(np.ravel(g), np.cumsum(sizes)[:-1])
    else:
        sizes = [np.shape(x)[axis] for x in arrays]
        parts = np.split(g, np.cumsum(sizes)[:-1], axis=axis)
    return tuple(fit(p.reshape(np.shape(x)), x) for p, x in zip(parts, arrays, strict=True))


def vjp_stack(g, ans, *arrays, axis=0):
    return tuple(fit(np.take(g, i, axis=axis), x) for i, x in enumerate(arrays))


def getitem(x, *arrays, index):
    return np.asarray(np.asarray(x)[ir.numpy_index(index, arrays)])


def vjp_getitem(g, ans, x, *arrays, index):
    """Scatter g back; a gather's repeated index accumulates (np.add.at), where plain
    assignment would keep only the last write."""
    rest = (None,) * len(arrays)
    if not is_diff(x):
        return (None, *rest)
    idx = ir.numpy_index(index, arrays)
    dx = np.zeros_like(x)
    if all(_is_basic(e) for e in idx):
        dx[idx] = g  # basic indices never repeat an element
    else:
        np.add.at(dx, idx, g)
    return (dx, *rest)


def _is_basic(entry: Any) -> bool:
    if entry is None or entry is Ellipsis or isinstance(entry, slice):
        return True
    return isinstance(entry, (int, np.integer)) and not isinstance(entry, (bool, np.bool_))


def _transpose_text(e) -> str:
    axes = e.attr("axes")
    return f"{e.g}.T" if axes is None else f"transpose({e.g}, {tuple(np.argsort(axes).tolist())})"


def _getitem_text(e) -> str:
    eqn = replace(e.entry.eqn, out="_", inputs=tuple(ir.Var(n) for n in e.names))
    return f"{e.g} at {ir.format_eqn(eqn).split(' = ', 1)[1]}, 0 elsewhere"


def _part_text(e) -> str:
    """concatenate and stack: operand i takes its own part of the cotangent."""
    axis = e.attr("axis")
    if e.entry.eqn.op == "stack":
        return f"{e.g}[{e.i}] along axis {axis}"
    start = sum(np.shape(a)[axis] for a in e.entry.args[: e.i]) if axis is not None else 0
    stop = start + (np.shape(e.entry.args[e.i])[axis] if axis is not None else 0)
    return f"{e.g}[{start}:{stop}] along axis {axis}" if axis is not None else generic_text(e)


def _reshaped_text(e) -> str:
    return f"{e.g} reshaped to {e.shape()}"


def _np(fn, vjp, text, batch) -> Rule:
    return Rule(partial(plain, fn), vjp, text=text, batch=batch)


RULES: dict[str, Rule] = {
    "transpose": _np(np.transpose, vjp_transpose, _transpose_text, "transpose"),
    "reshape": _np(np.reshape, vjp_reshape_back, _reshaped_text, "reshape"),
    "expand_dims": _np(np.expand_dims, vjp_reshape_back, _reshaped_text, "axis"),
    "squeeze": _np(np.squeeze, vjp_reshape_back, _reshaped_text, "squeeze"),
    "flip": _np(np.flip, vjp_flip, lambda e: f"flip({e.g}{axis_text(e)})", "axis"),
    "concatenate": _np(concatenate, vjp_concatenate, _part_text, "join"),
    "stack": _np(stack, vjp_stack, _part_text, "join"),
    "getitem": Rule(getitem, vjp_getitem, text=_getitem_text, batch="getitem"),
}
