"""The decompositions of the v2 functions (ops.DECOMPOSITIONS): inv det slogdet solve
cholesky eigh eigvalsh svd svdvals qr.

The numpy engine's forward is checked against numpy/scipy called directly, at several
shapes (stacks too); each VJP (each part of a tuple result on its own, the others' cotangents
zero) against central differences of NumPy's own function on random well-conditioned input,
in float64 and float32; then the refusals of a tuple at load, with their line and column.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest
import scipy.linalg

from gradcheck_cli.backends.np_rules import RULES
from gradcheck_cli.errors import CaseFileError
from gradcheck_cli.load import load_text

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

SQUARE = [(2, 2), (3, 3), (2, 3, 3), (2, 2, 4, 4)]
RECTANGULAR = [(3, 2), (2, 3), (2, 4, 3), (2, 3, 4)]


def _rng(*key) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def _well_conditioned(shape, rng) -> np.ndarray:
    """Random matrices (the last two axes), shifted along the diagonal when square; drawn
    again until the singular values are at least 0.2 and 10% of the largest apart."""
    for _ in range(200):
        a = rng.uniform(-1.0, 1.0, shape)
        if shape[-1] == shape[-2]:
            a = a + np.eye(shape[-1]) * rng.choice([-1.5, 1.5], shape[:-2] + (1, 1))
        s = np.linalg.svd(a, compute_uv=False)
        top = s.max(axis=-1, keepdims=True)
        if np.all(s > 0.2) and np.all(-np.diff(s, axis=-1) / top > 0.1):
            return a
    raise AssertionError("no well-conditioned draw")


def _spd(shape, rng) -> np.ndarray:
    """Symmetric positive definite, eigenvalues apart."""
    m = _well_conditioned(shape, rng)
    return m @ np.swapaxes(m, -1, -2) / shape[-1] + 0.5 * np.eye(shape[-1])


def _engine(op, inputs, attrs):
    return RULES[op].forward(*inputs, **attrs)


def _vjp(op, g, inputs, attrs):
    rule = RULES[op]
    ans = rule.forward(*inputs, **attrs)
    extra = {"wanted": (True,) * len(inputs)} if rule.selective else {}
    return rule.vjp(g, ans, *inputs, **attrs, **extra)


# ---- values against numpy / scipy ------------------------------------------------------


def _each(fn, a):
    """scipy's function applied to each matrix of a stack."""
    flat = a.reshape((-1,) + a.shape[-2:])
    out = [fn(m) for m in flat]
    return out, a.shape[:-2]


@pytest.mark.parametrize("shape", SQUARE)
def test_inv_det_slogdet_solve_values(shape):
    rng = _rng("square", shape)
    a = _well_conditioned(shape, rng)
    inv, batch = _each(scipy.linalg.inv, a)
    np.testing.assert_allclose(_engine("inv", [a], {}), np.reshape(inv, a.shape), rtol=1e-12)
    det, _ = _each(scipy.linalg.det, a)
    np.testing.assert_allclose(_engine("det", [a], {}), np.reshape(det, batch), rtol=1e-12)
    sign, logdet = np.linalg.slogdet(a)
    np.testing.assert_array_equal(_engine("slogdet", [a], {"output": 0}), sign)
    np.testing.assert_allclose(_engine("slogdet", [a], {"output": 1}), logdet, rtol=1e-12)
    np.testing.assert_allclose(np.exp(logdet) * sign, np.reshape(det, batch), rtol=1e-10)
    n = shape[-1]
    for b in (rng.normal(size=(n,)), rng.normal(size=(n, 2)), rng.normal(size=shape)):
        want = np.linalg.solve(a, b)
        np.testing.assert_allclose(_engine("solve", [a, b], {}), want, rtol=1e-10, atol=1e-12)
        if b.ndim == 2 and a.ndim == 2:
            np.testing.assert_allclose(want, scipy.linalg.solve(a, b), rtol=1e-10)


