"""What the arrange family's spellings share: NumPy's index arithmetic from shapes."""

from __future__ import annotations

from typing import Any

import numpy as np

from .tree import Node, binop, call


def _seq(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (tuple, list)) else [value]


def _axis(axis: int, ndim: int) -> int:
    return axis % ndim if ndim else 0


def _wrapped(where: str, index: Node, size: int) -> Node:
    """A negative index with the size added (a function that refuses negatives)."""
    return call(where, binop("<", index, 0), binop("+", index, size), index)


def _literal_index(value: Any, size: int) -> list[int]:
    return [v + size if v < 0 else v for v in _seq(value)]


def _boundaries(ios: Any, n: int) -> Any:
    """split's indices as non-negative positions, as Python's slices read them."""
    if not isinstance(ios, (tuple, list)):
        return ios
    return [min(max(i + n if i < 0 else i, 0), n) for i in ios]


def _sizes(ios: Any, n: int) -> Any:
    if not isinstance(ios, (tuple, list)):
        return ios
    bounds = [0, *_boundaries(ios, n), n]
    return [b - a for a, b in zip(bounds, bounds[1:], strict=False)]


def _pad_pairs(pad_width: Any, ndim: int) -> list[tuple[int, int]]:
    pairs = np.broadcast_to(np.asarray(pad_width, dtype=np.int64), (ndim, 2))
    return [(int(b), int(a)) for b, a in pairs]


def _edge_indices(n: int, before: int, after: int, mode: str) -> list[int]:
    return np.pad(np.arange(n), (before, after), mode).tolist()
