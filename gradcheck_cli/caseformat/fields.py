"""The mappings inside a case: a value's long and generated forms, `tolerance`, `expect`
and `implementations`; with the meanings and defaults their keys are described by."""

from __future__ import annotations

from ..implementations import FRAMEWORKS, REFERENCE
from ..values import DTYPES, INITS, generated
from .kinds import (
    Derived,
    Fields,
    Integer,
    Key,
    Named,
    Number,
    OneOf,
    Shape,
    Text,
    Value,
)

NAME_PATTERN = r"^[A-Za-z0-9_.\-]+$"  # a case's name
DEFAULT_TOLERANCE = {  # dtype -> rtol, atol; a complex dtype's are those of its real parts
    "float64": (1e-7, 1e-9),
    "float32": (1e-4, 1e-5),
    "complex128": (1e-7, 1e-9),
    "complex64": (1e-4, 1e-5),
}
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
COMPLEX_FORM = (  # (v2)
    Key("real", Value(dtype="float64"), "the real parts: a number or a nested list"),
    Key("imag", Value(dtype="float64"), "the imaginary parts, of the same shape"),
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


def _seeded_tangent(values: dict) -> dict:
    """The contract's default direction: the i-th param (as listed, from 0) drawn normal
    with seed 1000 + i, for each differentiated one."""
    params, wrt = values["params"] or {}, values["wrt"] or ()
    return {
        name: generated({"shape": list(array.shape), "seed": 1000 + i}, str(array.dtype))
        for i, (name, array) in enumerate(params.items())
        if name in wrt
    }


CHECKS = {
    "grad": "reverse mode, the first derivative of the reduced cost",
    "jvp": "forward mode, the derivative of the cost before reduction along `tangent`",
    "hvp": "second order, the Hessian of the reduced cost times `tangent`",
}


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
            "jvp",
            EXPECTED,
            "(v2) the derivative of the cost before reduction along `tangent`, of the shape of"
            " `value`",
            None,
        ),
        Key(
            "hvp",
            Named(EXPECTED, names="param", among="wrt", shape_of="params"),
            "(v2) param → the Hessian of the reduced cost times `tangent`; wrt params only",
            None,
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
