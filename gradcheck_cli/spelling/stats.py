"""Every framework's spelling of the v2 functions of `ops.STATS` (their numpy rules are in
backends/np_rules_stats.py): one entry per op and framework, built from shapes and dtypes.

NumPy's semantics written out where a framework's function differs:
- var/std: torch's default correction is 1, so `correction=ddof` is always passed;
  TensorFlow has no ddof: its population variance is scaled by n / (n - ddof) (inf where
  n <= ddof, as NumPy divides by max(n - ddof, 0)), its std by the square root of that;
- cumprod and NumPy's axis None (or a 0-d array): the flattened array;
- trace: NumPy's is over the first two axes; tf.linalg.trace and diag_part take the last
  two, so the axes are moved there first;
- triu/tril of a 1-D array: NumPy broadcasts it to a square first (torch, JAX and
  TensorFlow refuse 1-D), so the square is written out;
- cross of operands of different ranks, or along another axis than the last: the axis
  moved last in each, the two broadcast, the result's axis moved back (as numpy.cross).
"""

from __future__ import annotations

import math
from typing import Any

from ..backends.np_rules_stats import _contracted
from .numpy_like import operands
from .site import Site
from .tensorflow_base import Arg as TfArg
from .tensorflow_base import cast
from .torch_base import Arg, At, _dims, _floating, _to
from .tree import Const, Index, Node, binop, call, method

# ---- torch ----------------------------------------------------------------------------------


def _count(axis: Any, shape: tuple[int, ...]) -> int:
    """How many elements a reduction over `axis` takes each result from."""
    if axis is None or not shape:
        return math.prod(shape)
    axes = axis if isinstance(axis, tuple) else (axis,)
    return math.prod(shape[a % len(shape)] for a in axes)


def _torch_spread(fn: str):
    def entry(at: At, args: list[Arg]) -> Node:
        (a,) = args
        x, ddof = _floating(a, at), at.attrs.get("ddof", 0)
        if at.attrs.get("axis") == ():  # NumPy reduces no axis: a new one of size 1
            return call(fn, method(x, "unsqueeze", -1), dim=-1, correction=ddof)
        dims = _dims(at, a.ndim, every=True)
        return call(fn, x, correction=ddof, **dims)

    return entry


def _torch_cumprod(at: At, args: list[Arg]) -> Node:
    (a,) = args
    axis = at.attrs.get("axis")
    if axis is None or a.ndim == 0:  # NumPy flattens first (a 0-d array too)
        return call("torch.cumprod", method(a.node, "reshape", -1), dim=0)
    return call("torch.cumprod", a.node, dim=axis)


def _torch_trace(at: At, args: list[Arg]) -> Node:
    (a,) = args
    offset = at.attrs.get("offset", 0)
    if a.ndim == 2 and offset == 0:
        return call("torch.trace", a.node)
    diagonal = call("torch.diagonal", a.node, offset=offset, dim1=0, dim2=1)
    return method(diagonal, "sum", -1)


def _torch_einsum(at: At, args: list[Arg]) -> Node:
    return call("torch.einsum", at.attrs["subscripts"], *(_to(a, at.out) for a in args))


def _torch_tensordot(at: At, args: list[Arg]) -> Node:
    a, b = args
    axes = at.attrs.get("axes", 2)
    if not isinstance(axes, int):
        axes = [list(x) for x in _contracted(axes, a.ndim, b.ndim)]
    return call("torch.tensordot", _to(a, at.out), _to(b, at.out), dims=axes)


def _torch_kron(at: At, args: list[Arg]) -> Node:
    return call("torch.kron", *(_to(a, at.out) for a in args))


