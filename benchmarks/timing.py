"""Paired timing: candidates measured side by side, interleaved, and compared round by round.

On a noisy machine (2 shared cores) absolute times drift by 2x within a minute; a ratio of
two timings taken back to back in the same round does not. Every round runs each candidate
once (in a rotated order, so none always goes first), and a ratio is the median over rounds
of the per-round ratio, reported with its min-max.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Spread:
    """A median with the min and max it came from."""

    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: list[float]) -> Spread:
        return cls(statistics.median(values), min(values), max(values))

    def ratio(self) -> str:
        return f"{self.median:.2f}x ({self.low:.2f}-{self.high:.2f})"

    def seconds(self) -> str:
        return f"{_time(self.median)} ({_time(self.low)}-{_time(self.high)})"


@dataclass(frozen=True)
class Row:
    """One line of the table: a measured figure and, where the issue sets one, its target."""

    section: str
    what: str
    figure: Spread
    unit: str = "x"  # "x" a ratio, "s" seconds, "rel" a relative error, "copies", "MB"
    target: tuple[str, float] | None = None  # ("<=", 3.0) or (">=", 1.5)

    @property
    def met(self) -> str:
        if self.target is None:
            return ""
        op, bound = self.target
        ok = self.figure.median <= bound if op == "<=" else self.figure.median >= bound
        return "yes" if ok else "NO"

    def shown(self) -> str:
        if self.unit == "x":
            return self.figure.ratio()
        if self.unit == "s":
            return self.figure.seconds()
        if self.figure.low == self.figure.high:
            return f"{self.figure.median:.3g} {self.unit}"
        f = self.figure
        return f"{f.median:.3g} {self.unit} ({f.low:.3g}-{f.high:.3g})"

    def goal(self) -> str:
        if self.target is None:
            return ""
        unit = {"x": "x", "s": " s", "rel": "", "copies": " copies", "MB": " MB"}[self.unit]
        return f"{self.target[0]} {self.target[1]:g}{unit}"


def single(value: float) -> Spread:
    return Spread(value, value, value)


def _time(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.1f} us"


def per_call(fn: Callable[[], object], number: int) -> float:
    """Seconds per call of `fn`, over `number` calls."""
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def calls_for(fn: Callable[[], object], budget: float = 0.02) -> int:
    """How many calls of `fn` take about `budget` seconds (at least 1)."""
    fn()  # warm: first-call costs (imports, caches) are not what a round measures
    once = per_call(fn, 1)
    return max(1, int(budget / max(once, 1e-9)))


def rounds(candidates: Mapping[str, Callable[[], object]], repeats: int) -> dict[str, list[float]]:
    """Seconds per call of each candidate, round by round, interleaved."""
    names = list(candidates)
    number = {name: calls_for(fn) for name, fn in candidates.items()}
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(repeats):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            times[name].append(per_call(candidates[name], number[name]))
    return times


def ratio(times: Mapping[str, list[float]], top: str, bottom: str) -> Spread:
    """The per-round ratio top / bottom, as a Spread."""
    return Spread.of([a / b for a, b in zip(times[top], times[bottom], strict=True)])


def machine() -> str:
    """CPU model, cores, Python and OS: what the figures were measured on."""
    model = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as info:
            names = [line.split(":", 1)[1].strip() for line in info if "model name" in line]
        model = names[0] if names else model
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    threads = [f"{k}={os.environ[k]}" for k in _THREADS if k in os.environ] or ["default threads"]
    return (
        f"{model}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.system()} {platform.release()}, {', '.join(threads)}, "
        f"load average {load:.1f} at start"
    )


_THREADS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def process_seconds(argv: list[str], env: Mapping[str, str] | None = None) -> float:
    """Wall time of a whole process, start to exit; its output is discarded."""
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
    return time.perf_counter() - start
