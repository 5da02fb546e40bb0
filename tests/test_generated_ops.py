"""Every op in every form of `gradcheck_cli/fuzz/forms.py`, run as a case the way
`gradcheck run` runs it (`run.run_case`): the numpy engine against fd with each of its
methods and evaluation paths, and each framework against the numpy engine.

A form is an op applied across shapes and attribute values (0-d to 3-d operands, every
broadcasting pair, literals on either side, every axis form and norm order NumPy takes...),
drawn away from kinks and ties; its cost is `<form> * c` with a random `c`. One test per
(op, check) runs all of that op's forms and names every failing one with the report's own
mismatch line. The checks:

- numpy against fd, for every form: central differences, the complex step (ops that are
  analytic; fd must then really use it), Richardson, each batched and looped, and the
  directional mode. Tolerance: the contract's fd floor (rtol 1e-5, atol 1e-7) for central
  and Richardson; rtol 1e-10, atol 1e-12 for the complex step.
- torch, jax and tensorflow against numpy, value and gradient, rtol 1e-9, atol 1e-12 (all
  float64). torch and tensorflow run every form, one case each. jax compiles each case
  (0.05-0.3 s, even for one op), so it runs at most JAX_PER_OP forms of an op, the same
  ones every run (those whose id hashes lowest), CHUNK forms to a case; a chunk that does
  not pass is run again form by form to name the forms. A framework may skip a form only
  with a reason it declares (`unsupported`).

The whole file takes about two minutes under `pytest -n 2` on two cores.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import pytest

from gradcheck_cli.backends.fd_methods import COMPLEX_OPS
from gradcheck_cli.fuzz.cases import case_text, chunk_mapping, dump
from gradcheck_cli.fuzz.forms import Form, forms
from gradcheck_cli.fuzz.known import known
from gradcheck_cli.fuzz.operands import Arr
from gradcheck_cli.load import load_text
from gradcheck_cli.ops import OPS
from gradcheck_cli.report.text import detail_lines
from gradcheck_cli.results import FRAMEWORK_BACKENDS, CaseResult
from gradcheck_cli.run import Options, run_case

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

FD_VARIANTS = {
    "central": {"fd_method": "central"},
    "central-looped": {"fd_method": "central", "fd_batch": False},
    "complex": {"fd_method": "complex"},
    "complex-looped": {"fd_method": "complex", "fd_batch": False},
    "richardson": {"fd_method": "richardson"},
    "richardson-looped": {"fd_method": "richardson", "fd_batch": False},
    "directional": {"fd_mode": "directional"},
}
FD_TOLERANCE = {"rtol": 1e-10, "atol": 1e-12}  # the complex step's; fd's floor lifts the others
FRAMEWORK_TOLERANCE = {"rtol": 1e-9, "atol": 1e-12}
# A framework whose own function is less precise than float64, measured and documented in
# docs/semantics.md ("TensorFlow's float32 constants"): judged at its measured precision.
IMPRECISE = {
    ("tensorflow", "gelu"): {"rtol": 5e-7, "atol": 1e-12},  # 0.044715 and 1/sqrt(2) in float32
    ("tensorflow", "leaky_relu"): {"rtol": 1e-7, "atol": 1e-12},  # the slope in float32
}
JAX_PER_OP = 20  # jax compiles each case: about 0.05-0.3 s a form, even in chunks
CHUNK = 20  # forms in one jax case
SHOWN = 12  # failing forms spelled out in one message; the rest are counted


@dataclass(frozen=True)
class Check:
    name: str  # the fd variant, or the framework
    backends: tuple[str, ...]
    reference: str
    tolerance: dict
    options: dict = field(default_factory=dict)

    @property
    def keys(self) -> dict:
        """What the check adds to each form's case."""
        return {
            "backends": list(self.backends),
            "reference": self.reference,
            "tolerance": self.tolerance,
        }

    def run(self, text: str, where: str) -> CaseResult:
        (case,) = load_text(text, where)
        return run_case(case, Options(backends=self.backends, backend_options=self.options))


def _lines(result: CaseResult) -> str:
    lines = [line for line in detail_lines(result) if not line.startswith("reference ")]
    return "\n      ".join(lines[:4])


def _problem(check: Check, result: CaseResult) -> str:
    """Why the result is not a pass of this check ('' when it is)."""
    if result.status in ("fail", "error"):
        return _lines(result)
    skipped = {n: r.message for n, r in result.backends.items() if r.outcome.skip is not None}
    for name, reason in skipped.items():  # a framework may skip what it declares it cannot do
        if not reason or name in ("numpy", "fd"):
            return f"{name} skipped ({reason or 'no reason given'})"
    fd = result.backends["fd"].outcome.fd if "fd" in result.backends else None
    if check.name.startswith("complex") and (fd is None or fd.method != "complex"):
        method, note = (fd.method, fd.note) if fd else (None, "")
        return f"fd used {method!r}, not the complex step ({note})"
    return ""


def _each(check: Check, op: str, chosen: list[Form]) -> tuple[list[tuple[Form, str]], int]:
    """Each form as its own case: the failing ones with why, and how many were compared."""
    failures, compared = [], 0
    for i, form in enumerate(chosen):
        result = check.run(case_text(form, f"form-{op}-{i}", **check.keys), f"<{form.id}>")
        compared += result.status != "skip"
        problem = _problem(check, result)
        if problem:
            failures.append((form, problem))
    return failures, compared


