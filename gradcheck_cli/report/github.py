"""GitHub Actions workflow commands: an `::error` annotation at each failing case.

Printed to a step's output, each `::error file=...,line=...::message` line becomes an
annotation on that line of the case file in the pull request. A failing or erroring case
gives one at its position; an invalid case one per problem, at the problem's position;
passing and skipped cases none; a `::notice` with the summary ends the output.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import Position
from ..results import CaseResult, RunResult
from .text import detail_lines, summary

# https://github.com/actions/toolkit/blob/main/packages/core/src/command.ts
_DATA = {"%": "%25", "\r": "%0D", "\n": "%0A"}
_PROPERTY = {**_DATA, ":": "%3A", ",": "%2C"}


def render(run: RunResult) -> str:
    lines = [line for result in run.cases for line in annotations(result)]
    lines.append(command("notice", summary(run), title="gradcheck"))
    return "\n".join(lines) + "\n"


def annotations(result: CaseResult) -> list[str]:
    title = f"gradcheck {result.name}"
    if result.problems:
        return [
            command("error", _problem_text(p.message, p.hint), **_where(p.position), title=title)
            for p in result.problems
        ]
    if result.status not in ("fail", "error"):
        return []
    message = "\n".join(detail_lines(result))
    return [command("error", message, **_where(result.position), title=title)]


def command(name: str, message: str, **properties: str) -> str:
    """`::name key=value,...::message`, escaped as the Actions runner unescapes it."""
    props = ",".join(f"{k}={_escape(str(v), _PROPERTY)}" for k, v in properties.items())
    return f"::{name}{' ' + props if props else ''}::{_escape(message, _DATA)}"


def _where(position: Position) -> dict[str, str]:
    where = {"file": repo_path(position.file)}
    if position.line:
        where["line"] = str(position.line)
    if position.column:
        where["col"] = str(position.column)
    return where


def repo_path(file: str) -> str:
    """An absolute path below the working directory made relative to it, as GitHub wants
    paths from the repository root (where a workflow runs); any other path as it is."""
    path = Path(file)
    if path.is_absolute() and path.is_relative_to(Path.cwd()):
        return path.relative_to(Path.cwd()).as_posix()
    return file


def _problem_text(message: str, hint: str) -> str:
    return f"{message} ({hint})" if hint else message


def _escape(text: str, table: dict[str, str]) -> str:
    # character by character, so the `%` of an escape is never escaped again
    return "".join(table.get(ch, ch) for ch in text)
