"""The numpy engine's unary elementwise rules: forward, derivative and its text, per op.

Each op's VJP is `g * d(x, ans)` in the input's shape and dtype (None for an integer,
bool or literal input), `g * conj(d(x, ans))` on complex numbers (torch's convention: the
gradient of a real L is dL/dx + i dL/dy); `local` is the same derivative as explain writes
it. abs and sign are not holomorphic: abs(z) = |z| takes g * z / |z| (torch's sgn, 0 at 0),
sign(z) = z / |z| (NumPy 2's, torch's sgn) takes (g - Re(g conj(s)) s) / |z|. The forward
is NumPy's (jax.nn's for sigmoid, relu, softplus). The conventions at kinks are those in
`ops.trap`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from .np_rules_common import Rule, cj, fit, is_diff


def _unary(fn: Callable[..., Any], x: Any) -> np.ndarray:
    return np.asarray(fn(x))  # one operand: nothing to promote


def sigmoid(x):
    """jax.nn.sigmoid without overflow: exp only ever sees a non-positive real part."""
    x = np.asarray(x)
    neg = x.real < 0
    e = np.exp(np.where(neg, x, -x))
    return np.where(neg, e, 1) / (1 + e)


def _relu(x):
    return np.maximum(x, 0)


def _softplus(x):
    return np.logaddexp(x, 0)  # jax.nn.softplus: stable for large |x|


def _vjp_unary(deriv: Callable[..., Any], g, ans, x):
    return (fit(g * cj(deriv(x, ans)), x) if is_diff(x) else None,)


def _vjp_abs(g, ans, x):
    """|z|: g * sign(z), unconjugated (NumPy 2's sign of a complex z is z / |z|, 0 at 0)."""
    return (fit(g * np.sign(x), x) if is_diff(x) else None,)


def _vjp_sign(g, ans, x):
    """0 on real numbers; s = z / |z| on complex ones: (g - Re(g conj(s)) s) / |z|, 0 at 0."""
    if not is_diff(x):
        return (None,)
    if x.dtype.kind != "c":
        return (fit(g * np.zeros_like(x), x),)
    r = np.abs(x)
    d = (g - np.real(g * np.conj(ans)) * ans) / np.where(r == 0, 1, r)
    return (fit(np.where(r == 0, 0, d), x),)


def _d_negative(x, ans):
    return -1


def _d_exp(x, ans):
    return ans


def _d_log(x, ans):
    return 1 / x


def _d_log1p(x, ans):
    return 1 / (1 + x)


def _d_expm1(x, ans):
    return ans + 1


def _d_sqrt(x, ans):
    return 0.5 / ans  # unmasked: +inf at 0, and g = 0 there gives NaN, as in the frameworks


def _d_square(x, ans):
    return 2 * x


def _d_sin(x, ans):
    return np.cos(x)


def _d_cos(x, ans):
    return -np.sin(x)


def _d_tan(x, ans):
    return 1 + ans * ans


def _d_arcsin(x, ans):
    return 1 / np.sqrt(1 - x * x)


def _d_arccos(x, ans):
    return -1 / np.sqrt(1 - x * x)


def _d_arctan(x, ans):
    return 1 / (1 + x * x)


def _d_sinh(x, ans):
    return np.cosh(x)


def _d_cosh(x, ans):
    return np.sinh(x)


def _d_tanh(x, ans):
    return 1 - ans * ans


def _d_sigmoid(x, ans):
    return ans * (1 - ans)


def _d_relu(x, ans):
    return x > 0  # relu'(0) = 0


def _d_softplus(x, ans):
    return sigmoid(x)


# where an op with a branch point or pole on the real axis is holomorphic (fd's complex step)


def _positive(eqn: Any, x: Any) -> Any:
    return np.real(x) > 0


def _above_minus_one(eqn: Any, x: Any) -> Any:
    return np.real(x) > -1


def _inside_unit(eqn: Any, x: Any) -> Any:
    return np.abs(x) < 1


def _rule(fn: Callable[..., Any], deriv: Callable[..., Any], text: str, interior=None) -> Rule:
    return Rule(partial(_unary, fn), partial(_vjp_unary, deriv), (text,), interior=interior)


def _own(fn: Callable[..., Any], vjp: Callable[..., Any], text: str) -> Rule:
    return Rule(partial(_unary, fn), vjp, (text,))


RULES: dict[str, Rule] = {
    "negative": _rule(np.negative, _d_negative, "-1"),
    "exp": _rule(np.exp, _d_exp, "{ans}"),
    "log": _rule(np.log, _d_log, "1 / {0}", _positive),
    "log1p": _rule(np.log1p, _d_log1p, "1 / (1 + {0})", _above_minus_one),
    "expm1": _rule(np.expm1, _d_expm1, "{ans} + 1"),
    "sqrt": _rule(np.sqrt, _d_sqrt, "0.5 / {ans}", _positive),
    "square": _rule(np.square, _d_square, "2 * {0}"),
    "abs": _own(np.abs, _vjp_abs, "sign({0})"),  # abs'(0) = sign(0) = 0
    "sign": _own(np.sign, _vjp_sign, "0"),
    "sin": _rule(np.sin, _d_sin, "cos({0})"),
    "cos": _rule(np.cos, _d_cos, "-sin({0})"),
    "tan": _rule(np.tan, _d_tan, "1 + {ans} ** 2"),
    "arcsin": _rule(np.arcsin, _d_arcsin, "1 / sqrt(1 - {0} ** 2)", _inside_unit),
    "arccos": _rule(np.arccos, _d_arccos, "-1 / sqrt(1 - {0} ** 2)", _inside_unit),
    "arctan": _rule(np.arctan, _d_arctan, "1 / (1 + {0} ** 2)"),
    "sinh": _rule(np.sinh, _d_sinh, "cosh({0})"),
    "cosh": _rule(np.cosh, _d_cosh, "sinh({0})"),
    "tanh": _rule(np.tanh, _d_tanh, "1 - {ans} ** 2"),
    "sigmoid": _rule(sigmoid, _d_sigmoid, "{ans} * (1 - {ans})"),
    "relu": _rule(_relu, _d_relu, "({0} > 0)"),
    "softplus": _rule(_softplus, _d_softplus, "sigmoid({0})"),
}
