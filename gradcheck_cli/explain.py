"""`gradcheck explain`: the numpy engine's reverse pass over one case, node by node.

A walkthrough names the nodes of the flat program (params and inputs, then each equation:
the user's variable where there is one, n1, n2... otherwise), runs the engine's own
`forward` and `backward`, and calls each taped equation's VJP rule once more to split
every adjoint into the contribution of each edge, so every number shown is one the engine
computes. Local derivatives are written symbolically from a small table per op (text
only; their values come from the same VJP rules, called with a unit cotangent), with a
phrase for the VJP where no formula is short. `--compare` puts a framework's own adjoints
beside the engine's (`Comparison`). `render` is the text `gradcheck explain` prints.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from . import backends, ir
from .backends import np_engine
from .backends.np_rules import VJP
from .compare import compare
from .errors import UsageError
from .ir import Lit, Var
from .ops import OPS
from .report.text import fmt_array, fmt_mismatch
from .results import FRAMEWORK_BACKENDS, Mismatch
from .run import Options, run_backend

if TYPE_CHECKING:
    from .backends.np_engine import TapeEntry
    from .case import Case, Tolerance

WIDE = 100  # a single-term adjoint line longer than this is broken over lines


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


# ---- the equations and their local derivatives, as text ----------------------------------

_INFIX = {
    "add": "+",
    "subtract": "-",
    "multiply": "*",
    "divide": "/",
    "power": "**",
    "matmul": "@",
    "less": "<",
    "less_equal": "<=",
    "greater": ">",
    "greater_equal": ">=",
    "equal": "==",
    "not_equal": "!=",
}


def _operand(atom: ir.Atom, names: Mapping[str, str]) -> str:
    return names[atom.name] if isinstance(atom, Var) else repr(atom.value)


def expression(eqn: ir.Eqn, names: Mapping[str, str]) -> str:
    """The equation's right side in shown names: `x ** 2`, `Y[1]`, `sum(m, axis=0)`."""
    args = [_operand(a, names) for a in eqn.inputs]
    if eqn.op in _INFIX:
        return f" {_INFIX[eqn.op]} ".join(args)
    if eqn.op == "negative":
        return f"-{args[0]}"
    shown = replace(eqn, out="_", inputs=tuple(Var(a) for a in args))
    return ir.format_eqn(shown).split(" = ", 1)[1]


# d(out)/d(input i) for each elementwise op: {0}, {1}, {2} the operands, {ans} the output
_LOCAL: dict[str, tuple[str, ...]] = {
    "add": ("1", "1"),
    "subtract": ("1", "-1"),
    "multiply": ("{1}", "{0}"),
    "divide": ("1 / {1}", "-{0} / {1} ** 2"),
    "power": ("{1} * {0} ** ({1} - 1)", "{ans} * log({0})"),
    "arctan2": ("{1} / ({0} ** 2 + {1} ** 2)", "-{0} / ({0} ** 2 + {1} ** 2)"),
    "maximum": ("({0} > {1}) + 0.5 * ({0} == {1})", "({1} > {0}) + 0.5 * ({0} == {1})"),
    "minimum": ("({0} < {1}) + 0.5 * ({0} == {1})", "({1} < {0}) + 0.5 * ({0} == {1})"),
    "negative": ("-1",),
    "exp": ("{ans}",),
    "log": ("1 / {0}",),
    "log1p": ("1 / (1 + {0})",),
    "expm1": ("{ans} + 1",),
    "sqrt": ("0.5 / {ans}",),
    "square": ("2 * {0}",),
    "abs": ("sign({0})",),
    "sign": ("0",),
    "sin": ("cos({0})",),
    "cos": ("-sin({0})",),
    "tan": ("1 + {ans} ** 2",),
    "arcsin": ("1 / sqrt(1 - {0} ** 2)",),
    "arccos": ("-1 / sqrt(1 - {0} ** 2)",),
    "arctan": ("1 / (1 + {0} ** 2)",),
    "sinh": ("cosh({0})",),
    "cosh": ("sinh({0})",),
    "tanh": ("1 - {ans} ** 2",),
    "sigmoid": ("{ans} * (1 - {ans})",),
    "relu": ("({0} > 0)",),
    "softplus": ("sigmoid({0})",),
    "where": ("", "where({0}, 1, 0)", "where({0}, 0, 1)"),
    "clip": ("({1} <= {0} <= {2})", "({0} < {1})", "({0} > {2})"),
}


