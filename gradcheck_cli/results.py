"""Plain data for outcomes: what a backend produced, how it compared, what a case gave."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import Position, Problem
from .implementations import ROWS as IMPLEMENTATION_ROWS

# Every backend a case can name, in the order reports show them.
BACKENDS = ("numpy", "fd", "torch", "jax", "tensorflow")
ROWS = BACKENDS + IMPLEMENTATION_ROWS  # every row a case's result may hold, in report order
FRAMEWORK_BACKENDS = ("torch", "jax", "tensorflow")

STATUSES = ("pass", "fail", "error", "skip")
_SEVERITY = {"skip": 0, "pass": 1, "fail": 2, "error": 3}


@dataclass(frozen=True)
class FdDetail:
    """What only the fd backend has: its method, its error estimate per gradient element,
    and, in the directional mode, the directional derivatives it measured instead."""

    method: str  # central, complex or richardson (several: "complex, central")
    note: str = ""  # why the complex step was asked for and not used
    error: dict[str, np.ndarray] | None = None
    projections: list[Any] | None = None


@dataclass
class Outcome:
    """What one backend produced for one case; every array is a NumPy array."""

    value: np.ndarray | None = None  # the cost before reduction, at the starting params
    grad: dict[str, np.ndarray] | None = None  # d(reduced cost)/d(param) at the start
    params: dict[str, np.ndarray] | None = None  # after `steps` optimizer steps
    costs: np.ndarray | None = None  # the reduced cost before each step
    jvp: np.ndarray | None = None  # (v2) d(cost before reduction) along the tangent
    hvp: dict[str, np.ndarray] | None = None  # (v2) Hessian of the reduced cost x tangent
    error: str | None = None  # the backend's own message, when it failed
    error_type: str = ""
    skip: str | None = None  # why it did not run
    info: dict[str, Any] = field(default_factory=dict)  # method, version, timings...
    fd: FdDetail | None = None  # the fd backend's own detail
    notes: list[str] = field(default_factory=list)  # the backend's remarks for the report

    @property
    def projections(self) -> list[Any] | None:
        return self.fd.projections if self.fd else None


@dataclass(frozen=True)
class Mismatch:
    """One disagreement: the quantity, between whom, where, both numbers and the bound."""

    quantity: str  # "value", "grad[w]", "jvp", "hvp[w]", "params[w]", "costs", "raises",
    # "shape of grad[w]"
    backend: str
    other: str  # the reference backend's name, or "expect"
    index: tuple[int, ...] | None = None
    actual: Any = None
    expected: Any = None
    rtol: float = 0.0
    atol: float = 0.0
    note: str = ""  # for shape, missing values, raises

    @property
    def diff(self) -> float:
        return float(abs(np.complex128(self.actual) - np.complex128(self.expected)))

    @property
    def bound(self) -> float:
        return self.atol + self.rtol * abs(self.expected)


@dataclass
class BackendResult:
    backend: str
    status: str  # pass, fail, error, skip
    outcome: Outcome
    mismatches: list[Mismatch] = field(default_factory=list)
    compared: list[str] = field(default_factory=list)  # what it was compared with
    tolerances: dict[str, tuple[float, float]] = field(default_factory=dict)  # other -> rtol, atol
    message: str = ""  # error text, or skip reason


@dataclass
class CaseResult:
    name: str
    position: Position
    status: str
    backends: dict[str, BackendResult] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)  # an invalid case's problems
    notes: list[str] = field(default_factory=list)  # e.g. "reference fd did not run"
    case: Any = None  # the Case, for reports (None for an invalid one)


def worst(statuses: list[str]) -> str:
    """error, then fail, then pass; skip only when there is nothing else."""
    return max(statuses, key=_SEVERITY.__getitem__, default="skip")


@dataclass
class RunResult:
    cases: list[CaseResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for c in self.cases if c.status == status)

    @property
    def exit_code(self) -> int:
        """2 when a case file was invalid, 1 when anything failed or errored, else 0."""
        if any(c.problems for c in self.cases):
            return 2
        return 1 if self.count("fail") or self.count("error") else 0
