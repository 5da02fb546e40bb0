"""The update rules, operation by operation as torch 2.13's single-tensor CPU path.

A complex param is the pair of its real and imaginary parts, as torch.optim treats one
(`torch.view_as_real` on the param, its grad and its state): the rules step float arrays
of shape `p.shape + (2,)` (the state is kept so) and the result is put back together.
SGD, linear, is the exception torch makes too: it steps the complex tensor itself, whose
`add(alpha=)` is a complex multiply and an add, two roundings (`_fma` fuses float32 only).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np


def _fma(x: Any, y: Any, z: np.ndarray) -> np.ndarray:
    """`x * y + z` in z's dtype, rounded once as torch's CPU kernels do.

    torch's vectorised `add(alpha=)`, `addcmul` and `lerp` use fused multiply-add, and the
    compiler contracts their scalar loops too; NumPy has no fma. For float32 a product of two
    float32 values is exact in float64, so one float64 add and a cast round (almost always)
    as fma does. float64 is left with two roundings: an ulp from torch at most per call.
    """
    z = np.asarray(z)
    if z.dtype != np.float32:
        return x * y + z
    wide = np.asarray(x, np.float32).astype(np.float64) * np.asarray(y, np.float32)
    return (wide + z.astype(np.float64)).astype(np.float32)


def _addcmul(z: np.ndarray, x: np.ndarray, y: np.ndarray, value: float) -> np.ndarray:
    # torch's addcmul kernel: self + value * t1 * t2, the last multiply-add fused
    return _fma(value * x, y, z)


def _addcdiv(z: np.ndarray, x: np.ndarray, y: np.ndarray, value: float) -> np.ndarray:
    # torch's addcdiv kernel: self + value * t1 / t2, in that order (nothing to fuse)
    return z + value * x / y


def _lerp(start: np.ndarray, end: np.ndarray, weight: float) -> np.ndarray:
    """torch.lerp with a scalar weight: the CPU kernel's two branches, each one fma."""
    w = np.asarray(weight, start.dtype)  # rounded to the dtype first, as torch does
    if abs(w) < 0.5:
        return _fma(w, end - start, start)
    return _fma(w - 1, end - start, end)


def _as_real(z: np.ndarray) -> np.ndarray:
    """torch.view_as_real: the parts of each complex element along a new last axis."""
    return np.stack([z.real, z.imag], axis=-1)


def _as_complex(pair: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """torch.view_as_complex, exactly (no arithmetic: an inf part stays alone)."""
    z = np.empty(pair.shape[:-1], dtype=dtype)
    z.real, z.imag = pair[..., 0], pair[..., 1]
    return z


class Optimizer:
    """One optimizer: its hyperparameters and the per-param state its rule keeps."""

    name = ""
    as_pairs = True  # a complex param stepped as its (real, imag) pairs (torch.view_as_real)

    def __init__(self, hparams: Mapping[str, Any]) -> None:
        self.hparams = dict(hparams)
        self.state: dict[str, dict[str, Any]] = {}

    def step(
        self, params: dict[str, np.ndarray], grads: dict[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        """The params after one step; a param without a grad is kept, as torch skips it."""
        new = {}
        for key, param in params.items():
            if key not in grads:
                new[key] = param
                continue
            p = np.asarray(param)
            g = np.asarray(grads[key]).astype(p.dtype, copy=False)
            if g.shape != p.shape:
                raise ValueError(f"grad of {key!r} has shape {g.shape}, the param {p.shape}")
            dtype, pair = p.dtype, p.dtype.kind == "c" and self.as_pairs
            if pair:
                p, g = _as_real(p), _as_real(g)
            state = self.state.setdefault(key, self._init_state(p))
            state["step"] += 1
            out = np.asarray(self._update(p, g, state))
            new[key] = _as_complex(out, dtype) if pair else out
        return new

    def _init_state(self, p: np.ndarray) -> dict[str, Any]:
        return {"step": 0}

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any]) -> np.ndarray:
        raise NotImplementedError


class SGD(Optimizer):
    name = "sgd"
    as_pairs = False  # torch's _single_tensor_sgd has no view_as_real

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any]) -> np.ndarray:
        h = self.hparams
        if h["weight_decay"] != 0:
            g = _fma(p, h["weight_decay"], g)
        if h["momentum"] != 0:
            # the first buffer is the gradient itself, not (1 - dampening) * g
            buf = state.get("momentum_buffer")
            buf = g.copy() if buf is None else _fma(g, 1 - h["dampening"], buf * h["momentum"])
            state["momentum_buffer"] = buf
            g = _fma(buf, h["momentum"], g) if h["nesterov"] else buf
        return _fma(g, -h["lr"], p)


