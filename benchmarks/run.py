"""The benchmark suite in one command: `python benchmarks/run.py` prints one table of
figures, each paired with its peer side by side in this one run (medians, with min-max over
rounds), its target from issue 6, and whether the target is met.

Sections: `runs` (whole processes, against the hand-written script and `import numpy`;
peak memory), `engine` (the numpy engine against HIPS autograd, a NumPy forward and a
hand-written VJP), `oracle` (fd against torch.autograd.gradcheck and numdifftools; the
accuracy of each method; the directional mode), `memory` (traced peak of a large run);
`whatif`, on request only, measures running the backends in two processes (`--jobs 2`,
before the command line has it) and the interpreter teardown that `os._exit` saves.
Peers that are not installed are left out of the table (see benchmarks/requirements.txt).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import engine, higher, oracle, runs, whatif  # noqa: E402
from benchmarks.timing import Row, machine  # noqa: E402

SECTIONS = ("runs", "engine", "oracle", "higher", "memory")
EXTRA = ("whatif",)  # measured on request only


def _section(name: str, repeats: int, quick: bool) -> list[Row]:
    if name == "runs":
        times, peak = runs.measure(max(3, repeats // 3), heavy=not quick)
        return runs.rows(times, peak)
    if name == "engine":
        return engine.run(repeats)
    if name == "whatif":
        return whatif.run(max(3, repeats // 3))
    if name == "higher":
        sizes = (10,) if quick else higher.SIZES
        return higher.timing_rows(repeats, sizes) + higher.accuracy_rows()
    if name == "oracle":
        sizes = (10, 100) if quick else oracle.SIZES
        found = oracle.timing_rows(repeats, sizes) + oracle.accuracy_rows()
        return found + oracle.directional_rows(max(2, repeats // 3))
    return runs.traced_peak()


def table(rows: list[Row], markdown: bool) -> str:
    header = ("section", "figure", "measured", "target", "met")
    cells = [(r.section, r.what, r.shown(), r.goal(), r.met) for r in rows]
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        return "\n".join(lines + ["| " + " | ".join(c) + " |" for c in cells])
    widths = [max(len(str(c[i])) for c in [header, *cells]) for i in range(len(header))]
    return "\n".join(
        "  ".join(str(c[i]).ljust(widths[i]) for i in range(5)).rstrip() for c in [header, *cells]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sections", nargs="*", help=f"any of {', '.join(SECTIONS)} (default: all)")
    parser.add_argument("--repeats", type=int, default=9, help="rounds per pairing (default 9)")
    parser.add_argument("--quick", action="store_true", help="skip the slowest pairings")
    parser.add_argument("--markdown", action="store_true", help="print a Markdown table")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.sections) - set(SECTIONS + EXTRA))
    if unknown:
        parser.error(f"unknown section(s) {', '.join(unknown)}: choose from {', '.join(SECTIONS)}")
    print(f"machine: {machine()}")
    started = time.perf_counter()
    rows: list[Row] = []
    for name in args.sections or SECTIONS:
        rows += _section(name, args.repeats, args.quick)
        print(f"  {name}: done after {time.perf_counter() - started:.0f} s", file=sys.stderr)
    print(table(rows, args.markdown))
    return 0


if __name__ == "__main__":
    sys.exit(main())
