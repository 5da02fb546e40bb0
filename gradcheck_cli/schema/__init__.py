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
from typing import Any

from .. import caseformat as cf
from ..ops import FUNCTIONS
from ..values import CASE_DTYPES, DTYPES
from .base import CASE_NAME_PATTERN, DRAFT, IDENTIFIER_PATTERN, SCHEMA_FILE, Defs, _ref
from .kinds import RENDERERS, _object
from .values import _tree, _value_def

__all__ = ["CASE_NAME_PATTERN", "DRAFT", "RENDERERS", "SCHEMA_FILE", "case_schema"]


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
    defs["param_value"] = _value_def(CASE_DTYPES, defs)
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
