"""The shapes, broadcasting pairs, attribute values and index expressions forms are made of.

Candidates only: some are invalid for some ops on purpose (an axis out of range, a reshape
to the wrong size), and NumPy, asked in `forms.accepted`, removes those.
"""

from __future__ import annotations

import itertools
from typing import Any

from ..ir import ArrayRef
from .operands import Arr, fixed

SHAPES: list[tuple[int, ...]] = [(), (3,), (2, 3), (2, 3, 2)]
SHAPES_FOR = {"squeeze": [(), (1,), (1, 3), (3, 1), (1, 3, 1), (2, 1, 3), (1, 1)]}

# Broadcasting pairs: 0-d with n-d both ways, trailing axes, size-1 axes, 3-d against 2-d.
ARRAY_PAIRS: list[tuple[tuple[int, ...], tuple[int, ...]]] = [
    ((), ()),
    ((), (3,)),
    ((3,), ()),
    ((), (2, 3)),
    ((2, 3), ()),
    ((3,), (3,)),
    ((2, 3), (2, 3)),
    ((2, 3), (3,)),
    ((3,), (2, 3)),
    ((2, 1), (1, 3)),
    ((1, 3), (2, 1)),
    ((2, 3), (1, 3)),
    ((2, 1), (2, 3)),
    ((1,), (3,)),
    ((3,), (1,)),
    ((1, 1), ()),
    ((2, 1, 3), (2, 3)),
    ((2, 3, 2), (3, 1)),
]

# A Python int and a float literal for each domain (the arrays are drawn away from them).
LITERALS = {"real": (2, -1.5), "positive": (2, 0.5), "unit": (1, 0.5), "nonzero": (-2, 1.5)}
INTEGERS = {"real": [2, -1, 1, -2], "positive": [1, 2, 3], "unit": [1, 0], "nonzero": [2, -1, 1]}

LINALG_SHAPES: list[tuple[int, ...]] = [
    (),
    (3,),
    (2, 3),
    (3, 2),
    (2, 2, 3),
    (2, 3, 2),
    (2, 1, 2, 3),
]


def literal_pairs(domain: str) -> list[tuple[Any, ...]]:
    """Python literals on either side, and an integer array as one operand."""
    whole, real = LITERALS.get(domain, LITERALS["real"])
    ints = fixed((3,), "int", INTEGERS.get(domain, INTEGERS["real"]))
    pairs: list[tuple[Any, ...]] = [(Arr((3,)), whole), (Arr((2, 3)), real), (whole, Arr((3,)))]
    pairs += [(real, Arr((2, 3))), (Arr(()), whole), (real, Arr(())), (Arr((2, 3)), ints)]
    return pairs + [(ints, Arr((2, 3)))]


def axis_values(ndim: int, default: Any) -> list[Any]:
    """Axis candidates for an array of `ndim` axes: None, ints (negative ones and one past
    the end too), tuples (empty, repeated, unsorted)."""
    values: list[Any] = [] if default is None else [None]
    values += sorted({0, 1, ndim - 1, ndim, -1, -2, -ndim, -(ndim + 1)})
    tuples = [(), (0,), (-1,), (0, -1), (-1, 0), (1, 0), tuple(range(ndim)), (0, 0), (0, ndim)]
    return values + list(dict.fromkeys(tuples))


def permutations(ndim: int) -> list[Any]:
    """Every order of the axes, also written with negative axes; one invalid repeat."""
    perms = list(itertools.permutations(range(ndim)))
    negative = [tuple(a - ndim for a in p) for p in perms[-2:]]
    return perms + negative + ([(0,) * ndim] if ndim > 1 else [])


def reshape_targets(shape: tuple[int, ...]) -> list[Any]:
    """Shapes of the same size (with -1 standing for one axis), and one of another size."""
    n = 1
    for side in shape:
        n *= side
    out: list[Any] = [n, -1, (n,), (-1,), (1, n), (n, 1), (-1, 1), (1, -1, 1), (n + 1,)]
    for d in range(2, n):
        if n % d == 0:
            out += [(d, n // d), (d, -1), (-1, d, 1)]
    return out + ([()] if n == 1 else [])


def _masks(shape: tuple[int, ...]) -> list[Any]:
    pattern = [True, False, True, True, False]
    return [fixed(shape, "bool", pattern), fixed(shape[:1], "bool", pattern)]


BASIC = [
    (1,),
    (-1,),
    (slice(1, None),),
    (slice(None, None, -1),),
    (slice(None, None, 2),),
    (slice(-3, -1),),
    (slice(1, 10),),
    (slice(3, 1),),
    (None,),
    (Ellipsis,),
    (Ellipsis, 0),
    (None, Ellipsis, -1),
    (1, slice(None)),
    (slice(None), 1),
    (slice(None, None, -2), slice(1, 3)),
    (),
]
LISTS = [
    ((0, 2, 0),),
    ((-1, 0),),
    (slice(None), (1, 0)),
    ((1, 0), slice(None)),
    ((0, 1), (1, 0)),
    (None, (0, 1)),
    (Ellipsis, (0, -1)),
    ((1, 0), None, slice(None)),
    (0, slice(None), (1, 0)),
    ((True, False, True),),
    ((False, True),),
]


def index_forms() -> list[tuple[tuple[int, ...], tuple[Any, ...], tuple[Any, ...]]]:
    """(shape, index, arrays the index reads) for getitem: basic, lists, integer arrays
    (a gather, repeated indices too), boolean masks, and advanced indices apart."""
    out: list[tuple[tuple[int, ...], tuple[Any, ...], tuple[Any, ...]]] = []
    ints = fixed((2, 2), "int", [1, -1, 0, 1])
    for shape in [(), (4,), (3, 4), (2, 3, 4)]:
        out += [(shape, index, ()) for index in BASIC + LISTS]
        out += [(shape, (ArrayRef(1),), (ints,)), (shape, (ArrayRef(1), 1), (ints,))]
        out += [(shape, (1, ArrayRef(1)), (ints,)), (shape, (slice(None), ArrayRef(1)), (ints,))]
        out += [(shape, (ArrayRef(1), ArrayRef(2)), (ints, fixed((2,), "int", [0, -1])))]
        out += [(shape, (ArrayRef(1),), (mask,)) for mask in _masks(shape)]
    return out