class Adam(Optimizer):
    """Adam; AdamW is Adam with decoupled weight decay, as in torch 2.13's adamw.py."""

    name = "adam"
    decoupled = False

    def _init_state(self, p: np.ndarray) -> dict[str, Any]:
        state = {"step": 0, "exp_avg": np.zeros_like(p), "exp_avg_sq": np.zeros_like(p)}
        if self.hparams["amsgrad"]:
            state["max_exp_avg_sq"] = np.zeros_like(p)
        return state

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any]) -> np.ndarray:
        h = self.hparams
        lr, (beta1, beta2), step = h["lr"], h["betas"], float(state["step"])
        if h["weight_decay"] != 0:
            if self.decoupled:
                p = p * (1 - lr * h["weight_decay"])
            else:
                g = _fma(p, h["weight_decay"], g)
        state["exp_avg"] = _lerp(state["exp_avg"], g, 1 - beta1)
        state["exp_avg_sq"] = _addcmul(state["exp_avg_sq"] * beta2, g, g, 1 - beta2)
        # Python floats, as in torch's non-capturable branch (step comes from .item())
        step_size = lr / (1 - beta1**step)
        bias_correction2_sqrt = (1 - beta2**step) ** 0.5
        second = state["exp_avg_sq"]
        if h["amsgrad"]:
            second = state["max_exp_avg_sq"] = np.maximum(state["max_exp_avg_sq"], second)
        denom = np.sqrt(second) / bias_correction2_sqrt + h["eps"]
        return _addcdiv(p, state["exp_avg"], denom, -step_size)


class AdamW(Adam):
    name = "adamw"
    decoupled = True


class RMSprop(Optimizer):
    name = "rmsprop"

    def _init_state(self, p: np.ndarray) -> dict[str, Any]:
        # unlike SGD's, this momentum buffer starts at zero
        state = {"step": 0, "square_avg": np.zeros_like(p)}
        if self.hparams["momentum"] > 0:
            state["momentum_buffer"] = np.zeros_like(p)
        if self.hparams["centered"]:
            state["grad_avg"] = np.zeros_like(p)
        return state

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any]) -> np.ndarray:
        h = self.hparams
        alpha = h["alpha"]
        square_avg = _addcmul(state["square_avg"] * alpha, g, g, 1 - alpha)
        state["square_avg"] = square_avg
        if h["centered"]:
            grad_avg = state["grad_avg"] = _lerp(state["grad_avg"], g, 1 - alpha)
            avg = np.sqrt(_addcmul(square_avg, grad_avg, grad_avg, -1))
        else:
            avg = np.sqrt(square_avg)
        avg = avg + h["eps"]
        if h["momentum"] > 0:
            buf = state["momentum_buffer"] = state["momentum_buffer"] * h["momentum"] + g / avg
            return _fma(buf, -h["lr"], p)
        return _addcdiv(p, g, avg, -h["lr"])


class Adagrad(Optimizer):
    name = "adagrad"

    def _init_state(self, p: np.ndarray) -> dict[str, Any]:
        return {"step": 0, "sum": np.full_like(p, self.hparams["initial_accumulator_value"])}

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any]) -> np.ndarray:
        state["sum"] = _addcmul(state["sum"], g, g, 1)
        std = np.sqrt(state["sum"]) + self.hparams["eps"]
        # torch's clr = lr / (1 + (step - 1) * lr_decay) is lr itself: lr_decay is fixed at 0
        return _addcdiv(p, g, std, -self.hparams["lr"])


_CLASSES: dict[str, type[Optimizer]] = {
    cls.name: cls for cls in (SGD, Adam, AdamW, RMSprop, Adagrad)
}
