"""The numpy engine's rules for the v2 functions of `ops.STATS`: forward, VJP and explain
text, per op (see np_rules_common.Rule).

var std cumprod trace (reductions), einsum tensordot kron cross (products), diag diagonal
triu tril (diagonals and triangles). Each forward is NumPy's own function; each VJP returns
one cotangent per input, in that input's shape and dtype (None where it takes none).
Conventions: std's gradient where the spread is 0 is 0 (torch's, as norm's at 0); var and
std with ddof >= n divide by 0 as NumPy does (inf; the gradient inf or NaN); cumprod's VJP
never divides by the input, so zeros are exact. On complex numbers var and std are of the
moduli (mean |a - mean|^2, NumPy's and torch's), whose cotangent 2 g (a - mean) / n needs no
conjugate; cumprod, holomorphic, conjugates its factors.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from .np_rules_common import (
    Rule,
    axis_text,
    cj,
    fit,
    is_diff,
    plain,
    reduced_axes,
    spread,
)
from .np_rules_products import (
    cross,
    einsum,
    kron,
    tensordot,
    vjp_cross,
    vjp_einsum,
    vjp_kron,
    vjp_tensordot,
)

# ---- var, std -----------------------------------------------------------------------------


def _centered(a, axis, ddof):
    """a minus its mean over `axis` (kept), and NumPy's divisor max(n - ddof, 0)."""
    count = int(np.prod([np.shape(a)[i] for i in reduced_axes(axis, np.ndim(a))]))
    return a - np.mean(a, axis=axis, keepdims=True), max(count - ddof, 0)


def vjp_var(g, ans, a, axis=None, ddof=0, keepdims=False):
    if not is_diff(a):
        return (None,)
    centered, divisor = _centered(a, axis, ddof)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = spread(g, a, axis, keepdims) * 2 * centered / divisor
    return (fit(d, a),)


def vjp_std(g, ans, a, axis=None, ddof=0, keepdims=False):
    """(a - mean) / (divisor * std); 0 where std is 0 (a constant slice: 0/0)."""
    if not is_diff(a):
        return (None,)
    centered, divisor = _centered(a, axis, ddof)
    s = spread(ans, a, axis, keepdims)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(s == 0, 0, centered / (divisor * s))
    return (fit(spread(g, a, axis, keepdims) * d, a),)


# ---- cumprod, trace -----------------------------------------------------------------------


def vjp_cumprod(g, ans, a, axis=None):
    """d a_k = (product of a before k) * S_k, S_k = g_k + a_{k+1} S_{k+1}: no division."""
    if not is_diff(a):
        return (None,)
    flat = axis is None or np.ndim(a) == 0  # NumPy flattened a first
    x = cj(np.ravel(a) if flat else np.moveaxis(a, axis, 0))
    gx = np.ravel(g) if flat else np.moveaxis(g, axis, 0)
    n = x.shape[0]
    before = np.ones(x.shape, np.result_type(x, gx))
    before[1:] = np.cumprod(x[:-1], axis=0)
    s = np.array(gx, dtype=before.dtype)
    for k in range(n - 2, -1, -1):
        s[k] = gx[k] + x[k + 1] * s[k + 1]
    d = before * s
    d = d.reshape(np.shape(a)) if flat else np.moveaxis(d, 0, axis)
    return (fit(d, a),)


def _on_diagonal(shape, dtype, values, offset, axis1, axis2):
    """Zeros of `shape` with `values` (the shape of np.diagonal's result, or broadcast to
    it) on the diagonal `offset` of the axes axis1, axis2."""
    out = np.zeros(shape, dtype)
    view = np.moveaxis(out, (axis1, axis2), (-2, -1))
    n = min(view.shape[-2] - max(-offset, 0), view.shape[-1] - max(offset, 0))
    if n > 0:
        steps = np.arange(n)
        view[..., steps + max(-offset, 0), steps + max(offset, 0)] = values
    return out


def trace(a, offset=0):
    return np.asarray(np.trace(a, offset=offset))


def vjp_trace(g, ans, a, offset=0):
    if not is_diff(a):
        return (None,)
    dtype = np.result_type(a, g)
    return (fit(_on_diagonal(a.shape, dtype, np.asarray(g)[..., None], offset, 0, 1), a),)


# ---- diag, diagonal, triu, tril -----------------------------------------------------------


