"""The numpy backend's rule tables, op by op, generated from `ops.OPS`.

Every op runs on scalar, vector, matrix and broadcast inputs drawn from its domain; its
VJP is checked against central differences (float64, a random cotangent so each element
weighs differently), its forward against NumPy (jax.nn and torch where NumPy has no such
function), and both against PyTorch and JAX where they are installed. Each kink and tie
convention from `ops.trap` is pinned by its own test.
"""

from __future__ import annotations

import zlib
from typing import Any, NamedTuple

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from gradcheck_cli import ir, ops
from gradcheck_cli.backends.np_rules import FORWARD, VJP, unbroadcast

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

INF = float("inf")
RTOL, ATOL = 1e-6, 1e-8  # against central differences
CLOSE = {"rtol": 1e-9, "atol": 1e-12}  # against another framework, both float64


class Case(NamedTuple):
    op: str
    specs: tuple[Any, ...]  # a tuple of ints: a float array drawn from the domain; else as is
    attrs: dict[str, Any]

    @property
    def id(self) -> str:
        specs = ",".join(_describe(s) for s in self.specs)
        attrs = ",".join(f"{k}={v}" for k, v in self.attrs.items())
        return f"{self.op}[{specs}]{{{attrs}}}"


def _describe(spec: Any) -> str:
    if isinstance(spec, np.ndarray):
        return f"{spec.dtype}{list(spec.shape)}"
    return str(spec) if isinstance(spec, tuple) else repr(spec)


def rng_for(*key: Any) -> np.random.Generator:
    """Seeded from the test's own key, so every case draws the same numbers every run."""
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def draw(rng: np.random.Generator, shape: tuple[int, ...], domain: str) -> np.ndarray:
    if domain == "positive":
        return np.asarray(rng.uniform(0.5, 2.0, shape))
    if domain == "unit":
        return np.asarray(rng.uniform(-0.9, 0.9, shape))
    if domain == "above_one":
        return np.asarray(rng.uniform(1.5, 3.0, shape))
    if domain == "nonzero":
        return np.asarray(rng.choice([-1.0, 1.0], shape) * rng.uniform(0.5, 2.0, shape))
    return np.asarray(rng.normal(size=shape))


def inputs_of(case: Case, dtype: Any = np.float64) -> tuple[Any, ...]:
    rng = rng_for(case.id)
    domain = ops.OPS[case.op].domain
    return tuple(
        draw(rng, s, domain).astype(dtype) if isinstance(s, tuple) else s for s in case.specs
    )


def takes_cotangent(op: str, i: int, x: Any) -> bool:
    floating = isinstance(x, np.ndarray) and x.dtype.kind == "f"
    return floating and ops.OPS[op].differentiable(i)


def fd(f: Any, x: np.ndarray, h: float = 1e-4) -> np.ndarray:
    """Five-point central differences of the scalar f at x, element by element."""
    grad = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        values = []
        for step in (2 * h, h, -h, -2 * h):
            moved = x.copy()
            moved[k] += step
            values.append(f(moved))
        grad[k] = (-values[0] + 8 * values[1] - 8 * values[2] + values[3]) / (12 * h)
    return grad


# ---- the case table ---------------------------------------------------------------------

PAIRS = [((), ()), ((3,), (3,)), ((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 3))]
MIXED = [((3,), 2), ((3,), 0.5), (1.5, (3,)), ((3,), np.array([1, 2, 3]))]
MASK = np.array([[True, False, True], [False, False, True]])
NORM_VECTOR = [None, 2, 1, INF, -INF, 0, 3, 0.5, -1]
NORM_MATRIX = [None, "fro", "nuc", 1, -1, 2, -2, INF, -INF]


def _elementwise(name: str, op: ops.Op) -> list[Case]:
    if len(op.arrays) == 1:
        return [Case(name, (s,), {}) for s in [(), (3,), (2, 3), 0.5]]
    return [Case(name, p, {}) for p in PAIRS + MIXED]


def _reduction(name: str) -> list[Case]:
    out = []
    shapes = [((), [None, 0]), ((4,), [None, 0, -1]), ((2, 3), [None, 0, 1])]
    for shape, axes in shapes + [((2, 3, 4), [None, 0, 1, -1, (0, 2), (2, 1)])]:
        for axis in axes:
            if isinstance(axis, tuple) and name.startswith("arg"):
                continue  # NumPy's argmax takes one axis
            if name == "mean" and shape == () and axis == 0:
                continue  # the one reduction NumPy refuses axis 0 of a 0-d array
            out += [Case(name, (shape,), {"axis": axis, "keepdims": k}) for k in (False, True)]
    return out


def _norms() -> list[Case]:
    out = [Case("norm", ((2, 3, 4),), {}), Case("norm", ((),), {})]
    for ord in NORM_VECTOR:
        out.append(Case("norm", ((4,),), {"ord": ord}))
        out.append(Case("norm", ((2, 3),), {"ord": ord, "axis": 1}))
        out.append(Case("norm", ((3, 2),), {"ord": ord, "axis": 0, "keepdims": True}))
    for ord in NORM_MATRIX:
        out.append(Case("norm", ((3, 4),), {"ord": ord}))
        out.append(Case("norm", ((2, 3, 4),), {"ord": ord, "axis": (2, 1), "keepdims": True}))
    return out


