"""jvp and hvp of the framework sessions (torch, jax, tensorflow), each by its own machinery.

`session.jvp(t)` is the forward-mode derivative of the cost before reduction along `t`;
`session.hvp(t)` the Hessian of the reduced cost times `t`. They are checked three ways:
against hand-derived results on small programs, against central differences (float64) of
the session's own forward (value for jvp, gradient for hvp), and the three frameworks
against each other over a sample of the ops table.
"""

from __future__ import annotations

import importlib
import textwrap
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from gradcheck_cli.errors import BackendSkip
from gradcheck_cli.load import load_text
from gradcheck_cli.run import checked

from .opcases import OPCASES, make_case

pytestmark = [pytest.mark.frameworks, pytest.mark.filterwarnings("ignore::RuntimeWarning")]

ROOT = Path(__file__).parents[1]
MODULES = {
    "torch": ("torch", "gradcheck_cli.backends.torch_backend"),
    "jax": ("jax", "gradcheck_cli.backends.jax_backend"),
    "tensorflow": ("tensorflow", "gradcheck_cli.backends.tf_backend"),
}
NAMES = tuple(MODULES)


def backend(name: str):
    framework, module = MODULES[name]
    pytest.importorskip(framework)
    return importlib.import_module(module)


@pytest.fixture(params=NAMES)
def fw(request):
    return backend(request.param)


def case_of(text: str):
    case, problems = checked(load_text(textwrap.dedent(text), "t.yaml")[0])
    assert not problems, problems
    return case


def close(got, want, rtol=1e-10, atol=1e-12):
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=rtol, atol=atol)


# ---- hand-derived results ------------------------------------------------------------------

X = np.array([0.5, -1.0, 2.0])
TX = np.array([1.0, 2.0, -1.0])


def test_cube_elementwise_with_reduce_sum(fw):
    """cost x ** 3 (a vector), reduce sum: jvp = 3 x^2 t (a vector), hvp = 6 x t."""
    case = case_of(
        "name: t\ndtype: float64\nparams: {x: [0.5, -1.0, 2.0]}\ncost: x ** 3\nreduce: sum\n"
    )
    s = fw.start(case)
    jv = s.jvp({"x": TX})
    assert jv.shape == (3,)
    close(jv, 3 * X**2 * TX)
    hv = s.hvp({"x": TX})
    assert set(hv) == {"x"}
    close(hv["x"], 6 * X * TX)


def test_sum_of_cube_is_a_scalar_jvp(fw):
    case = case_of("name: t\ndtype: float64\nparams: {x: [0.5, -1.0, 2.0]}\ncost: sum(x ** 3)\n")
    s = fw.start(case)
    jv = s.jvp({"x": TX})
    assert np.shape(jv) == ()
    close(jv, np.sum(3 * X**2 * TX))
    close(s.hvp({"x": TX})["x"], 6 * X * TX)


def test_a_product_of_two_params_has_cross_terms(fw):
    """x[0] * x[1] * y: the Hessian's only entries are the cross derivatives."""
    case = case_of("""\
        name: t
        dtype: float64
        params: {x: [0.5, -1.0, 2.0], y: 3.0}
        cost: x[0] * x[1] * y
        """)
    x0, x1, y = 0.5, -1.0, 3.0
    t = {"x": TX, "y": np.array(0.5)}
    s = fw.start(case)
    close(s.jvp(t), TX[0] * x1 * y + x0 * TX[1] * y + x0 * x1 * 0.5)
    hv = s.hvp(t)
    close(hv["x"], [y * TX[1] + x1 * 0.5, y * TX[0] + x0 * 0.5, 0.0])
    close(hv["y"], x1 * TX[0] + x0 * TX[1])


