"""The keys of a case, and of its `expect`, `tolerance` and values, in the order the
loader reads them (see the package's docstring)."""

from __future__ import annotations

from ..implementations import ROWS
from ..results import BACKENDS
from ..values import CASE_DTYPES
from .fields import (
    CHECKS,
    COMPLEX_FORM,
    DEFAULT_TOLERANCE,
    EXPECT,
    GENERATED,
    HYPERPARAMETER_MEANINGS,
    IMPLEMENTATIONS,
    LONG_FORM,
    NAME_PATTERN,
    REDUCES,
    TOLERANCE,
    _all_params,
    _one_step_with_an_optimizer,
    _seeded_tangent,
)
from .kinds import (
    Derived,
    Expression,
    Integer,
    Key,
    Keyed,
    Named,
    OneOf,
    Optimizer,
    Text,
    Value,
    Words,
)

__all__ = [
    "BY_KEY",
    "COMPLEX_FORM",
    "DEFAULT_TOLERANCE",
    "EXPECT",
    "GENERATED",
    "KEYS",
    "LONG_FORM",
    "NAME_PATTERN",
    "TOLERANCE",
    "described",
    "table",
]

KEYS = (
    Key(
        "name",
        Text(pattern=NAME_PATTERN, hint="use letters, digits, '-', '_', '.'"),
        "the case's id, unique in a run: letters, digits, `-`, `_`, `.`",
        missing="every case needs a name",
        per_case=True,
    ),
    Key("description", Text(), "free text, shown in reports", ""),
    Key(
        "tags",
        Words(),
        "a list of words (one word alone is a list of one); `gradcheck run --tag` selects by them",
        (),
    ),
    Key(
        "dtype",
        OneOf(CASE_DTYPES),
        "{choices}: the floating (or, v2, complex) type of params, inputs and all arithmetic;"
        " see [Complex numbers](#complex-numbers-v2)",
        "float64",
    ),
    Key(
        "params",
        Named(
            Value(floats_only=True, hint="move integer and boolean values to inputs"),
            declares="param",
            at_least_one=True,
        ),
        "name → value: what is differentiated and, with an optimizer, updated; at least one;"
        " floating only",
        phrase="a param",
        missing="give at least one param, e.g. params: {w: [2.0, 3.0]}",
    ),
    Key(
        "inputs",
        Named(Value(), declares="input", distinct="params"),
        "name → value: constants; floating, integer or boolean",
        {},
    ),
    Key(
        "implementations",
        IMPLEMENTATIONS,
        "framework → your own function to check, `module:function`, imported only under"
        " `gradcheck run --import`: {choices}; see [Your own code](implementations.md)",
        {},
        shown="none",
        phrase="an implementation",
    ),
    Key(
        "program",
        Expression(statements=True),
        "statements `NAME = EXPR`, one a line, run in order; `#` starts a comment",
        "",
        field=None,  # parsed with the cost, into the Case's `program`
    ),
    Key(
        "cost",
        Expression(after="program"),
        "an expression; it may be a name assigned in `program`, and may span lines; optional"
        " with `implementations` (fd then differentiates one of them)",
        missing="write the cost expression, e.g. cost: sum(w * X)",
        field="program",
        unless="implementations",
    ),
    Key(
        "reduce",
        OneOf(REDUCES),
        "how a non-scalar cost becomes the scalar that is differentiated: {choices}",
        "none",
    ),
    Key(
        "wrt",
        Words(among="params", at_least_one=True),
        "the params to differentiate (a list, or one name); the others are held constant and"
        " not updated",
        Derived(_all_params, "all params"),
        phrase="differentiated (wrt)",
    ),
    Key(
        "optimizer",
        Optimizer(HYPERPARAMETER_MEANINGS),
        "`{name: ..., hyperparameters}` or just a name; see [Optimizers](#optimizers)",
        None,
        shown="none: gradients only",
        phrase="an optimizer",
        missing="add optimizer: {name: sgd, lr: 0.1}",
    ),
    Key(
        "steps",
        Integer(minimum=1, limit="max_steps"),
        "how many optimizer steps, {bounds}",
        Derived(_one_step_with_an_optimizer, "1 with an optimizer"),
        needs=("optimizer",),
    ),
    Key(
        "checks",
        Words(CHECKS, at_least_one=True),
        "(v2) which derivatives every backend computes and compares: {choices}",
        ("grad",),
    ),
    Key(
        "tangent",
        Named(Value(), names="param", among="wrt", shape_of="params"),
        "(v2) param → the direction for `jvp` and `hvp`, of the param's shape; given, it names"
        " every param in `wrt`",
        Derived(
            _seeded_tangent,
            "for the i-th param (from 0) `{shape: <its shape>, init: normal, seed: 1000 + i}`",
        ),
        phrase="a direction (tangent)",
    ),
    Key(
        "backends",
        Words(BACKENDS, at_least_one=True),
        "which backends run the case: {choices}; the command line can narrow it",
        BACKENDS,
        shown="all of them",
        phrase="among this case's backends",
    ),
    Key(
        "reference",
        OneOf(BACKENDS, among="backends"),
        "the backend every other one is compared with; one of `backends`. Where it does not"
        " run, the others are compared with `expect` alone and the report says so",
        "fd",
    ),
    Key(
        "tolerance",
        TOLERANCE,
        "`{rtol: R, atol: A}`, finite numbers of 0 or more; see [Judging](#judging)",
        None,
        shown="by dtype",
    ),
    Key("expect", EXPECT, "what every backend must give; see below", None),
    Key(
        "expect_backend",
        Keyed(BACKENDS + ROWS, EXPECT, noun="backend", among="backends"),
        "backend (or implementation row, `impl:torch`, ...) → an `expect` mapping that"
        " replaces `expect` for it; a row named here is judged by it alone, not against the"
        " reference",
        {},
        shown="none",
    ),
)
BY_KEY = {key.name: key for key in KEYS}


def described(key: Key) -> str:
    """What `key` is, in the docs' words: its phrase, and the keys it needs."""
    needs = " and ".join(BY_KEY[need].phrase for need in key.needs)
    return f"{key.text()}; needs {needs}" if needs else key.text()


def table() -> str:
    """The key table of docs/case-format.md (a test keeps the two equal)."""
    rows = ["| key | what it is | default |", "|---|---|---|"]
    rows += [f"| `{key.name}` | {described(key)} | {key.shown_default()} |" for key in KEYS]
    return "\n".join(rows)
