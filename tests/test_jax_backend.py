"""The jax backend: the founding example, `reduce`, 64-bit scoping, compilation, optax.

Every JAX convention asserted here was found by running JAX 0.10.2 / optax 0.2.8; where
optax's formula differs from torch.optim, the test computes optax's formula by hand in
NumPy and checks both that JAX follows it and that it parts from the torch formula.
"""

from __future__ import annotations

import numpy as np
import pytest

jax = pytest.importorskip("jax")
optax = pytest.importorskip("optax")

import jax.numpy as jnp  # noqa: E402

from gradcheck_cli import backends  # noqa: E402
from gradcheck_cli.backends import jax_backend  # noqa: E402
from gradcheck_cli.load import load_text  # noqa: E402
from gradcheck_cli.run import Options, run_backend  # noqa: E402

from .opcases import OPCASES, case_yaml, make_case  # noqa: E402

pytestmark = pytest.mark.frameworks

NAN, INF = float("nan"), float("inf")
CLOSE = {"float64": {"rtol": 1e-12, "atol": 1e-14}, "float32": {"rtol": 1e-4, "atol": 1e-5}}
FOUNDING = "program: |\n  Y = w * X\nreduce: {reduce}\noptimizer: {{name: sgd, lr: 1.0}}\n"


def founding(reduce: str):
    extra = FOUNDING.format(reduce=reduce)
    return make_case("Y[1] * Y", {"w": [2.0, 3.0]}, {"X": [-1, -2]}, "float32", extra)


def run_jax(case, **options):
    return backends.run("jax", case, options)


# ---- the founding example and reduce ------------------------------------------------------


def test_founding_example_under_sum():
    out = run_jax(founding("sum"))
    np.testing.assert_array_equal(out.value, [12.0, 36.0])
    np.testing.assert_array_equal(out.grad["w"], [6.0, 28.0])
    np.testing.assert_array_equal(out.params["w"], [-4.0, -25.0])
    np.testing.assert_array_equal(out.costs, [48.0])
    assert out.grad["w"].dtype == out.params["w"].dtype == np.float32


def test_founding_example_under_native_is_jaxs_refusal():
    out = run_backend("jax", founding("native"), Options())
    assert out.error is not None and out.skip is None
    assert "Gradient only defined for scalar-output functions" in out.error
    assert out.error_type == "TypeError"


def test_native_with_a_scalar_cost_is_plain_differentiation():
    case = make_case("sum(w ** 2)", {"w": [1.0, -2.0]}, {}, "float64", "reduce: native\n")
    np.testing.assert_array_equal(run_jax(case).grad["w"], [2.0, -4.0])


def test_mean_divides_by_the_size():
    case = make_case("w * X", {"w": [2.0, 3.0]}, {"X": [-1.0, -2.0]}, "float64", "reduce: mean\n")
    out = run_jax(case)
    np.testing.assert_array_equal(out.value, [-2.0, -6.0])
    np.testing.assert_array_equal(out.grad["w"], [-0.5, -1.0])


def test_wrt_holds_the_other_params_constant():
    extra = "wrt: [a]\noptimizer: {name: sgd, lr: 0.5}\nsteps: 2\n"
    case = make_case("sum(a * b)", {"a": [1.0, 2.0], "b": [3.0, 4.0]}, {}, "float64", extra)
    out = run_jax(case)
    assert set(out.grad) == {"a"}
    np.testing.assert_array_equal(out.params["b"], [3.0, 4.0])
    np.testing.assert_array_equal(out.params["a"], [1.0 - 3.0, 2.0 - 4.0])


# ---- 64-bit, scoped ------------------------------------------------------------------------


def _dtypes(out) -> set:
    return {out.value.dtype, *(g.dtype for g in out.grad.values())}