def _shaped(name: str, specs: list[tuple[Any, ...]], attrs: list[dict[str, Any]]) -> list[Case]:
    return [Case(name, s, a) for s in specs for a in attrs]


SPECIAL: dict[str, list[Case]] = {
    "where": [
        Case("where", (np.array([True, False, True]), (3,), (3,)), {}),
        Case("where", (MASK, (2, 3), (3,)), {}),
        Case("where", (np.array([True, False, True]), (), (2, 3)), {}),
        Case("where", (True, (3,), 0.0), {}),
    ],
    "clip": [
        Case("clip", ((2, 3), (3,), (2, 1)), {}),
        Case("clip", ((2, 3), (), ()), {}),
        Case("clip", ((3,), None, 0.5), {}),
        Case("clip", ((3,), -0.5, None), {}),
        Case("clip", ((3,), None, None), {}),
    ],
    "norm": _norms(),
    "softmax": _shaped("softmax", [((4,),), ((2, 3),)], [{}, {"axis": 0}, {"axis": None}])
    + [Case("softmax", ((2, 3, 4),), {"axis": (0, 2)})],
    "log_softmax": _shaped("log_softmax", [((4,),), ((2, 3),)], [{}, {"axis": 0}])
    + [Case("log_softmax", ((2, 3, 4),), {"axis": (0, 2)})],
    "cumsum": _shaped("cumsum", [((),), ((4,),)], [{}])
    + _shaped("cumsum", [((2, 3),)], [{}, {"axis": 0}, {"axis": 1}, {"axis": -1}]),
    "matmul": _shaped(
        "matmul",
        [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)), ((5, 2, 3), (3, 4))]
        + [((2, 1, 2, 3), (5, 3, 2)), ((3,), (2, 3, 4)), ((2, 3), np.array([1, 0, 2]))],
        [{}],
    ),
    "dot": _shaped(
        "dot",
        [((), (3,)), ((2, 3), ()), ((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4))]
        + [((2, 3), (4, 3, 5)), ((2, 2, 3), (3,)), (2.0, (3,))],
        [{}],
    ),
    "outer": _shaped("outer", [((3,), (4,)), ((2, 2), (3,)), ((), (3,))], [{}]),
    "transpose": _shaped(
        "transpose", [((2, 3, 4),)], [{}, {"axes": (1, 0, 2)}, {"axes": (-1, 0, 1)}]
    )
    + _shaped("transpose", [((3,),), ((),)], [{}]),
    "reshape": [
        Case("reshape", ((2, 3),), {"shape": (3, 2)}),
        Case("reshape", ((6,),), {"shape": (2, -1)}),
        Case("reshape", ((),), {"shape": (1, 1)}),
    ],
    "expand_dims": _shaped(
        "expand_dims", [((2, 3),)], [{"axis": 0}, {"axis": -1}, {"axis": (0, 2)}]
    ),
    "squeeze": _shaped(
        "squeeze", [((1, 3, 1),)], [{}, {"axis": 0}, {"axis": (0, 2)}, {"axis": -1}]
    ),
    "flip": _shaped("flip", [((2, 3),)], [{}, {"axis": 0}, {"axis": (0, 1)}, {"axis": -1}]),
    "concatenate": [
        Case("concatenate", ((2, 3), (1, 3)), {"axis": 0}),
        Case("concatenate", ((2, 3), (2, 2), (2, 1)), {"axis": 1}),
        Case("concatenate", ((2,), (3,)), {"axis": -1}),
        Case("concatenate", ((2, 2), (3,)), {"axis": None}),
        Case("concatenate", ((2,), np.array([1, 2])), {"axis": 0}),
    ],
    "stack": _shaped(
        "stack", [((3,), (3,)), ((2, 3), (2, 3), (2, 3))], [{}, {"axis": 1}, {"axis": -1}]
    )
    + [Case("stack", ((), ()), {}), Case("stack", ((), 1.0), {})],
    "getitem": [
        Case("getitem", ((4, 5),), {"index": (1,)}),
        Case("getitem", ((4, 5),), {"index": (slice(None, None, -2),)}),
        Case("getitem", ((4, 5),), {"index": (Ellipsis, None, -2)}),
        Case("getitem", ((4, 5),), {"index": (slice(1, 3), (0, 2, 2))}),
        Case("getitem", ((4, 5),), {"index": ((0, 0, 2),)}),
        Case("getitem", ((4, 5),), {"index": ((True, False, True, True),)}),
        Case("getitem", ((4, 5), np.array([[0, 3], [3, -1]])), {"index": (ir.ArrayRef(1),)}),
        Case(
            "getitem", ((4, 5), np.arange(20).reshape(4, 5) % 3 == 0), {"index": (ir.ArrayRef(1),)}
        ),
        Case("getitem", ((4, 5), np.array([4, -1, 4])), {"index": (-1, ir.ArrayRef(1))}),
        Case("getitem", ((),), {"index": (None, Ellipsis)}),
    ],
}


