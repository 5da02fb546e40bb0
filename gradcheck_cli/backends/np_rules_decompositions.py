"""The numpy engine's rules for the v2 functions of `ops.DECOMPOSITIONS` (numpy.linalg:
inv det slogdet solve cholesky eigh eigvalsh svd svdvals qr): forward, VJP and explain
text, per op (see np_rules_common.Rule).

Every function takes stacked matrices (the last two axes), as NumPy does. A tuple result
(slogdet, eigh, svd, qr) is one equation per part, the part chosen by the attribute
`output`; its VJP is the decomposition's with the other parts' cotangents zero. The
formulas are the real ones (the transposes are not conjugated). eigh, eigvalsh and
cholesky read the lower triangle only, as NumPy does, so their gradients are exact for
that reading: the upper triangle gets 0 and each strictly lower element the sum of the
symmetric gradient's two mirror entries (torch, jax and tensorflow's cholesky give the
symmetric gradient instead). Where a gradient is undefined (repeated eigenvalues or
singular values) the formula gives what it gives: inf or NaN.
"""

from __future__ import annotations

import numpy as np

from .np_rules_common import Rule, common_dtype, fit, generic_text, is_diff, unbroadcast


def _t(x: np.ndarray) -> np.ndarray:
    return np.swapaxes(x, -1, -2)


def _float(a):
    (x,) = common_dtype((a,))
    return x


def _lower_of(g: np.ndarray) -> np.ndarray:
    """The gradient wrt a matrix read through its lower triangle (S = tril(a) +
    tril(a, -1).T), from a gradient `g` wrt the symmetric S: the strictly lower elements
    get g + g.T, the diagonal g's, the upper triangle 0."""
    lower = np.tril(g + _t(g), -1)
    return lower + np.einsum("...ii->...i", g)[..., None] * np.eye(g.shape[-1], dtype=g.dtype)


