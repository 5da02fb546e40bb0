"""(b) The engine: forward+backward of gradcheck's NumPy engine, paired with a NumPy forward
alone, HIPS autograd, and (on large arrays) a hand-written NumPy VJP of the same function.

Each function is written three times: as a case (the engine runs the parsed program), in
NumPy (`np` passed in, so HIPS autograd's wrapped NumPy runs the same text), and as a VJP
by hand. All arguments are float64.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.timing import Row, Spread, ratio, rounds
from gradcheck_cli.backends import np_engine
from gradcheck_cli.load import load_text

TINY = (
    "sum(tanh(w * x + b) * exp(-w) + sin(w) * cos(x) + log(1 + w * w) / (2 + x)"
    " - sqrt(b + 1) * w ** 2)"
)
VECTOR = "sum(tanh(w * x) * exp(w))"
MATMUL = "sum(tanh(A @ B))"


def tiny(np: Any, w: Any, b: Any, x: Any) -> Any:
    return np.sum(
        np.tanh(w * x + b) * np.exp(-w)
        + np.sin(w) * np.cos(x)
        + np.log(1 + w * w) / (2 + x)
        - np.sqrt(b + 1) * w**2
    )


def vector(np: Any, w: Any, x: Any) -> Any:
    return np.sum(np.tanh(w * x) * np.exp(w))


def vector_vjp(w: np.ndarray, x: np.ndarray) -> tuple[float, np.ndarray]:
    t = np.tanh(w * x)
    e = np.exp(w)
    return float(np.sum(t * e)), e * ((1 - t * t) * x + t)


def matmul(np: Any, A: Any, B: Any) -> Any:
    return np.sum(np.tanh(A @ B))


def matmul_vjp(A: np.ndarray, B: np.ndarray) -> tuple[float, np.ndarray]:
    t = np.tanh(A @ B)
    return float(np.sum(t)), (1 - t * t) @ B.T


def _case(cost: str, params: str, inputs: str) -> Any:
    text = f"name: bench\nparams: {params}\ninputs: {inputs}\ncost: {cost}\n"
    (case,) = load_text(text, "<benchmark>")
    return case


def _engine(case: Any) -> Callable[[], Any]:
    c = case
    return lambda: np_engine.value_and_grad(c.program, c.params, c.inputs, c.wrt, c.reduce)


def _check(case: Any, grad: dict[str, np.ndarray], name: str) -> None:
    """The candidates compute the same gradient, or the timing means nothing."""
    got = _engine(case)().grads
    for key, value in grad.items():
        np.testing.assert_allclose(got[key], value, rtol=1e-9, atol=1e-12, err_msg=name)


def _tiny_candidates() -> dict[str, Callable[[], Any]]:
    case = _case(TINY, "{w: [0.3, -0.7], b: [0.2, 0.5]}", "{x: [1.5, -0.4]}")
    w, b, x = case.params["w"], case.params["b"], case.inputs["x"]
    out = {"numpy forward": lambda: tiny(np, w, b, x), "gradcheck engine": _engine(case)}
    try:
        import autograd
        import autograd.numpy as anp
    except ImportError:
        return out
    grad = autograd.grad(lambda w, b: tiny(anp, w, b, x), (0, 1))
    _check(case, dict(zip(("w", "b"), grad(w, b), strict=True)), "tiny")
    return {**out, "HIPS autograd": lambda: grad(w, b)}


def _large_candidates(which: str) -> dict[str, Callable[[], Any]]:
    if which == "vector":
        case = _case(VECTOR, "{w: {shape: [1000000], seed: 1}}", "{x: {shape: [1000000], seed: 2}}")
        args, fn, by_hand, name = (case.params["w"], case.inputs["x"]), vector, vector_vjp, "w"
    else:
        gen = "{shape: [1000, 1000], init: uniform, low: -0.05, high: 0.05, seed: %d}"
        case = _case(MATMUL, "{A: %s}" % (gen % 1), "{B: %s}" % (gen % 2))
        args, fn, by_hand, name = (case.params["A"], case.inputs["B"]), matmul, matmul_vjp, "A"
    _check(case, {name: by_hand(*args)[1]}, which)
    out = {
        "numpy forward": lambda: fn(np, *args),
        "hand-written VJP": lambda: by_hand(*args),
        "gradcheck engine": _engine(case),
    }
    try:
        import autograd
        import autograd.numpy as anp
    except ImportError:
        return out
    grad = autograd.value_and_grad(lambda a: fn(anp, a, args[1]))
    return {**out, "HIPS autograd": lambda: grad(args[0])}


def _rows(label: str, times: dict[str, list[float]], tiny: bool) -> list[Row]:
    section = "engine"
    rows = [
        Row(
            section,
            f"{label}: gradcheck engine / numpy forward",
            ratio(times, "gradcheck engine", "numpy forward"),
            target=("<=", 20.0 if tiny else 2.5),
        )
    ]
    for name in ("HIPS autograd", "hand-written VJP"):
        if name in times:
            rows.append(
                Row(
                    section, f"{label}: {name} / numpy forward", ratio(times, name, "numpy forward")
                )
            )
    if "HIPS autograd" in times:
        rows.append(
            Row(
                section,
                f"{label}: HIPS autograd / gradcheck engine",
                ratio(times, "HIPS autograd", "gradcheck engine"),
                target=(">=", 1.5) if tiny else None,
            )
        )
    if "hand-written VJP" in times:
        rows.append(
            Row(
                section,
                f"{label}: gradcheck engine / hand-written VJP",
                ratio(times, "gradcheck engine", "hand-written VJP"),
                target=("<=", 1.15),
            )
        )
    for name, spread in ((n, Spread.of(t)) for n, t in times.items()):
        rows.append(Row(section, f"{label}: {name}, time per call", spread, unit="s"))
    return rows


def run(repeats: int) -> list[Row]:
    """Forward+backward paired with its peers on the tiny graph and on large arrays."""
    rows = []
    for label, candidates in (
        ("tiny (22 ops, 2 elements)", _tiny_candidates()),
        ("1e6-element vectors", _large_candidates("vector")),
        ("1000x1000 matmul", _large_candidates("matmul")),
    ):
        tiny = label.startswith("tiny")
        times = rounds(candidates, repeats * 3 if tiny else repeats)
        rows += _rows(label, times, tiny)
    return rows