def _local(eqn: ir.Eqn, i: int, args: tuple[str, ...], ans: str) -> str:
    """The local derivative d(ans)/d(operand i) of an elementwise op, as text."""
    exponent = eqn.inputs[1] if eqn.op == "power" else None
    if i == 0 and isinstance(exponent, Lit) and type(exponent.value) in (int, float):
        k = exponent.value
        if k - 1 in (0, 1):
            return "1" if k == 1 else f"{k!r} * {args[0]}"
        return f"{k!r} * {args[0]} ** {k - 1!r}"
    if eqn.op == "clip" and i == 0 and "None" in args:
        bounds = [f"{args[1]} <= " if args[1] != "None" else "", f" <= {args[2]}"]
        return f"({bounds[0]}{args[0]}{bounds[1] if args[2] != 'None' else ''})"
    template = _LOCAL[eqn.op][i]
    parts = [f"({a})" if _binds(a, k, template) else a for k, a in enumerate(args)]
    return template.format(*parts, ans=ans)


def _binds(operand: str, k: int, template: str) -> bool:
    """A negative literal needs parentheses after a minus sign or before a power."""
    slot = "{" + str(k) + "}"
    return operand.startswith("-") and ("-" + slot in template or slot + " **" in template)


def _unit_local(entry: TapeEntry, i: int) -> np.ndarray:
    """The local derivative's value: the op's own VJP at a cotangent of ones, its operands
    broadcast to the output's shape so that nothing is summed."""
    shape = entry.ans.shape
    args = [np.broadcast_to(a, shape) if isinstance(a, np.ndarray) else a for a in entry.args]
    with np.errstate(all="ignore"):
        return VJP[entry.eqn.op](np.ones_like(entry.ans), entry.ans, *args, **entry.eqn.attrs)[i]


def _summed(text: str, into: tuple[int, ...], shape: tuple[int, ...]) -> str:
    """How a broadcast operand takes its cotangent: summed over the broadcast axes."""
    if into == shape:
        return text
    if not into:
        return f"sum({text})"
    lead = len(shape) - len(into)
    if shape[lead:] == into:
        axes = tuple(range(lead))
        return f"sum({text}, axis={axes[0] if len(axes) == 1 else axes})"
    return f"sum({text}) to shape {list(into)}"


@dataclass(frozen=True)
class _Edge:
    """What a VJP phrase needs: the consumer's adjoint and the operands, as names or numbers."""

    entry: TapeEntry
    i: int
    g: str
    args: tuple[str, ...]
    names: tuple[str, ...]
    ans: str

    def attr(self, name: str) -> Any:
        return self.entry.eqn.attrs.get(name, OPS[self.entry.eqn.op].attr_defaults.get(name))

    def shape(self, i: int | None = None) -> list[int]:
        return list(np.shape(self.entry.args[self.i if i is None else i]))


def _axis_text(e: _Edge, key: str = "axis") -> str:
    value = e.attr(key)
    return "" if value is None else f", {key}={value!r}"


def _vjp_matmul(e: _Edge) -> str:
    a, b = e.args
    forms = {  # (ndim a, ndim b) -> (d/da, d/db)
        (2, 2): (f"{e.g} @ {b}.T", f"{a}.T @ {e.g}"),
        (1, 1): (f"{e.g} * {b}", f"{e.g} * {a}"),
        (2, 1): (f"outer({e.g}, {b})", f"{a}.T @ {e.g}"),
        (1, 2): (f"{b} @ {e.g}", f"outer({a}, {e.g})"),
    }
    ndims = (len(e.shape(0)), len(e.shape(1)))
    return forms[ndims][e.i] if ndims in forms else _vjp_generic(e)


def _vjp_norm(e: _Edge) -> str:
    if e.attr("ord") in (None, 2, "fro") and e.attr("axis") is None:
        return f"{e.g} * {e.args[0]} / {e.ans}"
    return _vjp_generic(e)


