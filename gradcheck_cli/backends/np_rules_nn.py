"""The numpy engine's rules for the v2 functions of `ops.NN`: forward, VJP and
explain text, per op (see np_rules_common.Rule).

The activations are jax.nn's, conventions at kinks included (`ops.trap`): elu'(0) = alpha,
celu'(0) = 1, selu'(0) = scale * alpha, leaky_relu'(0) = 1, relu6' = 0 at 0 and 6,
hard_tanh' = 1 at -1 and 1. one_hot, the boolean functions, all and any are never
differentiated; stop_gradient is x with derivative 0 (fd holds its value constant). On
complex numbers (silu, gelu: holomorphic) the derivative is conjugated, torch's convention.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import scipy.special

from .np_rules_common import Rule, cj, fit, is_diff, vjp_none
from .np_rules_unary import sigmoid

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
_TANH_K = math.sqrt(2 / math.pi)  # Python floats: a float32 case stays float32
_TANH_C = 0.044715


def _vjp(deriv: Callable[..., Any], g, ans, x, **attrs):
    return (fit(g * cj(deriv(x, ans, **attrs)), x) if is_diff(x) else None,)


def _floating(x: Any) -> np.ndarray:
    x = np.asarray(x)
    return x if x.dtype.kind in "fc" else x.astype(np.float64)


# ---- forwards -----------------------------------------------------------------------------


def log_sigmoid(x):
    """jax.nn.log_sigmoid = -softplus(-x), stable for large |x|."""
    return np.asarray(-np.logaddexp(0, -_floating(x)))


def silu(x):
    x = _floating(x)
    return np.asarray(x * sigmoid(x))


def gelu(x, approximate=True):
    x = _floating(x)
    if approximate:
        return np.asarray(0.5 * x * (1 + np.tanh(_TANH_K * (x + _TANH_C * x**3))))
    return np.asarray(0.5 * x * (1 + scipy.special.erf(x / math.sqrt(2))))


def elu(x, alpha=1.0):
    x = _floating(x)
    return np.asarray(np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))))


def celu(x, alpha=1.0):
    x = _floating(x)
    return np.asarray(np.maximum(x, 0) + alpha * np.expm1(np.minimum(x, 0) / alpha))


def selu(x):
    return np.asarray(SELU_SCALE * elu(x, SELU_ALPHA))


def leaky_relu(x, negative_slope=0.01):
    x = _floating(x)
    return np.asarray(np.where(x >= 0, x, negative_slope * x))


def softsign(x):
    x = _floating(x)
    return np.asarray(x / (1 + np.abs(x)))


def relu6(x):
    x = _floating(x)
    return np.asarray(np.minimum(np.maximum(x, 0), 6))


def hard_tanh(x):
    x = _floating(x)
    return np.asarray(np.where(x > 1, 1, np.where(x < -1, -1, x)).astype(x.dtype))


def one_hot(x, num_classes):
    """jax.nn.one_hot: a label outside [0, num_classes) gives a row of zeros; floating
    (the case dtype: `np_rules.apply` casts)."""
    x = np.asarray(x)
    return np.asarray(x[..., None] == np.arange(int(num_classes)), dtype=np.float64)


def stop_gradient(x):
    return np.array(x)  # a copy: the engine never writes into it, but a copy is the value


def _logical(fn: Callable[..., Any]) -> Callable[..., np.ndarray]:
    return lambda *xs: np.asarray(fn(*xs))


def _bool_reduction(fn: Callable[..., Any]) -> Callable[..., np.ndarray]:
    return lambda a, axis=None, keepdims=False: np.asarray(fn(a, axis=axis, keepdims=keepdims))


# ---- derivatives ----------------------------------------------------------------------------


def _d_log_sigmoid(x, ans):
    return sigmoid(-x)


def _d_silu(x, ans):
    s = sigmoid(x)
    return s * (1 + x * (1 - s))


def _d_gelu(x, ans, approximate=True):
    if approximate:
        t = np.tanh(_TANH_K * (x + _TANH_C * x**3))
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _TANH_K * (1 + 3 * _TANH_C * x * x)
    return 0.5 * (1 + scipy.special.erf(x / math.sqrt(2))) + x * np.exp(-x * x / 2) / math.sqrt(
        2 * math.pi
    )


def _d_elu(x, ans, alpha=1.0):
    return np.where(x > 0, 1, alpha * np.exp(np.minimum(x, 0)))  # alpha at 0


def _d_celu(x, ans, alpha=1.0):
    return np.where(x > 0, 1, np.exp(np.minimum(x, 0) / alpha))  # 1 at 0


def _d_selu(x, ans):
    return SELU_SCALE * _d_elu(x, ans, SELU_ALPHA)


def _d_leaky_relu(x, ans, negative_slope=0.01):
    return np.where(x >= 0, 1, negative_slope)  # 1 at 0


def _d_softsign(x, ans):
    return 1 / (1 + np.abs(x)) ** 2


def _d_relu6(x, ans):
    return (x > 0) & (x < 6)  # 0 at 0 and 6


def _d_hard_tanh(x, ans):
    return (x >= -1) & (x <= 1)  # 1 at -1 and 1


def _rule(fn, deriv, text: str, complex: bool = True) -> Rule:
    return Rule(fn, partial(_vjp, deriv), (text,), complex=complex)


def _none_text(e: Any) -> str:
    return "no gradient (a constant)"


def _constant(fn, batch: str | None = None) -> Rule:
    return Rule(fn, vjp_none, text=_none_text, complex=False, batch=batch)


RULES: dict[str, Rule] = {
    "log_sigmoid": _rule(log_sigmoid, _d_log_sigmoid, "sigmoid(-{0})", complex=False),
    "silu": _rule(silu, _d_silu, "sigmoid({0}) * (1 + {0} * (1 - sigmoid({0})))"),
    "gelu": _rule(gelu, _d_gelu, "gelu'({0}): Phi + x * phi, or the tanh form's"),
    "elu": _rule(elu, _d_elu, "1 if {0} > 0 else alpha * exp({0})", complex=False),
    "celu": _rule(celu, _d_celu, "1 if {0} > 0 else exp({0} / alpha)", complex=False),
    "selu": _rule(selu, _d_selu, "scale * (1 if {0} > 0 else alpha * exp({0}))", complex=False),
    "leaky_relu": _rule(
        leaky_relu, _d_leaky_relu, "1 if {0} >= 0 else negative_slope", complex=False
    ),
    "softsign": _rule(softsign, _d_softsign, "1 / (1 + |{0}|) ** 2", complex=False),
    "relu6": _rule(relu6, _d_relu6, "(0 < {0} < 6)", complex=False),
    "hard_tanh": _rule(hard_tanh, _d_hard_tanh, "(-1 <= {0} <= 1)", complex=False),
    "one_hot": _constant(one_hot, batch="elementwise"),
    "stop_gradient": Rule(stop_gradient, vjp_none, ("0",), text=_none_text, complex=True),
    "logical_and": _constant(_logical(np.logical_and)),
    "logical_or": _constant(_logical(np.logical_or)),
    "logical_xor": _constant(_logical(np.logical_xor)),
    "logical_not": _constant(_logical(np.logical_not)),
    "all": _constant(_bool_reduction(np.all)),
    "any": _constant(_bool_reduction(np.any)),
}
