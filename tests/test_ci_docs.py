"""docs/ci.md and .pre-commit-hooks.yaml, exercised: every YAML block parses, the
workflow has its jobs and steps, its `gradcheck` command lines run with the real command
line on the shipped cases, and the pre-commit hook runs what it says."""

from __future__ import annotations

import importlib.metadata
import os
import re
import shlex
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml
from click.testing import CliRunner

from gradcheck_cli import __version__
from gradcheck_cli.cli import cli
from gradcheck_cli.document import parse

ROOT = Path(__file__).parents[1]
CASES = ROOT / "cases"
DOC = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
HOOKS_FILE = ROOT / ".pre-commit-hooks.yaml"
WORKFLOW_PATH = ".github/workflows/gradcheck.yml"
CORE = ["-b", "numpy", "-b", "fd"]  # narrows the backends to keep the runs quick


def _blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", DOC, re.MULTILINE | re.DOTALL)


def _read(text: str):
    """YAML 1.2 as gradcheck reads it (PyYAML's 1.1 rules would turn `on:` into True)."""
    return parse(text, "docs/ci.md").plain()


def _block_for(first_line: str):
    found = [b for b in _blocks("yaml") if b.splitlines()[0] == f"# {first_line}"]
    assert len(found) == 1, f"docs/ci.md has {len(found)} blocks starting '# {first_line}'"
    return _read(found[0])


def _workflow() -> dict:
    return _block_for(WORKFLOW_PATH)


def _steps() -> list[dict]:
    return _workflow()["jobs"]["cases"]["steps"]


def _step(uses: str = "", runs: str = "") -> dict:
    found = [
        s
        for s in _steps()
        if (uses and s.get("uses", "").startswith(uses)) or (runs and runs in s.get("run", ""))
    ]
    assert len(found) == 1, f"expected one step using {uses!r} / running {runs!r}"
    return found[0]


def _hooks() -> list[dict]:
    return yaml.safe_load(HOOKS_FILE.read_text(encoding="utf-8"))


def _configs() -> list[dict]:
    return [_read(b) for b in _blocks("yaml") if "repos:" in b]


# --- the YAML blocks -------------------------------------------------------------------------


def test_every_yaml_block_is_valid_yaml():
    blocks = _blocks("yaml")
    assert len(blocks) >= 4
    for block in blocks:
        yaml.safe_load(block)  # as GitHub and pre-commit read it
        _read(block)


def test_the_workflow_runs_on_pushes_and_pull_requests_over_two_shards():
    workflow = _workflow()
    assert set(workflow["on"]) == {"push", "pull_request"}
    assert list(workflow["jobs"]) == ["cases"]
    job = workflow["jobs"]["cases"]
    assert job["runs-on"] == "ubuntu-latest"
    assert job["strategy"]["matrix"]["shard"] == ["1/2", "2/2"]
    assert job["strategy"]["fail-fast"] is False


def test_the_workflow_steps_check_out_set_up_install_run_and_upload():
    uses = [s.get("uses", "").split("@")[0] for s in _steps()]
    assert uses == ["actions/checkout", "actions/setup-python", "", "", "actions/upload-artifact"]
    python = _step(uses="actions/setup-python")["with"]
    assert python["python-version"] == "3.11"  # a string: the number 3.10 would read as 3.1
    for name in python["cache-dependency-path"].split():
        assert (ROOT / name).is_file(), name
    install = shlex.split(_step(runs="pip install")["run"])
    assert install[install.index("-c") + 1] == "constraints.txt"
    assert (ROOT / "constraints.txt").is_file()
    extras = re.fullmatch(r"\.\[(.+)\]", install[-1]).group(1).split(",")
    declared = importlib.metadata.metadata("gradcheck-cli").get_all("Provides-Extra")
    assert set(extras) <= set(declared), extras
    upload = _step(uses="actions/upload-artifact")
    assert upload["if"] == "always()"
    run = shlex.split(_step(runs="gradcheck run")["run"])
    assert upload["with"]["path"] == run[run.index("junit") + 2] == "report.xml"


def _commands(matrix_shard: str, summary: Path) -> list[list[str]]:
    """The `gradcheck` command lines of the workflow, as the runner's shell would split
    them for one matrix entry."""
    out = []
    for step in _steps():
        text = step.get("run", "").replace("${{ matrix.shard }}", matrix_shard)
        text = text.replace("$GITHUB_STEP_SUMMARY", str(summary))
        for line in re.split(r"(?<!\\)\n", text):
            words = shlex.split(line.replace("\\\n", " "))
            if words[:1] == ["gradcheck"]:
                out.append(words)
    return out


def _missing_options(args: list[str]) -> list[str]:
    """Options on a command line that `gradcheck run` does not have (yet)."""
    known = {opt for param in cli.commands["run"].params for opt in param.opts}
    return sorted({a for a in args if a.startswith("-") and a != "-" and a not in known})