def _vjp_transpose(e: _Edge) -> str:
    axes = e.attr("axes")
    return f"{e.g}.T" if axes is None else f"transpose({e.g}, {tuple(np.argsort(axes).tolist())})"


def _vjp_getitem(e: _Edge) -> str:
    index = ir.format_eqn(replace(e.entry.eqn, out="_", inputs=tuple(Var(n) for n in e.names)))
    return f"{e.g} at {index.split(' = ', 1)[1]}, 0 elsewhere"


def _vjp_part(e: _Edge) -> str:
    """concatenate and stack: operand i takes its own part of the cotangent."""
    axis = e.attr("axis")
    if e.entry.eqn.op == "stack":
        return f"{e.g}[{e.i}] along axis {axis}"
    start = sum(np.shape(a)[axis] for a in e.entry.args[: e.i]) if axis is not None else 0
    stop = start + (np.shape(e.entry.args[e.i])[axis] if axis is not None else 0)
    return f"{e.g}[{start}:{stop}] along axis {axis}" if axis is not None else _vjp_generic(e)


def _vjp_generic(e: _Edge) -> str:
    return f"the VJP of {e.entry.eqn.op} at {e.g}"


_VJP_TEXT: dict[str, Callable[[_Edge], str]] = {
    "sum": lambda e: f"{e.g} broadcast to {e.shape()}",
    "mean": lambda e: (
        f"{e.g} / {e.entry.args[0].size // max(e.entry.ans.size, 1)} broadcast to {e.shape()}"
    ),
    "prod": lambda e: f"{e.g} * (the product of the other elements of {e.args[0]})",
    "max": lambda e: f"{e.g} to the maxima of {e.args[0]}, split among ties",
    "min": lambda e: f"{e.g} to the minima of {e.args[0]}, split among ties",
    "logsumexp": lambda e: f"{e.g} * softmax({e.args[0]}{_axis_text(e)})",
    "norm": _vjp_norm,
    "softmax": lambda e: f"{e.ans} * ({e.g} - sum({e.g} * {e.ans}{_axis_text(e)}, keepdims=True))",
    "log_softmax": lambda e: f"{e.g} - exp({e.ans}) * sum({e.g}{_axis_text(e)}, keepdims=True)",
    "cumsum": lambda e: f"flip(cumsum(flip({e.g}{_axis_text(e)}){_axis_text(e)}))",
    "matmul": _vjp_matmul,
    "dot": _vjp_matmul,
    "outer": lambda e: f"{e.g} @ {e.args[1]}" if e.i == 0 else f"{e.g}.T @ {e.args[0]}",
    "transpose": _vjp_transpose,
    "reshape": lambda e: f"{e.g} reshaped to {e.shape()}",
    "expand_dims": lambda e: f"{e.g} reshaped to {e.shape()}",
    "squeeze": lambda e: f"{e.g} reshaped to {e.shape()}",
    "flip": lambda e: f"flip({e.g}{_axis_text(e)})",
    "getitem": _vjp_getitem,
    "concatenate": _vjp_part,
    "stack": _vjp_part,
}


def edge_text(
    entry: TapeEntry, i: int, g: np.ndarray, ct: np.ndarray, names: Mapping[str, str], f: str
) -> tuple[str, str]:
    """The contribution of operand `i` of a taped equation, in symbols and in numbers."""
    eqn, ans = entry.eqn, names[entry.eqn.out]
    symbols = tuple(_operand(a, names) for a in eqn.inputs)
    numbers = tuple(
        fmt_array(v) if isinstance(a, Var) else repr(a.value)
        for a, v in zip(eqn.inputs, entry.args, strict=True)
    )
    if OPS[eqn.op].kind != "elementwise":
        phrase = _VJP_TEXT.get(eqn.op, _vjp_generic)
        return (
            phrase(_Edge(entry, i, f"d{f}/d{ans}", symbols, symbols, ans)),
            phrase(_Edge(entry, i, fmt_array(g), numbers, symbols, fmt_array(entry.ans))),
        )
    local = _local(eqn, i, symbols, ans)
    shown = _local_number(entry, i, local, symbols, ans)
    sums = " + " in _outside(local) or " - " in _outside(local)
    local = f"({local})" if sums else local  # `g * (1 - n1 ** 2)`, not `g * 1 - n1 ** 2`
    into, shape = ct.shape, entry.ans.shape
    return (
        _summed(f"d{f}/d{ans} * {local}", into, shape),
        _summed(f"{fmt_array(g)} * {shown}", into, shape),
    )


