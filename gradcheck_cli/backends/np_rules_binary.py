"""The numpy engine's elementwise rules of several operands: arithmetic, comparisons,
where and clip; forward, VJP and the derivative's text, per op.

Operands broadcast, and `fit` sums each cotangent back to its input's shape. Integer and
bool arrays meeting a floating array are cast to its dtype first (`promote`). The rules
with `selective` take `wanted=` and compute only the cotangents asked for, so `w * x`
never computes the one of the input x. On complex numbers each holomorphic derivative
is conjugated (multiply: g * conj(y)), torch's convention. The conventions at kinks and
ties are those in `ops.trap`; maximum, minimum, clip and the comparisons order complex
numbers as NumPy does (lexicographically), which torch refuses.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from ..ir import Lit
from .np_rules_common import Rule, arith, cj, fit, is_diff, plain, promote, vjp_none

BOTH = (True, True)


def _where(condition, x, y):
    return np.asarray(np.where(condition, *promote(x, y)))


def _vjp_add(g, ans, x1, x2, wanted=BOTH):
    return fit(g, x1) if wanted[0] else None, fit(g, x2) if wanted[1] else None


def _vjp_subtract(g, ans, x1, x2, wanted=BOTH):
    return fit(g, x1) if wanted[0] else None, fit(-g, x2) if wanted[1] else None


def _vjp_multiply(g, ans, x1, x2, wanted=BOTH):
    x, y = promote(x1, x2)
    return fit(g * cj(y), x1) if wanted[0] else None, fit(g * cj(x), x2) if wanted[1] else None


def _vjp_divide(g, ans, x1, x2, wanted=BOTH):
    x, y = promote(x1, x2)
    dx = fit(g / cj(y), x1) if wanted[0] else None
    return dx, fit(-g * cj(x) / cj(y * y), x2) if wanted[1] else None


def _vjp_power(g, ans, x1, x2, wanted=BOTH):
    """torch's masks: d/dx is 0 where y == 0, d/dy is 0 where x == 0 and y >= 0 (a
    complex y: real and >= 0, as torch's)."""
    x, y = promote(x1, x2)
    dx = dy = None
    if is_diff(x1) and wanted[0]:
        dx = fit(np.where(y == 0, 0, g * cj(y) * cj(x ** (y - 1))), x1)
    if is_diff(x2) and wanted[1]:
        nonneg = (y.real >= 0) & (y.imag == 0) if np.iscomplexobj(y) else y >= 0
        dy = fit(np.where((x == 0) & nonneg, 0, g * cj(ans) * cj(np.log(x))), x2)
    return dx, dy


def _power_text(inputs, i, args):
    """A literal exponent k: `k * x ** (k - 1)` with the number worked out."""
    exponent = inputs[1]
    if i == 0 and isinstance(exponent, Lit) and type(exponent.value) in (int, float):
        k = exponent.value
        if k - 1 in (0, 1):
            return "1" if k == 1 else f"{k!r} * {args[0]}"
        return f"{k!r} * {args[0]} ** {k - 1!r}"
    return None


def _nonzero_divisor(eqn, x, y):
    return np.asarray(y) != 0


def _power_interior(eqn, x, y):
    """A literal whole exponent: everywhere (0 excluded if negative); else a positive base."""
    if isinstance(eqn.inputs[1], Lit) and float(y).is_integer():
        return np.asarray(x) != 0 if y < 0 else True
    return np.real(x) > 0


def _vjp_arctan2(g, ans, x1, x2, wanted=BOTH):
    x, y = promote(x1, x2)
    den = x * x + y * y
    return fit(g * y / den, x1) if wanted[0] else None, fit(-g * x / den, x2) if wanted[1] else None


def _vjp_maximum(g, ans, x1, x2):
    x, y = promote(x1, x2)
    return _split(g, x > y, x < y, x == y, x1, x2)


def _vjp_minimum(g, ans, x1, x2):
    x, y = promote(x1, x2)
    return _split(g, x < y, x > y, x == y, x1, x2)


def _split(g, first, second, tie, x1, x2):
    """The side that is the result takes g; a tie gives each half (jax and torch agree).
    A NaN operand is neither, so both take 0 (jax's choice; torch gives g to both)."""
    return fit(g * (first + 0.5 * tie), x1), fit(g * (second + 0.5 * tie), x2)


