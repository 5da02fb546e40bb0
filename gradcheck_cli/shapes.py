"""The abstract pass: every variable's shape and dtype, and the budget, before any backend.

For each equation in program order, an upper bound of its result's size is computed from
the shapes of its inputs alone (`bound`), and a result over `--max-elements` is refused
with the equation's position and the numbers before anything is allocated. Within the
limit, NumPy's forward rule (`np_rules.apply`, in the case dtype) gives the exact shape
and dtype, and a problem (a shape mismatch, an axis out of range, a non-float cost)
becomes a positioned problem. The sum of every intermediate's bytes bounds what a backend
holds to differentiate the case; over `--max-bytes` the case is refused too.

`check` returns each variable's `Aval` (shape, dtype), which the case carries for every
later reader, and the problems.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from .backends.np_rules import apply
from .backends.np_rules_arrange_size import size_bound
from .errors import Position, Problem
from .ir import ArrayRef, Aval, Eqn, Var, read
from .limits import DEFAULT, Limits, quantity, refusal
from .ops import OPS

if TYPE_CHECKING:
    from .case import Case

# A reverse-mode backend holds each intermediate and its cotangent, and a framework its own
# copies besides: the memory a case needs, as a multiple of its intermediates' bytes.
BACKEND_FACTOR = 3


def aval(value: Any) -> Aval:
    array = np.asarray(value)
    return Aval(array.shape, array.dtype)


_LITERAL = Aval((), np.dtype(np.float64))


# ---- size bounds from shapes alone ---------------------------------------------------------


def _broadcast(shapes: list[tuple[int, ...]]) -> int:
    try:
        return math.prod(np.broadcast_shapes(*shapes))
    except ValueError:
        return max((math.prod(s) for s in shapes), default=1)  # the rule will refuse it


def _matmul(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    if not a or not b:
        return math.prod(a) * math.prod(b)
    rows = a[-2] if len(a) > 1 else 1
    cols = b[-1] if len(b) > 1 else 1
    return _broadcast([a[:-2], b[:-2]]) * rows * cols


def _dot(a: tuple[int, ...], b: tuple[int, ...]) -> int:
    if not a or not b:
        return max(math.prod(a), math.prod(b))
    return math.prod(a[:-1]) * math.prod(b[:-2] + b[-1:] if len(b) > 1 else ())


def _getitem(eqn: Eqn, inputs: list[Aval]) -> int:
    """Advanced entries (integer lists and arrays, masks) select at most as many elements
    as their broadcast shape (a mask: its size), times the axes they leave; basic entries
    never grow x. Entries before `...` consume x's leading axes, those after its last."""
    x, index = inputs[0].shape, eqn.attrs["index"]
    picked: list[tuple[int, ...]] = []
    widths, kinds = [], []
    for entry in index:
        if isinstance(entry, ArrayRef):
            a = inputs[entry.input]
            is_mask = a.dtype.kind == "b"
            picked.append((a.size,) if is_mask else a.shape)
            widths.append(len(a.shape) if is_mask else 1)
            kinds.append("advanced")
        elif isinstance(entry, tuple):
            picked.append((len(entry),))
            widths.append(1)
            kinds.append("advanced")
        else:
            widths.append(0 if entry is None or entry is Ellipsis else 1)
            kinds.append("slice" if isinstance(entry, slice) else "other")
    if not picked:
        return math.prod(x)
    cut = next((i for i, e in enumerate(index) if e is Ellipsis), len(index))
    lead, tail = sum(widths[:cut]), sum(widths[cut + 1 :])
    kept = list(x[lead : len(x) - tail]) if lead + tail <= len(x) else []
    axis = 0
    for i, (width, kind) in enumerate(zip(widths, kinds, strict=True)):
        if i == cut:
            axis = len(x) - tail
            continue
        if kind == "slice":
            kept += list(x[axis : axis + 1])
        axis += width
    return _broadcast(picked) * math.prod(kept)


def work(eqn: Eqn, inputs: list[Aval], size: int) -> int:
    """The arithmetic of `eqn`, estimated: a product's multiply-adds, else one operation
    per element read or written."""
    shapes = [a.shape for a in inputs]
    if eqn.op in ("matmul", "dot") and all(shapes):
        inner = shapes[0][-1]
        return 2 * size * inner
    if eqn.op == "norm" and eqn.attrs.get("ord") in ("nuc", 2, -2) and len(shapes[0]) >= 2:
        m, n = shapes[0][-2:]
        return 4 * inputs[0].size * min(m, n)  # an SVD
    return size + sum(a.size for a in inputs)


