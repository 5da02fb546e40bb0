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
from pathlib import Path

import pytest

from .pytest_items import _STATE, CaseFile, CaseItem, _all_backends, _State

SUFFIXES = (".yaml", ".yml")
# A top-level key: a name at the start of a line, then a colon (comments and indented
# lines never match), read from the text so that a file with broken YAML is still known.
_TOP_KEY = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:", re.MULTILINE)

# The pytest11 entry point names this module object rather than the plugin module itself:
# pytest refuses one module registered under two names, which `-p gradcheck_cli.pytest_plugin`
# beside the installed entry point would otherwise do. Through `pytest_plugins`, the plugin
# module is registered once under its own name, however many ways ask for it.
entry = types.ModuleType("gradcheck_cli.pytest_plugin.entry")
entry.pytest_plugins = [__name__]


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


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item):
    """A skipped case item is reported at its case, not at the line of this module."""
    report = yield
    if isinstance(item, CaseItem) and report.skipped and isinstance(report.longrepr, tuple):
        path, line, _ = item.reportinfo()
        report.longrepr = (str(path), line + 1, report.longrepr[2])
    return report
