"""The `tensorflow` backend: the program run eagerly by TensorFlow, differentiated by its
GradientTape, stepped by Keras 3's own optimizers.

`FORWARD` maps every op of the vocabulary to the TensorFlow function the contract names;
this module writes no derivative. Params are `tf.Variable`s of the case dtype, inputs
constants of their own dtype. TensorFlow refuses mixed dtypes where NumPy promotes, so
operands go through `_promote`, which mirrors the numpy engine's: an integer or bool
tensor meeting a floating one takes its dtype; a Python literal is weak and takes the
tensors' dtype; where integers or literals alone give floats (`n / 2`, `mean(n)`), the
result takes the case dtype, as in the engine's driver (`_in_case_dtype`). TensorFlow's
arithmetic also refuses bools where NumPy computes with them (`m + m` is `m | m`,
`square(m)` an int8, relu(m) an int64): those run in int32 and are cast to NumPy's dtype
(`_on_bools`, `_relu`). Indexing is `tf_index.py`'s.
Under `reduce: native` the tape is asked for the gradient of the non-scalar cost, which
TensorFlow sums.

Keras 3 versus torch.optim, found by running Keras 3.15.1 (one step, float64, unless said;
tests/test_tf_backend.py writes Keras's formulas out in NumPy and pins them):

- precision: the learning rate is a `floatx()` (float32) variable, and what Keras passes
  through `ops.cast` (SGD's momentum, the betas in Adam's `beta ** t`, weight_decay,
  Adagrad's initial accumulator) becomes a float32 tensor on the way: SGD(lr 0.1) from
  w = 3 at grad 28 gives 0.19999995827674866 (torch 0.2); Adam(lr 0.1) from 0.5 at grad
  1 gives 0.40000069770638413 (torch 0.400000001). Other Python floats are exact;
- weight_decay is decoupled everywhere, `w -= w * wd * lr` before the step. Plain SGD: the
  same maths as torch's L2 term; with momentum 0.9, three steps of lr 0.1, wd 0.1 on w**2
  from 1 give 0.046639 (torch 0.024319). Adam with weight_decay is AdamW: 0.39500070
  (torch's Adam 0.40000000095);
- Adam adds eps to the uncorrected sqrt(v), `lr sqrt(1 - b2^t) / (1 - b1^t) m / (sqrt(v) +
  eps)`: at grad 1e-8 (lr 0.1, eps 1e-8) w moves by 0.0030653 (torch 0.05). AMSGrad keeps
  the maximum of the raw v in both;
- RMSprop and Adagrad take eps inside the root, `g / sqrt(v + eps)`: RMSprop(lr 0.01) at
  grad 1e-4 moves w by 0.0099504 (torch 0.0999), Adagrad(lr 0.01) at 1e-6 by 0.00099504
  (torch 0.0099990); centered RMSprop subtracts the squared mean inside it too;
- SGD's momentum buffer holds `-lr * buf`: the same maths (equal with exact hyperparameters).

`dampening` (not in Keras SGD) and SGD momentum above 1 (Keras refuses it) skip.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from .. import implementations, ir, optim
from . import USER_TF_LOG_LEVEL

if TYPE_CHECKING:
    from ..case import Case


@contextlib.contextmanager
def _quiet_import():
    """TF_CPP_MIN_LOG_LEVEL stops TensorFlow's C++ logs except the lines absl prints before
    it is initialised (oneDNN's notice, twice); unless the user set the level, those go to
    /dev/null during the import and the first kernel only."""
    if USER_TF_LOG_LEVEL is not None:
        yield
        return
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    sys.stderr.flush()
    saved, null = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 2)
    os.close(null)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


with _quiet_import():
    import keras
    import tensorflow as tf

    # oneDNN prints its notice when the first kernel runs, not at import: run one here
    tf.linalg.matmul(tf.ones((2, 2)), tf.ones((2, 2)))

    from .tf_index import getitem  # it imports TensorFlow: inside the quiet import too

FRAMEWORK = "tensorflow"


def version() -> str:
    return f"tensorflow {tf.__version__} (keras {keras.__version__})"


def device() -> str:
    return "gpu" if tf.config.list_physical_devices("GPU") else "cpu"


# ---- dtypes ------------------------------------------------------------------------------


def _tensor(x: Any) -> tf.Tensor:
    """A tensor; a Python literal alone takes NumPy's dtype for it (int64, float64, bool)."""
    return x if tf.is_tensor(x) else tf.constant(np.asarray(x))


def _promote(*xs: Any) -> tuple[tf.Tensor, ...]:
    tensors = [x for x in xs if tf.is_tensor(x)]
    floats = [x.dtype.as_numpy_dtype for x in tensors if x.dtype.is_floating]
    kinds = floats or [x.dtype.as_numpy_dtype for x in tensors]
    dtype = tf.as_dtype(np.result_type(*kinds, *[x for x in xs if not tf.is_tensor(x)]))
    return tuple(tf.cast(x, dtype) if tf.is_tensor(x) else tf.constant(x, dtype) for x in xs)


def _floating(x: Any) -> tf.Tensor:
    """NumPy's float functions take integers to float64 (`_in_case_dtype` then casts)."""
    x = _tensor(x)
    return x if x.dtype.is_floating else tf.cast(x, tf.float64)


def _numeric(x: Any) -> tf.Tensor:
    """NumPy sums bools as int64; TensorFlow refuses to."""
    x = _tensor(x)
    return tf.cast(x, tf.int64) if x.dtype == tf.bool else x


def _in_case_dtype(fn: Any, dtype: tf.DType, *args: Any, **attrs: Any) -> Any:
    """An op whose inputs hold no float but whose result is one gives the case dtype: the
    contract puts all arithmetic in it (the numpy engine's `forward` does the same)."""
    out = fn(*args, **attrs)
    if not out.dtype.is_floating or out.dtype == dtype:
        return out
    floats = any(tf.is_tensor(a) and a.dtype.is_floating for a in args)
    return out if floats else tf.cast(out, dtype)


def _common_shape(*xs: tf.Tensor) -> tf.Tensor:
    shape = tf.shape(xs[0])
    for x in xs[1:]:
        shape = tf.broadcast_dynamic_shape(shape, tf.shape(x))
    return shape


# ---- elementwise -------------------------------------------------------------------------


def _arith(fn: Any, *xs: Any) -> tf.Tensor:
    return fn(*_promote(*xs))


def _real(fn: Any, *xs: Any) -> tf.Tensor:
    """A function whose NumPy result is floating (`/`, arctan2) on integers or bools alone:
    in float64, as `_floating` (TensorFlow's atan2 refuses integers, truediv bools)."""
    xs = _promote(*xs)
    return fn(*(xs if xs[0].dtype.is_floating else [tf.cast(x, tf.float64) for x in xs]))


def _math(fn: Any, x: Any) -> tf.Tensor:
    return fn(_floating(x))


def _relu(x: Any) -> tf.Tensor:
    """NumPy's maximum(x, 0): a bool becomes an int64 (tf.nn.relu refuses a bool)."""
    return tf.nn.relu(_promote(x, 0)[0])


def _on_bools(fn: Any, result: tf.DType = tf.bool) -> Any:
    """`fn` where every operand is bool, which TensorFlow's arithmetic refuses: in int32, the
    result in NumPy's dtype for bools (bool for `m + m`, which is `m | m`, for comparisons,
    abs, max, clip and matmul; int8 for `m ** m` and square(m))."""

    def on_bools(*xs: Any, **attrs: Any) -> tf.Tensor:
        tensors = [x for x in xs if tf.is_tensor(x)]
        literals = [x for x in xs if not tf.is_tensor(x) and x is not None]
        if any(x.dtype != tf.bool for x in tensors) or any(type(x) is not bool for x in literals):
            return fn(*xs, **attrs)
        ints = [tf.cast(x, tf.int32) if tf.is_tensor(x) else x if x is None else int(x) for x in xs]
        return tf.cast(fn(*ints, **attrs), result)

    return on_bools


def _where(condition, x, y):
    """tf.where with the operands broadcast to their common shape first."""
    condition = _tensor(condition)
    if condition.dtype != tf.bool:
        condition = tf.cast(condition, tf.bool)  # NumPy reads a number as `!= 0`
    x, y = _promote(x, y)
    shape = _common_shape(condition, x, y)
    return tf.where(*(tf.broadcast_to(t, shape) for t in (condition, x, y)))


def _clip(a, a_min, a_max):
    """tf.clip_by_value, whose bounds cannot be None: a missing one is the dtype's infinity
    (its extreme for integers). A bound above the other gives a_min (NumPy gives a_max)."""
    given = _promote(a, *(b for b in (a_min, a_max) if b is not None))
    a, bounds = given[0], list(given[1:])
    low, high = (-math.inf, math.inf) if a.dtype.is_floating else (a.dtype.min, a.dtype.max)
    lo = bounds.pop(0) if a_min is not None else tf.constant(low, a.dtype)
    hi = bounds.pop(0) if a_max is not None else tf.constant(high, a.dtype)
    # clip_by_value refuses to broadcast `a` itself; NumPy broadcasts all three
    return tf.clip_by_value(tf.broadcast_to(a, _common_shape(a, lo, hi)), lo, hi)


# ---- reductions --------------------------------------------------------------------------


def _reduce(fn: Any, convert: Any, a, axis=None, keepdims=False):
    return fn(convert(a), axis=_axes(axis), keepdims=keepdims)


def _axes(axis: Any) -> Any:
    return list(axis) if isinstance(axis, tuple) else axis


def _arg(fn: Any, a, axis=None, keepdims=False):
    """numpy.argmax: axis None means the flattened array; keepdims keeps every axis then."""
    a = _tensor(a)
    if axis is None:
        out = fn(tf.reshape(a, [-1]), axis=0, output_type=tf.int64)
        return tf.reshape(out, [1] * a.shape.rank) if keepdims else out
    out = fn(a, axis=axis, output_type=tf.int64)
    return tf.expand_dims(out, axis) if keepdims else out


def _softmax(fn: Any, x, axis=-1):
    return fn(_floating(x), axis=axis[0] if isinstance(axis, tuple) else axis)


def _cumsum(a, axis=None):
    a = _numeric(a)
    if axis is None:  # NumPy flattens first
        return tf.math.cumsum(tf.reshape(a, [-1]))
    return tf.math.cumsum(a, axis=axis)


def _norm(x, ord=None, axis=None, keepdims=False):
    """numpy.linalg.norm through tf.norm: with ord given and no axis, a 1-D array takes a
    vector norm and a 2-D one a matrix norm; with neither, the flattened 2-norm."""
    x = _floating(x)
    if axis is None and ord is not None:
        if x.shape.rank not in (1, 2):
            raise ValueError("Improper number of dimensions to norm.")
        axis = 0 if x.shape.rank == 1 else (0, 1)
    if isinstance(axis, tuple) and len(axis) == 1:
        axis = axis[0]
    if isinstance(axis, tuple):
        axis = list(axis)
    return tf.norm(x, ord="euclidean" if ord is None else ord, axis=axis, keepdims=keepdims)


NORM_ORDS = "'euclidean', 'fro', 1, 2, inf for matrices and any p > 0 for vectors"


def _norm_problem(ord: Any) -> str | None:
    if ord == "nuc" or (isinstance(ord, (int, float)) and ord <= 0):
        return f"norm(ord={ord!r}): tf.norm takes only {NORM_ORDS}"
    return None


# ---- products and shapes -----------------------------------------------------------------


def _matmul(x1, x2):
    """numpy.matmul: a 1-D operand is a row (left) or a column (right), then dropped;
    batch dimensions broadcast (tf.linalg.matmul does that, not the 1-D promotion)."""
    a, b = _promote(x1, x2)
    if a.shape.rank == 1 and b.shape.rank == 1:
        return tf.tensordot(a, b, 1)
    out = tf.linalg.matmul(
        a[None] if a.shape.rank == 1 else a, b[:, None] if b.shape.rank == 1 else b
    )
    if a.shape.rank == 1:
        return tf.squeeze(out, -2)
    return tf.squeeze(out, -1) if b.shape.rank == 1 else out


def _dot(a, b):
    """numpy.dot: the last axis of a with the second-to-last of b (the only one of a 1-D b)."""
    a, b = _promote(a, b)
    if a.shape.rank == 0 or b.shape.rank == 0:
        return a * b
    return tf.tensordot(a, b, [[a.shape.rank - 1], [max(b.shape.rank - 2, 0)]])


def _outer(a, b):
    a, b = _promote(a, b)
    return tf.tensordot(tf.reshape(a, [-1]), tf.reshape(b, [-1]), axes=0)


def _transpose(a, axes=None):
    a = _tensor(a)
    return tf.transpose(a, None if axes is None else normalize_axis_tuple(axes, a.shape.rank))


def _reshape(a, shape):
    return tf.reshape(_tensor(a), shape)


def _expand_dims(a, axis):
    a = _tensor(a)
    axes = (axis,) if isinstance(axis, int) else axis
    for ax in sorted(normalize_axis_tuple(axes, a.shape.rank + len(axes))):
        a = tf.expand_dims(a, ax)
    return a


def _squeeze(a, axis=None):
    if axis == ():
        return _tensor(a)  # NumPy squeezes no axis; tf.squeeze(axis=[]) would squeeze all
    return tf.squeeze(_tensor(a), axis=[axis] if isinstance(axis, int) else axis)


def _flip(m, axis=None):
    m = _tensor(m)
    axes = range(m.shape.rank) if axis is None else (axis,) if isinstance(axis, int) else axis
    return tf.reverse(m, axis=list(axes))


def _concatenate(*arrays, axis=0):
    arrays = _promote(*arrays)
    if axis is None:  # NumPy flattens every array first
        return tf.concat([tf.reshape(a, [-1]) for a in arrays], 0)
    return tf.concat(arrays, axis)


def _stack(*arrays, axis=0):
    return tf.stack(_promote(*arrays), axis)


# ---- indexing ----------------------------------------------------------------------------


def _getitem(x, *arrays, index):
    return getitem(_tensor(x), *map(_tensor, arrays), index=index)


# ---- the table ---------------------------------------------------------------------------

FORWARD: dict[str, Any] = {
    "add": _on_bools(partial(_arith, tf.add)),
    "subtract": _on_bools(partial(_arith, tf.subtract)),
    "multiply": _on_bools(partial(_arith, tf.multiply)),
    "divide": partial(_real, tf.math.truediv),
    "power": _on_bools(partial(_arith, tf.pow), tf.int8),  # the `**` operator
    "arctan2": partial(_real, tf.math.atan2),
    "maximum": _on_bools(partial(_arith, tf.maximum)),
    "minimum": _on_bools(partial(_arith, tf.minimum)),
    "less": _on_bools(partial(_arith, tf.less)),
    "less_equal": _on_bools(partial(_arith, tf.less_equal)),
    "greater": _on_bools(partial(_arith, tf.greater)),
    "greater_equal": _on_bools(partial(_arith, tf.greater_equal)),
    "equal": partial(_arith, tf.equal),
    "not_equal": partial(_arith, tf.not_equal),
    "negative": partial(_arith, tf.negative),
    "exp": partial(_math, tf.exp),
    "log": partial(_math, tf.math.log),
    "log1p": partial(_math, tf.math.log1p),
    "expm1": partial(_math, tf.math.expm1),
    "sqrt": partial(_math, tf.sqrt),
    "square": _on_bools(partial(_arith, tf.square), tf.int8),
    "abs": _on_bools(partial(_arith, tf.abs)),
    "sign": partial(_arith, tf.sign),
    "sin": partial(_math, tf.sin),
    "cos": partial(_math, tf.cos),
    "tan": partial(_math, tf.tan),
    "arcsin": partial(_math, tf.asin),
    "arccos": partial(_math, tf.acos),
    "arctan": partial(_math, tf.atan),
    "sinh": partial(_math, tf.sinh),
    "cosh": partial(_math, tf.cosh),
    "tanh": partial(_math, tf.tanh),
    "sigmoid": partial(_math, tf.sigmoid),
    "relu": _relu,
    "softplus": partial(_math, tf.nn.softplus),
    "where": _where,
    "clip": _on_bools(_clip),
    "sum": partial(_reduce, tf.reduce_sum, _numeric),
    "mean": partial(_reduce, tf.reduce_mean, _floating),
    "prod": partial(_reduce, tf.reduce_prod, _numeric),
    "max": _on_bools(partial(_reduce, tf.reduce_max, _tensor)),
    "min": _on_bools(partial(_reduce, tf.reduce_min, _tensor)),
    "argmax": partial(_arg, tf.math.argmax),
    "argmin": partial(_arg, tf.math.argmin),
    "logsumexp": partial(_reduce, tf.reduce_logsumexp, _floating),
    "norm": _norm,
    "softmax": partial(_softmax, tf.nn.softmax),
    "log_softmax": partial(_softmax, tf.nn.log_softmax),
    "cumsum": _cumsum,
    "matmul": _on_bools(_matmul),
    "dot": _on_bools(_dot),
    "outer": _on_bools(_outer),
    "transpose": _transpose,
    "reshape": _reshape,
    "expand_dims": _expand_dims,
    "squeeze": _squeeze,
    "flip": _flip,
    "concatenate": _concatenate,
    "stack": _stack,
    "getitem": _getitem,
}


def _op_problem(eqn: ir.Eqn) -> str | None:
    if eqn.op == "norm":
        return _norm_problem(eqn.attrs.get("ord"))
    axis = eqn.attrs.get("axis", -1)
    if eqn.op in ("softmax", "log_softmax") and not (
        isinstance(axis, int) or (isinstance(axis, tuple) and len(axis) == 1)
    ):
        return f"{eqn.op}(axis={axis!r}): tf.nn.{eqn.op} takes a single axis"
    return None


# ---- optimizers: Keras 3 as the contract maps torch.optim's hyperparameters ---------------


def _sgd(h: Mapping[str, Any]) -> Any:
    return tf.keras.optimizers.SGD(
        learning_rate=h["lr"],
        momentum=h["momentum"],
        nesterov=h["nesterov"],
        weight_decay=h["weight_decay"],
    )


def _adam(h: Mapping[str, Any], cls: Any = None) -> Any:
    return (cls or tf.keras.optimizers.Adam)(
        learning_rate=h["lr"],
        beta_1=h["betas"][0],
        beta_2=h["betas"][1],
        epsilon=h["eps"],
        amsgrad=h["amsgrad"],
        weight_decay=h["weight_decay"],
    )


def _adamw(h: Mapping[str, Any]) -> Any:
    return _adam(h, tf.keras.optimizers.AdamW)


def _rmsprop(h: Mapping[str, Any]) -> Any:
    return tf.keras.optimizers.RMSprop(
        learning_rate=h["lr"],
        rho=h["alpha"],
        momentum=h["momentum"],
        epsilon=h["eps"],
        centered=h["centered"],
    )


def _adagrad(h: Mapping[str, Any]) -> Any:
    return tf.keras.optimizers.Adagrad(
        learning_rate=h["lr"],
        initial_accumulator_value=h["initial_accumulator_value"],
        epsilon=h["eps"],
    )


OPTIMIZERS = {
    "sgd": _sgd,
    "adam": _adam,
    "adamw": _adamw,
    "rmsprop": _rmsprop,
    "adagrad": _adagrad,
}


def hyperparameters(name: str, given: Mapping[str, Any]) -> dict[str, Any]:
    # Python floats: Keras's SGD refuses an int momentum, every optimizer an int learning rate
    return optim.hyperparameters(name, given)


def _optimizer_problem(name: str, h: Mapping[str, Any]) -> str | None:
    if name == "sgd" and h["dampening"] != 0:
        return f"Keras SGD has no dampening (dampening={h['dampening']!r})"
    if name == "sgd" and h["momentum"] > 1:
        return f"Keras SGD refuses momentum above 1 (momentum={h['momentum']!r})"
    return None


def unsupported(case: Case) -> str | None:
    for eqn in case.program.eqns if case.program else ():
        problem = _op_problem(eqn)
        if problem:
            return problem
    spec = case.optimizer
    if spec is None:
        return None
    if keras.backend.backend() != "tensorflow":  # KERAS_BACKEND chose another framework
        return f"Keras runs on {keras.backend.backend()}, not TensorFlow (KERAS_BACKEND)"
    return _optimizer_problem(spec.name, hyperparameters(spec.name, spec.hparams))


# ---- the session -------------------------------------------------------------------------


@dataclass(frozen=True)
class Evaluation:
    value: np.ndarray
    cost: float
    grads: dict[str, np.ndarray]
    tf_grads: tuple[tf.Tensor, ...]  # the tape's own gradients, in `case.wrt` order


def _target(value: tf.Tensor, reduce: str, dtype: tf.DType) -> tf.Tensor:
    """What the tape differentiates. Under `native` (and `none`, a scalar) the cost itself:
    the tape's gradient of a non-scalar target is that of its sum."""
    if not value.dtype.is_floating:
        value = tf.cast(value, dtype)  # an integer cost: zero gradients, as in the engine
    if reduce == "sum":
        return tf.reduce_sum(value)
    return tf.reduce_mean(value) if reduce == "mean" else value


class TensorflowSession:
    """The case's params as tf.Variables, and a Keras optimizer over the `wrt` ones."""

    def __init__(self, case: Case, implementation: Any = None):
        self.case = case
        # the user's own function in place of the program (an impl:tensorflow row)
        self.user = (
            implementations.load(implementation.value, implementation.root)
            if implementation
            else None
        )
        dtype = tf.as_dtype(case.dtype)
        self.variables = {k: tf.Variable(v, dtype=dtype, name=k) for k, v in case.params.items()}
        self.inputs = {k: tf.constant(v) for k, v in case.inputs.items()}
        self.wrt = [self.variables[k] for k in case.wrt]
        self.table = {op: partial(_in_case_dtype, fn, dtype) for op, fn in FORWARD.items()}
        spec = case.optimizer
        self.optimizer = (
            OPTIMIZERS[spec.name](hyperparameters(spec.name, spec.hparams)) if spec else None
        )

    def evaluate(self) -> Evaluation:
        c = self.case
        with tf.GradientTape(watch_accessed_variables=False) as tape:
            tape.watch(self.wrt)  # the other params are read as constants
            env = {**self.inputs, **{k: tf.convert_to_tensor(v) for k, v in self.variables.items()}}
            value = _tensor(self._forward(env))
            target = _target(value, c.reduce, tf.as_dtype(c.dtype))
        zero = tf.UnconnectedGradients.ZERO
        grads = tape.gradient(target, self.wrt, unconnected_gradients=zero)
        grads = tuple(tf.convert_to_tensor(g) for g in grads)  # IndexedSlices: dense, summed
        named = {k: g.numpy() for k, g in zip(c.wrt, grads, strict=True)}
        cost = float(tf.reduce_sum(target).numpy())  # native: the sum TensorFlow differentiated
        return Evaluation(np.asarray(value.numpy()), cost, named, grads)

    def _forward(self, env: dict[str, Any]) -> Any:
        """The program; or the user's function, given the params read as tensors (the tape
        watches the variables they are read from)."""
        if self.user is None:
            return ir.evaluate(self.case.program, env, self.table)
        value = implementations.call(self.user, env, (*self.case.params, *self.case.inputs))
        kind = (tf.Tensor, tf.Variable)
        return implementations.check_result(value, kind, "a tensorflow tensor", "impl:tensorflow")

    def step(self, evaluation: Evaluation) -> None:
        self.optimizer.apply_gradients(zip(evaluation.tf_grads, self.wrt, strict=True))

    def params(self) -> dict[str, np.ndarray]:
        return {k: v.numpy().copy() for k, v in self.variables.items()}


def start(case: Case, options: Mapping[str, Any] | None = None) -> TensorflowSession:
    return TensorflowSession(case, (options or {}).get("implementation"))


def plain(fn: Any, case: Case) -> Any:
    """The user's forward as fd differentiates it: float64 NumPy in, float64 tensors through
    the function (no tape), float64 NumPy out."""
    names = (*case.params, *case.inputs)

    def forward(env: Mapping[str, np.ndarray]) -> np.ndarray:
        tensors = {k: tf.constant(np.asarray(v)) for k, v in env.items()}
        out = tf.convert_to_tensor(implementations.call(fn, tensors, names))
        return np.asarray(out.numpy(), dtype=np.float64)

    return forward


def adjoints(case: Case, wanted: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """For `gradcheck explain --compare tensorflow`: tf.GradientTape.gradient of the reduced
    cost with respect to each variable of `wanted` (program variable -> something with the
    engine's `.value`; only the keys are read) that is a tensor, the intermediate tensors
    themselves; a variable the cost does not reach gets zeros."""
    session = start(case)  # its variables, inputs and op table in the case dtype
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(session.wrt)
        env = {k: tf.convert_to_tensor(v) for k, v in session.variables.items()}
        env.update(session.inputs)
        value = ir.evaluate(case.program, env, session.table)
        reduce = {"sum": tf.reduce_sum, "mean": tf.reduce_mean}.get(case.reduce)
        target = reduce(value) if reduce else value
    keys = [k for k in wanted if tf.is_tensor(env.get(k))]
    zero = tf.UnconnectedGradients.ZERO
    grads = tape.gradient(target, [env[k] for k in keys], unconnected_gradients=zero)
    return {k: tf.convert_to_tensor(g).numpy() for k, g in zip(keys, grads, strict=True)}
