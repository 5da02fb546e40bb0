"""Golden files: what every backend gave in one run, recorded as JSON, and the drift of a
later run from it (`gradcheck run --record FILE`, `gradcheck run --against FILE`).

A golden file holds, for each case that ran and each backend, its framework version, the
tolerance to judge it by later (the case's own rule for a comparison with `expect`) and
what it gave: value, grad, params and costs, or its error, or why it was skipped. Arrays
are `{dtype, shape, data}`; a float64 number is written as Python's repr, which reads back
to the same bits, a float32 one as NumPy's shortest repr of it, and NaN and the
infinities as the strings "NaN", "Infinity", "-Infinity" (JSON has no such numbers).
`against` compares a run with a recorded one, each quantity by the recorded tolerance,
and returns one `Drift` per finding, each with the line that says it.
"""

from __future__ import annotations

from .against import against
from .drift import FAILING, FORMAT, VERSION, Drift, summary
from .encoding import decode_array, encode_array
from .read import load
from .record import dumps, record, write

__all__ = [
    "FAILING", "FORMAT", "VERSION", "Drift", "against", "decode_array", "dumps",
    "encode_array", "load", "record", "summary", "write",
]  # fmt: skip
