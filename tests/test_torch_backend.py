"""The torch backend: its forward table against NumPy, indexing, kinks, reduce and optimizers.

The kink and tie conventions of the contract are pinned twice: by calling torch itself (so a
torch release that changes one fails here, naming it) and through the backend (so the
backend keeps using the function that has it). Every op against the numpy engine on
ordinary inputs is in test_backend_ops.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradcheck_cli import backends, ops, optim
from gradcheck_cli.backends import np_rules
from gradcheck_cli.ir import ArrayRef, Aval, Eqn, Lit, Var
from gradcheck_cli.run import Options, run_backend
from gradcheck_cli.spelling import torch as spelling
from gradcheck_cli.spelling.site import Operand, Site, lower
from gradcheck_cli.spelling.tree import BinOp, Input, bind

from .opcases import make_case

torch = pytest.importorskip("torch")
tb = pytest.importorskip("gradcheck_cli.backends.torch_backend")

pytestmark = [pytest.mark.frameworks, pytest.mark.filterwarnings("ignore::RuntimeWarning")]
INF = math.inf
M = [[0.5, -1.1, 0.8], [1.3, 0.2, -0.6]]
B3 = np.random.default_rng(0).normal(size=(2, 3, 4))


def test_the_table_has_every_op():
    assert sorted(set(ops.OPS) - set(spelling.ENTRIES)) == []
    assert sorted(set(spelling.ENTRIES) - set(ops.OPS)) == []
    assert sorted(spelling.SPELL) == sorted(ops.OPS)


def test_the_backend_and_repro_share_one_table():
    from gradcheck_cli.repro import torch_code

    assert torch_code.SPELL is spelling.SPELL
    assert tb.FORWARD is spelling.SPELL and not hasattr(torch_code, "TEMPLATES")
    assert sorted(spelling.OPTIMIZERS) == sorted(optim.HYPERPARAMETERS)


def _forward(op, *args, **attrs):
    """The spelling's tree for `op` on these operands (tensors or Python literals), bound to
    torch and run: what the backend runs for one equation."""
    arrays = [a.detach().numpy() if torch.is_tensor(a) else a for a in args]
    out = np.asarray(np_rules.apply(op, arrays, attrs, np.dtype("float64")))
    ins = tuple(
        Operand(Aval(tuple(a.shape), a.dtype)) if isinstance(a, np.ndarray) else Operand(None, a)
        for a in arrays
    )
    eqn = Eqn("%0", op, tuple(Var(f"a{i}") for i in range(len(args))), attrs)
    site = Site(eqn, ins, Aval(out.shape, out.dtype), np.dtype("float64"))
    return bind(spelling.SPELL[op](site), tb.NAMESPACE)(list(args))


# ---- kinks and ties: torch's own behaviour, then the backend's -----------------------------


def torch_grad(fn, x):
    x = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    fn(x).sum().backward()
    return x.grad.tolist()


KINKS = [
    # (what, torch function, cost for the backend, at, the gradient)
    ("abs'(0) = 0", torch.abs, "sum(abs(x))", [0.0], [0.0]),
    ("relu'(0) = 0", torch.relu, "sum(relu(x))", [0.0], [0.0]),
    (
        "amax ties split evenly",
        torch.amax,
        "max(x)",
        [1.0, 3.0, 3.0, 3.0],
        [0, 1 / 3, 1 / 3, 1 / 3],
    ),
    ("amin ties split evenly", torch.amin, "min(x)", [2.0, 1.0, 1.0], [0.0, 0.5, 0.5]),
    ("sqrt'(0) = inf", torch.sqrt, "sum(sqrt(x))", [0.0, 4.0], [INF, 0.25]),
    ("linalg.norm'(0) = 0", torch.linalg.norm, "norm(x)", [0.0, 0.0], [0.0, 0.0]),
    (
        "clamp passes 1 at its bounds",
        lambda x: torch.clamp(x, -1.0, 1.0),
        "sum(clip(x, -1.0, 1.0))",
        [-1.0, 1.0, 0.0, 2.0],
        [1.0, 1.0, 1.0, 0.0],
    ),
]


@pytest.mark.parametrize(("what", "fn", "cost", "at", "want"), KINKS, ids=[k[0] for k in KINKS])
def test_kink_convention_of_torch(what, fn, cost, at, want):
    assert torch_grad(fn, at) == pytest.approx(want), what


@pytest.mark.parametrize(("what", "fn", "cost", "at", "want"), KINKS, ids=[k[0] for k in KINKS])
def test_kink_convention_through_the_backend(what, fn, cost, at, want):
    case = make_case(cost, {"x": at}, {})
    assert backends.run("torch", case).grad["x"].tolist() == pytest.approx(want), what


def test_maximum_tie_gives_half_to_each_side():
    x = torch.tensor([2.0], dtype=torch.float64, requires_grad=True)
    y = torch.tensor([2.0], dtype=torch.float64, requires_grad=True)
    torch.maximum(x, y).backward()
    assert (x.grad.item(), y.grad.item()) == (0.5, 0.5)
    # maximum(x, x): each side takes a half, and both halves land on x
    assert torch_grad(lambda x: torch.maximum(x, x), [2.0]) == [1.0]
    case = make_case("maximum(x, y) + minimum(x, y) + sum(maximum(x, x))", {"x": 2.0, "y": 2.0}, {})
    grad = backends.run("torch", case).grad
    assert (grad["x"], grad["y"]) == (2.0, 1.0)


# ---- the forward table against NumPy's semantics -----------------------------------------

FORWARD_CASES = [
    # (op, array args, attrs): NumPy's spellings the torch functions do not share
    ("sum", (B3,), {"axis": ()}),
    ("mean", (B3,), {"axis": (), "keepdims": True}),
    ("prod", (B3,), {"axis": (2, 0)}),
    ("prod", (B3,), {"axis": (0, -1), "keepdims": True}),
    ("max", (B3,), {"axis": None, "keepdims": True}),
    ("argmax", (B3,), {"axis": None, "keepdims": True}),
    ("argmin", (B3,), {"axis": 1}),
    ("logsumexp", (B3,), {"axis": None}),
    ("logsumexp", (np.array([-INF, -INF]),), {}),
    ("norm", (B3,), {}),  # axis and ord None: the flattened 2-norm, any ndim
    ("norm", (B3,), {"keepdims": True}),
    ("norm", (B3[0],), {"ord": 2}),  # ord with axis None on 2-D: the spectral norm
    ("norm", (B3[0],), {"ord": 1}),
    ("norm", (B3[0],), {"ord": -INF}),
    ("norm", (B3,), {"ord": "nuc", "axis": (2, 0)}),
    ("norm", (B3,), {"ord": 3, "axis": (1,)}),
    ("norm", (B3[0, 0],), {"ord": 0}),
    ("softmax", (B3,), {"axis": (0, 2)}),
    ("log_softmax", (B3,), {"axis": None}),
    ("cumsum", (B3,), {}),
    ("dot", (B3, B3[0].T), {}),
    ("dot", (B3, np.ones((2, 4, 5))), {}),
    ("dot", (B3[0, 0], B3[1, 0]), {}),
    ("dot", (B3, 2.0), {}),
    ("outer", (B3[0], B3[1, 0]), {}),
    ("transpose", (B3,), {"axes": None}),
    ("transpose", (B3,), {"axes": (-1, 0, 1)}),
    ("expand_dims", (B3,), {"axis": (0, -1)}),
    ("squeeze", (B3[:1, :, :1],), {"axis": (0, 2)}),
    ("flip", (B3,), {"axis": None}),
    ("concatenate", (B3, B3[:1]), {"axis": None}),
    ("stack", (B3[0, 0], 1.5 * B3[0, 0]), {"axis": -1}),
    ("where", (np.array([0.0, 2.0]), np.array([1.0, 2.0]), 0.5), {}),
    ("clip", (B3, None, None), {}),
    ("clip", (B3, B3[0, 0], 0.2), {}),
    ("maximum", (B3, 0.1), {}),
    ("minimum", (np.array([1, 2, 3]), 1.5), {}),  # an int array and a float: float, not cut
    ("arctan2", (1.0, B3), {}),
    ("exp", (1.0,), {}),
]


def _as_torch(x):
    return torch.from_numpy(x) if isinstance(x, np.ndarray) else x


@pytest.mark.parametrize(("op", "args", "attrs"), FORWARD_CASES, ids=[c[0] for c in FORWARD_CASES])
def test_forward_is_numpys(op, args, attrs):
    want = np_rules.FORWARD[op](*args, **attrs)
    with tb._default_dtype(torch.float64):  # as in a float64 case: literals made float64
        got = _forward(op, *map(_as_torch, args), **attrs)
    assert tuple(got.shape) == want.shape
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-12, atol=1e-12)


def test_literals_reach_torch_untouched():
    case = make_case("sum(x ** 2) + sum(x ** 2.0)", {"x": [0.0, 3.0]}, {})
    powers = [step for step in lower(case, spelling.SPELL) if step.eqn.op == "power"]
    assert [step.tree for step in powers] == [BinOp("**", Input(0), Input(1))] * 2
    assert [type(step.eqn.inputs[1]) for step in powers] == [Lit, Lit]
    assert [type(step.eqn.inputs[1].value) for step in powers] == [int, float]
    backends.run("torch", case)
    assert _forward("power", torch.tensor([0, 3]), 2).dtype == torch.int64


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_arithmetic_is_in_the_case_dtype(dtype):
    case = make_case(
        "sum(k * 0.5 * x) + sum(maximum(x, 2) / k)",
        {"x": [1.0, 3.0]},
        {"k": {"value": [1, 4], "dtype": "int64"}},
        dtype,
    )
    before = torch.get_default_dtype()
    out = backends.run("torch", case)
    assert out.value.dtype == out.grad["x"].dtype == np.dtype(dtype)
    assert out.grad["x"].tolist() == pytest.approx([0.5, 2.0 + 0.25])
    assert torch.get_default_dtype() == before


# ---- indexing ------------------------------------------------------------------------------


def _slices(n: int):
    bound = st.none() | st.integers(-n - 2, n + 2)
    step = st.none() | st.integers(-3, 3).filter(bool)
    return st.builds(slice, bound, bound, step)


@settings(max_examples=150, deadline=None)
@given(_slices(2), _slices(3), _slices(4), st.booleans())
def test_any_slice_step_is_numpys_value_and_gradient(s0, s1, s2, ellipsis):
    index = (s0, Ellipsis, s2) if ellipsis else (s0, s1, s2)
    want = np_rules.FORWARD["getitem"](B3, index=index)
    x = torch.tensor(B3, requires_grad=True)
    got = _forward("getitem", x, index=index)
    np.testing.assert_array_equal(got.detach().numpy(), want)
    g = np.random.default_rng(0).normal(size=want.shape)
    (got * torch.from_numpy(g)).sum().backward()
    (want_grad,) = np_rules.VJP["getitem"](g, want, B3, index=index)
    np.testing.assert_array_equal(x.grad.numpy(), want_grad)


def test_gathers_masks_and_negative_indices():
    idx = np.array([[1, 1], [0, 1]], np.int32)  # with [2, -1]: (1, :, 3) twice
    mask = np.array([True, False, True])
    index = (ArrayRef(1), slice(None, None, -1), (2, -1))
    x = torch.tensor(B3, requires_grad=True)
    got = _forward("getitem", x, torch.from_numpy(idx), index=index)
    want = B3[idx, ::-1, [2, -1]]
    np.testing.assert_array_equal(got.detach().numpy(), want)
    g = np.arange(want.size, dtype=np.float64).reshape(want.shape)
    (got * torch.from_numpy(g)).sum().backward()
    want_grad = np_rules.VJP["getitem"](g, want, B3, idx, index=index)[0]
    np.testing.assert_array_equal(x.grad.numpy(), want_grad)  # a repeat accumulates
    assert x.grad[1, 0, 3].item() == g[0, 1, 2] + g[1, 1, 2]  # row 0 is k = 2, flipped
    masked = _forward("getitem", x, torch.from_numpy(mask), index=(None, -1, ArrayRef(1)))
    np.testing.assert_array_equal(masked.detach().numpy(), B3[None, -1, mask])


# NumPy counts an integer among lists as an advanced entry, and any entry between two of
# them (a zero-width `...` too) makes them apart: their axes go first. torch selects the
# integer first and judges adjacency among its tensors alone.
TORCH_OWN_INDEXING = [
    # (shape, index, NumPy's shape, torch's own shape)
    ((5, 6, 4), (3, slice(2, None), [1, 3]), (2, 4), (4, 2)),
    ((3, 3, 2), (2, slice(None), [0, 1, 1]), (3, 3), (3, 3)),  # torch's is the transpose
    ((3, 4, 5), (slice(None), [0, 1], Ellipsis, [1, 0]), (2, 3), (3, 2)),
]


@pytest.mark.parametrize(("shape", "index", "numpy_shape", "torch_shape"), TORCH_OWN_INDEXING)
def test_an_integer_or_an_entry_between_lists_is_numpys_rule(
    shape, index, numpy_shape, torch_shape
):
    x = np.arange(np.prod(shape), dtype=np.float64).reshape(shape)
    own = torch.from_numpy(x)[index]
    assert tuple(own.shape) == torch_shape  # torch's own rule, pinned
    assert x[index].shape == numpy_shape
    if numpy_shape == torch_shape:
        assert not np.array_equal(own.numpy(), x[index])
    entries = tuple(tuple(e) if isinstance(e, list) else e for e in index)
    got = _forward("getitem", torch.from_numpy(x), index=entries)
    np.testing.assert_array_equal(got.numpy(), x[index])


def test_bool_operands_are_promoted_as_numpy_does():
    """torch refuses `m - w` and relu(m) for a bool m; NumPy promotes m to w's dtype (and
    to int64 in relu(m), which is maximum(m, 0))."""
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with a bool"):
        torch.tensor([True, False]) - torch.tensor([0.5, 0.5])
    with pytest.raises(RuntimeError, match="Boolean inputs not supported for relu"):
        torch.relu(torch.tensor([True]))
    inputs = {"m": {"value": [True, False], "dtype": "bool"}}
    case = make_case("sum((m - w) * relu(m) + abs(m) * w ** m)", {"w": [0.5, 2.0]}, inputs)
    got, want = backends.run("torch", case), backends.run("numpy", case)
    assert got.value == want.value == pytest.approx(0.5 + 0.5)
    np.testing.assert_allclose(got.grad["w"], want.grad["w"], rtol=1e-12)


# ---- reduce and the training loop -----------------------------------------------------------


def test_native_reduce_is_torchs_refusal():
    case = make_case("w * 2", {"w": [1.0, 2.0]}, {}, extra="reduce: native\n")
    outcome = run_backend("torch", case, Options())
    assert "grad can be implicitly created only for scalar outputs" in outcome.error
    assert outcome.error_type == "RuntimeError"
    scalar = make_case("sum(w * 2)", {"w": [1.0, 2.0]}, {}, extra="reduce: native\n")
    assert backends.run("torch", scalar).grad["w"].tolist() == [2.0, 2.0]


def test_mean_reduce_and_a_param_the_cost_does_not_read():
    case = make_case("w ** 2", {"w": [1.0, 3.0], "z": [5.0]}, {}, extra="reduce: mean\n")
    out = backends.run("torch", case)
    assert out.grad["w"].tolist() == [1.0, 3.0] and out.grad["z"].tolist() == [0.0]


def test_the_value_is_a_copy_of_a_param_the_optimizer_moves():
    case = make_case("w", {"w": 2.0}, {}, extra="optimizer: {name: sgd, lr: 0.5}\nsteps: 2\n")
    out = backends.run("torch", case)
    assert out.value == 2.0 and out.costs.tolist() == [2.0, 1.5] and out.params["w"] == 1.0


OPTIMIZERS = [
    "{name: sgd, lr: 0.1, momentum: 0.9, nesterov: true, weight_decay: 0.01}",
    "{name: sgd, lr: 0.1, momentum: 0.5, dampening: 0.3}",
    "{name: adam, lr: 0.05, betas: [0.8, 0.9], eps: 1e-6, weight_decay: 0.1, amsgrad: true}",
    "{name: adamw, lr: 0.05}",
    "{name: rmsprop, lr: 0.01, alpha: 0.9, momentum: 0.5, centered: true}",
    "{name: adagrad, lr: 0.1, initial_accumulator_value: 0.5, eps: 1e-8}",
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("spec", OPTIMIZERS)
def test_torch_optim_agrees_with_gradchecks_formulas(spec, dtype):
    extra = f"optimizer: {spec}\nsteps: 5\nwrt: [m, z]\n"
    params = {"m": M, "u": [1.0, 2.0, 3.0], "z": [1.0]}
    case = make_case("sum(m ** 2 * u) + sum(sin(m)) + sum(z * z)", params, {}, dtype, extra)
    got, want = backends.run("torch", case), backends.run("numpy", case)
    tol = {"float64": {"rtol": 1e-12}, "float32": {"rtol": 1e-5, "atol": 1e-6}}[dtype]
    np.testing.assert_allclose(got.costs, want.costs, **tol)
    for name in params:
        np.testing.assert_allclose(got.params[name], want.params[name], **tol, err_msg=name)
        assert got.params[name].dtype == np.dtype(dtype)


def test_a_param_the_cost_does_not_reach_is_not_stepped_by_torch_optim():
    # torch.optim skips a param whose .grad is None: no weight decay. The numpy engine (and
    # optax) see a zero gradient and decay it: a real difference, reported, not hidden.
    extra = "optimizer: {name: adamw, lr: 0.1, weight_decay: 0.5}\nsteps: 2\n"
    case = make_case("sum(w * w)", {"w": [1.0], "z": [2.0]}, {}, extra=extra)
    torch_out, numpy_out = backends.run("torch", case), backends.run("numpy", case)
    assert torch_out.grad["z"].tolist() == [0.0]
    assert torch_out.params["z"].tolist() == [2.0]
    assert numpy_out.params["z"][0] == pytest.approx(2.0 * (1 - 0.1 * 0.5) ** 2)


@pytest.mark.parametrize("name", sorted(optim.HYPERPARAMETERS))
def test_every_table_hyperparameter_is_passed_and_no_other(name):
    hparams = {"lr": 0.3}
    case = make_case(
        "sum(w ** 2)", {"w": [1.0]}, {}, extra=f"optimizer: {{name: {name}, lr: 0.3}}\n"
    )
    opt = tb.start(case).optimizer
    assert type(opt).__name__.lower() == name
    group = opt.param_groups[0]
    for key, default in optim.HYPERPARAMETERS[name].items():
        assert group[key] == hparams.get(key, default), key
    defaults = type(opt)([torch.zeros(1, requires_grad=True)], lr=0.3).param_groups[0]
    others = {k for k in group if k not in optim.HYPERPARAMETERS[name] and k != "params"}
    assert {k: group[k] for k in others} == {k: defaults[k] for k in others}
