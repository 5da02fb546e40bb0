"""The pieces of a repro script's code: expressions with their Python precedence, the
arguments and site a template sees, Python literals for numbers and arrays.

A framework module gives a table from op name to a template. A template gets the
equation's inputs as `Arg`s (their expression text, and their value from one NumPy
forward run, for dtypes, shapes and index arithmetic) and returns an `Expr`: text and its
Python precedence, so that a temporary folded into its user is parenthesized only where
Python needs it.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..ir import Eqn
from ..ops import OPS

# Python precedences, lowest binding first: a subexpression below its slot is parenthesized.
COMPARE, SUM, TERM, UNARY, POWER, ATOM = 7, 12, 13, 14, 15, 100
LITERAL_MAX = 32  # elements; a larger generated array is written as its numpy.random call


@dataclass(frozen=True)
class Expr:
    text: str
    prec: int = ATOM


def wrap(e: Expr, prec: int) -> str:
    """The expression's text, parenthesized if it binds less tightly than `prec`."""
    return e.text if e.prec >= prec else f"({e.text})"


@dataclass(frozen=True)
class Arg:
    """An equation input as a template sees it."""

    expr: Expr
    value: Any  # the NumPy forward's array, or the Python literal
    literal: bool

    @property
    def text(self) -> str:
        return self.expr.text

    @property
    def dtype(self) -> np.dtype:
        return np.asarray(self.value).dtype

    @property
    def shape(self) -> tuple[int, ...]:
        return np.shape(self.value)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def kind(self) -> str:
        """ "f", "i" or "b"; for a literal, of the Python value."""
        return "i" if self.dtype.kind == "u" else self.dtype.kind


@dataclass(frozen=True)
class Site:
    """Where a template renders: the equation, its result's NumPy value, the case dtype."""

    eqn: Eqn
    out: np.ndarray
    dtype: str

    @property
    def attrs(self) -> dict[str, Any]:
        return dict(self.eqn.attrs)

    def changed(self) -> dict[str, Any]:
        """The attributes that differ from the op's defaults, in the op's order."""
        defaults = OPS[self.eqn.op].attr_defaults
        return {k: v for k, v in self.eqn.attrs.items() if k not in defaults or v != defaults[k]}


Template = Callable[[Site, list[Arg]], Expr]


