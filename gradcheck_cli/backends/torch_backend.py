"""The `torch` backend: the program run with torch ops, differentiated by torch.autograd.

`FORWARD` holds one function of torch tensors per op of `ops.OPS`, each the torch function
the contract's table names (`torch.amax`, `torch.clamp`, `torch.linalg.norm`...), so kinks
and ties follow torch's own rules. The Python literals written in an expression reach
torch untouched (`x ** 2` is `tensor ** 2`, an int); a literal becomes a tensor only where
a torch function takes no number (a bool literal meeting a number becomes a Python int, as
NumPy promotes it). torch refuses bools where NumPy computes with them (`m - w`, relu(m),
abs(m), `m ** m`, argmax(m)): a bool meeting a number takes the promoted dtype first, and
bools alone run in int64, cast to NumPy's dtype (`_arith`, `_on_bools`). Indexing is
`torch_index.py`'s. No derivative is written here: the differentiated params
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

from .. import implementations, optim
from ..ir import evaluate
from .torch_index import getitem

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
    if a.ndim == 0:
        return a  # NumPy's axis 0 or -1 of a 0-d array: nothing to reduce
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


def _is_bool(x: Any) -> bool:
    return isinstance(x, torch.Tensor) and x.dtype == torch.bool


def _arith(fn: Callable[..., Any], x1: Any, x2: Any) -> Any:
    """An operator in NumPy's promotion: a bool meeting a number takes the promoted dtype
    first (torch refuses a bool in `-`, and in the derivative of `**`)."""
    if not (isinstance(x1, torch.Tensor) or isinstance(x2, torch.Tensor)):
        return fn(x1, x2)
    dtype = torch.result_type(x1, x2)
    if dtype == torch.bool:
        return fn(x1, x2)
    return fn(_unbool(x1, dtype), _unbool(x2, dtype))


def _unbool(x: Any, dtype: torch.dtype) -> Any:
    """A bool operand as the number NumPy promotes it to (a literal: a Python int)."""
    if _is_bool(x):
        return x.to(dtype)
    return int(x) if type(x) is bool else x


def _on_bools(fn: Callable[..., torch.Tensor], result: torch.dtype = torch.bool) -> Callable:
    """`fn` where every operand is bool, which some torch kernels refuse: in int64, the
    result in NumPy's dtype for bools (bool for abs, clip, matmul and dot; int8 for `**`)."""

    def on_bools(*xs: Any, **attrs: Any) -> torch.Tensor:
        tensors = [x for x in xs if isinstance(x, torch.Tensor)]
        literals = [x for x in xs if not isinstance(x, torch.Tensor) and x is not None]
        if (
            not tensors
            or not all(map(_is_bool, tensors))
            or any(type(x) is not bool for x in literals)
        ):
            return fn(*xs, **attrs)
        ints = [x.long() if isinstance(x, torch.Tensor) else x for x in xs]
        return fn(*ints, **attrs).to(result)

    return on_bools


def _relu(x: Any) -> torch.Tensor:
    """NumPy's maximum(x, 0): a bool becomes an int64 (torch's relu refuses a bool)."""
    x = _t(x)
    return torch.relu(x.long() if x.dtype == torch.bool else x)


def _arg(fn: Callable[..., torch.Tensor], a: Any, axis: Any = None, keepdims: bool = False):
    a = _t(a)
    return fn(a.to(torch.uint8) if a.dtype == torch.bool else a, axis, keepdims)


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
    flat = axis is None or a.ndim == 0  # NumPy flattens first (a 0-d array too)
    return torch.cumsum(a.reshape(-1), 0) if flat else torch.cumsum(a, axis)


def _concatenate(*arrays: Any, axis: Any = 0) -> torch.Tensor:
    tensors = _common(*arrays)
    if axis is None:  # NumPy flattens every array first
        return torch.cat([t.reshape(-1) for t in tensors])
    return torch.cat(tensors, dim=axis)


def _stack(*arrays: Any, axis: int = 0) -> torch.Tensor:
    return torch.stack(_common(*arrays), dim=axis)


def _getitem(x: Any, *arrays: Any, index: tuple[Any, ...]) -> torch.Tensor:
    return getitem(_t(x), *arrays, index=index)


# ---- the table --------------------------------------------------------------------------

