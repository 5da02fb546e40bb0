"""The numpy engine's forward-mode rules of reductions, linear algebra, sort and pad that
are written out (see np_jvp_rules), each the transpose of its VJP at the same conventions
(ties split evenly, torch's 0 at a zero norm, cholesky reading the lower triangle)."""

from __future__ import annotations

from typing import Any

import numpy as np

from . import np_rules_linalg
from .np_jvp_elementwise import _total
from .np_rules_common import reduced_axes
from .np_trace import Sym, Untraceable

SPECTRAL = ("nuc", 2, -2)  # the matrix norms through an SVD: no forward rule


def _spread(b: Any, v: Sym, x: Any, attrs: dict) -> Sym:
    """A reduction's output with its reduced axes back as size 1 (np_rules_common.spread)."""
    if attrs.get("keepdims"):
        return v
    axes = reduced_axes(attrs.get("axis"), x.ndim)
    return b.emit("expand_dims", v, axis=axes) if axes else v


def _extreme_reduction(ts, xs, ans, attrs):
    """Ties split evenly, as torch.amax and the engine's VJP."""
    t, x = ts[0], xs[0]
    if t is None:
        return None
    b = ans.builder
    mask = b.emit("equal", x, _spread(b, ans, x, attrs))
    count = mask.sum(axis=attrs.get("axis"), keepdims=True)
    return (t * mask / count).sum(axis=attrs.get("axis"), keepdims=attrs.get("keepdims", False))


def _logsumexp(ts, xs, ans, attrs):
    t, x = ts[0], xs[0]
    b = ans.builder
    weights = np.exp(x - _spread(b, ans, x, attrs))
    return (t * weights).sum(axis=attrs.get("axis"), keepdims=attrs.get("keepdims", False))


def _softmax(ts, xs, ans, attrs):
    t = ts[0]
    return ans * (t - (ans * t).sum(axis=attrs["axis"], keepdims=True))


def _log_softmax(ts, xs, ans, attrs):
    t = ts[0]
    return t - (np.exp(ans) * t).sum(axis=attrs["axis"], keepdims=True)


def _norm(ts, xs, ans, attrs):
    """sum(t * G) over the norm's axes, G the factor the VJP spreads g by (np_rules_linalg's
    own functions, traced: torch's 0 at a zero norm, ties split evenly). The spectral norms
    (nuc, 2, -2 of a matrix) go through an SVD, which is not traced: no rule for them."""
    t, x = ts[0], xs[0]
    ord, axis, keep = attrs.get("ord"), attrs.get("axis"), attrs.get("keepdims", False)
    if np.iscomplexobj(x.value):
        raise Untraceable("complex numbers")
    if axis is None:
        axes = tuple(range(x.ndim)) if ord is None else tuple(range(min(x.ndim, 2)))
    else:
        axes = reduced_axes(axis, x.ndim)
    b = ans.builder
    n = ans if keep else (b.emit("expand_dims", ans, axis=axes) if axes else ans)
    if len(axes) == 2 and ord in SPECTRAL:
        raise Untraceable("the spectral norms nuc, 2 and -2 of a matrix (an SVD)")
    if len(axes) == 2 and ord is not None:
        factor = np_rules_linalg._matrix_norm_grad(x, n, ord, axes)
    else:
        factor = np_rules_linalg._vector_norm_grad(x, n, ord, axes)
    if not isinstance(factor, Sym):  # ord=0: zeros
        return None
    return (t * factor).sum(axis=axes, keepdims=keep)


def _inv(ts, xs, ans, attrs):
    return -(ans @ ts[0] @ ans)


def _solve(ts, xs, ans, attrs):
    """x = solve(a, b): dx = solve(a, db - da @ x) (x a vector or a stack of columns)."""
    a, rhs = xs
    b = ans.builder
    da_x = None if ts[0] is None else b.emit("matmul", ts[0], ans)
    return b.emit("solve", a, _total(ts[1], None if da_x is None else -da_x))


def _sort(ts, xs, ans, attrs):
    b = ans.builder
    order = b.emit("argsort", xs[0], axis=attrs["axis"])
    return b.emit("take_along_axis", ts[0], order, axis=attrs["axis"])


