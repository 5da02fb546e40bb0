"""PyTorch's spelling of every op, of the optimizers and of the reduce modes: one table the
torch backend runs and `gradcheck repro --backend torch` prints.

Each op is the torch function the contract's table names (`torch.amax`, `torch.clamp`,
`torch.linalg.norm`...), so kinks and ties follow torch's own rules, and NumPy's semantics
are written out where torch's differ, decided from shapes and dtypes alone:

- a Python literal reaches torch untouched (`x ** 2` is `tensor ** 2`, an int), made a
  `torch.tensor` only where a torch function takes no number;
- torch refuses bools where NumPy computes with them (`m - w`, relu(m), abs(m), `m ** m`,
  argmax(m)): a bool meeting a number takes the result's dtype first, bools alone run in
  int64 and the result is cast to NumPy's dtype (`_arith`, `_on_bools`);
- functions that do not promote (matmul, cat, maximum...) get their arrays in the result's
  dtype first (`_to`); integer input of a float function in the case dtype (`_floating`);
- NumPy's axes as torch's dims: over no axes a new one of size 1 is reduced, prod one dim
  at a time, softmax over several axes with logsumexp;
- indexing is the plan of `backends/index_plan.py` (`_getitem`): a negative step through
  `torch.flip`, the advanced entries handed to torch adjacent (NumPy's rule, not torch's).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .site import Site
from .tree import Name, Node, call, method

FRAMEWORK = "torch"
IMPORTS = {"torch": "import torch"}
Spell = Callable[[Site], Node]


@dataclass(frozen=True)
class Arg:
    """An equation input as an entry sees it: its node and what the abstract pass knows."""

    node: Node
    dtype: np.dtype
    shape: tuple[int, ...]
    literal: bool
    value: Any = None  # a literal's Python value

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def kind(self) -> str:
        return "i" if self.dtype.kind == "u" else self.dtype.kind


@dataclass(frozen=True)
class At:
    """The equation's attributes, its result's dtype and the case dtype."""

    attrs: dict[str, Any]
    changed: dict[str, Any]
    out: np.dtype
    dtype: np.dtype


Entry = Callable[[At, list[Arg]], Node]


def _dtype(dtype: Any) -> Name:
    return Name(f"torch.{np.dtype(dtype).name}")


def tensor(a: Arg) -> Node:
    """A literal as a tensor (in torch's default dtype, the case dtype), for the functions
    that take no Python number."""
    return call("torch.tensor", a.node) if a.literal else a.node


def _to(a: Arg, dtype: Any) -> Node:
    """The argument in `dtype`, for the functions that do not promote (matmul, cat...)."""
    if a.literal:
        return call("torch.tensor", a.node, dtype=_dtype(dtype))
    if a.dtype == np.dtype(dtype):
        return a.node
    return method(a.node, "to", _dtype(dtype))


def _cast(a: Arg, dtype: Any) -> Arg:
    value = np.asarray(a.value).astype(dtype) if a.literal else None
    return Arg(_to(a, dtype), np.dtype(dtype), a.shape, a.literal, value)


def _floating(a: Arg, at: At) -> Node:
    """A float (or complex) argument as it is; an integer one in the case dtype (in a complex
    case, the result's dtype, which the abstract pass gives)."""
    if a.literal or a.kind in "fc":
        return tensor(a)
    dtype = at.out if at.dtype.kind == "c" and at.out.kind in "fc" else at.dtype
    return method(a.node, "to", _dtype(dtype))


def _normalized(axes: Any, ndim: int) -> list[int]:
    """An axis or axes as sorted non-negative ints (None: every axis)."""
    if axes is None:
        return list(range(ndim))
    axes = (axes,) if isinstance(axes, int) else axes
    return sorted(a % ndim for a in axes) if ndim else []


def _dims(at: At, ndim: int, every: bool = False) -> dict[str, Any]:
    """NumPy's axis and keepdims as torch's dim and keepdim; `every`: a function that
    takes keepdim only with a dim (torch.sum, torch.mean) gets every axis for None."""
    out: dict[str, Any] = {}
    if at.attrs.get("axis") is not None:
        out["dim"] = at.attrs["axis"]
    elif every and at.attrs.get("keepdims"):
        out["dim"] = tuple(range(ndim))
    if at.attrs.get("keepdims"):
        out["keepdim"] = True
    return out
