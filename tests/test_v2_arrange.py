"""The v2 shape and index functions (ops.ARRANGE): take take_along_axis sort argsort split
tile repeat pad roll moveaxis swapaxes broadcast_to ravel.

The numpy engine's forwards and VJPs are checked against `jax.vjp` of jax.numpy's own
functions and against hand-derived values, at several shapes; then the conventions (sort's
ties follow the stable permutation, argsort is stable, a repeated index accumulates), the
parser (a literal index list, split's unpacking, the refusals), the split family's
spelling in every framework (part by part), and the case file cases/v2/arrange.yaml on all
five backends, its framework differences pinned with expect_backend.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gradcheck_cli.backends import np_rules_arrange as R
from gradcheck_cli.errors import ExpressionError
from gradcheck_cli.load import load_file, load_text
from gradcheck_cli.parse import parse
from gradcheck_cli.report.text import detail_lines
from gradcheck_cli.run import Options, run_case

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

CASES = Path(__file__).resolve().parent.parent / "cases" / "v2" / "arrange.yaml"
RNG = np.random.default_rng(13)
X3 = RNG.normal(size=(2, 3, 4))
V5 = RNG.normal(size=(5,))
I2 = np.array([[0, 2], [2, 1]])
IDX = RNG.integers(-3, 3, size=(2, 5, 4))

# (op, input, static arguments, jax.numpy's own call); jax is imported in the test
CALLS = [
    ("take", V5, ((0, 2, 2, -1),), {}, lambda j, t: j.take(t, j.array([0, 2, 2, -1]))),
    ("take", X3, (I2,), {"axis": 1}, lambda j, t: j.take(t, j.array(I2), axis=1)),
    ("take", X3, (np.array(5),), {}, lambda j, t: j.take(t, 5)),
    ("take", X3, ((3, 3),), {"axis": -1}, lambda j, t: j.take(t, j.array([3, 3]), axis=-1)),
    (
        "take_along_axis",
        X3,
        (IDX,),
        {"axis": 1},
        lambda j, t: j.take_along_axis(t, j.array(IDX), axis=1),
    ),
    (
        "take_along_axis",
        X3,
        (np.array([[[3, 0, -1]]]),),
        {},
        lambda j, t: j.take_along_axis(t, j.array([[[3, 0, -1]]]), axis=-1),
    ),
    ("sort", X3, (), {"axis": 1}, lambda j, t: j.sort(t, axis=1)),
    ("sort", X3, (), {"axis": None}, lambda j, t: j.sort(t, axis=None)),
    ("sort", V5, (), {}, lambda j, t: j.sort(t)),
    ("tile", X3, ((3, 1, 1, 2),), {}, lambda j, t: j.tile(t, (3, 1, 1, 2))),
    ("tile", X3, (2,), {}, lambda j, t: j.tile(t, 2)),
    ("tile", np.array(1.5), ((2, 3),), {}, lambda j, t: j.tile(t, (2, 3))),
    ("repeat", X3, (2,), {}, lambda j, t: j.repeat(t, 2)),
    ("repeat", X3, ((1, 0, 3),), {"axis": 1}, lambda j, t: j.repeat(t, j.array([1, 0, 3]), axis=1)),
    ("repeat", np.array(1.5), (3,), {"axis": 0}, lambda j, t: j.repeat(t, 3, axis=0)),
    (
        "pad",
        X3,
        (((0, 1), (2, 0), (1, 3)), "edge"),
        {},
        lambda j, t: j.pad(t, ((0, 1), (2, 0), (1, 3)), "edge"),
    ),
    ("pad", X3, (1, "reflect"), {}, lambda j, t: j.pad(t, 1, "reflect")),
    ("pad", V5, ((7, 6), "reflect"), {}, lambda j, t: j.pad(t, (7, 6), "reflect")),
    ("pad", X3, (2, "constant", 1.5), {}, lambda j, t: j.pad(t, 2, constant_values=1.5)),
    ("roll", X3, ((1, 2),), {"axis": (0, 2)}, lambda j, t: j.roll(t, (1, 2), axis=(0, 2))),
    ("roll", X3, (5,), {}, lambda j, t: j.roll(t, 5)),
    ("moveaxis", X3, ((0, 1), (2, 0)), {}, lambda j, t: j.moveaxis(t, (0, 1), (2, 0))),
    ("swapaxes", X3, (0, -1), {}, lambda j, t: j.swapaxes(t, 0, -1)),
    ("broadcast_to", X3[:, :1], ((3, 2, 3, 4),), {}, lambda j, t: j.broadcast_to(t, (3, 2, 3, 4))),
    ("ravel", X3, (), {}, lambda j, t: j.ravel(t)),
]


@pytest.mark.parametrize("i", range(len(CALLS)), ids=lambda i: f"{CALLS[i][0]}-{i}")
def test_forward_and_vjp_match_jax(i):
    jax = pytest.importorskip("jax")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy
    op, x, args, kw, own = CALLS[i]
    ans = getattr(R, op)(x, *args, **kw)
    ref, pull = jax.vjp(lambda t: own(jnp, t), jnp.asarray(x))
    np.testing.assert_allclose(ans, ref, rtol=1e-12)
    g = np.random.default_rng(i).normal(size=ans.shape)
    dx = getattr(R, "vjp_" + op)(g, ans, x, *args, **kw)[0]
    assert dx.shape == x.shape and dx.dtype == x.dtype
    np.testing.assert_allclose(dx, pull(jnp.asarray(g))[0], rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    ("ios", "axis"), [(2, 2), ((1,), 0), ((1, 3), 2), ((-1,), 1), ((2, 1), 2), ((0, 9), 1)]
)
def test_split_parts_and_their_cotangents_add_up_to_the_whole(ios, axis):
    """Each part is NumPy's; the parts' cotangents, one equation each, sum to the cotangent
    of the whole where the parts tile it (overlapping parts, [2, 1], count twice)."""
    sections = list(ios) if isinstance(ios, tuple) else ios
    parts = np.split(X3, sections, axis=axis)
    total = np.zeros_like(X3)
    for k, part in enumerate(parts):
        np.testing.assert_array_equal(R.split(X3, ios, axis=axis, output=k), part)
        total += R.vjp_split(np.ones(part.shape), part, X3, ios, axis=axis, output=k)[0]
    n = X3.shape[axis]
    edges = (
        [0, *(min(max(b + n if b < 0 else b, 0), n) for b in ios), n]
        if isinstance(ios, tuple)
        else [0, n]
    )
    counts = np.zeros(n)
    for a, b in zip(edges, edges[1:], strict=False):
        counts[a:b] += 1
    expected = np.moveaxis(np.broadcast_to(counts, np.moveaxis(total, axis, -1).shape), -1, axis)
    np.testing.assert_array_equal(total, expected)


def test_sort_ties_follow_the_stable_permutation():
    x, w = np.array([3.0, 1.0, 3.0, 1.0]), np.array([1.0, 2.0, 3.0, 4.0])
    np.testing.assert_array_equal(R.vjp_sort(w, R.sort(x), x)[0], [3.0, 1.0, 4.0, 2.0])
    np.testing.assert_array_equal(R.argsort(np.tile([3.0, 1.0], 40)), np.r_[1:80:2, 0:80:2])


def test_torch_sorts_ties_as_the_engine():
    torch = pytest.importorskip("torch")
    x = torch.tensor([3.0, 1.0, 3.0, 1.0], dtype=torch.float64, requires_grad=True)
    w = torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64)
    (torch.sort(x, stable=True).values * w).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 1.0, 4.0, 2.0])


def test_repeated_index_accumulates():
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(R.vjp_take(np.ones(4), None, x, (0, 0, 2, 0))[0], [3, 0, 1])
    dx = R.vjp_take_along_axis(np.ones((1, 3)), None, x[None], np.array([[1, 1, 1]]), axis=1)
    np.testing.assert_array_equal(dx[0], [[0, 3, 0]])


def test_pad_edge_and_reflect_send_copies_back_to_their_source():
    x = np.array([1.0, 2.0, 3.0])
    w = np.arange(7.0)
    np.testing.assert_array_equal(R.pad(x, 2, "reflect"), [3, 2, 1, 2, 3, 2, 1])
    np.testing.assert_array_equal(R.vjp_pad(w, None, x, 2, "reflect")[0], [8, 9, 4])
    np.testing.assert_array_equal(
        R.vjp_pad(w, None, x, 2, "edge")[0], [3, 3, 15]
    )  # [1, 1, 1, 2, 3, 3, 3]
    np.testing.assert_array_equal(R.vjp_pad(w, None, x, 2, "constant", 5.0)[0], [2, 3, 4])
    with pytest.raises(ValueError, match="unsupported keyword arguments for mode 'edge'"):
        R.pad(x, 1, "edge", 2.0)


# ---- the parser ----------------------------------------------------------------------------


def test_a_literal_index_list_and_split_unpacking_parse():
    program = parse("a, b, c = split(x, [1, -1])", "take(x, [0, 2, 2]) + a", {"x": "param"})
    ops = [(e.op, e.attrs.get("output")) for e in program.eqns]
    assert ops[:3] == [("split", 0), ("split", 1), ("split", 2)]
    take = next(e for e in program.eqns if e.op == "take")
    assert take.inputs[1].value == (0, 2, 2)


@pytest.mark.parametrize(
    ("program", "cost", "message"),
    [
        ("", "take(x, [0.5])", "index list holds integers only"),
        ("", "tile(x, 1.5)", "reps=1.5 is not valid"),
        ("", "pad(x, 1, mode='wrap')", "mode='wrap' is not valid"),
        ("", "split(x, 2)", "gives a tuple"),
        ("a, b = split(x, [1, 2])", "a", "split() gives 3 results here, not 2"),
        ("", "swapaxes(x, 0, (1,))", "axis2=(1,) is not valid"),
    ],
)
def test_refusals(program, cost, message):
    with pytest.raises(ExpressionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse(program, cost, {"x": "param"})


# ---- the frameworks, and the case file -----------------------------------------------------


def _run(text: str, backends):
    (case,) = load_text(text, "case.yaml")
    return run_case(case, Options(backends=backends))


@pytest.mark.parametrize("backend", ["torch", "jax", "tensorflow"])
@pytest.mark.parametrize("shape", [(4,), (3, 2, 2, 3)], ids=str)
@pytest.mark.parametrize("mode", ["edge", "reflect"])
def test_pad_modes_agree_on_arrays_fpad_takes_and_does_not(backend, shape, mode):
    """torch's F.pad takes 1-3 trailing axes of a 2-5-d tensor: a 1-d array and a 4-d one
    padded on every axis go axis by axis; tensorflow's edge mode is a gather."""
    pytest.importorskip(backend)
    size = int(np.prod(shape))
    text = (
        f"name: p\nreduce: sum\nparams: {{x: {{shape: {list(shape)}, init: normal}}}}\n"
        f"inputs: {{w: {{shape: {[n + 2 for n in shape]}, init: arange}}}}\n"
        f"cost: pad(x, 1, mode='{mode}') * w\n"
    )
    assert size
    result = _run(text, ("numpy", "fd", backend))
    assert result.status == "pass", "\n".join(detail_lines(result))


def test_the_case_file_passes_on_every_backend():
    pytest.importorskip("torch")
    pytest.importorskip("jax")
    pytest.importorskip("tensorflow")
    cases = load_file(CASES)
    names = {c.name for c in cases}
    for (
        op
    ) in "take take_along_axis sort argsort split tile repeat pad roll moveaxis swapaxes".split():
        assert any(n.startswith(f"arrange-{op.replace('_', '-')}") for n in names), op
    for case in cases:
        result = run_case(case, Options())
        assert result.status == "pass", (case.name, "\n".join(detail_lines(result)))
