"""The case loader: the contract's keys and values, and every problem with its position."""

from __future__ import annotations

import dataclasses
import math
import textwrap
from pathlib import Path

import numpy as np
import pytest

from gradcheck_cli.case import Case
from gradcheck_cli.caseformat import KEYS, REQUIRED, Derived, table
from gradcheck_cli.caseformat.read import READERS
from gradcheck_cli.errors import CaseFileError
from gradcheck_cli.load import load_text
from gradcheck_cli.run import load_all


def load(text: str):
    return load_text(textwrap.dedent(text), "case.yaml")


def problems(text: str) -> list[str]:
    with pytest.raises(CaseFileError) as info:
        load(text)
    return [str(p) for p in info.value.problems]


def test_the_founding_example_loads_with_its_defaults():
    (case,) = load(
        """
        name: seed
        dtype: float32
        params: {w: [2.0, 3.0]}
        inputs: {X: [-1, -2]}
        program: |
          Y = w * X
        cost: Y[1] * Y
        reduce: sum
        optimizer: {name: sgd, lr: 1.0}
        """
    )
    assert case.params["w"].dtype == np.float32 and case.inputs["X"].dtype == np.float32
    assert case.inputs["X"].tolist() == [-1.0, -2.0]  # integers in the text are floats of the dtype
    assert case.steps == 1 and case.wrt == ("w",) and case.reference == "fd"
    assert case.backends == ("numpy", "fd", "torch", "jax", "tensorflow")
    assert case.tolerance_for("numpy", "expect") == case.tolerance_for("torch", "jax")
    assert case.tolerance_for("numpy", "fd").rtol == 1e-4  # float32's own is already looser


def test_yaml_1_2_numbers():
    (case,) = load(
        """
        name: numbers
        params: {w: [1e-8, 1E5, .5, .nan, -.inf, .inf]}
        cost: sum(w)
        """
    )
    w = case.params["w"]
    assert w[:3].tolist() == [1e-8, 1e5, 0.5]
    assert math.isnan(w[3]) and w[4] == -math.inf and w[5] == math.inf


def test_long_form_and_generated_values():
    (case,) = load(
        """
        name: values
        params:
          a: {shape: [3, 4], init: normal, seed: 3}
          b: {shape: [2, 2], init: uniform, low: -1, high: 1}
          c: {shape: [2, 3], init: eye}
        inputs:
          i: {value: [0, 0, 2], dtype: int64}
          m: {value: [true, false], dtype: bool}
          r: {shape: [2, 3], init: arange, dtype: int32}
        cost: sum(a)
        """
    )
    assert np.array_equal(case.params["a"], np.random.default_rng(3).normal(0, 1, size=(3, 4)))
    assert np.array_equal(case.params["b"], np.random.default_rng(0).uniform(-1, 1, size=(2, 2)))
    assert case.params["c"].tolist() == [[1, 0, 0], [0, 1, 0]]
    assert case.inputs["i"].dtype == np.int64 and case.inputs["m"].dtype == np.bool_
    assert (
        case.inputs["r"].tolist() == [[0, 1, 2], [3, 4, 5]] and case.inputs["r"].dtype == np.int32
    )


def test_float32_generated_values_are_drawn_in_float64_then_cast():
    (case,) = load("name: g\ndtype: float32\nparams: {a: {shape: [5], seed: 1}}\ncost: sum(a)\n")
    assert np.array_equal(
        case.params["a"], np.random.default_rng(1).normal(size=5).astype(np.float32)
    )


def test_defaults_are_merged_under_each_case():
    first, second = load(
        """
        defaults:
          dtype: float32
          params: {w: [1.0]}
          tags: [shared]
        cases:
          - name: a
            cost: sum(w)
          - name: b
            tags: [own]
            params: {w: [1.0, 2.0]}
            cost: sum(w * w)
        """
    )
    assert first.dtype == second.dtype == "float32"
    assert first.tags == ("shared",) and second.tags == ("own",)  # a key the case sets wins
    assert second.params["w"].shape == (2,)


