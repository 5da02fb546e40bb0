"""JAX's spelling of every op, of the optimizers, and what JAX cannot express: one table the
jax backend runs and `gradcheck repro --backend jax` prints.

Each op is what a JAX user writes: `jax.numpy` under NumPy's names (`numpy_like.py`),
`jax.nn` and `jax.scipy.special` for the neural-network functions, Python's operators
(`x ** 2` reaches `lax.integer_pow`, as the operator does); an index given as a list
becomes `jnp.array(...)`, since JAX takes no list as an index.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from ..ir import Eqn
from . import families
from .numpy_like import Spell, numpy_like
from .tree import Node, call

FRAMEWORK = "jax"
IMPORTS = {"jax": "import jax", "jnp": "import jax.numpy as jnp", "optax": "import optax"}

NN = {
    "sigmoid": "jax.nn.sigmoid",
    "relu": "jax.nn.relu",
    "softplus": "jax.nn.softplus",
    "softmax": "jax.nn.softmax",
    "log_softmax": "jax.nn.log_softmax",
    "logsumexp": "jax.scipy.special.logsumexp",
}
# an index written as a list becomes an array: JAX takes no list as an index
_V2 = families.merged("JAX")
NN.update({op: name for op, name in _V2.items() if isinstance(name, str)})
SPELL: dict[str, Spell] = numpy_like("jnp", NN, lambda entries: call("jnp.array", entries))
SPELL.update({op: spell for op, spell in _V2.items() if not isinstance(spell, str)})
SKIP = families.skips("jax")


def program_problem(eqns: Iterable[Eqn]) -> str | None:
    return families.program_problem("jax", eqns, SPELL, SKIP)


# ---- optax, as the contract maps torch.optim's hyperparameters --------------------------------


def _decayed(h: dict[str, Any], rule: Node) -> Node:
    """torch's coupled weight decay: the decayed weights added to the gradient first."""
    if not h["weight_decay"]:
        return rule
    return call("optax.chain", call("optax.add_decayed_weights", h["weight_decay"]), rule)


def _sgd(h: dict[str, Any]) -> Node:
    rule = call("optax.sgd", h["lr"], momentum=h["momentum"] or None, nesterov=h["nesterov"])
    return _decayed(h, rule)


def _adam(h: dict[str, Any]) -> Node:
    (b1, b2), fn = h["betas"], "optax.amsgrad" if h["amsgrad"] else "optax.adam"
    return _decayed(h, call(fn, h["lr"], b1=b1, b2=b2, eps=h["eps"]))


def _adamw(h: dict[str, Any]) -> Node:
    (b1, b2), wd = h["betas"], h["weight_decay"]
    if not h["amsgrad"]:
        return call("optax.adamw", h["lr"], b1=b1, b2=b2, eps=h["eps"], weight_decay=wd)
    # optax.adamw's own chain, its first link swapped as optax.amsgrad swaps optax.adam's
    return call(
        "optax.chain",
        call("optax.scale_by_amsgrad", b1=b1, b2=b2, eps=h["eps"]),
        call("optax.add_decayed_weights", wd),
        call("optax.scale_by_learning_rate", h["lr"]),
    )


def _rmsprop(h: dict[str, Any]) -> Node:
    momentum = h["momentum"] or None
    return call(
        "optax.rmsprop",
        h["lr"],
        decay=h["alpha"],
        eps=h["eps"],
        centered=h["centered"],
        momentum=momentum,
    )


def _adagrad(h: dict[str, Any]) -> Node:
    init = h["initial_accumulator_value"]
    return call("optax.adagrad", h["lr"], initial_accumulator_value=init, eps=h["eps"])


OPTIMIZERS: dict[str, Callable[[dict[str, Any]], Node]] = {
    "sgd": _sgd,
    "adam": _adam,
    "adamw": _adamw,
    "rmsprop": _rmsprop,
    "adagrad": _adagrad,
}


def unsupported(name: str, h: dict[str, Any]) -> str | None:
    """Why optax cannot run this optimizer as the contract asks (the case then skips)."""
    if name == "sgd" and h["dampening"] != 0:
        return "optax.sgd has no dampening: its momentum trace adds the whole gradient"
    return None


# ---- the reduction of the cost: what `reduce` differentiates ---------------------------------

REDUCE: dict[str, Callable[[Node], Node]] = {
    "sum": lambda cost: call("jnp.sum", cost),
    "mean": lambda cost: call("jnp.mean", cost),
    "none": lambda cost: cost,  # a scalar already (the loader checked)
    "native": lambda cost: cost,  # as it is: jax.grad refuses a non-scalar itself
}
