"""Plain NumPy for every op: what decides which forms exist, and the values fuzzing reads.

Independent of the numpy backend's rules on purpose: a form the engine refuses but NumPy
accepts is a finding, not a form that silently disappears. Most ops are NumPy's function of
the same name; the jax.nn family (which NumPy lacks) is written out from its definition.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.special

from ..ir import numpy_index
from ..ops import OPS
from . import reference_nn

_SCIPY = ("erf", "erfc", "xlogy", "xlog1py")  # scipy.special's, as the contract says


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


def _einsum(*operands: Any, subscripts: str) -> np.ndarray:
    return np.einsum(subscripts, *operands)


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
    "einsum": _einsum,  # subscripts first, then the operands
}
_OWN.update(reference_nn.NN)  # the jax.nn-style functions of ops.NN


def function(op: str) -> Callable[..., Any]:
    """NumPy's function for `op`; KeyError names an op with no NumPy spelling here."""
    if op in _OWN:
        return _OWN[op]
    if hasattr(np, op):
        return getattr(np, op)
    if op in _SCIPY:  # the special functions, as the contract defines them
        return getattr(scipy.special, op)
    if hasattr(np.linalg, op):  # the decompositions (ops.DECOMPOSITIONS): inv, det, svd...
        return getattr(np.linalg, op)
    raise KeyError(f"no NumPy reference for op {op!r}: add one to gradcheck_cli/fuzz/reference.py")


def apply(op: str, inputs: list[Any], attrs: dict[str, Any]) -> np.ndarray:
    """The op on these inputs as NumPy computes it (its errors propagate: not a form)."""
    attrs = dict(attrs)
    part = attrs.pop("output", None)  # a tuple op's part (ops.Op.results), as the parser
    with np.errstate(all="ignore"):
        out = function(op)(*inputs, **attrs)
    if part is not None:
        return np.asarray(out[part])
    if isinstance(out, (tuple, list)) and getattr(OPS.get(op), "results", ()):
        raise TypeError(f"{op} gives a tuple: name the part (`output`)")
    return np.asarray(out)
