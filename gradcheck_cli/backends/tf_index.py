"""NumPy's indexing in TensorFlow, once: the plan of `index_plan` as a tree of TensorFlow's
calls (`spelling/tree.py`), which the tensorflow backend binds and runs and the repro
script prints. It is decided from shapes and dtypes alone; this module imports no framework.

The basic entries go to TensorFlow's own slicing (negative steps included; a 0-d integer
array among them is cast to int64: TensorFlow wants the tensors among the slice bounds of
one dtype). One advanced entry is a `tf.gather` along its axis, or a `tf.boolean_mask`;
several are a `tf.gather_nd` on the sliced array permuted to put the picked axes first,
their index columns broadcast together and stacked, the result then permuted to put the
broadcast axes where NumPy does. An empty sliced array takes the gather_nd path, where a
reshape stands for the gather: gather_nd refuses an empty source, and the gradient of
tf.boolean_mask of one along axis 1 by an all-false mask fails (in unsorted_segment_sum).
tf.gather and gather_nd refuse negative indices: an integer array is wrapped with
`tf.where`, a literal when the plan is read.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..ir import ArrayRef
from ..spelling.site import Operand as In
from ..spelling.site import Site
from ..spelling.tree import Const, Index, Input, Name, Node, binop, call
from .index_plan import IndexPlan, Operand, Pick, plan


def getitem(site: Site) -> Node:
    """x[index] as NumPy has it: slice, then gather."""
    x, arrays = site.ins[0], site.ins[1:]
    p = plan(site.attrs["index"], x.shape, [Operand(a.kind, a.shape) for a in arrays])
    if p.basic is None and not p.picks:
        return Index(Input(0), ())
    y: Node = Input(0)
    if p.basic is not None:
        y = Index(Input(0), tuple(_basic(e, site.ins) for e in p.basic))
    if not p.picks:
        return y
    if len(p.picks) == 1 and math.prod(p.sliced):  # see above: not on an empty y
        (pick,) = p.picks
        keyword = {"axis": pick.axis} if pick.axis else {}
        if pick.mask:
            return call("tf.boolean_mask", y, _mask(pick), **keyword)
        column = _column(pick, site.ins, p.sliced[pick.axis], int64=False)
        return call("tf.gather", y, column, **keyword)
    return _gather_nd(y, p, site.ins)


def _int64(i: int, ins: tuple[In, ...]) -> Node:
    if ins[i].dtype.name == "int64":
        return Input(i)
    return call("tf.cast", Input(i), Name("tf.int64"))


def _basic(entry: Any, ins: tuple[In, ...]) -> Node:
    """A 0-d integer array as an integer: int64, as all the tensors among the bounds."""
    return _int64(entry.input, ins) if isinstance(entry, ArrayRef) else Const(entry)


def _mask(pick: Pick) -> Node:
    entry = pick.entry
    if isinstance(entry, tuple):
        return call("tf.constant", list(entry))
    mask = Input(entry.input)
    return call("tf.reshape", mask, [1]) if pick.ndim == 0 else mask  # a 0-d mask: new axis


def _column(pick: Pick, ins: tuple[In, ...], size: int, int64: bool) -> Node:
    """An integer entry's index, negative entries counted from the end (int64: for
    gather_nd's stacked index)."""
    entry = pick.entry
    if not isinstance(entry, ArrayRef):
        values = np.asarray(entry)
        wrapped = np.where(values < 0, values + size, values).tolist()
        return call("tf.constant", wrapped, Name("tf.int64")) if int64 else Const(wrapped)
    index = _int64(entry.input, ins)
    return call("tf.where", binop("<", index, 0), binop("+", index, size), index)


def _columns(pick: Pick, ins: tuple[In, ...], size: int) -> list[tuple[Node, tuple | None]]:
    """The int64 index columns of one pick, each with its shape (None: a mask's count)."""
    if not pick.mask:
        return [(_column(pick, ins, size, int64=True), pick.shape)]
    found = call("tf.where", _mask(pick))  # the mask's indices, one column per axis
    return [(Index(found, (Const(slice(None)), Const(j))), None) for j in range(pick.span)]


def _broadcast(columns: list[tuple[Node, tuple | None]]) -> list[Node]:
    """The columns broadcast to one shape: a literal one where every shape is known."""
    shapes = [s for _, s in columns]
    if all(s == shapes[0] for s in shapes) and (shapes[0] is not None or len(columns) == 1):
        return [c for c, _ in columns]
    if all(s is not None for s in shapes):
        common = list(np.broadcast_shapes(*shapes))
        return [c if list(s) == common else call("tf.broadcast_to", c, common) for c, s in columns]
    shape: Node = call("tf.shape", columns[0][0])
    for c, _ in columns[1:]:
        shape = call("tf.broadcast_dynamic_shape", shape, call("tf.shape", c))
    return [call("tf.broadcast_to", c, shape) for c, _ in columns]


def _gather_nd(y: Node, p: IndexPlan, ins: tuple[In, ...]) -> Node:
    columns = [c for pick in p.picks for c in _columns(pick, ins, p.sliced[pick.axis])]
    index = call("tf.stack", _broadcast(columns), axis=-1)
    moved = y if p.front is None else call("tf.transpose", y, list(p.front))
    if math.prod(p.sliced) == 0:  # gather_nd refuses an empty source, NumPy does not
        rest = [p.sliced[d] for d in (p.front or range(len(p.sliced)))][len(columns) :]
        head = Index(call("tf.shape", index), (Const(slice(None, -1)),))
        out = call("tf.reshape", moved, call("tf.concat", [head, Const(rest)], 0))
    else:
        out = call("tf.gather_nd", moved, index)
    return out if p.restore is None else call("tf.transpose", out, list(p.restore))
