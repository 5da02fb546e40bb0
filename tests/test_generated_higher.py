"""jvp and hvp (v2 `checks`) for every op, in forms generated from the op table
(`gradcheck_cli/fuzz/forms.py`, as test_generated_ops.py uses them), run the way
`gradcheck run` runs a case:

- the numpy engine against fd, jvp and hvp (and grad beside them), for a sample of each
  op's forms (the same ones every run: those whose ids hash lowest). An op without a
  forward-mode rule (np_jvp_rules) must say so: numpy's hvp is then a skip naming the op,
  and its jvp, from the VJPs, must still agree with fd.
- torch, jax and tensorflow against the numpy engine, jvp and hvp, a sample of each op's
  forms in one case. A framework may skip only with a reason (its forward mode lacks the
  op, say), which the report shows.

The forms' costs are `<form> * c` summed, so the hvp checks each op's second derivative.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import pytest

from gradcheck_cli import backends
from gradcheck_cli.backends.np_jvp_reductions import SPECTRAL
from gradcheck_cli.backends.np_jvp_rules import RULES as FORWARD_RULES
from gradcheck_cli.fuzz.cases import case_text
from gradcheck_cli.fuzz.forms import Form, forms
from gradcheck_cli.load import load_text
from gradcheck_cli.ops import OPS
from gradcheck_cli.results import FRAMEWORK_BACKENDS
from gradcheck_cli.run import checked
from tests.test_generated_ops import IMPRECISE, Check, _verify, refused

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

CHECKS = ["grad", "jvp", "hvp"]
PER_OP = 6  # forms of an op the engine is checked on against fd
FRAMEWORK_PER_OP = 2
# A framework's own forward mode lacking an op (measured, docs/semantics.md): a skip with
# this text in its reason, never a pass.
FRAMEWORK_GAPS = {("tensorflow", "softsign"): "SoftsignGrad"}
FRAMEWORK_TOLERANCE = {"rtol": 1e-8, "atol": 1e-10}  # second derivatives: more rounding
# Ops whose derivative is defined but has no forward-mode rule in the engine yet: its hvp
# is a skip naming the op (its jvp comes from the VJPs, row by row).
NO_FORWARD_RULE = frozenset(
    op for op, spec in OPS.items() if spec.diff != () and op not in FORWARD_RULES
)
# Decompositions drawn as general matrices have gauge freedom (eigenvector signs), and an
# op with no derivative has nothing to check: neither is sampled here.
SAMPLED = [op for op, spec in OPS.items() if spec.diff != ()]


def unwritten(form: Form) -> bool:
    """A form of an op with a forward rule that does not cover it: a matrix's spectral norm."""
    attrs = form.attr_dict
    axis = attrs.get("axis")
    matrix = (isinstance(axis, tuple) and len(axis) == 2) or (
        axis is None
        and form.args
        and getattr(form.args[0], "shape", ())
        and len(form.args[0].shape) >= 2
    )
    return form.op == "norm" and attrs.get("ord") in SPECTRAL and bool(matrix)


@dataclass(frozen=True)
class HigherCheck(Check):
    @property
    def keys(self) -> dict:
        return {**super().keys, "checks": CHECKS}


def sample(op: str, count: int) -> list[Form]:
    every = list(forms(op))
    order = sorted(range(len(every)), key=lambda i: zlib.crc32(every[i].id.encode()))
    keep = set(order[:count])
    return [f for i, f in enumerate(every) if i in keep]


def test_the_ops_without_a_forward_rule_are_few_and_named():
    """Every other differentiable op has one; these are the decompositions and cumprod."""
    assert {"cumprod", "eigh", "eigvalsh", "svd", "svdvals", "qr"} >= NO_FORWARD_RULE, sorted(
        NO_FORWARD_RULE
    )


@pytest.mark.parametrize("op", [op for op in SAMPLED if op not in NO_FORWARD_RULE])
def test_numpy_engine_jvp_and_hvp_agree_with_fd(op: str):
    check = HigherCheck("fd", ("numpy", "fd"), "fd", {"rtol": 1e-10, "atol": 1e-12})
    _verify(check, op, [f for f in sample(op, PER_OP) if not unwritten(f)])


def test_a_spectral_norm_skips_hvp_saying_why():

    check = HigherCheck("fd", ("numpy", "fd"), "fd", {"rtol": 1e-10, "atol": 1e-12})
    form = next(f for f in forms("norm") if unwritten(f))
    result = check.run(case_text(form, "spectral", **check.keys), f"<{form.id}>")
    numpy = result.backends["numpy"]
    assert numpy.status == "skip" and "spectral norms" in numpy.message, numpy.message


@pytest.mark.parametrize("op", sorted(NO_FORWARD_RULE))
def test_an_op_without_a_forward_rule_skips_hvp_naming_it(op: str):

    check = HigherCheck("fd", ("numpy", "fd"), "fd", {"rtol": 1e-10, "atol": 1e-12})
    form = sample(op, 1)[0]
    result = check.run(case_text(form, f"no-forward-{op}", **check.keys), f"<{form.id}>")
    numpy = result.backends["numpy"]
    assert numpy.status == "skip" and op in numpy.message, (numpy.status, numpy.message)
    # its jvp alone comes from the VJPs (row by row) and agrees with fd
    text = case_text(form, f"jvp-{op}", **{**check.keys, "checks": ["grad", "jvp"]})
    result = check.run(text, f"<{form.id}>")
    numpy = result.backends["numpy"]
    assert numpy.status == "pass", [str(m) for m in numpy.mismatches] or numpy.message
    assert "row by row" in numpy.outcome.info["jvp method"]


@pytest.mark.frameworks
@pytest.mark.parametrize("op", [op for op in SAMPLED if op not in NO_FORWARD_RULE])
@pytest.mark.parametrize("backend", FRAMEWORK_BACKENDS)
def test_framework_jvp_and_hvp_agree_with_numpy_engine(backend: str, op: str):
    pytest.importorskip(backend, reason=f"{backend} is not installed")
    tolerance = {
        k: max(v, IMPRECISE.get((backend, op), FRAMEWORK_TOLERANCE)[k])
        for k, v in FRAMEWORK_TOLERANCE.items()
    }
    check = HigherCheck(backend, ("numpy", backend), "numpy", tolerance)
    chosen = [f for f in sample(op, 10**6) if not unwritten(f) and _expressible(backend, f)]
    chosen = chosen[:FRAMEWORK_PER_OP]
    assert chosen, f"{backend} can express none of the forms of {op}"
    if (backend, op) in FRAMEWORK_GAPS:
        result = check.run(case_text(chosen[0], f"gap-{op}", **check.keys), f"<{chosen[0].id}>")
        outcome = result.backends[backend].outcome
        assert outcome.skip and FRAMEWORK_GAPS[backend, op] in outcome.skip, outcome.skip
        return
    _verify(check, op, chosen, chunked=True)


def _expressible(backend: str, form: Form) -> bool:
    """Neither refused by the framework (test_generated_ops.refused) nor a declared gap of
    its spelling (`unsupported`, which the first-order test checks the reason of)."""
    if refused(backend, form):
        return False
    (case,) = load_text(case_text(form, "probe"), "<probe>")
    return backends.load(backend).unsupported(checked(case)[0]) is None
