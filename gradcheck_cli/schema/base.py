"""What every part of the schema shares: its constants, `$ref`s and descriptions."""

from __future__ import annotations

import re
from typing import Any

from .. import caseformat as cf
from ..values import DTYPES

DRAFT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_FILE = "gradcheck.schema.json"  # where `gradcheck schema >` is told to write it
CASE_NAME_PATTERN = cf.NAME_PATTERN  # `name`'s rule, which `gradcheck new` reads from here
IDENTIFIER_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"  # a param or input name
INT_DTYPES = tuple(d for d in DTYPES if d.startswith("int"))
Defs = dict[str, Any]  # the `$defs` being written: a named mapping's schema, once
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
