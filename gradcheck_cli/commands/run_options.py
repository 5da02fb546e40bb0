"""`gradcheck run`'s option types: the size limits as options, and when to colour."""

from __future__ import annotations

import os
from typing import Any

import click

from ..limits import DEFAULT, LIMITS, Limits, option, quantity


def colour_wanted(stream: Any) -> bool:
    """Colour on a terminal, unless NO_COLOR is set or TERM is dumb."""
    dumb = os.environ.get("TERM") == "dumb"
    return "NO_COLOR" not in os.environ and not dumb and isatty(stream)


def isatty(stream: Any) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (ValueError, OSError):
        return False


class Amount(click.ParamType):
    """A number that may be written 1e8, 10_000 or, for bytes, 4GB / 500MB."""

    name = "amount"
    _UNITS = {"": 1, "k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12}

    def convert(self, value: Any, param: Any, ctx: Any) -> float:
        if isinstance(value, (int, float)):
            return value
        text = str(value).strip().lower().replace("_", "").removesuffix("b")
        scale = self._UNITS.get(text[-1:], None) if text[-1:].isalpha() else 1
        number = text[:-1] if text[-1:].isalpha() else text
        try:
            amount = float(number) * (scale if scale is not None else float("nan"))
        except ValueError:
            amount = float("nan")
        if not amount >= 0:
            self.fail(f"{value!r} is not a number of 0 or more (e.g. 1e7, or 4GB for bytes)")
        return amount


def limit_options(command: Any) -> Any:
    """One option per limit of `limits.LIMITS`: declared once, there."""
    for limit in reversed(LIMITS):
        shown = quantity(limit.default, limit.unit)
        command = click.option(
            option(limit.name),
            limit.name,
            type=Amount(),
            default=None,
            help=f"The most {limit.what} (default {shown}).",
        )(command)
    return command


def limits_from(given: dict[str, Any]) -> Limits:
    values = {}
    for limit in LIMITS:
        value = given.pop(limit.name, None)
        if value is not None:
            values[limit.name] = value if limit.name == "timeout" else int(value)
    return DEFAULT.with_(**values)