def diag(v, k=0):
    return np.array(np.diag(v, k=k))


def vjp_diag(g, ans, v, k=0):
    if not is_diff(v):
        return (None,)
    if np.ndim(v) == 1:  # v went onto the diagonal k of a square
        return (fit(np.diagonal(g, offset=k), v),)
    return (fit(_on_diagonal(v.shape, np.result_type(v, g), g, k, 0, 1), v),)


def diagonal(a, offset=0, axis1=0, axis2=1):
    return np.array(np.diagonal(a, offset=offset, axis1=axis1, axis2=axis2))


def vjp_diagonal(g, ans, a, offset=0, axis1=0, axis2=1):
    if not is_diff(a):
        return (None,)
    axis1, axis2 = axis1 % a.ndim, axis2 % a.ndim
    return (fit(_on_diagonal(a.shape, np.result_type(a, g), g, offset, axis1, axis2), a),)


def vjp_triangle(fn, g, ans, m, k=0):
    """triu and tril keep a triangle of the last two axes: g's same triangle, summed back
    over the axis NumPy broadcast a 1-D m to."""
    return (fit(fn(g, k=k), m),)


# ---- explain's phrases --------------------------------------------------------------------


def _var_text(e) -> str:
    ddof = e.attr("ddof") or 0
    n = f"(n - {ddof})" if ddof else "n"
    return f"2 * {e.g} * ({e.args[0]} - mean{axis_text(e)}) / {n}"


def _std_text(e) -> str:
    ddof = e.attr("ddof") or 0
    n = f"(n - {ddof})" if ddof else "n"
    return f"{e.g} * ({e.args[0]} - mean{axis_text(e)}) / ({n} * {e.ans}), 0 where {e.ans} is 0"


def _einsum_text(e) -> str:
    return f"einsum of {e.g} with the other operands onto operand {e.i}'s labels"


def _tensordot_text(e) -> str:
    other = e.args[1 - e.i]
    return f"tensordot of {e.g} with {other} over {other}'s free axes, back to {e.shape()}"


def _kron_text(e) -> str:
    return f"the blocks of {e.g} summed against {e.args[1 - e.i]}"


def _cross_text(e) -> str:
    a, b = e.args
    return f"cross({b}, {e.g})" if e.i == 0 else f"cross({e.g}, {a})"


def _diag_text(e) -> str:
    return f"{e.g} on the diagonal {e.attr('k') or 0}, zeros elsewhere"


RULES: dict[str, Rule] = {
    "var": Rule(partial(plain, np.var), vjp_var, text=_var_text),
    "std": Rule(partial(plain, np.std), vjp_std, text=_std_text),
    "cumprod": Rule(
        partial(plain, np.cumprod),
        vjp_cumprod,
        text=lambda e: f"{e.g} through the products of the other prefix elements (no division)",
        batch="cumsum",
    ),
    "trace": Rule(
        trace,
        vjp_trace,
        text=lambda e: f"{e.g} on the diagonal {e.attr('offset') or 0} of the first two axes",
        batch="",
    ),
    "einsum": Rule(einsum, vjp_einsum, text=_einsum_text, selective=True, batch=""),
    "tensordot": Rule(tensordot, vjp_tensordot, text=_tensordot_text, selective=True, batch=""),
    "kron": Rule(kron, vjp_kron, text=_kron_text, selective=True, batch=""),
    "cross": Rule(cross, vjp_cross, text=_cross_text, selective=True, batch=""),
    "diag": Rule(
        diag,
        vjp_diag,
        text=lambda e: (
            f"diagonal({e.g}, {e.attr('k') or 0})" if len(e.shape()) == 1 else _diag_text(e)
        ),
        batch="",
    ),
    "diagonal": Rule(
        diagonal,
        vjp_diagonal,
        text=lambda e: f"{e.g} on the diagonal {e.attr('offset') or 0}, zeros elsewhere",
        batch="",
    ),
    "triu": Rule(
        partial(plain, np.triu),
        partial(vjp_triangle, np.triu),
        text=lambda e: f"triu({e.g}, {e.attr('k') or 0})",
        batch="",
    ),
    "tril": Rule(
        partial(plain, np.tril),
        partial(vjp_triangle, np.tril),
        text=lambda e: f"tril({e.g}, {e.attr('k') or 0})",
        batch="",
    ),
}
