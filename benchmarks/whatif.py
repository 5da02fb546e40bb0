"""Two ways to use a second core, paired: `gradcheck run -j 2` (the cases shared by two
worker processes, each importing every framework it meets) and the backends split across
two processes (TensorFlow's import and cases beside the other four backends', which the
command line does not offer; measured as two `gradcheck run -b ...` at once); and the
interpreter teardown that `gradcheck`'s `os._exit` saves.

Each variant runs the 50 cases of `corpus.py` as whole processes, interleaved with the
plain `gradcheck run` and the hand-written script, as `runs.py` does. The teardown is the
difference between importing the three frameworks and exiting normally, and the same
with `os._exit`. `python benchmarks/run.py whatif` prints the table (not part of the
default run).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks import corpus
from benchmarks.runs import HERE, PYTHON, _gradcheck
from benchmarks.timing import Row, Spread, ratio

SPLIT = (("numpy", "fd", "torch", "jax"), ("tensorflow",))
# the three frameworks imported and used once, then a normal exit or os._exit: the teardown
FRAMEWORKS = (
    "import jax.numpy as jnp, tensorflow as tf, torch\n"
    "jnp.ones(3).sum(); tf.ones(3); torch.ones(3)\n"
)
TEARDOWN = {
    "import 3 frameworks, exit": [[PYTHON, "-c", FRAMEWORKS]],
    "import 3 frameworks, os._exit": [[PYTHON, "-c", FRAMEWORKS + "import os; os._exit(0)"]],
}


def _run(commands: list[list[str]], env: dict[str, str]) -> float:
    """Wall seconds until every command (started together) has exited; each must exit 0."""
    start = time.perf_counter()
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
    processes = [subprocess.Popen(argv, **quiet) for argv in commands]
    codes = [p.wait() for p in processes]
    if any(codes):
        raise RuntimeError(f"{commands} exited {codes}")
    return time.perf_counter() - start


# the three frameworks imported and used once, then a normal exit or os._exit: the teardown
FRAMEWORKS = (
    "import jax.numpy as jnp, tensorflow as tf, torch\n"
    "jnp.ones(3).sum(); tf.ones(3); torch.ones(3)\n"
)
TEARDOWN = {
    "import 3 frameworks, exit": [[PYTHON, "-c", FRAMEWORKS]],
    "import 3 frameworks, os._exit": [[PYTHON, "-c", FRAMEWORKS + "import os; os._exit(0)"]],
}


def variants(folder: Path) -> dict[str, list[list[str]]]:
    where = str(folder)
    split = [[*_gradcheck("run", where), *(a for b in part for a in ("-b", b))] for part in SPLIT]
    return {
        "gradcheck run": [_gradcheck("run", where)],
        "gradcheck run -j 2 (cases in 2 processes)": [_gradcheck("run", where, "-j", "2")],
        "backends in 2 processes": split,
        "hand-written script": [[PYTHON, str(HERE / "handwritten.py")]],
        **TEARDOWN,
    }


def run(repeats: int) -> list[Row]:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "cases"
        corpus.write(folder)
        env = {**os.environ, "XDG_CACHE_HOME": str(Path(tmp) / "cache")}
        chosen = variants(folder)
        names = list(chosen)
        times: dict[str, list[float]] = {k: [] for k in names}
        for r in range(repeats):
            for name in names[r % len(names) :] + names[: r % len(names)]:
                times[name].append(_run(chosen[name], env))
    hand, plain = "hand-written script", "gradcheck run"
    runs = [n for n in names if n not in TEARDOWN]
    rows = [
        Row("what if", f"{name} / {hand}", ratio(times, name, hand), target=("<=", 0.5))
        for name in runs
        if name != hand
    ]
    rows += [
        Row("what if", f"{name} / {plain}", ratio(times, name, plain))
        for name in runs
        if name not in (hand, plain)
    ]
    exit_, fast = TEARDOWN
    teardown = Spread.of([a - b for a, b in zip(times[exit_], times[fast], strict=True)])
    rows.append(Row("what if", "interpreter teardown of the 3 frameworks", teardown, unit="s"))
    rows += [Row("what if", f"{n}, wall time", Spread.of(t), unit="s") for n, t in times.items()]
    return rows