def test_float64_is_scoped_and_does_not_leak():
    before = jax.config.jax_enable_x64
    case64 = make_case(
        "sum(w * idx)", {"w": [0.1, 0.2]}, {"idx": {"value": [1, 2], "dtype": "int64"}}
    )
    assert _dtypes(run_jax(case64)) == {np.dtype("float64")}
    assert jax.config.jax_enable_x64 == before
    assert jnp.asarray(1.0).dtype == (jnp.float64 if before else jnp.float32)
    case32 = make_case(
        "sum(w * idx)", {"w": [0.1, 0.2]}, {"idx": {"value": [1, 2], "dtype": "int64"}}, "float32"
    )
    assert _dtypes(run_jax(case32)) == {np.dtype("float32")}


def test_float32_is_float32_even_where_the_process_enabled_x64():
    case = make_case(
        "sum(w ** 2) * 0.1", {"w": [0.1, 0.2]}, {}, "float32", "optimizer: {name: adam}\n"
    )
    with jax.enable_x64(True):
        out = run_jax(case)
        assert jax.config.jax_enable_x64
    assert _dtypes(out) == {np.dtype("float32")} and out.params["w"].dtype == np.float32


def test_integer_inputs_keep_an_integer_type_for_indexing():
    inputs = {"idx": {"value": [1, 1, 0], "dtype": "int64"}}
    for dtype in ("float64", "float32"):
        case = make_case("sum(w[idx])", {"w": [5.0, 7.0]}, inputs, dtype)
        session = jax_backend.start(case)
        assert session.inputs["idx"].dtype == (np.int64 if dtype == "float64" else np.int32)
        np.testing.assert_array_equal(session.evaluate().grads["w"], [1.0, 2.0])


# ---- compiled and eager --------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("opcase", OPCASES, ids=[c[0] for c in OPCASES])
def test_compiled_equals_eager(opcase, dtype):
    _, _, cost, params, inputs = opcase
    case = make_case(cost, params, inputs, dtype, "optimizer: {name: sgd, lr: 0.1}\nsteps: 2\n")
    compiled, eager = run_jax(case), run_jax(case, jax_jit=False)
    tol = {"float64": {"rtol": 1e-13, "atol": 1e-14}, "float32": {"rtol": 2e-6, "atol": 1e-6}}
    np.testing.assert_allclose(compiled.value, eager.value, **tol[dtype])
    for name in case.params:
        np.testing.assert_allclose(compiled.grad[name], eager.grad[name], **tol[dtype])
        np.testing.assert_allclose(compiled.params[name], eager.params[name], **tol[dtype])


def test_a_mask_computed_from_a_param_runs_eagerly():
    case = make_case("sum(v[v > 0] ** 2)", {"v": [0.3, -1.2, 0.7]}, {})
    session = jax_backend.start(case)
    np.testing.assert_array_equal(session.evaluate().grads["v"], [0.6, 0.0, 1.4])
    assert not session.compiled


def test_a_mask_given_as_an_input_stays_compiled():
    mask = {"mask": {"value": [True, False, True], "dtype": "bool"}}
    session = jax_backend.start(make_case("sum(v[mask] ** 2)", {"v": [0.3, -1.2, 0.7]}, mask))
    np.testing.assert_array_equal(session.evaluate().grads["v"], [0.6, 0.0, 1.4])
    assert session.compiled


# ---- JAX's conventions at kinks and ties ---------------------------------------------------

