"""`gradcheck plot`: trajectories through the shared training loop, and the picture."""

from __future__ import annotations

import struct
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from gradcheck_cli import backends, plot
from gradcheck_cli.commands.explain import plot_command
from gradcheck_cli.load import load_file

ROOT = Path(__file__).parents[1]
SGD = ROOT / "cases" / "optimizers" / "sgd.yaml"
CHAIN = ROOT / "cases" / "founding" / "chain-rule.yaml"

# rmsprop at a tiny gradient: optax and Keras put eps inside the square root, torch outside,
# so their steps are 100x apart (cases/optimizers/adaptive.yaml leaves jax and tf out).
RMSPROP = """\
    name: rmsprop-tiny-gradient
    params:
      w: [1.0, 0.5]
    cost: 1e-5 * sum(w)
    optimizer: {name: rmsprop}
    steps: 6
    """


def invoke(*args) -> object:
    return CliRunner().invoke(plot_command, [str(a) for a in args])


def case_named(path: Path, name: str):
    return next(c for c in load_file(path) if c.name == name)


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "case.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from the IHDR chunk, after checking the PNG signature."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_a_trail_is_what_the_shared_loop_gives():
    case = case_named(SGD, "optimizers-sgd-momentum")
    trails = plot.trajectories(case, ["numpy"])
    (trail,) = trails.runs
    outcome = backends.run("numpy", case)
    assert trail.costs.shape == (case.steps + 1,)
    np.testing.assert_array_equal(trail.costs[:-1], outcome.costs)
    for name in case.wrt:
        assert trail.params[name].shape == (case.steps + 1, *case.params[name].shape)
        np.testing.assert_array_equal(trail.params[name][0], case.params[name])
        np.testing.assert_array_equal(trail.params[name][-1], outcome.params[name])
    assert trail.costs[-1] < trail.costs[0]  # the last point: the cost at the final params


def test_backends_left_out_or_skipped_are_listed_in_the_title():
    pytest.importorskip("jax")
    case = case_named(SGD, "optimizers-sgd-dampening")
    trails = plot.trajectories(case, ["numpy", "jax"])
    assert [t.backend for t in trails.runs] == ["numpy"]
    assert dict(trails.missing)["jax"].startswith("skipped: optax.sgd has no dampening")
    assert "\nnot drawn: jax (skipped: optax.sgd has no dampening" in plot._title(trails, 500)


def test_a_diverging_optimizer_shows_in_the_trails(tmp_path):
    pytest.importorskip("jax")
    pytest.importorskip("torch")
    (case,) = load_file(write(tmp_path, RMSPROP))
    runs = {t.backend: t for t in plot.trajectories(case, ["numpy", "torch", "jax"]).runs}
    np.testing.assert_allclose(runs["torch"].params["w"], runs["numpy"].params["w"], rtol=1e-7)
    jax_moved = 1.0 - runs["jax"].params["w"][-1, 0]
    torch_moved = 1.0 - runs["torch"].params["w"][-1, 0]
    assert torch_moved > 50 * jax_moved > 0


def test_many_elements_are_drawn_as_a_norm():
    values = np.arange(24.0).reshape(2, 3, 4)  # two steps of a [3, 4] param
    ((label, series),) = plot._series("m", values)
    assert label == "|m|"
    np.testing.assert_allclose(series, np.linalg.norm(values.reshape(2, -1), axis=1))
    labels = [label for label, _ in plot._series("w", np.zeros((3, 2, 2)))]
    assert labels == ["w[0, 0]", "w[0, 1]", "w[1, 0]", "w[1, 1]"]


def test_plot_of_a_shipped_case_is_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "sgd.png"
    result = invoke(SGD, "optimizers-sgd-nesterov", "-o", out)
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"wrote {out}: numpy fd")
    width, height = png_size(out)
    assert width > 800 and height > 300
    assert out.stat().st_size > 20_000


def test_plot_of_a_diverging_optimizer(tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "rmsprop.png"
    result = invoke(write(tmp_path, RMSPROP), "-o", out, "-b", "numpy", "-b", "torch", "-b", "jax")
    assert result.exit_code == 0, result.output
    assert png_size(out)[0] > 800
    assert result.output == f"wrote {out}: numpy torch jax\n"


def test_a_case_without_an_optimizer_has_nothing_to_plot(tmp_path):
    pytest.importorskip("matplotlib")
    result = invoke(CHAIN, "-o", tmp_path / "x.png")
    assert result.exit_code == 2
    assert "chain-rule: gradcheck plot draws optimizer steps" in result.output


def test_without_matplotlib_the_message_names_the_extra(monkeypatch, tmp_path):
    for name in ("matplotlib", "matplotlib.figure", "matplotlib.backends.backend_agg"):
        monkeypatch.setitem(sys.modules, name, None)  # as if it were not installed
    result = invoke(SGD, "optimizers-sgd", "-o", tmp_path / "x.png")
    assert result.exit_code == 2
    assert 'needs matplotlib, which is not installed: pip install "gradcheck-cli[plot]"' in (
        result.output
    )
    assert not (tmp_path / "x.png").exists()
