"""`gradcheck run`'s output: the line-by-line status, the progress bar, the report files,
and a standard output that may be closed or full without a traceback."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

import click

from ..errors import UsageError
from ..results import RunResult
from .run_options import colour_wanted


class _Say:
    """The text report's lines: on stdout, or on stderr when stdout holds a report. An
    output that cannot be written (closed, a broken pipe, a full disk) is said once on
    stderr and then dropped: the run goes on, and its exit code still tells the result."""

    def __init__(self, to_stderr: bool):
        self.err, self.lost = to_stderr, False
        self.colour = colour_wanted(sys.stderr if to_stderr else sys.stdout)

    def line(self, text: str) -> None:
        if self.lost:
            return
        try:
            click.echo(text, err=self.err)
        except (OSError, ValueError) as exc:  # ValueError: a closed file
            self.lost = True
            silence_stdout()
            why = getattr(exc, "strerror", None) or str(exc)
            with contextlib.suppress(OSError, ValueError):
                click.echo(f"gradcheck: cannot write the report ({why}); it is dropped", err=True)


def silence_stdout() -> None:
    """Standard output to /dev/null from now on, so later writes (and the final flush)
    cannot fail again."""
    with contextlib.suppress(OSError):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.close(null)


def _write_reports(formats: tuple[str, ...], outputs: tuple[str, ...], result: RunResult) -> None:
    from ..report.formats import FORMATS

    for fmt, path in zip(formats, outputs, strict=True):
        report = FORMATS[fmt](result)
        if path == "-":
            click.echo(report, nl=False)
            continue
        try:
            Path(path).write_text(report, encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"{path}: cannot write the {fmt} report: {exc.strerror}") from None


class _Progress:
    """`[#####-----] 12/74 importing tensorflow` on stderr, redrawn in place: only on a
    terminal, never in CI logs; NO_COLOR has no colour to take from it."""

    def __init__(self, total: int):
        self.total, self.done, self.doing, self.width = total, 0, "", 0

    def draw(self) -> None:
        filled = 30 * self.done // max(self.total, 1)
        line = f"[{'#' * filled}{'-' * (30 - filled)}] {self.done}/{self.total} {self.doing}"
        self.clear()
        self.width = len(line)
        click.echo(f"\r{line}", nl=False, err=True)

    def status(self, text: str) -> None:
        self.doing = text
        self.draw()

    def clear(self) -> None:
        if self.width:
            click.echo("\r" + " " * self.width + "\r", nl=False, err=True)
            self.width = 0

    def advance(self) -> None:
        self.done, self.doing = self.done + 1, ""
        self.draw()