SPECIAL.update(  # the arrange family (ops.ARRANGE)
    {
        "take": [
            Case("take", ((4,), np.array([0, 2, 2, -1])), {}),
            Case("take", ((2, 3), np.array([[0, 2], [2, -1]])), {"axis": 1}),
            Case("take", ((2, 3, 2), np.array(1)), {"axis": 0}),
            Case("take", ((2, 3), np.array([5, 0, 5])), {}),
        ],
        "take_along_axis": [
            Case("take_along_axis", ((2, 3), np.array([[0, 2, 2], [1, -1, 0]])), {"axis": 1}),
            Case("take_along_axis", ((2, 3), np.array([[1, 0, 1]])), {"axis": 0}),
            Case("take_along_axis", ((2, 3), np.array([5, 0, 5])), {"axis": None}),
        ],
        "sort": _shaped("sort", [((4,),), ((2, 3),)], [{}, {"axis": 0}, {"axis": None}]),
        "argsort": _shaped("argsort", [((4,),), ((2, 3),)], [{}, {"axis": 0}]),
        "split": [
            Case("split", ((4,),), {"indices_or_sections": (3, 1), "output": 2}),  # overlapping
            Case("split", ((4, 2),), {"indices_or_sections": 2, "output": 1}),
            Case("split", ((2, 5),), {"indices_or_sections": (1, 3), "axis": 1, "output": 1}),
        ],
        "tile": _shaped("tile", [((),), ((2, 3),)], [{"reps": 2}, {"reps": (2, 1, 2)}]),
        "repeat": [
            Case("repeat", ((2, 3),), {"repeats": 2}),
            Case("repeat", ((2, 3),), {"repeats": (1, 0, 3), "axis": 1}),
            Case("repeat", ((),), {"repeats": 3, "axis": 0}),
        ],
        "pad": [
            Case("pad", ((2, 3),), {"pad_width": ((1, 0), (2, 1))}),
            Case("pad", ((3,),), {"pad_width": 2, "constant_values": 1.5}),
            Case("pad", ((2, 3),), {"pad_width": (1, 2), "mode": "edge"}),
            Case("pad", ((2, 3),), {"pad_width": 4, "mode": "reflect"}),
        ],
        "roll": [
            Case("roll", ((2, 3),), {"shift": 1}),
            Case("roll", ((2, 3),), {"shift": (1, -1), "axis": (0, 1)}),
        ],
        "moveaxis": [Case("moveaxis", ((2, 3, 4),), {"source": (0, 1), "destination": (2, 0)})],
        "swapaxes": [Case("swapaxes", ((2, 3, 4),), {"axis1": 0, "axis2": -1})],
        "broadcast_to": [Case("broadcast_to", ((2, 1),), {"shape": (3, 2, 4)})],
        "ravel": [Case("ravel", ((2, 3),), {})],
    }
)


def all_cases() -> list[Case]:
    """Cases of every op by its kind; a v2 function only where SPECIAL writes its own (the
    generated tests run every op in its forms, tests/test_generated_ops.py)."""
    v2 = {op.name for op in ops.V2}
    out = []
    for name, op in ops.OPS.items():
        if name in SPECIAL:
            out += SPECIAL[name]
        elif name in v2:
            continue
        elif op.kind == "reduction":
            out += _reduction(name)
        else:
            out += _elementwise(name, op)
    return out


def sample(cases: list[Case], per_op: int, names: Any = None) -> list[Any]:
    """`per_op` evenly spaced cases of each op, its last (richest) case first: a framework
    comparison costs a compile per case, and finite differences see every case anyway."""
    out = []
    for name in names or ops.OPS:
        mine = [c for c in cases if c.op == name]
        step = max(per_op - 1, 1)
        picks = sorted({round((len(mine) - 1) * (1 - i / step)) for i in range(per_op)})
        out += [pytest.param(mine[i], id=mine[i].id) for i in picks if mine]
    return out


CASES = all_cases()
PARAMS = [pytest.param(c, id=c.id) for c in CASES]


def test_every_op_has_rules_and_cases():
    missing = [n for n in ops.OPS if n not in FORWARD or n not in VJP]
    assert not missing, f"np_rules has no FORWARD or VJP for: {', '.join(missing)}"
    assert set(FORWARD) == set(VJP) == set(ops.OPS), "a table has a name ops.OPS lacks"
    untested = set(V1) - {c.op for c in CASES}
    assert not untested, f"no cases for: {sorted(untested)}"


# ---- every case: finite differences, NumPy, float32 -------------------------------------


