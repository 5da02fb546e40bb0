"""The pytest items of gradcheck case files (`pytest_plugin.py` holds the hooks): a case
file, one item per backend of each case, an invalid case's failing item, and the state one
pytest process shares between them. Imported with the plugin: nothing heavy at import time.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

_MARKER_NAME = re.compile(r"^[A-Za-z][\w.\-]*$")
# Markers that change how an item runs: a case tagged `skip` must not be skipped by pytest.
_RESERVED_MARKERS = frozenset(
    "skip skipif xfail parametrize usefixtures filterwarnings tryfirst trylast gradcheck".split()
)


@dataclass
class _State:
    """One pytest process's gradcheck state: options, and what collection and runs found."""

    backends: tuple[str, ...]  # --gradcheck-backend, or all
    fd_mode: str
    case_paths: tuple[Path, ...]  # the gradcheck_paths ini option
    imports: bool = False  # --gradcheck-import: the user's code named by cases may be imported
    names: dict[str, Any] = field(default_factory=dict)  # case name -> first Position
    plan: dict[tuple[str, str], set[str]] = field(default_factory=dict)  # case -> selected
    results: dict[tuple[str, str], Any] = field(default_factory=dict)  # case -> CaseResult


_STATE = pytest.StashKey[_State]()


def _all_backends() -> tuple[str, ...]:
    # The same five names as results.BACKENDS, without importing NumPy for every pytest run.
    return ("numpy", "fd", "torch", "jax", "tensorflow")


_ROWS = ("impl:torch", "impl:jax", "impl:tensorflow", "impl:numpy")  # implementations.ROWS


class CaseFile(pytest.File):
    """One case file: its cases, each backend an item; an invalid file is a collection error."""

    def collect(self) -> Iterator[pytest.Item]:
        state = self.config.stash[_STATE]
        cases, invalid = self._cases(state)
        for name, problems in invalid.items():
            yield InvalidCaseItem.from_parent(self, name=name, problems=problems)
        from .errors import Problem
        from .implementations import allowed, refusal

        for case in cases:
            if case.implementations and not allowed(state.imports):
                where = case.source.get("implementations", case.position)
                problem = Problem(where, refusal().replace("--import", "--gradcheck-import"))
                yield InvalidCaseItem.from_parent(self, name=case.name, problems=[problem])
                continue
            chosen = [b for b in state.backends if b in case.backends]
            if case.program is None:  # no cost: fd differentiates an implementation
                chosen = [b for b in chosen if b == "fd"]
            chosen += [
                i.row for i in case.implementations.values() if i.framework in state.backends
            ]
            for backend in _in_report_order(chosen) or [None]:
                name = case.name if backend is None else f"{case.name}[{backend}]"
                item = CaseItem.from_parent(self, name=name, case=case, backend=backend)
                _mark(item, case, backend)
                yield item

    def _cases(self, state: _State) -> tuple[list[Any], dict[str, list[Any]]]:
        """The valid cases, and each invalid case's problems by its name (an item that
        fails, as `gradcheck run` reports it): one invalid case never hides the others. A
        problem of the file itself (its YAML, its `defaults`) is a collection error."""
        from .errors import Position, Problem
        from .load import read_text
        from .run import shape_problems

        shown = _shown(self.path, self.config)
        try:
            found, problems = read_text(self.path.read_text(encoding="utf-8"), shown)
        except (OSError, UnicodeDecodeError) as exc:
            raise self.CollectError(f"{Position(shown)}: cannot read the file: {exc}") from None
        if any(not p.case for p in problems):
            raise self.CollectError(_problem_text(problems))
        cases = []
        for case in found:
            first = state.names.setdefault(case.name, case.position)
            mine = shape_problems(case)
            if first.file != case.position.file:
                message = f"name '{case.name}' is also used at {first}"
                mine.append(Problem(case.position, message, "names are unique in a run", case.name))
            problems += mine
            if not mine:
                cases.append(case)
        invalid: dict[str, list[Any]] = {}
        for problem in problems:
            invalid.setdefault(problem.case, []).append(problem)
        return cases, invalid


def _in_report_order(backends: list[str]) -> list[str]:
    order = _all_backends() + _ROWS
    return sorted(backends, key=order.index)


