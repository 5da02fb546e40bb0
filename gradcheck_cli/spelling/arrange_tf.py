"""TensorFlow's spellings of the arrange family (spelling/arrange.py merges them)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .arrange_common import _axis, _edge_indices, _literal_index, _pad_pairs, _seq, _sizes, _wrapped
from .site import Site
from .tensorflow_base import Arg as TfArg
from .tensorflow_base import _dtype as _tf_dtype
from .tree import Const, Node, call, method

# ---- tensorflow ---------------------------------------------------------------------------


def _tf_index(a: TfArg, size: int) -> Node:
    if a.literal:
        return Const(_literal_index(a.value, size))
    node = a.node if a.dtype == np.dtype("int64") else call("tf.cast", a.node, _tf_dtype("int64"))
    return _wrapped("tf.where", node, size)


def _tf_take(site: Site, args: list[TfArg]) -> Node:
    a, idx = args
    axis = site.attrs.get("axis")
    if axis is None:
        flat = call("tf.reshape", a.node, [-1])
        return call("tf.gather", flat, _tf_index(idx, math.prod(a.shape)))
    d = _axis(axis, a.ndim)
    return call("tf.gather", a.node, _tf_index(idx, a.shape[d]), axis=d)


def _tf_take_along_axis(site: Site, args: list[TfArg]) -> Node:
    a, idx = args
    axis = site.attrs.get("axis")
    if axis is None:  # along the flattened array
        flat = call("tf.reshape", a.node, [-1])
        index = _tf_index(idx, math.prod(a.shape))
        return call("tf.experimental.numpy.take_along_axis", flat, index, 0)
    index = _tf_index(idx, a.shape[_axis(axis, a.ndim)])
    return call("tf.experimental.numpy.take_along_axis", a.node, index, axis)


def _tf_sort(site: Site, args: list[TfArg]) -> Node:
    (a,) = args
    axis = site.attrs.get("axis")
    x = call("tf.reshape", a.node, [-1]) if axis is None else a.node
    return call("tf.sort", x, axis=-1 if axis is None else axis)


def _tf_argsort(site: Site, args: list[TfArg]) -> Node:
    (a,) = args
    axis = site.attrs.get("axis")
    x = call("tf.reshape", a.node, [-1]) if axis is None else a.node
    out = call("tf.argsort", x, axis=-1 if axis is None else axis, stable=True)
    return call("tf.cast", out, _tf_dtype(site.out.dtype))  # int32 in tf


def _tf_split(site: Site, args: list[TfArg]) -> Node:
    (a,) = args
    axis, ios = site.attrs.get("axis", 0), site.attrs["indices_or_sections"]
    sizes = _sizes(ios, a.shape[_axis(axis, a.ndim)])
    return method(call("tf.split", a.node, sizes, axis=axis), "__getitem__", site.attrs["output"])


def _tf_tile(site: Site, args: list[TfArg]) -> Node:
    (a,) = args
    reps = _seq(site.attrs["reps"])
    x = a.node if not a.literal else call("tf.constant", a.node, _tf_dtype(site.out.dtype))
    if len(reps) > a.ndim:  # NumPy gives the array leading axes of size 1
        x = call("tf.reshape", x, [1] * (len(reps) - a.ndim) + list(a.shape))
    reps = [1] * (a.ndim - len(reps)) + reps
    return call("tf.tile", x, reps)


def _tf_repeat(site: Site, args: list[TfArg]) -> Node:
    (a,) = args
    repeats = site.attrs["repeats"]
    repeats = list(repeats) if isinstance(repeats, (tuple, list)) else repeats
    return call("tf.repeat", a.node, repeats, axis=site.attrs.get("axis"))


def _tf_pad(site: Site, args: list[TfArg]) -> Node:
    (a,) = args
    mode, pairs = site.attrs.get("mode", "constant"), _pad_pairs(site.attrs["pad_width"], a.ndim)
    paddings = [list(p) for p in pairs]
    if mode == "constant":
        value = site.attrs.get("constant_values", 0)
        return call("tf.pad", a.node, paddings, constant_values=value)
    if mode == "reflect":
        return call("tf.pad", a.node, paddings, mode="REFLECT")
    out = a.node  # edge: a gather of the indices NumPy's edge mode reads, axis by axis
    for d, (b, e) in enumerate(pairs):
        if (b, e) != (0, 0):
            out = call("tf.gather", out, _edge_indices(a.shape[d], b, e, "edge"), axis=d)
    return out


def _tf_roll(site: Site, args: list[TfArg]) -> Node:
    (a,) = args
    shift, axis = site.attrs["shift"], site.attrs.get("axis")
    if axis is None:
        flat = call("tf.roll", call("tf.reshape", a.node, [-1]), sum(_seq(shift)), 0)
        return call("tf.reshape", flat, list(a.shape))
    if isinstance(shift, (tuple, list)) or isinstance(axis, (tuple, list)):
        shifts, dims = np.broadcast_arrays(np.asarray(shift), np.asarray(axis))
        return call("tf.roll", a.node, shifts.ravel().tolist(), dims.ravel().tolist())
    return call("tf.roll", a.node, shift, axis)


def _tf_permuted(site: Site, args: list[TfArg]) -> Node:
    (a,) = args
    perm = list(range(a.ndim))
    if site.op == "moveaxis":  # NumPy's own construction of the permutation
        source = [_axis(d, a.ndim) for d in _seq(site.attrs["source"])]
        destination = [_axis(d, a.ndim) for d in _seq(site.attrs["destination"])]
        perm = [d for d in perm if d not in source]
        for dest, src in sorted(zip(destination, source, strict=True)):
            perm.insert(dest, src)
    else:
        i, j = _axis(site.attrs["axis1"], a.ndim), _axis(site.attrs["axis2"], a.ndim)
        perm[i], perm[j] = perm[j], perm[i]
    return call("tf.transpose", a.node, perm=perm)


def _tf_broadcast_to(site: Site, args: list[TfArg]) -> Node:
    (a,) = args
    x = a.node if not a.literal else call("tf.constant", a.node, _tf_dtype(site.out.dtype))
    return call("tf.broadcast_to", x, list(site.attrs["shape"]))


TENSORFLOW: dict[str, Any] = {
    "take": _tf_take,
    "take_along_axis": _tf_take_along_axis,
    "sort": _tf_sort,
    "argsort": _tf_argsort,
    "split": _tf_split,
    "tile": _tf_tile,
    "repeat": _tf_repeat,
    "pad": _tf_pad,
    "roll": _tf_roll,
    "moveaxis": _tf_permuted,
    "swapaxes": _tf_permuted,
    "broadcast_to": _tf_broadcast_to,
    "ravel": lambda site, args: call("tf.reshape", args[0].node, [-1]),
}
