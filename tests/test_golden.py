"""Golden files: a run recorded, read back bit for bit, and later runs compared with it.
Real runs of real case files; the files and the golden JSON are edited as a user would."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from gradcheck_cli import golden
from gradcheck_cli.collect import collect
from gradcheck_cli.errors import UsageError
from gradcheck_cli.run import Options, load_all, run

CASES = """\
cases:
  - name: seed
    dtype: float32
    params: {w: [2.0, 3.0]}
    inputs: {X: [-1, -2]}
    program: |
      Y = w * X
    cost: Y[1] * Y
    reduce: sum
    optimizer: {name: sgd, lr: 1.0}
  - name: square
    params: {x: 3.0}
    cost: x ** 2 + 0.5
"""


def _run(path: Path, backends: tuple[str, ...] = ("numpy", "fd")):
    cases, problems = load_all(collect([path]).files)
    assert not problems
    return run(cases, Options(backends=backends))


@pytest.fixture
def case_file(tmp_path: Path) -> Path:
    path = tmp_path / "cases.yaml"
    path.write_text(CASES)
    return path


def _recorded(case_file: Path, backends: tuple[str, ...] = ("numpy", "fd")) -> Path:
    path = case_file.parent / "golden.json"
    golden.write(path, _run(case_file, backends))
    return path


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


# ---- the encoding -------------------------------------------------------------------------


def test_arrays_round_trip_bit_for_bit():
    rng = np.random.default_rng(0)
    arrays = [
        np.array([0.1, 1 / 3, 5e-324, -1.7976931348623157e308, -0.0, np.nan, np.inf, -np.inf]),
        rng.normal(size=(3, 4)) * 10.0 ** rng.integers(-300, 300, size=(3, 4)),
        rng.normal(size=50).astype(np.float32),
        np.array([np.nan, np.inf, 1e-45, 3.4028235e38], np.float32),
        np.array(42.0),
        np.array([[1, -2], [3, 4]], np.int64),
        np.array([True, False]),
        np.zeros((0, 3)),
    ]
    for array in arrays:
        text = json.dumps(golden.encode_array(array))
        json.loads(text, parse_constant=lambda c: pytest.fail(f"bare {c} in JSON"))
        back = golden.decode_array(json.loads(text))
        assert back.dtype == array.dtype and back.shape == array.shape
        assert back.tobytes() == array.tobytes()
    encoded = golden.encode_array(np.array([np.nan, np.inf, -np.inf, 0.1], np.float32))
    assert encoded["data"] == ["NaN", "Infinity", "-Infinity", 0.1]


def test_a_recorded_run_reads_back_and_agrees_with_itself(case_file):
    result = _run(case_file)
    path = case_file.parent / "golden.json"
    golden.write(path, result)
    data = golden.load(path)
    assert data == json.loads(json.dumps(golden.record(result)))
    seed = data["cases"]["seed"]["backends"]["numpy"]
    assert seed["version"].startswith("numpy ")
    assert seed["tolerance"] == {"rtol": 1e-4, "atol": 1e-5}  # float32's, vs expect
    assert data["cases"]["seed"]["backends"]["fd"]["tolerance"] == {"rtol": 1e-4, "atol": 1e-5}
    # float64, and fd used the complex step: held to the case's own tolerance, not the floor
    assert data["cases"]["square"]["backends"]["fd"]["tolerance"] == {"rtol": 1e-7, "atol": 1e-9}
    assert seed["params"]["w"]["data"] == [-4.0, -25.0]
    assert '"w": {"dtype": "float32", "shape": [2], "data": [6.0, 28.0]}' in path.read_text()
    assert golden.against(data, _run(case_file)) == []
    golden.write(case_file.parent / "again.json", _run(case_file))
    assert (case_file.parent / "again.json").read_text() == path.read_text()


# ---- drift --------------------------------------------------------------------------------


def test_a_changed_param_fails_against_the_golden_file_naming_the_element(case_file):
    data = golden.load(_recorded(case_file))
    _edit(case_file, "params: {w: [2.0, 3.0]}", "params: {w: [2.0, 3.5]}")
    drifts = golden.against(data, _run(case_file))
    failing = [d for d in drifts if d.failing]
    assert {(d.backend, d.quantity) for d in failing} >= {("numpy", "grad[w]"), ("fd", "grad[w]")}
    grad = next(d for d in failing if d.backend == "numpy" and d.quantity == "grad[w]")
    # w1 = 3.5: Y = [-2, -7], d sum(Y[1] Y) / dw = [Y1 X0, Y0 X1 + 2 Y1 X1] = [7, 32]
    assert grad.index == (1,) and (grad.old, grad.new) == (28.0, 32.0)
    line = grad.line()
    assert line.startswith("seed: grad[w] numpy at [1]: 28 -> 32, |diff| 4 > 0.00281")
    assert "2 of 2 elements changed" in line
    assert line.endswith(f"({grad.old_version})")  # the same numpy: one version
    assert not any(d.case == "square" for d in drifts)


def test_a_change_within_the_recorded_tolerance_is_no_drift(case_file):
    path = _recorded(case_file)
    data = json.loads(path.read_text())
    entry = data["cases"]["square"]["backends"]["numpy"]["grad"]["x"]
    entry["data"] = 6.0 * (1 + 5e-8)  # rtol 1e-7 for float64
    assert golden.against(data, _run(case_file)) == []
    entry["data"] = 6.0 * (1 + 5e-7)
    (drift,) = golden.against(data, _run(case_file))
    assert drift.failing and drift.line().startswith("square: grad[x] numpy: 6.000003 -> 6, |diff|")


def test_a_framework_version_change_shows_the_old_and_the_new(case_file):
    path = _recorded(case_file)
    data = json.loads(path.read_text())
    entry = data["cases"]["seed"]["backends"]["numpy"]
    now = entry["version"]
    entry["version"] = "numpy 1.26.4"
    entry["value"]["data"][0] = 12.5
    path.write_text(json.dumps(data))
    (drift,) = golden.against(golden.load(path), _run(case_file))
    assert (drift.old_version, drift.new_version) == ("numpy 1.26.4", now)
    assert drift.line() == (
        "seed: value numpy at [0]: 12.5 -> 12, |diff| 0.5 > 0.00126 "
        f"(atol 1e-05 + rtol 0.0001 * |recorded|); 1 of 2 elements changed "
        f"(numpy 1.26.4 -> {now.split()[1]})"
    )


def test_a_torch_upgrade_reads_as_in_the_text_report(case_file):
    pytest.importorskip("torch")
    path = _recorded(case_file, ("numpy", "torch"))
    data = json.loads(path.read_text())
    entry = data["cases"]["seed"]["backends"]["torch"]
    entry["version"], entry["grad"]["w"]["data"] = "torch 2.12.0", [6.0, 28.1]
    (drift,) = golden.against(data, _run(case_file, ("numpy", "torch")))
    assert drift.line().startswith("seed: grad[w] torch at [1]: 28.1 -> 28, |diff| 0.1 > 0.00282")
    assert drift.line().endswith("(torch 2.12.0 -> " + drift.new_version.split()[1] + ")")


def test_a_backend_that_starts_or_stops_erroring_drifts(case_file):
    pytest.importorskip("torch")
    backends = ("numpy", "torch")
    recorded_sum = golden.load(_recorded(case_file, backends))
    _edit(case_file, "reduce: sum", "reduce: native")
    native = _run(case_file, backends)
    (drift,) = [d for d in golden.against(recorded_sum, native) if d.backend == "torch"]
    assert drift.kind == "new-error" and drift.failing
    assert "torch errors now: RuntimeError: grad can be implicitly created" in drift.line()
    golden.write(case_file.parent / "native.json", native)
    recorded_native = golden.load(case_file.parent / "native.json")
    assert recorded_native["cases"]["seed"]["backends"]["torch"]["error_type"] == "RuntimeError"
    _edit(case_file, "reduce: native", "reduce: sum")
    (drift,) = golden.against(recorded_native, _run(case_file, backends))
    assert drift.kind == "no-error" and drift.failing
    assert drift.line().startswith("seed: torch no longer errors (recorded: RuntimeError: grad")


def test_missing_and_new_cases_and_backends_are_notes(case_file):
    data = golden.load(_recorded(case_file))
    _edit(case_file, "  - name: square", "  - name: cube")
    drifts = golden.against(data, _run(case_file, ("numpy",)))
    lines = sorted(d.line() for d in drifts)
    assert lines == [
        "cube: note: not in the golden file (record again to add it)",
        "seed: note: fd did not run; recorded values not compared",
        "square: note: in the golden file, not in this run",
    ]
    assert not any(d.failing for d in drifts)
    assert (
        golden.summary(drifts) == "against the golden file: 0 drifted beyond tolerance, 3 note(s)"
    )


def test_a_skip_is_recorded_with_its_reason(tmp_path):
    pytest.importorskip("jax")
    path = tmp_path / "damp.yaml"
    path.write_text(
        "name: damp\nparams: {w: 1.0}\ncost: w * w\nbackends: [numpy, jax]\nreference: numpy\n"
        "optimizer: {name: sgd, lr: 0.1, momentum: 0.9, dampening: 0.5}\n"
    )
    result = _run(path, ("numpy", "jax"))
    data = golden.record(result)
    entry = data["cases"]["damp"]["backends"]["jax"]
    assert "dampening" in entry["skip"] and entry["version"].startswith("jax ")
    assert "value" not in entry
    assert golden.against(data, result) == []


def test_a_quantity_that_disappears_drifts(case_file):
    data = golden.load(_recorded(case_file))
    _edit(case_file, "    optimizer: {name: sgd, lr: 1.0}\n", "")
    drifts = [d for d in golden.against(data, _run(case_file)) if d.backend == "numpy"]
    assert sorted(d.line() for d in drifts) == [
        f"seed: costs numpy: recorded, missing now ({drifts[0].old_version})",
        f"seed: params[w] numpy: recorded, missing now ({drifts[0].old_version})",
    ]


# ---- bad golden files ---------------------------------------------------------------------


def _refused(path: Path) -> str:
    with pytest.raises(UsageError) as info:
        golden.load(path)
    message = str(info.value)
    assert message.startswith(str(path))
    return message


def test_unusable_golden_files_are_refused_naming_the_file(tmp_path, case_file):
    assert "cannot read the golden file" in _refused(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text(
        '{\n  "format": "gradcheck-golden",\n  "format_version": 1,\n  "cases": {,}\n}\n'
    )
    assert _refused(bad).startswith(f"{bad}:4:13: not valid JSON")
    bad.write_text('{"cases": {}}')
    assert "not a gradcheck golden file" in _refused(bad)
    bad.write_text('{"format": "gradcheck-golden", "format_version": 2, "cases": {}}')
    assert "format_version 2; this gradcheck reads 1" in _refused(bad)
    data = json.loads(_recorded(case_file).read_text())
    data["cases"]["seed"]["backends"]["numpy"]["grad"]["w"]["data"] = [6.0, "lots"]
    bad.write_text(json.dumps(data))
    assert "cases.seed.backends.numpy.grad[w]: 'lots' is not a number" in _refused(bad)
    data["cases"]["seed"]["backends"]["numpy"]["grad"]["w"] = {
        "dtype": "float32",
        "shape": [3],
        "data": [1.0],
    }
    bad.write_text(json.dumps(data))
    assert "grad[w]: 1 numbers for shape [3]" in _refused(bad)


def test_a_drift_line_says_inf_and_nan():
    drift = golden.Drift(
        "c", "changed", "numpy", "value", (0,), math.inf, 1.0, 1e-7, 1e-9, "numpy 2", "numpy 2"
    )
    assert drift.line() == (
        "c: value numpy at [0]: inf -> 1, |diff| inf > inf "
        "(atol 1e-09 + rtol 1e-07 * |recorded|) (numpy 2)"
    )
