"""The v2 functions' spellings, kept by family (special, nn, stats, decompositions,
arrange): each family module holds one op's entry for every framework side by side, and the
framework tables (torch.py, tensorflow.py, jax.py, numpy.py) merge them from here."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from ..ir import Eqn
from . import arrange, decompositions, nn, special, stats

FAMILIES = (special, nn, stats, decompositions, arrange)


def merged(framework: str) -> dict[str, Any]:
    """Every family's entries for `framework` ("TORCH", "TENSORFLOW", "JAX", "NUMPY")."""
    out: dict[str, Any] = {}
    for family in FAMILIES:
        out.update(getattr(family, framework))
    return out


def skips(framework: str) -> dict[str, Callable[[Eqn], str | None]]:
    out: dict[str, Callable[[Eqn], str | None]] = {}
    for family in FAMILIES:
        out.update(family.SKIP.get(framework, {}))
    return out


def program_problem(
    framework: str, eqns: Iterable[Eqn], table: Mapping[str, Any], skip: Mapping[str, Any]
) -> str | None:
    """Why `framework` cannot run these equations: an op its family says it cannot
    express here, or one it has no spelling of (the backend then skips, saying so)."""
    for eqn in eqns:
        if eqn.op not in table:
            return f"{eqn.op}: no {framework} spelling of it in gradcheck yet"
        reason = skip[eqn.op](eqn) if eqn.op in skip else None
        if reason:
            return reason
    return None
