"""Every framework's spelling of the v2 functions of `ops.DECOMPOSITIONS` (their numpy
rules are in backends/np_rules_decompositions.py): one entry per op and framework, built
from shapes and dtypes.

A tuple result (slogdet, eigh, svd, qr) is one equation per part: its spelling is the
framework's function indexed by the part's `output` (never passed to the function).
TensorFlow's svd gives (s, u, v): U is its [1], S its [0], Vh the transpose of its [2].
JAX's eigh, eigvalsh and cholesky symmetrize their input unless told not to: they are
spelled with `symmetrize_input=False`, so they read the lower triangle as NumPy does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .numpy_like import operands
from .site import Site
from .tensorflow_base import Arg as TfArg
from .tensorflow_base import cast
from .torch_base import Arg, At, _floating, _to
from .tree import Attr, Index, Node, call, method, node

_LINALG = ("inv", "det", "slogdet", "cholesky", "eigh", "eigvalsh", "svd", "svdvals", "qr")
_TUPLES = ("slogdet", "eigh", "svd", "qr")


# each part by the field name of the framework's named tuple (NumPy's, torch's and JAX's
# names agree); TensorFlow's eigh and svd give plain tuples (an Index binds a tuple of
# entries, which a Python tuple refuses: `__getitem__`)
FIELDS = {
    "slogdet": ("sign", "logabsdet"),
    "eigh": ("eigenvalues", "eigenvectors"),
    "svd": ("U", "S", "Vh"),
    "qr": ("Q", "R"),
}
TF_FIELDS = {"slogdet": ("sign", "log_abs_determinant"), "qr": ("q", "r")}


def _part(tree: Node, op: str, output: int, fields: dict[str, tuple[str, ...]] = FIELDS) -> Node:
    if op in fields:
        return Attr(tree, fields[op][output])
    return method(tree, "__getitem__", output)


# ---- torch -----------------------------------------------------------------------------------


def _torch(op: str):
    def entry(at: At, args: list[Arg]) -> Node:
        kw = {"full_matrices": at.attrs["full_matrices"]} if op == "svd" else {}
        kw = {k: v for k, v in kw.items() if v is not True}  # torch's default is NumPy's
        tree = call(f"torch.linalg.{op}", _floating(args[0], at), **kw)
        return _part(tree, op, at.attrs["output"]) if op in _TUPLES else tree

    return entry


def _torch_solve(at: At, args: list[Arg]) -> Node:
    """NumPy 2 reads b as a vector only when it is 1-D; torch also when b's shape is a's
    without the last axis: such a b gets a leading axis of 1 (a stack of one matrix)."""
    a, b = args
    x, y = _to(a, at.out), _to(b, at.out)  # torch.linalg.solve does not promote
    if b.ndim >= 2 and b.ndim == a.ndim - 1 and b.shape == a.shape[:-1]:
        y = method(y, "unsqueeze", 0)
    return call("torch.linalg.solve", x, y)


TORCH: dict[str, Any] = {op: _torch(op) for op in _LINALG}
TORCH["solve"] = _torch_solve


# ---- tensorflow ------------------------------------------------------------------------------


def _tf_floating(site: Site, a: TfArg) -> Node:
    return a.node if not a.literal and a.kind in "fc" else cast(a, site.dtype)


def _tf(op: str):
    def template(site: Site, args: list[TfArg]) -> Node:
        x = _tf_floating(site, args[0])
        output = site.attrs.get("output")
        if op == "svdvals":
            return call("tf.linalg.svd", x, compute_uv=False)
        if op == "svd":
            full = site.attrs["full_matrices"]
            tree = call("tf.linalg.svd", x, full_matrices=full)
            if output == 2:  # tf's v, Vh's transpose
                return call("tf.linalg.matrix_transpose", _part(tree, "", 2))
            return _part(tree, "", {0: 1, 1: 0}[output])
        tree = call(f"tf.linalg.{op}", x)
        return _part(tree, op, output, TF_FIELDS) if op in _TUPLES else tree

    return template


def _tf_solve(site: Site, args: list[TfArg]) -> Node:
    """tf.linalg.solve takes (..., M, K) right-hand sides and no broadcasting: a 1-D b
    becomes a column, and both are broadcast to their common batch shape first."""
    a, b = args
    x, y = cast(a, site.out.dtype), cast(b, site.out.dtype)
    vector = b.ndim == 1
    b_shape = b.shape + (1,) if vector else b.shape
    if vector:
        y = Index(y, (node(Ellipsis), node(None)))
    batch = _broadcast(a.shape[:-2], b_shape[:-2])
    if a.shape[:-2] != batch:
        x = call("tf.broadcast_to", x, list(batch + a.shape[-2:]))
    if b_shape[:-2] != batch:
        y = call("tf.broadcast_to", y, list(batch + b_shape[-2:]))
    tree = call("tf.linalg.solve", x, y)
    return Index(tree, (node(Ellipsis), node(0))) if vector else tree


def _broadcast(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(np.broadcast_shapes(*shapes))


TENSORFLOW: dict[str, Any] = {op: _tf(op) for op in _LINALG}
TENSORFLOW["solve"] = _tf_solve


# ---- jax and numpy ---------------------------------------------------------------------------

_LOWER = ("eigh", "eigvalsh", "cholesky")  # jax symmetrizes these unless told not to


def _numpy_like(ns: str, op: str):
    def spell(site: Site) -> Node:
        kw: dict[str, Any] = {}
        if op == "svd" and site.attrs["full_matrices"] is not True:
            kw["full_matrices"] = site.attrs["full_matrices"]
        if ns == "jnp" and op in _LOWER:
            kw["symmetrize_input"] = False
        tree = call(f"{ns}.linalg.{op}", *operands(site, ns), **kw)
        return _part(tree, op, site.attrs["output"]) if op in _TUPLES else tree

    return spell


JAX: dict[str, Any] = {op: _numpy_like("jnp", op) for op in (*_LINALG, "solve")}
NUMPY: dict[str, Any] = {op: _numpy_like("np", op) for op in (*_LINALG, "solve")}
# framework -> op -> (Eqn -> the reason it cannot be expressed there, or None)
SKIP: dict[str, dict[str, Any]] = {}