H_M = {"m": [[0.5, 0.5], [1.0, 0.0]]}
H_CLIP = {"x": [0.5, 0.5, 0.0]}  # jnp.clip is minimum(maximum(x, lo), hi): a tie at a bound
H_WHERE = {"x": [NAN, 0.25]}  # 0 * inf from the untaken sqrt
H_POW = {"x": [NAN, 0.0], "y": [0.0, 0.0]}  # d/dx 0 ** 0 is NaN; d/dy at x = 0 is masked
H_PROD = {"x": [2.0, 0.0], "z": [0.0, 0.0]}
KINKS = [  # (id, cost, params, JAX's gradient)
    ("abs-at-0-is-1", "sum(abs(x))", {"x": [0.0, -1.0, 2.0]}, {"x": [1.0, -1.0, 1.0]}),
    ("relu-at-0-is-0", "sum(relu(x))", {"x": [0.0, 1.0]}, {"x": [0.0, 1.0]}),
    ("sign-is-flat", "sum(sign(x))", {"x": [0.0, 1.0]}, {"x": [0.0, 0.0]}),
    ("max-ties-split", "max(x)", {"x": [1.0, 1.0, 0.0]}, {"x": [0.5, 0.5, 0.0]}),
    ("min-ties-split", "min(x)", {"x": [1.0, 1.0, 2.0]}, {"x": [0.5, 0.5, 0.0]}),
    ("max-axis-ties", "sum(max(m, axis=1))", {"m": [[1.0, 1.0], [2.0, 0.0]]}, H_M),
    ("maximum-x-x-is-1", "maximum(x, x)", {"x": 1.0}, {"x": 1.0}),
    ("maximum-tie-splits", "maximum(x, y)", {"x": 1.0, "y": 1.0}, {"x": 0.5, "y": 0.5}),
    ("minimum-tie-splits", "minimum(x, y)", {"x": 1.0, "y": 1.0}, {"x": 0.5, "y": 0.5}),
    ("sqrt-at-0-is-inf", "sum(sqrt(x))", {"x": [0.0, 4.0]}, {"x": [INF, 0.25]}),
    ("norm-at-0-is-nan", "norm(x)", {"x": [0.0, 0.0]}, {"x": [NAN, NAN]}),
    ("norm-fro-at-0-is-nan", "norm(m)", {"m": [[0.0, 0.0]]}, {"m": [[NAN, NAN]]}),
    ("norm-ord1-at-0", "norm(x, ord=1)", {"x": [0.0, 0.0]}, {"x": [1.0, 1.0]}),
    ("norm-inf-at-0", "norm(x, ord=inf)", {"x": [0.0, 0.0]}, {"x": [0.25, 0.25]}),
    ("clip-at-bounds-is-half", "sum(clip(x, -1.0, 1.0))", {"x": [-1.0, 1.0, 2.0]}, H_CLIP),
    ("clip-one-bound-is-half", "sum(clip(x, None, 0.0))", {"x": [0.0, -1.0]}, {"x": [0.5, 1.0]}),
    ("where-untaken-nan", "sum(where(x > 0, sqrt(x), 0.0))", {"x": [0.0, 4.0]}, H_WHERE),
    ("int-power-at-0", "sum(x ** 2 + x ** 0)", {"x": [0.0]}, {"x": [0.0]}),
    ("float-power-0-at-0-is-nan", "sum(x ** 0.0)", {"x": [0.0]}, {"x": [NAN]}),
    ("half-power-at-0", "sum(x ** 0.5)", {"x": [0.0]}, {"x": [INF]}),
    ("array-power-at-0", "sum(x ** y)", {"x": [0.0, 0.0], "y": [0.0, 2.0]}, H_POW),
    ("prod-with-zeros", "prod(x) + prod(z)", {"x": [0.0, 2.0], "z": [0.0, 0.0]}, H_PROD),
    ("arctan2-at-origin", "arctan2(x, y)", {"x": 0.0, "y": 0.0}, {"x": NAN, "y": NAN}),
    ("logsumexp-all-neg-inf", "logsumexp(x)", {"x": [-INF, -INF]}, {"x": [NAN, NAN]}),
]


