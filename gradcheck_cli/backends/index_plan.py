"""NumPy's indexing as a plan a framework can follow: which entries slice, which pick,
which axes are flipped and permuted, decided from the index, the indexed array's shape and
the index arrays' dtypes and shapes alone, never from their values.

NumPy's rule (numpy.org, "Advanced indexing"): with a list or an array among the entries
(a k-D mask counts as k integer arrays, its nonzero indices), integers and 0-d integer
arrays are advanced entries too; the advanced entries' indices broadcast together, and the
broadcast axes replace them in place when the advanced entries are adjacent in the index,
else they go first. Any other entry between two of them, a zero-width `...` or a `None`
included, makes them apart. Without a list or an array, integers (0-d integer arrays too)
are basic and the frameworks' own slicing is NumPy's, but for torch's negative steps.

A plan is executed in three steps: flip `flips` (torch refuses a negative step: the axis is
reversed and the same elements are taken forwards), slice with `basic`, then pick with
`picks`. The torch spelling (`spelling/torch_shape.py`) and the tensorflow one
(`backends/tf_index.py`) turn it into trees, which the backends run and `gradcheck repro`
prints; this module imports no framework.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..ir import ArrayRef, IndexEntry

FULL = slice(None)


@dataclass(frozen=True)
class Operand:
    """What the plan may know of an index array: its dtype's kind ("b", "i", "f") and shape."""

    kind: str
    shape: tuple[int, ...]


@dataclass(frozen=True)
class Pick:
    """An advanced entry: an int, a list (a tuple of ints or bools) or an ArrayRef."""

    entry: IndexEntry
    axis: int  # the first axis of the sliced array it picks along
    mask: bool  # a mask: its nonzero indices pick, one column per axis it spans
    ndim: int  # the entry's own rank (0 for an int; a 0-d mask picks along a new axis)
    shape: tuple[int, ...]  # the entry's own shape

    @property
    def span(self) -> int:
        """How many axes of the sliced array it picks along."""
        return max(self.ndim, 1) if self.mask else 1

    @property
    def rank(self) -> int:
        """The rank of its index once broadcast: a mask's nonzero indices are 1-D."""
        return 1 if self.mask else self.ndim


@dataclass(frozen=True)
class IndexPlan:
    flips: tuple[int, ...]  # axes of the indexed array reversed first
    basic: tuple[Any, ...] | None  # then sliced with this (None: nothing to slice)
    sliced: tuple[int, ...]  # the shape after flipping and slicing
    picks: tuple[Pick, ...]  # then picked by these (none: basic indexing only)
    adjacent: bool  # the picks' broadcast axes go where the picks are, else first

    @property
    def position(self) -> int:
        """Where NumPy puts the broadcast axes of the picks in the result."""
        return self.picks[0].axis if self.adjacent else 0

    @property
    def rank(self) -> int:
        """How many broadcast axes the picks give."""
        return max(p.rank for p in self.picks)

    @property
    def picked(self) -> tuple[int, ...]:
        """The axes of the sliced array the picks pick along, in order."""
        return tuple(a for p in self.picks for a in range(p.axis, p.axis + p.span))

    @property
    def front(self) -> tuple[int, ...] | None:
        """The permutation of the sliced array that puts the picked axes first (None: the
        identity)."""
        rest = [d for d in range(len(self.sliced)) if d not in self.picked]
        order = (*self.picked, *rest)
        return None if order == tuple(range(len(order))) else order

    @property
    def restore(self) -> tuple[int, ...] | None:
        """After picking along the front axes, the permutation that moves the broadcast axes
        to `position` (None: they belong first)."""
        if self.position == 0:
            return None
        r, p = self.rank, self.position
        total = r + len(self.sliced) - len(self.picked)
        return (*range(r, r + p), *range(r), *range(r + p, total))


def plan(
    index: Sequence[IndexEntry],
    shape: Sequence[int],
    arrays: Sequence[Operand],
    flip: bool = False,
) -> IndexPlan:
    """The plan for `x[index]`, x of `shape`; `arrays` describe the eqn's inputs after x (an
    ArrayRef's `input` counts from 1). `flip`: negative steps become flips (torch)."""
    index, shape = tuple(index), tuple(shape)
    fancy = any(_fancy(e, arrays) for e in index)
    spans = [_span(e, arrays) for e in index]
    if sum(e is Ellipsis for e in index) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    used = sum(s for e, s in zip(index, spans, strict=True) if e is not Ellipsis)
    if used > len(shape):
        raise IndexError(
            f"too many indices for array: array is {len(shape)}-dimensional, "
            f"but {used} were indexed"
        )
    flips, basic, picks, axis, out = [], [], [], 0, 0
    for entry, span in zip(index, spans, strict=True):
        if entry is Ellipsis:
            basic.append(entry)
            axis, out = axis + len(shape) - used, out + len(shape) - used
        elif _advanced(entry, arrays, fancy):
            pick = _pick(entry, arrays, out, shape[axis : axis + span])
            basic += [None] if span == 0 else [FULL] * span
            picks.append(pick)
            axis, out = axis + span, out + pick.span
        elif isinstance(entry, slice) and flip and (entry.step or 1) < 0:
            basic.append(_forwards(entry, shape[axis]))
            flips.append(axis)
            axis, out = axis + 1, out + 1
        else:
            basic.append(entry)
            axis, out = axis + span, out + _kept(entry)
    positions = [i for i, e in enumerate(index) if _advanced(e, arrays, fancy)]
    adjacent = positions == list(range(positions[0], positions[-1] + 1)) if positions else True
    return IndexPlan(tuple(flips), _trimmed(basic), _sliced(shape, basic), tuple(picks), adjacent)