def _local_number(entry: TapeEntry, i: int, local: str, symbols: tuple, ans: str) -> str:
    """The local derivative's number: written out where it is a number or a node (the
    other operand of a product keeps its own shape), else the VJP rule's value."""
    if local in symbols:
        return fmt_array(entry.args[symbols.index(local)])
    if local == ans:
        return fmt_array(entry.ans)
    try:
        float(local)
    except ValueError:
        return fmt_array(_unit_local(entry, i))
    return local


# ---- the text ---------------------------------------------------------------------------


def render(w: Walkthrough, comparison: Comparison | None = None) -> str:
    """The walkthrough as `gradcheck explain` prints it."""
    lines = _header(w) + [""] + _forward_lines(w) + [""] + _backward_lines(w, comparison)
    lines += [""] + _gradient_lines(w, comparison)
    if comparison is not None:
        lines += [""] + _summary_lines(comparison)
    return "\n".join(lines) + "\n"


def _header(w: Walkthrough) -> list[str]:
    case = w.case
    where = "at the starting params"
    if w.step:
        plural = "s" if w.step > 1 else ""
        where = f"at the params after {w.step} {case.optimizer.name} step{plural}"
    title = f"{case.name}: {case.description}" if case.description else case.name
    return [title, f"{case.dtype}, the numpy engine, {where}"]


def _forward_lines(w: Walkthrough) -> list[str]:
    rows = []
    for node in w.nodes:
        middle = f" = {node.expr}" if node.expr else ""
        rows.append((node.name, f"{middle} = {fmt_array(node.value)}", _describe(w, node)))
    if w.reduce != "none":
        total = fmt_array(np.asarray(w.total, dtype=w.seed.dtype))
        rows.append((w.function, f" = {w.reduction} = {total}", _reduce_note(w.reduce)))
    return ["forward: each node's value, params and inputs first"] + _table(rows)


def _describe(w: Walkthrough, node: Node) -> str:
    text = {
        "param": "param",
        "held": "param, held constant (not in wrt)",
        "input": "input (a constant)",
        "op": node.op,
        "constant": f"{node.op}, {_undifferentiated(w, node)}",
    }[node.kind]
    if node.value.ndim:
        text += f", shape {list(node.value.shape)}"
    if node.name == w.cost:
        same = node.name == w.function or w.reduce != "none"
        text += ", the cost" if same else f", the cost ({w.function})"
    return text


def _undifferentiated(w: Walkthrough, node: Node) -> str:
    """ "of constants only" where it is, else why no adjoint reaches it: a held param."""
    by_name = {n.name: n for n in w.nodes}
    todo, seen = [node], set()
    while todo:
        current = todo.pop()
        for text, is_node in current.sources:
            source = by_name.get(text) if is_node else None
            if source is None or source.name in seen:
                continue
            if source.kind == "held":
                return "not differentiated (it depends on no param in wrt)"
            seen.add(source.name)
            todo.append(source)
    return "of constants only"


def _reduce_note(reduce: str) -> str:
    if reduce == "native":
        return "reduce: native (numpy sums, as TensorFlow does; PyTorch and JAX refuse)"
    return f"reduce: {reduce}"


def _table(rows: list[tuple[str, str, str]]) -> list[str]:
    """`name = ... = value` rows, names padded and the notes lined up (unless too wide)."""
    width = max((len(name) for name, _, _ in rows), default=0)
    lefts = [f"{name:<{width}}{rest}" for name, rest, _ in rows]
    column = max((len(text) for text in lefts if len(text) <= 60), default=0)
    return [f"  {text:<{column}}   {note}" for text, (_, _, note) in zip(lefts, rows, strict=True)]


