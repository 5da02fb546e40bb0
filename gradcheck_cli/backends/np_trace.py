"""Symbolic arrays for the numpy engine's forward mode: `Sym`, a variable of a program being
written, and `Builder`, which writes it.

An operation on a `Sym` (an operator, a NumPy ufunc, `numpy.where`...) does not compute
an array: it appends an equation of the op vocabulary (`ops.OPS`) to the builder's program
and returns the `Sym` of its result. Each `Sym` also carries its value at the point where
the program is written (computed with the engine's own forward rules), for the shapes and
dtypes the rules need. This is how `np_jvp` writes the tangent program: each op's JVP rule
is NumPy-like code run on `Sym`s, and the unary rules' own derivative functions (the ones
their VJPs use) are run on `Sym`s too, so a derivative is written once.

Anything a `Sym` cannot express raises `Untraceable` (a NumPy function without an op, or
`numpy.asarray` on a `Sym`, which would silently make it a constant): the caller then
knows the op has no forward rule, never a wrong one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ir import Eqn, Lit, Var
from .np_rules import apply


class Untraceable(Exception):
    """What a `Sym` cannot express; the op it came from has no forward-mode rule."""


# NumPy ufuncs -> the ops of the vocabulary that compute the same thing
_UFUNCS = {
    "add": "add", "subtract": "subtract", "multiply": "multiply", "true_divide": "divide",
    "divide": "divide", "negative": "negative", "power": "power", "exp": "exp", "log": "log",
    "log1p": "log1p", "expm1": "expm1", "sqrt": "sqrt", "square": "square", "absolute": "abs",
    "sign": "sign", "sin": "sin", "cos": "cos", "tan": "tan", "arcsin": "arcsin",
    "arccos": "arccos", "arctan": "arctan", "sinh": "sinh", "cosh": "cosh", "tanh": "tanh",
    "greater": "greater", "less": "less", "greater_equal": "greater_equal",
    "less_equal": "less_equal", "equal": "equal", "not_equal": "not_equal",
    "maximum": "maximum", "minimum": "minimum", "logical_and": "logical_and",
    "logical_or": "logical_or", "logical_not": "logical_not", "exp2": "exp2", "log2": "log2",
    "log10": "log10", "reciprocal": "reciprocal", "arctan2": "arctan2", "hypot": "hypot",
    "logaddexp": "logaddexp", "floor": "floor", "ceil": "ceil", "isfinite": "isfinite",
    "isnan": "isnan", "isinf": "isinf", "conjugate": "conj", "erf": "erf", "erfc": "erfc",
    "cbrt": "cbrt", "arcsinh": "arcsinh", "arccosh": "arccosh", "arctanh": "arctanh",
}  # fmt: skip


class Builder:
    """The program being written: equations appended in order, fresh names, each with its
    value; `dtype` the case's (the engine's `apply` does all arithmetic in it)."""

    def __init__(self, dtype: np.dtype):
        self.dtype = np.dtype(dtype)
        self.eqns: list[Eqn] = []
        self.values: dict[str, Any] = {}
        self._count = 0

    def var(self, name: str, value: Any) -> Sym:
        """A variable that already has a value (a param, an input, a primal result)."""
        self.values[name] = value
        return Sym(self, Var(name), np.asarray(value))

    def emit(self, op: str, *args: Any, **attrs: Any) -> Sym:
        atoms = tuple(self._atom(a) for a in args)
        values = tuple(a.value if isinstance(a, Sym) else _literal(a) for a in args)
        self._count += 1
        name = f"~{op}{self._count}"
        value = apply(op, values, attrs, self.dtype)
        self.eqns.append(Eqn(name, op, atoms, dict(attrs), text=f"(forward mode of {op})"))
        self.values[name] = value
        return Sym(self, Var(name), value)

    def zeros(self, like: Any) -> np.ndarray:
        value = like.value if isinstance(like, Sym) else np.asarray(like)
        return np.zeros(value.shape, _inexact(value.dtype, self.dtype))

    def _atom(self, a: Any) -> Any:
        if isinstance(a, Sym):
            if a.builder is not self:
                raise Untraceable("a value of another program")
            return a.atom
        return Lit(_literal(a))


def _literal(a: Any) -> Any:
    """A constant in an equation: a Python scalar as written, an array as an array."""
    if a is None or isinstance(a, (bool, int, float, complex)):
        return a
    if isinstance(a, (np.ndarray, np.generic)):
        return np.asarray(a)
    if isinstance(a, tuple) and all(isinstance(v, (bool, int)) for v in a):
        return a  # an index written as a list
    raise Untraceable(f"a {type(a).__name__} in a traced derivative")


def _inexact(dtype: np.dtype, default: np.dtype) -> np.dtype:
    return dtype if dtype.kind in "fc" else default


class Sym:
    """A variable of the program a `Builder` writes, with its value there."""

    __array_priority__ = 1000  # NumPy hands the operators of mixed operands to us

    def __init__(self, builder: Builder, atom: Var, value: np.ndarray):
        self.builder, self.atom, self.value = builder, atom, value

    @property
    def shape(self) -> tuple[int, ...]:
        return self.value.shape

    @property
    def ndim(self) -> int:
        return self.value.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.value.dtype

    def __array__(self, *args: Any, **kwargs: Any) -> np.ndarray:
        raise Untraceable("numpy.asarray of a traced value")

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        op = _UFUNCS.get(ufunc.__name__)
        if method != "__call__" or kwargs or op is None:
            raise Untraceable(f"numpy.{ufunc.__name__}")
        return self.builder.emit(op, *inputs)

    def __array_function__(self, func: Any, types: Any, args: Any, kwargs: Any) -> Any:
        name = func.__name__
        if name == "where" and len(args) == 3 and not kwargs:
            return self.builder.emit("where", *args)
        if name in ("zeros_like", "ones_like") and len(args) == 1 and not kwargs:
            like = args[0].value
            return np.full(like.shape, 0.0 if name == "zeros_like" else 1.0, like.dtype)
        if name in ("sum", "mean", "max", "min") and len(args) == 1:
            return self.builder.emit(name, args[0], **_axis_keep(kwargs))
        raise Untraceable(f"numpy.{name}")

    def prod_last(self) -> Sym:
        return self.builder.emit("prod", self, axis=-1)

    def sum(self, axis: Any = None, keepdims: bool = False) -> Sym:
        return self.builder.emit("sum", self, axis=axis, keepdims=keepdims)

    @property
    def real(self) -> Sym:
        return self.builder.emit("real", self)

    @property
    def imag(self) -> Sym:
        return self.builder.emit("imag", self)

    def _binary(op: str, swap: bool = False) -> Any:  # noqa: N805 (a method factory)
        def method(self: Sym, other: Any) -> Sym:
            return self.builder.emit(op, *((other, self) if swap else (self, other)))

        return method

    __add__, __radd__ = _binary("add"), _binary("add", True)
    __sub__, __rsub__ = _binary("subtract"), _binary("subtract", True)
    __mul__, __rmul__ = _binary("multiply"), _binary("multiply", True)
    __truediv__, __rtruediv__ = _binary("divide"), _binary("divide", True)
    __pow__, __rpow__ = _binary("power"), _binary("power", True)
    __matmul__, __rmatmul__ = _binary("matmul"), _binary("matmul", True)
    __gt__, __lt__ = _binary("greater"), _binary("less")
    __ge__, __le__ = _binary("greater_equal"), _binary("less_equal")
    __eq__, __ne__ = _binary("equal"), _binary("not_equal")  # type: ignore[assignment]
    __and__, __or__ = _binary("logical_and"), _binary("logical_or")
    __hash__ = None  # type: ignore[assignment]

    def __neg__(self) -> Sym:
        return self.builder.emit("negative", self)

    def __pos__(self) -> Sym:
        return self

    def __invert__(self) -> Sym:
        return self.builder.emit("logical_not", self)

    def __bool__(self) -> bool:
        raise Untraceable("the truth value of a traced array")


def _axis_keep(kwargs: dict[str, Any]) -> dict[str, Any]:
    unknown = set(kwargs) - {"axis", "keepdims"}
    if unknown:
        raise Untraceable(f"the keyword {sorted(unknown)[0]}")
    return {"axis": kwargs.get("axis"), "keepdims": bool(kwargs.get("keepdims", False))}
