"""The numpy engine's rules for the v2 functions of `ops.SPECIAL`: forward, VJP and
explain text, per op (see np_rules_common.Rule).

The forwards are NumPy's (scipy.special's for erf, erfc, xlogy, xlog1py). The steps
(floor, ceil, round, trunc, floor_divide) give a cotangent of zeros, not g * 0, so an
infinite g does not become NaN (torch and jax give zeros too). xlogy and xlog1py use the
plain formulas at x == 0 (d/dx = log(y), d/dy = x / y), as jax does; torch and tensorflow
mask them there. On complex numbers the holomorphic derivatives are conjugated (torch's
convention, np_rules_common.cj); real, imag, conj and angle have rules of their own
(np_rules_complex).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import scipy.special

from .np_rules_common import Rule, arith, cj, fit, float_dtype, is_diff, plain, promote, vjp_none
from .np_rules_complex import COMPLEX_RULES

BOTH = (True, True)
LN2, LN10 = np.log(2.0), np.log(10.0)


# ---- one operand ----------------------------------------------------------------------------


def _vjp_unary(deriv: Callable[..., Any], g, ans, x, **attrs):
    return (fit(g * cj(deriv(x, ans)), x) if is_diff(x) else None,)


def _vjp_step(g, ans, x, **attrs):
    """A step function: zeros wherever it is differentiable (and a zero where it is not)."""
    return (fit(np.zeros_like(g), x) if is_diff(x) else None,)


def _unary(fn: Callable[..., Any], x: Any, **attrs: Any) -> np.ndarray:
    return np.asarray(fn(x, **attrs))


def _rule(fn, deriv, text: str, interior=None, complex: bool = True) -> Rule:
    vjp = partial(_vjp_unary, deriv)
    return Rule(partial(_unary, fn), vjp, (text,), interior=interior, complex=complex)


def _step(fn) -> Rule:
    return Rule(partial(_unary, fn), _vjp_step, ("0",), complex=False)


def _d_log2(x, ans):
    return 1 / (x * LN2)


def _d_log10(x, ans):
    return 1 / (x * LN10)


def _d_exp2(x, ans):
    return ans * LN2


def _d_cbrt(x, ans):
    return 1 / (3 * ans * ans)  # +inf at 0, as in jax


def _d_reciprocal(x, ans):
    return -ans * ans


def _d_arcsinh(x, ans):
    return 1 / np.sqrt(x * x + 1)


def _d_arccosh(x, ans):
    return 1 / np.sqrt(x * x - 1)


def _d_arctanh(x, ans):
    return 1 / (1 - x * x)


def _d_erf(x, ans):
    return 2 / np.sqrt(np.pi) * np.exp(-x * x)


def _d_erfc(x, ans):
    return -2 / np.sqrt(np.pi) * np.exp(-x * x)


def _vjp_nan_to_num(g, ans, x, **attrs):
    """g where x is finite; NumPy replaces a complex number's parts one by one, so each
    part of g passes where that part of x is finite."""
    if not is_diff(x):
        return (None,)
    if x.dtype.kind != "c":
        return (fit(g * np.isfinite(x), x),)
    g = np.asarray(g)
    return (fit(g.real * np.isfinite(x.real) + 1j * (g.imag * np.isfinite(x.imag)), x),)


def _positive(eqn: Any, x: Any) -> Any:
    return np.real(x) > 0


def _nonzero(eqn: Any, x: Any) -> Any:
    return np.asarray(x) != 0


def _above_one(eqn: Any, x: Any) -> Any:
    return np.real(x) > 1


def _inside_unit(eqn: Any, x: Any) -> Any:
    return np.abs(x) < 1


def _nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    return np.asarray(np.nan_to_num(x, nan=nan, posinf=posinf, neginf=neginf))


# ---- two operands ---------------------------------------------------------------------------


def _vjp_hypot(g, ans, x1, x2, wanted=BOTH):
    x, y = promote(x1, x2)
    return fit(g * x / ans, x1) if wanted[0] else None, fit(g * y / ans, x2) if wanted[1] else None


def _vjp_logaddexp(g, ans, x1, x2, wanted=BOTH):
    x, y = promote(x1, x2)
    dx = fit(g * np.exp(x - ans), x1) if wanted[0] else None
    return dx, fit(g * np.exp(y - ans), x2) if wanted[1] else None


def _vjp_logaddexp2(g, ans, x1, x2, wanted=BOTH):
    x, y = promote(x1, x2)
    dx = fit(g * np.exp2(x - ans), x1) if wanted[0] else None
    return dx, fit(g * np.exp2(y - ans), x2) if wanted[1] else None


def _vjp_quotient(rounding, g, ans, x1, x2, wanted=BOTH):
    """remainder and fmod: x1 - q * x2, q = rounding(x1 / x2) piecewise constant."""
    x, y = promote(x1, x2)
    dx = fit(g, x1) if wanted[0] else None
    return dx, fit(-g * rounding(x, y), x2) if wanted[1] else None


def _truncated(x, y):
    return np.trunc(x / y)


def _vjp_floor_divide(g, ans, x1, x2, wanted=BOTH):
    zero = np.zeros_like(g)
    return fit(zero, x1) if wanted[0] else None, fit(zero, x2) if wanted[1] else None


def _vjp_xlogy(g, ans, x1, x2, wanted=BOTH):
    x, y = promote(x1, x2)
    dx = fit(g * cj(np.log(y)), x1) if wanted[0] else None
    return dx, fit(g * cj(x) / cj(y), x2) if wanted[1] else None


def _vjp_xlog1py(g, ans, x1, x2, wanted=BOTH):
    x, y = promote(x1, x2)
    dx = fit(g * cj(np.log1p(y)), x1) if wanted[0] else None
    return dx, fit(g * cj(x) / cj(1 + y), x2) if wanted[1] else None


def _y_positive(eqn: Any, x: Any, y: Any) -> Any:
    return np.real(y) > 0


def _y_above_minus_one(eqn: Any, x: Any, y: Any) -> Any:
    return np.real(y) > -1


def _binary(fn, vjp, local, **more) -> Rule:
    return Rule(partial(arith, fn), vjp, local, selective=True, **more)


def _in_float_dtype(fn):
    """scipy.special's ufuncs take a Python float as float64: a float32 array stays float32."""

    def forward(x1, x2):
        out = fn(x1, x2)
        floats = float_dtype((x1, x2))
        return out.astype(floats) if floats is not None and out.dtype != floats else out

    return forward


