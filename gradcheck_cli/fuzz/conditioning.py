"""How far an op's operands are from its kinks, ties and the edges of its domain.

`distance(op, inputs, attrs)` is that distance in units of the values (inf where the op
is smooth everywhere). Values for generated checks are kept at least a margin away, so
finite differences (whose widest step, Richardson's, is about 0.006 * max(|x|, 1)) never
straddle a kink and every backend's convention there stays out of the comparison. The
rule of an op comes from its kind, its arity and whether it is analytic, so a new op of a
known kind is covered; `norm`, `clip` and `where` have their own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..ops import OPS

INF = float("inf")


def _floats(inputs: list[Any]) -> list[np.ndarray]:
    """The numeric operands (arrays and literals), booleans left out."""
    out = []
    for x in inputs:
        if x is None or isinstance(x, bool):
            continue
        a = np.asarray(x)
        if a.dtype.kind in "fiu" and a.size:
            out.append(a.astype(np.float64))
    return out


def _domain(domain: str, inputs: list[Any]) -> float:
    values = _floats(inputs)
    if not values or domain == "real":
        return INF
    if domain == "positive":
        return min(float(np.min(v)) for v in values)
    if domain == "unit":
        return min(1 - float(np.max(np.abs(v))) for v in values)
    if domain == "above_one":
        return min(float(np.min(v)) - 1 for v in values)
    return min(float(np.min(np.abs(v))) for v in values)  # nonzero


def _axes(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    return tuple(a % ndim for a in (axis if isinstance(axis, tuple) else (axis,))) if ndim else ()


def slice_gap(a: Any, axis: Any = None) -> float:
    """The least difference between two elements of one reduced slice (inf: no pair)."""
    a = np.asarray(a, dtype=np.float64)
    axes = _axes(axis, a.ndim)
    kept = [i for i in range(a.ndim) if i not in axes]
    rows = np.transpose(a, kept + list(axes)).reshape(-1, int(np.prod([a.shape[i] for i in axes])))
    if rows.shape[-1] < 2 or rows.size == 0:
        return INF
    return float(np.min(np.diff(np.sort(rows, axis=-1), axis=-1)))


def _zero(inputs: list[Any], attrs: dict[str, Any]) -> float:
    return float(np.min(np.abs(inputs[0]))) if np.size(inputs[0]) else INF


def _pair(inputs: list[Any], attrs: dict[str, Any]) -> float:
    x1, x2 = (np.asarray(v, dtype=np.float64) for v in inputs[:2])
    gap = np.abs(x1 - x2)
    return float(np.min(gap)) if gap.size else INF


def _ties(inputs: list[Any], attrs: dict[str, Any]) -> float:
    return slice_gap(inputs[0], attrs.get("axis"))


def _clip(inputs: list[Any], attrs: dict[str, Any]) -> float:
    a, lo, hi = (None if v is None else np.asarray(v, dtype=np.float64) for v in inputs)
    gaps = [INF]
    for bound in (lo, hi):
        if bound is not None:
            gaps.append(float(np.min(np.abs(a - bound))))
    if lo is not None and hi is not None:
        gaps.append(float(np.min(hi - lo)))  # crossed bounds: negative, never far enough
    return min(gaps)


def _singular(m: np.ndarray) -> float:
    s = np.linalg.svd(m, compute_uv=False)
    gaps = np.diff(np.sort(s, axis=-1), axis=-1)
    return float(min(np.min(s), np.min(gaps) if gaps.size else INF))


def _norm(inputs: list[Any], attrs: dict[str, Any]) -> float:
    x = np.asarray(inputs[0], dtype=np.float64)
    order, axis = attrs.get("ord"), attrs.get("axis")
    near = float(np.min(np.abs(x))) if x.size else INF  # |x|'s kink, for the 1- and inf-norms
    matrix = (isinstance(axis, tuple) and len(axis) == 2) or (
        axis is None and x.ndim == 2 and order is not None
    )
    if not matrix:
        if order in (INF, -INF):
            return min(near, slice_gap(np.abs(x), axis))
        return near
    m = np.moveaxis(x, axis if axis is not None else (0, 1), (-2, -1))
    if order in (1, -1):
        return min(near, slice_gap(np.sum(np.abs(m), axis=-2), -1))
    if order in (INF, -INF):
        return min(near, slice_gap(np.sum(np.abs(m), axis=-1), -1))
    if order in (2, -2, "nuc"):
        return min(near, _singular(m))
    return near


def _integer(inputs: list[Any], attrs: dict[str, Any]) -> float:
    """floor, ceil, trunc: their jumps are at the integers."""
    x = np.asarray(inputs[0], dtype=np.float64)
    return float(np.min(np.abs(x - np.round(x)))) if x.size else INF


def _round(inputs: list[Any], attrs: dict[str, Any]) -> float:
    """round: its jumps are at the half-integers, after scaling by 10 ** decimals."""
    x = np.asarray(inputs[0], dtype=np.float64) * 10.0 ** attrs.get("decimals", 0) - 0.5
    return float(np.min(np.abs(x - np.round(x)))) if x.size else INF


def _quotient(inputs: list[Any], attrs: dict[str, Any]) -> float:
    """remainder, fmod, floor_divide: their jumps are where x1 / x2 is an integer n, a
    distance |x1 - n * x2| along x1 and that over |n| along x2."""
    x1, x2 = (np.asarray(v, dtype=np.float64) for v in inputs[:2])
    q = x1 / x2
    gap = np.abs(q - np.round(q)) * np.abs(x2) / np.maximum(1, np.abs(q))
    return float(np.min(gap)) if gap.size else INF


Rule = Callable[[list[Any], dict[str, Any]], float]
RULES: dict[str, Rule] = {"norm": _norm, "clip": _clip, "where": lambda inputs, attrs: INF}
RULES.update({op: _integer for op in ("floor", "ceil", "trunc")})
RULES.update({"round": _round, **{op: _quotient for op in ("remainder", "fmod", "floor_divide")}})


def _corners(*at: float) -> Rule:
    """relu6 (0 and 6), hard_tanh (-1 and 1): the kinks at these values."""

    def distance(inputs: list[Any], attrs: dict[str, Any]) -> float:
        x = np.asarray(inputs[0], dtype=np.float64)
        return float(min(np.min(np.abs(x - c)) for c in at)) if x.size else INF

    return distance


RULES.update({"relu6": _corners(0.0, 6.0), "hard_tanh": _corners(-1.0, 1.0)})


def rule(op: str) -> Rule | None:
    """The op's own rule, else one by its kind: a non-analytic elementwise op has its kink
    at 0 (one operand) or where its operands meet (two); a comparison where its operands
    meet; a non-analytic reduction at ties."""
    spec = OPS[op]
    if op in RULES:
        return RULES[op]
    if spec.kind == "compare":
        return _pair
    if spec.analytic:
        return None
    if spec.kind == "elementwise":
        return _zero if len(spec.arrays) == 1 else _pair
    return _ties if spec.kind == "reduction" else None


def distance(op: str, inputs: list[Any], attrs: dict[str, Any]) -> float:
    """How far `inputs` are from `op`'s nearest kink, tie or domain edge (inf: nowhere)."""
    found = _domain(OPS[op].domain, inputs)
    kink = rule(op)
    with np.errstate(all="ignore"):
        return min(found, kink(inputs, attrs) if kink else INF)