def with_infinities(cost: str, params: dict, dtype: str = "float64"):
    # JSON spells them Infinity, YAML 1.2 .inf
    text = case_yaml(cost, params, {}, dtype).replace("Infinity", ".inf")
    (case,) = load_text(text, "<test>")
    return case


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kink", KINKS, ids=[k[0] for k in KINKS])
def test_kink_conventions(kink, dtype):
    _, cost, params, want = kink
    out = run_jax(with_infinities(cost, params, dtype))
    for name, grad in want.items():
        np.testing.assert_array_equal(out.grad[name], np.asarray(grad, dtype), err_msg=name)


def test_logsumexp_of_all_neg_inf_is_neg_inf():
    out = run_jax(with_infinities("logsumexp(x)", {"x": [-INF, -INF]}))
    assert out.value == -INF


# ---- optimizers: where optax agrees with torch.optim ---------------------------------------

AGREE = [
    "{name: sgd, lr: 0.1}",
    "{name: sgd, lr: 0.1, momentum: 0.9}",
    "{name: sgd, lr: 0.1, momentum: 0.9, nesterov: true}",
    "{name: sgd, lr: 0.1, momentum: 0.5, weight_decay: 0.1, dampening: 0}",
    "{name: adam, lr: 0.1}",
    "{name: adam, lr: 0.05, betas: [0.8, 0.99], eps: 1e-6, weight_decay: 0.1}",
    "{name: adamw}",
    "{name: adamw, lr: 0.1, betas: [0.5, 0.9], weight_decay: 0.3}",
]
QUADRATIC = "sum(c * w ** 2) + sum(sin(w))"
PURE = "sum(c * w ** 2)"  # gradients as small as c makes them
W0, C = [0.3, -1.2, 0.7, 2.0], [1.0, 2.0, 0.5, 3.0]


def quadratic(optimizer: str, dtype: str = "float64", steps: int = 4, c=C, cost=QUADRATIC):
    extra = f"reduce: sum\noptimizer: {optimizer}\nsteps: {steps}\n"
    return make_case(cost, {"w": W0}, {"c": c}, dtype, extra)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("optimizer", AGREE)
def test_optimizer_agrees_with_the_torch_formulas(optimizer, dtype):
    case = quadratic(optimizer, dtype)
    got, want = run_jax(case), backends.run("numpy", case)
    np.testing.assert_allclose(got.costs, want.costs, **CLOSE[dtype])
    np.testing.assert_allclose(got.params["w"], want.params["w"], **CLOSE[dtype])
    assert got.params["w"].dtype == np.dtype(dtype)


def test_float32_adam_bias_correction_is_computed_in_float32():
    # optax: 1 - 0.999 ** 1 in float32 is 0.0009999871; torch takes 0.001 in Python floats
    with jax.enable_x64(False):
        corrected = optax.tree.bias_correction(jnp.float32(1.0), 0.999, jnp.int32(1))
    assert float(corrected) == pytest.approx(1 / 0.0009999871, rel=1e-7)
    case = quadratic("{name: adam, lr: 0.1}", "float32", steps=5)
    diff = np.abs(run_jax(case).params["w"] - backends.run("numpy", case).params["w"])
    assert 1e-6 < diff.max() < 1e-5  # beyond a few ulps, within float32's default tolerance


# ---- optimizers: where optax's formula is its own ------------------------------------------


def _grad(w, c):
    return 2 * c * w  # of PURE


def optax_rmsprop(h, w, c, steps):
    nu, mu, trace = 0.0, 0.0, 0.0
    for _ in range(steps):
        g = _grad(w, c)
        nu = h["alpha"] * nu + (1 - h["alpha"]) * g * g
        mu = h["alpha"] * mu + (1 - h["alpha"]) * g
        spread = nu - mu * mu if h["centered"] else nu
        trace = -h["lr"] * g / np.sqrt(spread + h["eps"]) + h["momentum"] * trace  # eps inside
        w = w + trace
    return w


def optax_adagrad(h, w, c, steps):
    total = np.full_like(w, h["initial_accumulator_value"])
    for _ in range(steps):
        g = _grad(w, c)
        total = total + g * g
        w = w - h["lr"] * np.where(total > 0, g / np.sqrt(total + h["eps"]), 0.0)  # eps inside
    return w


