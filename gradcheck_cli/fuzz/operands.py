"""The operands of a form: float arrays by shape, integer and boolean arrays with fixed values.

Python literals (ints, floats, True, None) are operands too, written as themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Arr:
    """An array operand: float, drawn from the op's domain, or int/bool with fixed values."""

    shape: tuple[int, ...]
    dtype: str = "float"
    data: Any = None  # int and bool: the values, as nested lists (a scalar when 0-d)
    # float matrices (stacks of them): "" any values; "square" well-conditioned; "spd"
    # symmetric positive definite; "distinct" well-separated singular values (tall or wide)
    structure: str = ""

    @property
    def array(self) -> np.ndarray:
        return np.asarray(self.data, dtype={"int": np.int64, "bool": np.bool_}[self.dtype])


def fixed(shape: tuple[int, ...], dtype: str, values: Iterable[Any]) -> Arr:
    """An int or bool array of `shape`, the values repeated to fill it."""
    data = np.resize(np.asarray(list(values)), shape)
    return Arr(tuple(shape), dtype, data.tolist() if data.ndim else data.item())
