"""The `tensorflow` backend: the program run eagerly by TensorFlow, differentiated by its
GradientTape, stepped by Keras 3's own optimizers.

The program is run from TensorFlow's spelling table (gradcheck_cli/spelling/tensorflow.py,
the trees `gradcheck repro --backend tensorflow` prints): the TensorFlow function the
contract names for each op, with the casts TensorFlow needs where NumPy promotes mixed
dtypes or computes with bools; indexing is `tf_index.py`'s plan, as a tree too. This module
writes no derivative. Params are `tf.Variable`s of the case dtype, inputs constants of
their own dtype. Where integers or literals alone give a float of another dtype than the
case's, the result is cast to the case dtype, as in the engine's driver (`_in_case_dtype`).
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

Complex params (v2) are tf.Variables of the complex case dtype (a float param of a complex
case keeps its float dtype); the tape gives dL/dx + i dL/dy, as torch. Keras 3 on complex
variables (measured, Keras 3.15.1): SGD steps them as torch does; RMSprop and Adagrad run,
their accumulators holding the complex g * g (keras.ops.square), not |g|^2; Adam and AdamW
refuse complex128 (keras.ops.sqrt makes the bias correction complex64) and AMSGrad any
complex dtype (tf.maximum): those skip, with the reason (`spelling.complex_refusal`, and a
probe step at start on scratch variables for any refusal beyond those).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import implementations, optim
from ..errors import BackendSkip
from ..spelling import tensorflow as spelling
from ..spelling.tree import bind
from . import USER_TF_LOG_LEVEL

if TYPE_CHECKING:
    from ..case import Case, OptimizerSpec


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

    from . import tf_higher  # jvp and hvp, TensorFlow's own forward mode and nested tapes
    from .tf_program import NAMESPACE, Program  # it imports TensorFlow: inside the quiet import

FRAMEWORK = "tensorflow"
FORWARD = spelling.SPELL  # every op of the vocabulary, as a tree of TensorFlow's calls
NORM_ORDS = spelling.NORM_ORDS


def version() -> str:
    return f"tensorflow {tf.__version__} (keras {keras.__version__})"


def device() -> str:
    return "gpu" if tf.config.list_physical_devices("GPU") else "cpu"


def _tensor(x: Any) -> tf.Tensor:
    """A tensor; a Python literal alone takes NumPy's dtype for it (int64, float64, bool)."""
    return x if tf.is_tensor(x) else tf.constant(np.asarray(x))


def unsupported(case: Case) -> str | None:
    problem = spelling.program_problem(case.program.eqns if case.program else ())
    if problem:
        return problem
    spec = case.optimizer
    if spec is None:
        return None
    if keras.backend.backend() != "tensorflow":  # KERAS_BACKEND chose another framework
        return f"Keras runs on {keras.backend.backend()}, not TensorFlow (KERAS_BACKEND)"
    return spelling.unsupported(spec.name, hyperparameters(spec.name, spec.hparams), case.dtype)


# ---- optimizers: Keras 3 as the contract maps torch.optim's hyperparameters ---------------


def hyperparameters(name: str, given: Mapping[str, Any]) -> dict[str, Any]:
    # Python floats: Keras's SGD refuses an int momentum, every optimizer an int learning rate
    return optim.hyperparameters(name, given)


def optimizer(spec: OptimizerSpec) -> Any:
    """The Keras optimizer, built from the spelling's tree (what repro prints)."""
    tree = spelling.OPTIMIZERS[spec.name](hyperparameters(spec.name, spec.hparams))
    return bind(tree, NAMESPACE)(())


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
    if not value.dtype.is_floating:  # an integer cost: zero gradients, as in the engine
        value = tf.cast(value, dtype.real_dtype)  # real: a complex case's cost is real
    if reduce == "sum":
        return tf.reduce_sum(value)
    return tf.reduce_mean(value) if reduce == "mean" else value


def _variable_dtype(case_dtype: tf.DType, array: Any) -> tf.DType:
    """The case dtype; a real param of a complex case (`{dtype: float64, value: ...}`) keeps
    its own float dtype."""
    own = np.asarray(array).dtype
    return tf.as_dtype(own) if case_dtype.is_complex and own.kind == "f" else case_dtype


