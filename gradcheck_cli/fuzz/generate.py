"""Random fuzz programs: a few params of small shapes, 2-6 forms composed into a DAG.

Each step picks an op and one of its forms, and fills each array operand with an earlier
node of that shape (most often the newest, so programs grow deep) or a new param or input.
A step whose values come within the margin of a kink, overflow, or leave the op's domain
is dropped and another tried, unless kinks are asked for. Then, at random: a `program:`
block naming intermediates, a random cotangent `c`, the reduction, SGD for 1-3 steps (the
optimizer whose formula torch, optax and Keras share; see docs/fuzz.md), float32. The
numbers come from `rng` alone: the same generator state gives the same program.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from ..ops import OPS
from .draw import KINK_VALUES, SIGNS, separated
from .forms import Form, forms
from .operands import Arr
from .programs import Node, Sketch, evaluate, problems, renamed, trajectory_problems, walk

MAX_LEAVES = 5
ATTEMPTS = 200
LEARNING_RATES = (0.125, 0.0625, 0.03125)  # exact in float32: Keras keeps lr in float32


class _Builder:
    """The program so far: its leaves' values and the nodes later steps may build on."""

    def __init__(self, rng: np.random.Generator, kinks: bool):
        self.rng, self.kinks = rng, kinks
        self.values: dict[str, np.ndarray] = {}
        self.pool: list[tuple[Node, Any]] = []  # (node, value), oldest first

    def leaf(self, arg: Arr, op: str, position: int) -> Node:
        name = f"{'p' if arg.dtype == 'float' else 'k'}{len(self.values)}"
        if arg.dtype != "float":
            self.values[name] = arg.array
        else:
            self.values[name] = self._draw(arg.shape, op, position)
        return Node(leaf=name)

    def _draw(self, shape: tuple[int, ...], op: str, position: int) -> np.ndarray:
        count = int(np.prod(shape))
        if self.kinks:
            flat = self.rng.choice(KINK_VALUES[OPS[op].domain], size=count)
        else:
            flat = separated(self.rng, count, OPS[op].domain) if count else np.zeros(0)
        signs = SIGNS.get(op, ())
        sign = signs[position] if position < len(signs) else 0
        return (np.abs(flat) * sign if sign else flat).reshape(shape)

    def operand(self, arg: Arr, op: str, position: int, fresh: bool) -> Node:
        kind = {"float": "f", "bool": "b"}.get(arg.dtype, "")
        fits = [
            n for n, v in self.pool if np.shape(v) == arg.shape and np.asarray(v).dtype.kind == kind
        ]
        if fits and not fresh and self.rng.random() < 0.7:
            return fits[self.rng.integers(len(fits))]
        return self.leaf(arg, op, position)

    def newest(self) -> tuple[Node | None, Any]:
        """The newest float node and its value (None, None while there is none)."""
        floats = [(n, v) for n, v in self.pool if np.asarray(v).dtype.kind == "f"]
        return floats[-1] if floats else (None, None)

    def _form(self, ops: list[str]) -> tuple[Form, int | None] | None:
        """A form, and which of its operands takes the newest node (None: the pool is empty)."""
        newest = self.newest()[1]
        for _ in range(20):
            op = ops[self.rng.integers(len(ops))]
            choices = forms(op)
            if newest is None:
                return choices[self.rng.integers(len(choices))], None
            slots = [
                (f, i)
                for f in choices
                for i, a in enumerate(f.args)
                if isinstance(a, Arr) and a.dtype == "float" and a.shape == np.shape(newest)
            ]
            if slots:
                return slots[self.rng.integers(len(slots))]
        return None

    def step(self, ops: list[str]) -> bool:
        """One more form, on top of the newest node; False when this try was dropped."""
        chosen = self._form(ops)
        if chosen is None:
            return False
        form, slot = chosen
        newest = self.newest()[0]
        for fresh in (False, True):
            saved = dict(self.values)
            children = tuple(
                newest if i == slot else self.operand(a, form.op, i, fresh)
                for i, a in enumerate(form.args)
                if isinstance(a, Arr)
            )
            node = Node(form, children)
            if len({n.leaf for n in walk(node) if n.form is None}) <= MAX_LEAVES:
                value = self._fair(node)
                if value is not None:
                    self.pool.append((node, value))
                    return True
            self.values = saved
        return False

    def _fair(self, node: Node) -> Any:
        """The node's value, or None where it is not a fair test at these values."""
        sketch = Sketch(self.values, node)
        return None if problems(sketch, kinks=self.kinks) else evaluate(sketch)[id(node)]


