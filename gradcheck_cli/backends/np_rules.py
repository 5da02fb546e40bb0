"""The numpy backend's rule tables: for every op in `ops.OPS`, a forward and a VJP.

`FORWARD[op](*inputs, **attrs)` is NumPy's semantics (jax.nn's for sigmoid, relu, softplus,
softmax, log_softmax, logsumexp), always returning an ndarray; integer and bool arrays
meeting a floating array in arithmetic are cast to its dtype first, so float32 stays
float32. `VJP[op](g, ans, *inputs, **attrs)` returns exactly one cotangent per input, in
that input's shape and dtype, or None where it takes none (integer, bool and literal
inputs, conditions, indices). The rules named in `SELECTIVE` also take `wanted=`, one flag
per input, and give None for an input not wanted (a constant: nothing reads its cotangent).
A cotangent may be a view of `g` or shared between inputs: no rule writes into one. The
conventions at kinks and ties are those in `ops.trap`. This module holds the elementwise
rules; the others are in `np_rules_linalg`.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from . import np_rules_linalg as lin
from .np_rules_linalg import fit, is_diff, promote, unbroadcast

__all__ = ["FORWARD", "SELECTIVE", "VJP", "apply", "is_operand", "unbroadcast"]

BOTH = (True, True)


def _arith(fn: Callable[..., Any], *xs: Any) -> np.ndarray:
    return np.asarray(fn(*promote(*xs)))


def _unary(fn: Callable[..., Any], x: Any) -> np.ndarray:
    return np.asarray(fn(x))  # one operand: nothing to promote


def _plain(fn: Callable[..., Any], *xs: Any, **attrs: Any) -> np.ndarray:
    return np.asarray(fn(*xs, **attrs))


def _where(condition, x, y):
    return np.asarray(np.where(condition, *promote(x, y)))


def _sigmoid(x):
    """jax.nn.sigmoid without overflow: exp only ever sees a non-positive real part."""
    x = np.asarray(x)
    neg = x.real < 0
    e = np.exp(np.where(neg, x, -x))
    return np.where(neg, e, 1) / (1 + e)


def _relu(x):
    return np.maximum(x, 0)


def _softplus(x):
    return np.logaddexp(x, 0)  # jax.nn.softplus: stable for large |x|


# ---- unary: d ans / d x, elementwise ----------------------------------------------------


def _vjp_unary(deriv: Callable[..., Any], g, ans, x):
    return (fit(g * deriv(x, ans), x) if is_diff(x) else None,)


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


def _d_abs(x, ans):
    return np.sign(x)  # abs'(0) = sign(0) = 0


def _d_sign(x, ans):
    return np.zeros_like(x)


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
    return _sigmoid(x)


# ---- binary: both operands broadcast; `fit` sums each cotangent back ---------------------


# The rules named in SELECTIVE take `wanted` (one flag per input): the engine asks for
# the cotangents of active inputs only, so `w * x` never computes the one of the input x.


def _vjp_add(g, ans, x1, x2, wanted=BOTH):
    return fit(g, x1) if wanted[0] else None, fit(g, x2) if wanted[1] else None


def _vjp_subtract(g, ans, x1, x2, wanted=BOTH):
    return fit(g, x1) if wanted[0] else None, fit(-g, x2) if wanted[1] else None


def _vjp_multiply(g, ans, x1, x2, wanted=BOTH):
    x, y = promote(x1, x2)
    return fit(g * y, x1) if wanted[0] else None, fit(g * x, x2) if wanted[1] else None


def _vjp_divide(g, ans, x1, x2, wanted=BOTH):
    x, y = promote(x1, x2)
    dx = fit(g / y, x1) if wanted[0] else None
    return dx, fit(-g * x / (y * y), x2) if wanted[1] else None


def _vjp_power(g, ans, x1, x2, wanted=BOTH):
    """torch's masks: d/dx is 0 where y == 0, d/dy is 0 where x == 0 and y >= 0."""
    x, y = promote(x1, x2)
    dx = dy = None
    if is_diff(x1) and wanted[0]:
        dx = fit(np.where(y == 0, 0, g * y * x ** (y - 1)), x1)
    if is_diff(x2) and wanted[1]:
        dy = fit(np.where((x == 0) & (y >= 0), 0, g * ans * np.log(x)), x2)
    return dx, dy


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


