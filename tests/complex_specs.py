"""The complex-engine cases of reductions, products and linear algebra, with torch's side.

Each entry: (id, program, cost, shapes, torch function of the env[, domain]); a shape key
with a leading `_` is an input (complex, not differentiated), the others params. Costs of
eigenvectors and singular vectors are phase-gauge invariant (|u|^2, u diag(w) v^H); eigh,
eigvalsh and cholesky read the lower triangle, as NumPy does, so torch is given the same
reading (`_lower`).
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

TORCH_NAMES = {
    "negative": torch.neg, "exp": torch.exp, "log": torch.log, "log1p": torch.log1p,
    "expm1": torch.expm1, "sqrt": torch.sqrt, "square": torch.square, "abs": torch.abs,
    "sign": torch.sgn, "sin": torch.sin, "cos": torch.cos, "tan": torch.tan,
    "arcsin": torch.asin, "arccos": torch.acos, "arctan": torch.atan, "sinh": torch.sinh,
    "cosh": torch.cosh, "tanh": torch.tanh, "sigmoid": torch.sigmoid, "log2": torch.log2,
    "log10": torch.log10, "exp2": torch.exp2, "reciprocal": torch.reciprocal,
    "arcsinh": torch.asinh, "arccosh": torch.acosh, "arctanh": torch.atanh,
    "real": torch.real, "imag": torch.imag, "conj": torch.conj, "angle": torch.angle,
    "erf": torch.erf, "erfc": torch.erfc, "silu": F.silu,
    "gelu": lambda x: F.gelu(x, approximate="tanh"),
    "add": torch.add, "subtract": torch.sub, "multiply": torch.mul, "divide": torch.div,
    "power": torch.pow, "arctan2": torch.atan2, "xlogy": torch.xlogy,
    "xlog1py": torch.special.xlog1py,
}  # fmt: skip


def _w(t, e):
    return (t * e["w"].conj()).real.sum()


def _lower(a):
    """NumPy's reading of a Hermitian matrix: the lower triangle, the diagonal's real part."""
    low = torch.tril(a, -1)
    return low + low.mH + torch.diag_embed(torch.diagonal(a, dim1=-2, dim2=-1).real).to(a.dtype)


_WEIGHTED = "sum(real(({}) * conj(w)))"

REDUCTIONS = [
    ("sum-axis", "", _WEIGHTED.format("sum(z, axis=0)"), {"z": (2, 3), "_w": (3,)},
     lambda e: _w(e["z"].sum(0), e)),
    ("mean", "", _WEIGHTED.format("mean(z, axis=1, keepdims=True)"), {"z": (2, 3), "_w": (2, 1)},
     lambda e: _w(e["z"].mean(1, keepdim=True), e)),
    ("prod", "", _WEIGHTED.format("prod(z, axis=1)"), {"z": (2, 3), "_w": (2,)},
     lambda e: _w(e["z"].prod(1), e)),
    ("logsumexp", "", _WEIGHTED.format("logsumexp(z, axis=1)"), {"z": (2, 3), "_w": (2,)},
     lambda e: _w(torch.logsumexp(e["z"], 1), e)),
    ("softmax", "", _WEIGHTED.format("softmax(z, axis=1)"), {"z": (2, 3), "_w": (2, 3)},
     lambda e: _w(torch.softmax(e["z"], 1), e)),
    ("log_softmax", "", _WEIGHTED.format("log_softmax(z, axis=0)"), {"z": (2, 3), "_w": (2, 3)},
     lambda e: _w(torch.log_softmax(e["z"], 0), e)),
    ("cumsum", "", _WEIGHTED.format("cumsum(z, axis=1)"), {"z": (2, 3), "_w": (2, 3)},
     lambda e: _w(torch.cumsum(e["z"], 1), e)),
    ("cumprod", "", _WEIGHTED.format("cumprod(z, axis=1)"), {"z": (2, 3), "_w": (2, 3)},
     lambda e: _w(torch.cumprod(e["z"], 1), e)),
    ("trace", "", _WEIGHTED.format("trace(z)"), {"z": (3, 3), "_w": ()},
     lambda e: _w(torch.trace(e["z"]), e)),
    ("var", "", "sum(var(z, axis=1)) * 2 + sum(std(z, axis=0))", {"z": (2, 3)},
     lambda e: e["z"].var(1, correction=0).sum() * 2 + e["z"].std(0, correction=0).sum()),
    ("norm", "", "norm(z) + norm(z, ord=1, axis=1).sum() + norm(z, ord=3, axis=0).sum()"
     " + norm(z, ord='fro') + norm(z, ord='nuc') + norm(z, ord=2)", {"z": (2, 3)},
     lambda e: torch.linalg.vector_norm(e["z"]) + torch.linalg.vector_norm(e["z"], 1, 1).sum()
     + torch.linalg.vector_norm(e["z"], 3, 0).sum() + torch.linalg.matrix_norm(e["z"])
     + torch.linalg.matrix_norm(e["z"], "nuc") + torch.linalg.matrix_norm(e["z"], 2)),
    ("norm-inf", "", "norm(z, ord=inf, axis=1).sum() + norm(z, ord=inf)", {"z": (2, 3)},
     lambda e: torch.linalg.vector_norm(e["z"], float("inf"), 1).sum()
     + torch.linalg.matrix_norm(e["z"], float("inf"))),
    ("getitem-transpose", "", _WEIGHTED.format("z[:, 1:].T + z[0, ::-1][:2]"),
     {"z": (2, 3), "_w": (2, 2)}, lambda e: _w(e["z"][:, 1:].T + e["z"][0].flip(0)[:2], e)),
]  # fmt: skip

LINALG = [
    ("matmul-2-2", "", _WEIGHTED.format("a @ b"), {"a": (2, 3), "b": (3, 4), "_w": (2, 4)},
     lambda e: _w(e["a"] @ e["b"], e)),
    ("matmul-1-2", "", _WEIGHTED.format("a @ b"), {"a": (3,), "b": (3, 2), "_w": (2,)},
     lambda e: _w(e["a"] @ e["b"], e)),
    ("matmul-2-1", "", _WEIGHTED.format("a @ b"), {"a": (2, 3), "b": (3,), "_w": (2,)},
     lambda e: _w(e["a"] @ e["b"], e)),
    ("matmul-1-1", "", _WEIGHTED.format("a @ b"), {"a": (3,), "b": (3,), "_w": ()},
     lambda e: _w(e["a"] @ e["b"], e)),
    ("matmul-batch", "", _WEIGHTED.format("a @ b"), {"a": (2, 2, 3), "b": (3, 2), "_w": (2, 2, 2)},
     lambda e: _w(e["a"] @ e["b"], e)),
    ("dot", "", _WEIGHTED.format("dot(a, b)"), {"a": (2, 3), "b": (3,), "_w": (2,)},
     lambda e: _w(e["a"] @ e["b"], e)),
    ("outer", "", _WEIGHTED.format("outer(a, b)"), {"a": (2,), "b": (3,), "_w": (2, 3)},
     lambda e: _w(torch.outer(e["a"], e["b"]), e)),
    ("einsum", "", _WEIGHTED.format("einsum('ij,jk,k->i', a, b, c)"),
     {"a": (2, 3), "b": (3, 2), "c": (2,), "_w": (2,)},
     lambda e: _w(torch.einsum("ij,jk,k->i", e["a"], e["b"], e["c"]), e)),
    ("tensordot", "", _WEIGHTED.format("tensordot(a, b, axes=1)"),
     {"a": (2, 3), "b": (3, 2), "_w": (2, 2)},
     lambda e: _w(torch.tensordot(e["a"], e["b"], dims=1), e)),
    ("kron", "", _WEIGHTED.format("kron(a, b)"), {"a": (2, 2), "b": (1, 3), "_w": (2, 6)},
     lambda e: _w(torch.kron(e["a"], e["b"]), e)),
    ("cross", "", _WEIGHTED.format("cross(a, b)"), {"a": (2, 3), "b": (3,), "_w": (2, 3)},
     lambda e: _w(torch.linalg.cross(e["a"], e["b"].expand(2, 3)), e)),
    ("inv", "", _WEIGHTED.format("inv(a + 3 * eye)"), {"a": (3, 3), "_w": (3, 3), "_eye": (3, 3)},
     lambda e: _w(torch.linalg.inv(e["a"] + 3 * e["eye"]), e)),
    ("det", "", _WEIGHTED.format("det(a)"), {"a": (2, 3, 3), "_w": (2,)},
     lambda e: _w(torch.linalg.det(e["a"]), e)),
    ("slogdet", "s, l = slogdet(a)", "sum(real(s * conj(w))) + sum(l)", {"a": (3, 3), "_w": ()},
     lambda e: _w(torch.linalg.slogdet(e["a"])[0], e) + torch.linalg.slogdet(e["a"])[1]),
    ("solve-vector", "", _WEIGHTED.format("solve(a, b)"), {"a": (3, 3), "b": (3,), "_w": (3,)},
     lambda e: _w(torch.linalg.solve(e["a"], e["b"]), e)),
    ("solve-matrix", "", _WEIGHTED.format("solve(a, b)"),
     {"a": (2, 3, 3), "b": (3, 2), "_w": (2, 3, 2)},
     lambda e: _w(torch.linalg.solve(e["a"], e["b"].expand(2, 3, 2)), e)),
    ("cholesky", "h = a @ conj(a).T + 3 * eye", _WEIGHTED.format("cholesky(h)"),
     {"a": (3, 3), "_w": (3, 3), "_eye": (3, 3)},
     lambda e: _w(torch.linalg.cholesky(_lower(e["a"] @ e["a"].mH + 3 * e["eye"])), e)),
    ("eigvalsh", "", "sum(eigvalsh(a) * real(w))", {"a": (3, 3), "_w": (3,)},
     lambda e: (torch.linalg.eigvalsh(_lower(e["a"])) * e["w"].real).sum()),
    ("eigh", "l, v = eigh(a)", "sum(abs(v) ** 2 * real(w)) + sum(l * imag(w[0]))",
     {"a": (3, 3), "_w": (3, 3)},
     lambda e: (torch.linalg.eigh(_lower(e["a"]))[1].abs() ** 2 * e["w"].real).sum()
     + (torch.linalg.eigh(_lower(e["a"]))[0] * e["w"][0].imag).sum()),
    ("svdvals", "", "sum(svdvals(a) * real(w))", {"a": (3, 2), "_w": (2,)},
     lambda e: (torch.linalg.svdvals(e["a"]) * e["w"].real).sum()),
    ("svd-u", "u, s, vh = svd(a, full_matrices=False)", "sum(abs(u) ** 2 * real(w)) + sum(s)",
     {"a": (3, 2), "_w": (3, 2)},
     lambda e: (torch.linalg.svd(e["a"], full_matrices=False)[0].abs() ** 2 * e["w"].real).sum()
     + torch.linalg.svdvals(e["a"]).sum()),
    ("svd-uv", "u, s, vh = svd(a, full_matrices=False)",
     _WEIGHTED.format("u @ (vh * real(c)[:, None])"), {"a": (2, 3), "_w": (2, 3), "_c": (2,)},
     lambda e: _w(_svd_uv(e["a"], e["c"]), e)),
    ("svd-vh-full", "u, s, vh = svd(a)", "sum(abs(vh[:2]) ** 2 * real(w))",
     {"a": (2, 3), "_w": (2, 3)},
     lambda e: (torch.linalg.svd(e["a"])[2][:2].abs() ** 2 * e["w"].real).sum()),
    ("qr-tall", "q, r = qr(a)", _WEIGHTED.format("q") + " + " + _WEIGHTED.format("r").replace(
        "w", "c"), {"a": (3, 2), "_w": (3, 2), "_c": (2, 2)},
     lambda e: _w(torch.linalg.qr(e["a"])[0], e)
     + (torch.linalg.qr(e["a"])[1] * e["c"].conj()).real.sum()),
    ("qr-wide", "q, r = qr(a)", _WEIGHTED.format("q") + " + " + _WEIGHTED.format("r").replace(
        "w", "c"), {"a": (2, 3), "_w": (2, 2), "_c": (2, 3)},
     lambda e: _w(torch.linalg.qr(e["a"])[0], e)
     + (torch.linalg.qr(e["a"])[1] * e["c"].conj()).real.sum()),
]  # fmt: skip


def _svd_uv(a, c):
    u, _, vh = torch.linalg.svd(a, full_matrices=False)
    return u @ (vh * c.real[:, None])


OPTIMIZERS = [
    ("sgd", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.1}),
    ("sgd", {"lr": 0.1, "momentum": 0.9, "dampening": 0.3}),
    ("adam", {"lr": 0.1}),
    ("adam", {"lr": 0.1, "amsgrad": True, "weight_decay": 0.1}),
    ("adamw", {"lr": 0.1}),
    ("rmsprop", {"lr": 0.1}),
    ("rmsprop", {"lr": 0.1, "momentum": 0.5, "centered": True}),
    ("adagrad", {"lr": 0.1, "initial_accumulator_value": 0.2}),
]

TORCH_OPTIMIZERS = {
    "sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW,
    "rmsprop": torch.optim.RMSprop, "adagrad": torch.optim.Adagrad,
}  # fmt: skip
