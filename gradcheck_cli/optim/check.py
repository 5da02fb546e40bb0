"""The validation of an optimizer's hyperparameters: every problem as a sentence."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from .table import _AMSGRAD, HYPERPARAMETERS, REQUIRED


def _is_number(value: object) -> bool:
    # bool is an int subclass, but `momentum: true` is a mistake, not 1.0
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _type_problem(key: str, value: object, default: object) -> str | None:
    """What is wrong with the type of `value`, judged by the kind of the default."""
    if isinstance(default, bool):
        if not isinstance(value, bool):
            return f"'{key}' must be true or false, not {type(value).__name__} ({value!r})"
    elif isinstance(default, tuple):
        if not (
            isinstance(value, (list, tuple)) and len(value) == 2 and all(map(_is_number, value))
        ):
            return f"'{key}' must be a list of two numbers, like [0.9, 0.999], not {value!r}"
    elif not _is_number(value):
        return f"'{key}' must be a number, not {type(value).__name__} ({value!r})"
    return None


def _unknown_key(name: str, key: str) -> str:
    known = list(HYPERPARAMETERS[name])
    close = difflib.get_close_matches(str(key), known, n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"unknown {name} hyperparameter {key!r} ({hint}{name} takes: {', '.join(known)})"


def _unknown_optimizer(name: object) -> str:
    known = ", ".join(sorted(HYPERPARAMETERS))
    if isinstance(name, str) and name.lower() == "amsgrad":  # difflib would offer 'adagrad'
        return f"unknown optimizer {name!r} ({_AMSGRAD}; known: {known})"
    close = difflib.get_close_matches(str(name).lower(), sorted(HYPERPARAMETERS), n=1)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return f"unknown optimizer {name!r} ({hint}known: {known}; {_AMSGRAD})"


def _value_problems(hp: Mapping[str, Any]) -> list[str]:
    """The values torch.optim's constructors refuse (NaN refused too, as `not 0 <= x`)."""
    problems = [
        f"'{key}' must be >= 0, not {value!r} (torch.optim refuses it)"
        for key, value in hp.items()
        if _is_number(value) and key != "dampening" and not value >= 0
    ]
    betas = hp.get("betas", (0.0, 0.0))
    if not all(0 <= b < 1 for b in betas):
        problems.append(f"'betas' must both be in [0, 1), not {list(betas)!r}")
    if hp.get("nesterov") and not (hp["momentum"] > 0 and hp["dampening"] == 0):
        problems.append(
            "nesterov needs momentum > 0 and dampening 0 "
            f"(got momentum {hp['momentum']!r}, dampening {hp['dampening']!r})"
        )
    return problems


def check(name: str, hparams: Mapping[str, object]) -> list[str]:
    """Every problem with optimizer `name` and its hyperparameters, as messages; [] if fine.

    A `name` key in `hparams` is ignored, so the case's whole optimizer mapping may be passed.
    """
    if not isinstance(name, str) or name not in HYPERPARAMETERS:
        return [_unknown_optimizer(name)]
    defaults = HYPERPARAMETERS[name]
    given = {key: value for key, value in hparams.items() if key != "name"}
    problems = [_unknown_key(name, key) for key in given if key not in defaults]
    problems += [
        problem
        for key, value in given.items()
        if key in defaults and (problem := _type_problem(key, value, defaults[key]))
    ]
    problems += [
        f"'{key}' is required for {name}: it has no default"
        for key, default in defaults.items()
        if default is REQUIRED and key not in given
    ]
    if not problems:
        problems = _value_problems({**defaults, **given})
    return problems
