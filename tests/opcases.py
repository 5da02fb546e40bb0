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
        "index-mask",
        ("getitem",),
        "sum(m[mask] ** 2) + sum(v[v > 0]) + sum(v[[True, False, True]])",
        {"m": M, "v": V},
        {"mask": {"value": [[True, False, True], [False, True, True]], "dtype": "bool"}},
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
