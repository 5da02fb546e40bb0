"""The finite-difference oracle: accuracy, its error estimate, and the directional mode."""

from __future__ import annotations

import numpy as np

from gradcheck_cli import backends
from gradcheck_cli.backends.fd import FdSession

from .opcases import make_case


def test_central_differences_match_the_exact_gradient():
    case = make_case("sum(exp(w) * sin(w))", {"w": [0.3, -1.2, 2.5]}, {})
    out = backends.run("fd", case)
    w = case.params["w"]
    exact = np.exp(w) * (np.sin(w) + np.cos(w))
    np.testing.assert_allclose(out.grad["w"], exact, rtol=1e-8)
    # the error estimate bounds the real error and is small
    assert np.all(np.abs(out.grad["w"] - exact) <= 10 * out.fd.error["w"])
    assert np.all(out.fd.error["w"] < 1e-6)


def test_the_step_scales_with_the_element():
    case = make_case("sum(log(w))", {"w": [1e-3, 1.0, 1e6]}, {})
    out = backends.run("fd", case)
    np.testing.assert_allclose(out.grad["w"], 1 / case.params["w"], rtol=1e-5)


def test_float32_cases_are_differentiated_in_float64():
    case = make_case("sum(w * w)", {"w": [0.1, 0.2]}, {}, dtype="float32")
    out = backends.run("fd", case)
    assert out.grad["w"].dtype == np.float64 and out.value.dtype == np.float64
    np.testing.assert_allclose(out.grad["w"], 2 * case.params["w"].astype(np.float64), rtol=1e-9)


def test_directional_mode_matches_the_projection_of_the_full_gradient():
    case = make_case(
        "sum(w * w * c)", {"w": {"shape": [50], "seed": 1}}, {"c": {"shape": [50], "seed": 2}}
    )
    full = FdSession(case, {"fd_mode": "full"}).evaluate()
    directional = FdSession(case, {"fd_mode": "directional", "fd_directions": 3}).evaluate()
    assert directional.grads is None and len(directional.fd.projections) == 3
    for p in directional.fd.projections:
        assert abs(np.sum(p.direction["w"] ** 2) - 1) < 1e-12  # a unit direction
        projected = float(np.sum(full.grads["w"] * p.direction["w"]))
        assert abs(projected - p.value) <= 1e-6 * max(1.0, abs(projected))


def test_auto_mode_switches_to_directional_above_the_limit():
    case = make_case("sum(w * w)", {"w": {"shape": [5000], "seed": 0}}, {})
    out = backends.run("fd", case)
    assert out.grad is None and out.projections