def test_every_problem_of_a_file_is_reported_at_once_with_its_position():
    found = problems(
        """
        cases:
          - name: one
            parms: {w: [1.0]}
            params: {w: [1.0, "x"]}
            cost: sum(w)
          - name: two
            params: {w: [1.0]}
            cost: sum(w) + __import__('os').system('true')
            backends: [numpy, pytorch]
            optimizer: {name: sgd, lrr: 1}
        """
    )
    assert found == [
        "case.yaml:4:5: unknown key 'parms' (did you mean 'params'?)",
        "case.yaml:5:23: params.w: the string 'x' at [1] is not a number",
        "case.yaml:9:20: '__import__' is not a function of the case language (its functions: "
        + found[2].split("its functions: ")[1],
        "case.yaml:10:23: backends: 'pytorch' is not allowed here (did you mean 'torch'?)",
        *found[4:],
    ]
    assert any(
        p.startswith("case.yaml:11:28: optimizer: unknown sgd hyperparameter 'lrr'")
        for p in found[4:]
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: a\ncost: sum(w)\n", "case.yaml:1:1: params: missing"),
        ("name: a b\nparams: {w: 1.0}\ncost: w\n", "case.yaml:1:7: name: str 'a b' is not allowed"),
        (
            "name: a\nparams: {w: 1.0}\ncost: w\ndtype: float16\n",
            "case.yaml:4:8: dtype: str 'float16' is not one of float32, float64",
        ),
        (
            "name: a\nparams: {w: 1.0}\ncost: w\nreduce: total\n",
            "case.yaml:4:9: reduce: str 'total' is not one of sum, mean, none, native",
        ),
        (
            "name: a\nparams: {w: 1.0}\ncost: w\nwrt: [v]\n",
            "case.yaml:4:7: wrt: 'v' is not allowed here",
        ),
        (
            "name: a\nparams: {w: 1.0}\ncost: w\nsteps: 3\n",
            "case.yaml:4:8: steps: needs an optimizer",
        ),
        (
            "name: a\nparams: {w: 1.0}\ncost: w\nbackends: [numpy]\nreference: torch\n",
            "case.yaml:5:12: reference: 'torch' is not among this case's backends",
        ),
        (
            "name: a\nparams: {w: {value: [1, 2], dtype: int64}}\ncost: w\n",
            "case.yaml:2:13: params.w: a param must be float, not int64",
        ),
        (
            "name: a\nparams: {w: [[1.0, 2.0], [3.0]]}\ncost: w\n",
            "case.yaml:2:13: params.w: not a rectangular array of numbers (rows of different lengths)",
        ),
        (
            "name: a\nparams: {w: 1.0}\ncost: w\ntolerance: {rtol: -1}\n",
            "case.yaml:4:19: tolerance.rtol: must be a finite number, 0 or more",
        ),
        (
            "name: a\nparams: {w: 1.0}\ncost: w\nexpect: {grad: {w: [1.0, 2.0]}}\n",
            "case.yaml:4:20: expect.grad.w: shape [2] differs from the param's []",
        ),
        (
            "name: a\nparams: {w: 1.0}\ncost: w\nexpect: {value: 1.0, rises: x}\n",
            "case.yaml:4:22: expect: unknown key 'rises' (did you mean 'raises'?)",
        ),
        (
            "name: a\nparams: {w: 1.0}\ncost: w\nexpect_backend: {pytorch: {raises: x}}\n",
            "case.yaml:4:18: expect_backend: unknown backend 'pytorch' (did you mean 'torch'?)",
        ),
        ("name: a\nname: b\n", "case.yaml:2:1: 'name' is given twice (first at line 1)"),
        (
            "name: a\nparams: {w: !!python/object:os.system x}\ncost: w\n",
            "case.yaml:2:13: the YAML tag !!python/object:os.system is not allowed",
        ),
        ("name: [a\n", "case.yaml:1:7: YAML: the bracket opened here is not closed"),
        ("- a\n- b\n", "case.yaml:1:1: a case file holds a mapping"),
        (
            "cases:\n  - name: a\n    params: {w: 1.0}\n    cost: w\nextra: 1\n",
            "case.yaml:5:1: unknown top-level key 'extra'",
        ),
        (
            "name: a\nparams: {w: 1.0, sum: 2.0}\ncost: w\n",
            "case.yaml:2:18: params: 'sum' cannot be a name",
        ),
        (
            "name: a\nparams: {w: 1.0}\ninputs: {w: 2.0}\ncost: w\n",
            "case.yaml:3:10: inputs: 'w' is also a param",
        ),
        (
            "name: a\nparams: {w: {shape: [2], init: gauss}}\ncost: w\n",
            "case.yaml:2:13: params.w: init 'gauss' is not one of",
        ),
        (
            "name: a\nparams: {w: 1.0}\ncost: w\nexpect: {value: 1.0, costs: [1.0]}\n",
            "case.yaml:4:29: expect.costs: needs an optimizer (add optimizer: {name: sgd, lr: 0.1},"
            " or remove expect.costs)",
        ),
        (
            "name: a\nparams: {w: 1.0}\ncost: w\nexpect_backend: {torch: {params: {w: 1.0}}}\n",
            "case.yaml:4:34: expect_backend.torch.params: needs an optimizer",
        ),
    ],
)
def test_a_problem_names_its_position_and_what_to_do(text, expected):
    assert any(p.startswith(expected) for p in problems(text)), problems(text)


