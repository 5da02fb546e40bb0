"""The numpy engine on complex params: every op defined on complex numbers, against
torch.autograd and central differences over the real and imaginary parts.

The contract's gradient of a real cost L with respect to z = x + iy is dL/dx + i dL/dy,
which is what torch's `.grad` holds for a complex leaf. Each case is a real cost of
complex params and inputs (`sum(real(f(z) * conj(w)))`, `sum(abs(f(z)) ** 2)`), drawn with
a seeded rng away from branch cuts, poles and ties; the list of ops comes from the op table
(the holomorphic ops, `analytic`, and the others defined on complex numbers). Also: real
params meeting complex inputs take real gradients, and the optimizers step a complex
param as torch.optim does.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from gradcheck_cli import optim
from gradcheck_cli.backends import np_engine
from gradcheck_cli.backends.np_rules import RULES
from gradcheck_cli.ops import FUNCTIONS, INFIX, OPS
from gradcheck_cli.parse import parse

from .complex_specs import LINALG, OPTIMIZERS, REDUCTIONS, TORCH_NAMES, TORCH_OPTIMIZERS

torch = pytest.importorskip("torch")

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

# defined on complex numbers, not holomorphic: their own rules (np_rules_unary, _complex)
NOT_HOLOMORPHIC = ("abs", "sign", "real", "imag", "conj", "angle")
# where each op is drawn: its branch cuts and poles kept away
DOMAIN = {
    "log": "right", "log2": "right", "log10": "right", "sqrt": "right", "log1p": "right",
    "arcsin": "small", "arccos": "small", "arctanh": "small", "tan": "small",
    "arccosh": "far_right", "divide": "ring", "reciprocal": "ring", "power": "right",
    "xlogy": "right", "xlog1py": "right", "abs": "ring", "sign": "ring", "angle": "ring",
}  # fmt: skip


def _elementwise(arity: int) -> list[str]:
    return [
        name
        for name, op in OPS.items()
        if op.kind == "elementwise"
        and len(op.arrays) == arity
        and op.diff != ()
        and (op.analytic or name in NOT_HOLOMORPHIC)
        and (RULES[name].complex or name in NOT_HOLOMORPHIC)  # NumPy takes complex numbers
    ]


UNARY, BINARY = _elementwise(1), _elementwise(2)


def spell(name: str, *args: str) -> str:
    """The op called in the case language: a function, an operator, or `-x`."""
    if name in FUNCTIONS:
        return f"{name}({', '.join(args)})"
    if name == "negative":
        return f"(-{args[0]})"
    return f"({f' {INFIX[name]} '.join(args)})"


def _rng(*key) -> np.random.Generator:
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def draw(rng, shape, domain="plain") -> np.ndarray:
    return np.asarray(_draw(rng, shape, domain), dtype=np.complex128)


def _draw(rng, shape, domain):
    re, im = rng.normal(size=shape), rng.normal(size=shape)
    if domain == "small":
        return 0.4 * re + 0.4j * im
    if domain == "right":
        return rng.uniform(0.5, 1.5, shape) + 0.5j * im
    if domain == "far_right":
        return rng.uniform(1.5, 2.5, shape) + 0.5j * im
    if domain == "ring":
        return rng.uniform(0.5, 1.5, shape) * np.exp(1j * rng.uniform(-3, 3, shape))
    return 0.7 * re + 0.7j * im


def engine(cost: str, params: dict, inputs: dict, program: str = "") -> np_engine.Evaluation:
    known = {**{k: "param" for k in params}, **{k: "input" for k in inputs}}
    prog = parse(program, cost, known)
    return np_engine.value_and_grad(prog, params, inputs, tuple(params), "sum")


def central(cost: str, params: dict, inputs: dict, program: str = "", h=1e-6) -> dict:
    """dL/dx + i dL/dy by central differences of the engine's own forward cost."""
    known = {**{k: "param" for k in params}, **{k: "input" for k in inputs}}
    prog = parse(program, cost, known)

    def value(ps):
        run = np_engine.forward(prog, {**inputs, **ps}, (), "complex128")
        return np_engine.reduced(run.value, "sum")

    grads = {}
    for name, p in params.items():
        g = np.zeros(p.shape, dtype=p.dtype)
        steps = (1, 1j) if p.dtype.kind == "c" else (1,)
        for idx in np.ndindex(p.shape):
            for step in steps:
                up, down = p.copy(), p.copy()
                up[idx] += h * step
                down[idx] -= h * step
                d = (value({**params, name: up}) - value({**params, name: down})) / (2 * h)
                g[idx] += d * step
        grads[name] = g
    return grads


