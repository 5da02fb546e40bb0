"""Complex numbers (v2) in the three framework backends, their spellings and their repro
scripts: `dtype: complex64 | complex128`, the ops real, imag, conj and angle, abs as the
modulus, a real cost of complex params.

Every gradient is checked against an analytic one written here without gradcheck, in the
convention of torch and TensorFlow, dL/dx + i dL/dy (twice the derivative with respect to
conj(z)); JAX's jax.grad gives its conjugate, dL/dx - i dL/dy, and the jax backend reports
what JAX gives, so its expected gradient is conjugated here, explicitly. Then real, imag,
conj and angle on real arrays (NumPy's meaning), the conventions at 0, each framework's
optimizers on complex params (torch.optim steps the real view; optax steps with JAX's
conjugate gradient; Keras refuses some, and the tensorflow backend skips with the reason),
and the repro scripts, run as scripts.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import zlib

import numpy as np
import pytest

from gradcheck_cli import backends, repro
from gradcheck_cli.errors import BackendSkip
from gradcheck_cli.load import load_text

pytestmark = [pytest.mark.frameworks, pytest.mark.filterwarnings("ignore::RuntimeWarning")]

FRAMEWORKS = ("torch", "jax", "tensorflow")
SHAPES = [(), (3,), (2, 3)]
TOL = {"complex128": dict(rtol=1e-9, atol=1e-12), "complex64": dict(rtol=2e-5, atol=2e-6)}


def _need(framework: str) -> None:
    pytest.importorskip(framework)
    if framework == "jax":
        pytest.importorskip("optax")


def _complex(a: np.ndarray) -> str:
    """A complex array as the case format writes it, `{real: R, imag: I}`."""
    a = np.asarray(a)
    return json.dumps({"real": a.real.tolist(), "imag": a.imag.tolist()})


def _real(a: np.ndarray) -> str:
    return json.dumps({"dtype": "float64", "value": np.asarray(a, np.float64).tolist()})


def _case(cost: str, params: dict[str, str], inputs: dict[str, str] | None = None, **extra):
    lines = [
        "name: t",
        f"dtype: {extra.pop('dtype', 'complex128')}",
        "params: {" + ", ".join(f"{k}: {v}" for k, v in params.items()) + "}",
    ]
    if inputs:
        lines.append("inputs: {" + ", ".join(f"{k}: {v}" for k, v in inputs.items()) + "}")
    lines.append(f"cost: {cost}")
    lines += [f"{k}: {v}" for k, v in extra.items()]
    (case,) = load_text("\n".join(lines) + "\n", "t.yaml")
    return case


def _draw(rng: np.random.Generator, shape: tuple[int, ...], away: float = 0.3) -> np.ndarray:
    """Complex numbers with modulus in [away, 2], none on the negative real axis."""
    r = rng.uniform(away + 0.2, 2.0, size=shape)
    theta = rng.uniform(-2.5, 2.5, size=shape)
    return r * np.exp(1j * theta)


def _expected(framework: str, grad: np.ndarray) -> np.ndarray:
    """torch's and TensorFlow's convention as is; JAX's jax.grad gives the conjugate."""
    return np.conj(grad) if framework == "jax" else grad


# ---- values and gradients of several programs, at several shapes ---------------------------

