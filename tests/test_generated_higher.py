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
from tests.test_generated_ops import IMPRECISE, NO_DERIVATIVE, Check, _verify, refused

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


def _groups(size: int = 12) -> list[tuple[str, ...]]:
    ops = [op for op in SAMPLED if op not in NO_FORWARD_RULE]
    return [tuple(ops[i : i + size]) for i in range(0, len(ops), size)]


@dataclass(frozen=True)
class StrictCheck(HigherCheck):
    """Every form of a chunk must pass: a framework's skip would leave the chunk's other
    forms unchecked, so a skip is named here (the declared gaps are tested apart)."""

    def run(self, text: str, where: str):
        result = super().run(text, where)
        if result.status == "skip":
            reasons = {n: r.message for n, r in result.backends.items() if r.status == "skip"}
            result.status = "fail"  # read by _problem as a failure, with the reasons shown
            result.notes.append(f"skipped: {reasons}")
        return result


@pytest.mark.frameworks
@pytest.mark.parametrize("group", _groups(), ids=lambda g: f"{g[0]}..{g[-1]}")
@pytest.mark.parametrize("backend", FRAMEWORK_BACKENDS)
def test_framework_jvp_and_hvp_agree_with_numpy_engine(backend: str, group: tuple[str, ...]):
    """FRAMEWORK_PER_OP forms of each op of the group, CHUNK forms to a case (one
    compilation for jax); a chunk that does not pass is run form by form to name them."""
    pytest.importorskip(backend, reason=f"{backend} is not installed")
    for tolerance in _tolerances(backend, group):
        ops = [op for op in group if _tolerance(backend, op) == tolerance]
        chosen = []
        for op in ops:
            if (backend, op) in FRAMEWORK_GAPS or (backend, op) in NO_DERIVATIVE:
                continue
            found = [f for f in sample(op, 10**6) if not unwritten(f) and _expressible(backend, f)]
            assert found, f"{backend} can express none of the forms of {op}"
            chosen += found[:FRAMEWORK_PER_OP]
        check = StrictCheck(backend, ("numpy", backend), "numpy", tolerance)
        _verify(check, f"{group[0]}..{group[-1]}", chosen, chunked=True)


def _tolerance(backend: str, op: str) -> dict:
    own = IMPRECISE.get((backend, op), FRAMEWORK_TOLERANCE)
    return {k: max(v, own[k]) for k, v in FRAMEWORK_TOLERANCE.items()}


def _tolerances(backend: str, group: tuple[str, ...]) -> list[dict]:
    found: list[dict] = []
    for op in group:
        if _tolerance(backend, op) not in found:
            found.append(_tolerance(backend, op))
    return found


@pytest.mark.frameworks
@pytest.mark.parametrize(("backend", "op"), sorted(FRAMEWORK_GAPS))
def test_a_framework_gap_in_forward_mode_is_a_skip_with_its_reason(backend: str, op: str):
    pytest.importorskip(backend, reason=f"{backend} is not installed")
    check = HigherCheck(backend, ("numpy", backend), "numpy", FRAMEWORK_TOLERANCE)
    form = sample(op, 1)[0]
    result = check.run(case_text(form, f"gap-{op}", **check.keys), f"<{form.id}>")
    outcome = result.backends[backend].outcome
    assert outcome.skip and FRAMEWORK_GAPS[backend, op] in outcome.skip, outcome.skip


def _expressible(backend: str, form: Form) -> bool:
    """Neither refused by the framework (test_generated_ops.refused) nor a declared gap of
    its spelling (`unsupported`, which the first-order test checks the reason of)."""
    if refused(backend, form):
        return False
    (case,) = load_text(case_text(form, "probe"), "<probe>")
    return backends.load(backend).unsupported(checked(case)[0]) is None
