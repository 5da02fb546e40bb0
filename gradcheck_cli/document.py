"""YAML case files read safely, with YAML 1.2 scalars and a position for every node.

PyYAML's SafeLoader resolves scalars by YAML 1.1 rules, under which `1e-8` and `1E5` are
strings and `yes` is a boolean; the contract asks for YAML 1.2, so the core schema's
resolvers replace them here. The result is a tree of `Node`s: the plain value plus its
position, the position of each mapping key, and, for strings, where their text starts
(the first line of a `|` block is the line after the `|`), so an expression error points
at its own line and column.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import Position, Problem


@dataclass
class Node:
    value: Any  # dict[str, Node] | list[Node] | str | int | float | bool | None
    pos: Position
    keys: dict[str, Position] = field(default_factory=dict)  # mapping key -> its position
    origin: Position | None = None  # strings: where the text itself starts

    def plain(self) -> Any:
        """The value with every Node unwrapped."""
        if isinstance(self.value, dict):
            return {k: v.plain() for k, v in self.value.items()}
        if isinstance(self.value, list):
            return [v.plain() for v in self.value]
        return self.value


class _Loader(yaml.SafeLoader):
    """SafeLoader with the YAML 1.2 core schema instead of YAML 1.1's resolvers."""


_Loader.yaml_implicit_resolvers = {}
_CORE_SCHEMA = [
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", "tTfF"),
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", "-+0123456789"),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        "-+.0123456789",
    ),
]
for _tag, _pattern, _first in _CORE_SCHEMA:
    _Loader.add_implicit_resolver(_tag, re.compile(_pattern), list(_first))


def _int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    text = loader.construct_scalar(node)
    if text.startswith(("0o", "0x")):
        return int(text[2:], 8 if text[1] == "o" else 16)
    return int(text)


def _float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> float:
    text = loader.construct_scalar(node).lower()
    if text.endswith(".inf"):
        return -math.inf if text.startswith("-") else math.inf
    return math.nan if text == ".nan" else float(text)


def _bool(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> bool:
    return loader.construct_scalar(node).lower() == "true"


_Loader.add_constructor("tag:yaml.org,2002:int", _int)
_Loader.add_constructor("tag:yaml.org,2002:float", _float)
_Loader.add_constructor("tag:yaml.org,2002:bool", _bool)


class DocumentError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


def _pos(file: str, mark: yaml.Mark) -> Position:
    return Position(file, mark.line + 1, mark.column + 1)


class _Builder:
    """Turns a composed YAML node graph into `Node`s, collecting problems."""

    def __init__(self, file: str, text: str):
        self.file, self.lines = file, text.splitlines()
        self.loader = _Loader("")
        self.problems: list[Problem] = []

    def build(self, node: yaml.Node) -> Node:
        pos = _pos(self.file, node.start_mark)
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, pos)
        if isinstance(node, yaml.SequenceNode):
            return Node([self.build(item) for item in node.value], pos)
        try:
            value = self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            self.problems.append(Problem(pos, f"cannot read this value: {exc}".split("\n")[0]))
            value = None
        origin = self._origin(node, pos) if isinstance(value, str) else None
        return Node(value, pos, origin=origin)

    def _mapping(self, node: yaml.MappingNode, pos: Position) -> Node:
        out = Node({}, pos)
        for key_node, value_node in node.value:
            key_pos = _pos(self.file, key_node.start_mark)
            key = self.build(key_node).value
            if not isinstance(key, str):
                self.problems.append(Problem(key_pos, f"a key must be a name, not {key!r}"))
                continue
            if key in out.value:
                first = out.keys[key]
                message = f"'{key}' is given twice (first at line {first.line})"
                self.problems.append(Problem(key_pos, message, "remove one of them"))
                continue
            out.value[key], out.keys[key] = self.build(value_node), key_pos
        return out

    def _origin(self, node: yaml.ScalarNode, pos: Position) -> Position:
        """Where the string's text starts: quotes skipped, block scalars on the next line."""
        if node.style in ("|", ">"):
            for index in range(pos.line, len(self.lines)):
                line = self.lines[index]
                if line.strip():
                    indent = len(line) - len(line.lstrip(" "))
                    return Position(self.file, index + 1, indent + 1)
            return pos
        if node.style in ("'", '"'):
            return Position(self.file, pos.line, pos.column + 1)
        return pos


def parse(text: str, file: str) -> Node:
    """The document of `file`, or DocumentError with every problem found."""
    try:
        documents = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = _pos(file, mark) if mark else Position(file)
        what = exc.problem or exc.context or "not valid YAML"
        raise DocumentError([Problem(pos, f"YAML: {what}", "fix the YAML syntax")]) from None
    except yaml.YAMLError as exc:
        raise DocumentError([Problem(Position(file), f"YAML: {exc}")]) from None
    if len(documents) != 1:
        what = "is empty" if not documents else f"holds {len(documents)} YAML documents"
        raise DocumentError([Problem(Position(file), f"the file {what}", "write one document")])
    builder = _Builder(file, text)
    root = builder.build(documents[0])
    if builder.problems:
        raise DocumentError(builder.problems)
    return root
