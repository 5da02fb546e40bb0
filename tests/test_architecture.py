"""The architecture, kept true by tests: one op vocabulary, tables that cover it, imports
that go one way, frameworks imported only when a case needs them."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from gradcheck_cli.backends import MODULES
from gradcheck_cli.ops import FUNCTION_ALIASES, FUNCTIONS, OPS

PACKAGE = Path(__file__).parents[1] / "gradcheck_cli"
SEED = Path(__file__).parents[1] / "cases" / "founding" / "seed-sliced-cost.yaml"

# Lower layers never import higher ones (STYLE.md: cli -> run -> case/parse/compare/
# backends -> ir/ops/values/optim/results -> errors).
LAYERS = {
    "errors": 0,
    "ir": 1,
    "ops": 1,
    "values": 1,
    "optim": 1,
    "results": 1,
    "document": 1,
    "limits": 1,
    "implementations": 1,
    "collect": 2,
    "shapes": 2,
    "spelling": 2,
    "case": 2,
    "caseformat": 2,
    "parse": 2,
    "compare": 2,
    "load": 2,
    "backends": 2,
    "starter": 1,
    "run": 3,
    "isolation": 3,
    "report": 3,
    "explain": 3,
    "graph": 3,
    "plot": 3,
    "golden": 3,
    "repro": 3,
    "schema": 3,
    "fuzz": 3,
    "commands": 4,
    "pytest_plugin": 4,
    "pytest_items": 4,
    "cli": 5,
    "__main__": 6,
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            module = (node.module or "").split(".")[0]
            found.add(module if module else node.names[0].name)
    return found


def _layer(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


@pytest.mark.parametrize(
    "path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE))
)
def test_imports_go_downward(path):
    me = _layer(path)
    if me == "__init__":
        return
    for name in _imports(path):
        if path.parent.name == "backends" and name in {m for m in MODULES.values()} | {
            "np_rules",
            "np_rules_linalg",
        }:
            continue  # siblings inside the backends package
        if path.parent.name == "report" and name in ("text",):
            continue
        assert LAYERS.get(name, 0) <= LAYERS[me], f"{me} imports {name}"


def test_no_backend_imports_another():
    backends = PACKAGE / "backends"
    framework_modules = {"torch_backend", "jax_backend", "tf_backend", "fd", "np_engine"}
    for path in backends.glob("*.py"):
        others = _imports(path) & framework_modules - {path.stem}
        if path.stem in {"fd", "fd_values", "np_impl"}:
            others -= {"np_engine"}  # both reduce a cost with the project's own forward pass
        if path.stem == "np_higher":
            others -= {"np_engine"}  # the engine's own second order: its reverse pass again
        assert not others, f"{path.stem} imports {others}"


def test_every_contract_function_is_an_op():
    assert (
        sorted(
            FUNCTION_ALIASES.get(f, f) for f in FUNCTIONS if FUNCTION_ALIASES.get(f, f) not in OPS
        )
        == []
    )


@pytest.mark.parametrize("backend", ["numpy", "torch", "jax", "tensorflow"])
def test_every_backend_table_covers_every_op(backend):
    """Each op has the numpy engine's rule; each framework spells it, or declares why it
    cannot (its SKIP: the backend then skips with that reason)."""
    if backend == "numpy":
        from gradcheck_cli.backends.np_rules import RULES, VJP

        assert sorted(set(OPS) - set(RULES)) == [] and sorted(set(OPS) - set(VJP)) == []
        return
    spelling = importlib.import_module(f"gradcheck_cli.spelling.{backend}")
    missing = sorted(set(OPS) - set(spelling.SPELL) - set(spelling.SKIP))
    assert missing == [], f"{backend}'s spelling misses these ops"


def test_importing_gradcheck_imports_no_framework():
    code = "import sys, gradcheck_cli.cli, gradcheck_cli.run; print(sorted(m for m in ('torch', 'jax', 'tensorflow') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_numpy_and_fd_run_imports_no_framework():
    code = (
        "import sys\n"
        "from gradcheck_cli.run import Options, load_all, run\n"
        f"cases, _ = load_all([__import__('pathlib').Path({str(SEED)!r})])\n"
        "result = run(cases, Options(backends=('numpy', 'fd')))\n"
        "assert result.cases[0].status == 'pass'\n"
        "print(sorted(m for m in ('torch', 'jax', 'tensorflow', 'optax', 'keras') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_case_that_names_only_torch_imports_only_torch(tmp_path):
    pytest.importorskip("torch")
    path = tmp_path / "t.yaml"
    path.write_text(
        "name: t\nparams: {w: 1.0}\ncost: w * w\nbackends: [numpy, torch]\nreference: numpy\n"
    )
    code = (
        "import sys\n"
        "from gradcheck_cli.run import Options, load_all, run\n"
        f"cases, _ = load_all([__import__('pathlib').Path({str(path)!r})])\n"
        "assert run(cases, Options()).cases[0].status == 'pass'\n"
        "print(sorted(m for m in ('torch', 'jax', 'tensorflow') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['torch']"
