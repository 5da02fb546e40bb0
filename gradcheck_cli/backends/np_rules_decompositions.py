"""The numpy engine's rules for the v2 functions of `ops.DECOMPOSITIONS` (numpy.linalg:
inv det slogdet solve cholesky eigh eigvalsh svd svdvals qr): forward, VJP and explain
text, per op (see np_rules_common.Rule).

Every function takes stacked matrices (the last two axes), as NumPy does. A tuple result
(slogdet, eigh, svd, qr) is one equation per part, the part chosen by the attribute
`output`; its VJP is the decomposition's with the other parts' cotangents zero. On
complex matrices every transpose is the conjugate transpose (`_h`: torch's convention, so
det's cotangent is g * conj(det * inv(a).T)). eigh, eigvalsh and cholesky read the lower
triangle only, as NumPy does, so their gradients are exact for that reading: the upper
triangle gets 0 and each strictly lower element the sum of the symmetric (Hermitian)
gradient's two mirror entries (torch, jax and tensorflow's cholesky give the symmetric
gradient instead). slogdet's sign is piecewise constant on real matrices; on complex ones
it is det / |det| = e^{i theta}, theta = Im log det. Where a gradient is undefined
(repeated eigenvalues or singular values) the formula gives what it gives: inf or NaN.
"""

from __future__ import annotations

import numpy as np

from .np_rules_common import Rule, cj, common_dtype, fit, generic_text, is_diff, unbroadcast
from .np_rules_svd import (
    _float,
    _h,
    _lower_of,
    _offdiag_inverse,
    qr,
    svd,
    svdvals,
    vjp_qr,
    vjp_svd,
    vjp_svdvals,
)

# ---- inv, det, slogdet, solve --------------------------------------------------------------


def inv(a):
    return np.linalg.inv(_float(a))


def vjp_inv(g, ans, a):
    if not is_diff(a):
        return (None,)
    xt = _h(ans)
    return (fit(-(xt @ g @ xt), a),)


def det(a):
    return np.asarray(np.linalg.det(_float(a)))


def vjp_det(g, ans, a):
    if not is_diff(a):
        return (None,)
    return (fit((g * cj(ans))[..., None, None] * _h(np.linalg.inv(a)), a),)


def slogdet(a, output=0):
    return np.asarray(np.linalg.slogdet(_float(a))[output])


def vjp_slogdet(g, ans, a, output=0):
    if not is_diff(a):
        return (None,)
    if output == 1:  # log |det| = Re log det
        return (fit(np.real(g)[..., None, None] * _h(np.linalg.inv(a)), a),)
    if a.dtype.kind != "c":  # the sign is piecewise constant
        return (np.zeros_like(a),)
    # sign s = e^{i theta}: d theta = Im tr(inv(a) da), and g's part along i s is -Im(conj(g) s)
    turn = np.asarray(-np.imag(np.conj(g) * ans))
    return (fit((1j * turn)[..., None, None] * _h(np.linalg.inv(a)), a),)


def _vector_b(a, b) -> bool:
    """NumPy 2's rule: b is one vector (M,) exactly when it is 1-D."""
    return np.ndim(b) == 1


def solve(a, b):
    a, b = common_dtype((a, b))
    return np.linalg.solve(a, b)


def vjp_solve(g, ans, a, b):
    x, y = common_dtype((a, b))
    at = _h(x)
    if _vector_b(x, y):
        gb = np.linalg.solve(at, g[..., None])  # (..., M, 1)
        da = -gb * cj(ans)[..., None, :]
        db = gb[..., 0]
    else:
        batch = np.broadcast_shapes(at.shape[:-2], g.shape[:-2])
        gb = np.linalg.solve(np.broadcast_to(at, batch + at.shape[-2:]), g)
        da = -gb @ _h(ans)
        db = gb
    return fit(unbroadcast(da, np.shape(a)), a), fit(unbroadcast(db, np.shape(b)), b)


# ---- cholesky, eigh, eigvalsh ----------------------------------------------------------------


def cholesky(a):
    return np.linalg.cholesky(_float(a))


