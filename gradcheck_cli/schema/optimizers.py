"""The optimizers' schema, from optim.HYPERPARAMETERS."""

from __future__ import annotations

from typing import Any

from .. import caseformat as cf
from ..optim import HYPERPARAMETERS, REQUIRED
from .base import Defs


def _hyperparameter(key: str, default: object) -> dict[str, Any]:
    """The schema of one hyperparameter, judged by the kind of its default (as optim.check)."""
    text = cf.BY_KEY["optimizer"].kind.meanings.get(key, key)
    if isinstance(default, bool):
        return {"type": "boolean", "default": default, "description": text}
    if isinstance(default, tuple):  # betas: torch.optim wants both in [0, 1)
        item = {"type": "number", "minimum": 0, "exclusiveMaximum": 1}
        pair = {"type": "array", "items": item, "minItems": 2, "maxItems": 2}
        return {**pair, "default": list(default), "description": text}
    out: dict[str, Any] = {"type": "number", "description": text}
    if key != "dampening":  # torch.optim refuses the others below 0
        out["minimum"] = 0
    if default is REQUIRED:
        return {**out, "description": f"{text} (required)"}
    return {**out, "default": default}


def _one_optimizer(name: str) -> dict[str, Any]:
    defaults = HYPERPARAMETERS[name]
    then: dict[str, Any] = {
        "properties": {
            "name": {"const": name},
            **{key: _hyperparameter(key, value) for key, value in defaults.items()},
        },
        "required": ["name", *(k for k, v in defaults.items() if v is REQUIRED)],
        "additionalProperties": False,
    }
    if "nesterov" in defaults:
        then["if"] = {"properties": {"nesterov": {"const": True}}, "required": ["nesterov"]}
        then["then"] = {
            "properties": {"momentum": {"exclusiveMinimum": 0}, "dampening": {"const": 0}},
            "required": ["momentum"],
        }
    return {"if": {"properties": {"name": {"const": name}}, "required": ["name"]}, "then": then}


def _optimizer(kind: cf.Optimizer, defs: Defs) -> dict[str, Any]:
    names = {"enum": list(HYPERPARAMETERS), "description": "the torch.optim name"}
    mapping = {
        "type": "object",
        "properties": {"name": names},
        "required": ["name"],
        "allOf": [_one_optimizer(name) for name in HYPERPARAMETERS],
    }
    return {"anyOf": [names, mapping]}