# name -> (cost, params drawn from z (and w), analytic gradient of each param in the
# dL/dx + i dL/dy convention, the value)
PROGRAMS = {
    "modulus squared": (
        "sum(abs(z) ** 2)",
        lambda z, w: {"z": 2 * z},
        lambda z, w: np.sum(np.abs(z) ** 2),
    ),
    "real of a product": (
        "sum(real(z * w))",
        lambda z, w: {"z": np.conj(w), "w": np.conj(z)},
        lambda z, w: np.sum((z * w).real),
    ),
    "imag squared": (
        "sum(imag(z) ** 2)",
        lambda z, w: {"z": 2j * z.imag},
        lambda z, w: np.sum(z.imag**2),
    ),
    "modulus": ("sum(abs(z))", lambda z, w: {"z": z / np.abs(z)}, lambda z, w: np.sum(np.abs(z))),
    "angle": (
        "sum(angle(z))",
        lambda z, w: {"z": 1j * z / np.abs(z) ** 2},
        lambda z, w: np.sum(np.angle(z)),
    ),
    "real of exp": (
        "sum(real(exp(z)))",
        lambda z, w: {"z": np.conj(np.exp(z))},
        lambda z, w: np.sum(np.exp(z).real),
    ),
    "imag of sin": (
        "sum(imag(sin(z)))",
        lambda z, w: {"z": 1j * np.conj(np.cos(z))},
        lambda z, w: np.sum(np.sin(z).imag),
    ),
    "real of log": (
        "sum(real(log(z)) * abs(w))",
        lambda z, w: {"z": np.conj(1 / z) * np.abs(w), "w": np.log(np.abs(z)) * w / np.abs(w)},
        lambda z, w: np.sum(np.log(np.abs(z)) * np.abs(w)),
    ),
    "conj and literals": (
        "sum(real(conj(z) * w / 2) + imag(z * 1.5) - abs(z - 1))",
        lambda z, w: {
            "z": w / 2 + 1.5j - (z - 1) / np.abs(z - 1),
            "w": z / 2,
        },
        lambda z, w: np.sum((np.conj(z) * w / 2).real + (z * 1.5).imag - np.abs(z - 1)),
    ),
}


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("program", list(PROGRAMS))
def test_values_and_gradients_against_the_analytic_ones(framework, shape, program):
    _need(framework)
    cost, grads, value = PROGRAMS[program]
    rng = np.random.default_rng(zlib.crc32(f"{program}{shape}".encode()))
    z, w = _draw(rng, shape), _draw(rng, shape)
    if "abs(z - 1)" in cost:
        z = np.where(np.abs(z - 1) < 0.3, z + 1j, z)
    params = {"z": _complex(z)} | ({"w": _complex(w)} if "w" in cost else {})
    outcome = backends.run(framework, _case(cost, params))
    np.testing.assert_allclose(outcome.value, value(z, w), **TOL["complex128"])
    for name, grad in grads(z, w).items():
        got = outcome.grad[name]
        assert got.dtype == np.complex128 and got.shape == shape, (name, got.dtype, got.shape)
        np.testing.assert_allclose(got, _expected(framework, grad), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("n", [1, 2, 4])
def test_a_hermitian_form(framework, n):
    """sum(real(conj(z) * (A @ z))) = Re(z^H A z): its gradient is (A + A^H) z."""
    _need(framework)
    rng = np.random.default_rng(n)
    z = _draw(rng, (n,))
    a = rng.normal(size=(n, n)) + 1j * rng.normal(size=(n, n))
    case = _case("sum(real(conj(z) * (A @ z)))", {"z": _complex(z)}, {"A": _complex(a)})
    outcome = backends.run(framework, case)
    np.testing.assert_allclose(outcome.value, np.real(np.conj(z) @ a @ z), rtol=1e-9)
    expected = (a + a.conj().T) @ z
    np.testing.assert_allclose(outcome.grad["z"], _expected(framework, expected), rtol=1e-9)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_real_and_complex_params_together(framework):
    """A float64 param beside a complex one keeps its dtype and gets a real gradient."""
    _need(framework)
    z = np.array([1 + 2j, -0.5 + 1.5j])
    v = np.array([0.5, -2.0])
    cost = "sum(real(z * v)) + sum(v ** 2) + sum(imag(v) + real(conj(v)) + angle(v))"
    outcome = backends.run(framework, _case(cost, {"z": _complex(z), "v": _real(v)}))
    value = np.sum((z * v).real) + np.sum(v**2) + np.sum(v) + np.pi
    np.testing.assert_allclose(outcome.value, value, rtol=1e-12)
    assert outcome.grad["v"].dtype == np.float64
    np.testing.assert_allclose(outcome.grad["v"], z.real + 2 * v + 1, rtol=1e-12)
    np.testing.assert_allclose(outcome.grad["z"], v.astype(complex), rtol=1e-12)  # real: v


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_an_integer_input_meets_complex(framework):
    _need(framework)
    z = np.array([1 + 2j, -0.5 + 1.5j])
    case = _case(
        "mean(abs(z)) + sum(real(z) * n)",
        {"z": _complex(z)},
        {"n": json.dumps({"dtype": "int64", "value": [1, 2]})},
    )
    outcome = backends.run(framework, case)
    np.testing.assert_allclose(outcome.value, np.mean(np.abs(z)) + z.real @ [1, 2], rtol=1e-12)
    grad = z / np.abs(z) / 2 + np.array([1, 2])
    np.testing.assert_allclose(outcome.grad["z"], _expected(framework, grad), rtol=1e-12)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_complex64(framework):
    """complex64 params stay complex64 (JAX without x64), to float32's precision."""
    _need(framework)
    z = np.array([1 + 2j, -0.5 + 1.5j, 0.25 - 1j])
    outcome = backends.run(
        framework, _case("sum(abs(z) ** 2 + real(exp(z)))", {"z": _complex(z)}, dtype="complex64")
    )
    z64 = z.astype(np.complex64)
    assert outcome.grad["z"].dtype == np.complex64
    np.testing.assert_allclose(
        outcome.value, np.sum(np.abs(z64) ** 2 + np.exp(z64).real), rtol=2e-6
    )
    expected = _expected(framework, 2 * z + np.conj(np.exp(z)))
    np.testing.assert_allclose(outcome.grad["z"], expected, **TOL["complex64"])


# ---- the convention, at 1 + 2i ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("framework", "grad"), [("torch", 2 + 4j), ("tensorflow", 2 + 4j), ("jax", 2 - 4j)]
)
def test_the_gradient_of_the_modulus_squared_at_1_plus_2i(framework, grad):
    """|z|^2 = x^2 + y^2: torch and TensorFlow give dL/dx + i dL/dy = 2 + 4i; JAX's jax.grad
    gives its conjugate, 2 - 4i, and the jax backend reports it as JAX gives it."""
    _need(framework)
    for cost in ("sum(abs(z) ** 2)", "sum(real(z * conj(z)))"):
        outcome = backends.run(framework, _case(cost, {"z": _complex([1 + 2j])}))
        assert outcome.grad["z"].tolist() == [grad], cost


