"""The walkthrough: the numpy engine's reverse pass over one case, split node by node.

A walkthrough names the nodes of the flat program (params and inputs, then each equation:
the user's variable where there is one, n1, n2... otherwise), runs the engine's own
`forward` and `backward`, and calls each taped equation's VJP rule once more to split
every adjoint into the contribution of each edge, so every number shown is one the engine
computes. The text of each contribution comes from `edges`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .. import ir
from ..backends import np_engine
from ..backends.np_rules import VJP
from ..errors import UsageError
from ..ir import Var
from ..ops import OPS
from .edges import edge_text, expression

if TYPE_CHECKING:
    from ..backends.np_engine import TapeEntry
    from ..case import Case


@dataclass(frozen=True)
class Term:
    """One contribution to a node's adjoint: a consumer's adjoint through one edge."""

    consumer: str  # the node whose adjoint flows back
    symbolic: str  # `df/dn2 * y`, or a phrase such as `df/dn1 at Y[1], 0 elsewhere`
    numeric: str  # the same with the numbers: `1 * 4`
    value: np.ndarray  # the contribution, from the op's VJP rule
    phrase: bool = False  # a phrase, not a product: parenthesised among several terms


@dataclass(frozen=True)
class Node:
    name: str  # as shown: the user's variable, or n1, n2...
    var: str  # the program's variable
    kind: str  # param, held (a param not in wrt), input, op, constant (an op on constants)
    op: str  # the equation's op; "" for params and inputs
    expr: str  # the equation in shown names, `x ** 2`; "" for params and inputs
    value: np.ndarray
    adjoint: np.ndarray | None = None  # the engine's cotangent; None where none reaches it
    terms: tuple[Term, ...] = ()
    sources: tuple[tuple[str, bool], ...] = ()  # each operand: (shown text, is a node)


@dataclass(frozen=True)
class Walkthrough:
    case: Case
    nodes: tuple[Node, ...]  # forward order
    cost: str | None  # the cost node's name; None when the cost is a literal
    function: str  # the name of the differentiated scalar: f
    reduce: str  # sum, mean or native; none where the cost is a scalar
    total: float  # the differentiated scalar
    seed: np.ndarray  # df/dcost, per element
    grads: Mapping[str, np.ndarray]  # wrt param -> gradient, as the engine gives it
    step: int = 0
    params: Mapping[str, np.ndarray] = field(default_factory=dict)  # where it is explained

    def node(self, name: str) -> Node:
        return next(n for n in self.nodes if n.name == name)

    @property
    def reduction(self) -> str:
        return f"{'mean' if self.reduce == 'mean' else 'sum'}({self.cost})"


# ---- building a walkthrough -------------------------------------------------------------


def params_after(case: Case, steps: int) -> dict[str, np.ndarray]:
    """The params after `steps` optimizer steps of the numpy engine's session."""
    if steps and case.optimizer is None:
        raise UsageError(f"{case.name}: --step needs a case with an optimizer; it has none")
    session = np_engine.NumpySession(case)
    for _ in range(steps):
        session.step(session.evaluate())
    return session.params()


def node_names(case: Case) -> dict[str, str]:
    """Program variable -> shown name: the user's name where there is one, else n1, n2..."""
    program = case.program
    names = {k: k for k in [*case.params, *case.inputs]}
    named = {e.out for e in program.eqns if e.out in program.labels}
    taken, count = set(names) | named, 0
    for eqn in program.eqns:
        if eqn.out in named:
            names[eqn.out] = eqn.out
            continue
        count += 1
        while f"n{count}" in taken:
            count += 1
        names[eqn.out] = f"n{count}"
    return names


