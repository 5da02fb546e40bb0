"""The flat program: equations over the op vocabulary, its printer, and its interpreter.

A program is what the parser makes of `program` and `cost`: a tuple of equations
`out = op(inputs..., attrs...)`, each input a variable or a Python literal, in the order
they run. Every backend evaluates it with the same loop, `evaluate`, and its own table
from op name to function. A variable is assigned once: reassigning a name in the program
gives it a fresh variable (`Y`, then `Y#2`), so the program is in SSA form.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Var:
    name: str


@dataclass(frozen=True)
class Lit:
    """A Python scalar written in the expression (int, float, bool) or None (clip bound)."""

    value: int | float | bool | None


Atom = Var | Lit


@dataclass(frozen=True)
class ArrayRef:
    """An index entry that is the eqn's array input number `input` (an int or bool array)."""

    input: int


# An index is a tuple of entries: int, slice, None, Ellipsis, a tuple of ints (a gather
# written as a list), a tuple of bools (a mask written as a list), or an ArrayRef.
IndexEntry = Any


@dataclass(frozen=True)
class Eqn:
    out: str
    op: str
    inputs: tuple[Atom, ...]
    attrs: Mapping[str, Any] = field(default_factory=dict)
    line: int = 0  # 1-based, relative to the start of the case's `program` / `cost` text
    column: int = 0
    source: str = ""  # "program" or "cost"
    text: str = ""  # the source text of the expression that made this eqn


@dataclass(frozen=True)
class Aval:
    """What the abstract pass (shapes.py) knows of a variable: its shape and dtype."""

    shape: tuple[int, ...]
    dtype: Any  # numpy.dtype

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    @property
    def ndim(self) -> int:
        return len(self.shape)


@dataclass(frozen=True)
class Program:
    eqns: tuple[Eqn, ...]
    reads: tuple[str, ...]  # params and inputs the program reads, in first-use order
    cost: Atom  # the cost expression's result
    labels: Mapping[str, str] = field(default_factory=dict)  # var -> the user's name for it

    @property
    def ops(self) -> frozenset[str]:
        return frozenset(e.op for e in self.eqns)


def read(atom: Atom, env: Mapping[str, Any]) -> Any:
    return env[atom.name] if isinstance(atom, Var) else atom.value


def evaluate(program: Program, env: dict[str, Any], table: Mapping[str, Callable[..., Any]]) -> Any:
    """Run every equation with `table[op]`, filling `env`; returns the cost's value."""
    for eqn in program.eqns:
        env[eqn.out] = table[eqn.op](*[read(a, env) for a in eqn.inputs], **eqn.attrs)
    return read(program.cost, env)


def numpy_index(index: tuple[IndexEntry, ...], arrays: tuple[Any, ...]) -> tuple[Any, ...]:
    """The index as NumPy takes it; `arrays` are the eqn's inputs after the indexed one."""
    out: list[Any] = []
    for entry in index:
        if isinstance(entry, ArrayRef):
            out.append(arrays[entry.input - 1])
        elif isinstance(entry, tuple):
            out.append(list(entry))
        else:
            out.append(entry)
    return tuple(out)


def format_atom(atom: Atom) -> str:
    return atom.name if isinstance(atom, Var) else repr(atom.value)


def format_index_entry(entry: IndexEntry, inputs: tuple[Atom, ...]) -> str:
    if isinstance(entry, ArrayRef):
        return format_atom(inputs[entry.input])
    if isinstance(entry, slice):
        parts = ["" if v is None else str(v) for v in (entry.start, entry.stop, entry.step)]
        return ":".join(parts[:2]) + (f":{parts[2]}" if entry.step is not None else "")
    if entry is Ellipsis:
        return "..."
    if isinstance(entry, tuple):
        return "[" + ", ".join(str(v) for v in entry) + "]"
    return str(entry)


def format_eqn(eqn: Eqn) -> str:
    """One line, e.g. `Y = multiply(w, X)` or `%2 = getitem(Y)[1]`."""
    if eqn.op == "getitem":
        entries = ", ".join(format_index_entry(e, eqn.inputs) for e in eqn.attrs["index"])
        return f"{eqn.out} = {format_atom(eqn.inputs[0])}[{entries}]"
    args = [format_atom(a) for a in eqn.inputs]
    args += [f"{k}={v!r}" for k, v in eqn.attrs.items()]
    return f"{eqn.out} = {eqn.op}({', '.join(args)})"


def format_program(program: Program) -> str:
    lines = [format_eqn(e) for e in program.eqns]
    return "\n".join(lines + [f"cost = {format_atom(program.cost)}"])
