"""The walkthrough as text: what `gradcheck explain` prints (forward values, each
adjoint as a sum over its edges, the gradient; with `--compare`, the framework's numbers
beside the engine's and a summary)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..report.text import fmt_array
from .edges import spaced
from .framework import compared_grad, compared_lines, summary_lines
from .walkthrough import Node, Term, Walkthrough

if TYPE_CHECKING:
    from .framework import Comparison

WIDE = 100  # a single-term adjoint line longer than this is broken over lines


def render(w: Walkthrough, comparison: Comparison | None = None) -> str:
    """The walkthrough as `gradcheck explain` prints it."""
    lines = _header(w) + [""] + _forward_lines(w) + [""] + _backward_lines(w, comparison)
    lines += [""] + _gradient_lines(w, comparison)
    if comparison is not None:
        lines += [""] + summary_lines(comparison)
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
        lines += compared_lines(comparison, name, width) if comparison else []
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
    return f"({text})" if count > 1 and term.phrase and spaced(text) else text


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
        lines.append(text + (compared_grad(comparison, name, grad) if comparison else ""))
    if not w.grads:
        lines.append("  (no param is differentiated: wrt is empty)")
    return lines
