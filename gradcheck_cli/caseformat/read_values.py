"""The readers of values (arrays) and of mappings of name -> value, through `values`."""

from __future__ import annotations

import keyword
import re
from typing import Any

import numpy as np

from .. import values
from ..document import Node
from ..errors import Position
from ..limits import quantity, refusal
from ..ops import FUNCTIONS
from .keys import BY_KEY, COMPLEX_FORM, GENERATED, LONG_FORM
from .kinds import REQUIRED, Key, Named
from .reader import REFUSED, Reader, names, show, suggest


def array(r: Reader, node: Node, dtype: str, where: str) -> np.ndarray | None:
    """A value: a literal, the long form {value, dtype}, or generated {shape, init, seed}."""
    try:
        if isinstance(node.value, dict):
            return _long_form(r, node, dtype, where)
        return values.literal(node.plain(), dtype)
    except values.TooLarge as exc:
        message = (
            f"{where}: shape {list(exc.shape)} has {quantity(exc.size, 'elements')} "
            f"({quantity(exc.size * np.dtype(dtype).itemsize, 'bytes')}): "
            + refusal(r.limits, "max_elements")
        )
        r.problem(node.pos, message)
        return None
    except ValueError as exc:
        r.problem(_leaf_position(node, exc), f"{where}: {exc}")
        return None


def _long_form(r: Reader, node: Node, dtype: str, where: str) -> np.ndarray | None:
    raw = node.value
    own = raw.get("dtype")
    if own is not None and own.value not in values.DTYPES:
        hint = suggest(str(own.value), values.DTYPES)
        r.problem(own.pos, f"{where}: dtype {show(own.value)} is not allowed", hint)
        return None
    dtype = own.value if own is not None else dtype
    if "real" in raw or "imag" in raw:
        return _complex_form(r, node, dtype, where)
    form = LONG_FORM if "value" in raw else GENERATED
    allowed = tuple(key.name for key in form)
    for k, pos in node.keys.items():
        if k not in allowed:
            r.problem(pos, f"{where}: unknown key '{k}'", suggest(k, allowed))
            return None
    if "value" in raw:
        return values.literal(raw["value"].plain(), dtype)
    if "shape" not in raw:
        hint = "write {value: ..., dtype: ...} or {shape: [..], init: normal, seed: 0}"
        r.problem(node.pos, f"{where}: a long-form value needs 'value' or 'shape'", hint)
        return None
    defaults = {k.name: k.default for k in form if k.default not in (None, REQUIRED)}
    return values.generated({**defaults, **node.plain()}, dtype, r.limits.max_elements)


def _complex_form(r: Reader, node: Node, dtype: str, where: str) -> np.ndarray | None:
    """`{real: R, imag: I}` (v2): a complex array of the case's complex dtype."""
    allowed = tuple(key.name for key in COMPLEX_FORM)
    for k, pos in node.keys.items():
        if k not in allowed:
            r.problem(pos, f"{where}: unknown key '{k}' in a complex value", suggest(k, allowed))
            return None
    missing = [k for k in allowed if k not in node.value]
    if missing:
        hint = "write {real: [1.0, 2.0], imag: [0.5, -1.0]}"
        r.problem(node.pos, f"{where}: a complex value needs '{missing[0]}'", hint)
        return None
    if dtype not in values.COMPLEX_DTYPES and dtype not in values.COMPLEX_OF:
        r.problem(node.pos, f"{where}: a complex value cannot be {dtype}")
        return None
    parts = node.value
    return values.complex_literal(parts["real"].plain(), parts["imag"].plain(), dtype)


def _leaf_position(node: Node, exc: ValueError) -> Position:
    """The position of the element a `values` message names (`at [1][0]`), else the node's."""
    match = re.search(r" at ((?:\[\d+\])+)", str(exc))
    target = node.value["value"] if isinstance(node.value, dict) and "value" in node.value else node
    if match:
        for index in re.findall(r"\d+", match.group(1)):
            if not isinstance(target.value, list):
                break
            target = target.value[int(index)]
    return target.pos


def read_value(r: Reader, key: Key, node: Node, where: str, got: dict) -> Any:
    return array(r, node, key.kind.dtype or got["dtype"], where)


def _is_name(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name) and name not in FUNCTIONS


def read_named(r: Reader, key: Key, node: Node, where: str, got: dict) -> Any:
    kind = key.kind
    if not r.kind(node, (dict,), f"a mapping of {kind.names} -> value", where):
        return REFUSED
    allowed = names(got, kind.among) if kind.among else None
    out: dict[str, np.ndarray] = {}
    for name, value in node.value.items():
        if kind.declares and not _is_name(name):
            hint = "use a Python identifier that is not a function name"
            r.problem(node.keys[name], f"{where}: '{name}' cannot be a name", hint)
        elif allowed is not None and name not in allowed:
            message = f"{where}: '{name}' is not {BY_KEY[kind.among].phrase}"
            r.problem(node.keys[name], message, suggest(name, allowed))
        else:
            found = array(r, value, kind.value.dtype or got["dtype"], f"{where}.{name}")
            if found is not None and _fits(r, kind, name, found, value, where, got):
                out[name] = found
    if kind.at_least_one and not node.value:
        r.problem(node.pos, f"{where}: empty", f"give at least one {kind.declares}")
    for clash in sorted(set(out) & set(names(got, kind.distinct))):
        message = f"{where}: '{clash}' is also {BY_KEY[kind.distinct].phrase}"
        r.problem(node.keys[clash], message, "rename one of them")
    return out


def _fits(
    r: Reader, kind: Named, name: str, found: np.ndarray, node: Node, where: str, got: dict
) -> bool:
    """Whether the value `name` of a mapping of name -> value has the dtype and shape it must."""
    if found.dtype.kind == "c" and got["dtype"] not in values.COMPLEX_DTYPES and not kind.shape_of:
        message = f"{where}.{name}: a complex value in a {got['dtype']} case"
        r.problem(node.pos, message, "set dtype: complex128 (or complex64) for complex params")
        return False
    if kind.value.floats_only and not values.is_float(found):
        message = f"{where}.{name}: a {kind.declares} must be float, not {found.dtype}"
        r.problem(node.pos, message, kind.value.hint)
        return False
    if kind.shape_of and found.shape != (shape := got[kind.shape_of][name].shape):
        owner = BY_KEY[kind.shape_of].kind.declares
        message = (
            f"{where}.{name}: shape {list(found.shape)} differs from the {owner}'s {list(shape)}"
        )
        r.problem(node.pos, message)
        return False
    return True
