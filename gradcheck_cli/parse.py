"""Expression text -> flat program, through Python's `ast`, by whitelist.

Every node kind the contract allows has a method here; anything else reaches `_refuse`,
which names the construct and its line and column. User text is only ever parsed
(`ast.parse`), never evaluated: literals are read from `ast.Constant` nodes, and the few
folds of literal arithmetic (`-1`, `2 * 3`) apply Python's operators to those numbers.
"""

from __future__ import annotations

import ast
import difflib
import math
import operator
from collections.abc import Mapping
from typing import Any

from .errors import ExpressionError
from .ir import ArrayRef, Atom, Eqn, Lit, Program, Var
from .limits import DEFAULT, Limits, refusal
from .ops import FUNCTION_ALIASES, FUNCTIONS, METHODS, OPS, REQUIRED

_BINOPS = {
    ast.Add: ("add", operator.add),
    ast.Sub: ("subtract", operator.sub),
    ast.Mult: ("multiply", operator.mul),
    ast.Div: ("divide", operator.truediv),
    ast.Pow: ("power", operator.pow),
    ast.MatMult: ("matmul", None),
}
_COMPARES = {
    ast.Lt: "less",
    ast.LtE: "less_equal",
    ast.Gt: "greater",
    ast.GtE: "greater_equal",
    ast.Eq: "equal",
    ast.NotEq: "not_equal",
}
_ALLOWED = "its functions: " + ", ".join(FUNCTIONS)


def _err(node: ast.AST, message: str, hint: str = "") -> ExpressionError:
    return ExpressionError(
        message, getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1, hint
    )


def _describe(node: ast.AST) -> str:
    names = {
        ast.Lambda: "a lambda",
        ast.ListComp: "a comprehension",
        ast.GeneratorExp: "a generator expression",
        ast.JoinedStr: "an f-string",
        ast.Attribute: "attribute access",
        ast.Starred: "a starred argument",
        ast.BoolOp: "'and'/'or'",
        ast.IfExp: "a conditional expression",
        ast.NamedExpr: "':='",
        ast.Dict: "a dict",
        ast.Set: "a set",
    }
    return names.get(type(node), f"'{type(node).__name__}'")


