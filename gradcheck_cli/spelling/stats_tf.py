"""TensorFlow's spellings of the stats family (spelling/stats.py merges them)."""

from __future__ import annotations

import math
from typing import Any

from ..backends.np_rules_products import _contracted
from .site import Site
from .tensorflow_base import Arg as TfArg
from .tensorflow_base import axis_kwargs, cast
from .tree import Const, Index, Node, binop, call

# ---- tensorflow -----------------------------------------------------------------------------


def _count(axis: Any, shape: tuple[int, ...]) -> int:
    """How many elements a reduction over `axis` takes each result from."""
    if axis is None or not shape:
        return math.prod(shape)
    axes = axis if isinstance(axis, tuple) else (axis,)
    return math.prod(shape[a % len(shape)] for a in axes)


def _tf_floating(site: Site, a: TfArg) -> Node:
    return a.node if not a.literal and a.kind in "fc" else cast(a, site.out.dtype)


def _tf_spread(fn: str, root: bool):
    """tf.math.reduce_variance / reduce_std are NumPy's with ddof=0; another ddof scales
    them by n / (n - ddof) (its square root for std), inf where n <= ddof."""

    def template(site: Site, args: list[TfArg]) -> Node:
        (a,) = args
        kwargs = axis_kwargs(site)
        out = call(fn, _tf_floating(site, a), **kwargs)
        ddof = site.attrs.get("ddof", 0)
        if not ddof:
            return out
        n = _count(site.attrs.get("axis"), a.shape)
        scale = n / (n - ddof) if n > ddof else math.inf
        return binop("*", out, math.sqrt(scale) if root else scale)

    return template


def _tf_flat(a: TfArg, axis: Any) -> tuple[Node, Any]:
    if axis is None or a.ndim == 0:
        return call("tf.reshape", a.node, [-1]), 0
    return a.node, axis


def _tf_cumprod(site: Site, args: list[TfArg]) -> Node:
    (a,) = args
    x, axis = _tf_flat(a, site.attrs.get("axis"))
    return call("tf.math.cumprod", x, axis=axis)


def _last_two(node: Node, ndim: int, axis1: int, axis2: int) -> Node:
    """The array with axis1, axis2 moved last (in that order), the others kept in order."""
    axis1, axis2 = axis1 % ndim, axis2 % ndim
    if (axis1, axis2) == (ndim - 2, ndim - 1):
        return node
    rest = [i for i in range(ndim) if i not in (axis1, axis2)]
    return call("tf.transpose", node, rest + [axis1, axis2])


def _diag_part(moved: Node, rows: int, cols: int, offset: int) -> Node:
    """tf.linalg.diag_part of the last two axes; an offset past the matrix, which TensorFlow
    refuses, is NumPy's empty diagonal: a slice of no element."""
    if not -rows < offset < cols:
        return Index(moved, (Const(...), Const(slice(None, 0)), Const(0)))
    return (
        call("tf.linalg.diag_part", moved, k=offset)
        if offset
        else call("tf.linalg.diag_part", moved)
    )


def _tf_trace(site: Site, args: list[TfArg]) -> Node:
    (a,) = args
    offset = site.attrs.get("offset", 0)
    moved = _last_two(a.node, a.ndim, 0, 1)
    if offset == 0:
        return call("tf.linalg.trace", moved)
    part = _diag_part(moved, a.shape[0], a.shape[1], offset)
    return call("tf.reduce_sum", part, axis=-1)


def _tf_same(site: Site, args: list[TfArg]) -> list[Node]:
    return [a.node if a.dtype == site.out.dtype else cast(a, site.out.dtype) for a in args]


def _tf_einsum(site: Site, args: list[TfArg]) -> Node:
    return call("tf.einsum", site.attrs["subscripts"], *_tf_same(site, args))


