"""A value's schema: a number or nested list, the long form, a generated array."""

from __future__ import annotations

from typing import Any

from .. import caseformat as cf
from ..values import CASE_DTYPES
from .base import INT_DTYPES, Defs, _described, _ref
from .kinds import _object


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
    floats = {"properties": {"dtype": {"enum": list(CASE_DTYPES)}}}  # or no dtype at all
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
    complex_form = _object(cf.COMPLEX_FORM, defs)
    for part in ("real", "imag"):
        complex_form["properties"][part] = {
            **_ref("numbers"),
            "description": _described(cf.COMPLEX_FORM[0 if part == "real" else 1]),
        }
    complex_form["description"] = "(v2) a complex literal, in a complex64 or complex128 case"
    return {"anyOf": [_ref("numbers"), _long_form(dtypes, defs), generated, complex_form]}
