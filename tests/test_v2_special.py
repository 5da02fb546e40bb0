"""The v2 elementwise and special functions (ops.SPECIAL) and the operators % and //.

Values and gradients are checked against scipy.special, NumPy and the hand-derived
formulas, independently of the engine, at several shapes; then the conventions at the
kinks (round half to even, the signs of remainder and fmod, xlogy at x == 0), the
framework refusals that are results (torch.floor_divide, tf.truncatemod), the parser's
operators, and the numpy repro script's import of scipy.special.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.special as sp

from gradcheck_cli.load import load_text
from gradcheck_cli.parse import parse
from gradcheck_cli.report.text import detail_lines
from gradcheck_cli.repro.numpy_code import script
from gradcheck_cli.run import Options, run_case

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

SHAPES = [(), (3,), (2, 3)]

# op -> (values drawn from its domain, the forward, d/dx), each written without gradcheck
UNARY = {
    "log2": (lambda r: r.uniform(0.5, 3), np.log2, lambda x: 1 / (x * np.log(2))),
    "log10": (lambda r: r.uniform(0.5, 3), np.log10, lambda x: 1 / (x * np.log(10))),
    "exp2": (lambda r: r.uniform(-2, 2), np.exp2, lambda x: np.exp2(x) * np.log(2)),
    "cbrt": (
        lambda r: r.choice([-1, 1]) * r.uniform(0.5, 3),
        np.cbrt,
        lambda x: 1 / (3 * np.cbrt(x) ** 2),
    ),
    "reciprocal": (lambda r: r.uniform(0.5, 3), np.reciprocal, lambda x: -1 / x**2),
    "arcsinh": (lambda r: r.uniform(-2, 2), np.arcsinh, lambda x: 1 / np.sqrt(x * x + 1)),
    "arccosh": (lambda r: r.uniform(1.2, 3), np.arccosh, lambda x: 1 / np.sqrt(x * x - 1)),
    "arctanh": (lambda r: r.uniform(-0.8, 0.8), np.arctanh, lambda x: 1 / (1 - x * x)),
    "erf": (lambda r: r.uniform(-2, 2), sp.erf, lambda x: 2 / np.sqrt(np.pi) * np.exp(-x * x)),
    "erfc": (lambda r: r.uniform(-2, 2), sp.erfc, lambda x: -2 / np.sqrt(np.pi) * np.exp(-x * x)),
    "floor": (lambda r: r.uniform(0.1, 0.9) + r.integers(-3, 3), np.floor, np.zeros_like),
    "ceil": (lambda r: r.uniform(0.1, 0.9) + r.integers(-3, 3), np.ceil, np.zeros_like),
    "trunc": (lambda r: r.uniform(0.1, 0.9) + r.integers(-3, 3), np.trunc, np.zeros_like),
    "round": (lambda r: r.uniform(-0.4, 0.4) + r.integers(-3, 3), np.round, np.zeros_like),
}

# op -> (x, y, forward, d/dx, d/dy)
BINARY = {
    "hypot": (np.hypot, lambda x, y: x / np.hypot(x, y), lambda x, y: y / np.hypot(x, y)),
    "logaddexp": (
        np.logaddexp,
        lambda x, y: np.exp(x - np.logaddexp(x, y)),
        lambda x, y: np.exp(y - np.logaddexp(x, y)),
    ),
    "logaddexp2": (
        np.logaddexp2,
        lambda x, y: np.exp2(x - np.logaddexp2(x, y)),
        lambda x, y: np.exp2(y - np.logaddexp2(x, y)),
    ),
    "xlogy": (sp.xlogy, lambda x, y: np.log(y), lambda x, y: x / y),
    "xlog1py": (sp.xlog1py, lambda x, y: np.log1p(y), lambda x, y: x / (1 + y)),
    "remainder": (np.remainder, lambda x, y: np.ones_like(x), lambda x, y: -np.floor(x / y)),
    "fmod": (np.fmod, lambda x, y: np.ones_like(x), lambda x, y: -np.trunc(x / y)),
}


def _yaml(value) -> str:
    text = json.dumps(np.asarray(value, dtype=float).tolist()).replace("NaN", ".nan")
    return text.replace("-Infinity", "-.inf").replace("Infinity", ".inf")


def _run(text: str, backends=("numpy", "fd")):
    (case,) = load_text(text, "case.yaml")
    return run_case(case, Options(backends=backends))


def _passes(text: str, backends=("numpy", "fd")) -> None:
    result = _run(text, backends)
    assert result.status == "pass", "\n".join(detail_lines(result))


def _case(params: dict, cost: str, value, grad: dict, extra: str = "") -> str:
    lines = ["name: t", "reduce: sum", "params:"]
    lines += [f"  {k}: {_yaml(v)}" for k, v in params.items()]
    lines += [f"cost: {cost}", "expect:", f"  value: {_yaml(value)}", "  grad:"]
    lines += [f"    {k}: {_yaml(v)}" for k, v in grad.items()]
    return "\n".join(lines) + "\n" + extra


def _sum_to(g, shape):
    """A broadcast gradient summed back to an operand's shape."""
    g = g.sum(axis=tuple(range(g.ndim - len(shape))))
    return g.sum(axis=tuple(i for i, n in enumerate(shape) if n == 1), keepdims=True)


