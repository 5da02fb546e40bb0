"""The numpy engine's fast paths, each against the plain one.

`value_and_grad` runs the backward pass fast: rules in `np_rules.SELECTIVE` compute only
the cotangents of active inputs, and the tape and cotangents are released as the pass
goes. `backward` is the plain pass (every rule computes every cotangent, all are kept).
The rule helpers skip work on their common case (`promote` with nothing to cast,
`unbroadcast` of a same-shape cotangent, `fit` without a copy). Each must give the plain
path's numbers exactly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gradcheck_cli.backends import np_engine, np_rules
from gradcheck_cli.backends.np_rules import SELECTIVE, VJP
from gradcheck_cli.backends.np_rules_common import float_dtype, promote, unbroadcast
from gradcheck_cli.collect import collect
from gradcheck_cli.run import load_all

from .opcases import OPCASES, make_case

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

SHIPPED = Path(__file__).parents[1] / "cases"


def _plain_grads(case) -> dict[str, np.ndarray]:
    """The gradient by the plain path: `forward`, then `backward` with every cotangent."""
    params = case.params
    dtype = next(iter(params.values())).dtype.name
    run = np_engine.forward(case.program, {**case.inputs, **params}, case.wrt, dtype)
    cotangents = np_engine.backward(
        run.tape, case.program.cost, np_engine.seed_for(run.value, case.reduce)
    )
    return {
        k: np.zeros_like(params[k])
        if k not in cotangents
        else np.asarray(cotangents[k], params[k].dtype)
        for k in case.wrt
    }


def _fast(case) -> np_engine.Evaluation:
    c = case
    return np_engine.value_and_grad(c.program, c.params, c.inputs, c.wrt, c.reduce)


def _shipped_cases():
    cases, _ = load_all(collect([SHIPPED]).files)
    return [c for c in cases if c.name not in _ERRORS and c.program is not None]  # has a cost


# shipped cases whose forward pass fails on purpose (an index out of range)
_ERRORS = {
    "semantics-gather-out-of-range",
    "semantics-gather-negative-out-of-range",
    "semantics-index-out-of-range",
    "arrange-take-out-of-range",
    "arrange-take-along-axis-out-of-range",
    "nn-one-hot-out-of-range",
}


@pytest.mark.parametrize(
    "id_,cost,params,inputs", [(o[0], *o[2:]) for o in OPCASES], ids=[o[0] for o in OPCASES]
)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_value_and_grad_equals_the_plain_backward_pass_on_every_op(
    id_, cost, params, inputs, dtype
):
    case = make_case(cost, params, inputs, dtype=dtype)
    fast, plain = _fast(case).grads, _plain_grads(case)
    for name in case.wrt:
        assert fast[name].dtype == plain[name].dtype == case.params[name].dtype
        np.testing.assert_array_equal(fast[name], plain[name])


def test_value_and_grad_equals_the_plain_backward_pass_on_every_shipped_case():
    cases = _shipped_cases()
    assert len(cases) > 100
    for case in cases:
        fast, plain = _fast(case).grads, _plain_grads(case)
        for name in case.wrt:
            np.testing.assert_array_equal(fast[name], plain[name], err_msg=case.name)


def test_the_gradients_handed_out_are_fresh_writable_arrays():
    # add passes g to both sides, sum a read-only broadcast view, reshape a view of g
    case = make_case(
        "sum(w + v) + sum(reshape(u, (4,)))",
        {"w": [1.0, 2.0], "v": [3.0, 4.0], "u": [[1.0, 2.0], [3.0, 4.0]]},
        {},
    )
    grads = _fast(case).grads
    for name, grad in grads.items():
        assert grad.flags.writeable and grad.flags.owndata, name
    assert not np.shares_memory(grads["w"], grads["v"])
    grads["w"] += 1  # writing one leaves the others alone
    np.testing.assert_array_equal(grads["v"], [1.0, 1.0])


def test_the_fast_pass_keeps_no_cotangent_but_the_params():
    case = make_case("sum(tanh(w * x) * exp(w))", {"w": [0.5, -1.0]}, {"x": [1.0, 2.0]})
    run = np_engine.forward(case.program, {**case.inputs, **case.params}, case.wrt)
    seed = np_engine.seed_for(run.value, case.reduce)
    tape = list(run.tape)
    fast = np_engine._sweep(tape, case.program.cost, seed, fast=True)
    assert sorted(fast) == ["w"] and tape == []  # consumed
    plain = np_engine.backward(run.tape, case.program.cost, seed)
    assert {"w", "x"} <= set(plain) and len(plain) > len(run.tape)  # x: a constant's cotangent
    np.testing.assert_array_equal(fast["w"], plain["w"])


def test_the_tape_records_which_inputs_want_a_cotangent():
    case = make_case("sum(w * x + where(x > 0, w, x))", {"w": [0.5, -1.0]}, {"x": [1.0, 2.0]})
    run = np_engine.forward(case.program, {**case.inputs, **case.params}, case.wrt)
    wanted = {e.eqn.op: e.wanted for e in run.tape}
    assert wanted["multiply"] == (True, False)
    assert wanted["where"] == (False, True, False)  # the condition is not differentiable


# ---- each selective rule: the cotangents asked for, and only those -----------------------

RNG = np.random.default_rng(7)
SELECTIVE_INPUTS = {
    "add": (RNG.normal(size=(2, 3)), RNG.normal(size=3)),
    "subtract": (RNG.normal(size=3), RNG.normal(size=(2, 3))),
    "multiply": (RNG.normal(size=(2, 3)), RNG.normal(size=(1, 3))),
    "divide": (RNG.normal(size=3), RNG.uniform(1, 2, size=(2, 3))),
    "power": (RNG.uniform(0.5, 2, size=3), RNG.normal(size=(2, 3))),
    "arctan2": (RNG.normal(size=3), RNG.uniform(1, 2, size=3)),
    **{
        op: (RNG.normal(size=(2, 3)), RNG.uniform(0.5, 2, size=3))
        for op in ("hypot", "logaddexp", "logaddexp2", "remainder", "fmod", "floor_divide")
    },
    "xlogy": (RNG.normal(size=3), RNG.uniform(0.5, 2, size=(2, 3))),
    "xlog1py": (RNG.normal(size=(2, 3)), RNG.uniform(0.5, 2, size=3)),
    "where": (RNG.normal(size=3) > 0, RNG.normal(size=(2, 3)), RNG.normal(size=3)),
    "matmul": (RNG.normal(size=(2, 4, 3)), RNG.normal(size=3)),
    "dot": (RNG.normal(size=(2, 3)), RNG.normal(size=(3, 4))),
    "outer": (RNG.normal(size=3), RNG.normal(size=(2, 2))),
    "kron": (RNG.normal(size=(2, 3)), RNG.normal(size=(3, 2))),
    "cross": (RNG.normal(size=(2, 3)), RNG.normal(size=3)),
    "tensordot": (RNG.normal(size=(2, 3)), RNG.normal(size=(3, 4))),
    "einsum": (RNG.normal(size=(2, 3)), RNG.normal(size=(3, 4))),
}
SELECTIVE_ATTRS = {"tensordot": {"axes": 1}, "einsum": {"subscripts": "ij,jk->ik"}}


def test_every_selective_rule_is_tested():
    assert set(SELECTIVE_INPUTS) == SELECTIVE


@pytest.mark.parametrize("op", sorted(SELECTIVE))
def test_a_selective_rule_gives_exactly_the_cotangents_asked_for(op):
    inputs, attrs = SELECTIVE_INPUTS[op], SELECTIVE_ATTRS.get(op, {})
    ans = np_rules.FORWARD[op](*inputs, **attrs)
    g = RNG.normal(size=ans.shape)
    full = VJP[op](g, ans, *inputs, **attrs)
    first = 1 if op == "where" else 0  # where's condition takes none
    for i in range(first, len(inputs)):
        wanted = tuple(j == i for j in range(len(inputs)))
        some = VJP[op](g, ans, *inputs, wanted=wanted, **attrs)
        assert len(some) == len(inputs)
        for j, ct in enumerate(some):
            if j == i:
                np.testing.assert_array_equal(ct, full[j])
            else:
                assert ct is None


# ---- the helpers' shortcuts ---------------------------------------------------------------


@pytest.mark.parametrize(
    "xs",
    [
        (np.float32([1, 2]), np.float32([3, 4])),
        (np.float32([1, 2]), 2, None),
        (np.float32([1, 2]), np.array([1, 2])),
        (np.array([True, False]), np.float64([1, 2])),
        (np.array([1, 2]), np.array([3, 4])),
        (np.complex128([1j]), np.array([2])),
    ],
)
def test_promote_with_nothing_to_cast_is_the_identity_and_otherwise_casts(xs):
    out = promote(*xs)
    dtype = float_dtype(xs)
    for x, y in zip(xs, out, strict=True):
        if isinstance(x, np.ndarray) and dtype is not None:
            assert y.dtype == (x.dtype if x.dtype.kind in "fc" else dtype)
        else:
            assert y is x


def test_unbroadcast_of_a_same_shape_cotangent_is_the_cotangent():
    g = np.ones((2, 3))
    assert unbroadcast(g, (2, 3)) is g
    np.testing.assert_array_equal(unbroadcast(g, (3,)), [2.0, 2.0, 2.0])
    np.testing.assert_array_equal(unbroadcast(g, (2, 1)), [[3.0], [3.0]])


# ---- the jax backend's persistent compilation cache, a fast path of the jax backend --------

_CACHED_RUN = """
import json
import jax.monitoring
import numpy as np
from gradcheck_cli import backends
from tests.opcases import OPCASES, make_case

