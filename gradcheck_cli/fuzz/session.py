"""The fuzz loop: generate each program, run the backends on it as a case, shrink every
disagreement, and write each one as a case file.

Program i comes from `numpy.random.default_rng([seed, i])` alone, so a seed gives the same
programs, the same findings and the same files on every run, and program 7 is the same
whether 10 or 50 are asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import CaseFileError
from ..load import load_text
from ..ops import OPS
from ..report.text import fmt_mismatch
from ..results import BACKENDS, CaseResult
from ..run import Options, run_case, shape_problems
from . import programs
from .generate import generate
from .known import known
from .programs import Sketch
from .shrink import shrink


@dataclass(frozen=True)
class Config:
    count: int
    seed: int
    backends: tuple[str, ...]  # the reference among them
    reference: str
    ops: tuple[str, ...]
    kinks: bool = False
    out: Path = Path("found")
    extra: Mapping[str, Any] = field(default_factory=dict)  # keys added to every case


@dataclass(frozen=True)
class Finding:
    program: int
    backend: str
    what: str  # which quantity, by how much, or the error
    path: Path
    ops: tuple[int, int]  # before and after shrinking
    known: str = ""  # where it is documented, when it is a known framework difference


@dataclass
class Summary:
    programs: int = 0
    runs: int = 0  # backend runs on the generated programs (shrinking not counted)
    findings: list[Finding] = field(default_factory=list)


def _name(config: Config, index: int, backend: str = "") -> str:
    return f"fuzz-{config.seed}-{index:04d}" + (f"-{backend}" if backend else "")


def _text(config: Config, sketch: Sketch, name: str, backends: tuple[str, ...], **head: Any) -> str:
    """The case file: `head` (a header comment, description, tags), the sketch, the run."""
    chosen = [b for b in BACKENDS if b in backends]
    keys = {**head, "backends": chosen, "reference": config.reference, **config.extra}
    return programs.case_text(sketch, name, keys.pop("header", ""), **keys)


def judge(config: Config, sketch: Sketch, name: str, backends: tuple[str, ...]) -> CaseResult:
    """The sketch as a case, through the loader, the shape check and `run_case`, as
    `gradcheck run` takes it; a refusal before anything runs is a CaseFileError."""
    text = _text(config, sketch, name, backends)
    chosen = [b for b in BACKENDS if b in backends]
    (case,) = load_text(text, f"{name}.yaml")
    found = shape_problems(case)
    if found:
        raise CaseFileError(found)
    return run_case(case, Options(backends=tuple(chosen)))


def _key(result: CaseResult, backend: str) -> tuple[str, str]:
    r = result.backends[backend]
    return r.status, r.outcome.error_type if r.status == "error" else ""


def _what(result: CaseResult, backend: str) -> str:
    """The disagreement in one line: the first mismatch, or the error."""
    r = result.backends[backend]
    if r.status == "error":
        kind = f"{r.outcome.error_type}: " if r.outcome.error_type else ""
        return f"{backend} raised {kind}{r.message.splitlines()[0] if r.message else ''}"
    return fmt_mismatch(r.mismatches[0]) if r.mismatches else f"{backend}: {r.status}"


def _pair(config: Config, backend: str) -> tuple[str, ...]:
    return (backend,) if backend == config.reference else (config.reference, backend)


def _shrunk(config: Config, sketch: Sketch, name: str, backend: str, key: tuple) -> Sketch:
    pair = _pair(config, backend)

    def still_fails(candidate: Sketch) -> bool:
        try:
            return _key(judge(config, candidate, name, pair), backend) == key
        except CaseFileError:
            return False

    return shrink(sketch, still_fails, config.kinks)[0]


def _ops(sketch: Sketch) -> int:
    return sum(n.form is not None for n in programs.walk(sketch.root))


def command(config: Config) -> str:
    """The command line that generates these programs (-b and -o do not change them)."""
    words = ["gradcheck fuzz", f"--seed {config.seed}"]
    if config.ops != tuple(OPS):
        words.append(f"--ops {','.join(config.ops)}")
    return " ".join(words + (["--kinks"] if config.kinks else []))


def _header(config: Config, index: int, original: Sketch, what: str, others: str) -> str:
    program, cost = programs.source(original)
    lines = [
        f"Found by `{command(config)}` (program {index}), then shrunk.",
        what + others,
        "",
        "The program as generated, before shrinking:",
        *[f"  {line}" for line in program.splitlines()],
        f"  cost: {cost}",
    ]
    return "\n".join(lines)


def _write(config: Config, index: int, backend: str, original: Sketch, others: str) -> Finding:
    """Shrink the disagreement of `backend` on program `index` and write its case file."""
    name = _name(config, index, backend)
    pair = _pair(config, backend)
    key = _key(judge(config, original, name, pair), backend)
    small = _shrunk(config, original, name, backend, key)
    result = judge(config, small, name, pair)
    what = _what(result, backend)
    documented = known(backend, result.backends[backend].message or "")
    if documented:
        what += f" (a known difference: {documented})"
    header = _header(config, index, original, what, others)
    text = _text(config, small, name, pair, header=header, description=what + others, tags=["fuzz"])
    config.out.mkdir(parents=True, exist_ok=True)
    path = config.out / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return Finding(index, backend, what, path, (_ops(original), _ops(small)), documented)


def _refused(config: Config, index: int, sketch: Sketch, exc: CaseFileError) -> Finding:
    """A program NumPy takes that gradcheck refused before running it: written as it is."""
    name = _name(config, index, "refused")
    what = f"gradcheck refused a program NumPy takes: {exc.problems[0].message}"
    text = _text(
        config, sketch, name, config.backends, header=what, description=what, tags=["fuzz"]
    )
    config.out.mkdir(parents=True, exist_ok=True)
    path = config.out / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return Finding(index, "load", what, path, (_ops(sketch), _ops(sketch)))


def _others(result: CaseResult, failing: list[str], config: Config) -> str:
    rest = [b for b in failing if b != config.reference]
    ran = [b for b, r in result.backends.items() if r.status != "skip" and b != config.reference]
    if len(rest) > 1 and len(rest) == len(ran):
        return f" ({', '.join(rest)} all disagreed with {config.reference}: suspect it first)"
    return ""


def program(config: Config, index: int) -> Sketch:
    rng = np.random.default_rng([config.seed, index])
    return generate(rng, list(config.ops), config.kinks)


def run(config: Config, progress: Callable[[int, list[Finding]], None] | None = None) -> Summary:
    """Every program in turn; `progress(done, findings so far)` after each."""
    summary = Summary()
    for index in range(config.count):
        sketch = program(config, index)
        try:
            result = judge(config, sketch, _name(config, index), config.backends)
        except CaseFileError as exc:
            summary.findings.append(_refused(config, index, sketch, exc))
        else:
            summary.runs += len(result.backends)
            failing = [b for b, r in result.backends.items() if r.status in ("fail", "error")]
            others = _others(result, failing, config)
            for backend in failing:
                summary.findings.append(_write(config, index, backend, sketch, others))
        summary.programs += 1
        if progress:
            progress(index + 1, summary.findings)
    return summary
