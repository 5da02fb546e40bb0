"""Indexing in the torch repro script: the torch backend's plan (`backends/index_plan.py`),
printed. A negative slice step becomes `torch.flip` of the axis and the same elements taken
forwards; the basic entries slice; the advanced ones (integers among them when there is a
list or an array) pick, handed to torch adjacent: in place after full slices where NumPy
keeps their axes there, else at the front of the array permuted to put their axes first."""

from __future__ import annotations

from typing import Any

from ..backends.index_plan import FULL, Operand, Pick, plan
from ..ir import ArrayRef
from .expr import ATOM, Arg, Expr, Site, call, py, slice_text, wrap


def getitem(site: Site, args: list[Arg]) -> Expr:
    x = args[0]
    p = plan(site.attrs["index"], x.shape, [Operand(a.kind, a.shape) for a in args[1:]], True)
    y = call("torch.flip", x.text, dims=p.flips) if p.flips else x.expr
    if p.basic is not None:
        y = _subscript(y, [_basic(e, args) for e in p.basic])
    if not p.picks:
        return y if p.basic is not None or p.flips else _subscript(y, [])
    picks = [_pick(pick, args) for pick in p.picks]
    if p.adjacent:
        return _subscript(y, [":"] * p.position + picks)
    if p.front is not None:
        y = Expr(f"{wrap(y, ATOM)}.permute{py(p.front)}")
    return _subscript(y, picks)


def _subscript(y: Expr, texts: list[str]) -> Expr:
    return Expr(f"{wrap(y, ATOM)}[{', '.join(texts) if texts else '()'}]")


def _basic(entry: Any, args: list[Arg]) -> str:
    if isinstance(entry, ArrayRef):  # a 0-d integer array: torch takes it as an integer
        return _long(args[entry.input])
    if entry is None:
        return "None"
    if entry is Ellipsis:
        return "..."
    return ":" if entry == FULL else slice_text(entry) if isinstance(entry, slice) else str(entry)


def _pick(pick: Pick, args: list[Arg]) -> str:
    entry = pick.entry
    if isinstance(entry, ArrayRef):
        arg = args[entry.input]
        if pick.mask:
            return f"{wrap(arg.expr, ATOM)}.reshape(1)" if pick.ndim == 0 else arg.text
        return _long(arg)
    if isinstance(entry, tuple) and pick.mask:
        return f"torch.tensor({py(list(entry))})"
    return py(list(entry)) if isinstance(entry, tuple) else str(entry)


def _long(arg: Arg) -> str:
    return arg.text if arg.dtype.name == "int64" else f"{wrap(arg.expr, ATOM)}.long()"
