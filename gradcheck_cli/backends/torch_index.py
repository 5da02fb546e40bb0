"""NumPy's indexing in torch: the plan of `index_plan` run with torch's own calls.

torch's indexing is NumPy's for basic entries with positive steps, and for advanced
entries (tensors) that are adjacent; it differs where NumPy counts an integer as an
advanced entry: `x[3, 2:, [1, 3]]` on a (5, 6, 4) array is (2, 4) in NumPy, (4, 2) in
torch, which selects the integer first and then finds the list alone. So the picks are
always handed to torch adjacent: in place (after `position` full slices) when NumPy keeps
them there, else at the front of the sliced array permuted to put their axes first. An
integer among adjacent picks, which torch selects first, then leaves them adjacent, as
NumPy's broadcast would.
"""

from __future__ import annotations

from typing import Any

import torch

from ..ir import ArrayRef, IndexEntry
from .index_plan import FULL, IndexPlan, Operand, Pick, plan


def operand(t: Any) -> Operand:
    t = torch.as_tensor(t)
    kind = "b" if t.dtype == torch.bool else "f" if t.is_floating_point() else "i"
    return Operand(kind, tuple(t.shape))


def torch_plan(x: torch.Tensor, arrays: tuple[Any, ...], index: tuple[Any, ...]) -> IndexPlan:
    return plan(index, tuple(x.shape), [operand(a) for a in arrays], flip=True)


def getitem(x: torch.Tensor, *arrays: Any, index: tuple[Any, ...]) -> torch.Tensor:
    """x[index] as NumPy has it: flip, slice, pick."""
    p = torch_plan(x, arrays, index)
    if p.flips:
        x = torch.flip(x, p.flips)
    if p.basic is not None:
        x = x[tuple(_basic(e, arrays) for e in p.basic)]
    if not p.picks:
        return x
    picks = tuple(_pick(pick, arrays) for pick in p.picks)
    if p.adjacent:
        return x[(FULL,) * p.position + picks]
    return (x if p.front is None else x.permute(p.front))[picks]


def _basic(entry: IndexEntry, arrays: tuple[Any, ...]) -> Any:
    """A 0-d integer array as torch takes it for an integer: a long tensor."""
    return arrays[entry.input - 1].long() if isinstance(entry, ArrayRef) else entry


def _pick(pick: Pick, arrays: tuple[Any, ...]) -> Any:
    entry = pick.entry
    if isinstance(entry, ArrayRef):
        t = torch.as_tensor(arrays[entry.input - 1])
        if pick.mask:
            return t.reshape(1) if pick.ndim == 0 else t  # a 0-d mask: on its new axis
        return t if t.dtype == torch.int64 else t.long()
    if isinstance(entry, tuple):
        return torch.tensor(entry, dtype=torch.bool if pick.mask else torch.long)
    return entry  # an int
