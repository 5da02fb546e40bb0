"""A fuzz program: a small DAG of forms over params and inputs, its values, and its case.

A `Node` is a leaf (a param or an input, by name) or a form applied to one node per array
operand of the form; a node with a `label` is assigned by that name in the case's
`program:` block, the others are written inline. `Sketch` is the whole program with its
cost, reduction, optimizer and dtype. Values are computed with plain NumPy (`reference`),
never with a backend, and `problems` says what keeps a sketch from being a fair test.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .. import backends
from ..load import load_text
from . import reference, syntax
from .cases import COTANGENT, dump, generated, yaml_value
from .conditioning import distance
from .forms import Form
from .operands import Arr

LIMIT = 1e4  # largest magnitude of a value anywhere in a program (no overflow, no cancellation)
MARGIN = 0.02  # the distance every op's operands keep from its kinks (see draw.MARGIN)


@dataclass(frozen=True, eq=False)
class Node:
    form: Form | None = None
    children: tuple[Node, ...] = ()  # one per array operand of the form, in order
    leaf: str = ""  # the param or input a leaf reads
    label: str = ""  # the name the program block assigns it ("": written inline)


@dataclass(frozen=True)
class Sketch:
    values: Mapping[str, np.ndarray]  # leaf name -> value (float: a param; int, bool: an input)
    root: Node
    weighted: bool = True  # the cost is root * c, c a seeded normal input of root's shape
    reduce: str = "sum"
    optimizer: Mapping[str, Any] | None = None
    steps: int = 0
    dtype: str = "float64"
    seed: int = 0  # c's seed


def walk(node: Node) -> Iterator[Node]:
    """Every node once, children before parents (program order)."""
    seen: set[int] = set()

    def visit(n: Node) -> Iterator[Node]:
        if id(n) in seen:
            return
        seen.add(id(n))
        for child in n.children:
            yield from visit(child)
        yield n

    yield from visit(node)


def operands(node: Node, inputs: list[Any]) -> list[Any]:
    """The form's operands: the children's values where it has arrays, its literals elsewhere."""
    values = iter(inputs)
    return [next(values) if isinstance(a, Arr) else a for a in node.form.args]


def evaluate(sketch: Sketch, values: Mapping[str, np.ndarray] | None = None) -> dict[int, Any]:
    """id(node) -> its value, in plain NumPy; raises what NumPy raises."""
    env = {k: _typed(v, sketch.dtype) for k, v in (values or sketch.values).items()}
    out: dict[int, Any] = {}
    for node in walk(sketch.root):
        if node.form is None:
            out[id(node)] = env[node.leaf]
        else:
            args = operands(node, [out[id(c)] for c in node.children])
            out[id(node)] = reference.apply(node.form.op, args, node.form.attr_dict)
    return out


def _typed(value: np.ndarray, dtype: str) -> np.ndarray:
    return value.astype(dtype) if value.dtype.kind == "f" else value


def problems(
    sketch: Sketch, values: Mapping[str, np.ndarray] | None = None, kinks: bool = False
) -> list[str]:
    """What makes the sketch unfair at these values: a non-finite or huge value, an op
    within MARGIN of a kink (unless `kinks`), a cost that is not a float."""
    try:
        computed = evaluate(sketch, values)
    except (ValueError, TypeError, IndexError, np.exceptions.AxisError) as exc:
        return [f"NumPy refuses it: {exc}"]
    found = []
    for node in walk(sketch.root):
        value = np.asarray(computed[id(node)])
        if value.dtype.kind == "f" and not np.all(np.abs(value) <= LIMIT):
            found.append(f"{node.form.op if node.form else node.leaf}: a value beyond {LIMIT:g}")
        if node.form is not None:
            args = operands(node, [computed[id(c)] for c in node.children])
            if not kinks and distance(node.form.op, args, node.form.attr_dict) < MARGIN:
                found.append(f"{node.form.op}: within {MARGIN} of a kink, tie or domain edge")
    if np.asarray(computed[id(sketch.root)]).dtype.kind != "f":
        found.append("the cost is not a float")
    return found


def trajectory_problems(sketch: Sketch, kinks: bool = False) -> list[str]:
    """`problems` at the params after each optimizer step (the numpy backend steps it)."""
    for steps in range(1, sketch.steps + 1):
        text = case_text(replace(sketch, steps=steps), "trajectory", backends=["numpy"])
        (case,) = load_text(text, "<trajectory>")
        params = backends.run("numpy", case).params
        found = problems(sketch, {**sketch.values, **params}, kinks)
        if found:
            return [f"after step {steps}: {p}" for p in found]
    return []


def size(sketch: Sketch) -> tuple[int, ...]:
    """What shrinking makes smaller, most telling first."""
    nodes = list(walk(sketch.root))
    ops = sum(n.form is not None for n in nodes)
    leaves = {n.leaf: sketch.values[n.leaf] for n in nodes if n.form is None}
    elements = sum(int(np.size(v)) for v in leaves.values())
    axes = sum(np.ndim(v) for v in leaves.values())
    labels = sum(bool(n.label) for n in nodes)
    extras = (sketch.optimizer is not None) + sketch.steps + sketch.weighted
    extras += (sketch.dtype != "float64") + (sketch.reduce != "sum")
    return (ops, extras, labels, elements, axes)


def renamed(sketch: Sketch) -> Sketch:
    """Leaves named p0, p1 (params) and k0 (inputs) in the order the program reads them."""
    names: dict[str, str] = {}
    for n in walk(sketch.root):
        if n.form is None and n.leaf not in names:
            prefix = "p" if sketch.values[n.leaf].dtype.kind == "f" else "k"
            names[n.leaf] = f"{prefix}{sum(v.startswith(prefix) for v in names.values())}"
    done: dict[int, Node] = {}

    def visit(node: Node) -> Node:
        if id(node) not in done:
            children = tuple(visit(c) for c in node.children)
            leaf = names.get(node.leaf, "")
            done[id(node)] = replace(node, children=children, leaf=leaf)
        return done[id(node)]

    values = {names[k]: v for k, v in sketch.values.items() if k in names}
    return replace(sketch, values=values, root=visit(sketch.root))


# ---- the case --------------------------------------------------------------------------------


def _expression(node: Node, labelled: bool = True) -> ast.expr:
    if node.form is None:
        return ast.Name(node.leaf)
    if node.label and labelled:
        return ast.Name(node.label)
    atoms = iter(_expression(c) for c in node.children)
    args = [next(atoms) if isinstance(a, Arr) else syntax.literal(a) for a in node.form.args]
    return node.form.expression(args)


def source(sketch: Sketch) -> tuple[str, str]:
    """(the program block, the cost expression) as the case file writes them."""
    lines = [
        f"{n.label} = {syntax.text(_expression(n, labelled=False))}"
        for n in walk(sketch.root)
        if n.label
    ]
    cost = _expression(sketch.root)
    if sketch.weighted:
        cost = ast.BinOp(cost, ast.Mult(), ast.Name(COTANGENT))
    return "\n".join(lines), syntax.text(cost)


def case_mapping(sketch: Sketch, name: str, **extra: Any) -> dict[str, Any]:
    """The case's keys: values, program, cost, reduction, optimizer; then `extra`."""
    leaves = sorted({n.leaf for n in walk(sketch.root) if n.form is None})
    params = {k: sketch.values[k] for k in leaves if sketch.values[k].dtype.kind == "f"}
    inputs = {k: yaml_value(sketch.values[k]) for k in leaves if k not in params}
    if sketch.weighted:
        shape = np.shape(evaluate(sketch)[id(sketch.root)])
        inputs[COTANGENT] = generated(shape, sketch.seed)
    program, cost = source(sketch)
    head = {k: extra.pop(k) for k in ("description", "tags") if k in extra}
    mapping: dict[str, Any] = {"name": name, **head, "dtype": sketch.dtype}
    mapping["params"] = {k: yaml_value(v) for k, v in params.items()}
    mapping["inputs"] = inputs
    if program:
        mapping["program"] = program
    mapping.update(cost=cost, reduce=sketch.reduce)
    if sketch.optimizer is not None:
        mapping.update(optimizer=dict(sketch.optimizer), steps=sketch.steps)
    return {**mapping, **extra}


def case_text(sketch: Sketch, name: str, header: str = "", **extra: Any) -> str:
    comment = "".join(f"# {line}\n" if line else "#\n" for line in header.splitlines())
    return comment + dump(case_mapping(sketch, name, **extra))
