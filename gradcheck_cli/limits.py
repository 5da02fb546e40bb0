"""The limits that keep a hostile or mistaken case from exhausting the machine.

Each is checked before the work it bounds is done (a YAML alias before it is expanded, an
array before it is allocated, a step before it runs) and refused with the case's position
and the numbers. Every default is documented (docs/limits.md) and can be changed on the
command line: `--max-elements 1e8`, `--timeout 300`... `LIMITS` describes each once; the
CLI's options, the docs' table and the error messages read it. The functions that check a
limit take a `Limits` (default `DEFAULT`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Limit:
    name: str  # the field of `Limits`, and the option `--max-...` with _ as -
    default: float
    unit: str  # "elements", "bytes", "seconds"...
    what: str  # a phrase for the docs and --help


LIMITS = (
    Limit(
        "max_elements",
        10**7,
        "elements",
        "elements in any one array: a param, an input or an intermediate",
    ),
    Limit(
        "max_bytes",
        2 * 10**9,
        "bytes",
        "memory a backend needs for the case, estimated from every intermediate's size",
    ),
    Limit(
        "max_flops",
        10**10,
        "operations",
        "arithmetic operations in one evaluation of the program, estimated from its shapes",
    ),
    Limit("max_steps", 10_000, "steps", "optimizer steps of a case"),
    Limit("max_equations", 10_000, "operations", "operations in a program and cost together"),
    Limit("max_depth", 100, "levels", "nesting of an expression, or of the YAML document"),
    Limit("max_yaml_nodes", 1_000_000, "nodes", "values in a case file, aliases expanded"),
    Limit(
        "max_int_digits", 310, "digits", "digits of an integer written in a case file or expression"
    ),
    Limit("timeout", 60, "seconds", "time one backend may take for one case (0: no limit)"),
)
BY_NAME = {limit.name: limit for limit in LIMITS}


def _default(name: str) -> Any:
    return BY_NAME[name].default


@dataclass(frozen=True)
class Limits:
    max_elements: int = _default("max_elements")
    max_bytes: int = _default("max_bytes")
    max_flops: int = _default("max_flops")
    max_steps: int = _default("max_steps")
    max_equations: int = _default("max_equations")
    max_depth: int = _default("max_depth")
    max_yaml_nodes: int = _default("max_yaml_nodes")
    max_int_digits: int = _default("max_int_digits")
    timeout: float = _default("timeout")

    def with_(self, **given: Any) -> Limits:
        """These limits with the values given (None: keep the default)."""
        return replace(self, **{k: v for k, v in given.items() if v is not None})


def option(name: str) -> str:
    """How the user changes the limit `name`: its command-line option, `--max-elements`."""
    return "--" + name.replace("_", "-")


def refusal(limits: Limits, name: str) -> str:
    """`the limit is M (--option)`: how a message names the limit it broke."""
    limit = BY_NAME[name]
    return f"the limit is {quantity(getattr(limits, name), limit.unit)} ({option(name)})"


DEFAULT = Limits()


def quantity(n: float, unit: str) -> str:
    """`n` with its unit, readable: 1e10 elements, 80 GB, 60 s."""
    if unit == "bytes":
        for size, name in ((1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "kB")):
            if n >= size:
                return f"{n / size:.3g} {name}"
        return f"{int(n)} bytes"
    if unit == "seconds":
        return f"{n:g} s"
    if n < 1e7:
        return f"{int(n):,} {unit}"
    mantissa, exponent = f"{n:.3g}".split("e+")
    return f"{mantissa}e{int(exponent)} {unit}"


def table() -> str:
    """The limits as the Markdown table docs/limits.md shows (a test keeps them equal)."""
    rows = ["| option | default | the most ... |", "|---|---|---|"]
    for limit in LIMITS:
        shown = quantity(limit.default, limit.unit)
        rows.append(f"| `{option(limit.name)}` | {shown} | {limit.what} |")
    return "\n".join(rows)
