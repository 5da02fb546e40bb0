"""A form as a case: its operands as params and inputs, its expression as the cost.

The cost is `<form> * c` with `reduce: sum`, `c` a random input of the form's shape, so a
rule sees a cotangent that differs element by element, and the value compared is the
whole array. A comparison is written as the branch it picks, `where(x1 < x2, x1, x2)`,
so that what it decides reaches the gradient. A tuple op's form (`Form.part`) is a
`program` statement unpacking every part into fresh names (`p0, p1 = slogdet(a)`), the
term built on its part (squared where the part's sign is a gauge, `Form.gauged`).
"""

from __future__ import annotations

import ast
import json
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..ops import OPS
from . import reference, syntax
from .draw import values
from .forms import Form
from .operands import Arr

COTANGENT = "c"


def seed_of(*key: Any) -> int:
    """A seed from a key, the same on every run and machine (not Python's salted hash)."""
    return zlib.crc32(repr(key).encode())


def yaml_value(array: Any) -> Any:
    """A value as the case file writes it: floats exactly, int/bool arrays in long form."""
    a = np.asarray(array)
    if a.dtype.kind == "f":
        return a.astype(np.float64).tolist()
    return {"value": a.tolist(), "dtype": "bool" if a.dtype.kind == "b" else "int64"}


def generated(shape: Sequence[int], seed: int) -> dict[str, Any]:
    return {"shape": list(shape), "init": "normal", "seed": seed}


@dataclass(frozen=True)
class Parts:
    """A form's share of a case: its params and inputs, and its term of the cost."""

    params: dict[str, Any]
    inputs: dict[str, Any]
    cost: ast.expr  # <form> * c
    shape: tuple[int, ...]  # the term's shape
    program: tuple[str, ...] = ()  # a tuple op's statement: `p0, p1 = slogdet(a)`


def parts(form: Form, prefix: str = "", kinks: bool = False) -> Parts:
    """The form with its variables named `prefix + name`, values seeded by the form."""
    rng = np.random.default_rng(seed_of("values", form.id))
    inputs = values(form, rng, kinks)
    params: dict[str, Any] = {}
    fixed: dict[str, Any] = {}
    atoms = []
    for arg, n, value in zip(form.args, form.names(), inputs, strict=True):
        atoms.append(syntax.literal(arg) if n is None else ast.Name(prefix + (n or "")))
        if n is not None:
            floating = isinstance(arg, Arr) and arg.dtype == "float"
            (params if floating else fixed)[prefix + n] = yaml_value(value)
    expr, value = form.expression(atoms), reference.apply(form.op, inputs, form.call_attrs)
    program: tuple[str, ...] = ()
    if form.part is not None:  # unpack every part into fresh names, the term on one of them
        count = len(reference.function(form.op)(*inputs, **form.attr_dict))
        names = [f"{prefix}p{i}" for i in range(count)]
        program = (f"{', '.join(names)} = {syntax.text(expr)}",)
        expr = ast.Name(names[form.part], ast.Load())
        if form.gauged:  # known up to a sign per column or row: compared squared
            expr, value = ast.BinOp(expr, ast.Pow(), ast.Constant(2)), value**2
    if OPS[form.op].kind == "compare":  # the branch it picks, so the choice reaches a gradient
        expr = syntax.apply("where", [expr, *atoms[:2]], {})
        value = reference.apply("where", [value, *inputs[:2]], {})
    # a form with no float operand (one_hot's labels) differentiates the cotangent instead
    (fixed if params else params)[prefix + COTANGENT] = generated(
        value.shape, seed_of("c", form.id) % 2**31
    )
    cost = ast.BinOp(expr, ast.Mult(), ast.Name(prefix + COTANGENT))
    return Parts(params, fixed, cost, value.shape, program)


def case_mapping(form: Form, name: str, kinks: bool = False) -> dict[str, Any]:
    """The case's keys (name, description, params, inputs, cost, reduce)."""
    p = parts(form, kinks=kinks)
    return {
        "name": name,
        "description": f"{form.op}: {form.id}",
        "params": p.params,
        "inputs": p.inputs,
        **({"program": "\n".join(p.program) + "\n"} if p.program else {}),
        "cost": syntax.text(p.cost),
        "reduce": "sum",
    }


def chunk_mapping(chosen: Sequence[Form], name: str) -> dict[str, Any]:
    """Several forms as one case, each with its own variables (`f0_x`, `f1_x`...), the
    cost their terms flattened and concatenated: one compilation for all of them, and a
    mismatch's element or param still names its form."""
    every = [parts(f, f"f{i}_") for i, f in enumerate(chosen)]
    flat = [syntax.apply("reshape", [p.cost], {"shape": -1}) for p in every]
    program = [line for p in every for line in p.program]  # the tuple forms' statements
    return {
        "name": name,
        "description": "; ".join(f"f{i}: {f.id}" for i, f in enumerate(chosen)),
        "params": {k: v for p in every for k, v in p.params.items()},
        "inputs": {k: v for p in every for k, v in p.inputs.items()},
        **({"program": "\n".join(program) + "\n"} if program else {}),
        "cost": syntax.text(syntax.apply("concatenate", flat, {})),
        "reduce": "sum",
    }


def dump(mapping: Mapping[str, Any]) -> str:
    """YAML text, one key a line, each value as JSON (which YAML reads as it is); text of
    several lines as a block."""
    out = []
    for k, v in mapping.items():
        if isinstance(v, str) and "\n" in v:
            out.append(f"{k}: |\n" + "".join(f"  {line}\n" for line in v.splitlines()))
        else:
            out.append(f"{k}: {json.dumps(v)}\n")
    return "".join(out)


def case_text(form: Form, name: str, kinks: bool = False, **extra: Any) -> str:
    """The form's case as YAML, with `extra` keys (backends, reference, tolerance...)."""
    return dump({**case_mapping(form, name, kinks), **extra})
