"""Forward mode and second order for the jax session, by JAX's own transformations.

`jvp` is `jax.jvp` of the session's forward (wrt dict -> the cost before reduction); `hvp`
is forward over reverse, `jax.jvp(jax.grad(cost), (wrt,), (tangent,))[1]`. Both use the
session's `_loss` (the forward `evaluate` differentiates, the user's function on an
impl:jax row); the jvp is `jax.jit`-ed like `evaluate`, and runs eagerly from the first tracing
error compiled code cannot express (the backend's NEEDS_EAGER).

What JAX cannot do is a skip, in JAX's own words: a `jax.custom_vjp` function under
forward mode, a callback or a primitive without a JVP rule. Measured (jax 0.10.2): forward
over reverse through a custom_vjp function traces under `jax.jit` (the bwd rule is
differentiated), eagerly JAX refuses it. Everything else propagates, as in `evaluate`:
under `reduce: native` a non-scalar cost is JAX's "Gradient only defined for
scalar-output functions".

Compile time, measured: with the XLA passes gradcheck turns off (xla_flags.py: algsimp and
fusion, both) the jitted hvp of `sum(transpose(x) ** 3 * transpose(w))` at 2 x 3 takes
10-16 s to compile, 0.3 s with either pass left on; its jvp and value-and-grad are not
affected. The result is the same; only the first call is slow, so the hvp runs eagerly
(a case's one hvp costs milliseconds that way), compiled only where eager JAX refuses it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from ..errors import BackendSkip

Loss = Callable[[dict[str, jax.Array]], tuple[Any, Any]]  # wrt -> (reduced cost, value)


def _cannot(exc: Exception) -> bool:
    """Whether JAX refused a transformation (not the maths): a missing rule, forward mode
    of a custom_vjp function or of a callback."""
    text = str(exc)
    return isinstance(exc, NotImplementedError) or "jvp" in text.lower() or "forward-mode" in text


class Higher:
    """The jvp and hvp functions of one session (the jvp compiled once)."""

    def __init__(self, loss: Loss, compile: bool, needs_eager: tuple[type[Exception], ...]):
        value = lambda wrt: jnp.asarray(loss(wrt)[1])  # noqa: E731
        cost = lambda wrt: loss(wrt)[0]  # noqa: E731
        self._eager = {
            "jvp": lambda wrt, t: jax.jvp(value, (wrt,), (t,)),
            "hvp": lambda wrt, t: jax.jvp(jax.grad(cost), (wrt,), (t,))[1],
        }
        # hvp runs eagerly first: compiled under gradcheck's XLA flags it can take 10-16 s
        # (above); compiled only where JAX refuses it eagerly (a custom_vjp function)
        self._compiled = {k: jax.jit(f) for k, f in self._eager.items()} if compile else {}
        self._needs_eager = needs_eager

    def _run(self, name: str, wrt: dict[str, jax.Array], tangent: Mapping) -> Any:
        tangents = {k: jnp.asarray(np.asarray(tangent[k]), dtype=p.dtype) for k, p in wrt.items()}
        if name == "hvp" and name in self._compiled:
            try:
                return self._eager[name](wrt, tangents)
            except (TypeError, ValueError, NotImplementedError) as exc:
                if not _cannot(exc):
                    raise
        try:
            if name in self._compiled:
                try:
                    return self._compiled[name](wrt, tangents)
                except self._needs_eager:
                    del self._compiled[name]  # data-dependent: eager from now on
            return self._eager[name](wrt, tangents)
        except (TypeError, ValueError, NotImplementedError) as exc:
            if isinstance(exc, self._needs_eager) or not _cannot(exc):
                raise  # the maths, or a tracer error eager code still met: as evaluate
            what = "forward-mode AD" if name == "jvp" else "forward-over-reverse (hvp)"
            raise BackendSkip(f"jax {what}: {exc}") from exc

    def jvp(self, wrt: dict[str, jax.Array], tangent: Mapping, dtype: str) -> np.ndarray:
        primal, dual = self._run("jvp", wrt, tangent)
        if dual.dtype == jax.dtypes.float0:  # an integer cost: JAX's tangent of no value
            return np.zeros(primal.shape, np.zeros((), dtype).real.dtype)  # a real cost
        return np.array(dual)

    def hvp(self, wrt: dict[str, jax.Array], tangent: Mapping) -> dict[str, np.ndarray]:
        return {k: np.array(v) for k, v in self._run("hvp", wrt, tangent).items()}