def _shown(path: Path, config: pytest.Config) -> str:
    """The path as `gradcheck run` would print it: relative to where pytest was started."""
    try:
        return str(path.relative_to(config.invocation_params.dir))
    except ValueError:
        return str(path)


def _problem_text(problems: list[Any]) -> str:
    from .report.text import problem_lines

    return "\n".join(problem_lines(problems))


def _mark(item: pytest.Item, case: Any, backend: str | None) -> None:
    """The `gradcheck` marker, and each tag as a marker (registered, for --strict-markers)."""
    item.add_marker(pytest.mark.gradcheck(case=case.name, backend=backend))
    item.extra_keyword_matches.update(case.tags)
    registered = {
        line.split(":")[0].split("(")[0].strip() for line in item.config.getini("markers")
    }
    for tag in case.tags:
        if not _MARKER_NAME.match(tag) or tag in _RESERVED_MARKERS:
            continue  # still matched by -k, through the keywords above
        if tag not in registered:
            item.config.addinivalue_line("markers", f"{tag}: gradcheck case tag")
            registered.add(tag)
        item.add_marker(tag)


class CaseFailure(Exception):
    """A backend's `fail` or `error`: its report lines, shown without a traceback."""


class InvalidCaseItem(pytest.Item):
    """An invalid case: it fails with its problems, each with file:line:column."""

    def __init__(self, *, problems: list[Any], **kwargs: Any):
        super().__init__(**kwargs)
        self.problems = problems

    def runtest(self) -> None:
        self.user_properties.append(("gradcheck_status", "error"))
        raise CaseFailure(_problem_text(self.problems))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None):
        return str(excinfo.value)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.problems[0].position.line - 1, self.name


class CaseItem(pytest.Item):
    """One backend of one case (backend None: none of the case's backends was selected)."""

    def __init__(self, *, case: Any, backend: str | None, **kwargs: Any):
        super().__init__(**kwargs)
        self.case, self.backend = case, backend

    @property
    def key(self) -> tuple[str, str]:
        return (str(self.path), self.case.name)

    def runtest(self) -> None:
        # recorded for reports (--junitxml shows them): the case, and the backend's own status
        self.user_properties.append(("gradcheck_case", self.case.name))
        if self.backend is None:
            self.user_properties.append(("gradcheck_status", "skip"))
            pytest.skip("none of this case's backends was selected (--gradcheck-backend)")
        result = self._case_result()
        mine = result.backends[self.backend]
        self.user_properties.append(("gradcheck_status", mine.status))
        if mine.status == "skip":
            pytest.skip(f"{self.backend}: {mine.message}")
        if mine.status in ("fail", "error"):
            raise CaseFailure("\n".join(failure_lines(result, self.backend)))

    def _case_result(self) -> Any:
        """The case's run, shared by its items in this process."""
        from .run import Options, run_case

        state = self.config.stash[_STATE]
        if self.key not in state.results:
            options = Options(
                backends=self._backends_to_run(state),
                backend_options={"fd_mode": state.fd_mode},
                imports=True,  # a case that may not import was collected as an invalid item
            )
            state.results[self.key] = run_case(self.case, options)
        return state.results[self.key]

    def _backends_to_run(self, state: _State) -> tuple[str, ...]:
        """The selected items' backends, and the reference, so each is judged as in a full run."""
        chosen = set(state.plan.get(self.key) or {self.backend})
        if self.case.reference in state.backends:
            chosen.add(self.case.reference)
        chosen = {b.removeprefix("impl:") for b in chosen}  # a row runs with its framework
        return tuple(_in_report_order(list(chosen)))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None):
        if isinstance(excinfo.value, CaseFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.case.position.line - 1, self.name


def failure_lines(result: Any, backend: str) -> list[str]:
    """What `gradcheck run` prints for the case, narrowed to one backend.

    The reference stays beside a backend that disagrees, its own mismatches left out, so
    the value lines show both sides of each disagreement.
    """
    from .report.text import case_lines

    mine = result.backends[backend]
    shown = {backend: mine}
    ref = result.backends.get(result.case.reference)
    if mine.mismatches and ref is not None and ref.backend != backend and ref.status != "error":
        shown[ref.backend] = replace(ref, mismatches=[])
    ordered = {name: shown[name] for name in _in_report_order(list(shown))}
    return case_lines(replace(result, status=mine.status, backends=ordered))
