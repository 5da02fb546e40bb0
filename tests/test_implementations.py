"""The user's own code under test (`implementations`): opt-in imports, one row per
framework judged like a backend, fd on an implementation's forward when there is no cost,
and every failure of the user's code a row's error, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from gradcheck_cli import isolation
from gradcheck_cli.cli import cli
from gradcheck_cli.errors import CaseFileError
from gradcheck_cli.load import load_text

ROOT = Path(__file__).parents[1]
SHIPPED = ROOT / "cases" / "implementations"

TORCH = """
import torch

class Square(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * {factor} * x

def square(x):
    return Square.apply(x)

def raises(x):
    raise ValueError("my op is not ready")

def numpy_out(x):
    return x.detach().numpy() ** 2

NOT_A_FUNCTION = 3
"""
NUMPY = """
import numpy as np

def square(x):
    return x * x

def square_grad(x):
    return 2 * x

def bad_shape(x):
    return np.zeros(7)
"""
JAX = """
import jax
import jax.numpy as jnp

@jax.custom_vjp
def square(x):
    return x * x

square.defvjp(lambda x: (x * x, x), lambda x, g: (g * 2 * x,))
"""


@pytest.fixture
def lib(tmp_path, monkeypatch):
    """A fresh package of the user's code in the current folder; its name, unique per test
    (a module once imported stays in sys.modules)."""
    name = "userlib_" + uuid.uuid4().hex[:8]
    package = tmp_path / name
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "ops_torch.py").write_text(TORCH.format(factor=2))
    (package / "wrong_torch.py").write_text(TORCH.format(factor=3))
    (package / "ops_np.py").write_text(NUMPY)
    (package / "ops_jax.py").write_text(JAX)
    monkeypatch.chdir(tmp_path)
    yield name
    isolation.shutdown()


def case_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "case.yaml"
    path.write_text(textwrap.dedent(body))
    return path


def invoke(*args: str, env: dict | None = None):
    return CliRunner().invoke(cli, list(args), env=env)


def square_case(lib: str, implementations: str, extra: str = "") -> str:
    return (
        textwrap.dedent(
            """\
        name: sq
        params: {x: [1.0, -2.0, 0.5]}
        cost: square(x)
        reduce: sum
        implementations:
        """
        )
        + textwrap.indent(textwrap.dedent(implementations).format(lib=lib), "  ")
        + extra
    )


# ---- opt-in ---------------------------------------------------------------------------


def test_without_import_nothing_is_imported_and_the_case_is_an_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GRADCHECK_IMPORT", raising=False)
    (tmp_path / "spy.py").write_text(
        "import pathlib\npathlib.Path('imported').write_text('!')\ndef f(x):\n    return x\n"
    )
    path = case_file(
        tmp_path, "name: a\nparams: {x: 1.0}\ncost: x\nimplementations: {numpy: {value: 'spy:f'}}\n"
    )
    result = invoke("run", str(path), "-b", "numpy", "-b", "fd")
    assert result.exit_code == 2, result.output
    assert "--import" in result.output and "GRADCHECK_IMPORT=1" in result.output
    assert f"{path}:4:" in result.output  # at the implementations it names
    assert not (tmp_path / "imported").exists()
    result = invoke("run", str(path), "-b", "numpy", "-b", "fd", env={"GRADCHECK_IMPORT": "1"})
    assert result.exit_code == 0, result.output
    assert (tmp_path / "imported").exists()


# ---- rows judged like backends --------------------------------------------------------


def test_each_implementation_is_a_row_judged_against_the_reference(lib, tmp_path):
    pytest.importorskip("torch")
    pytest.importorskip("jax")
    path = case_file(
        tmp_path,
        square_case(
            lib,
            """\
            torch: {lib}.ops_torch:square
            jax: {lib}.ops_jax:square
            numpy: {{value: '{lib}.ops_np:square', grad: '{lib}.ops_np:square_grad'}}
            """,
            "optimizer: {name: sgd, lr: 0.1, momentum: 0.9}\nsteps: 2\n",
        ),
    )
    result = invoke("run", str(path), "--import", "-v")
    assert result.exit_code == 0, result.output
    assert "[numpy fd torch jax tensorflow impl:torch impl:jax impl:numpy]" in result.output


def test_a_wrong_custom_backward_fails_and_only_its_gradient_is_blamed(lib, tmp_path):
    pytest.importorskip("torch")
    path = case_file(tmp_path, square_case(lib, "torch: {lib}.wrong_torch:square\n"))
    result = invoke("run", str(path), "--import", "-b", "numpy", "-b", "fd", "-b", "torch")
    assert result.exit_code == 1, result.output
    assert "impl:torch:fail" in result.output
    assert (
        "grad x" in result.output
        and "value" not in result.output.split("impl:torch:fail")[1].split("grad x")[0]
    )
    # every gradient is 3x, not 2x: the report shows both
    assert "[3, -6, 1.5]" in result.output and "[2, -4, 1]" in result.output


def test_the_same_wrong_backward_pinned_by_expect_backend_passes(lib, tmp_path):
    pytest.importorskip("torch")
    pin = "expect_backend:\n  impl:torch: {grad: {x: [3.0, -6.0, 1.5]}}\n"
    path = case_file(tmp_path, square_case(lib, "torch: {lib}.wrong_torch:square\n", pin))
    result = invoke("run", str(path), "--import", "-b", "numpy", "-b", "fd", "-b", "torch")
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "reference, expected",
    [
        ("{lib}.nowhere:square", "cannot import {lib}.nowhere"),
        ("{lib}.ops_torch:nothing", "has no 'nothing'"),
        ("{lib}.ops_torch:NOT_A_FUNCTION", "is a int, not a function"),
        ("{lib}.ops_torch:raises", "ValueError: my op is not ready"),
        ("{lib}.ops_torch:numpy_out", "returned ndarray, not a torch tensor"),
    ],
)
def test_a_failing_implementation_is_its_rows_error_and_the_run_goes_on(
    lib, tmp_path, reference, expected
):
    pytest.importorskip("torch")
    path = case_file(tmp_path, square_case(lib, f"torch: {reference}\n"))
    result = invoke("run", str(path), "--import", "-b", "numpy", "-b", "fd", "-b", "torch")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "impl:torch:error" in result.output and "torch " in result.output
    assert expected.format(lib=lib) in result.output


def test_an_expected_raise_of_an_implementation_is_a_pass(lib, tmp_path):
    pytest.importorskip("torch")
    pin = "expect_backend:\n  impl:torch: {raises: not ready}\n"
    path = case_file(tmp_path, square_case(lib, "torch: {lib}.ops_torch:raises\n", pin))
    result = invoke("run", str(path), "--import", "-b", "fd", "-b", "torch")
    assert result.exit_code == 0, result.output


def test_a_hand_derived_gradient_of_the_wrong_shape_is_named(lib, tmp_path):
    impl = "numpy: {{value: '{lib}.ops_np:square', grad: '{lib}.ops_np:bad_shape'}}\n"
    path = case_file(tmp_path, square_case(lib, impl))
    result = invoke("run", str(path), "--import", "-b", "numpy", "-b", "fd")
    assert result.exit_code == 1, result.output
    assert "the gradient of x has shape [7], not [3]" in result.output


def test_a_numpy_implementation_without_grad_has_its_value_compared(lib, tmp_path):
    path = case_file(tmp_path, square_case(lib, "numpy: {{value: '{lib}.ops_np:square'}}\n"))
    result = invoke("run", str(path), "--import", "-b", "numpy", "-b", "fd", "-v")
    assert result.exit_code == 0, result.output
    assert "impl:numpy" in result.output.split("value")[1].split("\n")[0]


# ---- no cost: fd differentiates an implementation --------------------------------------


def test_without_cost_fd_differentiates_the_numpy_implementation_first(lib, tmp_path):
    pytest.importorskip("torch")
    body = square_case(
        lib,
        "torch: {lib}.ops_torch:square\nnumpy: {{value: '{lib}.ops_np:square'}}\n",
    ).replace("cost: square(x)\n", "")
    result = invoke("run", str(case_file(tmp_path, body)), "--import", "-v")
    assert result.exit_code == 0, result.output
    assert "[fd impl:torch impl:numpy]" in result.output
    assert f"fd: differentiates impl:numpy's forward ({lib}.ops_np:square)" in result.output


def test_without_cost_a_wrong_backward_is_caught_against_fd_on_its_own_forward(lib, tmp_path):
    pytest.importorskip("torch")
    body = square_case(lib, "torch: {lib}.wrong_torch:square\n").replace("cost: square(x)\n", "")
    result = invoke("run", str(case_file(tmp_path, body)), "--import", "-v")
    assert result.exit_code == 1, result.output
    assert "differentiates impl:torch's forward" in result.output
    assert "impl:torch:fail" in result.output


def test_without_cost_fd_on_a_failing_implementation_is_an_error_naming_it(lib, tmp_path):
    pytest.importorskip("torch")
    body = square_case(lib, "torch: {lib}.ops_torch:raises\n").replace("cost: square(x)\n", "")
    result = invoke("run", str(case_file(tmp_path, body)), "--import")
    assert result.exit_code == 1, result.output
    assert "fd: error" in result.output and "not ready" in result.output


# ---- the loader -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "given, message",
    [
        ("implementations: {}", "3:18: implementations: empty"),
        (
            "implementations: {torch: softplus}",
            "3:26: implementations.torch: str 'softplus' is not allowed",
        ),
        (
            "implementations: {pytorch: 'a:b'}",
            "3:19: implementations: unknown key 'pytorch' (did you mean 'torch'?)",
        ),
        (
            "implementations: {numpy: 'a:b'}",
            "3:26: implementations.numpy: expected a mapping of value/grad",
        ),
        ("implementations: {numpy: {grad: 'a:b'}}", "implementations.numpy.value: missing"),
        (
            "implementations: {torch: 'a:b'}\nexpect_backend: {impl:jax: {raises: x}}",
            "4:18: expect_backend: the case has no impl:jax (add jax to implementations)",
        ),
    ],
)
def test_a_wrong_implementations_key_is_refused_with_its_position(given, message):
    with pytest.raises(CaseFileError) as err:
        load_text(f"name: a\nparams: {{x: 1.0}}\n{given}\n", "c.yaml")
    assert message in str(err.value)
    assert "cost: missing" not in str(err.value)  # implementations were given


def test_a_case_needs_a_cost_or_implementations():
    with pytest.raises(CaseFileError, match="cost: missing"):
        load_text("name: a\nparams: {x: 1.0}\n", "c.yaml")


def test_a_case_without_cost_loads_with_no_program():
    (case,) = load_text(
        "name: a\nparams: {x: 1.0}\nimplementations: {jax: 'm.n:f'}\n"
        "expect_backend: {impl:jax: {value: 1.0}}\n",
        "c.yaml",
    )
    assert case.program is None and case.implementations["jax"].value == "m.n:f"
    assert set(case.expect_backend) == {"impl:jax"}


# ---- the shipped example, the pytest plugin, the reports -------------------------------


def test_the_shipped_cases_pass_with_every_implementation():
    for module in ("torch", "jax", "tensorflow"):
        pytest.importorskip(module)
    result = invoke("run", str(SHIPPED), "--import", "-v")
    isolation.shutdown()
    assert result.exit_code == 0, result.output
    assert "impl:torch impl:jax impl:tensorflow impl:numpy" in result.output
    assert "softplus-wrong-backward" in result.output
    assert "differentiates impl:torch's forward" in result.output  # the port, no cost


def test_the_json_report_names_the_rows_and_keeps_to_its_schema(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    pytest.importorskip("torch")
    out = tmp_path / "r.json"
    result = invoke(
        "run",
        str(SHIPPED / "softplus.yaml"),
        "--import",
        "-b",
        "numpy",
        "-b",
        "fd",
        "-b",
        "torch",
        "--format",
        "json",
        "-o",
        str(out),
    )
    isolation.shutdown()
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text())
    schema = json.loads((ROOT / "docs" / "report.schema.json").read_text())
    jsonschema.validate(report, schema)
    rows = {
        b["backend"] if isinstance(b, dict) and "backend" in b else b
        for c in report["cases"]
        for b in c["backends"]
    }
    assert "impl:torch" in rows


def test_pytest_gives_each_implementation_an_item_and_refuses_without_the_option(tmp_path):
    pytest.importorskip("torch")
    cases = tmp_path / "cases"
    (cases / "implementations").mkdir(parents=True)
    for item in SHIPPED.glob("*.yaml"):
        (cases / "implementations" / item.name).write_text(item.read_text())
    (cases / "implementations" / "gradlib").symlink_to(SHIPPED / "gradlib")
    env = {**os.environ, "GRADCHECK_IMPORT": ""}
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "no:randomly",
        "-p",
        "no:cacheprovider",
        str(cases / "implementations" / "softplus.yaml"),
        "--gradcheck-backend",
        "fd",
        "--gradcheck-backend",
        "torch",
    ]
    run = subprocess.run(
        [*command, "--gradcheck-import", "-v"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "softplus-four-ways[impl:torch] PASSED" in run.stdout
    assert "softplus-no-cost[impl:torch] PASSED" in run.stdout
    run = subprocess.run(
        command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
    )
    assert run.returncode == 1
    assert "--gradcheck-import" in run.stdout