def optax_amsgrad(h, w, c, steps, decoupled=False):
    (b1, b2), m, v, v_max = h["betas"], 0.0, 0.0, 0.0
    for t in range(1, steps + 1):
        g = _grad(w, c) + (0.0 if decoupled else h["weight_decay"] * w)
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        v_max = np.maximum(v_max, v / (1 - b2**t))  # the max of the bias-corrected moment
        update = m / (1 - b1**t) / (np.sqrt(v_max) + h["eps"])
        w = w - h["lr"] * (update + (h["weight_decay"] * w if decoupled else 0.0))
    return w


SMALL = [1e-5, 2.0, 0.01, 3e-3]  # small gradients, where eps's place matters
OWN = [  # (optimizer, optax's formula, c)
    ("{name: rmsprop}", optax_rmsprop, SMALL),
    ("{name: rmsprop, lr: 0.01, centered: true}", optax_rmsprop, SMALL),
    ("{name: rmsprop, lr: 0.01, momentum: 0.9, alpha: 0.9, eps: 1e-6}", optax_rmsprop, SMALL),
    ("{name: adagrad}", optax_adagrad, SMALL),
    ("{name: adagrad, lr: 0.1, initial_accumulator_value: 1e-9}", optax_adagrad, SMALL),
    ("{name: adam, lr: 0.1, amsgrad: true}", optax_amsgrad, C),
    ("{name: adam, lr: 0.1, amsgrad: true, weight_decay: 0.1}", optax_amsgrad, C),
    ("{name: adamw, lr: 0.1, amsgrad: true}", optax_amsgrad, C),
]


@pytest.mark.parametrize("optimizer, formula, c", OWN, ids=[o[0] for o in OWN])
def test_optax_follows_its_own_formula_not_torchs(optimizer, formula, c):
    case = quadratic(optimizer, c=c, steps=5, cost=PURE)
    h = jax_backend.hyperparameters(case.optimizer)
    kw = {"decoupled": True} if case.optimizer.name == "adamw" else {}
    want = formula(h, np.asarray(W0), np.asarray(c), 5, **kw)
    got = run_jax(case).params["w"]
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-14)
    torch_formula = backends.run("numpy", case).params["w"]
    assert not np.allclose(got, torch_formula, rtol=1e-6, atol=0)


def test_optax_differs_by_these_amounts_on_small_gradients():
    # one step from w = 0.5 with g = 1e-5: the numbers the docstring quotes
    def first_step(optimizer):
        case = make_case("w * 1e-5", {"w": 0.5}, {}, "float64", f"optimizer: {optimizer}\n")
        return (run_jax(case).params["w"] - 0.5, backends.run("numpy", case).params["w"] - 0.5)

    jax_step, torch_step = first_step("{name: rmsprop}")  # g / sqrt(0.01 g^2 + 1e-8)
    assert jax_step == pytest.approx(-0.01 * 1e-5 / np.sqrt(1e-12 + 1e-8), rel=1e-9)
    assert torch_step == pytest.approx(-0.01 * 1e-5 / (1e-6 + 1e-8), rel=1e-9)
    jax_step, torch_step = first_step("{name: adagrad}")  # g / sqrt(g^2 + 1e-10)
    assert jax_step == pytest.approx(-0.01 * 1e-5 / np.sqrt(1e-10 + 1e-10), rel=1e-9)
    assert torch_step == pytest.approx(-0.01 * 1e-5 / (1e-5 + 1e-10), rel=1e-9)


# ---- what the backend declares it cannot express -------------------------------------------


def test_dampening_is_unsupported_with_the_reason():
    case = quadratic("{name: sgd, lr: 0.1, momentum: 0.9, dampening: 0.5}")
    assert "dampening" in jax_backend.unsupported(case)
    out = run_backend("jax", case, Options())
    assert out.skip is not None and "dampening" in out.skip


