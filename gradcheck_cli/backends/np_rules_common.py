"""What every numpy-engine rule module shares: the `Rule` record and the helpers.

A `Rule` holds one op's forward, its VJP and the text `gradcheck explain` writes for it,
side by side; `np_rules` gathers them into one table keyed by the names in `ops.OPS`. The
helpers live here, below the rule modules, so imports go one way (rules -> this).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Rule:
    """One op of the numpy engine.

    `forward(*inputs, **attrs)` is NumPy's semantics; `vjp(g, ans, *inputs, **attrs)` gives
    one cotangent per input (None where it takes none); with `selective` it also takes
    `wanted=`, one flag per input, and gives None for an input not wanted. For explain:
    `local` is d(out)/d(input i) of an elementwise op as a template ({0}, {1}, {2} the
    operands, {ans} the output), `special(inputs, i, args)` a text that replaces the
    template where it returns one; `text(edge)` is the VJP of any other op as a phrase.
    `batch` names fd_batch's scheme for a stacked batch ("" where it has none; None: the
    default of the op's kind). For fd's complex step: `complex` says whether the forward
    takes complex numbers; `interior(eqn, *inputs)`, for an op with a branch point or pole
    on the real axis, where it is holomorphic."""

    forward: Callable[..., np.ndarray]
    vjp: Callable[..., tuple[np.ndarray | None, ...]]
    local: tuple[str, ...] = ()
    special: Callable[..., str | None] | None = None
    text: Callable[[Any], str] | None = None
    selective: bool = False
    batch: str | None = None
    complex: bool = True
    interior: Callable[..., Any] | None = None


def generic_text(e: Any) -> str:
    """The VJP phrase where no short formula is written."""
    return f"the VJP of {e.entry.eqn.op} at {e.g}"


def axis_text(e: Any, key: str = "axis") -> str:
    value = e.attr(key)
    return "" if value is None else f", {key}={value!r}"


def unbroadcast(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum a cotangent of a broadcast result back to an input's `shape`."""
    g = np.asarray(g)
    if g.shape == shape:
        return g  # the common case, and the hot path of tiny graphs
    lead = g.ndim - len(shape)
    if lead > 0:
        g = g.sum(axis=tuple(range(lead)))
    ones = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return g.sum(axis=ones, keepdims=True) if ones else g


def is_diff(x: Any) -> bool:
    """Whether an input takes a cotangent: a floating (or complex) array, never a literal."""
    return isinstance(x, np.ndarray) and x.dtype.kind in "fc"  # np.inexact, 20x faster


def float_dtype(xs: tuple[Any, ...]) -> np.dtype | None:
    floats = [x.dtype for x in xs if is_diff(x)]
    return np.result_type(*floats) if floats else None


def promote(*xs: Any) -> tuple[Any, ...]:
    """Cast integer and bool arrays to the floating arrays' dtype: arithmetic is in the
    case dtype, where NumPy would take int64 with float32 to float64. Literals stay weak."""
    for x in xs:  # a plain loop: this runs for every op, and most have nothing to cast
        if isinstance(x, np.ndarray) and x.dtype.kind not in "fc":
            break
    else:
        return xs
    dtype = float_dtype(xs)
    if dtype is None:
        return xs
    return tuple(x.astype(dtype) if isinstance(x, np.ndarray) and not is_diff(x) else x for x in xs)


def fit(d: Any, x: Any) -> np.ndarray | None:
    """The cotangent for input `x`: summed to its shape, in its dtype (its real part where
    `x` is real and the cotangent complex, as a real param times a complex input gives).

    Not copied: it may be a view of `g` or share memory with another input's cotangent,
    which is safe because the engine never writes into a cotangent (it accumulates with
    `+`, out of place) and copies what it hands out."""
    if not is_diff(x):
        return None
    d = unbroadcast(d, x.shape)
    if d.dtype.kind == "c" and x.dtype.kind != "c":
        d = d.real  # a real input's cotangent is the real part: dL/dx of L(x + 0i)
    return np.asarray(d, dtype=x.dtype)


def cj(a: Any) -> Any:
    """The complex conjugate where `a` is complex, else `a` itself (np.conj of a float
    array is a copy): a holomorphic op's VJP is g * cj(f'(z)), a product's g * cj(other),
    the convention of torch's autograd (the gradient of a real L is dL/dx + i dL/dy)."""
    if type(a) is np.ndarray:  # the hot path: one type check and one dtype look-up
        return a.conj() if a.dtype.kind == "c" else a
    kind = getattr(getattr(a, "dtype", None), "kind", None)
    if kind is not None:
        return a.conj() if kind == "c" else a
    return a.conjugate() if isinstance(a, complex) else a


def spread(v: np.ndarray, a: np.ndarray, axis: Any, keepdims: bool) -> np.ndarray:
    """A reduction's output (or cotangent) with the reduced axes back as size 1."""
    return v if keepdims else np.expand_dims(v, reduced_axes(axis, np.ndim(a)))


def reduced_axes(axis: Any, ndim: int) -> tuple[int, ...]:
    """`axis` as non-negative ints, in its order; NumPy lets a 0-d array take 0 or -1."""
    if axis is None or ndim == 0:
        return tuple(range(ndim))
    return tuple(int(a) % ndim for a in (axis if isinstance(axis, (tuple, list)) else (axis,)))


def vjp_none(g: Any, ans: Any, *inputs: Any, **attrs: Any) -> tuple[None, ...]:
    """Comparisons, argmax, argmin: no input takes a cotangent."""
    return (None,) * len(inputs)


def plain(fn: Callable[..., Any], *xs: Any, **attrs: Any) -> np.ndarray:
    return np.asarray(fn(*xs, **attrs))


def arith(fn: Callable[..., Any], *xs: Any) -> np.ndarray:
    return np.asarray(fn(*promote(*xs)))


def common_dtype(arrays: tuple[Any, ...] | list[Any]) -> list[np.ndarray]:
    """The arrays in the floating dtype, literals and int arrays cast: these functions
    take a literal as a float64 array, where a ufunc would keep the array's dtype."""
    dtype = float_dtype(arrays)
    return [np.asarray(x, dtype=dtype) for x in arrays]
