"""The `Op` record and the helpers the op lists are written with."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Op:
    name: str
    arrays: tuple[str, ...]  # names of the array inputs, positional order; () with variadic
    attrs: tuple[tuple[str, Any], ...] = ()  # static attributes (name, default), in order
    diff: tuple[int, ...] | None = None  # differentiable array inputs; None: all
    kind: str = "elementwise"  # elementwise, compare, reduction, linalg, shape, index
    variadic: bool = False  # one list/tuple display of arrays (concatenate, stack)
    analytic: bool = True  # holomorphic wherever it is defined (complex step may be used)
    domain: str = "real"  # where tests draw inputs: real, positive, unit, nonzero
    trap: str = ""  # the kink or tie convention a user will compare across frameworks
    aliases: tuple[tuple[str, str], ...] = field(default=())  # keyword alias -> name
    optional: tuple[tuple[str, Any], ...] = ()  # array inputs that may be left out, and default
    positional: int | None = None  # how many leading arguments NumPy takes by position
    # inputs that take part in the arithmetic (not a condition or an index); None: all
    operands: tuple[int, ...] | None = None
    rest: bool = False  # the arrays are every positional argument after the attrs (einsum)
    results: tuple[str, ...] = ()  # a tuple result's parts (() one array; ("*",) as many as
    # the arguments say, split's): a program statement unpacks them by name, one eqn each
    # with the attribute `output`

    @property
    def attr_defaults(self) -> dict[str, Any]:
        return dict(self.attrs)

    def differentiable(self, i: int) -> bool:
        return self.diff is None or i in self.diff

    def operand(self, i: int) -> bool:
        """Whether input i takes part in the arithmetic (a condition or an index does not)."""
        return self.operands is None or i in self.operands


REQUIRED = object()  # attribute default meaning "must be given"

_AXIS_KEEP = (("axis", None), ("keepdims", False))


def _unary(name: str, domain: str = "real", trap: str = "", analytic: bool = True) -> Op:
    return Op(name, ("x",), domain=domain, trap=trap, analytic=analytic)


def _binary(name: str, trap: str = "", analytic: bool = True, domain: str = "real") -> Op:
    return Op(name, ("x1", "x2"), trap=trap, analytic=analytic, domain=domain)


def _compare(name: str) -> Op:
    return Op(name, ("x1", "x2"), diff=(), kind="compare", analytic=False)


def _reduction(name: str, trap: str = "", analytic: bool = True, **kw: Any) -> Op:
    # NumPy's third positional argument is dtype or out: keepdims is passed by keyword
    kw.setdefault("positional", 2)
    return Op(name, ("a",), _AXIS_KEEP, kind="reduction", trap=trap, analytic=analytic, **kw)
