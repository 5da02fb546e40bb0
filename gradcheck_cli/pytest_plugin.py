"""gradcheck case files as pytest items: one item per backend of each case, reusing run.py.

`pytest cases/` collects the YAML files that are gradcheck case files (see `is_case_file`)
and runs each backend of each case as an item named `case[backend]`, so `-k torch` picks a
backend and `-m slicing` a tag. A failing item shows the lines `gradcheck run` prints, an
invalid file is a collection error listing its positioned problems; neither shows a
traceback. Items of one case share one run of the case per process (the reference is not
recomputed for every backend), which also holds under pytest-xdist, where each worker
collects and runs on its own.

This module is imported by every pytest run in an environment where gradcheck is installed,
so it imports nothing heavy at import time: NumPy and the loader come with the first case file.
It holds no `assert`, so it opts out of assertion rewriting (PYTEST_DONT_REWRITE): the entry
point imports it before pytest can mark it, which would otherwise warn in every run.
"""

from __future__ import annotations

import re
import types
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest

SUFFIXES = (".yaml", ".yml")
# A top-level key: a name at the start of a line, then a colon (comments and indented
# lines never match), read from the text so that a file with broken YAML is still known.
_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:", re.MULTILINE)
_MARKER_NAME = re.compile(r"^[A-Za-z][\w.\-]*$")
# Markers that change how an item runs: a case tagged `skip` must not be skipped by pytest.
_RESERVED_MARKERS = frozenset(
    "skip skipif xfail parametrize usefixtures filterwarnings tryfirst trylast gradcheck".split()
)

# The pytest11 entry point names this module object rather than the plugin module itself:
# pytest refuses one module registered under two names, which `-p gradcheck_cli.pytest_plugin`
# beside the installed entry point would otherwise do. Through `pytest_plugins`, the plugin
# module is registered once under its own name, however many ways ask for it.
entry = types.ModuleType("gradcheck_cli.pytest_plugin.entry")
entry.pytest_plugins = [__name__]


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


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("gradcheck", "gradcheck case files")
    group.addoption(
        "--gradcheck-backend",
        action="append",
        default=[],
        metavar="NAME",
        help="run only this backend of each case (repeatable), as `gradcheck run -b`",
    )
    group.addoption(
        "--gradcheck-import",
        action="store_true",
        default=False,
        help="import the user's own code that cases name (implementations), as `gradcheck run "
        "--import`; GRADCHECK_IMPORT=1 does the same",
    )
    group.addoption(
        "--gradcheck-fd-mode",
        choices=("auto", "full", "directional"),
        default="auto",
        help="finite differences per element or along random directions (default: auto)",
    )
    parser.addini(
        "gradcheck_paths",
        type="paths",
        default=[],
        help="folders holding gradcheck case files: every *.yaml / *.yml below them is a case "
        "file, and no YAML file elsewhere is read as one (default: recognise them by their keys)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "gradcheck(case, backend): a gradcheck case file item (added by gradcheck)"
    )
    chosen = tuple(config.getoption("gradcheck_backend") or ())
    if chosen:
        from .results import BACKENDS

        unknown = [b for b in chosen if b not in BACKENDS]
        if unknown:
            raise pytest.UsageError(
                f"--gradcheck-backend: {', '.join(map(repr, unknown))} is not a backend "
                f"(choose from {', '.join(BACKENDS)})"
            )
    config.stash[_STATE] = _State(
        backends=tuple(dict.fromkeys(chosen)) or _all_backends(),
        fd_mode=config.getoption("gradcheck_fd_mode"),
        imports=config.getoption("gradcheck_import"),
        case_paths=tuple(Path(p) for p in config.getini("gradcheck_paths")),
    )


def _all_backends() -> tuple[str, ...]:
    # The same five names as results.BACKENDS, without importing NumPy for every pytest run.
    return ("numpy", "fd", "torch", "jax", "tensorflow")


_ROWS = ("impl:torch", "impl:jax", "impl:tensorflow", "impl:numpy")  # implementations.ROWS


def is_case_file(text: str) -> bool:
    """Whether a YAML text is a gradcheck case file, by its top-level keys.

    `cases:`, or `cost:`, or `name:` with `params:`: keys that a GitHub workflow, a
    pre-commit config, docker-compose, a GitHub action or a Kubernetes manifest do not have
    at the top level together. `cost` alone or `name` + `params` also catch a case that
    lacks the other required key, so that it is reported rather than silently left out.
    """
    keys = set(_TOP_KEY.findall(text))
    return "cases" in keys or "cost" in keys or {"name", "params"} <= keys


def _wanted(file_path: Path, parent: pytest.Collector) -> bool:
    """Named on the command line, or below gradcheck_paths, or (without them) by its keys."""
    if parent.session.isinitpath(file_path):
        return True
    if file_path.name.startswith("."):
        return False  # as `gradcheck run` does for hidden files
    roots = parent.config.stash[_STATE].case_paths
    if roots:
        return any(file_path.is_relative_to(root) for root in roots)
    try:
        return is_case_file(file_path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return False


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> CaseFile | None:
    if file_path.suffix in SUFFIXES and _wanted(file_path, parent):
        return CaseFile.from_parent(parent, path=file_path)
    return None


def pytest_collection_finish(session: pytest.Session) -> None:
    """Record which backends of each case are selected, after -k, -m and the like."""
    plan = session.config.stash[_STATE].plan
    for item in session.items:
        if isinstance(item, CaseItem) and item.backend is not None:
            plan.setdefault(item.key, set()).add(item.backend)


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


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item):
    """A skipped case item is reported at its case, not at the line of this module."""
    report = yield
    if isinstance(item, CaseItem) and report.skipped and isinstance(report.longrepr, tuple):
        path, line, _ = item.reportinfo()
        report.longrepr = (str(path), line + 1, report.longrepr[2])
    return report


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
