"""`gradcheck explain`: the walkthrough text (pinned for both founding examples), its
agreement with the engine on every shipped case, --step, --compare, DOT and pictures."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from gradcheck_cli import explain, graph
from gradcheck_cli.backends import np_engine
from gradcheck_cli.collect import collect
from gradcheck_cli.commands.explain import explain_command
from gradcheck_cli.errors import UsageError
from gradcheck_cli.load import load_file
from gradcheck_cli.run import load_all
from tests.opcases import make_case

ROOT = Path(__file__).parents[1]
FOUNDING = ROOT / "cases" / "founding"
CHAIN = FOUNDING / "chain-rule.yaml"
SEED = FOUNDING / "seed-sliced-cost.yaml"
SGD = ROOT / "cases" / "optimizers" / "sgd.yaml"
HAS_DOT = shutil.which("dot") is not None
PICTURED = ("founding", "ops", "indexing", "broadcasting")  # folders drawn through `dot`
NO_DOT = "Graphviz's `dot` is not installed here (CI installs it: apt-get install graphviz)"

CHAIN_TEXT = """\
chain-rule: f(x, y) = x^2 y + y + 2 at (3, 4), the reverse-mode walkthrough
float64, the numpy engine, at the starting params

forward: each node's value, params and inputs first
  x  = 3             param
  y  = 4             param
  n1 = x ** 2 = 9    power
  n2 = n1 * y = 36   multiply
  n3 = n2 + y = 40   add
  f  = n3 + 2 = 42   add, the cost

backward: each node's adjoint df/d(node), from the cost back
  df/df  = 1
  df/dn3 = df/df * ∂f/∂n3 = df/df * 1 = 1 * 1 = 1
  df/dn2 = df/dn3 * ∂n3/∂n2 = df/dn3 * 1 = 1 * 1 = 1
  df/dn1 = df/dn2 * ∂n2/∂n1 = df/dn2 * y = 1 * 4 = 4
  df/dy  = df/dn3 * ∂n3/∂y + df/dn2 * ∂n2/∂y
         = df/dn3 * 1 + df/dn2 * n1
         = 1 * 1 + 1 * 9
         = 1 + 9
         = 10
  df/dx  = df/dn1 * ∂n1/∂x = df/dn1 * 2 * x = 4 * 6 = 24

gradient
  df/dx = 24
  df/dy = 10
"""

SEED_TEXT = """\
seed-sliced-cost: GradientDescentOptimizer(1) on the non-scalar cost Y[1]*Y; TensorFlow sums it
float32, the numpy engine, at the starting params

forward: each node's value, params and inputs first
  w  = [2, 3]              param, shape [2]
  X  = [-1, -2]            input (a constant), shape [2]
  Y  = w * X = [-2, -6]    multiply, shape [2]
  n1 = Y[1] = -6           getitem
  n2 = n1 * Y = [12, 36]   multiply, shape [2], the cost
  f  = sum(n2) = 48        reduce: sum

backward: each node's adjoint df/d(node), from the cost back
  df/df  = 1
  df/dn2 = df/df * ∂f/∂n2 = df/df * 1 per element = 1 * [1, 1] = [1, 1]
  df/dn1 = df/dn2 * ∂n2/∂n1 = sum(df/dn2 * Y) = sum([1, 1] * [-2, -6]) = -8
  df/dY  = df/dn2 * ∂n2/∂Y + df/dn1 * ∂n1/∂Y
         = df/dn2 * n1 + (df/dn1 at Y[1], 0 elsewhere)
         = [1, 1] * -6 + (-8 at Y[1], 0 elsewhere)
         = [-6, -6] + [0, -8]
         = [-6, -14]
  df/dw  = df/dY * ∂Y/∂w = df/dY * X = [-6, -14] * [-1, -2] = [6, 28]

gradient
  df/dw = [6, 28]
