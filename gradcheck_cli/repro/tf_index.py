"""Indexing in the tensorflow repro script: the tensorflow backend's plan
(`backends/index_plan.py`), printed. The basic entries by TensorFlow's own slicing; one
advanced entry by `tf.gather` (negative indices wrapped: tf.gather refuses them) or
`tf.boolean_mask`; several by `tf.gather_nd` on the picked axes moved to the front, the
result's broadcast axes then moved where NumPy puts them."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..backends.index_plan import FULL, IndexPlan, Operand, Pick, plan
from ..ir import ArrayRef
from .expr import ATOM, Arg, Expr, Site, call, py, slice_text, wrap


def getitem(site: Site, args: list[Arg]) -> Expr:
    x = args[0]
    p = plan(site.attrs["index"], x.shape, [Operand(a.kind, a.shape) for a in args[1:]])
    if p.basic is None and not p.picks:
        return Expr(f"{wrap(x.expr, ATOM)}[()]")
    y = x.expr
    if p.basic is not None:
        y = Expr(f"{wrap(x.expr, ATOM)}[{', '.join(_basic(e, args) for e in p.basic)}]")
    if not p.picks:
        return y
    if len(p.picks) == 1 and math.prod(p.sliced):  # as the backend: not on an empty y
        (pick,) = p.picks
        keyword = {"axis": pick.axis} if pick.axis else {}
        if pick.mask:
            return call("tf.boolean_mask", y.text, _mask(pick, args), **keyword)
        column = _column(pick, args, p.sliced[pick.axis], int64=False)
        return call("tf.gather", y.text, column, **keyword)
    return _gather_nd(y, p, args)


def _basic(entry: Any, args: list[Arg]) -> str:
    if isinstance(entry, ArrayRef):  # a 0-d integer array, as an integer: int64, as all
        return _int64(args[entry.input])  # the tensors among TensorFlow's slice bounds
    if entry is None:
        return "None"
    if entry is Ellipsis:
        return "..."
    return ":" if entry == FULL else slice_text(entry) if isinstance(entry, slice) else str(entry)


def _mask(pick: Pick, args: list[Arg]) -> str:
    entry = pick.entry
    if isinstance(entry, tuple):
        return f"tf.constant({py(list(entry))})"
    text = args[entry.input].text
    return f"tf.reshape({text}, [1])" if pick.ndim == 0 else text  # a 0-d mask: its new axis


def _column(pick: Pick, args: list[Arg], size: int, int64: bool) -> str:
    """An integer entry's index, negative entries counted from the end (int64: for
    gather_nd's stacked index)."""
    entry = pick.entry
    if not isinstance(entry, ArrayRef):
        values = np.asarray(entry)
        text = py(np.where(values < 0, values + size, values).tolist())
        return f"tf.constant({text}, tf.int64)" if int64 else text
    text = _int64(args[entry.input])
    return f"tf.where({text} < 0, {text} + {size}, {text})"


def _int64(arg: Arg) -> str:
    return arg.text if arg.dtype.name == "int64" else call("tf.cast", arg.text, "tf.int64").text


def _columns(pick: Pick, args: list[Arg], size: int) -> list[tuple[str, tuple | None]]:
    """The int64 index columns of one pick, each with its shape (None: a mask's count)."""
    if not pick.mask:
        return [(_column(pick, args, size, int64=True), pick.shape)]
    found = call("tf.where", _mask(pick, args)).text  # the mask's indices, one column per axis
    return [(f"{found}[:, {j}]", None) for j in range(pick.span)]


def _broadcast(columns: list[tuple[str, tuple | None]]) -> list[str]:
    """The columns broadcast to one shape: a literal one where every shape is known."""
    shapes = [s for _, s in columns]
    if all(s == shapes[0] for s in shapes) and (shapes[0] is not None or len(columns) == 1):
        return [text for text, _ in columns]
    if all(s is not None for s in shapes):
        common = list(np.broadcast_shapes(*shapes))
        return [t if list(s) == common else f"tf.broadcast_to({t}, {common})" for t, s in columns]
    shape = f"tf.shape({columns[0][0]})"
    for text, _ in columns[1:]:
        shape = f"tf.broadcast_dynamic_shape({shape}, tf.shape({text}))"
    return [f"tf.broadcast_to({text}, {shape})" for text, _ in columns]


def _gather_nd(y: Expr, p: IndexPlan, args: list[Arg]) -> Expr:
    columns = [c for pick in p.picks for c in _columns(pick, args, p.sliced[pick.axis])]
    index = call("tf.stack", "[" + ", ".join(_broadcast(columns)) + "]", axis=-1).text
    moved = y.text if p.front is None else call("tf.transpose", y.text, py(list(p.front))).text
    if math.prod(p.sliced) == 0:  # gather_nd refuses an empty source, NumPy does not
        rest = [p.sliced[d] for d in (p.front or range(len(p.sliced)))][len(columns) :]
        out = call("tf.reshape", moved, f"tf.concat([tf.shape({index})[:-1], {rest}], 0)")
    else:
        out = call("tf.gather_nd", moved, index)
    return out if p.restore is None else call("tf.transpose", out.text, py(list(p.restore)))