# ---- real, imag, conj, angle on real arrays: NumPy's meaning ---------------------------------


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize("dtype", ["float64", "complex128"])
def test_the_complex_functions_of_a_real_array(framework, dtype):
    """real and conj the identity (derivative 1), imag zeros and angle 0 or pi (derivative
    0); away from 0, where JAX's angle has a NaN derivative."""
    _need(framework)
    x = np.array([[1.5, -0.5, 2.0], [-3.0, 0.25, 1.0]])
    cost = "sum(real(x) * 2 + conj(x) + imag(x) * 5 + angle(x) + imag(x) ** 2)"
    outcome = backends.run(framework, _case(cost, {"x": _real(x)}, dtype=dtype))
    np.testing.assert_allclose(outcome.value, np.sum(3 * x) + np.pi * np.sum(x < 0), rtol=1e-12)
    assert outcome.grad["x"].dtype == np.float64
    np.testing.assert_array_equal(outcome.grad["x"], np.full(x.shape, 3.0))


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_integer_and_bool_inputs_of_the_complex_functions(framework):
    """NumPy's dtypes: real, imag, conj of an integer stay integers, conj of bools is int8,
    angle of an integer is a float."""
    _need(framework)
    inputs = {
        "n": json.dumps({"dtype": "int64", "value": [1, -2, 3]}),
        "m": json.dumps({"dtype": "bool", "value": [True, False, True]}),
    }
    cost = "sum(w * (real(n) + imag(n) + conj(n) + angle(n) + conj(m) + real(m) + angle(m)))"
    outcome = backends.run(
        framework, _case(cost, {"w": _real([1.0, 2.0, 3.0])}, inputs, dtype="float64")
    )
    n, m = np.array([1, -2, 3]), np.array([True, False, True])
    expected = 2 * n + np.angle(n) + 2 * m
    np.testing.assert_allclose(outcome.grad["w"], expected, rtol=1e-12)


# ---- at 0 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_abs_at_complex_zero(framework):
    """|0| = 0 and every framework gives it the gradient 0 (measured: torch, JAX, TF)."""
    _need(framework)
    outcome = backends.run(framework, _case("sum(abs(z))", {"z": _complex([0j, 3 + 4j])}))
    assert outcome.value.tolist() == 5.0
    np.testing.assert_allclose(outcome.grad["z"], _expected(framework, [0, 0.6 + 0.8j]))


# what each framework's angle gives at 0: value 0, derivative 0 (torch), NaN (JAX's
# atan2), -inf + NaN i (TensorFlow's)
ANGLE_AT_ZERO = {
    "torch": lambda g: g == 0,
    "jax": lambda g: np.isnan(g.real) and np.isnan(g.imag),
    "tensorflow": lambda g: np.isneginf(g.real) and np.isnan(g.imag),
}


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_angle_at_zero_is_each_frameworks_own(framework):
    _need(framework)
    outcome = backends.run(framework, _case("sum(angle(z))", {"z": _complex([0j])}))
    assert outcome.value.tolist() == 0.0
    assert ANGLE_AT_ZERO[framework](outcome.grad["z"][0]), outcome.grad["z"]


