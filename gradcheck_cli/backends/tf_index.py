"""NumPy's indexing in TensorFlow: the plan of `index_plan` run with TensorFlow's calls.

The basic entries go to TensorFlow's own slicing (negative steps and 0-d integer tensors
included). One advanced entry is a `tf.gather` along its axis, or a `tf.boolean_mask`;
several are a `tf.gather_nd` on the sliced array permuted to put the picked axes first,
their index columns broadcast together and stacked, the result then permuted to put the
broadcast axes where NumPy does. An empty sliced array takes the gather_nd path, where a
reshape stands for the gather: gather_nd refuses an empty source, and the gradient of
tf.boolean_mask of one along axis 1 by an all-false mask fails (in unsorted_segment_sum).
tf.gather and gather_nd refuse negative indices: an integer array is wrapped with
`tf.where`, a literal when the plan is read. 0-d integer tensors among the slice bounds are
cast to int64: TensorFlow wants the tensors there of one dtype.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import tensorflow as tf

from ..ir import ArrayRef, IndexEntry
from .index_plan import IndexPlan, Operand, Pick, plan


def operand(t: tf.Tensor) -> Operand:
    dtype = t.dtype
    kind = "b" if dtype == tf.bool else "f" if dtype.is_floating or dtype.is_complex else "i"
    return Operand(kind, tuple(t.shape))


def tf_plan(x: tf.Tensor, arrays: tuple[tf.Tensor, ...], index: tuple[Any, ...]) -> IndexPlan:
    return plan(index, tuple(x.shape), [operand(a) for a in arrays])


def getitem(x: tf.Tensor, *arrays: tf.Tensor, index: tuple[Any, ...]) -> tf.Tensor:
    """x[index] as NumPy has it: slice, then gather."""
    p = tf_plan(x, arrays, index)
    y = x if p.basic is None else x[tuple(_basic(e, arrays) for e in p.basic)]
    if not p.picks:
        return y
    if len(p.picks) == 1 and math.prod(p.sliced):  # see above: not on an empty y
        (pick,) = p.picks
        if pick.mask:
            return tf.boolean_mask(y, _mask(pick, arrays), axis=pick.axis)
        return tf.gather(y, _column(pick, arrays, p.sliced[pick.axis]), axis=pick.axis)
    return _gather_nd(y, p, arrays)


def _basic(entry: IndexEntry, arrays: tuple[tf.Tensor, ...]) -> Any:
    """A 0-d integer array as an integer: int64, as TensorFlow's slicing wants every tensor
    among the bounds of one dtype."""
    return tf.cast(arrays[entry.input - 1], tf.int64) if isinstance(entry, ArrayRef) else entry


def _mask(pick: Pick, arrays: tuple[tf.Tensor, ...]) -> tf.Tensor:
    entry = pick.entry
    mask = tf.constant(entry) if isinstance(entry, tuple) else arrays[entry.input - 1]
    return tf.reshape(mask, [1]) if pick.ndim == 0 else mask  # a 0-d mask: on its new axis


def _column(pick: Pick, arrays: tuple[tf.Tensor, ...], size: int) -> tf.Tensor:
    """An integer entry's index, int64, negative entries counted from the end."""
    entry = pick.entry
    if not isinstance(entry, ArrayRef):
        return tf.constant(wrapped(entry, size), tf.int64)
    index = tf.cast(arrays[entry.input - 1], tf.int64)
    return tf.where(index < 0, index + size, index)


def wrapped(entry: int | tuple[int, ...], size: int) -> int | list[int]:
    """A literal integer or list with its negative entries counted from the end."""
    values = np.asarray(entry)
    return np.where(values < 0, values + size, values).tolist()


def _columns(pick: Pick, arrays: tuple[tf.Tensor, ...], size: int) -> list[tf.Tensor]:
    """The index columns of one pick: one, or a mask's nonzero indices, one per axis."""
    if not pick.mask:
        return [_column(pick, arrays, size)]
    found = tf.where(_mask(pick, arrays))
    return [found[:, j] for j in range(pick.span)]


def _gather_nd(y: tf.Tensor, p: IndexPlan, arrays: tuple[tf.Tensor, ...]) -> tf.Tensor:
    columns = [c for pick in p.picks for c in _columns(pick, arrays, p.sliced[pick.axis])]
    shape = tf.shape(columns[0])
    for c in columns[1:]:
        shape = tf.broadcast_dynamic_shape(shape, tf.shape(c))
    index = tf.stack([tf.broadcast_to(c, shape) for c in columns], axis=-1)
    moved = y if p.front is None else tf.transpose(y, p.front)
    if math.prod(p.sliced) == 0:  # gather_nd refuses an empty source, NumPy does not
        out = tf.reshape(moved, [*index.shape[:-1], *moved.shape[len(columns) :]])
    else:
        out = tf.gather_nd(moved, index)
    return out if p.restore is None else tf.transpose(out, p.restore)
