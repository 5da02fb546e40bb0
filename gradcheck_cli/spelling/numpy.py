"""NumPy's own spelling of every op, for the numpy repro script (`gradcheck repro --backend
numpy`): NumPy's functions under `np`, and the jax.nn-style functions NumPy lacks by name,
each defined in the script (`repro/numpy_code.py`) as the numpy engine computes it."""

from __future__ import annotations

from .numpy_like import Spell, numpy_like
from .tree import node

HELPERS = ("sigmoid", "relu", "softplus", "softmax", "log_softmax", "logsumexp")
SPELL: dict[str, Spell] = numpy_like("np", {op: op for op in HELPERS}, node)
