"""What the expression language must keep refusing, with the position of the offending text.

The parser allows by whitelist; this file pins the refusals so that widening the
whitelist is a decision, not an accident. Each entry: the cost text, the (line, column)
reported, and a fragment of the message.
"""

from __future__ import annotations

import pytest

from gradcheck_cli.errors import ExpressionError
from gradcheck_cli.parse import parse

KNOWN = {"x": "param", "i": "input"}

REFUSED = [
    (
        "__import__('os').system('echo pwned')",
        (1, 1),
        "'__import__' is not a function of the case language",
    ),
    ("x.__class__.__bases__", (1, 3), "attribute '.__class__' is not allowed"),
    ("x.data", (1, 3), "attribute '.data' is not allowed"),
    ("x.numpy()", (1, 3), "method '.numpy()' is not allowed"),
    ("(lambda: x)()", (1, 2), "calling a lambda is not allowed"),
    ("lambda: x", (1, 1), "a lambda is not allowed"),
    ("[v for v in x]", (1, 1), "a comprehension is not allowed"),
    ("sum(v for v in x)", (1, 4), "a generator expression is not allowed"),
    ("f'{x}'", (1, 1), "an f-string is not allowed"),
    ("'text'", (1, 1), "a string is allowed only where a function takes one"),
    ("x if x else x", (1, 1), "a conditional expression is not allowed"),
    ("x and x", (1, 1), "'and'/'or' is not allowed"),
    ("not x", (1, 1), "only unary -, + and ~ are allowed"),
    ("x << 2", (1, 1), "this operator is not allowed"),
    ("x >> 2", (1, 1), "this operator is not allowed"),
    ("x < x < x", (1, 1), "only one comparison"),
    ("x in x", (1, 1), "only one comparison"),
    ("{x: 1}", (1, 1), "a dict is not allowed"),
    ("{x}", (1, 1), "a set is not allowed"),
    ("[x, x]", (1, 1), "'List' is not allowed"),
    ("(x := 2)", (1, 2), "':=' is not allowed"),
    ("open('f')", (1, 1), "'open' is not a function of the case language"),
    ("eval('1')", (1, 1), "'eval' is not a function of the case language"),
    ("getattr(x, 'T')", (1, 1), "'getattr' is not a function of the case language"),
    ("np.sum(x)", (1, 1), "'np' is not defined"),
    ("sum(*x)", (1, 1), "*args and **kwargs are not allowed"),
    ("sum(x, axs=0)", (1, 12), "sum() has no argument 'axs'"),
    ("sum(x, axis=x)", (1, 13), "must be written as a literal"),
    ("x[x:1]", (1, 3), "a slice bound must be written as a literal"),
    ("x[1.5]", (1, 3), "1.5 is not an index"),
    ("x[[0, 1.5]]", (1, 3), "an index list holds integers or booleans only"),
    ("y", (1, 1), "'y' is not defined"),
    ("sum", (1, 1), "'sum' is not defined"),
    ("reshape(x)", (1, 1), "reshape() needs 'shape'"),
    ("concatenate(x)", (1, 1), "concatenate() takes a list of arrays"),
    ("1 / 0", (1, 1), "this arithmetic on numbers fails"),
    ("x; x", (1, 2), "not valid syntax"),
]


@pytest.mark.parametrize(("text", "where", "message"), REFUSED, ids=[r[0] for r in REFUSED])
def test_cost_is_refused(text, where, message):
    with pytest.raises(ExpressionError) as info:
        parse("", text, KNOWN)
    assert message in info.value.message
    assert (info.value.line, info.value.column) == where
    assert info.value.source == "cost"


PROGRAM_REFUSED = [
    ("import os", (1, 1), "'Import' is not allowed"),
    ("x = 1", (1, 1), "'x' is a param and cannot be assigned"),
    ("i = 1", (1, 1), "'i' is a input and cannot be assigned"),
    ("a, b = x, x", (1, 1), "only a function's tuple result can be unpacked"),
    ("(a, b), c = x", (1, 1), "only a plain name can be assigned"),
    ("a = b = x", (1, 1), "is not allowed"),
    ("a += x", (1, 1), "'AugAssign' is not allowed"),
    ("def f(): pass", (1, 1), "'FunctionDef' is not allowed"),
    ("for v in x: pass", (1, 1), "'For' is not allowed"),
    ("a = x\nb = c", (2, 5), "'c' is not defined"),
    ("x.y = 1", (1, 1), "only a plain name can be assigned"),
    ("a = x\n  b = x", (2, 2), "not valid syntax"),
]


@pytest.mark.parametrize(
    ("text", "where", "message"), PROGRAM_REFUSED, ids=[r[0] for r in PROGRAM_REFUSED]
)
def test_program_is_refused(text, where, message):
    with pytest.raises(ExpressionError) as info:
        parse(text, "x", KNOWN)
    assert message in info.value.message
    assert (info.value.line, info.value.column) == where
    assert info.value.source == "program"


def test_the_parser_never_evaluates_user_text():
    import pathlib

    source = pathlib.Path(__file__).parents[1] / "gradcheck_cli"
    for path in source.rglob("*.py"):
        text = path.read_text()
        for word in ("eval(", "exec(", "compile("):
            assert f" {word}" not in text and f"({word}" not in text, f"{word} in {path}"


@pytest.mark.parametrize(
    "cost, column, symbol",
    [("sum(where(w & w, w, 0))", 18, "&"), ("sum(where(~w, w, 0))", 18, "~")],
)
def test_a_boolean_operator_on_numbers_is_refused_before_anything_runs(cost, column, symbol):
    from gradcheck_cli.load import load_text
    from gradcheck_cli.run import checked

    (case,) = load_text(f'name: a\nparams: {{w: [0.5, 2.0]}}\ncost: "{cost}"\n', "f.yaml")
    (problem,) = checked(case)[1]
    assert (problem.position.line, problem.position.column) == (3, column)
    assert f"{symbol} takes booleans" in problem.message


def test_the_same_operators_on_booleans_and_the_functions_on_numbers_load():
    from gradcheck_cli.load import load_text
    from gradcheck_cli.run import checked

    for cost in ["sum(where((w > 0) & ~(w > 1), w, 0))", "sum(where(logical_and(w, w), w, 0))"]:
        (case,) = load_text(f'name: a\nparams: {{w: [0.5, 2.0]}}\ncost: "{cost}"\n', "f.yaml")
        assert checked(case)[1] == []


@pytest.mark.parametrize(
    "cost",
    [
        "sum(kron(w, w))",
        "sum(one_hot(n, 10000000))",
        "sum(diag(w))",
        "sum(einsum('i,j->ij', w, w))",
    ],
)
def test_an_op_that_grows_its_input_is_budgeted_before_it_runs(cost):
    from gradcheck_cli.limits import Limits
    from gradcheck_cli.load import load_text
    from gradcheck_cli.run import checked

    text = (
        "name: a\nparams: {w: {shape: [20000]}}\n"
        "inputs: {n: {value: [1, 2], dtype: int64}}\n"
        f'cost: "{cost}"\nreduce: sum\n'
    )
    (case,) = load_text(text, "f.yaml")
    (problem,) = checked(case, Limits(max_elements=10**7))[1]
    assert "--max-elements" in problem.message + problem.hint
