"""What a spelling table's entry sees, and a program lowered through a table.

An entry of a framework's table (`SPELL[op]`) is a function of a `Site`: the equation (its
op and attributes), each input's shape and dtype (or the Python literal written), the
result's shape and dtype, and the case dtype, all from the abstract pass; never the
values. It returns a tree (`tree.py`). `lower` builds the case's trees once; `Runner` binds
them to a framework's namespace and runs the program with them; `gradcheck repro` prints the
same trees.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ..ir import Aval, Eqn, Var, read
from ..ops import OPS
from .tree import Node, bind

if TYPE_CHECKING:
    from ..case import Case

_NOT_LITERAL = object()


@dataclass(frozen=True)
class Operand:
    """An equation input: an array (its Aval), or a Python literal written in the expression."""

    aval: Aval | None = None
    value: Any = _NOT_LITERAL

    @property
    def literal(self) -> bool:
        return self.aval is None

    @property
    def dtype(self) -> np.dtype:
        return self.aval.dtype if self.aval is not None else np.asarray(self.value).dtype

    @property
    def shape(self) -> tuple[int, ...]:
        return self.aval.shape if self.aval is not None else np.shape(self.value)

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def kind(self) -> str:
        """ "f", "i", "b" or "c"; a literal's of its Python value (unsigned counts as "i")."""
        kind = self.dtype.kind
        return "i" if kind == "u" else kind


@dataclass(frozen=True)
class Site:
    eqn: Eqn
    ins: tuple[Operand, ...]
    out: Aval
    dtype: np.dtype  # the case dtype

    @property
    def op(self) -> str:
        return self.eqn.op

    @property
    def attrs(self) -> dict[str, Any]:
        return dict(self.eqn.attrs)

    def changed(self) -> dict[str, Any]:
        """The attributes that differ from the op's defaults, in the op's order."""
        defaults = OPS[self.eqn.op].attr_defaults
        return {k: v for k, v in self.eqn.attrs.items() if k not in defaults or v != defaults[k]}


Spelling = Callable[[Site], Node]


def avals_of(case: Case) -> Mapping[str, Aval]:
    """The case's Avals from the abstract pass (run here for a case that was not checked)."""
    if case.avals:
        return case.avals
    from ..shapes import check  # a case built directly (tests, library use)

    return check(case)[0]


def sites(case: Case) -> list[Site]:
    avals, dtype = avals_of(case), np.dtype(case.dtype)
    out = []
    for eqn in case.program.eqns:
        ins = tuple(
            Operand(avals[a.name]) if isinstance(a, Var) else Operand(None, a.value)
            for a in eqn.inputs
        )
        out.append(Site(eqn, ins, avals[eqn.out], dtype))
    return out


@dataclass(frozen=True)
class Lowered:
    eqn: Eqn
    tree: Node


def lower(case: Case, table: Mapping[str, Spelling]) -> list[Lowered]:
    """Every equation's tree, from the table's entry for its op."""
    return [Lowered(site.eqn, table[site.op](site)) for site in sites(case)]


class Runner:
    """A lowered program bound to a framework's namespace: `run(env)` fills env and returns
    the cost's value."""

    def __init__(self, case: Case, lowered: Sequence[Lowered], namespace: Mapping[str, Any]):
        self.cost = case.program.cost
        self.steps = [
            (step.eqn.out, step.eqn.inputs, bind(step.tree, namespace)) for step in lowered
        ]

    def run(self, env: dict[str, Any], tap: Callable[[str, Any], Any] | None = None) -> Any:
        """Each equation in turn into `env`; `tap(variable, value)`, where given, may replace
        each result (explain's adjoints add a zero to differentiate with respect to it)."""
        for out, atoms, fn in self.steps:
            value = fn([env[a.name] if type(a) is Var else a.value for a in atoms])
            env[out] = value if tap is None else tap(out, value)
        return read(self.cost, env)
