"""The stats family of the v2 functions (ops.STATS): var std cumprod trace, einsum
tensordot kron cross, diag diagonal triu tril.

The numpy engine's forward and VJP are checked against torch.autograd called directly (not
through gradcheck) at several shapes and attributes; then the conventions (std of a
constant, var with ddof >= n, cumprod at a zero), the parser's refusals with their
positions, the spellings' NumPy semantics (torch's correction, TensorFlow's ddof scale),
and cases/v2/stats.yaml on every backend.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gradcheck_cli.backends.np_rules import RULES
from gradcheck_cli.errors import ExpressionError
from gradcheck_cli.load import load_file, load_text
from gradcheck_cli.parse import parse
from gradcheck_cli.run import Options, run_case

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning", "ignore::UserWarning")

CASES = Path(__file__).resolve().parents[1] / "cases" / "v2" / "stats.yaml"


def _engine(op, inputs, attrs, g):
    rule = RULES[op]
    ans = rule.forward(*inputs, **attrs)
    extra = {"wanted": (True,) * len(inputs)} if rule.selective else {}
    return ans, rule.vjp(g, ans, *inputs, **attrs, **extra)


def _torch(fn, inputs, g):
    torch = pytest.importorskip("torch")
    ts = [torch.tensor(x, requires_grad=True) for x in inputs]
    out = fn(torch, *ts)
    grads = torch.autograd.grad(out, ts, torch.tensor(g))
    return out.detach().numpy(), [d.numpy() for d in grads]


# (op, input shapes, attrs, the same in torch)
AGAINST_TORCH = [
    ("var", [(4,)], {}, lambda t, a: t.var(a, correction=0)),
    ("var", [(2, 3)], {"axis": 1, "ddof": 1}, lambda t, a: t.var(a, dim=1, correction=1)),
    (
        "var",
        [(2, 3, 4)],
        {"axis": (0, 2), "ddof": 2, "keepdims": True},
        lambda t, a: t.var(a, dim=(0, 2), correction=2, keepdim=True),
    ),
    ("std", [(5,)], {"ddof": 1}, lambda t, a: t.std(a, correction=1)),
    ("std", [(3, 4)], {"axis": 0}, lambda t, a: t.std(a, dim=0, correction=0)),
    ("std", [(2, 3, 2)], {"axis": -1}, lambda t, a: t.std(a, dim=-1, correction=0)),
    ("cumprod", [(2, 3)], {}, lambda t, a: t.cumprod(a.reshape(-1), 0)),
    ("cumprod", [(2, 3, 2)], {"axis": 1}, lambda t, a: t.cumprod(a, 1)),
    ("trace", [(3, 3)], {}, lambda t, a: t.trace(a)),
    ("trace", [(3, 4, 2)], {"offset": -1}, lambda t, a: t.diagonal(a, -1, 0, 1).sum(-1)),
    ("einsum", [(2, 3), (3, 4)], {"subscripts": "ij,jk->ik"}, lambda t, a, b: a @ b),
    ("einsum", [(3, 3)], {"subscripts": "ii->i"}, lambda t, a: t.diagonal(a)),
    ("einsum", [(2, 3, 4)], {"subscripts": "...ij->...ji"}, lambda t, a: a.transpose(-1, -2)),
    (
        "einsum",
        [(2, 3), (3,), (2,)],
        {"subscripts": "ij,j,i"},
        lambda t, a, b, c: t.einsum("ij,j,i", a, b, c),
    ),
    ("tensordot", [(2, 3), (2, 3)], {}, lambda t, a, b: t.tensordot(a, b, 2)),
    (
        "tensordot",
        [(2, 3, 4), (4, 3, 5)],
        {"axes": ([1, 2], [1, 0])},
        lambda t, a, b: t.tensordot(a, b, ([1, 2], [1, 0])),
    ),
    ("kron", [(2, 3), (3, 2)], {}, lambda t, a, b: t.kron(a, b)),
    ("kron", [(2,), (2, 2, 3)], {}, lambda t, a, b: t.kron(a, b)),
    ("cross", [(4, 3), (4, 3)], {}, lambda t, a, b: t.linalg.cross(a, b)),
    (
        "cross",
        [(3, 2), (3, 2)],
        {"axis": 0},
        lambda t, a, b: t.linalg.cross(a, b, dim=0),
    ),
    ("diag", [(4,)], {"k": -1}, lambda t, v: t.diag(v, -1)),
    ("diag", [(3, 5)], {"k": 2}, lambda t, v: t.diag(v, 2)),
    (
        "diagonal",
        [(2, 3, 4)],
        {"offset": 1, "axis1": 2, "axis2": 0},
        lambda t, a: t.diagonal(a, 1, 2, 0),
    ),
    ("triu", [(3, 4)], {"k": 1}, lambda t, m: t.triu(m, 1)),
    ("tril", [(2, 4, 3)], {"k": -1}, lambda t, m: t.tril(m, -1)),
    ("tril", [(3,)], {}, lambda t, m: t.tril(m.expand(3, 3))),  # NumPy's 1-D: a square
]


@pytest.mark.parametrize(("op", "shapes", "attrs", "fn"), AGAINST_TORCH)
def test_engine_agrees_with_torch_autograd(op, shapes, attrs, fn):
    rng = np.random.default_rng(len(shapes) * 7 + sum(map(len, shapes)))
    inputs = [rng.normal(size=s) for s in shapes]
    value = RULES[op].forward(*inputs, **attrs)
    g = rng.normal(size=value.shape)
    ans, grads = _engine(op, inputs, attrs, g)
    expected, expected_grads = _torch(fn, inputs, g)
    np.testing.assert_allclose(ans, expected, rtol=1e-12, atol=1e-12)
    for got, want in zip(grads, expected_grads, strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)


def test_einsum_implicit_output_and_broadcast_ellipsis_by_hand():
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    ans, (ga,) = _engine("einsum", [a], {"subscripts": "ba"}, np.array([[1.0, 0.0], [0.0, 0.0]]))
    np.testing.assert_array_equal(ans, a.T)  # implicit: the labels in alphabetical order
    np.testing.assert_array_equal(ga, [[1.0, 0.0], [0.0, 0.0]])
    x, y = np.array([[1.0, 2.0]]), np.array([[1.0, 0.0], [0.0, 3.0]])
    ans, (gx, gy) = _engine("einsum", [x, y], {"subscripts": "...i,...i->..."}, np.ones(2))
    np.testing.assert_array_equal(ans, [1.0, 6.0])
    np.testing.assert_array_equal(gx, [[1.0, 3.0]])  # summed over the broadcast rows
    np.testing.assert_array_equal(gy, [[1.0, 2.0], [1.0, 2.0]])


# ---- conventions -----------------------------------------------------------------------------


def test_std_of_a_constant_has_gradient_zero():
    x = np.full(3, 2.0)
    ans, (d,) = _engine("std", [x], {}, np.array(1.0))
    assert ans == 0.0
    np.testing.assert_array_equal(d, [0.0, 0.0, 0.0])  # torch's choice; jax and tf: NaN
    ans, (d,) = _engine("std", [np.array([[1.0, 2.0], [3.0, 3.0]])], {"axis": 1}, np.ones(2))
    np.testing.assert_allclose(d, [[-0.5, 0.5], [0.0, 0.0]])  # (x - m) / (n s); constant row 0


def test_var_with_ddof_at_least_n_divides_by_zero_as_numpy():
    x = np.array([1.0, 2.0, 4.0])
    for ddof in (3, 4):
        ans, (d,) = _engine("var", [x], {"ddof": ddof}, np.array(1.0))
        assert ans == np.inf == np.var(x, ddof=ddof)
        np.testing.assert_array_equal(d, [-np.inf, -np.inf, np.inf])  # 2 (x - mean) / 0
        ans, (d,) = _engine("std", [x], {"ddof": ddof}, np.array(1.0))
        assert ans == np.inf
        assert np.isnan(d).all()  # (x - mean) / (0 * inf)
    ans, _ = _engine("var", [np.full(2, 1.0)], {"ddof": 2}, np.array(1.0))
    assert np.isnan(ans)  # 0 / 0, as NumPy


def test_cumprod_gradient_is_exact_at_zeros():
    for x, want in [
        ([1.0, 0.0, 3.0, 2.0], [1.0, 10.0, 0.0, 0.0]),  # by hand: 1 + x2 + x2 x3 at x1
        ([2.0, 0.0, 0.0, 5.0], [1.0, 2.0, 0.0, 0.0]),  # two zeros: d/dx1 = x0 only
        ([0.0, 3.0, 2.0], [10.0, 0.0, 0.0]),  # 1 + x1 + x1 x2
    ]:
        _, (d,) = _engine("cumprod", [np.array(x)], {}, np.ones(len(x)))
        np.testing.assert_array_equal(d, want)


def test_cumprod_of_a_0d_array_is_flattened():
    ans, (d,) = _engine("cumprod", [np.array(3.0)], {"axis": 0}, np.array([2.0]))
    assert ans.shape == (1,) and d.shape == () and d == 2.0


# ---- the parser ------------------------------------------------------------------------------

KNOWN = {"a": "param", "b": "param", "s": "param"}


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("einsum(s, a, b)", (1, 8), "einsum()'s subscripts must be written as a literal"),
        ("einsum('ij')", (1, 1), "einsum() needs its arrays after subscripts"),
        ("tensordot(a, b, axes=(1, 2, 3))", (1, 22), "tensordot(): axes=(1, 2, 3) is not valid"),
        ("tensordot(a, b, axes=([0], [1, 2]))", (1, 22), "is not valid"),
        ("var(a, 0, 1)", (1, 1), "var() takes at most 2 positional arguments"),
        ("cross(a, b, -1)", (1, 1), "cross() takes at most 2 positional arguments"),
        ("trace(a, 0, 0, 1)", (1, 1), "trace() takes at most 2 positional arguments"),
    ],
)
def test_refused(text, where, message):
    with pytest.raises(ExpressionError) as info:
        parse("", text, KNOWN)
    assert message in info.value.message
    assert (info.value.line, info.value.column) == where


@pytest.mark.parametrize(
    ("text", "attrs"),
    [
        ("einsum('ij,jk->ik', a, b)", {"subscripts": "ij,jk->ik"}),
        ("var(a, 1, ddof=1, keepdims=True)", {"axis": 1, "ddof": 1, "keepdims": True}),
        ("tensordot(a, b, axes=([1], [0]))", {"axes": ((1,), (0,))}),
        ("tensordot(a, b, 1)", {"axes": 1}),
        ("diagonal(a, 1, 0, 2)", {"offset": 1, "axis1": 0, "axis2": 2}),
    ],
)
def test_bound_as_numpy(text, attrs):
    program = parse("", text, KNOWN)
    (eqn,) = program.eqns
    assert dict(eqn.attrs) == attrs


def _one(cost: str, **params) -> str:
    lines = "".join(f"      {k}: {v}\n" for k, v in params.items())
    return f'cases:\n  - name: c\n    params:\n{lines}    cost: "{cost}"\n    reduce: sum\n'


def test_cross_of_2_vectors_is_refused_by_the_shape_pass():
    (case,) = load_text(_one("cross(a, b)", a="[1.0, 2.0]", b="[3.0, 4.0]"), "<t>")
    result = run_case(case, Options(backends=("numpy",)))
    assert result.status == "error"
    assert "3 components along axis -1" in result.backends["numpy"].message


# ---- spellings -------------------------------------------------------------------------------


def _repro(text: str, backend: str) -> str:
    from gradcheck_cli.repro import script

    (case,) = load_text(text, "<t>")
    return script(case, backend)


def test_spellings_write_numpys_semantics_out():
    text = _repro(_one("var(a)", a="[1.0, 2.0, 4.0]"), "torch")
    assert "correction=0" in text  # torch's default correction is 1
    text = _repro(_one("var(a, ddof=1)", a="[1.0, 2.0, 4.0]"), "tensorflow")
    assert "reduce_variance" in text and "* 1.5" in text  # n / (n - ddof)
    text = _repro(_one("trace(a, offset=1)", a="[[1.0, 2.0], [3.0, 4.0]]"), "tensorflow")
    assert "diag_part" in text


# ---- the case file ---------------------------------------------------------------------------


@pytest.mark.frameworks
def test_the_case_file_passes_on_every_backend():
    for case in load_file(CASES):
        result = run_case(case, Options())
        assert result.status == "pass", (case.name, result.status)
        statuses = {name: r.outcome for name, r in result.backends.items()}
        assert set(statuses) == {"numpy", "fd", "torch", "jax", "tensorflow"}, case.name