def py(value: Any) -> str:
    """A Python literal: numbers (inf and nan as float(...)), None, strings, tuples, lists."""
    if isinstance(value, float) and not math.isfinite(value):
        return f'float("{value}")' if value > 0 or math.isnan(value) else 'float("-inf")'
    if isinstance(value, tuple):
        inner = ", ".join(py(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(py(v) for v in value) + "]"
    return repr(value)


def call(fn: str, *args: str, **kwargs: Any) -> Expr:
    parts = [*args, *(f"{k}={py(v)}" for k, v in kwargs.items())]
    return Expr(f"{fn}({', '.join(parts)})")


def binary(symbol: str, prec: int) -> Template:
    """An operator: the left operand may share its precedence (left to right), the right
    one may not, so the tree of the user's expression is kept exactly; `**` the reverse."""

    def template(site: Site, args: list[Arg]) -> Expr:
        x, y = (a.expr for a in args)
        if prec == POWER:
            return Expr(f"{wrap(x, POWER + 1)} {symbol} {wrap(y, UNARY)}", POWER)
        return Expr(f"{wrap(x, prec)} {symbol} {wrap(y, prec + 1)}", prec)

    return template


def negative(site: Site, args: list[Arg]) -> Expr:
    return Expr(f"-{wrap(args[0].expr, UNARY)}", UNARY)


def normalized(axes: Any, ndim: int) -> list[int]:
    """An axis or axes as sorted non-negative ints (None: every axis)."""
    if axes is None:
        return list(range(ndim))
    axes = (axes,) if isinstance(axes, int) else axes
    return sorted(a % ndim for a in axes) if ndim else []


# ---- numbers and arrays -------------------------------------------------------------------


def number(x: Any, dtype: np.dtype) -> str:
    """One element as Python text that the framework reads back to the same value."""
    if dtype.kind == "b":
        return repr(bool(x))
    if dtype.kind in "iu":
        return repr(int(x))
    if dtype.kind == "c":  # a Python complex, each part as its float dtype writes it
        part = np.dtype(np.asarray(x).real.dtype)
        re, im = complex(x).real, complex(x).imag
        negative_zero = re == 0 and math.copysign(1.0, re) < 0  # `(-0-1j)` reads back +0.0
        if math.isfinite(re) and math.isfinite(im) and not negative_zero:
            return repr(complex(float(number(re, part)), float(number(im, part))))
        return f"complex({number(re, part)}, {number(im, part)})"
    value = float(x)
    if not math.isfinite(value):
        return py(value)
    if dtype == np.float32:  # the shortest text, if it reads back to the same float32
        short = float(str(np.float32(x)))
        return repr(short if np.float32(short) == np.float32(x) else value)
    return repr(value)


def nested(array: np.ndarray, indent: int = 4) -> str:
    """An array as a nested list literal; long ones wrapped, rows on lines of their own."""
    a = np.asarray(array)
    if a.ndim == 0:
        return number(a, a.dtype)
    if a.ndim == 1:
        text = "[" + ", ".join(number(x, a.dtype) for x in a) + "]"
        if len(text) <= 88:
            return text
        body = textwrap.fill(text[1:-1], 88 - indent, break_on_hyphens=False)
        return "[\n" + textwrap.indent(body, " " * (indent + 4)) + "\n" + " " * indent + "]"
    rows = [nested(row, indent + 4) for row in a]
    one = "[" + ", ".join(rows) + "]"
    if len(one) <= 88 and "\n" not in one:
        return one
    pad = " " * (indent + 4)
    return "[\n" + ",\n".join(pad + r for r in rows) + ",\n" + " " * indent + "]"


def generated(spec: Mapping[str, Any]) -> str:
    """The contract's NumPy call for a generated array, drawn in float64."""
    shape = spec["shape"] if isinstance(spec["shape"], list) else [spec["shape"]]
    size = py(tuple(shape))
    init, seed = spec.get("init", "normal"), spec.get("seed", 0)
    rng = f"np.random.default_rng({seed})"
    if init == "normal":
        loc, scale = float(spec.get("loc", 0.0)), float(spec.get("scale", 1.0))
        return f"{rng}.normal({loc!r}, {scale!r}, size={size})"
    if init == "uniform":
        low, high = float(spec.get("low", 0.0)), float(spec.get("high", 1.0))
        return f"{rng}.uniform({low!r}, {high!r}, size={size})"
    if init == "arange":
        return f"np.arange({math.prod(shape)}, dtype=np.float64).reshape({size})"
    if init == "eye":
        return f"np.eye({shape[0]}, {shape[1]})"
    return f"np.{init}({size})"


def from_spec(array: np.ndarray, spec: Mapping[str, Any] | None) -> str | None:
    """The NumPy call for a large generated array, or None: write it as a literal."""
    if spec is None or np.asarray(array).size <= LITERAL_MAX:
        return None
    return generated(spec)


def fit(head: str, parts: list[str], tail: str = ")", width: int = 88) -> str:
    """`head` + parts joined + `tail` on one line; if that is too long, the parts on an
    indented line of their own, or one a line (black's style)."""
    one = f"{head}{', '.join(parts)}{tail}"
    if len(one) <= width:
        return one
    inner = f"    {', '.join(parts)}"
    if len(inner) <= width:
        return f"{head}\n{inner}\n{tail}"
    return head + "\n" + "".join(f"    {part},\n" for part in parts) + tail


def names_list(names: Any) -> str:
    """A list of names as a Python list literal with double quotes: ["w", "b"]."""
    return "[" + ", ".join(f'"{n}"' for n in names) + "]"


def slice_text(s: slice) -> str:
    """A slice as written in an index: `1:`, `::-1`, `:`."""
    parts = ["" if v is None else str(v) for v in (s.start, s.stop, s.step)]
    return ":".join(parts[:2]) + (f":{parts[2]}" if s.step is not None else "")
