"""Every framework's spelling of the v2 functions of `ops.NN` (their numpy rules are in
backends/np_rules_nn.py): one entry per op and framework, built from shapes and dtypes.

Each activation is the framework's own function (torch.nn.functional, tf.nn, jax.nn), so
its kinks follow that framework's rules; gelu's approximation is always passed (torch's and
TensorFlow's defaults are the exact form, jax.nn's the tanh one). TensorFlow has no alpha
in tf.nn.elu and no celu or hard_tanh: those are Keras's (tf.keras.activations), which
TensorFlow ships. one_hot gives the case dtype (jax.nn.one_hot and torch's give float32 and
int64); torch.nn.functional.one_hot refuses a label outside [0, num_classes): that error is
torch's result. The numpy repro script writes each activation out in NumPy calls.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import tensorflow_base as tfb
from . import torch_base as tb
from .numpy_like import operands
from .site import Site
from .tree import Const, Input, Name, Node, Unary, binop, call, method

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
F = "torch.nn.functional"

# ---- torch -------------------------------------------------------------------------------


def _torch(fn: str, **rename: str) -> Any:
    """torch's function of a float tensor; attributes passed under torch's names."""

    def entry(at: tb.At, args: list[tb.Arg]) -> Node:
        kwargs = {rename.get(k, k): v for k, v in at.changed.items()}
        return call(fn, tb._floating(args[0], at), **kwargs)

    return entry


def _torch_gelu(at: tb.At, args: list[tb.Arg]) -> Node:
    form = "tanh" if at.attrs.get("approximate", True) else "none"
    return call(f"{F}.gelu", tb._floating(args[0], at), approximate=form)


def _torch_one_hot(at: tb.At, args: list[tb.Arg]) -> Node:
    (x,) = args
    labels = tb._to(x, "int64") if x.kind in "iu" else tb.tensor(x)  # a float: torch refuses
    hot = call(f"{F}.one_hot", labels, int(at.attrs["num_classes"]))
    return method(hot, "to", tb._dtype(at.out))


def _torch_logical(fn: str) -> Any:
    return lambda at, args: call(fn, *(tb._to(a, bool) if a.literal else a.node for a in args))


def _torch_bool_reduction(fn: str) -> Any:
    def entry(at: tb.At, args: list[tb.Arg]) -> Node:
        (a,) = args
        x = tb.tensor(a)
        axis, keep = at.attrs.get("axis"), bool(at.attrs.get("keepdims"))
        if axis == ():  # NumPy reduces no axis: a new one of size 1
            return call(fn, method(x, "unsqueeze", -1), dim=-1)
        if axis is None and not keep:
            return call(fn, x)
        dims = tuple(tb._normalized(axis, a.ndim)) if axis is None or a.ndim else axis
        if not a.ndim:  # a 0-d tensor: reduce nothing, as NumPy does over axis 0 or -1
            return call(fn, method(x, "unsqueeze", -1), dim=-1)
        return call(fn, x, dim=dims, **({"keepdim": True} if keep else {}))

    return entry


TORCH: dict[str, Any] = {
    "log_sigmoid": _torch(f"{F}.logsigmoid"),
    "silu": _torch(f"{F}.silu"),
    "gelu": _torch_gelu,
    "elu": _torch(f"{F}.elu"),
    "celu": _torch(f"{F}.celu"),
    "selu": _torch(f"{F}.selu"),
    "leaky_relu": _torch(f"{F}.leaky_relu"),
    "softsign": _torch(f"{F}.softsign"),
    "relu6": _torch(f"{F}.relu6"),
    "hard_tanh": _torch(f"{F}.hardtanh"),
    "one_hot": _torch_one_hot,
    "stop_gradient": lambda at, args: method(tb.tensor(args[0]), "detach"),
    "logical_and": _torch_logical("torch.logical_and"),
    "logical_or": _torch_logical("torch.logical_or"),
    "logical_xor": _torch_logical("torch.logical_xor"),
    "logical_not": _torch_logical("torch.logical_not"),
    "all": _torch_bool_reduction("torch.all"),
    "any": _torch_bool_reduction("torch.any"),
}

# ---- tensorflow --------------------------------------------------------------------------


def _float(site: Site, x: tfb.Arg) -> Node:
    return x.node if not x.literal and x.kind in "fc" else tfb.cast(x, site.out.dtype)


def _tf(fn: str, **rename: str) -> Any:
    def template(site: Site, args: list[tfb.Arg]) -> Node:
        kwargs = {rename.get(k, k): v for k, v in site.changed().items()}
        return call(fn, _float(site, args[0]), **kwargs)

    return template


def _tf_gelu(site: Site, args: list[tfb.Arg]) -> Node:
    approximate = bool(site.attrs.get("approximate", True))
    return call("tf.nn.gelu", _float(site, args[0]), approximate=approximate)


def _tf_elu(site: Site, args: list[tfb.Arg]) -> Node:
    alpha = site.attrs.get("alpha", 1.0)
    if alpha == 1.0:
        return call("tf.nn.elu", _float(site, args[0]))
    return call("tf.keras.activations.elu", _float(site, args[0]), alpha=alpha)


def _tf_leaky_relu(site: Site, args: list[tfb.Arg]) -> Node:
    slope = site.attrs.get("negative_slope", 0.01)  # always: tf.nn.leaky_relu's default is 0.2
    return call("tf.nn.leaky_relu", _float(site, args[0]), alpha=slope)


def _tf_one_hot(site: Site, args: list[tfb.Arg]) -> Node:
    (x,) = args
    depth = int(site.attrs["num_classes"])
    return call("tf.one_hot", x.node, depth, dtype=tfb._dtype(site.out.dtype))


def _truth(a: tfb.Arg) -> Node:
    """An operand as booleans (NumPy's truth of a number: nonzero)."""
    if a.literal:
        return Const(bool(a.value))
    return a.node if a.kind == "b" else call("tf.cast", a.node, tfb._dtype(bool))


def _tf_logical(fn: str) -> Any:
    return lambda site, args: call(fn, *(_truth(a) for a in args))


def _tf_bool_reduction(fn: str) -> Any:
    def template(site: Site, args: list[tfb.Arg]) -> Node:
        (a,) = args
        kwargs = tfb.axis_kwargs(site)
        x = _truth(a)
        return call(fn, call("tf.constant", x) if a.literal else x, **kwargs)

    return template


TENSORFLOW: dict[str, Any] = {
    "log_sigmoid": _tf("tf.math.log_sigmoid"),
    "silu": _tf("tf.nn.silu"),
    "gelu": _tf_gelu,
    "elu": _tf_elu,
    "celu": _tf("tf.keras.activations.celu"),
    "selu": _tf("tf.nn.selu"),
    "leaky_relu": _tf_leaky_relu,
    "softsign": _tf("tf.nn.softsign"),
    "relu6": _tf("tf.nn.relu6"),
    "hard_tanh": _tf("tf.keras.activations.hard_tanh"),
    "one_hot": _tf_one_hot,
    "stop_gradient": lambda site, args: call("tf.stop_gradient", args[0].node),
    "logical_and": _tf_logical("tf.math.logical_and"),
    "logical_or": _tf_logical("tf.math.logical_or"),
    "logical_xor": _tf_logical("tf.math.logical_xor"),
    "logical_not": _tf_logical("tf.math.logical_not"),
    "all": _tf_bool_reduction("tf.reduce_all"),
    "any": _tf_bool_reduction("tf.reduce_any"),
}

# ---- jax -----------------------------------------------------------------------------------


def _one_hot(ns: str) -> Any:
    def spell(site: Site) -> Node:
        n, dtype = int(site.attrs["num_classes"]), Name(f"{ns}.{site.out.dtype.name}")
        if ns == "jnp":
            return call("jax.nn.one_hot", Input(0), n, dtype=dtype)
        hot = call("np.equal.outer", Input(0), call("np.arange", n))
        return method(hot, "astype", dtype)

    return spell


JAX: dict[str, Any] = {
    "log_sigmoid": "jax.nn.log_sigmoid",
    "silu": "jax.nn.silu",
    "gelu": "jax.nn.gelu",
    "elu": "jax.nn.elu",
    "celu": "jax.nn.celu",
    "selu": "jax.nn.selu",
    "leaky_relu": "jax.nn.leaky_relu",
    "softsign": "jax.nn.soft_sign",
    "relu6": "jax.nn.relu6",
    "hard_tanh": "jax.nn.hard_tanh",
    "one_hot": _one_hot("jnp"),
    "stop_gradient": "jax.lax.stop_gradient",
}

# ---- numpy (the repro script): each activation written out in NumPy calls ----------------


def _np(build: Any) -> Any:
    """A Spell from `build(x, attrs)`, x the operand (in the case dtype if an integer)."""
    return lambda site: build(operands(site, "np")[0], site.attrs)


def _expit(x: Node) -> Node:
    return call("np.exp", Unary("-", call("np.logaddexp", 0, Unary("-", x))))


def _elu(x: Node, alpha: Any) -> Node:
    negative = binop("*", alpha, call("np.expm1", call("np.minimum", x, 0)))
    return call("np.where", binop(">", x, 0), x, negative)


def _gelu(x: Node, attrs: dict[str, Any]) -> Node:
    if attrs.get("approximate", True):
        inner = binop("+", x, binop("*", 0.044715, binop("**", x, 3)))
        t = call("np.tanh", binop("*", float(np.sqrt(2 / np.pi)), inner))
    else:
        t = call("scipy.special.erf", binop("/", x, float(np.sqrt(2))))
    return binop("*", binop("*", 0.5, x), binop("+", 1, t))


def _celu(x: Node, attrs: dict[str, Any]) -> Node:
    alpha = attrs.get("alpha", 1.0)
    negative = call("np.expm1", binop("/", call("np.minimum", x, 0), alpha))
    return binop("+", call("np.maximum", x, 0), binop("*", alpha, negative))


def _leaky(x: Node, attrs: dict[str, Any]) -> Node:
    slope = attrs.get("negative_slope", 0.01)
    return call("np.where", binop(">=", x, 0), x, binop("*", slope, x))


NUMPY: dict[str, Any] = {
    "log_sigmoid": _np(lambda x, a: Unary("-", call("np.logaddexp", 0, Unary("-", x)))),
    "silu": _np(lambda x, a: binop("*", x, _expit(x))),
    "gelu": _np(_gelu),
    "elu": _np(lambda x, a: _elu(x, a.get("alpha", 1.0))),
    "celu": _np(_celu),
    "selu": _np(lambda x, a: binop("*", SELU_SCALE, _elu(x, SELU_ALPHA))),
    "leaky_relu": _np(_leaky),
    "softsign": _np(lambda x, a: binop("/", x, binop("+", 1, call("np.abs", x)))),
    "relu6": _np(lambda x, a: call("np.minimum", call("np.maximum", x, 0), 6)),
    "hard_tanh": _np(lambda x, a: call("np.clip", x, -1, 1)),
    "one_hot": _one_hot("np"),
    "stop_gradient": "np.copy",  # the script refuses it (repro/numpy_code.py): its fd cannot
}
# framework -> op -> (Eqn -> the reason it cannot be expressed there, or None)
SKIP: dict[str, dict[str, Any]] = {}
