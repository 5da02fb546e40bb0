"""The keys of a case, and of its `expect`, `tolerance` and values, in the order the
loader reads them (see the package's docstring)."""

from __future__ import annotations

from ..implementations import FRAMEWORKS, REFERENCE, ROWS
from ..results import BACKENDS
from ..values import DTYPES, FLOAT_DTYPES, INITS
from .kinds import (
    Derived,
    Expression,
    Fields,
    Integer,
    Key,
    Keyed,
    Named,
    Number,
    OneOf,
    Optimizer,
    Shape,
    Text,
    Value,
    Words,
)

NAME_PATTERN = r"^[A-Za-z0-9_.\-]+$"  # a case's name
DEFAULT_TOLERANCE = {"float64": (1e-7, 1e-9), "float32": (1e-4, 1e-5)}  # dtype -> rtol, atol
REDUCES = {
    "sum": "what TensorFlow does",
    "mean": "",
    "none": "the cost must be a scalar: a non-scalar one is refused at load, naming the other"
    " choices",
    "native": "each framework does what it does with a non-scalar target: TensorFlow sums,"
    " PyTorch and JAX refuse, and the refusal is that backend's result; numpy and fd sum",
}
INIT_MEANINGS = {
    "normal": "rng.normal(loc, scale)",
    "uniform": "rng.uniform(low, high)",
    "zeros": "",
    "ones": "",
    "arange": "numpy.arange(n).reshape(shape)",
    "eye": "numpy.eye(*shape), a 2-D shape",
}
HYPERPARAMETER_MEANINGS = {  # what each of optim.HYPERPARAMETERS is
    "lr": "learning rate",
    "momentum": "momentum factor",
    "dampening": "dampening for momentum",
    "nesterov": "Nesterov momentum (needs momentum > 0 and dampening 0)",
    "weight_decay": "weight decay (L2 penalty; decoupled for adamw)",
    "betas": "coefficients of the running averages of the gradient and its square",
    "eps": "term added to the denominator for numerical stability",
    "amsgrad": "the AMSGrad variant",
    "alpha": "smoothing constant",
    "centered": "normalise by an estimate of the gradient's variance",
    "initial_accumulator_value": "starting value of the sum of squared gradients",
}
EXPECTED = Value(dtype="float64")  # an expected value is read in float64, whatever the case's

LONG_FORM = (
    Key("value", Value(), "a number or a nested list"),
    Key("dtype", OneOf(DTYPES), "the array's dtype", None, "the case dtype"),
)
GENERATED = (
    Key("shape", Shape(), "the array's shape, e.g. [3, 4]"),
    Key(
        "init", OneOf({i: INIT_MEANINGS[i] for i in INITS}), "how it is drawn: {choices}", "normal"
    ),
    Key("seed", Integer(minimum=0), "rng = numpy.random.default_rng(seed)", 0),
    Key("loc", Number(), "mean of `normal`", 0),
    Key("scale", Number(), "standard deviation of `normal`", 1),
    Key("low", Number(), "lower bound of `uniform`", 0),
    Key("high", Number(), "upper bound of `uniform`", 1),
    Key(
        "dtype",
        OneOf(DTYPES),
        "the array's dtype; drawn in float64, then cast",
        None,
        "the case dtype",
    ),
)


def _rtol(values: dict) -> float:
    return DEFAULT_TOLERANCE[values["dtype"]][0]


def _atol(values: dict) -> float:
    return DEFAULT_TOLERANCE[values["dtype"]][1]


def _all_params(values: dict) -> tuple[str, ...]:
    return tuple(values["params"] or ())


def _one_step_with_an_optimizer(values: dict) -> int:
    return 1 if values["optimizer"] else 0


TOLERANCE = Fields(
    (
        Key("rtol", Number(minimum=0), "relative tolerance", Derived(_rtol, "by dtype")),
        Key("atol", Number(minimum=0), "absolute tolerance", Derived(_atol, "by dtype")),
    ),
    expected="{rtol: R, atol: A}",
    name="tolerance",
)
EXPECT = Fields(
    (
        Key("value", EXPECTED, "the cost before reduction, at the starting params", None),
        Key(
            "grad",
            Named(EXPECTED, names="param", among="wrt", shape_of="params"),
            "param → d(reduced cost)/d(param) at the starting params; wrt params only",
            None,
        ),
        Key(
            "params",
            Named(EXPECTED, names="param", among="params", shape_of="params"),
            "param → its value after `steps` optimizer steps",
            None,
            needs=("optimizer",),
        ),
        Key(
            "costs",
            EXPECTED,
            "the reduced cost before each step, one a step (under `native`, what the framework"
            " differentiated: TensorFlow's sum)",
            None,
            needs=("optimizer",),
        ),
        Key(
            "raises",
            Text(expected="the text of the expected error"),
            "the backend must fail, with this text in its message; the other keys are then not"
            " checked",
            None,
        ),
    ),
    name="expect",
)

_FUNCTION = Text(
    expected="'module:function'",
    pattern=REFERENCE,
    hint="write 'module:function', e.g. mylib.ops:softplus (a dotted module, a colon, a name)",
)
NUMPY_IMPLEMENTATION = Fields(
    (
        Key("value", _FUNCTION, "NumPy arrays in, the cost before reduction out"),
        Key(
            "grad",
            _FUNCTION,
            "the same arguments in; param name → gradient of the reduced cost out (one array"
            " where there is one param)",
            None,
        ),
    ),
    name="numpy implementation",
)
IMPLEMENTATIONS = Fields(
    tuple(
        Key(
            framework,
            NUMPY_IMPLEMENTATION if framework == "numpy" else _FUNCTION,
            "`{value: 'module:function', grad: 'module:function'}`, `grad` optional"
            if framework == "numpy"
            else f"'module:function' of a {framework} function",
            None,
        )
        for framework in FRAMEWORKS
    ),
    name="implementations",
    at_least_one=True,
)

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
        OneOf(FLOAT_DTYPES),
        "{choices}: the floating type of params, inputs and all arithmetic",
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
