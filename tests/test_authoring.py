"""`gradcheck new` writes a starter case that loads, validates and passes; `gradcheck
schema` writes the file the starter's header names."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from gradcheck_cli.cli import cli
from gradcheck_cli.commands.authoring import new_command, schema_command
from gradcheck_cli.document import parse
from gradcheck_cli.load import load_file
from gradcheck_cli.schema import case_schema

CORE = ["-b", "numpy", "-b", "fd"]
HEADER = re.compile(r"^# yaml-language-server: \$schema=(\S+)$")
# the commented optimizer lines of the starter, as a user uncomments them
OPTIMIZER_LINES = re.compile(r"^(\s*)# (optimizer|steps|params|costs):", re.MULTILINE)


def gradcheck():
    """The real `gradcheck` group (its error handling, its `run`) with the authoring
    commands, whether or not cli.py registers them yet."""
    commands = {**cli.commands, "new": new_command, "schema": schema_command}
    return type(cli)(name="gradcheck", commands=commands)


def invoke(*args: str):
    return CliRunner().invoke(gradcheck(), list(args))


@pytest.fixture
def here(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _validate(path: Path) -> list[str]:
    data = parse(path.read_text(encoding="utf-8"), str(path)).plain()
    return [e.message for e in jsonschema.Draft202012Validator(case_schema()).iter_errors(data)]


def test_new_writes_a_starter_that_loads_validates_and_passes(here):
    result = invoke("new", "my-case")
    assert result.exit_code == 0, result.output
    assert "wrote my-case.yaml" in result.output
    path = here / "my-case.yaml"
    [case] = load_file(path)
    assert case.name == "my-case" and case.optimizer is None
    assert _validate(path) == []
    run = invoke("run", "my-case.yaml", *CORE)
    assert run.exit_code == 0, run.output
    assert run.output.strip().endswith("1 passed, 0 failed, 0 errors, 0 skipped")


def test_the_starter_comments_each_key_it_sets(here):
    invoke("new", "c")
    lines = (here / "c.yaml").read_text().splitlines()
    keyed = [line for line in lines if re.match(r"^\s*[a-z_]+:", line)]
    assert len(keyed) >= 10
    uncommented = [line for line in keyed if "#" not in line and not line.startswith("  ")]
    assert uncommented == []  # every top-level key it sets says what it means
    assert any(line.startswith("# optimizer:") for line in lines)


def test_the_commented_optimizer_block_is_right_once_uncommented(here):
    invoke("new", "stepped")
    path = here / "stepped.yaml"
    text, count = OPTIMIZER_LINES.subn(r"\1\2:", path.read_text())
    assert count == 4
    path.write_text(text)
    [case] = load_file(path)
    assert case.optimizer.name == "sgd" and case.expect.params is not None
    assert _validate(path) == []
    run = invoke("run", str(path), *CORE)
    assert run.exit_code == 0, run.output


@pytest.mark.frameworks
def test_the_starter_passes_on_every_backend(here):
    invoke("new", "everywhere")
    run = invoke("run", "everywhere.yaml")
    assert run.exit_code == 0, run.output
    assert "0 failed, 0 errors" in run.output


def test_the_header_names_the_schema_that_gradcheck_schema_writes(here):
    result = invoke("new", "deep", "-o", "cases/sub")
    assert result.exit_code == 0, result.output
    path = here / "cases" / "sub" / "deep.yaml"
    first = path.read_text().splitlines()[0]
    match = HEADER.match(first)
    assert match and match.group(1) == "../../gradcheck.schema.json"
    schema = invoke("schema")
    assert schema.exit_code == 0
    (here / "gradcheck.schema.json").write_text(schema.output)
    assert (path.parent / match.group(1)).resolve() == (here / "gradcheck.schema.json").resolve()


def test_in_the_current_folder_the_header_is_dot_slash(here):
    invoke("new", "top")
    assert (here / "top.yaml").read_text().splitlines()[0] == (
        "# yaml-language-server: $schema=./gradcheck.schema.json"
    )


def test_new_never_overwrites(here):
    (here / "taken.yaml").write_text("mine\n")
    result = invoke("new", "taken")
    assert result.exit_code == 2
    assert "taken.yaml exists" in result.output and "never overwrites" in result.output
    assert (here / "taken.yaml").read_text() == "mine\n"
    assert "Traceback" not in result.output


@pytest.mark.parametrize("name", ["a b", "a/b", "", "ünïcode"])
def test_new_refuses_a_name_the_loader_would_refuse(here, name):
    result = invoke("new", name)
    assert result.exit_code == 2
    assert "cannot be a case name" in result.output
    assert list(here.iterdir()) == []


def test_a_yaml_suffix_names_the_file(here):
    assert invoke("new", "given.yml").exit_code == 0
    [case] = load_file(here / "given.yml")
    assert case.name == "given"


@pytest.mark.parametrize("name", ["1.5", "true", "0x1f", "null", "-"])
def test_a_name_yaml_would_misread_is_quoted(here, name):
    assert invoke("new", name).exit_code == 0, name
    [case] = load_file(here / f"{name}.yaml")
    assert case.name == name


def test_the_schema_command_alone(here):
    result = CliRunner().invoke(schema_command, [])
    assert result.exit_code == 0
    assert '"$schema": "https://json-schema.org/draft/2020-12/schema"' in result.output


def test_gradcheck_new_in_a_real_process(here):
    assert "new" in cli.commands
    env = {**os.environ, "NO_COLOR": "1"}
    made = subprocess.run(
        [sys.executable, "-m", "gradcheck_cli", "new", "proc"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert made.returncode == 0, made.stderr
    again = subprocess.run(
        [sys.executable, "-m", "gradcheck_cli", "new", "proc"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert again.returncode == 2 and "never overwrites" in again.stderr
    ran = subprocess.run(
        [sys.executable, "-m", "gradcheck_cli", "run", "proc.yaml", *CORE],
        capture_output=True,
        text=True,
        env=env,
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr


def test_new_with_implementations_writes_a_package_that_passes_under_import(here):
    result = invoke("new", "my-loss", "--implementations", "-o", "checks")
    assert result.exit_code == 0, result.output
    assert "gradcheck run checks/my-loss.yaml --import" in result.output
    package = here / "checks" / "my_loss_impl"
    assert sorted(p.name for p in package.iterdir()) == [
        "__init__.py", "ops_jax.py", "ops_numpy.py", "ops_tf.py", "ops_torch.py"
    ]  # fmt: skip
    text = (here / "checks" / "my-loss.yaml").read_text()
    assert 'numpy: {value: "checks.my_loss_impl.ops_numpy:cost"' in text
    assert _validate(here / "checks" / "my-loss.yaml") == []
    from gradcheck_cli.cli import cli

    run = CliRunner().invoke(
        cli, ["run", "checks/my-loss.yaml", "--import", "-b", "numpy", "-b", "fd"]
    )
    assert run.exit_code == 0, run.output
    assert "impl:numpy" in run.output


def test_new_with_implementations_refuses_a_folder_python_cannot_import(here):
    result = invoke("new", "x", "--implementations", "-o", "my-checks")
    assert result.exit_code == 2
    assert "cannot be imported from here as a Python package" in result.output
