"""The arrange family's size bound for the abstract pass (shapes.bound): how large a
result grows from its arguments, before anything is allocated."""

from __future__ import annotations

from typing import Any

import numpy as np


def _plain(x: Any) -> np.ndarray:
    return np.array(x)  # a copy: broadcast_to and split give views


def _index(indices: Any) -> np.ndarray:
    return np.asarray(indices, dtype=np.int64) if isinstance(indices, (tuple, list)) else indices


# ---- the abstract pass's size bound (shapes.bound) ----------------------------------------


def size_bound(eqn: Any, shapes: list[tuple[int, ...]]) -> int | None:
    """The elements of the result of the ops that grow their input (tile, repeat, pad,
    broadcast_to, take, take_along_axis), from shapes and static arguments alone, before
    NumPy allocates it; None for the others, or where the arguments are not NumPy's (the
    rule then refuses them)."""
    try:
        return _size(eqn.op, dict(eqn.attrs), shapes, eqn.inputs)
    except (TypeError, ValueError, IndexError, ZeroDivisionError):
        return None


def _size(op: str, attrs: dict[str, Any], shapes: list[tuple[int, ...]], atoms: Any) -> Any:
    size = int(np.prod(shapes[0])) if shapes else 1
    if op == "tile":
        return size * int(np.prod(attrs["reps"]))
    if op == "repeat":
        repeats = attrs["repeats"]
        if not isinstance(repeats, (tuple, list)):
            return size * int(repeats)
        if len(repeats) == 1:
            return size * int(repeats[0])
        n = size if attrs.get("axis") is None else shapes[0][attrs["axis"]]
        return size // max(n, 1) * int(sum(repeats))
    if op == "pad":
        pairs = np.broadcast_to(np.asarray(attrs["pad_width"]), (len(shapes[0]), 2))
        return int(
            np.prod([n + int(b) + int(e) for n, (b, e) in zip(shapes[0], pairs, strict=True)])
        )
    if op == "broadcast_to":
        shape = attrs["shape"]
        return int(np.prod(shape if isinstance(shape, (tuple, list)) else (shape,)))
    if op in ("take", "take_along_axis"):
        literal = getattr(atoms[1], "value", None)  # a literal index list: its length
        count = len(literal) if isinstance(literal, tuple) else int(np.prod(shapes[1]))
        axis = attrs.get("axis")
        if axis is None:
            return count
        if op == "take":
            return size // max(shapes[0][axis], 1) * count
        picked = list(shapes[0])
        picked[axis] = shapes[1][axis]
        return int(np.prod(np.broadcast_shapes(tuple(picked), shapes[1])))
    return None
