"""TensorFlow's spelling of every op, of the Keras optimizers and of the reduce modes: one
table the tensorflow backend runs and `gradcheck repro --backend tensorflow` prints. The
entries live by family (tensorflow_elementwise, tensorflow_shape; the v2 functions in
tensorflow_special, _nn, _stats, _decompositions, _arrange), on the helpers of
tensorflow_base, whose docstring says how NumPy's semantics are written out in TensorFlow."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from ..backends.tf_index import getitem
from ..ir import Eqn
from . import families
from .site import Site
from .tensorflow_base import Arg, Template, _function, _math, _on_bools, _operator
from .tensorflow_elementwise import (
    NORM_ORDS,
    _arg,
    _clip,
    _cumsum,
    _norm,
    _reduce,
    _softmax,
    _where,
)
from .tensorflow_shape import (
    _dot,
    _expand_dims,
    _flip,
    _joined,
    _matmul,
    _outer,
    _reshape,
    _squeeze,
    _transpose,
)
from .tree import Input, Node, Unary, call

TEMPLATES: dict[str, Template] = {
    "add": _on_bools(_operator("+")),
    "subtract": _on_bools(_operator("-")),
    "multiply": _on_bools(_operator("*")),
    "divide": _operator("/", real=True),
    "power": _on_bools(_operator("**")),
    "arctan2": _function("tf.math.atan2", real=True),
    "maximum": _on_bools(_function("tf.maximum")),
    "minimum": _on_bools(_function("tf.minimum")),
    "less": _on_bools(_operator("<")),
    "less_equal": _on_bools(_operator("<=")),
    "greater": _on_bools(_operator(">")),
    "greater_equal": _on_bools(_operator(">=")),
    "equal": _function("tf.equal"),  # `==` on tensors is not elementwise in every version
    "not_equal": _function("tf.not_equal"),
    "negative": lambda site, args: Unary("-", args[0].node),
    "exp": _math("tf.exp"),
    "log": _math("tf.math.log"),
    "log1p": _math("tf.math.log1p"),
    "expm1": _math("tf.math.expm1"),
    "sqrt": _math("tf.sqrt"),
    "square": _on_bools(_math("tf.square")),
    "abs": _on_bools(_math("tf.abs")),
    "sign": _math("tf.sign"),
    "sin": _math("tf.sin"),
    "cos": _math("tf.cos"),
    "tan": _math("tf.tan"),
    "arcsin": _math("tf.asin"),
    "arccos": _math("tf.acos"),
    "arctan": _math("tf.atan"),
    "sinh": _math("tf.sinh"),
    "cosh": _math("tf.cosh"),
    "tanh": _math("tf.tanh"),
    "sigmoid": _math("tf.sigmoid"),
    "relu": _math("tf.nn.relu"),
    "softplus": _math("tf.nn.softplus"),
    "where": _where,
    "clip": _on_bools(_clip),
    "sum": _reduce("tf.reduce_sum", "numeric"),
    "mean": _reduce("tf.reduce_mean", "floating"),
    "prod": _reduce("tf.reduce_prod", "numeric"),
    "max": _on_bools(_reduce("tf.reduce_max")),
    "min": _on_bools(_reduce("tf.reduce_min")),
    "argmax": _arg("tf.math.argmax"),
    "argmin": _arg("tf.math.argmin"),
    "logsumexp": _reduce("tf.reduce_logsumexp", "floating"),
    "norm": _norm,
    "softmax": _softmax("tf.nn.softmax"),
    "log_softmax": _softmax("tf.nn.log_softmax"),
    "cumsum": _cumsum,
    "matmul": _on_bools(_matmul),
    "dot": _on_bools(_dot),
    "outer": _on_bools(_outer),
    "transpose": _transpose,
    "reshape": _reshape,
    "expand_dims": _expand_dims,
    "squeeze": _squeeze,
    "flip": _flip,
    "concatenate": _joined("tf.concat"),
    "stack": _joined("tf.stack"),
}


def _entry(template: Template, site: Site) -> Node:
    return template(site, [Arg(Input(i), o) for i, o in enumerate(site.ins)])


TEMPLATES.update(families.merged("TENSORFLOW"))
SKIP = families.skips("tensorflow")
SPELL: dict[str, Callable[[Site], Node]] = {
    **{op: partial(_entry, template) for op, template in TEMPLATES.items()},
    "getitem": getitem,
}


# ---- what TensorFlow cannot express --------------------------------------------------------


def op_problem(eqn: Eqn) -> str | None:
    if eqn.op == "norm":
        ord_ = eqn.attrs.get("ord")
        if ord_ == "nuc" or (isinstance(ord_, (int, float)) and ord_ <= 0):
            return f"norm(ord={ord_!r}): tf.norm takes only {NORM_ORDS}"
        return None
    axis = eqn.attrs.get("axis", -1)
    if eqn.op in ("softmax", "log_softmax") and not (
        isinstance(axis, int) or (isinstance(axis, tuple) and len(axis) == 1)
    ):
        return f"{eqn.op}(axis={axis!r}): tf.nn.{eqn.op} takes a single axis"
    return None


def program_problem(eqns: Iterable[Eqn]) -> str | None:
    eqns = list(eqns)
    problem = next((p for p in map(op_problem, eqns) if p), None)
    return problem or families.program_problem("tensorflow", eqns, SPELL, SKIP)


def unsupported(name: str, h: dict[str, Any], dtype: str = "float32") -> str | None:
    """Why Keras cannot run this optimizer as the contract asks (the case then skips); for a
    complex case, where Keras 3 refuses complex variables (`complex_refusal`)."""
    refusal = complex_refusal(name, h, dtype)
    if refusal:
        return refusal
    if name == "sgd" and h["dampening"] != 0:
        return f"Keras SGD has no dampening (dampening={h['dampening']!r})"
    if name == "sgd" and h["momentum"] > 1:
        return f"Keras SGD refuses momentum above 1 (momentum={h['momentum']!r})"
    return None


def complex_refusal(name: str, h: dict[str, Any], dtype: str) -> str | None:
    """Keras 3's optimizers on complex tf.Variables, measured (Keras 3.15.1): SGD, RMSprop and
    Adagrad step them (RMSprop's and Adagrad's accumulators hold ops.square(g), the complex
    g * g, not |g|^2); Adam and AdamW refuse complex128, AMSGrad any complex dtype."""
    if not dtype.startswith("complex"):
        return None
    cls = KERAS[name][0]
    if name in ("adam", "adamw") and h.get("amsgrad"):
        return f"Keras's {cls}(amsgrad=True) refuses {dtype} params: tf.maximum takes no complex"
    if name in ("adam", "adamw") and dtype == "complex128":
        return (
            f"Keras's {cls} refuses complex128 params: keras.ops.sqrt makes its bias correction "
            "complex64, and TensorFlow refuses complex128 * complex64"
        )
    return None


# ---- Keras 3 optimizers, as the contract maps torch.optim's hyperparameters ----------------

# (Keras class, torch.optim names in Keras's order): `betas` is two of Keras's arguments.
KERAS = {
    "sgd": ("SGD", "lr momentum nesterov weight_decay"),
    "adam": ("Adam", "lr betas eps amsgrad weight_decay"),
    "adamw": ("AdamW", "lr betas eps amsgrad weight_decay"),
    "rmsprop": ("RMSprop", "lr alpha momentum eps centered"),
    "adagrad": ("Adagrad", "lr initial_accumulator_value eps"),
}
_NAMES = {"lr": "learning_rate", "alpha": "rho", "eps": "epsilon", "betas": ("beta_1", "beta_2")}


def _keras(name: str, h: dict[str, Any]) -> Node:
    cls, keys = KERAS[name]
    kwargs: dict[str, Any] = {}
    for key in keys.split():
        keras_name = _NAMES.get(key, key)
        if isinstance(keras_name, tuple):
            kwargs.update(zip(keras_name, h[key], strict=True))
        else:
            kwargs[keras_name] = h[key]
    return call(f"tf.keras.optimizers.{cls}", **kwargs)


OPTIMIZERS: dict[str, Callable[[dict[str, Any]], Node]] = {
    name: partial(_keras, name) for name in KERAS
}