def apply(op: str, args: tuple[Any, ...] | list[Any], attrs: Any, dtype: np.dtype) -> np.ndarray:
    """`FORWARD[op]` with all arithmetic in the case `dtype`: where no input is floating but
    NumPy's result is (`exp(m)` for a bool `m` is float16 in NumPy, `n / 2` float64), the
    integer and bool operands are cast to `dtype` first and the rule runs again."""
    ans = FORWARD[op](*args, **attrs)
    if ans.dtype.kind != "f" or ans.dtype == dtype or any(map(is_diff, args)):
        return ans
    cast = [
        x.astype(dtype) if isinstance(x, np.ndarray) and is_operand(op, i) else x
        for i, x in enumerate(args)
    ]
    ans = FORWARD[op](*cast, **attrs)
    return ans if ans.dtype == dtype else ans.astype(dtype)  # literals alone: exp(1.5)


def is_operand(op: str, i: int) -> bool:
    """Whether input i of `op` takes part in its arithmetic (not a condition or an index)."""
    positions = _OPERANDS.get(op)
    return positions is None or i in positions


_OPERANDS = {"where": (1, 2), "getitem": (0,)}


# ---- the tables -------------------------------------------------------------------------

FORWARD: dict[str, Callable[..., np.ndarray]] = {
    "add": partial(_arith, np.add),
    "subtract": partial(_arith, np.subtract),
    "multiply": partial(_arith, np.multiply),
    "divide": partial(_arith, np.divide),
    "power": partial(_arith, np.power),
    "arctan2": partial(_arith, np.arctan2),
    "maximum": partial(_arith, np.maximum),
    "minimum": partial(_arith, np.minimum),
    "less": partial(_plain, np.less),
    "less_equal": partial(_plain, np.less_equal),
    "greater": partial(_plain, np.greater),
    "greater_equal": partial(_plain, np.greater_equal),
    "equal": partial(_plain, np.equal),
    "not_equal": partial(_plain, np.not_equal),
    "negative": partial(_unary, np.negative),
    "exp": partial(_unary, np.exp),
    "log": partial(_unary, np.log),
    "log1p": partial(_unary, np.log1p),
    "expm1": partial(_unary, np.expm1),
    "sqrt": partial(_unary, np.sqrt),
    "square": partial(_unary, np.square),
    "abs": partial(_unary, np.abs),
    "sign": partial(_unary, np.sign),
    "sin": partial(_unary, np.sin),
    "cos": partial(_unary, np.cos),
    "tan": partial(_unary, np.tan),
    "arcsin": partial(_unary, np.arcsin),
    "arccos": partial(_unary, np.arccos),
    "arctan": partial(_unary, np.arctan),
    "sinh": partial(_unary, np.sinh),
    "cosh": partial(_unary, np.cosh),
    "tanh": partial(_unary, np.tanh),
    "sigmoid": partial(_unary, _sigmoid),
    "relu": partial(_unary, _relu),
    "softplus": partial(_unary, _softplus),
    "where": _where,
    "clip": partial(_arith, np.clip),
    "sum": partial(_plain, np.sum),
    "mean": partial(_plain, np.mean),
    "prod": partial(_plain, np.prod),
    "max": partial(_plain, np.max),
    "min": partial(_plain, np.min),
    "argmax": partial(_plain, np.argmax),
    "argmin": partial(_plain, np.argmin),
    "logsumexp": partial(_plain, lin.logsumexp),
    "norm": partial(_plain, np.linalg.norm),
    "softmax": partial(_plain, lin.softmax),
    "log_softmax": partial(_plain, lin.log_softmax),
    "cumsum": partial(_plain, np.cumsum),
    "matmul": partial(_arith, np.matmul),
    "dot": partial(_plain, lin.dot),
    "outer": partial(_plain, lin.outer),
    "transpose": partial(_plain, np.transpose),
    "reshape": partial(_plain, np.reshape),
    "expand_dims": partial(_plain, np.expand_dims),
    "squeeze": partial(_plain, np.squeeze),
    "flip": partial(_plain, np.flip),
    "concatenate": partial(_plain, lin.concatenate),
    "stack": partial(_plain, lin.stack),
    "getitem": lin.getitem,
}

