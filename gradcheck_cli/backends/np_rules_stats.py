"""The numpy engine's rules for the v2 functions of `ops.STATS`: forward, VJP and explain
text, per op (see np_rules_common.Rule).

var std cumprod trace (reductions), einsum tensordot kron cross (products), diag diagonal
triu tril (diagonals and triangles). Each forward is NumPy's own function; each VJP returns
one cotangent per input, in that input's shape and dtype (None where it takes none).
Conventions: std's gradient where the spread is 0 is 0 (torch's, as norm's at 0); var and
std with ddof >= n divide by 0 as NumPy does (inf; the gradient inf or NaN); cumprod's VJP
never divides by the input, so zeros are exact.
"""

from __future__ import annotations

import string
from functools import partial

import numpy as np

from .np_rules_common import (
    Rule,
    axis_text,
    common_dtype,
    fit,
    is_diff,
    plain,
    promote,
    reduced_axes,
    spread,
    unbroadcast,
)

# ---- var, std -----------------------------------------------------------------------------


def _centered(a, axis, ddof):
    """a minus its mean over `axis` (kept), and NumPy's divisor max(n - ddof, 0)."""
    count = int(np.prod([np.shape(a)[i] for i in reduced_axes(axis, np.ndim(a))]))
    return a - np.mean(a, axis=axis, keepdims=True), max(count - ddof, 0)


def vjp_var(g, ans, a, axis=None, ddof=0, keepdims=False):
    if not is_diff(a):
        return (None,)
    centered, divisor = _centered(a, axis, ddof)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = spread(g, a, axis, keepdims) * 2 * centered / divisor
    return (fit(d, a),)


def vjp_std(g, ans, a, axis=None, ddof=0, keepdims=False):
    """(a - mean) / (divisor * std); 0 where std is 0 (a constant slice: 0/0)."""
    if not is_diff(a):
        return (None,)
    centered, divisor = _centered(a, axis, ddof)
    s = spread(ans, a, axis, keepdims)
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(s == 0, 0, centered / (divisor * s))
    return (fit(spread(g, a, axis, keepdims) * d, a),)


# ---- cumprod, trace -----------------------------------------------------------------------


def vjp_cumprod(g, ans, a, axis=None):
    """d a_k = (product of a before k) * S_k, S_k = g_k + a_{k+1} S_{k+1}: no division."""
    if not is_diff(a):
        return (None,)
    flat = axis is None or np.ndim(a) == 0  # NumPy flattened a first
    x = np.ravel(a) if flat else np.moveaxis(a, axis, 0)
    gx = np.ravel(g) if flat else np.moveaxis(g, axis, 0)
    n = x.shape[0]
    before = np.ones(x.shape, np.result_type(x, gx))
    before[1:] = np.cumprod(x[:-1], axis=0)
    s = np.array(gx, dtype=before.dtype)
    for k in range(n - 2, -1, -1):
        s[k] = gx[k] + x[k + 1] * s[k + 1]
    d = before * s
    d = d.reshape(np.shape(a)) if flat else np.moveaxis(d, 0, axis)
    return (fit(d, a),)


def _on_diagonal(shape, dtype, values, offset, axis1, axis2):
    """Zeros of `shape` with `values` (the shape of np.diagonal's result, or broadcast to
    it) on the diagonal `offset` of the axes axis1, axis2."""
    out = np.zeros(shape, dtype)
    view = np.moveaxis(out, (axis1, axis2), (-2, -1))
    n = min(view.shape[-2] - max(-offset, 0), view.shape[-1] - max(offset, 0))
    if n > 0:
        steps = np.arange(n)
        view[..., steps + max(-offset, 0), steps + max(offset, 0)] = values
    return out


def trace(a, offset=0):
    return np.asarray(np.trace(a, offset=offset))


def vjp_trace(g, ans, a, offset=0):
    if not is_diff(a):
        return (None,)
    dtype = np.result_type(a, g)
    return (fit(_on_diagonal(a.shape, dtype, np.asarray(g)[..., None], offset, 0, 1), a),)


