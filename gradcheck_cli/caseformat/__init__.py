"""The case format, described once: each key of a case, of `expect`, of `tolerance` and of
a value, with its kind, default, choices, bounds, what it requires and what it means.

Everything else derives from `KEYS` (keys.py): the loader (`load.py`) walks it with
positions, `schema.py` renders it as a JSON Schema, `table()` renders the key table of
docs/case-format.md (a test keeps the two equal), and `case.py` takes its defaults from it.
A key is one `Key` (kinds.py); its `kind` says what the value is, and each kind has one
reader (read.py, read_values.py: `READERS`) and one renderer (`schema.RENDERERS`). Keys
are listed in the order they are read: a key's default, choices and rules may name only
keys above it.

Adding a key is one entry in keys.py (then the behaviour that uses it). The next ones:
- `checks`: `Key("checks", Words(CHECKS), ..., default=("grad",))`, CHECKS a dict of
  `grad`/`jvp`/`hvp` -> its meaning, written into the docs as `reduce`'s choices are;
- `tangent`: `Key("tangent", Named(Value(), names="param", among="wrt",
  shape_of="params"), ..., default=Derived(...))`, as `expect.grad` is;
- `implementations`: `Key("implementations", Fields(...))`, each framework's key a
  `Text(pattern=...)` for `module:function`, and `numpy` a `Fields` of `value` and `grad`;
- `complex64`, `complex128`: two choices more of `dtype` (values.FLOAT_DTYPES) with their
  `DEFAULT_TOLERANCE`, and `{real, imag}` a value form beside `LONG_FORM` and `GENERATED`.
"""

from .keys import (
    BY_KEY,
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
    "BY_KEY", "DEFAULT_TOLERANCE", "EXPECT", "GENERATED", "KEYS", "LONG_FORM", "NAME_PATTERN",
    "REQUIRED", "TOLERANCE", "Derived", "Expression", "Fields", "Integer", "Key", "Keyed",
    "Named", "Number", "OneOf", "Optimizer", "Shape", "Text", "Value", "Words", "described",
    "said", "table",
]  # fmt: skip