def torch_grads(fn, params: dict, inputs: dict) -> dict:
    leaves = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    consts = {k: torch.tensor(v) for k, v in inputs.items()}
    loss = fn({**leaves, **consts})
    assert not loss.is_complex()
    loss.backward()
    return {
        k: np.zeros_like(params[k]) if t.grad is None else t.grad.resolve_conj().numpy()
        for k, t in leaves.items()
    }


def _torch_or_none(fn, params, inputs):
    """torch's gradient, or None where torch refuses complex numbers for the op (erf, gelu,
    softmax...: measured, the engine is then checked against differences alone)."""
    try:
        return torch_grads(fn, params, inputs)
    except (RuntimeError, NotImplementedError) as exc:
        message = str(exc).splitlines()[0]
        if "not implemented" not in message and "complex" not in message:
            raise  # a mistake in the torch side, not a refusal
        return None


def check(cost, params, inputs, fn=None, program="", fd_tol=1e-6):
    ev = engine(cost, params, inputs, program)
    for k, p in params.items():
        assert ev.grads[k].dtype == p.dtype and ev.grads[k].shape == p.shape
    fd = central(cost, params, inputs, program)
    for k in params:
        np.testing.assert_allclose(ev.grads[k], fd[k], rtol=fd_tol, atol=fd_tol, err_msg=k)
    if fn is not None:
        ref = _torch_or_none(fn, params, inputs)
        for k in params if ref is not None else ():
            np.testing.assert_allclose(ev.grads[k], ref[k], rtol=1e-9, atol=1e-10, err_msg=k)


# ---- elementwise ------------------------------------------------------------------------

UNARY_SHAPES = [(), (3,), (2, 3)]
BINARY_SHAPES = [((), ()), ((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 3))]


@pytest.mark.parametrize("shape", UNARY_SHAPES, ids=str)
@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("form", ["weighted", "modulus"])
def test_unary(name, shape, form):
    rng = _rng(name, shape, form)
    z = draw(rng, shape, DOMAIN.get(name, "plain"))
    w = draw(rng, shape)
    f = TORCH_NAMES[name]
    if form == "weighted":
        check(f"sum(real({spell(name, 'z')} * conj(w)))", {"z": z}, {"w": w},
              lambda e: (f(e["z"]) * e["w"].conj()).real.sum())  # fmt: skip
    else:
        check(
            f"sum(abs({spell(name, 'z')}) ** 2)",
            {"z": z},
            {},
            lambda e: (f(e["z"]).abs() ** 2).sum(),
        )


@pytest.mark.parametrize("shapes", BINARY_SHAPES, ids=str)
@pytest.mark.parametrize("name", BINARY)
def test_binary(name, shapes):
    rng = _rng(name, shapes)
    dom = DOMAIN.get(name, "plain")
    a = draw(rng, shapes[0], "right" if name in ("power",) else "plain")
    b = draw(rng, shapes[1], dom if name != "power" else "small")
    out = np.broadcast_shapes(*shapes)
    w = draw(rng, out)
    f = TORCH_NAMES[name]
    check(f"sum(real({spell(name, 'a', 'b')} * conj(w)))", {"a": a, "b": b}, {"w": w},
          lambda e: (f(e["a"], e["b"]) * e["w"].conj()).real.sum())  # fmt: skip


@pytest.mark.parametrize("name", ["multiply", "add", "divide", "matmul", "exp_times"])
def test_a_real_param_meeting_a_complex_input_takes_a_real_gradient(name):
    rng = _rng(name)
    x, z, w = rng.normal(size=(2, 2)), draw(rng, (2, 2), "ring"), draw(rng, (2, 2))
    spelled = {"multiply": "x * z", "add": "x + z", "divide": "z / x", "matmul": "x @ z",
               "exp_times": "exp(x) * z"}[name]  # fmt: skip
    x = np.abs(x) + 0.5 if name == "divide" else x
    tf = {"multiply": lambda e: e["x"] * e["z"], "add": lambda e: e["x"] + e["z"],
          "divide": lambda e: e["z"] / e["x"], "matmul": lambda e: e["x"].to(e["z"].dtype) @ e["z"],
          "exp_times": lambda e: e["x"].exp() * e["z"]}[name]  # fmt: skip
    ev = engine(f"sum(real(({spelled}) * conj(w)))", {"x": x}, {"z": z, "w": w})
    assert ev.grads["x"].dtype == np.float64
    check(f"sum(real(({spelled}) * conj(w)))", {"x": x}, {"z": z, "w": w},
          lambda e: (tf(e) * e["w"].conj()).real.sum())  # fmt: skip


