"""The backends: a registry of modules imported only when a case needs them.

Each backend module defines:

- `FRAMEWORK`: the distribution it imports (None for numpy and fd), for "not installed";
- `version() -> str` and `device() -> str`;
- `unsupported(case) -> str | None`: why this backend cannot express the case (an op, a
  hyperparameter), checked before anything runs; the case then reports `skip`;
- `start(case, options) -> Session`: a session holds the case's params in the framework's own
  types and its optimizer.

`drive` is the one training loop every backend shares: evaluate the reduced cost, record
it, differentiate, step; `steps` times.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import time
from collections.abc import Mapping
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from .. import implementations
from ..errors import BackendSkip
from ..results import Outcome

if TYPE_CHECKING:
    from ..case import Case

MODULES = {
    "numpy": "np_engine",
    "fd": "fd",
    "torch": "torch_backend",
    "jax": "jax_backend",
    "tensorflow": "tf_backend",
}
_FRAMEWORKS = {"torch": "torch", "jax": "jax", "tensorflow": "tensorflow"}

# The user's own TensorFlow log level, read before any framework runs: importing JAX sets
# TF_CPP_MIN_LOG_LEVEL itself, which must not pass for the user's choice.
USER_TF_LOG_LEVEL = os.environ.get("TF_CPP_MIN_LOG_LEVEL")


class Evaluation(Protocol):
    value: np.ndarray  # the cost before reduction
    cost: float  # the reduced cost that is differentiated
    grads: dict[str, np.ndarray]  # wrt param -> gradient


class Session(Protocol):
    def evaluate(self) -> Evaluation: ...
    def step(self, evaluation: Evaluation) -> None: ...
    def params(self) -> dict[str, np.ndarray]: ...


def installed(name: str) -> bool:
    """Whether the backend's framework can be imported, without importing it."""
    framework = _FRAMEWORKS.get(implementations.framework_of(name))
    return framework is None or importlib.util.find_spec(framework) is not None


def load(name: str) -> ModuleType:
    """The backend's module (an `impl:` row's: its framework's backend, or `np_impl` for
    impl:numpy); imports its framework. BackendSkip when not installed."""
    if not installed(name):
        raise BackendSkip("not installed")
    return importlib.import_module(f".{module_name(name)}", __name__)


def module_name(name: str) -> str:
    """The module that runs a backend or an implementation row: impl:numpy's is `np_impl`,
    another row's its framework's backend."""
    return "np_impl" if name == "impl:numpy" else MODULES[implementations.framework_of(name)]


def plain_forward(implementation: implementations.Implementation, case: Case) -> Any:
    """The implementation's forward as fd differentiates it: float64 NumPy arrays in (the
    framework's arrays made from them, no autodiff), the cost before reduction out."""
    fn = implementations.load(implementation.value, implementation.root)
    return load(implementation.row).plain(fn, case)


def drive(session: Session, case: Case) -> Outcome:
    """The shared loop: value and grads at the start, then `steps` optimizer steps."""
    started = time.perf_counter()
    first = session.evaluate()
    outcome = Outcome(value=np.asarray(first.value), grad=first.grads)
    outcome.fd = getattr(first, "fd", None)  # only fd's evaluation has one (results.FdDetail)
    outcome.notes += getattr(first, "notes", [])
    _higher(session, case, outcome)
    if "grad" not in case.checks:
        outcome.grad = None  # computed for the optimizer only; not compared
    if case.optimizer is not None and first.grads is None:
        outcome.info["note"] = "no full gradient, so no optimizer steps"  # fd directional
    elif case.optimizer is not None:
        costs, evaluation = [], first
        for step in range(case.steps):
            if step:
                evaluation = session.evaluate()
            costs.append(evaluation.cost)
            session.step(evaluation)
        outcome.costs = np.asarray(costs, dtype=np.float64)
        outcome.params = session.params()
    outcome.info["seconds"] = time.perf_counter() - started
    return outcome


def _higher(session: Session, case: Case, outcome: Outcome) -> None:
    """(v2) `jvp` and `hvp` along the case's tangent, at the starting params; a session
    without the method cannot compute it, and the backend is a skip with the reason."""
    for check in ("jvp", "hvp"):
        if check not in case.checks:
            continue
        method = getattr(session, check, None)
        if method is None:
            raise BackendSkip(f"computes no {check}")
        result = method(case.tangent)
        if check == "jvp":
            outcome.jvp = np.asarray(result)
        else:
            outcome.hvp = {k: np.asarray(v) for k, v in result.items()}
    detail = getattr(session, "higher_detail", None)
    if detail:
        outcome.info.update(detail)


def run(name: str, case: Case, options: Mapping[str, Any] | None = None) -> Outcome:
    """Run one case on one backend or implementation row. Exceptions propagate: `run.py` is
    where they are caught."""
    module = load(name)
    options = {**(options or {}), **_implementation_options(name, case)}
    reason = module.unsupported(case)
    if reason:
        raise BackendSkip(reason)
    outcome = drive(module.start(case, options), case)
    outcome.info.setdefault("version", module.version())
    return outcome


def _implementation_options(name: str, case: Case) -> dict[str, Any]:
    """An `impl:` row runs its framework's backend on the user's function; without a cost,
    fd differentiates one implementation's forward (`run.py` runs no other backend then)."""
    if implementations.is_row(name):
        return {"implementation": case.implementations[implementations.framework_of(name)]}
    if case.program is not None:
        return {}
    source = implementations.fd_source(case.implementations)
    if name != "fd" or source is None:
        raise BackendSkip("the case has no cost: only its implementations and fd run")
    return {"implementation": source}


def describe(name: str) -> dict[str, Any]:
    """For `gradcheck backends`: availability, version and device (imports the framework)."""
    row = {"backend": name, "available": False, "version": "", "device": "", "note": ""}
    if not installed(name):
        return {**row, "note": "not installed"}
    try:
        module = load(name)
        row.update(version=module.version(), device=module.device(), available=True)
    except Exception as exc:  # a broken install is reported, not raised: this is a status table
        row["note"] = f"cannot import: {type(exc).__name__}: {exc}"
    return row