# Rules that take `wanted=` and compute only the cotangents asked for.
SELECTIVE = frozenset(
    {"add", "subtract", "multiply", "divide", "power", "arctan2", "where", "matmul", "dot", "outer"}
)

VJP: dict[str, Callable[..., tuple[np.ndarray | None, ...]]] = {
    "add": _vjp_add,
    "subtract": _vjp_subtract,
    "multiply": _vjp_multiply,
    "divide": _vjp_divide,
    "power": _vjp_power,
    "arctan2": _vjp_arctan2,
    "maximum": _vjp_maximum,
    "minimum": _vjp_minimum,
    "less": lin.vjp_none,
    "less_equal": lin.vjp_none,
    "greater": lin.vjp_none,
    "greater_equal": lin.vjp_none,
    "equal": lin.vjp_none,
    "not_equal": lin.vjp_none,
    "negative": partial(_vjp_unary, _d_negative),
    "exp": partial(_vjp_unary, _d_exp),
    "log": partial(_vjp_unary, _d_log),
    "log1p": partial(_vjp_unary, _d_log1p),
    "expm1": partial(_vjp_unary, _d_expm1),
    "sqrt": partial(_vjp_unary, _d_sqrt),
    "square": partial(_vjp_unary, _d_square),
    "abs": partial(_vjp_unary, _d_abs),
    "sign": partial(_vjp_unary, _d_sign),
    "sin": partial(_vjp_unary, _d_sin),
    "cos": partial(_vjp_unary, _d_cos),
    "tan": partial(_vjp_unary, _d_tan),
    "arcsin": partial(_vjp_unary, _d_arcsin),
    "arccos": partial(_vjp_unary, _d_arccos),
    "arctan": partial(_vjp_unary, _d_arctan),
    "sinh": partial(_vjp_unary, _d_sinh),
    "cosh": partial(_vjp_unary, _d_cosh),
    "tanh": partial(_vjp_unary, _d_tanh),
    "sigmoid": partial(_vjp_unary, _d_sigmoid),
    "relu": partial(_vjp_unary, _d_relu),
    "softplus": partial(_vjp_unary, _d_softplus),
    "where": _vjp_where,
    "clip": _vjp_clip,
    "sum": lin.vjp_sum,
    "mean": lin.vjp_mean,
    "prod": lin.vjp_prod,
    "max": lin.vjp_extremum,
    "min": lin.vjp_extremum,
    "argmax": lin.vjp_none,
    "argmin": lin.vjp_none,
    "logsumexp": lin.vjp_logsumexp,
    "norm": lin.vjp_norm,
    "softmax": lin.vjp_softmax,
    "log_softmax": lin.vjp_log_softmax,
    "cumsum": lin.vjp_cumsum,
    "matmul": lin.vjp_matmul,
    "dot": lin.vjp_dot,
    "outer": lin.vjp_outer,
    "transpose": lin.vjp_transpose,
    "reshape": lin.vjp_reshape_back,
    "expand_dims": lin.vjp_reshape_back,
    "squeeze": lin.vjp_reshape_back,
    "flip": lin.vjp_flip,
    "concatenate": lin.vjp_concatenate,
    "stack": lin.vjp_stack,
    "getitem": lin.vjp_getitem,
}