# ---- the new ops on real arrays ---------------------------------------------------------


def test_real_imag_conj_angle_on_real_arrays():
    x = np.array([1.5, -0.5, 2.0, -3.0])
    ev = engine("sum(real(x) * 2 + imag(x) * 3 + conj(x) * 5 + angle(x) * 7)", {"x": x}, {})
    np.testing.assert_array_equal(ev.grads["x"], np.full(4, 7.0))
    assert ev.cost == pytest.approx(2 * 0 + 7 * x.sum() + 7 * np.pi * 2)
    # no cotangent through imag or angle of a real array
    ev = engine("sum(imag(x) + angle(x))", {"x": x}, {})
    np.testing.assert_array_equal(ev.grads["x"], np.zeros(4))


def test_angle_and_abs_at_zero_give_zero_as_torch():
    z = np.array([0j, 1 + 1j])
    ev = engine("sum(angle(z) + abs(z))", {"z": z}, {})
    ref = torch_grads(lambda e: (e["z"].angle() + e["z"].abs()).sum(), {"z": z}, {})
    np.testing.assert_allclose(ev.grads["z"], ref["z"], atol=1e-15)
    assert ev.grads["z"][0] == 0


# ---- reductions, products, linear algebra -----------------------------------------------


@pytest.mark.parametrize("spec", REDUCTIONS + LINALG, ids=lambda s: s[0])
def test_reductions_and_linalg(spec):
    id_, program, cost, shapes, fn = spec[:5]
    domain = spec[5] if len(spec) > 5 else "plain"
    rng = _rng(id_)
    params = {k: draw(rng, s, domain) for k, s in shapes.items() if not k.startswith("_")}
    inputs = {
        k[1:]: np.eye(s[0]) + 0j if k == "_eye" else draw(rng, s)
        for k, s in shapes.items()
        if k.startswith("_")
    }
    check(cost, params, inputs, fn, program, fd_tol=1e-5)


def test_every_op_named_here_has_a_torch_spelling():
    for name in UNARY + BINARY:
        assert name in TORCH_NAMES, name


# ---- optimizers -------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["complex64", "complex128"])
@pytest.mark.parametrize("name,hp", OPTIMIZERS, ids=lambda v: v if isinstance(v, str) else "")
def test_optimizers_step_a_complex_param_as_torch_optim(name, hp, dtype):
    rng = _rng(name, dtype, sorted(hp))
    p0 = draw(rng, (2, 3)).astype(dtype)
    ours, params = optim.make(name, hp), {"w": p0.copy()}
    leaf = torch.tensor(p0.copy(), requires_grad=True)
    theirs = TORCH_OPTIMIZERS[name]([leaf], **optim.hyperparameters(name, hp))
    for _ in range(3):
        g = draw(rng, (2, 3)).astype(dtype)
        params = ours.step(params, {"w": g})
        leaf.grad = torch.tensor(g)
        theirs.step()
    assert params["w"].dtype == np.dtype(dtype)
    ulps = 4 if dtype == "complex64" else 8  # float64: two roundings where torch fuses
    ref = leaf.detach().numpy()
    tiny = np.finfo(params["w"].real.dtype).eps * ulps
    np.testing.assert_allclose(params["w"], ref, rtol=tiny, atol=tiny)


def test_complex64_stays_complex64_and_agrees_with_torch():
    rng = _rng("complex64")
    a, b = draw(rng, (2, 3)).astype(np.complex64), draw(rng, (3,)).astype(np.complex64)
    w = draw(rng, (2,)).astype(np.complex64)
    cost = "sum(real(exp(a) @ conj(b) * w)) + sum(abs(sin(a) * b) ** 2) + sum(angle(a))"
    ev = engine(cost, {"a": a, "b": b}, {"w": w})
    ref = torch_grads(
        lambda e: (
            (torch.exp(e["a"]) @ e["b"].conj() * e["w"]).real.sum()
            + ((torch.sin(e["a"]) * e["b"]).abs() ** 2).sum()
            + torch.angle(e["a"]).sum()
        ),
        {"a": a, "b": b},
        {"w": w},
    )
    for k in ("a", "b"):
        assert ev.grads[k].dtype == np.complex64
        np.testing.assert_allclose(ev.grads[k], ref[k], rtol=1e-5, atol=1e-5)
