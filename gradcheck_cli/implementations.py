"""The user's own code under test: functions named `module:function`, one per framework,
imported only when the run is asked to (`--import`, or GRADCHECK_IMPORT=1).

A case's `implementations` maps a framework to a reference, and `numpy` to a `value` and
optionally a `grad` reference. Each is a row of its own, `impl:torch`, `impl:jax`,
`impl:tensorflow`, `impl:numpy`, run by that framework's backend with the user's function
in place of the case's program (the backend's own autodiff differentiates it, so a custom
gradient inside is what is checked). Without a `cost`, fd differentiates one
implementation's own forward in float64: the numpy one if there is one, else the first of
torch, jax, tensorflow. Importing runs the user's code, which is why it is opt-in: without
it a case with implementations is an error naming the option, and nothing of it is imported.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

FRAMEWORKS = ("torch", "jax", "tensorflow", "numpy")  # the order of the rows and of fd's choice
PREFIX = "impl:"
ROWS = tuple(PREFIX + f for f in FRAMEWORKS)
VARIABLE = "GRADCHECK_IMPORT"
REFERENCE = r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$"  # module:function
_REFERENCE = re.compile(REFERENCE)


class ImplementationError(Exception):
    """A reference that cannot be imported or is not a function: that row's error."""


@dataclass(frozen=True)
class Implementation:
    framework: str
    value: str  # "module:function": the forward (numpy: `value`)
    grad: str | None = None  # numpy only: a hand-written gradient
    root: str = ""  # the folder imported from: where gradcheck was started ("" the current)

    @property
    def row(self) -> str:
        return PREFIX + self.framework


def framework_of(row: str) -> str:
    """`impl:torch` -> `torch`; a backend's own name is its own framework."""
    return row.removeprefix(PREFIX)


def is_row(name: str) -> bool:
    return name.startswith(PREFIX)


def reference_problem(text: Any) -> str | None:
    """What is wrong with a `module:function` reference, for the loader; None if nothing."""
    if not isinstance(text, str):
        return "expected 'module:function', e.g. mylib.ops:softplus"
    if not _REFERENCE.match(text):
        return f"{text!r} is not 'module:function' (a dotted module, a colon, a name)"
    return None


def fd_source(implementations: Mapping[str, Implementation]) -> Implementation | None:
    """The implementation whose forward fd differentiates when the case has no cost."""
    for framework in ("numpy", "torch", "jax", "tensorflow"):
        if framework in implementations:
            return implementations[framework]
    return None


def allowed(flag: bool = False, environ: Mapping[str, str] = os.environ) -> bool:
    """Whether importing the user's code was asked for."""
    return flag or environ.get(VARIABLE, "").strip().lower() in ("1", "true", "yes", "on")


def refusal() -> str:
    return (
        "this case runs your own code (implementations), which gradcheck imports only when "
        f"asked: run with --import (or set {VARIABLE}=1)"
    )


def rooted(implementations: Mapping[str, Implementation]) -> dict[str, Implementation]:
    """Each implementation imported from the current folder, wherever it is then run (a
    worker process keeps the folder it was started in)."""
    here = os.getcwd()
    return {k: replace(v, root=v.root or here) for k, v in implementations.items()}


def load(reference: str, root: str = "") -> Callable[..., Any]:
    """The function `module:function` names, `root` (or the current folder) first on
    sys.path."""
    module_name, _, attribute = reference.partition(":")
    here = root or os.getcwd()
    if here not in sys.path:
        sys.path.insert(0, here)
    try:
        target: Any = importlib.import_module(module_name)
    except Exception as exc:  # the user's module failing to import is that row's error
        raise ImplementationError(
            f"cannot import {module_name} ({reference}): {type(exc).__name__}: {exc}"
        ) from exc
    for part in attribute.split("."):
        if not hasattr(target, part):
            raise ImplementationError(f"{module_name} has no {attribute!r} ({reference})")
        target = getattr(target, part)
    if not callable(target):
        raise ImplementationError(f"{reference} is a {type(target).__name__}, not a function")
    return target


def function_of(implementation: Implementation | None) -> Callable[..., Any] | None:
    """The user's forward a session runs in place of the program; None for a backend's own."""
    return load(implementation.value, implementation.root) if implementation else None


def call(fn: Callable[..., Any], env: Mapping[str, Any], names: tuple[str, ...]) -> Any:
    """The convention: every param and input as a keyword argument."""
    return fn(**{name: env[name] for name in names})


def check_result(value: Any, kind: type | tuple[type, ...], what: str, reference: str) -> Any:
    if not isinstance(value, kind):
        raise ImplementationError(
            f"{reference} returned {type(value).__name__}, not {what} (the cost before reduction)"
        )
    return value
