"""`gradcheck fuzz`, through click's CliRunner and once as a real process: a seed gives the
same findings and files; a found case file loads and reproduces; shrinking reaches the
smallest program that still disagrees. The disagreements are real, not mocked: fd against
numpy at a kink (`--kinks`, where fd gives the average of the two slopes), and a case
whose `expect_backend` is planted wrong.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from gradcheck_cli.cli import cli
from gradcheck_cli.commands import fuzz as command
from gradcheck_cli.fuzz import programs
from gradcheck_cli.fuzz.generate import generate
from gradcheck_cli.fuzz.session import Config, run
from gradcheck_cli.fuzz.shrink import shrink
from gradcheck_cli.load import load_file
from gradcheck_cli.ops import OPS
from gradcheck_cli.run import Options, run_case

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

# fd at relu's kink gives 0.5 where numpy gives 0 (docs/conventions.md): found every time
AT_A_KINK = ["--count", "4", "--seed", "3", "--kinks", "--ops", "relu,add", "-b", "fd"]


def _fuzz(args: list[str], out: Path, **env: str):
    return CliRunner().invoke(cli, ["fuzz", *args, "-o", str(out)], env=env)


def _files(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted(folder.glob("*.yaml"))}


def test_a_seed_gives_the_same_findings_and_files(tmp_path):
    first, second = _fuzz(AT_A_KINK, tmp_path / "a"), _fuzz(AT_A_KINK, tmp_path / "b")
    assert first.exit_code == second.exit_code == 1, first.output
    assert first.output.replace("/a", "/b") == second.output
    assert _files(tmp_path / "a") == _files(tmp_path / "b") != {}
    assert "found (fd " in first.output.splitlines()[-1]
    _fuzz([*AT_A_KINK[:3], "4", *AT_A_KINK[4:]], tmp_path / "c")
    assert _files(tmp_path / "c") != _files(tmp_path / "a")  # another seed, other programs


def test_program_i_does_not_depend_on_the_count():
    config = Config(3, 11, ("numpy", "fd"), "fd", tuple(OPS))
    from gradcheck_cli.fuzz.session import program

    longer = Config(9, 11, ("numpy", "fd"), "fd", tuple(OPS))
    texts = [programs.case_text(program(c, 2), "p") for c in (config, longer)]
    assert texts[0] == texts[1]


def test_a_found_case_loads_and_reproduces(tmp_path):
    result = _fuzz(AT_A_KINK, tmp_path)
    assert result.exit_code == 1
    found = sorted(tmp_path.glob("*.yaml"))
    assert found and all(p.name.startswith("fuzz-3-") for p in found)
    for path in found:
        (case,) = load_file(path)
        assert case.backends == ("numpy", "fd") and case.reference == "numpy"
        assert "fd vs numpy" in case.description and "|diff|" in case.description
        outcome = run_case(case, Options(backends=case.backends))
        assert outcome.backends["fd"].status == "fail"
        assert f"found {path}" in result.output


def test_shrinking_keeps_the_kink_and_drops_the_rest(tmp_path):
    _fuzz(AT_A_KINK, tmp_path)
    for path in sorted(tmp_path.glob("*.yaml")):
        (case,) = load_file(path)
        assert [e.op for e in case.program.eqns] in (["relu"], ["relu", "multiply"])
        assert case.optimizer is None and not case.program.labels
        assert any(np.any(v == 0) for v in case.params.values())  # relu's kink, kept


def test_shrinking_a_planted_disagreement_reaches_the_smallest_program(tmp_path):
    planted = {"expect_backend": {"numpy": {"raises": "planted"}}}  # numpy never raises
    config = Config(3, 5, ("numpy", "fd"), "fd", tuple(OPS), out=tmp_path, extra=planted)
    summary = run(config)
    assert [f.backend for f in summary.findings] == ["numpy"] * 3
    for finding in summary.findings:
        assert finding.ops[0] >= 2 and finding.ops[1] == 0
        (case,) = load_file(finding.path)
        assert case.program.eqns == () and len(case.params) == 1  # the cost is one param
        assert next(iter(case.params.values())).shape == ()
        assert case.optimizer is None and case.dtype == "float64" and case.reduce == "sum"
        assert "expected an error with 'planted'" in case.description


def test_shrink_stops_at_what_still_fails():
    sketch = generate(np.random.default_rng(4), ["exp", "sin", "add", "sum"])
    ops = [n.form.op for n in programs.walk(sketch.root) if n.form]
    assert "sin" in ops or "exp" in ops

    def keeps(candidate) -> bool:  # a disagreement that needs a sin or an exp
        return any(n.form and n.form.op in ("sin", "exp") for n in programs.walk(candidate.root))

    small, tries = shrink(sketch, keeps)
    assert [n.form.op for n in programs.walk(small.root) if n.form] in (["sin"], ["exp"])
    assert 0 < tries <= 300


def test_nothing_found_exits_0(tmp_path):
    args = ["--count", "5", "--seed", "1", "--ops", "exp,sin,tanh,multiply", "-b", "numpy"]
    result = _fuzz(args, tmp_path / "found")
    assert result.exit_code == 0, result.output
    assert result.output.endswith("against fd: nothing found\n")
    assert not (tmp_path / "found").exists()


def test_an_unknown_op_or_the_reference_alone_is_refused_with_a_hint(tmp_path):
    result = _fuzz(["--ops", "sum,tanhh"], tmp_path)
    assert result.exit_code == 2
    assert "no op named 'tanhh'" in result.output and "did you mean 'tanh'?" in result.output
    alone = _fuzz(["-b", "fd"], tmp_path)
    assert alone.exit_code == 2 and "fd is the reference" in alone.output


def test_the_progress_bar_is_drawn_on_a_terminal_only_and_no_color_keeps_it(tmp_path, monkeypatch):
    args = ["--count", "2", "--seed", "1", "--ops", "exp", "-b", "numpy"]
    piped = CliRunner().invoke(cli, ["fuzz", *args, "-o", str(tmp_path)])
    assert "[" not in piped.stderr
    monkeypatch.setattr(command, "_terminal", lambda: True)
    runner = CliRunner()
    shown = runner.invoke(cli, ["fuzz", *args, "-o", str(tmp_path)], env={"NO_COLOR": "1"})
    assert "2/2" in shown.stderr and "\r[" in shown.stderr and "\x1b[3" not in shown.stderr


def test_fuzz_runs_as_a_process(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "gradcheck_cli", "fuzz", "--count", "2", "--ops", "tanh"]
        + ["-b", "numpy", "-o", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("fuzz: 2 programs (seed 0), backends numpy fd against fd")
