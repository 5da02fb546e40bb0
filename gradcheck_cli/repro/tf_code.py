"""The tensorflow repro script: the case run eagerly by TensorFlow, differentiated by a
GradientTape, stepped by Keras 3's optimizers. Each line of the program and the optimizer is
printed from the trees of gradcheck_cli/spelling/tensorflow.py, the ones the tensorflow
backend runs (`tf.reduce_max`, `tf.clip_by_value`, `tf.norm`, `tf.where` with its operands
broadcast first, an integer list through `tf.gather`, an integer or bool operand meeting a
float one cast first). This module writes text; it does not import tensorflow.
"""

from __future__ import annotations

from typing import Any

from ..case import Case
from ..ir import ArrayRef
from ..spelling import tensorflow as tf_spelling
from ..spelling.printer import source
from ..spelling.site import lower
from .expr import fit, from_spec, nested, py
from .program import describe, header, hyperparameters, reached, render_lowered

FRAMEWORK = "tensorflow"
SPELL = tf_spelling.SPELL  # the table the tensorflow backend runs


def problem(case: Case) -> str | None:
    """What the tensorflow backend skips, with its reason."""
    reason = tf_spelling.program_problem(case.program.eqns)
    spec = case.optimizer
    return reason or (
        spec and tf_spelling.unsupported(spec.name, hyperparameters(case), case.dtype)
    )


def _optimizer(case: Case) -> str:
    tree = tf_spelling.OPTIMIZERS[case.optimizer.name](hyperparameters(case))
    parts = [f"{k}={source(v, []).text}" for k, v in tree.kwargs]
    return fit(f"optimizer = {source(tree.fn, []).text}(", parts)


# ---- the script ---------------------------------------------------------------------------


def _define(name: str, array: Any, spec: Any, variable: bool) -> str:
    data = from_spec(array, spec) or nested(array)
    return (
        f"{name} = tf.{'Variable' if variable else 'constant'}({data}, dtype=tf.{array.dtype.name})"
    )


def _tape(case: Case, body: Any, reach: tuple[str, ...]) -> tuple[list[str], str]:
    """The forward pass under a tape, the reduce, the gradient; and the recorded cost."""
    names, cost = body.names, body.cost
    reduce = {"sum": "tf.reduce_sum({})", "mean": "tf.reduce_mean({})"}.get(case.reduce)
    inner = list(body.lines)
    if reduce:
        inner.append(f"loss = {reduce.format(cost)}  # reduce: {case.reduce}")
        target, recorded = "loss", "loss"
    else:
        target = cost
        recorded = f"tf.reduce_sum({cost})" if case.reduce == "native" else cost
    variables = "[" + ", ".join(names[p] for p in case.wrt) + "]"
    zero = (
        ", unconnected_gradients=tf.UnconnectedGradients.ZERO" if len(reach) < len(case.wrt) else ""
    )
    gradient = f"tape.gradient({target}, {variables}{zero})"
    lines = ["with tf.GradientTape() as tape:", *(f"    {line}" for line in inner)]
    if case.reduce == "native":
        lines.append("# reduce: native: the tape differentiates the sum of a non-scalar cost")
    if _gathers(case):  # tf.gather's gradient is IndexedSlices: made dense
        lines.append(f"grads = [tf.convert_to_tensor(g) for g in {gradient}]")
    else:
        lines.append(f"grads = {gradient}")
    return lines, recorded


def _gathers(case: Case) -> bool:
    """Whether the program indexes with an integer list or array (a tf.gather), or calls
    an op spelled with one (take, take_along_axis, pad's edge mode)."""
    if any(eqn.op in ("take", "take_along_axis", "pad") for eqn in case.program.eqns):
        return True
    return any(
        isinstance(e, (ArrayRef, tuple))
        for eqn in case.program.eqns
        if eqn.op == "getitem"
        for e in eqn.attrs["index"]
    )


def script(case: Case, specs: dict[str, Any]) -> str:
    real = {"complex64": "float32", "complex128": "float64"}.get(case.dtype, case.dtype)
    constant = lambda v: f"tf.constant({py(v)}, tf.{real})"  # noqa: E731  a number cost: real
    body = render_lowered(case, lower(case, SPELL), constant)
    names, reach = body.names, reached(case)
    lines = [*header(case, "tensorflow", describe(case)), "import tensorflow as tf"]
    if any(from_spec(a, specs.get(n)) for n, a in {**case.params, **case.inputs}.items()):
        lines.append("import numpy as np")
    lines += ["", 'print("tensorflow", tf.__version__)']
    for name, array in {**case.params, **case.inputs}.items():
        lines.append(_define(names[name], array, specs.get(name), name in case.wrt))
    tape, recorded = _tape(case, body, reach)
    value = f'print("value:", {body.cost}.numpy().tolist())'
    grads = [f'print("grad {p}:", grads[{i}].numpy().tolist())' for i, p in enumerate(case.wrt)]
    if case.optimizer is None:
        return "\n".join([*lines, "", *tape, value, *grads]) + "\n"
    variables = "[" + ", ".join(names[p] for p in case.wrt) + "]"
    lines += [_optimizer(case), "", "costs = []", f"for step in range({case.steps}):"]
    loop = [*tape, f"costs.append(float({recorded}))", "if step == 0:"]
    loop += [f"    {line}" for line in (value, *grads)]
    loop.append(f"optimizer.apply_gradients(zip(grads, {variables}))")
    lines += [f"    {line}" for line in loop]
    lines += [f'print("params {p}:", {names[p]}.numpy().tolist())' for p in case.wrt]
    return "\n".join([*lines, 'print("costs:", costs)']) + "\n"
