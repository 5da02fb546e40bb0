"""PyTorch's spelling of every op, of the optimizers and of the reduce modes: one table the
torch backend runs and `gradcheck repro --backend torch` prints.

Each op is the torch function the contract's table names (`torch.amax`, `torch.clamp`,
`torch.linalg.norm`...), so kinks and ties follow torch's own rules, and NumPy's semantics
are written out where torch's differ, decided from shapes and dtypes alone:

- a Python literal reaches torch untouched (`x ** 2` is `tensor ** 2`, an int), made a
  `torch.tensor` only where a torch function takes no number;
- torch refuses bools where NumPy computes with them (`m - w`, relu(m), abs(m), `m ** m`,
  argmax(m)): a bool meeting a number takes the result's dtype first, bools alone run in
  int64 and the result is cast to NumPy's dtype (`_arith`, `_on_bools`);
- functions that do not promote (matmul, cat, maximum...) get their arrays in the result's
  dtype first (`_to`); integer input of a float function in the case dtype (`_floating`);
- NumPy's axes as torch's dims: over no axes a new one of size 1 is reduced, prod one dim
  at a time, softmax over several axes with logsumexp;
- indexing is the plan of `backends/index_plan.py` (`_getitem`): a negative step through
  `torch.flip`, the advanced entries handed to torch adjacent (NumPy's rule, not torch's).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..backends.index_plan import FULL, Pick, plan
from ..backends.index_plan import Operand as PlanOperand
from ..ir import ArrayRef
from ..ops import OPS
from .site import Site
from .tree import Attr, Const, Index, Input, Name, Node, Unary, binop, call, method

FRAMEWORK = "torch"
IMPORTS = {"torch": "import torch"}
Spell = Callable[[Site], Node]


@dataclass(frozen=True)
class Arg:
    """An equation input as an entry sees it: its node and what the abstract pass knows."""

    node: Node
    dtype: np.dtype
    shape: tuple[int, ...]
    literal: bool
    value: Any = None  # a literal's Python value

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def kind(self) -> str:
        return "i" if self.dtype.kind == "u" else self.dtype.kind


@dataclass(frozen=True)
class At:
    """The equation's attributes, its result's dtype and the case dtype."""

    attrs: dict[str, Any]
    changed: dict[str, Any]
    out: np.dtype
    dtype: np.dtype


Entry = Callable[[At, list[Arg]], Node]


def _dtype(dtype: Any) -> Name:
    return Name(f"torch.{np.dtype(dtype).name}")


def tensor(a: Arg) -> Node:
    """A literal as a tensor (in torch's default dtype, the case dtype), for the functions
    that take no Python number."""
    return call("torch.tensor", a.node) if a.literal else a.node


def _to(a: Arg, dtype: Any) -> Node:
    """The argument in `dtype`, for the functions that do not promote (matmul, cat...)."""
    if a.literal:
        return call("torch.tensor", a.node, dtype=_dtype(dtype))
    if a.dtype == np.dtype(dtype):
        return a.node
    return method(a.node, "to", _dtype(dtype))


def _cast(a: Arg, dtype: Any) -> Arg:
    value = np.asarray(a.value).astype(dtype) if a.literal else None
    return Arg(_to(a, dtype), np.dtype(dtype), a.shape, a.literal, value)


def _floating(a: Arg, at: At) -> Node:
    if a.literal or a.kind == "f":
        return tensor(a)
    return method(a.node, "to", _dtype(at.dtype))


def _normalized(axes: Any, ndim: int) -> list[int]:
    """An axis or axes as sorted non-negative ints (None: every axis)."""
    if axes is None:
        return list(range(ndim))
    axes = (axes,) if isinstance(axes, int) else axes
    return sorted(a % ndim for a in axes) if ndim else []


def _dims(at: At, ndim: int, every: bool = False) -> dict[str, Any]:
    """NumPy's axis and keepdims as torch's dim and keepdim; `every`: a function that
    takes keepdim only with a dim (torch.sum, torch.mean) gets every axis for None."""
    out: dict[str, Any] = {}
    if at.attrs.get("axis") is not None:
        out["dim"] = at.attrs["axis"]
    elif every and at.attrs.get("keepdims"):
        out["dim"] = tuple(range(ndim))
    if at.attrs.get("keepdims"):
        out["keepdim"] = True
    return out


# ---- elementwise ------------------------------------------------------------------------


def _unary(fn: str) -> Entry:
    return lambda at, args: call(fn, tensor(args[0]))


def _function(fn: str) -> Entry:
    """A function that does not promote: arrays in the result's dtype first."""
    return lambda at, args: call(fn, *(tensor(a) if a.literal else _to(a, at.out) for a in args))


def _arith(symbol: str) -> Entry:
    """An operator, a bool operand meeting a number first in the result's dtype (torch
    refuses a bool in `-` and in the derivative of `**`)."""

    def entry(at: At, args: list[Arg]) -> Node:
        if at.out.kind == "b" or not any(a.kind == "b" for a in args):
            return binop(symbol, *(a.node for a in args))
        nodes = [
            (Const(int(a.value)) if a.literal else _to(a, at.out)) if a.kind == "b" else a.node
            for a in args
        ]
        return binop(symbol, *nodes)

    return entry


def _on_bools(entry: Entry) -> Entry:
    """Where every operand is bool, which some torch kernels refuse: in int64, the result
    in NumPy's dtype (bool for abs, clip, matmul and dot; int8 for `**`)."""

    def on_bools(at: At, args: list[Arg]) -> Node:
        arrays = [a for a in args if not a.literal]
        given = [a for a in args if a.literal and a.value is not None]
        if any(a.kind != "b" for a in arrays) or any(type(a.value) is not bool for a in given):
            return entry(at, args)
        ints = [a if a.literal and a.value is None else _cast(a, "int64") for a in args]
        inner = entry(replace(at, out=np.dtype("int64")), ints)
        return method(inner, "to", _dtype(at.out))

    return on_bools


def _relu(at: At, args: list[Arg]) -> Node:
    (x,) = args
    return call("torch.relu", _to(x, "int64") if x.kind == "b" else tensor(x))


def _compare(symbol: str) -> Entry:
    return lambda at, args: binop(symbol, *(a.node for a in args))


def _where(at: At, args: list[Arg]) -> Node:
    condition, x, y = args
    c = tensor(condition)
    c = c if condition.kind == "b" else binop("!=", c, 0)  # NumPy reads a number's truth
    return call("torch.where", c, x.node, y.node)


def _clip(at: At, args: list[Arg]) -> Node:
    a, lo, hi = args
    bounds = {k: b for k, b in (("min", lo), ("max", hi)) if not (b.literal and b.value is None)}
    if not bounds:
        return a.node  # NumPy 2 allows it; torch.clamp would refuse
    as_tensor = any(not b.literal for b in bounds.values())  # clamp takes both alike
    kwargs = {k: _to(b, at.out) if as_tensor else b.node for k, b in bounds.items()}
    return call("torch.clamp", tensor(a), **kwargs)


# ---- reductions -------------------------------------------------------------------------


def _reduction(fn: str, floats: bool = False) -> Entry:
    def entry(at: At, args: list[Arg]) -> Node:
        (a,) = args
        x = _floating(a, at) if floats else tensor(a)
        if at.attrs.get("axis") == ():  # NumPy reduces no axis: a new one of size 1
            return call(fn, method(x, "unsqueeze", -1), dim=-1)
        return call(fn, x, **_dims(at, a.ndim, fn in ("torch.sum", "torch.mean")))

    return entry


def _prod(at: At, args: list[Arg]) -> Node:
    (a,) = args
    axis, keep = at.attrs.get("axis"), {"keepdim": True} if at.attrs.get("keepdims") else {}
    if axis is None and not keep:
        return call("torch.prod", tensor(a))
    out = tensor(a)
    for d in reversed(_normalized(axis, a.ndim)):  # one dim at a time, the highest first
        out = call("torch.prod", out, dim=d, **keep)
    return out


def _logsumexp(at: At, args: list[Arg]) -> Node:
    (a,) = args
    x = _floating(a, at)
    if at.attrs.get("axis") == () and a.ndim:  # NumPy reduces no axis: a new one of size 1
        return call("torch.logsumexp", method(x, "unsqueeze", -1), dim=-1)
    dims = _normalized(at.attrs.get("axis"), a.ndim)
    dim = dims[0] if len(dims) == 1 else tuple(dims)
    keep = {"keepdim": True} if at.attrs.get("keepdims") else {}
    return call("torch.logsumexp", x, dim=dim, **keep)


def _arg(fn: str) -> Entry:
    def entry(at: At, args: list[Arg]) -> Node:
        axis, keep = at.attrs.get("axis"), at.attrs.get("keepdims")
        kwargs: dict[str, Any] = {"dim": axis} if axis is not None or keep else {}
        a = _to(args[0], "uint8") if args[0].kind == "b" else tensor(args[0])  # not bool
        return call(fn, a, **kwargs, **({"keepdim": True} if keep else {}))

    return entry


def _norm(at: At, args: list[Arg]) -> Node:
    renamed = {"axis": "dim", "keepdims": "keepdim"}
    kwargs = {renamed.get(k, k): v for k, v in at.changed.items()}
    return call("torch.linalg.norm", _floating(args[0], at), **kwargs)


def _softmax(fn: str, log: bool) -> Entry:
    def entry(at: At, args: list[Arg]) -> Node:
        (x,) = args
        axis = at.attrs.get("axis", -1)
        if isinstance(axis, tuple) and len(axis) == 1:
            axis = axis[0]
        if isinstance(axis, int):
            return call(fn, _floating(x, at), dim=axis)
        # torch's softmax takes one dim: over several, written with logsumexp
        dims = tuple(_normalized(axis, x.ndim))
        if not dims:  # over no axes: a new one of size 1
            inner = call(fn, method(_floating(x, at), "unsqueeze", -1), dim=-1)
            return method(inner, "squeeze", -1)
        lse = call("torch.logsumexp", x.node, dim=dims, keepdim=True)
        shifted = binop("-", x.node, lse)
        return shifted if log else call("torch.exp", shifted)

    return entry


def _cumsum(at: At, args: list[Arg]) -> Node:
    (a,) = args
    axis = at.attrs.get("axis")
    if axis is None or a.ndim == 0:  # NumPy flattens first (a 0-d array too)
        return call("torch.cumsum", method(a.node, "reshape", -1), dim=0)
    return call("torch.cumsum", a.node, dim=axis)


# ---- products and shapes ----------------------------------------------------------------


def _matmul(at: At, args: list[Arg]) -> Node:
    x, y = (_to(a, at.out) for a in args)
    return binop("@", x, y)


def _dot(at: At, args: list[Arg]) -> Node:
    """numpy.dot: multiply with a 0-D operand; a's last axis against b's second-to-last
    (its only, if 1-D), which is matmul unless b has batch axes to take apart."""
    (a, b), (m, n) = (_to(x, at.out) for x in args), (x.ndim for x in args)
    if m == 0 or n == 0:
        return call("torch.mul", a, b)
    if m == 1 and n == 1:
        return call("torch.dot", a, b)
    if n <= 2:
        return call("torch.matmul", a, b)
    return call("torch.tensordot", a, b, dims=([m - 1], [n - 2]))


def _outer(at: At, args: list[Arg]) -> Node:
    items = [(_to(a, at.out), a) for a in args]
    return call("torch.outer", *(i if a.ndim == 1 else method(i, "reshape", -1) for i, a in items))


_T = (None, (1, 0), (-1, -2), (1, -2), (-1, 0))  # the axes of a 2-D transpose


def _transpose(at: At, args: list[Arg]) -> Node:
    (a,) = args
    axes = at.attrs.get("axes")
    if a.ndim == 2 and axes in _T:
        return Attr(a.node, "T")
    perm = tuple(reversed(range(a.ndim))) if axes is None else tuple(axes)
    return method(a.node, "permute", *perm) if perm else method(a.node, "permute", ())


def _reshape(at: At, args: list[Arg]) -> Node:
    shape = at.attrs["shape"]
    if not isinstance(shape, (tuple, list)):
        return method(args[0].node, "reshape", shape)
    return method(args[0].node, "reshape", *shape) if shape else method(args[0].node, "reshape", ())


def _expand_dims(at: At, args: list[Arg]) -> Node:
    (a,) = args
    axis = at.attrs["axis"]
    count = 1 if isinstance(axis, int) else len(axis)
    out = a.node
    for d in _normalized(axis, a.ndim + count):  # ascending: each lands where NumPy puts it
        out = method(out, "unsqueeze", d)
    return out


def _squeeze(at: At, args: list[Arg]) -> Node:
    axis = at.attrs.get("axis")
    return method(args[0].node, "squeeze", *(() if axis is None else (axis,)))


def _flip(at: At, args: list[Arg]) -> Node:
    (m,) = args
    return call("torch.flip", m.node, dims=tuple(_normalized(at.attrs.get("axis"), m.ndim)))


def _joined(fn: str) -> Entry:
    def entry(at: At, args: list[Arg]) -> Node:
        axis = at.attrs.get("axis", 0)
        items = [_to(a, at.out) for a in args]
        if axis is None:  # NumPy flattens every array first
            return call(fn, [method(i, "reshape", -1) for i in items])
        return call(fn, items, dim=axis)

    return entry


# ---- indexing: NumPy's, with torch's own calls ------------------------------------------


def _getitem(at: At, args: list[Arg]) -> Node:
    """x[index] as NumPy has it: flip, slice, pick (the plan of `index_plan`)."""
    x = args[0]
    operands = [PlanOperand(a.kind, a.shape) for a in args[1:]]
    p = plan(at.attrs["index"], x.shape, operands, True)
    y = call("torch.flip", x.node, dims=p.flips) if p.flips else x.node
    if p.basic is not None:
        y = Index(y, tuple(_basic(e, args) for e in p.basic))
    if not p.picks:
        return y if p.basic is not None or p.flips else Index(y, ())
    picks = tuple(_pick(pick, args) for pick in p.picks)
    if p.adjacent:
        return Index(y, (Const(FULL),) * p.position + picks)
    if p.front is not None:
        y = method(y, "permute", *p.front)
    return Index(y, picks)


def _long(a: Arg) -> Node:
    return a.node if a.dtype == np.dtype("int64") else method(a.node, "long")


def _basic(entry: Any, args: list[Arg]) -> Node:
    if isinstance(entry, ArrayRef):  # a 0-d integer array: torch takes it as an integer
        return _long(args[entry.input])
    return Const(entry)


def _pick(pick: Pick, args: list[Arg]) -> Node:
    entry = pick.entry
    if isinstance(entry, ArrayRef):
        a = args[entry.input]
        if pick.mask:  # a 0-d mask: on its new axis
            return method(a.node, "reshape", 1) if pick.ndim == 0 else a.node
        return _long(a)
    if isinstance(entry, tuple):
        return call("torch.tensor", list(entry)) if pick.mask else Const(list(entry))
    return Const(entry)  # an int


# ---- the table --------------------------------------------------------------------------

ENTRIES: dict[str, Entry] = {
    "add": _arith("+"),
    "subtract": _arith("-"),
    "multiply": _arith("*"),
    "divide": _arith("/"),
    "power": _on_bools(_arith("**")),
    "arctan2": _function("torch.atan2"),
    "maximum": _function("torch.maximum"),
    "minimum": _function("torch.minimum"),
    "less": _compare("<"),
    "less_equal": _compare("<="),
    "greater": _compare(">"),
    "greater_equal": _compare(">="),
    "equal": _compare("=="),
    "not_equal": _compare("!="),
    "negative": lambda at, args: Unary("-", args[0].node),
    "exp": _unary("torch.exp"),
    "log": _unary("torch.log"),
    "log1p": _unary("torch.log1p"),
    "expm1": _unary("torch.expm1"),
    "sqrt": _unary("torch.sqrt"),
    "square": _unary("torch.square"),
    "abs": _on_bools(_unary("torch.abs")),
    "sign": _unary("torch.sign"),
    "sin": _unary("torch.sin"),
    "cos": _unary("torch.cos"),
    "tan": _unary("torch.tan"),
    "arcsin": _unary("torch.asin"),
    "arccos": _unary("torch.acos"),
    "arctan": _unary("torch.atan"),
    "sinh": _unary("torch.sinh"),
    "cosh": _unary("torch.cosh"),
    "tanh": _unary("torch.tanh"),
    "sigmoid": _unary("torch.sigmoid"),
    "relu": _relu,
    "softplus": lambda at, args: call("torch.nn.functional.softplus", _floating(args[0], at)),
    "where": _where,
    "clip": _on_bools(_clip),
    "sum": _reduction("torch.sum"),
    "mean": _reduction("torch.mean", floats=True),
    "prod": _prod,
    "max": _reduction("torch.amax"),
    "min": _reduction("torch.amin"),
    "argmax": _arg("torch.argmax"),
    "argmin": _arg("torch.argmin"),
    "logsumexp": _logsumexp,
    "norm": _norm,
    "softmax": _softmax("torch.softmax", log=False),
    "log_softmax": _softmax("torch.log_softmax", log=True),
    "cumsum": _cumsum,
    "matmul": _on_bools(_matmul),
    "dot": _on_bools(_dot),
    "outer": _outer,
    "transpose": _transpose,
    "reshape": _reshape,
    "expand_dims": _expand_dims,
    "squeeze": _squeeze,
    "flip": _flip,
    "concatenate": _joined("torch.cat"),
    "stack": _joined("torch.stack"),
    "getitem": _getitem,
}


def spelled(entry: Entry) -> Spell:
    """An entry as a spelling of a Site: its inputs as Args, Input(i) each."""

    def spell(site: Site) -> Node:
        args = [
            Arg(Input(i), o.dtype, o.shape, o.literal, None if not o.literal else o.value)
            for i, o in enumerate(site.ins)
        ]
        return entry(At(site.attrs, site.changed(), np.dtype(site.out.dtype), site.dtype), args)

    return spell


SPELL: dict[str, Spell] = {op: spelled(ENTRIES[op]) for op in OPS}


# ---- torch.optim: the class, every hyperparameter of the contract's table passed ----------

CLASSES = {
    "sgd": "torch.optim.SGD",
    "adam": "torch.optim.Adam",
    "adamw": "torch.optim.AdamW",
    "rmsprop": "torch.optim.RMSprop",
    "adagrad": "torch.optim.Adagrad",
}


def _optimizer(name: str) -> Callable[[dict[str, Any]], Node]:
    """The optimizer's tree; Input(0) stands for the list of differentiated params."""
    return lambda h: call(CLASSES[name], Input(0), **h)


OPTIMIZERS: dict[str, Callable[[dict[str, Any]], Node]] = {n: _optimizer(n) for n in CLASSES}


def unsupported(name: str, h: dict[str, Any]) -> str | None:
    """torch.optim runs every optimizer of the contract as it asks."""
    return None


# ---- the reduction of the cost: what `.backward()` differentiates -------------------------

REDUCE: dict[str, Callable[[Node], Node]] = {
    "sum": lambda cost: method(cost, "sum"),
    "mean": lambda cost: method(cost, "mean"),
    "none": lambda cost: cost,  # a scalar already (the loader checked)
    "native": lambda cost: cost,  # as it is: backward() refuses a non-scalar itself
}
