"""What the parser knows of Python's syntax: the operators it maps to ops, the constants,
the messages' phrases, and the checks made on the text before any equation is built."""

from __future__ import annotations

import ast
import math
import operator
from typing import Any

from ..errors import ExpressionError
from ..limits import Limits, refusal
from ..ops import FUNCTIONS

# operator -> (op, the fold applied where both sides are numbers written in the text)
BINOPS = {
    ast.Add: ("add", operator.add),
    ast.Sub: ("subtract", operator.sub),
    ast.Mult: ("multiply", operator.mul),
    ast.Div: ("divide", operator.truediv),
    ast.Pow: ("power", operator.pow),
    ast.MatMult: ("matmul", None),
    ast.Mod: ("remainder", operator.mod),
    ast.FloorDiv: ("floor_divide", operator.floordiv),
    ast.BitAnd: ("logical_and", None),  # on booleans, as NumPy's & is there
    ast.BitOr: ("logical_or", None),
    ast.BitXor: ("logical_xor", None),
}
COMPARES = {
    ast.Lt: "less",
    ast.LtE: "less_equal",
    ast.Gt: "greater",
    ast.GtE: "greater_equal",
    ast.Eq: "equal",
    ast.NotEq: "not_equal",
}
# names that mean NumPy's values unless the case gives them one of its own
CONSTANTS = {"inf": math.inf, "nan": math.nan, "pi": math.pi, "e": math.e}
ALLOWED = "its functions: " + ", ".join(FUNCTIONS)


def err(node: ast.AST, message: str, hint: str = "") -> ExpressionError:
    return ExpressionError(
        message, getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1, hint
    )


def describe(node: ast.AST) -> str:
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


def _ints(value: Any) -> bool:
    return isinstance(value, tuple) and all(type(v) is int for v in value)


def _axis_pair(value: Any) -> bool:
    """tensordot's axes=(a_axes, b_axes): two integers, or two integer lists of one length."""
    if not isinstance(value, tuple) or len(value) != 2:
        return False
    if all(type(v) is int for v in value):
        return True
    return all(
        isinstance(v, (list, tuple)) and all(type(i) is int for i in v) for v in value
    ) and len(value[0]) == len(value[1])


# a static argument's check and what to write instead, by "op.key" or by key; an argument
# named nowhere here may be any literal (its op's rules check it)
ATTRS: dict[str, tuple[Any, str]] = {
    "axis": (
        lambda v: v is None or type(v) is int or _ints(v),
        "an integer, a tuple of integers, or None",
    ),
    "axes": (lambda v: v is None or _ints(v), "a tuple of integers, or None"),
    "tensordot.axes": (
        lambda v: type(v) is int or _axis_pair(v),
        "an integer, or a pair of integer lists, e.g. axes=([1], [0])",
    ),
    "shape": (lambda v: type(v) is int or _ints(v), "integers, e.g. reshape(x, (2, 3))"),
    "keepdims": (lambda v: type(v) is bool, "True or False"),
    # the arrange family's static arguments (ops.ARRANGE)
    **{
        key: (lambda v: type(v) is int or _ints(v), "an integer or a tuple of integers")
        for key in ("reps", "repeats", "shift", "indices_or_sections", "source", "destination")
    },
    **{key: (lambda v: type(v) is int, "an integer") for key in ("axis1", "axis2")},
    "pad_width": (
        lambda v: (
            type(v) is int
            or _ints(v)
            or (
                isinstance(v, tuple)
                and all(isinstance(p, (list, tuple)) and _ints(tuple(p)) for p in v)
            )
        ),
        "an integer, (before, after), or one (before, after) per axis",
    ),
    "constant_values": (lambda v: type(v) in (int, float), "a number"),
    "subscripts": (lambda v: isinstance(v, str), "a string literal, e.g. 'ij,jk->ik'"),
    "ord": (
        lambda v: v is None or v in ("fro", "nuc") or type(v) in (int, float),
        "a number, inf, -inf, 'fro' or 'nuc'",
    ),
}
# the arguments that may be a string literal, and the strings allowed (None: any)
STRINGS: dict[str, tuple[str, ...] | None] = {
    "ord": ("fro", "nuc"),
    "subscripts": None,
    "mode": ("constant", "edge", "reflect"),
}


INT_HINT = "write it as a float, e.g. 1e30: frameworks take an integer as int64"
_INT64 = 2**63


def in_range(node: ast.AST, value: Any) -> Any:
    """An integer written or folded must fit int64, where frameworks put it."""
    if type(value) is int and not -_INT64 <= value < _INT64:
        raise err(node, "this integer is too large for int64", INT_HINT)
    return value


def huge_power(x: Any, y: Any) -> bool:
    """Whether the integer x ** y is beyond int64 (checked before Python computes it:
    10 ** 10 ** 10 would take minutes)."""
    if type(x) is not int or type(y) is not int or y <= 0 or abs(x) < 2:
        return False
    return y * math.log2(abs(x)) >= 64


def depth_problem(tree: ast.AST, limits: Limits) -> ExpressionError | None:
    """The first node nested deeper than the limit, walked without recursion (the
    parser's own walk recurses once a level)."""
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > limits.max_depth:
            message = f"this expression is nested over {limits.max_depth} levels deep: "
            hint = "split it into program statements (t = ...)"
            return err(node, message + refusal(limits, "max_depth"), hint)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return None


def parsed(text: str, mode: str, what: str, limits: Limits) -> ast.AST:
    """`ast.parse`, with its failures (including CPython's own recursion limit) and the
    depth limit as ExpressionErrors."""
    try:
        tree = ast.parse(text, mode=mode)
    except SyntaxError as exc:
        raise syntax(exc, what) from None
    except (RecursionError, MemoryError):
        message = f"{what} is nested too deeply to parse: " + refusal(limits, "max_depth")
        hint = "split it into program statements (t = ...)"
        raise ExpressionError(message, 1, 1, hint) from None
    problem = depth_problem(tree, limits)
    if problem is not None:
        raise problem
    return tree


def syntax(exc: SyntaxError, what: str) -> ExpressionError:
    return ExpressionError(
        f"{what} is not valid syntax: {exc.msg}", exc.lineno or 1, exc.offset or 1
    )