def _draw(make, shape, seed):
    rng = np.random.default_rng(seed)
    return np.vectorize(lambda _: make(rng), otypes=[float])(np.zeros(shape))


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("op", sorted(UNARY))
def test_unary_value_and_gradient_match_the_formulas(op, shape):
    make, forward, derivative = UNARY[op]
    x = _draw(make, shape, 1)
    _passes(_case({"x": x}, f"{op}(x)", forward(x), {"x": derivative(x)}))


@pytest.mark.parametrize(("sx", "sy"), [((), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3))])
@pytest.mark.parametrize("op", sorted(BINARY))
def test_binary_value_and_gradient_match_the_formulas(op, sx, sy):
    forward, dx, dy = BINARY[op]
    for seed in range(100):  # remainder, fmod: away from their jumps (x / y an integer)
        rng = np.random.default_rng(seed)
        x = rng.uniform(0.3, 2.0, sx) * rng.choice([-1, 1], sx)
        y = rng.uniform(0.6, 2.5, sy) * (1 if op.startswith("xlog") else rng.choice([-1, 1], sy))
        if np.all(np.abs(x / y - np.round(x / y)) > 0.05):
            break
    shape = np.broadcast_shapes(sx, sy)
    gx = _sum_to(np.broadcast_to(dx(x, y), shape), sx)
    gy = _sum_to(np.broadcast_to(dy(x, y), shape), sy)
    text = _case({"x": x, "y": y}, f"{op}(x, y)", forward(x, y), {"x": gx, "y": gy})
    _passes(text)


def test_round_is_half_to_even_with_zero_derivative():
    x = np.array([0.5, 1.5, 2.5, -0.5, -2.5])
    text = _case({"x": x}, "round(x)", [0, 2, 2, -0.0, -2], {"x": np.zeros(5)})
    _passes(text, ("numpy",))


def test_remainder_takes_the_divisors_sign_and_fmod_the_dividends():
    x, y = np.array([5.5, -5.5, 5.5, -5.5]), np.array([2.0, 2.0, -2.0, -2.0])
    text = _case(
        {"x": x, "y": y}, "x % y", [1.5, 0.5, -0.5, -1.5], {"x": [1] * 4, "y": [-2, 3, 3, -2]}
    )
    _passes(text)
    text = _case(
        {"x": x, "y": y}, "fmod(x, y)", [1.5, -1.5, 1.5, -1.5], {"x": [1] * 4, "y": [-2, 2, 2, -2]}
    )
    _passes(text)


def test_xlogy_is_zero_at_zero_for_every_y_and_the_engine_keeps_the_formulas():
    x, y = np.zeros(3), np.array([1.5, 0.0, -1.0])
    text = _case(
        {"x": x, "y": y}, "xlogy(x, y)", [0, 0, 0], {"x": np.log(y), "y": [0, np.nan, -0.0]}
    )
    _passes(text, ("numpy",))


def test_nan_to_num_passes_the_gradient_only_where_finite():
    text = (
        _case({"x": [1.0, 2.0, 3.0]}, "nan_to_num(v + x, posinf=5.0)", [0, 5, 4], {"x": [0, 0, 1]})
        + "inputs: {v: [.nan, .inf, 1.0]}\n"
    )
    _passes(text)


def test_the_operators_parse_to_remainder_and_floor_divide():
    program = parse("", "x % y + x // 2 + mod(x, y)", {"x": "param", "y": "param"})
    assert [e.op for e in program.eqns][:4] == ["remainder", "floor_divide", "add", "remainder"]


def test_the_numpy_repro_imports_scipy_special_only_where_used():
    (with_erf,) = load_text("name: a\nparams: {x: [0.5]}\ncost: erf(x)\nreduce: sum\n", "a.yaml")
    (without,) = load_text("name: b\nparams: {x: [0.5]}\ncost: log2(x)\nreduce: sum\n", "b.yaml")
    assert "import scipy.special" in script(with_erf, {})
    assert "import scipy.special" not in script(without, {})


# ---- the frameworks' own results ----------------------------------------------------------

_QUOTIENT = "name: q\nreduce: sum\nparams: {x: [5.5, -3.2], y: [2.0, 1.5]}\ncost: {cost}\n"


def test_torch_floor_divide_refuses_its_derivative():
    pytest.importorskip("torch")
    result = _run(_QUOTIENT.replace("{cost}", "x // y * x"), ("numpy", "torch"))
    assert "derivative for aten::floor_divide" in result.backends["torch"].outcome.error


def test_tensorflow_truncatemod_has_no_gradient():
    pytest.importorskip("tensorflow")
    result = _run(_QUOTIENT.replace("{cost}", "fmod(x, y)"), ("numpy", "tensorflow"))
    assert "TruncateMod" in result.backends["tensorflow"].outcome.error


@pytest.mark.parametrize("backend", ["torch", "jax", "tensorflow"])
def test_quotient_derivatives_agree_with_the_engine(backend):
    pytest.importorskip(backend)
    for cost in ["x % y", "remainder(x, y) * y", "fmod(x, y)", "x // y * x"]:
        refused = (backend, cost) in {("tensorflow", "fmod(x, y)"), ("torch", "x // y * x")}
        result = _run(_QUOTIENT.replace("{cost}", cost), ("numpy", "fd", backend))
        assert (result.backends[backend].outcome.error is not None) == refused, cost
        if not refused:
            assert result.status == "pass", (cost, detail_lines(result))