"""


def invoke(*args: str):
    return CliRunner().invoke(explain_command, [str(a) for a in args])


def write(tmp_path: Path, text: str, name: str = "case.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from the IHDR chunk, after checking the PNG signature."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


# ---- the founding examples, pinned ------------------------------------------------------


def test_the_chain_rule_walkthrough():
    result = invoke(CHAIN)
    assert result.exit_code == 0, result.output
    assert result.output == CHAIN_TEXT


def test_the_sliced_cost_reaches_w_through_the_slice_and_the_whole_vector():
    result = invoke(SEED)
    assert result.exit_code == 0, result.output
    assert result.output == SEED_TEXT


def test_the_walkthrough_in_a_real_subprocess_with_an_ascii_locale():
    # ∂ must reach a pipe under the C locale too (Python then writes UTF-8)
    code = "from gradcheck_cli.commands.explain import explain_command; explain_command()"
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    env.pop("PYTHONIOENCODING", None)
    done = subprocess.run(
        [sys.executable, "-c", code, str(CHAIN)], capture_output=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.decode("utf-8") == CHAIN_TEXT


# ---- the walkthrough is the engine ------------------------------------------------------


def _shipped_cases():
    cases, _ = load_all(collect([ROOT / "cases"]).files)
    return [c for c in cases if c.program is not None]  # a case without cost has no walkthrough


@pytest.mark.parametrize("case", _shipped_cases(), ids=lambda c: c.name)
def test_every_adjoint_is_the_sum_of_its_terms_and_the_grads_are_the_engines(case):
    try:
        walk = explain.walkthrough(case)
    except UsageError as exc:  # an index out of bounds: the engine's own IndexError, said plainly
        assert "the numpy engine stops at an index: index" in str(exc)
        with pytest.raises(IndexError):
            np_engine.forward(case.program, {**case.inputs, **case.params}, case.wrt)
        return
    for node in walk.nodes:
        if node.terms:
            total = node.terms[0].value
            for term in node.terms[1:]:
                total = total + term.value
            np.testing.assert_array_equal(total, node.adjoint, err_msg=node.name)
    engine = np_engine.value_and_grad(case.program, case.params, case.inputs, case.wrt, case.reduce)
    for name, grad in engine.grads.items():  # value_and_grad's fast path may round apart
        np.testing.assert_allclose(walk.grads[name], grad, rtol=1e-6, atol=0, err_msg=name)
    text = explain.render(walk)
    assert text.startswith(case.name) and "\ngradient" in text


def test_a_mean_seeds_one_over_n_per_element():
    case = make_case("x * x", {"x": [1.0, 2.0, 3.0, 4.0]}, {}, extra="reduce: mean\n")
    text = explain.render(explain.walkthrough(case))
    assert "  f  = mean(n1) = 7.5          reduce: mean\n" in text
    seed = """\
  df/dn1 = df/df * ∂f/∂n1
         = df/df * 1/4 per element
         = 1 * [0.25, 0.25, 0.25, 0.25]
         = [0.25, 0.25, 0.25, 0.25]
