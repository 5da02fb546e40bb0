"""fd's values: a cost reduced (complex or batched), the elements zeroed within their error
estimate, the values stop_gradient holds at the unperturbed params."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .np_engine import reduced

if TYPE_CHECKING:
    from ..case import Case


def _held(case: Case, run: Any) -> dict[str, np.ndarray]:
    """stop_gradient's results at the unperturbed params: constants to fd, whatever the
    perturbation (a real step would move them, and a complex step's real part is no
    help to central differences)."""
    eqns = case.program.eqns
    return {e.out: run.env[e.out] for e in eqns if e.op == "stop_gradient"}


def _zeroed(grad: np.ndarray, error: np.ndarray, quantity: str) -> tuple[np.ndarray, list[str]]:
    """Elements within their own error estimate of 0 are 0: where the exact gradient is 0,
    central differences give rounding noise (1e-11), which an adaptive optimizer (Adagrad,
    Adam, RMSprop: g / sqrt(g^2)) would turn into a full step. Said in the report. A
    complex gradient's real and imaginary parts are each held to the estimate."""
    if np.iscomplexobj(grad):
        re, said = _zeroed(grad.real, error, f"{quantity} (real part)")
        im, more = _zeroed(grad.imag, error, f"{quantity} (imaginary part)")
        return re + 1j * im, said + more
    zero = (np.abs(grad) <= error) & (grad != 0)
    if not zero.any():
        return grad, []
    count, bound = int(zero.sum()), float(np.max(error[zero]))
    which = f"{count} of {grad.size} elements" if grad.size > 1 else "its value"
    note = f"{quantity}: {which} within fd's error estimate of 0 (<= {bound:.2g}), reported as 0"
    return np.where(zero, 0.0, grad), [note]


# ---- reducing a cost, complex or batched ---------------------------------------------------


def _reduce(value: np.ndarray, reduce: str) -> Any:
    """`np_engine.reduced` that keeps a complex cost complex."""
    if np.iscomplexobj(value):
        return np.mean(value) if reduce == "mean" else np.sum(value)
    return reduced(value, reduce)


def _reduce_rows(values: np.ndarray, reduce: str) -> np.ndarray:
    axes = tuple(range(1, values.ndim))
    with np.errstate(all="ignore"):
        return np.mean(values, axis=axes) if reduce == "mean" else np.sum(values, axis=axes)
