"""fd's directional mode (PyTorch's fast mode): random unit directions v, and the
directional derivative d/dt f(x + t v) along each, which the comparison matches against
v . grad of every other backend (see fd.py)."""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import fd_methods


@dataclass(frozen=True)
class Projection:
    """A directional derivative: the direction (per param) and d/dt f(x + t v) at t = 0."""

    direction: dict[str, np.ndarray]
    value: float
    error: float


def projections(session: Any, f0: float, method: str) -> tuple[list[Any], str]:
    """A few random unit directions v (seeded by the case name) and d/dt f(x + t v) along each."""
    rng = np.random.default_rng(zlib.crc32(session.case.name.encode()))
    base = {k: session._params[k] for k in session.case.wrt}
    scale = max(1.0, max(float(np.max(np.abs(v), initial=0.0)) for v in base.values()))
    directions = []
    for _ in range(session.directions):
        v = {k: rng.standard_normal(a.shape) for k, a in base.items()}
        norm = np.sqrt(sum(float(np.sum(d * d)) for d in v.values())) or 1.0
        directions.append({k: d / norm for k, d in v.items()})
    costs = _direction_costs(session, base, directions)
    values, errors, method = fd_methods.directional(costs, len(directions), scale, f0, method)
    values = np.where(np.abs(values) <= errors, 0.0, values)  # as `_zeroed`: noise is 0
    found = zip(directions, values, errors, strict=True)
    return [Projection(v, float(d), float(e)) for v, d, e in found], method


def _direction_costs(session: Any, base: dict, directions: list[dict]) -> Callable[..., np.ndarray]:
    """costs(which, ts): the cost at base + ts[j] * directions[which[j]]."""

    def costs(which: np.ndarray, ts: np.ndarray) -> np.ndarray:
        def rows(start: int, stop: int) -> dict[str, np.ndarray]:
            stacked = {}
            for k, x in base.items():  # filled in place: at 10^6 elements, copies count
                out = np.empty((stop - start, *x.shape), np.result_type(x, ts))
                for row, (i, t) in enumerate(zip(which[start:stop], ts[start:stop], strict=True)):
                    np.multiply(directions[i][k], t, out=out[row, ...])  # 0-d: an array
                    out[row, ...] += x
                stacked[k] = out
            return stacked

        return session._costs(len(which), rows)

    return costs
