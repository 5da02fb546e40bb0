"""The spelling of an array library with NumPy's names (`jax.numpy`, and `numpy` itself for
the numpy repro script): each op as NumPy spells it under the library's prefix, with the
attributes that differ from NumPy's defaults, and Python's operators for the operators.

One thing a user would not write is written out, decided from shapes and dtypes: an op on
integer or bool operands alone whose result is a float gets them `.astype` the case dtype
first (the numpy engine's rule, `np_rules.apply`: NumPy computes exp of a bool in float16,
JAX takes int32 to float32 even under x64, jax.nn.sigmoid refuses integers).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..backends.np_rules import is_operand
from ..ir import ArrayRef
from ..ops import INFIX, OPS
from .site import Site
from .tree import Attr, Index, Input, Name, Node, Unary, binop, call, method, node

Spell = Callable[[Site], Node]
List = Callable[[list[Any]], Node]  # how an index written as a list is spelled

_POSITIONAL = {"reshape": "shape", "expand_dims": "axis"}  # written as users do: (x, (3, 2))


def operands(site: Site, ns: str) -> list[Node]:
    """The inputs, an integer or bool one cast to the case dtype where the op computes a
    float from no float (in a complex case to the result's dtype, the abstract pass's)."""
    ins: list[Node] = [Input(i) for i in range(len(site.ins))]
    floats = any(o.kind in "fc" for o in site.ins if not o.literal)
    if site.out.dtype.kind not in "fc" or floats or all(o.literal for o in site.ins):
        return ins
    target = site.out.dtype if site.dtype.kind == "c" else site.dtype
    dtype = Name(f"{ns}.{target.name}")
    return [
        method(x, "astype", dtype) if not o.literal and is_operand(site.op, i) else x
        for i, (x, o) in enumerate(zip(ins, site.ins, strict=True))
    ]


def numpy_like(ns: str, functions: Mapping[str, str], as_list: List) -> dict[str, Spell]:
    """The table of the library `ns` (its name in the namespace); `functions` names the
    ops it spells otherwise than `ns.<op>` (jax.nn.sigmoid); `as_list` spells an index
    list."""

    def function(name: str) -> Spell:
        return lambda site: call(name, *operands(site, ns), **site.changed())

    def operator(symbol: str) -> Spell:
        return lambda site: binop(symbol, *operands(site, ns))

    def transpose(site: Site) -> Node:
        axes = site.attrs.get("axes")
        return Attr(Input(0), "T") if axes is None else call(f"{ns}.transpose", Input(0), axes)

    def positional(site: Site) -> Node:
        return call(f"{ns}.{site.op}", Input(0), site.attrs[_POSITIONAL[site.op]])

    def joined(site: Site) -> Node:
        return call(f"{ns}.{site.op}", list(operands(site, ns)), **site.changed())

    def getitem(site: Site) -> Node:
        entries = []
        for entry in site.attrs["index"]:
            if isinstance(entry, ArrayRef):
                entries.append(Input(entry.input))
            else:
                entries.append(as_list(list(entry)) if isinstance(entry, tuple) else node(entry))
        return Index(Input(0), tuple(entries))

    special: dict[str, Spell] = {
        "negative": lambda site: Unary("-", operands(site, ns)[0]),
        "transpose": transpose,
        "reshape": positional,
        "expand_dims": positional,
        "concatenate": joined,
        "stack": joined,
        "getitem": getitem,
        "norm": function(f"{ns}.linalg.norm"),
    }
    table = {}
    for op in OPS:
        if op in INFIX:
            table[op] = operator(INFIX[op])
        else:
            table[op] = special.get(op) or function(functions.get(op, f"{ns}.{op}"))
    return table
