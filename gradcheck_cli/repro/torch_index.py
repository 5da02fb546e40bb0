"""Indexing in the torch repro script: NumPy's indexing in torch's spelling. Integer lists
and arrays gather (as long tensors), masks select, and a negative slice step, which torch
refuses, becomes `torch.flip` of the axis and the same elements taken forwards, as the
torch backend does."""

from __future__ import annotations

from typing import Any

from ..ir import ArrayRef
from .expr import ATOM, Arg, Expr, Site, call, py, slice_text, wrap


def _entry(entry: Any, args: list[Arg]) -> tuple[str, int]:
    """An index entry as torch text, and how many axes of the indexed array it consumes."""
    if isinstance(entry, ArrayRef):
        arg = args[entry.input]
        if arg.kind == "b":
            return arg.text, arg.ndim
        return (arg.text if arg.dtype.name == "int64" else f"{arg.text}.long()"), 1
    if isinstance(entry, tuple):
        if type(entry[0]) is bool:
            return f"torch.tensor({py(list(entry))})", 1
        return py(list(entry)), 1
    if entry is None:
        return "None", 0
    if entry is Ellipsis:
        return "...", 0
    return (slice_text(entry) if isinstance(entry, slice) else str(entry)), 1


def getitem(site: Site, args: list[Arg]) -> Expr:
    """NumPy's indexing; a negative slice step (which torch refuses) becomes a flip of the
    axis and the same elements taken forwards, as the torch backend does."""
    x, index = args[0], list(site.attrs["index"])
    rendered = [_entry(e, args) for e in index]
    rest = x.ndim - sum(w for (e, (_, w)) in zip(index, rendered, strict=True) if e is not Ellipsis)
    texts, flips, axis = [], [], 0
    for entry, (text, width) in zip(index, rendered, strict=True):
        if isinstance(entry, slice) and entry.step is not None and entry.step < 0:
            n = x.shape[axis]
            start, stop, step = entry.indices(n)
            text = slice_text(_forwards(n - 1 - start, n - 1 - stop, -step, n))
            flips.append(axis)
        texts.append(text)
        axis += rest if entry is Ellipsis else width
    base = call("torch.flip", x.text, dims=tuple(flips)).text if flips else wrap(x.expr, ATOM)
    return Expr(f"{base}[{', '.join(texts) if texts else '()'}]")


def _forwards(start: int, stop: int, step: int, n: int) -> slice:
    return slice(start or None, None if stop >= n else stop, None if step == 1 else step)