def _pad(ts, xs, ans, attrs):
    """Affine in the array: its tangent padded with zeros (constant mode) or as the mode does."""
    b = ans.builder
    if attrs.get("mode", "constant") == "constant":
        attrs = {**attrs, "constant_values": 0}
    return b.emit("pad", ts[0], **attrs)


def _var(ts, xs, ans, attrs):
    """var = sum((x - mean)^2) / (n - ddof): its tangent 2 sum((x - mean) t) / (n - ddof)."""
    t, x = ts[0], xs[0]
    axis, ddof = attrs.get("axis"), attrs.get("ddof", 0)
    n = x.value.size // max(ans.value.size, 1)  # the elements of each reduced slice
    centred = x - x.builder.emit("mean", x, axis=axis, keepdims=True)
    keep = attrs.get("keepdims", False)
    return (centred * t).sum(axis=axis, keepdims=keep) * (2.0 / (n - ddof))


def _std(ts, xs, ans, attrs):
    b = ans.builder
    var = b.emit("var", xs[0], **attrs)
    return _var(ts, xs, var, attrs) / (2 * ans)


def _prod(ts, xs, ans, attrs):
    """Each element's tangent times the product of the others in its slice, the product
    taken of the slice with that element set to 1 (exact at zeros, as the VJP)."""
    t, x = ts[0], xs[0]
    b = ans.builder
    if x.ndim == 0:
        return t
    axes = reduced_axes(attrs.get("axis"), x.ndim)
    kept = [n for i, n in enumerate(x.shape) if i not in axes]
    n = x.value.size // max(int(np.prod(kept)), 1) if kept else x.value.size
    ends = tuple(range(-len(axes), 0))

    def slices(v: Sym) -> Sym:  # the reduced axes last, as one
        moved = b.emit("moveaxis", v, source=axes, destination=ends)
        return b.emit("reshape", moved, shape=(*kept, n))

    x, t = slices(x), slices(t)
    square = b.emit("broadcast_to", b.emit("expand_dims", x, axis=-2), shape=(*x.shape, n))
    others = b.emit("where", np.eye(n, dtype=bool), 1.0, square).prod_last()
    out = (t * others).sum(axis=-1)
    if attrs.get("keepdims", False):
        return b.emit("expand_dims", out, axis=axes)
    return out


def _det(ts, xs, ans, attrs):
    """d det = det * tr(inv(a) da), the transpose of the VJP's g * det * inv(a).T."""
    b = ans.builder
    return ans * _trace_solve(b, xs[0], ts[0])


def _trace_solve(b: Any, a: Sym, t: Sym) -> Sym:
    inv_t = b.emit("swapaxes", b.emit("inv", a), axis1=-1, axis2=-2)
    return (inv_t * t).sum(axis=(-2, -1))


def _slogdet(ts, xs, ans, attrs):
    if attrs.get("output", 0) == 0:
        return None  # the sign is piecewise constant on real matrices
    return _trace_solve(ans.builder, xs[0], ts[0])


def _cholesky(ts, xs, ans, attrs):
    """L = cholesky(a) reads a's lower triangle: with the tangent of that symmetric matrix
    S, P = inv(L) S inv(L).T and dL = L (tril(P, -1) + diag(P) / 2)."""
    b = ans.builder
    t = ts[0]
    lower = b.emit("tril", t, k=0)
    sym = lower + b.emit("swapaxes", b.emit("tril", t, k=-1), axis1=-1, axis2=-2)
    inv = b.emit("inv", ans)
    p = inv @ sym @ b.emit("swapaxes", inv, axis1=-1, axis2=-2)
    n = ans.shape[-1]
    phi = b.emit("tril", p, k=-1) + p * (0.5 * np.eye(n))
    return ans @ phi


RULES: dict[str, Any] = {
    "max": _extreme_reduction, "min": _extreme_reduction, "logsumexp": _logsumexp,
    "softmax": _softmax, "log_softmax": _log_softmax, "norm": _norm, "inv": _inv,
    "solve": _solve, "sort": _sort, "pad": _pad, "var": _var, "std": _std, "prod": _prod,
    "det": _det, "slogdet": _slogdet, "cholesky": _cholesky,
}  # fmt: skip
