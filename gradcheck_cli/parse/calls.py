"""Calls: a function's arguments bound as NumPy binds them (positional, keyword, aliases,
defaults), array arguments parsed as expressions, static ones read as literals."""

from __future__ import annotations

import ast
import difflib
from typing import Any

from ..ir import Atom, Lit
from ..ops import FUNCTION_ALIASES, FUNCTIONS, METHODS, OPS, REQUIRED
from .syntax import ALLOWED, ATTRS, CONSTANTS, STRINGS, describe, err


class Calls:
    """The parser's calls (mixed into `Parser`, which gives `expr`, `emit`, `shadows`)."""

    def _Call(self, node: ast.Call) -> Atom:
        if any(isinstance(a, ast.Starred) for a in node.args) or any(
            k.arg is None for k in node.keywords
        ):
            raise err(node, "*args and **kwargs are not allowed", "pass each argument")
        func = node.func
        if isinstance(func, ast.Attribute):
            if func.attr not in METHODS:
                self.expr(func.value)  # refuse what the method is called on first, if need be
                func.lineno, func.col_offset = func.end_lineno, func.end_col_offset - len(func.attr)
                raise err(
                    func,
                    f"method '.{func.attr}()' is not allowed",
                    "methods: " + ", ".join(METHODS),
                )
            return self._call(node, func.attr, [func.value, *node.args], method=True)
        if not isinstance(func, ast.Name):
            raise err(func, f"calling {describe(func)} is not allowed", ALLOWED)
        if func.id not in FUNCTIONS:
            # "did you mean" only for a close spelling of a real name: a guess that is far
            # off misleads more than the list
            close = difflib.get_close_matches(func.id, FUNCTIONS, n=1, cutoff=0.8)
            hint = f"did you mean '{close[0]}'?" if close else ALLOWED
            raise err(func, f"'{func.id}' is not a function of the case language", hint)
        return self._call(node, func.id, list(node.args))

    def _call(self, node: ast.Call, name: str, args: list[ast.expr], method: bool = False) -> Atom:
        op, inputs, attrs = self.prepared(node, name, args, method)
        if op.results:
            example = ", ".join(op.results if op.results != ("*",) else ("a", "b"))
            raise err(
                node,
                f"{name}() gives a tuple, which is never used whole in an expression",
                f"unpack it by name in a program statement: {example} = {name}(...)",
            )
        return self.emit(node, op.name, inputs, attrs)

    def prepared(
        self, node: ast.Call, name: str, args: list[ast.expr], method: bool = False
    ) -> tuple[Any, tuple[Atom, ...], dict[str, Any]]:
        """The op a call names, its array inputs (parsed, their equations emitted) and its
        static attributes; the call's own equation is not emitted yet."""
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
        return op, inputs, attrs

    def _bind(self, node: ast.Call, name: str, op: Any, args: list[ast.expr]) -> dict[str, Any]:
        slots = ["arrays"] if op.variadic else list(op.arrays)
        slots += [k for k, _ in op.attrs]
        if op.rest:  # einsum(subscripts, *operands): the attrs first, then every array
            slots = [k for k, _ in op.attrs]
            lead = op.positional or len(slots)
            if len(args) <= lead:
                raise err(node, f"{name}() needs its arrays after {', '.join(slots[:lead])}")
            args, arrays = args[:lead], args[lead:]
        positional = len(slots) if op.positional is None else op.positional
        if len(args) > positional:
            rest = ", ".join(f"{k}=..." for k in slots[positional:])
            raise err(
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
                raise err(kw.value, f"{name}() has no argument '{kw.arg}'", hint)
            if key in bound:
                raise err(kw.value, f"{name}() got '{kw.arg}' twice")
            bound[key] = kw.value
        for key, default in op.optional:
            bound.setdefault(key, ast.Constant(default))
        for key, default in op.attrs:
            if key not in bound:
                if default is REQUIRED:
                    raise err(node, f"{name}() needs '{key}'")
                bound[key] = default
        missing = [a for a in slots if a not in bound and a not in op.attr_defaults]
        if missing:
            raise err(node, f"{name}() needs {', '.join(missing)}")
        if op.rest:
            bound["arrays"] = ast.List(elts=arrays, ctx=ast.Load())
        if op.variadic and not isinstance(bound["arrays"], (ast.List, ast.Tuple)):
            raise err(node, f"{name}() takes a list of arrays", f"e.g. {name}([a, b], axis=0)")
        if op.variadic:
            bound["arrays"] = bound["arrays"].elts
        return bound

    def _array_arg(self, node: ast.expr, op: str) -> Atom:
        if op == "clip" and isinstance(node, ast.Constant) and node.value is None:
            return Lit(None)
        if op in ("take", "take_along_axis") and isinstance(node, (ast.List, ast.Tuple)):
            values = self._static(node, what=f"{op}()'s indices")  # a literal index list
            if not all(type(v) is int for v in values):
                raise err(node, f"{op}()'s index list holds integers only", "e.g. [0, 2, 2]")
            return Lit(tuple(values))
        return self.expr(node)

    def _attr(self, key: str, node: ast.expr, op: str) -> Any:
        value = self._static(node, allow_str=key in STRINGS, what=f"{op}()'s {key}")
        value = _tupled(value)
        check, hint = ATTRS.get(f"{op}.{key}") or ATTRS.get(key) or (None, "")
        allowed = STRINGS.get(key)
        if isinstance(value, str) and allowed is not None and value not in allowed:
            raise err(node, f"{op}(): {key}={value!r} is not valid", "one of " + ", ".join(allowed))
        if check is not None and not check(value):
            raise err(node, f"{op}(): {key}={value!r} is not valid", hint)
        return (value,) if key == "shape" and type(value) is int else value

    def _static(self, node: ast.expr, allow_str: bool = False, what: str = "this argument") -> Any:
        """A value written literally: a number, None, a constant (`inf`), a string where
        the argument takes one, or a list/tuple of them."""
        if isinstance(node, (ast.Tuple, ast.List)):
            return [self._static(e) for e in node.elts]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            value = self._static(node.operand, allow_str)
            if type(value) in (int, float):
                return -value
        if isinstance(node, ast.Name) and node.id in CONSTANTS and not self.shadows(node.id):
            return CONSTANTS[node.id]
        if isinstance(node, ast.Constant):
            if node.value is None or type(node.value) in (bool, int, float):
                return node.value
            if allow_str and isinstance(node.value, str):
                return node.value
        raise err(
            node,
            f"{what} must be written as a literal",
            "a number, True/False, None, or a tuple of integers",
        )


def _tupled(value: Any) -> Any:
    """Lists as tuples, at every depth (pad_width's pairs): attributes are hashable."""
    return tuple(_tupled(v) for v in value) if isinstance(value, (list, tuple)) else value
