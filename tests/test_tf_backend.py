"""The `tensorflow` backend: the founding example, TensorFlow's conventions at kinks and
ties (asserted by running it), NumPy's indexing through tf.gather / boolean_mask /
gather_nd, what it declares it cannot express, and Keras 3's optimizers: equal to the
torch.optim formulas of the numpy backend where the formulas agree, and equal to Keras's
own formulas, written out here in NumPy, where they do not.
"""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck_cli import backends
from gradcheck_cli.load import load_text

from .opcases import case_yaml, make_case

tf = pytest.importorskip("tensorflow")
tfb = backends.load("tensorflow")

pytestmark = pytest.mark.frameworks

NAN, INF = float("nan"), float("inf")


def _case(cost, params, inputs=None, dtype="float64", extra="reduce: sum\n"):
    """make_case, with NaN and infinities spelled as YAML 1.2 spells them."""
    text = case_yaml(cost, params, inputs or {}, dtype, extra)
    text = text.replace("-Infinity", "-.inf").replace("Infinity", ".inf").replace("NaN", ".nan")
    (case,) = load_text(text, "<test>")
    return case


def _run(cost, params, inputs=None, dtype="float64", extra="reduce: sum\n"):
    return backends.run("tensorflow", _case(cost, params, inputs, dtype, extra))


def test_the_table_covers_the_vocabulary():
    from gradcheck_cli.ops import OPS

    assert sorted(tfb.FORWARD) == sorted(OPS)


def test_version_and_device():
    assert tfb.version().startswith(f"tensorflow {tf.__version__} (keras ")
    assert tfb.device() in ("cpu", "gpu")


# ---- the founding example ---------------------------------------------------------------

FOUNDING = "program: |\n  Y = w * X\nreduce: {}\noptimizer: {{name: sgd, lr: 1.0}}\nsteps: 1\n"


@pytest.mark.parametrize("reduce", ["native", "sum"])
def test_founding_example(reduce):
    """TF1's GradientDescentOptimizer(1).minimize(Y[1] * Y): the vector cost is summed."""
    case = make_case(
        "Y[1] * Y", {"w": [2.0, 3.0]}, {"X": [-1, -2]}, "float32", FOUNDING.format(reduce)
    )
    out = backends.run("tensorflow", case)
    np.testing.assert_array_equal(out.value, [12.0, 36.0])
    np.testing.assert_array_equal(out.grad["w"], [6.0, 28.0])
    np.testing.assert_array_equal(out.params["w"], [-4.0, -25.0])
    np.testing.assert_array_equal(out.costs, [48.0])
    assert out.value.dtype == np.float32 and out.grad["w"].dtype == np.float32


def test_founding_example_as_tf1_ran_it():
    """The TF1 program itself, in graph mode through tf.compat.v1, agrees with the backend."""
    graph = tf.Graph()
    with graph.as_default():
        x = tf.constant([-1.0, -2.0])
        w = tf.compat.v1.Variable([2.0, 3.0])
        y = w * x
        cost = y[1] * y
        train = tf.compat.v1.train.GradientDescentOptimizer(1).minimize(cost)
        with tf.compat.v1.Session(graph=graph) as session:
            session.run(tf.compat.v1.global_variables_initializer())
            value = session.run(cost)
            session.run(train)
            after = session.run(w)
    case = make_case(
        "Y[1] * Y", {"w": [2.0, 3.0]}, {"X": [-1, -2]}, "float32", FOUNDING.format("native")
    )
    out = backends.run("tensorflow", case)
    np.testing.assert_array_equal(out.value, value)
    np.testing.assert_array_equal(out.params["w"], after)
    np.testing.assert_array_equal(after, [-4.0, -25.0])


