"""The fd oracle's fast paths and methods, each against the plain one: batched evaluation
against the perturbation-by-perturbation loop, the complex step against central differences
and the exact gradient, Richardson against central differences, and the batched rules of
`fd_batch` op by op against a plain run of each row."""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck_cli import backends
from gradcheck_cli.backends import fd_batch, np_engine
from gradcheck_cli.backends.fd import FdSession
from gradcheck_cli.backends.fd_methods import COMPLEX_OPS, complex_refusal
from gradcheck_cli.errors import UsageError
from gradcheck_cli.ops import OPS, V2

from .opcases import OPCASES, POS, V, make_case

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

CASES = {id_: (cost, params, inputs) for id_, _, cost, params, inputs in OPCASES}
# the opcases use these analytic ops only beside non-analytic ones
CASES["sigmoid-square-sqrt"] = ("sum(sigmoid(v) * square(v) + sqrt(p))", {"v": V, "p": POS}, {})
# opcases the batched rules decline: a mask computed from a param, argmax over everything
UNBATCHED = {"argmax-gather", "index-mask"}
UNBATCHED |= {"arrange-gather", "arrange-copies", "arrange-moves"}  # no batched rules
UNBATCHED |= {"decompositions-v2", "stats-v2-products", "stats-v2-diagonals", "stats-v2-reductions"}


def _case(id_: str):
    return make_case(*CASES[id_])


def _exact(case) -> dict[str, np.ndarray]:
    c = case
    return np_engine.value_and_grad(c.program, c.params, c.inputs, c.wrt, c.reduce).grads


def _evaluate(case, **options):
    session = FdSession(case, {"fd_mode": "full", **options})
    return session, session.evaluate()


# ---- batched equals looped --------------------------------------------------------------


@pytest.mark.parametrize("method", ["central", "complex", "richardson"])
@pytest.mark.parametrize("id_", sorted(CASES))
def test_batched_fd_equals_looped_fd(id_, method):
    case = _case(id_)
    batched_session, batched = _evaluate(case, fd_method=method)
    looped_session, looped = _evaluate(case, fd_method=method, fd_batch=False)
    assert batched_session.batch == (id_ not in UNBATCHED)
    assert not looped_session.batch and batched.fd.method == looped.fd.method
    for name, grad in looped.grads.items():
        scale = np.max(np.abs(grad), initial=1.0)
        np.testing.assert_allclose(batched.grads[name], grad, rtol=1e-9, atol=1e-12 * scale)
        # an estimate made of rounding-level differences: the same size, not the same digits
        ratio = (batched.fd.error[name] + 1e-300) / (looped.fd.error[name] + 1e-300)
        assert np.all((ratio > 0.1) & (ratio < 10))


def test_the_directional_mode_batched_equals_looped():
    case = make_case(
        "sum(tanh(w * c) + w ** 2)", {"w": {"shape": [40], "seed": 1}}, {"c": {"shape": [40]}}
    )
    for method in ("central", "complex"):
        options = {"fd_mode": "directional", "fd_method": method}
        batched = FdSession(case, options).evaluate()
        looped = FdSession(case, {**options, "fd_batch": False}).evaluate()
        assert batched.fd.method == looped.fd.method == method
        for b, p in zip(batched.fd.projections, looped.fd.projections, strict=True):
            np.testing.assert_array_equal(b.direction["w"], p.direction["w"])
            assert abs(b.value - p.value) <= 1e-10 * max(1.0, abs(p.value))


def test_a_batch_is_split_into_chunks_that_give_the_same_gradient(monkeypatch):
    case = _case("matmul")
    _, whole = _evaluate(case, fd_method="central")
    monkeypatch.setattr("gradcheck_cli.backends.fd.BATCH_BYTES", 1)  # one row per chunk
    session, chunked = _evaluate(case, fd_method="central")
    assert session.chunk == 1 and session.batch
    for name, grad in whole.grads.items():
        np.testing.assert_allclose(chunked.grads[name], grad, rtol=1e-12, atol=1e-15)


# ---- the complex step -------------------------------------------------------------------


def _analytic(id_: str) -> bool:
    return all(e.op in COMPLEX_OPS for e in _case(id_).program.eqns)


ANALYTIC = sorted(i for i in CASES if _analytic(i))
NOT_ANALYTIC = sorted(i for i in CASES if not _analytic(i))


def test_the_analytic_opcases_cover_every_op_the_complex_step_takes():
    """The v1 ops, each in an analytic op case; the v2 functions take the complex step in
    their generated forms (tests/test_generated_ops.py, the complex variants)."""
    covered = {e.op for i in ANALYTIC for e in _case(i).program.eqns}
    v2 = {op.name for op in V2}
    assert covered <= COMPLEX_OPS and COMPLEX_OPS - covered <= v2


