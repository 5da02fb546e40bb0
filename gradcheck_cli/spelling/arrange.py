"""Every framework's spelling of the v2 functions of `ops.ARRANGE` (their numpy rules are in
backends/np_rules_arrange.py): one entry per op and framework, built from shapes and dtypes.

What is written out, decided from shapes alone (never from values):

- a negative index reaches a function that refuses it (torch.take_along_dim, tf.gather)
  with the size added first (`where(i < 0, i + n, i)`; a literal list normalised here),
  as indexing does (backends/tf_index.py); an index out of range stays out of range;
- a literal index list becomes the framework's array (`torch.tensor`, `jnp.array`);
- split's part i indexes the framework's own split (torch.tensor_split with NumPy's
  indices, jnp.split, tf.split with the sizes NumPy's indices give); negative indices are
  made non-negative (jnp.split and tf.split refuse them), so that only a decreasing list,
  NumPy's overlapping parts, reaches a framework that refuses it;
- torch's F.pad pads at most 3 trailing axes of a 2-5-D tensor in the edge ("replicate")
  and reflect modes: an array it does not take is padded one axis at a time, that axis
  moved last in a (1, rest, n) view; TensorFlow has no edge mode (SYMMETRIC repeats the
  edge element and the next ones): a tf.gather along each axis of the indices NumPy's edge
  mode reads;
- moveaxis and swapaxes are tf.transpose with NumPy's permutation; tile gets reps of the
  array's rank where tf.tile needs them; roll over the flattened array rolls by the sum.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .arrange_common import _axis, _boundaries, _literal_index, _pad_pairs, _seq, _wrapped
from .arrange_tf import TENSORFLOW  # noqa: F401  (the family's tensorflow entries, merged here)
from .site import Site
from .torch_base import Arg, At, _dtype
from .tree import Attr, Const, Index, Input, Node, call, method

# ---- torch --------------------------------------------------------------------------------


def _t_index(a: Arg, size: int, wrap: bool) -> Node:
    if a.literal:
        return call("torch.tensor", _literal_index(a.value, size) if wrap else list(a.value))
    node = a.node if a.dtype == np.dtype("int64") else method(a.node, "long")
    return _wrapped("torch.where", node, size) if wrap else node


def _t_take(at: At, args: list[Arg]) -> Node:
    a, idx = args
    axis = at.attrs.get("axis")
    if axis is None:  # torch.take reads the flattened array and takes negative indices
        return call("torch.take", a.node, _t_index(idx, math.prod(a.shape), False))
    d = _axis(axis, a.ndim)
    return Index(a.node, (Const(slice(None)),) * d + (_t_index(idx, a.shape[d], False),))


def _t_take_along_axis(at: At, args: list[Arg]) -> Node:
    a, idx = args
    axis = at.attrs.get("axis")
    if axis is None:
        return call("torch.take_along_dim", a.node, _t_index(idx, math.prod(a.shape), True))
    d = _axis(axis, a.ndim)
    return call("torch.take_along_dim", a.node, _t_index(idx, a.shape[d], True), dim=axis)


def _t_sorted(fn: str, values: bool):
    def entry(at: At, args: list[Arg]) -> Node:
        (a,) = args
        axis = at.attrs.get("axis")
        x = method(a.node, "reshape", -1) if axis is None else a.node
        out = call(fn, x, dim=-1 if axis is None else axis, stable=True)
        return Attr(out, "values") if values else out

    return entry


def _t_split(at: At, args: list[Arg]) -> Node:
    (a,) = args
    axis, ios = at.attrs.get("axis", 0), at.attrs["indices_or_sections"]
    n = a.shape[_axis(axis, a.ndim)]
    parts = call("torch.tensor_split", a.node, _boundaries(ios, n), dim=axis)
    return method(parts, "__getitem__", at.attrs["output"])  # a tuple: Index takes tuples


def _t_repeat(at: At, args: list[Arg]) -> Node:
    (a,) = args
    repeats, axis = at.attrs["repeats"], at.attrs.get("axis")
    if isinstance(repeats, (tuple, list)):
        repeats = call("torch.tensor", list(repeats))
    if a.ndim == 0 and axis is not None:  # NumPy takes a 0-d array's axis 0 as a 1-d one's
        return call("torch.repeat_interleave", method(a.node, "reshape", 1), repeats, dim=0)
    return call("torch.repeat_interleave", a.node, repeats, dim=axis)


_TORCH_MODES = {"edge": "replicate", "reflect": "reflect"}


def _t_pad(at: At, args: list[Arg]) -> Node:
    (a,) = args
    mode, pairs = at.attrs.get("mode", "constant"), _pad_pairs(at.attrs["pad_width"], a.ndim)
    if mode == "constant" or not a.ndim:
        flat = [w for b, e in reversed(pairs) for w in (b, e)]  # the last axis first
        value = at.attrs.get("constant_values", 0)
        return call("torch.nn.functional.pad", a.node, flat, value=value)
    padded = [d for d, p in enumerate(pairs) if p != (0, 0)]
    if not padded:
        return a.node
    k = a.ndim - padded[0]  # F.pad's trailing axes: from the first padded one
    if k <= 3 and a.ndim in (k + 1, k + 2):
        flat = [w for b, e in reversed(pairs[-k:]) for w in (b, e)]
        return call("torch.nn.functional.pad", a.node, flat, mode=_TORCH_MODES[mode])
    out, shape = a.node, list(a.shape)
    for d in padded:
        b, e = pairs[d]
        moved = method(call("torch.movedim", out, d, -1), "reshape", 1, -1, shape[d])
        one = call("torch.nn.functional.pad", moved, [b, e], mode=_TORCH_MODES[mode])
        rest = shape[:d] + shape[d + 1 :]
        shape[d] += b + e
        out = call("torch.movedim", method(one, "reshape", *rest, shape[d]), -1, d)
    return out


def _t_roll(at: At, args: list[Arg]) -> Node:
    (a,) = args
    shift, axis = at.attrs["shift"], at.attrs.get("axis")
    if axis is None:  # NumPy rolls the flattened array by every shift in turn
        return call("torch.roll", a.node, sum(_seq(shift)))
    if isinstance(shift, (tuple, list)) or isinstance(axis, (tuple, list)):
        shifts, dims = np.broadcast_arrays(np.asarray(shift), np.asarray(axis))
        return call("torch.roll", a.node, shifts.ravel().tolist(), dims.ravel().tolist())
    return call("torch.roll", a.node, shift, axis)


def _t_tensor(a: Arg, at: At) -> Node:
    return call("torch.tensor", a.node, dtype=_dtype(at.out)) if a.literal else a.node


TORCH: dict[str, Any] = {
    "take": _t_take,
    "take_along_axis": _t_take_along_axis,
    "sort": _t_sorted("torch.sort", True),
    "argsort": _t_sorted("torch.argsort", False),
    "split": _t_split,
    "tile": lambda at, args: call("torch.tile", _t_tensor(args[0], at), _seq(at.attrs["reps"])),
    "repeat": _t_repeat,
    "pad": _t_pad,
    "roll": _t_roll,
    "moveaxis": lambda at, args: call(
        "torch.movedim", args[0].node, at.attrs["source"], at.attrs["destination"]
    ),
    "swapaxes": lambda at, args: call(
        "torch.swapaxes", args[0].node, at.attrs["axis1"], at.attrs["axis2"]
    ),
    "broadcast_to": lambda at, args: call(
        "torch.broadcast_to", _t_tensor(args[0], at), tuple(at.attrs["shape"])
    ),
    "ravel": lambda at, args: call("torch.ravel", _t_tensor(args[0], at)),
}


# ---- jax and numpy ------------------------------------------------------------------------


def _array_index(ns: str):
    """take, take_along_axis: a literal index list as the library's array."""

    def spell(site: Site) -> Node:
        idx = call(f"{ns}.array", Input(1)) if site.ins[1].literal else Input(1)
        return call(f"{ns}.{site.op}", Input(0), idx, **site.changed())

    return spell


