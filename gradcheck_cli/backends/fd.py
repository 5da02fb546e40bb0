"""The `fd` backend: central differences in float64, an oracle that uses no autodiff.

The cost is evaluated with the project's own forward rules only (`np_engine.forward`
with nothing taped), params and inputs converted to float64 exactly. Each element gets a
step scaled to its magnitude, h = cbrt(eps) * max(|x|, 1), rounded so that x + h - x == h.
Differences at h and 2h give an error estimate: the truncation error of D(h) is about
(D(2h) - D(h)) / 3, and rounding adds about eps * |f| / h. While truncation dominates,
the step shrinks 8x (up to 4 sizes), and the estimate with the smallest total is kept.

Above `FULL_LIMIT` differentiated elements (or with `fd_mode: directional`), it checks
random projections instead (PyTorch's fast mode): for a few unit directions v, it gives
the directional derivative d/dt f(x + t v), which the comparison matches against v . grad
of every other backend. Such a run computes no params, so the optimizer is not stepped.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import optim
from .np_engine import forward, reduced

if TYPE_CHECKING:
    from ..case import Case

FRAMEWORK = None
FULL_LIMIT = 4096  # differentiated elements above which `auto` checks projections
DIRECTIONS = 4
_EPS = np.finfo(np.float64).eps
_CBRT_EPS = _EPS ** (1.0 / 3.0)
_SHRINKS = 4  # at most this many step sizes per element, each 8x smaller


def version() -> str:
    return f"central differences, float64 (numpy {np.__version__})"


def device() -> str:
    return "cpu"


def unsupported(case: Case) -> str | None:
    return None


@dataclass(frozen=True)
class Projection:
    """A directional derivative: the direction (per param) and d/dt f(x + t v) at t = 0."""

    direction: dict[str, np.ndarray]
    value: float
    error: float


@dataclass
class Evaluation:
    value: np.ndarray
    cost: float
    grads: dict[str, np.ndarray] | None
    error: dict[str, np.ndarray] = field(default_factory=dict)
    projections: list[Projection] | None = None


def _to64(array: np.ndarray) -> np.ndarray:
    return array.astype(np.float64) if array.dtype.kind == "f" else array


class FdSession:
    def __init__(self, case: Case, options: Mapping[str, Any] | None = None):
        options = options or {}
        self.case = case
        self.inputs = {k: _to64(v) for k, v in case.inputs.items()}
        self._params = {k: _to64(v) for k, v in case.params.items()}
        size = sum(self._params[k].size for k in case.wrt)
        mode = options.get("fd_mode", "auto")
        self.directional = mode == "directional" or (mode == "auto" and size > FULL_LIMIT)
        self.directions = int(options.get("fd_directions", DIRECTIONS))
        spec = case.optimizer
        self.optimizer = optim.make(spec.name, spec.hparams) if spec else None

    def _value(self, params: Mapping[str, np.ndarray]) -> np.ndarray:
        return forward(self.case.program, {**self.inputs, **params}).value

    def _cost(self) -> float:
        return reduced(self._value(self._params), self.case.reduce)

    def evaluate(self) -> Evaluation:
        value = self._value(self._params)
        cost = reduced(value, self.case.reduce)
        if self.directional:
            return Evaluation(value, cost, None, projections=self._projections(cost))
        grads, errors = {}, {}
        for name in self.case.wrt:
            grads[name], errors[name] = self._gradient(name, cost)
        return Evaluation(value, cost, grads, errors)

    def _gradient(self, name: str, f0: float) -> tuple[np.ndarray, np.ndarray]:
        x = self._params[name] = self._params[name].copy()
        flat = x.reshape(-1)  # a view: perturbing it perturbs the param the program reads
        grad, error = np.empty_like(flat), np.empty_like(flat)
        for i in range(flat.size):
            xi = flat[i]
            grad[i], error[i] = self._element(flat, i, xi, f0)
            flat[i] = xi
        return grad.reshape(x.shape), error.reshape(x.shape)

    def _element(self, flat: np.ndarray, i: int, xi: float, f0: float) -> tuple[float, float]:
        """D(h) with its error estimate; h shrinks while truncation dominates rounding."""
        h = _CBRT_EPS * max(abs(xi), 1.0)
        best = (np.nan, np.inf)
        for _ in range(_SHRINKS):
            h = (xi + h) - xi  # a step the float64 grid represents exactly
            if h == 0:
                break
            d1, d2 = (self._difference(flat, i, xi, s) for s in (h, 2 * h))
            truncation = abs(d2 - d1) / 3
            rounding = _EPS * (abs(f0) + abs(d1) * h) / h
            if truncation + rounding < best[1] or np.isnan(best[0]):
                best = (d1, truncation + rounding)
            if not truncation > rounding:
                break
            h /= 8
        return best

    def _difference(self, flat: np.ndarray, i: int, xi: float, h: float) -> float:
        flat[i] = xi + h
        plus = self._cost()
        flat[i] = xi - h
        minus = self._cost()
        return (plus - minus) / (2 * h)

    def _projections(self, f0: float) -> list[Projection]:
        rng = np.random.default_rng(zlib.crc32(self.case.name.encode()))
        base = {k: self._params[k] for k in self.case.wrt}
        scale = max(1.0, max(float(np.max(np.abs(v), initial=0.0)) for v in base.values()))
        out = []
        for _ in range(self.directions):
            v = {k: rng.standard_normal(a.shape) for k, a in base.items()}
            norm = np.sqrt(sum(float(np.sum(d * d)) for d in v.values())) or 1.0
            v = {k: d / norm for k, d in v.items()}
            h = _CBRT_EPS * scale
            d1, d2 = (self._directional(base, v, t) for t in (h, 2 * h))
            out.append(Projection(v, d1, abs(d2 - d1) / 3 + _EPS * (abs(f0) + 1.0) / h))
        self._params.update(base)
        return out

    def _directional(self, base: dict, v: dict, t: float) -> float:
        self._params.update({k: base[k] + t * v[k] for k in base})
        plus = self._cost()
        self._params.update({k: base[k] - t * v[k] for k in base})
        minus = self._cost()
        return (plus - minus) / (2 * t)

    def step(self, evaluation: Evaluation) -> None:
        wrt = {k: self._params[k] for k in self.case.wrt}
        self._params.update(self.optimizer.step(wrt, evaluation.grads))

    def params(self) -> dict[str, np.ndarray]:
        return {k: v.copy() for k, v in self._params.items()}


def start(case: Case, options: Mapping[str, Any] | None = None) -> FdSession:
    return FdSession(case, options)
