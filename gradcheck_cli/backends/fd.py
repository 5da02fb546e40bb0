"""The `fd` backend: a numerical oracle in float64 that uses no autodiff.

The cost is evaluated with the project's own forward rules only (`np_engine.forward`, or
`fd_batch` for many perturbations at once), params and inputs converted to float64 exactly.
The method is the option `fd_method`, reported as the evaluation's `method`:

- `central`: each element gets a step scaled to its magnitude, h = cbrt(eps) * max(|x|, 1),
  rounded so that x + h - x == h. Differences at h and 2h give an error estimate: the
  truncation error of D(h) is about (D(2h) - D(h)) / 3, and rounding adds about
  eps * |f| / h. While truncation dominates, the step shrinks 8x (up to 4 sizes), and the
  estimate with the smallest total is kept.
- `complex`: the complex step, Im f(x + ih) / h with a tiny h: no difference is taken, so
  nothing cancels, and it is exact to rounding where f is analytic. It applies where every
  op is analytic and NumPy's rule takes complex numbers (`fd_methods.COMPLEX_OPS`), no op
  is at the edge of its real domain (sqrt or log at 0, a power of a non-positive base with
  a variable exponent...), and the real part of each perturbed cost is the cost (a branch
  cut would show there); elsewhere central differences are used (and where `complex` was
  asked for, the evaluation's `note` says why).
- `richardson`: central differences at h, h/2 and h/4, h = eps^(1/7) * max(|x|, 1),
  combined to cancel the h^2 and h^4 terms; the error estimate is the last change plus
  the rounding the combination amplifies.
- `auto` (the default): complex where it applies, else central.

The perturbations of a param (or the directions) are stacked along a new axis and evaluated
at once, in chunks of about `BATCH_BYTES` of values; a program with no batched form, or one
whose first batched row differs from a plain evaluation, is evaluated perturbation by
perturbation (option `fd_batch: false` forces that).

`stop_gradient(x)` is a constant to fd: its result is taken from the unperturbed run and
held whatever the perturbation, in every method and path (a complex step's real part would
do for the complex step alone; central differences would move it).

Above `FULL_LIMIT` differentiated elements (or with `fd_mode: directional`), it checks
random projections instead (PyTorch's fast mode): for a few unit directions v, it gives
the directional derivative d/dt f(x + t v), which the comparison matches against v . grad
of every other backend. Such a run computes no params, so the optimizer is not stepped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import optim
from ..errors import UsageError
from ..results import FdDetail
from . import fd_batch, fd_directional, fd_higher, fd_methods, plain_forward
from .np_engine import Forward, forward, reduced

if TYPE_CHECKING:
    from ..case import Case
from .fd_values import _held, _reduce, _reduce_rows, _zeroed

FRAMEWORK = None
FULL_LIMIT = 4096  # differentiated elements above which `auto` checks projections
DIRECTIONS = 4
METHODS = ("auto", "central", "complex", "richardson")
BATCH_BYTES = 64 * 2**20  # values held per chunk of a batched evaluation

Rows = Callable[[int, int], dict[str, np.ndarray]]  # (start, stop) -> stacked params


def version() -> str:
    return f"finite differences, float64 (numpy {np.__version__})"


def device() -> str:
    return "cpu"


def unsupported(case: Case) -> str | None:
    return None


@dataclass
class Evaluation:
    value: np.ndarray
    cost: float
    grads: dict[str, np.ndarray] | None
    fd: FdDetail  # the method, the error estimate, the projections
    notes: list[str] = field(default_factory=list)  # what a report should say (zeroed elements)


def _to64(array: np.ndarray) -> np.ndarray:
    if array.dtype.kind == "c":
        return array.astype(np.complex128, copy=False)  # (v2) complex64 widened exactly
    return array.astype(np.float64, copy=False) if array.dtype.kind == "f" else array


class FdSession:
    def __init__(self, case: Case, options: Mapping[str, Any] | None = None):
        options = options or {}
        self.case = case
        self.inputs = {k: _to64(v) for k, v in case.inputs.items()}
        self._params = {k: _to64(v) for k, v in case.params.items()}
        size = sum(self._params[k].size for k in case.wrt)
        mode = options.get("fd_mode", "auto")
        self.directional = mode == "directional" or (mode == "auto" and size > FULL_LIMIT)
        if case.dtype.startswith("complex"):
            self.directional = False  # (v2) each real and imaginary part, element by element
        self.directions = int(options.get("fd_directions", DIRECTIONS))
        self.asked = options.get("fd_method", "auto")
        if self.asked not in METHODS:
            raise UsageError(f"fd_method {self.asked!r}: choose one of {', '.join(METHODS)}")
        self.batch = bool(options.get("fd_batch", True))
        self.verified = False  # whether a batched row has been checked against a plain run
        self.fixed: dict[str, np.ndarray] = {}  # stop_gradient's results at the params
        self.chunk = 1
        self.higher_detail: dict[str, Any] = {}  # jvp and hvp: method and error estimate
        spec = case.optimizer
        self.optimizer = optim.make(spec.name, spec.hparams) if spec else None
        # without a cost, the forward of one of the user's implementations, one row at a
        # time by central differences (their code takes neither batches nor complex numbers)
        self.impl = options.get("implementation")
        self.forward = plain_forward(self.impl, case) if self.impl is not None else None
        if self.forward is not None:
            self.batch, self.asked = False, "central" if self.asked == "auto" else self.asked

    # ---- evaluating the cost: one plain run, or many perturbations at once ----------------

    def _run(self, params: Mapping[str, np.ndarray]) -> Any:
        """A plain run; its tape lists the values a perturbation changes (each is batched)."""
        env = {**self.inputs, **params}
        if self.forward is not None:
            return Forward(env, (), self.forward(env))
        return forward(self.case.program, env, self.case.wrt)

    def _plain_cost(self, stacked: Mapping[str, np.ndarray], row: int) -> Any:
        """One perturbation, by the plain rules (`fd_batch` with nothing batched drops each
        value after its last use, where `forward` keeps them all)."""
        # `v[row, ...]`, not `v[row]`: a 0-d param's row must stay an array, or the rules
        # would read a NumPy scalar as a constant and drop its imaginary part
        env = {**self.inputs, **self._params, **{k: v[row, ...] for k, v in stacked.items()}}
        if self.forward is not None:
            return _reduce(self.forward(env), self.case.reduce)
        value, _ = fd_batch.evaluate(self.case.program, env, (), self.fixed)
        return _reduce(np.asarray(value), self.case.reduce)

    def _costs(self, count: int, rows: Rows) -> np.ndarray:
        """The reduced cost at each of `count` perturbed params; `rows(start, stop)` gives
        each perturbed param's values, stacked along a new leading axis."""
        if self.batch:
            try:
                return self._batched_costs(count, rows)
            except fd_batch.Unbatchable:
                self.batch = False
        costs = []
        for j in range(count):
            costs.append(self._plain_cost(rows(j, j + 1), 0))
        return np.array(costs)

    def _batched_costs(self, count: int, rows: Rows) -> np.ndarray:
        out = []
        for start in range(0, count, self.chunk):
            stop = min(count, start + self.chunk)
            stacked = rows(start, stop)
            env = {**self.inputs, **self._params, **stacked}
            value, batched = fd_batch.evaluate(self.case.program, env, stacked, self.fixed)
            value = value if batched else np.broadcast_to(value, (stop - start, *np.shape(value)))
            out.append(_reduce_rows(np.asarray(value), self.case.reduce))
        costs = np.concatenate(out)
        if not self.verified:
            self._verify(costs[0], rows(0, 1))
        return costs

    def _verify(self, batched: Any, stacked: Mapping[str, np.ndarray]) -> None:
        """The first batched row against a plain run: a safety net under the batched rules."""
        plain = self._plain_cost(stacked, 0)
        if not np.isclose(batched, plain, rtol=1e-9, atol=0, equal_nan=True):
            raise fd_batch.Unbatchable(f"a batched row gave {batched}, a plain run {plain}")
        self.verified = True

    def _size_chunks(self, run: Any, itemsize: int) -> None:
        """Rows per batched evaluation: BATCH_BYTES over the bytes of the values one row
        holds (the params' and those computed from them; constants are not batched)."""
        size = sum(self._params[k].size for k in self.case.wrt)
        size += sum(np.size(entry.ans) for entry in run.tape)
        self.chunk = max(1, BATCH_BYTES // (size * itemsize))

    # ---- the gradient ------------------------------------------------------------------

    def evaluate(self) -> Evaluation:
        run = self._run(self._params)
        self.fixed = _held(self.case, run) if self.forward is None else {}
        value = run.value
        cost = reduced(value, self.case.reduce)
        method, note = self._method(run.env)
        self._size_chunks(run, 16 if method == "complex" else 8)
        del run  # its intermediates: a large case should not hold them through the rest
        if self.directional:
            projections, method = self._projections(cost, method)
            return Evaluation(value, cost, None, FdDetail(method, projections=projections))
        grads, errors, used, zeroed = {}, {}, {}, []
        for name in self.case.wrt:
            grad, errors[name], m = self._gradient(name, cost, method)
            grads[name], said = _zeroed(grad, errors[name], f"grad[{name}]")
            zeroed += said
            used[m] = True
        if method == "complex" and "central" in used:
            note = "a complex step's real part was not the cost (a branch cut?)"
        method = ", ".join(used) or method
        if self.impl is not None:  # the report names what fd differentiated
            zeroed.insert(0, f"differentiates {self.impl.row}'s forward ({self.impl.value})")
        return Evaluation(value, cost, grads, FdDetail(method, note, errors), notes=zeroed)

    def _method(self, env: Mapping[str, Any]) -> tuple[str, str]:
        if self.asked in ("central", "richardson"):
            return self.asked, ""
        if any(self._params[k].dtype.kind == "c" for k in self.case.wrt):
            note = (
                "complex params: the complex step does not apply" if self.asked == "complex" else ""
            )
            return "central", note
        if self.forward is not None:
            return "central", "the complex step does not apply to your own code"
        refusal = fd_methods.complex_refusal(self.case.program, env)
        if not refusal:
            return "complex", ""
        return "central", refusal if self.asked == "complex" else ""

    def _gradient(self, name: str, f0: float, method: str) -> tuple[Any, Any, str]:
        x = self._params[name]
        if x.dtype.kind == "c":
            return self._complex_gradient(name, f0, method)
        if method == "complex":
            grad, error = fd_methods.complex_step(self._element_costs(name), x.reshape(-1), f0)
            if grad is None:
                method = "central"  # a branch cut: the real parts were not the cost
        if method == "central":
            grad, error = fd_methods.central(self._element_costs(name), x.reshape(-1), f0)
        elif method == "richardson":
            grad, error = fd_methods.richardson(self._element_costs(name), x.reshape(-1), f0)
        return grad.reshape(x.shape), error.reshape(x.shape), method

    def _complex_gradient(self, name: str, f0: float, method: str) -> tuple[Any, Any, str]:
        """(v2) dL/dx + i dL/dy of a complex param z = x + iy: each part perturbed in turn,
        by central differences (or Richardson), the steps scaled to that part."""
        x = self._params[name]
        differences = fd_methods.richardson if method == "richardson" else fd_methods.central
        flat = x.reshape(-1)
        d_re, e_re = differences(self._element_costs(name), flat.real.copy(), f0)
        d_im, e_im = differences(self._element_costs(name, 1j), flat.imag.copy(), f0)
        grad = (d_re + 1j * d_im).reshape(x.shape)
        error = np.maximum(e_re, e_im).reshape(x.shape)
        return grad, error, "central" if method != "richardson" else method

    def _element_costs(
        self, name: str, unit: complex = 1
    ) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
        """costs(index, steps): the cost with element index[j] of `name` moved by steps[j]
        (times `unit`: 1j moves the imaginary part of a complex param)."""
        x = self._params[name]
        flat = x.reshape(1, -1)

        def costs(index: np.ndarray, steps: np.ndarray) -> np.ndarray:
            steps = steps * unit if unit != 1 else steps

            def rows(start: int, stop: int) -> dict[str, np.ndarray]:
                stacked = np.empty((stop - start, flat.size), np.result_type(flat, steps))
                stacked[:] = flat
                stacked[np.arange(stop - start), index[start:stop]] += steps[start:stop]
                return {name: stacked.reshape((stop - start, *x.shape))}

            return self._costs(len(index), rows)

        return costs

    # ---- the directional mode: fd_directional ---------------------------------------------

    def _projections(self, f0: float, method: str) -> tuple[list[Any], str]:
        return fd_directional.projections(self, f0, method)

    # ---- jvp and hvp (v2 checks): fd_higher ----------------------------------------------

    def jvp(self, tangent: Mapping[str, np.ndarray]) -> np.ndarray:
        value, method, error = fd_higher.jvp(self, tangent)
        self.higher_detail.update({"jvp method": method, "jvp error": error})
        return value

    def hvp(self, tangent: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        value, method, error = fd_higher.hvp(self, tangent)
        self.higher_detail.update({"hvp method": method, "hvp error": error})
        return value

    # ---- the optimizer -------------------------------------------------------------------

    def step(self, evaluation: Evaluation) -> None:
        wrt = {k: self._params[k] for k in self.case.wrt}
        self._params.update(self.optimizer.step(wrt, evaluation.grads))

    def params(self) -> dict[str, np.ndarray]:
        return {k: v.copy() for k, v in self._params.items()}


def start(case: Case, options: Mapping[str, Any] | None = None) -> FdSession:
    return FdSession(case, options)
