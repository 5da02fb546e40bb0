"""A golden file read back, its shape checked before anything is compared."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..results import ROWS
from .drift import FORMAT, VERSION
from .encoding import decode_array


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
    if "jvp" in entry:
        yield "jvp", entry["jvp"]
    for kind in ("grad", "hvp", "params"):
        arrays = entry.get(kind)
        if arrays is not None and not isinstance(arrays, dict):
            yield kind, arrays  # decode_array names the problem
        for name, array in (arrays or {}).items():
            yield f"{kind}[{name}]", array
    if "costs" in entry:
        yield "costs", entry["costs"]
