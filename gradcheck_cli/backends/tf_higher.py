"""Forward mode and second order for the tensorflow session, by TensorFlow's own machinery.

`jvp` runs the session's forward (`TensorflowSession._value`, what `evaluate` runs) inside
a `tf.autodiff.ForwardAccumulator` whose primals are the differentiated tf.Variables;
`hvp` nests two `tf.GradientTape`s: the inner one's gradients of the reduced cost (the
`_target` evaluate differentiates; under `native` TensorFlow sums a non-scalar target),
made dense, then the outer one's gradient of them with `output_gradients=tangent`.
Unconnected gradients are zeros in both, as in `evaluate`.

What TensorFlow cannot do is a skip, in its own words: an op with no registered gradient
(ForwardAccumulator builds its JVPs from the gradient functions, transposed, so it needs
the gradient of the gradient too) raises LookupError. Measured (tensorflow 2.21): softsign,
whose SoftsignGrad has no gradient, in both.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import tensorflow as tf

from ..errors import BackendSkip

ZERO = tf.UnconnectedGradients.ZERO


def _tangents(variables: Sequence[tf.Variable], tangent: Sequence[np.ndarray]) -> list:
    return [
        tf.constant(np.asarray(t), dtype=v.dtype) for v, t in zip(variables, tangent, strict=True)
    ]


def _differentiable(dtype: tf.DType) -> bool:
    return dtype.is_floating or dtype.is_complex


def jvp(
    value_of: Callable[[], tf.Tensor],
    variables: Sequence[tf.Variable],
    tangent: Sequence[np.ndarray],
    dtype: tf.DType,
) -> np.ndarray:
    """d value . tangent, the tangent ForwardAccumulator carries to the value."""
    tangents = _tangents(variables, tangent)
    try:
        with tf.autodiff.ForwardAccumulator(primals=list(variables), tangents=tangents) as acc:
            value = tf.convert_to_tensor(value_of())
        if not _differentiable(value.dtype):  # an integer cost: zero, as its gradient
            return np.zeros(tuple(value.shape), dtype.real_dtype.as_numpy_dtype)
        dual = acc.jvp(value, unconnected_gradients=ZERO)
    except LookupError as exc:  # an op without a gradient function: TensorFlow's message
        raise BackendSkip(f"tensorflow forward-mode AD (ForwardAccumulator): {exc}") from exc
    return np.asarray(tf.convert_to_tensor(dual).numpy())


def hvp(
    target_of: Callable[[], tf.Tensor],
    variables: Sequence[tf.Variable],
    tangent: Sequence[np.ndarray],
) -> list[np.ndarray]:
    """H . tangent of the reduced cost `target_of()`, by a tape over a tape."""
    variables = list(variables)
    tangents = _tangents(variables, tangent)
    try:
        with tf.GradientTape(watch_accessed_variables=False) as outer:
            outer.watch(variables)
            with tf.GradientTape(watch_accessed_variables=False) as inner:
                inner.watch(variables)  # the other params are read as constants
                target = target_of()
            grads = inner.gradient(target, variables, unconnected_gradients=ZERO)
            grads = [tf.convert_to_tensor(g) for g in grads]  # IndexedSlices: dense, summed
        second = outer.gradient(
            grads, variables, output_gradients=tangents, unconnected_gradients=ZERO
        )
    except LookupError as exc:  # a gradient function with no gradient of its own
        raise BackendSkip(f"tensorflow second-order GradientTape: {exc}") from exc
    return [np.asarray(tf.convert_to_tensor(h).numpy()) for h in second]
