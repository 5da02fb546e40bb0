"""Values for a form's float operands, drawn from the op's domain, away from its kinks.

All float elements of one form are drawn together with distinct magnitudes, spaced
apart and away from the form's literals, so no two elements tie (for max, maximum, clip,
the inf-norm) and none is near 0 (abs, relu, sign); `conditioning.distance` then checks
the form's own rule, and a draw too close is drawn again. With `kinks`, values come from
a small grid instead, so zeros and ties are common.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..ops import OPS
from .conditioning import distance
from .operands import Arr

# magnitudes [low, high] and whether signs vary
RANGES = {
    "real": (0.25, 2.0, True),
    "positive": (0.5, 2.0, False),
    "unit": (0.1, 0.85, True),
    "nonzero": (0.5, 2.0, True),
    "above_one": (1.25, 3.0, False),  # arccosh
}
KINK_VALUES = {
    "real": [-1.0, -0.5, 0.0, 0.5, 1.0],
    "positive": [0.5, 1.0, 2.0],
    "unit": [-0.5, 0.0, 0.5],
    "nonzero": [-1.0, -0.5, 0.5, 1.0],
    "above_one": [1.5, 2.0, 3.0],
}
SIGNS = {"clip": (0, -1, 1)}  # an operand whose sign is fixed: clip's bounds, below and above
MARGIN = 0.02  # wider than Richardson's widest step on these magnitudes
TRIES = 50


def separated(
    rng: np.random.Generator, count: int, domain: str, avoid: tuple[float, ...] = ()
) -> np.ndarray:
    """`count` values of distinct magnitudes in the domain's range, at least about
    0.65 * (high - low) / count apart, none near a magnitude in `avoid`."""
    low, high, signed = RANGES[domain]
    slots = np.linspace(low, high, 2 * count + 2 * len(avoid) + 2)
    width = slots[1] - slots[0]
    free = [s for s in slots if all(abs(s - abs(a)) > width for a in avoid)]
    picks = rng.choice(np.asarray(free), size=count, replace=False)
    picks = picks + rng.uniform(-width / 8, width / 8, size=count)
    signs = rng.choice([-1.0, 1.0], size=count) if signed else np.ones(count)
    return picks * signs


def _literals(form: Any) -> tuple[float, ...]:
    return tuple(
        float(a) for a in form.args if isinstance(a, (int, float)) and not isinstance(a, bool)
    )


def draw(form: Any, rng: np.random.Generator, kinks: bool = False) -> list[Any]:
    """One draw of the form's operands: float arrays drawn, the others as they are."""
    domain = OPS[form.op].domain
    floats = [a for a in form.args if isinstance(a, Arr) and a.dtype == "float"]
    count = sum(int(np.prod(a.shape)) for a in floats)
    if kinks:
        flat = rng.choice(KINK_VALUES[domain], size=count)
    else:
        flat = separated(rng, count, domain, _literals(form)) if count else np.zeros(0)
    signs = SIGNS.get(form.op, ())
    out, start = [], 0
    for i, arg in enumerate(form.args):
        if not isinstance(arg, Arr):
            out.append(arg)
            continue
        if arg.dtype != "float":
            out.append(arg.array)
            continue
        size = int(np.prod(arg.shape))
        values = flat[start : start + size].reshape(arg.shape)
        start += size
        sign = signs[i] if i < len(signs) else 0
        out.append(np.abs(values) * sign if sign else values)
    return out


def structured(structure: str, m: np.ndarray) -> np.ndarray:
    """The drawn matrices (the last two axes) made `structure`: "square" shifted along the
    diagonal, well-conditioned; "spd" symmetric positive definite, eigenvalues apart;
    "distinct" as drawn (`conditioned` rejects close singular values)."""
    n = m.shape[-1]
    eye = np.eye(n)
    if structure == "square":
        return m + 2.0 * n * eye / 3
    if structure == "spd":
        return m @ np.swapaxes(m, -1, -2) / n + 0.5 * eye
    return m


def conditioned(form: Any, inputs: list[Any]) -> bool:
    """Whether each structured operand's matrices are well-conditioned, with singular
    values (eigenvalues) at least 0.15 apart relative to the largest, none below 0.2."""
    for arg, value in zip(form.args, inputs, strict=True):
        if not isinstance(arg, Arr) or not arg.structure:
            continue
        s = np.linalg.svd(np.asarray(value), compute_uv=False)
        top = s.max(axis=-1, keepdims=True)
        if np.any(s < 0.2) or np.any(s / top < 0.08):
            return False
        gaps = arg.structure != "square" and s.shape[-1] > 1
        if gaps and np.any(-np.diff(s, axis=-1) / top < 0.15):
            return False
    return True


def _structure(form: Any, inputs: list[Any]) -> list[Any]:
    return [
        structured(a.structure, v) if isinstance(a, Arr) and a.structure else v
        for a, v in zip(form.args, inputs, strict=True)
    ]


def values(form: Any, rng: np.random.Generator, kinks: bool = False) -> list[Any]:
    """A draw at least MARGIN from the op's kinks (the last one tried, if none is); a
    structured operand (`Arr.structure`) is drawn again until it is well-conditioned."""
    inputs = _structure(form, draw(form, rng, kinks))
    for _ in range(TRIES if not kinks else 0):
        if distance(form.op, inputs, form.attr_dict) >= MARGIN and conditioned(form, inputs):
            break
        inputs = _structure(form, draw(form, rng))
    return inputs
