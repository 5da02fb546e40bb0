"""Case files -> cases -> each backend -> comparison -> results.

This is the one place that catches a backend's exceptions: a framework's own error
becomes that backend's `error` outcome (checked against `raises`), `BackendSkip` becomes
`skip` with its reason. Everything before running (reading, parsing, the shape check)
happens for every selected case first, so an invalid case stops the run before anything
is computed.
"""

from __future__ import annotations

import fnmatch
import multiprocessing
import sys
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import backends, implementations, isolation, shapes
from .backends import installed
from .case import Case
from .compare import case_status, judge
from .errors import BackendSkip, Position, Problem, UsageError
from .limits import DEFAULT, Limits
from .load import read_file
from .results import BACKENDS, FRAMEWORK_BACKENDS, CaseResult, Outcome, RunResult


def load_all(files: Iterable[Path], limits: Limits = DEFAULT) -> tuple[list[Case], list[Problem]]:
    """Every valid case, checked by the abstract pass, and every problem, across files;
    names must be unique in a run."""
    cases: list[Case] = []
    problems: list[Problem] = []
    seen: dict[str, Position] = {}
    for path in files:
        found, invalid = read_file(path, limits)
        problems += invalid
        for case in found:
            if case.name in seen:
                message = f"name '{case.name}' is also used at {seen[case.name]}"
                problems.append(
                    Problem(case.position, message, "names are unique in a run", case.name)
                )
                continue
            seen[case.name] = case.position
            case, invalid = checked(case, limits)
            problems += invalid
            if not invalid:
                cases.append(case)
    return cases, problems


def checked(case: Case, limits: Limits = DEFAULT) -> tuple[Case, list[Problem]]:
    """The case with its variables' shapes and dtypes (the abstract pass), and its problems:
    shapes, index types, the cost's kind, and the size budget, before anything runs."""
    avals, problems = shapes.check(case, limits)
    return replace(case, avals=avals), problems


def shape_problems(case: Case, limits: Limits = DEFAULT) -> list[Problem]:
    return checked(case, limits)[1]


def select(cases: list[Case], tags: Iterable[str] = (), keyword: str | None = None) -> list[Case]:
    """Cases carrying any of `tags`, whose name contains `keyword` (or matches it as a glob)."""
    tags = set(tags)
    chosen = [c for c in cases if not tags or tags & set(c.tags)]
    if keyword:
        chosen = [c for c in chosen if keyword in c.name or fnmatch.fnmatch(c.name, keyword)]
    return chosen


@dataclass(frozen=True)
class Options:
    backends: tuple[str, ...] = BACKENDS  # the command line's choice; a case narrows it
    fail_fast: bool = False
    debug: bool = False
    backend_options: Mapping[str, Any] = field(default_factory=dict)
    timeout: float | None = None  # seconds per backend per case; None or 0: no limit
    imports: bool = False  # the user's own code (implementations) may be imported
    isolate: bool = False  # framework backends in worker processes (isolation.py)


def run_backend(name: str, case: Case, options: Options) -> Outcome:
    """One backend on one case; its failures become data here, and only here."""
    try:
        with isolation.time_limit(options.timeout):
            return backends.run(name, case, options.backend_options)
    except isolation.BackendTimeout:
        return isolation.timeout_outcome(options.timeout)
    except BackendSkip as exc:
        return Outcome(skip=str(exc))
    except Exception as exc:  # a backend's own error is its result (see `raises`)
        if options.debug:
            raise
        outcome = Outcome(error=_message(exc), error_type=type(exc).__name__)
        module = sys.modules.get(f"{backends.__name__}.{backends.module_name(name)}")
        if module is not None:  # the version, for golden files, even when it failed
            outcome.info["version"] = module.version()
        return outcome


