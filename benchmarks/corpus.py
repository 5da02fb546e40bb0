"""The 50 small float64 cases of the whole-run benchmark, as data: one expression each over
params `w` (a vector) and `W` (a matrix) and an input `x`, sized 3 to 7.

`write(folder)` writes them as case files for `gradcheck run`; `benchmarks/handwritten.py`
runs the same expressions through each framework by hand. Every expression is valid NumPy,
PyTorch, JAX and TensorFlow syntax once its function names are bound, away from kinks and
ties, so every backend agrees and the run passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# (name, expression): the functions are bound per framework by the hand-written script
TEMPLATES = (
    ("tanh-exp", "sum(tanh(w * x) + exp(-w))"),
    ("trig", "sum(sin(w) * cos(x) + w ** 2)"),
    ("log-ratio", "sum(log(1 + w * w) / (2 + x))"),
    ("sigmoid-affine", "sum(sigmoid(matmul(W, x) + w))"),
    ("logsumexp", "logsumexp(matmul(W, x) * w)"),
    ("softmax", "sum(softmax(matmul(W, x) + w) * x)"),
    ("mse", "mean(square(w - x))"),
    ("sqrt", "sum(sqrt(w * w + 1) * x)"),
    ("maximum", "sum(maximum(w, x + 3) * w)"),
    ("relu", "sum(relu(w + 5) * x)"),
)
SIZES = (3, 4, 5, 6, 7)


@dataclass(frozen=True)
class Spec:
    name: str
    expr: str
    n: int
    seed: int


def specs() -> list[Spec]:
    """Ten expressions at five sizes: 50 cases, each a new shape for JAX to compile."""
    return [
        Spec(f"{name}-{n}", expr, n, seed)
        for seed, (n, (name, expr)) in enumerate((n, t) for n in SIZES for t in TEMPLATES)
    ]


def arrays(spec: Spec) -> dict[str, tuple[int, ...]]:
    """Each variable's shape: w and x vectors of n, W an n x n matrix."""
    return {"w": (spec.n,), "W": (spec.n, spec.n), "x": (spec.n,)}


def seeds(spec: Spec) -> dict[str, int]:
    return {"w": 3 * spec.seed, "W": 3 * spec.seed + 1, "x": 3 * spec.seed + 2}


def _yaml(spec: Spec) -> str:
    shapes, seed = arrays(spec), seeds(spec)
    gen = {k: f"{{shape: {list(v)}, init: normal, seed: {seed[k]}}}" for k, v in shapes.items()}
    uses_matrix = "W" in spec.expr
    params = f"w: {gen['w']}" + (f", W: {gen['W']}" if uses_matrix else "")
    return (
        f"name: {spec.name}\ndtype: float64\nparams: {{{params}}}\n"
        f"inputs: {{x: {gen['x']}}}\ncost: {_case_syntax(spec.expr)}\n"
    )


def _case_syntax(expr: str) -> str:
    return expr.replace("matmul(W, x)", "W @ x")


def write(folder: Path) -> list[Path]:
    """Write the 50 case files into `folder`; their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for spec in specs():
        path = folder / f"{spec.name}.yaml"
        path.write_text(_yaml(spec))
        paths.append(path)
    return paths
