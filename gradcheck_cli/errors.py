"""The exception hierarchy, and positions in case files (file:line:column).

Exit codes travel with the exception types: the CLI maps `GradcheckError.exit_code`
and never prints a traceback for one of these.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Position:
    """A place in a case file; `line` and `column` are 1-based, 0 when unknown."""

    file: str
    line: int = 0
    column: int = 0

    def shifted(self, line: int, column: int) -> Position:
        """The position `line`/`column` (1-based) inside a block that starts here."""
        if line == 1:
            return Position(self.file, self.line, self.column + column - 1)
        return Position(self.file, self.line + line - 1, column)

    def __str__(self) -> str:
        if not self.line:
            return self.file
        if not self.column:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a case file: where, what, and what to do."""

    position: Position
    message: str
    hint: str = ""
    case: str = ""

    def __str__(self) -> str:
        text = f"{self.position}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class GradcheckError(Exception):
    """Base of every error gradcheck reports to a user without a traceback."""

    exit_code = 2


class UsageError(GradcheckError):
    """The command line asked for something impossible."""


class CaseFileError(GradcheckError):
    """One or more case files are invalid; carries every problem found, in file order."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ExpressionError(GradcheckError):
    """An expression is outside the contract's language (raised by the parser)."""

    def __init__(self, message: str, line: int, column: int, hint: str = ""):
        self.message, self.line, self.column, self.hint = message, line, column, hint
        super().__init__(f"{line}:{column}: {message}")


class BackendSkip(Exception):
    """A backend cannot run a case (not installed, op or hyperparameter it cannot express)."""
