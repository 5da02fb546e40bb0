"""`gradcheck run`: its options, its output and its exit code; the work is in run.py.

Exit codes: 0 nothing failed or errored, 1 something did, 2 a wrong call or an invalid case
(the valid ones still run), 5 no case selected (an empty folder, a filter that matches
nothing), as pytest does.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ..errors import UsageError
from ..limits import Limits
from ..results import BACKENDS
from .run_options import isatty, limit_options, limits_from
from .run_output import _Progress, _Say, _write_reports

FORMAT_NAMES = ("text", "json", "junit", "markdown", "github")  # report/formats.py, lazily
NO_CASE = 5


@click.command("run")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "-b",
    "--backend",
    "backends",
    multiple=True,
    type=click.Choice(BACKENDS),
    help="Run only this backend (repeatable).",
)
@click.option("--tag", "tags", multiple=True, help="Run only the cases with this tag (repeatable).")
@click.option(
    "-k",
    "keyword",
    help="Run only the cases whose name contains this text or matches it as a glob.",
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
    help="Check every gradient element with finite differences, or random directions only "
    "(auto: directions above 4096 elements).",
)
@click.option(
    "--fd-method",
    type=click.Choice(["auto", "central", "complex", "richardson"]),
    default="auto",
    show_default=True,
    help="Choose fd's method: the complex step where every op allows it and central "
    "differences elsewhere (auto), or one method for every case.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Run the cases in this many processes.",
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
    help="Write the --format at the same position to this file ('-' for standard output).",
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
    help="Compare with a golden file, and exit 1 if a value moved beyond its recorded tolerance.",
)
@click.option(
    "--import",
    "imports",
    is_flag=True,
    help="Import and run the user's own code that cases name under implementations "
    "(also GRADCHECK_IMPORT=1); without it such a case is an error and nothing is imported.",
)
@limit_options
@click.option(
    "--debug", is_flag=True, help="Run every backend in this process and show tracebacks."
)
def run_command(paths, **given) -> None:
    """Run the cases in PATHS: files, or folders searched for *.yaml and *.yml files.

    Exit codes: 0 when nothing failed or errored, 1 when something did, 2 for a wrong call
    or an invalid case (the valid cases still run), 5 when no case was selected.
    """
    raise SystemExit(_run(paths, limits_from(given), **given))


def _run(paths: tuple[str, ...], limits: Limits, **o: Any) -> int:
    from .. import golden
    from ..collect import collect
    from ..implementations import allowed
    from ..report import text
    from ..run import Options, invalid_results, load_all, run, select
    from ..run import shard as take_shard

    if len(o["formats"]) != len(o["outputs"]):
        raise UsageError("give --format and -o in pairs, e.g. --format junit -o report.xml")
    # text goes to stderr when a report is written to stdout, which then holds it alone
    to_stderr = "-" in o["outputs"]
    say = _Say(to_stderr)
    recorded = golden.load(o["against_path"]) if o["against_path"] else None
    found = collect(paths)
    for note in found.skipped:
        say.line(f"skipped {note}")
    cases, problems = load_all(found.files, limits)
    invalid = invalid_results(problems)
    for result in invalid:
        say.line("\n".join(text.case_lines(result, colour=say.colour)))
    chosen = select(cases, o["tags"], o["keyword"])
    chosen = take_shard(chosen, o["shard"]) if o["shard"] else chosen
    options = Options(
        backends=tuple(o["backends"]) or BACKENDS,
        fail_fast=o["fail_fast"],
        debug=o["debug"],
        backend_options={"fd_mode": o["fd_mode"], "fd_method": o["fd_method"]},
        timeout=limits.timeout or None,
        isolate=True,
        imports=allowed(o["imports"]),
    )
    progress = _Progress(len(chosen)) if isatty(sys.stderr) and len(chosen) > 5 else None

    def show(result) -> None:
        if progress:
            progress.clear()
        say.line("\n".join(text.case_lines(result, verbose=o["verbose"], colour=say.colour)))
        if progress:
            progress.advance()

    if progress:
        progress.draw()
    status = progress.status if progress else None
    outcome = run(chosen, options, show, jobs=o["jobs"], status=status)
    if progress:
        progress.clear()
    left = len(chosen) - len(outcome.cases)
    if left:
        say.line(f"stopped at the first failure (-x): {left} case{'s' * (left != 1)} did not run")
    if not chosen and not invalid:
        say.line(_nothing_selected(found.files, cases, o))
    if invalid:
        count = len(invalid)
        say.line(f"{count} invalid case{'s' * (count != 1)} did not run (listed above)")
    outcome.cases[:0] = invalid
    say.line(text.summary(outcome))
    _write_reports(o["formats"], o["outputs"], outcome)
    code = outcome.exit_code if chosen or invalid else NO_CASE
    if recorded is not None:
        drifts = golden.against(recorded, outcome)
        say.line("\n".join([d.line() for d in drifts] + [golden.summary(drifts)]))
        code = max(code, 1 if any(d.failing for d in drifts) else 0)
    if o["record_path"]:
        golden.write(o["record_path"], outcome)
        say.line(f"recorded the run in {o['record_path']}")
    return code


def _nothing_selected(files: list[Path], cases: list, o: dict[str, Any]) -> str:
    if not files:
        return "no case selected: no *.yaml or *.yml file was found (exit 5)"
    if not cases:
        return "no case selected: no valid case was found (exit 5)"
    filters = [f"--tag {t}" for t in o["tags"]] + ([f"-k {o['keyword']}"] if o["keyword"] else [])
    filters += [f"--shard {o['shard']}"] if o["shard"] else []
    return f"no case selected: {' '.join(filters)} matched none of {len(cases)} cases (exit 5)"
