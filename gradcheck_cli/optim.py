"""The torch.optim update rules in NumPy, for the `numpy` and `fd` backends.

Each rule follows torch 2.13's single-tensor CPU path (`_single_tensor_sgd` and its
siblings; maximize, foreach, fused and capturable off) operation by operation, so that a
float32 run agrees with `torch.optim` to the last bit or within an ulp or two. Two
details of torch's CPU kernels matter for that: a Python scalar is rounded to the tensor's
dtype before it is used, which NumPy 2 does too (a Python float is a weak scalar); and
`add(alpha=)`, `addcmul` and `lerp` round `x * y + z` once (a fused multiply-add), which
`_fma` reproduces for float32 through exact float64 products. Scalars that torch computes
in Python (bias corrections, step sizes, `1 - lr * weight_decay`) are Python floats here.
SGD then matches torch's float32 to the bit; Adam, AdamW, RMSprop and Adagrad within a
few ulps, because torch's CPU `sqrt` goes through MKL's vector library, which is not
correctly rounded (errors of 0.6 ulp seen) where `np.sqrt` is.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

import numpy as np


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()  # a default meaning "the case must give it" (sgd's lr)

HYPERPARAMETERS: dict[str, dict[str, object]] = {
    "sgd": {
        "lr": REQUIRED,
        "momentum": 0.0,
        "dampening": 0.0,
        "nesterov": False,
        "weight_decay": 0.0,
    },
    "adam": {
        "lr": 1e-3,
        "betas": (0.9, 0.999),
        "eps": 1e-8,
        "weight_decay": 0.0,
        "amsgrad": False,
    },
    "adamw": {
        "lr": 1e-3,
        "betas": (0.9, 0.999),
        "eps": 1e-8,
        "weight_decay": 1e-2,
        "amsgrad": False,
    },
    "rmsprop": {"lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "momentum": 0.0, "centered": False},
    "adagrad": {"lr": 1e-2, "eps": 1e-10, "initial_accumulator_value": 0.0},
}

_AMSGRAD = "AMSGrad is {name: adam, amsgrad: true}"


# --- validation ---------------------------------------------------------------------------


def _is_number(value: object) -> bool:
    # bool is an int subclass, but `momentum: true` is a mistake, not 1.0
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _type_problem(key: str, value: object, default: object) -> str | None:
    """What is wrong with the type of `value`, judged by the kind of the default."""
    if isinstance(default, bool):
        if not isinstance(value, bool):
            return f"'{key}' must be true or false, not {type(value).__name__} ({value!r})"
    elif isinstance(default, tuple):
        if not (
            isinstance(value, (list, tuple)) and len(value) == 2 and all(map(_is_number, value))
        ):
            return f"'{key}' must be a list of two numbers, like [0.9, 0.999], not {value!r}"
    elif not _is_number(value):
        return f"'{key}' must be a number, not {type(value).__name__} ({value!r})"
    return None


def _unknown_key(name: str, key: str) -> str:
    known = list(HYPERPARAMETERS[name])
    close = difflib.get_close_matches(str(key), known, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"unknown {name} hyperparameter {key!r} ({hint}{name} takes: {', '.join(known)})"


def _unknown_optimizer(name: object) -> str:
    known = ", ".join(sorted(HYPERPARAMETERS))
    if isinstance(name, str) and name.lower() == "amsgrad":  # difflib would offer 'adagrad'
        return f"unknown optimizer {name!r} ({_AMSGRAD}; known: {known})"
    close = difflib.get_close_matches(str(name).lower(), sorted(HYPERPARAMETERS), n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"unknown optimizer {name!r} ({hint}known: {known}; {_AMSGRAD})"


def _value_problems(hp: Mapping[str, Any]) -> list[str]:
    """The values torch.optim's constructors refuse (NaN refused too, as `not 0 <= x`)."""
    problems = [
        f"'{key}' must be >= 0, not {value!r} (torch.optim refuses it)"
        for key, value in hp.items()
        if _is_number(value) and key != "dampening" and not value >= 0
    ]
    betas = hp.get("betas", (0.0, 0.0))
    if not all(0 <= b < 1 for b in betas):
        problems.append(f"'betas' must both be in [0, 1), not {list(betas)!r}")
    if hp.get("nesterov") and not (hp["momentum"] > 0 and hp["dampening"] == 0):
        problems.append(
            "nesterov needs momentum > 0 and dampening 0 "
            f"(got momentum {hp['momentum']!r}, dampening {hp['dampening']!r})"
        )
    return problems


def check(name: str, hparams: Mapping[str, object]) -> list[str]:
    """Every problem with optimizer `name` and its hyperparameters, as messages; [] if fine.

    A `name` key in `hparams` is ignored, so the case's whole optimizer mapping may be passed.
    """
    if not isinstance(name, str) or name not in HYPERPARAMETERS:
        return [_unknown_optimizer(name)]
    defaults = HYPERPARAMETERS[name]
    given = {key: value for key, value in hparams.items() if key != "name"}
    problems = [_unknown_key(name, key) for key in given if key not in defaults]
    problems += [
        problem
        for key, value in given.items()
        if key in defaults and (problem := _type_problem(key, value, defaults[key]))
    ]
    problems += [
        f"'{key}' is required for {name}: it has no default"
        for key, default in defaults.items()
        if default is REQUIRED and key not in given
    ]
    if not problems:
        problems = _value_problems({**defaults, **given})
    return problems


# --- the update rules ---------------------------------------------------------------------


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


class Optimizer:
    """One optimizer: its hyperparameters and the per-param state its rule keeps."""

    name = ""

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
            state = self.state.setdefault(key, self._init_state(p))
            state["step"] += 1
            new[key] = np.asarray(self._update(p, g, state))
        return new

    def _init_state(self, p: np.ndarray) -> dict[str, Any]:
        return {"step": 0}

    def _update(self, p: np.ndarray, g: np.ndarray, state: dict[str, Any]) -> np.ndarray:
        raise NotImplementedError


class SGD(Optimizer):
    name = "sgd"

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


def _as_python(value: object) -> object:
    # float(): a NumPy float64 scalar is not weak and would promote float32 arrays
    if isinstance(value, bool):
        return value
    if isinstance(value, (list, tuple)):
        return tuple(float(v) for v in value)
    return float(value)  # type: ignore[arg-type]


def hyperparameters(name: str, hparams: Mapping[str, object]) -> dict[str, Any]:
    """Every table hyperparameter of `name`: the case's value, else the table's default
    (never a framework's own); numbers as Python floats. Every backend passes these."""
    given = {key: value for key, value in hparams.items() if key != "name"}
    return {key: _as_python(value) for key, value in {**HYPERPARAMETERS[name], **given}.items()}


def make(name: str, hparams: Mapping[str, object]) -> Optimizer:
    """A fresh optimizer `name` with `hparams` over the table's defaults; ValueError if invalid."""
    problems = check(name, hparams)
    if problems:
        raise ValueError("; ".join(problems))
    return _CLASSES[name](hyperparameters(name, hparams))


__all__ = ["HYPERPARAMETERS", "REQUIRED", "Optimizer", "check", "hyperparameters", "make"]
