"""`gradcheck plot`: the cost and each param over the optimizer steps, every backend at once.

Each backend runs the case through the shared training loop (`backends.drive`), with its
session wrapped so that the params after every step are kept; the cost is then evaluated
once more at the last params, so the cost and the params have a point at every step
0..steps. matplotlib is imported here only, inside `draw`, through its object-oriented API
and the Agg canvas (no pyplot, so no global backend is set): it is the `plot` extra.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from . import backends, optim
from .errors import BackendSkip, UsageError
from .results import BACKENDS

if TYPE_CHECKING:
    from .case import Case

INSTALL = 'pip install "gradcheck-cli[plot]"'
ELEMENTS = 6  # a param with more elements is drawn as its norm
# One look per backend: agreeing backends overlap exactly, so width, dashes and markers
# keep each visible on top of the others.
STYLES: dict[str, dict[str, Any]] = {
    "numpy": {"color": "#1c7ed6", "linewidth": 5, "alpha": 0.35, "linestyle": "-"},
    "fd": {"color": "#f08c00", "linewidth": 2.5, "linestyle": "--"},
    "torch": {"color": "#e03131", "linewidth": 1.4, "marker": "o", "markersize": 5},
    "jax": {"color": "#2f9e44", "linewidth": 1.4, "linestyle": "-.", "marker": "s"},
    "tensorflow": {"color": "#7048e8", "linewidth": 1.4, "linestyle": ":", "marker": "^"},
}


@dataclass(frozen=True)
class Trail:
    backend: str
    costs: np.ndarray  # the reduced cost at the params after 0, 1, ... steps
    params: dict[str, np.ndarray]  # wrt param -> its values, one row per step 0..steps


@dataclass(frozen=True)
class Trails:
    case: Case
    runs: tuple[Trail, ...]
    missing: tuple[tuple[str, str], ...]  # (backend, why it has no trail)


class _Recorder:
    """A session that keeps its params after every step, for `backends.drive`."""

    def __init__(self, session: Any):
        self.session = session
        self.trail = [session.params()]

    def evaluate(self) -> Any:
        return self.session.evaluate()

    def step(self, evaluation: Any) -> None:
        self.session.step(evaluation)
        self.trail.append(self.session.params())

    def params(self) -> dict[str, np.ndarray]:
        return self.session.params()


def trajectories(case: Case, chosen: Iterable[str] = BACKENDS) -> Trails:
    """Every chosen backend of the case, run for `steps` steps with its params recorded."""
    if case.optimizer is None:
        raise UsageError(
            f"{case.name}: gradcheck plot draws optimizer steps, and this case has no optimizer"
        )
    chosen = set(chosen)
    runs, missing = [], []
    for name in [b for b in BACKENDS if b in chosen and b not in case.backends]:
        missing.append((name, "not in the case's backends"))
    for name in [b for b in BACKENDS if b in case.backends and b in chosen]:
        try:
            runs.append(_trail(name, case))
        except BackendSkip as exc:
            missing.append((name, f"skipped: {exc}"))
        except Exception as exc:  # a framework's own refusal is this backend's result
            missing.append((name, f"error: {type(exc).__name__}: {str(exc).strip()}"))
    return Trails(case, tuple(runs), tuple(missing))


def _trail(name: str, case: Case) -> Trail:
    module = backends.load(name)
    reason = module.unsupported(case)
    if reason:
        raise BackendSkip(reason)
    recorder = _Recorder(module.start(case, {}))
    outcome = backends.drive(recorder, case)
    if outcome.costs is None:
        raise BackendSkip(outcome.info.get("note", "no optimizer steps"))
    last = recorder.evaluate().cost
    params = {k: np.stack([p[k] for p in recorder.trail]) for k in case.wrt}
    return Trail(name, np.append(outcome.costs, last), params)


def _matplotlib() -> tuple[Any, Any]:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError:
        message = f"gradcheck plot needs matplotlib, which is not installed: {INSTALL}"
        raise UsageError(message) from None
    return Figure, FigureCanvasAgg


def require() -> None:
    """Fail early, before any backend runs, when matplotlib is missing."""
    _matplotlib()


def draw(trails: Trails, path: str) -> None:
    """The cost and each param per step, one panel each, every backend in each panel."""
    Figure, FigureCanvasAgg = _matplotlib()
    case = trails.case
    panels = 1 + len(case.wrt)
    cols = min(panels, 3)
    rows = math.ceil(panels / cols)
    figure = Figure(figsize=(5.2 * cols, 3.9 * rows + 0.9), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(rows, cols, squeeze=False).ravel()
    _cost_panel(axes[0], trails)
    for ax, name in zip(axes[1:], case.wrt, strict=False):
        _param_panel(ax, trails, name)
    for ax in axes[panels:]:
        ax.set_visible(False)
    figure.suptitle(_title(trails, 44 * cols), fontsize=11)
    if trails.runs:
        figure.legend(loc="outside lower center", ncols=len(trails.runs), frameon=False)
    figure.savefig(path, dpi=110)


def _steps(trails: Trails) -> np.ndarray:
    return np.arange(trails.case.steps + 1)


def _look(backend: str, steps: int) -> dict[str, Any]:
    return {**STYLES[backend], "markevery": max(1, steps // 12)}


def _cost_panel(ax: Any, trails: Trails) -> None:
    x = _steps(trails)
    for trail in trails.runs:
        ax.plot(x, trail.costs, label=trail.backend, **_look(trail.backend, len(x)))
    ax.set_title(f"cost (reduce: {trails.case.reduce})", fontsize=10)
    _steps_axis(ax)


def _param_panel(ax: Any, trails: Trails, name: str) -> None:
    x = _steps(trails)
    for n, trail in enumerate(trails.runs):
        for label, series in _series(name, trail.params[name]):
            ax.plot(x, series, **_look(trail.backend, len(x)))
            if n == 0:  # each element named once, at its last point
                ax.annotate(label, (x[-1], series[-1]), xytext=(4, 0), fontsize=8,
                            textcoords="offset points", va="center")  # fmt: skip
    shape = trails.runs[0].params[name].shape[1:] if trails.runs else ()
    big = math.prod(shape) > ELEMENTS
    ax.set_title(f"{name}, shape {list(shape)}" + (": its norm" if big else ""), fontsize=10)
    ax.margins(x=0.12)
    _steps_axis(ax)


def _steps_axis(ax: Any) -> None:
    ax.set_xlabel("step")
    ax.xaxis.get_major_locator().set_params(integer=True)  # no step 0.5
    ax.grid(alpha=0.3)


def _series(name: str, values: np.ndarray) -> list[tuple[str, np.ndarray]]:
    """Each element's path (`w[0]`, `w[1]`), or the norm's for a param of many elements."""
    steps = values.shape[0]
    flat = values.reshape(steps, -1).astype(np.float64)
    if flat.shape[1] > ELEMENTS:
        return [(f"|{name}|", np.linalg.norm(flat, axis=1))]
    if values.ndim == 1:
        return [(name, flat[:, 0])]
    indices = list(np.ndindex(values.shape[1:]))
    return [(f"{name}[{', '.join(map(str, i))}]", flat[:, k]) for k, i in enumerate(indices)]


def _title(trails: Trails, width: int) -> str:
    case = trails.case
    spec = case.optimizer
    every = optim.hyperparameters(spec.name, spec.hparams)  # the defaults too: all are passed
    hparams = ", ".join(f"{k}={v}" for k, v in every.items())
    lines = [f"{case.name}: {spec.name}({hparams}), {case.steps} steps, {case.dtype}"]
    if trails.missing:
        lines.append("not drawn: " + "; ".join(f"{b} ({why})" for b, why in trails.missing))
    return "\n".join(_wrap(line, width) for line in lines)


def _wrap(text: str, width: int) -> str:
    words, lines, line = text.split(" "), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}" if line else word
    return "\n".join(lines + [line])
