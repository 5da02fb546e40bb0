"""Every framework's spelling of the v2 functions of `ops.SPECIAL` (their numpy rules are in
backends/np_rules_special.py): one entry per op and framework, built from shapes and dtypes.

Each is the framework's own function under its own name where it has one. Written out in
the framework's functions where it has none: torch's cbrt (sign(x) * |x| ** (1/3)),
TensorFlow's trunc (sign(x) * floor(|x|)), nan_to_num (nested tf.where) and round with
decimals (NumPy's own scaling by 10 ** decimals). Where a framework has the function but
refuses its derivative (torch.floor_divide, tf.truncatemod), that refusal is its result.

The complex functions real, imag, conj and angle take NumPy's meaning on a real array too
(real and conj the identity, imag zeros, angle 0 or pi): torch.imag refuses a real tensor,
so there it is torch.zeros_like; torch.conj returns a lazy view, so torch.conj_physical;
TensorFlow's refuse bools (real and conj run in int32, as `_on_bools` does) and its angle
an integer (cast first). JAX's and NumPy's are their own (numpy_like's jnp.real...).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .site import Site
from .tensorflow_base import Arg as TfArg
from .tensorflow_base import (
    Template,
    _dtype,
    _function,
    _in_case_dtype,
    _math,
    _on_bools,
    _real_target,
    cast,
)
from .torch_base import Arg, At, Entry, _floating, _to, tensor
from .torch_elementwise import _on_bools as _torch_on_bools
from .tree import Const, Input, Name, Node, binop, call, method

# ---- torch ----------------------------------------------------------------------------------


def _torch_float(fn: str) -> Entry:
    """A float function: an integer input in the case dtype first."""
    return lambda at, args: call(fn, _floating(args[0], at))


def _torch_same(fn: str) -> Entry:
    """A function of two tensors that does not promote: both in the result's dtype."""
    return lambda at, args: call(fn, *(tensor(a) if a.literal else _to(a, at.out) for a in args))


def _torch_cbrt(at: At, args: list[Arg]) -> Node:
    x = _floating(args[0], at)  # torch has no cbrt
    return binop("*", call("torch.sign", x), binop("**", call("torch.abs", x), 1 / 3))


def _torch_round(at: At, args: list[Arg]) -> Node:
    return call("torch.round", tensor(args[0]), **at.changed)


def _torch_nan_to_num(at: At, args: list[Arg]) -> Node:
    return call("torch.nan_to_num", _floating(args[0], at), **at.changed)


def _torch_plain(fn: str) -> Entry:
    return lambda at, args: call(fn, tensor(args[0]))


def _torch_imag(at: At, args: list[Arg]) -> Node:
    """torch.imag refuses a real tensor: NumPy's zeros of its dtype there."""
    (x,) = args
    return call("torch.imag", x.node) if x.kind == "c" else call("torch.zeros_like", tensor(x))


def _torch_angle(at: At, args: list[Arg]) -> Node:
    """An integer or bool input in the result's (real) dtype first, as NumPy's arctan2."""
    (x,) = args
    return call("torch.angle", tensor(x) if x.literal or x.kind in "fc" else _to(x, at.out))


TORCH: dict[str, Any] = {
    "log2": _torch_float("torch.log2"),
    "log10": _torch_float("torch.log10"),
    "exp2": _torch_float("torch.exp2"),
    "cbrt": _torch_cbrt,
    "reciprocal": _torch_float("torch.reciprocal"),
    "arcsinh": _torch_float("torch.asinh"),
    "arccosh": _torch_float("torch.acosh"),
    "arctanh": _torch_float("torch.atanh"),
    "hypot": _torch_same("torch.hypot"),
    "logaddexp": _torch_same("torch.logaddexp"),
    "logaddexp2": _torch_same("torch.logaddexp2"),
    "floor": _torch_plain("torch.floor"),
    "ceil": _torch_plain("torch.ceil"),
    "round": _torch_round,
    "trunc": _torch_plain("torch.trunc"),
    "remainder": _torch_same("torch.remainder"),
    "fmod": _torch_same("torch.fmod"),
    "floor_divide": _torch_same("torch.floor_divide"),
    "isnan": _torch_plain("torch.isnan"),
    "isinf": _torch_plain("torch.isinf"),
    "isfinite": _torch_plain("torch.isfinite"),
    "nan_to_num": _torch_nan_to_num,
    "erf": _torch_float("torch.special.erf"),
    "erfc": _torch_float("torch.special.erfc"),
    "xlogy": _torch_same("torch.special.xlogy"),
    "xlog1py": _torch_same("torch.special.xlog1py"),
    "real": _torch_plain("torch.real"),
    "imag": _torch_imag,
    "conj": _torch_on_bools(_torch_plain("torch.conj_physical")),  # not the lazy torch.conj
    "angle": _torch_angle,
}

# ---- tensorflow -----------------------------------------------------------------------------


def _tf_float(x: TfArg, site: Site) -> Node:
    """The argument as a float tensor: an integer or literal one in the case dtype (a
    complex one as it is)."""
    return x.node if not x.literal and x.kind in "fc" else cast(x, site.dtype)


def _tf_predicate(fn: str) -> Template:
    """is_nan and the like refuse integers: an integer input is cast first (never NaN)."""
    return lambda site, args: call(fn, _tf_float(args[0], site))