def _split(ns: str):
    def spell(site: Site) -> Node:
        axis, ios = site.attrs.get("axis", 0), site.attrs["indices_or_sections"]
        shape = site.ins[0].shape
        ios = _boundaries(ios, shape[_axis(axis, len(shape))]) if ns == "jnp" else _seq_or(ios)
        kw = {"axis": axis} if axis != 0 else {}
        parts = call(f"{ns}.split", Input(0), ios, **kw)
        return method(parts, "__getitem__", site.attrs["output"])

    return spell


def _seq_or(value: Any) -> Any:
    return list(value) if isinstance(value, (tuple, list)) else value


def _stable(ns: str):
    def spell(site: Site) -> Node:
        keyword = {"stable": True} if ns == "jnp" else {"kind": "stable"}
        return call(f"{ns}.{site.op}", Input(0), **site.changed(), **keyword)

    return spell


def _repeat(ns: str):
    def spell(site: Site) -> Node:
        repeats = _seq_or(site.attrs["repeats"])
        if ns == "jnp" and isinstance(repeats, list):  # jnp.repeat takes no list
            repeats = call("jnp.array", repeats)
        axis = site.attrs.get("axis")
        return call(f"{ns}.repeat", Input(0), repeats, **({} if axis is None else {"axis": axis}))

    return spell


def _pad(ns: str):
    def spell(site: Site) -> Node:
        changed = site.changed()
        width = changed.pop("pad_width")
        width = [list(w) if isinstance(w, (tuple, list)) else w for w in _seq(width)]
        return call(f"{ns}.pad", Input(0), width, **changed)

    return spell


def _library(ns: str) -> dict[str, Any]:
    return {
        "take": _array_index(ns),
        "take_along_axis": _array_index(ns),
        "sort": _stable(ns),
        "argsort": _stable(ns),
        "split": _split(ns),
        "repeat": _repeat(ns),
        "pad": _pad(ns),
    }


JAX: dict[str, Any] = _library("jnp")
NUMPY: dict[str, Any] = _library("np")
# framework -> op -> (Eqn -> the reason it cannot be expressed there, or None)
SKIP: dict[str, dict[str, Any]] = {}
