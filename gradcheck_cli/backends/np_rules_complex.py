"""The numpy engine's rules for the complex-number functions of `ops.SPECIAL` (real, imag,
conj, angle): forward, VJP and explain text, per op (np_rules_special gathers them).

None is holomorphic, so each VJP is derived from the contract's gradient of a real L with
respect to z = x + iy, dL/dx + i dL/dy (torch's convention; jax reports the conjugate),
with g the output's cotangent (real for real, imag and angle, whose outputs are real):

- real(z) = x: dL/dx = g, dL/dy = 0, so z takes g (as g + 0i);
- imag(z) = y: dL/dx = 0, dL/dy = g, so z takes 1j * g;
- conj(z) = x - iy: dL/dx = Re g, dL/dy = -Im g, so z takes conj(g);
- angle(z) = atan2(y, x): dL/dx = -g y / |z|^2, dL/dy = g x / |z|^2, so z takes
  g * 1j * z / |z|^2, and 0 at z = 0 (torch's choice; the limit does not exist).

On a real array real and conj are the identity (cotangent g), imag is 0 and angle is 0 or
pi (NumPy's: pi at -0.0 too, where torch gives 0), both piecewise constant: cotangent 0.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from .np_rules_common import Rule, cj, fit, is_diff


def _forward(fn: Any, x: Any) -> np.ndarray:
    return np.asarray(fn(x))


def _zeros(x: np.ndarray) -> np.ndarray:
    return np.zeros_like(x)


def vjp_real(g, ans, x):
    return (fit(np.real(g), x) if is_diff(x) else None,)


def vjp_imag(g, ans, x):
    if not is_diff(x):
        return (None,)
    if x.dtype.kind != "c":
        return (_zeros(x),)  # imag of a real array is the constant 0
    return (fit(1j * np.real(g), x),)


def vjp_conj(g, ans, x):
    return (fit(cj(np.asarray(g)), x) if is_diff(x) else None,)


def vjp_angle(g, ans, x):
    if not is_diff(x):
        return (None,)
    if x.dtype.kind != "c":
        return (_zeros(x),)  # 0 or pi: piecewise constant
    sq = x.real * x.real + x.imag * x.imag
    d = np.real(g) * 1j * x / np.where(sq == 0, 1, sq)
    return (fit(np.where(sq == 0, 0, d), x),)


def _rule(fn: Any, vjp: Any, local: str) -> Rule:
    return Rule(partial(_forward, fn), vjp, (local,), complex=True)


COMPLEX_RULES: dict[str, Rule] = {
    "real": _rule(np.real, vjp_real, "1"),
    "imag": _rule(np.imag, vjp_imag, "(1j where {0} is complex, else 0)"),
    "conj": _rule(np.conj, vjp_conj, "1 (the adjoint conjugated where {0} is complex)"),
    "angle": _rule(np.angle, vjp_angle, "(1j * {0} / abs({0}) ** 2 where complex, else 0)"),
}
