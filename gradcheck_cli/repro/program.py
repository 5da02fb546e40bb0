"""The program of a repro script, one line per statement of the user's program with the
user's names, rendered from the flat IR by a framework's template table; and what the
script around it needs (the params the cost reaches, the hyperparameters, the header).

A temporary used once is folded back into the expression that uses it; one used twice
gets a line of its own (`t3 = ...`). A user's name that the script uses itself gets a
trailing underscore.
"""

from __future__ import annotations

import builtins
import textwrap
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .. import __version__, optim
from ..backends.np_rules import FORWARD, apply
from ..case import Case
from ..ir import Eqn, Lit, Var, read
from ..ops import OPS
from ..report.text import fmt_array
from .expr import ATOM, UNARY, Arg, Expr, Site, Template, py

# Names the scripts use themselves; a user's name among them gets a trailing underscore.
RESERVED = frozenset(
    "cost loss costs step params grads optimizer opt_state updates tape value hp state "
    "np torch jax jnp optax tf keras numpy gradient compute loss_fn arrays name target "
    "HYPERPARAMETERS sgd adam adamw rmsprop adagrad sigmoid relu softplus softmax "
    "log_softmax logsumexp EPS derivative".split()
) | frozenset(dir(builtins))


@dataclass(frozen=True)
class Body:
    """The program's lines and the name the rest of the script calls the cost by."""

    lines: tuple[str, ...]
    cost: str
    names: Mapping[str, str]  # every variable -> its name in the script


def _names(case: Case, uses: Counter[str]) -> dict[str, str]:
    """The script's name for each variable: the user's, `t<n>` for a shared temporary."""
    program, cost = case.program, case.program.cost
    names: dict[str, str] = {}
    users = {*case.params, *case.inputs, *program.labels.values()}
    for name in [*case.params, *case.inputs]:
        names[name] = _safe(name, RESERVED)
    for eqn in program.eqns:
        label = program.labels.get(eqn.out)
        if label is not None:
            is_cost = isinstance(cost, Var) and cost.name == eqn.out and label == "cost"
            names[eqn.out] = label if is_cost else _safe(label, RESERVED)
        elif uses[eqn.out] > 1:
            names[eqn.out] = _safe(f"t{eqn.out.lstrip('%')}", RESERVED | users)
    return names


def _safe(name: str, taken: frozenset[str] | set[str]) -> str:
    while name in taken:
        name += "_"
    return name


def _uses(case: Case) -> Counter[str]:
    uses: Counter[str] = Counter()
    for eqn in case.program.eqns:
        uses.update(a.name for a in eqn.inputs if isinstance(a, Var))
    if isinstance(case.program.cost, Var):
        uses[case.program.cost.name] += 1
    return uses


def values(case: Case) -> dict[str, Any]:
    """Every variable's value at the starting params, by NumPy (np_engine's rules), for
    dtypes and shapes. An index out of range (a finding about the frameworks, not an
    invalid case) is taken as 0, which gives the same shape."""
    env: dict[str, Any] = {**case.inputs, **case.params}
    with np.errstate(all="ignore"):
        for eqn in case.program.eqns:
            args = [read(a, env) for a in eqn.inputs]
            try:
                ans = apply(eqn.op, args, eqn.attrs, np.dtype(case.dtype))
            except IndexError:
                ans = _in_range(eqn, args)
            env[eqn.out] = ans
    return env


def _in_range(eqn: Eqn, args: list[Any]) -> np.ndarray:
    if eqn.op != "getitem":
        raise AssertionError(f"{eqn.op} raised IndexError")  # only indexing can

    def zero(entry: Any) -> Any:
        if isinstance(entry, int) and not isinstance(entry, bool):
            return 0
        if isinstance(entry, tuple) and entry and type(entry[0]) is not bool:
            return tuple(0 for _ in entry)
        return entry

    arrays = [a if np.asarray(a).dtype.kind == "b" else np.zeros_like(a) for a in args[1:]]
    index = tuple(zero(e) for e in eqn.attrs["index"])
    return FORWARD["getitem"](args[0], *arrays, index=index)


def split_line(line: str, width: int = 88) -> list[str]:
    """A long `name = a + b - c` as black writes it: in parentheses, a term a line, broken
    before the operators outside any bracket."""
    name, sep, expr = line.partition(" = ")
    if len(line) <= width or not sep:
        return [line]
    terms, depth, start = [], 0, 0
    for i, ch in enumerate(expr):
        depth += ch in "([{"
        depth -= ch in ")]}"
        if depth == 0 and expr[i : i + 3] in (" + ", " - ") and i > start:
            terms.append(expr[start:i])
            start = i + 1
    terms.append(expr[start:])
    if len(terms) == 1:
        return [line]
    return [f"{name} = (", *(f"    {t.strip()}" for t in terms), ")"]


def literal_expr(value: Any) -> Expr:
    text = py(value)
    negative_number = isinstance(value, (int, float)) and (value < 0 or text.startswith("-"))
    return Expr(text, UNARY if negative_number else ATOM)


