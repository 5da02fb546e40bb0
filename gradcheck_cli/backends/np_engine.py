"""The `numpy` backend: gradcheck's own tape-based reverse-mode engine over NumPy arrays.

The forward pass runs the program's equations with the rules in `np_rules.FORWARD` and
records on a tape each equation that depends on a differentiated param, with its input
values and its output. The backward pass walks the tape in reverse, calls each op's VJP
rule with the cotangent of its output, checks that the rule returned one cotangent per
input, and accumulates cotangents of variables used more than once.

`value_and_grad`, what the backend runs, takes the same pass a faster way (each rule asked
for the active inputs' cotangents only, the tape and cotangents released as the pass goes);
`backward` keeps everything, for `gradcheck explain`. tests/test_engine_fast_paths.py
checks that both give the same gradients.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import optim
from ..ir import Eqn, Program, Var, read
from ..ops import OPS
from .np_rules import SELECTIVE, VJP, apply

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
    # which inputs need a cotangent (an active variable where the op is differentiable);
    # None: every input. Only `value_and_grad` uses it; `backward` gives every cotangent.
    wanted: tuple[bool, ...] | None = None


@dataclass(frozen=True)
class Forward:
    env: dict[str, Any]  # every variable's value
    tape: tuple[TapeEntry, ...]  # the equations on a path from a differentiated param
    value: np.ndarray  # the cost before reduction


def forward(
    program: Program, env: dict[str, Any], active: Iterable[str] = (), dtype: str = "float64"
) -> Forward:
    """Run the program; tape the equations that depend on the `active` variables.

    Arithmetic on integer or bool inputs alone that yields floats (`n / 2`, `exp(mask)`) is
    done in the case `dtype` (`np_rules.apply`): the contract puts all arithmetic in it.
    """
    active = set(active)
    dtype = np.dtype(dtype)
    tape = []
    with np.errstate(all="ignore"):
        for eqn in program.eqns:
            args = tuple([env[a.name] if type(a) is Var else a.value for a in eqn.inputs])
            env[eqn.out] = ans = apply(eqn.op, args, eqn.attrs, dtype)
            if _depends(eqn, active) and OPS[eqn.op].diff != ():
                tape.append(TapeEntry(eqn, args, ans, _wanted(eqn, active)))
                active.add(eqn.out)
    return Forward(env, tuple(tape), np.asarray(read(program.cost, env)))


def _depends(eqn: Eqn, active: set[str]) -> bool:
    return any(type(a) is Var and a.name in active for a in eqn.inputs)


def _wanted(eqn: Eqn, active: set[str]) -> tuple[bool, ...]:
    diff = OPS[eqn.op].diff  # Op.differentiable, inlined: this runs for every taped equation
    return tuple(
        type(a) is Var and a.name in active and (diff is None or i in diff)
        for i, a in enumerate(eqn.inputs)
    )


def backward(tape: tuple[TapeEntry, ...], cost: Any, seed: np.ndarray) -> dict[str, np.ndarray]:
    """Cotangents of every taped variable, from `seed` at the cost backwards (and of every
    other variable a rule gives one, such as a float input)."""
    return _sweep(tape, cost, seed, fast=False)


def _sweep(
    tape: Sequence[TapeEntry], cost: Any, seed: np.ndarray, fast: bool
) -> dict[str, np.ndarray]:
    """The backward pass. `fast` (what `value_and_grad` uses) asks each rule in
    `np_rules.SELECTIVE` for the cotangents of active inputs only, consumes the tape (a
    list) entry by entry, and drops a variable's cotangent once its equation has passed it
    on: on large arrays, memory freed early is reused, where a fresh page costs more than
    the arithmetic done in it. The result then holds the differentiated params' cotangents."""
    if not isinstance(cost, Var):
        return {}
    cotangents: dict[str, np.ndarray] = {cost.name: seed}
    entries = _consume(tape) if fast else reversed(tape)
    with np.errstate(all="ignore"):
        for entry in entries:
            out = entry.eqn.out
            g = cotangents.pop(out, None) if fast else cotangents.get(out)
            if g is not None:
                _accumulate(cotangents, entry, g, fast)
    return cotangents