def _backward_lines(w: Walkthrough, comparison: Comparison | None) -> list[str]:
    f = w.function
    lines = [f"backward: each node's adjoint d{f}/d(node), from the cost back"]
    if w.cost is None or w.node(w.cost).adjoint is None:
        return lines + ["  the cost depends on no differentiated param: every gradient is 0"]
    names = [n.name for n in reversed(w.nodes) if n.adjoint is not None]
    width = max(len(f"d{f}/d{name}") for name in [*names, f])
    if w.reduce != "none":
        lines.append(f"  {f'd{f}/d{f}':<{width}} = 1")
    for name in names:
        lines += _adjoint_lines(w, w.node(name), width)
        lines += _compared_lines(comparison, name, width) if comparison else []
    dead = [n.name for n in w.nodes if n.kind in ("param", "op") and n.adjoint is None]
    if dead:
        them = "it" if len(dead) == 1 else "them"
        lines.append(f"  ({', '.join(dead)}: the cost does not depend on {them}; adjoint 0)")
    return lines


def _adjoint_lines(w: Walkthrough, node: Node, width: int) -> list[str]:
    """`df/dn1 = df/dn2 * ∂n2/∂n1 = df/dn2 * y = 1 * 4 = 4`; a sum over several lines."""
    f, terms = w.function, node.terms
    head = f"  {f'd{f}/d{node.name}':<{width}} = "
    if node.name == w.cost:
        return _broken(head, _seed_parts(w), width, single=True)
    parts = [
        " + ".join(f"d{f}/d{t.consumer} * ∂{t.consumer}/∂{node.name}" for t in terms),
        " + ".join(_grouped(t, t.symbolic, len(terms)) for t in terms),
        " + ".join(_grouped(t, t.numeric, len(terms)) for t in terms),
    ]
    if len(terms) > 1:
        parts.append(" + ".join(fmt_array(t.value) for t in terms))
    parts.append(fmt_array(node.adjoint))
    parts = [p for i, p in enumerate(parts) if i == 0 or p != parts[i - 1]]
    return _broken(head, parts, width, single=len(terms) == 1)


def _broken(head: str, parts: list[str], width: int, single: bool) -> list[str]:
    """`head = a = b = c` on one line where it fits, else one `= part` a line."""
    if single and len(head + " = ".join(parts)) <= WIDE:
        return [head + " = ".join(parts)]
    return [head + parts[0]] + [f"  {'':<{width}} = {p}" for p in parts[1:]]


def _grouped(term: Term, text: str, count: int) -> str:
    """Among several terms a phrase goes in parentheses; a product needs none."""
    return f"({text})" if count > 1 and term.phrase and _spaced(text) else text


def _outside(text: str) -> str:
    """`text` without what is inside its brackets: `1 - n1 ** 2` stays, `(x > 0)` is `()`."""
    depth, kept = 0, []
    for char in text:
        depth -= char in ")]"
        kept.append(char if depth == 0 else "")
        depth += char in "(["
    return "".join(kept)


def _spaced(text: str) -> bool:
    """Whether `text` has a space outside brackets (a call such as `flip(g)` has none)."""
    depth = 0
    for char in text:
        depth += (char in "([") - (char in ")]")
        if char == " " and depth == 0:
            return True
    return False


def _seed_parts(w: Walkthrough) -> list[str]:
    """How the reduction seeds the backward pass: 1 (or 1/n) per element of the cost."""
    if w.reduce == "none":
        return [fmt_array(w.seed)]
    f, seed = w.function, fmt_array(w.seed)
    local = f"1/{w.seed.size} per element" if w.reduce == "mean" else "1 per element"
    return [f"d{f}/d{f} * ∂{f}/∂{w.cost}", f"d{f}/d{f} * {local}", f"1 * {seed}", seed]


def _gradient_lines(w: Walkthrough, comparison: Comparison | None) -> list[str]:
    f = w.function
    lines = ["gradient" + (f" (numpy, then {comparison.backend})" if comparison else "")]
    width = max((len(f"d{f}/d{k}") for k in w.grads), default=0)
    for name, grad in w.grads.items():
        text = f"  {f'd{f}/d{name}':<{width}} = {fmt_array(grad)}"
        lines.append(text + (_compared_grad(comparison, name, grad) if comparison else ""))
    if not w.grads:
        lines.append("  (no param is differentiated: wrt is empty)")
    return lines