def test_reduce_mean_and_native_costs():
    extra = "program: |\n  Y = w * X\nreduce: {}\n"
    mean = backends.run(
        "tensorflow",
        make_case("Y[1] * Y", {"w": [2.0, 3.0]}, {"X": [-1, -2]}, extra=extra.format("mean")),
    )
    np.testing.assert_array_equal(mean.grad["w"], [3.0, 14.0])
    native = make_case(
        "Y[1] * Y",
        {"w": [2.0, 3.0]},
        {"X": [-1, -2]},
        extra=extra.format("native") + "optimizer: {name: sgd, lr: 0.5}\nsteps: 2\n",
    )
    out = backends.run("tensorflow", native)
    assert out.costs[0] == 48.0  # what the tape differentiated: the sum


def test_wrt_holds_other_params_constant():
    case = make_case(
        "sum(a * b)",
        {"a": [1.0, 2.0], "b": [3.0, 4.0]},
        {},
        extra="wrt: [a]\noptimizer: {name: sgd, lr: 0.5}\n",
    )
    out = backends.run("tensorflow", case)
    assert list(out.grad) == ["a"]
    np.testing.assert_array_equal(out.params["b"], [3.0, 4.0])
    np.testing.assert_array_equal(out.params["a"], [-0.5, 0.0])


def test_unused_param_has_zero_gradient():
    out = _run("sum(a * 2.0)", {"a": [1.0], "b": [5.0, 6.0]})
    np.testing.assert_array_equal(out.grad["b"], [0.0, 0.0])


def test_integer_inputs_meeting_floats_take_their_dtype():
    out = _run("a * i", {"a": [1.0, 2.0]}, {"i": {"value": [1, 2], "dtype": "int64"}}, "float32")
    assert out.value.dtype == np.float32
    np.testing.assert_array_equal(out.grad["a"], [1.0, 2.0])


def test_integers_alone_give_the_case_dtype():
    """int / int, mean and exp of integers or literals: the case dtype, as in the engine."""
    inputs = {"i": {"value": [1, 2], "dtype": "int32"}}
    cost = "a * i + i / 2 + mean(i) + exp(i) + exp(1.5)"
    case = _case(cost, {"a": [1.0, 2.0]}, inputs, "float32")
    want, got = backends.run("numpy", case), backends.run("tensorflow", case)
    assert got.value.dtype == want.value.dtype == np.float32
    np.testing.assert_allclose(got.value, want.value, rtol=1e-6)


# ---- conventions at kinks and ties, as TensorFlow has them ------------------------------
# (cost, params, inputs, value, grads); a comment names where the numpy engine differs.