_LOGADDEXP = ("exp({0} - {ans})", "exp({1} - {ans})")
_LOGADDEXP2 = ("2 ** ({0} - {ans})", "2 ** ({1} - {ans})")

RULES: dict[str, Rule] = {
    "log2": _rule(np.log2, _d_log2, "1 / ({0} * log(2))", _positive),
    "log10": _rule(np.log10, _d_log10, "1 / ({0} * log(10))", _positive),
    "exp2": _rule(np.exp2, _d_exp2, "{ans} * log(2)"),
    "cbrt": _rule(np.cbrt, _d_cbrt, "1 / (3 * {ans} ** 2)", None, False),
    "reciprocal": _rule(np.reciprocal, _d_reciprocal, "-{ans} ** 2", _nonzero),
    "arcsinh": _rule(np.arcsinh, _d_arcsinh, "1 / sqrt({0} ** 2 + 1)"),
    "arccosh": _rule(np.arccosh, _d_arccosh, "1 / sqrt({0} ** 2 - 1)", _above_one),
    "arctanh": _rule(np.arctanh, _d_arctanh, "1 / (1 - {0} ** 2)", _inside_unit),
    "hypot": _binary(np.hypot, _vjp_hypot, ("{0} / {ans}", "{1} / {ans}"), complex=False),
    "logaddexp": _binary(np.logaddexp, _vjp_logaddexp, _LOGADDEXP, complex=False),
    "logaddexp2": _binary(np.logaddexp2, _vjp_logaddexp2, _LOGADDEXP2, complex=False),
    "floor": _step(np.floor),
    "ceil": _step(np.ceil),
    "round": _step(np.round),
    "trunc": _step(np.trunc),
    "remainder": _binary(
        np.remainder,
        partial(_vjp_quotient, np.floor_divide),
        ("1", "-floor({0} / {1})"),
        complex=False,
    ),
    "fmod": _binary(
        np.fmod, partial(_vjp_quotient, _truncated), ("1", "-trunc({0} / {1})"), complex=False
    ),
    "floor_divide": _binary(np.floor_divide, _vjp_floor_divide, ("0", "0"), complex=False),
    "isnan": Rule(partial(plain, np.isnan), vjp_none, local=("0",)),
    "isinf": Rule(partial(plain, np.isinf), vjp_none, local=("0",)),
    "isfinite": Rule(partial(plain, np.isfinite), vjp_none, local=("0",)),
    "nan_to_num": Rule(_nan_to_num, _vjp_nan_to_num, ("isfinite({0})",), complex=False),
    **COMPLEX_RULES,
    "erf": _rule(scipy.special.erf, _d_erf, "2 / sqrt(pi) * exp(-{0} ** 2)"),
    "erfc": _rule(scipy.special.erfc, _d_erfc, "-2 / sqrt(pi) * exp(-{0} ** 2)"),
    "xlogy": _binary(
        _in_float_dtype(scipy.special.xlogy),
        _vjp_xlogy,
        ("log({1})", "{0} / {1}"),
        interior=_y_positive,
    ),
    "xlog1py": _binary(
        _in_float_dtype(scipy.special.xlog1py),
        _vjp_xlog1py,
        ("log1p({1})", "{0} / (1 + {1})"),
        interior=_y_above_minus_one,
    ),
}