"""
    assert seed in text
    assert "df/dx = [0.5, 1, 1.5, 2]" in text.split("gradient")[-1]


def test_native_says_what_numpy_does():
    case = make_case("x * 2", {"x": [1.0, 2.0]}, {}, extra="reduce: native\n")
    text = explain.render(explain.walkthrough(case))
    assert "reduce: native (numpy sums, as TensorFlow does; PyTorch and JAX refuse)" in text
    assert "df/df * 1 per element" in text


def test_large_arrays_are_summarised_with_their_shape():
    case = make_case("sum(tanh(m) * m)", {"m": {"shape": [4, 5], "init": "normal", "seed": 1}}, {})
    text = explain.render(explain.walkthrough(case))
    assert "param, shape [4, 5]" in text
    assert "..., " in text and "shape [4, 5]" in text
    assert max(line.count(",") for line in text.splitlines()) < 30
    assert "df/dn1 * (1 - n1 ** 2)" in text  # tanh's local derivative, written with its output


def test_local_derivatives_are_written_per_op():
    case = make_case(
        "sum(exp(x) + x ** 3 + 2 * x + x / y + relu(x))",
        {"x": [0.5, -1.0]},
        {"y": [2.0, 4.0]},
    )
    text = explain.render(explain.walkthrough(case))
    for local in ("* n1", "* 3 * x ** 2", "* 2", "* 1 / y", "* (x > 0)"):
        assert local in text, local


def test_a_node_named_f_that_is_not_the_scalar_cost_renames_the_function():
    case = make_case("f * 2", {"w": [1.0, 2.0]}, {}, extra="program: f = w * 3\nreduce: sum\n")
    text = explain.render(explain.walkthrough(case))
    assert "dcost/dcost = 1" in text and "dcost/dw = [6, 6]" in text


# ---- --step -------------------------------------------------------------------------------


def test_step_explains_the_gradient_after_n_optimizer_steps():
    result = invoke(SGD, "optimizers-sgd", "--step", "2")
    assert result.exit_code == 0, result.output
    assert "float64, the numpy engine, at the params after 2 sgd steps" in result.output
    (case,) = [c for c in load_file(SGD) if c.name == "optimizers-sgd"]
    session = np_engine.NumpySession(case)
    for _ in range(2):
        session.step(session.evaluate())
    walk = explain.walkthrough(case, step=2)
    grads = session.evaluate().grads
    for name in case.wrt:
        np.testing.assert_array_equal(walk.params[name], session.params()[name])
        np.testing.assert_array_equal(walk.grads[name], grads[name])
    assert not np.array_equal(walk.params["w"], case.params["w"])


def test_step_without_an_optimizer_is_a_clear_error():
    result = invoke(CHAIN, "--step", "1")
    assert result.exit_code == 2
    assert "chain-rule: --step needs a case with an optimizer; it has none" in result.output


# ---- --compare ------------------------------------------------------------------------------

KINK = """\
    name: abs-kink
    params:
      x: [1.0, 2.0]
    program: |
      d = x - 1
      a = abs(d)
    cost: a * 3
    reduce: sum
    """


def test_compare_marks_the_first_node_where_jax_parts_ways(tmp_path):
    pytest.importorskip("jax")
    result = invoke(write(tmp_path, KINK), "--compare", "jax")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "jax: [3, 3]   <- numpy and jax part ways here" in out
    assert out.index("part ways here") > out.index("df/dd  =")  # at d, after n1 and a agreed
    assert "numpy and jax part ways first at d (in backward order):" in out
    assert "df/dd numpy vs jax at [0]: 0 vs 3" in out
    assert "df/dx = [0, 3]   jax: [3, 3]   (differs)" in out


def test_compare_torch_agrees_on_the_founding_example():
    pytest.importorskip("torch")
    result = invoke(SEED, "--compare", "torch")
    assert result.exit_code == 0, result.output
    assert "df/dw = [6, 28]   torch: [6, 28]\n" in result.output
    assert "torch: [-6, -14]" in result.output  # an intermediate adjoint, from torch.autograd
    assert "numpy and torch agree at every node (rtol 0.0001, atol 1e-05)" in result.output


def test_compare_tensorflow_splits_a_maximum_tie_its_own_way(tmp_path):
    pytest.importorskip("tensorflow")
    path = write(tmp_path, "name: tie\nparams: {x: 1.0, y: 1.0}\ncost: maximum(x, y) * 2\n")
    result = invoke(path, "--compare", "tensorflow")
    assert result.exit_code == 0, result.output
    assert "numpy and tensorflow part ways first at y (in backward order):" in result.output
    assert "df/dy = 1   tensorflow: 0   (differs)" in result.output


def test_compare_where_torch_refuses_a_non_scalar_target(tmp_path):
    pytest.importorskip("torch")
    path = write(tmp_path, "name: native\nparams: {w: [1.0, 2.0]}\ncost: w * 2\nreduce: native\n")
    result = invoke(path, "--compare", "torch")
    assert result.exit_code == 0, result.output
    assert "df/dw = [2, 2]   torch: none (below)" in result.output
    assert "torch gave no gradient: grad can be implicitly created only for scalar" in result.output


def test_compare_fd_gives_the_params_only():
    result = invoke(CHAIN, "--compare", "fd")
    assert result.exit_code == 0, result.output
    assert "df/dx = 24   fd: 24" in result.output
    assert "fd computes the params' gradients only" in result.output


def test_compare_with_a_backend_that_is_not_installed_says_so(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # importlib then finds no torch
    result = invoke(CHAIN, "--compare", "torch")
    assert result.exit_code == 2
    assert 'torch is not installed (pip install "gradcheck-cli[torch]")' in result.output
    assert "Traceback" not in result.output


# ---- errors --------------------------------------------------------------------------------


def test_a_file_of_several_cases_needs_a_name():
    result = invoke(SGD)
    assert result.exit_code == 2
    assert "holds 5 cases (optimizers-sgd, " in result.output
    result = invoke(SGD, "optimizers-sgdd")
    assert result.exit_code == 2
    assert "no case named 'optimizers-sgdd'" in result.output


def test_an_invalid_case_is_reported_with_its_position(tmp_path):
    path = write(tmp_path, 'name: bad\nparams: {x: 1.0}\ncost: "lambda q: x"\n')
    result = invoke(path)
    assert result.exit_code == 2
    assert f"{path}:3:" in result.output and "lambda" in result.output
    assert "Traceback" not in result.output


def test_an_index_out_of_bounds_is_a_clear_error(tmp_path):
    path = write(tmp_path, "name: oob\nparams: {x: [1.0, 2.0]}\ncost: x[5]\n")
    result = invoke(path)
    assert result.exit_code == 2
    assert "oob: the numpy engine stops at an index: index 5 is out of bounds" in result.output


# ---- DOT and pictures -------------------------------------------------------------------


def test_dot_labels_each_node_with_its_op_value_and_adjoint():
    result = invoke(CHAIN, "--format", "dot")
    assert result.exit_code == 0, result.output
    dot = result.output
    assert '"n1" [label="n1 = x ** 2\\npower\\n= 9\\ndf/dn1 = 4", shape=ellipse' in dot
    assert '"x" [label="x\\nparam\\n= 3\\ndf/dx = 24", ' + graph.STYLES["param"] in dot
    assert '"f" [label="f = n3 + 2\\nadd\\n= 42\\ndf/df = 1", ' + graph.STYLES["cost"] in dot
    assert '"y" -> "n2" [label="9"];' in dot  # the cotangent y takes back through n2
    assert '[label="2", ' + graph.STYLES["literal"] in dot
    assert "subgraph cluster_legend" in dot


def test_params_constants_and_the_cost_look_different():
    looks = {graph.STYLES[k] for k in ("param", "input", "literal", "op", "cost")}
    assert len(looks) == 5
    dot = graph.dot(explain.walkthrough(load_file(SEED)[0]))
    assert '"X" [label="X\\ninput\\n= [-1, -2]", ' + graph.STYLES["input"] in dot
    assert '"f:reduced" [label="f = sum(n2)\\nreduce: sum\\n= 48\\ndf/df = 1"' in dot


def test_quote_escapes_what_dot_needs():
    assert graph.quote('a"b\\c\nd') == '"a\\"b\\\\c\\nd"'


@pytest.mark.skipif(not HAS_DOT, reason=NO_DOT)
@pytest.mark.parametrize(
    "case",
    [c for c in _shipped_cases() if Path(c.position.file).parent.name in PICTURED],
    ids=lambda c: c.name,
)
def test_dot_parses_with_graphviz(case):
    dot = graph.dot(explain.walkthrough(case))
    done = subprocess.run(["dot", "-Tsvg"], input=dot.encode(), capture_output=True, check=False)
    assert done.returncode == 0, done.stderr.decode()
    assert b"<svg" in done.stdout


@pytest.mark.skipif(not HAS_DOT, reason=NO_DOT)
def test_a_png_of_the_founding_example(tmp_path):
    out = tmp_path / "seed.png"
    result = invoke(SEED, "--format", "png", "-o", out)
    assert result.exit_code == 0, result.output
    width, height = png_size(out)
    assert width > 300 and height > 300
    assert out.stat().st_size > 10_000


@pytest.mark.skipif(not HAS_DOT, reason=NO_DOT)
def test_svg_to_stdout_and_compare_marks_the_split_in_red(tmp_path):
    pytest.importorskip("jax")
    result = invoke(write(tmp_path, KINK), "--format", "svg", "--compare", "jax")
    assert result.exit_code == 0, result.output
    assert result.output.lstrip().startswith("<?xml") and "</svg>" in result.output
    assert "#c92a2a" in result.output  # the node where numpy and jax part ways


def test_without_graphviz_a_picture_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH with no `dot` on it
    result = invoke(CHAIN, "--format", "png", "-o", tmp_path / "x.png")
    assert result.exit_code == 2
    assert "--format png needs Graphviz's `dot` program: install Graphviz" in result.output
    assert "apt-get install graphviz" in result.output and "Traceback" not in result.output


def test_png_needs_an_output_file():
    result = invoke(CHAIN, "--format", "png")
    assert result.exit_code == 2
    assert "give the file with -o FILE.png" in result.output


def test_text_and_dot_go_to_a_file_with_o(tmp_path):
    out = tmp_path / "chain.txt"
    assert invoke(CHAIN, "-o", out).exit_code == 0
    assert out.read_text(encoding="utf-8") == CHAIN_TEXT


HELD = """
name: ex
params: {w: [1.0, 2.0], h: 3.0}
inputs: {X: [1.0, 2.0]}
wrt: [w]
program: |
  s = X * 2
  t = h * 2
  loss = sum(w * s * t)