@pytest.mark.parametrize("shape", SQUARE)
def test_cholesky_eigh_eigvalsh_values(shape):
    rng = _rng("spd", shape)
    a = _spd(shape, rng)
    chol, _ = _each(lambda m: scipy.linalg.cholesky(m, lower=True), a)
    np.testing.assert_allclose(_engine("cholesky", [a], {}), np.reshape(chol, shape), rtol=1e-12)
    w = _engine("eigh", [a], {"output": 0})
    v = _engine("eigh", [a], {"output": 1})
    want_w, _ = _each(scipy.linalg.eigvalsh, a)
    np.testing.assert_allclose(w, np.reshape(want_w, w.shape), rtol=1e-10)
    np.testing.assert_allclose(_engine("eigvalsh", [a], {}), w, rtol=1e-12)
    # eigenvectors up to a sign per column: a v = v diag(w), v orthonormal
    np.testing.assert_allclose(a @ v, v * w[..., None, :], atol=1e-10)
    np.testing.assert_allclose(
        np.swapaxes(v, -1, -2) @ v, np.broadcast_to(np.eye(shape[-1]), shape), atol=1e-12
    )
    # the lower triangle only is read, as NumPy reads it
    upper = a + np.triu(rng.normal(size=shape), 1)
    np.testing.assert_allclose(_engine("eigvalsh", [upper], {}), w, rtol=1e-10)
    np.testing.assert_allclose(
        _engine("cholesky", [upper], {}), np.reshape(chol, shape), rtol=1e-10
    )


@pytest.mark.parametrize("shape", SQUARE + RECTANGULAR)
@pytest.mark.parametrize("full", [True, False])
def test_svd_svdvals_qr_values(shape, full):
    rng = _rng("rect", shape)
    a = _well_conditioned(shape, rng)
    u, s, vh = (_engine("svd", [a], {"full_matrices": full, "output": i}) for i in range(3))
    want_s, _ = _each(lambda m: scipy.linalg.svdvals(m), a)
    np.testing.assert_allclose(s, np.reshape(want_s, s.shape), rtol=1e-12)
    np.testing.assert_allclose(_engine("svdvals", [a], {}), s, rtol=1e-12)
    k = min(shape[-2:])
    np.testing.assert_allclose((u[..., :k] * s[..., None, :]) @ vh[..., :k, :], a, atol=1e-12)
    want = np.linalg.svd(a, full_matrices=full)
    assert (u.shape, vh.shape) == (want.U.shape, want.Vh.shape)
    q, r = (_engine("qr", [a], {"output": i}) for i in range(2))
    np.testing.assert_allclose(q @ r, a, atol=1e-12)
    np.testing.assert_allclose(np.triu(r), r)
    if a.ndim == 2:
        sq, sr = scipy.linalg.qr(a, mode="economic")
        signs = np.sign(np.diag(sr) * np.diag(r))  # a sign per column of Q, row of R
        np.testing.assert_allclose(q, sq * signs, atol=1e-12)
        np.testing.assert_allclose(r, sr * signs[:, None], atol=1e-12)


# ---- each VJP against central differences of NumPy's own function ---------------------

GAUGED = {("eigh", 1), ("svd", 0), ("svd", 2), ("qr", 0), ("qr", 1)}


def _numpy(op, attrs):
    """NumPy's function for `op`, a tuple op's part picked by `output`."""
    attrs = dict(attrs)
    part = attrs.pop("output", None)
    fn = getattr(np.linalg, op)

    def call(*inputs):
        out = fn(*inputs, **attrs)
        return np.asarray(out if part is None else out[part])

    return call


def _aligned(y, y0, op, part):
    """A gauged part with each column's (Vh's and R's: row's) sign matched to y0's."""
    if (op, part) not in GAUGED:
        return y
    rows = (op, part) in (("svd", 2), ("qr", 1))
    dots = np.sum(y * y0, axis=-1 if rows else -2, keepdims=True)
    return y * np.where(dots < 0, -1.0, 1.0)


def _central(op, attrs, inputs, g, h=1e-6):
    """d sum(g * f(inputs)) / d inputs by central differences of NumPy's function."""
    f = _numpy(op, attrs)
    y0 = f(*inputs)
    part = attrs.get("output")
    grads = []
    for i, x in enumerate(inputs):
        d = np.zeros_like(x)
        for idx in np.ndindex(x.shape):
            up, down = [list(inputs) for _ in range(2)]
            for s, lst in ((h, up), (-h, down)):
                y = x.copy()
                y[idx] += s
                lst[i] = y
            fu = _aligned(f(*up), y0, op, part)
            fd = _aligned(f(*down), y0, op, part)
            d[idx] = np.sum(g * (fu - fd)) / (2 * h)
        grads.append(d)
    return grads


