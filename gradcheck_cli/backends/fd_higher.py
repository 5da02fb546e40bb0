"""fd's jvp and hvp (v2 `checks`): differences of the project's own forward, no autodiff.

- jvp, the derivative of the cost before reduction along the tangent t: the complex step
  Im f(x + i h t) / h where the program is analytic (exact to rounding; the real part must
  be the value, or a branch cut is suspected and differences are used), else central
  differences of f(x + s t), h = cbrt(eps) * max(|x|, 1) / max|t| shrunk 8x while the
  truncation estimate (D(2h) - D(h)) / 3 dominates, as fd's gradient does; with
  `--fd-method richardson`, s = h, h/2, h/4 combined by Richardson extrapolation
  (h = eps^(1/7) * ...), the last change as the error estimate.
- hvp, H v for the reduced cost L: element i is d/dk d/ds L(x + s e_i + k v) at 0. Where
  the program is analytic, the complex step in s and central differences in k ("the complex
  step of a central difference"); elsewhere central differences in both ("differences of
  differences", four costs per element), each at k and k/2 combined by Richardson.

The perturbed costs go through the fd session's batched evaluation (`FdSession._costs`),
so a stacked batch is one run of the program.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ..errors import BackendSkip
from . import fd_batch, fd_methods

EPS = np.finfo(np.float64).eps
_COMPLEX_STEP = 1e-20
_JVP_STEP = EPS ** (1.0 / 7.0)
_CBRT_EPS = EPS ** (1.0 / 3.0)
_SHRINKS = 4
_HVP_COMPLEX_STEP = EPS ** (1.0 / 5.0)  # k for a central difference of exact first derivatives
_HVP_STEP = EPS ** (1.0 / 6.0)  # s = k for differences of differences, Richardson on h^2
HVP_LIMIT = 4096  # differentiated elements above which fd computes no hvp


def _scale(x: Mapping[str, np.ndarray], t: Mapping[str, np.ndarray]) -> float:
    """The step along t: relative to the params' magnitude, per unit of the tangent."""
    big = max([1.0] + [float(np.max(np.abs(v), initial=0.0)) for v in x.values()])
    tmax = max([0.0] + [float(np.max(np.abs(v), initial=0.0)) for v in t.values()])
    return big / tmax if tmax > 0 else 0.0


def _value(session: Any, params: Mapping[str, np.ndarray]) -> np.ndarray:
    env = {**session.inputs, **session._params, **params}
    if session.forward is not None:
        return np.asarray(session.forward(env))
    value, _ = fd_batch.evaluate(session.case.program, env, (), session.fixed)
    return np.asarray(value)


def jvp(session: Any, tangent: Mapping[str, np.ndarray]) -> tuple[np.ndarray, str, float]:
    """The jvp, the method, and the largest error estimate."""
    c = session.case
    x = {k: session._params[k] for k in c.wrt}
    t = {k: np.asarray(tangent[k], np.float64) for k in c.wrt}
    f0 = _value(session, x)
    scale = _scale(x, t)
    if scale == 0.0:
        return np.zeros(f0.shape), "zero tangent", 0.0
    if _analytic(session):
        h = _COMPLEX_STEP * scale
        f = _value(session, {k: x[k] + 1j * h * t[k] for k in x})
        if np.allclose(f.real, f0, rtol=1e-12, atol=0, equal_nan=True):
            out = f.imag / h
            return out, "complex step", float(np.max(np.abs(out) * EPS, initial=0.0))

    def diff(s: float) -> np.ndarray:
        up = _value(session, {k: x[k] + s * t[k] for k in x})
        down = _value(session, {k: x[k] - s * t[k] for k in x})
        return (up - down) / (2 * s)

    if session.asked == "richardson":
        h = _JVP_STEP * scale
        d1, d2, d3 = diff(h), diff(h / 2), diff(h / 4)
        r1, r2 = (4 * d2 - d1) / 3, (4 * d3 - d2) / 3
        out = (16 * r2 - r1) / 15
        return out, "richardson", float(np.max(np.abs(out - r2), initial=0.0))
    return _central(diff, f0, _CBRT_EPS * scale)


