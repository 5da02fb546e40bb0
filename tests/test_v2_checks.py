"""The v2 keys `checks` and `tangent`, `expect.jvp` / `expect.hvp`, complex dtypes and
literals: what the loader accepts and refuses (with positions), how a run judges them, and
how the reports and golden files carry them. Real runs of real case files (numpy and fd,
which need no framework; the frameworks' own machinery is tests/test_higher_frameworks.py
and tests/test_complex_frameworks.py)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gradcheck_cli import golden
from gradcheck_cli.load import read_text
from gradcheck_cli.report import json_report
from gradcheck_cli.report.text import fmt_number
from gradcheck_cli.run import Options, checked, run, run_case

SCHEMA = Path(__file__).resolve().parents[1] / "docs" / "report.schema.json"
LOCAL = Options(backends=("numpy", "fd"))


def _one(text: str):
    cases, problems = read_text(text, "t.yaml")
    assert not problems, [str(p) for p in problems]
    case, problems = checked(cases[0])
    assert not problems, [str(p) for p in problems]
    return case


def _problems(text: str) -> list[str]:
    cases, problems = read_text(text, "t.yaml")
    for case in cases:
        problems += checked(case)[1]
    return [str(p) for p in problems]


# ---- the loader -------------------------------------------------------------------------


def test_checks_default_to_grad_and_the_tangent_is_seeded_per_param():
    case = _one("name: a\nparams: {x: [1.0, 2.0], y: 3.0, z: [1.0]}\nwrt: [x, z]\ncost: sum(x) * y")
    assert case.checks == ("grad",)
    assert set(case.tangent) == {"x", "z"}  # the differentiated params only
    # the i-th param as listed (x is 0, z is 2): {shape, init: normal, seed: 1000 + i}
    np.testing.assert_array_equal(case.tangent["x"], np.random.default_rng(1000).normal(size=2))
    np.testing.assert_array_equal(case.tangent["z"], np.random.default_rng(1002).normal(size=1))


def test_a_float32_tangent_is_float32():
    case = _one("name: a\ndtype: float32\nparams: {x: [1.0, 2.0]}\ncost: sum(x)\nchecks: [jvp]")
    assert case.tangent["x"].dtype == np.float32


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ("checks: [grad, jacobian]", "t.yaml:4:16: checks: 'jacobian' is not allowed here"),
        ("checks: []", "t.yaml:4:9: checks: empty"),
        ("checks: [jvp]\ntangent: {x: [1.0]}", "t.yaml:5:14: tangent.x: shape [1] differs"),
        ("checks: [jvp]\ntangent: {}", "t.yaml:5:10: tangent: no direction for 'x'"),
        ("checks: [jvp]\ntangent: {q: [1.0, 2.0]}", "t.yaml:5:11: tangent: 'q' is not"),
        ("expect: {hvp: {x: [1.0]}}", "t.yaml:4:19: expect.hvp.x: shape [1] differs"),
    ],
)
def test_what_the_loader_refuses_in_checks_and_tangent(keys: str, expected: str):
    text = f"name: a\nparams: {{x: [1.0, 2.0]}}\ncost: sum(x ** 3)\n{keys}\n"
    found = _problems(text)
    assert any(p.startswith(expected) for p in found), found


def test_complex_literals_and_dtypes():
    case = _one(
        "name: c\ndtype: complex64\nparams: {z: {real: [1.0, 2.0], imag: [0.5, -1]}, w: [1.0, 2.0]}\n"
        "inputs: {k: {value: [1.0], dtype: complex128}}\ncost: sum(abs(z * w)) + real(k[0])\n"
        "expect: {grad: {z: {real: [1, 2], imag: [3, 4]}}}"
    )
    assert case.params["z"].dtype == np.complex64 and case.params["z"][1] == 2 - 1j
    assert case.params["w"].dtype == np.complex64  # a real literal in a complex case
    assert case.inputs["k"].dtype == np.complex128
    assert case.expect.grad["z"].dtype == np.complex128
    np.testing.assert_array_equal(case.expect.grad["z"], [1 + 3j, 2 + 4j])
    scalar = _one("name: s\ndtype: complex128\nparams: {z: {real: 1.0, imag: 2.0}}\ncost: abs(z)")
    assert isinstance(scalar.params["z"], np.ndarray) and scalar.params["z"].shape == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "name: a\nparams: {z: {real: [1.0], imag: [2.0]}}\ncost: sum(abs(z))",
            "t.yaml:2:13: params.z: a complex value in a float64 case (set dtype: complex128",
        ),
        (
            "name: a\ndtype: complex128\nparams: {z: {real: [1.0], imag: [2.0, 3.0]}}\ncost: sum(abs(z))",
            "t.yaml:3:13: params.z: real has shape [1], imag [2]",
        ),
        (
            "name: a\ndtype: complex128\nparams: {z: {real: [1.0]}}\ncost: sum(abs(z))",
            "t.yaml:3:13: params.z: a complex value needs 'imag'",
        ),
        (
            "name: a\ndtype: complex128\nparams: {z: {real: 1.0, imag: 1.0, im: 2}}\ncost: abs(z)",
            "t.yaml:3:36: params.z: unknown key 'im' in a complex value",
        ),
        (
            "name: a\ndtype: complex128\nparams: {z: [1.0, 2.0]}\ncost: sum(z)",
            "t.yaml:4:7: the cost is complex128: the reduced cost must be real (take real(...)",
        ),
        (
            "name: a\ndtype: complex128\nparams: {z: [1.0, 2.0]}\ncost: sum(abs(z))\nchecks: [grad, hvp]",
            "t.yaml:5:9: checks: hvp on complex params is not defined (v2)",
        ),
    ],
)
def test_what_the_loader_refuses_in_complex_cases(text: str, expected: str):
    found = _problems(text)
    assert any(p.startswith(expected) for p in found), found


# ---- judging ------------------------------------------------------------------------------


def test_a_wrong_expected_jvp_or_hvp_fails_and_says_which():
    case = _one(
        "name: a\nparams: {x: [1.0, 2.0]}\ncost: sum(x ** 3)\nchecks: [jvp, hvp]\n"
        "tangent: {x: [1.0, 1.0]}\nexpect: {jvp: 15.0, hvp: {x: [6.0, 13.0]}}"
    )
    result = run_case(case, LOCAL)
    numpy = result.backends["numpy"]
    assert result.status == "fail" and numpy.status == "fail"
    assert [m.quantity for m in numpy.mismatches] == ["hvp[x]"]  # jvp 3 + 12 = 15 is right
    assert numpy.mismatches[0].index == (1,) and numpy.mismatches[0].actual == 12.0


def test_without_grad_in_checks_the_gradient_is_not_compared():
    case = _one(
        "name: a\nparams: {x: [1.0, 2.0]}\ncost: sum(x ** 3)\nchecks: [jvp]\n"
        "expect: {grad: {x: [0.0, 0.0]}}"
    )
    result = run_case(case, LOCAL)
    assert result.status == "pass"  # the wrong expected grad is not what the case checks
    assert result.backends["numpy"].outcome.grad is None


def test_a_complex_gradient_that_differs_in_its_imaginary_part_fails():
    case = _one(
        "name: c\ndtype: complex128\nparams: {z: {real: 1.0, imag: 2.0}}\ncost: abs(z) ** 2\n"
        "expect: {grad: {z: {real: 2.0, imag: -4.0}}}"
    )
    result = run_case(case, LOCAL)
    assert result.backends["numpy"].status == "fail"
    (m,) = result.backends["numpy"].mismatches
    assert m.actual == 2 + 4j and m.expected == 2 - 4j and m.diff == pytest.approx(8.0)


def test_fd_measures_the_real_and_the_imaginary_parts():
    case = _one(
        "name: c\ndtype: complex128\nparams: {z: {real: [1.0, -0.5], imag: [2.0, 0.25]}}\n"
        "cost: sum(real(z * z * conj(z)))"
    )
    result = run_case(case, LOCAL)
    z = case.params["z"]
    # L = sum(|z|^2 Re z) = sum((x^2 + y^2) x): dL/dx = 3x^2 + y^2, dL/dy = 2xy
    exact = 3 * z.real**2 + z.imag**2 + 1j * 2 * z.real * z.imag
    for name in ("numpy", "fd"):
        np.testing.assert_allclose(result.backends[name].outcome.grad["z"], exact, rtol=1e-8)
    assert result.status == "pass"


# ---- reports and golden files ----------------------------------------------------------------

BOTH = """\
cases:
  - name: higher
    params: {x: [1.0, 2.0]}
    cost: x ** 3
    reduce: sum
    checks: [grad, jvp, hvp]
    tangent: {x: [1.0, -1.0]}
  - name: complex
    dtype: complex128
    params: {z: {real: [1.0, 0.5], imag: [2.0, -1.0]}}
    cost: sum(abs(z) ** 2)
