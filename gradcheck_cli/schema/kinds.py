"""One renderer per kind of the case format (`RENDERERS`), and a key or a mapping of keys
rendered through them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import caseformat as cf
from .base import Defs, _described, _ref
from .optimizers import _optimizer


def _property(key: cf.Key, defs: Defs) -> dict[str, Any]:
    out = {**RENDERERS[type(key.kind)](key.kind, defs), "description": _described(key)}
    if isinstance(key.default, (bool, int, float, str)) and key.default != "":
        out["default"] = key.default
    return out


def _object(keys: tuple[cf.Key, ...], defs: Defs, required: bool = True) -> dict[str, Any]:
    """A mapping of exactly these keys (the loader refuses any other), the required ones
    `required`."""
    out: dict[str, Any] = {
        "type": "object",
        "properties": {key.name: _property(key, defs) for key in keys},
        "additionalProperties": False,
    }
    names = [key.name for key in keys if key.default is cf.REQUIRED]
    return {**out, "required": names} if names and required else out


def _text(kind: cf.Text | cf.Expression, defs: Defs) -> dict[str, Any]:
    pattern = getattr(kind, "pattern", "")
    return {"type": "string", "pattern": pattern} if pattern else {"type": "string"}


def _words(kind: cf.Words, defs: Defs) -> dict[str, Any]:
    """A list of words, or one word read as a one-element list (as the loader does)."""
    if kind.among:
        item = _ref("identifier")
    else:
        item = {"enum": list(kind.choices)} if kind.choices else {"type": "string"}
    out = {"anyOf": [item, {"type": "array", "items": item, "uniqueItems": True}]}
    return {**out, "minItems": 1} if kind.at_least_one else out


def _one_of(kind: cf.OneOf, defs: Defs) -> dict[str, Any]:
    return {"enum": list(kind.choices)}


def _number(kind: cf.Integer | cf.Number, defs: Defs) -> dict[str, Any]:
    # an Integer's `limit` is left out: the command line can raise it
    out = {"type": "integer" if isinstance(kind, cf.Integer) else "number"}
    return out if kind.minimum is None else {**out, "minimum": kind.minimum}


def _shape(kind: cf.Shape, defs: Defs) -> dict[str, Any]:
    count = {"type": "integer", "minimum": 0}
    return {"anyOf": [count, {"type": "array", "items": count}]}


def _value(kind: cf.Value, defs: Defs) -> dict[str, Any]:
    return _ref("param_value" if kind.floats_only else "value")


def _named(kind: cf.Named, defs: Defs) -> dict[str, Any]:
    out = {
        "type": "object",
        "propertyNames": _ref("identifier"),
        "additionalProperties": _value(kind.value, defs),
    }
    return {**out, "minProperties": 1} if kind.at_least_one else out


def _fields(kind: cf.Fields, defs: Defs) -> dict[str, Any]:
    out = _object(kind.keys, defs)
    if kind.at_least_one:
        out["minProperties"] = 1
    if not kind.name:
        return out
    name = kind.name.replace(" ", "_")
    if name not in defs:
        defs[name] = out
    return _ref(name)


def _keyed(kind: cf.Keyed, defs: Defs) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {name: _fields(kind.value, defs) for name in kind.choices},
        "additionalProperties": False,
    }


RENDERERS: dict[type, Callable[..., dict[str, Any]]] = {
    cf.Text: _text,
    cf.Expression: _text,
    cf.Words: _words,
    cf.OneOf: _one_of,
    cf.Integer: _number,
    cf.Number: _number,
    cf.Shape: _shape,
    cf.Value: _value,
    cf.Named: _named,
    cf.Fields: _fields,
    cf.Keyed: _keyed,
    cf.Optimizer: _optimizer,
}