def vjp_cholesky(g, ans, a):
    """Murray's formula: P = L^-T Phi(L^T gL) L^-1 (Phi: the lower triangle, its diagonal
    halved), symmetrized, then read through the lower triangle."""
    if not is_diff(a):
        return (None,)
    L = ans
    phi = np.tril(_h(L) @ g)
    n = L.shape[-1]
    phi = phi - 0.5 * np.eye(n, dtype=L.dtype) * phi
    # L^-T phi L^-1, by two triangular solves (NumPy's solve: general, which is fine here)
    linv = np.linalg.inv(L)
    p = _h(linv) @ phi @ linv
    return (fit(_lower_of((p + _h(p)) / 2), a),)


def _eigh(a):
    return np.linalg.eigh(_float(a))


def eigh(a, output=0):
    return np.asarray(_eigh(a)[output])


def _eigh_grad(w, v, gw, gv):
    """The gradient wrt the symmetric matrix: V (diag(gw) + F * (V^T gV)) V^T (^H if complex)."""
    inner = np.zeros(v.shape, dtype=v.dtype)
    if gw is not None:
        inner = inner + np.real(gw)[..., None] * np.eye(w.shape[-1], dtype=v.dtype)
    if gv is not None:
        inner = inner + _offdiag_inverse(w) * (_h(v) @ gv)
    return v @ inner @ _h(v)


def vjp_eigh(g, ans, a, output=0):
    if not is_diff(a):
        return (None,)
    w, v = _eigh(a)
    grad = _eigh_grad(w, v, g if output == 0 else None, g if output == 1 else None)
    return (fit(_lower_of((grad + _h(grad)) / 2), a),)


def eigvalsh(a):
    return np.linalg.eigvalsh(_float(a))


def vjp_eigvalsh(g, ans, a):
    if not is_diff(a):
        return (None,)
    w, v = _eigh(a)
    grad = _eigh_grad(w, v, g, None)
    return (fit(_lower_of((grad + _h(grad)) / 2), a),)


# ---- explain's phrases -----------------------------------------------------------------------


def _inv_text(e) -> str:
    return f"-{e.ans}.T @ {e.g} @ {e.ans}.T"


def _det_text(e) -> str:
    return f"{e.g} * {e.ans} * inv({e.args[0]}).T"


def _slogdet_text(e) -> str:
    if e.attr("output") == 0:
        return "0 (the sign is piecewise constant)"
    return f"{e.g} * inv({e.args[0]}).T"


def _solve_text(e) -> str:
    a = e.args[0]
    if e.i == 1:
        return f"solve({a}.T, {e.g})"
    return f"-solve({a}.T, {e.g}) @ {e.ans}.T"


def _phrase(text: str):
    return lambda e: f"{text} at {e.g}" if text else generic_text(e)


_BATCH = ""  # fd loops: NumPy's stacked-matrix rules are not fd_batch's schemes

RULES: dict[str, Rule] = {
    "inv": Rule(inv, vjp_inv, text=_inv_text, batch=_BATCH),
    "det": Rule(det, vjp_det, text=_det_text, batch=_BATCH),
    "slogdet": Rule(slogdet, vjp_slogdet, text=_slogdet_text, batch=_BATCH, complex=False),
    "solve": Rule(solve, vjp_solve, text=_solve_text, batch=_BATCH),
    "cholesky": Rule(
        cholesky,
        vjp_cholesky,
        text=_phrase("Murray's formula L^-T Phi(L^T g) L^-1, symmetrized, lower triangle"),
        batch=_BATCH,
        complex=False,
    ),
    "eigh": Rule(
        eigh,
        vjp_eigh,
        text=_phrase("V (diag(g_w) + F * (V^T g_V)) V^T, F = 1/(w_j - w_i), lower triangle"),
        batch=_BATCH,
        complex=False,
    ),
    "eigvalsh": Rule(
        eigvalsh,
        vjp_eigvalsh,
        text=_phrase("V diag(g) V^T, read through the lower triangle"),
        batch=_BATCH,
        complex=False,
    ),
    "svd": Rule(
        svd,
        vjp_svd,
        text=_phrase("the reduced SVD's VJP (Townsend), F = 1/(s_j^2 - s_i^2)"),
        batch=_BATCH,
        complex=False,
    ),
    "svdvals": Rule(
        svdvals, vjp_svdvals, text=_phrase("U diag(g) V^T"), batch=_BATCH, complex=False
    ),
    "qr": Rule(qr, vjp_qr, text=_phrase("the reduced QR's VJP"), batch=_BATCH, complex=False),
}
