"""The small expression trees a framework's spelling table builds: printed by `source`, run
by `bind`, so the line a repro script shows is the code the backend executes.

A tree is made of a handful of node types: a dotted `Name` of the framework's namespace
(`torch.amax`, `jnp`, `tf.float32`), an `Input` (the equation's i-th input), a `Const` (a
Python literal: a number, None, a bool, a string, a slice, Ellipsis), a `Call`, an `Attr`
(`x.T`, `x.dtype`), a `BinOp` and a `Unary` (Python's operators), an `Index` (`x[...]`) and
a `Seq` (a list or tuple display). `bind` resolves every Name once against a namespace dict
and returns a closure over the inputs: nothing is compiled, `exec`-ed or `eval`-ed, so the
promise that nothing a user writes is compiled stays literally true.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any


class Node:
    """Base of the tree's node types (plain frozen dataclasses)."""


@dataclass(frozen=True)
class Name(Node):
    path: str  # dotted: "torch.amax", resolved against the namespace's first part


@dataclass(frozen=True)
class Input(Node):
    index: int


@dataclass(frozen=True)
class Const(Node):
    value: Any


@dataclass(frozen=True)
class Call(Node):
    fn: Node
    args: tuple[Node, ...] = ()
    kwargs: tuple[tuple[str, Node], ...] = ()


@dataclass(frozen=True)
class Attr(Node):
    obj: Node
    name: str


@dataclass(frozen=True)
class BinOp(Node):
    op: str  # one of _BINARY's keys
    left: Node
    right: Node


@dataclass(frozen=True)
class Unary(Node):
    op: str  # "-", "+", "~"
    operand: Node


@dataclass(frozen=True)
class Index(Node):
    base: Node
    entries: tuple[Node, ...]  # each a node; a Const slice, None or Ellipsis for basic ones


@dataclass(frozen=True)
class Seq(Node):
    items: tuple[Node, ...]
    kind: str = "list"  # "list" or "tuple"


Tree = Node


# ---- building ------------------------------------------------------------------------------


def node(value: Any) -> Node:
    """A node as is; a Python value as a Const (a list or tuple of nodes as a Seq)."""
    if isinstance(value, Node):
        return value
    if isinstance(value, (list, tuple)) and any(isinstance(v, Node) for v in value):
        return Seq(tuple(node(v) for v in value), "list" if isinstance(value, list) else "tuple")
    return Const(value)


def call(fn: str | Node, *args: Any, **kwargs: Any) -> Call:
    """`call("torch.amax", Input(0), dim=(0,), keepdim=False)`; a keyword whose value is
    `OMIT` is left out."""
    target = Name(fn) if isinstance(fn, str) else fn
    kept = tuple((k, node(v)) for k, v in kwargs.items() if v is not OMIT)
    return Call(target, tuple(node(a) for a in args), kept)


def method(obj: Any, name: str, *args: Any, **kwargs: Any) -> Call:
    return call(Attr(node(obj), name), *args, **kwargs)


OMIT = object()  # a keyword argument not to pass


def binop(op: str, left: Any, right: Any) -> BinOp:
    return BinOp(op, node(left), node(right))


def inputs(count: int) -> tuple[Input, ...]:
    return tuple(Input(i) for i in range(count))


# ---- printing ------------------------------------------------------------------------------

# Python's precedences, lowest binding first; a subexpression below its slot is parenthesized.
COMPARE, BOR, BXOR, BAND, SUM, TERM, UNARY, POWER, ATOM = 7, 8, 9, 10, 12, 13, 14, 15, 100
_BINARY: dict[str, tuple[int, Callable[[Any, Any], Any]]] = {
    "+": (SUM, operator.add),
    "-": (SUM, operator.sub),
    "*": (TERM, operator.mul),
    "/": (TERM, operator.truediv),
    "//": (TERM, operator.floordiv),
    "%": (TERM, operator.mod),
    "@": (TERM, operator.matmul),
    "**": (POWER, operator.pow),
    "<": (COMPARE, operator.lt),
    "<=": (COMPARE, operator.le),
    ">": (COMPARE, operator.gt),
    ">=": (COMPARE, operator.ge),
    "==": (COMPARE, operator.eq),
    "!=": (COMPARE, operator.ne),
    "&": (BAND, operator.and_),
    "|": (BOR, operator.or_),
    "^": (BXOR, operator.xor),
}
_UNARY = {"-": operator.neg, "+": operator.pos, "~": operator.invert}