def bound(eqn: Eqn, inputs: list[Aval]) -> int:
    """An upper bound of the elements of `eqn`'s result, from its inputs' shapes."""
    op = OPS[eqn.op]
    shapes, sizes = [a.shape for a in inputs], [a.size for a in inputs]
    if eqn.op == "matmul":
        return _matmul(*shapes)
    if eqn.op == "dot":
        return _dot(*shapes)
    if eqn.op == "outer":
        return sizes[0] * sizes[1]
    if eqn.op in ("kron", "tensordot", "einsum"):  # never more than all operands' product
        return math.prod(sizes)
    grown = _grows(eqn, shapes, sizes)
    if grown is not None:
        return grown
    if op.variadic:
        return sum(sizes)
    if eqn.op == "getitem":
        return _getitem(eqn, inputs)
    if op.kind in ("elementwise", "compare"):
        return _broadcast(shapes)
    grown = size_bound(eqn, shapes) if op.kind in ("shape", "index") else None
    if grown is not None:  # tile, repeat, pad, broadcast_to, take: from their arguments
        return grown
    return max(sizes, default=1)  # reductions and shape ops never grow their input


def _grows(eqn: Eqn, shapes: list[tuple[int, ...]], sizes: list[int]) -> int | None:
    """The ops whose result can be larger than any input, apart from the products."""
    if eqn.op == "one_hot":
        return sizes[0] * max(int(eqn.attrs.get("num_classes") or 1), 1)
    if eqn.op == "diag" and len(shapes[0]) == 1:
        n = shapes[0][0] + abs(int(eqn.attrs.get("k") or 0))
        return n * n
    if eqn.op == "svd" and len(shapes[0]) >= 2:  # full_matrices: U is m x m, Vh n x n
        m, n = shapes[0][-2:]
        return math.prod(shapes[0][:-2]) * max(m, n) ** 2
    return None


# ---- the pass ------------------------------------------------------------------------------


def eqn_position(case: Case, eqn: Eqn) -> Position:
    origin = case.origins.get(eqn.source) or case.position
    return Position(origin.file, origin.line + eqn.line - 1, origin.column + eqn.column - 1)


def check(case: Case, limits: Limits = DEFAULT) -> tuple[dict[str, Aval], list[Problem]]:
    """Every variable's Aval, and the problems of the case's program (at most one: the
    first equation that cannot run stops the pass)."""
    env: dict[str, Any] = {**case.inputs, **case.params}
    avals = {k: aval(v) for k, v in env.items()}
    if case.program is None:  # no cost: the user's implementations are opaque to the pass
        return avals, []
    held, flops = sum(np.asarray(v).nbytes for v in env.values()), 0
    dtype = np.dtype(case.dtype)
    with np.errstate(all="ignore"):
        for eqn in case.program.eqns:
            inputs = [avals[a.name] if isinstance(a, Var) else _LITERAL for a in eqn.inputs]
            size = bound(eqn, inputs)
            if size > limits.max_elements:
                return avals, [_too_large(case, eqn, size, dtype, limits)]
            flops += work(eqn, inputs, size)
            if flops > limits.max_flops:
                return avals, [_too_slow(case, eqn, flops, limits)]
            need = BACKEND_FACTOR * (held + size * dtype.itemsize)
            if need > limits.max_bytes:
                return avals, [_too_much(case, eqn, need, limits)]
            symbol = _bitwise(eqn, inputs)
            if symbol:
                return avals, [_not_boolean(case, eqn, symbol)]
            try:
                env[eqn.out] = _evaluate(eqn, env, dtype)
            except (ValueError, TypeError, IndexError) as exc:
                return avals, [_failed(case, eqn, exc)]
            avals[eqn.out] = aval(env[eqn.out])
            held += env[eqn.out].nbytes
    cost = np.asarray(read(case.program.cost, env))
    return avals, _cost_problems(case, cost)


def _evaluate(eqn: Eqn, env: Mapping[str, Any], dtype: np.dtype) -> np.ndarray:
    args = [read(a, env) for a in eqn.inputs]
    try:
        return apply(eqn.op, args, eqn.attrs, dtype)
    except IndexError as exc:
        if "out of bounds" not in str(exc) or isinstance(exc, np.exceptions.AxisError):
            raise
        # an index out of range is a result (NumPy raises, JAX clamps), not a case error:
        # the pass goes on with the index at 0, which gives the same shape
        return apply(eqn.op, _in_range(eqn, args), _zeroed(eqn.attrs), dtype)