@pytest.mark.parametrize(
    "optimizer",
    ["{name: sgd, lr: 0.1, dampening: 0}", "{name: adamw, amsgrad: true}", "{name: rmsprop}"],
)
def test_everything_else_is_supported(optimizer):
    assert jax_backend.unsupported(quadratic(optimizer)) is None


@pytest.mark.parametrize("opcase", OPCASES, ids=[c[0] for c in OPCASES])
def test_every_op_is_in_the_table(opcase):
    _, _, cost, params, inputs = opcase
    assert jax_backend.unsupported(make_case(cost, params, inputs)) is None


def test_hyperparameters_are_the_tables_not_optaxs():
    case = quadratic("{name: adagrad}")
    h = jax_backend.hyperparameters(case.optimizer)
    assert h == {"lr": 1e-2, "eps": 1e-10, "initial_accumulator_value": 0.0}  # optax: 0.1, 1e-7


def test_version_and_device():
    assert jax_backend.version() == f"jax {jax.__version__} (optax {optax.__version__})"
    assert jax_backend.device() == "cpu"


@pytest.mark.parametrize(
    ("cost", "x", "dtype"),
    [
        ("sum(((x + 1e8) - 1e8) * x)", "[0.3, 5.0]", "float32"),  # XLA folded (x + c) - c
        ("max(x)", "[1.0, .nan, 3.0]", "float64"),  # XLA gave the NaN gradient 0
    ],
)
def test_compiled_equals_eager_where_xla_would_simplify(cost, x, dtype):
    (case,) = load_text(f"name: c\ndtype: {dtype}\nparams: {{x: {x}}}\ncost: {cost}\n", "<t>")
    compiled = backends.run("jax", case)
    eager = backends.run("jax", case, {"jax_jit": False})
    np.testing.assert_array_equal(compiled.value, eager.value)
    np.testing.assert_array_equal(compiled.grad["x"], eager.grad["x"])


# Fused kernels recompute what they read; two kernels rounding `w0 + w1 ** 3` differently
# made the equality mask of min's gradient miss (0.75 jitted, 1 eagerly) until XLA's fusion
# pass was turned off. Seeds and shapes vary, because which element rounds apart varies.
FUSION_CASES = [
    ("mean(amin(w0 + w1 ** 3, 0))", (1, 1, 1), (2, 1, 4)),
    ("sum(max(w0 * w1 + w1 ** 2, axis=1))", (3, 1), (3, 5)),
    ("sum(maximum(w0 + w1 ** 3, w1 * w0) ** 2)", (1,), (6,)),
]


@pytest.mark.parametrize(("cost", "shape0", "shape1"), FUSION_CASES)
def test_compiled_equals_eager_where_xla_would_fuse(cost, shape0, shape1):
    for seed in range(12):
        text = (
            f"name: c\nparams:\n  w0: {{shape: {list(shape0)}, seed: {seed}}}\n"
            f"  w1: {{shape: {list(shape1)}, seed: {seed + 100}}}\ncost: {cost}\n"
        )
        (case,) = load_text(text, "<t>")
        compiled = backends.run("jax", case)
        eager = backends.run("jax", case, {"jax_jit": False})
        for name in ("w0", "w1"):
            np.testing.assert_array_equal(compiled.grad[name], eager.grad[name], err_msg=seed)


def test_xla_flags_keep_the_users_passes():
    from gradcheck_cli.backends.xla_flags import flags

    assert flags("") == "--xla_disable_hlo_passes=algsimp,fusion"
    mine = "--xla_dump_to=/tmp/x --xla_disable_hlo_passes=foo"
    assert flags(mine) == "--xla_dump_to=/tmp/x --xla_disable_hlo_passes=foo,algsimp,fusion"
    assert flags(flags(mine)) == flags(mine)
