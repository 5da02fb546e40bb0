"""The `numpy` backend: gradcheck's own tape-based reverse-mode engine over NumPy arrays.

The forward pass runs the program's equations with the rules in `np_rules.FORWARD` and
records on a tape each equation that depends on a differentiated param, with its input
values and its output. The backward pass walks the tape in reverse, calls each op's VJP
rule with the cotangent of its output, checks that the rule returned one cotangent per
input, and accumulates cotangents of variables used more than once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import optim
from ..ir import Eqn, Program, Var, read
from ..ops import OPS
from .np_rules import FORWARD, VJP

if TYPE_CHECKING:
    from ..case import Case

FRAMEWORK = None


def version() -> str:
    return f"numpy {np.__version__}"


def device() -> str:
    return "cpu"


def unsupported(case: Case) -> str | None:
    return None


@dataclass(frozen=True)
class TapeEntry:
    eqn: Eqn
    args: tuple[Any, ...]
    ans: np.ndarray


@dataclass(frozen=True)
class Forward:
    env: dict[str, Any]  # every variable's value
    tape: tuple[TapeEntry, ...]  # the equations on a path from a differentiated param
    value: np.ndarray  # the cost before reduction


def forward(
    program: Program, env: dict[str, Any], active: Iterable[str] = (), dtype: str = "float64"
) -> Forward:
    """Run the program; tape the equations that depend on the `active` variables.

    Arithmetic on integer inputs alone that yields floats (`n / 2`, `mask * 0.5`) gives
    the case `dtype`, not NumPy's float64: the contract puts all arithmetic in it.
    """
    active = set(active)
    tape = []
    with np.errstate(all="ignore"):
        for eqn in program.eqns:
            args = tuple(read(a, env) for a in eqn.inputs)
            ans = FORWARD[eqn.op](*args, **eqn.attrs)
            if ans.dtype.kind == "f" and ans.dtype != dtype and not _has_float(args):
                ans = ans.astype(dtype)
            env[eqn.out] = ans
            depends = any(isinstance(a, Var) and a.name in active for a in eqn.inputs)
            if depends and OPS[eqn.op].diff != ():
                active.add(eqn.out)
                tape.append(TapeEntry(eqn, args, ans))
    return Forward(env, tuple(tape), np.asarray(read(program.cost, env)))


def _has_float(args: tuple[Any, ...]) -> bool:
    return any(isinstance(a, np.ndarray) and a.dtype.kind == "f" for a in args)


def backward(tape: tuple[TapeEntry, ...], cost: Any, seed: np.ndarray) -> dict[str, np.ndarray]:
    """Cotangents of every taped variable, from `seed` at the cost backwards."""
    if not isinstance(cost, Var):
        return {}
    cotangents: dict[str, np.ndarray] = {cost.name: seed}
    with np.errstate(all="ignore"):
        for entry in reversed(tape):
            g = cotangents.get(entry.eqn.out)
            if g is not None:
                _accumulate(cotangents, entry, g)
    return cotangents


def _accumulate(cotangents: dict[str, np.ndarray], entry: TapeEntry, g: np.ndarray) -> None:
    eqn = entry.eqn
    results = VJP[eqn.op](g, entry.ans, *entry.args, **eqn.attrs)
    if len(results) != len(eqn.inputs):
        raise AssertionError(
            f"the VJP of {eqn.op} returned {len(results)} cotangents for {len(eqn.inputs)} inputs"
        )
    op = OPS[eqn.op]
    for i, (atom, ct) in enumerate(zip(eqn.inputs, results, strict=True)):
        if ct is None or not isinstance(atom, Var) or not op.differentiable(i):
            continue
        previous = cotangents.get(atom.name)
        cotangents[atom.name] = ct if previous is None else previous + ct


def seed_for(value: np.ndarray, reduce: str) -> np.ndarray:
    """The cotangent of the cost before reduction: what `sum` or `mean` puts on each element."""
    if reduce == "mean":
        return np.full_like(value, 1.0 / max(value.size, 1))
    return np.ones_like(value)


def reduced(value: np.ndarray, reduce: str) -> float:
    with np.errstate(all="ignore"):
        return float(np.mean(value) if reduce == "mean" else np.sum(value))


@dataclass(frozen=True)
class Evaluation:
    value: np.ndarray
    cost: float
    grads: dict[str, np.ndarray]
    forward: Forward


def value_and_grad(
    program: Program,
    params: Mapping[str, np.ndarray],
    inputs: Mapping[str, np.ndarray],
    wrt: tuple[str, ...],
    reduce: str,
) -> Evaluation:
    """The cost, and the gradient of its reduction with respect to each `wrt` param."""
    dtype = next(iter(params.values())).dtype.name if params else "float64"
    run = forward(program, {**inputs, **params}, wrt, dtype)
    cotangents = backward(run.tape, program.cost, seed_for(run.value, reduce))
    grads = {}
    for name in wrt:
        ct = cotangents.get(name)
        param = params[name]
        grads[name] = np.zeros_like(param) if ct is None else np.asarray(ct, dtype=param.dtype)
    return Evaluation(run.value, reduced(run.value, reduce), grads, run)


class NumpySession:
    """A case's params in NumPy, with gradcheck's own torch.optim formulas."""

    def __init__(self, case: Case):
        self.case = case
        self.inputs = dict(case.inputs)
        self._params = {k: v.copy() for k, v in case.params.items()}
        spec = case.optimizer
        self.optimizer = optim.make(spec.name, spec.hparams) if spec else None

    def evaluate(self) -> Evaluation:
        c = self.case
        return value_and_grad(c.program, self._params, self.inputs, c.wrt, c.reduce)

    def step(self, evaluation: Evaluation) -> None:
        wrt = {k: self._params[k] for k in self.case.wrt}
        self._params.update(self.optimizer.step(wrt, evaluation.grads))

    def params(self) -> dict[str, np.ndarray]:
        return {k: v.copy() for k, v in self._params.items()}


def start(case: Case, options: Mapping[str, Any] | None = None) -> NumpySession:
    return NumpySession(case)
