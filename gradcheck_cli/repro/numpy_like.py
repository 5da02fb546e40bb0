"""The templates of an array library with NumPy's names (`jax.numpy` and `numpy`
itself): the user's expression spelled as NumPy spells it, under a module prefix."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..ir import ArrayRef
from .expr import (
    ATOM,
    COMPARE,
    POWER,
    SUM,
    TERM,
    Arg,
    Expr,
    Site,
    Template,
    binary,
    call,
    negative,
    py,
    slice_text,
    wrap,
)


def _np_call(ns: str, name: str) -> Template:
    """`ns.name(arrays..., changed attributes as keywords)`."""

    def template(site: Site, args: list[Arg]) -> Expr:
        return call(f"{ns}.{name}", *(a.text for a in args), **site.changed())

    return template


def _np_transpose(ns: str) -> Template:
    def template(site: Site, args: list[Arg]) -> Expr:
        axes = site.attrs.get("axes")
        if axes is None:
            return Expr(f"{wrap(args[0].expr, ATOM)}.T")
        return call(f"{ns}.transpose", args[0].text, py(tuple(axes)))

    return template


def _np_positional(ns: str, name: str, attr: str) -> Template:
    """A required attribute, written positionally as users do: reshape(x, (3, 2))."""
    return lambda site, args: call(f"{ns}.{name}", args[0].text, py(site.attrs[attr]))


def _np_joined(ns: str, name: str) -> Template:
    def template(site: Site, args: list[Arg]) -> Expr:
        items = "[" + ", ".join(a.text for a in args) + "]"
        return call(f"{ns}.{name}", items, **site.changed())

    return template


def np_index(site: Site, args: list[Arg], array: Callable[[list[Any]], str]) -> Expr:
    """NumPy's index text; `array` writes a written list of ints or bools."""
    parts = []
    for entry in site.attrs["index"]:
        if isinstance(entry, ArrayRef):
            parts.append(args[entry.input].text)
        elif isinstance(entry, tuple):
            parts.append(array(list(entry)))
        elif entry is Ellipsis:
            parts.append("...")
        elif isinstance(entry, slice):
            parts.append(slice_text(entry))
        else:
            parts.append(str(entry))
    return Expr(f"{wrap(args[0].expr, ATOM)}[{', '.join(parts) if parts else '()'}]")


_ARITHMETIC = {
    "add": ("+", SUM),
    "subtract": ("-", SUM),
    "multiply": ("*", TERM),
    "divide": ("/", TERM),
    "power": ("**", POWER),
    "matmul": ("@", TERM),
    "less": ("<", COMPARE),
    "less_equal": ("<=", COMPARE),
    "greater": (">", COMPARE),
    "greater_equal": (">=", COMPARE),
    "equal": ("==", COMPARE),
    "not_equal": ("!=", COMPARE),
}
_NP_CALLS = (
    "arctan2 maximum minimum exp log log1p expm1 sqrt square abs sign sin cos tan arcsin "
    "arccos arctan sinh cosh tanh where clip sum mean prod max min argmax argmin cumsum dot "
    "outer squeeze flip"
).split()


def numpy_like(ns: str) -> dict[str, Template]:
    """The templates of an array library with NumPy's names, `ns` its module's name."""
    table: dict[str, Template] = {op: binary(*spec) for op, spec in _ARITHMETIC.items()}
    table.update({op: _np_call(ns, op) for op in _NP_CALLS})
    table.update(
        negative=negative,
        norm=_np_call(ns, "linalg.norm"),
        transpose=_np_transpose(ns),
        reshape=_np_positional(ns, "reshape", "shape"),
        expand_dims=_np_positional(ns, "expand_dims", "axis"),
        concatenate=_np_joined(ns, "concatenate"),
        stack=_np_joined(ns, "stack"),
    )
    return table
