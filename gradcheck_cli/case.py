"""The frozen Case: what one case file entry means once it is validated (see `load.py`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import Position
from .ir import Program
from .results import BACKENDS

CASE_KEYS = (
    "name description tags dtype params inputs program cost reduce wrt optimizer steps "
    "backends reference tolerance expect expect_backend"
).split()
EXPECT_KEYS = ("value", "grad", "params", "costs", "raises")
REDUCES = ("sum", "mean", "none", "native")
DEFAULT_TOLERANCE = {"float64": (1e-7, 1e-9), "float32": (1e-4, 1e-5)}
FD_MIN_TOLERANCE = (1e-5, 1e-7)


@dataclass(frozen=True)
class Tolerance:
    rtol: float
    atol: float


@dataclass(frozen=True)
class Expect:
    value: np.ndarray | None = None
    grad: Mapping[str, np.ndarray] | None = None
    params: Mapping[str, np.ndarray] | None = None
    costs: np.ndarray | None = None
    raises: str | None = None
    position: Position | None = None


@dataclass(frozen=True)
class OptimizerSpec:
    name: str
    hparams: Mapping[str, Any]


@dataclass(frozen=True)
class Case:
    name: str
    position: Position
    params: Mapping[str, np.ndarray]
    program: Program
    description: str = ""
    tags: tuple[str, ...] = ()
    dtype: str = "float64"
    inputs: Mapping[str, np.ndarray] = field(default_factory=dict)
    reduce: str = "none"
    wrt: tuple[str, ...] = ()
    optimizer: OptimizerSpec | None = None
    steps: int = 0
    backends: tuple[str, ...] = BACKENDS
    reference: str = "fd"
    tolerance: Tolerance | None = None  # as written in the case; None: by dtype
    expect: Expect | None = None
    expect_backend: Mapping[str, Expect] = field(default_factory=dict)
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
