"""(c) The oracle: gradcheck's fd backend paired with `torch.autograd.gradcheck` (full mode,
float64, the same function) and numdifftools' Gradient, at n = 10, 100, 1000; the accuracy
of each method against the exact gradient; the directional mode on a 10^6-element param.

Two functions of one float64 vector x (c is a constant vector of the same length, W an
n x n constant): SMOOTH, 22 elementwise ops, and COUPLED, `sum(tanh(W @ x))`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.timing import Row, Spread, ratio, rounds, single
from gradcheck_cli.backends import np_engine
from gradcheck_cli.backends.fd import FdSession
from gradcheck_cli.load import load_text

SMOOTH = (
    "sum(tanh(x * c + 0.5) * exp(-x) + sin(x) * cos(c) + log(1 + x * x) / (2 + c)"
    " - sqrt(c * c + 1) * x ** 2)"
)
COUPLED = "sum(tanh(W @ x))"
SIZES = (10, 100, 1000)


def smooth(np: Any, x: Any, c: Any) -> Any:
    return np.sum(
        np.tanh(x * c + 0.5) * np.exp(-x)
        + np.sin(x) * np.cos(c)
        + np.log(1 + x * x) / (2 + c)
        - np.sqrt(c * c + 1) * x**2
    )


def coupled(np: Any, x: Any, W: Any) -> Any:
    return np.sum(np.tanh(W @ x))


def case_for(which: str, n: int) -> Any:
    gen = "{shape: [%s], init: uniform, low: -1, high: 1, seed: %d}"
    if which == "smooth":
        params, inputs, cost = "{x: %s}" % (gen % (n, 1)), "{c: %s}" % (gen % (n, 2)), SMOOTH
    else:
        params, inputs, cost = (
            "{x: %s}" % (gen % (n, 1)),
            "{W: %s}" % (gen % (f"{n}, {n}", 2)),
            COUPLED,
        )
    text = f"name: oracle-{which}-{n}\nparams: {params}\ninputs: {inputs}\ncost: {cost}\n"
    (case,) = load_text(text, "<benchmark>")
    return case


def _fd(case: Any, **options: Any) -> Callable[[], Any]:
    options = {"fd_mode": "full", **options}
    return lambda: FdSession(case, options).evaluate()


def _torch_gradcheck(which: str, case: Any) -> Callable[[], Any] | None:
    try:
        import torch
    except ImportError:
        return None
    const = {k: torch.from_numpy(v) for k, v in case.inputs.items()}
    x = torch.from_numpy(case.params["x"].copy()).requires_grad_(True)
    fn = smooth if which == "smooth" else coupled

    def check() -> bool:
        return torch.autograd.gradcheck(lambda x: fn(torch, x, *const.values()), (x,))

    return check


def _numdifftools(which: str, case: Any) -> Callable[[], Any] | None:
    try:
        import numdifftools as nd
    except ImportError:
        return None
    (const,) = case.inputs.values()
    fn = smooth if which == "smooth" else coupled
    gradient = nd.Gradient(lambda x: fn(np, x, const))
    return lambda: gradient(case.params["x"])


def timing_rows(repeats: int, sizes: tuple[int, ...] = SIZES) -> list[Row]:
    """fd paired with torch.autograd.gradcheck (full mode) and numdifftools, per size."""
    rows = []
    for which in ("smooth", "coupled"):
        for n in sizes:
            times = rounds(_candidates(which, n), repeats if n < 1000 else max(3, repeats // 2))
            rows += _timing_rows(f"{which}, n={n}", times)
    return rows


def _candidates(which: str, n: int) -> dict[str, Callable[[], Any]]:
    case = case_for(which, n)
    candidates = {
        "fd auto": _fd(case),
        "fd central": _fd(case, fd_method="central"),
        "fd central, looped": _fd(case, fd_method="central", fd_batch=False),
        "torch.autograd.gradcheck": _torch_gradcheck(which, case),
        # numdifftools takes minutes at n = 1000: it is paired up to n = 100
        "numdifftools.Gradient": _numdifftools(which, case) if n <= 100 else None,
    }
    return {k: v for k, v in candidates.items() if v is not None}


def _timing_rows(label: str, times: dict[str, list[float]]) -> list[Row]:
    rows = []
    for peer in ("torch.autograd.gradcheck", "numdifftools.Gradient"):
        for mine in ("fd auto", "fd central"):
            if peer in times:
                target = (">=", 1.0) if peer.startswith("torch") else None
                rows.append(
                    Row(
                        "oracle",
                        f"{label}: {peer} / {mine}",
                        ratio(times, peer, mine),
                        target=target,
                    )
                )
    looped = ratio(times, "fd central, looped", "fd central")
    rows.append(Row("oracle", f"{label}: fd central looped / batched", looped))
    rows.append(Row("oracle", f"{label}: fd auto, time", Spread.of(times["fd auto"]), unit="s"))
    return rows


def accuracy_rows(n: int = 100) -> list[Row]:
    """The worst relative error of each method against the exact gradient: per element, and
    relative to the gradient's largest element."""
    rows = []
    for which in ("smooth", "coupled"):
        case = case_for(which, n)
        exact = np_engine.value_and_grad(case.program, case.params, case.inputs, ("x",), "none")
        exact = exact.grads["x"]
        found = {
            f"fd {m}": FdSession(case, {"fd_mode": "full", "fd_method": m}).evaluate().grads["x"]
            for m in ("complex", "central", "richardson")
        }
        nd = _numdifftools(which, case)
        if nd is not None:
            found["numdifftools.Gradient"] = nd()
        for name, got in found.items():
            target = ("<=", 1e-13) if name == "fd complex" else None
            for how, error in (
                ("per element", _relative(got, exact)),
                ("of the largest", _normwise(got, exact)),
            ):
                what = f"{which}, n={n}: {name}, max error {how}"
                rows.append(Row("oracle accuracy", what, single(error), unit="rel", target=target))
    return rows


def _relative(got: np.ndarray, exact: np.ndarray) -> float:
    return float(np.max(np.abs(got - exact) / np.maximum(np.abs(exact), 1e-300)))


def _normwise(got: np.ndarray, exact: np.ndarray) -> float:
    return float(np.max(np.abs(got - exact)) / np.max(np.abs(exact)))


def directional_rows(repeats: int = 3) -> list[Row]:
    """The directional mode on a 10^6-element param: seconds per evaluation, by method."""
    text = (
        "name: directional\nparams: {w: {shape: [1000000], seed: 1}}\n"
        "inputs: {x: {shape: [1000000], seed: 2}}\ncost: sum(tanh(w * x) * exp(w))\n"
    )
    (case,) = load_text(text, "<benchmark>")
    candidates = {
        method: _fd(case, fd_mode="directional", fd_method=method) for method in ("auto", "central")
    }
    times = rounds(candidates, repeats)
    return [
        Row(
            "oracle",
            f"directional mode, 10^6 elements, 4 directions, fd {m}",
            Spread.of(t),
            "s",
            ("<=", 10.0),
        )
        for m, t in times.items()
    ]
