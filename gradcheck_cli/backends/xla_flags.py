"""The XLA passes gradcheck turns off so that jitted JAX gives eager JAX's numbers.

The contract lets a backend compile only where that gives the eager result. Two XLA passes
rewrite across ops and break that (both measured on XLA's CPU client, jax 0.10):

- `algsimp`, the algebraic simplifier: `(x + 1e8) - 1e8` becomes `x` in float32, and the
  NaN gradient of a max becomes 0;
- `fusion`: a fused kernel recomputes the intermediates it reads, and two kernels may
  round the same `w0 + w1 ** 3` differently (one contracts it to a fused multiply-add), so
  the equality mask in min's and max's gradient misses an element and
  `mean(amin(w0 + w1 ** 3, 0))` with a broadcast `w0` gives 0.75 jitted, 1 eagerly.

XLA reads XLA_FLAGS when JAX creates its CPU client, at the first computation, so this
module imports no framework and `apply` runs before JAX does anything.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

DISABLED_PASSES = ("algsimp", "fusion")
_FLAG = "--xla_disable_hlo_passes="


def flags(current: str) -> str:
    """`current` XLA_FLAGS with gradcheck's passes added to any the user disabled."""
    words = current.split()
    passes: list[str] = []
    kept = []
    for word in words:
        if word.startswith(_FLAG):
            passes += [p for p in word[len(_FLAG) :].split(",") if p]
        else:
            kept.append(word)
    passes += [p for p in DISABLED_PASSES if p not in passes]
    return " ".join([*kept, _FLAG + ",".join(passes)])


def apply(environ: MutableMapping[str, str] = os.environ) -> None:
    environ["XLA_FLAGS"] = flags(environ.get("XLA_FLAGS", ""))