def _labels(rng: np.random.Generator, root: Node) -> Node:
    """Name some intermediates (and always those used twice) in a program block."""
    inner = [n for n in walk(root) if n.form is not None]
    if rng.random() >= 0.4 or len(inner) < 2:
        return root
    uses: dict[int, int] = {}
    for n in inner:
        for c in n.children:
            uses[id(c)] = uses.get(id(c), 0) + 1
    chosen = {id(n) for n in inner if uses.get(id(n), 0) > 1 or rng.random() < 0.6}
    if rng.random() < 0.7:
        chosen.discard(id(root))  # the cost is then the expression itself, not a name
    return _relabel(root, chosen, {}, iter(range(1, len(inner) + 1)))


def _relabel(node: Node, chosen: set[int], done: dict[int, Node], names: Any) -> Node:
    if id(node) in done:
        return done[id(node)]
    children = tuple(_relabel(c, chosen, done, names) for c in node.children)
    label = f"h{next(names)}" if id(node) in chosen else ""
    done[id(node)] = new = replace(node, children=children, label=label) if node.form else node
    return new


def _optimizer(rng: np.random.Generator) -> tuple[dict[str, Any] | None, int]:
    if rng.random() >= 0.3:
        return None, 0
    spec: dict[str, Any] = {"name": "sgd", "lr": float(rng.choice(LEARNING_RATES))}
    if rng.random() < 0.5:
        spec["momentum"] = 0.5
        if rng.random() < 0.5:
            spec["nesterov"] = True
    return spec, int(rng.integers(1, 4))


def _ops_in(node: Node) -> int:
    return sum(n.form is not None for n in walk(node))


def _float32_fair(sketch: Sketch) -> bool:
    """Whether float32 rounding leaves the cost within a tenth of float32's tolerance."""
    single = evaluate(sketch)[id(sketch.root)]
    double = evaluate(replace(sketch, dtype="float64"))[id(sketch.root)]
    return bool(np.all(np.abs(single - double) <= 1e-6 + 1e-5 * np.abs(double)))


def _attempt(rng: np.random.Generator, ops: list[str], kinks: bool, seed: int) -> Sketch | None:
    builder = _Builder(rng, kinks)
    wanted = int(rng.integers(2, 7))
    for _ in range(8 * wanted):
        if builder.pool and _ops_in(builder.pool[-1][0]) >= wanted:
            break
        builder.step(ops)
    floats = [(n, v) for n, v in builder.pool if np.asarray(v).dtype.kind == "f"]
    if not floats or _ops_in(floats[-1][0]) < min(2, wanted):
        return None
    root, value = floats[-1]
    weighted = bool(rng.random() < 0.7)
    reduce = str(rng.choice(["sum", "mean"] if np.ndim(value) else ["none", "sum", "mean"]))
    optimizer, steps = _optimizer(rng)
    sketch = Sketch(builder.values, _labels(rng, root), weighted, reduce, optimizer, steps)
    sketch = replace(sketch, seed=seed)
    if rng.random() < 0.2 and _float32_fair(replace(sketch, dtype="float32")):
        sketch = replace(sketch, dtype="float32")
    if optimizer is not None and trajectory_problems(sketch, kinks):
        sketch = replace(sketch, optimizer=None, steps=0)  # a step would reach a kink
    return sketch


def generate(rng: np.random.Generator, ops: list[str], kinks: bool = False) -> Sketch:
    """A random program over `ops` (the first fair one `rng` gives)."""
    seed = int(rng.integers(2**31))
    for _ in range(ATTEMPTS):
        sketch = _attempt(rng, ops, kinks, seed)
        if sketch is not None:
            return renamed(sketch)
    raise ValueError(f"no fair program found over {', '.join(ops)} in {ATTEMPTS} tries")