def _consume(tape: list[TapeEntry]) -> Iterator[TapeEntry]:
    """The entries last to first, each removed from the list as it is handed out."""
    while tape:
        yield tape.pop()


def _accumulate(
    cotangents: dict[str, np.ndarray], entry: TapeEntry, g: np.ndarray, fast: bool
) -> None:
    eqn = entry.eqn
    if fast and eqn.op in SELECTIVE:
        results = VJP[eqn.op](g, entry.ans, *entry.args, wanted=entry.wanted, **eqn.attrs)
    else:
        results = VJP[eqn.op](g, entry.ans, *entry.args, **eqn.attrs)
    if len(results) != len(eqn.inputs):
        raise AssertionError(
            f"the VJP of {eqn.op} returned {len(results)} cotangents for {len(eqn.inputs)} inputs"
        )
    diff = OPS[eqn.op].diff
    for i, ct in enumerate(results):
        atom = eqn.inputs[i]
        if ct is None or type(atom) is not Var or (diff is not None and i not in diff):
            continue
        if fast and not entry.wanted[i]:
            continue  # a constant's cotangent, which nothing reads
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
    forward: Forward  # its value only: the env and tape are released by the backward pass


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
    value, tape = run.value, list(run.tape)
    run = Forward({}, (), value)  # the env and tape go entry by entry in the backward pass
    cotangents = _sweep(tape, program.cost, seed_for(value, reduce), fast=True)
    grads: dict[str, np.ndarray] = {}
    for name in wrt:
        ct = cotangents.get(name)
        param = params[name]
        grads[name] = np.zeros_like(param) if ct is None else _own(ct, param.dtype, grads)
    return Evaluation(value, reduced(value, reduce), grads, run)


def _own(ct: np.ndarray, dtype: np.dtype, given: Mapping[str, np.ndarray]) -> np.ndarray:
    """A gradient the caller may keep and write to: rules return views and shared arrays
    (`add` passes g to both sides, `sum` a broadcast view), which are copied here, once."""
    ct = np.asarray(ct)
    shared = any(ct is other for other in given.values())
    if ct.dtype == dtype and ct.base is None and ct.flags.writeable and not shared:
        return ct
    return np.array(ct, dtype=dtype)


class NumpySession:
    """A case's params in NumPy, with gradcheck's own torch.optim formulas."""

    def __init__(self, case: Case):
        self.case = case
        self.inputs = dict(case.inputs)
        self._params = {k: v.copy() for k, v in case.params.items()}
        spec = case.optimizer
        self.optimizer = optim.make(spec.name, spec.hparams) if spec else None
        self.higher_detail: dict[str, str] = {}  # how jvp and hvp were computed

    def evaluate(self) -> Evaluation:
        c = self.case
        return value_and_grad(c.program, self._params, self.inputs, c.wrt, c.reduce)

    def jvp(self, tangent: Mapping[str, np.ndarray]) -> np.ndarray:
        """Forward mode, by the engine's own tangent program (np_higher)."""
        from . import np_higher  # only for cases that ask for it

        c = self.case
        env = {**self.inputs, **self._params}
        value, how = np_higher.jvp(c.program, env, c.wrt, tangent, np.dtype(c.dtype))
        self.higher_detail["jvp method"] = how
        return value

    def hvp(self, tangent: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Reverse mode over the tangent program (np_higher)."""
        from . import np_higher

        c = self.case
        self.higher_detail["hvp method"] = "reverse mode over the tangent program"
        return np_higher.hvp(c.program, self._params, self.inputs, c.wrt, tangent, c.reduce)

    def step(self, evaluation: Evaluation) -> None:
        wrt = {k: self._params[k] for k in self.case.wrt}
        self._params.update(self.optimizer.step(wrt, evaluation.grads))

    def params(self) -> dict[str, np.ndarray]:
        return {k: v.copy() for k, v in self._params.items()}


def start(case: Case, options: Mapping[str, Any] | None = None) -> NumpySession:
    return NumpySession(case)