def _tf_tensordot(site: Site, args: list[TfArg]) -> Node:
    a, b = args
    axes = site.attrs.get("axes", 2)
    if not isinstance(axes, int):
        axes = [list(x) for x in _contracted(axes, a.ndim, b.ndim)]
    return call("tf.tensordot", *_tf_same(site, args), axes=axes)


def _tf_cross(site: Site, args: list[TfArg]) -> Node:
    a, b = args
    axis = site.attrs.get("axis", -1)
    x, y = _tf_same(site, args)
    if a.shape == b.shape and axis % a.ndim == a.ndim - 1:
        return call("tf.linalg.cross", x, y)
    return call("tf.experimental.numpy.cross", x, y, axis=axis)


def _tf_diag(site: Site, args: list[TfArg]) -> Node:
    (v,) = args
    k = site.attrs.get("k", 0)
    if v.ndim == 1:
        return call("tf.linalg.diag", v.node, k=k) if k else call("tf.linalg.diag", v.node)
    return _diag_part(v.node, v.shape[0], v.shape[1], k)


def _tf_diagonal(site: Site, args: list[TfArg]) -> Node:
    (a,) = args
    axis1, axis2 = (site.attrs.get(k, d) % a.ndim for k, d in (("axis1", 0), ("axis2", 1)))
    moved = _last_two(a.node, a.ndim, axis1, axis2)
    return _diag_part(moved, a.shape[axis1], a.shape[axis2], site.attrs.get("offset", 0))


def _tf_kron(site: Site, args: list[TfArg]) -> Node:
    """tf.experimental.numpy.kron up to 2-D; beyond, where its broadcast of more than five
    axes fails in TensorFlow's kernels, the same products written as an einsum of the
    operands (padded to one rank with leading 1s, as numpy.kron) reshaped to the result."""
    x, y = _tf_same(site, args)
    a, b = args
    nd = max(a.ndim, b.ndim)
    if nd <= 2:
        return call("tf.experimental.numpy.kron", x, y)
    sa, sb = ((1,) * (nd - o.ndim) + tuple(o.shape) for o in (a, b))
    x = call("tf.reshape", x, list(sa)) if a.ndim < nd else x
    y = call("tf.reshape", y, list(sb)) if b.ndim < nd else y
    la, lb = "abcdefgh"[:nd], "ijklmnop"[:nd]
    pairs = "".join(p + q for p, q in zip(la, lb, strict=True))
    product = call("tf.einsum", f"{la},{lb}->{pairs}", x, y)
    return call("tf.reshape", product, list(site.out.shape))


def _band(x: Node, lower: int, upper: int) -> Node:
    return call("tf.linalg.band_part", x, lower, upper)


def _tf_triangle(upper: bool):
    """triu(m, k) keeps j - i >= k, tril(m, k) keeps j - i <= k: tf.linalg.band_part where
    the band starts at the diagonal's side, else m minus the other triangle."""

    def template(site: Site, args: list[TfArg]) -> Node:
        (m,) = args
        x, k = m.node, site.attrs.get("k", 0)
        if m.ndim == 1:  # NumPy broadcasts a 1-D m to its square
            x = call("tf.broadcast_to", x, [m.shape[0], m.shape[0]])
        if upper:
            return _band(x, -k, -1) if k <= 0 else binop("-", x, _band(x, -1, k - 1))
        return _band(x, -1, k) if k >= 0 else binop("-", x, _band(x, -k - 1, -1))

    return template


TENSORFLOW: dict[str, Any] = {
    "var": _tf_spread("tf.math.reduce_variance", root=False),
    "std": _tf_spread("tf.math.reduce_std", root=True),
    "cumprod": _tf_cumprod,
    "trace": _tf_trace,
    "einsum": _tf_einsum,
    "tensordot": _tf_tensordot,
    "kron": _tf_kron,
    "cross": _tf_cross,
    "diag": _tf_diag,
    "diagonal": _tf_diagonal,
    "triu": _tf_triangle(upper=True),
    "tril": _tf_triangle(upper=False),
}
