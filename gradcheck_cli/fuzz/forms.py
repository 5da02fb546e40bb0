"""Every op's forms: its applications across shapes and attribute values, as NumPy takes them.

A form is an op with its operands (float arrays by shape, fixed integer or boolean arrays,
Python literals) and the attributes written out. The candidates come from the op's kind,
arity and attribute names, so a new op of a known kind gets forms without an entry here;
`where`, `clip` and `getitem` have their own. NumPy (`reference`) then decides: a
candidate it refuses is not a form.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np

from ..ops import METHODS, OPS, Op
from . import reference
from .draw import structured
from .form import KINDS, MAX_SIZE, Form, _clip, _where
from .forms_v2 import V2_OVERRIDES
from .operands import Arr

OVERRIDES: dict[str, Callable[[Op], list[Form]]] = {"where": _where, "clip": _clip}
OVERRIDES.update(V2_OVERRIDES)

ALIASES = {"max": "amax", "min": "amin"}  # ops.FUNCTION_ALIASES, from the op's side


def _spellings(forms: list[Form]) -> list[Form]:
    """The method, `.T`, function-call and alias spellings, for the forms on a 2-d array."""
    out = []
    for f in forms:
        two_d = isinstance(f.args[0], Arr) and len(f.args[0].shape) == 2
        if f.op in METHODS and two_d:
            out.append(Form(f.op, f.args, f.attrs, "method"))
        if f.op == "transpose" and not f.attrs:
            out.append(Form(f.op, f.args, f.attrs, "T"))
        if f.op in ALIASES and two_d:
            out.append(Form(f.op, f.args, f.attrs, ALIASES[f.op]))
        if f.op == "matmul" and two_d:
            out.append(Form(f.op, f.args, f.attrs, "call"))
    return out


SAMPLE = {"above_one": 1.5}  # a float operand's plain value by domain (else 0.75)


def sample_inputs(form: Form) -> list[Any]:
    """Plain values of the operands' shapes (for asking NumPy whether it takes the form)."""
    value = SAMPLE.get(OPS[form.op].domain, 0.75)
    out: list[Any] = []
    for a in form.args:
        if not isinstance(a, Arr):
            out.append(a)
        elif a.dtype != "float":
            out.append(a.array)
        else:
            plain = np.full(a.shape, value)
            out.append(structured(a.structure, plain) if a.structure else plain)
    return out


def accepted(form: Form) -> bool:
    """Whether NumPy takes the form and gives a finite result of a modest size."""
    inputs = sample_inputs(form)
    try:
        out = reference.apply(form.op, inputs, form.call_attrs)
    except (ValueError, TypeError, IndexError, np.exceptions.AxisError):
        return False
    numeric = out.dtype.kind in "fiub"
    return numeric and out.size <= MAX_SIZE and bool(np.all(np.isfinite(out.astype(float))))


def forms_of(spec: Op) -> tuple[Form, ...]:
    """The forms of an op described by `spec` (in `ops.OPS` or not), in a fixed order."""
    candidates = (OVERRIDES.get(spec.name) or KINDS[spec.kind])(spec)
    candidates += _spellings(candidates)
    if spec.results:  # a tuple op: one form per part, as many as NumPy gives
        candidates = [
            Form(f.op, f.args, f.attrs, f.spelling, i)
            for f in candidates
            for i in range(_part_count(f))
        ]
    unique = {f.id: f for f in candidates}
    return tuple(f for f in unique.values() if accepted(f))


def _part_count(form: Form) -> int:
    """How many parts NumPy's tuple has for the form (0: NumPy refuses it)."""
    try:
        with np.errstate(all="ignore"):
            out = reference.function(form.op)(*sample_inputs(form), **form.attr_dict)
    except (ValueError, TypeError, IndexError, np.exceptions.AxisError):
        return 0
    return len(out)


@cache
def forms(op: str) -> tuple[Form, ...]:
    """The forms of the op named `op` in `ops.OPS`, each once."""
    return forms_of(OPS[op])


def all_forms() -> list[Form]:
    return [f for op in OPS for f in forms(op)]
