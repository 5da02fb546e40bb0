"""The `torch` backend: the program run with torch ops, differentiated by torch.autograd.

The program is run from PyTorch's spelling table (gradcheck_cli/spelling/torch.py, the
trees `gradcheck repro --backend torch` prints): the torch function the contract's table
names for each op (`torch.amax`, `torch.clamp`, `torch.linalg.norm`...), so kinks and ties
follow torch's own rules, with NumPy's semantics written out where torch's differ (bools,
promotion, axes, indexing: see that module). The Python literals written in an expression
reach torch untouched (`x ** 2` is `tensor ** 2`, an int). No derivative is written here:
the differentiated params are leaf tensors with `requires_grad`, and `.backward()` on the
reduced cost fills their `.grad`. The optimizer is torch.optim's own class, every
hyperparameter of the contract's table passed explicitly (the spelling's tree).

Complex params (v2) are complex tensors; torch's default dtype is then the case's real
dtype (torch refuses a complex default). `.grad` is dL/dx + i dL/dy (at 1 + 2i, |z|^2 gets
2 + 4i), and torch.optim steps a complex param as its real view (torch.view_as_real).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
import torch.nn.functional

from .. import implementations, optim
from ..spelling import torch as spelling
from ..spelling.site import Runner, lower
from ..spelling.tree import Input, bind
from . import torch_higher

if TYPE_CHECKING:
    from ..case import Case

FRAMEWORK = "torch"
NAMESPACE = {"torch": torch}  # what the spelling's trees name
# The table the backend runs, op -> spelling (tests/test_architecture.py reads it here).
FORWARD = spelling.SPELL


def version() -> str:
    return f"torch {torch.__version__}"


def device() -> str:
    return "cpu"


def unsupported(case: Case) -> str | None:
    problem = spelling.program_problem(case.program.eqns if case.program else ())
    if problem:
        return problem
    spec = case.optimizer
    return spelling.unsupported(spec.name, _hyperparameters(spec)) if spec else None


def _hyperparameters(spec: Any) -> dict[str, Any]:
    return optim.hyperparameters(spec.name, spec.hparams)


def program(case: Case) -> Runner:
    """The case's program as the spelling's trees, bound to torch."""
    return Runner(case, lower(case, spelling.SPELL), NAMESPACE)


def _reduced(value: torch.Tensor, reduce: str) -> torch.Tensor:
    """What is differentiated; under `none` and `native` the cost itself."""
    return bind(spelling.REDUCE[reduce](Input(0)), NAMESPACE)([value])


# ---- the session ------------------------------------------------------------------------


@contextmanager
def _default_dtype(dtype: torch.dtype) -> Iterator[None]:
    """The case dtype as torch's default while a program runs, so that a float literal
    meeting an integer tensor, or an integer tensor made floating, is in the case dtype; a
    complex case's real dtype (complex64: float32), since torch's default must be a float."""
    previous = torch.get_default_dtype()
    torch.set_default_dtype(dtype.to_real() if dtype.is_complex else dtype)
    try:
        yield
    finally:
        torch.set_default_dtype(previous)


def _numpy(t: torch.Tensor) -> np.ndarray:
    # a copy: the optimizer updates params in place; force: torch.sgn's gradient (and some
    # double backwards) is a ZeroTensor, which has no data to share
    return t.detach().cpu().numpy(force=True).copy()


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
        self.user = implementations.function_of(implementation)
        self.dtype = getattr(torch, case.dtype)
        self.inputs = {k: torch.tensor(v) for k, v in case.inputs.items()}
        self._params = {
            k: torch.tensor(v, requires_grad=k in case.wrt) for k, v in case.params.items()
        }
        self.program = program(case) if self.user is None else None
        spec = case.optimizer
        self.optimizer = _optimizer(spec, [self._params[k] for k in case.wrt]) if spec else None

    def evaluate(self) -> Evaluation:
        c = self.case
        wrt = {k: self._params[k] for k in c.wrt}
        for p in wrt.values():
            p.grad = None
        with _default_dtype(self.dtype):
            value = self._value({})
            target = _reduced(value, c.reduce)
            # a non-scalar target (reduce: native) goes to torch as is: torch refuses it
            if target.requires_grad or target.numel() != 1:
                target.backward()
        # A param the cost does not reach keeps grad None, so torch.optim skips it (no
        # momentum, no weight decay), as it does for a user; its gradient reads as zero.
        grads = {k: _numpy(p) * 0 if p.grad is None else _numpy(p.grad) for k, p in wrt.items()}
        return Evaluation(_numpy(value), float(target.detach()), grads)

    def _value(self, wrt: Mapping[str, torch.Tensor]) -> torch.Tensor:
        """The cost before reduction, `wrt` in place of those params (none: the session's)."""
        value = self._forward({**self.inputs, **self._params, **wrt})
        if not torch.is_tensor(value):  # a cost written as a number: real, the default dtype
            value = torch.as_tensor(value, dtype=torch.get_default_dtype())
        return value

    def jvp(self, tangent: Mapping[str, np.ndarray]) -> np.ndarray:
        """Forward mode (torch.autograd.forward_ad): d value . tangent, the cost before
        reduction; params not in `wrt` held constant. See torch_higher.py."""
        with _default_dtype(self.dtype):
            return torch_higher.jvp(self._value, self._wrt(), tangent)

    def hvp(self, tangent: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The Hessian of the reduced cost times `tangent` (torch.autograd.grad twice)."""
        with _default_dtype(self.dtype):
            target = lambda wrt: _reduced(self._value(wrt), self.case.reduce)  # noqa: E731
            return torch_higher.hvp(target, self._wrt(), tangent)

    def _wrt(self) -> dict[str, torch.Tensor]:
        return {k: self._params[k] for k in self.case.wrt}

    def _forward(self, env: dict[str, torch.Tensor]) -> Any:
        if self.user is None:
            return self.program.run(env)
        value = implementations.call(self.user, env, (*self.case.params, *self.case.inputs))
        return implementations.check_result(value, torch.Tensor, "a torch tensor", "impl:torch")

    def step(self, evaluation: Evaluation) -> None:
        self.optimizer.step()  # reads the .grad that `evaluate` left

    def params(self) -> dict[str, np.ndarray]:
        return {k: _numpy(p) for k, p in self._params.items()}


def _optimizer(spec: Any, params: list[torch.Tensor]) -> torch.optim.Optimizer:
    """torch.optim's class, built from the spelling's tree (what repro prints)."""
    return bind(spelling.OPTIMIZERS[spec.name](_hyperparameters(spec)), NAMESPACE)([params])


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
        value = program(case).run(env)
        target = _reduced(value, case.reduce)
        keys = [k for k in wanted if torch.is_tensor(env.get(k)) and env[k].requires_grad]
        grads = torch.autograd.grad(target, [env[k] for k in keys], allow_unused=True)
    return {
        k: np.zeros_like(wanted[k].value) if g is None else g.detach().numpy()
        for k, g in zip(keys, grads, strict=True)
    }
