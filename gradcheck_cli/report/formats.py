"""The report formats by name: each renders a whole run as text, for `--format NAME`."""

from __future__ import annotations

from collections.abc import Callable

from ..results import RunResult
from . import github, json_report, junit, markdown
from .text import case_lines, summary


def text_report(run: RunResult) -> str:
    """The terminal report without colour, for a file."""
    lines = [line for result in run.cases for line in case_lines(result)]
    return "\n".join([*lines, summary(run)]) + "\n"


FORMATS: dict[str, Callable[[RunResult], str]] = {
    "text": text_report,
    "json": json_report.render,
    "junit": junit.render,
    "markdown": markdown.render,
    "github": github.render,
}