cost: loss
"""


def test_a_named_scalar_cost_is_the_function_and_held_params_are_not_constants():
    from gradcheck_cli.explain import render, walkthrough
    from gradcheck_cli.load import load_text

    (case,) = load_text(HELD, "ex.yaml")
    text = render(walkthrough(case))
    assert "dloss/dw    = dloss/dn1" in text and "df/d" not in text
    assert "s    = X * 2 = [2, 4]                            multiply, of constants only" in text
    assert "t    = h * 2 = 6                                 multiply, not differentiated" in text


def test_the_pictures_legend_explains_the_red_border_of_a_comparison():
    pytest.importorskip("tensorflow")
    from gradcheck_cli.explain import compare_with, walkthrough
    from gradcheck_cli.graph import dot
    from gradcheck_cli.load import load_file

    (case,) = [
        c
        for c in load_file(ROOT / "cases/semantics/ties.yaml")
        if c.name == "semantics-maximum-tie"
    ]
    w = walkthrough(case)
    text = dot(w, compare_with("tensorflow", w))
    assert "a red border: where numpy" in text and "and tensorflow part ways" in text
    assert "a red border" not in dot(w)


def test_clip_text_at_crossed_bounds_says_what_the_vjp_computes():
    """With lo > hi NumPy gives hi everywhere: x and lo take 0, hi takes all (the VJP)."""
    case = make_case("sum(clip(x, lo, hi))", {"x": [-1.0, 0.5, 3.0], "lo": 2.0, "hi": 1.0}, {})
    text = explain.render(explain.walkthrough(case))
    assert "sum(df/dn1 * ((x > hi) | (lo > hi))) = sum([1, 1, 1] * [1, 1, 1]) = 3" in text
    assert "sum(df/dn1 * (x < lo <= hi)) = sum([1, 1, 1] * [0, 0, 0]) = 0" in text
    assert "df/dx  = df/dn1 * ∂n1/∂x = df/dn1 * (lo <= x <= hi) = [1, 1, 1] * [0, 0, 0]" in text


def test_clip_text_with_one_bound_left_out():
    case = make_case("sum(clip(x, lo, None))", {"x": [-1.0, 3.0], "lo": 2.0}, {})
    text = explain.render(explain.walkthrough(case))
    assert "df/dn1 * (x < lo)" in text and "df/dn1 * (lo <= x)" in text
