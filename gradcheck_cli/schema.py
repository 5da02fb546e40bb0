"""The JSON Schema (draft 2020-12) of the case format, for editors and YAML language servers.

Rendered from the case format's description (`caseformat`), one renderer per kind of value
(`RENDERERS`), and from `optim.HYPERPARAMETERS`, so it cannot drift from what the loader
accepts. It keeps to keywords that draft-07 validators read the same way (`$ref` to
`#/$defs/...`, `if`/`then`/`else`, `anyOf`, `items` as one schema): the YAML language server
behind most editors validates with draft-07 rules. What a schema cannot see (an expression,
shapes, names declared elsewhere in the case, `reference` among `backends`) stays the
loader's job: `gradcheck run` reports it with file, line and column.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable
from typing import Any

from . import caseformat as cf
from .ops import FUNCTIONS
from .optim import HYPERPARAMETERS, REQUIRED
from .values import DTYPES, FLOAT_DTYPES

DRAFT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_FILE = "gradcheck.schema.json"  # where `gradcheck schema >` is told to write it
CASE_NAME_PATTERN = cf.NAME_PATTERN  # `name`'s rule, which `gradcheck new` reads from here
IDENTIFIER_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"  # a param or input name
INT_DTYPES = tuple(d for d in DTYPES if d.startswith("int"))
Defs = dict[str, Any]  # the `$defs` being written: a named mapping's schema, once


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/$defs/{name}"}


def _described(key: cf.Key) -> str:
    """The hover text: the docs' phrase, without its pointers into the docs, and the default."""
    text = re.sub(r";? see (below|\[[^\]]+\]\([^)]+\))", "", cf.described(key))
    shown = key.shown_default()
    if shown == "none":
        return text
    return f"{text} (required)" if shown == "required" else f"{text} (default: {shown})"


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


# --- one renderer per kind ---------------------------------------------------------------


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


# --- values ------------------------------------------------------------------------------


def _tree(leaf: dict[str, Any], name: str) -> dict[str, Any]:
    """A leaf or a nested list of them, through a `$ref` to its own definition."""
    return {"anyOf": [leaf, {"type": "array", "items": _ref(name)}]}


def _long_form(dtypes: tuple[str, ...], defs: Defs) -> dict[str, Any]:
    """`{value: V, dtype: D}`: the leaves of V are what D takes (no D: the case's floats)."""
    rules = []
    for kinds, leaves in ((("bool",), "booleans"), (INT_DTYPES, "integers")):
        if set(kinds) & set(dtypes):
            given = {"properties": {"dtype": {"enum": list(kinds)}}, "required": ["dtype"]}
            rules.append({"if": given, "then": {"properties": {"value": _ref(leaves)}}})
    floats = {"properties": {"dtype": {"enum": list(FLOAT_DTYPES)}}}  # or no dtype at all
    rules.append({"if": floats, "then": {"properties": {"value": _ref("numbers")}}})
    out = _object(cf.LONG_FORM, defs)
    out["properties"]["value"] = {"description": _described(cf.LONG_FORM[0])}
    out["properties"]["dtype"]["enum"] = list(dtypes)
    return {"description": "long form: a literal array with its own dtype", **out, "allOf": rules}


def _value_def(dtypes: tuple[str, ...], defs: Defs) -> dict[str, Any]:
    """A value: a number or nested list, the long form, or a generated array."""
    generated = _object(cf.GENERATED, defs)
    generated["properties"]["dtype"]["enum"] = list(dtypes)
    generated["description"] = "a generated array: {shape, init, seed}, the same numbers everywhere"
    return {"anyOf": [_ref("numbers"), _long_form(dtypes, defs), generated]}


# --- optimizers: from optim.HYPERPARAMETERS ----------------------------------------------


def _hyperparameter(key: str, default: object) -> dict[str, Any]:
    """The schema of one hyperparameter, judged by the kind of its default (as optim.check)."""
    text = cf.BY_KEY["optimizer"].kind.meanings.get(key, key)
    if isinstance(default, bool):
        return {"type": "boolean", "default": default, "description": text}
    if isinstance(default, tuple):  # betas: torch.optim wants both in [0, 1)
        item = {"type": "number", "minimum": 0, "exclusiveMaximum": 1}
        pair = {"type": "array", "items": item, "minItems": 2, "maxItems": 2}
        return {**pair, "default": list(default), "description": text}
    out: dict[str, Any] = {"type": "number", "description": text}
    if key != "dampening":  # torch.optim refuses the others below 0
        out["minimum"] = 0
    if default is REQUIRED:
        return {**out, "description": f"{text} (required)"}
    return {**out, "default": default}


