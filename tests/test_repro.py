"""`gradcheck repro`: the generated scripts, run by a real interpreter, give what the
backends give; they import only their framework; every op has a template everywhere."""

from __future__ import annotations

import ast
import importlib.util
import math
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from gradcheck_cli import backends, repro
from gradcheck_cli.commands.repro import repro as repro_command
from gradcheck_cli.compare import agree
from gradcheck_cli.load import load_file
from gradcheck_cli.ops import OPS
from gradcheck_cli.repro.expr import nested, number, py
from tests.opcases import OPCASES, make_case

ROOT = Path(__file__).parents[1]
SEED = ROOT / "cases" / "founding" / "seed-sliced-cost.yaml"
FRAMEWORKS = ("torch", "jax", "tensorflow", "numpy")
# What each script may import: its framework (and numpy for generated arrays).
IMPORTS = {
    "torch": {"torch", "numpy"},
    "jax": {"jax", "jax.numpy", "jax.scipy.special", "optax", "numpy"},
    "tensorflow": {"tensorflow", "numpy"},
    "numpy": {"numpy"},
}
REFUSALS = {
    "torch": "grad can be implicitly created only for scalar outputs",
    "jax": "Gradient only defined for scalar-output functions",
}
# The op cases whose scripts are run: every kind of op, indexing of each kind.
SAMPLE = (
    "add-broadcast power compare-where clip sum-mean-axes prod max-min argmax-gather "
    "logsumexp norm-vector softmax cumsum matmul dot-outer shape-ops concatenate-stack "
    "index-basic index-gather-repeat index-mask nn"
).split()


def _need(framework: str) -> None:
    if framework != "numpy":
        pytest.importorskip(framework)


def _script(path: Path, framework: str, *name: str) -> str:
    result = CliRunner().invoke(repro_command, [str(path), *name, "--backend", framework])
    assert result.exit_code == 0, result.output
    return result.output


def _printed(stdout: str) -> dict[str, np.ndarray]:
    """`value: [...]`, `grad w: [...]`, `params w: [...]`, `costs: [...]` as arrays."""
    names = {"__builtins__": {}, "nan": math.nan, "inf": math.inf}
    found = {}
    for line in stdout.splitlines():
        match = re.match(r"^(value|grad \w+|params \w+|costs): (.*)$", line)
        if match:  # a list of numbers, nan and inf as Python prints them
            found[match.group(1)] = np.array(eval(match.group(2), names), float)  # noqa: S307
    return found


def _run(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, cwd=path.parent, timeout=300
    )


# Many scripts in one interpreter (each run as a whole module by runpy), so a framework is
# imported once; each script's output follows a marker line.
_DRIVER = """
import runpy, sys
for path in sys.argv[1:]:
    print("=== " + path, flush=True)
    try:
        runpy.run_path(path, run_name="__main__")
    except Exception as exc:
        print("!!! " + type(exc).__name__ + ": " + str(exc).replace("\\n", " "))
"""


