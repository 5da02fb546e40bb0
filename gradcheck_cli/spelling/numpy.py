"""NumPy's own spelling of every op, for the numpy repro script (`gradcheck repro --backend
numpy`): NumPy's functions under `np`, and the jax.nn-style functions NumPy lacks by name,
each defined in the script (`repro/numpy_code.py`) as the numpy engine computes it."""

from __future__ import annotations

from . import families
from .numpy_like import Spell, numpy_like
from .tree import node

HELPERS = ("sigmoid", "relu", "softplus", "softmax", "log_softmax", "logsumexp")
_V2 = families.merged("NUMPY")
_NAMES = {op: op for op in HELPERS} | {op: n for op, n in _V2.items() if isinstance(n, str)}
SPELL: dict[str, Spell] = numpy_like("np", _NAMES, node)
# the ops spelled with scipy.special (erf, xlogy...): a script using one imports it
SCIPY = frozenset(op for op, name in _NAMES.items() if name.startswith("scipy.")) | {
    "gelu"  # its exact form: scipy.special.erf (spelling/nn.py)
}
SPELL.update({op: spell for op, spell in _V2.items() if not isinstance(spell, str)})
