"""A key of the case format read from its YAML node, with positions: `read_key` gives it its
default or what the reader of its kind makes of it (`READERS`, one per kind), then checks
the keys it needs. Every problem goes to the `Reader`, positioned; nothing is raised."""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from .. import implementations, optim
from ..case import Expect, OptimizerSpec, Tolerance
from ..document import Node
from ..errors import ExpressionError, Position
from ..implementations import Implementation
from ..limits import refusal
from ..parse import parse as parse_program
from .keys import BY_KEY, KEYS
from .kinds import (
    REQUIRED,
    Derived,
    Expression,
    Fields,
    Integer,
    Key,
    Keyed,
    Named,
    Number,
    OneOf,
    Optimizer,
    Text,
    Value,
    Words,
)
from .read_values import read_named, read_value
from .reader import REFUSED, Reader, default_of, names, show, suggest


def read_key(r: Reader, key: Key, parent: Node, where: str, got: dict[str, Any]) -> Any:
    """`key` of the mapping `parent` (`where` names it in messages): its default where it
    is not given or is refused (None for a required key), else its reader's value. `got`:
    the case's keys read so far."""
    node = parent.value.get(key.name)
    if node is None:
        if key.default is REQUIRED and key.unless and r.get(key.unless) is not None:
            return None  # e.g. no cost where the case names implementations
        if key.default is REQUIRED:
            r.problem(parent.pos, f"{where}: missing", key.missing)
            return None
        return default_of(key, got)
    value = READERS[type(key.kind)](r, key, node, where, got)
    for need in key.needs:
        if r.get(need) is None:
            needed = BY_KEY[need]
            hint = f"{needed.missing}, or remove {where}"
            r.problem(node.pos, f"{where}: needs {needed.phrase}", hint)
    if value is REFUSED:
        return None if key.default is REQUIRED else default_of(key, got)
    return value


def _text(r: Reader, key: Key, node: Node, where: str, got: dict) -> Any:
    kind = key.kind
    if not kind.pattern:
        return node.value if r.kind(node, (str,), kind.expected, where) else REFUSED
    if not isinstance(node.value, str) or not re.match(kind.pattern, node.value):
        r.problem(node.pos, f"{where}: {show(node.value)} is not allowed", kind.hint)
        return REFUSED
    return node.value


def _one_of(r: Reader, key: Key, node: Node, where: str, got: dict) -> Any:
    choices, among = tuple(key.kind.choices), key.kind.among
    if node.value not in choices:
        message = f"{where}: {show(node.value)} is not one of {', '.join(choices)}"
        r.problem(node.pos, message, suggest(str(node.value), choices))
        return REFUSED
    if among and node.value not in names(got, among):
        message = f"{where}: '{node.value}' is not {BY_KEY[among].phrase}"
        r.problem(node.pos, message, f"add it to {among} or pick one of them")
    return node.value


def _words(r: Reader, key: Key, node: Node, where: str, got: dict) -> Any:
    kind = key.kind
    if isinstance(node.value, str):
        node = Node([node], node.pos)
    if not r.kind(node, (list,), "a list", where):
        return REFUSED
    choices = names(got, kind.among) if kind.among else tuple(kind.choices) or None
    out: list[str] = []
    for item in node.value:
        if not isinstance(item.value, str) or (choices is not None and item.value not in choices):
            hint = suggest(str(item.value), choices) if choices else "write words"
            what = f"'{item.value}'" if isinstance(item.value, str) else show(item.value)
            r.problem(item.pos, f"{where}: {what} is not allowed here", hint)
        elif item.value in out:
            r.problem(item.pos, f"{where}: '{item.value}' is given twice")
        else:
            out.append(item.value)
    if kind.at_least_one and not out and (not kind.among or r.get(kind.among) is not None):
        hint = f"name at least one of {', '.join(choices or ())}"
        if isinstance(key.default, Derived):
            hint += f", or leave {where} out ({key.default.shown})"
        r.problem(node.pos, f"{where}: empty", hint)
    return tuple(out)


def _integer(r: Reader, key: Key, node: Node, where: str, got: dict) -> Any:
    kind = key.kind
    if not r.kind(node, (int,), "an integer", where):
        return REFUSED
    if node.value < kind.minimum:
        r.problem(node.pos, f"{where}: {node.value} is below {kind.minimum}")
        return REFUSED
    if kind.limit and node.value > getattr(r.limits, kind.limit):
        r.problem(
            node.pos, f"{where}: {node.value:,} is too many: " + refusal(r.limits, kind.limit)
        )
        return REFUSED
    return node.value


def _number(r: Reader, key: Key, node: Node, where: str, got: dict) -> Any:
    if not r.kind(node, (int, float), "a number", where):
        return REFUSED
    minimum = key.kind.minimum
    if not math.isfinite(node.value) or (minimum is not None and node.value < minimum):
        bound = "" if minimum is None else f", {minimum:g} or more"
        r.problem(node.pos, f"{where}: must be a finite number{bound}")
        return REFUSED
    return float(node.value)


def _declared(r: Reader) -> dict[str, str]:
    """The names the expressions see, as "param" or "input": as the case declares them, its
    refused values too (they cause no second error); a name in two keys is the first's."""
    known: dict[str, str] = {}
    for key in KEYS:
        given = r.get(key.name)
        if isinstance(key.kind, Named) and key.kind.declares and given is not None:
            declared = given.value if isinstance(given.value, dict) else {}
            known.update({name: key.kind.declares for name in declared if name not in known})
    return known


