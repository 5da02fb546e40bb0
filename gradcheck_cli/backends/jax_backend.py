"""The `jax` backend: the program in `jax.numpy`, differentiated by JAX, stepped by optax.

The program is run from JAX's spelling table (gradcheck_cli/spelling/jax.py, the trees
`gradcheck repro --backend jax` prints): the function a JAX user would call for each op,
the contract's choices where a name has several (`jnp.max`, `jnp.clip`, `jnp.linalg.norm`,
`jax.scipy.special.logsumexp`, `**` reaching `lax.integer_pow` for a Python int exponent).
No derivative is written here: `jax.value_and_grad` gives them all. Under
`reduce: native` the non-scalar cost goes to `jax.value_and_grad` as it is, and JAX's own
TypeError ("Gradient only defined for scalar-output functions") is the result.

64-bit: a float64 case runs inside `jax.enable_x64(True)`, a float32 one inside
`jax.enable_x64(False)` (JAX's default, whatever the process set); the scope is
thread-local and is entered only around the case's own work, so nothing leaks. Under
float32, int64 inputs become int32, as they do for any JAX user without x64. A complex128
case runs with x64, a complex64 one without.

Complex params (v2): jax.grad of the real cost gives dL/dx - i dL/dy, the conjugate of
torch's and TensorFlow's dL/dx + i dL/dy (at 1 + 2i, |z|^2 gets 2 - 4i): reported as JAX
gives it, not conjugated, so the difference is a finding. optax steps with that gradient:
`sgd` moves the imaginary part away from the minimum of |z|^2, and adam's second moment is
|g|^2 (one step of lr for the complex number as a whole, where torch.optim steps the real
and imaginary parts apart).

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
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jax
import jax.numpy as jnp
import jax.scipy.special
import numpy as np
import optax

from .. import implementations, optim
from ..spelling import jax as spelling
from ..spelling.site import Runner, lower
from ..spelling.tree import Input, bind
from . import jax_higher, xla_flags

xla_flags.apply()  # XLA's rewrites across ops off: jitted must equal eager (see the module)

if TYPE_CHECKING:
    from ..case import Case, OptimizerSpec

FRAMEWORK = "jax"


def version() -> str:
    return f"jax {jax.__version__} (optax {optax.__version__})"


def device() -> str:
    return jax.default_backend()


NAMESPACE = {"jax": jax, "jnp": jnp, "optax": optax}  # what the spelling's trees name

# What tracing raises where compiled code cannot express a case: it then runs eagerly.
NEEDS_EAGER = (
    jax.errors.ConcretizationTypeError,
    jax.errors.NonConcreteBooleanIndexError,
    jax.errors.TracerArrayConversionError,
    jax.errors.TracerIntegerConversionError,
)


def hyperparameters(spec: OptimizerSpec) -> dict[str, Any]:
    # Python floats: optax then rounds them to the params' dtype, as a user's literals are
    return optim.hyperparameters(spec.name, spec.hparams)


def unsupported(case: Case) -> str | None:
    problem = spelling.program_problem(case.program.eqns if case.program else ())
    if problem:
        return problem
    spec = case.optimizer
    return spelling.unsupported(spec.name, hyperparameters(spec)) if spec else None


def optimizer(spec: OptimizerSpec) -> Any:
    """optax's transformation, built from the spelling's tree (what repro prints)."""
    return bind(spelling.OPTIMIZERS[spec.name](hyperparameters(spec)), NAMESPACE)(())


# ---- the session --------------------------------------------------------------------------


@dataclass(frozen=True)
class Evaluation:
    value: np.ndarray
    cost: float
    grads: dict[str, np.ndarray]
    native: dict[str, jax.Array]  # JAX's own gradients, which optax steps with


class JaxSession:
    """A case's params as jax arrays, its optax optimizer and its value-and-grad function."""

    _higher: jax_higher.Higher | None = None  # the jvp and hvp functions, on the first call

    def __init__(self, case: Case, compile: bool = True, implementation: Any = None):
        self.case = case
        # the user's own function in place of the program (an impl:jax row)
        self.user = implementations.function_of(implementation)
        self.names = (*case.params, *case.inputs)
        self.x64 = case.dtype in ("float64", "complex128")
        with self._scope():
            self.inputs = {k: jnp.asarray(v) for k, v in case.inputs.items()}
            self._params = {k: jnp.asarray(v) for k, v in case.params.items()}
            self._fixed = {k: v for k, v in self._params.items() if k not in case.wrt}
            spec = case.optimizer
            self.optimizer = optimizer(spec) if spec else None
            self.opt_state = self.optimizer.init(self._wrt()) if self.optimizer else None
        self.runner = (
            Runner(case, lower(case, spelling.SPELL), NAMESPACE) if not self.user else None
        )
        self.reduce = bind(spelling.REDUCE[case.reduce](Input(0)), NAMESPACE)
        self._eager = jax.value_and_grad(self._loss, has_aux=True)
        self._compiled = jax.jit(self._eager) if compile else None

    def _scope(self) -> Any:
        return jax.enable_x64(self.x64)

    def _wrt(self) -> dict[str, jax.Array]:
        return {k: self._params[k] for k in self.case.wrt}

    def _loss(self, wrt: dict[str, jax.Array]) -> tuple[Any, Any]:
        env = {**self.inputs, **self._fixed, **wrt}
        if self.user is not None:
            value = implementations.call(self.user, env, self.names)
            value = implementations.check_result(value, jax.Array, "a jax array", "impl:jax")
        else:
            value = jnp.asarray(self.runner.run(env))  # a cost written as a number too
        return self.reduce([value]), value

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

    def jvp(self, tangent: Mapping[str, np.ndarray]) -> np.ndarray:
        """jax.jvp of the cost before reduction along `tangent` (see jax_higher.py)."""
        with self._scope():
            return self._transforms().jvp(self._wrt(), tangent, self.case.dtype)

    def hvp(self, tangent: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The Hessian of the reduced cost times `tangent`: jax.jvp of jax.grad."""
        with self._scope():
            return self._transforms().hvp(self._wrt(), tangent)

    def _transforms(self) -> jax_higher.Higher:
        if self._higher is None:  # compiled unless evaluate is eager (option, or fell back)
            self._higher = jax_higher.Higher(self._loss, self.compiled, NEEDS_EAGER)
        return self._higher

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


def adjoints(case: Case, wanted: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """For `gradcheck explain --compare jax`: jax.grad of the reduced cost with respect to
    each variable in `wanted` (variable -> something with its `.value`), a zero added to
    each intermediate so that JAX differentiates with respect to it."""
    session = JaxSession(case, compile=False)
    with session._scope():
        fixed = {**session.inputs, **session._params}
        start = {
            k: fixed[k] if k in case.params else jnp.zeros_like(n.value) for k, n in wanted.items()
        }

        def target(diff: dict) -> Any:
            env = {**fixed, **{k: v for k, v in diff.items() if k in case.params}}
            tap = lambda name, value: value + diff[name] if name in diff else value  # noqa: E731
            return session.reduce([jnp.asarray(session.runner.run(env, tap))])

        return {k: np.asarray(g) for k, g in jax.grad(target)(start).items()}


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
    return JaxSession(case, compile=compile, implementation=options.get("implementation"))


def plain(fn: Any, case: Case) -> Any:
    """The user's forward as fd differentiates it: float64 NumPy in, jax arrays in float64
    through the function (no autodiff), float64 NumPy out."""
    names = (*case.params, *case.inputs)

    def forward(env: Mapping[str, np.ndarray]) -> np.ndarray:
        with jax.enable_x64(True):
            arrays = {k: jnp.asarray(v) for k, v in env.items()}
            return np.asarray(implementations.call(fn, arrays, names), dtype=np.float64)

    return forward
