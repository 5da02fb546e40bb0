"""The command line: click wiring and exit codes, nothing more (the work is in run.py).

Exit codes: 0 nothing failed or errored, 1 something did, 2 called wrongly or a case file
could not be read. A GradcheckError is printed as its message, never as a traceback;
`--debug` re-raises with the traceback.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from . import __version__
from .errors import GradcheckError, UsageError
from .results import BACKENDS, RunResult

FORMAT_NAMES = ("text", "json", "junit", "markdown", "github")  # report/formats.py, lazily


def _colour() -> bool:
    return "NO_COLOR" not in os.environ and sys.stdout.isatty()


class _Group(click.Group):
    """Maps a GradcheckError to its message and exit code, for every command."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except GradcheckError as exc:
            click.echo(f"gradcheck: {exc}", err=True)
            ctx.exit(exc.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="gradcheck")
def cli() -> None:
    """Check gradients across NumPy, PyTorch, JAX, TensorFlow and finite differences."""


@cli.command("run")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "-b",
    "--backend",
    "backends",
    multiple=True,
    type=click.Choice(BACKENDS),
    help="Run only these backends (repeatable).",
)
@click.option("--tag", "tags", multiple=True, help="Run only cases with this tag (repeatable).")
@click.option(
    "-k", "keyword", help="Run only cases whose name contains this text (or matches it as a glob)."
)
@click.option(
    "-x",
    "--exitfirst",
    "fail_fast",
    is_flag=True,
    help="Stop at the first failing or erroring case.",
)
@click.option("-v", "--verbose", is_flag=True, help="Show every value, for passing cases too.")
@click.option(
    "--fd-mode",
    type=click.Choice(["auto", "full", "directional"]),
    default="auto",
    show_default=True,
    help="Finite differences per element, or along random directions (auto: above 4096 elements).",
)
@click.option(
    "--fd-method",
    type=click.Choice(["auto", "central", "complex", "richardson"]),
    default="auto",
    show_default=True,
    help="fd's method: the complex step where every op allows it (auto), central "
    "differences, complex, or Richardson extrapolation.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Run cases in this many processes (each imports a framework once).",
)
@click.option("--shard", metavar="K/N", help="Run only the stable slice K of N (a CI matrix).")
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(FORMAT_NAMES),
    help="Also write the report in this format (repeatable; pair each with -o).",
)
@click.option(
    "-o",
    "--output",
    "outputs",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="The file for the --format at the same position ('-' for standard output).",
)
@click.option(
    "--record",
    "record_path",
    type=click.Path(dir_okay=False),
    help="Write what every backend gave to this golden file (JSON).",
)
@click.option(
    "--against",
    "against_path",
    type=click.Path(dir_okay=False),
    help="Compare with a golden file; exit 1 if a value moved beyond its recorded tolerance.",
)
@click.option("--debug", is_flag=True, help="Re-raise backend errors with their traceback.")
def run_command(
    paths,
    record_path,
    against_path,
    backends,
    tags,
    keyword,
    fail_fast,
    verbose,
    fd_mode,
    fd_method,
    jobs,
    shard,
    formats,
    outputs,
    debug,
) -> None:
    """Run the cases in PATHS (files, or folders searched for *.yaml / *.yml)."""
    from . import golden
    from .report import text
    from .run import Options, collect, invalid_results, load_all, run, select
    from .run import shard as take_shard

    if len(formats) != len(outputs):
        raise UsageError("give --format and -o in pairs, e.g. --format junit -o report.xml")
    recorded = golden.load(against_path) if against_path else None  # a bad file: exit 2 now
    cases, problems = load_all(collect(paths))
    colour = _colour()
    # an invalid case is an error of its own; the valid ones still run (exit 2 at the end)
    invalid = invalid_results(problems)
    for result in invalid:
        click.echo("\n".join(text.case_lines(result, colour=colour)))
    chosen = select(cases, tags, keyword)
    chosen = take_shard(chosen, shard) if shard else chosen
    options = Options(
        backends=tuple(backends) or BACKENDS,
        fail_fast=fail_fast,
        debug=debug,
        backend_options={"fd_mode": fd_mode, "fd_method": fd_method},
    )

    progress = _Progress(len(chosen)) if colour and len(chosen) > 5 else None

    def show(result) -> None:
        if progress:
            progress.clear()
        click.echo("\n".join(text.case_lines(result, verbose=verbose, colour=colour)))
        if progress:
            progress.advance()

    if progress:
        progress.draw()
    outcome = run(chosen, options, show, jobs=jobs)
    if progress:
        progress.clear()
    if not chosen:
        click.echo("no case selected")
    if invalid:
        count = len(invalid)
        click.echo(f"{count} invalid case{'s' * (count != 1)} did not run (listed above)")
    outcome.cases[:0] = invalid
    click.echo(text.summary(outcome))
    _write_reports(formats, outputs, outcome)
    exit_code = outcome.exit_code
    if recorded is not None:
        drifts = golden.against(recorded, outcome)
        click.echo("\n".join([d.line() for d in drifts] + [golden.summary(drifts)]))
        exit_code = max(exit_code, 1 if any(d.failing for d in drifts) else 0)
    if record_path:
        golden.write(record_path, outcome)
        click.echo(f"recorded the run in {record_path}")
    raise SystemExit(exit_code)


