"""THE op vocabulary: every primitive a program may contain, once.

An op is a name (NumPy's), its array inputs, its static attributes with their defaults
in NumPy's positional order, which inputs are differentiable, the input domain the
generated tests draw from, and the semantic trap users meet at its kinks. Every backend
keeps one table keyed by these names; `tests/test_architecture.py` names a table that
misses one. The parser maps the contract's spellings (functions, operators, methods, `.T`) here.
"""

from __future__ import annotations

from .op import REQUIRED, Op
from .v1 import V1
from .v2 import ARRANGE, DECOMPOSITIONS, NN, SPECIAL, STATS, V2

__all__ = [
    "ARRANGE", "DECOMPOSITIONS", "FUNCTIONS", "FUNCTION_ALIASES", "INFIX", "METHODS", "NN", "OPS",
    "REQUIRED", "SPECIAL", "STATS", "V1", "V2", "Op",
]  # fmt: skip

OPS: dict[str, Op] = {op.name: op for op in V1 + V2}

# The contract's function names that are other spellings of an op.
FUNCTION_ALIASES = {"amax": "max", "amin": "min", "mod": "remainder"}

# Every function name the contract allows in a call, as the contract lists them.
FUNCTIONS: tuple[str, ...] = (
    tuple(
        """sum mean prod max min amax amin argmax argmin exp log log1p expm1 sqrt square abs sign
    sin cos tan arcsin arccos arctan sinh cosh tanh arctan2 maximum minimum where clip matmul
    dot outer transpose reshape concatenate stack expand_dims squeeze flip cumsum norm
    logsumexp sigmoid relu softplus softmax log_softmax""".split()
    )
    + tuple(op.name for op in V2)
    + tuple(a for a, op in FUNCTION_ALIASES.items() if op in {o.name for o in V2})
)

# The ops a Python operator spells, as explain and the NumPy-named spellings write them.
INFIX = {
    "add": "+",
    "subtract": "-",
    "multiply": "*",
    "divide": "/",
    "power": "**",
    "matmul": "@",
    "less": "<",
    "less_equal": "<=",
    "greater": ">",
    "greater_equal": ">=",
    "equal": "==",
    "not_equal": "!=",
}

# Methods allowed on an array (`x.sum(...)`), as the contract lists them.
METHODS: tuple[str, ...] = ("max", "mean", "min", "prod", "reshape", "sum", "transpose")
