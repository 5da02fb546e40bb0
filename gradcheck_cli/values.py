"""Dtypes, literal arrays and generated arrays, as the contract's "Values" section defines.

Functions here take plain Python data and raise ValueError with a sentence a user can
act on; the case loader attaches the position.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from .document import yaml11_boolean

FLOAT_DTYPES = ("float32", "float64")
COMPLEX_DTYPES = ("complex64", "complex128")  # (v2)
CASE_DTYPES = FLOAT_DTYPES + COMPLEX_DTYPES  # what a case's `dtype` may be
DTYPES = ("float32", "float64", "complex64", "complex128", "int32", "int64", "bool")
COMPLEX_OF = {"float32": "complex64", "float64": "complex128"}  # a {real, imag} literal's dtype
INITS = ("normal", "uniform", "zeros", "ones", "arange", "eye")
GENERATED_KEYS = ("shape", "init", "seed", "loc", "scale", "low", "high", "dtype")


def _check_leaves(data: Any, dtype: str, path: str = "") -> None:
    if isinstance(data, list):
        for i, item in enumerate(data):
            _check_leaves(item, dtype, f"{path}[{i}]")
        return
    where = f" at {path}" if path else ""
    if dtype == "bool" and yaml11_boolean(data):
        raise ValueError(f"{data!r}{where} is a string in YAML 1.2: write true or false")
    if isinstance(data, str):
        raise ValueError(f"the string {data!r}{where} is not a number")
    if dtype == "bool":
        if not isinstance(data, bool):
            raise ValueError(f"{data!r}{where} is not a boolean (dtype bool takes true/false)")
    elif isinstance(data, bool) or not isinstance(data, (int, float)):
        raise ValueError(f"{data!r}{where} is not a number")
    elif dtype.startswith("int") and not isinstance(data, int):
        raise ValueError(f"{data!r}{where} is not an integer (dtype {dtype})")


def literal(data: Any, dtype: str) -> np.ndarray:
    """A number or nested list as an array of `dtype`; ragged lists and strings refused."""
    _check_leaves(data, dtype)
    try:
        array = np.array(data, dtype=np.float64 if dtype in CASE_DTYPES else dtype)
    except ValueError:
        raise ValueError("not a rectangular array of numbers (rows of different lengths)") from None
    except OverflowError:
        raise ValueError(f"a value does not fit in {dtype}") from None
    if dtype.startswith("int") and array.size:
        info = np.iinfo(dtype)
        if array.min() < info.min or array.max() > info.max:
            raise ValueError(f"a value does not fit in {dtype}")
    return array.astype(dtype)


def complex_literal(real: Any, imag: Any, dtype: str) -> np.ndarray:
    """`{real: R, imag: I}`: R and I numbers or nested lists of one shape, as a complex array
    of `dtype` (a float dtype gives its complex counterpart, for expected values)."""
    dtype = COMPLEX_OF.get(dtype, dtype)
    if dtype not in COMPLEX_DTYPES:
        raise ValueError(f"a complex value cannot be {dtype}")
    re, im = literal(real, "float64"), literal(imag, "float64")
    if re.shape != im.shape:
        raise ValueError(f"real has shape {list(re.shape)}, imag {list(im.shape)}: give one shape")
    return np.asarray(re + 1j * im).astype(dtype)


def _shape(value: Any) -> tuple[int, ...]:
    if isinstance(value, int) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value
    ):
        raise ValueError(f"shape {value!r} is not a list of non-negative integers, e.g. [3, 4]")
    return tuple(value)


def _number(spec: Mapping[str, Any], key: str, default: float) -> float:
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{key}: {value!r} is not a number")
    if not math.isfinite(value) or abs(value) > 1e300:
        raise ValueError(f"{key}: {value!r} is not a finite number a generator can draw with")
    return float(value)


def generated(spec: Mapping[str, Any], dtype: str, max_elements: int | None = None) -> np.ndarray:
    """`{shape, init, seed, ...}` drawn in float64 with default_rng(seed), then cast;
    refused (ValueError) before anything is drawn when it has over `max_elements`."""
    shape = _shape(spec.get("shape"))
    size = math.prod(shape)
    if max_elements is not None and size > max_elements:
        raise TooLarge(size, shape)
    init = spec.get("init", "normal")
    seed = spec.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed: {seed!r} is not a non-negative integer")
    rng = np.random.default_rng(seed)
    if init == "normal":
        data = rng.normal(_number(spec, "loc", 0.0), _number(spec, "scale", 1.0), size=shape)
    elif init == "uniform":
        data = rng.uniform(_number(spec, "low", 0.0), _number(spec, "high", 1.0), size=shape)
    elif init in ("zeros", "ones"):
        data = np.full(shape, 0.0 if init == "zeros" else 1.0)
    elif init == "arange":
        data = np.arange(size, dtype=np.float64).reshape(shape)
    elif init == "eye":
        if len(shape) != 2:
            raise ValueError(f"init eye needs a 2-D shape, not {list(shape)}")
        data = np.eye(*shape)
    else:
        raise ValueError(f"init {init!r} is not one of {', '.join(INITS)}")
    return data.astype(dtype)


class TooLarge(ValueError):
    """A generated array over the element limit: its size and shape, for the message."""

    def __init__(self, size: int, shape: tuple[int, ...]):
        self.size, self.shape = size, shape
        super().__init__(f"shape {list(shape)} has {size:.3g} elements")


def is_float(array: np.ndarray) -> bool:
    """Floating or complex: what can be differentiated."""
    return array.dtype.kind in "fc"
