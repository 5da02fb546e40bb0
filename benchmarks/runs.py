"""(a) Whole runs, whole process against whole process, and (d) the peak memory of a run.

- `gradcheck run` on the 50 cases of `corpus.py`, all five backends, against the hand-written
  script (`handwritten.py`) on the same 50 expressions: cold (no JAX cache) and with JAX's
  persistent cache warm (GRADCHECK_JAX_CACHE=1, in a temporary XDG_CACHE_HOME);
- `gradcheck --help`, `gradcheck list`, and a numpy + fd run of the 50 cases, against
  `python -c "import numpy"`;
- the peak resident memory (ru_maxrss) of each of those processes, and, in process, the
  peak traced memory of a numpy + fd run of a 10^6-element case over the size of its
  largest array.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from benchmarks import corpus
from benchmarks.timing import Row, Spread, ratio, single

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable


def _gradcheck(*args: str) -> list[str]:
    """The installed `gradcheck` command, as a user runs it (else `python -m gradcheck_cli`)."""
    script = shutil.which("gradcheck")
    return [script, *args] if script else [PYTHON, "-m", "gradcheck_cli", *args]


def commands(folder: Path) -> dict[str, list[str]]:
    return {
        "python -c 'import numpy'": [PYTHON, "-c", "import numpy"],
        "gradcheck --help": _gradcheck("--help"),
        "gradcheck list": _gradcheck("list", str(folder)),
        "gradcheck run -b numpy -b fd": _gradcheck("run", str(folder), "-b", "numpy", "-b", "fd"),
        "gradcheck run (5 backends)": _gradcheck("run", str(folder)),
        "gradcheck run (5 backends, JAX cache warm)": _gradcheck("run", str(folder)),
        "hand-written script": [PYTHON, str(HERE / "handwritten.py")],
    }


def _measure(argv: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds, peak resident MB, and exit code of one whole process."""
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    return seconds, usage.ru_maxrss / 1024, process.returncode


def measure(repeats: int, heavy: bool = True) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Seconds per round of each command, interleaved; the peak MB of each (the largest)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "cases"
        corpus.write(folder)
        cache_home = Path(tmp) / "cache"
        base = {**os.environ, "XDG_CACHE_HOME": str(cache_home), "GRADCHECK_JAX_CACHE": "0"}
        env = {name: base for name in commands(folder)}
        env["gradcheck run (5 backends, JAX cache warm)"] = {**base, "GRADCHECK_JAX_CACHE": "1"}
        chosen = {
            k: v
            for k, v in commands(folder).items()
            if heavy or "5 backends" not in k and "hand" not in k
        }
        if heavy:  # fill the JAX cache once, so that every timed run finds it warm
            _measure(
                chosen["gradcheck run (5 backends, JAX cache warm)"],
                env["gradcheck run (5 backends, JAX cache warm)"],
            )
        times: dict[str, list[float]] = {k: [] for k in chosen}
        peak: dict[str, float] = {k: 0.0 for k in chosen}
        names = list(chosen)
        for r in range(repeats):
            for name in names[r % len(names) :] + names[: r % len(names)]:
                seconds, mb, code = _measure(chosen[name], env[name])
                if code != 0:
                    raise RuntimeError(f"{name} exited {code}")
                times[name].append(seconds)
                peak[name] = max(peak[name], mb)
        return times, peak


def rows(times: dict[str, list[float]], peak: dict[str, float]) -> list[Row]:
    numpy = "python -c 'import numpy'"
    out = []
    for name in ("gradcheck --help", "gradcheck list", "gradcheck run -b numpy -b fd"):
        out.append(
            Row("whole runs", f"{name} / {numpy}", ratio(times, name, numpy), target=("<=", 3.0))
        )
    hand = "hand-written script"
    for name in ("gradcheck run (5 backends)", "gradcheck run (5 backends, JAX cache warm)"):
        if name in times and hand in times:
            out.append(
                Row("whole runs", f"{name} / {hand}", ratio(times, name, hand), target=("<=", 0.5))
            )
    for name, seconds in times.items():
        out.append(Row("whole runs", f"{name}, wall time", Spread.of(seconds), unit="s"))
    for name, mb in peak.items():
        out.append(Row("memory", f"{name}, peak RSS", single(mb), unit="MB"))
    return out


def traced_peak() -> list[Row]:
    """Peak traced memory of a numpy + fd run of a 10^6-element case, in copies of its
    largest array (one 8 MB vector)."""
    from gradcheck_cli.load import load_text
    from gradcheck_cli.run import Options, run_case

    text = (
        "name: memory\nparams: {w: {shape: [1000000], seed: 1}}\n"
        "inputs: {x: {shape: [1000000], seed: 2}}\ncost: sum(tanh(w * x) * exp(w) + w * x)\n"
    )
    (case,) = load_text(text, "<benchmark>")
    largest = case.params["w"].nbytes
    out = []
    for backend in ("numpy", "fd"):
        tracemalloc.start()
        run_case(case, Options(backends=(backend,)))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        what = f"{backend} run of a 10^6-element case (6 ops), traced peak / largest array"
        out.append(Row("memory", what, single(peak / largest), unit="copies"))
    return out
