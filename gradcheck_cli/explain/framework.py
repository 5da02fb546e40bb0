"""`--compare`: a framework's own adjoints beside the engine's, node by node.

The framework's gradient comes from a plain run of its backend; its adjoints of the
intermediate nodes from that backend's own `adjoints()` function, where it has one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from .. import backends
from ..compare import compare
from ..errors import UsageError
from ..report.text import fmt_array, fmt_mismatch
from ..results import FRAMEWORK_BACKENDS, Mismatch
from ..run import Options, run_backend

if TYPE_CHECKING:
    from ..case import Case, Tolerance
    from .walkthrough import Walkthrough


@dataclass(frozen=True)
class Comparison:
    backend: str
    tolerance: Tolerance
    grads: Mapping[str, np.ndarray] | None  # what `backends.run` gives for the params
    problem: str  # why there are no grads (the backend's error or skip reason)
    adjoints: Mapping[str, np.ndarray]  # node name -> the framework's adjoint
    note: str  # why there are no adjoints of intermediate nodes
    first: str | None = None  # the first node, in backward order, where the two part ways
    mismatch: Mismatch | None = None


def compare_with(backend: str, w: Walkthrough) -> Comparison:
    """Run `backend` at the walkthrough's params and compare its adjoints node by node."""
    if not backends.installed(backend):
        extra = (
            f' (pip install "gradcheck-cli[{backend}]")' if backend in FRAMEWORK_BACKENDS else ""
        )
        raise UsageError(f"--compare {backend}: {backend} is not installed{extra}")
    case = replace(w.case, params=dict(w.params), optimizer=None, steps=0)
    outcome = run_backend(backend, case, Options())
    problem = outcome.error or (f"skipped: {outcome.skip}" if outcome.skip else "")
    adjoints, note = framework_adjoints(backend, case, w)
    tolerance = case.tolerance_for("numpy", backend)
    comparison = Comparison(backend, tolerance, outcome.grad, problem, adjoints, note)
    for node in reversed(w.nodes):
        if node.adjoint is None or node.name not in adjoints:
            continue
        quantity = f"d{w.function}/d{node.name}"
        found = compare(quantity, node.adjoint, adjoints[node.name], tolerance, "numpy", backend)
        if found is not None:
            return replace(comparison, first=node.name, mismatch=found)
    return comparison


def framework_adjoints(backend: str, case: Case, w: Walkthrough) -> tuple[dict, str]:
    """The framework's adjoint of every node that has one in the engine, by node name."""
    module = backends.load(backend)
    if not hasattr(module, "adjoints"):
        return {}, f"{backend} computes the params' gradients only, no intermediate adjoints"
    reason = module.unsupported(case)
    if reason:
        return {}, f"{backend} cannot run this case: {reason}"
    wanted = {n.var: n for n in w.nodes if n.adjoint is not None}
    try:
        found = module.adjoints(case, wanted)
    except Exception as exc:  # the framework's own refusal (a non-scalar target) is the answer
        return {}, f"{backend} gives no adjoints: {type(exc).__name__}: {str(exc).strip()}"
    return {wanted[var].name: np.asarray(value) for var, value in found.items()}, ""


def compared_lines(c: Comparison, name: str, width: int) -> list[str]:
    if name not in c.adjoints:
        return []
    mark = f"   <- numpy and {c.backend} part ways here" if name == c.first else ""
    return [f"  {'':<{width}}   {c.backend}: {fmt_array(c.adjoints[name])}{mark}"]


def compared_grad(c: Comparison, name: str, grad: np.ndarray) -> str:
    theirs = (c.grads or {}).get(name)
    if theirs is None:
        return f"   {c.backend}: none (below)"
    found = compare(f"grad[{name}]", grad, theirs, c.tolerance, "numpy", c.backend)
    return f"   {c.backend}: {fmt_array(theirs)}" + ("   (differs)" if found else "")


def summary_lines(c: Comparison) -> list[str]:
    lines = []
    if c.problem:
        lines.append(f"{c.backend} gave no gradient: {c.problem}")
    if c.note:
        lines.append(c.note)
    if c.mismatch is not None:
        lines.append(f"numpy and {c.backend} part ways first at {c.first} (in backward order):")
        lines.append(f"  {fmt_mismatch(c.mismatch)}")
    elif c.adjoints:
        tol = f"rtol {c.tolerance.rtol:g}, atol {c.tolerance.atol:g}"
        lines.append(f"numpy and {c.backend} agree at every node ({tol})")
    return lines
