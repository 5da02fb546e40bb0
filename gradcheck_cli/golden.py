"""Golden files: what every backend gave in one run, recorded as JSON, and the drift of a
later run from it (`gradcheck run --record FILE`, `gradcheck run --against FILE`).

A golden file holds, for each case that ran and each backend, its framework version, the
tolerance to judge it by later (the case's own rule for a comparison with `expect`) and
what it gave: value, grad, params and costs, or its error, or why it was skipped. Arrays
are `{dtype, shape, data}`; a float64 number is written as Python's repr, which reads back
to the same bits, a float32 one as NumPy's shortest repr of it, and NaN and the
infinities as the strings "NaN", "Infinity", "-Infinity" (JSON has no such numbers).
`against` compares a run with a recorded one, each quantity by the recorded tolerance,
and returns one `Drift` per finding, each with the line that says it.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import __version__
from .backends import module_name
from .case import Tolerance
from .compare import compare, fd_exact
from .errors import UsageError
from .report.text import fmt_number
from .results import ROWS, CaseResult, Outcome, RunResult

FORMAT = "gradcheck-golden"
VERSION = 1
_SPECIAL = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}
_DTYPES = ("float16", "float32", "float64", "int32", "int64", "bool")

# What makes `gradcheck run --against` exit 1; every other kind of Drift is a note.
FAILING = ("changed", "shape", "dtype", "missing", "new-error", "no-error")


@dataclass(frozen=True)
class Drift:
    """One difference between a golden file and a run."""

    case: str
    kind: str  # FAILING, or: new, error-text, skipped, unskipped, not-run, new-backend,
    # missing-case, new-case
    backend: str = ""
    quantity: str = ""  # "value", "grad[w]", "params[w]", "costs"
    index: tuple[int, ...] | None = None
    old: Any = None  # the recorded number (or shape, dtype, error text)
    new: Any = None  # this run's
    rtol: float = 0.0
    atol: float = 0.0
    old_version: str = ""
    new_version: str = ""
    note: str = ""

    @property
    def failing(self) -> bool:
        return self.kind in FAILING

    def line(self) -> str:
        """`case: grad[w] torch at [1]: 28 -> 28.1, |diff| 0.1 > 0.0028 (...) (torch a -> b)`."""
        text = f"{self.case}: {_LINES[self.kind](self)}"
        versions = _versions(self.old_version, self.new_version)
        return f"{text} ({versions})" if versions and self.backend else text


def _changed(d: Drift) -> str:
    where = f" at {list(d.index)}" if d.index else ""
    old, new = np.float64(d.old), np.float64(d.new)
    diff = float(abs(new - old)) if np.isfinite(old) and np.isfinite(new) else math.inf
    bound = d.atol + d.rtol * abs(float(old))
    numbers = f"{fmt_number(old, 10)} -> {fmt_number(new, 10)}"
    rule = f"atol {d.atol:g} + rtol {d.rtol:g} * |recorded|"
    extra = f"; {d.note}" if d.note else ""
    head = f"{d.quantity} {d.backend}{where}"
    return f"{head}: {numbers}, |diff| {diff:.3g} > {bound:.3g} ({rule}){extra}"


_LINES = {
    "changed": _changed,
    "shape": lambda d: f"shape of {d.quantity} {d.backend}: {d.old} -> {d.new}",
    "dtype": lambda d: f"dtype of {d.quantity} {d.backend}: {d.old} -> {d.new}",
    "missing": lambda d: f"{d.quantity} {d.backend}: recorded, missing now",
    "new": lambda d: f"note: {d.quantity} {d.backend}: not in the golden file",
    "new-error": lambda d: f"{d.backend} errors now: {d.new} (recorded: it ran)",
    "no-error": lambda d: f"{d.backend} no longer errors (recorded: {d.old})",
    "error-text": lambda d: f"note: {d.backend}'s error changed: {d.old!r} -> {d.new!r}",
    "skipped": lambda d: f"note: {d.backend} skipped now ({d.new}); recorded values not compared",
    "unskipped": lambda d: f"note: {d.backend} ran; recorded as skipped ({d.old}), not compared",
    "not-run": lambda d: f"note: {d.backend} did not run; recorded values not compared",
    "new-backend": lambda d: f"note: {d.backend} is not in the golden file",
    "missing-case": lambda d: "note: in the golden file, not in this run",
    "new-case": lambda d: "note: not in the golden file (record again to add it)",
}


def _versions(old: str, new: str) -> str:
    """`torch 2.13.0 -> 2.14.0`, `torch 2.13.0` when unchanged."""
    if old == new:
        return old
    head_old, _, rest_old = old.partition(" ")
    head_new, _, rest_new = new.partition(" ")
    if head_old == head_new and rest_old and rest_new:
        return f"{head_old} {rest_old} -> {rest_new}"
    return f"{old or 'unknown'} -> {new or 'unknown'}"


def summary(drifts: list[Drift]) -> str:
    failing = sum(d.failing for d in drifts)
    notes = len(drifts) - failing
    return f"against the golden file: {failing} drifted beyond tolerance, {notes} note(s)"


# ---- encoding -----------------------------------------------------------------------------


def _number(x: Any, dtype: np.dtype) -> Any:
    if dtype.kind == "b":
        return bool(x)
    if dtype.kind in "iu":
        return int(x)
    value = float(x)
    if not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if dtype == np.float32:  # the shortest text that reads back to the same float32
        short = float(str(np.float32(x)))
        return short if np.float32(short) == np.float32(x) else value
    return value  # json writes float64 with repr: it reads back bit for bit


def encode_array(array: Any) -> dict[str, Any]:
    a = np.asarray(array)
    data = np.vectorize(lambda x: _number(x, a.dtype), otypes=[object])(a) if a.size else a
    return {"dtype": a.dtype.name, "shape": list(a.shape), "data": data.tolist()}


def decode_array(entry: Mapping[str, Any]) -> np.ndarray:
    """The array an `encode_array` entry holds; ValueError if it is malformed."""
    if not isinstance(entry, Mapping) or set(entry) != {"dtype", "shape", "data"}:
        raise ValueError("expected {dtype, shape, data}")
    if entry["dtype"] not in _DTYPES:
        raise ValueError(f"dtype {entry['dtype']!r} is not one of {', '.join(_DTYPES)}")
    shape = entry["shape"]
    if not isinstance(shape, list) or not all(isinstance(n, int) and n >= 0 for n in shape):
        raise ValueError(f"shape {shape!r} is not a list of sizes")
    data = _specials(entry["data"])
    array = np.array(data, dtype=np.float64 if entry["dtype"].startswith("float") else None)
    if array.size != math.prod(shape):
        raise ValueError(f"{array.size} numbers for shape {shape}")
    return array.astype(entry["dtype"]).reshape(shape)


def _specials(data: Any) -> Any:
    if isinstance(data, list):
        return [_specials(x) for x in data]
    if isinstance(data, str):
        if data not in _SPECIAL:
            raise ValueError(f"{data!r} is not a number (only NaN, Infinity, -Infinity)")
        return _SPECIAL[data]
    if isinstance(data, (int, float)):  # bool is an int too
        return data
    raise ValueError(f"{data!r} is not a number")


# ---- record -------------------------------------------------------------------------------


def _version(backend: str, outcome: Outcome) -> str:
    """The framework version; a backend that failed still has its module imported."""
    if "version" in outcome.info:
        return str(outcome.info["version"])
    module = sys.modules.get(f"{__package__}.backends.{module_name(backend)}")
    return module.version() if module is not None else ""


def _outcome(backend: str, outcome: Outcome, tol: Tolerance) -> dict[str, Any]:
    entry: dict[str, Any] = {"version": _version(backend, outcome)}
    if outcome.skip is not None:
        return {**entry, "skip": outcome.skip}
    entry["tolerance"] = {"rtol": tol.rtol, "atol": tol.atol}
    if outcome.error is not None:
        return {**entry, "error": outcome.error, "error_type": outcome.error_type}
    if outcome.value is not None:
        entry["value"] = encode_array(outcome.value)
    for kind in ("grad", "params"):
        arrays = getattr(outcome, kind)
        if arrays is not None:
            entry[kind] = {name: encode_array(arrays[name]) for name in arrays}
    if outcome.costs is not None:
        entry["costs"] = encode_array(outcome.costs)
    return entry


def _case(result: CaseResult) -> dict[str, Any]:
    case = result.case
    backends = {
        name: _outcome(
            name, r.outcome, case.tolerance_for(name, "expect", fd_exact=fd_exact(r.outcome))
        )
        for name, r in result.backends.items()
    }
    return {"file": result.position.file, "dtype": case.dtype, "backends": backends}


def record(run: RunResult) -> dict[str, Any]:
    """The golden data of a run (JSON-ready): every case that ran, every backend's outcome."""
    cases = {r.name: _case(r) for r in run.cases if r.case is not None and r.backends}
    return {
        "format": FORMAT,
        "format_version": VERSION,
        "gradcheck_version": __version__,
        "cases": cases,
    }