# ---- einsum -------------------------------------------------------------------------------


def _explicit(subscripts, shapes):
    """The subscripts with NumPy's implicit output and `...` written out as letters: each
    operand's labels and the output's, as strings of one letter per axis."""
    text = subscripts.replace(" ", "")
    given, arrow, out = text.partition("->")
    specs = given.split(",")
    if len(specs) != len(shapes):
        raise ValueError(f"einsum: {len(specs)} operands in the subscripts, {len(shapes)} given")
    free = [c for c in string.ascii_letters if c not in text]
    ellipsis_dims = max(
        (len(s) - (len(sp) - 3) for sp, s in zip(specs, shapes, strict=True) if "..." in sp),
        default=0,
    )
    letters = "".join(free[:ellipsis_dims])

    def written(spec, ndim):
        if "..." not in spec:
            return spec
        k = ndim - (len(spec) - 3)
        return spec.replace("...", letters[len(letters) - k :] if k else "")

    specs = [written(sp, len(s)) for sp, s in zip(specs, shapes, strict=True)]
    if arrow:
        out = out.replace("...", letters)
    else:  # NumPy: the ellipsis axes, then the labels seen once, in alphabetical order
        labels = "".join(specs)
        once = sorted(c for c in set(labels) if labels.count(c) == 1 and c not in letters)
        out = letters + "".join(once)
    return specs, out


def einsum(*operands, subscripts):
    return np.asarray(np.einsum(subscripts, *common_dtype(operands)))


def vjp_einsum(g, ans, *operands, subscripts, wanted=None):
    """Operand i's cotangent: g contracted with the others onto i's distinct labels, each
    broadcast where only i has it, placed on i's diagonal where a label repeats, and summed
    over the axes NumPy broadcast from size 1."""
    xs = promote(*operands)
    shapes = [np.shape(x) for x in xs]
    specs, out = _explicit(subscripts, shapes)
    sizes: dict[str, int] = {}
    for spec, shape in zip(specs, shapes, strict=True):
        for c, n in zip(spec, shape, strict=True):
            sizes[c] = max(sizes.get(c, 1), n)
    full = [
        np.broadcast_to(x, tuple(sizes[c] for c in spec)) for x, spec in zip(xs, specs, strict=True)
    ]
    grads = []
    for i, (x, spec) in enumerate(zip(operands, specs, strict=True)):
        if not is_diff(x) or (wanted is not None and not wanted[i]):
            grads.append(None)
            continue
        others = [j for j in range(len(xs)) if j != i]
        seen = set(out).union(*(specs[j] for j in others))
        distinct = "".join(dict.fromkeys(spec))
        reached = "".join(c for c in distinct if c in seen)
        terms = ",".join([out, *(specs[j] for j in others)])
        part = np.einsum(f"{terms}->{reached}", g, *(full[j] for j in others))
        for c in distinct:  # the labels only operand i has: broadcast along them
            if c not in seen:
                part = np.expand_dims(part, distinct.index(c))
        part = np.broadcast_to(part, tuple(sizes[c] for c in distinct))
        if len(distinct) < len(spec):  # a repeated label: on the diagonal
            grid = np.indices(part.shape, sparse=True)
            placed = np.zeros(tuple(sizes[c] for c in spec), part.dtype)
            placed[tuple(grid[distinct.index(c)] for c in spec)] = part
            part = placed
        grads.append(fit(unbroadcast(part, np.shape(x)), x))
    return tuple(grads)


# ---- tensordot, kron, cross ---------------------------------------------------------------


def _contracted(axes, ndim_a, ndim_b):
    """numpy.tensordot's axes as two lists of non-negative axes."""
    if isinstance(axes, int):
        return list(range(ndim_a - axes, ndim_a)), list(range(axes))
    first, second = (list(x) if isinstance(x, (list, tuple)) else [x] for x in axes)
    return [int(v) % ndim_a for v in first], [int(v) % ndim_b for v in second]


