"""The v2 nn family: jax.nn's activations, one_hot, stop_gradient (fd holds it constant),
the boolean functions and operators, all and any. Values are checked against scipy and
hand-written formulas, the kinks against each framework's measured convention."""

from __future__ import annotations

import json

import numpy as np
import pytest
from scipy.special import expit, ndtr

from gradcheck_cli.backends import fd_batch
from gradcheck_cli.backends.np_rules import FORWARD, VJP, apply
from gradcheck_cli.load import load_text
from gradcheck_cli.ops import OPS
from gradcheck_cli.run import Options, run_case

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

SELU_A, SELU_S = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946
K, C = np.sqrt(2 / np.pi), 0.044715
FRAMEWORKS = ("torch", "jax", "tensorflow")


def _case(cost, params, inputs=None, **extra):
    mapping = {"name": "t", "params": params, "cost": cost, "reduce": "sum", **extra}
    if inputs:
        mapping["inputs"] = inputs
    (case,) = load_text("\n".join(f"{k}: {json.dumps(v)}" for k, v in mapping.items()), "<t>")
    return case


def _run(cost, params, backends=("numpy",), inputs=None, options=None, **extra):
    case = _case(cost, params, inputs, **extra)
    result = run_case(case, Options(backends=backends, backend_options=options or {}))
    return {name: r.outcome for name, r in result.backends.items()}


def _tanh_gelu(x):
    t = np.tanh(K * (x + C * x**3))
    return 0.5 * x * (1 + t), 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * K * (1 + 3 * C * x * x)


def _elu(x, a):
    return np.where(x > 0, x, a * np.expm1(np.minimum(x, 0))), np.where(x > 0, 1, a * np.exp(x))


# op, attrs, f(x) -> (value, derivative), away from kinks
SMOOTH = [
    ("log_sigmoid", {}, lambda x: (np.log(expit(x)), expit(-x))),
    ("silu", {}, lambda x: (x * expit(x), expit(x) * (1 + x * (1 - expit(x))))),
    ("gelu", {}, _tanh_gelu),
    (
        "gelu",
        {"approximate": False},
        lambda x: (x * ndtr(x), ndtr(x) + x * np.exp(-x * x / 2) / np.sqrt(2 * np.pi)),
    ),
    ("elu", {}, lambda x: _elu(x, 1.0)),
    ("elu", {"alpha": 0.5}, lambda x: _elu(x, 0.5)),
    (
        "celu",
        {"alpha": 2.0},
        lambda x: (
            np.maximum(x, 0) + 2 * np.expm1(np.minimum(x, 0) / 2),
            np.where(x > 0, 1, np.exp(x / 2)),
        ),
    ),
    ("selu", {}, lambda x: tuple(SELU_S * v for v in _elu(x, SELU_A))),
    ("leaky_relu", {}, lambda x: (np.where(x > 0, x, 0.01 * x), np.where(x > 0, 1, 0.01))),
    (
        "leaky_relu",
        {"negative_slope": 0.3},
        lambda x: (np.where(x > 0, x, 0.3 * x), np.where(x > 0, 1, 0.3)),
    ),
    ("softsign", {}, lambda x: (x / (1 + abs(x)), 1 / (1 + abs(x)) ** 2)),
    ("relu6", {}, lambda x: (np.clip(x, 0, 6), ((x > 0) & (x < 6)).astype(float))),
    ("hard_tanh", {}, lambda x: (np.clip(x, -1, 1), (abs(x) < 1).astype(float))),
]
SHAPES = [(), (4,), (2, 3)]