"""


@pytest.fixture(scope="module")
def both():
    cases, problems = read_text(BOTH, "both.yaml")
    assert not problems
    return run([checked(c)[0] for c in cases], LOCAL)


def test_the_json_report_carries_jvp_hvp_and_complex_values(both):
    data = json.loads(json_report.render(both))
    higher, complex_ = data["cases"]
    assert higher["backends"]["numpy"]["values"]["jvp"] == [3.0, -12.0]
    assert higher["backends"]["numpy"]["values"]["hvp"] == {"x": [6.0, -12.0]}
    grad = complex_["backends"]["numpy"]["values"]["grad"]["z"]
    assert grad == {"real": [2.0, 1.0], "imag": [4.0, -2.0]}
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text())).validate(data)


def test_golden_files_keep_jvp_hvp_and_complex_values_bit_for_bit(both, tmp_path):
    path = tmp_path / "golden.json"
    golden.write(path, both)
    recorded = json.loads(path.read_text())["cases"]
    assert recorded["complex"]["backends"]["numpy"]["grad"]["z"]["dtype"] == "complex128"
    assert recorded["higher"]["backends"]["fd"]["hvp"]["x"]["shape"] == [2]
    assert golden.against(golden.load(path), both) == []


def test_complex_numbers_print_as_a_user_writes_them():
    assert fmt_number(np.complex128(2 + 4j)) == "2+4i"
    assert fmt_number(np.complex128(2 - 4j)) == "2-4i"
    assert fmt_number(np.complex128(-3j)) == "-3i"
    assert fmt_number(np.complex128(1.5 + 0j)) == "1.5"


def test_explain_writes_the_conjugate_in_a_complex_adjoint(tmp_path):
    from click.testing import CliRunner

    from gradcheck_cli.cli import cli

    path = tmp_path / "c.yaml"
    path.write_text(
        "name: c\ndtype: complex128\nparams: {z: {real: [1.0], imag: [-1.0]}}\n"
        "inputs: {w: {real: [1.0], imag: [1.0]}}\ncost: sum(real(w * z))\n"
    )
    result = CliRunner().invoke(cli, ["explain", str(path), "c"])
    assert result.exit_code == 0, result.output
    # dL/dz = conj(w) = 1-1i: the adjoint line says conj and shows the conjugated number
    assert "df/dn1 * conj(w) = [1] * [1-1i] = [1-1i]" in result.output, result.output
