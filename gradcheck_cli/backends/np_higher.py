"""The numpy engine's jvp and hvp (v2 `checks`), computed by the engine itself.

Forward mode is a program transformation: `linearize` writes, beside each equation of the
case's program, the equations of its output's tangent (each op's rule in np_jvp_rules,
run on `np_trace.Sym`s), so the result is again a program of the op vocabulary; written
at the case's point, its values are the tangents, and the cost's tangent is the `jvp`.

Second order is reverse mode over forward mode: the engine's own reverse pass
(np_engine.value_and_grad) differentiates that program's reduced cost tangent,
d/dparams <grad L, v> = H v, the `hvp`. Both use only the engine's rules: no differences,
no framework.

Where an op has no forward rule, the jvp comes from the VJPs instead (J t row by row: the
reverse pass from each element of the cost, dotted with the tangent; exact, one backward
pass per element) and the hvp is a skip naming the op.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import BackendSkip
from ..ir import Program, Var
from ..ops import OPS
from . import np_engine
from .np_jvp_rules import RULES
from .np_rules import apply
from .np_trace import Builder, Sym, Untraceable

TANGENT = "~t:"  # the tangent program's input for param p is "~t:p"
MAX_TRANSPOSED = 4096  # cost elements the VJP fallback of jvp runs one backward pass for


class NoForwardRule(Exception):
    """An op of the program has no forward-mode rule (its name, and why)."""

    def __init__(self, op: str, why: str = ""):
        self.op = op
        super().__init__(
            f"the engine has no forward-mode rule for {op}" + (f" ({why})" if why else "")
        )


@dataclass(frozen=True)
class Linearized:
    program: Program  # the case's equations and their tangents'; its cost the cost's tangent
    values: Mapping[str, Any]  # every variable's value at the point
    tangent: Any  # the cost's tangent (an array; zeros where the cost does not depend on wrt)


def linearize(
    program: Program,
    env: Mapping[str, np.ndarray],
    tangent: Mapping[str, np.ndarray],
    dtype: np.dtype,
) -> Linearized:
    """The tangent program of `program` at `env`, along `tangent` (wrt param -> direction)."""
    b = Builder(dtype)
    syms: dict[str, Any] = {name: b.var(name, value) for name, value in env.items()}
    tangents: dict[str, Any] = {name: b.var(TANGENT + name, t) for name, t in tangent.items()}
    with np.errstate(all="ignore"):
        for eqn in program.eqns:
            xs = [syms[a.name] if isinstance(a, Var) else a.value for a in eqn.inputs]
            value = apply(
                eqn.op, [x.value if isinstance(x, Sym) else x for x in xs], eqn.attrs, b.dtype
            )
            b.eqns.append(eqn)
            syms[eqn.out] = ans = b.var(eqn.out, value)
            op = OPS[eqn.op]
            ts = [
                tangents.get(a.name) if isinstance(a, Var) and op.differentiable(i) else None
                for i, a in enumerate(eqn.inputs)
            ]
            if op.diff == () or all(t is None for t in ts) or value.dtype.kind not in "fc":
                continue
            tangents[eqn.out] = _tangent(eqn, ts, xs, ans)
    cost = program.cost
    t = tangents.get(cost.name) if isinstance(cost, Var) else None
    zero = np.zeros(np.shape(b.values.get(cost.name, cost_value(cost, b))), b.dtype)
    out = t.atom if t is not None else None
    made = Program(tuple(b.eqns), program.reads, out if out is not None else cost, program.labels)
    return Linearized(made, b.values, t.value if t is not None else zero)


def cost_value(cost: Any, b: Builder) -> Any:
    return b.values[cost.name] if isinstance(cost, Var) else cost.value


def _tangent(eqn: Any, ts: list[Any], xs: list[Any], ans: Sym) -> Any:
    rule = RULES.get(eqn.op)
    if rule is None:
        raise NoForwardRule(eqn.op)
    try:
        t = rule(ts, xs, ans, dict(eqn.attrs))
    except Untraceable as exc:
        raise NoForwardRule(eqn.op, str(exc)) from None
    if t is None:
        return None
    if not isinstance(t, Sym):
        raise NoForwardRule(eqn.op, "its tangent is not traced")
    if t.shape != ans.shape:  # a tangent of one operand of a broadcast
        t = t + ans.builder.zeros(ans)
    return t


def jvp(
    program: Program,
    env: Mapping[str, np.ndarray],
    wrt: tuple[str, ...],
    tangent: Mapping[str, np.ndarray],
    dtype: np.dtype,
) -> tuple[np.ndarray, str]:
    """The cost's derivative along `tangent`, and how it was computed."""
    try:
        lin = linearize(program, env, tangent, dtype)
        return np.asarray(lin.tangent), "forward mode (the tangent program)"
    except NoForwardRule as exc:
        return _transposed(program, env, wrt, tangent, dtype), f"the VJPs, row by row ({exc})"


def _transposed(program, env, wrt, tangent, dtype) -> np.ndarray:
    """J t from the reverse pass: element j is <VJP(e_j), t>."""
    run = np_engine.forward(program, dict(env), wrt, np.dtype(dtype).name)
    value = run.value
    if value.size > MAX_TRANSPOSED:
        raise BackendSkip(
            f"no forward-mode rule for an op, and the cost has {value.size} elements (over"
            f" {MAX_TRANSPOSED}) for one backward pass each"
        )
    out = np.zeros(value.shape, value.dtype if value.dtype.kind in "fc" else dtype)
    flat = out.reshape(-1)
    for j in range(value.size):
        seed = np.zeros_like(flat)
        seed[j] = 1
        cts = np_engine.backward(run.tape, program.cost, seed.reshape(value.shape))
        flat[j] = sum(
            np.sum(np.asarray(cts[w]) * tangent[w]) for w in wrt if cts.get(w) is not None
        )
    return out


def hvp(
    program: Program,
    params: Mapping[str, np.ndarray],
    inputs: Mapping[str, np.ndarray],
    wrt: tuple[str, ...],
    tangent: Mapping[str, np.ndarray],
    reduce: str,
) -> dict[str, np.ndarray]:
    """H v: the engine's reverse pass over the tangent program's reduced cost."""
    dtype = next(iter(params.values())).dtype
    try:
        lin = linearize(program, {**inputs, **params}, tangent, dtype)
    except NoForwardRule as exc:
        raise BackendSkip(f"no hvp: {exc}") from None
    if lin.program.cost is program.cost or not isinstance(lin.program.cost, Var):
        return {w: np.zeros_like(params[w]) for w in wrt}  # the cost does not depend on wrt
    b = Builder(dtype)
    eqns = list(lin.program.eqns)
    cost = lin.program.cost
    if np.ndim(lin.tangent):
        b.values.update(lin.values)
        reduced = b.emit("mean" if reduce == "mean" else "sum", b.var(cost.name, lin.tangent))
        eqns += b.eqns
        cost = reduced.atom
    made = Program(tuple(eqns), lin.program.reads, cost, lin.program.labels)
    constants = {**inputs, **{TANGENT + w: tangent[w] for w in tangent}}
    evaluation = np_engine.value_and_grad(made, params, constants, wrt, "none")
    return {w: np.asarray(evaluation.grads[w], dtype=params[w].dtype) for w in wrt}