def test_tanh_of_a_matmul(fw):
    """sum(tanh(A @ x)): u = A x, s' = 1 - tanh(u)^2, s'' = -2 tanh(u) s'."""
    rng = np.random.default_rng(1)
    A, x = rng.normal(size=(2, 3)), rng.normal(size=3)
    tA, tx = rng.normal(size=(2, 3)), rng.normal(size=3)
    case = case_of(f"""\
        name: t
        dtype: float64
        params: {{A: {A.tolist()}, x: {x.tolist()}}}
        cost: sum(tanh(A @ x))
        """)
    th = np.tanh(A @ x)
    d1, d2 = 1 - th**2, -2 * th * (1 - th**2)
    du = tA @ x + A @ tx
    s = fw.start(case)
    close(s.jvp({"A": tA, "x": tx}), np.sum(d1 * du))
    hv = s.hvp({"A": tA, "x": tx})
    close(hv["A"], np.outer(d2 * du, x) + np.outer(d1, tx))
    close(hv["x"], tA.T @ d1 + A.T @ (d2 * du))


@pytest.mark.parametrize("reduce, scale", [("sum", 1.0), ("mean", 1 / 6)])
def test_exp_times_an_input_under_sum_and_mean(fw, reduce, scale):
    """exp(w) * X, a (2, 3) value: jvp = exp(w) t X; the reduced cost's Hessian is diagonal,
    exp(w) * X.sum(0), over 6 under mean."""
    w, X2 = np.array([0.1, -0.3, 0.7]), np.array([[1.0, 2.0, -1.0], [0.5, 0.25, 3.0]])
    case = case_of(f"""\
        name: t
        dtype: float64
        params: {{w: {w.tolist()}}}
        inputs: {{X: {X2.tolist()}}}
        cost: exp(w) * X
        reduce: {reduce}
        """)
    s = fw.start(case)
    jv = s.jvp({"w": TX})
    assert jv.shape == (2, 3)
    close(jv, np.exp(w) * TX * X2)  # the value before reduction: the same under both
    close(s.hvp({"w": TX})["w"], scale * np.exp(w) * X2.sum(0) * TX)


def test_a_param_not_in_wrt_is_held_constant(fw):
    case = case_of("""\
        name: t
        dtype: float64
        params: {x: [0.5, -1.0, 2.0], y: 3.0}
        wrt: [x]
        cost: x ** 3 * y ** 2
        reduce: sum
        """)
    s = fw.start(case)
    close(s.jvp({"x": TX}), 3 * X**2 * 9 * TX)
    hv = s.hvp({"x": TX})
    assert set(hv) == {"x"}
    close(hv["x"], 6 * X * 9 * TX)


def test_a_param_the_cost_does_not_reach_gets_zeros(fw):
    case = case_of("""\
        name: t
        dtype: float64
        params: {x: [0.5, -1.0, 2.0], z: [[1.0, 2.0], [3.0, 4.0]]}
        wrt: [x, z]
        cost: sin(x)
        reduce: sum
        """)
    s = fw.start(case)
    tz = np.array([[5.0, 6.0], [7.0, 8.0]])
    close(s.jvp({"x": TX, "z": tz}), np.cos(X) * TX)  # z's tangent reaches nothing
    hv = s.hvp({"x": TX, "z": tz})
    close(hv["x"], -np.sin(X) * TX)
    assert hv["z"].shape == (2, 2) and not hv["z"].any()


def test_a_cost_no_param_reaches_has_zero_jvp_and_hvp(fw):
    case = case_of("""\
        name: t
        dtype: float64
        params: {x: [0.5, -1.0, 2.0]}
        inputs: {c: [1.0, 2.0]}
        cost: c * 2 + sum(x) * 0 + 1
        reduce: sum
        """)
    s = fw.start(case)
    close(s.jvp({"x": TX}), [0.0, 0.0])
    close(s.hvp({"x": TX})["x"], np.zeros(3))


def test_float32_stays_float32(fw):
    case = case_of(
        "name: t\nparams: {x: [0.5, -1.0, 2.0]}\ncost: x ** 3\nreduce: sum\ndtype: float32\n"
    )
    s = fw.start(case)
    t = {"x": TX.astype(np.float32)}
    jv, hv = s.jvp(t), s.hvp(t)["x"]
    assert jv.dtype == np.float32 and hv.dtype == np.float32
    close(jv, 3 * X**2 * TX, rtol=1e-6)
    close(hv, 6 * X * TX, rtol=1e-6)