def _chunks(check: Check, op: str, chosen: list[Form]) -> tuple[list[tuple[Form, str]], int]:
    """CHUNK forms a case (one compilation for jax); a chunk that does not pass is run form
    by form to name the forms, and is named itself if each form passes alone."""
    failures, compared = [], 0
    for start in range(0, len(chosen), CHUNK):
        part = chosen[start : start + CHUNK]
        mapping = {**chunk_mapping(part, f"forms-{op}-{start}"), **check.keys}
        result = check.run(dump(mapping), f"<{op} forms {start}-{start + len(part) - 1}>")
        compared += result.status != "skip"
        if _problem(check, result):
            alone, _ = _each(check, op, part)
            failures += alone or [(part[0], f"together, not alone: {_problem(check, result)}")]
    return failures, compared


def _verify(check: Check, op: str, chosen: list[Form], chunked: bool = False) -> None:
    failures, compared = (_chunks if chunked else _each)(check, op, chosen)
    shown = "\n".join(f"  {form.id}\n      {why}" for form, why in failures[:SHOWN])
    more = f"\n  ... and {len(failures) - SHOWN} more" if len(failures) > SHOWN else ""
    first = case_text(failures[0][0], "first", **check.keys) if failures else ""
    assert not failures, (
        f"{len(failures)} of {len(chosen)} forms of {op} fail ({check.name}):\n{shown}{more}\n"
        f"the first as a case file:\n{first}"
    )
    assert compared, f"none of the {len(chosen)} forms of {op} was compared ({check.name})"


# ---- numpy against fd ---------------------------------------------------------------------


def _fd_checks() -> list[tuple[str, str]]:
    out = []
    for op in OPS:
        for variant in FD_VARIANTS:
            if variant.startswith("complex") and op not in COMPLEX_OPS:
                continue  # not analytic: fd would (rightly) take central differences
            out.append((op, variant))
    return out


@pytest.mark.parametrize(("op", "variant"), _fd_checks(), ids=lambda v: v)
def test_numpy_engine_agrees_with_fd(op: str, variant: str):
    options = {"fd_mode": "full", **FD_VARIANTS[variant]}
    check = Check(variant, ("numpy", "fd"), "fd", FD_TOLERANCE, options)
    _verify(check, op, list(forms(op)))


# ---- each framework against numpy ----------------------------------------------------------


def sampled(op: str, backend: str) -> list[Form]:
    """Every form, or for jax at most JAX_PER_OP: those whose ids hash lowest, in order."""
    every = list(forms(op))
    if backend != "jax" or len(every) <= JAX_PER_OP:
        return every
    order = sorted(range(len(every)), key=lambda i: zlib.crc32(every[i].id.encode()))
    keep = set(order[:JAX_PER_OP])
    return [f for i, f in enumerate(every) if i in keep]


# What a framework refuses where NumPy computes, a documented framework difference
# (gradcheck_cli/fuzz/known.py): JAX and TensorFlow refuse an axis of a 0-d operand, where
# NumPy and torch reduce nothing. Such a form must raise that refusal; it never passes.


# a framework that has the function but refuses its derivative, for every form: that
# refusal is its result (contract v2), documented in fuzz/known.py
NO_DERIVATIVE = {("torch", "floor_divide"), ("tensorflow", "fmod")}


def refused(backend: str, form: Form) -> bool:
    """A form that reduces (or squeezes) along an integer axis of a 0-d operand (written,
    or softmax's -1); expand_dims and stack make new axes, which every framework allows.
    Or an op whose derivative the framework refuses (NO_DERIVATIVE)."""
    if (backend, form.op) in NO_DERIVATIVE:
        return True
    first = form.args[0] if form.args else None
    axes = dict(OPS[form.op].attrs)
    axis = form.attr_dict.get("axis", axes.get("axis"))
    return (
        backend in ("jax", "tensorflow")
        and isinstance(first, Arr)
        and first.shape == ()
        and "axis" in axes
        and isinstance(axis, int)
        and (OPS[form.op].kind == "reduction" or form.op in ("cumsum", "squeeze"))
    )


@pytest.mark.frameworks
@pytest.mark.parametrize("op", list(OPS))
@pytest.mark.parametrize("backend", FRAMEWORK_BACKENDS)
def test_framework_agrees_with_numpy_engine(backend: str, op: str):
    pytest.importorskip(backend, reason=f"{backend} is not installed")
    tolerance = IMPRECISE.get((backend, op), FRAMEWORK_TOLERANCE)
    check = Check(backend, ("numpy", backend), "numpy", tolerance)
    chosen = sampled(op, backend)
    agreed = [f for f in chosen if not refused(backend, f)]
    if agreed:
        _verify(check, op, agreed, chunked=backend == "jax")
    for i, form in enumerate(f for f in chosen if refused(backend, f)):
        result = check.run(case_text(form, f"refused-{op}-{i}", **check.keys), f"<{form.id}>")
        error = result.backends[backend].outcome.error or ""
        assert known(backend, error), (form.id, error)
