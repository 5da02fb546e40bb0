"""Plain NumPy for every op: what decides which forms exist, and the values fuzzing reads.

Independent of the numpy backend's rules on purpose: a form the engine refuses but NumPy
accepts is a finding, not a form that silently disappears. Most ops are NumPy's function of
the same name; the jax.nn family (which NumPy lacks) is written out from its definition.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..ir import numpy_index


def _sigmoid(x: Any) -> np.ndarray:
    return 1 / (1 + np.exp(-np.asarray(x)))


def _relu(x: Any) -> np.ndarray:
    return np.maximum(x, 0)


def _softplus(x: Any) -> np.ndarray:
    return np.log1p(np.exp(x))


def _logsumexp(a: Any, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    top = np.max(a, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(a - top), axis=axis, keepdims=True)) + top
    return out if keepdims else np.squeeze(out, axis=axis if axis is not None else None)


def _softmax(x: Any, axis: Any = -1) -> np.ndarray:
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _log_softmax(x: Any, axis: Any = -1) -> np.ndarray:
    return np.log(_softmax(x, axis))


def _norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> np.ndarray:
    return np.linalg.norm(x, ord=ord, axis=axis, keepdims=keepdims)


def _concatenate(*arrays: Any, axis: Any = 0) -> np.ndarray:
    return np.concatenate(arrays, axis=axis)


def _stack(*arrays: Any, axis: Any = 0) -> np.ndarray:
    return np.stack(arrays, axis=axis)


def _getitem(x: Any, *arrays: Any, index: tuple[Any, ...]) -> np.ndarray:
    return np.asarray(x)[numpy_index(index, arrays)]


_OWN: dict[str, Callable[..., Any]] = {
    "sigmoid": _sigmoid,
    "relu": _relu,
    "softplus": _softplus,
    "logsumexp": _logsumexp,
    "softmax": _softmax,
    "log_softmax": _log_softmax,
    "norm": _norm,
    "concatenate": _concatenate,
    "stack": _stack,
    "getitem": _getitem,
}


def function(op: str) -> Callable[..., Any]:
    """NumPy's function for `op`; KeyError names an op with no NumPy spelling here."""
    if op in _OWN:
        return _OWN[op]
    if hasattr(np, op):
        return getattr(np, op)
    raise KeyError(f"no NumPy reference for op {op!r}: add one to gradcheck_cli/fuzz/reference.py")


def apply(op: str, inputs: list[Any], attrs: dict[str, Any]) -> np.ndarray:
    """The op on these inputs as NumPy computes it (its errors propagate: not a form)."""
    with np.errstate(all="ignore"):
        return np.asarray(function(op)(*inputs, **attrs))
