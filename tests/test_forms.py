"""The op forms of `gradcheck_cli/fuzz/forms.py` themselves: every op has them, they are
what NumPy takes (and only that), a form's case means what the form says, the values stay
away from kinks, and a new op of a known kind gets forms from its entry alone.
"""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck_cli.fuzz import conditioning, draw
from gradcheck_cli.fuzz.cases import case_text, seed_of
from gradcheck_cli.fuzz.forms import all_forms, forms, forms_of
from gradcheck_cli.load import load_text
from gradcheck_cli.ops import OPS, Op

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _ids(op: str) -> set[str]:
    return {f.id for f in forms(op)}


def test_every_op_has_forms_and_each_kind_its_shapes():
    assert [op for op in OPS if not forms(op)] == []
    for op, spec in OPS.items():
        if spec.kind == "elementwise" and len(spec.arrays) == 1:
            assert {f.args[0].shape for f in forms(op)} == {(), (3,), (2, 3), (2, 3, 2)}, op


@pytest.mark.parametrize(
    "op,form",
    [
        ("add", "x1 + x2 | x1[], x2[2, 3]"),
        ("add", "x1 + x2 | x1[2, 1], x2[1, 3]"),
        ("add", "2 + x2 | x2[3]"),
        ("subtract", "x1 - -1.5 | x1[2, 3]"),
        ("less", "x1 < x2 | x1[3], x2[2, 3]"),
        ("sum", "sum(a, axis=0) | a[]"),
        ("sum", "sum(a, axis=-1, keepdims=True) | a[]"),
        ("sum", "sum(a, axis=()) | a[2, 3]"),
        ("max", "a.max(axis=(0, -1)) | a[2, 3]"),
        ("max", "amax(a, axis=1) | a[2, 3]"),
        ("norm", "norm(x, ord='nuc', axis=(-1, 0), keepdims=True) | x[2, 3, 2]"),
        ("norm", "norm(x, ord=-inf) | x[3]"),
        ("dot", "dot(a, b) | a[], b[2, 3]"),
        ("outer", "outer(a, b) | a[], b[3]"),
        ("matmul", "x1 @ x2 | x1[2, 1, 2, 3], x2[2, 3, 2]"),
        ("reshape", "reshape(a, (-1, 3, 1)) | a[2, 3]"),
        ("transpose", "a.T | a[2, 3, 2]"),
        ("expand_dims", "expand_dims(a, (0, -1)) | a[3]"),
        ("squeeze", "squeeze(a) | a[1, 3, 1]"),
        ("concatenate", "concatenate([a0, a1], axis=None) | a0[2, 2], a1[3]"),
        ("stack", "stack([a0, a1, a2], axis=-1) | a0[2, 3], a1[2, 3], a2[2, 3]"),
        ("where", "where(condition, x, y) | condition[2, 1] bool, x[], y[2, 3]"),
        ("clip", "clip(a, None, 0.5) | a[2, 3]"),
        ("clip", "clip(a, a_min, a_max) | a[], a_min[3], a_max[3]"),
        ("getitem", "x[i1, i2] | x[3, 4], i1[2, 2] int, i2[2] int"),
        ("getitem", "x[0, :, [1, 0]] | x[2, 3, 4]"),
    ],
)
def test_a_form_the_brief_lists_is_there(op, form):
    assert form in _ids(op)


@pytest.mark.parametrize(
    "op,refused",
    [
        ("mean", "mean(a, axis=0) | a[]"),  # the one reduction NumPy refuses on a 0-d array
        ("argmax", "argmax(a, axis=(0, -1)) | a[2, 3]"),  # one axis only
        ("norm", "norm(x, ord='fro') | x[3]"),  # a matrix norm of a vector
        ("norm", "norm(x, ord=1) | x[2, 3, 2]"),  # an ord needs 1 or 2 axes
        ("matmul", "x1 @ x2 | x1[], x2[3]"),  # matmul takes no scalar
        ("squeeze", "squeeze(a, axis=0) | a[3, 1]"),  # not a size-1 axis
        ("stack", "stack([a0, a1]) | a0[2, 3], a1[1, 3]"),
        ("getitem", "x[[True, False, True]] | x[4]"),  # a mask of the wrong length
    ],
)
def test_what_numpy_refuses_is_no_form(op, refused):
    assert refused not in _ids(op)


def _tupled(value):
    return tuple(_tupled(v) for v in value) if isinstance(value, (list, tuple)) else value


def test_every_forms_case_loads_and_means_the_form():
    for i, form in enumerate(all_forms()):
        (case,) = load_text(case_text(form, f"f{i}"), form.id)
        eqn = next(e for e in case.program.eqns if e.op == form.op)
        for key, value in form.attrs:
            value = _tupled(value)  # the parser reads a list as a tuple, at every depth
            assert eqn.attrs[key] == value or (key == "shape" and eqn.attrs[key] == (value,)), (
                form.id
            )


def test_the_values_of_every_form_keep_away_from_its_kinks():
    close = []
    for form in all_forms():
        inputs = draw.values(form, np.random.default_rng(seed_of("values", form.id)))
        if conditioning.distance(form.op, inputs, form.attr_dict) < draw.MARGIN:
            close.append(form.id)
    assert close == []


def test_kinks_mode_draws_zeros_and_ties():
    (form,) = [f for f in forms("max") if f.id == "max(a) | a[2, 3, 2]"]
    values = draw.values(form, np.random.default_rng(0), kinks=True)[0]
    assert np.any(values == 0) and len(np.unique(values)) < values.size
    assert conditioning.distance("max", [values], {}) == 0


@pytest.mark.parametrize(
    "op,inputs,attrs,expected",
    [
        ("abs", [np.array([0.5, -0.01])], {}, 0.01),
        ("maximum", [np.array([1.0, 2.0]), np.array(1.9)], {}, 0.1),
        ("max", [np.array([[1.0, 1.3], [2.0, 2.05]])], {"axis": 1}, 0.05),
        ("max", [np.array([[1.0, 1.3], [2.0, 2.05]])], {"axis": 0}, 0.75),
        ("clip", [np.array([0.0, 0.9]), -0.5, 1.0], {}, 0.1),
        ("norm", [np.array([3.0, -2.9])], {"ord": float("inf")}, 0.1),
        ("sqrt", [np.array([0.25, 4.0])], {}, 0.25),
        ("tanh", [np.array([0.0])], {}, float("inf")),
    ],
)
def test_distance_is_to_the_nearest_kink_tie_or_edge(op, inputs, attrs, expected):
    assert conditioning.distance(op, inputs, attrs) == pytest.approx(expected)


def test_a_new_op_of_a_known_kind_gets_forms_from_its_entry(monkeypatch):
    new = {
        "hypot": Op("hypot", ("x1", "x2")),
        "nanmax": Op("nanmax", ("a",), (("axis", None), ("keepdims", False)), kind="reduction"),
    }
    for name, spec in new.items():
        monkeypatch.setitem(OPS, name, spec)
    binary = {f.id for f in forms_of(new["hypot"])}
    assert "hypot(x1, x2) | x1[2, 1], x2[1, 3]" in binary and len(binary) == len(forms("add"))
    reduction = {f.id.replace("nanmax", "sum") for f in forms_of(new["nanmax"])}
    assert reduction == _ids("sum") - {f.id for f in forms("sum") if f.spelling}