def _expression(r: Reader, key: Key, node: Node, where: str, got: dict) -> Any:
    """Statements are kept as text; an expression is parsed after the statements (`after`)."""
    if not r.kind(node, (str,), "expression text", where):
        return REFUSED
    if key.kind.statements:
        return node.value
    if not node.value.strip():
        r.problem(node.pos, f"{where}: empty", key.missing)
        return REFUSED
    before = r.get(key.kind.after)
    start = (before.origin or before.pos).line if before is not None else 0
    try:
        statements = got.get(key.kind.after) or ""
        return parse_program(statements, node.value, _declared(r), r.limits, start)
    except ExpressionError as exc:  # its `source` is "program" or "cost": the key's name
        source = r.get(exc.source)
        origin = source.origin or source.pos
        pos = Position(origin.file, origin.line + exc.line - 1, origin.column + exc.column - 1)
        r.problem(pos, exc.message, exc.hint)
        return REFUSED


def _optimizer(r: Reader, key: Key, node: Node, where: str, got: dict) -> Any:
    if isinstance(node.value, str):
        node = Node({"name": node}, node.pos, {"name": node.pos})
    if not r.kind(node, (dict,), key.kind.expected, where):
        return REFUSED
    plain = node.plain()
    name = plain.pop("name", None)
    if not isinstance(name, str):
        r.problem(node.pos, f"{where}: needs a name", f"one of {', '.join(optim.HYPERPARAMETERS)}")
        return REFUSED
    problems = optim.check(name, plain)
    for message in problems:
        k = next((k for k in node.keys if f"'{k}'" in message or message.startswith(k)), "name")
        r.problem(node.keys.get(k, node.pos), f"{where}: {message}")
    return REFUSED if problems else OptimizerSpec(name, plain)


def _fields(r: Reader, key: Key, node: Node, where: str, got: dict) -> Any:
    """A mapping with its own keys, each read as a key is; then made what it stands for."""
    kind = key.kind
    if not r.kind(node, (dict,), kind.expected_text(), where):
        return REFUSED
    found: dict[str, Any] = {}
    allowed = tuple(k.name for k in kind.keys)
    for name in node.value:
        if kind.get(name) is None:
            r.problem(node.keys[name], f"{where}: unknown key '{name}'", suggest(name, allowed))
        else:
            found[name] = read_key(r, kind.get(name), node, f"{where}.{name}", got)
    for sub in kind.keys:
        if sub.name not in found:
            found[sub.name] = read_key(r, sub, node, f"{where}.{sub.name}", got)
    if kind.at_least_one and not node.value:
        r.problem(node.pos, f"{where}: empty", f"name at least one of {', '.join(allowed)}")
    return _MAKE.get(kind.name, _plain)(r, node, found, where, got)


def _keyed(r: Reader, key: Key, node: Node, where: str, got: dict) -> Any:
    kind, choices = key.kind, tuple(key.kind.choices)
    if not r.kind(node, (dict,), f"a mapping of {kind.noun} -> {kind.value.name}", where):
        return REFUSED
    out = {}
    for name, value in node.value.items():
        if name not in choices:
            message = f"{where}: unknown {kind.noun} '{name}'"
            r.problem(node.keys[name], message, suggest(name, choices))
        elif implementations.is_row(name) and name not in _rows(got):
            hint = f"add {implementations.framework_of(name)} to implementations"
            r.problem(node.keys[name], f"{where}: the case has no {name}", hint)
        elif not implementations.is_row(name) and kind.among and name not in names(got, kind.among):
            r.problem(node.keys[name], f"{where}: '{name}' is not {BY_KEY[kind.among].phrase}")
        else:
            made = _fields(r, Key(name, kind.value, ""), value, f"{where}.{name}", got)
            if made is not REFUSED:
                out[name] = made
    return out


def _plain(r: Reader, node: Node, found: dict, where: str, got: dict) -> Any:
    return found


def _rows(got: dict) -> tuple[str, ...]:
    return tuple(impl.row for impl in (got.get("implementations") or {}).values())


def _implementations(r: Reader, node: Node, found: dict, where: str, got: dict) -> Any:
    """framework -> Implementation, for the frameworks the case names; at least one."""
    made = {}
    for framework, given in found.items():
        if isinstance(given, dict):  # numpy's {value, grad}; a refused value is None
            if given.get("value") is not None:
                made[framework] = Implementation(framework, given["value"], given.get("grad"))
        elif given is not None:
            made[framework] = Implementation(framework, given)
    return made


def _tolerance(r: Reader, node: Node, found: dict, where: str, got: dict) -> Tolerance:
    return Tolerance(**found)


def _expect(r: Reader, node: Node, found: dict, where: str, got: dict) -> Expect:
    costs = found.get("costs")
    if costs is not None and costs.shape != (got["steps"],):
        r.problem(
            node.value["costs"].pos,
            f"{where}.costs: expected {got['steps']} numbers (one a step)",
            f"got shape {list(costs.shape)}",
        )
    return Expect(position=node.pos, **found)


# What a mapping with its own keys is made into, by its name (`Fields.name`); else a dict.
_MAKE: dict[str, Callable[..., Any]] = {
    "tolerance": _tolerance,
    "expect": _expect,
    "implementations": _implementations,
}
READERS: dict[type, Callable[..., Any]] = {
    Text: _text,
    OneOf: _one_of,
    Words: _words,
    Integer: _integer,
    Number: _number,
    Value: read_value,
    Named: read_named,
    Expression: _expression,
    Optimizer: _optimizer,
    Fields: _fields,
    Keyed: _keyed,
}