def test_the_methods_leave_the_session_as_it_was(fw):
    """jvp and hvp read the current params and change nothing: evaluate, the optimizer step
    and a jvp after the step see the stepped params."""
    case = case_of("""\
        name: t
        dtype: float64
        params: {x: [0.5, -1.0, 2.0]}
        cost: x ** 3
        reduce: sum
        optimizer: {name: sgd, lr: 0.1}
        steps: 1
        """)
    s = fw.start(case)
    s.jvp({"x": TX}), s.hvp({"x": TX})
    first = s.evaluate()
    close(first.grads["x"], 3 * X**2)
    s.step(first)
    x1 = s.params()["x"]
    # Keras keeps the learning rate as a float32 variable (tf_backend.py): 2e-8 off there
    close(x1, X - 0.1 * 3 * X**2, rtol=1e-7)
    close(s.jvp({"x": TX}), 3 * x1**2 * TX)
    close(s.hvp({"x": TX})["x"], 6 * x1 * TX)


# ---- reduce: native with a non-scalar cost: each framework's own answer --------------------

NATIVE = "name: t\ndtype: float64\nparams: {x: [0.5, -1.0, 2.0]}\ncost: x ** 3\nreduce: native\n"


def test_native_non_scalar_jvp_is_the_value_tangent(fw):
    close(fw.start(case_of(NATIVE)).jvp({"x": TX}), 3 * X**2 * TX)


def test_native_non_scalar_hvp_torch_refuses():
    torch = backend("torch")
    with pytest.raises(RuntimeError, match="scalar outputs"):  # torch's own refusal
        torch.start(case_of(NATIVE)).hvp({"x": TX})


def test_native_non_scalar_hvp_jax_refuses():
    jax = backend("jax")
    with pytest.raises(TypeError, match="scalar-output"):  # jax.grad's own refusal
        jax.start(case_of(NATIVE)).hvp({"x": TX})


def test_native_non_scalar_hvp_tensorflow_sums():
    tf = backend("tensorflow")  # the tape differentiates the sum of a non-scalar target
    close(tf.start(case_of(NATIVE)).hvp({"x": TX})["x"], 6 * X * TX)


# ---- JAX: compiled, and eager where compiled code cannot express the case ---------------------


@pytest.mark.parametrize("jit", [True, False])
def test_jax_a_boolean_mask_from_a_param_runs_eagerly(jit):
    jb = backend("jax")
    case = case_of("""\
        name: t
        dtype: float64
        params: {x: [0.5, -1.0, 2.0]}
        cost: sum(exp(x[x > 0]))
        """)
    s = jb.start(case, {"jax_jit": jit})
    keep = X > 0
    close(s.jvp({"x": TX}), np.sum(np.exp(X[keep]) * TX[keep]))
    close(s.hvp({"x": TX})["x"], np.where(keep, np.exp(X) * TX, 0.0))


# ---- impl: rows: the user's function, its custom gradient differentiated ---------------------

SOFTPLUS = """\
name: softplus
dtype: float64
params: {x: [-2.0, -0.5, 0.0, 0.5, 2.0]}
cost: softplus(x)
reduce: sum
implementations:
  torch: cases.implementations.gradlib.torch_ops:%(torch)s
  jax: cases.implementations.gradlib.jax_ops:softplus
  tensorflow: cases.implementations.gradlib.tf_ops:softplus
"""
XS = np.array([-2.0, -0.5, 0.0, 0.5, 2.0])
TS = np.array([1.0, -2.0, 0.5, 3.0, -1.0])


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def impl_session(name: str, torch_fn: str = "softplus", **options):
    case = case_of(SOFTPLUS % {"torch": torch_fn})
    implementation = replace(case.implementations[name], root=str(ROOT))
    return backend(name).start(case, {"implementation": implementation, **options})


def test_impl_torch_autograd_function_without_jvp_skips_forward_mode():
    s = impl_session("torch")
    with pytest.raises(BackendSkip, match="torch forward-mode AD: You must implement the jvp"):
        s.jvp({"x": TS})