def _values(shape, seed=0):
    """Away from every kink (0, +-1, 6) by at least 0.05."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-7.5, 7.5, shape)
    for k in (-1.0, 0.0, 1.0, 6.0):
        x = np.where(abs(x - k) < 0.05, k + 0.1, x)
    return np.asarray(x)


def _call(op, attrs):
    args = ", ".join(["x", *(f"{k}={v!r}" for k, v in attrs.items())])
    return f"{op}({args})"


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize(("op", "attrs", "f"), SMOOTH, ids=lambda v: str(v)[:20])
def test_engine_values_and_gradients(op, attrs, f, shape):
    x = _values(shape)
    value, deriv = f(x)
    out = FORWARD[op](x, **attrs)
    np.testing.assert_allclose(out, value, rtol=1e-12, atol=1e-14)
    g = np.linspace(0.5, 1.5, x.size).reshape(shape)
    (ct,) = VJP[op](g, out, x, **attrs)
    np.testing.assert_allclose(ct, g * deriv, rtol=1e-12, atol=1e-14)


@pytest.mark.frameworks
@pytest.mark.parametrize(("op", "attrs", "f"), SMOOTH, ids=lambda v: str(v)[:20])
def test_frameworks_agree_with_formulas(op, attrs, f):
    x = _values((2, 3), seed=1)
    value, deriv = f(x)
    out = _run(_call(op, attrs), {"x": x.tolist()}, ("numpy", "fd", *FRAMEWORKS))
    for name, o in out.items():
        assert o.error is None and o.skip is None, (name, o.error, o.skip)
        # tf.nn.gelu and tf.nn.leaky_relu hold 0.044715, 1/sqrt(2) and the slope in float32
        rtol = 1e-6 if name == "tensorflow" else 1e-9
        np.testing.assert_allclose(o.value, value, rtol=rtol, atol=1e-12, err_msg=name)
        np.testing.assert_allclose(o.grad["x"], deriv, rtol=1e-5, atol=1e-7, err_msg=name)


# ---- kinks: the numpy engine follows jax.nn; each framework measured ------------------------

KINKS = [
    # op, attrs, x, engine/jax gradient, torch, tensorflow
    ("elu", {"alpha": 2.0}, [0.0], [2.0], [2.0], [2.0]),
    ("celu", {"alpha": 2.0}, [0.0], [1.0], [1.0], [2.0]),
    ("selu", {}, [0.0], [SELU_S * SELU_A], [SELU_S * SELU_A], [SELU_S]),
    ("leaky_relu", {}, [0.0], [1.0], [0.01], [0.01]),
    ("relu6", {}, [0.0, 6.0], [0.0, 0.0], [0.0, 0.0], [0.0, 0.0]),
    ("hard_tanh", {}, [-1.0, 1.0], [1.0, 1.0], [0.0, 0.0], [1.0, 1.0]),
    ("softsign", {}, [0.0], [1.0], [1.0], [1.0]),
]


@pytest.mark.parametrize(("op", "attrs", "x", "engine", "torch", "tf"), KINKS, ids=lambda v: str(v))
def test_engine_kinks(op, attrs, x, engine, torch, tf):
    out = _run(_call(op, attrs), {"x": x})["numpy"]
    np.testing.assert_allclose(out.grad["x"], engine, rtol=1e-12)


@pytest.mark.frameworks
@pytest.mark.parametrize(("op", "attrs", "x", "engine", "torch", "tf"), KINKS, ids=lambda v: str(v))
def test_framework_kinks(op, attrs, x, engine, torch, tf):
    out = _run(_call(op, attrs), {"x": x}, FRAMEWORKS)
    np.testing.assert_allclose(out["jax"].grad["x"], engine, rtol=1e-12)
    np.testing.assert_allclose(out["torch"].grad["x"], torch, rtol=1e-12)
    np.testing.assert_allclose(out["tensorflow"].grad["x"], tf, rtol=1e-7)


# ---- stop_gradient: fd holds its result at the unperturbed params ---------------------------

FD_OPTIONS = {
    "central": {"fd_method": "central"},
    "central-looped": {"fd_method": "central", "fd_batch": False},
    "complex": {"fd_method": "complex"},
    "complex-looped": {"fd_method": "complex", "fd_batch": False},
    "richardson": {"fd_method": "richardson"},
    "richardson-looped": {"fd_method": "richardson", "fd_batch": False},
}


@pytest.mark.parametrize("variant", FD_OPTIONS)
def test_fd_holds_stop_gradient_constant(variant):
    out = _run("sum(x * stop_gradient(x))", {"x": [1.0, 2.0]}, ("fd",), options=FD_OPTIONS[variant])
    fd = out["fd"]
    assert fd.error is None, fd.error
    np.testing.assert_allclose(fd.grad["x"], [1.0, 2.0], rtol=1e-9)
    if variant.startswith("complex"):
        assert fd.fd.method == "complex"


def test_fd_stop_gradient_in_a_chain_and_directional():
    cost, params = "exp(stop_gradient(x) ** 2) * x + stop_gradient(sin(x))", {"x": [0.5, -1.0]}
    expected = np.exp(np.square([0.5, -1.0]))
    for options in FD_OPTIONS.values():
        fd = _run(cost, params, ("fd",), options=options)["fd"]
        np.testing.assert_allclose(fd.grad["x"], expected, rtol=1e-8)
    fd = _run(cost, params, ("fd",), options={"fd_mode": "directional"})["fd"]
    for p in fd.projections:
        np.testing.assert_allclose(p.value, np.dot(p.direction["x"], expected), rtol=1e-7)


@pytest.mark.frameworks
def test_stop_gradient_every_backend():
    out = _run("sum(x * stop_gradient(x))", {"x": [1.0, 2.0]}, ("numpy", "fd", *FRAMEWORKS))
    for name, o in out.items():
        np.testing.assert_allclose(o.grad["x"], [1.0, 2.0], rtol=1e-9, err_msg=name)
        np.testing.assert_allclose(o.value, 5.0, err_msg=name)


def test_batched_evaluation_takes_the_fixed_value():
    case = _case("x * stop_gradient(x)", {"x": [1.0, 2.0]})
    stacked = {"x": np.array([[1.0, 2.0], [1.5, 2.0]])}
    sg = next(e.out for e in case.program.eqns if e.op == "stop_gradient")
    value, batched = fd_batch.evaluate(
        case.program, dict(stacked), stacked, {sg: np.array([1, 2.0])}
    )
    assert batched
    np.testing.assert_allclose(value, [[1.0, 4.0], [1.5, 4.0]])


# ---- one_hot ---------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(), (3,), (2, 2)], ids=str)
def test_one_hot_values(shape):
    labels = np.resize(np.array([2, 0, -1, 3, 1]), shape).astype(np.int64)
    out = apply("one_hot", (labels,), {"num_classes": 3}, np.dtype(np.float32))
    expected = np.stack([labels == k for k in range(3)], axis=-1).astype(np.float32)
    assert out.dtype == np.float32 and out.shape == (*shape, 3)
    np.testing.assert_array_equal(out, expected)


@pytest.mark.frameworks
def test_one_hot_out_of_range_per_framework():
    w = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
    labels = {"n": {"value": [3, -1], "dtype": "int64"}}
    out = _run("one_hot(n, 3) * w", {"w": w}, ("numpy", *FRAMEWORKS), inputs=labels)
    for name in ("numpy", "jax", "tensorflow"):
        np.testing.assert_array_equal(out[name].value, np.zeros((2, 3)), err_msg=name)
        np.testing.assert_array_equal(out[name].grad["w"], np.zeros((2, 3)), err_msg=name)
    assert "Class values must be" in (out["torch"].error or "")


@pytest.mark.frameworks
def test_one_hot_in_case_dtype_float32():
    out = _run(
        "one_hot(n, 4) * w",
        {"w": [1.0, 2.0, 3.0, 4.0]},
        ("numpy", *FRAMEWORKS),
        inputs={"n": {"value": [3, 0], "dtype": "int64"}},
        dtype="float32",
    )
    for name, o in out.items():
        assert o.value.dtype == np.float32, name
        np.testing.assert_array_equal(o.grad["w"], [1.0, 0.0, 0.0, 1.0], err_msg=name)


# ---- booleans ----------------------------------------------------------------------------


def test_operators_parse_to_the_logical_ops():
    case = _case(
        "where((x > 0) & ~(x > 1) | (x < -1) ^ m, x, 0.0)",
        {"x": [0.5]},
        {"m": {"value": True, "dtype": "bool"}},
    )
    ops = [e.op for e in case.program.eqns]
    for op in ("logical_and", "logical_or", "logical_xor", "logical_not"):
        assert op in ops
        assert OPS[op].diff == ()


@pytest.mark.frameworks
def test_masks_and_where_with_operators():
    x = np.array([-1.5, -0.5, 0.25, 0.75, 1.5])
    m = [True, False, True, False, True]
    inputs = {"m": {"value": m, "dtype": "bool"}}
    mask = (x > 0) & ~(x > 1)
    out = _run("sum(x[(x > 0) & ~(x > 1)] ** 2)", {"x": x.tolist()}, ("numpy", "fd", *FRAMEWORKS))
    for name, o in out.items():
        np.testing.assert_allclose(o.grad["x"], np.where(mask, 2 * x, 0), err_msg=name)
    cond = (np.array(m) | (x < -1)) ^ ~(x > 0.5)
    out = _run(
        "where((m | (x < -1)) ^ ~(x > 0.5), x, 3 * x)",
        {"x": x.tolist()},
        ("numpy", "fd", *FRAMEWORKS),
        inputs=inputs,
    )
    for name, o in out.items():
        np.testing.assert_allclose(o.value, np.where(cond, x, 3 * x), err_msg=name)
        np.testing.assert_allclose(o.grad["x"], np.where(cond, 1, 3), err_msg=name)
    out = _run("sum(x[~m])", {"x": x.tolist()}, ("numpy", *FRAMEWORKS), inputs=inputs)
    for name, o in out.items():
        np.testing.assert_allclose(o.grad["x"], ~np.array(m), err_msg=name)


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 1), ()], ids=str)
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("op", ["all", "any"])
def test_all_any_engine(op, axis, keepdims):
    a = np.array([[True, False, True], [True, True, True]])
    out = FORWARD[op](a, axis=axis, keepdims=keepdims)
    np.testing.assert_array_equal(out, getattr(np, op)(a, axis=axis, keepdims=keepdims))
    assert VJP[op](np.ones(out.shape), out, a, axis=axis, keepdims=keepdims) == (None,)


@pytest.mark.frameworks
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)], ids=str)
def test_all_any_frameworks(axis):
    x = np.array([[-0.5, 0.25, 2.0], [0.75, 1.5, 3.0]])
    kw = "" if axis is None else f", axis={axis!r}"
    cost = f"where(all(x > 0{kw}, keepdims=True) | any(x > 2.5{kw}, keepdims=True), x, 2 * x)"
    cond = np.all(x > 0, axis=axis, keepdims=True) | np.any(x > 2.5, axis=axis, keepdims=True)
    out = _run(cost, {"x": x.tolist()}, ("numpy", *FRAMEWORKS))
    for name, o in out.items():
        assert o.error is None, (name, o.error)
        np.testing.assert_allclose(o.grad["x"], np.broadcast_to(np.where(cond, 1, 2), x.shape))


def test_logical_functions_on_numbers_read_their_truth():
    x = np.array([0.0, 2.0, -1.0])
    np.testing.assert_array_equal(FORWARD["logical_and"](x, 1.0), [False, True, True])
    np.testing.assert_array_equal(FORWARD["logical_not"](x), [True, False, False])
    np.testing.assert_array_equal(FORWARD["logical_xor"](x, True), [True, False, False])


# ---- spellings: gelu's approximation passed explicitly -------------------------------------


@pytest.mark.parametrize(
    ("approximate", "torch", "tf"), [(True, "'tanh'", "True"), (False, "'none'", "False")]
)
def test_gelu_approximation_is_always_passed(approximate, torch, tf):
    from gradcheck_cli.repro import script  # noqa: PLC0415

    cost = "gelu(x)" if approximate else "gelu(x, approximate=False)"
    case = _case(cost, {"x": [0.5]})
    assert f"approximate={torch}" in script(case, "torch")
    assert f"approximate={tf}" in script(case, "tensorflow")