KINKS = [
    ("abs(x)", {"x": [0.0]}, {}, [0.0], {"x": [0.0]}),
    ("relu(x)", {"x": [0.0, -1.0, 2.0]}, {}, [0.0, 0.0, 2.0], {"x": [0.0, 0.0, 1.0]}),
    ("sign(x)", {"x": [0.0]}, {}, [0.0], {"x": [0.0]}),
    ("sqrt(x)", {"x": [0.0, 4.0]}, {}, [0.0, 2.0], {"x": [INF, 0.25]}),
    ("max(x)", {"x": [1.0, 3.0, 3.0]}, {}, 3.0, {"x": [0.0, 0.5, 0.5]}),  # reduce_max splits ties
    ("min(x, axis=0)", {"x": [1.0, 1.0, 3.0]}, {}, 1.0, {"x": [0.5, 0.5, 0.0]}),
    ("maximum(x, x)", {"x": [1.0]}, {}, [1.0], {"x": [1.0]}),
    # a tie goes wholly to the first operand (tf: x >= y); the numpy engine splits 0.5/0.5
    (
        "maximum(a, b)",
        {"a": [1.0, 2.0], "b": [1.0, 1.0]},
        {},
        [1.0, 2.0],
        {"a": [1.0, 1.0], "b": [0.0, 0.0]},
    ),
    (
        "minimum(a, b)",
        {"a": [1.0, 0.0], "b": [1.0, 1.0]},
        {},
        [1.0, 0.0],
        {"a": [1.0, 1.0], "b": [0.0, 0.0]},
    ),
    # NaN propagates forward; x >= y is false with a NaN on either side, so the gradient
    # goes wholly to the second operand (the engine: to neither)
    (
        "maximum(a, b)",
        {"a": [NAN, 1.0], "b": [1.0, NAN]},
        {},
        [NAN, NAN],
        {"a": [0.0, 0.0], "b": [1.0, 1.0]},
    ),
    # the 2-norm (and any p-norm) at 0: NaN (the engine gives 0, as torch); ord 1 gives 0
    ("norm(x)", {"x": [0.0, 0.0]}, {}, 0.0, {"x": [NAN, NAN]}),
    ("norm(x, ord=3)", {"x": [0.0, 0.0]}, {}, 0.0, {"x": [NAN, NAN]}),
    ("norm(x, ord=1)", {"x": [0.0, 0.0]}, {}, 0.0, {"x": [0.0, 0.0]}),
    ("norm(x, ord=inf)", {"x": [2.0, -2.0, 1.0]}, {}, 2.0, {"x": [0.5, -0.5, 0.0]}),
    # clip's bounds are inclusive: at a bound the gradient passes to x
    (
        "clip(x, -1.0, 1.0)",
        {"x": [-1.0, 1.0, 0.5, 2.0]},
        {},
        [-1.0, 1.0, 0.5, 1.0],
        {"x": [1.0, 1.0, 1.0, 0.0]},
    ),
    ("clip(x, None, 0.0)", {"x": [0.0, 1.0, -1.0]}, {}, [0.0, 0.0, -1.0], {"x": [1.0, 0.0, 1.0]}),
    (
        "clip(x, lo, hi)",
        {"x": [1.0, 2.0], "lo": [1.0, 0.0], "hi": [3.0, 2.0]},
        {},
        [1.0, 2.0],
        {"x": [1.0, 1.0], "lo": [0.0, 0.0], "hi": [0.0, 0.0]},
    ),
    # crossed bounds give a_min (max(min(x, hi), lo)); NumPy gives a_max
    (
        "clip(x, lo, hi)",
        {"x": [0.0, 5.0], "lo": [2.0, 2.0], "hi": [1.0, 1.0]},
        {},
        [2.0, 2.0],
        {"x": [0.0, 0.0], "lo": [1.0, 1.0], "hi": [0.0, 0.0]},
    ),
    # tf's sqrt gradient is 0 where the incoming one is 0: no NaN from the untaken branch
    # (the engine: 0 * inf = NaN); log, reciprocal and ** keep the NaN
    ("where(x > 0, sqrt(x), 0.0)", {"x": [0.0, 4.0]}, {}, [0.0, 2.0], {"x": [0.0, 0.25]}),
    ("where(x > 0, x ** 0.5, 0.0)", {"x": [0.0, 4.0]}, {}, [0.0, 2.0], {"x": [NAN, 0.25]}),
    ("where(x > 0, log(x), 0.0)", {"x": [0.0, 2.0]}, {}, [0.0, np.log(2.0)], {"x": [NAN, 0.5]}),
    # x ** 0 at 0: d/dx = 0 * 0^-1 = NaN (the engine masks it to 0, as torch)
    ("x ** 0", {"x": [0.0, 4.0]}, {}, [1.0, 1.0], {"x": [NAN, 0.0]}),
    # d/dy is masked to 0 where x <= 0 (the engine: NaN at x < 0, -inf at x = 0, y < 0)
    (
        "x ** y",
        {"x": [-2.0, 0.0, 0.0], "y": [2.0, 0.0, -1.0]},
        {},
        [4.0, 1.0, INF],
        {"x": [-4.0, NAN, -INF], "y": [0.0, 0.0, NAN]},
    ),
    ("prod(x)", {"x": [0.0, 2.0, 3.0]}, {}, 0.0, {"x": [6.0, 0.0, 0.0]}),
    ("logsumexp(x)", {"x": [-INF, -INF]}, {}, -INF, {"x": [NAN, NAN]}),
    ("softmax(x)", {"x": [-INF, 0.0]}, {}, [0.0, 1.0], {"x": [0.0, 0.0]}),
    # argmax/argmin skip NaN; NumPy returns the first NaN's index (here 1)
    ("x[argmax(n)]", {"x": [1.0, 2.0, 3.0]}, {"n": [1.0, NAN, 3.0]}, 3.0, {"x": [0.0, 0.0, 1.0]}),
    ("x[argmin(n)]", {"x": [1.0, 2.0, 3.0]}, {"n": [1.0, NAN, 0.0]}, 3.0, {"x": [0.0, 0.0, 1.0]}),
    ("x[argmax(n)]", {"x": [1.0, 2.0, 3.0]}, {"n": [1.0, 3.0, 3.0]}, 2.0, {"x": [0.0, 1.0, 0.0]}),
    ("x[[0, 0, 1]]", {"x": [1.0, 2.0]}, {}, [1.0, 1.0, 2.0], {"x": [2.0, 1.0]}),  # accumulates
]