def _run_shard(shard: str, where: Path) -> set[tuple[str, str]]:
    """Run the workflow's command lines for one shard in a checkout-like folder; the
    testcases of its JUnit report."""
    where.mkdir()
    shutil.copytree(CASES, where / "cases")
    summary = where / "summary.md"
    [command] = _commands(shard, summary)
    assert _missing_options(command) == [], "the workflow uses options gradcheck run lacks"
    cwd = os.getcwd()
    os.chdir(where)
    try:
        result = CliRunner().invoke(cli, command[1:] + CORE)
    finally:
        os.chdir(cwd)
    # 0 or 1 as the cases pass or not; 2 would be a command line gradcheck refuses
    assert result.exit_code in (0, 1), result.output
    assert summary.read_text().strip(), "the markdown summary is empty"
    assert "::notice" in result.output  # `--format github -o -`: the annotations, in the log
    root = ET.parse(where / "report.xml").getroot()
    return {(t.get("classname", ""), t.get("name", "")) for t in root.iter("testcase")}


def test_the_workflow_commands_run_and_the_shards_cover_every_case_once(tmp_path):
    everything = _run_shard("1/1", tmp_path / "all")
    shards = [_run_shard(f"{k}/2", tmp_path / f"shard{k}") for k in (1, 2)]
    assert all(shards), "a shard ran nothing: the example shows nothing"
    assert shards[0] | shards[1] == everything
    assert not shards[0] & shards[1]


# --- the pytest plugin -------------------------------------------------------------------------


def _pytest_lines() -> list[str]:
    lines = [line.split("#")[0].strip() for block in _blocks("sh") for line in block.splitlines()]
    return [line for line in lines if line.startswith("pytest ")]


def test_the_pytest_examples_name_the_cases_folder():
    lines = _pytest_lines()
    assert "pytest cases/ -n auto" in lines
    assert all(shlex.split(line)[1] == "cases/" for line in lines)
    [step] = _block_for("a step for .github/workflows/gradcheck.yml: the cases as pytest items")
    assert step["run"].startswith("python -m pytest cases/ -n auto")


def test_pytest_cases_n_auto_runs_the_cases(tmp_path):
    plugins = importlib.metadata.entry_points(group="pytest11")
    assert any(ep.value.startswith("gradcheck_cli") for ep in plugins), "no pytest11 entry point"
    shutil.copytree(CASES / "founding", tmp_path / "cases")
    args = shlex.split("pytest cases/ -n auto")[1:]
    args[args.index("auto")] = "2"  # two workers are enough to show xdist works
    # `-k` by backend (as the doc shows with torch) keeps frameworks out of this quick run
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            *args,
            "-k",
            "numpy or fd",
            "-q",
            "-p",
            "no:cacheprovider",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 passed" in done.stdout  # two founding cases, two backends each


# --- pre-commit --------------------------------------------------------------------------------


def test_the_hook_file_declares_the_gradcheck_hook():
    [hook] = _hooks()
    assert hook["id"] == "gradcheck"
    assert hook["entry"] == "gradcheck run"
    assert hook["language"] == "python"
    re.compile(hook["files"])


def test_the_hook_pattern_matches_case_files_and_nothing_else():
    pattern = re.compile(_hooks()[0]["files"])
    shipped = [p.relative_to(ROOT).as_posix() for p in sorted(CASES.rglob("*.y*ml"))]
    assert shipped and all(pattern.search(p) for p in shipped)
    assert pattern.search("tests/gradients/cases/sub/a.yml")
    for other in [".pre-commit-hooks.yaml", WORKFLOW_PATH, "docs/x.yaml", "mycases/a.yaml"]:
        assert not pattern.search(other), other


def _run_hook(files: list[str]):
    words = shlex.split(_hooks()[0]["entry"])
    assert words[0] == "gradcheck"
    return CliRunner().invoke(cli, [*words[1:], *files])  # pre-commit appends the files


def test_the_hook_entry_runs_on_the_founding_cases():
    files = sorted(str(p) for p in (CASES / "founding").glob("*.yaml"))
    result = _run_hook(files)
    assert result.exit_code == 0, result.output
    assert "2 passed" in result.output


def test_the_hook_entry_fails_a_wrong_case(tmp_path):
    bad = tmp_path / "cases" / "wrong.yaml"
    bad.parent.mkdir()
    bad.write_text("name: wrong\nparams: {w: 2.0}\ncost: w * w\nexpect: {grad: {w: 5.0}}\n")
    assert _run_hook([str(bad)]).exit_code == 1


def test_the_documented_configs_use_the_hook_that_exists():
    hook = _hooks()[0]
    remote, local = sorted(_configs(), key=lambda c: c["repos"][0]["repo"] == "local")
    [repo] = remote["repos"]
    assert repo["rev"] == f"v{__version__}"
    assert [h["id"] for h in repo["hooks"]] == [hook["id"]]
    [repo] = local["repos"]
    [declared] = repo["hooks"]
    assert repo["repo"] == "local" and declared["language"] == "system"
    assert {k: declared[k] for k in ("id", "entry", "files")} == {
        k: hook[k] for k in ("id", "entry", "files")
    }
