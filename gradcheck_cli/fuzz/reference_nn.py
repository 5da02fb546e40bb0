"""Plain NumPy (and scipy.special) for the jax.nn-style functions of `ops.NN` that NumPy
lacks, written from their definitions, independent of the numpy backend's rules; merged
into `reference._OWN`."""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.special

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _elu(x: Any, alpha: float = 1.0) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    return np.where(x > 0, x, alpha * (np.exp(np.minimum(x, 0)) - 1))


def _gelu(x: Any, approximate: bool = True) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if approximate:
        return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)))
    return x * scipy.special.ndtr(x)


def _one_hot(x: Any, num_classes: int) -> np.ndarray:
    x = np.asarray(x)
    if x.dtype.kind not in "iu":
        raise TypeError("one_hot takes integer labels")
    return (x[..., None] == np.arange(num_classes)).astype(float)


NN: dict[str, Any] = {
    "log_sigmoid": lambda x: np.log(scipy.special.expit(np.asarray(x, dtype=float))),
    "silu": lambda x: np.asarray(x, dtype=float) * scipy.special.expit(x),
    "gelu": _gelu,
    "elu": _elu,
    "celu": lambda x, alpha=1.0: np.maximum(x, 0) + alpha * np.expm1(np.minimum(x, 0) / alpha),
    "selu": lambda x: _SELU_SCALE * _elu(x, _SELU_ALPHA),
    "leaky_relu": lambda x, negative_slope=0.01: np.where(
        np.asarray(x) >= 0, x, negative_slope * np.asarray(x, dtype=float)
    ),
    "softsign": lambda x: np.asarray(x, dtype=float) / (1 + np.abs(x)),
    "relu6": lambda x: np.clip(np.asarray(x, dtype=float), 0, 6),
    "hard_tanh": lambda x: np.clip(np.asarray(x, dtype=float), -1, 1),
    "one_hot": _one_hot,
    "stop_gradient": lambda x: np.array(x),
}