@pytest.mark.parametrize("id_", ANALYTIC)
def test_the_complex_step_is_exact_on_analytic_cases(id_):
    case = _case(id_)
    _, out = _evaluate(case)  # auto
    assert out.fd.method == "complex" and out.fd.note == ""
    for name, exact in _exact(case).items():
        scale = np.max(np.abs(exact))
        np.testing.assert_allclose(out.grads[name], exact, rtol=1e-13, atol=1e-13 * scale)


@pytest.mark.parametrize("id_", ANALYTIC)
def test_the_complex_step_agrees_with_central_differences(id_):
    case = _case(id_)
    _, complex_ = _evaluate(case, fd_method="complex")
    _, central = _evaluate(case, fd_method="central")
    for name, grad in central.grads.items():
        bound = 10 * central.fd.error[name] + 1e-9 * np.max(np.abs(grad))
        assert np.all(np.abs(complex_.grads[name] - grad) <= bound)


@pytest.mark.parametrize("id_", NOT_ANALYTIC)
def test_the_complex_step_is_never_chosen_for_a_non_analytic_program(id_):
    case = _case(id_)
    _, auto = _evaluate(case)
    assert auto.fd.method == "central" and auto.fd.note == ""
    _, asked = _evaluate(case, fd_method="complex")
    assert asked.fd.method == "central" and "not analytic" in asked.fd.note


def test_every_analytic_op_but_arctan2_takes_complex_numbers():
    analytic = {n for n, op in OPS.items() if op.analytic}
    assert analytic - {"arctan2"} == COMPLEX_OPS


@pytest.mark.parametrize(
    "cost,params,inputs,edge",
    [
        ("sum(sqrt(x))", {"x": [0.0, 4.0]}, {}, "sqrt"),  # a branch point: sqrt'(0) = inf
        ("sum(log(x))", {"x": [0.0, 4.0]}, {}, "log"),
        ("sum(arcsin(x))", {"x": [1.0, 0.5]}, {}, "arcsin"),
        ("sum(x ** y)", {"x": [-2.0, 3.0], "y": [2.0, 2.0]}, {}, "power"),  # (-2) ** y: a cut
        ("sum(x ** 0.5)", {"x": [0.0, 3.0]}, {}, "power"),
        ("sum(1 / x)", {"x": [0.0, 3.0]}, {}, "divide"),
    ],
)
def test_the_complex_step_is_not_used_at_the_edge_of_an_ops_domain(cost, params, inputs, edge):
    case = make_case(cost, params, inputs)
    env = {**case.inputs, **case.params}
    assert edge in complex_refusal(case.program, np_engine.forward(case.program, env).env)
    _, out = _evaluate(case)
    assert out.fd.method == "central"
    _, plain = _evaluate(case, fd_method="central")
    for name, grad in plain.grads.items():
        np.testing.assert_array_equal(out.grads[name], grad)


def test_a_whole_exponent_of_a_negative_base_keeps_the_complex_step():
    case = make_case("sum(x ** 3 + x ** -1)", {"x": [-2.0, 0.5]}, {})
    _, out = _evaluate(case)
    assert out.fd.method == "complex"
    np.testing.assert_allclose(out.grads["x"], _exact(case)["x"], rtol=1e-14)


def test_the_method_used_is_reported_and_an_unknown_one_refused():
    case = make_case("sum(exp(w) + abs(w))", {"w": [0.5, 1.0]}, {})
    for asked, used in [("auto", "central"), ("richardson", "richardson")]:
        assert _evaluate(case, fd_method=asked)[1].fd.method == used
    out = backends.run("fd", make_case("sum(exp(w))", {"w": [0.5, 1.0]}, {}))
    np.testing.assert_allclose(out.grad["w"], np.exp([0.5, 1.0]), rtol=1e-15)
    with pytest.raises(UsageError, match="fd_method 'exact'"):
        FdSession(make_case("sum(w)", {"w": [1.0]}, {}), {"fd_method": "exact"})


# ---- Richardson ---------------------------------------------------------------------------


def test_richardson_beats_central_differences_on_a_smooth_case():
    case = make_case(
        "sum(exp(w) * sin(3 * w) + tanh(w) / (2 + cos(w)))",
        {"w": {"shape": [20], "init": "uniform", "low": -2, "high": 2, "seed": 3}},
        {},
    )
    exact = _exact(case)["w"]
    errors = {}
    for method in ("central", "richardson"):
        _, out = _evaluate(case, fd_method=method)
        assert out.fd.method == method
        errors[method] = np.max(np.abs(out.grads["w"] - exact))
        assert np.all(np.abs(out.grads["w"] - exact) <= 10 * out.fd.error["w"])  # an estimate
    assert errors["richardson"] < errors["central"] / 10


# ---- the batched rules, op by op, against a plain run of each row -----------------------

