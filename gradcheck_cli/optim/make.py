"""An optimizer from a case's spec: its hyperparameters with the defaults filled in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .check import check
from .rules import _CLASSES, Optimizer
from .table import HYPERPARAMETERS


def _as_python(value: object) -> object:
    # float(): a NumPy float64 scalar is not weak and would promote float32 arrays
    if isinstance(value, bool):
        return value
    if isinstance(value, (list, tuple)):
        return tuple(float(v) for v in value)
    return float(value)  # type: ignore[arg-type]


def hyperparameters(name: str, hparams: Mapping[str, object]) -> dict[str, Any]:
    """Every table hyperparameter of `name`: the case's value, else the table's default
    (never a framework's own); numbers as Python floats. Every backend passes these."""
    given = {key: value for key, value in hparams.items() if key != "name"}
    return {key: _as_python(value) for key, value in {**HYPERPARAMETERS[name], **given}.items()}


def make(name: str, hparams: Mapping[str, object]) -> Optimizer:
    """A fresh optimizer `name` with `hparams` over the table's defaults; ValueError if invalid."""
    problems = check(name, hparams)
    if problems:
        raise ValueError("; ".join(problems))
    return _CLASSES[name](hyperparameters(name, hparams))