# ---- --compare: a framework's own adjoints beside the engine's ---------------------------


@dataclass(frozen=True)
class Comparison:
    backend: str
    tolerance: Tolerance
    grads: Mapping[str, np.ndarray] | None  # what `backends.run` gives for the params
    problem: str  # why there are no grads (the backend's error or skip reason)
    adjoints: Mapping[str, np.ndarray]  # node name -> the framework's adjoint
    note: str  # why there are no adjoints of intermediate nodes
    first: str | None = None  # the first node, in backward order, where the two part ways
    mismatch: Mismatch | None = None


def compare_with(backend: str, w: Walkthrough) -> Comparison:
    """Run `backend` at the walkthrough's params and compare its adjoints node by node."""
    if not backends.installed(backend):
        extra = (
            f' (pip install "gradcheck-cli[{backend}]")' if backend in FRAMEWORK_BACKENDS else ""
        )
        raise UsageError(f"--compare {backend}: {backend} is not installed{extra}")
    case = replace(w.case, params=dict(w.params), optimizer=None, steps=0)
    outcome = run_backend(backend, case, Options())
    problem = outcome.error or (f"skipped: {outcome.skip}" if outcome.skip else "")
    adjoints, note = framework_adjoints(backend, case, w)
    tolerance = case.tolerance_for("numpy", backend)
    comparison = Comparison(backend, tolerance, outcome.grad, problem, adjoints, note)
    for node in reversed(w.nodes):
        if node.adjoint is None or node.name not in adjoints:
            continue
        quantity = f"d{w.function}/d{node.name}"
        found = compare(quantity, node.adjoint, adjoints[node.name], tolerance, "numpy", backend)
        if found is not None:
            return replace(comparison, first=node.name, mismatch=found)
    return comparison


def framework_adjoints(backend: str, case: Case, w: Walkthrough) -> tuple[dict, str]:
    """The framework's adjoint of every node that has one in the engine, by node name."""
    module = backends.load(backend)
    if not hasattr(module, "adjoints"):
        return {}, f"{backend} computes the params' gradients only, no intermediate adjoints"
    reason = module.unsupported(case)
    if reason:
        return {}, f"{backend} cannot run this case: {reason}"
    wanted = {n.var: n for n in w.nodes if n.adjoint is not None}
    try:
        found = module.adjoints(case, wanted)
    except Exception as exc:  # the framework's own refusal (a non-scalar target) is the answer
        return {}, f"{backend} gives no adjoints: {type(exc).__name__}: {str(exc).strip()}"
    return {wanted[var].name: np.asarray(value) for var, value in found.items()}, ""


def _compared_lines(c: Comparison, name: str, width: int) -> list[str]:
    if name not in c.adjoints:
        return []
    mark = f"   <- numpy and {c.backend} part ways here" if name == c.first else ""
    return [f"  {'':<{width}}   {c.backend}: {fmt_array(c.adjoints[name])}{mark}"]


def _compared_grad(c: Comparison, name: str, grad: np.ndarray) -> str:
    theirs = (c.grads or {}).get(name)
    if theirs is None:
        return f"   {c.backend}: none (below)"
    found = compare(f"grad[{name}]", grad, theirs, c.tolerance, "numpy", c.backend)
    return f"   {c.backend}: {fmt_array(theirs)}" + ("   (differs)" if found else "")


def _summary_lines(c: Comparison) -> list[str]:
    lines = []
    if c.problem:
        lines.append(f"{c.backend} gave no gradient: {c.problem}")
    if c.note:
        lines.append(c.note)
    if c.mismatch is not None:
        lines.append(f"numpy and {c.backend} part ways first at {c.first} (in backward order):")
        lines.append(f"  {fmt_mismatch(c.mismatch)}")
    elif c.adjoints:
        tol = f"rtol {c.tolerance.rtol:g}, atol {c.tolerance.atol:g}"
        lines.append(f"numpy and {c.backend} agree at every node ({tol})")
    return lines