FORWARD: dict[str, Callable[..., torch.Tensor]] = {
    "add": partial(_arith, operator.add),
    "subtract": partial(_arith, operator.sub),
    "multiply": partial(_arith, operator.mul),
    "divide": partial(_arith, operator.truediv),
    "power": _on_bools(partial(_arith, operator.pow), torch.int8),
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
    "abs": _on_bools(partial(_unary, torch.abs)),
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
    "relu": _relu,
    "softplus": lambda x: F.softplus(_floating(x)),
    "where": _where,
    "clip": _on_bools(_clip),
    "sum": partial(_reduction, lambda a, d, k: torch.sum(a, d, keepdim=k)),
    "mean": partial(_reduction, lambda a, d, k: torch.mean(_floating(a), d, keepdim=k)),
    "prod": partial(_reduction, _prod),
    "max": partial(_reduction, lambda a, d, k: torch.amax(a, d, keepdim=k)),
    "min": partial(_reduction, lambda a, d, k: torch.amin(a, d, keepdim=k)),
    "argmax": partial(_arg, torch.argmax),
    "argmin": partial(_arg, torch.argmin),
    "logsumexp": partial(_reduction, lambda a, d, k: torch.logsumexp(_floating(a), d, k)),
    "norm": lambda x, ord=None, axis=None, keepdims=False: torch.linalg.norm(
        _floating(x), ord, axis, keepdims
    ),
    "softmax": partial(_over_axes, torch.softmax),
    "log_softmax": partial(_over_axes, torch.log_softmax),
    "cumsum": _cumsum,
    "matmul": _on_bools(partial(_binary, torch.matmul)),
    "dot": _on_bools(_dot),
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

    def __init__(self, case: Case, implementation: Any = None):
        self.case = case
        # the user's own function in place of the program (an impl:torch row)
        self.user = (
            implementations.load(implementation.value, implementation.root)
            if implementation
            else None
        )
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
            value = self._forward({**self.inputs, **self._params})
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

    def _forward(self, env: dict[str, torch.Tensor]) -> Any:
        if self.user is None:
            return evaluate(self.case.program, env, FORWARD)
        value = implementations.call(self.user, env, (*self.case.params, *self.case.inputs))
        return implementations.check_result(value, torch.Tensor, "a torch tensor", "impl:torch")

    def step(self, evaluation: Evaluation) -> None:
        self.optimizer.step()  # reads the .grad that `evaluate` left

    def params(self) -> dict[str, np.ndarray]:
        return {k: _numpy(p) for k, p in self._params.items()}


def _optimizer(spec: Any, params: list[torch.Tensor]) -> torch.optim.Optimizer:
    hparams = optim.hyperparameters(spec.name, spec.hparams)
    return _OPTIMIZERS[spec.name](params, **hparams)


def start(case: Case, options: Mapping[str, Any] | None = None) -> TorchSession:
    return TorchSession(case, (options or {}).get("implementation"))


def plain(fn: Any, case: Case) -> Any:
    """The user's forward as fd differentiates it: float64 NumPy in, float64 tensors through
    the function with autograd off, float64 NumPy out."""
    names = (*case.params, *case.inputs)

    def forward(env: Mapping[str, np.ndarray]) -> np.ndarray:
        with torch.no_grad(), _default_dtype(torch.float64):
            tensors = {k: torch.as_tensor(np.asarray(v)) for k, v in env.items()}
            out = implementations.call(fn, tensors, names)
            return np.asarray(_numpy(torch.as_tensor(out)), dtype=np.float64)

    return forward


def adjoints(case: Case, wanted: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """For `gradcheck explain --compare torch`: torch.autograd.grad of the reduced cost with
    respect to each variable of `wanted` (program variable -> something with the engine's
    `.value`, for the shape of a zero) that is a tensor requiring grad, the intermediate
    tensors themselves; a variable the cost does not reach gets zeros."""
    with _default_dtype(getattr(torch, case.dtype)):
        env = {k: torch.tensor(v) for k, v in case.inputs.items()}
        env.update(
            {k: torch.tensor(v, requires_grad=k in case.wrt) for k, v in case.params.items()}
        )
        value = evaluate(case.program, env, FORWARD)
        reduce = {"sum": torch.sum, "mean": torch.mean}.get(case.reduce)
        target = reduce(value) if reduce else value
        keys = [k for k in wanted if torch.is_tensor(env.get(k)) and env[k].requires_grad]
        grads = torch.autograd.grad(target, [env[k] for k in keys], allow_unused=True)
    return {
        k: np.zeros_like(wanted[k].value) if g is None else g.detach().numpy()
        for k, g in zip(keys, grads, strict=True)
    }
