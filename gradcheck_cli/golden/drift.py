"""A drift: one finding of `against`, and the line that says it."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..report.text import fmt_number

FORMAT = "gradcheck-golden"
VERSION = 1
_SPECIAL = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
_DTYPES = ("float16", "float32", "float64", "complex64", "complex128", "int32", "int64", "bool")

# What makes `gradcheck run --against` exit 1; every other kind of Drift is a note.
FAILING = ("changed", "shape", "dtype", "missing", "new-error", "no-error")


@dataclass(frozen=True)
class Drift:
    """One difference between a golden file and a run."""

    case: str
    kind: str  # FAILING, or: new, error-text, skipped, unskipped, not-run, new-backend,
    # missing-case, new-case
    backend: str = ""
    quantity: str = ""  # "value", "grad[w]", "params[w]", "costs"
    index: tuple[int, ...] | None = None
    old: Any = None  # the recorded number (or shape, dtype, error text)
    new: Any = None  # this run's
    rtol: float = 0.0
    atol: float = 0.0
    old_version: str = ""
    new_version: str = ""
    note: str = ""

    @property
    def failing(self) -> bool:
        return self.kind in FAILING

    def line(self) -> str:
        """`case: grad[w] torch at [1]: 28 -> 28.1, |diff| 0.1 > 0.0028 (...) (torch a -> b)`."""
        text = f"{self.case}: {_LINES[self.kind](self)}"
        versions = _versions(self.old_version, self.new_version)
        return f"{text} ({versions})" if versions and self.backend else text


def _changed(d: Drift) -> str:
    where = f" at {list(d.index)}" if d.index else ""
    kind = np.complex128 if isinstance(d.old, complex) or isinstance(d.new, complex) else np.float64
    old, new = kind(d.old), kind(d.new)
    diff = float(abs(new - old)) if np.isfinite(old) and np.isfinite(new) else math.inf
    bound = d.atol + d.rtol * abs(old)
    numbers = f"{fmt_number(old, 10)} -> {fmt_number(new, 10)}"
    rule = f"atol {d.atol:g} + rtol {d.rtol:g} * |recorded|"
    extra = f"; {d.note}" if d.note else ""
    head = f"{d.quantity} {d.backend}{where}"
    return f"{head}: {numbers}, |diff| {diff:.3g} > {bound:.3g} ({rule}){extra}"


_LINES = {
    "changed": _changed,
    "shape": lambda d: f"shape of {d.quantity} {d.backend}: {d.old} -> {d.new}",
    "dtype": lambda d: f"dtype of {d.quantity} {d.backend}: {d.old} -> {d.new}",
    "missing": lambda d: f"{d.quantity} {d.backend}: recorded, missing now",
    "new": lambda d: f"note: {d.quantity} {d.backend}: not in the golden file",
    "new-error": lambda d: f"{d.backend} errors now: {d.new} (recorded: it ran)",
    "no-error": lambda d: f"{d.backend} no longer errors (recorded: {d.old})",
    "error-text": lambda d: f"note: {d.backend}'s error changed: {d.old!r} -> {d.new!r}",
    "skipped": lambda d: f"note: {d.backend} skipped now ({d.new}); recorded values not compared",
    "unskipped": lambda d: f"note: {d.backend} ran; recorded as skipped ({d.old}), not compared",
    "not-run": lambda d: f"note: {d.backend} did not run; recorded values not compared",
    "new-backend": lambda d: f"note: {d.backend} is not in the golden file",
    "missing-case": lambda d: "note: in the golden file, not in this run",
    "new-case": lambda d: "note: not in the golden file (record again to add it)",
}


def _versions(old: str, new: str) -> str:
    """`torch 2.13.0 -> 2.14.0`, `torch 2.13.0` when unchanged."""
    if old == new:
        return old
    head_old, _, rest_old = old.partition(" ")
    head_new, _, rest_new = new.partition(" ")
    if head_old == head_new and rest_old and rest_new:
        return f"{head_old} {rest_old} -> {rest_new}"
    return f"{old or 'unknown'} -> {new or 'unknown'}"


def summary(drifts: list[Drift]) -> str:
    failing = sum(d.failing for d in drifts)
    notes = len(drifts) - failing
    return f"against the golden file: {failing} drifted beyond tolerance, {notes} note(s)"