def render(case: Case, table: Mapping[str, Template], constant: Callable[[Any], str]) -> Body:
    """The program, one line per statement; `constant` writes a cost that is a literal."""
    uses, env = _uses(case), values(case)
    names = _names(case, uses)
    exprs: dict[str, Expr] = {name: Expr(names[name]) for name in [*case.params, *case.inputs]}
    lines: list[str] = []
    for eqn in case.program.eqns:
        args = [
            Arg(literal_expr(a.value), a.value, True)
            if isinstance(a, Lit)
            else Arg(exprs[a.name], env[a.name], False)
            for a in eqn.inputs
        ]
        expr = table[eqn.op](Site(eqn, np.asarray(env[eqn.out]), case.dtype), args)
        if eqn.out in names:
            lines += split_line(f"{names[eqn.out]} = {expr.text}")
            expr = Expr(names[eqn.out])
        exprs[eqn.out] = expr
    cost = case.program.cost
    if isinstance(cost, Lit):
        return Body((*lines, f"cost = {constant(cost.value)}"), "cost", names)
    if cost.name in names:
        return Body(tuple(lines), names[cost.name], names)
    return Body((*lines, *split_line(f"cost = {exprs[cost.name].text}")), "cost", names)


# ---- what the scaffolding needs -----------------------------------------------------------


def reached(case: Case) -> tuple[str, ...]:
    """The differentiated params the cost depends on through differentiable inputs."""
    cost = case.program.cost
    found = []
    for name in case.wrt:
        active = {name}
        for eqn in case.program.eqns:
            op = OPS[eqn.op]
            if any(
                isinstance(a, Var) and a.name in active and op.differentiable(i)
                for i, a in enumerate(eqn.inputs)
            ):
                active.add(eqn.out)
        if isinstance(cost, Var) and cost.name in active:
            found.append(name)
    return tuple(found)


def hyperparameters(case: Case) -> dict[str, Any]:
    """Every hyperparameter of the contract's table: the case's value, else the default."""
    spec = case.optimizer
    return optim.hyperparameters(spec.name, spec.hparams) if spec else {}


def header(case: Case, framework: str, lines: list[str]) -> list[str]:
    """The opening comment: what case, where from, what gradcheck expects."""
    out = [
        f"# {case.name}: a gradcheck case rebuilt with {framework} alone",
        f"# (from {case.position.file}; written by `gradcheck repro`, gradcheck {__version__}).",
    ]
    if case.description:
        out += [f"# {line}" for line in textwrap.wrap(case.description, 86)]
    out += [f"# {line}" for line in lines]
    expect = case.expect_for(framework)
    if expect is not None:
        out.append(f"# The case expects: {_expected(expect)}")
    return out


def _expected(expect: Any) -> str:
    if expect.raises is not None:
        return f"an error with {expect.raises!r}"
    parts = [f"value {fmt_array(expect.value)}"] if expect.value is not None else []
    parts += [f"grad {k} {fmt_array(v)}" for k, v in (expect.grad or {}).items()]
    parts += [f"params {k} {fmt_array(v)}" for k, v in (expect.params or {}).items()]
    parts += [f"costs {fmt_array(expect.costs)}"] if expect.costs is not None else []
    return "; ".join(parts) or "nothing"


def describe(case: Case) -> list[str]:
    """The reduce and the optimizer in a line each, for the header."""
    lines = [f"reduce: {case.reduce}"]
    if case.optimizer is not None:
        hp = ", ".join(f"{k}={py(v)}" for k, v in hyperparameters(case).items())
        lines.append(f"optimizer: {case.optimizer.name}({hp}), {case.steps} step(s)")
    if tuple(case.wrt) != tuple(case.params):
        lines.append(f"differentiated: {', '.join(case.wrt)}; the other params are constants")
    return lines


def render_lowered(case: Case, lowered: list[Any], constant: Callable[[Any], str]) -> Body:
    """The program, one line per statement, from the trees the backend runs (`spelling`):
    a temporary used once is folded into its user, the others get a line of their own."""
    from ..spelling.printer import Text, literal, source

    names = _names(case, _uses(case))
    texts: dict[str, Text] = {name: Text(names[name]) for name in [*case.params, *case.inputs]}
    lines: list[str] = []
    for step in lowered:
        eqn = step.eqn
        args = [literal(a.value) if isinstance(a, Lit) else texts[a.name] for a in eqn.inputs]
        text = source(step.tree, args)
        if eqn.out in names:
            lines += split_line(f"{names[eqn.out]} = {text.text}")
            text = Text(names[eqn.out])
        texts[eqn.out] = text
    cost = case.program.cost
    if isinstance(cost, Lit):
        return Body((*lines, f"cost = {constant(cost.value)}"), "cost", names)
    if cost.name in names:
        return Body(tuple(lines), names[cost.name], names)
    return Body((*lines, *split_line(f"cost = {texts[cost.name].text}")), "cost", names)
