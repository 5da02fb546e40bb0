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

from typing import Any

from ..backends.np_rules_products import _contracted
from .numpy_like import operands
from .site import Site
from .stats_tf import TENSORFLOW, _count  # noqa: F401  (the family's tensorflow entries, merged here)
from .torch_base import Arg, At, _dims, _floating, _to
from .tree import Node, call, method

# ---- torch ----------------------------------------------------------------------------------


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
