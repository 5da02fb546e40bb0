"""Tolerances and elementwise comparison, and the verdict for each backend of a case.

A pair agrees where |a - b| <= atol + rtol * |b|, b being the reference or expected
value; NaN agrees with NaN and an infinity with the same infinity, nothing else with
either. Shapes are compared before values. All functions here are pure.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

import numpy as np

from .results import BackendResult, Mismatch, Outcome, worst

if TYPE_CHECKING:
    from .case import Case, Expect, Tolerance


def agree(actual: np.ndarray, expected: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    """Elementwise agreement under the contract's rule (same shapes). Complex numbers agree
    where |a - b| <= atol + rtol |b| with the modulus; where a part is NaN or infinite, the
    real and the imaginary parts are each held to the rule for real numbers."""
    if np.iscomplexobj(actual) or np.iscomplexobj(expected):
        a, b = np.asarray(actual, np.complex128), np.asarray(expected, np.complex128)
        finite = np.isfinite(a) & np.isfinite(b)
        with np.errstate(invalid="ignore"):
            close = finite & (np.abs(a - b) <= atol + rtol * np.abs(b))
        parts = agree(a.real, b.real, rtol, atol) & agree(a.imag, b.imag, rtol, atol)
        return np.where(finite, close, parts)
    a, b = np.asarray(actual, np.float64), np.asarray(expected, np.float64)
    with np.errstate(invalid="ignore"):
        close = np.abs(a - b) <= atol + rtol * np.abs(b)
    both_nan = np.isnan(a) & np.isnan(b)
    same_inf = np.isinf(a) & (a == b)
    finite = np.isfinite(a) & np.isfinite(b)
    return (close & finite) | both_nan | same_inf


def compare(
    quantity: str,
    actual: np.ndarray,
    expected: np.ndarray,
    tol: Tolerance,
    backend: str,
    other: str,
) -> Mismatch | None:
    """The worst disagreeing element of two arrays, or None when they agree."""
    a, b = np.asarray(actual), np.asarray(expected)
    if a.shape != b.shape:
        note = f"shape {list(a.shape)} vs {list(b.shape)}"
        return Mismatch(f"shape of {quantity}", backend, other, note=note)
    ok = agree(a, b, tol.rtol, tol.atol)
    if ok.all():
        return None
    kind = np.complex128 if np.iscomplexobj(a) or np.iscomplexobj(b) else np.float64
    a64, b64 = a.astype(kind), b.astype(kind)
    with np.errstate(invalid="ignore", over="ignore"):
        excess = np.abs(a64 - b64) - (tol.atol + tol.rtol * np.abs(b64))
    excess = np.where(ok, -np.inf, np.where(np.isnan(excess), np.inf, excess))
    index = np.unravel_index(int(np.argmax(excess)), a.shape) if a.shape else ()
    count = int((~ok).sum())
    note = f"{count} of {ok.size} elements disagree" if ok.size > 1 else ""
    return Mismatch(
        quantity,
        backend,
        other,
        tuple(int(i) for i in index),
        _number(a64[index]),
        _number(b64[index]),
        tol.rtol,
        tol.atol,
        note,
    )


def _number(x: np.generic) -> float | complex:
    return complex(x) if np.iscomplexobj(x) else float(x)


def _pairs(outcome: Outcome, expected: Outcome | Expect) -> Iterator[tuple[str, object, object]]:
    """(quantity, actual, expected) for everything both sides have."""
    if outcome.value is not None and expected.value is not None:
        yield "value", outcome.value, expected.value
    if outcome.jvp is not None and expected.jvp is not None:
        yield "jvp", outcome.jvp, expected.jvp
    for kind in ("grad", "hvp", "params"):
        mine, theirs = getattr(outcome, kind), getattr(expected, kind)
        if mine is not None and theirs is not None:
            for name in theirs:
                if name in mine:
                    yield f"{kind}[{name}]", mine[name], theirs[name]
    if outcome.costs is not None and expected.costs is not None:
        yield "costs", outcome.costs, expected.costs


def _projections(outcome: Outcome, fd: Outcome, tol: Tolerance, backend: str) -> Iterator[Mismatch]:
    """v . grad of `outcome` against fd's directional derivatives."""
    for i, p in enumerate(fd.projections or []):
        dot = sum(
            float(np.sum(outcome.grad[k].astype(np.float64) * v)) for k, v in p.direction.items()
        )
        found = compare(
            f"grad . v{i + 1}", np.float64(dot), np.float64(p.value), tol, backend, "fd"
        )
        if found:
            yield found


