"""Every framework's spelling of the v2 functions of `ops.NN` (their numpy rules are in
backends/np_rules_nn.py): one entry per op and framework, built from shapes and dtypes."""

from __future__ import annotations

from typing import Any

TORCH: dict[str, Any] = {}  # op -> a torch_base Entry: (At, list[Arg]) -> Node
TENSORFLOW: dict[str, Any] = {}  # op -> a tensorflow_base Template: (Site, list[Arg]) -> Node
JAX: dict[str, Any] = {}  # op -> a function's name ("jax.nn.gelu"), or a Spell: Site -> Node
NUMPY: dict[str, Any] = {}  # the same, for the numpy repro script (default: np.<op>)
# framework -> op -> (Eqn -> the reason it cannot be expressed there, or None)
SKIP: dict[str, dict[str, Any]] = {}
