"""The JSON report: every case and backend with its values, mismatches, tolerances and timings.

JSON has no NaN or infinity, so a non-finite float is written as the string "NaN",
"Infinity" or "-Infinity" (JavaScript's spellings, which Python's `float()` reads back),
wherever a number can be: values, mismatches, tolerances. Arrays are nested lists.
docs/reports.md and docs/report.schema.json describe the shape.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from .. import __version__
from ..errors import Position, Problem
from ..results import STATUSES, BackendResult, CaseResult, Mismatch, RunResult
from .text import case_seconds, fmt_mismatch, versions

FORMAT = "gradcheck-report"
FORMAT_VERSION = 1
QUANTITIES = ("value", "grad", "jvp", "hvp", "params", "costs")  # what an outcome holds
_INFO_KEYS = ("version", "seconds")  # written as their own fields; the rest goes to `info`
_NON_FINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}


def render(run: RunResult) -> str:
    # allow_nan=False: a non-finite float that escaped `plain` is a bug, not invalid JSON
    return json.dumps(report(run), indent=2, allow_nan=False) + "\n"


def report(run: RunResult) -> dict[str, Any]:
    """The whole run as plain JSON-ready data."""
    counts = {status: run.count(status) for status in STATUSES}
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "gradcheck_version": __version__,
        "exit_code": exit_code(run),
        "summary": {**counts, "total": len(run.cases)},
        "versions": versions(run),
        "seconds": plain(sum(case_seconds(c) for c in run.cases)),
        "cases": [_case(c) for c in run.cases],
    }


def exit_code(run: RunResult) -> int:
    """As the CLI exits: 2 when a case file is invalid, else 1 when anything failed."""
    return 2 if any(c.problems for c in run.cases) else run.exit_code


def plain(x: Any) -> Any:
    """Numbers, arrays, mappings and sequences as JSON-ready data, non-finite floats as text."""
    if x is None or isinstance(x, (bool, int, str)):
        return x
    if isinstance(x, Mapping):
        return {str(k): plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [plain(v) for v in x]
    if isinstance(x, float):
        return x if math.isfinite(x) else _NON_FINITE[str(x)]
    array = np.asarray(x)
    if array.dtype.kind == "c":  # (v2) as a case file writes it
        return {"real": plain(array.real), "imag": plain(array.imag)}
    if array.dtype.kind in "biuf":
        return plain(array.tolist())  # tolist: Python scalars, nested as the shape is
    return str(x)


def _position(position: Position) -> dict[str, Any]:
    return {"file": position.file, "line": position.line, "column": position.column}


def _problem(problem: Problem) -> dict[str, Any]:
    return {**_position(problem.position), "message": problem.message, "hint": problem.hint}


def _case(result: CaseResult) -> dict[str, Any]:
    case = result.case
    return {
        "name": result.name,
        **_position(result.position),
        "status": result.status,
        "description": case.description if case else "",
        "tags": list(case.tags) if case else [],
        "dtype": case.dtype if case else None,
        "reference": case.reference if case else None,
        "seconds": plain(case_seconds(result)),
        "notes": list(result.notes),
        "problems": [_problem(p) for p in result.problems],
        "expect": _expect(case.expect) if case and case.expect else None,
        "expect_backend": {b: _expect(e) for b, e in case.expect_backend.items()} if case else {},
        "backends": {name: _backend(r) for name, r in result.backends.items()},
    }


def _expect(expect: Any) -> dict[str, Any]:
    values = {k: plain(getattr(expect, k)) for k in QUANTITIES}
    return {**values, "raises": expect.raises}


def _backend(r: BackendResult) -> dict[str, Any]:
    outcome, info = r.outcome, r.outcome.info
    return {
        "status": r.status,
        "message": r.message,
        "error_type": outcome.error_type,
        "version": str(info["version"]) if "version" in info else None,
        "seconds": plain(info.get("seconds")),
        "values": {k: plain(getattr(outcome, k)) for k in QUANTITIES},
        "grad_error": plain(outcome.fd.error if outcome.fd else None),
        "compared": list(r.compared),
        "tolerances": {
            o: {"rtol": plain(t[0]), "atol": plain(t[1])} for o, t in r.tolerances.items()
        },
        "mismatches": [mismatch(m) for m in r.mismatches],
        "notes": list(outcome.notes),
        "info": {
            k: plain(v) for k, v in {**info, **_fd_info(outcome)}.items() if k not in _INFO_KEYS
        },
    }


def _fd_info(outcome: Any) -> dict[str, Any]:
    """fd's method (and why not the complex step) among the info, as the format has it."""
    if outcome.fd is None:
        return {}
    return {
        "fd_method": outcome.fd.method,
        **({"fd_note": outcome.fd.note} if outcome.fd.note else {}),
    }


def mismatch(m: Mismatch) -> dict[str, Any]:
    """One difference; `diff` and `bound` only where there are numbers (not a shape or note)."""
    numbers = m.index is not None and m.actual is not None and m.expected is not None
    return {
        "quantity": m.quantity,
        "backend": m.backend,
        "other": m.other,
        "index": list(m.index) if m.index is not None else None,
        "actual": plain(m.actual),
        "expected": plain(m.expected),
        "diff": plain(m.diff) if numbers else None,
        "bound": plain(m.bound) if numbers else None,
        "rtol": plain(m.rtol),
        "atol": plain(m.atol),
        "note": m.note,
        "text": fmt_mismatch(m),
    }