def _offdiag_inverse(d: np.ndarray) -> np.ndarray:
    """F[i, j] = 1 / (d[j] - d[i]) off the diagonal, 0 on it (inf where two d are equal)."""
    diff = d[..., None, :] - d[..., :, None]
    n = d.shape[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        f = 1 / np.where(np.eye(n, dtype=bool), 1, diff)
    return np.where(np.eye(n, dtype=bool), 0, f)


# ---- inv, det, slogdet, solve --------------------------------------------------------------


def inv(a):
    return np.linalg.inv(_float(a))


def vjp_inv(g, ans, a):
    if not is_diff(a):
        return (None,)
    xt = _t(ans)
    return (fit(-(xt @ g @ xt), a),)


def det(a):
    return np.asarray(np.linalg.det(_float(a)))


def vjp_det(g, ans, a):
    if not is_diff(a):
        return (None,)
    return (fit((g * ans)[..., None, None] * _t(np.linalg.inv(a)), a),)


def slogdet(a, output=0):
    return np.asarray(np.linalg.slogdet(_float(a))[output])


def vjp_slogdet(g, ans, a, output=0):
    if not is_diff(a):
        return (None,)
    if output == 0:  # the sign is piecewise constant
        return (np.zeros_like(a),)
    return (fit(g[..., None, None] * _t(np.linalg.inv(a)), a),)


def _vector_b(a, b) -> bool:
    """NumPy 2's rule: b is one vector (M,) exactly when it is 1-D."""
    return np.ndim(b) == 1


def solve(a, b):
    a, b = common_dtype((a, b))
    return np.linalg.solve(a, b)


def vjp_solve(g, ans, a, b):
    x, y = common_dtype((a, b))
    at = _t(x)
    if _vector_b(x, y):
        gb = np.linalg.solve(at, g[..., None])  # (..., M, 1)
        da = -gb * ans[..., None, :]
        db = gb[..., 0]
    else:
        batch = np.broadcast_shapes(at.shape[:-2], g.shape[:-2])
        gb = np.linalg.solve(np.broadcast_to(at, batch + at.shape[-2:]), g)
        da = -gb @ _t(ans)
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
    phi = np.tril(_t(L) @ g)
    n = L.shape[-1]
    phi = phi - 0.5 * np.eye(n, dtype=L.dtype) * phi
    # L^-T phi L^-1, by two triangular solves (NumPy's solve: general, which is fine here)
    linv = np.linalg.inv(L)
    p = _t(linv) @ phi @ linv
    return (fit(_lower_of((p + _t(p)) / 2), a),)


def _eigh(a):
    return np.linalg.eigh(_float(a))


def eigh(a, output=0):
    return np.asarray(_eigh(a)[output])


def _eigh_grad(w, v, gw, gv):
    """The gradient wrt the symmetric matrix: V (diag(gw) + F * (V^T gV)) V^T."""
    inner = np.zeros(v.shape, dtype=v.dtype)
    if gw is not None:
        inner = inner + gw[..., None] * np.eye(w.shape[-1], dtype=v.dtype)
    if gv is not None:
        inner = inner + _offdiag_inverse(w) * (_t(v) @ gv)
    return v @ inner @ _t(v)


def vjp_eigh(g, ans, a, output=0):
    if not is_diff(a):
        return (None,)
    w, v = _eigh(a)
    grad = _eigh_grad(w, v, g if output == 0 else None, g if output == 1 else None)
    return (fit(_lower_of((grad + _t(grad)) / 2), a),)


def eigvalsh(a):
    return np.linalg.eigvalsh(_float(a))


def vjp_eigvalsh(g, ans, a):
    if not is_diff(a):
        return (None,)
    w, v = _eigh(a)
    grad = _eigh_grad(w, v, g, None)
    return (fit(_lower_of((grad + _t(grad)) / 2), a),)


# ---- svd, svdvals, qr ------------------------------------------------------------------------


def svd(a, full_matrices=True, output=0):
    return np.asarray(np.linalg.svd(_float(a), full_matrices=full_matrices)[output])


def _svd_grad(a, gu, gs, gvh):
    """The reduced SVD's VJP (Townsend's formula, as jax and torch): with F[i, j] =
    1 / (s_j^2 - s_i^2), U (F * (U^T gU - gU^T U)) S V^T + U diag(gS) V^T + U S (F * (V^T gV
    - gV^T V)) V^T + (I - U U^T) gU S^-1 V^T + U S^-1 gV^T (I - V V^T)."""
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    k = s.shape[-1]
    v = _t(vh)
    eye = np.eye(k, dtype=u.dtype)
    inner = np.zeros(s.shape + (k,), dtype=u.dtype)
    if gs is not None:
        inner = inner + gs[..., None] * eye
    f = _offdiag_inverse(s * s)
    out = 0
    with np.errstate(divide="ignore", invalid="ignore"):
        if gu is not None:
            gu = gu[..., :k]  # full_matrices: the extra columns are a gauge, no gradient
            utgu = _t(u) @ gu
            inner = inner + (f * (utgu - _t(utgu))) * s[..., None, :]
            if u.shape[-2] > k:
                proj = gu - u @ utgu
                out = out + (proj / s[..., None, :]) @ vh
        if gvh is not None:
            gv = _t(gvh[..., :k, :])
            vtgv = _t(v) @ gv
            inner = inner + s[..., :, None] * (f * (vtgv - _t(vtgv)))
            if v.shape[-2] > k:
                proj = gv - v @ vtgv
                out = out + u @ (_t(proj) / s[..., :, None])
        return u @ inner @ vh + out


def vjp_svd(g, ans, a, full_matrices=True, output=0):
    if not is_diff(a):
        return (None,)
    parts = [None, None, None]
    parts[output] = g
    return (fit(_svd_grad(_float(a), *parts), a),)


def svdvals(x):
    return np.linalg.svd(_float(x), compute_uv=False)


def vjp_svdvals(g, ans, x):
    if not is_diff(x):
        return (None,)
    return (fit(_svd_grad(_float(x), None, g, None), x),)


def qr(a, output=0):
    return np.asarray(np.linalg.qr(_float(a))[output])


def _qr_square_or_tall(q, r, gq, gr):
    """m >= n: Q [M1 + tril(X - X^T, -1)] R^-T + (I - Q Q^T) gQ R^-T, with M1 = gR R^T and
    X = Q^T gQ - M1 (from the JVP: Q^T dA R^-1 = Omega + dR R^-1, Omega antisymmetric)."""
    m1 = gr @ _t(r)
    x = _t(q) @ gq - m1
    b = q @ (m1 + np.tril(x - _t(x), -1)) + gq - q @ (_t(q) @ gq)
    # b R^-T: solve R X^T = b^T, i.e. X = (R^-1 b^T)^T
    return _t(np.linalg.solve(r, _t(b)))


def vjp_qr(g, ans, a, output=0):
    """m < n: A = Q [R1 R2], X = Q R1 square, R2 = Q^T Y for the remaining columns Y."""
    if not is_diff(a):
        return (None,)
    x = _float(a)
    q, r = np.linalg.qr(x)
    gq = g if output == 0 else np.zeros_like(q)
    gr = g if output == 1 else np.zeros_like(r)
    m, n = x.shape[-2:]
    if m >= n:
        return (fit(_qr_square_or_tall(q, r, gq, gr), a),)
    y, gr1, gr2 = x[..., :, m:], gr[..., :, :m], gr[..., :, m:]
    gx = _qr_square_or_tall(q, r[..., :, :m], gq + y @ _t(gr2), gr1)
    return (fit(np.concatenate([gx, q @ gr2], axis=-1), a),)


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
