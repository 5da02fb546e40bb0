"""Every op, on every framework backend, against gradcheck's own numpy engine.

The cases come from tests/opcases.py, which covers the whole op vocabulary; a framework
that is not installed skips its tests (CI installs all three, so there none is skipped).
An op a backend declares it cannot express must say why: that is checked too.
"""

from __future__ import annotations

import numpy as np
import pytest

from gradcheck_cli import backends
from gradcheck_cli.errors import BackendSkip
from gradcheck_cli.ops import OPS
from gradcheck_cli.results import FRAMEWORK_BACKENDS

from .opcases import OPCASES, make_case

# The op cases a backend declares it cannot express: they must report skip, with a reason.
DECLARED_GAPS = {("tensorflow", "norm-nuclear")}

TOL = {"float64": dict(rtol=1e-9, atol=1e-11), "float32": dict(rtol=2e-4, atol=2e-5)}
# tf.nn.gelu keeps its constants in float32 (docs/semantics.md): judged at that precision
IMPRECISE = {("tensorflow", "nn-v2-gelu", "float64"): dict(rtol=5e-7, atol=1e-11)}


def test_every_op_is_covered():
    """Every op is in an op case, but the tuple-valued ones: an op case is a cost alone,
    and they need a program statement that unpacks them (tests/test_generated_ops.py and
    tests/test_v2_decompositions.py, tests/test_v2_arrange.py run them on every framework)."""
    covered = {op for _, ops, *_ in OPCASES for op in ops}
    tuples = {name for name, op in OPS.items() if op.results}
    assert sorted(set(OPS) - covered - tuples) == []


@pytest.mark.frameworks
@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("opcase", OPCASES, ids=[c[0] for c in OPCASES])
@pytest.mark.parametrize("backend", FRAMEWORK_BACKENDS)
def test_op_matches_numpy_engine(backend, opcase, dtype):
    pytest.importorskip(backend, reason=f"{backend} is not installed")
    _, _, cost, params, inputs = opcase
    case = make_case(cost, params, inputs, dtype)
    want = backends.run("numpy", case)
    reason = backends.load(backend).unsupported(case)
    if reason:
        # a declared gap is a result: the backend reports skip with that reason, never pass
        assert (backend, opcase[0]) in DECLARED_GAPS, f"an undeclared gap: {reason}"
        with pytest.raises(BackendSkip, match="tf.norm"):
            backends.run(backend, case)
        return
    got = backends.run(backend, case)
    tol = IMPRECISE.get((backend, opcase[0], dtype), TOL[dtype])
    np.testing.assert_allclose(got.value, want.value, **tol, err_msg="value")
    assert got.value.dtype == np.dtype(dtype) or got.value.dtype == want.value.dtype
    for name in case.wrt:
        np.testing.assert_allclose(got.grad[name], want.grad[name], **tol, err_msg=f"grad[{name}]")
        assert got.grad[name].shape == case.params[name].shape