def _torch_cross(at: At, args: list[Arg]) -> Node:
    a, b = args
    axis = at.attrs.get("axis", -1)
    x, y = _to(a, at.out), _to(b, at.out)
    last = all(axis % arg.ndim == arg.ndim - 1 for arg in args)
    if last and a.ndim == b.ndim:
        return call("torch.linalg.cross", x, y, dim=-1)
    nd = max(a.ndim, b.ndim)
    moved = []
    for node, arg in ((x, a), (y, b)):
        m = call("torch.movedim", node, axis % arg.ndim, -1)
        shape = (1,) * (nd - arg.ndim) + tuple(arg.shape[: axis % arg.ndim])
        shape += tuple(arg.shape[axis % arg.ndim + 1 :]) + (3,)
        moved.append(method(m, "reshape", *shape) if arg.ndim < nd else m)
    out = call("torch.linalg.cross", *moved, dim=-1)  # broadcast, now of one rank
    return call("torch.movedim", out, -1, axis % nd)


def _torch_triangle(fn: str):
    def entry(at: At, args: list[Arg]) -> Node:
        (m,) = args
        x = m.node
        if m.ndim == 1:  # NumPy broadcasts a 1-D m to its square
            x = call("torch.broadcast_to", x, (m.shape[0], m.shape[0]))
        return call(fn, x, at.attrs.get("k", 0))

    return entry


TORCH: dict[str, Any] = {
    "var": _torch_spread("torch.var"),
    "std": _torch_spread("torch.std"),
    "cumprod": _torch_cumprod,
    "trace": _torch_trace,
    "einsum": _torch_einsum,
    "tensordot": _torch_tensordot,
    "kron": _torch_kron,
    "cross": _torch_cross,
    "diag": lambda at, args: call("torch.diag", args[0].node, at.attrs.get("k", 0)),
    "diagonal": lambda at, args: call(
        "torch.diagonal",
        args[0].node,
        offset=at.attrs.get("offset", 0),
        dim1=at.attrs.get("axis1", 0),
        dim2=at.attrs.get("axis2", 1),
    ),
    "triu": _torch_triangle("torch.triu"),
    "tril": _torch_triangle("torch.tril"),
}


# ---- tensorflow -----------------------------------------------------------------------------


def _tf_floating(site: Site, a: TfArg) -> Node:
    return a.node if not a.literal and a.kind == "f" else cast(a, site.out.dtype)


def _tf_spread(fn: str, root: bool):
    """tf.math.reduce_variance / reduce_std are NumPy's with ddof=0; another ddof scales
    them by n / (n - ddof) (its square root for std), inf where n <= ddof."""

    def template(site: Site, args: list[TfArg]) -> Node:
        (a,) = args
        axis, kwargs = site.attrs.get("axis"), {}
        if axis is not None:
            kwargs["axis"] = list(axis) if isinstance(axis, tuple) else axis
        if site.attrs.get("keepdims"):
            kwargs["keepdims"] = True
        out = call(fn, _tf_floating(site, a), **kwargs)
        ddof = site.attrs.get("ddof", 0)
        if not ddof:
            return out
        n = _count(axis, a.shape)
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


# ---- jax and numpy: NumPy's names, with these written out -----------------------------------


def _einsum(ns: str):
    def spell(site: Site) -> Node:
        return call(f"{ns}.einsum", site.attrs["subscripts"], *operands(site, ns))

    return spell


def _jax_cumprod(site: Site) -> Node:
    (x,) = operands(site, "jnp")
    if site.ins[0].ndim == 0:  # NumPy flattens a 0-d array (jnp refuses its axis 0)
        return call("jnp.cumprod", call("jnp.ravel", x))
    return call("jnp.cumprod", x, **site.changed())


def _jax_triangle(site: Site) -> Node:
    (x,) = operands(site, "jnp")
    shape = site.ins[0].shape
    if len(shape) == 1:  # NumPy broadcasts a 1-D m to its square; jnp refuses 1-D
        x = call("jnp.broadcast_to", x, (shape[0], shape[0]))
    return call(f"jnp.{site.op}", x, **site.changed())


JAX: dict[str, Any] = {
    "einsum": _einsum("jnp"),
    "cumprod": _jax_cumprod,
    "triu": _jax_triangle,
    "tril": _jax_triangle,
}
NUMPY: dict[str, Any] = {"einsum": _einsum("np")}
# framework -> op -> (Eqn -> the reason it cannot be expressed there, or None)
SKIP: dict[str, dict[str, Any]] = {}