@pytest.mark.parametrize(
    "fn, derivative",
    [
        ("softplus", lambda x: sigmoid(x) * (1 - sigmoid(x))),
        # the wrong backward (sigmoid(-x)) is what torch differentiates a second time
        ("wrong_softplus", lambda x: -sigmoid(-x) * (1 - sigmoid(-x))),
    ],
)
def test_impl_torch_hvp_differentiates_the_users_backward(fn, derivative):
    close(impl_session("torch", fn).hvp({"x": TS})["x"], derivative(XS) * TS)


def test_impl_jax_custom_vjp_skips_forward_mode():
    with pytest.raises(BackendSkip, match="jax forward-mode AD: can't apply forward-mode"):
        impl_session("jax").jvp({"x": TS})


def test_impl_jax_custom_vjp_hvp_compiled():
    """Measured: forward over reverse through jax.custom_vjp traces under jax.jit (the bwd
    rule, grad * sigmoid(x), is differentiated)..."""
    hv = impl_session("jax").hvp({"x": TS})["x"]
    close(hv, sigmoid(XS) * (1 - sigmoid(XS)) * TS)


def test_impl_jax_custom_vjp_hvp_eager_skips():
    """...and eagerly JAX refuses it, in its own words: a skip."""
    with pytest.raises(BackendSkip, match="jax forward-over-reverse.*custom_vjp"):
        impl_session("jax", jax_jit=False).hvp({"x": TS})


def test_impl_tensorflow_custom_gradient_both():
    """ForwardAccumulator builds the jvp from the custom gradient's function (transposed)."""
    s = impl_session("tensorflow")
    close(s.jvp({"x": TS}), sigmoid(XS) * TS)
    close(s.hvp({"x": TS})["x"], sigmoid(XS) * (1 - sigmoid(XS)) * TS)


# ---- a sample of the ops table: own central differences, and the frameworks agree ----------

ANY = ((4,), (2, 2, 3))  # shapes for an expression written for any x (every op is in
# tests/test_generated_higher.py at all its forms; these check each framework on its own)
VECTOR = ((5,),)
MATRIX = ((3, 4),)
# (id, cost, shapes of x); p is a positive array of x's shape, w one of any sign, A (3, 4)
# and B (4, 2) matrices. Inputs are drawn away from the kinks of relu, abs, max and where.
EXPRESSIONS = [
    ("exp-sin", "exp(x) * sin(x)", ANY),
    ("log", "log(p) * x", ANY),
    ("tanh", "tanh(x) ** 2", ANY),
    ("sigmoid-softplus", "sigmoid(x) * softplus(w)", ANY),
    ("relu", "relu(x) * w", ANY),
    ("sqrt-abs", "sqrt(p) * abs(x) * x", ANY),
    ("max", "max(x) * w", ANY),
    ("max-axis", "max(x, axis=-1) ** 2", ANY),
    ("sum-mean", "sum(x ** 2) * mean(w)", ANY),
    ("mean-axis", "mean(x * w, axis=0) ** 2", ANY),
    ("prod", "prod(p) * x", ANY),
    ("pow-int", "x ** 3 / 3 - x ** 2", ANY),
    ("pow-float", "p ** 1.5 + p ** w", ANY),
    ("norm", "norm(x) * w", ANY),
    ("logsumexp", "logsumexp(x) * sin(w)", ANY),
    ("softmax", "softmax(x) * w", ANY),
    ("where", "where(x > 0, x ** 2, sin(w))", ANY),
    ("concatenate", "concatenate([x * w, exp(x)])", ANY),
    ("reshape", "reshape(x, (-1,)) ** 2 * reshape(w, (-1,))", ANY),
    ("transpose", "transpose(x) ** 3 * transpose(w)", ANY),
    ("matmul", "tanh(A @ B) ** 2", MATRIX),
    ("matmul-vector", "sin(A @ B[:, 0]) * (x @ B[:, 1])", MATRIX),
    ("indexing", "x[0] * x[-1] + x[1:3] ** 2 * w[::3]", VECTOR),
    ("slicing", "A[1:, ::2] * A[:2, 1:3] ** 2", MATRIX),
    ("gather", "x[[0, 2, 0, 4]] ** 2 * w[[1, 1, 3, 0]]", VECTOR),
    ("log-softmax", "log_softmax(x, axis=0) * w", ANY),
    ("norm-ord1-matrix", "norm(A, ord=1) * A", MATRIX),
]
CASES = [
    pytest.param(cost, shape, id=f"{name}-{'x'.join(map(str, shape))}")
    for name, cost, shapes in EXPRESSIONS
    for shape in shapes
]


