"""The `impl:numpy` row: the user's own NumPy forward (`value`) and, where given, their
hand-derived gradient (`grad`), stepped by gradcheck's own torch.optim formulas as the numpy
engine is. Both are called with every param and input as a keyword argument (NumPy arrays
in the case dtype); `value` returns the cost before reduction, `grad` the gradient of the
reduced cost: a mapping param -> array, or one array where there is one param.
Without `grad` the row has a value only (nothing to step an optimizer with).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import implementations, optim
from .np_engine import reduced

if TYPE_CHECKING:
    from ..case import Case

FRAMEWORK = None


def version() -> str:
    return f"numpy {np.__version__} (the user's own code)"


def device() -> str:
    return "cpu"


def unsupported(case: Case) -> str | None:
    return None


@dataclass(frozen=True)
class Evaluation:
    value: np.ndarray
    cost: float
    grads: dict[str, np.ndarray] | None
    notes: list[str] = field(default_factory=list)


class NumpyImplSession:
    def __init__(self, case: Case, implementation: implementations.Implementation):
        self.case, self.impl = case, implementation
        self.value_fn = implementations.load(implementation.value, implementation.root)
        self.grad_fn = (
            implementations.load(implementation.grad, implementation.root)
            if implementation.grad
            else None
        )
        self._params = {k: v.copy() for k, v in case.params.items()}
        self.names = (*case.params, *case.inputs)
        spec = case.optimizer
        self.optimizer = optim.make(spec.name, spec.hparams) if spec and self.grad_fn else None

    def _env(self) -> dict[str, Any]:
        return {**self.case.inputs, **{k: v.copy() for k, v in self._params.items()}}

    def evaluate(self) -> Evaluation:
        ref = self.impl.value
        value = implementations.call(self.value_fn, self._env(), self.names)
        value = np.asarray(
            implementations.check_result(
                value, (np.ndarray, np.generic, float, int), "a NumPy array", ref
            )
        )
        cost = reduced(value, self.case.reduce)
        if self.grad_fn is None:
            note = "no grad function: its value only is compared"
            return Evaluation(value, cost, None, [note] if self.case.optimizer else [])
        return Evaluation(
            value, cost, self._grads(implementations.call(self.grad_fn, self._env(), self.names))
        )

    def _grads(self, given: Any) -> dict[str, np.ndarray]:
        wrt, ref = self.case.wrt, self.impl.grad
        if not isinstance(given, Mapping):
            if len(wrt) != 1:
                message = f"{ref} returned one array for {len(wrt)} params"
                raise implementations.ImplementationError(message + ": return param -> gradient")
            given = {wrt[0]: given}
        missing = [k for k in wrt if k not in given]
        if missing:
            raise implementations.ImplementationError(
                f"{ref} gave no gradient of {', '.join(missing)}"
            )
        grads = {}
        for k in wrt:
            g = np.asarray(given[k], dtype=self._params[k].dtype)
            want = self._params[k].shape
            if g.shape != want:
                message = f"{ref}: the gradient of {k} has shape {list(g.shape)}, not {list(want)}"
                raise implementations.ImplementationError(message)
            grads[k] = g
        return grads

    def step(self, evaluation: Evaluation) -> None:
        wrt = {k: self._params[k] for k in self.case.wrt}
        self._params.update(self.optimizer.step(wrt, evaluation.grads))

    def params(self) -> dict[str, np.ndarray]:
        return {k: v.copy() for k, v in self._params.items()}


def start(case: Case, options: Mapping[str, Any] | None = None) -> NumpyImplSession:
    return NumpyImplSession(case, case.implementations["numpy"])


def plain(fn: Any, case: Case) -> Any:
    """The forward fd differentiates: float64 NumPy arrays in, the cost before reduction out."""
    names = (*case.params, *case.inputs)
    return lambda env: np.asarray(implementations.call(fn, env, names), dtype=np.float64)