BATCHED_PROGRAMS = [
    ("w * m + c", {"w": [0.5, -1.0, 2.0]}, {"m": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], "c": 1.5}),
    (
        "where(w > 0, w, m) + clip(w, -0.5, n)",
        {"w": [0.5, -1.0, 2.0]},
        {"m": [[1.0, 2, 3]], "n": 1.0},
    ),
    (
        "sum(m * w, axis=1) + mean(w) + prod(w, keepdims=True)",
        {"w": [0.5, -1.0, 2.0]},
        {"m": [[1.0, 2, 3]]},
    ),
    ("max(w, axis=0) + logsumexp(w, axis=-1, keepdims=True)", {"w": [[0.5, -1.0], [2.0, 0.1]]}, {}),
    (
        "softmax(w, axis=0) + log_softmax(w) + cumsum(w, axis=1) + cumsum(w)[:4].reshape(2, 2)",
        {"w": [[0.5, -1.0], [2.0, 0.1]]},
        {},
    ),
    (
        "norm(w) + norm(w, axis=1) + norm(w, ord=1) + norm(w, ord='fro', axis=(0, 1))",
        {"w": [[0.5, -1.0], [2.0, 0.1]]},
        {},
    ),
    ("norm(v, keepdims=True) * norm(v, ord=3)", {"v": [0.5, -1.0, 2.0]}, {}),
    (
        "m @ w + (w @ m.T).T + sum(w @ w)",
        {"w": [[0.5, -1.0], [2.0, 0.1]]},
        {"m": [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]},
    ),
    (
        "sum(m @ v) + v @ v + v @ n + sum(b @ v)",
        {"v": [0.5, -1.0]},
        {
            "m": [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]],
            "n": [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]],
            "b": [[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]],
        },
    ),
    (
        "sum(b @ w) + dot(v, v) + sum(dot(w, v)) + sum(outer(w, v))",
        {"w": [[0.5, -1.0], [2.0, 0.1]], "v": [1.0, 2.0]},
        {"b": [[[1.0, 2.0], [3.0, 4.0]], [[5.0, 6.0], [7.0, 8.0]]]},
    ),
    (
        "transpose(w) + w.T + transpose(expand_dims(w, 0), (2, 0, 1))[..., 0]",
        {"w": [[0.5, -1.0], [2.0, 0.1]]},
        {},
    ),
    (
        "reshape(w, (4,)) + reshape(w, -1) + squeeze(expand_dims(w, -1)).reshape(4) + flip(w).reshape(4) + flip(w, axis=1)[0, 0]",
        {"w": [[0.5, -1.0], [2.0, 0.1]]},
        {},
    ),
    (
        "sum(concatenate([w, m, w * 2])) + concatenate([w, m], axis=None)[:3] + stack([w, m], axis=-1)[:, 0]",
        {"w": [0.5, -1.0, 2.0]},
        {"m": [1.0, 2.0, 3.0]},
    ),
    (
        "w[0] + w[:, 1:].sum() + w[None, ..., -1].sum() + w[[1, 0]][0] + w[idx, 0].sum() + w[mask].sum()",
        {"w": [[0.5, -1.0], [2.0, 0.1]]},
        {
            "idx": {"value": [1, 1, 0], "dtype": "int64"},
            "mask": {"value": [[True, False], [True, True]], "dtype": "bool"},
        },
    ),
    ("w[0, [1, 0]] + w[[1, 0], 1]", {"w": [[0.5, -1.0], [2.0, 0.1]]}, {}),
]


@pytest.mark.parametrize(
    "cost,params,inputs", BATCHED_PROGRAMS, ids=[p[0][:40] for p in BATCHED_PROGRAMS]
)
def test_each_batched_rule_gives_each_row_its_plain_result(cost, params, inputs):
    case = make_case(cost, params, inputs, extra="reduce: sum\n")
    rng = np.random.default_rng(0)
    stacked = {k: v + rng.normal(size=(3, *v.shape)) for k, v in case.params.items()}
    env = {**case.inputs, **case.params, **stacked}
    got, batched = fd_batch.evaluate(case.program, env, stacked)
    assert batched
    for row in range(3):
        plain_env = {**case.inputs, **case.params, **{k: v[row] for k, v in stacked.items()}}
        expected = np_engine.forward(case.program, plain_env).value
        np.testing.assert_allclose(got[row], expected, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize(
    "cost,params,why",
    [
        ("sum(w[w > 0])", {"w": [0.5, -1.0, 2.0]}, "index computed from the param"),
        ("w[argmax(w)]", {"w": [0.5, -1.0, 2.0]}, "argmax over the flattened array"),
        ("sum(m[0, :, [1, 0]])", {"m": [[[1.0, 2.0], [3.0, 4.0]]]}, "advanced indices apart"),
    ],
)
def test_what_the_batched_rules_decline_falls_back_to_the_loop(cost, params, why):
    case = make_case(cost, params, {})
    stacked = {k: np.stack([v, v]) for k, v in case.params.items()}
    with pytest.raises(fd_batch.Unbatchable, match=why.split()[0]):
        fd_batch.evaluate(case.program, {**case.params, **stacked}, stacked)
    session, out = _evaluate(case, fd_method="central")
    assert not session.batch
    _, looped = _evaluate(case, fd_method="central", fd_batch=False)
    for name, grad in looped.grads.items():
        np.testing.assert_array_equal(out.grads[name], grad)
