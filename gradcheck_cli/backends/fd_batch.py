"""The forward rules on a stacked batch: many perturbed copies of a param in one evaluation.

A batched variable carries a leading axis, one row per perturbation; the others are as in
a plain run. Each op runs `np_rules.FORWARD`'s own rule, called (by the scheme its rule's
`batch` names, in `SCHEMES`) so that the leading axis stays the batch axis: elementwise
operands get size-1 axes after it, so that broadcasting aligns the rest as in a plain run;
axis attributes move past it; a 1-D matmul operand is made a row or column explicitly, so
that the batch axis never becomes a matrix axis. An op with no batched form here, or an
input that cannot be batched (an index computed from the param: each row could select a
different number of elements), raises `Unbatchable`, and the caller evaluates the
perturbations one by one instead. Values are dropped after their last use: a batch is large.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

from ..ir import ArrayRef, Program, Var, read
from . import np_rules
from .np_rules import FORWARD, apply
from .np_rules_common import promote, reduced_axes

FLOAT64 = np.dtype(np.float64)  # fd's arithmetic, whatever the case dtype


class Unbatchable(Exception):
    """This program (or this op's use in it) has no batched form here."""


def evaluate(
    program: Program,
    env: dict[str, Any],
    batched: Iterable[str],
    fixed: Mapping[str, Any] | None = None,
) -> tuple[Any, bool]:
    """Run the program with the `batched` variables stacked; the cost, and whether it is.
    A variable in `fixed` (stop_gradient's results) takes that value, whatever its inputs:
    fd's constants, evaluated once at the unperturbed params."""
    batched = set(batched)
    fixed = fixed or {}
    last = _last_uses(program)
    with np.errstate(all="ignore"):
        for i, eqn in enumerate(program.eqns):
            if eqn.out in fixed:
                env[eqn.out] = fixed[eqn.out]
                for name in last.get(i, ()):
                    env.pop(name, None)
                continue
            args = tuple(read(a, env) for a in eqn.inputs)
            flags = tuple(isinstance(a, Var) and a.name in batched for a in eqn.inputs)
            if any(flags):
                env[eqn.out] = _rule(eqn.op)(eqn.op, args, flags, dict(eqn.attrs))
                batched.add(eqn.out)
            else:
                env[eqn.out] = apply(eqn.op, args, eqn.attrs, FLOAT64)
            for name in last.get(i, ()):
                env.pop(name, None)
    cost = program.cost
    return read(cost, env), isinstance(cost, Var) and cost.name in batched


def _last_uses(program: Program) -> dict[int, list[str]]:
    """Equation index -> the variables it reads last (never the cost)."""
    last: dict[str, int] = {}
    for i, eqn in enumerate(program.eqns):
        for atom in eqn.inputs:
            if isinstance(atom, Var):
                last[atom.name] = i
    keep = program.cost.name if isinstance(program.cost, Var) else None
    out: dict[int, list[str]] = {}
    for name, i in last.items():
        if name != keep:
            out.setdefault(i, []).append(name)
    return out


def _rule(op: str) -> Callable[..., np.ndarray]:
    rule = RULES.get(op)
    if rule is None:
        raise Unbatchable(f"{op} has no batched form")
    return rule


# ---- helpers: a batched operand's per-row rank, and moving axes past the batch axis -------


def _rank(x: Any, batched: bool) -> int:
    return np.ndim(x) - 1 if batched else np.ndim(x)


def _pad(x: np.ndarray, rank: int) -> np.ndarray:
    """A batched operand with size-1 axes after the batch axis, up to `rank` row axes."""
    return x.reshape(x.shape[:1] + (1,) * (rank - (x.ndim - 1)) + x.shape[1:])


def _shift(axis: Any, rank: int) -> Any:
    """A row's axis (or axes) as the batched array's; None is every row axis."""
    if axis is None:
        return tuple(range(1, rank + 1))
    if isinstance(axis, (tuple, list)):
        return tuple(a + 1 if a >= 0 else a for a in axis)
    return axis + 1 if axis >= 0 else axis


def _stacked(x: Any, batched: bool, rows: int) -> np.ndarray:
    return x if batched else np.broadcast_to(np.asarray(x), (rows, *np.shape(x)))


# ---- the rules: (op, args, flags, attrs) -> the batched result ----------------------------


def _elementwise(op, args, flags, attrs):
    rank = max(_rank(x, f) for x, f in zip(args, flags, strict=True))
    padded = [_pad(x, rank) if f else x for x, f in zip(args, flags, strict=True)]
    return FORWARD[op](*padded, **attrs)


def _reduction(op, args, flags, attrs):
    (x,) = args
    if "axis" in attrs:
        if op in ("argmax", "argmin") and (attrs["axis"] is None or x.ndim == 1):
            raise Unbatchable(f"{op} over the flattened array")
        # NumPy's reductions take axis 0 or -1 on a 0-d array, and reduce nothing
        row_0d = x.ndim == 1 and isinstance(attrs["axis"], int)
        attrs["axis"] = () if row_0d else _shift(attrs["axis"], x.ndim - 1)
    return FORWARD[op](x, **attrs)


def _cumsum(op, args, flags, attrs):
    (x,) = args
    if attrs.get("axis") is None or x.ndim == 1:  # NumPy flattens each row (a 0-d one too)
        return FORWARD[op](x.reshape(x.shape[0], -1), axis=1)
    return FORWARD[op](x, axis=_shift(attrs["axis"], x.ndim - 1))


def _norm(op, args, flags, attrs):
    (x,) = args
    rank, ord, axis = x.ndim - 1, attrs.get("ord"), attrs.get("axis")
    if axis is None and ord is None:  # the 2-norm of each flattened row
        out = FORWARD[op](x.reshape(x.shape[0], -1), axis=1)
        return out.reshape(out.shape + (1,) * rank) if attrs.get("keepdims") else out
    if axis is None:
        axis = 0 if rank == 1 else (0, 1)  # NumPy: a vector norm, or a matrix norm
    return FORWARD[op](x, ord=ord, axis=_shift(axis, rank), keepdims=attrs.get("keepdims", False))


def _product(op, args, flags, attrs):
    """matmul, and dot on 1-D and 2-D operands (where it is matmul). Rows against a matrix
    or vector that is not batched are one product of the stacked rows (one BLAS call, where
    a stack of matrix-vector products is one call per row)."""
    (a, b), (fa, fb) = promote(*args), flags
    ra, rb = _rank(a, fa), _rank(b, fb)
    if min(ra, rb) == 0 or (op == "dot" and max(ra, rb) > 2):
        raise Unbatchable(f"{op} of {ra}-D and {rb}-D operands")
    if fa and not fb and rb <= 2:
        out = _matmul(a.reshape(-1, a.shape[-1]), b)
        return out.reshape(a.shape[:-1] + b.shape[1:])
    if fb and not fa and rb == 1 and ra <= 2:
        return _matmul(b, a.T)  # row j: a @ b[j] = b[j] @ a.T
    a = np.expand_dims(a, -2) if ra == 1 else a  # matmul's own promotion, made explicit
    b = np.expand_dims(b, -1) if rb == 1 else b
    rank = max(ra, rb, 2)
    out = _matmul(_pad(a, rank) if fa else a, _pad(b, rank) if fb else b)
    if rb == 1:
        out = out[..., 0]
    if ra == 1:
        out = out[..., 0] if rb == 1 else out[..., 0, :]
    return out


def _matmul(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """np.matmul; a complex operand (the complex step) against a real one as two real
    products, where NumPy would make the real one complex and do 4x the work."""
    if np.iscomplexobj(x) == np.iscomplexobj(y):
        return np.matmul(x, y)
    z, r = (x, y) if np.iscomplexobj(x) else (y, x)
    re, im = (np.ascontiguousarray(part) for part in (z.real, z.imag))
    re, im = (np.matmul(p, r) if z is x else np.matmul(r, p) for p in (re, im))
    out = np.empty(re.shape, np.result_type(x, y))
    out.real, out.imag = re, im
    return out


def _outer(op, args, flags, attrs):
    a, b = (
        x.reshape(x.shape[0], -1) if f else np.ravel(x)
        for x, f in zip(promote(*args), flags, strict=True)
    )
    return np.multiply(a[..., :, None], b[..., None, :])  # what np.outer computes


def _transpose(op, args, flags, attrs):
    (x,) = args
    axes, rank = attrs.get("axes"), x.ndim - 1
    rows = range(rank, 0, -1) if axes is None else (a + 1 for a in reduced_axes(axes, rank))
    return FORWARD[op](x, axes=(0, *rows))


def _reshape(op, args, flags, attrs):
    (x,) = args
    shape = attrs["shape"]
    shape = tuple(shape) if isinstance(shape, (tuple, list)) else (shape,)
    return FORWARD[op](x, shape=(x.shape[0], *shape))


def _squeeze(op, args, flags, attrs):
    (x,) = args
    axis = attrs.get("axis")
    if x.ndim == 1:
        return x  # a 0-d row: NumPy squeezes axis 0 or -1 of a 0-d array into itself
    if axis is None:
        axis = tuple(i for i, n in enumerate(x.shape[1:]) if n == 1)
    return FORWARD[op](x, axis=_shift(axis, x.ndim - 1))


def _axis_moved(op, args, flags, attrs):
    """expand_dims, flip: an axis attribute, moved past the batch axis."""
    (x,) = args
    return FORWARD[op](x, axis=_shift(attrs.get("axis"), x.ndim - 1))


def _join(op, args, flags, attrs):
    rows = next(x.shape[0] for x, f in zip(args, flags, strict=True) if f)
    arrays = [_stacked(x, f, rows) for x, f in zip(args, flags, strict=True)]
    axis = attrs.get("axis", 0)
    if op == "concatenate" and axis is None:  # NumPy flattens each array first
        return FORWARD[op](*(x.reshape(rows, -1) for x in arrays), axis=1)
    return FORWARD[op](*arrays, axis=_shift(axis, 0) if axis is not None else axis)


def _getitem(op, args, flags, attrs):
    """The index gets a leading `:`. Advanced entries (arrays, lists, and ints beside
    them) must be adjacent, so that NumPy keeps their result where the plain run has it."""
    if any(flags[1:]):
        raise Unbatchable("an index computed from the param")
    index = attrs["index"]
    advanced = [i for i, e in enumerate(index) if isinstance(e, (ArrayRef, tuple)) or _is_int(e)]
    arrays = any(isinstance(e, (ArrayRef, tuple)) for e in index)
    if arrays and advanced != list(range(advanced[0], advanced[0] + len(advanced))):
        raise Unbatchable("advanced indices apart from each other")
    return FORWARD[op](*args, index=(slice(None), *index))


def _is_int(entry: Any) -> bool:
    return isinstance(entry, (int, np.integer)) and not isinstance(entry, (bool, np.bool_))


# Each scheme by the name an op's rule gives it (`np_rules_common.Rule.batch`).
SCHEMES: dict[str, Callable[..., np.ndarray]] = {
    "elementwise": _elementwise,
    "reduction": _reduction,
    "cumsum": _cumsum,
    "norm": _norm,
    "product": _product,
    "outer": _outer,
    "transpose": _transpose,
    "reshape": _reshape,
    "squeeze": _squeeze,
    "axis": _axis_moved,
    "join": _join,
    "getitem": _getitem,
}

# op -> its batched rule; an op whose rule names no scheme has none.
RULES: dict[str, Callable[..., np.ndarray]] = {
    op: SCHEMES[rule.batch] for op, rule in np_rules.RULES.items() if rule.batch
}
