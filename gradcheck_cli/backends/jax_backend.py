"""The `jax` backend: the program in `jax.numpy`, differentiated by JAX, stepped by optax.

`FORWARD` maps each op to the function a JAX user would call, the contract's choices where a
name has several (`jnp.max`, `jnp.clip`, `jnp.linalg.norm`, `jax.scipy.special.logsumexp`,
`**` as `jnp.power`, which turns a Python int exponent into `lax.integer_pow` as the
operator does). No derivative is written here: `jax.value_and_grad` gives them all. Under
`reduce: native` the non-scalar cost goes to `jax.value_and_grad` as it is, and JAX's own
TypeError ("Gradient only defined for scalar-output functions") is the result.

64-bit: a float64 case runs inside `jax.enable_x64(True)`, a float32 one inside
`jax.enable_x64(False)` (JAX's default, whatever the process set); the scope is
thread-local and is entered only around the case's own work, so nothing leaks. Under
float32, int64 inputs become int32, as they do for any JAX user without x64.

Compilation: the value-and-grad function of a case is `jax.jit`-ed, inputs and held
params closed over as constants (so an input mask still works compiled). A case compiled
code cannot express (a boolean mask computed from a param) raises a concretization error
while tracing; the session then runs that case eagerly, as the contract requires.
The optimizer step runs eagerly (optax's own primitives, cached across cases).

JAX's persistent compilation cache is opt-in: with `GRADCHECK_JAX_CACHE=1` in the
environment (or the option `jax_cache`), compiled cases are kept under the user's cache
directory, `$XDG_CACHE_HOME/gradcheck/jax` (`~/.cache/gradcheck/jax` by default), never in
the project tree, and a case compiled before loads instead of compiling (about 3x faster
for a small case). A cache directory the user gave JAX itself is left as it is.

Where optax's formulas differ from torch.optim (measured by running both; pinned in
tests/test_jax_backend.py; the contract calls these findings):

- rmsprop: `g / sqrt(nu + eps)` (optax's default `eps_in_sqrt=True`; centered:
  `g / sqrt(nu - mu**2 + eps)`) where torch has `g / (sqrt(nu) + eps)`. One default step
  with g = 1e-5: optax moves 1.0e-3, torch 9.9e-2.
- adagrad: `g / sqrt(sum + eps)`, 0 where sum is 0, where torch has `g / (sqrt(sum) + eps)`.
  One default step with g = 1e-5: optax moves 7.1e-3, torch 1.0e-2.
- amsgrad: optax keeps the maximum of the bias-corrected second moment, torch that of the
  raw one, divided by the current correction. Gradients [1, -2], [.1, -.2], [.01, .02]
  from [.5, .5] at lr .1: optax [.3138, .6855], torch [.2680, .7307].
- adam and adamw in float32: optax computes `1 - b2**t` in float32 (0.0009999871 at t = 1)
  where torch uses Python floats: five steps of the tests' case part by ~4e-6 (float64: 2e-16).
- adamw with amsgrad: optax has no flag, so it is optax.adamw's own chain
  (`scale_by_adam`, `add_decayed_weights`, `scale_by_learning_rate`) with
  `scale_by_amsgrad` as the first link, as `optax.amsgrad` is `optax.adam`'s.
- sgd `dampening` has no optax counterpart (`trace` adds the whole gradient): skip.

JAX's own conventions where the numpy engine (torch's) differs: abs'(0) = 1; `jnp.clip` is
`minimum(maximum(x, lo), hi)`, so at a bound x gets 0.5; the 2-norm and Frobenius norm
at 0 give NaN, ord=1 gives 1 and ord=inf 0.25 per element for two zeros; `x ** 0.0` at 0
gives NaN (`x ** 0`, an integer power, gives 0), and so does d/dx of `x ** y` at x = y = 0.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp
import jax.scipy.special
import numpy as np
import optax

from .. import ir, optim
from . import xla_flags
from .np_rules import is_operand

xla_flags.apply()  # XLA's rewrites across ops off: jitted must equal eager (see the module)

if TYPE_CHECKING:
    from ..case import Case, OptimizerSpec

FRAMEWORK = "jax"


def version() -> str:
    return f"jax {jax.__version__} (optax {optax.__version__})"


def device() -> str:
    return jax.default_backend()


# ---- the op table -------------------------------------------------------------------------


def _variadic(fn: Callable[..., Any], *arrays: Any, axis: Any = 0) -> jax.Array:
    return fn(arrays, axis=axis)  # the IR passes the list's arrays as separate inputs


def _getitem(x: Any, *arrays: Any, index: tuple[Any, ...]) -> jax.Array:
    # jnp indexing is NumPy's: integer lists gather (and accumulate in grad), masks select
    return jnp.asarray(x)[ir.numpy_index(index, arrays)]


FORWARD: dict[str, Callable[..., Any]] = {
    "add": jnp.add,
    "subtract": jnp.subtract,
    "multiply": jnp.multiply,
    "divide": jnp.divide,
    "power": jnp.power,
    "arctan2": jnp.arctan2,
    "maximum": jnp.maximum,
    "minimum": jnp.minimum,
    "less": jnp.less,
    "less_equal": jnp.less_equal,
    "greater": jnp.greater,
    "greater_equal": jnp.greater_equal,
    "equal": jnp.equal,
    "not_equal": jnp.not_equal,
    "negative": jnp.negative,
    "exp": jnp.exp,
    "log": jnp.log,
    "log1p": jnp.log1p,
    "expm1": jnp.expm1,
    "sqrt": jnp.sqrt,
    "square": jnp.square,
    "abs": jnp.abs,
    "sign": jnp.sign,
    "sin": jnp.sin,
    "cos": jnp.cos,
    "tan": jnp.tan,
    "arcsin": jnp.arcsin,
    "arccos": jnp.arccos,
    "arctan": jnp.arctan,
    "sinh": jnp.sinh,
    "cosh": jnp.cosh,
    "tanh": jnp.tanh,
    "sigmoid": jax.nn.sigmoid,
    "relu": jax.nn.relu,
    "softplus": jax.nn.softplus,
    "where": jnp.where,
    "clip": jnp.clip,  # a_min, a_max arrive positionally: jnp.clip calls them min, max
    "sum": jnp.sum,
    "mean": jnp.mean,
    "prod": jnp.prod,
    "max": jnp.max,
    "min": jnp.min,
    "argmax": jnp.argmax,
    "argmin": jnp.argmin,
    "logsumexp": jax.scipy.special.logsumexp,
    "norm": jnp.linalg.norm,
    "softmax": jax.nn.softmax,
    "log_softmax": jax.nn.log_softmax,
    "cumsum": jnp.cumsum,
    "matmul": jnp.matmul,
    "dot": jnp.dot,
    "outer": jnp.outer,
    "transpose": jnp.transpose,
    "reshape": jnp.reshape,
    "expand_dims": jnp.expand_dims,
    "squeeze": jnp.squeeze,
    "flip": jnp.flip,
    "concatenate": partial(_variadic, jnp.concatenate),
    "stack": partial(_variadic, jnp.stack),
    "getitem": _getitem,
}


def _in_case_dtype(op: str, fn: Callable[..., Any], dtype: Any, *args: Any, **attrs: Any) -> Any:
    """An op whose inputs hold no float computes in the case dtype where its result is a
    float, as the numpy engine does (`np_rules.apply`): JAX takes int32 to float32 even
    under x64, and jax.nn.sigmoid refuses integers outright."""
    arrays = [a for a in args if isinstance(a, jax.Array | np.ndarray)]
    if not arrays or any(jnp.issubdtype(a.dtype, jnp.inexact) for a in arrays):
        return fn(*args, **attrs)
    try:
        out = fn(*args, **attrs)
    except TypeError:
        out = None
    if out is not None and (not jnp.issubdtype(out.dtype, jnp.inexact) or out.dtype == dtype):
        return out
    cast = [
        a.astype(dtype) if isinstance(a, jax.Array | np.ndarray) and is_operand(op, i) else a
        for i, a in enumerate(args)
    ]
    return fn(*cast, **attrs)


REDUCE: dict[str, Callable[[Any], Any]] = {
    "sum": jnp.sum,
    "mean": jnp.mean,
    "none": jnp.asarray,  # already a scalar (the loader checked)
    "native": lambda value: value,  # as it is: JAX refuses a non-scalar itself
}

# What tracing raises where compiled code cannot express a case: it then runs eagerly.
NEEDS_EAGER = (
    jax.errors.ConcretizationTypeError,
    jax.errors.NonConcreteBooleanIndexError,
    jax.errors.TracerArrayConversionError,
    jax.errors.TracerIntegerConversionError,
)


# ---- optimizers: the contract's mapping onto optax ----------------------------------------


def hyperparameters(spec: OptimizerSpec) -> dict[str, Any]:
    # Python floats: optax then rounds them to the params' dtype, as a user's literals are
    return optim.hyperparameters(spec.name, spec.hparams)


def _decayed(weight_decay: float, tx: optax.GradientTransformation) -> Any:
    # torch's coupled weight decay: g + wd * p before the rule
    return optax.chain(optax.add_decayed_weights(weight_decay), tx) if weight_decay else tx


def _sgd(h: dict[str, Any]) -> Any:
    sgd = optax.sgd(h["lr"], momentum=h["momentum"] or None, nesterov=h["nesterov"])
    return _decayed(h["weight_decay"], sgd)


def _adam(h: dict[str, Any]) -> Any:
    (b1, b2), make = h["betas"], optax.amsgrad if h["amsgrad"] else optax.adam
    return _decayed(h["weight_decay"], make(h["lr"], b1=b1, b2=b2, eps=h["eps"]))


def _adamw(h: dict[str, Any]) -> Any:
    (b1, b2), wd = h["betas"], h["weight_decay"]
    if not h["amsgrad"]:
        return optax.adamw(h["lr"], b1=b1, b2=b2, eps=h["eps"], weight_decay=wd)
    # optax.adamw's own chain, its first link swapped as optax.amsgrad swaps optax.adam's
    return optax.chain(
        optax.scale_by_amsgrad(b1=b1, b2=b2, eps=h["eps"]),
        optax.add_decayed_weights(wd),
        optax.scale_by_learning_rate(h["lr"]),
    )


def _rmsprop(h: dict[str, Any]) -> Any:
    momentum = h["momentum"] or None
    return optax.rmsprop(
        h["lr"], decay=h["alpha"], eps=h["eps"], centered=h["centered"], momentum=momentum
    )


def _adagrad(h: dict[str, Any]) -> Any:
    init = h["initial_accumulator_value"]
    return optax.adagrad(h["lr"], initial_accumulator_value=init, eps=h["eps"])


OPTIMIZERS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "sgd": _sgd,
    "adam": _adam,
    "adamw": _adamw,
    "rmsprop": _rmsprop,
    "adagrad": _adagrad,
}


def unsupported(case: Case) -> str | None:
    missing = sorted(case.program.ops - FORWARD.keys())
    if missing:
        return f"no jax function for {', '.join(missing)}"
    spec = case.optimizer
    if spec is not None and spec.name == "sgd" and hyperparameters(spec)["dampening"] != 0:
        return "optax.sgd has no dampening: its momentum trace adds the whole gradient"
    return None


# ---- the session --------------------------------------------------------------------------


@dataclass(frozen=True)
class Evaluation:
    value: np.ndarray
    cost: float
    grads: dict[str, np.ndarray]
    native: dict[str, jax.Array]  # JAX's own gradients, which optax steps with


class JaxSession:
    """A case's params as jax arrays, its optax optimizer and its value-and-grad function."""

    def __init__(self, case: Case, compile: bool = True):
        self.case = case
        self.x64 = case.dtype == "float64"
        with self._scope():
            self.inputs = {k: jnp.asarray(v) for k, v in case.inputs.items()}
            self._params = {k: jnp.asarray(v) for k, v in case.params.items()}
            self._fixed = {k: v for k, v in self._params.items() if k not in case.wrt}
            spec = case.optimizer
            self.optimizer = OPTIMIZERS[spec.name](hyperparameters(spec)) if spec else None
            self.opt_state = self.optimizer.init(self._wrt()) if self.optimizer else None
        dtype = jnp.dtype(case.dtype)
        self.table = {op: partial(_in_case_dtype, op, fn, dtype) for op, fn in FORWARD.items()}
        self._eager = jax.value_and_grad(self._loss, has_aux=True)
        self._compiled = jax.jit(self._eager) if compile else None

    def _scope(self) -> Any:
        return jax.enable_x64(self.x64)

    def _wrt(self) -> dict[str, jax.Array]:
        return {k: self._params[k] for k in self.case.wrt}

    def _loss(self, wrt: dict[str, jax.Array]) -> tuple[Any, Any]:
        env = {**self.inputs, **self._fixed, **wrt}
        value = ir.evaluate(self.case.program, env, self.table)
        return REDUCE[self.case.reduce](value), value

    def _value_and_grad(self, wrt: dict[str, jax.Array]) -> Any:
        if self._compiled is not None:
            try:
                return self._compiled(wrt)
            except NEEDS_EAGER:
                self._compiled = None  # data-dependent: eager from now on
        return self._eager(wrt)

    @property
    def compiled(self) -> bool:
        return self._compiled is not None

    def evaluate(self) -> Evaluation:
        with self._scope():
            (cost, value), grads = self._value_and_grad(self._wrt())
            plain = {k: np.array(g) for k, g in grads.items()}
            return Evaluation(np.array(jnp.asarray(value)), float(cost), plain, grads)

    def step(self, evaluation: Evaluation) -> None:
        with self._scope():
            wrt = self._wrt()
            updates, self.opt_state = self.optimizer.update(evaluation.native, self.opt_state, wrt)
            self._params.update(optax.apply_updates(wrt, updates))

    def params(self) -> dict[str, np.ndarray]:
        with self._scope():
            return {k: np.array(v) for k, v in self._params.items()}


