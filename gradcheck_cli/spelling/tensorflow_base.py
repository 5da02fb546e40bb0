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

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..ir import Aval
from .site import Operand, Site
from .tree import BinOp, Const, Name, Node, call

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
    """The dtype NumPy computes in: an integer or bool tensor meeting a float (or complex)
    one takes its dtype; a Python literal is weak."""
    tensors = [a.dtype for a in args if not a.literal]
    kinds = [d for d in tensors if d.kind in "fc"] or tensors
    return np.result_type(*kinds, *(a.value for a in args if a.literal))


def _promoted(args: list[Arg], target: np.dtype) -> list[Node]:
    """Each argument in `target`; a literal TensorFlow converts itself stays as written (a
    number beside float or complex tensors)."""
    return [
        a.node if a.literal and (a.kind == target.kind or target.kind in "fc") else cast(a, target)
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
    where no float (or complex) is among the arguments (TensorFlow's atan2 refuses integers)."""
    target = _target(args)
    return np.dtype("float64") if real and target.kind not in "fc" else target


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
    """A float function: an integer or literal argument becomes the result's dtype first
    (a complex one is left as it is: tf.abs of it is its modulus)."""

    def template(site: Site, args: list[Arg]) -> Node:
        (x,) = args
        floating = not x.literal and x.kind in "fc"
        return call(fn, x.node if floating else cast(x, site.out.dtype), **site.changed())

    return template


def axis_kwargs(site: Site) -> dict[str, Any]:
    """NumPy's axis and keepdims as TensorFlow's reductions take them."""
    axis, out = site.attrs.get("axis"), {}
    if axis is not None:
        out["axis"] = list(axis) if isinstance(axis, tuple) else axis
    if site.attrs.get("keepdims"):
        out["keepdims"] = True
    return out
