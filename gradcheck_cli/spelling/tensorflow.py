"""TensorFlow's spelling of every op, of the Keras optimizers, and what TensorFlow cannot
express: one table the tensorflow backend runs and `gradcheck repro --backend tensorflow`
prints.

Each op is the TensorFlow function the contract names (`tf.reduce_max`, `tf.clip_by_value`,
`tf.norm`, `tf.where` with its operands broadcast first, an integer list through
`tf.gather`), decided from shapes and dtypes alone. TensorFlow refuses mixed dtypes where
NumPy promotes, so an integer or bool operand meeting a float one is cast first
(`tf.cast(n, tf.float32)`), mirroring the numpy engine: a Python literal is weak and takes
the tensors' dtype; where integers or literals alone give floats (`n / 2`, `mean(n)`), the
result takes the case dtype. TensorFlow's arithmetic also refuses bools where NumPy computes
with them (`m + m` is `m | m`, `square(m)` an int8): those run in int32 and are cast to
NumPy's dtype (`_on_bools`). Indexing is `backends/tf_index.py`'s.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from ..backends.tf_index import getitem
from ..ir import Aval, Eqn
from .site import Operand, Site
from .tree import Attr, BinOp, Const, Index, Input, Name, Node, Unary, call

FRAMEWORK = "tensorflow"
IMPORTS = {"tf": "import tensorflow as tf"}


@dataclass(frozen=True)
class Arg:
    """An equation input as an entry sees it: its node and its Operand."""

    node: Node
    o: Operand

    literal = property(lambda self: self.o.literal)
    value = property(lambda self: self.o.value)
    dtype = property(lambda self: self.o.dtype)
    shape = property(lambda self: self.o.shape)
    ndim = property(lambda self: self.o.ndim)
    kind = property(lambda self: self.o.kind)


Template = Callable[[Site, list[Arg]], Node]


def _dtype(dtype: Any) -> Name:
    return Name(f"tf.{np.dtype(dtype).name}")


def cast(arg: Arg, dtype: Any) -> Node:
    """The argument in `dtype` (a literal as a constant of it)."""
    if arg.literal:
        return call("tf.constant", arg.node, _dtype(dtype))
    if arg.dtype == np.dtype(dtype):
        return arg.node
    return call("tf.cast", arg.node, _dtype(dtype))


def _target(args: list[Arg]) -> np.dtype:
    """The dtype NumPy computes in: an integer or bool tensor meeting a float one takes its
    dtype; a Python literal is weak."""
    tensors = [a.dtype for a in args if not a.literal]
    kinds = [d for d in tensors if d.kind == "f"] or tensors
    return np.result_type(*kinds, *(a.value for a in args if a.literal))


def _promoted(args: list[Arg], target: np.dtype) -> list[Node]:
    """Each argument in `target`; a literal TensorFlow converts itself stays as written."""
    return [
        a.node if a.literal and (a.kind == target.kind or target.kind == "f") else cast(a, target)
        for a in args
    ]


def _same(args: list[Arg]) -> list[Node]:
    """The arguments promoted together (matmul, concat...)."""
    return _promoted(args, _target(args))


def _in_case_dtype(tree: Node, target: np.dtype, site: Site) -> Node:
    """Integers alone that give a float (`n / 2`) give the case dtype."""
    if site.out.dtype.kind == "f" and target.kind == "f" and target != site.out.dtype:
        return call("tf.cast", tree, _dtype(site.out.dtype))
    return tree


def _real_target(args: list[Arg], real: bool) -> np.dtype:
    """`_target`; for a function whose NumPy result is floating (`/`, arctan2), float64
    where no float is among the arguments (TensorFlow's atan2 refuses integers)."""
    target = _target(args)
    return np.dtype("float64") if real and target.kind != "f" else target


def _operator(symbol: str, real: bool = False) -> Template:
    def template(site: Site, args: list[Arg]) -> Node:
        target = _real_target(args, real)
        return _in_case_dtype(BinOp(symbol, *_promoted(args, target)), target, site)

    return template


def _function(fn: str, real: bool = False) -> Template:
    def template(site: Site, args: list[Arg]) -> Node:
        target = _real_target(args, real)
        return _in_case_dtype(call(fn, *_promoted(args, target)), target, site)

    return template


def _on_bools(template: Template) -> Template:
    """Where every operand is bool, which TensorFlow's arithmetic refuses: in int32, the
    result cast to NumPy's dtype (bool for `m + m`, comparisons, abs, max, clip and matmul;
    int8 for `m ** m` and square(m))."""

    def on_bools(site: Site, args: list[Arg]) -> Node:
        arrays = [a for a in args if not a.literal]
        given = [a for a in args if a.literal and a.value is not None]
        if any(a.kind != "b" for a in arrays) or any(type(a.value) is not bool for a in given):
            return template(site, args)
        int32 = np.dtype(np.int32)
        ints = [
            a
            if a.literal and a.value is None
            else Arg(Const(int(a.value)), Operand(None, int(a.value)))
            if a.literal
            else Arg(cast(a, int32), Operand(Aval(a.shape, int32)))
            for a in args
        ]
        inner = Site(site.eqn, tuple(a.o for a in ints), Aval(site.out.shape, int32), site.dtype)
        return call("tf.cast", template(inner, ints), _dtype(site.out.dtype))

    return on_bools


def _math(fn: str) -> Template:
    """A float function: an integer or literal argument becomes the result's dtype first."""

    def template(site: Site, args: list[Arg]) -> Node:
        (x,) = args
        floating = not x.literal and x.kind == "f"
        return call(fn, x.node if floating else cast(x, site.out.dtype), **site.changed())

    return template


# ---- elementwise with broadcasting --------------------------------------------------------


def _broadcast(tree: Node, shape: tuple[int, ...], own: tuple[int, ...]) -> Node:
    return tree if tuple(own) == tuple(shape) else call("tf.broadcast_to", tree, list(shape))


def _filled(arg: Arg, shape: tuple[int, ...], dtype: np.dtype) -> Node:
    """A literal as a tensor of `shape`: tf.zeros, tf.ones or tf.fill."""
    if arg.value in (0, 1) and not isinstance(arg.value, bool):
        return call(f"tf.{'zeros' if arg.value == 0 else 'ones'}", list(shape), _dtype(dtype))
    return call("tf.fill", list(shape), cast(arg, dtype))


def _where(site: Site, args: list[Arg]) -> Node:
    """tf.where with the operands broadcast to the result's shape first."""
    condition, x, y = args
    c = condition.node if condition.kind == "b" else call("tf.cast", condition.node, _dtype(bool))
    shape, target = site.out.shape, _target([x, y])
    dtype = site.out.dtype if x.literal and y.literal else target  # literals: the result's
    parts = [_broadcast(c, shape, condition.shape)]
    for arg, tree in zip((x, y), _same([x, y]), strict=True):
        if arg.literal and (arg.shape != shape or (x.literal and y.literal)):
            parts.append(_filled(arg, shape, dtype))
        else:
            parts.append(_broadcast(tree, shape, arg.shape))
    return _in_case_dtype(call("tf.where", *parts), dtype, site)


def _clip(site: Site, args: list[Arg]) -> Node:
    """tf.clip_by_value; a missing bound is the dtype's infinity (its extreme for integers).
    A bound above the other gives a_min (NumPy gives a_max)."""
    a, lo, hi = args
    given = [b for b in (lo, hi) if not (b.literal and b.value is None)]
    if not given:
        return a.node
    target = _target([a, *given])
    trees = dict(zip([id(x) for x in (a, *given)], _same([a, *given]), strict=True))
    if target.kind == "f":
        low, high = Const(-float("inf")), Const(float("inf"))
    else:
        low, high = (Attr(_dtype(target), end) for end in ("min", "max"))
    low, high = trees.get(id(lo), low), trees.get(id(hi), high)
    clipped = call("tf.clip_by_value", _broadcast(trees[id(a)], site.out.shape, a.shape), low, high)
    return _in_case_dtype(clipped, target, site)


# ---- reductions ---------------------------------------------------------------------------


def _axis(site: Site) -> dict[str, Any]:
    axis, out = site.attrs.get("axis"), {}
    if axis is not None:
        out["axis"] = list(axis) if isinstance(axis, tuple) else axis
    if site.attrs.get("keepdims"):
        out["keepdims"] = True
    return out


def _reduce(fn: str, kind: str = "") -> Template:
    """`kind` "numeric": a bool becomes int64 (NumPy's sum); "floating": the case dtype."""

    def template(site: Site, args: list[Arg]) -> Node:
        (a,) = args
        x = a.node
        if kind == "numeric" and a.kind == "b":
            x = cast(a, "int64")
        elif a.literal or (kind == "floating" and a.kind != "f"):
            x = cast(a, site.out.dtype)
        return call(fn, x, **_axis(site))

    return template


def _arg(fn: str) -> Template:
    """numpy.argmax: axis None means the flattened array; keepdims keeps every axis then."""

    def template(site: Site, args: list[Arg]) -> Node:
        (a,) = args
        axis, keep = site.attrs.get("axis"), site.attrs.get("keepdims")
        if axis is None:
            out = call(fn, call("tf.reshape", a.node, [-1]), axis=0)
            return call("tf.reshape", out, [1] * a.ndim) if keep else out
        out = call(fn, a.node, axis=axis)
        return call("tf.expand_dims", out, axis) if keep else out

    return template


NORM_ORDS = "'euclidean', 'fro', 1, 2, inf for matrices and any p > 0 for vectors"


def _norm(site: Site, args: list[Arg]) -> Node:
    """numpy.linalg.norm as tf.norm: with ord and no axis, a vector or a matrix norm."""
    (x,) = args
    ord_, axis = site.attrs.get("ord"), site.attrs.get("axis")
    if axis is None and ord_ is not None:
        axis = 0 if x.ndim == 1 else (0, 1)
    if isinstance(axis, tuple):
        axis = axis[0] if len(axis) == 1 else list(axis)
    kwargs: dict[str, Any] = {"ord": ord_} if ord_ is not None else {}
    kwargs.update({"axis": axis} if axis is not None else {})
    kwargs.update({"keepdims": True} if site.attrs.get("keepdims") else {})
    return call("tf.norm", x.node if x.kind == "f" else cast(x, site.out.dtype), **kwargs)


def _softmax(fn: str) -> Template:
    def template(site: Site, args: list[Arg]) -> Node:
        axis = site.attrs.get("axis", -1)
        axis = axis[0] if isinstance(axis, tuple) else axis
        (x,) = args
        tree = x.node if x.kind == "f" else cast(x, site.out.dtype)
        return call(fn, tree, **({"axis": axis} if axis != -1 else {}))

    return template


def _cumsum(site: Site, args: list[Arg]) -> Node:
    (a,) = args
    x = cast(a, "int64") if a.kind == "b" else a.node
    if site.attrs.get("axis") is None:  # NumPy flattens first
        return call("tf.math.cumsum", call("tf.reshape", x, [-1]))
    return call("tf.math.cumsum", x, axis=site.attrs["axis"])


# ---- products and shapes ------------------------------------------------------------------


def _matmul(site: Site, args: list[Arg]) -> Node:
    """numpy.matmul: a 1-D operand is a row (left) or a column (right), then dropped."""
    a, b = _same(args)
    ra, rb = args[0].ndim, args[1].ndim
    if ra == 1 and rb == 1:
        return call("tf.tensordot", a, b, 1)
    if ra == 1:
        return call("tf.squeeze", BinOp("@", Index(a, (Const(None),)), b), -2)
    if rb == 1:
        return call("tf.squeeze", BinOp("@", a, Index(b, (Const(slice(None)), Const(None)))), -1)
    return BinOp("@", a, b)


def _dot(site: Site, args: list[Arg]) -> Node:
    """numpy.dot: the last axis of a with the second-to-last of b (the only one of a 1-D b)."""
    a, b = _same(args)
    ra, rb = args[0].ndim, args[1].ndim
    if ra == 0 or rb == 0:
        return BinOp("*", a, b)
    if ra == 1 and rb == 1:
        return call("tf.tensordot", a, b, 1)
    return call("tf.tensordot", a, b, [[ra - 1], [max(rb - 2, 0)]])


def _outer(site: Site, args: list[Arg]) -> Node:
    """Both flattened; a literal a constant of the promoted dtype (tf.reshape would take
    it in its own)."""
    target, parts = _target(args), []
    for tree, a in zip(_same(args), args, strict=True):
        tree = cast(a, target) if a.literal else tree
        parts.append(tree if a.ndim == 1 else call("tf.reshape", tree, [-1]))
    return _in_case_dtype(call("tf.tensordot", *parts, axes=0), target, site)


def normalized(axes: Any, ndim: int) -> list[int]:
    """An axis or axes as sorted non-negative ints (None: every axis)."""
    if axes is None:
        return list(range(ndim))
    axes = (axes,) if isinstance(axes, int) else axes
    return sorted(a % ndim for a in axes) if ndim else []


def _transpose(site: Site, args: list[Arg]) -> Node:
    (a,) = args
    axes = site.attrs.get("axes")
    if axes is None:
        return call("tf.transpose", a.node)
    return call("tf.transpose", a.node, perm=[d % a.ndim for d in axes])


def _reshape(site: Site, args: list[Arg]) -> Node:
    shape = site.attrs["shape"]
    return call("tf.reshape", args[0].node, list(shape) if isinstance(shape, tuple) else [shape])


def _expand_dims(site: Site, args: list[Arg]) -> Node:
    (a,) = args
    axis = site.attrs["axis"]
    tree = a.node
    for d in normalized(axis, a.ndim + (1 if isinstance(axis, int) else len(axis))):
        tree = call("tf.expand_dims", tree, d)
    return tree


def _squeeze(site: Site, args: list[Arg]) -> Node:
    axis = site.attrs.get("axis")
    if axis is None:
        return call("tf.squeeze", args[0].node)
    if axis == ():
        return args[0].node  # NumPy squeezes no axis; tf.squeeze(axis=[]) would squeeze all
    return call("tf.squeeze", args[0].node, axis=list(axis) if isinstance(axis, tuple) else axis)


def _flip(site: Site, args: list[Arg]) -> Node:
    (m,) = args
    return call("tf.reverse", m.node, axis=normalized(site.attrs.get("axis"), m.ndim))


def _joined(fn: str) -> Template:
    """tf.concat, tf.stack: a literal among the arrays as a constant of their dtype (a list
    takes it in its own)."""

    def template(site: Site, args: list[Arg]) -> Node:
        target = _target(args)
        items = [
            cast(a, target) if a.literal else t for t, a in zip(_same(args), args, strict=True)
        ]
        axis = site.attrs.get("axis", 0)
        if axis is None:  # NumPy flattens every array first
            items, axis = [call("tf.reshape", i, [-1]) for i in items], 0
        return _in_case_dtype(call(fn, list(items), axis=axis), target, site)

    return template


TEMPLATES: dict[str, Template] = {
    "add": _on_bools(_operator("+")),
    "subtract": _on_bools(_operator("-")),
    "multiply": _on_bools(_operator("*")),
    "divide": _operator("/", real=True),
    "power": _on_bools(_operator("**")),
    "arctan2": _function("tf.math.atan2", real=True),
    "maximum": _on_bools(_function("tf.maximum")),
    "minimum": _on_bools(_function("tf.minimum")),
    "less": _on_bools(_operator("<")),
    "less_equal": _on_bools(_operator("<=")),
    "greater": _on_bools(_operator(">")),
    "greater_equal": _on_bools(_operator(">=")),
    "equal": _function("tf.equal"),  # `==` on tensors is not elementwise in every version
    "not_equal": _function("tf.not_equal"),
    "negative": lambda site, args: Unary("-", args[0].node),
    "exp": _math("tf.exp"),
    "log": _math("tf.math.log"),
    "log1p": _math("tf.math.log1p"),
    "expm1": _math("tf.math.expm1"),
    "sqrt": _math("tf.sqrt"),
    "square": _on_bools(_math("tf.square")),
    "abs": _on_bools(_math("tf.abs")),
    "sign": _math("tf.sign"),
    "sin": _math("tf.sin"),
    "cos": _math("tf.cos"),
    "tan": _math("tf.tan"),
    "arcsin": _math("tf.asin"),
    "arccos": _math("tf.acos"),
    "arctan": _math("tf.atan"),
    "sinh": _math("tf.sinh"),
    "cosh": _math("tf.cosh"),
    "tanh": _math("tf.tanh"),
    "sigmoid": _math("tf.sigmoid"),
    "relu": _math("tf.nn.relu"),
    "softplus": _math("tf.nn.softplus"),
    "where": _where,
    "clip": _on_bools(_clip),
    "sum": _reduce("tf.reduce_sum", "numeric"),
    "mean": _reduce("tf.reduce_mean", "floating"),
    "prod": _reduce("tf.reduce_prod", "numeric"),
    "max": _on_bools(_reduce("tf.reduce_max")),
    "min": _on_bools(_reduce("tf.reduce_min")),
    "argmax": _arg("tf.math.argmax"),
    "argmin": _arg("tf.math.argmin"),
    "logsumexp": _reduce("tf.reduce_logsumexp", "floating"),
    "norm": _norm,
    "softmax": _softmax("tf.nn.softmax"),
    "log_softmax": _softmax("tf.nn.log_softmax"),
    "cumsum": _cumsum,
    "matmul": _on_bools(_matmul),
    "dot": _on_bools(_dot),
    "outer": _on_bools(_outer),
    "transpose": _transpose,
    "reshape": _reshape,
    "expand_dims": _expand_dims,
    "squeeze": _squeeze,
    "flip": _flip,
    "concatenate": _joined("tf.concat"),
    "stack": _joined("tf.stack"),
}


def _entry(template: Template, site: Site) -> Node:
    return template(site, [Arg(Input(i), o) for i, o in enumerate(site.ins)])


SPELL: dict[str, Callable[[Site], Node]] = {
    **{op: partial(_entry, template) for op, template in TEMPLATES.items()},
    "getitem": getitem,
}


# ---- what TensorFlow cannot express --------------------------------------------------------


def op_problem(eqn: Eqn) -> str | None:
    if eqn.op == "norm":
        ord_ = eqn.attrs.get("ord")
        if ord_ == "nuc" or (isinstance(ord_, (int, float)) and ord_ <= 0):
            return f"norm(ord={ord_!r}): tf.norm takes only {NORM_ORDS}"
        return None
    axis = eqn.attrs.get("axis", -1)
    if eqn.op in ("softmax", "log_softmax") and not (
        isinstance(axis, int) or (isinstance(axis, tuple) and len(axis) == 1)
    ):
        return f"{eqn.op}(axis={axis!r}): tf.nn.{eqn.op} takes a single axis"
    return None


def program_problem(eqns: Iterable[Eqn]) -> str | None:
    return next((p for p in map(op_problem, eqns) if p), None)


def unsupported(name: str, h: dict[str, Any]) -> str | None:
    """Why Keras cannot run this optimizer as the contract asks (the case then skips)."""
    if name == "sgd" and h["dampening"] != 0:
        return f"Keras SGD has no dampening (dampening={h['dampening']!r})"
    if name == "sgd" and h["momentum"] > 1:
        return f"Keras SGD refuses momentum above 1 (momentum={h['momentum']!r})"
    return None


# ---- Keras 3 optimizers, as the contract maps torch.optim's hyperparameters ----------------

# (Keras class, torch.optim names in Keras's order): `betas` is two of Keras's arguments.
KERAS = {
    "sgd": ("SGD", "lr momentum nesterov weight_decay"),
    "adam": ("Adam", "lr betas eps amsgrad weight_decay"),
    "adamw": ("AdamW", "lr betas eps amsgrad weight_decay"),
    "rmsprop": ("RMSprop", "lr alpha momentum eps centered"),
    "adagrad": ("Adagrad", "lr initial_accumulator_value eps"),
}
_NAMES = {"lr": "learning_rate", "alpha": "rho", "eps": "epsilon", "betas": ("beta_1", "beta_2")}


def _keras(name: str, h: dict[str, Any]) -> Node:
    cls, keys = KERAS[name]
    kwargs: dict[str, Any] = {}
    for key in keys.split():
        keras_name = _NAMES.get(key, key)
        if isinstance(keras_name, tuple):
            kwargs.update(zip(keras_name, h[key], strict=True))
        else:
            kwargs[keras_name] = h[key]
    return call(f"tf.keras.optimizers.{cls}", **kwargs)


OPTIMIZERS: dict[str, Callable[[dict[str, Any]], Node]] = {
    name: partial(_keras, name) for name in KERAS
}
