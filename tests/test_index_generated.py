"""NumPy's indexing on every framework, for generated index expressions.

Hypothesis draws a param of a random small shape and an index of every kind of entry in
every position: integers (negative too), slices with any step (negative ones too), `None`,
`...` anywhere (zero-width too), integer lists with repeats and negative entries, 0-d and
n-D integer inputs (int64 and int32), boolean masks written as lists and as 1-D and 2-D
inputs. The case `x[index] * c`, c a random input of the result's shape (a non-uniform
cotangent), runs on torch, jax and tensorflow: the value must be NumPy's `x[index] * c`,
shape first, and the gradient the numpy engine's (a repeated index accumulates). A few
indexes, the tricky ones, also run as `gradcheck repro` scripts, which must agree.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradcheck_cli import backends, repro
from gradcheck_cli.backends.index_plan import FULL, Operand, plan
from gradcheck_cli.ir import ArrayRef
from gradcheck_cli.load import load_text

from .test_repro import _printed, _run_all

pytestmark = pytest.mark.frameworks

FRAMEWORKS = ("torch", "jax", "tensorflow")
RNG = np.random.default_rng(0)


# ---- drawing an index -----------------------------------------------------------------------


def _slice(draw, n: int) -> str:
    bound = st.none() | st.integers(-n - 2, n + 2)
    start, stop = draw(bound), draw(bound)
    step = draw(st.none() | st.sampled_from([-3, -2, -1, 1, 2, 3]))
    text = ("" if start is None else str(start)) + ":" + ("" if stop is None else str(stop))
    return text + ("" if step is None else f":{step}")


def _values(draw, n: int, count: int) -> list[int]:
    return [draw(st.integers(-n, n - 1)) for _ in range(count)]


def _mask(draw, size: int, count: int) -> list[bool]:
    """`size` booleans, `count` of them true, in drawn places."""
    true = set(draw(st.permutations(range(size)))[:count])
    return [i in true for i in range(size)]


KINDS = [
    "list",
    "int-array",
    "mask-array",
    "int",
    "slice",
    "int-0d",
    "mask-list",
    "slice",
    "int-0d",
]


@st.composite
def indexes(draw):
    """(shape, index text, inputs): `x[index text]` is a valid NumPy index of `shape`."""
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=4)))
    ndim = len(shape)
    ellipsis = draw(st.none() | st.integers(0, ndim))  # where `...` starts
    width = draw(st.integers(0, min(2, ndim - ellipsis))) if ellipsis is not None else 0
    explicit = [a for a in range(ndim) if ellipsis is None or not ellipsis <= a < ellipsis + width]
    if ellipsis is None:  # a trailing axis may be left out
        explicit = explicit[: draw(st.integers(max(len(explicit) - 1, 0), len(explicit)))]
    plan = []
    while explicit:
        a = explicit.pop(0)
        kind = draw(st.sampled_from(KINDS))
        if kind == "mask-array" and explicit and explicit[0] == a + 1 and draw(st.booleans()):
            plan.append(("mask-2d", (a, explicit.pop(0))))
        else:
            plan.append((kind, (a,)))
    masks = [axes for kind, axes in plan if kind.startswith("mask")]
    sizes = [int(np.prod([shape[a] for a in axes])) for axes in masks]
    # the broadcast shape of the advanced entries: a mask's count is its last axis
    count = draw(st.integers(0, min(sizes))) if masks else draw(st.integers(1, 3))
    lead = draw(st.sampled_from([(), (2,)]))
    inputs, entries = {}, []
    for kind, axes in plan:
        n = shape[axes[0]]
        if kind == "int":
            entries.append(str(draw(st.integers(-n, n - 1))))
        elif kind == "slice":
            entries.append(_slice(draw, n))
        elif kind == "list":
            entries.append(str(_values(draw, n, draw(st.sampled_from([count, 1]))) or [0]))
        elif kind == "mask-list":
            entries.append(str(_mask(draw, n, count)))
        else:
            name = f"i{len(inputs)}"
            inputs[name] = _array(draw, kind, [shape[a] for a in axes], lead, count)
            entries.append(name)
    if ellipsis is not None:
        entries.insert(sum(axes[0] < ellipsis for _, axes in plan), "...")
    for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):
        entries.insert(draw(st.integers(0, len(entries))), "None")
    return shape, ", ".join(entries or ["..."]), inputs


def _array(draw, kind: str, dims: list[int], lead: tuple, count: int) -> dict:
    dtype = draw(st.sampled_from(["int64", "int32"]))
    if kind == "int-0d":
        return {"value": draw(st.integers(-dims[0], dims[0] - 1)), "dtype": dtype}
    if kind.startswith("mask"):
        flat = _mask(draw, int(np.prod(dims)), count)
        return {"value": np.reshape(flat, dims).tolist(), "dtype": "bool"}
    full = (*lead, count)
    shape = full[draw(st.integers(0, len(full) - 1)) :]  # a suffix, at least 1-D
    shape = tuple(1 if draw(st.integers(0, 3)) == 0 else s for s in shape)
    values = np.reshape(_values(draw, dims[0], int(np.prod(shape))), shape)
    return {"value": values.tolist(), "dtype": dtype}


# ---- a case of it -------------------------------------------------------------------------------


def _case(shape: tuple, index: str, inputs: dict, dtype: str = "float64"):
    """`x[index] * c` under reduce: sum; None if NumPy itself refuses the index."""
    x = RNG.normal(size=shape)
    arrays = {k: np.array(v["value"], dtype=v["dtype"]) for k, v in inputs.items()}
    try:
        want = eval(f"x[{index}]", {"x": x, **arrays})  # noqa: S307
    except IndexError:
        return None, None
    seed = int(RNG.integers(1000))  # c generated, so that an empty shape is kept
    c = np.random.default_rng(seed).normal(size=want.shape)
    spec = {"shape": list(want.shape), "init": "normal", "seed": seed}
    text = (
        f"name: gen\ndtype: {dtype}\nparams: {json.dumps({'x': x.tolist()})}\n"
        f"inputs: {json.dumps({**inputs, 'c': spec})}\n"
        f"cost: {json.dumps(f'x[{index}] * c')}\nreduce: sum\n"
    )
    (case,) = load_text(text, "gen.yaml")
    return case, want * c


def _check(framework: str, case, want: np.ndarray, index: str) -> None:
    got = backends.run(framework, case)
    assert got.value.shape == want.shape, (index, "value shape", got.value.shape, want.shape)
    np.testing.assert_allclose(got.value, want, rtol=1e-13, atol=0, err_msg=f"value of {index}")
    grad = backends.run("numpy", case).grad["x"]
    np.testing.assert_allclose(
        got.grad["x"], grad, rtol=1e-12, atol=1e-15, err_msg=f"grad of {index}"
    )


# jax compiles each case (0.1 to 0.2 s): fewer examples there, the same strategy
EXAMPLES = {"torch": 250, "jax": 40, "tensorflow": 120}


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_generated_index_is_numpys(framework):
    pytest.importorskip(framework)

    @settings(
        derandomize=True,
        database=None,
        deadline=None,
        max_examples=EXAMPLES[framework],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(drawn=indexes())
    def check(drawn):
        shape, index, inputs = drawn
        case, want = _case(shape, index, inputs)
        assert case is not None, f"the strategy drew x[{index}] on {shape}, which NumPy refuses"
        _check(framework, case, want, index)

    check()


# ---- the cases the strategy was written for, by hand ----------------------------------------

I = {"value": [[0], [2]], "dtype": "int64"}
SCALAR = {"value": 1, "dtype": "int64"}
NEGATIVE = {"value": -2, "dtype": "int32"}
MASK = {"value": [True, False, True, True], "dtype": "bool"}
MASK2 = {"value": [[True, False, True, True], [False, False, True, False]] * 2, "dtype": "bool"}
MASK3 = {"value": np.eye(4, dtype=bool)[[0, 2, 3, 1]].tolist(), "dtype": "bool"}
MASK3["value"][3][1] = False  # three true elements
TRICKY = [
    # (shape, index, inputs): where the frameworks' own rule is not NumPy's
    ((5, 6, 4), "3, 2:, [1, 3]", {}),  # an integer apart from the list: (2, 4), torch (4, 2)
    ((3, 3, 2), "2, :, [0, 1, 1]", {}),  # torch: the transpose, silently
    ((3, 4, 5), ":, [0, 1], ..., [1, 0]", {}),  # a zero-width ... keeps them apart
    ((3, 4, 6, 5), ":, [0, 1], ..., [1, 0]", {}),
    ((3, 4, 5), "[0, 1], None, [1, -2]", {}),  # None between them
    ((3, 4, 5), "None, [0, 1], [1, 2]", {}),
    ((3, 4), "i, 0", {"i": SCALAR}),  # tensorflow's gather_nd gradient refused this
    ((3, 4, 5), "i, 0", {"i": SCALAR}),
    ((3, 4), "i, j", {"i": SCALAR, "j": NEGATIVE}),
    ((3, 4, 5), "i, 0, [2, 2]", {"i": NEGATIVE}),
    ((3, 4, 5), "i, 1:, ::-2", {"i": SCALAR}),
    ((3, 4, 4), "::-1, m, [1, 1, 3]", {"m": MASK}),  # a mask and a list broadcast together
    ((4, 4, 3), "m2, ::-1", {"m2": MASK2}),  # a 2-D mask spans two axes
    ((2, 4, 4), "1, m2", {"m2": MASK2}),
    ((4, 4, 3), "m3, i", {"m3": MASK3, "i": {"value": [0, -1, 2], "dtype": "int32"}}),
    ((3, 4, 5), "i, :, [True, False, True, False, True]", {"i": I}),
    ((3, 4, 5), "-2:0:-1, [3, 3], ..., None", {}),
    ((3, 4, 5), "0, 3:1, [1]", {}),  # an empty result
    ((3, 2), "[True, False, True], 1:1", {}),  # an empty sliced array: tensorflow reshapes
]


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize(("shape", "index", "inputs"), TRICKY, ids=[t[1] for t in TRICKY])
def test_tricky_index_is_numpys(framework, shape, index, inputs):
    pytest.importorskip(framework)
    case, want = _case(shape, index, inputs)
    assert case is not None, f"NumPy refuses x[{index}]"
    _check(framework, case, want, index)


def test_the_plan_reads_the_structure_the_shapes_and_the_dtypes():
    """What the backends run and the repro prints, for two indexes of the brief: no value
    of an index array is read (the plan is given none)."""
    p = plan((3, slice(2, None), (1, 3)), (5, 6, 4), [])
    assert p.basic == (FULL, slice(2, None)) and p.sliced == (5, 4, 4)
    assert [pick.axis for pick in p.picks] == [0, 2] and not p.adjacent
    assert (p.front, p.restore, p.rank) == ((0, 2, 1), None, 1)  # (2, 4), as NumPy
    mask = [Operand("b", (4,))]
    p = plan((slice(None, None, -2), None, ArrayRef(1)), (3, 4), mask, flip=True)
    assert p.flips == (0,) and p.basic == (slice(None, None, 2), None)
    assert p.picks[0].axis == 2 and p.picks[0].mask and p.adjacent and p.position == 2
    with pytest.raises(IndexError, match="boolean index of shape"):
        plan((ArrayRef(1),), (3, 4), mask)


# ---- the repro scripts print the same plans --------------------------------------------------


@pytest.mark.parametrize("framework", ["torch", "tensorflow"])
def test_repro_scripts_index_as_the_backends_do(framework, tmp_path):
    pytest.importorskip(framework)
    paths, cases = [], []
    for k, (shape, index, inputs) in enumerate(TRICKY):
        case, _ = _case(shape, index, inputs)
        paths.append(tmp_path / f"index{k}.py")
        paths[-1].write_text(repro.script(case, framework))
        cases.append(case)
    outputs = _run_all(paths)
    for path, case, (_, index, _) in zip(paths, cases, TRICKY, strict=True):
        assert "!!!" not in outputs[str(path)], (index, outputs[str(path)])
        printed, got = _printed(outputs[str(path)]), backends.run(framework, case)
        assert printed["value"].shape == got.value.shape, index
        np.testing.assert_allclose(printed["value"], got.value, rtol=1e-13, err_msg=index)
        np.testing.assert_allclose(printed["grad x"], got.grad["x"], rtol=1e-13, err_msg=index)