def _draw(shape: tuple[int, ...], seed: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    away = lambda a: np.where(np.abs(a) < 0.2, np.sign(a + 1e-12) * 0.3, a)  # noqa: E731
    return {
        "x": away(rng.normal(size=shape)),
        "w": away(rng.normal(size=shape)),
        "p": rng.uniform(0.5, 2.0, size=shape),
        "A": away(rng.normal(size=(3, 4))),
        "B": away(rng.normal(size=(4, 2))),
    }


def sample_case(cost: str, shape: tuple[int, ...]):
    params = _draw(shape, 0)
    used = {k: v for k, v in params.items() if k in cost.replace("max", "")}
    text = (
        "name: t\ndtype: float64\nreduce: sum\n"
        + f"cost: {cost}\nparams:\n"
        + "".join(f"  {k}: {v.tolist()}\n" for k, v in used.items())
    )
    case = case_of(text)
    tangent = {k: v for k, v in _draw(shape, 1).items() if k in case.wrt}
    return case, tangent


H = 1e-5  # central differences in float64: truncation ~1e-10, rounding ~1e-11


def own_differences(module, case, tangent):
    """The session's own forward (value) and gradient at params -/+ H t: central
    differences of the value along t (for jvp) and of the gradient (for hvp)."""
    out = []
    for sign in (1.0, -1.0):
        moved = {
            k: v + sign * H * tangent[k] if k in tangent else v for k, v in case.params.items()
        }
        out.append(module.start(replace(case, params=moved), {"jax_jit": False}).evaluate())
    jv = (out[0].value - out[1].value) / (2 * H)
    hv = {k: (out[0].grads[k] - out[1].grads[k]) / (2 * H) for k in case.wrt}
    return jv, hv


_RESULTS: dict = {}


def higher(name: str, cost: str, shape: tuple[int, ...]):
    """(jvp, hvp) of one framework on the sample case, computed once per test run."""
    key = (name, cost, shape)
    if key not in _RESULTS:
        case, tangent = sample_case(cost, shape)
        s = backend(name).start(case)
        _RESULTS[key] = (s.jvp(tangent), s.hvp(tangent))
    return _RESULTS[key]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("cost, shape", CASES)
def test_jvp_and_hvp_match_central_differences_of_the_own_forward(name, cost, shape):
    module = backend(name)
    case, tangent = sample_case(cost, shape)
    jv, hv = higher(name, cost, shape)
    fd_jv, fd_hv = own_differences(module, case, tangent)
    scale = max(1.0, float(np.max(np.abs(fd_jv), initial=0)))
    close(jv, fd_jv, rtol=1e-6, atol=1e-7 * scale)
    for k in case.wrt:
        scale = max(1.0, float(np.max(np.abs(fd_hv[k]), initial=0)))
        close(hv[k], fd_hv[k], rtol=1e-6, atol=1e-7 * scale)


@pytest.mark.parametrize("cost, shape", CASES)
def test_the_three_frameworks_agree(cost, shape):
    present = [n for n in NAMES if importlib.util.find_spec(MODULES[n][0]) is not None]
    if len(present) < 2:
        pytest.skip("fewer than two frameworks installed")
    first, *others = present
    jv0, hv0 = higher(first, cost, shape)
    for other in others:
        jv, hv = higher(other, cost, shape)
        close(jv, jv0, rtol=1e-9, atol=1e-11)
        assert set(hv) == set(hv0)
        for k in hv0:
            close(hv[k], hv0[k], rtol=1e-9, atol=1e-11)


# ---- every op of the vocabulary (tests/opcases.py): the frameworks against each other --------
#
# Not against differences: some of those cases sit on a tie on purpose (compare-where has
# v == 0.3) or hold a stop_gradient, where the forward's differences are not the derivative.

# Measured (tensorflow 2.21 CPU): ForwardAccumulator builds a JVP by differentiating the op's
# gradient function, and the nested tape differentiates it too; TensorFlow registers no
# gradient for SoftsignGrad, so softsign has no forward mode and no second order there.
TF_GAPS = {"nn-v2-kinked": "gradient registry has no entry for: SoftsignGrad"}
# Measured: tf.nn.gelu runs TensorFlow's own kernel, not the Python formula of its docs,
# and in float64 it is ~5e-10 off in value and ~1e-8 (relative) in every derivative: its
# gradient, jvp and hvp alike. Torch and JAX agree with the formula to 1e-15.
TF_RTOL = {"nn-v2-gelu": 1e-7}


def op_higher(name: str, opcase: tuple):
    """(jvp, hvp) of one framework on an opcase, or None where it cannot express the case."""
    _, _, cost, params, inputs = opcase
    case, _ = checked(make_case(cost, params, inputs))
    module = backend(name)
    if module.unsupported(case):
        return None
    rng = np.random.default_rng(1)
    tangent = {k: rng.normal(size=np.shape(case.params[k])) for k in case.wrt}
    s = module.start(case)
    if name == "tensorflow" and opcase[0] in TF_GAPS:
        for method, what in (("jvp", "forward-mode AD"), ("hvp", "second-order GradientTape")):
            with pytest.raises(BackendSkip, match=f"tensorflow {what}.*{TF_GAPS[opcase[0]]}"):
                getattr(s, method)(tangent)
        return None
    return s.jvp(tangent), s.hvp(tangent)


@pytest.mark.parametrize("opcase", OPCASES, ids=[c[0] for c in OPCASES])
def test_every_op_the_frameworks_agree(opcase):
    present = [n for n in NAMES if importlib.util.find_spec(MODULES[n][0]) is not None]
    got = {n: r for n in present if (r := op_higher(n, opcase)) is not None}
    if len(got) < 2:
        pytest.skip("fewer than two frameworks express the case")
    (_, (jv0, hv0)), *others = got.items()
    for other, (jv, hv) in others:
        rtol = TF_RTOL.get(opcase[0], 1e-9) if other == "tensorflow" else 1e-9
        close(jv, jv0, rtol=rtol, atol=1e-11)
        for k in hv0:
            close(hv[k], hv0[k], rtol=rtol, atol=1e-11)


def test_softsign_torch_and_jax_against_the_analytic():
    """softsign(x) = x / (1 + |x|): ' = 1 / (1 + |x|)^2, '' = -2 sign(x) / (1 + |x|)^3;
    tensorflow's gap is pinned above."""
    case = case_of(
        f"name: t\ndtype: float64\nparams: {{x: {X.tolist()}}}\ncost: softsign(x)\nreduce: sum\n"
    )
    for name in ("torch", "jax"):
        s = backend(name).start(case)
        close(s.jvp({"x": TX}), TX / (1 + np.abs(X)) ** 2)
        close(s.hvp({"x": TX})["x"], -2 * np.sign(X) * TX / (1 + np.abs(X)) ** 3)


def test_stop_gradient_holds_in_forward_mode_and_second_order(fw):
    """x * stop_gradient(x): the tangent passes only through the first factor, and the
    gradient, stop_gradient(x) = x as a constant, has no derivative."""
    case = case_of(
        "name: t\ndtype: float64\nparams: {x: [0.5, -1.0, 2.0]}\n"
        "cost: x * stop_gradient(x)\nreduce: sum\n"
    )
    s = fw.start(case)
    close(s.jvp({"x": TX}), X * TX)
    close(s.hvp({"x": TX})["x"], np.zeros(3))
