"""The case format, described once: each key of a case, of `expect`, of `tolerance` and of
a value, with its kind, default, choices, bounds, what it requires and what it means.

Everything else derives from `KEYS` (keys.py): the loader (`load.py`) walks it with
positions, `schema.py` renders it as a JSON Schema, `table()` renders the key table of
docs/case-format.md (a test keeps the two equal), and `case.py` takes its defaults from it.
A key is one `Key` (kinds.py); its `kind` says what the value is, and each kind has one
reader (read.py, read_values.py: `READERS`) and one renderer (`schema.RENDERERS`). Keys
are listed in the order they are read: a key's default, choices and rules may name only
keys above it.

Adding a key is one entry in keys.py (then the behaviour that uses it), as the v2 keys
were: `checks` (Words of CHECKS), `tangent` (Named, its seeded default Derived),
`implementations` (Fields), `expect.jvp` and `expect.hvp`; the complex dtypes are choices
of `dtype` (values.CASE_DTYPES) with their DEFAULT_TOLERANCE, and `{real, imag}` the value
form COMPLEX_FORM beside LONG_FORM and GENERATED. What no single key can check (a given
tangent names every wrt param; no jvp or hvp on complex params) is in load.py.
"""

from .keys import (
    BY_KEY,
    COMPLEX_FORM,
    DEFAULT_TOLERANCE,
    EXPECT,
    GENERATED,
    KEYS,
    LONG_FORM,
    NAME_PATTERN,
    TOLERANCE,
    described,
    table,
)
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
    Shape,
    Text,
    Value,
    Words,
    said,
)

__all__ = [
    "BY_KEY", "COMPLEX_FORM", "DEFAULT_TOLERANCE", "EXPECT", "GENERATED", "KEYS", "LONG_FORM",
    "NAME_PATTERN", "REQUIRED", "TOLERANCE", "Derived", "Expression", "Fields", "Integer", "Key",
    "Keyed", "Named", "Number", "OneOf", "Optimizer", "Shape", "Text", "Value", "Words",
    "described", "said", "table",
]  # fmt: skip
