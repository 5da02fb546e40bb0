"""Indexing in the tensorflow repro script, as the tensorflow backend does it: basic entries
by TensorFlow's own slicing; one integer list or array by `tf.gather` (negative indices
wrapped: tf.gather refuses them), one mask by `tf.boolean_mask`, several advanced entries
by `tf.gather_nd` on the indexed axes moved to the front."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ir import ArrayRef
from .expr import ATOM, Arg, Expr, Site, call, py, slice_text, wrap


def _basic(entry: Any) -> str:
    if entry is None:
        return "None"
    if entry is Ellipsis:
        return "..."
    return slice_text(entry) if isinstance(entry, slice) else str(entry)


def _advanced(entry: Any, args: list[Arg]) -> Arg | None:
    """An integer list or array, or a mask, as an Arg; None for a basic entry."""
    if isinstance(entry, ArrayRef):
        return args[entry.input]
    if isinstance(entry, tuple):
        return Arg(Expr(py(list(entry))), np.array(entry), True)
    return None


def getitem(site: Site, args: list[Arg]) -> Expr:
    """NumPy's indexing, as the backend does it: basic entries by TensorFlow's own slicing;
    one integer list or array by tf.gather, one mask by tf.boolean_mask, several by
    tf.gather_nd."""
    x, index = args[0], list(site.attrs["index"])
    picks = [_advanced(e, args) for e in index]
    if not any(p is not None for p in picks):
        return Expr(f"{wrap(x.expr, ATOM)}[{', '.join(map(_basic, index)) or '()'}]")
    advanced = [i for i, e in enumerate(index) if picks[i] is not None or isinstance(e, int)]
    adjacent = advanced == list(range(advanced[0], advanced[0] + len(advanced)))
    basic, taken = _split(index, picks, x.ndim)
    y = x.expr
    if any(b != slice(None) for b in basic):
        y = Expr(f"{wrap(x.expr, ATOM)}[{', '.join(map(_basic, basic))}]")
    shape = _indexed_shape(x, basic)
    if len(taken) == 1:
        axis, pick = taken[0]
        keyword = {"axis": axis} if axis else {}
        if pick.kind == "b":
            return call("tf.boolean_mask", y.text, pick.text, **keyword)
        return call("tf.gather", y.text, _wrapped(pick, shape[axis]), **keyword)
    return _gather_nd(y, taken, shape, adjacent)


def _split(index: list[Any], picks: list[Arg | None], ndim: int) -> tuple[list, list]:
    """Full slices in place of the advanced entries (integers too, when there is an array),
    and each advanced entry with the axis it indexes (a k-D mask spans k axes)."""
    width = [p.ndim if p is not None and p.kind == "b" else 1 for p in picks]
    used = sum(w for e, w in zip(index, width, strict=True) if e is not None and e is not Ellipsis)
    basic: list[Any] = []
    taken: list[tuple[int, Arg]] = []
    for e, p, w in zip(index, picks, width, strict=True):
        if e is Ellipsis:
            basic += [slice(None)] * (ndim - used)
        elif e is None or isinstance(e, slice):
            basic.append(e)
        else:
            taken.append((len(basic), p or Arg(Expr(str(e)), np.int64(e), True)))
            basic += [slice(None)] * w
    return basic, taken


def _indexed_shape(x: Arg, basic: list[Any]) -> tuple[int, ...]:
    """The shape of `x[basic]`, from NumPy."""
    return np.asarray(x.value)[tuple(basic)].shape


def _wrapped(pick: Arg, size: int) -> str:
    """Negative indices count from the end, as in NumPy; tf.gather refuses them."""
    if pick.literal:
        return py(np.where(pick.value < 0, pick.value + size, pick.value).tolist())
    if (np.asarray(pick.value) < 0).any():
        return f"tf.where({pick.text} < 0, {pick.text} + {size}, {pick.text})"
    return pick.text


def _column(pick: Arg, size: int) -> list[tuple[str, tuple[int, ...]]]:
    """The int64 index columns of one advanced entry, each with its shape."""
    if pick.kind == "b":
        count = int(np.count_nonzero(pick.value))
        found = call("tf.where", pick.text).text  # the mask's indices, one column per axis
        return [(f"{found}[:, {j}]", (count,)) for j in range(pick.ndim)]
    text = _wrapped(pick, size)
    if pick.literal or pick.dtype != np.int64:
        text = (
            call("tf.cast", text, "tf.int64").text
            if not pick.literal
            else f"tf.constant({text}, tf.int64)"
        )
    return [(text, np.shape(pick.value))]


def _gather_nd(y: Expr, taken: list[tuple[int, Arg]], shape: tuple, adjacent: bool) -> Expr:
    """Several advanced entries: their indices broadcast together and pick from the indexed
    axes moved to the front; NumPy puts the result's axes where the entries were if they
    were adjacent, else first."""
    axes, columns = [], []
    for axis, pick in taken:
        cols = _column(pick, shape[axis])
        axes += range(axis, axis + len(cols))
        columns += cols
    common = np.broadcast_shapes(*(s for _, s in columns))
    stacked = [
        text if s == common else f"tf.broadcast_to({text}, {py(list(common))})"
        for text, s in columns
    ]
    index = call("tf.stack", "[" + ", ".join(stacked) + "]", axis=-1).text
    order = axes + [d for d in range(len(shape)) if d not in axes]
    moved = y.text if order == sorted(order) else call("tf.transpose", y.text, py(order)).text
    out = call("tf.gather_nd", moved, index)
    if not adjacent or axes[0] == 0:
        return out
    lead, rank = len(common), len(common) + len(shape) - len(axes)
    back = [*range(lead, lead + axes[0]), *range(lead), *range(lead + axes[0], rank)]
    return call("tf.transpose", out.text, py(back))
