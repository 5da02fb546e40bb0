"""Arrays in a golden file: `{dtype, shape, data}`, the float bits kept, NaN and the
infinities as strings; (v2) a complex element as its pair [real, imag]."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from .drift import _DTYPES, _SPECIAL


def _number(x: Any, dtype: np.dtype) -> Any:
    if dtype.kind == "c":  # (v2) [real, imag], each as its float dtype writes it
        part = np.dtype(np.float32 if dtype == np.complex64 else np.float64)
        return [_number(np.real(x), part), _number(np.imag(x), part)]
    if dtype.kind == "b":
        return bool(x)
    if dtype.kind in "iu":
        return int(x)
    value = float(x)
    if not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if dtype == np.float32:  # the shortest text that reads back to the same float32
        short = float(str(np.float32(x)))
        return short if np.float32(short) == np.float32(x) else value
    return value  # json writes float64 with repr: it reads back bit for bit


def encode_array(array: Any) -> dict[str, Any]:
    a = np.asarray(array)
    data = np.vectorize(lambda x: _number(x, a.dtype), otypes=[object])(a) if a.size else a
    return {"dtype": a.dtype.name, "shape": list(a.shape), "data": data.tolist()}


def decode_array(entry: Mapping[str, Any]) -> np.ndarray:
    """The array an `encode_array` entry holds; ValueError if it is malformed."""
    if not isinstance(entry, Mapping) or set(entry) != {"dtype", "shape", "data"}:
        raise ValueError("expected {dtype, shape, data}")
    if entry["dtype"] not in _DTYPES:
        raise ValueError(f"dtype {entry['dtype']!r} is not one of {', '.join(_DTYPES)}")
    shape = entry["shape"]
    if not isinstance(shape, list) or not all(isinstance(n, int) and n >= 0 for n in shape):
        raise ValueError(f"shape {shape!r} is not a list of sizes")
    data = _specials(entry["data"])
    floating = entry["dtype"].startswith(("float", "complex"))
    array = np.array(data, dtype=np.float64 if floating else None)
    if entry["dtype"].startswith("complex"):  # each element [real, imag]
        if array.shape[-1:] != (2,) and array.size:
            raise ValueError("a complex element is [real, imag]")
        array = array[..., 0] + 1j * array[..., 1] if array.size else array
    if array.size != math.prod(shape):
        raise ValueError(f"{array.size} numbers for shape {shape}")
    return array.astype(entry["dtype"]).reshape(shape)


def _specials(data: Any) -> Any:
    if isinstance(data, list):
        return [_specials(x) for x in data]
    if isinstance(data, str):
        if data not in _SPECIAL:
            raise ValueError(f"{data!r} is not a number (only NaN, Infinity, -Infinity)")
        return _SPECIAL[data]
    if isinstance(data, (int, float)):  # bool is an int too
        return data
    raise ValueError(f"{data!r} is not a number")