def dumps(data: Mapping[str, Any]) -> str:
    """Indented JSON with each array and tolerance on one line, so a diff shows the change."""
    leaves: list[str] = []

    def compact(node: Any) -> Any:
        if isinstance(node, Mapping) and set(node) in (
            {"dtype", "shape", "data"},
            {"rtol", "atol"},
        ):
            leaves.append(json.dumps(node, allow_nan=False))
            return f"\0{len(leaves) - 1}"
        if isinstance(node, Mapping):
            return {k: compact(v) for k, v in node.items()}
        return node

    text = json.dumps(compact(data), indent=2, allow_nan=False)
    for i, leaf in enumerate(leaves):
        text = text.replace(f'"\\u0000{i}"', leaf, 1)
    return text + "\n"


def write(path: str | Path, run: RunResult) -> None:
    try:
        Path(path).write_text(dumps(record(run)), encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot write the golden file: {exc.strerror or exc}") from None


# ---- load ---------------------------------------------------------------------------------


def load(path: str | Path) -> dict[str, Any]:
    """A golden file, checked; UsageError naming the file if it cannot be used."""
    hint = "record it again with `gradcheck run --record FILE`"
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise UsageError(f"{path}: cannot read the golden file: {reason}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg} ({hint})"
        ) from None
    problem = _problem(data)
    if problem:
        raise UsageError(f"{path}: {problem} ({hint})")
    return data


def _problem(data: Any) -> str | None:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return f'not a gradcheck golden file (no "format": "{FORMAT}")'
    if data.get("format_version") != VERSION:
        found = data.get("format_version")
        return f"golden file format_version {found!r}; this gradcheck reads {VERSION}"
    if not isinstance(data.get("cases"), dict):
        return '"cases" is not a mapping of case name -> backends'
    for name, case in data["cases"].items():
        backends = case.get("backends") if isinstance(case, dict) else None
        if not isinstance(backends, dict):
            return f'cases.{name}: no "backends" mapping'
        for backend, entry in backends.items():
            problem = _entry_problem(backend, entry)
            if problem:
                return f"cases.{name}.backends.{problem}"
    return None


def _entry_problem(backend: str, entry: Any) -> str | None:
    if backend not in ROWS:
        return f"{backend}: not a backend ({', '.join(ROWS)})"
    if not isinstance(entry, dict):
        return f"{backend}: not a mapping"
    tol = entry.get("tolerance", {"rtol": 0, "atol": 0})
    if not (
        isinstance(tol, dict)
        and all(isinstance(tol.get(k), (int, float)) for k in ("rtol", "atol"))
    ):
        return f"{backend}.tolerance: expected {{rtol: number, atol: number}}"
    for quantity, array in _arrays(entry):
        try:
            decode_array(array)
        except (ValueError, TypeError) as exc:
            return f"{backend}.{quantity}: {exc}"
    return None


def _arrays(entry: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """(quantity, encoded array) of a backend's recorded outcome, in report order."""
    if "value" in entry:
        yield "value", entry["value"]
    for kind in ("grad", "params"):
        arrays = entry.get(kind)
        if arrays is not None and not isinstance(arrays, dict):
            yield kind, arrays  # decode_array names the problem
        for name, array in (arrays or {}).items():
            yield f"{kind}[{name}]", array
    if "costs" in entry:
        yield "costs", entry["costs"]


# ---- against ------------------------------------------------------------------------------


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


def _shortest(x: float, dtype: np.dtype) -> float:
    """A float32 as the float its shortest text reads as (28.1, not 28.100000381)."""
    return float(str(np.float32(x))) if dtype == np.float32 else x


def _error_text(error_type: str, error: str) -> str:
    return f"{error_type}: {error}" if error_type else error


def _outcome_arrays(outcome: Outcome) -> Iterator[tuple[str, np.ndarray]]:
    if outcome.value is not None:
        yield "value", outcome.value
    for kind in ("grad", "params"):
        for name, array in (getattr(outcome, kind) or {}).items():
            yield f"{kind}[{name}]", array
    if outcome.costs is not None:
        yield "costs", outcome.costs
