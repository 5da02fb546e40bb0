"""The numpy engine's forward-mode rules of elementwise ops that are written out (see
np_jvp_rules): arithmetic, where, clip and the functions whose derivative function cannot
be traced, each the transpose of its VJP at the same conventions."""

from __future__ import annotations

from typing import Any

import numpy as np

from .np_trace import Sym

JvpRule = Any


def _total(*terms: Any) -> Any:
    """The sum of the tangents that are not None (None if all are)."""
    out = None
    for term in terms:
        if term is not None:
            out = term if out is None else out + term
    return out


def _add(ts, xs, ans, attrs):
    return _total(ts[0], ts[1])


def _subtract(ts, xs, ans, attrs):
    return _total(ts[0], None if ts[1] is None else -ts[1])


def _divide(ts, xs, ans, attrs):
    x, y = xs
    return _total(
        None if ts[0] is None else ts[0] / y, None if ts[1] is None else -ts[1] * x / (y * y)
    )


def _power(ts, xs, ans, attrs):
    """torch's masks, as the VJP: d/dx 0 where y == 0, d/dy 0 where x == 0 and y >= 0."""
    x, y = xs
    dx = dy = None
    if ts[0] is not None:
        if isinstance(y, Sym):
            dx = np.where(y == 0, 0, ts[0] * y * x ** (y - 1))
        elif y != 0:
            dx = ts[0] * y * x ** (y - 1)
    if ts[1] is not None:
        mask = (x == 0) & (y >= 0) if isinstance(x, Sym) else (x == 0 and y >= 0)
        dy = np.where(mask, 0, ts[1] * ans * np.log(x))
    return _total(dx, dy)


def _arctan2(ts, xs, ans, attrs):
    x, y = xs
    den = x * x + y * y
    return _total(
        None if ts[0] is None else ts[0] * y / den, None if ts[1] is None else -ts[1] * x / den
    )


def _extremum(first: str, second: str) -> JvpRule:
    def rule(ts, xs, ans, attrs):
        b = ans.builder
        x, y = xs
        tie = 0.5 * b.emit("equal", x, y)
        return _total(
            None if ts[0] is None else ts[0] * (b.emit(first, x, y) + tie),
            None if ts[1] is None else ts[1] * (b.emit(second, x, y) + tie),
        )

    return rule


def _where(ts, xs, ans, attrs):
    c = xs[0]
    return _total(
        None if ts[1] is None else np.where(c, ts[1], 0),
        None if ts[2] is None else np.where(c, 0, ts[2]),
    )


def _clip(ts, xs, ans, attrs):
    """As `_vjp_clip`: a takes t between the bounds (inclusive), a bound where it is strictly
    the result; crossed bounds give a_max."""
    a, lo, hi = xs
    b = ans.builder
    below = None if lo is None else b.emit("less", a, lo)
    above = None if hi is None else b.emit("greater", a, hi)
    crossed = None if lo is None or hi is None else b.emit("greater", lo, hi)
    outside = _either(below, above)
    terms = [None if ts[0] is None else (ts[0] if outside is None else np.where(outside, 0, ts[0]))]
    if ts[1] is not None:
        take = below if crossed is None else below & ~crossed
        terms.append(np.where(take, ts[1], 0))
    if ts[2] is not None:
        terms.append(np.where(_either(above, crossed), ts[2], 0))
    return _total(*terms)


def _either(p: Any, q: Any) -> Any:
    return p if q is None else (q if p is None else p | q)


def _softplus(ts, xs, ans, attrs):
    return ts[0] * ans.builder.emit("sigmoid", xs[0])  # the VJP's sigmoid(x), as an op


def _silu(ts, xs, ans, attrs):
    s = ans.builder.emit("sigmoid", xs[0])
    return ts[0] * (s * (1 + xs[0] * (1 - s)))


def _log_sigmoid(ts, xs, ans, attrs):
    return ts[0] * ans.builder.emit("sigmoid", -xs[0])


def _abs(ts, xs, ans, attrs):
    return ts[0] * np.sign(xs[0])  # abs'(0) = 0, the VJP's (real numbers: jvp is not complex)


def _hypot(ts, xs, ans, attrs):
    x, y = xs
    return _total(
        None if ts[0] is None else ts[0] * x / ans, None if ts[1] is None else ts[1] * y / ans
    )


def _logaddexp(base: str) -> JvpRule:
    def rule(ts, xs, ans, attrs):
        b = ans.builder
        x, y = xs
        return _total(
            None if ts[0] is None else ts[0] * b.emit(base, x - ans),
            None if ts[1] is None else ts[1] * b.emit(base, y - ans),
        )

    return rule


def _quotient(rounding: str) -> JvpRule:
    """remainder, fmod: x1 - q * x2 with q = rounding(x1 / x2) piecewise constant."""

    def rule(ts, xs, ans, attrs):
        b = ans.builder
        x, y = xs
        return _total(ts[0], None if ts[1] is None else -ts[1] * b.emit(rounding, x / y))

    return rule


def _nan_to_num(ts, xs, ans, attrs):
    return ts[0] * ans.builder.emit("isfinite", xs[0])


def _xlogy(shift: bool) -> JvpRule:
    def rule(ts, xs, ans, attrs):
        x, y = xs
        b = ans.builder
        log = b.emit("log1p" if shift else "log", y)
        return _total(
            None if ts[0] is None else ts[0] * log,
            None if ts[1] is None else ts[1] * x / ((1 + y) if shift else y),
        )

    return rule


RULES: dict[str, Any] = {
    "add": _add, "subtract": _subtract, "divide": _divide, "power": _power,
    "arctan2": _arctan2, "maximum": _extremum("greater", "less"),
    "minimum": _extremum("less", "greater"), "where": _where, "clip": _clip,
    "softplus": _softplus, "silu": _silu, "log_sigmoid": _log_sigmoid, "abs": _abs,
    "hypot": _hypot, "logaddexp": _logaddexp("exp"), "logaddexp2": _logaddexp("exp2"),
    "remainder": _quotient("floor"), "fmod": _quotient("trunc"), "nan_to_num": _nan_to_num,
    "xlogy": _xlogy(False), "xlog1py": _xlogy(True),
}  # fmt: skip