@pytest.mark.parametrize(
    "cost,params,inputs,value,grads", KINKS, ids=[f"{k[0]}@{list(k[1].values())[0]}" for k in KINKS]
)
def test_kink_conventions(cost, params, inputs, value, grads):
    out = _run(cost, params, inputs)
    np.testing.assert_array_equal(out.value, value)
    for name, want in grads.items():
        np.testing.assert_array_equal(out.grad[name], want, err_msg=name)


# ---- NumPy's indexing -------------------------------------------------------------------

INDEXES = [
    "x[0, :, [0, 1]]",  # advanced entries apart: their axes go first
    "x[:, [0, 1], 0]",  # adjacent: in place
    "x[[0, 1], ..., [0, -1]]",  # an Ellipsis between them keeps them apart
    "x[None, [0, 2], None, -1]",
    "x[i, 1:, ::-2]",
    "x[::-1, m, [1, 1, 3]]",  # a mask and a list broadcast together
    "x[m2]",  # a 2-D mask spans two axes
    "x[1, m2[0]]",
    "x[:, i][..., [True, False, True, False, True]]",
    "x[-2:0:-1, [3, 3]]",
    "x[0, 3:1, [1]]",  # an empty result
]
INDEX_INPUTS = {
    "i": {"value": [2, -1, 2], "dtype": "int64"},
    "m": {"value": [True, False, True, True], "dtype": "bool"},
    "m2": {
        "value": [[True, False, True, True], [False, False, True, False], [True] * 4],
        "dtype": "bool",
    },
}


