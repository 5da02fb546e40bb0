"""The equations and their local derivatives, as text: what each edge of a walkthrough
contributes to an adjoint, in symbols and in numbers.

An elementwise op's local derivative is its rule's `local` template (or `special` text),
its value the op's own VJP rule called with a unit cotangent; any other op's contribution
is its rule's `text` phrase (`np_rules_common.Rule`), written once with the node names and
once with the numbers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import ir
from ..backends.np_rules import RULES, VJP
from ..backends.np_rules_common import generic_text
from ..ir import Var
from ..ops import INFIX, OPS
from ..report.text import fmt_array

if TYPE_CHECKING:
    from ..backends.np_engine import TapeEntry


def _operand(atom: ir.Atom, names: Mapping[str, str]) -> str:
    return names[atom.name] if isinstance(atom, Var) else repr(atom.value)


def expression(eqn: ir.Eqn, names: Mapping[str, str]) -> str:
    """The equation's right side in shown names: `x ** 2`, `Y[1]`, `sum(m, axis=0)`."""
    args = [_operand(a, names) for a in eqn.inputs]
    if eqn.op in INFIX:
        return f" {INFIX[eqn.op]} ".join(args)
    if eqn.op == "negative":
        return f"-{args[0]}"
    shown = replace(eqn, out="_", inputs=tuple(Var(a) for a in args))
    return ir.format_eqn(shown).split(" = ", 1)[1]


# d(out)/d(input i) for each elementwise op: {0}, {1}, {2} the operands, {ans} the output


def _local(eqn: ir.Eqn, i: int, args: tuple[str, ...], ans: str) -> str:
    """The local derivative d(ans)/d(operand i) of an elementwise op, as text."""
    rule = RULES[eqn.op]
    special = rule.special(eqn.inputs, i, args) if rule.special is not None else None
    if special is not None:
        return special
    template = rule.local[i]
    parts = [f"({a})" if _binds(a, k, template) else a for k, a in enumerate(args)]
    return template.format(*parts, ans=ans)


def _binds(operand: str, k: int, template: str) -> bool:
    """A negative literal needs parentheses after a minus sign or before a power."""
    slot = "{" + str(k) + "}"
    return operand.startswith("-") and ("-" + slot in template or slot + " **" in template)


def _unit_local(entry: TapeEntry, i: int) -> np.ndarray:
    """The local derivative's value: the op's own VJP at a cotangent of ones, its operands
    broadcast to the output's shape so that nothing is summed."""
    shape = entry.ans.shape
    args = [np.broadcast_to(a, shape) if isinstance(a, np.ndarray) else a for a in entry.args]
    with np.errstate(all="ignore"):
        return VJP[entry.eqn.op](np.ones_like(entry.ans), entry.ans, *args, **entry.eqn.attrs)[i]


def _summed(text: str, into: tuple[int, ...], shape: tuple[int, ...]) -> str:
    """How a broadcast operand takes its cotangent: summed over the broadcast axes."""
    if into == shape:
        return text
    if not into:
        return f"sum({text})"
    lead = len(shape) - len(into)
    if shape[lead:] == into:
        axes = tuple(range(lead))
        return f"sum({text}, axis={axes[0] if len(axes) == 1 else axes})"
    return f"sum({text}) to shape {list(into)}"


@dataclass(frozen=True)
class _Edge:
    """What a VJP phrase needs: the consumer's adjoint and the operands, as names or numbers."""

    entry: TapeEntry
    i: int
    g: str
    args: tuple[str, ...]
    names: tuple[str, ...]
    ans: str

    def attr(self, name: str) -> Any:
        return self.entry.eqn.attrs.get(name, OPS[self.entry.eqn.op].attr_defaults.get(name))

    def shape(self, i: int | None = None) -> list[int]:
        return list(np.shape(self.entry.args[self.i if i is None else i]))


def edge_text(
    entry: TapeEntry, i: int, g: np.ndarray, ct: np.ndarray, names: Mapping[str, str], f: str
) -> tuple[str, str]:
    """The contribution of operand `i` of a taped equation, in symbols and in numbers."""
    eqn, ans = entry.eqn, names[entry.eqn.out]
    symbols = tuple(_operand(a, names) for a in eqn.inputs)
    numbers = tuple(
        fmt_array(v) if isinstance(a, Var) else repr(a.value)
        for a, v in zip(eqn.inputs, entry.args, strict=True)
    )
    if OPS[eqn.op].kind != "elementwise":
        phrase = RULES[eqn.op].text or generic_text
        return (
            phrase(_Edge(entry, i, f"d{f}/d{ans}", symbols, symbols, ans)),
            phrase(_Edge(entry, i, fmt_array(g), numbers, symbols, fmt_array(entry.ans))),
        )
    local = _local(eqn, i, symbols, ans)
    conjugated = _complex(entry)  # (v2) the cotangent is g * conj(d ans / d operand)
    shown = _local_number(entry, i, local, symbols, ans, conjugated)
    sums = " + " in outside(local) or " - " in outside(local)
    local = f"({local})" if sums else local  # `g * (1 - n1 ** 2)`, not `g * 1 - n1 ** 2`
    if conjugated and not _is_number(local):
        local = f"conj{local}" if sums else f"conj({local})"
    into, shape = ct.shape, entry.ans.shape
    return (
        _summed(f"d{f}/d{ans} * {local}", into, shape),
        _summed(f"{fmt_array(g)} * {shown}", into, shape),
    )


def _complex(entry: TapeEntry) -> bool:
    return np.iscomplexobj(entry.ans) or any(np.iscomplexobj(a) for a in entry.args)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _local_number(
    entry: TapeEntry, i: int, local: str, symbols: tuple, ans: str, conjugated: bool = False
) -> str:
    """The local derivative's number: written out where it is a number or a node (the
    other operand of a product keeps its own shape), else the VJP rule's value (which has
    the conjugate in it already)."""
    cj = np.conj if conjugated else np.asarray
    if local in symbols:
        return fmt_array(cj(entry.args[symbols.index(local)]))
    if local == ans:
        return fmt_array(cj(entry.ans))
    if not _is_number(local):
        return fmt_array(_unit_local(entry, i))
    return local


def outside(text: str) -> str:
    """`text` without what is inside its brackets: `1 - n1 ** 2` stays, `(x > 0)` is `()`."""
    depth, kept = 0, []
    for char in text:
        depth -= char in ")]"
        kept.append(char if depth == 0 else "")
        depth += char in "(["
    return "".join(kept)


def spaced(text: str) -> bool:
    """Whether `text` has a space outside brackets (a call such as `flip(g)` has none)."""
    depth = 0
    for char in text:
        depth += (char in "([") - (char in ")]")
        if char == " " and depth == 0:
            return True
    return False