def _vjp_cases():
    out = []
    for shape in [(2, 2), (3, 3), (2, 3, 3)]:
        out += [("inv", "square", shape, {}), ("det", "square", shape, {})]
        out += [("slogdet", "square", shape, {"output": 1})]
        out += [("solve", "square", shape, {}), ("cholesky", "spd", shape, {})]
        out += [("eigh", "spd", shape, {"output": p}) for p in (0, 1)]
        out += [("eigvalsh", "spd", shape, {})]
        out += [("svd", "rect", shape, {"output": p}) for p in (0, 1, 2)]
    for shape in [(3, 3), (3, 2), (2, 3), (2, 4, 3)]:
        out += [("svd", "rect", shape, {"full_matrices": False, "output": p}) for p in (0, 1, 2)]
        out += [("svdvals", "rect", shape, {})]
        out += [("qr", "rect", shape, {"output": p}) for p in (0, 1)]
    return out


VJP_CASES = _vjp_cases()
TOL = {"float64": dict(rtol=1e-6, atol=1e-8), "float32": dict(rtol=2e-3, atol=2e-4)}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize(
    ("op", "kind", "shape", "attrs"),
    VJP_CASES,
    ids=[f"{o}-{list(s)}-{a}" for o, _, s, a in VJP_CASES],
)
def test_vjp_matches_central_differences_of_numpy(op, kind, shape, attrs, dtype):
    rng = _rng("vjp", op, shape, tuple(attrs.items()))
    a = _spd(shape, rng) if kind == "spd" else _well_conditioned(shape, rng)
    inputs = [a]
    if op == "solve":
        inputs.append(rng.normal(size=shape[:-1] + (2,)))
    out = _numpy(op, attrs)(*inputs)
    g = rng.normal(size=out.shape)
    want = _central(op, attrs, inputs, g)
    typed = [x.astype(dtype) for x in inputs]
    got = _vjp(op, g.astype(dtype), typed, attrs)
    for w, d in zip(want, got, strict=True):
        assert d.dtype == np.dtype(dtype)
        np.testing.assert_allclose(d, w, **TOL[dtype])


def test_the_sign_of_slogdet_has_zero_gradient():
    a = _well_conditioned((3, 3), _rng("sign"))
    (d,) = _vjp("slogdet", np.array(1.0), [a], {"output": 0})
    np.testing.assert_array_equal(d, np.zeros((3, 3)))


# ---- the tuple refusals at load, with their line and column -------------------------------

PARAMS = "params: {a: [[2.0, 1.0], [0.5, 3.0]]}\n"


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ('cost: "sum(slogdet(a))"\n', (3, 12), "slogdet() gives a tuple"),
        ("cost: eigh(a)[0]\n", (3, 7), "eigh() gives a tuple"),
        ("program: |\n  s, l, m = slogdet(a)\ncost: l\n", (4, 3), "gives 2 results here, not 3"),
        ("program: |\n  u, s = svd(a)\ncost: sum(s)\n", (4, 3), "gives 3 results here, not 2"),
        (
            "program: |\n  b = a * 2\n  p, q = split(b, [1])\ncost: sum(p)\n",
            None,
            "",
        ),
        (
            "program: |\n  b = a * 2\n  p, q = split(b, [1, 2])\ncost: sum(p)\n",
            (5, 3),
            "split() gives 3 results here, not 2",
        ),
        (
            "program: |\n  p, q = inv(a)\ncost: sum(p)\n",
            (4, 3),
            "only a function's tuple result can be unpacked",
        ),
        (
            "program: |\n  w, v = eigvalsh(a)\ncost: sum(w)\n",
            (4, 3),
            "only a function's tuple result can be unpacked",
        ),
    ],
)
def test_tuple_refusals_at_load(text, where, message):
    yaml = "name: t\n" + PARAMS + text
    if where is None:  # the well-formed neighbour loads
        load_text(yaml, "case.yaml")
        return
    with pytest.raises(CaseFileError) as info:
        load_text(yaml, "case.yaml")
    (problem,) = info.value.problems
    assert message in problem.message
    assert str(problem.position).endswith(f"case.yaml:{where[0]}:{where[1]}")
