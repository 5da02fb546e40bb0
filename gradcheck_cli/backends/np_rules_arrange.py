"""The numpy engine's rules for the v2 functions of `ops.ARRANGE`: forward, VJP and
explain text, per op (see np_rules_common.Rule).

Every forward is NumPy's own function; every op here is linear in its array (sort too,
piecewise), so each VJP moves the output's cotangent back to the elements it came from:
a scatter-add where an element is read several times (take, take_along_axis, repeat,
tile, broadcast_to, pad's edge and reflect modes), a permutation otherwise. sort's
permutation is the stable one (`argsort(kind="stable")`): tied elements keep their order.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .np_rules_common import Rule, axis_text, fit, is_diff, vjp_none


def _plain(x: Any) -> np.ndarray:
    return np.array(x)  # a copy: broadcast_to and split give views


def _index(indices: Any) -> np.ndarray:
    return np.asarray(indices, dtype=np.int64) if isinstance(indices, (tuple, list)) else indices


# ---- take, take_along_axis ---------------------------------------------------------------


def take(a, indices, axis=None):
    return _plain(np.take(a, _index(indices), axis=axis))


def vjp_take(g, ans, a, indices, axis=None):
    if not is_diff(a):
        return (None, None)
    idx = np.asarray(_index(indices))
    if axis is None:
        flat = np.zeros(np.size(a), dtype=np.result_type(a, g))
        np.add.at(flat, idx, g)
        return (fit(flat.reshape(np.shape(a)), a), None)
    axis = axis % max(np.ndim(a), 1)
    dx = np.zeros(np.shape(a), dtype=np.result_type(a, g))
    np.add.at(dx, (slice(None),) * axis + (idx,), g)
    return (fit(dx, a), None)


def take_along_axis(arr, indices, axis=-1):
    return _plain(np.take_along_axis(arr, _index(indices), axis=axis))


def vjp_take_along_axis(g, ans, arr, indices, axis=-1):
    if not is_diff(arr):
        return (None, None)
    idx = np.asarray(_index(indices))
    shape = np.shape(arr)
    if axis is None:  # NumPy takes along the flattened array
        flat = np.zeros(np.size(arr), dtype=np.result_type(arr, g))
        np.add.at(flat, idx, g)
        return (fit(flat.reshape(shape), arr), None)
    axis, ndim = axis % len(shape), len(shape)
    fancy = []
    for d in range(ndim):
        if d == axis:
            fancy.append(idx)
        else:
            fancy.append(np.arange(shape[d]).reshape((1,) * d + (-1,) + (1,) * (ndim - d - 1)))
    dx = np.zeros(shape, dtype=np.result_type(arr, g))
    np.add.at(dx, tuple(np.broadcast_arrays(*fancy)), g)
    return (fit(dx, arr), None)


# ---- sort, argsort -----------------------------------------------------------------------


def sort(a, axis=-1):
    return _plain(np.sort(a, axis=axis, kind="stable"))


def argsort(a, axis=-1):
    return _plain(np.argsort(a, axis=axis, kind="stable"))


def vjp_sort(g, ans, a, axis=-1):
    if not is_diff(a):
        return (None,)
    if axis is None:
        perm = np.argsort(a, axis=None, kind="stable")
        flat = np.zeros(np.size(a), dtype=np.result_type(a, g))
        flat[perm] = g
        return (fit(flat.reshape(np.shape(a)), a),)
    perm = np.argsort(a, axis=axis, kind="stable")
    dx = np.zeros(np.shape(a), dtype=np.result_type(a, g))
    np.put_along_axis(dx, perm, g, axis=axis)  # a permutation: no element twice
    return (fit(dx, a),)


# ---- split -------------------------------------------------------------------------------


def _sections(value: Any) -> Any:
    return list(value) if isinstance(value, (tuple, list)) else value


def split(ary, indices_or_sections, axis=0, output=0):
    return _plain(np.split(ary, _sections(indices_or_sections), axis=axis)[output])


def vjp_split(g, ans, ary, indices_or_sections, axis=0, output=0):
    if not is_diff(ary):
        return (None,)
    dx = np.zeros(np.shape(ary), dtype=np.result_type(ary, g))
    part = np.split(dx, _sections(indices_or_sections), axis=axis)[output]  # a view of dx
    part[...] = g
    return (fit(dx, ary),)


# ---- tile, repeat, broadcast_to ----------------------------------------------------------


def tile(A, reps):
    return _plain(np.tile(A, reps))


def vjp_tile(g, ans, A, reps):
    if not is_diff(A):
        return (None,)
    reps = tuple(reps) if isinstance(reps, (tuple, list)) else (reps,)
    d = max(np.ndim(A), len(reps))
    shape = (1,) * (d - np.ndim(A)) + np.shape(A)
    reps = (1,) * (d - len(reps)) + reps
    split = np.reshape(g, [n for pair in zip(reps, shape, strict=True) for n in pair])
    summed = split.sum(axis=tuple(range(0, 2 * d, 2)))
    return (fit(summed.reshape(np.shape(A)), A),)


def repeat(a, repeats, axis=None):
    return _plain(np.repeat(a, _sections(repeats), axis=axis))


def vjp_repeat(g, ans, a, repeats, axis=None):
    if not is_diff(a):
        return (None,)
    shape = (np.size(a),) if axis is None else np.shape(a)
    axis = 0 if axis is None else axis % max(len(shape), 1)
    n = shape[axis] if shape else 1
    ids = np.repeat(np.arange(n), _sections(repeats))
    front = np.zeros((n, *shape[:axis], *shape[axis + 1 :]), dtype=np.result_type(a, g))
    gg = np.moveaxis(np.reshape(g, (-1,)) if np.ndim(a) == 0 else g, axis, 0)
    np.add.at(front, ids, gg)
    dx = np.moveaxis(front, 0, axis) if shape else front.reshape(())
    return (fit(dx.reshape(np.shape(a)), a),)


def broadcast_to(array, shape):
    return _plain(np.broadcast_to(array, shape))


def vjp_broadcast_to(g, ans, array, shape):
    return (fit(g, array),)


# ---- pad ---------------------------------------------------------------------------------


def _widths(pad_width: Any) -> Any:
    return np.asarray(pad_width, dtype=np.int64)


def pad(array, pad_width, mode="constant", constant_values=0):
    if mode == "constant":
        return _plain(np.pad(array, _widths(pad_width), mode, constant_values=constant_values))
    if constant_values != 0:  # NumPy refuses the keyword with the other modes
        raise ValueError(f"unsupported keyword arguments for mode '{mode}': {{'constant_values'}}")
    return _plain(np.pad(array, _widths(pad_width), mode))


def vjp_pad(g, ans, array, pad_width, mode="constant", constant_values=0):
    """The padded array of the elements' positions (-1 for a constant) says which element
    each output element copies: its cotangent goes there."""
    if not is_diff(array):
        return (None,)
    where = np.arange(np.size(array)).reshape(np.shape(array))
    if mode == "constant":
        source = np.pad(where, _widths(pad_width), mode, constant_values=-1)
    else:
        source = np.pad(where, _widths(pad_width), mode)
    flat, g = np.zeros(np.size(array), dtype=np.result_type(array, g)), np.asarray(g)
    kept = source >= 0
    np.add.at(flat, source[kept], g[kept])
    return (fit(flat.reshape(np.shape(array)), array),)


# ---- roll, moveaxis, swapaxes, ravel -----------------------------------------------------


def roll(a, shift, axis=None):
    return _plain(np.roll(a, shift, axis=axis))


def vjp_roll(g, ans, a, shift, axis=None):
    back = tuple(-s for s in shift) if isinstance(shift, (tuple, list)) else -shift
    return (fit(np.roll(g, back, axis=axis), a),)


def moveaxis(a, source, destination):
    return _plain(np.moveaxis(a, source, destination))


def vjp_moveaxis(g, ans, a, source, destination):
    return (fit(np.moveaxis(g, destination, source), a),)


def swapaxes(a, axis1, axis2):
    return _plain(np.swapaxes(a, axis1, axis2))


def vjp_swapaxes(g, ans, a, axis1, axis2):
    return (fit(np.swapaxes(g, axis1, axis2), a),)


def ravel(a):
    return _plain(np.ravel(a))


def vjp_ravel(g, ans, a):
    return (fit(np.reshape(g, np.shape(a)), a),)


# ---- explain's phrases -------------------------------------------------------------------


def _scatter(e) -> str:
    return f"{e.g} added back where each element was taken from{axis_text(e)}"


def _split_text(e) -> str:
    part = e.attr("output")
    return f"{e.g} in part {part} of split(.., {e.attr('indices_or_sections')!r}), 0 elsewhere"


RULES: dict[str, Rule] = {
    "take": Rule(take, vjp_take, text=_scatter, batch=""),
    "take_along_axis": Rule(take_along_axis, vjp_take_along_axis, text=_scatter, batch=""),
    "sort": Rule(
        sort,
        vjp_sort,
        text=lambda e: f"{e.g} put back through the stable sorting permutation{axis_text(e)}",
        batch="",
        complex=False,
    ),
    "argsort": Rule(argsort, vjp_none, text=lambda e: "none (an integer result)", batch=""),
    "split": Rule(split, vjp_split, text=_split_text, batch=""),
    "tile": Rule(tile, vjp_tile, text=lambda e: f"{e.g} summed over the tiles", batch=""),
    "repeat": Rule(
        repeat, vjp_repeat, text=lambda e: f"{e.g} summed over each element's copies", batch=""
    ),
    "pad": Rule(
        pad,
        vjp_pad,
        text=lambda e: f"{e.g} summed back onto the elements each padded one copies",
        batch="",
    ),
    "roll": Rule(roll, vjp_roll, text=lambda e: f"{e.g} rolled back by -shift", batch=""),
    "moveaxis": Rule(
        moveaxis, vjp_moveaxis, text=lambda e: f"moveaxis({e.g}, destination, source)", batch=""
    ),
    "swapaxes": Rule(
        swapaxes, vjp_swapaxes, text=lambda e: f"swapaxes({e.g}, axis1, axis2)", batch=""
    ),
    "broadcast_to": Rule(
        broadcast_to,
        vjp_broadcast_to,
        text=lambda e: f"{e.g} summed over the broadcast axes, to {e.shape()}",
        batch="",
    ),
    "ravel": Rule(ravel, vjp_ravel, text=lambda e: f"{e.g} reshaped to {e.shape()}", batch=""),
}
