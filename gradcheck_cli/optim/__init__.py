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

from .check import check
from .make import hyperparameters, make
from .rules import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop
from .table import HYPERPARAMETERS, REQUIRED

__all__ = [
    "HYPERPARAMETERS", "REQUIRED", "SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop",
    "check", "hyperparameters", "make",
]  # fmt: skip