@pytest.mark.parametrize("case", PARAMS)
def test_vjp_matches_finite_differences(case: Case):
    inputs = inputs_of(case)
    forward, vjp = FORWARD[case.op], VJP[case.op]
    ans = forward(*inputs, **case.attrs)
    w = rng_for("cotangent", case.id).normal(size=ans.shape)
    cts = vjp(w, ans, *inputs, **case.attrs)
    assert isinstance(cts, tuple) and len(cts) == len(inputs)
    for i, x in enumerate(inputs):
        if not takes_cotangent(case.op, i, x):
            assert cts[i] is None, f"input {i} takes no cotangent"
            continue
        assert cts[i].shape == x.shape and cts[i].dtype == x.dtype

        def scalar(xi, i=i):
            moved = inputs[:i] + (xi,) + inputs[i + 1 :]
            return float(np.sum(w * forward(*moved, **case.attrs)))

        expected = fd(scalar, x)
        np.testing.assert_allclose(cts[i], expected, RTOL, ATOL, err_msg=f"input {i}")


def _np_concatenate(*arrays, axis=0):
    return np.concatenate(arrays, axis=axis)


def _np_stack(*arrays, axis=0):
    return np.stack(arrays, axis=axis)


def _np_getitem(x, *arrays, index):
    return x[ir.numpy_index(index, arrays)]


NUMPY_SPELLINGS = {
    "norm": np.linalg.norm,
    "concatenate": _np_concatenate,
    "stack": _np_stack,
    "getitem": _np_getitem,
}
NUMPY_SPELLINGS["split"] = lambda a, indices_or_sections, axis=0, output=0: np.split(
    a,
    list(indices_or_sections) if isinstance(indices_or_sections, tuple) else indices_or_sections,
    axis=axis,
)[output]  # the arrange family: one part of NumPy's tuple


@pytest.mark.parametrize("case", PARAMS)
def test_forward_is_numpy(case: Case):
    inputs = inputs_of(case)
    out = FORWARD[case.op](*inputs, **case.attrs)
    assert type(out) is np.ndarray
    reference = NUMPY_SPELLINGS.get(case.op) or getattr(np, case.op, None)
    if reference is None:
        return  # the jax.nn family: checked against jax and torch below
    expected = np.asarray(reference(*inputs, **case.attrs))
    assert out.shape == expected.shape and out.dtype == expected.dtype
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("case", PARAMS)
def test_float32_stays_float32(case: Case):
    inputs = inputs_of(case, np.float32)
    if not any(isinstance(x, np.ndarray) and x.dtype == np.float32 for x in inputs):
        return
    out = FORWARD[case.op](*inputs, **case.attrs)
    in64 = FORWARD[case.op](*inputs_of(case), **case.attrs).dtype  # bool, int: the same
    assert out.dtype == (np.float32 if in64.kind == "f" else in64)
    cts = VJP[case.op](np.ones_like(out, dtype=np.float32), out, *inputs, **case.attrs)
    for ct, x in zip(cts, inputs, strict=True):
        assert ct is None or (ct.dtype == np.float32 and ct.shape == x.shape)


@pytest.mark.parametrize(
    "name,args",
    [
        ("add", (np.float32([1, 2]), np.array([1, 2]))),
        ("power", (np.float32([1, 2]), np.array([2, 3]))),
        ("where", (np.array([True, False]), np.float32([1, 2]), np.array([3, 4]))),
        ("clip", (np.float32([1, 5]), np.array([2, 2]), None)),
        ("matmul", (np.float32([1, 2]), np.array([[1, 0], [0, 1]]))),
        ("concatenate", (np.float32([1, 2]), np.array([3]), np.array([True]))),
        ("maximum", (np.array([True, False]), np.float32([0.5, 0.5]))),
    ],
)
def test_integer_and_bool_arrays_take_the_float_dtype(name: str, args: tuple[Any, ...]):
    assert FORWARD[name](*args).dtype == np.float32


def test_unbroadcast_sums_leading_and_stretched_axes():
    g = np.arange(24.0).reshape(2, 3, 4)
    assert unbroadcast(g, (2, 3, 4)) is g
    np.testing.assert_array_equal(unbroadcast(g, (4,)), g.sum(axis=(0, 1)))
    np.testing.assert_array_equal(unbroadcast(g, (3, 1)), g.sum(axis=(0, 2))[:, None])
    np.testing.assert_array_equal(unbroadcast(g, ()), g.sum())


# ---- hypothesis: broadcast shapes and index expressions -----------------------------------

BINARY = sorted(n for n, op in ops.OPS.items() if op.kind == "elementwise" and len(op.arrays) == 2)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    name=st.sampled_from(BINARY),
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3),
)
def test_binary_ops_under_any_broadcast(name: str, shapes: Any):
    case = Case(name, tuple(shapes.input_shapes), {})
    inputs = inputs_of(case)
    out = FORWARD[name](*inputs)
    assert out.shape == shapes.result_shape
    w = rng_for("w", case.id).normal(size=out.shape)
    cts = VJP[name](w, out, *inputs)
    for i, x in enumerate(inputs):

        def scalar(xi, i=i):
            return float(np.sum(w * FORWARD[name](*(inputs[:i] + (xi,) + inputs[i + 1 :]))))

        np.testing.assert_allclose(cts[i], fd(scalar, x), RTOL, ATOL)