def walkthrough(case: Case, step: int = 0) -> Walkthrough:
    """Run the engine on `case` (at the params after `step` steps) and split each adjoint."""
    params = params_after(case, step)
    program, names = case.program, node_names(case)
    try:
        run = np_engine.forward(program, {**case.inputs, **params}, case.wrt, case.dtype)
    except IndexError as exc:  # out of bounds: the engine's result, as NumPy's (jax clamps)
        raise UsageError(f"{case.name}: the numpy engine stops at an index: {exc}") from None
    seed = np_engine.seed_for(run.value, case.reduce)
    cotangents = np_engine.backward(run.tape, program.cost, seed)
    active = set(case.wrt) | {entry.eqn.out for entry in run.tape}
    adjoints = {k: v for k, v in cotangents.items() if k in active}  # not constants' own
    cost = names.get(program.cost.name) if isinstance(program.cost, Var) else None
    reduce = case.reduce if run.value.ndim else "none"
    labelled = {names[v] for v in program.labels if v in names}
    function = _function_name(set(names.values()), cost, reduce, labelled)
    terms = _terms(run.tape, adjoints, names, function)
    nodes = _leaves(case, params, adjoints, terms)
    nodes += [_eqn_node(e, names, run.env, active, adjoints, terms) for e in program.eqns]
    grads = {k: _grad(adjoints.get(k), params[k]) for k in case.wrt}
    total = np_engine.reduced(run.value, case.reduce)
    return Walkthrough(case, tuple(nodes), cost, function, reduce, total, seed, grads, step, params)


def _function_name(taken: set[str], cost: str | None, reduce: str, named: set[str]) -> str:
    """The differentiated scalar's name: a scalar cost's own (the user's `loss`, or f for
    an unnamed one); else f, unless a node already has that name."""
    if reduce == "none" and cost is not None and cost in named:
        return cost
    for name in ("f", "cost", "F"):
        if name not in taken or (name == cost and reduce == "none"):
            return name
    return "f_"


def _grad(adjoint: np.ndarray | None, param: np.ndarray) -> np.ndarray:
    return np.zeros_like(param) if adjoint is None else np.asarray(adjoint, dtype=param.dtype)


def _leaves(case: Case, params: Mapping, adjoints: dict, terms: dict) -> list[Node]:
    nodes = []
    for k, v in params.items():
        kind = "param" if k in case.wrt else "held"
        nodes.append(Node(k, k, kind, "", "", v, adjoints.get(k), tuple(terms.get(k, ()))))
    reads = set(case.program.reads)
    return nodes + [Node(k, k, "input", "", "", v) for k, v in case.inputs.items() if k in reads]


def _eqn_node(
    eqn: ir.Eqn, names: dict, env: dict, active: set, adjoints: dict, terms: dict
) -> Node:
    sources = tuple(
        (names[a.name], True) if isinstance(a, Var) else (repr(a.value), False) for a in eqn.inputs
    )
    return Node(
        names[eqn.out],
        eqn.out,
        "op" if eqn.out in active else "constant",
        eqn.op,
        expression(eqn, names),
        np.asarray(env[eqn.out]),
        adjoints.get(eqn.out),
        tuple(terms.get(eqn.out, ())),
        sources,
    )


def _terms(
    tape: tuple[TapeEntry, ...], adjoints: dict, names: dict, function: str
) -> dict[str, list[Term]]:
    """Each edge's contribution, in the order the engine accumulates them."""
    terms: dict[str, list[Term]] = {}
    for entry in reversed(tape):
        eqn = entry.eqn
        g = adjoints.get(eqn.out)
        if g is None:
            continue
        with np.errstate(all="ignore"):  # as in the engine: a NaN or inf is a value to show
            results = VJP[eqn.op](g, entry.ans, *entry.args, **eqn.attrs)
        for i, (atom, ct) in enumerate(zip(eqn.inputs, results, strict=True)):
            taken = isinstance(atom, Var) and OPS[eqn.op].differentiable(i)
            if ct is None or not taken or atom.name not in adjoints:
                continue  # as the engine skips it, or a constant's cotangent nothing reads
            symbolic, numeric = edge_text(entry, i, g, np.asarray(ct), names, function)
            phrase = OPS[eqn.op].kind != "elementwise"
            term = Term(names[eqn.out], symbolic, numeric, np.asarray(ct), phrase)
            terms.setdefault(atom.name, []).append(term)
    return terms
