"""A run compared with a golden file (`--against`): one Drift per finding."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from ..case import Tolerance
from ..compare import compare
from ..results import ROWS, CaseResult, Outcome, RunResult
from .drift import Drift
from .encoding import decode_array
from .read import _arrays
from .record import _version


def against(golden: Mapping[str, Any], run: RunResult) -> list[Drift]:
    """Every difference of `run` from the recorded `golden` data, in run order."""
    recorded = golden["cases"]
    ran = [r for r in run.cases if r.case is not None and r.backends]
    drifts: list[Drift] = []
    for result in ran:
        if result.name not in recorded:
            drifts.append(Drift(result.name, "new-case"))
        else:
            drifts += _case_drifts(result, recorded[result.name]["backends"])
    names = {r.name for r in ran}
    drifts += [Drift(name, "missing-case") for name in recorded if name not in names]
    return drifts


def _case_drifts(result: CaseResult, recorded: Mapping[str, Any]) -> list[Drift]:
    drifts: list[Drift] = []
    for backend in ROWS:
        old, new = recorded.get(backend), result.backends.get(backend)
        if old is None and new is not None and new.outcome.skip is None:
            drifts.append(Drift(result.name, "new-backend", backend))
        elif new is None and old is not None and "skip" not in old:
            drifts.append(Drift(result.name, "not-run", backend))
        elif old is not None and new is not None:
            versions = (str(old.get("version", "")), _version(backend, new.outcome))
            drifts += _backend_drifts(result.name, backend, old, new.outcome, versions)
    return drifts


def _backend_drifts(
    case: str, backend: str, old: Mapping[str, Any], new: Outcome, versions: tuple[str, str]
) -> list[Drift]:
    """Skips and errors first: values are compared only where both runs have them."""

    def drift(kind: str, **fields: Any) -> Drift:
        return Drift(
            case, kind, backend, old_version=versions[0], new_version=versions[1], **fields
        )

    if "skip" in old or new.skip is not None:
        if "skip" in old and new.skip is None:
            return [drift("unskipped", old=old["skip"])]
        return [] if "skip" in old else [drift("skipped", new=new.skip)]
    if "error" in old or new.error is not None:
        if "error" not in old:
            return [drift("new-error", new=_error_text(new.error_type, new.error))]
        if new.error is None:
            return [drift("no-error", old=_error_text(old.get("error_type", ""), old["error"]))]
        return (
            []
            if new.error == old["error"]
            else [drift("error-text", old=old["error"], new=new.error)]
        )
    tol = Tolerance(float(old["tolerance"]["rtol"]), float(old["tolerance"]["atol"]))
    recorded, now = dict(_arrays(old)), dict(_outcome_arrays(new))
    found: list[Drift] = []
    for quantity, encoded in recorded.items():
        if quantity not in now:
            found.append(drift("missing", quantity=quantity))
            continue
        found += _compared(quantity, decode_array(encoded), now[quantity], tol, drift)
    found += [drift("new", quantity=q) for q in now if q not in recorded]
    return found


def _compared(
    quantity: str, old: np.ndarray, new: np.ndarray, tol: Tolerance, drift: Any
) -> list[Drift]:
    new = np.asarray(new)
    if new.shape != old.shape:
        return [drift("shape", quantity=quantity, old=list(old.shape), new=list(new.shape))]
    found = []
    if new.dtype != old.dtype:
        found.append(drift("dtype", quantity=quantity, old=old.dtype.name, new=new.dtype.name))
    m = compare(quantity, new, old, tol, "", "golden")
    if m is not None:
        note = m.note.replace("disagree", "changed")
        found.append(
            drift(
                "changed",
                quantity=quantity,
                index=m.index,
                old=_shortest(m.expected, old.dtype),
                new=_shortest(m.actual, new.dtype),
                rtol=tol.rtol,
                atol=tol.atol,
                note=note,
            )
        )
    return found


def _shortest(x: float | complex, dtype: np.dtype) -> float | complex:
    """A float32 as the float its shortest text reads as (28.1, not 28.100000381)."""
    if isinstance(x, complex):
        return x
    return float(str(np.float32(x))) if dtype == np.float32 else x


def _error_text(error_type: str, error: str) -> str:
    return f"{error_type}: {error}" if error_type else error


def _outcome_arrays(outcome: Outcome) -> Iterator[tuple[str, np.ndarray]]:
    if outcome.value is not None:
        yield "value", outcome.value
    if outcome.jvp is not None:
        yield "jvp", outcome.jvp
    for kind in ("grad", "hvp", "params"):
        for name, array in (getattr(outcome, kind) or {}).items():
            yield f"{kind}[{name}]", array
    if outcome.costs is not None:
        yield "costs", outcome.costs
