"""The jax repro script: the case in `jax.numpy`, differentiated by `jax.value_and_grad`,
stepped by optax, with the functions and the optax mapping of the jax backend
(gradcheck_cli/backends/jax_backend.py). The script runs eagerly (the backend compiles
where that gives the same result). This module writes text; it does not import jax.
"""

from __future__ import annotations

from typing import Any

from ..case import Case
from .expr import Arg, Expr, Site, Template, call, fit, from_spec, nested, py
from .numpy_like import np_index, numpy_like
from .program import describe, header, hyperparameters, render

FRAMEWORK = "jax"


def problem(case: Case) -> str | None:
    spec = case.optimizer
    if spec is not None and spec.name == "sgd" and hyperparameters(case)["dampening"] != 0:
        return "optax.sgd has no dampening (the jax backend skips this case)"
    return None


def _nn(fn: str) -> Template:
    return lambda site, args: call(fn, args[0].text, **site.changed())


def _getitem(site: Site, args: list[Arg]) -> Expr:
    # an index written as a list becomes an array: JAX takes no list as an index
    return np_index(site, args, lambda entries: f"jnp.array({py(entries)})")


TEMPLATES: dict[str, Template] = {
    **numpy_like("jnp"),
    "sigmoid": _nn("jax.nn.sigmoid"),
    "relu": _nn("jax.nn.relu"),
    "softplus": _nn("jax.nn.softplus"),
    "softmax": _nn("jax.nn.softmax"),
    "log_softmax": _nn("jax.nn.log_softmax"),
    "logsumexp": _nn("jax.scipy.special.logsumexp"),
    "getitem": _getitem,
}


# ---- optax, as the contract maps torch.optim's hyperparameters ---------------------------


def _decayed(h: dict[str, Any], rule: str) -> str:
    """torch's coupled weight decay: the decayed weights added to the gradient first."""
    if not h["weight_decay"]:
        return rule
    return f"optax.chain(optax.add_decayed_weights({h['weight_decay']!r}), {rule})"


def _sgd(h: dict[str, Any]) -> str:
    momentum = h["momentum"] or None
    return _decayed(h, f"optax.sgd({h['lr']!r}, momentum={momentum!r}, nesterov={h['nesterov']})")


def _adam(h: dict[str, Any]) -> str:
    (b1, b2), fn = h["betas"], "optax.amsgrad" if h["amsgrad"] else "optax.adam"
    return _decayed(h, f"{fn}({h['lr']!r}, b1={b1!r}, b2={b2!r}, eps={h['eps']!r})")


def _adamw(h: dict[str, Any]) -> str:
    (b1, b2), wd = h["betas"], h["weight_decay"]
    if not h["amsgrad"]:
        return (
            f"optax.adamw({h['lr']!r}, b1={b1!r}, b2={b2!r}, eps={h['eps']!r}, weight_decay={wd!r})"
        )
    # optax.adamw's own chain with amsgrad's first link, as optax.amsgrad is optax.adam's
    return (
        f"optax.chain(optax.scale_by_amsgrad(b1={b1!r}, b2={b2!r}, eps={h['eps']!r}), "
        f"optax.add_decayed_weights({wd!r}), optax.scale_by_learning_rate({h['lr']!r}))"
    )


def _rmsprop(h: dict[str, Any]) -> str:
    momentum = h["momentum"] or None
    return (
        f"optax.rmsprop({h['lr']!r}, decay={h['alpha']!r}, eps={h['eps']!r}, "
        f"centered={h['centered']}, momentum={momentum!r})"
    )


def _adagrad(h: dict[str, Any]) -> str:
    init = h["initial_accumulator_value"]
    return f"optax.adagrad({h['lr']!r}, initial_accumulator_value={init!r}, eps={h['eps']!r})"


OPTIMIZERS = {"sgd": _sgd, "adam": _adam, "adamw": _adamw, "rmsprop": _rmsprop, "adagrad": _adagrad}


# ---- the script ---------------------------------------------------------------------------

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
    body = render(case, TEMPLATES, lambda v: f"jnp.asarray({py(v)}, dtype=jnp.{case.dtype})")
    names = body.names
    lines = [*header(case, "jax", describe(case)), *_imports(case, specs), ""]
    if case.dtype == "float64":
        lines.append('jax.config.update("jax_enable_x64", True)  # float64, the case dtype')
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
    lines += [f"optimizer = {OPTIMIZERS[case.optimizer.name](hyperparameters(case))}"]
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