# ---- entries --------------------------------------------------------------------------------


def _operand(entry: ArrayRef, arrays: Sequence[Operand]) -> Operand:
    operand = arrays[entry.input - 1]
    if operand.kind not in "biu":
        raise IndexError(
            "only integers, slices (`:`), ellipsis (`...`), numpy.newaxis (`None`) and "
            "integer or boolean arrays are valid indices"
        )
    return operand


def _is_mask(entry: IndexEntry, arrays: Sequence[Operand]) -> bool:
    if isinstance(entry, ArrayRef):
        return _operand(entry, arrays).kind == "b"
    return isinstance(entry, tuple) and type(entry[0]) is bool


def _fancy(entry: IndexEntry, arrays: Sequence[Operand]) -> bool:
    """A list or an array (0-d integer arrays aside: NumPy reads them as integers)."""
    if isinstance(entry, ArrayRef):
        operand = _operand(entry, arrays)
        return operand.kind == "b" or len(operand.shape) > 0
    return isinstance(entry, tuple)


def _advanced(entry: IndexEntry, arrays: Sequence[Operand], fancy: bool) -> bool:
    if _fancy(entry, arrays):
        return True
    return fancy and (isinstance(entry, ArrayRef) or _integer(entry))


def _integer(entry: IndexEntry) -> bool:
    return isinstance(entry, int) and not isinstance(entry, bool)


def _span(entry: IndexEntry, arrays: Sequence[Operand]) -> int:
    """How many axes of the indexed array an entry consumes (Ellipsis: counted apart)."""
    if entry is None or entry is Ellipsis:
        return 0
    if _is_mask(entry, arrays):
        return len(_operand(entry, arrays).shape) if isinstance(entry, ArrayRef) else 1
    return 1


def _kept(entry: IndexEntry) -> int:
    """How many axes a basic entry leaves in the sliced array: one for a slice or None."""
    return 1 if entry is None or isinstance(entry, slice) else 0


def _pick(entry: IndexEntry, arrays: Sequence[Operand], axis: int, dims: tuple) -> Pick:
    if isinstance(entry, ArrayRef):
        shape = _operand(entry, arrays).shape
    else:
        shape = (len(entry),) if isinstance(entry, tuple) else ()
    mask = _is_mask(entry, arrays)
    if mask and shape and tuple(shape) != tuple(dims):
        raise IndexError(
            f"boolean index of shape {list(shape)} does not match the indexed array's "
            f"shape {list(dims)} at axis {axis}"
        )
    return Pick(entry, axis, mask, len(shape), tuple(shape))


def _forwards(entry: slice, n: int) -> slice:
    """The elements of a negative-step slice of n, taken forwards from the flipped axis."""
    start, stop, step = entry.indices(n)
    start, stop = n - 1 - start, n - 1 - stop
    return slice(start or None, None if stop >= n else stop, None if step == -1 else -step)


def _trimmed(basic: list[Any]) -> tuple[Any, ...] | None:
    """The basic index without its trailing full slices (but those after a `...`, which
    fix its width, unless all are); None if nothing is left to do."""
    if Ellipsis in basic:
        at = basic.index(Ellipsis)
        if any(not _full(e) for e in basic[at + 1 :]):
            return tuple(basic)
        basic = basic[:at]
    while basic and _full(basic[-1]):
        basic = basic[:-1]
    return tuple(basic) if basic else None


def _full(entry: Any) -> bool:
    return isinstance(entry, slice) and entry == FULL


def _sliced(shape: tuple[int, ...], basic: list[Any]) -> tuple[int, ...]:
    """The shape of x[basic]: a slice keeps its axis (its length), None adds one, an
    integer (or a 0-d integer array) drops one, `...` keeps those it stands for."""
    width = sum(e is not None and e is not Ellipsis for e in basic)
    out, axis = [], 0
    for entry in basic:
        if entry is None:
            out.append(1)
        elif entry is Ellipsis:
            out += shape[axis : axis + len(shape) - width]
            axis += len(shape) - width
        else:
            if isinstance(entry, slice):
                out.append(len(range(*entry.indices(shape[axis]))))
            axis += 1
    return (*out, *shape[axis:])