def _message(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text


def run_case(
    case: Case, options: Options, status: Callable[[str], None] | None = None
) -> CaseResult:
    """Every chosen backend (and implementation row) on one case, and the verdicts.
    Isolated, the framework backends run in their workers while numpy and fd run here."""
    if case.implementations and not options.imports:
        return _not_imported(case)
    if case.implementations:
        case = replace(case, implementations=implementations.rooted(case.implementations))
    chosen = [b for b in BACKENDS if b in case.backends and b in options.backends]
    if case.program is None:  # no cost: fd differentiates an implementation; nothing else runs
        chosen = [b for b in chosen if b == "fd"]
    chosen += [
        impl.row
        for impl in case.implementations.values()
        if implementations.framework_of(impl.row) in options.backends
    ]
    isolated = [b for b in chosen if _isolated(b, options)]
    for name in isolated:
        isolation.worker(name).submit(case, options)
    outcomes = {name: run_backend(name, case, options) for name in chosen if name not in isolated}
    for name in isolated:
        outcomes[name] = isolation.worker(name).result(options.timeout, status)
    outcomes = {name: outcomes[name] for name in chosen}
    results = judge(case, outcomes)
    notes = []
    ref = outcomes.get(case.reference)
    if ref is None or ref.skip is not None or ref.error is not None:
        why = (
            "was not selected"
            if ref is None
            else (f"skipped: {ref.skip}" if ref.skip else "failed")
        )
        notes.append(f"reference {case.reference} {why}; compared with expect alone")
    status = case_status(results)
    return CaseResult(case.name, case.position, status, results, notes=notes, case=case)


def _isolated(name: str, options: Options) -> bool:
    framework = implementations.framework_of(name)
    wanted = options.isolate and not options.debug and framework in FRAMEWORK_BACKENDS
    return wanted and installed(name)


def _not_imported(case: Case) -> CaseResult:
    """A case with implementations in a run that may not import them: an error, and
    nothing of it runs."""
    problem = Problem(case.source.get("implementations", case.position), implementations.refusal())
    return CaseResult(case.name, case.position, "error", problems=[problem], case=case)


def shard(cases: list[Case], spec: str) -> list[Case]:
    """The stable slice K of N (`spec` "K/N"): a case goes by a hash of its name, so adding
    a case never moves the others to another shard of a CI matrix."""
    try:
        k, n = (int(part) for part in spec.split("/"))
    except ValueError:
        raise UsageError(f"--shard {spec!r}: write K/N, e.g. 1/4") from None
    if not 1 <= k <= n:
        raise UsageError(f"--shard {spec!r}: K must be between 1 and N")
    return [c for c in cases if zlib.crc32(c.name.encode()) % n == k - 1]


def run(
    cases: list[Case],
    options: Options,
    report: Callable[[CaseResult], None] | None = None,
    jobs: int = 1,
    status: Callable[[str], None] | None = None,
) -> RunResult:
    """Every case, in order; `report` sees each result as soon as those before it are done,
    `status` what is being waited for (a framework's import).

    With `jobs` > 1 the cases run in that many worker processes, each importing a
    framework once, the first time one of its cases needs it.
    """
    result = RunResult()
    outcomes = _in_processes(cases, options, jobs) if jobs > 1 and len(cases) > 1 else None
    try:
        for case in cases:
            outcome = next(outcomes) if outcomes else run_case(case, options, status)
            result.cases.append(outcome)
            if report:
                report(outcome)
            if options.fail_fast and outcome.status in ("fail", "error"):
                break
    finally:
        if outcomes:
            outcomes.close()  # cancels what is still queued (-x)
    return result


def _in_processes(cases: list[Case], options: Options, jobs: int) -> Iterator[CaseResult]:
    # spawn, not fork: a forked worker would inherit whatever threads a framework started
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(cases)), mp_context=context)
    try:
        yield from pool.map(run_case, cases, [options] * len(cases))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def invalid_results(problems: list[Problem]) -> list[CaseResult]:
    """An invalid case (or file) is an `error` result carrying its problems."""
    grouped: dict[tuple[str, str], list[Problem]] = {}
    files = list(dict.fromkeys(p.position.file for p in problems))  # in the order read
    for problem in sorted(problems, key=lambda p: (files.index(p.position.file), p.position.line)):
        grouped.setdefault((problem.position.file, problem.case), []).append(problem)
    return [
        CaseResult(name or Path(file).name, group[0].position, "error", problems=group)
        for (file, name), group in grouped.items()
    ]
