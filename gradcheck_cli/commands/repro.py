"""`gradcheck repro`: print a case as a self-contained script for one framework, to attach to
a bug report. The work is in the `repro` package, imported when the command runs.
"""

from __future__ import annotations

import difflib
from pathlib import Path

import click

from ..errors import CaseFileError, GradcheckError, UsageError
from .explain import with_cost

_FRAMEWORKS = ("torch", "jax", "tensorflow", "numpy")  # repro.FRAMEWORKS, kept light here


def _choose(path: Path, name: str | None):
    """The case NAME of the file, or its only case; UsageError naming the choices."""
    from ..load import load_file
    from ..run import shape_problems

    cases = load_file(path)
    names = [c.name for c in cases]
    if name is None and len(cases) > 1:
        raise UsageError(
            f"{path} holds {len(cases)} cases ({', '.join(names)}): name one, as in "
            f"`gradcheck repro {path} {names[0]} --backend torch`"
        )
    chosen = cases[0] if name is None else next((c for c in cases if c.name == name), None)
    if chosen is None:
        close = difflib.get_close_matches(name, names, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"its cases: {', '.join(names)}"
        raise UsageError(f"{path} has no case named '{name}' ({hint})")
    problems = shape_problems(chosen)
    if problems:
        raise CaseFileError(problems)
    return with_cost(chosen, str(path))


@click.command("repro")
@click.argument("case_file", type=click.Path())
@click.argument("name", required=False)
@click.option(
    "-b",
    "--backend",
    "framework",
    required=True,
    type=click.Choice(_FRAMEWORKS),
    help="Write the script for this framework (numpy: central differences, no autodiff).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False),
    help="Write the script to this file instead of printing it.",
)
def repro(case_file: str, name: str | None, framework: str, output: str | None) -> None:
    """Print CASE_FILE's case NAME as a short Python script that rebuilds it with one
    framework alone and prints its value, gradients, updated params and costs.

    \b
    Attach it to a bug report for that framework:
      gradcheck repro cases/founding/seed-sliced-cost.yaml --backend torch > repro.py
      python repro.py
    """
    from .. import repro as generator

    try:
        path = Path(case_file)
        if not path.is_file():
            raise UsageError(f"{case_file}: no such case file")
        case = _choose(path, name)
        text = generator.script(case, framework, generator.generated_specs(path, case.name, case))
        if output is None:
            click.echo(text, nl=False)
        else:
            Path(output).write_text(text, encoding="utf-8")
            click.echo(f"wrote {output}: run it with `python {output}`", err=True)
    except OSError as exc:
        click.echo(f"gradcheck: {output}: cannot write: {exc.strerror or exc}", err=True)
        raise SystemExit(2) from None
    except GradcheckError as exc:  # its message, never a traceback, also outside the CLI
        click.echo(f"gradcheck: {exc}", err=True)
        raise SystemExit(exc.exit_code) from None