def _write_reports(formats: tuple[str, ...], outputs: tuple[str, ...], result: RunResult) -> None:
    from .report.formats import FORMATS

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
    """`[12/74]` on stderr, redrawn in place: only on a terminal, never in CI logs."""

    def __init__(self, total: int):
        self.total, self.done = total, 0

    def draw(self) -> None:
        width = 30
        filled = width * self.done // max(self.total, 1)
        bar = "#" * filled + "-" * (width - filled)
        click.echo(f"\r[{bar}] {self.done}/{self.total}", nl=False, err=True)

    def clear(self) -> None:
        click.echo("\r\033[K", nl=False, err=True)

    def advance(self) -> None:
        self.done += 1
        self.draw()


@cli.command("backends")
def backends_command() -> None:
    """Show each backend: available or not, its framework's version, its device."""
    from .backends import describe

    rows = [describe(name) for name in BACKENDS]
    click.echo(f"{'backend':<11} {'available':<10} {'device':<8} version")
    for row in rows:
        available = "yes" if row["available"] else "no"
        version = row["version"] or row["note"]
        click.echo(f"{row['backend']:<11} {available:<10} {row['device'] or '-':<8} {version}")


@cli.command("list")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
def list_command(paths) -> None:
    """List the cases in PATHS with their tags and backends."""
    from .run import collect, load_all

    cases, problems = load_all(collect(paths))
    for case in cases:
        tags = f"  [{', '.join(case.tags)}]" if case.tags else ""
        click.echo(f"{case.name}  {case.position}{tags}  backends: {' '.join(case.backends)}")
    for problem in problems:
        click.echo(str(problem), err=True)
    raise SystemExit(2 if problems else 0)


def _register() -> None:
    """Commands that live in their own modules (each imports only click at load time)."""
    from .commands.authoring import new_command, schema_command
    from .commands.explain import explain_command, plot_command
    from .commands.fuzz import fuzz_command
    from .commands.repro import repro

    for command in (schema_command, new_command, explain_command, plot_command, repro):
        cli.add_command(command)
    cli.add_command(fuzz_command)


_register()


def main() -> None:
    """The console script. After the output is flushed it leaves with os._exit: tearing
    down an interpreter that imported TensorFlow, JAX and PyTorch costs over a second."""
    try:
        # without standalone mode, click returns the code of a ctx.exit() instead of raising
        result = cli.main(prog_name="gradcheck", standalone_mode=False)
        code = result if isinstance(result, int) else 0
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
    except click.exceptions.Abort:
        click.echo("Aborted!", err=True)
        code = 1
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
