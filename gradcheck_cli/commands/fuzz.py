"""`gradcheck fuzz`: random programs over the op vocabulary, run on every backend; each
disagreement shrunk and written as a case file. The work is in `gradcheck_cli.fuzz`,
imported when the command runs; see docs/fuzz.md.
"""

from __future__ import annotations

import difflib
import os
import sys
from pathlib import Path

import click

from ..errors import UsageError
from ..results import BACKENDS


def _ops(text: str | None) -> tuple[str, ...]:
    """`--ops sum,exp` as op names (the contract's spellings too: amax is max)."""
    from ..ops import FUNCTION_ALIASES, OPS

    if not text:
        return tuple(OPS)
    chosen = []
    for word in (w.strip() for w in text.split(",") if w.strip()):
        name = FUNCTION_ALIASES.get(word, word)
        if name not in OPS:
            close = difflib.get_close_matches(word, list(OPS), n=1)
            listed = "the functions are listed in docs/case-format.md"
            hint = f"did you mean '{close[0]}'?" if close else listed
            raise UsageError(f"--ops: no op named '{word}' ({hint})")
        chosen.append(name)
    return tuple(dict.fromkeys(chosen))


def _backends(chosen: tuple[str, ...], kinks: bool) -> tuple[tuple[str, ...], str]:
    """The backends to run and the reference: fd, or numpy with --kinks (fd averages the
    slopes either side of a kink), always run so that there is something to compare with."""
    reference = "numpy" if kinks else "fd"
    picked = set(chosen) if chosen else {b for b in BACKENDS if not (kinks and b == "fd")}
    if picked <= {reference}:
        raise UsageError(f"-b: {reference} is the reference; name a backend to compare with it")
    return tuple(b for b in BACKENDS if b in picked | {reference}), reference


def _terminal() -> bool:
    return sys.stderr.isatty()


class _Bar:
    """`[#####-----] 12/50  2 found` on stderr, redrawn in place; only on a terminal."""

    def __init__(self, total: int, colour: bool):
        self.total, self.colour = total, colour
        self.shown = _terminal()

    def draw(self, done: int, found: int) -> None:
        if not self.shown:
            return
        filled = 30 * done // max(self.total, 1)
        bar = "#" * filled + "-" * (30 - filled)
        tail = f"  {found} found" if found else ""
        if tail and self.colour:
            tail = click.style(tail, fg="red")
        click.echo(f"\r[{bar}] {done}/{self.total}{tail}", nl=False, err=True)

    def clear(self) -> None:
        if self.shown:
            click.echo("\r\033[K", nl=False, err=True)


@click.command("fuzz")
@click.option("--count", type=click.IntRange(min=1), default=50, show_default=True,
              help="Generate this many random programs.")  # fmt: skip
@click.option("--seed", type=int, default=0, show_default=True,
              help="The seed: the same seed gives the same programs and findings.")  # fmt: skip
@click.option("-b", "--backend", "chosen", multiple=True, type=click.Choice(BACKENDS),
              help="Run only these backends (repeatable); the reference always runs.")  # fmt: skip
@click.option("--ops", "ops_text", metavar="OP,OP",
              help="Build programs from these ops only (default: all of them).")  # fmt: skip
@click.option("--kinks", is_flag=True,
              help="Draw values at kinks and ties too; the reference is then numpy.")  # fmt: skip
@click.option("-o", "--output-dir", "out", type=click.Path(file_okay=False, path_type=Path),
              default=Path("found"), show_default=True,
              help="Write each disagreement as a case file in this folder.")  # fmt: skip
def fuzz_command(count, seed, chosen, ops_text, kinks, out) -> None:
    """Run COUNT random programs over the op vocabulary on every backend; shrink each
    disagreement and write it to OUTPUT_DIR as a case file.

    \b
    Exit 0 when every backend agreed on every program, 1 when something was found:
      gradcheck fuzz --count 200 --seed 7 -o found/
      gradcheck run found/
    """
    from ..fuzz.session import Config, run

    backends, reference = _backends(chosen, kinks)
    config = Config(count, seed, backends, reference, _ops(ops_text), kinks, out)
    colour = "NO_COLOR" not in os.environ and sys.stdout.isatty()
    bar = _Bar(count, colour)
    seen: list[str] = []

    def progress(done: int, findings: list) -> None:
        bar.clear()
        for finding in findings[len(seen) :]:
            word = "known" if finding.known else "found"
            label = click.style(word, fg="yellow" if finding.known else "red") if colour else word
            click.echo(f"{label} {finding.path}  {finding.what}")
            seen.append(finding.what)
        bar.draw(done, len(findings))

    bar.draw(0, 0)
    summary = run(config, progress)
    bar.clear()
    click.echo(_summary_line(config, summary))
    raise SystemExit(1 if any(not f.known for f in summary.findings) else 0)


def _summary_line(config, summary) -> str:
    by: dict[str, int] = {}
    for finding in summary.findings:
        by[finding.backend] = by.get(finding.backend, 0) + 1
    counts = ", ".join(f"{b} {n}" for b, n in sorted(by.items()))
    known = sum(1 for f in summary.findings if f.known)
    found = f"{len(summary.findings)} found ({counts}) in {config.out}" if by else "nothing found"
    if known:
        found += f"; {known} of them known differences, {len(summary.findings) - known} new"
    return (
        f"fuzz: {summary.programs} programs (seed {config.seed}), "
        f"backends {' '.join(config.backends)} against {config.reference}: {found}"
    )
