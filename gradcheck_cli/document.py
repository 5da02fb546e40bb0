"""YAML case files read safely, with YAML 1.2 scalars and a position for every node.

The tree is built here from PyYAML's event stream, not by PyYAML's composer and
constructors: the event parser is iterative, so nesting, aliases and sizes can be bounded
while the document is read (a 1,000-deep nesting, a recursive alias or an alias bomb is a
positioned problem, never a RecursionError or a hang), and scalars are resolved by the
YAML 1.2 core schema, under which `1e-8` and `1E5` are numbers (PyYAML's YAML 1.1 rules
read them as strings) and `yes` is a string. An explicit tag (`!!float`, `!!python/...`)
is refused: a case is plain data. The result is a tree of `Node`s: the plain value, its
position, the position of each mapping key and, for strings, where their text starts (the
first line of a `|` block is the line after the `|`), so an expression error points at its
own line and column.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from .errors import Position, Problem
from .limits import DEFAULT, Limits, refusal


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


class DocumentError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_INT = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_STR_TAGS = ("!", "tag:yaml.org,2002:str")
_YAML11_BOOL = re.compile(r"^(?:yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|y|Y|n|N)$")


class _Refused(Exception):
    """A problem that stops reading the document (a limit, a tag)."""

    def __init__(self, problem: Problem):
        self.problem = problem


def _pos(file: str, mark: Any) -> Position:
    return Position(file, mark.line + 1, mark.column + 1)


class _Builder:
    """Nodes from events: a stack of open collections, the anchors seen, and counts."""

    def __init__(self, file: str, text: str, limits: Limits):
        self.file, self.lines, self.limits = file, text.splitlines(), limits
        self.anchors: dict[str, tuple[Node, int]] = {}  # anchor -> node, its expanded size
        self.open: list[tuple[Node, str | None, list[Any], int]] = []  # node, anchor, items, size
        self.nodes = 0
        self.problems: list[Problem] = []

    def refuse(self, mark: Any, message: str, hint: str = "") -> None:
        raise _Refused(Problem(_pos(self.file, mark), message, hint))

    def count(self, size: int, mark: Any) -> None:
        self.nodes += size
        if self.nodes > self.limits.max_yaml_nodes:
            message = (
                f"the document holds {self.nodes:,} values with its aliases expanded, "
                "and more follow: " + refusal(self.limits, "max_yaml_nodes")
            )
            self.refuse(mark, message, "write large arrays as {shape: [...], init: ...}")

    def event(self, event: Any) -> Node | None:
        """Feed one event; the root node once the document's root is complete."""
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            self._tag(
                event,
                "tag:yaml.org,2002:map"
                if isinstance(event, yaml.MappingStartEvent)
                else "tag:yaml.org,2002:seq",
            )
            if len(self.open) >= self.limits.max_depth:
                depth = len(self.open) + 1
                message = f"the document is nested {depth} levels deep: " + refusal(
                    self.limits, "max_depth"
                )
                self.refuse(event.start_mark, message)
            kind = {} if isinstance(event, yaml.MappingStartEvent) else []
            self.count(1, event.start_mark)
            self.open.append((Node(kind, _pos(self.file, event.start_mark)), event.anchor, [], 1))
            return None
        if isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            node, anchor, items, size = self.open.pop()
            self._close(node, items)
            return self._done(node, anchor, size)
        if isinstance(event, yaml.AliasEvent):
            if event.anchor not in self.anchors:
                if any(a == event.anchor for _, a, _, _ in self.open):
                    self.refuse(event.start_mark, f"the alias *{event.anchor} refers to itself")
                self.refuse(event.start_mark, f"the alias *{event.anchor} has no anchor")
            node, size = self.anchors[event.anchor]
            self.count(size, event.start_mark)
            return self._done(node, None, size)
        if isinstance(event, yaml.ScalarEvent):
            self.count(1, event.start_mark)
            return self._done(self._scalar(event), event.anchor, 1)
        return None

    def _done(self, node: Node, anchor: str | None, size: int) -> Node | None:
        if anchor is not None:
            self.anchors[anchor] = (node, size)
        if not self.open:
            return node
        parent, parent_anchor, items, parent_size = self.open[-1]
        items.append(node)
        self.open[-1] = (parent, parent_anchor, items, parent_size + size)
        return None

    def _close(self, node: Node, items: list[Node]) -> None:
        if isinstance(node.value, list):
            node.value.extend(items)
            return
        for key_node, value in zip(items[::2], items[1::2], strict=True):
            key = key_node.value
            if not isinstance(key, str):
                shown = f"{key!r}" if not isinstance(key, (list, dict)) else "a collection"
                self.problems.append(Problem(key_node.pos, f"a key must be a name, not {shown}"))
            elif key in node.value:
                first = node.keys[key]
                message = f"'{key}' is given twice (first at line {first.line})"
                self.problems.append(Problem(key_node.pos, message, "remove one of them"))
            else:
                node.value[key], node.keys[key] = value, key_node.pos

    def _tag(self, event: Any, implicit: str) -> None:
        tag = event.tag
        if tag is not None and tag != "!" and tag != implicit:
            shown = tag.replace("tag:yaml.org,2002:", "!!")
            self.refuse(
                event.start_mark,
                f"the YAML tag {shown} is not allowed: a case file is plain data",
                "write the value without a tag",
            )

    def _scalar(self, event: Any) -> Node:
        pos = _pos(self.file, event.start_mark)
        if event.tag not in (None, *_STR_TAGS):
            self._tag(event, "")
        text = event.value
        if event.style is None and event.tag is None:
            value = self._resolve(text, event.start_mark)
        else:
            value = text
        origin = self._origin(event.style, pos) if isinstance(value, str) else None
        return Node(value, pos, origin=origin)

    def _resolve(self, text: str, mark: Any) -> Any:
        """A plain scalar by the YAML 1.2 core schema."""
        if _BOOL.match(text):
            return text.lower() == "true"
        if _NULL.match(text):
            return None
        if _INT.match(text):
            digits = len(text.lstrip("+-"))
            if digits > self.limits.max_int_digits:
                message = f"an integer of {digits:,} digits: " + refusal(
                    self.limits, "max_int_digits"
                )
                self.refuse(mark, message, "write a float such as 1e300 instead")
            if text.startswith(("0o", "0x")):
                return int(text[2:], 8 if text[1] == "o" else 16)
            return int(text)
        if _FLOAT.match(text):
            lower = text.lower()
            if lower.endswith(".inf"):
                return -math.inf if lower.startswith("-") else math.inf
            return math.nan if lower == ".nan" else float(text)
        return text

    def _origin(self, style: str | None, pos: Position) -> Position:
        """Where the string's text starts: quotes skipped, block scalars on the next line."""
        if style in ("|", ">"):
            for index in range(pos.line, len(self.lines)):
                line = self.lines[index]
                if line.strip():
                    indent = len(line) - len(line.lstrip(" "))
                    return Position(self.file, index + 1, indent + 1)
            return pos
        if style in ("'", '"'):
            return Position(self.file, pos.line, pos.column + 1)
        return pos


