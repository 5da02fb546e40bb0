"""Framework differences that are documented, recognised in what a backend raised.

`gradcheck fuzz` still writes a case for each, but labels it `known` and names where it is
documented, so a run's findings read as new (look at them) or known (pinned already); the
generated op tests (tests/test_generated_ops.py) require these refusals where they apply.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Known:
    backend: str
    texts: tuple[str, ...]  # any of these in the backend's error
    where: str  # where the difference is documented and pinned


_ZERO_D = "docs/semantics.md, an axis of a 0-d array; cases/semantics/zero-d-axis.yaml"
_ARRANGE = "cases/v2/arrange.yaml: arrange-pad-reflect-wide, arrange-split-decreasing"

KNOWN = (
    Known("jax", ("out of bounds for array of dimension 0", "tuple index out of range"), _ZERO_D),
    Known(
        "tensorflow",
        (
            "Invalid reduction dimension",
            "logits must have >= 1 dimension",
            "Expected scan axis in the range [0, 0)",
            "Tried to squeeze dim index",
            "`dim` must be in the range [0, 0)",
            "Expected dimension in the range [0, 0)",
        ),
        _ZERO_D,
    ),
    Known(
        "torch",
        ("derivative for aten::floor_divide is not implemented",),
        "docs/semantics.md, floor_divide and //; cases/v2/special.yaml",
    ),
    Known(
        "tensorflow",
        ("gradient registry has no entry for: TruncateMod",),
        "docs/semantics.md, fmod; cases/v2/special.yaml",
    ),
    # the arrange family (ops.ARRANGE): pad's reflect mode wider than an axis, split at
    # decreasing indices
    Known("torch", ("Padding size should be less than the corresponding input",), _ARRANGE),
    Known("tensorflow", ("paddings must be less than the dimension size",), _ARRANGE),
    Known("jax", ("Sizes passed to split must be nonnegative",), _ARRANGE),
    Known("tensorflow", ("Determined shape must either match input shape along split",), _ARRANGE),
)


def known(backend: str, error: str) -> str:
    """Where the difference `backend` raised is documented; '' when it is not known."""
    for entry in KNOWN:
        if entry.backend == backend and any(text in error for text in entry.texts):
            return entry.where
    return ""
