"""The script a user would write by hand to check gradients across frameworks, the baseline
of the whole-run benchmark: per case, torch `autograd.grad`, eager `jax.grad`,
`tf.GradientTape` and a central-difference loop in NumPy, compared with `allclose`.

It runs the 50 expressions of `benchmarks/corpus.py` (the same numbers as the case files
`gradcheck run` reads), prints one line a case, and exits 1 if any pair disagrees.
Run it as a whole process: `python benchmarks/handwritten.py`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import jax.scipy.special  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import torch  # noqa: E402

from benchmarks import corpus  # noqa: E402

jax.config.update("jax_enable_x64", True)


def _np_logsumexp(z):
    top = np.max(z)
    return np.log(np.sum(np.exp(z - top))) + top


def _np_softmax(z):
    e = np.exp(z - np.max(z))
    return e / np.sum(e)


NUMPY = {
    **{
        f: getattr(np, f)
        for f in "sum tanh exp sin cos log matmul mean square sqrt maximum".split()
    },
    "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
    "logsumexp": _np_logsumexp,
    "softmax": _np_softmax,
    "relu": lambda z: np.maximum(z, 0),
}
TORCH = {
    **{
        f: getattr(torch, f)
        for f in "sum tanh exp sin cos log matmul mean square sqrt maximum".split()
    },
    "sigmoid": torch.sigmoid,
    "logsumexp": lambda z: torch.logsumexp(z, 0),
    "softmax": lambda z: torch.softmax(z, 0),
    "relu": torch.relu,
}
JAX = {
    **{
        f: getattr(jnp, f)
        for f in "sum tanh exp sin cos log matmul mean square sqrt maximum".split()
    },
    "sigmoid": jax.nn.sigmoid,
    "logsumexp": jax.scipy.special.logsumexp,
    "softmax": jax.nn.softmax,
    "relu": jax.nn.relu,
}
TF = {
    "sum": tf.reduce_sum,
    "mean": tf.reduce_mean,
    "matmul": tf.linalg.matvec,
    "log": tf.math.log,
    "logsumexp": tf.reduce_logsumexp,
    "softmax": tf.nn.softmax,
    "relu": tf.nn.relu,
    **{f: getattr(tf, f) for f in "tanh exp sin cos square sqrt maximum sigmoid".split()},
}


def function(expr: str, names: dict):
    return eval(f"lambda w, W, x: {expr}", dict(names))  # the user's own expression text


def central(f, values: dict, name: str, h: float = 1e-6) -> np.ndarray:
    grad = np.zeros_like(values[name])
    for i in np.ndindex(grad.shape):
        plus, minus = dict(values), dict(values)
        plus[name], minus[name] = values[name].copy(), values[name].copy()
        plus[name][i] += h
        minus[name][i] -= h
        grad[i] = (f(**plus) - f(**minus)) / (2 * h)
    return grad


def gradients(expr: str, values: dict, wrt: list[str]) -> dict[str, list[np.ndarray]]:
    t = {k: torch.tensor(v, requires_grad=k in wrt) for k, v in values.items()}
    grads = torch.autograd.grad(function(expr, TORCH)(**t), [t[k] for k in wrt])
    out = {"torch": [g.numpy() for g in grads]}
    fj = function(expr, JAX)
    argnums = tuple(["w", "W", "x"].index(k) for k in wrt)
    args = [jnp.asarray(values[k]) for k in ("w", "W", "x")]
    out["jax"] = [np.asarray(g) for g in jax.grad(fj, argnums)(*args)]
    variables = {k: tf.Variable(v) if k in wrt else tf.constant(v) for k, v in values.items()}
    with tf.GradientTape() as tape:
        cost = function(expr, TF)(**variables)
    out["tensorflow"] = [g.numpy() for g in tape.gradient(cost, [variables[k] for k in wrt])]
    out["fd"] = [central(function(expr, NUMPY), values, k) for k in wrt]
    return out


def main() -> int:
    failed = 0
    for spec in corpus.specs():
        shapes, seeds = corpus.arrays(spec), corpus.seeds(spec)
        values = {k: np.random.default_rng(seeds[k]).normal(size=s) for k, s in shapes.items()}
        wrt = ["w", "W"] if "W" in spec.expr else ["w"]
        grads = gradients(spec.expr, values, wrt)
        ok = all(
            np.allclose(g, ref, rtol=1e-5, atol=1e-7)
            for name, gs in grads.items()
            for g, ref in zip(gs, grads["fd"], strict=True)
        )
        failed += not ok
        print(f"{'PASS' if ok else 'FAIL'}  {spec.name}")
    print(f"{len(corpus.specs()) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
