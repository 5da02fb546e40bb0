"""The forwards and VJPs of einsum, tensordot, kron and cross (np_rules_stats holds their rules).

Each is multilinear: on complex numbers an operand's cotangent contracts g with the other
operands conjugated (torch's convention, np_rules_common.cj)."""

from __future__ import annotations

import string

import numpy as np

from .np_rules_common import (
    cj,
    common_dtype,
    fit,
    is_diff,
    promote,
    unbroadcast,
)

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
    xs = [cj(x) for x in promote(*operands)]
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
    x, y = (cj(v) for v in promote(a, b))
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
    x, y = (cj(v) for v in promote(a, b))
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
    x, y = (cj(v) for v in promote(a, b))
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
