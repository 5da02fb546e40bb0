"""What a key of the case format is: `Key`, and the kinds a value can have.

A kind is plain data (a frozen dataclass); what it means is given by its one reader
(`read.READERS`) and its one renderer (`schema.RENDERERS`), tables keyed by the kind's type.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..limits import DEFAULT, option

Choices = tuple[str, ...] | Mapping[str, str]  # the words, or each word -> its meaning


class _Required:
    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()  # a default meaning "the case must give it"


@dataclass(frozen=True)
class Derived:
    """A default computed from the keys read above it (`of(values)`), shown as `shown`."""

    of: Callable[[Mapping[str, Any]], Any]
    shown: str


# --- kinds: what a value is ------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    expected: str = "text"  # how a message names it
    pattern: str = ""  # a regular expression the whole text must match
    hint: str = ""  # what to write where it does not


@dataclass(frozen=True)
class Expression:
    """Expression text; `after` names the key whose statements run before it."""

    statements: bool = False  # `NAME = EXPR` lines, not one expression
    after: str = ""


@dataclass(frozen=True)
class Words:
    """A list of words, or one word read as a list of one; each word at most once."""

    choices: Choices = ()  # () any word
    among: str = ""  # the words are the names another key gives (wrt: params)
    at_least_one: bool = False


@dataclass(frozen=True)
class OneOf:
    choices: Choices
    among: str = ""  # it must also be among the words of another key


@dataclass(frozen=True)
class Integer:
    minimum: int = 0
    limit: str = ""  # the `Limits` field that bounds it from above


@dataclass(frozen=True)
class Number:
    minimum: float | None = None  # and always finite


@dataclass(frozen=True)
class Shape:
    """A count, or a list of counts."""


@dataclass(frozen=True)
class Value:
    """An array: a number or nested list, `LONG_FORM` or `GENERATED`."""

    floats_only: bool = False  # refused unless float, with `hint`
    dtype: str = ""  # the dtype of a literal: "" the case's
    hint: str = ""


@dataclass(frozen=True)
class Named:
    """A mapping of name -> value."""

    value: Value
    names: str = "name"  # what each name is, in "a mapping of name -> value"
    declares: str = ""  # the names are variables of the expressions, as "param" or "input"
    among: str = ""  # the names must be among those of another key
    distinct: str = ""  # no name may also be one of another key's
    shape_of: str = ""  # each value has the shape of that key's value of the same name
    at_least_one: bool = False


@dataclass(frozen=True)
class Fields:
    """A mapping with its own keys; `name` names it where several keys share it."""

    keys: tuple[Key, ...]
    expected: str = ""  # "": "a mapping of k1/k2/..."
    name: str = ""
    at_least_one: bool = False  # an empty mapping is refused

    def get(self, key: str) -> Key | None:
        return next((k for k in self.keys if k.name == key), None)

    def expected_text(self) -> str:
        return self.expected or "a mapping of " + "/".join(k.name for k in self.keys)


@dataclass(frozen=True)
class Keyed:
    """A mapping of `noun` (one of `choices`, among another key's words) -> `value`."""

    choices: Choices
    value: Fields
    noun: str
    among: str = ""


@dataclass(frozen=True)
class Optimizer:
    """A name, or `{name: ..., hyperparameters...}`, checked by `optim.check`."""

    meanings: Mapping[str, str]  # hyperparameter -> what it is
    expected: str = "{name: ..., hyperparameters...}"


Kind = (
    Text
    | Expression
    | Words
    | OneOf
    | Integer
    | Number
    | Shape
    | Value
    | Named
    | Fields
    | Keyed
    | Optimizer
)


@dataclass(frozen=True)
class Key:
    """One key of a mapping in a case file: how its value is read and checked, its default,
    what it needs, and how the docs and the messages name it."""

    name: str
    kind: Kind
    what: str  # the docs' phrase; `{choices}` and `{bounds}` are filled in from the kind
    default: Any = REQUIRED
    shown: str = ""  # the docs' default where the value does not say it
    needs: tuple[str, ...] = ()  # keys that must be given with this one
    phrase: str = ""  # how a message names what it gives: "'v' is not a param", "needs ..."
    missing: str = ""  # the hint where it is missing but required, or needed by another key
    field: str | None = ""  # the Case field it fills ("": its name; None: none)
    per_case: bool = False  # each case gives its own; never a default
    unless: str = ""  # a required key that may be left out where this key is given

    def text(self) -> str:
        """`what`, with the kind's choices and bounds written in."""
        kind = self.kind
        if isinstance(kind, Fields) and "{choices}" in self.what:
            return self.what.replace("{choices}", said(tuple(k.name for k in kind.keys)))
        if isinstance(kind, (Words, OneOf)) and kind.choices:
            return self.what.replace("{choices}", said(kind.choices, isinstance(kind, OneOf)))
        if isinstance(kind, Integer) and kind.limit:
            most = getattr(DEFAULT, kind.limit)
            bounds = f"from {kind.minimum} to {most:,} (`{option(kind.limit)}`)"
            return self.what.replace("{bounds}", bounds)
        return self.what

    def shown_default(self) -> str:
        """The default as the docs show it."""
        if self.shown or isinstance(self.default, Derived):
            return self.shown or self.default.shown
        if self.default is REQUIRED:
            return "required"
        if self.default is None or self.default == "":
            return "none"
        if isinstance(self.default, tuple):
            return "`[" + ", ".join(self.default) + "]`"
        return f"`{self.default}`" if isinstance(self.default, str) else f"`{self.default!r}`"


def said(choices: Choices, alternatives: bool = False) -> str:
    """The choices for a sentence: "`a` (its meaning), `b`", the last after "or" if
    they are `alternatives`."""
    items = [
        f"`{word}` ({choices[word]})"
        if isinstance(choices, Mapping) and choices[word]
        else f"`{word}`"
        for word in choices
    ]
    if alternatives and len(items) > 1:
        return ", ".join(items[:-1]) + " or " + items[-1]
    return ", ".join(items)
