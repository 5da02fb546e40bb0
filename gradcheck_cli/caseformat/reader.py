"""What every reader of a case key shares: the case being read, its problems, and the
phrases messages are made of."""

from __future__ import annotations

import difflib
from typing import Any

from ..document import Node
from ..errors import Position, Problem
from ..limits import Limits
from .kinds import Derived, Key

REFUSED: Any = object()  # a reader's answer for a value refused whole: the key's default is used


class Reader:
    """One case mapping being read: its problems, collected instead of stopping at the first."""

    def __init__(self, node: Node, name: str, limits: Limits):
        self.node, self.name, self.limits = node, name, limits
        self.problems: list[Problem] = []

    def problem(self, pos: Position, message: str, hint: str = "") -> None:
        self.problems.append(Problem(pos, message, hint, self.name))

    def get(self, key: str) -> Node | None:
        """The case's node for `key`, None where the case does not give it."""
        return self.node.value.get(key)

    def kind(self, node: Node, types: tuple[type, ...], what: str, key: str) -> bool:
        ok = isinstance(node.value, types) and not (
            isinstance(node.value, bool) and bool not in types
        )
        if not ok:
            self.problem(node.pos, f"{key}: expected {what}, got {show(node.value)}")
        return ok


def suggest(word: str, choices: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else f"allowed: {', '.join(choices)}"


def show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"{type(value).__name__} {value!r}"


def default_of(key: Key, got: dict[str, Any]) -> Any:
    """`key`'s default, for a case whose keys read so far are `got`."""
    return key.default.of(got) if isinstance(key.default, Derived) else key.default


def names(got: dict[str, Any], key: str) -> tuple[str, ...]:
    """The names or words the case's `key` gave, as read so far (none where it was refused)."""
    return tuple(got.get(key) or ())
