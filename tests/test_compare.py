"""The contract's tolerance rule and the verdicts built on it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gradcheck_cli.case import Tolerance
from gradcheck_cli.compare import agree, compare, judge
from gradcheck_cli.results import Outcome

from .opcases import make_case

NAN, INF = math.nan, math.inf


@pytest.mark.parametrize(
    ("a", "b", "ok"),
    [
        (1.0, 1.0, True),
        (1.0 + 1e-7, 1.0, True),  # within atol 1e-9 + rtol 1e-7 * 1
        (1.0 + 3e-7, 1.0, False),
        (1e-10, 0.0, True),  # atol carries zero
        (NAN, NAN, True),
        (NAN, 1.0, False),
        (1.0, NAN, False),
        (INF, INF, True),
        (-INF, INF, False),
        (INF, 1e308, False),
        (1e308, INF, False),
    ],
)
def test_agree_follows_the_contract(a, b, ok):
    assert bool(agree(np.float64(a), np.float64(b), 1e-7, 1e-9)) is ok


def test_the_rule_is_relative_to_the_reference_side():
    # |a - b| <= atol + rtol * |b|: b is the reference, so the rule is not symmetric
    assert agree(np.float64(0.0), np.float64(1.0), 1.0, 0.0)
    assert not agree(np.float64(1.0), np.float64(0.0), 1.0, 0.0)


def test_compare_reports_the_worst_element_and_the_count():
    m = compare(
        "grad[w]",
        np.array([6.0, 28.001, 3.0]),
        np.array([6.0, 28.0, 3.1]),
        Tolerance(1e-5, 1e-7),
        "torch",
        "fd",
    )
    assert m.index == (2,) and m.actual == 3.0 and m.expected == 3.1
    assert m.note == "2 of 3 elements disagree"
    assert m.bound == pytest.approx(1e-7 + 1e-5 * 3.1)


def test_shapes_are_compared_before_values():
    m = compare("value", np.zeros(2), np.zeros(3), Tolerance(0, 0), "numpy", "expect")
    assert m.quantity == "shape of value" and m.note == "shape [2] vs [3]"


def _case(extra: str):
    return make_case("w * X", {"w": [2.0, 3.0]}, {"X": [-1.0, -2.0]}, extra="reduce: sum\n" + extra)


def test_judge_compares_with_expect_and_the_reference():
    case = _case("expect: {grad: {w: [-1.0, -2.0]}}\n")
    good = Outcome(value=np.array([-2.0, -6.0]), grad={"w": np.array([-1.0, -2.0])})
    bad = Outcome(value=np.array([-2.0, -6.0]), grad={"w": np.array([-1.0, -2.5])})
    results = judge(
        case, {"numpy": good, "fd": good, "torch": bad, "jax": Outcome(skip="not installed")}
    )
    assert results["numpy"].status == "pass" and results["fd"].status == "pass"
    assert results["torch"].status == "fail"
    assert {m.other for m in results["torch"].mismatches} == {"expect", "fd"}
    assert results["jax"].status == "skip" and results["jax"].message == "not installed"


def test_expect_backend_replaces_expect_and_the_reference():
    case = _case("expect_backend: {torch: {raises: 'scalar outputs'}}\n")
    ran = Outcome(value=np.array([-2.0, -6.0]), grad={"w": np.array([-1.0, -2.0])})
    refused = Outcome(error="grad can be implicitly created only for scalar outputs")
    results = judge(case, {"fd": ran, "torch": refused})
    assert results["torch"].status == "pass" and results["torch"].compared == ["expect"]
    results = judge(case, {"fd": ran, "torch": ran})
    assert results["torch"].status == "fail" and "but it ran" in results["torch"].mismatches[0].note


def test_an_error_without_raises_is_an_error_and_nothing_compared_is_a_skip():
    case = _case("")
    results = judge(
        case,
        {
            "numpy": Outcome(error="boom"),
            "torch": Outcome(value=np.zeros(2), grad={"w": np.zeros(2)}),
        },
    )
    assert results["numpy"].status == "error"
    assert results["torch"].status == "skip"  # the reference (fd) did not run, and no expect
