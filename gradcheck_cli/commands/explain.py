"""`gradcheck explain` and `gradcheck plot`: the click wrappers of explain, graph and plot.

Both take a case file and, where it holds several cases, the name of one. The work is in
the `explain` package, `graph.py` and `plot.py`, imported when a command runs.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..errors import CaseFileError, GradcheckError, UsageError
from ..results import BACKENDS

_FORMATS = ("text", "dot", "svg", "png")
_COMPARE = ("fd", "torch", "jax", "tensorflow")


def _reported(command: Callable[..., None]) -> Callable[..., None]:
    """A GradcheckError as its message and exit code (2), never a traceback, also where the
    command runs outside gradcheck's own group (as in tests)."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except GradcheckError as exc:
            click.echo(f"gradcheck: {exc}", err=True)
            raise SystemExit(exc.exit_code) from None

    return run


def load_case(path: str, name: str | None) -> Any:
    """The case `name` of the file at `path`, or its only case; every problem of that case
    (or of the file) as a CaseFileError."""
    from ..run import load_all

    cases, problems = load_all([Path(path)])
    problems = [p for p in problems if name is None or p.case in ("", name)]
    if problems:
        raise CaseFileError(problems)
    names = [c.name for c in cases]
    if name is not None:
        if name not in names:
            raise UsageError(f"{path}: no case named '{name}' (its cases: {', '.join(names)})")
        return with_cost(cases[names.index(name)], path)
    if len(cases) != 1:
        listed = ", ".join(names) if names else "none"
        raise UsageError(f"{path} holds {len(cases)} cases ({listed}): name one after the file")
    return with_cost(cases[0], path)


def with_cost(case: Any, path: str) -> Any:
    """The case, if it has mathematics to walk through; UsageError if it has no `cost`."""
    if case.program is None:
        raise UsageError(
            f"{path}: case '{case.name}' has no cost, only implementations: there is no "
            "program to show. Add the mathematics as `cost:`, or check the implementations "
            "with `gradcheck run --import`"
        )
    return case


@click.command("explain")
@click.argument("case_file", type=click.Path(exists=True, dir_okay=False))
@click.argument("name", required=False)
@click.option(
    "--step",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Explain the gradient at the params after N optimizer steps (numpy engine).",
)
@click.option(
    "--compare",
    "against",
    type=click.Choice(_COMPARE),
    help="Put a backend's gradients (and its adjoints of every node) beside the engine's.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(_FORMATS),
    default="text",
    show_default=True,
    help="Write plain text, Graphviz DOT, or a picture rendered by Graphviz's dot (svg, png).",
)
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write to this file.")
@_reported
def explain_command(case_file, name, step, against, fmt, output) -> None:
    """Walk through the reverse pass of a case, node by node.

    Prints each node's value (forward), then each node's adjoint as the chain-rule product
    that gives it, numbers substituted (backward), then the gradient of each param.
    """
    from .. import explain, graph

    case = load_case(case_file, name)
    walk = explain.walkthrough(case, step)
    comparison = explain.compare_with(against, walk) if against else None
    if fmt == "text":
        _emit(explain.render(walk, comparison), output)
    elif fmt == "dot":
        _emit(graph.dot(walk, comparison), output)
    elif fmt == "png" and output is None:
        raise UsageError("--format png writes an image: give the file with -o FILE.png")
    else:
        picture = graph.render(graph.dot(walk, comparison), fmt, output)
        _emit(None if output else picture.decode(), None)  # an SVG without -o: to stdout
    if output is not None:
        click.echo(f"wrote {output}", err=True)


def _emit(text: str | None, output: str | None) -> None:
    if text is None:
        return
    if output is None:
        click.echo(text, nl=False)
    else:
        Path(output).write_text(text, encoding="utf-8")


@click.command("plot")
@click.argument("case_file", type=click.Path(exists=True, dir_okay=False))
@click.argument("name", required=False)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False),
    help="Write the image to this file: FILE.png (or .svg, .pdf).",
)
@click.option(
    "-b",
    "--backend",
    "chosen",
    multiple=True,
    type=click.Choice(BACKENDS),
    help="Draw only these backends (repeatable).",
)
@_reported
def plot_command(case_file, name, output, chosen) -> None:
    """Draw the cost and each param per optimizer step, for every backend, on one figure."""
    from .. import plot

    plot.require()
    case = load_case(case_file, name)
    trails = plot.trajectories(case, chosen or BACKENDS)
    plot.draw(trails, output)
    drawn = " ".join(t.backend for t in trails.runs) or "no backend"
    click.echo(f"wrote {output}: {drawn}")
    for backend, why in trails.missing:
        click.echo(f"  {backend}: {why}")