def _syntax_problem(exc: yaml.MarkedYAMLError, file: str, text: str) -> Problem:
    """A YAML syntax error in plain words, at the place that explains it."""
    mark = exc.problem_mark or exc.context_mark
    pos = _pos(file, mark) if mark else Position(file)
    what = exc.problem or exc.context or "not valid YAML"
    if "found character '\\t'" in what or (mark is not None and _tab_at(text, mark)):
        return Problem(pos, "YAML: a tab indents this line", "indent with spaces, not tabs")
    opened = exc.context_mark
    if exc.context and "flow" in exc.context and opened is not None:
        where = _pos(file, opened)
        return Problem(
            where,
            f"YAML: the bracket opened here is not closed ({what})",
            f"close it before line {pos.line}, column {pos.column}",
        )
    return Problem(pos, f"YAML: {what}", "fix the YAML syntax")


def _tab_at(text: str, mark: Any) -> bool:
    lines = text.splitlines()
    return mark.line < len(lines) and "\t" in lines[mark.line][: mark.column + 1]


def parse(text: str, file: str, limits: Limits = DEFAULT) -> Node:
    """The document of `file`, or DocumentError with every problem found."""
    builder = _Builder(file, text, limits)
    roots: list[Node] = []
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if isinstance(event, yaml.DocumentStartEvent) and roots:
                raise _Refused(
                    Problem(
                        _pos(file, event.start_mark),
                        "the file holds several YAML documents",
                        "write one document",
                    )
                )
            root = builder.event(event)
            if root is not None:
                roots.append(root)
    except _Refused as exc:
        raise DocumentError([exc.problem]) from None
    except yaml.MarkedYAMLError as exc:
        raise DocumentError([_syntax_problem(exc, file, text)]) from None
    except yaml.YAMLError as exc:
        raise DocumentError([Problem(Position(file), f"YAML: {exc}")]) from None
    if not roots:
        raise DocumentError([Problem(Position(file), "the file is empty", "write one document")])
    if builder.problems:
        raise DocumentError(builder.problems)
    return roots[0]


def yaml11_boolean(value: Any) -> bool:
    """Whether a string is one that YAML 1.1 (and PyYAML) read as a boolean: yes, no, on..."""
    return isinstance(value, str) and bool(_YAML11_BOOL.match(value))
