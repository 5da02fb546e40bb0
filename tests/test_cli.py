"""The command line, through click's CliRunner and through a real subprocess."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from gradcheck_cli.cli import cli

CASES = Path(__file__).parents[1] / "cases"
SEED = CASES / "founding" / "seed-sliced-cost.yaml"
CORE = ["-b", "numpy", "-b", "fd"]


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def write(tmp_path: Path, text: str, name: str = "case.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_the_founding_example_reads_plainly():
    result = invoke("run", str(SEED), *CORE, "-v")
    assert result.exit_code == 0, result.output
    assert "w          [2, 3] -> [-4, -25]   numpy fd" in result.output
    assert "grad w     [6, 28]   numpy fd" in result.output
    assert result.output.strip().endswith("1 passed, 0 failed, 0 errors, 0 skipped")


def test_the_chain_rule_example_gives_24_and_10():
    result = invoke("run", str(CASES / "founding" / "chain-rule.yaml"), *CORE, "-v")
    assert result.exit_code == 0
    assert (
        "grad x     24   numpy fd" in result.output and "grad y     10   numpy fd" in result.output
    )


def test_a_failure_shows_both_numbers_the_element_and_the_bound(tmp_path):
    path = write(
        tmp_path,
        """
        name: wrong
        params: {w: [2.0, 3.0]}
        cost: sum(w * w)
        expect: {grad: {w: [4.0, 6.5]}}
    """,
    )
    result = invoke("run", str(path), *CORE)
    assert result.exit_code == 1
    assert "FAIL  wrong" in result.output
    assert (
        "grad[w] numpy fd vs expect at [1]: 6 vs 6.5, |diff| 0.5 > 6.51e-07 "
        "(atol 1e-09 + rtol 1e-07 * |expect|); 1 of 2 elements disagree"
    ) in result.output
    assert "grad w     [4, 6]   numpy fd\n" in result.output  # the values side by side
    assert "           [4, 6.5]   expect\n" in result.output
    assert "0 passed, 1 failed, 0 errors, 0 skipped" in result.output


def test_selection_by_tag_name_and_backend(tmp_path):
    write(
        tmp_path,
        """
        cases:
          - {name: alpha-one, tags: [a], params: {w: 1.0}, cost: w * w}
          - {name: beta-two, tags: [b], params: {w: 1.0}, cost: w * w}
    """,
    )
    assert "1 passed" in invoke("run", str(tmp_path), "--tag", "a", *CORE).output
    out = invoke("run", str(tmp_path), "-k", "beta", *CORE).output
    assert "beta-two" in out and "alpha-one" not in out
    out = invoke("run", str(tmp_path), "-b", "numpy").output
    assert "2 skipped" in out  # only numpy ran: nothing to compare with


def test_exitfirst_stops_at_the_first_failure(tmp_path):
    write(
        tmp_path,
        """
        cases:
          - {name: a, params: {w: 1.0}, cost: w * w, expect: {value: 2.0}}
          - {name: b, params: {w: 1.0}, cost: w * w}
    """,
    )
    result = invoke("run", str(tmp_path), "-x", *CORE)
    assert result.exit_code == 1 and "0 passed, 1 failed" in result.output


def test_an_invalid_case_exits_2_and_the_valid_ones_still_run(tmp_path):
    path = write(
        tmp_path,
        """
        cases:
          - {name: fine, params: {w: 1.0}, cost: w * w}
          - name: evil
            params: {w: 1.0}
            cost: __import__('os').system('touch pwned')
          - {name: also-fine, params: {w: 2.0}, cost: w * w}
    """,
    )
    result = invoke("run", str(path), *CORE)
    assert result.exit_code == 2
    assert f"ERROR evil  {path}:6:11" in result.output
    assert f"{path}:6:11: '__import__' is not a function of the case language" in result.output
    assert "PASS  fine" in result.output and "PASS  also-fine" in result.output
    assert "1 invalid case did not run" in result.output
    assert "2 passed, 0 failed, 1 errors, 0 skipped" in result.output
    assert not (tmp_path / "pwned").exists()


def test_an_unreadable_file_does_not_hide_the_other_files(tmp_path):
    (tmp_path / "a.yaml").write_text("name: a\nparams: {w: 1.0}\ncost: w * w\n")
    (tmp_path / "b.yaml").write_text("name: [unclosed\n")
    (tmp_path / "c.yaml").write_text("name: c\nparams: {w: 1.0}\ncost: w * 2\n")
    result = invoke("run", str(tmp_path), *CORE)
    assert result.exit_code == 2
    assert "PASS  a" in result.output and "PASS  c" in result.output
    assert "b.yaml:" in result.output and "1 errors" in result.output


@pytest.mark.parametrize(
    "args",
    [["run", "no/such/path"], ["run"], ["run", ".", "-b", "pytorch"], ["nope"]],
)
def test_wrong_calls_exit_2(args):
    assert invoke(*args).exit_code == 2


def test_list_shows_cases_with_tags_and_backends():
    result = invoke("list", str(CASES / "founding"))
    assert result.exit_code == 0
    assert "seed-sliced-cost" in result.output and "[founding, seed, slicing, sgd]" in result.output


def test_backends_lists_all_five():
    result = invoke("backends")
    assert result.exit_code == 0, result.output
    for name in ("numpy", "fd", "torch", "jax", "tensorflow"):
        assert name in result.output


def test_a_real_process_exits_with_the_contract_codes(tmp_path):
    ok = subprocess.run(
        [sys.executable, "-m", "gradcheck_cli", "run", str(SEED), *CORE],
        capture_output=True,
        text=True,
    )
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "1 passed, 0 failed, 0 errors, 0 skipped" in ok.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "gradcheck_cli", "run", str(tmp_path / "nowhere")],
        capture_output=True,
        text=True,
    )
    assert missing.returncode == 2 and "no such file or folder" in missing.stderr
    bad = write(tmp_path, "name: x\nparams: {w: 1.0}\ncost: w.__class__\n")
    refused = subprocess.run(
        [sys.executable, "-m", "gradcheck_cli", "run", str(bad)], capture_output=True, text=True
    )
    assert refused.returncode == 2 and "Traceback" not in refused.stdout + refused.stderr
    assert f"{bad}:3:9: attribute '.__class__' is not allowed" in refused.stdout


def _names(output: str) -> set[str]:
    return {
        line.split()[1]
        for line in output.splitlines()
        if line[:5].strip() in ("PASS", "FAIL", "ERROR", "SKIP")
    }


def test_shards_partition_the_cases_stably():
    everything = _names(invoke("run", str(CASES), *CORE).output)
    shards = [
        _names(invoke("run", str(CASES), *CORE, "--shard", f"{k}/3").output) for k in (1, 2, 3)
    ]
    assert set().union(*shards) == everything
    assert sum(len(s) for s in shards) == len(everything)
    assert shards[0] == _names(invoke("run", str(CASES), *CORE, "--shard", "1/3").output)


@pytest.mark.parametrize("spec", ["0/3", "4/3", "a/b", "2"])
def test_a_bad_shard_exits_2(spec):
    result = invoke("run", str(CASES / "founding"), "--shard", spec)
    assert result.exit_code == 2 and "--shard" in result.output


def test_jobs_give_the_same_results_in_the_same_order(tmp_path):
    write(
        tmp_path,
        """
        cases:
          - {name: a, params: {w: 1.0}, cost: w * w}
          - {name: b, params: {w: 1.0}, cost: w * w, expect: {value: 2.0}}
          - {name: c, params: {w: [1.0, 2.0]}, cost: sum(exp(w))}
    """,
    )
    serial = invoke("run", str(tmp_path), *CORE)
    parallel = invoke("run", str(tmp_path), *CORE, "--jobs", "2")
    assert parallel.exit_code == serial.exit_code == 1
    assert parallel.output == serial.output


def test_a_recorded_run_then_a_changed_value_fails_against_the_golden_file(tmp_path):
    case = write(tmp_path, "name: g\nparams: {w: [2.0, 3.0]}\ncost: sum(w * w)\n")
    golden = tmp_path / "golden.json"
    recorded = invoke("run", str(case), *CORE, "--record", str(golden))
    assert recorded.exit_code == 0 and golden.exists()
    assert invoke("run", str(case), *CORE, "--against", str(golden)).exit_code == 0
    case.write_text("name: g\nparams: {w: [2.0, 3.5]}\ncost: sum(w * w)\n")
    drifted = invoke("run", str(case), *CORE, "--against", str(golden))
    assert drifted.exit_code == 1
    assert "g: grad[w] numpy at [1]: 6 -> 7, |diff| 1 >" in drifted.output


def test_a_bad_golden_file_exits_2_before_anything_runs(tmp_path):
    (tmp_path / "golden.json").write_text("{not json")
    result = invoke("run", str(SEED), *CORE, "--against", str(tmp_path / "golden.json"))
    assert result.exit_code == 2 and "golden.json" in result.output


@pytest.mark.parametrize(
    ("cost", "method", "reported"),
    [
        ("sum(exp(w))", "auto", "complex"),
        ("sum(abs(w))", "auto", "central"),
        ("sum(exp(w))", "richardson", "richardson"),
    ],
)
def test_fd_reports_the_method_it_used(tmp_path, cost, method, reported):
    import json

    case = write(tmp_path, f"name: m\nparams: {{w: [0.5, -1.5]}}\ncost: {cost}\n")
    out = tmp_path / "r.json"
    result = invoke(
        "run", str(case), *CORE, "--fd-method", method, "--format", "json", "-o", str(out)
    )
    assert result.exit_code == 0, result.output
    fd = json.loads(out.read_text())["cases"][0]["backends"]["fd"]
    assert fd["info"]["fd_method"] == reported
