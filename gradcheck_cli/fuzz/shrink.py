"""Shrinking a program on which a backend disagrees, greedily, while it keeps disagreeing.

Each candidate is a little smaller than the program (`programs.size`): the optimizer
dropped or a step fewer; an op replaced by one of its operands, or by a new param holding
the op's value (so everything above it computes what it did); the program block written
inline; no cotangent, float64, `reduce: sum`; a param cut to one element along an axis,
or without an axis of one element.
The first candidate that is still a fair test and on which the backend still disagrees
is taken, and the search starts again from it, until no candidate is taken.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

import numpy as np

from .programs import Node, Sketch, evaluate, problems, renamed, size, trajectory_problems, walk

TRIES = 300  # candidates judged, at most, in one shrink


def _substitute(root: Node, target: Node, new: Node) -> Node:
    done: dict[int, Node] = {}

    def visit(node: Node) -> Node:
        if node is target:
            return new
        if id(node) not in done:
            children = tuple(visit(c) for c in node.children)
            same = all(a is b for a, b in zip(children, node.children, strict=True))
            done[id(node)] = node if same else replace(node, children=children)
        return done[id(node)]

    return visit(root)


def _as_leaf(sketch: Sketch, node: Node, value: np.ndarray) -> Sketch:
    """`node` replaced by a new leaf that holds its value."""
    name = f"s{len(sketch.values)}"
    value = np.asarray(value)
    value = value.astype(np.float64) if value.dtype.kind == "f" else value
    root = _substitute(sketch.root, node, Node(leaf=name))
    return replace(sketch, values={**sketch.values, name: value}, root=root)


def _unlabelled(node: Node, done: dict[int, Node]) -> Node:
    if id(node) not in done:
        children = tuple(_unlabelled(c, done) for c in node.children)
        done[id(node)] = replace(node, children=children, label="")
    return done[id(node)]


def _structure(sketch: Sketch) -> Iterator[Sketch]:
    if sketch.optimizer is not None:
        yield replace(sketch, optimizer=None, steps=0)
    if sketch.steps > 1:
        yield replace(sketch, steps=sketch.steps - 1)
    values = evaluate(sketch)
    for node in reversed(list(walk(sketch.root))):  # parents first: the biggest cuts first
        if node.form is None:
            continue
        for child in node.children:
            yield replace(sketch, root=_substitute(sketch.root, node, child))
        yield _as_leaf(sketch, node, values[id(node)])


def _settings(sketch: Sketch) -> Iterator[Sketch]:
    if any(n.label for n in walk(sketch.root)):
        yield replace(sketch, root=_unlabelled(sketch.root, {}))
    if sketch.weighted:
        yield replace(sketch, weighted=False)
    if sketch.dtype != "float64":
        yield replace(sketch, dtype="float64")
    if sketch.reduce != "sum":
        yield replace(sketch, reduce="sum")


def _smaller_values(sketch: Sketch) -> Iterator[Sketch]:
    leaves = sorted({n.leaf for n in walk(sketch.root) if n.form is None})
    for name in leaves:
        value = sketch.values[name]
        if value.dtype.kind != "f":
            continue  # an index's values are tied to the shape it indexes
        for axis, side in enumerate(value.shape):
            cut = np.take(value, [0], axis=axis) if side > 1 else np.squeeze(value, axis)
            yield replace(sketch, values={**sketch.values, name: cut})


def candidates(sketch: Sketch) -> Iterator[Sketch]:
    """Every one-move simplification of the sketch, the most telling first."""
    yield from _structure(sketch)
    yield from _settings(sketch)
    yield from _smaller_values(sketch)


def fair(sketch: Sketch, kinks: bool = False) -> bool:
    """Whether the sketch is still a fair test: valid, and away from kinks at every step."""
    if problems(sketch, kinks=kinks):
        return False
    return not (sketch.optimizer is not None and trajectory_problems(sketch, kinks))


def shrink(
    sketch: Sketch, still_fails: Callable[[Sketch], bool], kinks: bool = False
) -> tuple[Sketch, int]:
    """The smallest program reached greedily on which `still_fails` holds, and how many
    candidates were judged."""
    current, tries = sketch, 0
    while tries < TRIES:
        for candidate in candidates(current):
            if size(candidate) >= size(current) or not fair(candidate, kinks):
                continue
            tries += 1
            if still_fails(candidate):
                current = renamed(candidate)
                break
            if tries >= TRIES:
                break
        else:
            break
    return current, tries