# ---- binding -------------------------------------------------------------------------------

Bound = Callable[[Sequence[Any]], Any]


def bind(tree: Node, namespace: Mapping[str, Any]) -> Bound:
    """The tree as a function of the inputs, every Name resolved once in `namespace`."""
    if isinstance(tree, Input):
        i = tree.index
        return lambda xs: xs[i]
    if isinstance(tree, Const):
        value = tree.value
        return lambda xs: value
    if isinstance(tree, Name):
        value = resolve(tree.path, namespace)
        return lambda xs: value
    if isinstance(tree, Call):
        return _bind_call(tree, namespace)
    if isinstance(tree, Attr):
        obj, name = bind(tree.obj, namespace), tree.name
        return lambda xs: getattr(obj(xs), name)
    if isinstance(tree, Index):
        base = bind(tree.base, namespace)
        entries = [bind(e, namespace) for e in tree.entries]
        if len(entries) == 1:  # x[i], as printed: a Python tuple refuses x[(i,)]
            (entry,) = entries
            return lambda xs: base(xs)[entry(xs)]
        return lambda xs: base(xs)[tuple(e(xs) for e in entries)]
    if isinstance(tree, Seq):
        items = [bind(i, namespace) for i in tree.items]
        make = list if tree.kind == "list" else tuple
        return lambda xs: make(i(xs) for i in items)
    if isinstance(tree, Unary):
        fn, operand = _UNARY[tree.op], bind(tree.operand, namespace)
        return lambda xs: fn(operand(xs))
    if isinstance(tree, BinOp):
        fn = _BINARY[tree.op][1]
        left, right = bind(tree.left, namespace), bind(tree.right, namespace)
        return lambda xs: fn(left(xs), right(xs))
    raise TypeError(f"not a tree node: {tree!r}")


def _bind_call(tree: Call, namespace: Mapping[str, Any]) -> Bound:
    fn = bind(tree.fn, namespace)
    args = [bind(a, namespace) for a in tree.args]
    kwargs = [(k, bind(v, namespace)) for k, v in tree.kwargs]
    if isinstance(tree.fn, Name):  # the usual case: resolved once, not per call
        target = fn(())
        if not kwargs:
            return lambda xs: target(*[a(xs) for a in args])
        return lambda xs: target(*[a(xs) for a in args], **{k: v(xs) for k, v in kwargs})
    return lambda xs: fn(xs)(*[a(xs) for a in args], **{k: v(xs) for k, v in kwargs})


def resolve(path: str, namespace: Mapping[str, Any]) -> Any:
    """`torch.nn.functional.softplus` looked up as namespace["torch"].nn.functional.softplus."""
    head, *rest = path.split(".")
    if head not in namespace:
        raise KeyError(f"{path}: {head!r} is not in the spelling's namespace")
    value = namespace[head]
    for part in rest:
        value = getattr(value, part)
    return value


def names(tree: Node) -> set[str]:
    """The first parts of every Name in the tree: what a script must import or define."""
    found: set[str] = set()
    stack = [tree]
    while stack:
        t = stack.pop()
        if isinstance(t, Name):
            found.add(t.path.split(".")[0])
        elif isinstance(t, Call):
            stack += [t.fn, *t.args, *(v for _, v in t.kwargs)]
        elif isinstance(t, (Attr,)):
            stack.append(t.obj)
        elif isinstance(t, Index):
            stack += [t.base, *t.entries]
        elif isinstance(t, Seq):
            stack += list(t.items)
        elif isinstance(t, Unary):
            stack.append(t.operand)
        elif isinstance(t, BinOp):
            stack += [t.left, t.right]
    return found