events = []
jax.monitoring.register_event_listener(lambda name, **kw: events.append(name))
diffs = {}
for id_, _, cost, params, inputs in OPCASES[:6]:
    case = make_case(cost, params, inputs)
    compiled = backends.run("jax", case)
    eager = backends.run("jax", case, {"jax_jit": False})
    diffs[id_] = max(float(np.max(np.abs(compiled.grad[k] - eager.grad[k]))) for k in eager.grad)
hits = events.count("/jax/compilation_cache/cache_hits")
print(json.dumps({"diffs": diffs, "hits": hits, "dir": jax.config.jax_compilation_cache_dir}))
"""


def _cached_run(tmp_path: Path, opt_in: str) -> dict:
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path), "GRADCHECK_JAX_CACHE": opt_in}
    env.pop("JAX_COMPILATION_CACHE_DIR", None)
    root = Path(__file__).parents[1]
    out = subprocess.run(
        [sys.executable, "-c", _CACHED_RUN], cwd=root, env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_jax_cache_is_opt_in_and_compiled_equals_eager_cold_and_warm(tmp_path):
    pytest.importorskip("jax")
    off = _cached_run(tmp_path, "0")
    assert off["dir"] is None and off["hits"] == 0 and not (tmp_path / "gradcheck").exists()
    cold = _cached_run(tmp_path, "1")
    warm = _cached_run(tmp_path, "1")
    assert cold["dir"] == warm["dir"] == str(tmp_path / "gradcheck" / "jax")
    assert any((tmp_path / "gradcheck" / "jax").iterdir())
    assert warm["hits"] > cold["hits"]  # the second process loads what the first compiled
    for run in (off, cold, warm):
        assert max(run["diffs"].values()) <= 1e-12


def test_the_jax_cache_lives_under_the_users_cache_directory():
    jax_backend = pytest.importorskip("gradcheck_cli.backends.jax_backend")
    home = Path.home() / ".cache" / "gradcheck" / "jax"
    assert jax_backend.cache_dir({}) == home
    assert jax_backend.cache_dir({"XDG_CACHE_HOME": "/var/tmp/c"}) == Path(
        "/var/tmp/c/gradcheck/jax"
    )
    assert jax_backend.cache_dir({"XDG_CACHE_HOME": "relative/dir"}) == home  # XDG: ignored
    assert jax_backend.cache_wanted({}, {"GRADCHECK_JAX_CACHE": "1"})
    assert not jax_backend.cache_wanted({}, {"GRADCHECK_JAX_CACHE": "0"})
    assert not jax_backend.cache_wanted({}, {})
    assert jax_backend.cache_wanted({"jax_cache": True}, {})
    assert not jax_backend.cache_wanted({"jax_cache": False}, {"GRADCHECK_JAX_CACHE": "1"})
