"""The case's program bound to TensorFlow: the trees of TensorFlow's spelling table
(gradcheck_cli/spelling/tensorflow.py, what `gradcheck repro` prints), run in turn.

A result of an equation with no float tensor among its inputs that is a float of another
dtype than the case's is cast to the case dtype (`_in_case_dtype`): the contract puts all
arithmetic in it (the numpy engine's `forward` does the same).

An equation the abstract pass could not run (an invalid case, run to see what TensorFlow
says) gets no Aval: it is spelled with a placeholder result, and its error, raised by the
spelling (`plan`'s IndexError for a mask of the wrong shape) or by TensorFlow itself, comes
when the program runs, as it would in a user's code; the equations after it are not spelled.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

import numpy as np
import tensorflow as tf

from ..ir import Aval, Var
from ..spelling import tensorflow as spelling
from ..spelling.site import Lowered, Operand, Runner, Site, avals_of

if TYPE_CHECKING:
    from ..case import Case

NAMESPACE = {"tf": tf}  # what the spelling's trees name


def lowered(case: Case) -> tuple[list[Lowered], Exception | None, dict[str, np.dtype]]:
    """The trees; the error spelling raised, if any; the outputs computed from no float, each
    with the dtype a float result of it takes (the case dtype; in a complex case the abstract
    pass's: `real(n)` stays real)."""
    avals, dtype = avals_of(case), np.dtype(case.dtype)
    steps: list[Lowered] = []
    integral: dict[str, np.dtype] = {}
    for eqn in case.program.eqns:
        if any(isinstance(a, Var) and a.name not in avals for a in eqn.inputs):
            break  # after the equation the abstract pass stopped at
        ins = tuple(
            Operand(avals[a.name]) if isinstance(a, Var) else Operand(None, a.value)
            for a in eqn.inputs
        )
        site = Site(eqn, ins, avals.get(eqn.out, Aval((), dtype)), dtype)
        if not any(not o.literal and o.kind in "fc" for o in ins):
            known = dtype.kind == "c" and eqn.out in avals
            integral[eqn.out] = np.dtype(avals[eqn.out].dtype) if known else dtype
        try:
            steps.append(Lowered(eqn, spelling.SPELL[eqn.op](site)))
        except (ValueError, TypeError, IndexError) as exc:
            return steps, exc, integral
    return steps, None, integral


class Program:
    """`run(env, tap)` fills env with every equation's tensor and returns the cost."""

    def __init__(self, case: Case):
        self.dtype = tf.as_dtype(case.dtype)
        steps, self.error, self.integral = lowered(case)
        self.complete = len(steps) == len(case.program.eqns)
        self.runner = Runner(case, steps, NAMESPACE)

    def _in_case_dtype(self, name: str, value: Any) -> Any:
        if name not in self.integral or not tf.is_tensor(value):
            return value
        target = tf.as_dtype(self.integral[name])
        inexact = lambda d: d.is_floating or d.is_complex  # noqa: E731
        if not (inexact(value.dtype) and inexact(target)) or value.dtype == target:
            return value
        return tf.cast(value, target)

    def run(self, env: dict[str, Any], tap: Any = None) -> Any:
        def tapped(name: str, value: Any) -> Any:
            value = self._in_case_dtype(name, value)
            return value if tap is None else tap(name, value)

        if self.complete:
            return self.runner.run(env, tapped)
        with contextlib.suppress(KeyError):  # the cost, past where the abstract pass stopped
            self.runner.run(env, tapped)
        if self.error is not None:
            raise self.error
        raise ValueError("TensorFlow ran an equation NumPy refuses; the rest is not spelled")
