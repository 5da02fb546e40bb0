"""The numpy backend's rules beyond the elementwise ops, and the helpers every rule shares.

Reductions, norms, products (matmul, dot, outer), shape and index ops: each a forward
that is NumPy's own semantics and a VJP `vjp(g, ans, *inputs, **attrs)` returning one
cotangent per input (None where the input takes none). `np_rules` lists them in its two
tables. The shared helpers live here, not there, so imports go one way (np_rules -> this).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import ir

# ---- shared helpers ---------------------------------------------------------------------


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
    """The cotangent for input `x`: summed to its shape, in its dtype.

    Not copied: it may be a view of `g` or share memory with another input's cotangent,
    which is safe because the engine never writes into a cotangent (it accumulates with
    `+`, out of place) and copies what it hands out."""
    if not is_diff(x):
        return None
    return np.asarray(unbroadcast(d, x.shape), dtype=x.dtype)


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


# ---- reductions -------------------------------------------------------------------------


def vjp_sum(g, ans, a, axis=None, keepdims=False):
    return (fit(np.broadcast_to(spread(g, a, axis, keepdims), np.shape(a)), a),)


def vjp_mean(g, ans, a, axis=None, keepdims=False):
    count = int(np.prod([np.shape(a)[i] for i in reduced_axes(axis, np.ndim(a))]))
    return (fit(np.broadcast_to(spread(g, a, axis, keepdims) / count, np.shape(a)), a),)


def vjp_prod(g, ans, a, axis=None, keepdims=False):
    """Each element gets the product of the others in its slice, computed from exclusive
    cumulative products from both ends, so one zero (or two) is exact, never ans / a."""
    if not is_diff(a):
        return (None,)
    axes = reduced_axes(axis, a.ndim)
    kept = [i for i in range(a.ndim) if i not in axes]
    moved = np.transpose(a, kept + list(axes))
    n = int(np.prod([a.shape[i] for i in axes]))
    flat = moved.reshape(moved.shape[: len(kept)] + (n,))
    others = _exclusive_cumprod(flat) * _exclusive_cumprod(flat[..., ::-1])[..., ::-1]
    others = np.transpose(others.reshape(moved.shape), np.argsort(kept + list(axes)))
    return (fit(spread(g, a, axis, keepdims) * others, a),)


def _exclusive_cumprod(x: np.ndarray) -> np.ndarray:
    out = np.ones_like(x)
    out[..., 1:] = np.cumprod(x[..., :-1], axis=-1)
    return out


def vjp_extremum(g, ans, a, axis=None, keepdims=False):
    """max and min: tied extrema share the gradient evenly (torch.amax's convention)."""
    hit = a == spread(ans, a, axis, keepdims)
    count = np.sum(hit, axis=reduced_axes(axis, np.ndim(a)), keepdims=True)
    return (fit(spread(g, a, axis, keepdims) * hit / count, a),)


def logsumexp(a, axis=None, keepdims=False):
    """jax.scipy.special.logsumexp: shifted by the max, a non-finite max replaced by 0 so
    that all -inf gives log(0) = -inf rather than NaN."""
    a = np.asarray(a)
    top = np.max(a.real, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0)
    out = np.log(np.sum(np.exp(a - top), axis=axis, keepdims=True)) + top
    return np.asarray(out if keepdims else np.squeeze(out, axis=reduced_axes(axis, a.ndim)))


def vjp_logsumexp(g, ans, a, axis=None, keepdims=False):
    s = spread(ans, a, axis, keepdims)
    return (fit(spread(g, a, axis, keepdims) * np.exp(a - s), a),)


def softmax(x, axis=-1):
    """jax.nn.softmax: shifted by the max (of the real part, so complex steps pass)."""
    x = np.asarray(x)
    e = np.exp(x - np.max(x.real, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def vjp_softmax(g, ans, x, axis=-1):
    return (fit(ans * (g - np.sum(g * ans, axis=axis, keepdims=True)), x),)


def log_softmax(x, axis=-1):
    """jax.nn.log_softmax: the shifted input minus the log of its summed exponentials."""
    x = np.asarray(x)
    shifted = x - np.max(x.real, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def vjp_log_softmax(g, ans, x, axis=-1):
    return (fit(g - np.exp(ans) * np.sum(g, axis=axis, keepdims=True), x),)


def vjp_cumsum(g, ans, a, axis=None):
    if axis is None:  # NumPy flattened a first
        return (fit(np.cumsum(g[::-1])[::-1].reshape(np.shape(a)), a),)
    return (fit(np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis), a),)


# ---- norms ------------------------------------------------------------------------------


def vjp_norm(g, ans, x, ord=None, axis=None, keepdims=False):
    """numpy.linalg.norm: a vector norm over one axis (or the flattened array when ord and
    axis are None), a matrix norm over two."""
    if not is_diff(x):
        return (None,)
    if axis is None:
        axes = tuple(range(x.ndim)) if ord is None else tuple(range(min(x.ndim, 2)))
    else:
        axes = reduced_axes(axis, x.ndim)
    gs = g if keepdims else np.expand_dims(g, axes)
    n = ans if keepdims else np.expand_dims(ans, axes)
    if len(axes) == 2 and ord is not None:
        return (fit(gs * _matrix_norm_grad(x, n, ord, axes), x),)
    return (fit(gs * _vector_norm_grad(x, n, ord, axes), x),)


def _vector_norm_grad(x, n, ord, axes):
    if ord is None or ord == 2:
        return np.where(n == 0, 0, x / n)  # torch's choice at 0; jax and tf give NaN
    if ord == 0:
        return np.zeros_like(x)  # a count of nonzeros
    if ord == 1:
        return np.sign(x)
    if np.isinf(ord):
        return np.sign(x) * _tie_share(np.abs(x), n, axes)
    # |x|^(p-1) is inf at 0 when p < 1; masked as torch does (the term's limit is 0)
    mag = np.where(x == 0, 0, np.abs(x) ** (ord - 1))
    return np.sign(x) * mag * np.where(n == 0, 0, n ** (1 - ord))


def _matrix_norm_grad(x, n, ord, axes):
    rows, cols = axes
    if ord == "fro":
        return np.where(n == 0, 0, x / n)
    if ord in ("nuc", 2, -2):
        return _spectral_grad(x, ord, axes)
    # 1, -1: the extremal column sum of |x| (summed over rows); inf, -inf: the row sum
    summed, chosen = (cols, rows) if np.isinf(ord) else (rows, cols)
    sums = np.sum(np.abs(x), axis=summed, keepdims=True)
    return np.sign(x) * _tie_share(sums, n, (chosen,))


def _tie_share(values, target, axes):
    """1 / count where `values` attains the max or min `target` in its slice, else 0."""
    hit = values == target
    return hit / np.sum(hit, axis=axes, keepdims=True)


def _spectral_grad(x, ord, axes):
    """nuc: U V^T; 2: u1 v1^T (largest singular value); -2: the smallest one's pair."""
    m = np.moveaxis(x, axes, (-2, -1))
    u, _, vh = np.linalg.svd(m, full_matrices=False)
    if ord == 2:
        u, vh = u[..., :, :1], vh[..., :1, :]
    elif ord == -2:
        u, vh = u[..., :, -1:], vh[..., -1:, :]
    return np.moveaxis(u @ vh, (-2, -1), axes)


# ---- products ---------------------------------------------------------------------------


def vjp_matmul(g, ans, x1, x2, wanted=(True, True)):
    """A 1-D operand was promoted (a row for x1, a column for x2); batch dims broadcast."""
    a, b = promote(x1, x2)
    a2 = a[None, :] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    g2 = np.expand_dims(g, -1) if b.ndim == 1 else g
    g2 = np.expand_dims(g2, -2) if a.ndim == 1 else g2
    da = db = None
    if wanted[0]:
        da = fit(unbroadcast(g2 @ np.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape), x1)
    if wanted[1]:
        db = fit(unbroadcast(np.swapaxes(a2, -1, -2) @ g2, b2.shape).reshape(b.shape), x2)
    return da, db


def dot(a, b):
    return np.dot(*_common_dtype((a, b)))


def outer(a, b):
    return np.outer(*_common_dtype((a, b)))


def vjp_dot(g, ans, a, b, wanted=(True, True)):
    """numpy.dot contracts a's last axis with b's second-to-last (its only, if 1-D);
    with a 0-D operand it is multiply."""
    x, y = promote(a, b)
    if np.ndim(x) == 0 or np.ndim(y) == 0:
        return fit(g * y, a) if wanted[0] else None, fit(g * x, b) if wanted[1] else None
    kb = 0 if y.ndim == 1 else y.ndim - 2
    free_a = x.ndim - 1
    free_b = [i for i in range(y.ndim) if i != kb]
    dx = dy = None
    if wanted[0]:
        dx = fit(np.tensordot(g, y, axes=(list(range(free_a, g.ndim)), free_b)), a)
    if wanted[1]:
        dy = np.tensordot(x, g, axes=(list(range(free_a)), list(range(free_a))))
        dy = fit(np.moveaxis(dy, 0, kb), b)
    return dx, dy


def vjp_outer(g, ans, a, b, wanted=(True, True)):
    x, y = promote(a, b)
    dx = fit((g @ np.ravel(y)).reshape(np.shape(a)), a) if wanted[0] else None
    dy = fit((np.ravel(x) @ g).reshape(np.shape(b)), b) if wanted[1] else None
    return dx, dy


# ---- shape and index --------------------------------------------------------------------


def vjp_transpose(g, ans, a, axes=None):
    if axes is None:
        return (fit(np.transpose(g), a),)
    return (fit(np.transpose(g, np.argsort(reduced_axes(axes, np.ndim(a)))), a),)


def vjp_reshape_back(g, ans, a, **attrs):
    """reshape, expand_dims, squeeze: the cotangent takes the input's shape back."""
    return (fit(np.reshape(g, np.shape(a)), a),)


def vjp_flip(g, ans, m, axis=None):
    return (fit(np.flip(g, axis), m),)


def concatenate(*arrays, axis=0):
    return np.concatenate(_common_dtype(arrays), axis=axis)


def stack(*arrays, axis=0):
    return np.stack(_common_dtype(arrays), axis=axis)


def _common_dtype(arrays):
    """The arrays in the floating dtype, literals and int arrays cast: these functions
    take a literal as a float64 array, where a ufunc would keep the array's dtype."""
    dtype = float_dtype(arrays)
    return [np.asarray(x, dtype=dtype) for x in arrays]


def vjp_concatenate(g, ans, *arrays, axis=0):
    if axis is None:  # NumPy flattened every array first
        sizes = [np.size(x) for x in arrays]
        parts = np.split(np.ravel(g), np.cumsum(sizes)[:-1])
    else:
        sizes = [np.shape(x)[axis] for x in arrays]
        parts = np.split(g, np.cumsum(sizes)[:-1], axis=axis)
    return tuple(fit(p.reshape(np.shape(x)), x) for p, x in zip(parts, arrays, strict=True))


def vjp_stack(g, ans, *arrays, axis=0):
    return tuple(fit(np.take(g, i, axis=axis), x) for i, x in enumerate(arrays))


def getitem(x, *arrays, index):
    return np.asarray(np.asarray(x)[ir.numpy_index(index, arrays)])


def vjp_getitem(g, ans, x, *arrays, index):
    """Scatter g back; a gather's repeated index accumulates (np.add.at), where plain
    assignment would keep only the last write."""
    rest = (None,) * len(arrays)
    if not is_diff(x):
        return (None, *rest)
    idx = ir.numpy_index(index, arrays)
    dx = np.zeros_like(x)
    if all(_is_basic(e) for e in idx):
        dx[idx] = g  # basic indices never repeat an element
    else:
        np.add.at(dx, idx, g)
    return (dx, *rest)


def _is_basic(entry: Any) -> bool:
    if entry is None or entry is Ellipsis or isinstance(entry, slice):
        return True
    return isinstance(entry, (int, np.integer)) and not isinstance(entry, (bool, np.bool_))