def tensordot(a, b, axes=2):
    return np.asarray(np.tensordot(*common_dtype((a, b)), axes=axes))


def vjp_tensordot(g, ans, a, b, axes=2, wanted=(True, True)):
    x, y = promote(a, b)
    ca, cb = _contracted(axes, np.ndim(x), np.ndim(y))
    fa = [i for i in range(np.ndim(x)) if i not in ca]
    fb = [i for i in range(np.ndim(y)) if i not in cb]
    da = db = None
    if wanted[0] and is_diff(a):
        d = np.tensordot(g, y, axes=(list(range(len(fa), np.ndim(g))), fb))
        held = fa + [ca[cb.index(j)] for j in sorted(cb)]  # b's axes come in b's order
        da = fit(np.transpose(d, np.argsort(held)), a)
    if wanted[1] and is_diff(b):
        d = np.tensordot(x, g, axes=(fa, list(range(len(fa)))))
        held = [cb[ca.index(i)] for i in sorted(ca)] + fb
        db = fit(np.transpose(d, np.argsort(held)), b)
    return da, db


def kron(a, b):
    return np.asarray(np.kron(*common_dtype((a, b))))


def vjp_kron(g, ans, a, b, wanted=(True, True)):
    """kron's result along axis k is (a's index, b's index) row-major: g reshaped to the
    interleaved axes (a0, b0, a1, b1...) is summed against the other operand."""
    x, y = promote(a, b)
    nd = max(np.ndim(x), np.ndim(y))
    sa = (1,) * (nd - np.ndim(x)) + np.shape(x)
    sb = (1,) * (nd - np.ndim(y)) + np.shape(y)
    pairs = tuple(n for p in zip(sa, sb, strict=True) for n in p)
    gr = np.reshape(g, pairs)
    ones = (1,) * nd
    at_a = tuple(n for p in zip(sa, ones, strict=True) for n in p)
    at_b = tuple(n for p in zip(ones, sb, strict=True) for n in p)
    da = db = None
    if wanted[0] and is_diff(a):
        d = np.sum(gr * np.reshape(y, at_b), axis=tuple(range(1, 2 * nd, 2)))
        da = fit(np.reshape(d, np.shape(a)), a)
    if wanted[1] and is_diff(b):
        d = np.sum(gr * np.reshape(x, at_a), axis=tuple(range(0, 2 * nd, 2)))
        db = fit(np.reshape(d, np.shape(b)), b)
    return da, db


def cross(a, b, axis=-1):
    """numpy.cross of 3-vectors along `axis` of both operands (and of the result)."""
    x, y = common_dtype((a, b))
    for name, v in (("a", x), ("b", y)):
        if v.ndim == 0 or v.shape[axis % v.ndim] != 3:
            raise ValueError(
                f"cross: {name} must have 3 components along axis {axis} (shape {v.shape})"
            )
    return np.asarray(np.cross(x, y, axis=axis))


def vjp_cross(g, ans, a, b, axis=-1, wanted=(True, True)):
    """c = a x b: d a = b x g, d b = g x a, along the last axis after moving `axis` there."""
    x, y = promote(a, b)
    xm, ym = np.moveaxis(x, axis, -1), np.moveaxis(y, axis, -1)
    gm = np.moveaxis(g, axis, -1)
    da = db = None
    if wanted[0] and is_diff(a):
        d = unbroadcast(np.cross(ym, gm), xm.shape)
        da = fit(np.moveaxis(d, -1, axis), a)
    if wanted[1] and is_diff(b):
        d = unbroadcast(np.cross(gm, xm), ym.shape)
        db = fit(np.moveaxis(d, -1, axis), b)
    return da, db


# ---- diag, diagonal, triu, tril -----------------------------------------------------------


def diag(v, k=0):
    return np.array(np.diag(v, k=k))


def vjp_diag(g, ans, v, k=0):
    if not is_diff(v):
        return (None,)
    if np.ndim(v) == 1:  # v went onto the diagonal k of a square
        return (fit(np.diagonal(g, offset=k), v),)
    return (fit(_on_diagonal(v.shape, np.result_type(v, g), g, k, 0, 1), v),)