def _run_all(paths: list[Path]) -> dict[str, str]:
    out = subprocess.run(
        [sys.executable, "-c", _DRIVER, *map(str, paths)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert out.returncode == 0, out.stderr
    parts = re.split(r"^=== (.*)$", out.stdout, flags=re.M)[1:]
    return dict(zip(parts[::2], parts[1::2], strict=True))


# ---- the template tables ------------------------------------------------------------------


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_every_op_has_a_template(framework):
    module = repro.module(framework)
    table = getattr(module, "SPELL", None) or module.TEMPLATES  # the framework's spelling table
    assert sorted(set(OPS) - set(table)) == [], f"{framework}'s repro misses these ops"
    assert sorted(set(table) - set(OPS)) == [], f"{framework}'s repro has ops ops.py lacks"


# ---- the founding example -----------------------------------------------------------------


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_the_founding_example_takes_w_to_minus_4_minus_25(framework, tmp_path):
    _need(framework)
    path = tmp_path / "repro.py"
    path.write_text(_script(SEED, framework))
    out = _run(path)
    assert out.returncode == 0, out.stderr
    printed = _printed(out.stdout)
    assert printed["value"].tolist() == [12.0, 36.0]
    assert np.allclose(printed["grad w"], [6.0, 28.0], rtol=1e-6)
    assert np.allclose(printed["params w"], [-4.0, -25.0], rtol=1e-6)
    assert printed["costs"].tolist() == [48.0]


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_the_founding_example_reads_like_the_original(framework):
    text = _script(SEED, framework)
    program = {
        "torch": ["Y = w * X", "cost = Y[1] * Y", "loss = cost.sum()"],
        "jax": ["Y = w * X", "cost = Y[1] * Y", "return jnp.sum(cost), cost"],
        "tensorflow": ["Y = w * X", "cost = Y[1] * Y", "loss = tf.reduce_sum(cost)"],
        "numpy": ["Y = w * X", "cost = Y[1] * Y", "return np.sum(compute(arrays))"],
    }[framework]
    lines = [line.strip() for line in text.splitlines()]
    for expected in program:
        assert any(line.startswith(expected) for line in lines), (expected, text)
    optimizer = {
        "torch": "torch.optim.SGD(",
        "jax": "optax.sgd(1.0, momentum=None, nesterov=False)",
        "tensorflow": "tf.keras.optimizers.SGD(",
        "numpy": "def sgd(",
    }[framework]
    assert optimizer in text


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_script_imports_only_its_framework(framework):
    for path in (SEED, ROOT / "cases" / "basics" / "generated.yaml"):
        for case in load_file(path):
            text = repro.script(case, framework, repro.generated_specs(path, case.name, case))
            imported = set()
            for node in ast.walk(ast.parse(text)):
                if isinstance(node, ast.Import):
                    imported |= {alias.name for alias in node.names}
                elif isinstance(node, ast.ImportFrom):
                    imported.add(node.module)
            assert imported <= IMPORTS[framework], (case.name, imported)
            assert "gradcheck_cli" not in text


NATIVE = SEED.read_text().replace("reduce: sum", "reduce: native")


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_reduce_native_gives_each_framework_its_own_rule(framework, tmp_path):
    """TensorFlow's tape sums a non-scalar cost (numpy sums, as gradcheck's numpy and fd
    do); torch's backward and jax.grad refuse it, and the script shows their refusal."""
    _need(framework)
    case_file = tmp_path / "native.yaml"
    case_file.write_text(NATIVE)
    path = tmp_path / "repro.py"
    path.write_text(_script(case_file, framework))
    out = _run(path)
    if framework in REFUSALS:
        assert out.returncode != 0
        assert REFUSALS[framework] in out.stderr
        return
    assert out.returncode == 0, out.stderr
    printed = _printed(out.stdout)
    assert np.allclose(printed["params w"], [-4.0, -25.0], rtol=1e-6)
    assert printed["costs"].tolist() == [48.0]


# ---- op cases and optimizers: the script gives what the backend gives ----------------------


def _reference(framework: str, case) -> tuple:
    """What the script is checked against: the framework's backend; for numpy, gradcheck's
    central differences (grads) and its numpy engine (value, params, costs)."""
    if framework != "numpy":
        outcome = backends.run(framework, case)
        return outcome, outcome, case.tolerance_for(framework, "expect")
    fd = backends.run("fd", case, {"fd_method": "central"})
    return fd, backends.run("numpy", case), case.tolerance_for("fd", "expect")


def _check(framework: str, case, stdout: str) -> None:
    assert "!!!" not in stdout, stdout
    printed = _printed(stdout)
    grads, rest, tol = _reference(framework, case)
    quantities = [("value", rest.value)]
    quantities += [(f"grad {k}", v) for k, v in grads.grad.items()]
    if case.optimizer is not None:
        quantities += [(f"params {k}", rest.params[k]) for k in case.wrt]
        quantities.append(("costs", rest.costs))
    for quantity, expected in quantities:
        got = printed[quantity]
        assert got.shape == np.shape(expected), (case.name, quantity)
        ok = agree(got, expected, tol.rtol, tol.atol)
        assert ok.all(), (case.name, quantity, got.tolist(), np.asarray(expected).tolist())


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_op_case_scripts_give_the_backends_values_and_gradients(framework, tmp_path):
    _need(framework)
    cases = {
        ident: make_case(cost, params, inputs)
        for ident, _, cost, params, inputs in OPCASES
        if ident in SAMPLE
    }
    assert sorted(cases) == sorted(SAMPLE)
    paths = {}
    for ident, case in cases.items():
        paths[ident] = tmp_path / f"{ident}.py"
        paths[ident].write_text(repro.script(case, framework))
    outputs = _run_all(list(paths.values()))
    for ident, case in cases.items():
        _check(framework, case, outputs[str(paths[ident])])


OPTIMIZER_FILES = [ROOT / "cases" / "optimizers" / f for f in ("sgd.yaml", "adaptive.yaml")]


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_optimizer_scripts_step_as_the_backends_do(framework, tmp_path):
    """Every optimizer, with every hyperparameter explicit, over several steps."""
    _need(framework)
    runnable, paths = [], []
    for case in [c for f in OPTIMIZER_FILES for c in load_file(f)]:
        try:
            text = repro.script(case, framework)
        except Exception as exc:  # dampening: optax and Keras have none, as the backends say
            assert "dampening" in str(exc) and framework in ("jax", "tensorflow")
            continue
        runnable.append(case)
        paths.append(tmp_path / f"{case.name}.py")
        paths[-1].write_text(text)
    assert len(runnable) >= 9
    outputs = _run_all(paths)
    for case, path in zip(runnable, paths, strict=True):
        _check(framework, case, outputs[str(path)])


# ---- arrays, names, edge cases ------------------------------------------------------------


def test_a_large_generated_array_is_its_numpy_random_call(tmp_path):
    pytest.importorskip("torch")
    case_file = tmp_path / "gen.yaml"
    case_file.write_text(
        "name: gen\ndtype: float32\nparams:\n  W: {shape: [6, 7], init: normal, seed: 3, scale: 0.5}\n"
        "  b: {shape: [6], init: uniform, seed: 1}\ninputs:\n  v: {shape: [7], init: arange}\n"
        "cost: tanh(W @ v + b)\nreduce: sum\n"
    )
    text = _script(case_file, "torch")
    assert "np.random.default_rng(3).normal(0.0, 0.5, size=(6, 7))" in text
    assert "import numpy as np" in text
    assert "b = torch.tensor([" in text  # six numbers: written out
    path = tmp_path / "repro.py"
    path.write_text(text)
    out = _run(path)
    assert out.returncode == 0, out.stderr
    (case,) = load_file(case_file)
    _check("torch", case, out.stdout)


def test_user_names_that_clash_with_the_scripts_own_get_an_underscore(tmp_path):
    pytest.importorskip("torch")
    case_file = tmp_path / "names.yaml"
    case_file.write_text(
        "name: names\nparams: {loss: [1.0, 2.0], step: 3.0}\ninputs: {optimizer: [0.5, 0.25]}\n"
        "program: |\n  costs = loss * step\n  t3 = costs + optimizer\n"
        "cost: sum(t3 * costs) + sum(t3)\noptimizer: {name: sgd, lr: 0.1}\nsteps: 2\n"
    )
    text = _script(case_file, "torch")
    assert "loss_ = torch.tensor" in text and "costs_ = loss_ * step_" in text
    path = tmp_path / "repro.py"
    path.write_text(text)
    out = _run(path)
    assert out.returncode == 0, out.stderr
    (case,) = load_file(case_file)
    _check("torch", case, out.stdout)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_wrt_a_param_the_cost_does_not_reach(framework, tmp_path):
    """A held param is a constant; a differentiated one the cost never reaches gets zeros."""
    _need(framework)
    case_file = tmp_path / "wrt.yaml"
    case_file.write_text(
        "name: wrt\ndtype: float32\nparams: {w: [1.0, 2.0], b: 0.5, unused: [3.0]}\n"
        "wrt: [w, unused]\ncost: sum(w * w * b)\noptimizer: {name: adam, lr: 0.1}\nsteps: 3\n"
    )
    path = tmp_path / "repro.py"
    path.write_text(_script(case_file, framework))
    out = _run(path)
    assert out.returncode == 0, out.stderr
    printed = _printed(out.stdout)
    assert printed["grad unused"].tolist() == [0.0]
    (case,) = load_file(case_file)
    _check(framework, case, out.stdout)


def test_literals_read_back_to_the_same_numbers():
    x32 = np.array([0.1, 1 / 3, 1e-40, -2.5e38], np.float32)
    assert [float(np.float32(float(number(v, x32.dtype)))) for v in x32] == x32.tolist()
    assert number(np.float32(0.1), np.dtype("float32")) == "0.1"
    x64 = np.array([0.1, 1 / 3, 5e-324, -1.7976931348623157e308])
    assert [float(number(v, x64.dtype)) for v in x64] == x64.tolist()
    special = np.array([[np.nan, np.inf], [-np.inf, 0.0]])
    back = np.array(eval(nested(special)))  # noqa: S307
    assert np.array_equal(back, special, equal_nan=True)
    assert py(math.inf) == 'float("inf")' and py((1,)) == "(1,)"
    long = nested(np.arange(100.0))
    assert max(len(line) for line in long.splitlines()) <= 100
    assert np.array_equal(np.array(eval(long)), np.arange(100.0))  # noqa: S307


# ---- the command --------------------------------------------------------------------------


def _fails(args: list[str]) -> str:
    result = CliRunner().invoke(repro_command, args)
    assert result.exit_code == 2, result.output
    return result.output


def test_a_file_of_several_cases_needs_a_name():
    path = ROOT / "cases" / "basics" / "generated.yaml"
    message = _fails([str(path), "--backend", "torch"])
    assert "holds 2 cases (basics-generated-normal, basics-generated-inits)" in message
    assert "did you mean 'basics-generated-normal'" in _fails(
        [str(path), "basics-generated-nromal", "--backend", "torch"]
    )
    assert _script(path, "torch", "basics-generated-inits").startswith("# basics-generated-inits")


def test_what_a_framework_cannot_express_is_refused_with_the_backends_reason():
    path = ROOT / "cases" / "optimizers" / "sgd.yaml"
    message = _fails([str(path), "optimizers-sgd-dampening", "--backend", "tensorflow"])
    assert "no tensorflow repro: Keras SGD has no dampening" in message
    message = _fails([str(path), "optimizers-sgd-dampening", "--backend", "jax"])
    assert "optax.sgd has no dampening" in message


def test_bad_calls_are_refused_without_a_traceback(tmp_path):
    assert "no such case file" in _fails([str(tmp_path / "none.yaml"), "--backend", "torch"])
    bad = tmp_path / "bad.yaml"
    bad.write_text('name: bad\nparams: {w: 1.0}\ncost: "lambda x: w"\n')
    assert "bad.yaml:3" in _fails([str(bad), "--backend", "torch"])
    result = CliRunner().invoke(repro_command, [str(SEED), "--backend", "mxnet"])
    assert result.exit_code == 2 and "mxnet" in result.output


def test_output_writes_the_script_to_a_file(tmp_path):
    target = tmp_path / "repro.py"
    result = CliRunner().invoke(
        repro_command, [str(SEED), "--backend", "numpy", "--output", str(target)]
    )
    assert result.exit_code == 0, result.output
    assert target.read_text() == _script(SEED, "numpy")


def test_the_generator_imports_no_framework():
    code = (
        "import sys\n"
        "from gradcheck_cli import repro\n"
        "from gradcheck_cli.load import load_file\n"
        f"(case,) = load_file({str(SEED)!r})\n"
        "for fw in repro.FRAMEWORKS: repro.script(case, fw)\n"
        "print(sorted(m for m in ('torch', 'jax', 'tensorflow', 'optax') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
    assert importlib.util.find_spec("gradcheck_cli.repro.torch_code") is not None


def test_the_command_offers_every_framework_the_generator_has():
    (option,) = [p for p in repro_command.params if p.name == "framework"]
    assert tuple(option.type.choices) == repro.FRAMEWORKS
