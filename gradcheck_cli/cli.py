"""The command line: click wiring and exit codes, nothing more (the work is in run.py).

Exit codes: 0 nothing failed or errored, 1 something did, 2 called wrongly or a case was
invalid, 3 an internal error of gradcheck's own, 5 no case selected (`gradcheck run`). A
GradcheckError is printed as its message, never as a traceback; so is anything else,
unless `--debug` asks for the traceback.
"""

from __future__ import annotations

import contextlib
import os
import sys

import click

from . import __version__
from .commands.run_output import silence_stdout
from .errors import GradcheckError
from .results import BACKENDS


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
    from .collect import collect
    from .run import load_all

    found = collect(paths)
    for note in found.skipped:
        click.echo(f"skipped {note}", err=True)
    cases, problems = load_all(found.files)
    for case in cases:
        tags = f"  [{', '.join(case.tags)}]" if case.tags else ""
        rows = [b for b in case.backends if case.program is not None or b == "fd"]
        rows += [impl.row for impl in case.implementations.values()]
        click.echo(f"{case.name}  {case.position}{tags}  backends: {' '.join(rows)}")
    for problem in problems:
        click.echo(str(problem), err=True)
    raise SystemExit(2 if problems else 0)


def _register() -> None:
    """Commands that live in their own modules (each imports only click at load time)."""
    from .commands.authoring import new_command, schema_command
    from .commands.explain import explain_command, plot_command
    from .commands.fuzz import fuzz_command
    from .commands.repro import repro
    from .commands.run import run_command

    commands = (run_command, schema_command, new_command, explain_command, plot_command, repro)
    for command in commands:
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
    except KeyboardInterrupt:
        _say("interrupted")
        code = 130
    except OSError as exc:  # standard output closed or full, for a command that writes there
        silence_stdout()
        _say(f"cannot write the output: {exc.strerror or exc}")
        code = 1
    except Exception as exc:  # a bug in gradcheck itself: said plainly, never a traceback
        if "--debug" in sys.argv:
            raise
        _say(f"internal error: {type(exc).__name__}: {exc} (rerun with --debug for the traceback)")
        code = 3
    from .isolation import shutdown

    shutdown()  # no worker outlives the run
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()
    os._exit(code)


def _say(text: str) -> None:
    with contextlib.suppress(OSError, ValueError):
        click.echo(f"gradcheck: {text}", err=True)