def diagonal(a, offset=0, axis1=0, axis2=1):
    return np.array(np.diagonal(a, offset=offset, axis1=axis1, axis2=axis2))


def vjp_diagonal(g, ans, a, offset=0, axis1=0, axis2=1):
    if not is_diff(a):
        return (None,)
    axis1, axis2 = axis1 % a.ndim, axis2 % a.ndim
    return (fit(_on_diagonal(a.shape, np.result_type(a, g), g, offset, axis1, axis2), a),)


def vjp_triangle(fn, g, ans, m, k=0):
    """triu and tril keep a triangle of the last two axes: g's same triangle, summed back
    over the axis NumPy broadcast a 1-D m to."""
    return (fit(fn(g, k=k), m),)


# ---- explain's phrases --------------------------------------------------------------------


def _var_text(e) -> str:
    ddof = e.attr("ddof") or 0
    n = f"(n - {ddof})" if ddof else "n"
    return f"2 * {e.g} * ({e.args[0]} - mean{axis_text(e)}) / {n}"


def _std_text(e) -> str:
    ddof = e.attr("ddof") or 0
    n = f"(n - {ddof})" if ddof else "n"
    return f"{e.g} * ({e.args[0]} - mean{axis_text(e)}) / ({n} * {e.ans}), 0 where {e.ans} is 0"


def _einsum_text(e) -> str:
    return f"einsum of {e.g} with the other operands onto operand {e.i}'s labels"


def _tensordot_text(e) -> str:
    other = e.args[1 - e.i]
    return f"tensordot of {e.g} with {other} over {other}'s free axes, back to {e.shape()}"


def _kron_text(e) -> str:
    return f"the blocks of {e.g} summed against {e.args[1 - e.i]}"


def _cross_text(e) -> str:
    a, b = e.args
    return f"cross({b}, {e.g})" if e.i == 0 else f"cross({e.g}, {a})"


def _diag_text(e) -> str:
    return f"{e.g} on the diagonal {e.attr('k') or 0}, zeros elsewhere"


RULES: dict[str, Rule] = {
    "var": Rule(partial(plain, np.var), vjp_var, text=_var_text),
    "std": Rule(partial(plain, np.std), vjp_std, text=_std_text),
    "cumprod": Rule(
        partial(plain, np.cumprod),
        vjp_cumprod,
        text=lambda e: f"{e.g} through the products of the other prefix elements (no division)",
        batch="cumsum",
    ),
    "trace": Rule(
        trace,
        vjp_trace,
        text=lambda e: f"{e.g} on the diagonal {e.attr('offset') or 0} of the first two axes",
        batch="",
    ),
    "einsum": Rule(einsum, vjp_einsum, text=_einsum_text, selective=True, batch=""),
    "tensordot": Rule(tensordot, vjp_tensordot, text=_tensordot_text, selective=True, batch=""),
    "kron": Rule(kron, vjp_kron, text=_kron_text, selective=True, batch=""),
    "cross": Rule(cross, vjp_cross, text=_cross_text, selective=True, batch=""),
    "diag": Rule(
        diag,
        vjp_diag,
        text=lambda e: (
            f"diagonal({e.g}, {e.attr('k') or 0})" if len(e.shape()) == 1 else _diag_text(e)
        ),
        batch="",
    ),
    "diagonal": Rule(
        diagonal,
        vjp_diagonal,
        text=lambda e: f"{e.g} on the diagonal {e.attr('offset') or 0}, zeros elsewhere",
        batch="",
    ),
    "triu": Rule(
        partial(plain, np.triu),
        partial(vjp_triangle, np.triu),
        text=lambda e: f"triu({e.g}, {e.attr('k') or 0})",
        batch="",
    ),
    "tril": Rule(
        partial(plain, np.tril),
        partial(vjp_triangle, np.tril),
        text=lambda e: f"tril({e.g}, {e.attr('k') or 0})",
        batch="",
    ),
}
