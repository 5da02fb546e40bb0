"""The parser: each statement and expression node the language allows has a method;
anything else is refused with its line and column (see the package's docstring)."""

from __future__ import annotations

import ast
import difflib
import operator
from collections.abc import Mapping
from typing import Any

from ..ir import ArrayRef, Atom, Eqn, Lit, Var
from ..limits import Limits, refusal
from ..ops import FUNCTIONS, METHODS, OPS
from .calls import Calls
from .syntax import (
    ALLOWED,
    BINOPS,
    COMPARES,
    CONSTANTS,
    INT_HINT,
    describe,
    err,
    huge_power,
    in_range,
)


class Parser(Calls):
    def __init__(self, text: str, known: Mapping[str, str], limits: Limits, first_line: int):
        self.known, self.limits = dict(known), limits  # name -> "param" | "input"
        self.first_line = first_line  # the file's line of the program's first line; 0: unknown
        self.assigned: dict[str, int] = {}  # a name assigned further down -> its line
        self.set_text(text)
        self.taken: set[str] = set()  # every equation's output so far
        self.renamed: dict[str, int] = {}  # a user's name -> how often it was assigned
        self.env: dict[str, Atom] = {}  # name visible in the program -> its current atom
        self.eqns: list[Eqn] = []
        self.reads: list[str] = []
        self.labels: dict[str, str] = {}
        self.counter = 0
        self.source = "program"
        self.line_shift = 0  # the cost is parsed inside "(\n...\n)": one line down

    # -- statements --------------------------------------------------------------------
    def statement(self, node: ast.stmt) -> None:
        if not isinstance(node, ast.Assign) or len(node.targets) != 1:
            raise err(node, f"{describe(node)} is not allowed", "write one `NAME = EXPR` a line")
        target = node.targets[0]
        if isinstance(target, ast.Tuple):
            return self._unpack(node, target)
        self._target(target)
        start = len(self.eqns)
        atom = self.expr(node.value)
        if len(self.eqns) > start and self.eqns[-1].out == getattr(atom, "name", None):
            atom = self._rename_last(target.id)
        self.env[target.id] = atom

    def _target(self, target: ast.expr) -> str:
        if not isinstance(target, ast.Name):
            raise err(target, "only a plain name can be assigned", "write `NAME = EXPR`")
        if target.id in self.known:
            raise err(
                target,
                f"'{target.id}' is a {self.known[target.id]} and cannot be assigned",
                "choose another name",
            )
        return target.id

    def _unpack(self, node: ast.Assign, target: ast.Tuple) -> None:
        """`a, b = f(...)` for a function with a tuple result: one equation per part, each
        with its `output`; the arguments are parsed once."""
        names = [self._target(t) for t in target.elts]
        call = node.value
        name = getattr(call.func, "id", None) if isinstance(call, ast.Call) else None
        op = OPS.get(name) if name in FUNCTIONS else None
        if op is None or not op.results:
            hint = "only slogdet, eigh, svd, qr and split give tuples" if name else ""
            raise err(target, "only a function's tuple result can be unpacked", hint)
        op, inputs, attrs = self.prepared(call, name, list(call.args))
        count = _parts(op, attrs)
        if count != len(names):
            message = f"{name}() gives {count} results here, not {len(names)}"
            raise err(target, message, f"name each: {', '.join(op.results[:count]) or '...'}")
        for i, out in enumerate(names):
            self.emit(call, op.name, inputs, {**attrs, "output": i})
            self.env[out] = self._rename_last(out)

    def set_text(self, text: str) -> None:
        """The text being parsed, and where each of its lines starts (for source segments:
        `ast.get_source_segment` splits the whole text each time, quadratic in its length)."""
        self.text = text
        self.starts = [0]
        for line in text.splitlines(keepends=True):
            self.starts.append(self.starts[-1] + len(line))

    def segment(self, node: ast.AST) -> str:
        try:
            start = self.starts[node.lineno - 1] + node.col_offset
            end = self.starts[node.end_lineno - 1] + node.end_col_offset
        except (AttributeError, IndexError, TypeError):
            return ""
        return self.text[start:end]

    def _rename_last(self, name: str) -> Var:
        last = self.eqns[-1]
        self.taken.discard(last.out)
        out, n = name, self.renamed.get(name, 1)
        while out in self.taken or out in self.known:
            n += 1
            out = f"{name}#{n}"
        self.renamed[name] = n
        self.taken.add(out)
        self.eqns[-1] = Eqn(
            out, last.op, last.inputs, last.attrs, last.line, last.column, last.source, last.text
        )
        self.labels[out] = name
        return Var(out)

    # -- expressions -------------------------------------------------------------------
    def expr(self, node: ast.expr) -> Atom:
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise err(node, f"{describe(node)} is not allowed in an expression", ALLOWED)
        return method(node)

    def _Constant(self, node: ast.Constant) -> Atom:
        if isinstance(node.value, (bool, int, float)):
            return Lit(in_range(node, node.value))
        if isinstance(node.value, str):
            raise err(
                node,
                "a string is allowed only where a function takes one",
                "einsum's subscripts, pad's mode, norm's ord",
            )
        raise err(
            node, f"the constant {node.value!r} is not allowed here", "use numbers, True or False"
        )

    def _Name(self, node: ast.Name) -> Atom:
        if node.id in self.env:
            return self.env[node.id]
        if node.id in self.known:
            if node.id not in self.reads:
                self.reads.append(node.id)
            return Var(node.id)
        later = self.assigned.get(node.id)
        if later is None and node.id in CONSTANTS:
            return Lit(CONSTANTS[node.id])
        if later is not None:
            where = f"at line {later + self.first_line - 1}" if self.first_line else "below"
            message = f"'{node.id}' is assigned later, {where}"
            raise err(node, message, "a statement sees only the names assigned above it")
        visible = sorted(set(self.env) | set(self.known))
        close = difflib.get_close_matches(node.id, visible, n=1)
        hint = (
            f"did you mean '{close[0]}'?"
            if close
            else f"known names: {', '.join(visible) or 'none'}"
        )
        if node.id in FUNCTIONS:
            hint = f"'{node.id}' is a function: call it, as in {node.id}(x)"
        raise err(
            node,
            f"'{node.id}' is not defined here (params, inputs and names assigned above it)",
            hint,
        )

    def shadows(self, name: str) -> bool:
        """Whether the case gives `name` a value of its own (a constant's name, say)."""
        return name in self.env or name in self.known or name in self.assigned

    def _UnaryOp(self, node: ast.UnaryOp) -> Atom:
        if isinstance(node.op, ast.Invert) and "logical_not" in OPS:
            return self.emit(node, "logical_not", (self.expr(node.operand),))
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise err(node, "only unary -, + and ~ are allowed", "write the expression without it")
        operand = self.expr(node.operand)
        if isinstance(node.op, ast.UAdd):
            return operand
        if isinstance(operand, Lit) and not isinstance(operand.value, bool):
            return Lit(-operand.value)
        return self.emit(node, "negative", (operand,))

    def _BinOp(self, node: ast.BinOp) -> Atom:
        op, fold = BINOPS.get(type(node.op), ("", None))
        if op not in OPS:
            allowed = " ".join(
                t
                for t, k in zip("+ - * / ** @ % // & | ^".split(), BINOPS, strict=True)
                if BINOPS[k][0] in OPS
            )
            raise err(node, "this operator is not allowed", f"allowed: {allowed}")
        left, right = self.expr(node.left), self.expr(node.right)
        if fold and isinstance(left, Lit) and isinstance(right, Lit):
            return self._fold(node, fold, left, right)
        return self.emit(node, op, (left, right))

    def _fold(self, node: ast.AST, fold: Any, left: Lit, right: Lit) -> Lit:
        x, y = left.value, right.value
        if fold is operator.pow and huge_power(x, y):
            raise err(node, f"{x} ** {y} is too large for an integer (int64)", INT_HINT)
        try:
            return Lit(in_range(node, fold(x, y)))
        except (ArithmeticError, TypeError, ValueError) as exc:
            raise err(node, f"this arithmetic on numbers fails: {exc}") from None

    def _Compare(self, node: ast.Compare) -> Atom:
        if len(node.ops) != 1 or type(node.ops[0]) not in COMPARES:
            raise err(
                node,
                "only one comparison < <= > >= == != at a time",
                "write a chain as (a < b) & (b < c)",
            )
        left, right = self.expr(node.left), self.expr(node.comparators[0])
        return self.emit(node, COMPARES[type(node.ops[0])], (left, right))

    def _Attribute(self, node: ast.Attribute) -> Atom:
        value = self.expr(node.value)
        if node.attr == "T":
            return self.emit(node, "transpose", (value,), {"axes": None})
        node.lineno, node.col_offset = node.end_lineno, node.end_col_offset - len(node.attr)
        raise err(
            node,
            f"attribute '.{node.attr}' is not allowed",
            "only .T and the methods " + ", ".join(METHODS),
        )

    def _Subscript(self, node: ast.Subscript) -> Atom:
        base = self.expr(node.value)
        entries = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
        arrays: list[Atom] = []
        index = tuple(self._index_entry(e, arrays) for e in entries)
        return self.emit(node, "getitem", (base, *arrays), {"index": index})

    def _index_entry(self, node: ast.expr, arrays: list[Atom]) -> Any:
        if isinstance(node, ast.Slice):
            return slice(*(self._slice_bound(b) for b in (node.lower, node.upper, node.step)))
        if isinstance(node, ast.Constant) and (node.value is None or node.value is Ellipsis):
            return node.value
        if isinstance(node, ast.List):
            values = [self._static(e) for e in node.elts]
            if values and (
                all(type(v) is int for v in values) or all(type(v) is bool for v in values)
            ):
                return tuple(values)
            raise err(node, "an index list holds integers or booleans only", "e.g. x[[0, 0, 1]]")
        atom = self.expr(node)
        if isinstance(atom, Lit):
            if type(atom.value) is int:
                return atom.value
            raise err(
                node,
                f"{atom.value!r} is not an index",
                "use an integer, a slice, a list or an integer input",
            )
        arrays.append(atom)
        return ArrayRef(len(arrays))

    def _slice_bound(self, node: ast.expr | None) -> int | None:
        if node is None:
            return None
        value = self._static(node, what="a slice bound")
        if value is None or type(value) is int:
            return value
        raise err(
            node, "a slice bound must be an integer written in the expression", "e.g. x[1:-1:2]"
        )

    def emit(
        self, node: ast.AST, op: str, inputs: tuple[Atom, ...], attrs: dict | None = None
    ) -> Var:
        self.counter += 1
        if self.counter > self.limits.max_equations:
            message = f"the program has over {self.limits.max_equations:,} operations: "
            raise err(node, message + refusal(self.limits, "max_equations"))
        out = f"%{self.counter}"
        self.taken.add(out)
        text = self.segment(node)
        self.eqns.append(
            Eqn(
                out,
                op,
                inputs,
                attrs or {},
                node.lineno - self.line_shift,
                node.col_offset + 1,
                self.source,
                text,
            )
        )
        return Var(out)


def _parts(op: object, attrs: dict[str, Any]) -> int:
    """How many results a tuple-valued call gives: its op's, or split's sections."""
    if op.results != ("*",):
        return len(op.results)
    sections = attrs.get("indices_or_sections")
    return sections if isinstance(sections, int) else len(sections) + 1
