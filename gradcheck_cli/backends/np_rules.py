"""The numpy backend's rule table: for every op in `ops.OPS`, one `Rule` (np_rules_common).

A rule holds the op's forward, its VJP and the text `gradcheck explain` writes for the
derivative, side by side in the module of its family: `np_rules_unary`, `np_rules_binary`
(arithmetic, comparisons, where, clip), `np_rules_reductions`, `np_rules_linalg` (norm and
products) and `np_rules_shape` (shape and index ops). `RULES` gathers them in the order of
`ops.OPS`; `FORWARD`, `VJP` and `SELECTIVE` are its columns, which the engine reads.

`FORWARD[op](*inputs, **attrs)` is NumPy's semantics (jax.nn's for sigmoid, relu, softplus,
softmax, log_softmax, logsumexp), always returning an ndarray; integer and bool arrays
meeting a floating array in arithmetic are cast to its dtype first, so float32 stays
float32. `VJP[op](g, ans, *inputs, **attrs)` returns exactly one cotangent per input, in
that input's shape and dtype, or None where it takes none (integer, bool and literal
inputs, conditions, indices). The rules named in `SELECTIVE` also take `wanted=`, one flag
per input, and give None for an input not wanted (a constant: nothing reads its cotangent).
A cotangent may be a view of `g` or shared between inputs: no rule writes into one. The
conventions at kinks and ties are those in `ops.trap`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import numpy as np

from ..ops import OPS
from . import (
    np_rules_arrange,
    np_rules_binary,
    np_rules_decompositions,
    np_rules_linalg,
    np_rules_nn,
    np_rules_reductions,
    np_rules_shape,
    np_rules_special,
    np_rules_stats,
    np_rules_unary,
)
from .np_rules_common import Rule, is_diff, unbroadcast

__all__ = ["FORWARD", "RULES", "SELECTIVE", "VJP", "Rule", "apply", "is_operand", "unbroadcast"]

# fd_batch's scheme for an op whose rule names none: by the op's kind ("" is none)
_BATCH_BY_KIND = {"elementwise": "elementwise", "compare": "elementwise", "reduction": "reduction"}


def _gather() -> dict[str, Rule]:
    found: dict[str, Rule] = {}
    for family in (np_rules_binary, np_rules_unary, np_rules_reductions, np_rules_linalg):
        found.update(family.RULES)
    found.update(np_rules_shape.RULES)
    for family in (np_rules_special, np_rules_nn, np_rules_stats, np_rules_decompositions):
        found.update(family.RULES)
    found.update(np_rules_arrange.RULES)
    missing = sorted(set(OPS) - set(found)) + sorted(set(found) - set(OPS))
    if missing:
        raise AssertionError(f"np_rules: no rule, or a rule for no op: {', '.join(missing)}")
    rules = {}
    for name, op in OPS.items():
        rule = found[name]
        batch = _BATCH_BY_KIND.get(op.kind, "") if rule.batch is None else rule.batch
        rules[name] = replace(rule, batch=batch)
    return rules


RULES: dict[str, Rule] = _gather()

FORWARD: dict[str, Callable[..., np.ndarray]] = {k: r.forward for k, r in RULES.items()}
VJP: dict[str, Callable[..., tuple[np.ndarray | None, ...]]] = {k: r.vjp for k, r in RULES.items()}
# Rules that take `wanted=` and compute only the cotangents asked for.
SELECTIVE = frozenset(k for k, r in RULES.items() if r.selective)


def apply(op: str, args: tuple[Any, ...] | list[Any], attrs: Any, dtype: np.dtype) -> np.ndarray:
    """`FORWARD[op]` with all arithmetic in the case `dtype`: where no input is floating but
    NumPy's result is (`exp(m)` for a bool `m` is float16 in NumPy, `n / 2` float64), the
    integer and bool operands are cast to `dtype` first and the rule runs again; a complex
    case dtype gives its real counterpart here (`n / 2` is real, complex64's float32)."""
    ans = FORWARD[op](*args, **attrs)
    if ans.dtype.kind != "f" or ans.dtype == dtype or any(map(is_diff, args)):
        return ans
    if dtype.kind == "c":
        dtype = np.finfo(dtype).dtype
        if ans.dtype == dtype:
            return ans
    cast = [
        x.astype(dtype) if isinstance(x, np.ndarray) and is_operand(op, i) else x
        for i, x in enumerate(args)
    ]
    ans = FORWARD[op](*cast, **attrs)
    return ans if ans.dtype == dtype else ans.astype(dtype)  # literals alone: exp(1.5)


def is_operand(op: str, i: int) -> bool:
    """Whether input i of `op` takes part in its arithmetic (not a condition or an index)."""
    return OPS[op].operand(i)
