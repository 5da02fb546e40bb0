"""(f) jvp and hvp (v2 `checks`): what gradcheck's check of a forward-mode and a
second-order derivative costs against PyTorch's own checks of them, on the oracle's two
functions (oracle.SMOOTH, 22 elementwise ops, and oracle.COUPLED, sum(tanh(W @ x))).

Paired, as every section is (timing.rounds):
- `gradcheck jvp`: the numpy engine's jvp (its tangent program) and fd's (the complex
  step, or central differences), what a `checks: [jvp]` case computes for those two
  backends, against `torch.autograd.gradcheck(..., check_forward_ad=True)` (forward-mode
  AD against numerical Jacobians, full mode, float64);
- `gradcheck hvp`: the engine's hvp (reverse over its tangent program) and fd's (the
  complex step of a central difference), against `torch.autograd.gradgradcheck`.
The accuracy rows give the worst error of the engine's and fd's hvp against torch's
double backward, relative to its largest element.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.oracle import case_for, coupled, smooth
from benchmarks.timing import Row, ratio, rounds, single
from gradcheck_cli.backends.fd import FdSession
from gradcheck_cli.backends.np_engine import NumpySession

SIZES = (10, 100)


def _tangent(case: Any) -> dict[str, np.ndarray]:
    return {"x": np.random.default_rng(1000).normal(size=case.params["x"].shape)}


def _gradcheck(case: Any, check: str) -> Callable[[], Any]:
    tangent = _tangent(case)

    def run() -> Any:
        engine, fd = NumpySession(case), FdSession(case, {"fd_mode": "full"})
        fd.evaluate()  # what fd's derivatives start from (its held values, chunk size)
        return getattr(engine, check)(tangent), getattr(fd, check)(tangent)

    return run


def _torch(which: str, case: Any, check: str) -> Callable[[], Any] | None:
    try:
        import torch
    except ImportError:
        return None
    const = [torch.from_numpy(v) for v in case.inputs.values()]
    x = torch.from_numpy(case.params["x"].copy()).requires_grad_(True)
    fn = smooth if which == "smooth" else coupled

    def f(x: Any) -> Any:
        return fn(torch, x, *const)

    if check == "jvp":
        return lambda: torch.autograd.gradcheck(f, (x,), check_forward_ad=True)
    return lambda: torch.autograd.gradgradcheck(f, (x,))


def timing_rows(repeats: int, sizes: tuple[int, ...] = SIZES) -> list[Row]:
    rows = []
    for which in ("smooth", "coupled"):
        for n in sizes:
            case = case_for(which, n)
            for check, peer in (("jvp", "check_forward_ad"), ("hvp", "gradgradcheck")):
                torch_check = _torch(which, case, check)
                if torch_check is None:
                    continue
                candidates = {f"gradcheck {check}": _gradcheck(case, check), peer: torch_check}
                times = rounds(candidates, repeats)
                what = f"{which}, n={n}: torch {peer} / gradcheck {check} (numpy + fd)"
                rows.append(Row("higher", what, ratio(times, peer, f"gradcheck {check}")))
    return rows


def accuracy_rows(n: int = 100) -> list[Row]:
    """The engine's and fd's hvp against torch's double backward."""
    try:
        import torch
    except ImportError:
        return []
    rows = []
    for which in ("smooth", "coupled"):
        case = case_for(which, n)
        tangent = _tangent(case)
        const = [torch.from_numpy(v) for v in case.inputs.values()]
        x = torch.from_numpy(case.params["x"].copy()).requires_grad_(True)
        fn = smooth if which == "smooth" else coupled
        (g,) = torch.autograd.grad(fn(torch, x, *const), x, create_graph=True)
        (hv,) = torch.autograd.grad(g, x, grad_outputs=torch.from_numpy(tangent["x"]))
        exact = hv.numpy()
        fd = FdSession(case, {"fd_mode": "full"})
        fd.evaluate()
        found = {"numpy engine": NumpySession(case).hvp(tangent)["x"], "fd": fd.hvp(tangent)["x"]}
        for name, got in found.items():
            error = float(np.max(np.abs(got - exact)) / np.max(np.abs(exact)))
            what = f"{which}, n={n}: {name} hvp, max error of the largest (torch as exact)"
            target = ("<=", 1e-12) if name == "numpy engine" else None
            rows.append(Row("higher accuracy", what, single(error), unit="rel", target=target))
    return rows