class _Parser:
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
            raise _err(node, f"{_describe(node)} is not allowed", "write one `NAME = EXPR` a line")
        target = node.targets[0]
        if not isinstance(target, ast.Name):
            raise _err(target, "only a plain name can be assigned", "write `NAME = EXPR`")
        if target.id in self.known:
            raise _err(
                target,
                f"'{target.id}' is a {self.known[target.id]} and cannot be assigned",
                "choose another name",
            )
        start = len(self.eqns)
        atom = self.expr(node.value)
        if len(self.eqns) > start and self.eqns[-1].out == getattr(atom, "name", None):
            atom = self._rename_last(target.id)
        self.env[target.id] = atom

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
            raise _err(node, f"{_describe(node)} is not allowed in an expression", _ALLOWED)
        return method(node)

    def _Constant(self, node: ast.Constant) -> Atom:
        if isinstance(node.value, (bool, int, float)):
            return Lit(_in_range(node, node.value))
        raise _err(
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
        if later is not None:
            where = f"at line {later + self.first_line - 1}" if self.first_line else "below"
            message = f"'{node.id}' is assigned later, {where}"
            raise _err(node, message, "a statement sees only the names assigned above it")
        visible = sorted(set(self.env) | set(self.known))
        close = difflib.get_close_matches(node.id, visible, n=1)
        hint = (
            f"did you mean '{close[0]}'?"
            if close
            else f"known names: {', '.join(visible) or 'none'}"
        )
        if node.id in FUNCTIONS:
            hint = f"'{node.id}' is a function: call it, as in {node.id}(x)"
        raise _err(
            node,
            f"'{node.id}' is not defined here (params, inputs and names assigned above it)",
            hint,
        )

    def _UnaryOp(self, node: ast.UnaryOp) -> Atom:
        if not isinstance(node.op, (ast.USub, ast.UAdd)):
            raise _err(node, "only unary - and + are allowed", "write the expression without it")
        operand = self.expr(node.operand)
        if isinstance(node.op, ast.UAdd):
            return operand
        if isinstance(operand, Lit) and not isinstance(operand.value, bool):
            return Lit(-operand.value)
        return self.emit(node, "negative", (operand,))

    def _BinOp(self, node: ast.BinOp) -> Atom:
        if type(node.op) not in _BINOPS:
            raise _err(node, "this operator is not allowed", "allowed: + - * / ** @")
        op, fold = _BINOPS[type(node.op)]
        left, right = self.expr(node.left), self.expr(node.right)
        if fold and isinstance(left, Lit) and isinstance(right, Lit):
            return self._fold(node, fold, left, right)
        return self.emit(node, op, (left, right))

    def _fold(self, node: ast.AST, fold: Any, left: Lit, right: Lit) -> Lit:
        x, y = left.value, right.value
        if fold is operator.pow and _huge_power(x, y):
            raise _err(node, f"{x} ** {y} is too large for an integer (int64)", _INT_HINT)
        try:
            return Lit(_in_range(node, fold(x, y)))
        except (ArithmeticError, TypeError, ValueError) as exc:
            raise _err(node, f"this arithmetic on numbers fails: {exc}") from None

    def _Compare(self, node: ast.Compare) -> Atom:
        if len(node.ops) != 1 or type(node.ops[0]) not in _COMPARES:
            raise _err(
                node,
                "only one comparison < <= > >= == != at a time",
                "split a chain: (a < b) & ... is not in the language; use where",
            )
        left, right = self.expr(node.left), self.expr(node.comparators[0])
        return self.emit(node, _COMPARES[type(node.ops[0])], (left, right))

    def _Attribute(self, node: ast.Attribute) -> Atom:
        value = self.expr(node.value)
        if node.attr == "T":
            return self.emit(node, "transpose", (value,), {"axes": None})
        node.lineno, node.col_offset = node.end_lineno, node.end_col_offset - len(node.attr)
        raise _err(
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
            raise _err(node, "an index list holds integers or booleans only", "e.g. x[[0, 0, 1]]")
        atom = self.expr(node)
        if isinstance(atom, Lit):
            if type(atom.value) is int:
                return atom.value
            raise _err(
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
        raise _err(
            node, "a slice bound must be an integer written in the expression", "e.g. x[1:-1:2]"
        )

    def _Call(self, node: ast.Call) -> Atom:
        if any(isinstance(a, ast.Starred) for a in node.args) or any(
            k.arg is None for k in node.keywords
        ):
            raise _err(node, "*args and **kwargs are not allowed", "pass each argument")
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr not in METHODS:
                self.expr(func.value)  # refuse what the method is called on first, if need be
                func.lineno, func.col_offset = func.end_lineno, func.end_col_offset - len(func.attr)
                raise _err(
                    func,
                    f"method '.{func.attr}()' is not allowed",
                    "methods: " + ", ".join(METHODS),
                )
            return self._call(node, func.attr, [func.value, *node.args], method=True)
        if not isinstance(func, ast.Name):
            raise _err(func, f"calling {_describe(func)} is not allowed", _ALLOWED)
        if func.id not in FUNCTIONS:
            # "did you mean" only for a close spelling of a real name: a guess that is far
            # off misleads more than the list
            close = difflib.get_close_matches(func.id, FUNCTIONS, n=1, cutoff=0.8)
            hint = f"did you mean '{close[0]}'?" if close else _ALLOWED
            raise _err(func, f"'{func.id}' is not a function of the case language", hint)
        return self._call(node, func.id, list(node.args))

    def _call(self, node: ast.Call, name: str, args: list[ast.expr], method: bool = False) -> Atom:
        op = OPS[FUNCTION_ALIASES.get(name, name)]
        if method and op.name in ("reshape", "transpose") and len(args) > 2:
            args = [
                args[0],
                ast.Tuple(
                    elts=args[1:],
                    ctx=ast.Load(),
                    lineno=args[1].lineno,
                    col_offset=args[1].col_offset,
                ),
            ]
        if method and op.name == "transpose" and len(args) == 1:
            args = [args[0], ast.Constant(None)]
        bound = self._bind(node, name, op, args)
        if op.variadic:
            items = bound.pop("arrays")
            inputs = tuple(self.expr(e) for e in items)
        else:
            inputs = tuple(self._array_arg(bound.pop(a), op.name) for a in op.arrays)
        attrs = {
            k: self._attr(k, bound[k], op.name) if isinstance(bound[k], ast.AST) else bound[k]
            for k, _ in op.attrs
        }
        return self.emit(node, op.name, inputs, attrs)

    def _bind(self, node: ast.Call, name: str, op: Any, args: list[ast.expr]) -> dict[str, Any]:
        slots = ["arrays"] if op.variadic else list(op.arrays)
        slots += [k for k, _ in op.attrs]
        positional = len(slots) if op.positional is None else op.positional
        if len(args) > positional:
            rest = ", ".join(f"{k}=..." for k in slots[positional:])
            raise _err(
                node,
                f"{name}() takes at most {positional} positional arguments, {len(args)} given",
                f"pass the others by keyword: {rest}"
                if rest
                else f"its arguments: {', '.join(slots)}",
            )
        bound: dict[str, Any] = dict(zip(slots, args, strict=False))
        aliases = dict(op.aliases)
        for kw in node.keywords:
            key = aliases.get(kw.arg, kw.arg)
            if key not in slots:
                close = difflib.get_close_matches(kw.arg, slots, n=1)
                hint = (
                    f"did you mean '{close[0]}'?" if close else f"{name}() takes {', '.join(slots)}"
                )
                raise _err(kw.value, f"{name}() has no argument '{kw.arg}'", hint)
            if key in bound:
                raise _err(kw.value, f"{name}() got '{kw.arg}' twice")
            bound[key] = kw.value
        for key, default in op.optional:
            bound.setdefault(key, ast.Constant(default))
        for key, default in op.attrs:
            if key not in bound:
                if default is REQUIRED:
                    raise _err(node, f"{name}() needs '{key}'")
                bound[key] = default
        missing = [a for a in slots if a not in bound and a not in op.attr_defaults]
        if missing:
            raise _err(node, f"{name}() needs {', '.join(missing)}")
        if op.variadic and not isinstance(bound["arrays"], (ast.List, ast.Tuple)):
            raise _err(node, f"{name}() takes a list of arrays", f"e.g. {name}([a, b], axis=0)")
        if op.variadic:
            bound["arrays"] = bound["arrays"].elts
        return bound

    def _array_arg(self, node: ast.expr, op: str) -> Atom:
        if op == "clip" and isinstance(node, ast.Constant) and node.value is None:
            return Lit(None)
        return self.expr(node)

    def _attr(self, key: str, node: ast.expr, op: str) -> Any:
        value = self._static(node, allow_str=key == "ord")
        if isinstance(value, list):
            value = tuple(value)
        ok = {
            "axis": value is None
            or type(value) is int
            or (isinstance(value, tuple) and all(type(v) is int for v in value)),
            "axes": value is None
            or (isinstance(value, tuple) and all(type(v) is int for v in value)),
            "shape": type(value) is int
            or (isinstance(value, tuple) and all(type(v) is int for v in value)),
            "keepdims": type(value) is bool,
            "ord": value is None or value in ("fro", "nuc") or (type(value) in (int, float)),
        }[key]
        if not ok:
            raise _err(node, f"{op}(): {key}={value!r} is not valid", _ATTR_HINTS[key])
        return (value,) if key == "shape" and type(value) is int else value

    def _static(self, node: ast.expr, allow_str: bool = False, what: str = "this argument") -> Any:
        """A value written literally: a number, None, a string for ord, or a list/tuple of them."""
        if isinstance(node, (ast.Tuple, ast.List)):
            return [self._static(e) for e in node.elts]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            value = self._static(node.operand, allow_str)
            if type(value) in (int, float):
                return -value
        if isinstance(node, ast.Name) and node.id == "inf" and allow_str:
            return math.inf
        if isinstance(node, ast.Constant):
            if node.value is None or type(node.value) in (bool, int, float):
                return node.value
            if allow_str and node.value in ("fro", "nuc"):
                return node.value
        raise _err(
            node,
            f"{what} must be written as a literal",
            "a number, True/False, None, or a tuple of integers",
        )

    def emit(
        self, node: ast.AST, op: str, inputs: tuple[Atom, ...], attrs: dict | None = None
    ) -> Var:
        self.counter += 1
        if self.counter > self.limits.max_equations:
            message = f"the program has over {self.limits.max_equations:,} operations: "
            raise _err(node, message + refusal(self.limits, "max_equations"))
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


_ATTR_HINTS = {
    "axis": "an integer, a tuple of integers, or None",
    "axes": "a tuple of integers, or None",
    "shape": "integers, e.g. reshape(x, (2, 3))",
    "keepdims": "True or False",
    "ord": "a number, inf, -inf, 'fro' or 'nuc'",
}


_INT_HINT = "write it as a float, e.g. 1e30: frameworks take an integer as int64"
_INT64 = 2**63


def _in_range(node: ast.AST, value: Any) -> Any:
    """An integer written or folded must fit int64, where frameworks put it."""
    if type(value) is int and not -_INT64 <= value < _INT64:
        raise _err(node, "this integer is too large for int64", _INT_HINT)
    return value


def _huge_power(x: Any, y: Any) -> bool:
    """Whether the integer x ** y is beyond int64 (checked before Python computes it:
    10 ** 10 ** 10 would take minutes)."""
    if type(x) is not int or type(y) is not int or y <= 0 or abs(x) < 2:
        return False
    return y * math.log2(abs(x)) >= 64


def _depth_problem(tree: ast.AST, limits: Limits) -> ExpressionError | None:
    """The first node nested deeper than the limit, walked without recursion (the
    parser's own walk recurses once a level)."""
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > limits.max_depth:
            message = f"this expression is nested over {limits.max_depth} levels deep: "
            hint = "split it into program statements (t = ...)"
            return _err(node, message + refusal(limits, "max_depth"), hint)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return None


def _parsed(text: str, mode: str, what: str, limits: Limits) -> ast.AST:
    """`ast.parse`, with its failures (including CPython's own recursion limit) and the
    depth limit as ExpressionErrors."""
    try:
        tree = ast.parse(text, mode=mode)
    except SyntaxError as exc:
        raise _syntax(exc, what) from None
    except (RecursionError, MemoryError):
        message = f"{what} is nested too deeply to parse: " + refusal(limits, "max_depth")
        hint = "split it into program statements (t = ...)"
        raise ExpressionError(message, 1, 1, hint) from None
    problem = _depth_problem(tree, limits)
    if problem is not None:
        raise problem
    return tree


def _syntax(exc: SyntaxError, what: str) -> ExpressionError:
    return ExpressionError(
        f"{what} is not valid syntax: {exc.msg}", exc.lineno or 1, exc.offset or 1
    )


def parse(
    program: str,
    cost: str,
    known: Mapping[str, str],
    limits: Limits = DEFAULT,
    first_line: int = 0,
) -> Program:
    """Parse `program` (statements) and `cost` (an expression) over the `known` names.

    `known` maps each param and input name to "param" or "input"; `first_line` is the line
    of the file where the program's text starts, for messages that name another line.
    Raises ExpressionError, whose `.source` says which text ("program" or "cost") its line
    and column are in.
    """
    parser = _Parser(program, known, limits, first_line)
    try:
        tree = _parsed(program or "", "exec", "the program", limits)
        for statement in reversed(tree.body):  # each name's next assignment, seen from above
            for target in getattr(statement, "targets", ()):
                if isinstance(target, ast.Name):
                    parser.assigned[target.id] = statement.lineno
        for statement in tree.body:
            parser.statement(statement)
            for target in getattr(statement, "targets", ()):  # assigned now, no longer later
                if isinstance(target, ast.Name):
                    parser.assigned.pop(target.id, None)
    except ExpressionError as exc:
        raise _tag(exc, "program") from None
    # The cost is parsed as if parenthesised, so that a YAML block may break it over lines;
    # the "(\n" prefix shifts line numbers by one and leaves columns alone.
    parser.set_text("(\n" + cost.strip("\n") + "\n)")
    parser.source, parser.line_shift = "cost", 1
    try:
        result = parser.expr(_parsed(parser.text, "eval", "the cost", limits).body)
    except ExpressionError as exc:
        raise _tag(exc, "cost") from None
    return Program(tuple(parser.eqns), tuple(parser.reads), result, parser.labels)


def _tag(exc: ExpressionError, source: str) -> ExpressionError:
    exc.source = source
    if source == "cost":
        exc.line -= 1
    return exc
