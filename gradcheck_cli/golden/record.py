"""What a run gave, as a golden file (`--record`)."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .. import __version__
from ..backends import module_name
from ..case import Tolerance
from ..compare import fd_exact
from ..errors import UsageError
from ..results import CaseResult, Outcome, RunResult
from .drift import FORMAT, VERSION
from .encoding import encode_array


def _version(backend: str, outcome: Outcome) -> str:
    """The framework version; a backend that failed still has its module imported."""
    if "version" in outcome.info:
        return str(outcome.info["version"])
    module = sys.modules.get(f"gradcheck_cli.backends.{module_name(backend)}")
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
    if outcome.jvp is not None:
        entry["jvp"] = encode_array(outcome.jvp)
    for kind in ("grad", "hvp", "params"):
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
