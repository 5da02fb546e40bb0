"""gradcheck_cli.optim: hand-checked steps, `check` messages, and agreement with torch.optim."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from gradcheck_cli import optim

# --- hand-checked, no torch needed --------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sgd_seed_case(dtype):
    # the contract's seed case: GradientDescentOptimizer(1) on grad [6, 28] at [2, 3]
    w = np.array([2.0, 3.0], dtype)
    new = optim.make("sgd", {"lr": 1.0}).step({"w": w}, {"w": np.array([6.0, 28.0], dtype)})
    np.testing.assert_array_equal(new["w"], [-4.0, -25.0])
    assert new["w"].dtype == dtype
    np.testing.assert_array_equal(w, [2.0, 3.0])  # the input is not mutated


@pytest.mark.parametrize("name", ["adam", "adamw", "amsgrad"])
def test_first_adam_step_moves_by_lr_times_sign(name):
    # bias correction makes the first step lr * g / (|g| + eps), whatever the betas
    hparams = {"lr": 0.01, "weight_decay": 0.0}
    if name == "amsgrad":
        name, hparams["amsgrad"] = "adam", True
    p = np.array([1.0, -2.0, 0.5, 3.0])
    g = np.array([0.3, -4.0, 1e-3, -1e2])
    new = optim.make(name, hparams).step({"p": p}, {"p": g})
    np.testing.assert_allclose(new["p"], p - 0.01 * np.sign(g), rtol=1e-6)


def test_state_is_per_param_and_a_param_without_grad_is_kept():
    opt = optim.make("sgd", {"lr": 0.5, "momentum": 0.9})
    params = {"a": np.array([1.0]), "b": np.array([2.0, 3.0])}
    params = opt.step(params, {"a": np.array([1.0]), "b": np.array([1.0, 1.0])})
    params = opt.step(params, {"a": np.array([1.0])})
    np.testing.assert_allclose(params["a"], [1.0 - 0.5 - 0.5 * 1.9])
    np.testing.assert_allclose(params["b"], [1.5, 2.5])
    assert sorted(opt.state) == ["a", "b"] and opt.state["a"]["step"] == 2


def test_float32_stays_float32_in_every_optimizer():
    p = {"w": np.array([[1.0, -2.0]], np.float32)}
    g = {"w": np.array([[0.5, 0.25]], np.float32)}
    for name in optim.HYPERPARAMETERS:
        hparams = {"lr": 0.1, **({"momentum": 0.5} if name in ("sgd", "rmsprop") else {})}
        assert optim.make(name, hparams).step(p, g)["w"].dtype == np.float32, name


def test_numpy_scalar_hyperparameters_do_not_promote():
    opt = optim.make("sgd", {"lr": np.float64(0.1), "weight_decay": np.float64(0.1)})
    new = opt.step({"w": np.ones(2, np.float32)}, {"w": np.ones(2, np.float32)})
    assert new["w"].dtype == np.float32


def test_make_fills_defaults_and_refuses_bad_input():
    opt = optim.make("adamw", {"lr": 0.1})
    assert opt.hparams == {**optim.HYPERPARAMETERS["adamw"], "lr": 0.1}
    assert opt.hparams["weight_decay"] == 1e-2 and isinstance(opt.hparams["betas"], tuple)
    with pytest.raises(ValueError, match="'lr' is required"):
        optim.make("sgd", {})


def test_the_table_is_the_contracts():
    assert optim.HYPERPARAMETERS["sgd"]["lr"] is optim.REQUIRED
    assert {name: list(h) for name, h in optim.HYPERPARAMETERS.items()} == {
        "sgd": ["lr", "momentum", "dampening", "nesterov", "weight_decay"],
        "adam": ["lr", "betas", "eps", "weight_decay", "amsgrad"],
        "adamw": ["lr", "betas", "eps", "weight_decay", "amsgrad"],
        "rmsprop": ["lr", "alpha", "eps", "momentum", "centered"],
        "adagrad": ["lr", "eps", "initial_accumulator_value"],
    }


# --- check messages -----------------------------------------------------------------------


def _one(name, hparams):
    problems = optim.check(name, hparams)
    assert len(problems) == 1, problems
    return problems[0]


def test_check_accepts_valid_hyperparameters():
    assert optim.check("sgd", {"lr": 1}) == []
    assert optim.check("sgd", {"name": "sgd", "lr": 0.1, "momentum": 0.9, "nesterov": True}) == []
    assert optim.check("adam", {"betas": [0.5, 0.0], "amsgrad": True}) == []
    assert optim.check("rmsprop", {}) == []


def test_check_unknown_optimizer_suggests_and_lists_the_known():
    message = _one("adma", {})
    assert "did you mean 'adam'?" in message
    assert "adagrad, adam, adamw, rmsprop, sgd" in message
    assert "AMSGrad is {name: adam, amsgrad: true}" in message


def test_check_amsgrad_as_a_name_points_to_adam():
    message = _one("amsgrad", {"lr": 0.1})
    assert "(AMSGrad is {name: adam, amsgrad: true}; known:" in message
    assert "adagrad'" not in message


def test_check_unknown_hyperparameter_suggests_a_close_one():
    message = _one("sgd", {"lr": 0.1, "momentun": 0.9})
    assert "unknown sgd hyperparameter 'momentun'" in message
    assert "did you mean 'momentum'?" in message
    assert "did you mean" not in _one("adagrad", {"nesterov": True})


def test_check_missing_lr():
    assert "'lr' is required for sgd" in _one("sgd", {"momentum": 0.9})


@pytest.mark.parametrize(
    ("name", "hparams", "text"),
    [
        ("sgd", {"lr": True}, "'lr' must be a number, not bool (True)"),
        ("adam", {"eps": "1e-8"}, "'eps' must be a number, not str ('1e-8')"),
        ("adam", {"betas": 0.9}, "'betas' must be a list of two numbers"),
        ("adam", {"betas": [0.9, False]}, "'betas' must be a list of two numbers"),
        ("adam", {"betas": [0.9, 0.99, 0.999]}, "'betas' must be a list of two numbers"),
        ("sgd", {"lr": 1.0, "nesterov": 1}, "'nesterov' must be true or false, not int (1)"),
        ("rmsprop", {"centered": "yes"}, "'centered' must be true or false"),
    ],
)
def test_check_types(name, hparams, text):
    assert text in _one(name, hparams)


@pytest.mark.parametrize(
    ("name", "hparams", "text"),
    [
        ("sgd", {"lr": -0.1}, "'lr' must be >= 0, not -0.1"),
        ("adam", {"lr": float("nan")}, "'lr' must be >= 0, not nan"),
        ("rmsprop", {"alpha": -1}, "'alpha' must be >= 0"),
        ("adagrad", {"initial_accumulator_value": -1.0}, "'initial_accumulator_value' must"),
        ("adamw", {"betas": [0.9, 1.0]}, "'betas' must both be in [0, 1), not [0.9, 1.0]"),
        ("sgd", {"lr": 0.1, "nesterov": True}, "nesterov needs momentum > 0 and dampening 0"),
        ("sgd", {"lr": 0.1, "nesterov": True, "momentum": 0.9, "dampening": 0.1}, "nesterov"),
    ],
)
def test_check_values_torch_refuses(name, hparams, text):
    assert text in _one(name, hparams)


def test_negative_dampening_is_allowed_as_in_torch():
    assert optim.check("sgd", {"lr": 0.1, "momentum": 0.9, "dampening": -0.5}) == []


# --- against torch.optim ------------------------------------------------------------------

SHAPES = {"w": (3,), "b": (2, 4)}


def _grid(name):
    if name == "sgd":
        for momentum in (0.0, 0.9):
            for dampening in (0.0, 0.3):
                for nesterov in (False, True):
                    if nesterov and not (momentum and not dampening):
                        continue
                    for wd in (0.0, 0.05):
                        yield {
                            "lr": 0.1,
                            "momentum": momentum,
                            "dampening": dampening,
                            "nesterov": nesterov,
                            "weight_decay": wd,
                        }
    elif name in ("adam", "adamw"):
        for amsgrad in (False, True):
            for wd in (0.0, 0.1):
                yield {"lr": 0.05, "amsgrad": amsgrad, "weight_decay": wd}
        yield {}  # every default
        yield {"lr": 0.05, "betas": [0.3, 0.6], "eps": 1e-3, "amsgrad": True}  # lerp's 2nd branch
    elif name == "rmsprop":
        for momentum in (0.0, 0.9):
            for centered in (False, True):
                yield {"lr": 0.01, "momentum": momentum, "centered": centered}
        yield {"alpha": 0.4, "centered": True, "eps": 1e-3}  # lerp's second branch
    else:
        for initial in (0.0, 0.1):
            yield {"lr": 0.1, "initial_accumulator_value": initial}


CASES = [(name, hparams) for name in optim.HYPERPARAMETERS for hparams in _grid(name)]


def _quadratic_grads(params, dtype):
    """grads of sum(scale * (p - target)**2) / 2: deterministic and dependent on the params."""
    grads = {}
    for i, (key, p) in enumerate(sorted(params.items())):
        rng = np.random.default_rng(100 + i)
        scale = rng.uniform(0.5, 3.0, p.shape).astype(dtype)
        target = rng.normal(size=p.shape).astype(dtype)
        grads[key] = scale * (p - target)
    return grads


def _torch_run(torch, name, hparams, start, dtype, steps):
    classes = {"sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop"}
    cls = getattr(torch.optim, classes.get(name, "Adagrad"))
    kwargs = {k: tuple(v) if k == "betas" else v for k, v in hparams.items()}
    tensors = {k: torch.tensor(v, requires_grad=True) for k, v in start.items()}
    opt = cls(list(tensors.values()), foreach=False, **kwargs)
    for _ in range(steps):
        now = {k: t.detach().numpy().copy() for k, t in tensors.items()}
        for key, g in _quadratic_grads(now, dtype).items():
            tensors[key].grad = torch.from_numpy(g)
        opt.step()
    return {k: t.detach().numpy() for k, t in tensors.items()}


@pytest.mark.frameworks
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("name", "hparams"), CASES, ids=[f"{n}-{h}" for n, h in CASES])
def test_matches_torch_optim(name, hparams, dtype):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    start = {k: rng.normal(size=shape).astype(dtype) for k, shape in SHAPES.items()}
    opt = optim.make(name, hparams)
    params = {k: v.copy() for k, v in start.items()}
    for _ in range(5):
        params = opt.step(params, _quadratic_grads(params, dtype))
    expected = _torch_run(torch, name, hparams, start, dtype, steps=5)
    rtol = 1e-12 if dtype == np.float64 else 1e-6
    for key in SHAPES:
        assert params[key].dtype == dtype
        np.testing.assert_allclose(params[key], expected[key], rtol=rtol, err_msg=key)
        assert not np.array_equal(params[key], start[key])


@pytest.mark.frameworks
def test_defaults_are_torchs_own():
    torch = pytest.importorskip("torch")
    classes = {"sgd": "SGD", "adam": "Adam", "adamw": "AdamW", "rmsprop": "RMSprop"}
    for name, table in optim.HYPERPARAMETERS.items():
        cls = getattr(torch.optim, classes.get(name, "Adagrad"))
        signature = inspect.signature(cls).parameters
        for key, default in table.items():
            if default is not optim.REQUIRED:  # torch's SGD lr default 1e-3 is not the contract's
                assert signature[key].default == default, (name, key)