# ---- optimizers on complex params ---------------------------------------------------------------


def _stepped(framework: str, optimizer: str, steps: int = 2, dtype: str = "complex128"):
    z = _complex([1 + 2j, -0.5 + 0.25j])
    case = _case("sum(abs(z) ** 2)", {"z": z}, optimizer=optimizer, steps=steps, dtype=dtype)
    return backends.run(framework, case)


def _torch_view_as_real(update, z, steps, lr):
    """torch.optim on a complex param: the update of its real view, each part a real number
    (|z|^2's gradient: 2x and 2y)."""
    r = np.stack([z.real, z.imag], -1)
    state: dict = {}
    for _ in range(steps):
        r = update(r, 2 * r, state, lr)
    return r[..., 0] + 1j * r[..., 1]


def _adam(r, g, state, lr, b1=0.9, b2=0.999, eps=1e-8):
    t = state["t"] = state.get("t", 0) + 1
    m = state["m"] = b1 * state.get("m", 0) + (1 - b1) * g
    v = state["v"] = b2 * state.get("v", 0) + (1 - b2) * g * g
    return r - lr / (1 - b1**t) * m / (np.sqrt(v) / math.sqrt(1 - b2**t) + eps)


def test_torch_optim_steps_the_real_view():
    _need("torch")
    z = np.array([1 + 2j, -0.5 + 0.25j])
    sgd = _stepped("torch", "{name: sgd, lr: 0.1}").params["z"]
    np.testing.assert_allclose(sgd, z * 0.8**2, rtol=1e-12)  # z - 0.1 * 2z, twice
    adam = _stepped("torch", "{name: adam, lr: 0.1}").params["z"]
    expected = _torch_view_as_real(_adam, z, 2, 0.1)
    np.testing.assert_allclose(adam, expected, rtol=1e-12)


def test_optax_steps_with_jaxs_conjugate_gradient():
    """optax adds -lr * g with JAX's g = 2 conj(z): the real part shrinks as torch's, the
    imaginary part grows; adam divides by |g| (optax's nu is |g|^2), not per part."""
    _need("jax")
    z = np.array([1 + 2j, -0.5 + 0.25j])
    sgd = _stepped("jax", "{name: sgd, lr: 0.1}", steps=1).params["z"]
    np.testing.assert_allclose(sgd, z - 0.1 * 2 * np.conj(z), rtol=1e-12)
    adam = _stepped("jax", "{name: adam, lr: 0.1}", steps=1).params["z"]
    g = 2 * np.conj(z)
    np.testing.assert_allclose(adam, z - 0.1 * g / (np.abs(g) + 1e-8), rtol=1e-9)


@pytest.mark.parametrize("name", ["sgd", "rmsprop", "adagrad"])
def test_keras_steps_complex_params(name):
    """Keras SGD is torch's update; RMSprop's and Adagrad's accumulators hold the complex
    square g * g (keras.ops.square), not |g|^2: its own rule, a finding against torch."""
    _need("tensorflow")
    optimizer = f"{{name: {name}, lr: 0.1}}"
    tf_params = _stepped("tensorflow", optimizer).params["z"]
    torch_like = np.array([1 + 2j, -0.5 + 0.25j]) * 0.8**2
    if name == "sgd":
        np.testing.assert_allclose(tf_params, torch_like, rtol=1e-6)
    else:
        assert np.all(np.isfinite(tf_params)) and not np.allclose(tf_params, torch_like)


@pytest.mark.parametrize(
    ("optimizer", "dtype", "refusal"),
    [
        ("{name: adam, lr: 0.1}", "complex128", "Keras's Adam refuses complex128"),
        ("{name: adamw, lr: 0.1}", "complex128", "Keras's AdamW refuses complex128"),
        ("{name: adam, lr: 0.1, amsgrad: true}", "complex64", "amsgrad=True) refuses complex64"),
    ],
)
def test_keras_refusals_skip_with_the_reason(optimizer, dtype, refusal):
    _need("tensorflow")
    with pytest.raises(BackendSkip, match=re.escape(refusal)):
        _stepped("tensorflow", optimizer, dtype=dtype)