def _vjp_where(g, ans, condition, x, y, wanted=(False, True, True)):
    """No masking: a NaN or inf the untaken branch's own rule makes later stays there."""
    dx = fit(np.where(condition, g, 0), x) if wanted[1] else None
    return None, dx, fit(np.where(condition, 0, g), y) if wanted[2] else None


def _vjp_clip(g, ans, a, a_min, a_max):
    """a takes g where a_min <= a <= a_max, inclusive (torch.clamp); a bound takes it where
    it is strictly the result. With a_min > a_max NumPy gives a_max, so a_max takes it."""
    x, lo, hi = promote(a, a_min, a_max)
    below = np.False_ if lo is None else x < lo
    above = np.False_ if hi is None else x > hi
    crossed = np.False_ if lo is None or hi is None else lo > hi
    return (
        fit(np.where(below | above, 0, g), a),
        fit(np.where(below & ~crossed, g, 0), a_min),
        fit(np.where(above | crossed, g, 0), a_max),
    )


# Crossed bounds (a_min > a_max): NumPy gives a_max everywhere, so a and a_min take 0 and
# a_max takes the whole cotangent; the templates say so, as `_vjp_clip` computes it.
_CLIP_TEXT = ("({1} <= {0} <= {2})", "({0} < {1} <= {2})", "(({0} > {2}) | ({1} > {2}))")


def _clip_text(inputs, i, args):
    """A bound left out (None) is no bound: it neither clips nor crosses the other."""
    lo, hi = args[1] != "None", args[2] != "None"
    if lo and hi:
        return None
    if i == 0:
        return f"({f'{args[1]} <= ' if lo else ''}{args[0]}{f' <= {args[2]}' if hi else ''})"
    return f"({args[0]} < {args[1]})" if i == 1 else f"({args[0]} > {args[2]})"


def _binary(fn, vjp, local, selective=True, **more) -> Rule:
    return Rule(partial(arith, fn), vjp, local, selective=selective, **more)


def _compare(fn) -> Rule:
    return Rule(partial(plain, fn), vjp_none)


_TIE_MAX = ("({0} > {1}) + 0.5 * ({0} == {1})", "({1} > {0}) + 0.5 * ({0} == {1})")
_TIE_MIN = ("({0} < {1}) + 0.5 * ({0} == {1})", "({1} < {0}) + 0.5 * ({0} == {1})")
_POWER = ("{1} * {0} ** ({1} - 1)", "{ans} * log({0})")
_ARCTAN2 = ("{1} / ({0} ** 2 + {1} ** 2)", "-{0} / ({0} ** 2 + {1} ** 2)")

RULES: dict[str, Rule] = {
    "add": _binary(np.add, _vjp_add, ("1", "1")),
    "subtract": _binary(np.subtract, _vjp_subtract, ("1", "-1")),
    "multiply": _binary(np.multiply, _vjp_multiply, ("{1}", "{0}")),
    "divide": _binary(
        np.divide, _vjp_divide, ("1 / {1}", "-{0} / {1} ** 2"), interior=_nonzero_divisor
    ),
    "power": _binary(np.power, _vjp_power, _POWER, special=_power_text, interior=_power_interior),
    "arctan2": _binary(np.arctan2, _vjp_arctan2, _ARCTAN2, complex=False),  # refuses complex
    "maximum": _binary(np.maximum, _vjp_maximum, _TIE_MAX, selective=False),
    "minimum": _binary(np.minimum, _vjp_minimum, _TIE_MIN, selective=False),
    "less": _compare(np.less),
    "less_equal": _compare(np.less_equal),
    "greater": _compare(np.greater),
    "greater_equal": _compare(np.greater_equal),
    "equal": _compare(np.equal),
    "not_equal": _compare(np.not_equal),
    "where": Rule(_where, _vjp_where, ("", "where({0}, 1, 0)", "where({0}, 0, 1)"), selective=True),
    "clip": Rule(partial(arith, np.clip), _vjp_clip, _CLIP_TEXT, special=_clip_text),
}
