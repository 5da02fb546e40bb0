"""The `torch` backend: the program run with torch ops, differentiated by torch.autograd.

`FORWARD` holds one function of torch tensors per op of `ops.OPS`, each the torch function
the contract's table names (`torch.amax`, `torch.clamp`, `torch.linalg.norm`...), so kinks
and ties follow torch's own rules. The Python literals written in an expression reach
torch untouched (`x ** 2` is `tensor ** 2`, an int); a literal becomes a tensor only where
a torch function takes no number. No derivative is written here: the differentiated params
are leaf tensors with `requires_grad`, and `.backward()` on the reduced cost fills their
`.grad`. The optimizer is torch.optim's own class, every hyperparameter of the contract's
table passed explicitly.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial, reduce
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
import torch.nn.functional as F

from .. import optim
from ..ir import ArrayRef, evaluate

if TYPE_CHECKING:
    from ..case import Case

FRAMEWORK = "torch"

_OPTIMIZERS = {
    "sgd": torch.optim.SGD,
    "adam": torch.optim.Adam,
    "adamw": torch.optim.AdamW,
    "rmsprop": torch.optim.RMSprop,
    "adagrad": torch.optim.Adagrad,
}


def version() -> str:
    return f"torch {torch.__version__}"


def device() -> str:
    return "cpu"


def unsupported(case: Case) -> str | None:
    return None


# ---- helpers ----------------------------------------------------------------------------


def _t(x: Any) -> torch.Tensor:
    """A literal as a tensor, for the torch functions that take no Python number."""
    return x if isinstance(x, torch.Tensor) else torch.as_tensor(x)


def _floating(x: Any) -> torch.Tensor:
    """Integer and bool input in the case dtype (torch's default while a program runs)."""
    x = _t(x)
    return x if x.is_floating_point() else x.to(torch.get_default_dtype())


def _common(*xs: Any) -> list[torch.Tensor]:
    """Tensors of one promoted dtype, for functions that do not promote (matmul, tensordot,
    outer, a scalar operand of maximum): a literal takes the other operand's dtype."""
    ts = [_t(x) for x in xs]
    tensors = [x.dtype for x in xs if isinstance(x, torch.Tensor)] or [t.dtype for t in ts]
    dtype = reduce(torch.promote_types, tensors)
    for x in xs:
        if not isinstance(x, torch.Tensor):  # a weak scalar, as in torch's own arithmetic
            dtype = torch.result_type(torch.empty(0, dtype=dtype), x)
    return [t.to(dtype) for t in ts]


def _dims(axis: Any, ndim: int) -> tuple[int, ...]:
    """NumPy's axis as torch's dim: None is every axis."""
    if axis is None:
        return tuple(range(ndim))
    return (axis,) if isinstance(axis, int) else tuple(axis)


def _reduction(fn: Callable[..., torch.Tensor], a: Any, axis=None, keepdims=False):
    """`fn(a, dims, keepdims)` over NumPy's axes. torch reads an empty dim as every axis,
    NumPy as none: over no axes, reduce a new trailing axis of size 1 instead."""
    a = _t(a)
    dims = _dims(axis, a.ndim)
    if not dims:
        return fn(a.unsqueeze(-1), (-1,), False)
    return fn(a, dims, keepdims)


def _prod(a: torch.Tensor, dims: tuple[int, ...], keepdims: bool) -> torch.Tensor:
    # torch.prod takes one dim: the highest first, so the lower ones keep their place
    for d in sorted({d % a.ndim for d in dims}, reverse=True):
        a = torch.prod(a, d, keepdim=keepdims)
    return a


def _over_axes(fn: Callable[..., torch.Tensor], x: Any, axis: Any = -1) -> torch.Tensor:
    """softmax and log_softmax over several axes: those moved last and flattened into one."""
    x = _floating(x)
    if isinstance(axis, int):
        return fn(x, dim=axis)
    dims = [d % x.ndim for d in _dims(axis, x.ndim)]
    order = [d for d in range(x.ndim) if d not in dims] + dims
    moved = x.permute(order)
    flat = moved.reshape(*moved.shape[: x.ndim - len(dims)], -1)
    return fn(flat, dim=-1).reshape(moved.shape).permute(np.argsort(order).tolist())


# ---- elementwise ------------------------------------------------------------------------


def _compare(fn: Callable[..., torch.Tensor], x1: Any, x2: Any) -> torch.Tensor:
    return fn(_t(x1), x2)


def _binary(fn: Callable[..., torch.Tensor], x1: Any, x2: Any) -> torch.Tensor:
    return fn(*_common(x1, x2))


def _unary(fn: Callable[..., torch.Tensor], x: Any) -> torch.Tensor:
    return fn(_t(x))


def _where(condition: Any, x: Any, y: Any) -> torch.Tensor:
    condition = _t(condition)
    if condition.dtype != torch.bool:
        condition = condition != 0  # NumPy reads a number's truth
    return torch.where(condition, x, y)


def _clip(a: Any, a_min: Any, a_max: Any) -> torch.Tensor:
    """torch.clamp takes both bounds as numbers or both as tensors (None either way)."""
    a = _t(a)
    if a_min is None and a_max is None:
        return a  # NumPy 2 allows it; torch.clamp would refuse
    bounds = [a_min, a_max]
    if any(isinstance(b, torch.Tensor) for b in bounds):
        bounds = [None if b is None else _common(a, b)[1] for b in bounds]
    return torch.clamp(a, *bounds)


# ---- products, shapes, index ------------------------------------------------------------


def _dot(a: Any, b: Any) -> torch.Tensor:
    """numpy.dot: multiply with a 0-D operand; a's last axis against b's second-to-last
    (its only, if 1-D), which is matmul unless b has batch axes to take apart."""
    a, b = _common(a, b)
    if a.ndim == 0 or b.ndim == 0:
        return a * b
    if b.ndim <= 2:
        return torch.matmul(a, b)
    return torch.tensordot(a, b, dims=([a.ndim - 1], [b.ndim - 2]))


def _outer(a: Any, b: Any) -> torch.Tensor:
    a, b = _common(a, b)
    return torch.outer(a.reshape(-1), b.reshape(-1))


def _transpose(a: Any, axes: Any = None) -> torch.Tensor:
    a = _t(a)
    return a.permute(tuple(reversed(range(a.ndim))) if axes is None else axes)


def _expand_dims(a: Any, axis: Any) -> torch.Tensor:
    a = _t(a)
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    ndim = a.ndim + len(axes)
    new = {d % ndim for d in axes}
    sizes = iter(a.shape)
    return a.reshape([1 if i in new else next(sizes) for i in range(ndim)])


def _squeeze(a: Any, axis: Any = None) -> torch.Tensor:
    return torch.squeeze(_t(a)) if axis is None else torch.squeeze(_t(a), axis)


def _flip(m: Any, axis: Any = None) -> torch.Tensor:
    m = _t(m)
    return torch.flip(m, _dims(axis, m.ndim))


def _cumsum(a: Any, axis: Any = None) -> torch.Tensor:
    a = _t(a)
    return torch.cumsum(a.reshape(-1), 0) if axis is None else torch.cumsum(a, axis)


def _concatenate(*arrays: Any, axis: Any = 0) -> torch.Tensor:
    tensors = _common(*arrays)
    if axis is None:  # NumPy flattens every array first
        return torch.cat([t.reshape(-1) for t in tensors])
    return torch.cat(tensors, dim=axis)


def _stack(*arrays: Any, axis: int = 0) -> torch.Tensor:
    return torch.stack(_common(*arrays), dim=axis)


def _index_entry(entry: Any, arrays: tuple[Any, ...]) -> Any:
    """An index entry as torch takes it: lists and integer arrays as long tensors."""
    if isinstance(entry, ArrayRef):
        index = _t(arrays[entry.input - 1])
        return index if index.dtype == torch.bool else index.long()
    if isinstance(entry, tuple):
        return torch.tensor(entry, dtype=torch.bool if type(entry[0]) is bool else torch.long)
    return entry


def _width(entry: Any) -> int:
    """How many axes of the indexed array an entry consumes (Ellipsis aside)."""
    if entry is None:
        return 0
    if isinstance(entry, torch.Tensor) and entry.dtype == torch.bool:
        return entry.ndim
    return 1


def _getitem(x: Any, *arrays: Any, index: tuple[Any, ...]) -> torch.Tensor:
    """NumPy indexing. torch takes no negative slice step: such a slice becomes a flip of
    its axis and the same elements taken forwards (the contract's own spelling)."""
    x = _t(x)
    entries = [_index_entry(e, arrays) for e in index]
    rest = x.ndim - sum(_width(e) for e in entries if e is not Ellipsis)
    flips, axis = [], 0
    for i, entry in enumerate(entries):
        if isinstance(entry, slice) and entry.step is not None and entry.step < 0:
            n = x.shape[axis]
            start, stop, step = entry.indices(n)
            entries[i] = slice(n - 1 - start, n - 1 - stop, -step)
            flips.append(axis)
        axis += rest if entry is Ellipsis else _width(entry)
    if flips:
        x = torch.flip(x, flips)
    return x[tuple(entries)]


# ---- the table --------------------------------------------------------------------------

FORWARD: dict[str, Callable[..., torch.Tensor]] = {
    "add": operator.add,
    "subtract": operator.sub,
    "multiply": operator.mul,
    "divide": operator.truediv,
    "power": operator.pow,
    "arctan2": partial(_binary, torch.atan2),
    "maximum": partial(_binary, torch.maximum),
    "minimum": partial(_binary, torch.minimum),
    "less": partial(_compare, torch.lt),
    "less_equal": partial(_compare, torch.le),
    "greater": partial(_compare, torch.gt),
    "greater_equal": partial(_compare, torch.ge),
    "equal": partial(_compare, torch.eq),
    "not_equal": partial(_compare, torch.ne),
    "negative": partial(_unary, torch.neg),
    "exp": partial(_unary, torch.exp),
    "log": partial(_unary, torch.log),
    "log1p": partial(_unary, torch.log1p),
    "expm1": partial(_unary, torch.expm1),
    "sqrt": partial(_unary, torch.sqrt),
    "square": partial(_unary, torch.square),
    "abs": partial(_unary, torch.abs),
    "sign": partial(_unary, torch.sign),
    "sin": partial(_unary, torch.sin),
    "cos": partial(_unary, torch.cos),
    "tan": partial(_unary, torch.tan),
    "arcsin": partial(_unary, torch.asin),
    "arccos": partial(_unary, torch.acos),
    "arctan": partial(_unary, torch.atan),
    "sinh": partial(_unary, torch.sinh),
    "cosh": partial(_unary, torch.cosh),
    "tanh": partial(_unary, torch.tanh),
    "sigmoid": partial(_unary, torch.sigmoid),
    "relu": partial(_unary, torch.relu),
    "softplus": lambda x: F.softplus(_floating(x)),
    "where": _where,
    "clip": _clip,
    "sum": partial(_reduction, lambda a, d, k: torch.sum(a, d, keepdim=k)),
    "mean": partial(_reduction, lambda a, d, k: torch.mean(_floating(a), d, keepdim=k)),
    "prod": partial(_reduction, _prod),
    "max": partial(_reduction, lambda a, d, k: torch.amax(a, d, keepdim=k)),
    "min": partial(_reduction, lambda a, d, k: torch.amin(a, d, keepdim=k)),
    "argmax": lambda a, axis=None, keepdims=False: torch.argmax(_t(a), axis, keepdims),
    "argmin": lambda a, axis=None, keepdims=False: torch.argmin(_t(a), axis, keepdims),
    "logsumexp": partial(_reduction, lambda a, d, k: torch.logsumexp(_floating(a), d, k)),
    "norm": lambda x, ord=None, axis=None, keepdims=False: torch.linalg.norm(
        _floating(x), ord, axis, keepdims
    ),
    "softmax": partial(_over_axes, torch.softmax),
    "log_softmax": partial(_over_axes, torch.log_softmax),
    "cumsum": _cumsum,
    "matmul": partial(_binary, torch.matmul),
    "dot": _dot,
    "outer": _outer,
    "transpose": _transpose,
    "reshape": lambda a, shape: _t(a).reshape(shape),
    "expand_dims": _expand_dims,
    "squeeze": _squeeze,
    "flip": _flip,
    "concatenate": _concatenate,
    "stack": _stack,
    "getitem": _getitem,
}


# ---- the session ------------------------------------------------------------------------


@contextmanager
def _default_dtype(dtype: torch.dtype) -> Iterator[None]:
    """The case dtype as torch's default while a program runs, so that a float literal
    meeting an integer tensor, or an integer tensor made floating, is in the case dtype."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype)
    try:
        yield
    finally:
        torch.set_default_dtype(previous)


def _numpy(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().numpy().copy()  # a copy: the optimizer updates params in place


def _reduced(value: torch.Tensor, reduce: str) -> torch.Tensor:
    """What is differentiated; under `none` and `native` the cost itself."""
    if reduce == "sum":
        return value.sum()
    if reduce == "mean":
        return value.mean()
    return value


@dataclass(frozen=True)
class Evaluation:
    value: np.ndarray
    cost: float
    grads: dict[str, np.ndarray]


class TorchSession:
    """A case's params as torch tensors, and its torch.optim optimizer."""

    def __init__(self, case: Case):
        self.case = case
        self.dtype = getattr(torch, case.dtype)
        self.inputs = {k: torch.tensor(v) for k, v in case.inputs.items()}
        self._params = {
            k: torch.tensor(v, requires_grad=k in case.wrt) for k, v in case.params.items()
        }
        spec = case.optimizer
        self.optimizer = _optimizer(spec, [self._params[k] for k in case.wrt]) if spec else None

    def evaluate(self) -> Evaluation:
        c = self.case
        wrt = {k: self._params[k] for k in c.wrt}
        for p in wrt.values():
            p.grad = None
        with _default_dtype(self.dtype):
            value = evaluate(c.program, {**self.inputs, **self._params}, FORWARD)
            if not torch.is_tensor(value):  # a cost written as a number
                value = torch.as_tensor(value, dtype=self.dtype)
            target = _reduced(value, c.reduce)
            # a non-scalar target (reduce: native) goes to torch as is: torch refuses it
            if target.requires_grad or target.numel() != 1:
                target.backward()
        # A param the cost does not reach keeps grad None, so torch.optim skips it (no
        # momentum, no weight decay), as it does for a user; its gradient reads as zero.
        grads = {k: _numpy(p) * 0 if p.grad is None else _numpy(p.grad) for k, p in wrt.items()}
        return Evaluation(_numpy(value), float(target.detach()), grads)

    def step(self, evaluation: Evaluation) -> None:
        self.optimizer.step()  # reads the .grad that `evaluate` left

    def params(self) -> dict[str, np.ndarray]:
        return {k: _numpy(p) for k, p in self._params.items()}


def _optimizer(spec: Any, params: list[torch.Tensor]) -> torch.optim.Optimizer:
    hparams = optim.hyperparameters(spec.name, spec.hparams)
    return _OPTIMIZERS[spec.name](params, **hparams)


def start(case: Case, options: Mapping[str, Any] | None = None) -> TorchSession:
    return TorchSession(case)
