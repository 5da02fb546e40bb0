"""The README's report excerpts are real: running them gives exactly what it shows."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from gradcheck_cli.cli import cli

ROOT = Path(__file__).parents[1]
README = (ROOT / "README.md").read_text()
EXCERPTS = re.findall(r"```\n\$ gradcheck (run [^\n]+)\n(.*?)```", README, re.S)


def test_the_readme_has_its_excerpts():
    assert len(EXCERPTS) == 2


@pytest.mark.parametrize(("command", "expected"), EXCERPTS, ids=[c for c, _ in EXCERPTS])
def test_an_excerpt_is_what_gradcheck_prints(command, expected, tmp_path, monkeypatch):
    for framework in ("torch", "jax", "tensorflow"):
        pytest.importorskip(framework)  # the excerpts show all five backends
    source = re.search(r"\(`my-loss.yaml`\):\n\n```yaml\n(.*?)```", README, re.S).group(1)
    (tmp_path / "my-loss.yaml").write_text(source)
    os.symlink(ROOT / "cases", tmp_path / "cases")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, command.split())
    assert result.output == expected