def _one_optimizer(name: str) -> dict[str, Any]:
    defaults = HYPERPARAMETERS[name]
    then: dict[str, Any] = {
        "properties": {
            "name": {"const": name},
            **{key: _hyperparameter(key, value) for key, value in defaults.items()},
        },
        "required": ["name", *(k for k, v in defaults.items() if v is REQUIRED)],
        "additionalProperties": False,
    }
    if "nesterov" in defaults:
        then["if"] = {"properties": {"nesterov": {"const": True}}, "required": ["nesterov"]}
        then["then"] = {
            "properties": {"momentum": {"exclusiveMinimum": 0}, "dampening": {"const": 0}},
            "required": ["momentum"],
        }
    return {"if": {"properties": {"name": {"const": name}}, "required": ["name"]}, "then": then}


def _optimizer(kind: cf.Optimizer, defs: Defs) -> dict[str, Any]:
    names = {"enum": list(HYPERPARAMETERS), "description": "the torch.optim name"}
    mapping = {
        "type": "object",
        "properties": {"name": names},
        "required": ["name"],
        "allOf": [_one_optimizer(name) for name in HYPERPARAMETERS],
    }
    return {"anyOf": [names, mapping]}


# --- the case and the file ---------------------------------------------------------------


def _holding(kind: Any, need: str) -> dict[str, Any] | None:
    """What a value of `kind` meets where it holds a key that needs `need`; None: it cannot."""
    if isinstance(kind, cf.Keyed):
        kind = cf.Fields(tuple(cf.Key(name, kind.value, "") for name in kind.choices))
    if not isinstance(kind, cf.Fields):
        return None
    found = [{"required": [key.name]} for key in kind.keys if need in key.needs]
    for key in kind.keys:
        if (inner := _holding(key.kind, need)) is not None:
            found.append({"properties": {key.name: inner}, "required": [key.name]})
    return {"anyOf": found} if found else None


def _needs() -> list[dict[str, Any]]:
    """A case that gives a key needing another (`steps`, `expect.params`: an optimizer)
    gives that one too."""
    case = cf.Fields(cf.KEYS)
    needed = [key.name for key in cf.KEYS if _holding(case, key.name) is not None]
    return [{"if": _holding(case, need), "then": {"required": [need]}} for need in needed]


def _required_unless_default(key: cf.Key) -> dict[str, Any]:
    """In a `cases:` file, each case needs `key` (or the key it may be left out for) unless
    `defaults:` gives it."""
    either = [key.name, key.unless] if key.unless else [key.name]
    given = {"anyOf": [{"required": [name]} for name in either]}
    return {
        "if": {"properties": {"defaults": given}, "required": ["defaults"]},
        "else": {"properties": {"cases": {"items": given}}},
    }


def _forms() -> dict[str, Any]:
    """The two shapes of a file: one case, or `cases:` with optional `defaults:`."""
    keys = _ref("case_keys")
    required = [key for key in cf.KEYS if key.default is cf.REQUIRED]
    always = [key.name for key in required if not key.unless]
    unless = [
        {"anyOf": [{"required": [k.name]}, {"required": [k.unless]}]} for k in required if k.unless
    ]
    own = {"not": {}, "description": "a default cannot set it: each case gives its own"}
    return {
        "case": {"allOf": [keys, *_needs(), *unless], "required": always},
        "file": {
            "type": "object",
            "properties": {
                "cases": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "allOf": [keys],
                        "required": [k.name for k in required if k.per_case],
                    },
                    "description": "the cases of this file, each with its own name",
                },
                "defaults": {
                    "allOf": [keys],
                    "properties": {key.name: own for key in cf.KEYS if key.per_case},
                    "description": "case keys merged under each case (a key the case sets wins)",
                },
            },
            "required": ["cases"],
            "additionalProperties": False,
            "allOf": [_required_unless_default(k) for k in required if not k.per_case],
        },
    }


def case_schema() -> dict[str, Any]:
    """The JSON Schema of a case file, as a plain dict ready for `json.dumps`."""
    reserved = sorted(set(FUNCTIONS) | set(keyword.kwlist))
    defs: Defs = {
        "numbers": _tree({"type": "number"}, "numbers"),
        "integers": _tree({"type": "integer"}, "integers"),
        "booleans": _tree({"type": "boolean"}, "booleans"),
        "identifier": {
            "type": "string",
            "pattern": IDENTIFIER_PATTERN,
            "not": {"enum": reserved},
            "description": "a Python identifier that is not a keyword or a function name",
        },
    }
    defs["value"] = _value_def(DTYPES, defs)
    defs["param_value"] = _value_def(FLOAT_DTYPES, defs)
    defs["case_keys"] = _object(cf.KEYS, defs, required=False)  # `defaults:` may give them
    defs.update(_forms())
    return {
        "$schema": DRAFT,
        "title": "gradcheck case file",
        "description": "One case (a mapping with `name`), or several under `cases:` with"
        " optional `defaults:`. Written by `gradcheck schema`; see docs/editors.md.",
        "type": "object",
        "if": {"type": "object", "required": ["cases"]},
        "then": _ref("file"),
        "else": _ref("case"),
        "$defs": defs,
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