@st.composite
def indexed(draw_: Any, gather: bool) -> tuple[tuple[int, ...], tuple[Any, ...]]:
    shape = draw_(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    if gather:
        return shape, tuple(draw_(hnp.integer_array_indices(shape)))
    index = draw_(hnp.basic_indices(shape, min_dims=0, allow_newaxis=True, allow_ellipsis=True))
    return shape, index if isinstance(index, tuple) else (index,)


def _check_getitem(shape: tuple[int, ...], index: tuple[Any, ...]) -> None:
    arrays = tuple(e for e in index if isinstance(e, np.ndarray))
    refs = iter(range(1, len(arrays) + 1))
    entries = tuple(ir.ArrayRef(next(refs)) if isinstance(e, np.ndarray) else e for e in index)
    x = rng_for("getitem", shape).normal(size=shape)
    out = FORWARD["getitem"](x, *arrays, index=entries)
    np.testing.assert_array_equal(out, x[index])
    w = rng_for("w", shape, out.shape).normal(size=out.shape)
    dx, *rest = VJP["getitem"](w, out, x, *arrays, index=entries)
    assert rest == [None] * len(arrays)

    def scalar(xi):
        return float(np.sum(w * xi[index]))

    np.testing.assert_allclose(dx, fd(scalar, x), RTOL, ATOL)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(indexed(gather=False))
def test_getitem_basic_indices(example: Any):
    _check_getitem(*example)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(indexed(gather=True))
def test_getitem_gathers_accumulate(example: Any):
    _check_getitem(*example)


# ---- against JAX and PyTorch --------------------------------------------------------------

JAX_PATHS = {
    "sigmoid": "nn.sigmoid",
    "relu": "nn.relu",
    "softplus": "nn.softplus",
    "softmax": "nn.softmax",
    "log_softmax": "nn.log_softmax",
    "logsumexp": "scipy.special.logsumexp",
    "norm": "numpy.linalg.norm",
}


# One case each: jax's eager dispatch compiles every primitive for every new shape.
# the v2 functions are compared with every framework, in every form, by
# tests/test_generated_ops.py; the direct comparisons here are the v1 ops'
V1 = [n for n in ops.OPS if n not in {op.name for op in ops.V2}]
SMOOTH = [n for n in V1 if ops.OPS[n].analytic and ops.OPS[n].kind != "compare"]
SMOOTH = [n for n in SMOOTH if n not in JAX_PATHS] + ["maximum", "max", "clip"]


@pytest.fixture(scope="module")
def jax():
    jax = pytest.importorskip("jax")
    pytest.importorskip("jax.scipy.special")
    previous = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield jax
    jax.config.update("jax_enable_x64", previous)


def jax_call(jax: Any, name: str, inputs: list[Any], attrs: dict[str, Any]) -> Any:
    if name in ("concatenate", "stack"):
        return getattr(jax.numpy, name)(inputs, **attrs)
    if name == "split":  # one part of the tuple
        kept = {k: v for k, v in attrs.items() if k != "output"}
        return jax.numpy.split(*inputs, **kept)[attrs["output"]]
    if name == "getitem":
        x, *arrays = inputs
        index = ir.numpy_index(attrs["index"], tuple(arrays))
        return x[tuple(np.asarray(e) if isinstance(e, list) else e for e in index)]
    fn = jax
    for part in JAX_PATHS.get(name, f"numpy.{name}").split("."):
        fn = getattr(fn, part)
    return fn(*inputs, **attrs)


@pytest.mark.frameworks
@pytest.mark.parametrize("case", sample(CASES, 1, SMOOTH) + sample(CASES, 2, JAX_PATHS))
def test_forward_and_vjp_match_jax(case: Case, jax: Any):
    inputs = inputs_of(case)
    diff = [i for i, x in enumerate(inputs) if takes_cotangent(case.op, i, x)]

    def f(*xs):
        full = list(inputs)
        for i, x in zip(diff, xs, strict=True):
            full[i] = x
        return jax_call(jax, case.op, full, case.attrs)

    ans, pullback = jax.vjp(f, *[inputs[i] for i in diff])
    ours = FORWARD[case.op](*inputs, **case.attrs)
    np.testing.assert_allclose(ours, np.asarray(ans), **CLOSE)
    if not diff:
        return
    w = rng_for("jax", case.id).normal(size=ours.shape)
    cts = VJP[case.op](w, ours, *inputs, **case.attrs)
    for i, expected in zip(diff, pullback(w), strict=True):
        np.testing.assert_allclose(cts[i], np.asarray(expected), **CLOSE, err_msg=f"input {i}")


TORCH_NAMES = {
    "subtract": "sub",
    "multiply": "mul",
    "divide": "div",
    "power": "pow",
    "arctan2": "atan2",
    "negative": "neg",
    "arcsin": "asin",
    "arccos": "acos",
    "arctan": "atan",
    "softplus": "nn.functional.softplus",
    "max": "amax",
    "min": "amin",
    "norm": "linalg.norm",
}
TORCH_DIMS = {"sum", "mean", "max", "min", "logsumexp"}  # take a tuple of dims


def torch_supported(case: Case) -> bool:
    """Smooth ops whose torch spelling takes the same arguments, on float arrays only."""
    if not all(isinstance(s, tuple) for s in case.specs):
        return False
    kind, axis = ops.OPS[case.op].kind, case.attrs.get("axis")
    if kind == "elementwise" or case.op in TORCH_DIMS | {"norm", "matmul", "clip"}:
        return True
    single = axis is None or isinstance(axis, int)
    if case.op == "prod":
        return single and not (axis is None and case.attrs.get("keepdims"))
    return case.op in ("softmax", "log_softmax") and isinstance(axis, int)


def torch_call(torch: Any, case: Case, tensors: list[Any]) -> Any:
    fn = torch
    for part in TORCH_NAMES.get(case.op, case.op).split("."):
        fn = getattr(fn, part)
    attrs = dict(case.attrs)
    if case.op in TORCH_DIMS:
        axes = torch_dims(attrs.pop("axis", None), tensors[0].ndim)
        return fn(tensors[0], dim=axes, keepdim=attrs.pop("keepdims", False))
    if case.op in ("softmax", "log_softmax"):
        return fn(tensors[0], dim=attrs.get("axis", -1))
    if case.op == "prod" and attrs.get("axis") is not None:
        return fn(tensors[0], dim=attrs["axis"], keepdim=attrs.get("keepdims", False))
    if case.op == "prod":
        return fn(tensors[0])
    if case.op == "norm":
        return fn(tensors[0], attrs.get("ord"), attrs.get("axis"), attrs.get("keepdims", False))
    return fn(*tensors)


def torch_dims(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    return axis if isinstance(axis, tuple) else (axis,)


@pytest.mark.frameworks
@pytest.mark.parametrize(
    "case",
    sample([c for c in CASES if torch_supported(c)], 3, [n for n in V1 if n != "norm"])
    + [pytest.param(c, id=c.id) for c in CASES if c.op == "norm"],
)
def test_forward_and_vjp_match_torch(case: Case):
    torch = pytest.importorskip("torch")
    inputs = inputs_of(case)
    tensors = [torch.tensor(x, requires_grad=True) for x in inputs]
    ans = torch_call(torch, case, tensors)
    ours = FORWARD[case.op](*inputs, **case.attrs)
    np.testing.assert_allclose(ours, ans.detach().numpy(), **CLOSE)
    w = rng_for("torch", case.id).normal(size=ours.shape)
    ans.backward(torch.tensor(w))
    cts = VJP[case.op](w, ours, *inputs, **case.attrs)
    for i, t in enumerate(tensors):
        expected = np.zeros_like(inputs[i]) if t.grad is None else t.grad.numpy()  # norm ord 0
        np.testing.assert_allclose(cts[i], expected, **CLOSE, err_msg=f"input {i}")


EXTREME = np.array([[-1000.0, -30.0, 0.0, 30.0, 1000.0], [-INF, -1.0, 0.0, 1.0, 2.0]])


JAX_NN = ["sigmoid", "relu", "softplus", "softmax", "log_softmax"]


@pytest.mark.frameworks
@pytest.mark.parametrize("name", JAX_NN)
def test_jax_nn_family_at_extremes(name: str, jax: Any):
    ours = FORWARD[name](EXTREME)
    np.testing.assert_allclose(ours, np.asarray(jax_call(jax, name, [EXTREME], {})), **CLOSE)


@pytest.mark.frameworks
@pytest.mark.parametrize("name", JAX_NN)
def test_jax_nn_family_agrees_with_torch(name: str):
    torch = pytest.importorskip("torch")
    ours = FORWARD[name](EXTREME)
    expected = torch_call(torch, Case(name, (), {}), [torch.tensor(EXTREME)])
    np.testing.assert_allclose(ours, expected.numpy(), **CLOSE)


@pytest.mark.frameworks
def test_logsumexp_matches_jax_and_torch(jax: Any):
    torch = pytest.importorskip("torch")
    a = np.array([[-INF, -INF, -INF], [1.0, INF, 0.0], [-INF, 0.0, 1.0], [-1000.0, 0.0, 1000.0]])
    ours = FORWARD["logsumexp"](a, axis=-1)
    np.testing.assert_allclose(ours, np.asarray(jax.scipy.special.logsumexp(a, axis=-1)))
    np.testing.assert_allclose(ours, torch.logsumexp(torch.tensor(a), dim=-1).numpy())


def test_stable_functions_raise_no_floating_point_error():
    x = np.array([-1000.0, -1.0, 0.0, 1.0, 1000.0])
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow is harmless
        for name in ("sigmoid", "softplus", "logsumexp", "softmax", "log_softmax"):
            assert np.all(np.isfinite(FORWARD[name](x)))
    assert FORWARD["logsumexp"](np.full(4, -INF)) == -INF


# ---- the conventions at kinks and ties, as documented to users ---------------------------


def grad(name: str, *inputs: Any, g: Any = None, **attrs: Any) -> tuple[Any, ...]:
    ans = FORWARD[name](*inputs, **attrs)
    return VJP[name](np.ones_like(ans, dtype=float) if g is None else g, ans, *inputs, **attrs)


def test_abs_sign_relu_at_zero():
    x = np.array([-2.0, 0.0, 3.0])
    np.testing.assert_array_equal(grad("abs", x)[0], [-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(grad("relu", x)[0], [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(grad("sign", x)[0], [0.0, 0.0, 0.0])


def test_sqrt_at_zero_is_infinite_unmasked():
    x = np.array([0.0, 4.0])
    np.testing.assert_array_equal(grad("sqrt", x)[0], [INF, 0.25])
    assert np.isnan(grad("sqrt", x, g=np.zeros(2))[0][0])  # 0 * inf


def test_max_and_min_split_ties_evenly():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    np.testing.assert_allclose(grad("max", x, axis=1)[0], [[0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    np.testing.assert_allclose(grad("min", x)[0], [[1, 0, 0], [0, 0, 0]])
    np.testing.assert_allclose(grad("max", x, axis=0, keepdims=True)[0], [[0, 1, 1], [1, 0, 0]])
    np.testing.assert_allclose(grad("max", x)[0], [[0, 0.5, 0.5], [0, 0, 0]])


def test_maximum_and_minimum_split_equal_operands():
    x = np.array([1.0, 2.0])
    for name in ("maximum", "minimum"):
        dx, dy = grad(name, x, x.copy())
        np.testing.assert_array_equal(dx, [0.5, 0.5])
        np.testing.assert_array_equal(dy, [0.5, 0.5])
    dx, dy = grad("maximum", np.array([1.0, 2.0, 3.0]), np.array(2.0))
    np.testing.assert_array_equal(dx, [0.0, 0.5, 1.0])
    assert dy == 1.5
    dx, dy = grad("maximum", np.array([np.nan]), np.array([1.0]))
    assert dx == 0 and dy == 0  # a NaN is neither side (jax's choice)


def test_norm_conventions_at_zero_and_ties():
    zero = np.zeros(3)
    np.testing.assert_array_equal(grad("norm", zero)[0], zero)
    np.testing.assert_array_equal(grad("norm", zero, ord=3)[0], zero)
    np.testing.assert_array_equal(grad("norm", np.zeros((2, 2)), ord="fro")[0], np.zeros((2, 2)))
    np.testing.assert_array_equal(grad("norm", np.array([0.0, -2.0, 3.0]), ord=1)[0], [0, -1, 1])
    ties = np.array([3.0, -3.0, 1.0])
    np.testing.assert_array_equal(grad("norm", ties, ord=INF)[0], [0.5, -0.5, 0.0])
    d = np.diag([3.0, 1.0])
    np.testing.assert_allclose(grad("norm", d, ord="nuc")[0], np.eye(2), atol=1e-15)
    np.testing.assert_allclose(grad("norm", d, ord=2)[0], [[1, 0], [0, 0]], atol=1e-15)
    np.testing.assert_allclose(grad("norm", d, ord=-2)[0], [[0, 0], [0, 1]], atol=1e-15)


def test_clip_passes_gradient_inclusively_and_to_active_bounds():
    a = np.array([-1.0, 0.0, 0.5, 1.0, 2.0])
    da, dlo, dhi = grad("clip", a, np.zeros(5), np.ones(5))
    np.testing.assert_array_equal(da, [0, 1, 1, 1, 0])
    np.testing.assert_array_equal(dlo, [1, 0, 0, 0, 0])
    np.testing.assert_array_equal(dhi, [0, 0, 0, 0, 1])
    assert grad("clip", a, 0.0, 1.0)[1:] == (None, None)
    np.testing.assert_array_equal(grad("clip", a, None, np.array(1.0))[2], 1.0)
    np.testing.assert_array_equal(grad("clip", a, None, None)[0], np.ones(5))
    da, dlo, dhi = grad("clip", a, np.array(3.0), np.array(1.0))  # crossed: NumPy gives a_max
    np.testing.assert_array_equal(FORWARD["clip"](a, np.array(3.0), np.array(1.0)), np.ones(5))
    assert not da.any() and dlo == 0 and dhi == 5


def test_prod_is_exact_with_zeros():
    np.testing.assert_array_equal(grad("prod", np.array([2.0, 0.0, 3.0]))[0], [0, 6, 0])
    np.testing.assert_array_equal(grad("prod", np.array([0.0, 0.0, 3.0]))[0], [0, 0, 0])
    x = np.array([[2.0, 0.0, 3.0], [0.0, 0.0, 4.0], [1.0, 2.0, 3.0]])
    np.testing.assert_array_equal(grad("prod", x, axis=1)[0], [[0, 6, 0], [0, 0, 0], [6, 3, 2]])


def test_where_keeps_nan_from_the_untaken_branch():
    """where(x > 0, sqrt(x), 0.0) at 0: the sqrt branch gets 0, and 0 * sqrt'(0) is NaN."""
    x = np.array([0.0, 4.0])
    root, cond = FORWARD["sqrt"](x), FORWARD["greater"](x, 0)
    out = FORWARD["where"](cond, root, 0.0)
    none, d_root, d_else = VJP["where"](np.ones(2), out, cond, root, 0.0)
    assert none is None and d_else is None
    np.testing.assert_array_equal(d_root, [0.0, 1.0])
    dx = VJP["sqrt"](d_root, root, x)[0]
    assert np.isnan(dx[0]) and dx[1] == 0.25


def test_power_masks_follow_torch():
    x, y = np.array([0.0, 0.0, 2.0, 0.0]), np.array([0.0, 2.0, 0.0, -1.0])
    dx, dy = grad("power", x, y)
    np.testing.assert_array_equal(dx[:3], [0.0, 0.0, 0.0])
    np.testing.assert_array_equal(dy[:3], [0.0, 0.0, np.log(2.0)])
    assert grad("power", np.zeros(1), 2)[0] == 0 and grad("power", np.zeros(1), 0)[0] == 0


def test_repeated_gather_indices_accumulate():
    x = np.array([1.0, 2.0, 3.0])
    np.testing.assert_array_equal(grad("getitem", x, index=((0, 0, 2),))[0], [2, 0, 1])
    idx = np.array([[1, 1], [1, -3]])
    dx, none = grad("getitem", x, idx, index=(ir.ArrayRef(1),))
    np.testing.assert_array_equal(dx, [1, 3, 0])
    assert none is None


@pytest.mark.frameworks
@pytest.mark.parametrize(
    "name,inputs,attrs",
    [
        ("abs", [[-1.0, 0.0, 2.0]], {}),
        ("relu", [[-1.0, 0.0, 2.0]], {}),
        ("max", [[[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]], {"axis": 1}),
        ("min", [[1.0, 1.0, 2.0]], {}),
        ("maximum", [[1.0, 2.0], [1.0, 3.0]], {}),
        ("minimum", [[1.0, 2.0], [1.0, 3.0]], {}),
        ("clip", [[-1.0, 0.0, 0.5, 1.0, 2.0], [0.0] * 5, [1.0] * 5], {}),
        ("clip", [[0.0, 2.0, 5.0], [3.0] * 3, [1.0] * 3], {}),
        ("prod", [[[2.0, 0.0, 3.0], [0.0, 0.0, 4.0]]], {"axis": 1}),
        ("norm", [[0.0, 0.0]], {}),
        ("norm", [[[0.0, 0.0], [0.0, 0.0]]], {"ord": "fro"}),
        ("norm", [[3.0, -3.0, 1.0]], {"ord": INF}),
        ("power", [[0.0, 0.0, 2.0], [0.0, 2.0, 0.0]], {}),
        ("sqrt", [[0.0, 4.0]], {}),
    ],
)
def test_conventions_agree_with_torch(name: str, inputs: list[Any], attrs: dict[str, Any]):
    torch = pytest.importorskip("torch")
    arrays = [np.array(x) for x in inputs]
    tensors = [torch.tensor(x, requires_grad=True) for x in arrays]
    ans = torch_call(torch, Case(name, (), attrs), tensors)
    ans.backward(torch.ones_like(ans))
    for ours, t in zip(grad(name, *arrays, **attrs), tensors, strict=True):
        np.testing.assert_array_equal(ours, t.grad.numpy())


def test_every_rule_has_its_explain_text():
    """One rule per op: an elementwise op writes one local derivative per array input, a
    differentiable op of any other kind a phrase for its VJP (or explain's generic one)."""
    from gradcheck_cli.backends.np_rules import RULES

    assert list(RULES) == list(ops.OPS)
    for name, op in ops.OPS.items():
        rule = RULES[name]
        if op.kind == "elementwise" and op.diff != ():  # a boolean function has no derivative
            assert len(rule.local) == len(op.arrays), name
        elif op.diff != ():
            assert rule.text is not None, name
        assert FORWARD[name] is rule.forward and VJP[name] is rule.vjp


def test_clip_text_matches_the_vjp_at_crossed_bounds():
    """What explain writes for clip is what the VJP computes, crossed bounds included."""
    from gradcheck_cli.backends.np_rules import RULES

    x, lo, hi = np.array([-1.0, 0.5, 1.5, 3.0]), np.full(4, 2.0), np.full(4, 1.0)
    got = VJP["clip"](np.ones(4), FORWARD["clip"](x, lo, hi), x, lo, hi)
    written = [t.format("x", "lo", "hi", ans="ans") for t in RULES["clip"].local]
    assert written == ["(lo <= x <= hi)", "(x < lo <= hi)", "((x > hi) | (lo > hi))"]
    wanted = [(lo <= x) & (x <= hi), (x < lo) & (lo <= hi), (x > hi) | (lo > hi)]
    for ct, want in zip(got, wanted, strict=True):
        np.testing.assert_array_equal(ct, want.astype(float))
