"""The numpy engine's norms and products (norm, matmul, dot, outer): forward, VJP and
explain's phrase for the VJP, per op.

Each forward is NumPy's own semantics; each VJP `vjp(g, ans, *inputs, **attrs)` returns
one cotangent per input (None where the input takes none). The products are selective:
they take `wanted=` and compute only the cotangents asked for. On complex numbers a
product's cotangent takes the other operand conjugated (matmul: g @ conj(b).T, torch's
convention), and a norm is of the moduli (the 2-norm sqrt(sum |z|^2) takes g * z / n).
"""

from __future__ import annotations

from functools import partial

import numpy as np

from .np_rules_common import (
    Rule,
    arith,
    cj,
    common_dtype,
    fit,
    generic_text,
    is_diff,
    plain,
    promote,
    reduced_axes,
    unbroadcast,
)

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
    a, b = (cj(x) for x in promote(x1, x2))
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
    return np.dot(*common_dtype((a, b)))


def outer(a, b):
    return np.outer(*common_dtype((a, b)))


def vjp_dot(g, ans, a, b, wanted=(True, True)):
    """numpy.dot contracts a's last axis with b's second-to-last (its only, if 1-D);
    with a 0-D operand it is multiply."""
    x, y = (cj(v) for v in promote(a, b))
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
    x, y = (cj(v) for v in promote(a, b))
    dx = fit((g @ np.ravel(y)).reshape(np.shape(a)), a) if wanted[0] else None
    dy = fit((np.ravel(x) @ g).reshape(np.shape(b)), b) if wanted[1] else None
    return dx, dy


def _matmul_text(e) -> str:
    a, b = e.args
    forms = {  # (ndim a, ndim b) -> (d/da, d/db)
        (2, 2): (f"{e.g} @ {b}.T", f"{a}.T @ {e.g}"),
        (1, 1): (f"{e.g} * {b}", f"{e.g} * {a}"),
        (2, 1): (f"outer({e.g}, {b})", f"{a}.T @ {e.g}"),
        (1, 2): (f"{b} @ {e.g}", f"outer({a}, {e.g})"),
    }
    ndims = (len(e.shape(0)), len(e.shape(1)))
    return forms[ndims][e.i] if ndims in forms else generic_text(e)


def _norm_text(e) -> str:
    if e.attr("ord") in (None, 2, "fro") and e.attr("axis") is None:
        return f"{e.g} * {e.args[0]} / {e.ans}"
    return generic_text(e)


def _outer_text(e) -> str:
    return f"{e.g} @ {e.args[1]}" if e.i == 0 else f"{e.g}.T @ {e.args[0]}"


RULES: dict[str, Rule] = {
    "norm": Rule(partial(plain, np.linalg.norm), vjp_norm, text=_norm_text, batch="norm"),
    "matmul": Rule(
        partial(arith, np.matmul), vjp_matmul, text=_matmul_text, selective=True, batch="product"
    ),
    "dot": Rule(partial(plain, dot), vjp_dot, text=_matmul_text, selective=True, batch="product"),
    "outer": Rule(
        partial(plain, outer), vjp_outer, text=_outer_text, selective=True, batch="outer"
    ),
}
