"""PyTorch's spelling of every op, of the optimizers and of the reduce modes: one table the
torch backend runs and `gradcheck repro --backend torch` prints. The entries live by family
(torch_elementwise, torch_shape; the v2 functions in torch_special, torch_nn, torch_stats,
torch_decompositions, torch_arrange), on the helpers of torch_base, whose docstring says how
NumPy's semantics are written out in torch."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..ir import Eqn
from ..ops import OPS
from . import families
from .site import Site
from .torch_base import Arg, At, Entry, Spell, _floating
from .torch_elementwise import (
    _arg,
    _arith,
    _clip,
    _compare,
    _cumsum,
    _function,
    _logsumexp,
    _norm,
    _on_bools,
    _prod,
    _reduction,
    _relu,
    _softmax,
    _unary,
    _where,
)
from .torch_shape import (
    _dot,
    _expand_dims,
    _flip,
    _getitem,
    _joined,
    _matmul,
    _outer,
    _reshape,
    _squeeze,
    _transpose,
)
from .tree import Input, Node, Unary, call, method

# ---- the table --------------------------------------------------------------------------

ENTRIES: dict[str, Entry] = {
    "add": _arith("+"),
    "subtract": _arith("-"),
    "multiply": _arith("*"),
    "divide": _arith("/"),
    "power": _on_bools(_arith("**")),
    "arctan2": _function("torch.atan2"),
    "maximum": _function("torch.maximum"),
    "minimum": _function("torch.minimum"),
    "less": _compare("<"),
    "less_equal": _compare("<="),
    "greater": _compare(">"),
    "greater_equal": _compare(">="),
    "equal": _compare("=="),
    "not_equal": _compare("!="),
    "negative": lambda at, args: Unary("-", args[0].node),
    "exp": _unary("torch.exp"),
    "log": _unary("torch.log"),
    "log1p": _unary("torch.log1p"),
    "expm1": _unary("torch.expm1"),
    "sqrt": _unary("torch.sqrt"),
    "square": _unary("torch.square"),
    "abs": _on_bools(_unary("torch.abs")),
    "sign": _unary("torch.sgn"),  # sign on real numbers, z / |z| on complex (torch.sign refuses)
    "sin": _unary("torch.sin"),
    "cos": _unary("torch.cos"),
    "tan": _unary("torch.tan"),
    "arcsin": _unary("torch.asin"),
    "arccos": _unary("torch.acos"),
    "arctan": _unary("torch.atan"),
    "sinh": _unary("torch.sinh"),
    "cosh": _unary("torch.cosh"),
    "tanh": _unary("torch.tanh"),
    "sigmoid": _unary("torch.sigmoid"),
    "relu": _relu,
    "softplus": lambda at, args: call("torch.nn.functional.softplus", _floating(args[0], at)),
    "where": _where,
    "clip": _on_bools(_clip),
    "sum": _reduction("torch.sum"),
    "mean": _reduction("torch.mean", floats=True),
    "prod": _prod,
    "max": _reduction("torch.amax"),
    "min": _reduction("torch.amin"),
    "argmax": _arg("torch.argmax"),
    "argmin": _arg("torch.argmin"),
    "logsumexp": _logsumexp,
    "norm": _norm,
    "softmax": _softmax("torch.softmax", log=False),
    "log_softmax": _softmax("torch.log_softmax", log=True),
    "cumsum": _cumsum,
    "matmul": _on_bools(_matmul),
    "dot": _on_bools(_dot),
    "outer": _outer,
    "transpose": _transpose,
    "reshape": _reshape,
    "expand_dims": _expand_dims,
    "squeeze": _squeeze,
    "flip": _flip,
    "concatenate": _joined("torch.cat"),
    "stack": _joined("torch.stack"),
    "getitem": _getitem,
}


def spelled(entry: Entry) -> Spell:
    """An entry as a spelling of a Site: its inputs as Args, Input(i) each."""

    def spell(site: Site) -> Node:
        args = [
            Arg(Input(i), o.dtype, o.shape, o.literal, None if not o.literal else o.value)
            for i, o in enumerate(site.ins)
        ]
        return entry(At(site.attrs, site.changed(), np.dtype(site.out.dtype), site.dtype), args)

    return spell


ENTRIES.update(families.merged("TORCH"))
SPELL: dict[str, Spell] = {op: spelled(ENTRIES[op]) for op in OPS if op in ENTRIES}
SKIP = families.skips("torch")


def program_problem(eqns: Iterable[Eqn]) -> str | None:
    return families.program_problem("torch", eqns, SPELL, SKIP)


# ---- torch.optim: the class, every hyperparameter of the contract's table passed ----------

CLASSES = {
    "sgd": "torch.optim.SGD",
    "adam": "torch.optim.Adam",
    "adamw": "torch.optim.AdamW",
    "rmsprop": "torch.optim.RMSprop",
    "adagrad": "torch.optim.Adagrad",
}


def _optimizer(name: str) -> Callable[[dict[str, Any]], Node]:
    """The optimizer's tree; Input(0) stands for the list of differentiated params."""
    return lambda h: call(CLASSES[name], Input(0), **h)


OPTIMIZERS: dict[str, Callable[[dict[str, Any]], Node]] = {n: _optimizer(n) for n in CLASSES}


def unsupported(name: str, h: dict[str, Any]) -> str | None:
    """torch.optim runs every optimizer of the contract as it asks."""
    return None


# ---- the reduction of the cost: what `.backward()` differentiates -------------------------

REDUCE: dict[str, Callable[[Node], Node]] = {
    "sum": lambda cost: method(cost, "sum"),
    "mean": lambda cost: method(cost, "mean"),
    "none": lambda cost: cost,  # a scalar already (the loader checked)
    "native": lambda cost: cost,  # as it is: backward() refuses a non-scalar itself
}