def _in_range(eqn: Eqn, args: list[Any]) -> list[Any]:
    return [
        args[0],
        *(a if np.asarray(a).dtype.kind == "b" else np.zeros_like(a) for a in args[1:]),
    ]


def _zeroed(attrs: Mapping[str, Any]) -> dict[str, Any]:
    def zero(entry: Any) -> Any:
        if isinstance(entry, int) and not isinstance(entry, bool):
            return 0
        if isinstance(entry, tuple) and entry and type(entry[0]) is not bool:
            return tuple(0 for _ in entry)
        return entry

    if "index" not in attrs:  # take, take_along_axis: the indices are an input
        return dict(attrs)
    return {**attrs, "index": tuple(zero(e) for e in attrs["index"])}


def _too_large(case: Case, eqn: Eqn, size: int, dtype: np.dtype, limits: Limits) -> Problem:
    nbytes = quantity(size * dtype.itemsize, "bytes")
    message = f"`{eqn.text}` makes an array of {quantity(size, 'elements')} ({nbytes}): " + refusal(
        limits, "max_elements"
    )
    return Problem(eqn_position(case, eqn), message, "", case.name)


def _too_slow(case: Case, eqn: Eqn, flops: int, limits: Limits) -> Problem:
    message = (
        f"with `{eqn.text}`, one evaluation of the program takes about "
        f"{quantity(flops, 'operations')}: " + refusal(limits, "max_flops")
    )
    return Problem(eqn_position(case, eqn), message, "", case.name)


def _too_much(case: Case, eqn: Eqn, need: int, limits: Limits) -> Problem:
    message = (
        f"with `{eqn.text}`, differentiating the case needs about {quantity(need, 'bytes')} "
        f"({BACKEND_FACTOR}x its values so far): " + refusal(limits, "max_bytes")
    )
    return Problem(eqn_position(case, eqn), message, "", case.name)


_OPERATORS = {"logical_and": "&", "logical_or": "|", "logical_xor": "^", "logical_not": "~"}


def _bitwise(eqn: Eqn, inputs: list[Any]) -> str | None:
    """`&`, `|`, `^`, `~` on anything but booleans: NumPy's are bitwise there (or refused,
    on floats), which the language does not have; the functions logical_and... take any
    truth value, as NumPy's do."""
    symbol = _OPERATORS.get(eqn.op)
    if symbol is None or eqn.text.lstrip("( ").startswith(eqn.op):
        return None
    if all(a is not _LITERAL and a.dtype.kind == "b" for a in inputs if a is not _LITERAL):
        literals = [x for x in eqn.inputs if not isinstance(x, Var)]
        if all(type(getattr(x, "value", True)) is bool for x in literals):
            return None
    return symbol


def _not_boolean(case: Case, eqn: Eqn, symbol: str) -> Problem:
    message = f"`{eqn.text}`: {symbol} takes booleans (on numbers NumPy's is bitwise)"
    hint = f"compare first, as in (x > 0) {symbol} (y > 0), or call {eqn.op}(...)"
    if symbol == "~":
        hint = "compare first, as in ~(x > 0), or call logical_not(...)"
    return Problem(eqn_position(case, eqn), message, hint, case.name)


def _failed(case: Case, eqn: Eqn, exc: Exception) -> Problem:
    hint = "" if isinstance(exc, IndexError) else "check the shapes"
    return Problem(eqn_position(case, eqn), f"`{eqn.text}`: {str(exc).strip()}", hint, case.name)


def _cost_problems(case: Case, cost: np.ndarray) -> list[Problem]:
    pos = case.source.get("cost", case.position)
    if cost.dtype.kind == "c":
        message = f"the cost is {cost.dtype}: the reduced cost must be real"
        return [Problem(pos, message, "take real(...), imag(...) or abs(...) of it", case.name)]
    if cost.dtype.kind != "f":
        message = f"the cost is {cost.dtype}, not a float"
        return [Problem(pos, message, "differentiate a float expression", case.name)]
    if cost.ndim and case.reduce == "none":
        message = f"the cost has shape {list(cost.shape)}, but reduce is none"
        hint = "set reduce: sum, mean or native"
        return [Problem(case.source.get("reduce", pos), message, hint, case.name)]
    return []
