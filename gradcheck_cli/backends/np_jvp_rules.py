"""The numpy engine's forward-mode (JVP) rules: for each op, its output's tangent written as
equations of the op vocabulary (`np_trace.Sym`), from its inputs' tangents.

A rule is `rule(ts, xs, ans, attrs)`: `ts` one tangent per input (a `Sym`, or None where the
input is constant or not differentiable), `xs` the inputs (a `Sym`, or the literal value),
`ans` the output's `Sym`; it returns the output's tangent (None: zero). The rules are the
derivatives the VJP rules transpose, at the same conventions (ties split evenly, the masks
of `power`, `clip`'s inclusive bounds), so that jvp . v and grad . v agree at kinks too and
differentiating a tangent program gives the second derivative of the same function:

- an elementwise op of one operand: `t * d(x, ans)`, `d` the derivative function its VJP
  rule uses (np_rules_unary, _special, _nn), traced;
- an op linear in its array inputs (shape and index ops, sum, mean, cumsum, trace, real,
  imag, conj): the op itself on the tangents, zeros where an input has none;
- a multilinear op (multiply, matmul, dot, outer, einsum, kron, tensordot, cross): the sum
  over its differentiable inputs of the op with that one replaced by its tangent;
- the rest written out in np_jvp_elementwise and np_jvp_reductions. An op with none
  (`RULES` lacks it, or its derivative function cannot be traced) makes the engine's hvp
  a skip naming it; its jvp then comes from the VJPs (np_higher).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np

from ..ops import OPS
from . import np_jvp_elementwise, np_jvp_reductions
from .np_jvp_elementwise import _total
from .np_rules import RULES as VJP_RULES
from .np_trace import Sym

JvpRule = Callable[[list[Any], list[Any], Sym, dict[str, Any]], Any]


def _zero(b: Any, x: Any) -> np.ndarray:
    return b.zeros(x)


def _linear(op: str) -> JvpRule:
    """The op on the tangents, with zeros for an array input without one (concatenate)."""

    def rule(ts: list[Any], xs: list[Any], ans: Sym, attrs: dict) -> Any:
        b = ans.builder
        diff = OPS[op].diff
        args = []
        for i, (t, x) in enumerate(zip(ts, xs, strict=True)):
            if diff is not None and i not in diff:
                args.append(x)  # an index, a condition: the same
            else:
                args.append(t if t is not None else _zero(b, x))
        return b.emit(op, *args, **attrs)

    return rule


def _multilinear(op: str) -> JvpRule:
    def rule(ts: list[Any], xs: list[Any], ans: Sym, attrs: dict) -> Any:
        b = ans.builder
        terms = []
        for i, t in enumerate(ts):
            if t is not None:
                args = list(xs)
                args[i] = t
                terms.append(b.emit(op, *args, **attrs))
        return _total(*terms)

    return rule


def _unary(deriv: Callable[..., Any]) -> JvpRule:
    def rule(ts: list[Any], xs: list[Any], ans: Sym, attrs: dict) -> Any:
        t = ts[0]
        return None if t is None else t * deriv(xs[0], ans, **attrs)

    return rule


def _zero_rule(ts: list[Any], xs: list[Any], ans: Sym, attrs: dict) -> Any:
    return None  # piecewise constant (floor, sign, round...) or stop_gradient


_DERIVATIVE_VJPS = ("_vjp_unary", "_vjp")  # `g * d(x, ans)` with d the partial's argument


_LINEAR = (
    "negative transpose reshape expand_dims squeeze flip concatenate stack diag diagonal triu"
    " tril split tile repeat roll moveaxis swapaxes broadcast_to ravel getitem take"
    " take_along_axis cumsum sum mean trace real imag conj"
).split()


_MULTILINEAR = "multiply matmul dot outer einsum tensordot kron cross".split()


_ZERO = "floor ceil round trunc sign floor_divide stop_gradient".split()


def _gather() -> dict[str, JvpRule]:
    rules: dict[str, JvpRule] = {}
    for name, rule in VJP_RULES.items():
        vjp = rule.vjp
        if isinstance(vjp, partial) and vjp.func.__name__ in _DERIVATIVE_VJPS and vjp.args:
            rules[name] = _unary(vjp.args[0])
    rules.update({op: _linear(op) for op in _LINEAR if op in OPS})
    rules.update({op: _multilinear(op) for op in _MULTILINEAR if op in OPS})
    rules.update({op: _zero_rule for op in _ZERO if op in OPS})
    rules.update(np_jvp_elementwise.RULES)
    rules.update(np_jvp_reductions.RULES)
    rules["angle"] = _zero_rule  # on real numbers (jvp and hvp are not defined on complex)
    return rules


RULES: dict[str, JvpRule] = _gather()
