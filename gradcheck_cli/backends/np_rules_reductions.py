"""The numpy engine's reductions (sum, mean, prod, max, min, argmax, argmin, logsumexp,
softmax, log_softmax) and cumsum: forward, VJP and explain's phrase for the VJP, per op.

Each forward is NumPy's own (jax's for logsumexp, softmax, log_softmax); each VJP returns
one cotangent, in the input's shape and dtype (None for an input that takes none). On
complex numbers the holomorphic ones conjugate their Jacobian (torch's convention); max and
min order complex numbers as NumPy does (lexicographically), which torch refuses.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from .np_rules_common import (
    Rule,
    axis_text,
    cj,
    fit,
    is_diff,
    plain,
    reduced_axes,
    spread,
    vjp_none,
)


def vjp_sum(g, ans, a, axis=None, keepdims=False):
    return (fit(np.broadcast_to(spread(g, a, axis, keepdims), np.shape(a)), a),)


def vjp_mean(g, ans, a, axis=None, keepdims=False):
    count = int(np.prod([np.shape(a)[i] for i in reduced_axes(axis, np.ndim(a))]))
    return (fit(np.broadcast_to(spread(g, a, axis, keepdims) / count, np.shape(a)), a),)


def vjp_prod(g, ans, a, axis=None, keepdims=False):
    """Each element gets the product of the others in its slice, computed from exclusive
    cumulative products from both ends, so one zero (or two) is exact, never ans / a."""
    if not is_diff(a):
        return (None,)
    axes = reduced_axes(axis, a.ndim)
    kept = [i for i in range(a.ndim) if i not in axes]
    moved = np.transpose(a, kept + list(axes))
    n = int(np.prod([a.shape[i] for i in axes]))
    flat = moved.reshape(moved.shape[: len(kept)] + (n,))
    others = _exclusive_cumprod(flat) * _exclusive_cumprod(flat[..., ::-1])[..., ::-1]
    others = np.transpose(others.reshape(moved.shape), np.argsort(kept + list(axes)))
    return (fit(spread(g, a, axis, keepdims) * cj(others), a),)


def _exclusive_cumprod(x: np.ndarray) -> np.ndarray:
    out = np.ones_like(x)
    out[..., 1:] = np.cumprod(x[..., :-1], axis=-1)
    return out


def vjp_extremum(g, ans, a, axis=None, keepdims=False):
    """max and min: tied extrema share the gradient evenly (torch.amax's convention)."""
    hit = a == spread(ans, a, axis, keepdims)
    count = np.sum(hit, axis=reduced_axes(axis, np.ndim(a)), keepdims=True)
    return (fit(spread(g, a, axis, keepdims) * hit / count, a),)


def logsumexp(a, axis=None, keepdims=False):
    """jax.scipy.special.logsumexp: shifted by the max, a non-finite max replaced by 0 so
    that all -inf gives log(0) = -inf rather than NaN."""
    a = np.asarray(a)
    top = np.max(a.real, axis=axis, keepdims=True)
    top = np.where(np.isfinite(top), top, 0)
    out = np.log(np.sum(np.exp(a - top), axis=axis, keepdims=True)) + top
    return np.asarray(out if keepdims else np.squeeze(out, axis=reduced_axes(axis, a.ndim)))


def vjp_logsumexp(g, ans, a, axis=None, keepdims=False):
    s = spread(ans, a, axis, keepdims)
    return (fit(spread(g, a, axis, keepdims) * cj(np.exp(a - s)), a),)


def softmax(x, axis=-1):
    """jax.nn.softmax: shifted by the max (of the real part, so complex steps pass)."""
    x = np.asarray(x)
    e = np.exp(x - np.max(x.real, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def vjp_softmax(g, ans, x, axis=-1):
    s = cj(ans)
    return (fit(s * (g - np.sum(g * s, axis=axis, keepdims=True)), x),)


def log_softmax(x, axis=-1):
    """jax.nn.log_softmax: the shifted input minus the log of its summed exponentials."""
    x = np.asarray(x)
    shifted = x - np.max(x.real, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def vjp_log_softmax(g, ans, x, axis=-1):
    return (fit(g - cj(np.exp(ans)) * np.sum(g, axis=axis, keepdims=True), x),)


def vjp_cumsum(g, ans, a, axis=None):
    if axis is None:  # NumPy flattened a first
        return (fit(np.cumsum(g[::-1])[::-1].reshape(np.shape(a)), a),)
    return (fit(np.flip(np.cumsum(np.flip(g, axis), axis=axis), axis), a),)


def _mean_text(e) -> str:
    return f"{e.g} / {e.entry.args[0].size // max(e.entry.ans.size, 1)} broadcast to {e.shape()}"


def _softmax_text(e) -> str:
    return f"{e.ans} * ({e.g} - sum({e.g} * {e.ans}{axis_text(e)}, keepdims=True))"


def _log_softmax_text(e) -> str:
    return f"{e.g} - exp({e.ans}) * sum({e.g}{axis_text(e)}, keepdims=True)"


def _np(fn, vjp, text=None, batch=None) -> Rule:
    return Rule(partial(plain, fn), vjp, text=text, batch=batch)


RULES: dict[str, Rule] = {
    "sum": _np(np.sum, vjp_sum, lambda e: f"{e.g} broadcast to {e.shape()}"),
    "mean": _np(np.mean, vjp_mean, _mean_text),
    "prod": _np(
        np.prod, vjp_prod, lambda e: f"{e.g} * (the product of the other elements of {e.args[0]})"
    ),
    "max": _np(
        np.max, vjp_extremum, lambda e: f"{e.g} to the maxima of {e.args[0]}, split among ties"
    ),
    "min": _np(
        np.min, vjp_extremum, lambda e: f"{e.g} to the minima of {e.args[0]}, split among ties"
    ),
    "argmax": _np(np.argmax, vjp_none),
    "argmin": _np(np.argmin, vjp_none),
    "logsumexp": _np(
        logsumexp, vjp_logsumexp, lambda e: f"{e.g} * softmax({e.args[0]}{axis_text(e)})"
    ),
    "softmax": _np(softmax, vjp_softmax, _softmax_text),
    "log_softmax": _np(log_softmax, vjp_log_softmax, _log_softmax_text),
    "cumsum": _np(
        np.cumsum,
        vjp_cumsum,
        lambda e: f"flip(cumsum(flip({e.g}{axis_text(e)}){axis_text(e)}))",
        batch="cumsum",
    ),
}
