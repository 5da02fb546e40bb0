"""The frozen Case: what one case file entry means once it is validated (see `load.py`).

Its defaults are the case format's (`caseformat`); a key whose default depends on the rest
of the case (`wrt`: all params; `steps`: 1 with an optimizer) has none here: the loader
always gives it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .caseformat import BY_KEY, DEFAULT_TOLERANCE, EXPECT, KEYS, Key
from .errors import Position
from .implementations import Implementation
from .ir import Program

CASE_KEYS = [key.name for key in KEYS]
EXPECT_KEYS = tuple(key.name for key in EXPECT.keys)
REDUCES = tuple(BY_KEY["reduce"].kind.choices)
FD_MIN_TOLERANCE = (1e-5, 1e-7)


def _default(key: Key) -> Any:
    """A field with `key`'s default, a fresh copy where it is a mapping."""
    value = key.default
    return field(default_factory=lambda: dict(value)) if isinstance(value, dict) else value


@dataclass(frozen=True)
class Tolerance:
    rtol: float
    atol: float


@dataclass(frozen=True)
class Expect:
    value: np.ndarray | None = _default(EXPECT.get("value"))
    grad: Mapping[str, np.ndarray] | None = _default(EXPECT.get("grad"))
    params: Mapping[str, np.ndarray] | None = _default(EXPECT.get("params"))
    costs: np.ndarray | None = _default(EXPECT.get("costs"))
    jvp: np.ndarray | None = _default(EXPECT.get("jvp"))
    hvp: Mapping[str, np.ndarray] | None = _default(EXPECT.get("hvp"))
    raises: str | None = _default(EXPECT.get("raises"))
    position: Position | None = None


@dataclass(frozen=True)
class OptimizerSpec:
    name: str
    hparams: Mapping[str, Any]


@dataclass(frozen=True, kw_only=True)
class Case:
    name: str
    position: Position
    params: Mapping[str, np.ndarray]
    program: Program | None  # the `program` and `cost` keys, parsed together; None: no cost
    description: str = _default(BY_KEY["description"])
    tags: tuple[str, ...] = _default(BY_KEY["tags"])
    dtype: str = _default(BY_KEY["dtype"])
    inputs: Mapping[str, np.ndarray] = _default(BY_KEY["inputs"])
    reduce: str = _default(BY_KEY["reduce"])
    wrt: tuple[str, ...]
    optimizer: OptimizerSpec | None = _default(BY_KEY["optimizer"])
    steps: int
    checks: tuple[str, ...] = _default(BY_KEY["checks"])
    tangent: Mapping[str, np.ndarray] = field(default_factory=dict)  # the loader always gives it
    backends: tuple[str, ...] = _default(BY_KEY["backends"])
    reference: str = _default(BY_KEY["reference"])
    tolerance: Tolerance | None = _default(BY_KEY["tolerance"])  # as written; None: by dtype
    expect: Expect | None = _default(BY_KEY["expect"])
    expect_backend: Mapping[str, Expect] = _default(BY_KEY["expect_backend"])
    implementations: Mapping[str, Implementation] = _default(BY_KEY["implementations"])
    source: Mapping[str, Position] = field(default_factory=dict)  # key -> where it is written
    origins: Mapping[str, Position] = field(default_factory=dict)  # program/cost -> text start
    avals: Mapping[str, Any] = field(default_factory=dict)  # variable -> shapes.Aval, once checked

    def tolerance_for(self, *sides: str, fd_exact: bool = False) -> Tolerance:
        """The tolerance of a comparison between `sides` (backend names or "expect"). Where
        fd is a side, at least FD_MIN_TOLERANCE, unless fd used the complex step
        (`fd_exact`): exact to rounding, it is held to the case's own tolerance."""
        rtol, atol = (
            (self.tolerance.rtol, self.tolerance.atol)
            if self.tolerance
            else DEFAULT_TOLERANCE[self.dtype]
        )
        if "fd" in sides and not fd_exact:
            rtol, atol = max(rtol, FD_MIN_TOLERANCE[0]), max(atol, FD_MIN_TOLERANCE[1])
        return Tolerance(rtol, atol)

    def expect_for(self, backend: str) -> Expect | None:
        return self.expect_backend.get(backend, self.expect)
