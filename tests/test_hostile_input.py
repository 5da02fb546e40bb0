"""Hostile and huge input: each class a campaign found, refused with a position (exit 2) or
handled (a backend's error row, exit 1), never a traceback, a hang or a memory kill. Like
tests/test_parse_refusals.py, this file pins what must stay refused."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from gradcheck_cli import isolation
from gradcheck_cli.cli import cli
from gradcheck_cli.limits import DEFAULT
from gradcheck_cli.load import read_text
from gradcheck_cli.run import Options, checked, load_all, run_backend, run_case

BASE = "name: c\nparams: {w: [1.0, 2.0]}\n"


def problems(text: str, **limits) -> list[str]:
    """Every problem of one file's text, the abstract pass's included."""
    chosen = DEFAULT.with_(**limits)
    cases, found = read_text(text, "case.yaml", chosen)
    for case in cases:
        found += checked(case, chosen)[1]
    return [str(p) for p in found]


def refused(text: str, expected: str, **limits) -> None:
    found = problems(text, **limits)
    assert any(expected in p for p in found), found
    assert all(p.startswith("case.yaml:") for p in found), found


# ---- YAML -----------------------------------------------------------------------------

BOMB = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n" for i in range(9)
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (BASE + "cost: sum(w)\ntags: [!!float yes]\n", "case.yaml:4:8: the YAML tag !!float"),
        (BASE + "cost: sum(w)\ndescription: !!int x\n", "the YAML tag !!int is not allowed"),
        (BASE + "cost: sum(w)\ndescription: !!timestamp x\n", "the YAML tag !!timestamp"),
        ("name: !!python/object/apply:os.system [ls]\n", "the YAML tag !!python/object/apply"),
        (BASE + "cost: sum(w)\nsteps: " + "9" * 5000 + "\n", "an integer of 5,000 digits"),
        ("name: &a [*a]\n", "case.yaml:1:11: the alias *a refers to itself"),
        ("a: " + "[" * 1000 + "]" * 1000 + "\n", "nested 101 levels deep"),
        (BOMB, "with its aliases expanded"),
        ("name: a\n\tparams: 1\n", "case.yaml:2:1: YAML: a tab indents this line"),
        ("name: a\nparams: {w: [1.0, 2.0}\n", "case.yaml:2:13: YAML: the bracket opened here"),
        (
            BASE + "cost: sum(w)\ninputs: {m: {value: [yes, no], dtype: bool}}\n",
            "write true or false",
        ),
    ],
    ids=[
        "float-tag",
        "int-tag",
        "timestamp",
        "python",
        "long-int",
        "recursive",
        "deep",
        "bomb",
        "tab",
        "bracket",
        "yes",
    ],
)
def test_yaml_that_would_crash_or_hang_is_refused_with_its_position(text, expected):
    refused(text, expected)


# ---- schema ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tail", "expected"),
    [
        ('cost: " "\n', "case.yaml:3:7: cost: empty"),
        ("cost: sum(w)\ntolerance: {rtol: " + "9" * 400 + "}\n", "an integer of 400 digits"),
        ("cost: sum(w)\ntolerance: {rtol: .inf}\n", "tolerance.rtol: must be a finite number"),
        ("cost: sum(w)\nwrt: []\n", "case.yaml:4:6: wrt: empty"),
        ("cost: sum(w)\noptimizer: {name: sgd, lr: 0.1}\nsteps: 100000000\n", "(--max-steps)"),
    ],
)
def test_schema_mistakes_are_refused(tail, expected):
    refused(BASE + tail, expected)


def test_a_generator_bound_must_be_finite():
    text = "name: c\nparams: {w: {shape: [3], init: uniform, high: .inf}}\ncost: sum(w)\n"
    refused(text, "high: inf is not a finite number")


# ---- expressions ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cost", "expected"),
    [
        ("sum(w, axis=5)", "case.yaml:3:7: `sum(w, axis=5)`: axis 5 is out of bounds"),
        ("sum(w[0] * transpose(M, (5, 6)))", "`transpose(M, (5, 6))`"),
        ("sum(w * 2**10000)", "2 ** 10000 is too large for an integer"),
        ("sum(w * 10**10**10)", "10 ** 10000000000 is too large"),
        ("sum(w * 99999999999999999999999)", "this integer is too large for int64"),
        ("+".join(["w"] * 1000) + " @ w", "(--max-depth)"),
        ("sum(" + "-" * 1000 + "w)", "(--max-depth)"),
        ("sum(w" + ".T" * 1000 + ")", "(--max-depth)"),
        ("sum(w" + "[:]" * 1000 + ")", "(--max-depth)"),
        ("sum(w[5] * 2 + sum(w, axis=3))", "`sum(w, axis=3)`: axis 3 is out of bounds"),
    ],
)
def test_expressions_are_refused_at_load_with_their_position(cost, expected):
    text = f"name: c\nparams: {{w: [1.0, 2.0], M: [[1.0, 2.0]]}}\ncost: {cost}\n"
    refused(text, expected)


def test_a_long_program_is_parsed_and_a_longer_one_refused():
    lines = "\n".join(f"  a{i} = w * {i}" for i in range(DEFAULT.max_equations - 1))
    assert problems(f"{BASE}program: |\n{lines}\ncost: sum(a1)\n") == []
    refused(
        f"{BASE}program: |\n{lines}\n  b = w + 1\n  c = b + 1\ncost: sum(a1)\n", "(--max-equations)"
    )


# ---- resources: refused before anything is allocated ----------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "name: c\nparams: {w: {shape: [100000, 100000]}}\ncost: sum(w)\n",
            "params.w: shape [100000, 100000] has 1e10 elements (80 GB): the limit is 1e7 elements",
        ),
        (
            "name: c\nparams: {w: 1.0}\ninputs: {n: {shape: [100000000000], init: arange}}\ncost: w\n",
            "inputs.n: shape [100000000000] has 1e11 elements",
        ),
        (
            "name: c\nparams: {w: {shape: [100000]}}\ncost: sum(w[:, None] * w[None, :])\n",
            "case.yaml:3:11: `w[:, None] * w[None, :]` makes an array of 1e10 elements (80 GB)",
        ),
        (
            "name: c\nparams: {w: {shape: [100000]}}\ncost: sum(outer(w, w))\n",
            "`outer(w, w)` makes an array of 1e10 elements",
        ),
        (
            "name: c\nparams: {w: {shape: [3000000]}}\ncost: sum(concatenate([w, w, w, w]))\n",
            "makes an array of 1.2e7 elements",
        ),
        ("name: c\nparams: {a: {shape: [3000, 3000]}}\ncost: sum(a @ a)\n", "(--max-flops)"),
    ],
    ids=["param", "arange", "broadcast", "outer", "concatenate", "matmul"],
)
def test_a_case_over_the_budget_is_refused_with_the_numbers(text, expected):
    refused(text, expected)


def test_the_budget_is_the_users_to_raise():
    text = "name: c\nparams: {w: {shape: [2000]}}\ncost: sum(w[:, None] * w[None, :])\n"
    refused(text, "the limit is 1,000,000 elements (--max-elements)", max_elements=10**6)
    assert problems(text) == []


def test_gradcheck_list_refuses_a_huge_case_without_building_it(tmp_path):
    (tmp_path / "big.yaml").write_text(
        "name: c\nparams: {w: {shape: [100000, 100000]}}\ncost: sum(w)\n"
    )
    result = CliRunner().invoke(cli, ["list", str(tmp_path)])
    assert result.exit_code == 2 and "has 1e10 elements" in result.output
    assert "Traceback" not in result.output


# ---- the command line -----------------------------------------------------------------

CORE = ["-b", "numpy", "-b", "fd"]
PASSING = BASE + "cost: sum(w * w)\n"


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_no_case_selected_exits_5(tmp_path):
    (tmp_path / "empty").mkdir()
    empty = invoke("run", str(tmp_path / "empty"), *CORE)
    assert empty.exit_code == 5 and "no *.yaml or *.yml file was found" in empty.output
    (tmp_path / "c.yaml").write_text(PASSING)
    filtered = invoke("run", str(tmp_path / "c.yaml"), "-k", "nothing", *CORE)
    assert filtered.exit_code == 5 and "-k nothing matched none of 1 cases" in filtered.output
    tagged = invoke("run", str(tmp_path / "c.yaml"), "--tag", "nope", *CORE)
    assert tagged.exit_code == 5


def test_a_symlink_out_of_the_folder_is_skipped_and_its_content_never_echoed(tmp_path):
    secret = tmp_path / "secret.yaml"
    secret.write_text("name: s\nparams: {password: hunter2}\n")
    folder = tmp_path / "cases"
    folder.mkdir()
    (folder / "ok.yaml").write_text(PASSING)
    (folder / "leak.yaml").symlink_to(secret)
    (folder / "up").symlink_to(tmp_path)
    result = invoke("run", str(folder), *CORE)
    assert result.exit_code == 0, result.output
    assert f"skipped {folder / 'leak.yaml'}: a symlink out of {folder}" in result.output
    assert f"skipped {folder / 'up'}: a symlink out of {folder}" in result.output
    assert "hunter2" not in result.output
    # a file named on the command line is read, wherever it points
    named = invoke("run", str(folder / "leak.yaml"), *CORE)
    assert named.exit_code == 2 and "params.password" in named.output


def test_a_path_of_5000_characters_is_a_usage_error():
    result = invoke("run", "a" * 5000, *CORE)
    assert result.exit_code == 2 and "(5000 characters)" in result.output
    assert "Traceback" not in result.output


def test_json_on_stdout_is_pure_json_and_the_text_goes_to_stderr(tmp_path):
    import json

    (tmp_path / "c.yaml").write_text(PASSING)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "gradcheck_cli",
            "run",
            str(tmp_path),
            *CORE,
            "--format",
            "json",
            "-o",
            "-",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    assert json.loads(done.stdout)["summary"]["pass"] == 1
    assert "1 passed" in done.stderr


@pytest.mark.parametrize("target", ["/dev/full", "closed", "pipe"])
def test_an_output_that_cannot_be_written_is_said_not_a_traceback(tmp_path, target):
    (tmp_path / "c.yaml").write_text(PASSING)
    command = [sys.executable, "-m", "gradcheck_cli", "run", str(tmp_path), *CORE]
    if target == "/dev/full":
        with open("/dev/full", "w") as full:
            done = subprocess.run(
                command, stdout=full, stderr=subprocess.PIPE, text=True, check=False
            )
        assert done.returncode == 0 and "No space left on device" in done.stderr
    elif target == "closed":
        done = subprocess.run(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            close_fds=True,
            pass_fds=(),
            check=False,
            preexec_fn=lambda: os.close(1),
        )
        assert done.returncode == 0
    else:
        done = subprocess.run(
            command + ["--format", "json", "-o", "/dev/full"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 2 and "cannot write the json report" in done.stderr
    assert "Traceback" not in done.stderr


# ---- the time limit -------------------------------------------------------------------

SLOW = (
    "name: slow\nparams: {w: {shape: [30000], seed: 1}}\ncost: sum(tanh(w) * w)\n"
    "optimizer: {name: sgd, lr: 0.001}\nsteps: 5000\n"
)


def _case(text: str):
    (case,), problems = load_all_text(text)
    assert problems == []
    return case


def load_all_text(text: str):
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "c.yaml"
        path.write_text(text)
        return load_all([path])


def test_an_in_process_backend_over_the_time_limit_is_an_error():
    outcome = run_backend("numpy", _case(SLOW), Options(timeout=0.3))
    assert outcome.error == "exceeded 0.3 s (--timeout)" and outcome.error_type == "Timeout"


def test_a_worker_past_the_limit_is_killed_and_the_next_case_runs():
    pytest.importorskip("torch")
    slow, quick = _case(SLOW), _case(PASSING)
    worker = isolation.Worker("torch")
    try:
        worker.submit(slow, Options())  # no timer inside: only the kill can stop it
        outcome = worker.result(0.5, None)
        assert outcome.error == "exceeded 0.5 s (--timeout)"
        assert worker.process is None  # killed and gone
        worker.submit(quick, Options())
        assert worker.result(60, None).error is None  # a new worker takes the next case
    finally:
        worker.stop()
    assert worker.process is None


def test_the_cli_reports_a_timeout_as_that_backends_error_and_goes_on(tmp_path):
    pytest.importorskip("torch")
    (tmp_path / "a.yaml").write_text(SLOW)
    (tmp_path / "b.yaml").write_text(PASSING.replace("name: c", "name: quick"))
    result = invoke("run", str(tmp_path), *CORE, "-b", "torch", "--timeout", "0.5")
    isolation.shutdown()
    assert result.exit_code == 1, result.output
    assert "numpy: error: Timeout: exceeded 0.5 s (--timeout)" in result.output
    assert "torch: error: Timeout: exceeded 0.5 s (--timeout)" in result.output
    assert "PASS  quick" in result.output


def test_run_case_runs_the_frameworks_in_workers_with_the_same_verdict():
    pytest.importorskip("torch")
    case = _case(PASSING)
    isolated = run_case(case, Options(backends=("numpy", "fd", "torch"), isolate=True))
    direct = run_case(case, Options(backends=("numpy", "fd", "torch")))
    assert {k: r.status for k, r in isolated.backends.items()} == {
        k: r.status for k, r in direct.backends.items()
    }
    assert isolated.backends["torch"].outcome.grad["w"].tolist() == [2.0, 4.0]


def test_the_docs_table_of_limits_is_the_codes():
    from gradcheck_cli.limits import table

    doc = (Path(__file__).parents[1] / "docs" / "limits.md").read_text()
    assert table() in doc
