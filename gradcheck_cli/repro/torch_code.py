"""The torch repro script: the case as PyTorch code, differentiated by autograd, stepped by
torch.optim. Each line of the program, the reduce and the optimizer is printed from the
trees of gradcheck_cli/spelling/torch.py, the ones the torch backend runs: `torch.amax`,
`torch.clamp`, `torch.linalg.norm`; a negative slice step through `torch.flip`. This
module writes text; it does not import torch.
"""

from __future__ import annotations

from typing import Any

from ..case import Case
from ..spelling import torch as torch_spelling
from ..spelling.printer import Text, source
from ..spelling.site import lower
from ..spelling.tree import Call, Input, Name
from .expr import ATOM, Expr, fit, from_spec, nested, py, wrap
from .program import describe, header, hyperparameters, reached, render_lowered

FRAMEWORK = "torch"
SPELL = torch_spelling.SPELL  # the table the torch backend runs


def problem(case: Case) -> str | None:
    spec = case.optimizer
    reason = spec and torch_spelling.unsupported(spec.name, hyperparameters(case))
    return f"{reason} (the torch backend skips this case)" if reason else None


# ---- the script ---------------------------------------------------------------------------


def _define(name: str, case: Case, array: Any, spec: Any, grad: bool) -> str:
    data = from_spec(array, spec) or nested(array)
    dtype = array.dtype.name
    extra = ", requires_grad=True" if grad else ""
    return f"{name} = torch.tensor({data}, dtype=torch.{dtype}{extra})"


def _optimizer(case: Case, hp: dict[str, Any], params: str) -> str:
    tree = torch_spelling.OPTIMIZERS[case.optimizer.name](hp)
    assert isinstance(tree, Call) and isinstance(tree.fn, Name)
    shown = [Text(params)]
    args = [source(a, shown).text for a in tree.args]
    args += [f"{k}={source(v, shown).text}" for k, v in tree.kwargs]
    return fit(f"optimizer = {tree.fn.path}(", args)


def _differentiate(case: Case, cost: str, reach: tuple[str, ...]) -> tuple[list[str], str]:
    """The reduce, torch's way, and the backward pass; and what is differentiated."""
    if case.reduce in ("sum", "mean"):
        reduced = source(torch_spelling.REDUCE[case.reduce](Input(0)), [Text(cost)]).text
        lines, loss = [f"loss = {reduced}  # reduce: {case.reduce}"], "loss"
    else:
        lines, loss = [], cost
    note = {
        "native": "  # reduce: native: torch's own rule for a non-scalar cost",
        "none": "  # reduce: none: the cost is a scalar",
    }.get(case.reduce, "")
    if reach or case.reduce == "native":
        lines.append(f"{wrap(Expr(loss), ATOM)}.backward(){note}")
    return lines, loss


def _grad_lines(case: Case, names: dict[str, str], reach: tuple[str, ...]) -> list[str]:
    lines = []
    for p in case.wrt:
        n = names[p]
        if p in reach:
            lines.append(f'print("grad {p}:", {n}.grad.tolist())')
        else:
            lines.append(
                f'print("grad {p}:", torch.zeros_like({n}).tolist())  # no path to the cost'
            )
    return lines


def script(case: Case, specs: dict[str, Any]) -> str:
    body = render_lowered(case, lower(case, SPELL), lambda v: f"torch.tensor({py(v)})")
    names, reach = body.names, reached(case)
    lines = header(case, "torch", describe(case)) + ["import torch"]
    if any(s is not None and from_spec(a, s) for a, s in _arrays(case, specs)):
        lines.append("import numpy as np")
    lines.append("")
    if case.dtype in ("float64", "complex128"):  # torch's default dtype must be real
        note = "the case dtype" if case.dtype == "float64" else "complex128's real dtype"
        lines.append(f"torch.set_default_dtype(torch.float64)  # {note}, for literals")
    lines.append('print("torch", torch.__version__)')
    for name, array in {**case.params, **case.inputs}.items():
        grad = name in case.wrt
        lines.append(_define(names[name], case, array, specs.get(name), grad))
    program = body.lines
    step, loss = _differentiate(case, body.cost, reach)
    value = f'print("value:", {body.cost}.tolist())'
    grads = _grad_lines(case, names, reach)
    if case.optimizer is None:
        return "\n".join([*lines, "", *program, value, *step, *grads]) + "\n"
    params = "[" + ", ".join(names[p] for p in case.wrt) + "]"
    lines += [_optimizer(case, hyperparameters(case), params), "", "costs = []"]
    lines.append(f"for step in range({case.steps}):")
    loop = ["optimizer.zero_grad()", *program, "if step == 0:", f"    {value}", *step]
    loop += [f"costs.append({loss}.item())", "if step == 0:", *(f"    {g}" for g in grads)]
    loop.append("optimizer.step()")
    lines += [f"    {line}" for line in loop]
    lines += [f'print("params {p}:", {names[p]}.tolist())' for p in case.wrt]
    lines.append('print("costs:", costs)')
    return "\n".join(lines) + "\n"


def _arrays(case: Case, specs: dict[str, Any]) -> list[tuple[Any, Any]]:
    return [(a, specs.get(n)) for n, a in {**case.params, **case.inputs}.items()]
