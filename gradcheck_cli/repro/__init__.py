"""Repro scripts: a case rebuilt as a short, self-contained Python script for one framework
(`gradcheck repro CASE_FILE [NAME] --backend torch|jax|tensorflow|numpy`), what a user
attaches to a bug report. The script imports only that framework (and NumPy where a
generated array needs it), never gradcheck, and prints the value, the gradients, the
params after the optimizer's steps and the costs.

One module per framework holds a template per op (`TEMPLATES`) and the script around the
program (`script`); `program` renders the flat IR through such a table, `expr` holds the
pieces of code. The `numpy` script has no autodiff to call: it differentiates by central
differences in float64 and steps with the torch.optim formulas written out in NumPy (see
docs/golden-and-repro.md).
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType
from typing import Any

from ..case import Case
from ..document import DocumentError, Node, parse
from ..errors import UsageError
from ..values import generated

MODULES = {
    "torch": "torch_code",
    "jax": "jax_code",
    "tensorflow": "tf_code",
    "numpy": "numpy_code",
}
FRAMEWORKS = tuple(MODULES)


def module(framework: str) -> ModuleType:
    """The code generator of `framework` (it imports no framework)."""
    if framework not in MODULES:
        raise UsageError(f"no repro for {framework!r}: choose one of {', '.join(FRAMEWORKS)}")
    return importlib.import_module(f".{MODULES[framework]}", __name__)


def script(case: Case, framework: str, specs: dict[str, Any] | None = None) -> str:
    """The repro script of `case` for `framework`; `specs` are the generated arrays' specs
    by name (`generated_specs`), so that a large one is written as its numpy.random call.
    UsageError where the framework's backend cannot express the case."""
    gen = module(framework)
    reason = gen.problem(case)
    if reason:
        raise UsageError(f"{case.name}: no {framework} repro: {reason}")
    return gen.script(case, dict(specs or {}))


def generated_specs(path: str | Path, name: str, case: Case) -> dict[str, dict[str, Any]]:
    """The `{shape, init, seed}` specs of a case's generated params and inputs, read from its
    file; each is kept only if it draws exactly the array the case holds."""
    try:
        root = parse(Path(path).read_text(encoding="utf-8"), str(path))
    except (OSError, UnicodeDecodeError, DocumentError):
        return {}
    node = _case_node(root, name)
    specs: dict[str, dict[str, Any]] = {}
    for key, arrays in (("params", case.params), ("inputs", case.inputs)):
        mapping = node.get(key)
        if mapping is None or not isinstance(mapping.value, dict):
            continue
        for item, value in mapping.value.items():
            spec = value.plain()
            generated_here = isinstance(spec, dict) and "shape" in spec
            if item in arrays and generated_here and _draws(spec, arrays[item]):
                specs[item] = spec
    return specs


def _case_node(root: Node, name: str) -> dict[str, Node]:
    """The case's mapping, the file's defaults under it (as the loader merges them)."""
    if not isinstance(root.value, dict):
        return {}
    if "cases" not in root.value:
        return root.value
    defaults = root.value.get("defaults")
    base = defaults.value if defaults is not None and isinstance(defaults.value, dict) else {}
    for item in root.value["cases"].value or []:
        if (
            isinstance(item.value, dict)
            and item.value.get("name", Node(None, root.pos)).value == name
        ):
            return {**base, **item.value}
    return {}


def _draws(spec: dict[str, Any], array: Any) -> bool:
    try:
        again = generated(spec, array.dtype.name)
    except (ValueError, TypeError):
        return False
    return again.shape == array.shape and again.tobytes() == array.tobytes()