@pytest.mark.parametrize("index", INDEXES)
def test_indexing_matches_numpy(index):
    x = (np.arange(60.0).reshape(3, 4, 5) / 7 - 3).tolist()
    case = _case(f"sum(sin({index}) * 1.5)", {"x": x}, INDEX_INPUTS)
    want, got = backends.run("numpy", case), backends.run("tensorflow", case)
    np.testing.assert_allclose(got.value, want.value, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(got.grad["x"], want.grad["x"], rtol=1e-12)


def test_mask_of_the_wrong_shape_is_refused():
    inputs = {"m": {"value": [True, False], "dtype": "bool"}}
    with pytest.raises(IndexError, match="boolean index"):
        _run("sum(x[0, m, 0])", {"x": np.ones((2, 3, 2)).tolist()}, inputs)


def test_a_0d_integer_input_is_an_integer():
    """NumPy reads a 0-d integer array as an integer: `x[i, 0]` is basic indexing, a
    scalar here. A rank-1 tf.gather_nd would give it, but its own gradient refuses it."""
    x = tf.constant(np.ones((3, 4)))
    with tf.GradientTape() as tape:
        tape.watch(x)
        picked = tf.gather_nd(x, tf.constant([1, 0], tf.int64))
    with pytest.raises(tf.errors.InvalidArgumentError, match="Updates shape must have rank"):
        tape.gradient(picked, x)
    inputs = {"i": {"value": -2, "dtype": "int32"}, "j": {"value": 1, "dtype": "int64"}}
    x = np.arange(12.0).reshape(3, 4).tolist()
    out = _run("x[i, 0] * 2 + x[j, i] + x[i, [0, 3]][1]", {"x": x}, inputs, extra="")
    assert out.value == 2 * 4.0 + 6.0 + 7.0
    want = np.zeros((3, 4))
    want[1, 0], want[1, 2], want[1, 3] = 2.0, 1.0, 1.0
    np.testing.assert_array_equal(out.grad["x"], want)


def test_an_empty_sliced_array_indexed_by_a_mask():
    """The gradient of tf.boolean_mask of an empty array along axis 1 by an all-false mask
    fails in TensorFlow; the backend takes the reshape path there."""
    x = tf.constant(np.ones((0, 2)))
    with tf.GradientTape() as tape:
        tape.watch(x)
        total = tf.reduce_sum(tf.boolean_mask(x, tf.constant([False, False]), axis=1))
    with pytest.raises(tf.errors.InvalidArgumentError):
        tape.gradient(total, x)
    out = _run("x[1:1, [False, False]] * 2", {"x": [[1.0, 2.0], [3.0, 4.0]]})
    assert out.value.shape == (0, 0)
    np.testing.assert_array_equal(out.grad["x"], np.zeros((2, 2)))


def test_bool_operands_where_tensorflow_refuses_them():
    """tf.nn.relu and tf.square refuse a bool, tf.add two; NumPy gives relu(m) as int64,
    square(m) as int8 and m + m as m | m."""
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.nn.relu(tf.constant([True]))
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.square(tf.constant([True]))
    inputs = {"m": {"value": [True, False, True], "dtype": "bool"}}
    cost = "(relu(m) + square(m) + (m + m) + (m * m) + maximum(m, m)) * w"
    out = _run(cost, {"w": [0.5, 1.0, 2.0]}, inputs)
    np.testing.assert_array_equal(out.value, [2.5, 0.0, 10.0])
    np.testing.assert_array_equal(out.grad["w"], [5.0, 0.0, 5.0])


# ---- what the backend declares it cannot express ----------------------------------------

UNSUPPORTED = [
    ("norm(m, ord='nuc')", "", "ord='nuc'"),
    ("norm(m, ord=-2)", "", "ord=-2"),
    ("norm(m, ord=-1)", "", "ord=-1"),
    ("norm(v, ord=-inf)", "", "ord=-inf"),
    ("norm(v, ord=0)", "", "ord=0"),
    ("norm(v, ord=-1.5)", "", "ord=-1.5"),
    ("sum(softmax(m, axis=None))", "", "takes a single axis"),
    ("sum(log_softmax(m, axis=(0, 1)))", "", "takes a single axis"),
    ("sum(v)", "optimizer: {name: sgd, lr: 0.1, momentum: 0.9, dampening: 0.1}\n", "dampening"),
    ("sum(v)", "optimizer: {name: sgd, lr: 0.1, momentum: 1.5}\n", "momentum above 1"),
]


@pytest.mark.parametrize("cost,extra,reason", UNSUPPORTED)
def test_declared_unsupported(cost, extra, reason):
    case = make_case(cost, {"m": [[1.0, 2.0], [3.0, 4.0]], "v": [1.0, 2.0]}, {}, extra=extra)
    assert reason in (tfb.unsupported(case) or "")


def test_supported_norms_and_optimizers_are_not_declared():
    case = make_case(
        "norm(m, ord=2) + norm(v, ord=0.5) + sum(softmax(m, axis=(0,)))",
        {"m": [[1.0, 2.0], [3.0, 4.0]], "v": [1.0, 2.0]},
        {},
        extra="optimizer: {name: sgd, lr: 0.1, momentum: 1.0, dampening: 0}\n",
    )
    assert tfb.unsupported(case) is None


# ---- Keras 3's optimizers ---------------------------------------------------------------

W0, X = [0.5, -1.5, 2.0], [1.0, 2.0, -0.5]
QUADRATIC = "sum(w * w * X)"  # gradient 2 w X, computed bit for bit alike below


def _optimizer_case(optimizer, dtype="float64", steps=4, x=X):
    extra = f"optimizer: {optimizer}\nsteps: {steps}\n"
    return make_case(QUADRATIC, {"w": W0}, {"X": x}, dtype, extra)


# hyperparameters exact in float32 and eps 0: the formulas agree, only rounding differs
AGREE = [
    "{name: sgd, lr: 0.5}",
    "{name: sgd, lr: 0.25, momentum: 0.5}",
    "{name: sgd, lr: 0.25, momentum: 0.5, nesterov: true}",
    "{name: sgd, lr: 0.25, weight_decay: 0.5}",  # decoupled equals coupled without momentum
    "{name: adam, lr: 0.5, betas: [0.5, 0.75], eps: 0}",
    "{name: adam, lr: 0.5, betas: [0.5, 0.75], eps: 0, amsgrad: true}",
    "{name: adamw, lr: 0.5, betas: [0.5, 0.75], eps: 0, weight_decay: 0.25}",
    "{name: rmsprop, lr: 0.25, alpha: 0.75, eps: 0}",
    "{name: rmsprop, lr: 0.25, alpha: 0.75, eps: 0, momentum: 0.5, centered: true}",
    "{name: adagrad, lr: 0.5, eps: 0, initial_accumulator_value: 0.5}",
]


@pytest.mark.parametrize("dtype,rtol", [("float64", 1e-12), ("float32", 2e-6)])
@pytest.mark.parametrize("optimizer", AGREE)
def test_optimizer_agrees_with_torch_formulas(optimizer, dtype, rtol):
    case = _optimizer_case(optimizer, dtype)
    want, got = backends.run("numpy", case), backends.run("tensorflow", case)
    np.testing.assert_allclose(got.params["w"], want.params["w"], rtol=rtol)
    np.testing.assert_allclose(got.costs, want.costs, rtol=rtol)


def _f32(x):
    return float(np.float32(x))


def keras_steps(name, h, w, x, steps):
    """Keras 3.15's update rules (keras/src/optimizers/*.py) in float64 NumPy. The learning
    rate is a float32 variable; what goes through `ops.cast` (SGD's momentum, the betas in
    Adam's bias corrections, weight_decay, Adagrad's initial accumulator) is rounded to
    float32 on the way; the other Python floats reach float64 exactly."""
    w, x, lr, state = np.array(w), np.array(x), _f32(h["lr"]), {}
    for t in range(1, steps + 1):
        g = 2 * w * x
        w = w - w * _f32(h.get("weight_decay", 0.0)) * lr  # decoupled, before the step
        w = KERAS[name](w, g, h, lr, t, state)
    return w


def _keras_sgd(w, g, h, lr, t, s):
    if h.get("momentum", 0.0) == 0:
        return w - g * lr
    mom = _f32(h["momentum"])
    s["m"] = s.get("m", 0.0) * mom - g * lr
    return w + (s["m"] * mom - g * lr if h.get("nesterov") else s["m"])


def _keras_adam(w, g, h, lr, t, s):
    b1, b2 = h.get("betas", (0.9, 0.999))
    eps = h.get("eps", 1e-8)
    s["m"] = s.get("m", 0.0) + (g - s.get("m", 0.0)) * (1 - b1)
    s["v"] = s.get("v", 0.0) + (g * g - s.get("v", 0.0)) * (1 - b2)
    alpha = lr * np.sqrt(1 - _f32(b2) ** t) / (1 - _f32(b1) ** t)
    v = s["v"]
    if h.get("amsgrad"):
        v = s["vhat"] = np.maximum(s.get("vhat", 0.0), v)
    return w - s["m"] * alpha / (np.sqrt(v) + eps)  # eps outside the bias correction


def _keras_rmsprop(w, g, h, lr, t, s):
    rho, eps, momentum = h.get("alpha", 0.99), h.get("eps", 1e-8), h.get("momentum", 0.0)
    s["v"] = rho * s.get("v", 0.0) + (1 - rho) * (g * g)
    denominator = s["v"] + eps  # eps inside the square root
    if h.get("centered"):
        s["a"] = rho * s.get("a", 0.0) + (1 - rho) * g
        denominator = s["v"] - s["a"] * s["a"] + eps
    increment = lr * g / np.sqrt(denominator)
    if momentum > 0:
        s["m"] = momentum * s.get("m", 0.0) + increment
        return w - s["m"]
    return w - increment


def _keras_adagrad(w, g, h, lr, t, s):
    s["acc"] = s.get("acc", _f32(h.get("initial_accumulator_value", 0.0))) + g * g
    return w - lr * g / np.sqrt(s["acc"] + h.get("eps", 1e-10))  # eps inside the root


KERAS = {
    "sgd": _keras_sgd,
    "adam": _keras_adam,
    "adamw": _keras_adam,
    "rmsprop": _keras_rmsprop,
    "adagrad": _keras_adagrad,
}

# (optimizer, hyperparameters, least relative difference from torch.optim after 4 steps)
DIFFER = [
    ("sgd", {"lr": 0.1}, 1e-8),  # float32(0.1) as the learning rate
    ("sgd", {"lr": 0.1, "momentum": 0.9}, 1e-8),  # and float32(0.9) as momentum
    ("sgd", {"lr": 0.25, "momentum": 0.5, "weight_decay": 0.5}, 1e-2),  # decoupled decay
    ("adam", {"lr": 0.1}, 1e-6),  # float32 betas in the bias corrections
    ("adam", {"lr": 0.5, "betas": (0.5, 0.75), "eps": 0.1}, 1e-2),  # eps placement
    ("adam", {"lr": 0.5, "betas": (0.5, 0.75), "eps": 0.0, "weight_decay": 0.25}, 1e-2),
    ("adam", {"lr": 0.1, "eps": 1e-3, "amsgrad": True}, 1e-6),
    ("adamw", {"lr": 0.1, "weight_decay": 0.1}, 1e-6),
    ("rmsprop", {"lr": 0.25, "alpha": 0.75, "eps": 0.1}, 1e-3),  # eps inside the root
    ("rmsprop", {"lr": 0.25, "alpha": 0.75, "eps": 0.1, "momentum": 0.5, "centered": True}, 1e-3),
    ("adagrad", {"lr": 0.5, "eps": 0.1, "initial_accumulator_value": 0.1}, 1e-3),
]


@pytest.mark.parametrize("name,h,least", DIFFER, ids=[f"{d[0]}-{d[1]}" for d in DIFFER])
def test_optimizer_follows_keras_formulas(name, h, least):
    spec = "{" + ", ".join([f"name: {name}"] + [f"{k}: {_yaml(v)}" for k, v in h.items()]) + "}"
    case = _optimizer_case(spec)
    got = backends.run("tensorflow", case).params["w"]
    np.testing.assert_allclose(got, keras_steps(name, h, W0, X, 4), rtol=1e-13)
    torch = backends.run("numpy", case).params["w"]
    assert np.max(np.abs(got - torch) / np.abs(torch)) > least


def _yaml(value):
    if isinstance(value, bool):
        return str(value).lower()
    return list(value) if isinstance(value, tuple) else value


def test_adam_epsilon_with_tiny_gradients():
    """The documented numbers: one Adam step (lr 0.1, eps 1e-8) at gradient 1e-8."""
    case = make_case(
        "sum(w * X)", {"w": [1.0]}, {"X": [1e-8]}, extra="optimizer: {name: adam, lr: 0.1}\n"
    )
    keras_move = 1.0 - backends.run("tensorflow", case).params["w"][0]
    torch_move = 1.0 - backends.run("numpy", case).params["w"][0]
    assert torch_move == pytest.approx(0.05, rel=1e-6)
    assert keras_move == pytest.approx(
        0.1 * np.sqrt(1 - _f32(0.999)) / (np.sqrt(1 - _f32(0.999)) + 1), rel=1e-6
    )
    assert keras_move == pytest.approx(0.00306, rel=1e-2)


def test_float32_learning_rate_in_a_float64_run():
    """SGD(lr 0.1) on w = 3 with gradient 28: Keras steps with float32(0.1)."""
    case = make_case(
        "sum(w * X)", {"w": [3.0]}, {"X": [28.0]}, extra="optimizer: {name: sgd, lr: 0.1}\n"
    )
    got = backends.run("tensorflow", case).params["w"][0]
    assert got == 3.0 - 28.0 * _f32(0.1)
    assert got != pytest.approx(0.2, rel=1e-8, abs=0)


# ---- one spelling: the trees the backend runs are the lines repro prints --------------------


def test_the_backend_runs_the_table_repro_prints():
    from gradcheck_cli.repro import tf_code
    from gradcheck_cli.spelling import tensorflow as spelling

    assert tfb.FORWARD is spelling.SPELL and tf_code.SPELL is spelling.SPELL
    assert tfb.NORM_ORDS is spelling.NORM_ORDS


def test_the_keras_optimizer_is_built_from_its_tree():
    from gradcheck_cli.spelling import tensorflow as spelling
    from gradcheck_cli.spelling.printer import source

    case = make_case(
        "sum(w * X)", {"w": [3.0]}, {"X": [28.0]}, extra="optimizer: {name: adam, lr: 0.1}\n"
    )
    optimizer = tfb.optimizer(case.optimizer)
    assert type(optimizer).__name__ == "Adam" and optimizer.beta_2 == 0.999
    tree = spelling.OPTIMIZERS["adam"](tfb.hyperparameters("adam", {"lr": 0.1}))
    assert source(tree, []).text.startswith("tf.keras.optimizers.Adam(learning_rate=0.1, beta_1")


def test_integers_giving_floats_are_cast_in_the_trees_themselves():
    """The backend's `_in_case_dtype` is a safety net: the trees cast themselves."""
    from gradcheck_cli.backends import tf_program

    inputs = {"n": {"value": [[0, 1], [3, 2]], "dtype": "int64"}}
    case = _case("clip(n, 0.5, 2) * w", {"w": [[1.0, 1.0], [1.0, 1.0]]}, inputs, "float32")
    steps, error, _ = tf_program.lowered(case)
    program, env = tf_program.Program(case), dict(tfb.start(case).inputs)
    env.update({k: tf.constant(v, tf.float32) for k, v in case.params.items()})
    seen = []
    program._in_case_dtype = lambda name, value: seen.append(name) or value  # no cast
    assert error is None and len(steps) == 2
    assert program.run(env).dtype == tf.float32 and seen == ["%1", "%2"]
    assert env["%1"].dtype == tf.float32  # tf.cast(tf.clip_by_value(...), tf.float32)


@pytest.mark.parametrize(
    "cost, inputs",
    [
        ("outer(b, 0.5) * w", {"b": {"value": [True, False], "dtype": "bool"}}),
        ("clip(n, None, 1) * w", {"n": {"value": [[3, 0], [-2, 1]], "dtype": "int64"}}),
        (
            "where(m, n, 2.5) * w",
            {
                "m": {"value": [[True, False], [False, True]], "dtype": "bool"},
                "n": {"value": [[3, 0], [-2, 1]], "dtype": "int64"},
            },
        ),
    ],
)
def test_repro_scripts_of_former_gaps_print_the_backends_numbers(cost, inputs, tmp_path):
    """Scripts the former templates got wrong (a literal in tf.reshape, an integer clipped
    by float('-inf'), a float32 fill beside float64): one table, so the same numbers."""
    import json
    import subprocess
    import sys

    from gradcheck_cli import repro

    case = _case(cost, {"w": [[1.5, 0.5], [2.0, 1.0]]}, inputs, "float32")
    path = tmp_path / "script.py"
    path.write_text(repro.script(case, "tensorflow"))
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    printed = dict(line.split(": ", 1) for line in out.stdout.splitlines() if ": " in line)
    got = backends.run("tensorflow", case)
    np.testing.assert_allclose(json.loads(printed["value"]), got.value, rtol=1e-6)
    np.testing.assert_allclose(json.loads(printed["grad w"]), got.grad["w"], rtol=1e-6)
