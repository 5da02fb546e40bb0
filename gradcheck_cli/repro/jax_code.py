"""The jax repro script: the case in `jax.numpy`, differentiated by `jax.value_and_grad`,
stepped by optax. Each line of the program and the optimizer is printed from the trees of
gradcheck_cli/spelling/jax.py, the ones the jax backend runs. The script runs eagerly (the
backend compiles where that gives the same result). This module writes text; it does not
import jax.
"""

from __future__ import annotations

from typing import Any

from ..case import Case
from ..spelling import jax as jax_spelling
from ..spelling.printer import source
from ..spelling.site import lower
from .expr import fit, from_spec, nested, py
from .program import describe, header, hyperparameters, render_lowered

FRAMEWORK = "jax"
SPELL = jax_spelling.SPELL  # the table the jax backend runs


def problem(case: Case) -> str | None:
    spec = case.optimizer
    reason = spec and jax_spelling.unsupported(spec.name, hyperparameters(case))
    return f"{reason} (the jax backend skips this case)" if reason else None


# ---- the script ---------------------------------------------------------------------------

_REAL = {"complex64": "float32", "complex128": "float64"}  # a complex case's real dtype
_REDUCE = {
    "sum": ("jnp.sum({})", "reduce: sum"),
    "mean": ("jnp.mean({})", "reduce: mean"),
    "none": ("{}", "reduce: none: a scalar"),
    "native": ("{}", "reduce: native: jax.grad's own rule for a non-scalar cost"),
}


def _array(case: Case, name: str, array: Any, spec: Any) -> str:
    source = from_spec(array, spec)
    if array.dtype.kind in "iu" and not source:  # JAX's own int: int32 unless x64 is on
        return f"jnp.array({nested(array)})"
    return f"jnp.array({source or nested(array)}, dtype=jnp.{array.dtype.name})"


def _loss_fn(case: Case, body: Any) -> list[str]:
    names = body.names
    unpack = [f'{names[p]} = params["{p}"]' for p in case.wrt]
    reduce, note = _REDUCE[case.reduce]
    returns = f"return {reduce.format(body.cost)}, {body.cost}  # {note}; the cost rides along"
    lines = ["def loss_fn(params):", *(f"    {line}" for line in [*unpack, *body.lines])]
    return [*lines, f"    {returns}"]


def _imports(case: Case, specs: dict[str, Any]) -> list[str]:
    lines = ["import jax", "import jax.numpy as jnp"]
    if "logsumexp" in case.program.ops:
        lines.append("import jax.scipy.special")
    if case.optimizer is not None:
        lines.append("import optax")
    arrays = {**case.params, **case.inputs}
    if any(from_spec(a, specs.get(n)) for n, a in arrays.items()):
        lines.append("import numpy as np")
    return lines


def script(case: Case, specs: dict[str, Any]) -> str:
    real = _REAL.get(case.dtype, case.dtype)  # a cost written as a number is real
    constant = lambda v: f"jnp.asarray({py(v)}, dtype=jnp.{real})"  # noqa: E731
    body = render_lowered(case, lower(case, jax_spelling.SPELL), constant)
    names = body.names
    lines = [*header(case, "jax", describe(case)), *_imports(case, specs), ""]
    if case.dtype in ("float64", "complex128"):
        lines.append(f'jax.config.update("jax_enable_x64", True)  # {case.dtype}, the case dtype')
    lines.append('print("jax", jax.__version__)')
    arrays = {**case.params, **case.inputs}
    lines += [
        f"{names[n]} = {_array(case, n, a, specs.get(n))}"
        for n, a in arrays.items()
        if n not in case.wrt
    ]
    entries = [f'"{p}": {_array(case, p, arrays[p], specs.get(p))}' for p in case.wrt]
    lines += [fit("params = {", entries, "}"), "", "", *_loss_fn(case, body), "", ""]
    grad_fn = "jax.value_and_grad(loss_fn, has_aux=True)"
    prints = [f'print("grad {p}:", grads["{p}"].tolist())' for p in case.wrt]
    if case.optimizer is None:
        lines += [f"(loss, cost), grads = {grad_fn}(params)", 'print("value:", cost.tolist())']
        return "\n".join([*lines, *prints]) + "\n"
    optimizer = jax_spelling.OPTIMIZERS[case.optimizer.name](hyperparameters(case))
    lines += [f"optimizer = {source(optimizer, []).text}"]
    lines += ["opt_state = optimizer.init(params)", "costs = []"]
    loop = [
        f"(loss, cost), grads = {grad_fn}(params)",
        "costs.append(float(loss))",
        "if step == 0:",
        '    print("value:", cost.tolist())',
        *(f"    {p}" for p in prints),
        "updates, opt_state = optimizer.update(grads, opt_state, params)",
        "params = optax.apply_updates(params, updates)",
    ]
    lines += [f"for step in range({case.steps}):", *(f"    {line}" for line in loop)]
    lines += [f'print("params {p}:", params["{p}"].tolist())' for p in case.wrt]
    return "\n".join([*lines, 'print("costs:", costs)']) + "\n"