def test_keras_adam_runs_complex64():
    _need("tensorflow")
    params = _stepped("tensorflow", "{name: adam, lr: 0.1}", dtype="complex64").params["z"]
    assert params.dtype == np.complex64 and np.all(np.isfinite(params))


def test_a_refusal_beyond_the_measured_ones_is_caught_at_start():
    """The probe: a fresh Keras optimizer steps scratch copies of the complex params first,
    so a refusal `complex_refusal` does not know is a skip with Keras's own message."""
    _need("tensorflow")
    import tensorflow as tf

    from gradcheck_cli.backends import tf_backend
    from gradcheck_cli.case import OptimizerSpec

    spec = OptimizerSpec("adam", {"lr": 0.1})
    with pytest.raises(BackendSkip, match="Keras's Adam refuses complex128 params: "):
        tf_backend._probe(spec, [tf.Variable(np.array([1 + 2j]))])
    tf_backend._probe(spec, [tf.Variable(np.array([1.0]))])  # real params: nothing to probe


# ---- the repro scripts --------------------------------------------------------------------------

REPRO = """name: t
dtype: complex128
params:
  z: {real: [1.0, -0.5], imag: [2.0, 1.5]}
  v: {dtype: float64, value: [0.5, 2.0]}
inputs:
  A: {real: [[1.0, 2.0], [0.5, -1.0]], imag: [[0.0, 1.0], [-1.0, 0.5]]}
cost: sum(real(conj(z) * (A @ z))) + sum(imag(z) ** 2) + sum(abs(z * v)) + sum(angle(z))
optimizer: {name: sgd, lr: 0.1}
steps: 2
"""

DEFINED = {
    "torch": "z = torch.tensor([(1+2j), (-0.5+1.5j)], dtype=torch.complex128, requires_grad=True)",
    "jax": '"z": jnp.array([(1+2j), (-0.5+1.5j)], dtype=jnp.complex128)',
    "tensorflow": "z = tf.Variable([(1+2j), (-0.5+1.5j)], dtype=tf.complex128)",
    "numpy": '"z": np.array([(1+2j), (-0.5+1.5j)], dtype=np.complex128)',
}


def _printed(stdout: str) -> dict[str, np.ndarray]:
    found = {}
    for line in stdout.splitlines():
        match = re.match(r"^(value|grad \w+|params \w+|costs): (.*)$", line)
        if match:
            found[match.group(1)] = np.array(eval(match.group(2), {"__builtins__": {}}))  # noqa: S307
    return found


@pytest.mark.parametrize("framework", [*FRAMEWORKS, "numpy"])
def test_repro_scripts_of_a_complex_case_run_and_agree(framework, tmp_path):
    if framework != "numpy":
        _need(framework)
    (case,) = load_text(REPRO, "t.yaml")
    text = repro.script(case, framework)
    assert DEFINED[framework] in text
    path = tmp_path / "repro_script.py"
    path.write_text(text)
    out = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, cwd=tmp_path, timeout=300
    )
    assert out.returncode == 0, out.stderr
    printed = _printed(out.stdout)
    backend = "torch" if framework == "numpy" else framework  # numpy's: torch's convention
    outcome = backends.run(backend, case)
    tol = dict(rtol=1e-6, atol=1e-8) if framework == "numpy" else dict(rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(printed["value"], outcome.value, **tol)
    for p in ("z", "v"):
        np.testing.assert_allclose(printed[f"grad {p}"], outcome.grad[p], **tol)
        np.testing.assert_allclose(printed[f"params {p}"], outcome.params[p], **tol)


def test_a_complex_number_reads_back_exactly():
    from gradcheck_cli.repro.expr import nested

    a = np.array([1 + 2j, -0.5 + 1.5j, complex(-0.0, -1.0), complex(math.inf, math.nan)])
    text = nested(a)
    assert text == '[(1+2j), (-0.5+1.5j), complex(-0.0, -1.0), complex(float("inf"), float("nan"))]'
    back = np.array(eval(text, {"complex": complex, "float": float}))  # noqa: S307
    np.testing.assert_array_equal(back, a)
    assert np.signbit(back[2].real)
    f32 = np.array([0.1 + 0.2j], np.complex64)
    assert nested(f32) == "[(0.1+0.2j)]"
    assert np.array(eval(nested(f32)), np.complex64).tobytes() == f32.tobytes()  # noqa: S307