def _central(diff: Any, f0: np.ndarray, h: float) -> tuple[np.ndarray, str, float]:
    """Central differences as fd's gradient takes them: the truncation error of D(h) is
    about (D(2h) - D(h)) / 3, rounding adds eps |f| / h; while truncation dominates (a
    kink, a steep curve) the step shrinks 8x, at most _SHRINKS times, and each element
    keeps the estimate with the smallest total error."""
    best = err = None
    for _ in range(_SHRINKS):
        d, d2 = diff(h), diff(2 * h)
        trunc = np.abs(d2 - d) / 3
        total = trunc + EPS * (np.abs(f0) + 1) / h
        if best is None:
            best, err = d, total
        else:
            better = total < err
            best, err = np.where(better, d, best), np.where(better, total, err)
        if not np.any(trunc > EPS * (np.abs(f0) + 1) / h):
            break
        h /= 8
    return best, "central", float(np.max(err, initial=0.0))


def _analytic(session: Any) -> bool:
    if session.forward is not None or session.asked in ("central", "richardson"):
        return False
    env = session._run(session._params).env  # every variable's value, for the domain edges
    return not fd_methods.complex_refusal(session.case.program, env)


def hvp(
    session: Any, tangent: Mapping[str, np.ndarray]
) -> tuple[dict[str, np.ndarray], str, float]:
    """H v per wrt param, the method, and the largest error estimate."""
    c = session.case
    x = {k: session._params[k] for k in c.wrt}
    v = {k: np.asarray(tangent[k], np.float64) for k in c.wrt}
    size = sum(a.size for a in x.values())
    if size > HVP_LIMIT:
        raise BackendSkip(f"no hvp over {HVP_LIMIT} differentiated elements ({size}): n^2 costs")
    scale = _scale(x, v)
    if scale == 0.0:
        return {k: np.zeros_like(a) for k, a in x.items()}, "zero tangent", 0.0
    big = max([1.0] + [float(np.max(np.abs(a), initial=0.0)) for a in x.values()])
    complex_step = _analytic(session)
    elements = [(k, i) for k in c.wrt for i in range(x[k].size)]

    def estimate(k_step: float) -> np.ndarray:
        if complex_step:
            h = _COMPLEX_STEP * big
            signs = ((1j * h, k_step, 1), (1j * h, -k_step, -1))
        else:
            h = k_step * big / scale  # s along e_i, relative to the params, as k along v
            signs = ((h, k_step, 1), (h, -k_step, -1), (-h, k_step, -1), (-h, -k_step, 1))
        total = np.zeros(len(elements), np.complex128 if complex_step else np.float64)
        for s, k, sign in signs:
            total = total + sign * _costs(session, x, v, elements, s, k)
        if complex_step:
            return total.imag / (2 * h * k_step)
        return total.real / (4 * h * k_step)

    k = (_HVP_COMPLEX_STEP if complex_step else _HVP_STEP) * scale
    d1, d2 = estimate(k), estimate(k / 2)
    flat = (4 * d2 - d1) / 3
    error = float(np.max(np.abs(flat - d2), initial=0.0))
    out, at = {}, 0
    for name in c.wrt:
        n = x[name].size
        out[name] = flat[at : at + n].reshape(x[name].shape)
        at += n
    method = (
        "complex step of a central difference" if complex_step else "differences of differences"
    )
    return out, method + ", richardson", error


def _costs(session: Any, x: dict, v: dict, elements: list, s: Any, k: float) -> np.ndarray:
    """The reduced cost at x + s e_i + k v for each element (param, i), batched."""
    dtype = np.complex128 if isinstance(s, complex) else np.float64

    def rows(start: int, stop: int) -> dict[str, np.ndarray]:
        stacked = {}
        for name, a in x.items():
            block = np.empty((stop - start, *a.shape), dtype)
            block[:] = a + k * v[name]
            flat = block.reshape(stop - start, -1)
            for row, (owner, i) in enumerate(elements[start:stop]):
                if owner == name:
                    flat[row, i] += s
            stacked[name] = block
        return stacked

    return np.asarray(session._costs(len(elements), rows))