def _probe(spec: OptimizerSpec, wrt: list[tf.Variable]) -> None:
    """One step of a fresh Keras optimizer on scratch copies of the complex params: where
    Keras refuses them (a version beyond `spelling.complex_refusal`'s measurements), the
    backend skips with Keras's own message instead of failing mid-run."""
    scratch = [tf.Variable(tf.zeros_like(v)) for v in wrt if v.dtype.is_complex]
    if not scratch:
        return
    try:
        optimizer(spec).apply_gradients([(tf.zeros_like(v), v) for v in scratch])
    except (tf.errors.OpError, TypeError, ValueError, NotImplementedError) as exc:
        cls = spelling.KERAS[spec.name][0]
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        dtype = scratch[0].dtype.name
        raise BackendSkip(f"Keras's {cls} refuses {dtype} params: {first}") from None


class TensorflowSession:
    """The case's params as tf.Variables, and a Keras optimizer over the `wrt` ones."""

    def __init__(self, case: Case, implementation: Any = None):
        self.case = case
        # the user's own function in place of the program (an impl:tensorflow row)
        self.user = implementations.function_of(implementation)
        dtype = tf.as_dtype(case.dtype)
        self.variables = {
            k: tf.Variable(v, dtype=_variable_dtype(dtype, v), name=k)
            for k, v in case.params.items()
        }
        self.inputs = {k: tf.constant(v) for k, v in case.inputs.items()}
        self.wrt = [self.variables[k] for k in case.wrt]
        self.program = Program(case) if self.user is None else None
        self.optimizer = optimizer(case.optimizer) if case.optimizer else None
        if self.optimizer is not None and dtype.is_complex:
            _probe(case.optimizer, self.wrt)

    def evaluate(self) -> Evaluation:
        c = self.case
        with tf.GradientTape(watch_accessed_variables=False) as tape:
            tape.watch(self.wrt)  # the other params are read as constants
            value = self._value()
            target = _target(value, c.reduce, tf.as_dtype(c.dtype))
        zero = tf.UnconnectedGradients.ZERO
        grads = tape.gradient(target, self.wrt, unconnected_gradients=zero)
        grads = tuple(tf.convert_to_tensor(g) for g in grads)  # IndexedSlices: dense, summed
        named = {k: g.numpy() for k, g in zip(c.wrt, grads, strict=True)}
        cost = float(tf.reduce_sum(target).numpy())  # native: the sum TensorFlow differentiated
        return Evaluation(np.asarray(value.numpy()), cost, named, grads)

    def _value(self) -> tf.Tensor:
        """The cost before reduction, the params read from their variables (a tape or an
        accumulator around this call watches the `wrt` ones)."""
        env = {**self.inputs, **{k: tf.convert_to_tensor(v) for k, v in self.variables.items()}}
        return _tensor(self._forward(env))

    def jvp(self, tangent: Mapping[str, np.ndarray]) -> np.ndarray:
        """d value . tangent by tf.autodiff.ForwardAccumulator (see tf_higher.py)."""
        dtype = tf.as_dtype(self.case.dtype)
        return tf_higher.jvp(self._value, self.wrt, [tangent[k] for k in self.case.wrt], dtype)

    def hvp(self, tangent: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The Hessian of the reduced cost times `tangent`, by nested GradientTapes."""
        c = self.case
        target = lambda: _target(self._value(), c.reduce, tf.as_dtype(c.dtype))  # noqa: E731
        second = tf_higher.hvp(target, self.wrt, [tangent[k] for k in c.wrt])
        return dict(zip(c.wrt, second, strict=True))

    def _forward(self, env: dict[str, Any]) -> Any:
        """The program; or the user's function, given the params read as tensors (the tape
        watches the variables they are read from)."""
        if self.user is None:
            return self.program.run(env)
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
    session = start(case)  # its variables, inputs and program in the case dtype
    with tf.GradientTape(watch_accessed_variables=False) as tape:
        tape.watch(session.wrt)
        env = {k: tf.convert_to_tensor(v) for k, v in session.variables.items()}
        env.update(session.inputs)
        value = session.program.run(env)
        reduce = {"sum": tf.reduce_sum, "mean": tf.reduce_mean}.get(case.reduce)
        target = reduce(value) if reduce else value
    keys = [k for k in wanted if tf.is_tensor(env.get(k))]
    zero = tf.UnconnectedGradients.ZERO
    grads = tape.gradient(target, [env[k] for k in keys], unconnected_gradients=zero)
    return {k: tf.convert_to_tensor(g).numpy() for k, g in zip(keys, grads, strict=True)}
