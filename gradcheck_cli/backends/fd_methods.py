"""The fd oracle's methods, each over every element of a param (or every direction) at once,
and where the complex step applies. See `fd` for what each method is.

Each method takes `costs(index, steps)`, the reduced cost with element index[j] moved by
steps[j] for each j (evaluated at once or one by one: `fd` decides), the flat param x, and
the cost f0 at x; it returns the derivatives and an error estimate for each element.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..ir import Program, Var
from ..ops import OPS
from .np_rules import RULES

EPS = np.finfo(np.float64).eps
_CBRT_EPS = EPS ** (1.0 / 3.0)
_RICHARDSON_STEP = EPS ** (1.0 / 7.0)  # balances an h^6 truncation against eps / h rounding
_COMPLEX_STEP = 1e-20  # times max(|x|, 1): h^2 vanishes beside 1 in float64
_SHRINKS = 4  # at most this many step sizes per element, each 8x smaller
# analytic ops whose NumPy rule takes complex numbers (np.arctan2 refuses them)
COMPLEX_OPS = frozenset(name for name, rule in RULES.items() if OPS[name].analytic and rule.complex)

Costs = Callable[[np.ndarray, np.ndarray], np.ndarray]


def complex_refusal(program: Program, env: Mapping[str, Any]) -> str:
    """Why the complex step does not apply to this program at these values ('' if it does):
    an op that is not analytic, or one evaluated on the edge of its real domain (a branch
    point or pole, such as sqrt at 0), where Im f(x + ih) / h is no derivative."""
    for eqn in program.eqns:
        if eqn.op not in COMPLEX_OPS:
            return f"{eqn.op} is not analytic"
        args = [env[a.name] if isinstance(a, Var) else a.value for a in eqn.inputs]
        inside = _INTERIOR.get(eqn.op)
        if inside is not None and not np.all(inside(eqn, *args)):
            return f"{eqn.op} at the edge of its domain (`{eqn.text}`)"
    return ""


# where each op with a branch point or pole on the real axis is holomorphic
_INTERIOR: dict[str, Callable[..., Any]] = {
    name: rule.interior for name, rule in RULES.items() if rule.interior is not None
}


def central(costs: Costs, x: np.ndarray, f0: float) -> tuple[np.ndarray, np.ndarray]:
    """D(h) for every element, each with its own step and error estimate (see `fd`)."""
    h = _CBRT_EPS * np.maximum(np.abs(x), 1.0)
    grad, error = np.full(x.size, np.nan), np.full(x.size, np.inf)
    todo = np.arange(x.size)
    for _ in range(_SHRINKS):
        h[todo] = (x[todo] + h[todo]) - x[todo]  # a step the float64 grid represents exactly
        todo = todo[h[todo] != 0]
        if not todo.size:
            break
        s = h[todo]
        f = costs(np.tile(todo, 4), np.concatenate([s, -s, 2 * s, -2 * s])).reshape(4, -1)
        d1 = (f[0] - f[1]) / (2 * s)
        d2 = (f[2] - f[3]) / (2 * (2 * s))
        truncation = np.abs(d2 - d1) / 3
        rounding = EPS * (abs(f0) + np.abs(d1) * s) / s
        better = (truncation + rounding < error[todo]) | np.isnan(grad[todo])
        grad[todo[better]], error[todo[better]] = d1[better], (truncation + rounding)[better]
        todo = todo[truncation > rounding]
        h[todo] /= 8
    return grad, error


def complex_step(costs: Costs, x: np.ndarray, f0: float) -> tuple[Any, Any]:
    """Im f(x + ih) / h; (None, None) where a real part is not the cost (a branch cut), or
    where a rule dropped an imaginary part on the way."""
    h = _COMPLEX_STEP * np.maximum(np.abs(x), 1.0)
    f = _imaginary_kept(costs, np.arange(x.size), 1j * h)
    if f is None or not _real_is_cost(f, f0):
        return None, None
    grad = f.imag / h
    return grad, _complex_error(grad)


def _real_is_cost(f: np.ndarray, f0: float) -> bool:
    """Whether every perturbed cost's real part is the cost (else a branch cut was crossed).
    The h^2 term leaves ~1e-40 where the cost is exactly 0, hence an atol."""
    atol = 1e-12 * max(1.0, abs(f0)) if np.isfinite(f0) else 0.0
    return bool(np.all(np.isclose(f.real, f0, rtol=1e-9, atol=atol, equal_nan=True)))


def _imaginary_kept(costs: Costs, index: np.ndarray, steps: np.ndarray) -> np.ndarray | None:
    """The complex costs, or None where a rule cast a complex value to real: the imaginary
    part, which is the derivative, would then be silently 0 (NumPy only warns)."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", np.exceptions.ComplexWarning)
        try:
            return costs(index, steps)
        except np.exceptions.ComplexWarning:
            return None


def _complex_error(grad: np.ndarray) -> np.ndarray:
    """Rounding only (the h^2 term is below it): a few eps per term of a sum as long as the
    gradient, relative to its largest element, where a small element's error lives."""
    return 4 * EPS * np.sqrt(grad.size) * (np.abs(grad) + np.max(np.abs(grad), initial=0))


def richardson(costs: Costs, x: np.ndarray, f0: float) -> tuple[np.ndarray, np.ndarray]:
    """Central differences at h, h/2, h/4 (each exact on the float64 grid), extrapolated."""
    h = _RICHARDSON_STEP * np.maximum(np.abs(x), 1.0)
    h = (x + h) - x
    steps = [h, h / 2, h / 4]
    index = np.tile(np.arange(x.size), 6)
    f = costs(index, np.concatenate([s * sign for s in steps for sign in (1, -1)]))
    f = f.reshape(3, 2, -1)
    d = [(f[k, 0] - f[k, 1]) / (2 * s) for k, s in enumerate(steps)]
    r1 = (4 * d[1] - d[0]) / 3
    r2 = (4 * d[2] - d[1]) / 3  # each cancels the h^2 term; r2 - r1 is mostly r1's h^4 term
    grad = (16 * r2 - r1) / 15  # = (64 d[2] - 20 d[1] + d[0]) / 45: rounding grows ~2x
    error = np.abs(r2 - r1) / 15 + 4 * EPS * (abs(f0) + np.abs(grad) * h) / steps[2]
    return grad, error


def directional(
    costs: Costs, count: int, scale: float, f0: float, method: str
) -> tuple[np.ndarray, np.ndarray, str]:
    """d/dt f(x + t v) for each of `count` directions: complex step or central differences."""
    which = np.arange(count)
    if method == "complex":
        h = _COMPLEX_STEP * scale
        f = _imaginary_kept(costs, which, np.full(count, 1j * h))
        if f is not None and _real_is_cost(f, f0):
            return f.imag / h, _complex_error(f.imag / h), "complex"
    h = _CBRT_EPS * scale
    f = costs(np.tile(which, 4), np.repeat([h, -h, 2 * h, -2 * h], count)).reshape(4, -1)
    d1 = (f[0] - f[1]) / (2 * h)
    d2 = (f[2] - f[3]) / (2 * (2 * h))
    return d1, np.abs(d2 - d1) / 3 + EPS * (abs(f0) + 1.0) / h, "central"