# ---- the persistent compilation cache (opt-in) ---------------------------------------------

CACHE_VARIABLE = "GRADCHECK_JAX_CACHE"


def cache_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """The user's cache directory for compiled cases (XDG's rule: an absolute
    $XDG_CACHE_HOME, else ~/.cache)."""
    base = environ.get("XDG_CACHE_HOME", "")
    root = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return root / "gradcheck" / "jax"


def cache_wanted(options: Mapping[str, Any], environ: Mapping[str, str] = os.environ) -> bool:
    if "jax_cache" in options:
        return bool(options["jax_cache"])
    return environ.get(CACHE_VARIABLE, "").strip().lower() in ("1", "true", "yes", "on")


def use_cache(directory: Path) -> None:
    """Turn JAX's persistent cache on in `directory`, for every compilation: a small case
    compiles in well under JAX's default threshold of one second."""
    if jax.config.jax_compilation_cache_dir:
        return  # the user configured JAX's cache themselves
    directory.mkdir(parents=True, exist_ok=True)
    jax.config.update("jax_compilation_cache_dir", str(directory))
    jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
    jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)


def start(case: Case, options: Mapping[str, Any] | None = None) -> JaxSession:
    """`options["jax_jit"] = False` runs every case eagerly; `options["jax_cache"]` (or
    GRADCHECK_JAX_CACHE=1) keeps compiled cases in `cache_dir()`."""
    options = options or {}
    compile = bool(options.get("jax_jit", True))
    if compile and cache_wanted(options):
        use_cache(cache_dir())
    return JaxSession(case, compile=compile)