def test_case_names_are_unique_across_the_files_of_a_run(tmp_path):
    for stem in ("a", "b"):
        (tmp_path / f"{stem}.yaml").write_text("name: same\nparams: {w: 1.0}\ncost: w\n")
    cases, found = load_all(sorted(tmp_path.glob("*.yaml")))
    assert [c.name for c in cases] == ["same"]
    assert (
        len(found) == 1
        and "is also used at" in found[0].message
        and found[0].position.file.endswith("b.yaml")
    )


def test_shape_mismatch_is_a_positioned_error_before_anything_runs(tmp_path):
    path = tmp_path / "shape.yaml"
    path.write_text(
        "name: s\nparams: {w: [1.0, 2.0]}\ninputs: {X: [1.0, 2.0, 3.0]}\nprogram: |\n  Y = w * X\ncost: sum(Y)\n"
    )
    _, found = load_all([path])
    assert str(found[0]).startswith(f"{path}:5:7: `w * X`: operands could not be broadcast")


@pytest.mark.parametrize(
    ("text", "unwanted"),
    [
        # an invalid reference is not then also said to be missing from backends as 'fd'
        ("name: a\nparams: {w: 1.0}\ncost: w\nbackends: [numpy]\nreference: pytorch\n", "'fd'"),
        # an invalid optimizer is there: what needs one is not refused a second time
        (
            "name: a\nparams: {w: 1.0}\ncost: w\noptimizer: {name: sgd, lrr: 1}\n"
            "expect: {params: {w: 1.0}}\n",
            "needs an optimizer",
        ),
        # a wrt that is no list is not also empty
        ("name: a\nparams: {w: x}\ncost: w\nwrt: 5\n", "wrt: empty"),
    ],
)
def test_one_mistake_is_said_once(text, unwanted):
    found = problems(text)
    assert found and not any(unwanted in p for p in found), found


# --- the loader walks the case format's description -------------------------------------


@pytest.mark.parametrize("key", KEYS, ids=lambda key: key.name)
def test_every_key_of_the_description_is_read_and_named_in_its_problems(key):
    base = {"name": "a", "params": "{w: 1.0}", "cost": "w"}
    text = "".join(f"{k}: {v}\n" for k, v in {**base, key.name: "[[1]]"}.items())
    line = 1 + list({**base, key.name: ""}).index(key.name)
    assert any(p.startswith(f"case.yaml:{line}:") and f" {key.name}: " in p for p in problems(text))


def test_every_kind_of_the_description_has_a_reader():
    kinds = {type(key.kind) for key in KEYS}
    assert kinds <= set(READERS)


def test_the_case_defaults_are_the_descriptions():
    fields = {field.name: field for field in dataclasses.fields(Case)}
    for key in KEYS:
        if key.field is None or key.default is REQUIRED or isinstance(key.default, Derived):
            continue
        field = fields[key.field or key.name]
        made = field.default_factory() if field.default is dataclasses.MISSING else field.default
        assert made == key.default, key.name


def test_the_docs_table_of_keys_is_the_descriptions():
    doc = (Path(__file__).parents[1] / "docs" / "case-format.md").read_text(encoding="utf-8")
    section = doc.split("## The keys\n\n", 1)[1]
    assert section.split("\n\n", 1)[0] == table()
