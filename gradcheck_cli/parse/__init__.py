"""Expression text -> flat program, through Python's `ast`, by whitelist.

Every node kind the contract allows has a method here; anything else reaches `_refuse`,
which names the construct and its line and column. User text is only ever parsed
(`ast.parse`), never evaluated: literals are read from `ast.Constant` nodes, and the few
folds of literal arithmetic (`-1`, `2 * 3`) apply Python's operators to those numbers.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

from ..errors import ExpressionError
from ..ir import Program
from ..limits import DEFAULT, Limits
from .parser import Parser
from .syntax import BINOPS, COMPARES, CONSTANTS, parsed

__all__ = ["BINOPS", "COMPARES", "CONSTANTS", "parse"]


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
    parser = Parser(program, known, limits, first_line)
    try:
        tree = parsed(program or "", "exec", "the program", limits)
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
        result = parser.expr(parsed(parser.text, "eval", "the cost", limits).body)
    except ExpressionError as exc:
        raise _tag(exc, "cost") from None
    return Program(tuple(parser.eqns), tuple(parser.reads), result, parser.labels)


def _tag(exc: ExpressionError, source: str) -> ExpressionError:
    exc.source = source
    if source == "cost":
        exc.line -= 1
    return exc
