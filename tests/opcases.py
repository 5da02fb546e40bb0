"""Small cases that exercise every op of the vocabulary, for comparing backends.

Each entry is (id, op names it covers, cost expression, params, inputs); params and
inputs are YAML-ready values. The inputs are away from kinks and ties, so every backend
and finite differences must agree; kinks are pinned elsewhere (tests/test_np_rules.py and
cases/semantics). `test_every_op_is_covered` keeps this table complete.
"""

from __future__ import annotations

from gradcheck_cli.load import load_text

V = [0.3, -1.2, 0.7]  # a vector without ties
M = [[0.5, -1.1, 0.8], [1.3, 0.2, -0.6]]  # 2 x 3
POS = [0.4, 1.7, 2.2]
UNIT = [0.3, -0.5, 0.6]
B3 = [[[0.1, -0.4], [0.9, 0.3]], [[-0.7, 0.6], [0.2, 1.4]]]  # 2 x 2 x 2

OPCASES: list[tuple[str, tuple[str, ...], str, dict, dict]] = [
    ("add-broadcast", ("add",), "sum((m + v2) * c)", {"m": M, "v2": [0.5, 1.0, -2.0]}, {"c": M}),
    ("subtract", ("subtract",), "sum((v - 2.5) * v - m[0])", {"v": V, "m": M}, {}),
    ("multiply", ("multiply",), "sum(m * v * 3)", {"m": M, "v": V}, {}),
    ("divide", ("divide",), "sum(v / p + 1 / p)", {"v": V, "p": POS}, {}),
    ("power", ("power",), "sum(p ** 2 + p ** 0.5 + p ** q)", {"p": POS, "q": [1.5, 0.3, 2.0]}, {}),
    ("arctan2", ("arctan2",), "sum(arctan2(v, p))", {"v": V, "p": POS}, {}),
    (
        "special-analytic",
        ("log2", "log10", "exp2", "reciprocal", "arcsinh", "arccosh", "arctanh", "erf", "erfc"),
        "sum(log2(p) + log10(p) * c + exp2(v) + reciprocal(p) * c + arcsinh(v)"
        " + arccosh(p + 1.5) * c + arctanh(u) + erf(v) * c + erfc(v))",
        {"p": POS, "v": V, "u": UNIT},
        {"c": [1.0, 2.0, 3.0]},
    ),
    (
        "special-xlogy",
        ("xlogy", "xlog1py"),
        "sum(xlogy(v, p) * p + xlog1py(v, p))",
        {"v": V, "p": POS},
        {},
    ),
    (
        "special-real",
        ("cbrt", "hypot", "logaddexp", "logaddexp2", "nan_to_num", "isnan", "isinf", "isfinite"),
        "sum(cbrt(v) * c + hypot(v, p) + logaddexp(v, p) * c + logaddexp2(v, 0.5)"
        " + where(isnan(v), 0.0, nan_to_num(v) * c) + where(isinf(p), 0.0, v)"
        " + where(isfinite(v), v, 0.0))",
        {"v": V, "p": POS},
        {"c": [1.0, 2.0, 3.0]},
    ),
    (
        "special-steps",  # fmod and floor_divide on constants: tf and torch refuse their gradients
        ("floor", "ceil", "round", "trunc", "remainder", "fmod", "floor_divide"),
        "sum(floor(v * 3) * v + ceil(v) * c + round(v * 2.0) + trunc(v * 4) * c"
        " + v % 0.45 + w * fmod(a, b) + w * (a // b))",
        {"v": V, "w": [0.5, 1.0, 1.5]},
        {"c": [1.0, 2.0, 3.0], "a": [5.5, -5.5, 7.0], "b": [2.0, 2.0, -3.0]},
    ),
    (
        "maximum",
        ("maximum",),
        "sum(maximum(v, u) * c)",
        {"v": V, "u": [0.1, 0.2, 0.9]},
        {"c": [1.0, 2.0, 3.0]},
    ),
    (
        "minimum",
        ("minimum",),
        "sum(minimum(v, u) * c)",
        {"v": V, "u": [0.1, 0.2, 0.9]},
        {"c": [1.0, 2.0, 3.0]},
    ),
    (
        "compare-where",
        ("less", "less_equal", "greater", "greater_equal", "equal", "not_equal", "where"),
        "sum(where(v < 0, v, 0.0) + where(v <= 0.3, 2 * v, v) + where(v > 0.5, v ** 2, 0.0)"
        " + where(v >= 0.7, v, -v) + where(v == 0.3, v, 0.0) + where(v != 0.3, 3 * v, 0.0))",
        {"v": V},
        {},
    ),
    ("negative", ("negative",), "sum(-v * c)", {"v": V}, {"c": [1.0, 2.0, 3.0]}),
    (
        "exp-log",
        ("exp", "log", "log1p", "expm1"),
        "sum(exp(v) + log(p) + log1p(p) + expm1(v))",
        {"v": V, "p": POS},
        {},
    ),
    (
        "sqrt-square-abs-sign",
        ("sqrt", "square", "abs", "sign"),
        "sum(sqrt(p) + square(v) + abs(v) * sign(v) * v)",
        {"v": V, "p": POS},
        {},
    ),
    (
        "trig",
        ("sin", "cos", "tan", "arcsin", "arccos", "arctan"),
        "sum(sin(v) + cos(v) + tan(u) + arcsin(u) + arccos(u) + arctan(v))",
        {"v": V, "u": UNIT},
        {},
    ),
    ("hyperbolic", ("sinh", "cosh", "tanh"), "sum(sinh(v) * cosh(v) + tanh(v))", {"v": V}, {}),
    (
        "nn",
        ("sigmoid", "relu", "softplus"),
        "sum(sigmoid(v) * c + relu(v) * c + softplus(v))",
        {"v": V},
        {"c": [1.0, 2.0, 3.0]},
    ),
    (
        "nn-v2-smooth",
        ("silu", "stop_gradient"),
        "sum(silu(v) * c + v * stop_gradient(v))",
        {"v": V},
        {"c": [1.0, 2.0, 3.0]},
    ),
    (  # tf.nn.gelu holds 0.044715 and 1/sqrt(2) in float32: ~1e-9 relative in float64
        "nn-v2-gelu",
        ("gelu",),
        "sum(gelu(v) + gelu(v, approximate=False) * c)",
        {"v": V},
        {"c": [1.0, 2.0, 3.0]},
    ),
    (
        "nn-v2-kinked",
        ("log_sigmoid", "elu", "celu", "selu", "leaky_relu", "softsign", "relu6", "hard_tanh"),
        "sum(log_sigmoid(v) + elu(v, alpha=0.5) * c + celu(v, alpha=2.0) + selu(v) * c"
        " + leaky_relu(v, negative_slope=0.2) + softsign(v) * c + relu6(4 * v)"
        " + hard_tanh(2 * v) * c)",
        {"v": V},
        {"c": [1.0, 2.0, 3.0]},
    ),
    (
        "nn-v2-booleans",
        ("one_hot", "logical_and", "logical_or", "logical_xor", "logical_not", "all", "any"),
        "sum(where(((v > 0) & ~(v > 1)) | ((v < -1) ^ b), v, 2 * v)) + sum(one_hot(n, 3) * w)"
        " + sum(where(all(w > 0, axis=1) | any(w > 1.2), 1.0, 0.5) * w[:, 0])",
        {"v": V, "w": M},
        {
            "b": {"value": [True, False, False], "dtype": "bool"},
            "n": {"value": [2, 0], "dtype": "int64"},
        },
    ),
    (
        "clip",
        ("clip",),
        "sum(clip(v, -0.5, 0.5) * c + clip(v, None, 0.0) + clip(v, lo, None))",
        {"v": V},
        {"c": [1.0, 2.0, 3.0], "lo": [0.0, -2.0, 1.0]},
    ),
    (
        "sum-mean-axes",
        ("sum", "mean"),
        "sum(sum(m, axis=0) * c) + mean(m, axis=1, keepdims=True).sum() + m.mean()",
        {"m": M},
        {"c": [1.0, 2.0, 3.0]},
    ),
    ("prod", ("prod",), "sum(prod(m, axis=1)) + m.prod()", {"m": M}, {}),
    (
        "max-min",
        ("max", "min"),
        "sum(max(m, axis=0) * c) + amin(m, axis=1).sum() + m.max() + amax(m) + m.min(axis=(0, 1))",
        {"m": M},
        {"c": [1.0, 2.0, 3.0]},
    ),
    (
        "argmax-gather",
        ("argmax", "argmin", "getitem"),
        "v[argmax(v)] * 2 + v[argmin(v)] + sum(m[0, argmax(m, axis=1)])",
        {"v": V, "m": M},
        {},
    ),
    (
        "logsumexp",
        ("logsumexp",),
        "logsumexp(m) + sum(logsumexp(m, axis=1) * c2)",
        {"m": M},
        {"c2": [1.0, -2.0]},
    ),
    (
        "norm-vector",
        ("norm",),
        "norm(v) + norm(v, ord=1) + norm(v, ord=inf) + norm(v, ord=3) + norm(m, axis=1).sum()",
        {"v": V, "m": M},
        {},
    ),
    (
        "norm-matrix",
        ("norm",),
        "norm(m) + norm(m, ord='fro') + norm(m, ord=2) + norm(m, ord=1) + norm(m, ord=inf)",
        {"m": M},
        {},
    ),
    (
        "norm-nuclear",
        ("norm",),
        "norm(m, ord='nuc') + norm(m, ord=-2) + norm(m, ord=-1)",
        {"m": M},
        {},
    ),
    (
        "softmax",
        ("softmax", "log_softmax"),
        "sum(softmax(m) * c) + sum(log_softmax(m, axis=0) * c)",
        {"m": M},
        {"c": M},
    ),
    (
        "cumsum",
        ("cumsum",),
        "sum(cumsum(m, axis=1) * c) + sum(cumsum(v) * v)",
        {"m": M, "v": V},
        {"c": M},
    ),
    (
        "matmul",
        ("matmul",),
        "sum((m @ n) * c) + v @ v + sum(matmul(m, v)) + sum(b @ b)",
        {"m": M, "n": [[0.3, 1.0], [-0.2, 0.5], [0.7, 0.1]], "v": V, "b": B3},
        {"c": [[1.0, 2.0], [3.0, 4.0]]},
    ),
    (
        "dot-outer",
        ("dot", "outer"),
        "dot(v, v) + sum(dot(m, v)) + sum(outer(v, u) * c)",
        {"v": V, "m": M, "u": [1.0, -0.5]},
        {"c": [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]},
    ),
    (
        "shape-ops",
        ("transpose", "reshape", "expand_dims", "squeeze", "flip"),
        "sum(m.T * c) + sum(reshape(m, (3, 2)) * c) + sum(m.reshape(-1) * m.reshape(6)) + sum(expand_dims(v, 0) * m)"
        " + sum(squeeze(expand_dims(v, 1)) * v) + sum(flip(v) * c[:, 0]) + sum(transpose(b, (2, 0, 1)) * b)",
        {"m": M, "v": V, "b": B3},
        {"c": [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]},
    ),
    (
        "concatenate-stack",
        ("concatenate", "stack"),
        "sum(concatenate([v, v * 2, u]) ** 2) + sum(stack([v, v ** 2], axis=1) * c)",
        {"v": V, "u": [1.0, -0.5]},
        {"c": [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]},
    ),
    (
        "index-basic",
        ("getitem",),
        "sum(m[1]) * 2 + m[-1, -1] + sum(m[:, 1:]) + sum(m[::-1, ::2] * c) + sum(m[None, ..., 0])",
        {"m": M},
        {"c": [[1.0, 2.0], [3.0, 4.0]]},
    ),
    (
        "index-gather-repeat",
        ("getitem",),
        "sum(v[[0, 0, 2, -1]] * c) + sum(v[idx] * c)",
        {"v": V},
        {"c": [1.0, 2.0, 3.0, 4.0], "idx": {"value": [2, 2, 0, 1], "dtype": "int64"}},
    ),
    (
        "arrange-gather",  # the arrange family (ops.ARRANGE)
        ("take", "take_along_axis", "sort", "argsort"),
        "sum(take(v, [0, 2, 2, -1]) * c4) + sum(take(m, idx, axis=1) * v)"
        " + sum(take_along_axis(m, j, axis=1) ** 2) + sum(sort(m, axis=0) * m)"
        " + sum(argsort(v) * v)",
        {"v": V, "m": M},
        {
            "c4": [1.0, 2.0, 3.0, 4.0],
            "idx": {"value": [2, 0, 2], "dtype": "int64"},
            "j": {"value": [[0, 2], [1, -1]], "dtype": "int64"},
        },
    ),
    (
        "arrange-copies",
        ("tile", "repeat", "pad", "broadcast_to"),
        "sum(tile(v, (2, 2)) * tile(c, 2)) + sum(repeat(m, [2, 0, 1], axis=1) ** 2)"
        " + sum(pad(m, ((1, 0), (0, 2)), mode='edge') ** 2) + sum(pad(v, 2, 'reflect') ** 2)"
        " + sum(pad(v, 1, constant_values=1.5) ** 3) + sum(broadcast_to(v, (2, 3)) * m)",
        {"v": V, "m": M},
        {"c": [1.0, 2.0, 3.0]},
    ),
    (
        "arrange-moves",
        ("roll", "moveaxis", "swapaxes", "ravel"),
        "sum(roll(m, (1, -1), axis=(0, 1)) * c) + sum(moveaxis(b, 0, -1) * b)"
        " + sum(swapaxes(b, 0, 2) ** 2) + sum(ravel(m) * ravel(c))",
        {"m": M, "b": B3},
        {"c": M},
    ),
    (
        "index-mask",
        ("getitem",),
        "sum(m[mask] ** 2) + sum(v[v > 0]) + sum(v[[True, False, True]])",
        {"m": M, "v": V},
        {"mask": {"value": [[True, False, True], [False, True, True]], "dtype": "bool"}},
    ),
    (  # the decompositions (ops.DECOMPOSITIONS) with one result; cholesky and eigvalsh on a
        # symmetrized matrix (NumPy reads one triangle, the frameworks both). slogdet, eigh,
        # svd, qr and split give tuples, which a cost alone cannot use: a program unpacks them
        # (tests/test_generated_ops.py, tests/test_v2_decompositions.py)
        "decompositions-v2",
        ("inv", "det", "solve", "cholesky", "eigvalsh", "svdvals"),
        "sum(inv(a) * c) + det(a) + sum(solve(a, v) * v) + sum(solve(a, c) * c)"
        " + sum(cholesky((a + a.T) / 2) * c) + sum(eigvalsh((a + a.T) / 2) * v)"
        " + sum(svdvals(m) * v[:2])",
        {"a": [[2.0, 0.5, -0.3], [0.4, 1.5, 0.2], [-0.1, 0.6, 1.1]], "m": M, "v": V},
        {"c": [[1.0, 2.0, 0.5], [-1.0, 0.3, 1.5], [0.7, -0.2, 1.2]]},
    ),
    (
        "stats-v2-reductions",
        ("var", "std", "cumprod", "trace"),
        "sum(var(m, 1, ddof=1) * c2) + sum(std(m, axis=0) * v) + sum(cumprod(m) * w6)"
        " + sum(cumprod(m, 1) * m) + sum(trace(b3, offset=0) * 2) + sum(trace(m, -1) * v)",
        {"m": M, "v": V, "b3": [[[0.1, -0.4], [0.9, 0.3]], [[-0.7, 0.6], [0.2, 1.4]]]},
        {"c2": [1.0, -2.0], "w6": [1.0, 2.0, 3.0, -1.0, 0.5, 2.0]},
    ),
    (
        "stats-v2-products",
        ("einsum", "tensordot", "kron", "cross"),
        "sum(einsum('ij,j->i', m, v) * c2) + einsum('ii', b3[0]) + sum(tensordot(m, m, axes=([0], [0])))"
        " + sum(tensordot(b3, m, 1)) + sum(kron(v, m) * kron(m, v)) + sum(cross(m, v) * m)",
        {"m": M, "v": V, "b3": [[[0.1, -0.4], [0.9, 0.3]], [[-0.7, 0.6], [0.2, 1.4]]]},
        {"c2": [1.0, -2.0]},
    ),
    (
        "stats-v2-diagonals",
        ("diag", "diagonal", "triu", "tril"),
        "sum(diag(v, 1) * diag(v, -1)) + sum(diag(v) * 3) + sum(diag(m, 1) * c2) + sum(diagonal(b3, 0, 1, 2) * b3[0])"
        " + sum(triu(m, 1) * m) + sum(tril(m, -1) * 2) + sum(tril(v) * 1.5)",
        {"m": M, "v": V, "b3": [[[0.1, -0.4], [0.9, 0.3]], [[-0.7, 0.6], [0.2, 1.4]]]},
        {"c2": [1.0, -2.0]},
    ),
    (
        "complex-parts-on-real-arrays",
        ("real", "imag", "conj", "angle"),
        "sum(real(v) * c + imag(v) + conj(v) * c + angle(v))",
        {"v": V},
        {"c": [1.0, 2.0, 3.0]},
    ),
]


def case_yaml(
    cost: str, params: dict, inputs: dict, dtype: str = "float64", extra: str = ""
) -> str:
    import json

    return (
        f"name: op\ndtype: {dtype}\nparams: {json.dumps(params)}\ninputs: {json.dumps(inputs)}\n"
        f"cost: {json.dumps(cost)}\n{extra}"
    )


def make_case(cost: str, params: dict, inputs: dict, dtype: str = "float64", extra: str = ""):
    """A validated Case built through the real loader, as a user's file would be."""
    (case,) = load_text(case_yaml(cost, params, inputs, dtype, extra), "<test>")
    return case
