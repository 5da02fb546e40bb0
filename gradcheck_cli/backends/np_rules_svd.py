"""The forwards and VJPs of svd, svdvals and qr (np_rules_decompositions holds their rules).

On complex matrices the transposes are conjugate transposes (`_h`, torch's convention). A
complex SVD's singular vectors are fixed only up to a phase e^{i phi} per pair (u_i, v_i):
a cost that depends on it has no gradient. The U and Vh parts each add half of the phase
term U diag(i Im(U^H gU)_ii / (2 s_i)) V^H (and -i Im(V^H gV)_ii for V's), which sum to
torch's for a cost that does not. NumPy's complex QR has a real diagonal R, which makes the
diagonal of Q^H dQ imaginary: its VJP adds i Im(diag(Q^H gQ - gR R^H)).
"""

from __future__ import annotations

import numpy as np

from .np_rules_common import cj, common_dtype, fit, is_diff


def _t(x: np.ndarray) -> np.ndarray:
    return np.swapaxes(x, -1, -2)


def _h(x: np.ndarray) -> np.ndarray:
    """The conjugate transpose (the transpose of a real matrix)."""
    return cj(np.swapaxes(x, -1, -2))


def _diag(x: np.ndarray) -> np.ndarray:
    return np.einsum("...ii->...i", x)


def _float(a):
    (x,) = common_dtype((a,))
    return x


def _lower_of(g: np.ndarray) -> np.ndarray:
    """The gradient wrt a matrix read through its lower triangle (S = tril(a) +
    tril(a, -1).T), from a gradient `g` wrt the symmetric S: the strictly lower elements
    get g + g.T, the diagonal g's, the upper triangle 0. Complex: S = tril(a, -1) +
    tril(a, -1)^H + Re(diag(a)) (LAPACK ignores the diagonal's imaginary parts), so the
    strictly lower elements get g + g^H, the diagonal Re(g)'s."""
    lower = np.tril(g + _h(g), -1)
    return lower + np.real(_diag(g))[..., None] * np.eye(g.shape[-1], dtype=g.dtype)


def _offdiag_inverse(d: np.ndarray) -> np.ndarray:
    """F[i, j] = 1 / (d[j] - d[i]) off the diagonal, 0 on it (inf where two d are equal)."""
    diff = d[..., None, :] - d[..., :, None]
    n = d.shape[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        f = 1 / np.where(np.eye(n, dtype=bool), 1, diff)
    return np.where(np.eye(n, dtype=bool), 0, f)


# ---- svd, svdvals, qr ------------------------------------------------------------------------


def svd(a, full_matrices=True, output=0):
    return np.asarray(np.linalg.svd(_float(a), full_matrices=full_matrices)[output])


def _svd_grad(a, gu, gs, gvh):
    """The reduced SVD's VJP (Townsend's formula, as jax and torch): with F[i, j] =
    1 / (s_j^2 - s_i^2), U (F * (U^T gU - gU^T U)) S V^T + U diag(gS) V^T + U S (F * (V^T gV
    - gV^T V)) V^T + (I - U U^T) gU S^-1 V^T + U S^-1 gV^T (I - V V^T)."""
    u, s, vh = np.linalg.svd(a, full_matrices=False)
    k = s.shape[-1]
    v = _h(vh)
    phase = np.iscomplexobj(u)
    eye = np.eye(k, dtype=u.dtype)
    inner = np.zeros(s.shape + (k,), dtype=u.dtype)
    if gs is not None:
        inner = inner + gs[..., None] * eye
    f = _offdiag_inverse(s * s)
    out = 0
    with np.errstate(divide="ignore", invalid="ignore"):
        if gu is not None:
            gu = gu[..., :k]  # full_matrices: the extra columns are a gauge, no gradient
            utgu = _h(u) @ gu
            inner = inner + (f * (utgu - _h(utgu))) * s[..., None, :]
            if phase:
                inner = inner + _phase(utgu, s)
            if u.shape[-2] > k:
                proj = gu - u @ utgu
                out = out + (proj / s[..., None, :]) @ vh
        if gvh is not None:
            gv = _h(gvh[..., :k, :])
            vtgv = _h(v) @ gv
            inner = inner + s[..., :, None] * (f * (vtgv - _h(vtgv)))
            if phase:
                inner = inner - _phase(vtgv, s)
            if v.shape[-2] > k:
                proj = gv - v @ vtgv
                out = out + u @ (_h(proj) / s[..., :, None])
        return u @ inner @ vh + out


def _phase(x: np.ndarray, s: np.ndarray) -> np.ndarray:
    """diag(i Im(x_ii) / (2 s_i)): half the complex SVD's phase term (see the docstring)."""
    d = 1j * np.imag(_diag(x)) / (2 * s)
    return d[..., None] * np.eye(s.shape[-1])


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
    X = Q^T gQ - M1 (from the JVP: Q^T dA R^-1 = Omega + dR R^-1, Omega antisymmetric);
    complex: ^H for ^T, and i Im(diag(X)) in the bracket (Omega's imaginary diagonal)."""
    m1 = gr @ _h(r)
    x = _h(q) @ gq - m1
    inner = m1 + np.tril(x - _h(x), -1)
    if np.iscomplexobj(x):
        inner = inner + 1j * np.imag(_diag(x))[..., None] * np.eye(x.shape[-1])
    b = q @ inner + gq - q @ (_h(q) @ gq)
    # b R^-H: X R^H = b, i.e. X = (R^-1 b^H)^H
    return _h(np.linalg.solve(r, _h(b)))


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
    gx = _qr_square_or_tall(q, r[..., :, :m], gq + y @ _h(gr2), gr1)
    return (fit(np.concatenate([gx, q @ gr2], axis=-1), a),)