def against(
    outcome: Outcome, expected: Outcome | Expect, tol: Tolerance, backend: str, other: str
) -> tuple[list[Mismatch], bool]:
    """Mismatches between a backend's outcome and an expectation or another outcome."""
    found, compared = [], False
    for quantity, actual, wanted in _pairs(outcome, expected):
        compared = True
        mismatch = compare(quantity, actual, wanted, tol, backend, other)
        if mismatch:
            found.append(mismatch)
    for fd_side, grad_side, name in ((expected, outcome, backend), (outcome, expected, other)):
        projections = fd_side.projections if isinstance(fd_side, Outcome) else None
        if projections and getattr(grad_side, "grad", None):
            compared = True
            found += list(_projections(grad_side, fd_side, tol, name))
    return found, compared


def _raises(backend: str, outcome: Outcome, text: str) -> list[Mismatch]:
    if outcome.error is None:
        return [
            Mismatch(
                "raises", backend, "expect", note=f"expected an error with {text!r}, but it ran"
            )
        ]
    if text not in outcome.error:
        note = f"expected an error with {text!r}, got: {outcome.error}"
        return [Mismatch("raises", backend, "expect", note=note)]
    return []


def _check(result: BackendResult, expected: Outcome | Expect, tol: Tolerance, other: str) -> bool:
    """Compare `result`'s outcome with one side, recording what and with which bound."""
    found, compared = against(result.outcome, expected, tol, result.backend, other)
    result.mismatches += found
    if compared:
        result.compared.append(other)
        result.tolerances[other] = (tol.rtol, tol.atol)
    return compared


def fd_exact(outcome: Outcome | None) -> bool:
    """Whether fd's outcome is exact to rounding: the complex step for every param (and
    for the jvp; an hvp always takes a difference)."""
    if outcome is None or outcome.fd is None or outcome.fd.method != "complex":
        return False
    higher = [outcome.info.get(f"{check} method") for check in ("jvp", "hvp")]
    return all(m in (None, "complex step", "zero tangent") for m in higher)


def _verdict(case: Case, result: BackendResult, ref: Outcome | None, exact: bool) -> None:
    """Judge one backend that ran: by its expectation, then against the reference."""
    name, outcome = result.backend, result.outcome
    expect = case.expect_for(name)
    if expect is not None and expect.raises is not None:
        result.mismatches += _raises(name, outcome, expect.raises)
        result.compared.append("expect")
        return
    if outcome.error is not None:
        result.status, result.message = "error", outcome.error
        return
    if expect is not None:
        _check(result, expect, case.tolerance_for(name, "expect", fd_exact=exact), "expect")
    if ref is not None and name != case.reference and name not in case.expect_backend:
        tol = case.tolerance_for(name, case.reference, fd_exact=exact)
        _check(result, ref, tol, case.reference)


def judge(case: Case, outcomes: Mapping[str, Outcome]) -> dict[str, BackendResult]:
    """Each backend's verdict: against its expectation, and against the reference."""
    ref = outcomes.get(case.reference)
    if ref is not None and (ref.error is not None or ref.skip is not None):
        ref = None
    results = {n: BackendResult(n, "skip", o, message=o.skip or "") for n, o in outcomes.items()}
    exact = fd_exact(outcomes.get("fd"))
    for result in results.values():
        if result.outcome.skip is None:
            _verdict(case, result, ref, exact)
    for result in results.values():
        if case.reference in result.compared and result.backend != case.reference:
            results[case.reference].compared.append(result.backend)
    for result in results.values():
        if result.status != "error" and result.outcome.skip is None:
            result.status = "fail" if result.mismatches else ("pass" if result.compared else "skip")
            if result.status == "skip":
                result.message = "nothing to compare with (no expect, no reference)"
    return results


def case_status(results: Mapping[str, BackendResult]) -> str:
    return worst([r.status for r in results.values()])