def _tf_trunc(site: Site, args: list[TfArg]) -> Node:
    x = _tf_float(args[0], site)  # TensorFlow has no trunc
    return binop("*", call("tf.sign", x), call("tf.math.floor", call("tf.abs", x)))


def _tf_round(site: Site, args: list[TfArg]) -> Node:
    """NumPy's own way with decimals: scaled by 10 ** decimals, rounded half to even."""
    x, decimals = _tf_float(args[0], site), site.attrs.get("decimals", 0)
    if decimals == 0:
        return call("tf.math.round", x)
    scale = Const(10.0 ** abs(decimals))
    if decimals > 0:
        return binop("/", call("tf.math.round", binop("*", x, scale)), scale)
    return binop("*", call("tf.math.round", binop("/", x, scale)), scale)


def _tf_nan_to_num(site: Site, args: list[TfArg]) -> Node:
    """numpy.nan_to_num as nested tf.where: NaN, then +inf and -inf (the dtype's extremes
    unless given), each a constant of the result's dtype."""
    x, dtype = _tf_float(args[0], site), np.dtype(site.out.dtype)
    attrs, finfo = site.attrs, np.finfo(dtype)
    values = (
        attrs.get("nan", 0.0),
        float(finfo.max) if attrs.get("posinf") is None else attrs["posinf"],
        float(finfo.min) if attrs.get("neginf") is None else attrs["neginf"],
    )
    nan, posinf, neginf = (call("tf.constant", float(v), _dtype(dtype)) for v in values)
    infinite = call("tf.math.is_inf", x)
    out = call("tf.where", call("tf.logical_and", infinite, binop("<", x, 0)), neginf, x)
    out = call("tf.where", call("tf.logical_and", infinite, binop(">", x, 0)), posinf, out)
    return call("tf.where", call("tf.math.is_nan", x), nan, out)


def _tnp(fn: str) -> Template:
    """A tf.experimental.numpy function of two operands, each a tensor of NumPy's float
    dtype first (it refuses a Python int beside a float tensor)."""

    def template(site: Site, args: list[TfArg]) -> Node:
        target = _real_target(args, True)
        return _in_case_dtype(call(fn, *(cast(a, target) for a in args)), target, site)

    return template


_TNP = "tf.experimental.numpy"

TENSORFLOW: dict[str, Any] = {
    "log2": _math(f"{_TNP}.log2"),
    "log10": _math(f"{_TNP}.log10"),
    "exp2": _math(f"{_TNP}.exp2"),
    "cbrt": _math(f"{_TNP}.cbrt"),
    "reciprocal": _math("tf.math.reciprocal"),
    "arcsinh": _math("tf.math.asinh"),
    "arccosh": _math("tf.math.acosh"),
    "arctanh": _math("tf.math.atanh"),
    "hypot": _tnp(f"{_TNP}.hypot"),
    "logaddexp": _tnp(f"{_TNP}.logaddexp"),
    "logaddexp2": _tnp(f"{_TNP}.logaddexp2"),
    "floor": _math("tf.math.floor"),
    "ceil": _math("tf.math.ceil"),
    "round": _tf_round,
    "trunc": _tf_trunc,
    "remainder": _function("tf.math.floormod"),
    "fmod": _function("tf.truncatemod"),
    "floor_divide": _function("tf.math.floordiv"),
    "isnan": _tf_predicate("tf.math.is_nan"),
    "isinf": _tf_predicate("tf.math.is_inf"),
    "isfinite": _tf_predicate("tf.math.is_finite"),
    "nan_to_num": _tf_nan_to_num,
    "erf": _math("tf.math.erf"),
    "erfc": _math("tf.math.erfc"),
    "xlogy": _function("tf.math.xlogy", real=True),
    "xlog1py": _function("tf.math.xlog1py", real=True),
    "real": _on_bools(_math("tf.math.real")),
    "imag": _math("tf.math.imag"),
    "conj": _on_bools(_math("tf.math.conj")),
    "angle": _math("tf.math.angle"),
}

# ---- jax and numpy: NumPy's names (numpy_like), the special functions from scipy ----------


def _jax_floats(fn: str):
    """jax.scipy.special's xlogy and xlog1py refuse integers (log of an int, a float0
    tangent): an integer operand in the case dtype, an integer literal as a float."""

    def spell(site: Site) -> Node:
        dtype = Name(f"jnp.{site.dtype.name}")
        nodes: list[Node] = []
        for i, o in enumerate(site.ins):
            if o.literal:
                nodes.append(Const(float(o.value)))
            else:
                nodes.append(Input(i) if o.kind == "f" else method(Input(i), "astype", dtype))
        return call(fn, *nodes)

    return spell


_SPECIAL_FUNCTIONS = ("erf", "erfc", "xlogy", "xlog1py")
JAX: dict[str, Any] = {op: f"jax.scipy.special.{op}" for op in _SPECIAL_FUNCTIONS}
JAX.update({op: _jax_floats(f"jax.scipy.special.{op}") for op in ("xlogy", "xlog1py")})
NUMPY: dict[str, Any] = {op: f"scipy.special.{op}" for op in _SPECIAL_FUNCTIONS}
# framework -> op -> (Eqn -> the reason it cannot be expressed there, or None)
SKIP: dict[str, dict[str, Any]] = {}
