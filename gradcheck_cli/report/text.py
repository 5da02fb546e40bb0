"""The terminal report: a line per case, the disagreements spelled out, a summary line.

Values are grouped by what they print as, so where every backend agrees one line shows
the value and the backends that gave it (`w  [2, 3] -> [-4, -25]  numpy fd`), and where
they part ways each distinct value gets its own line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

import numpy as np

from ..errors import Problem
from ..results import CaseResult, Mismatch, RunResult

_COLOURS = {"pass": "green", "fail": "red", "error": "red", "skip": "yellow"}
_SUMMARY_MAX = 8  # elements shown of a larger array: the first and last few
_INDENT = "      "  # the body of a case, under its head line


def fmt_number(x: float | np.generic, digits: int = 8) -> str:
    """A number in at most `digits` significant digits, trailing zeros trimmed: 28, 0.1, 1e-12."""
    value = np.asarray(x)
    if value.dtype.kind == "c" and value.imag == 0:  # (v2) as the real number it is
        return fmt_number(value.real, digits)
    if value.dtype.kind == "c":  # (v2) 1+2i, 2-4i, 3i
        re, im = fmt_number(value.real, digits), fmt_number(abs(value.imag), digits)
        if float(value.real) == 0 and np.isfinite(value.real):
            return f"{'-' if value.imag < 0 else ''}{im}i"
        return f"{re}{'-' if value.imag < 0 else '+'}{im}i"
    if value.dtype.kind == "b":
        return str(bool(value))
    if value.dtype.kind in "iu":
        return str(int(value))
    number = float(value)
    if not np.isfinite(number):
        return str(number)
    text = f"{number:.{digits}g}"
    if "e" in text:
        mantissa, exponent = text.split("e")
        return (
            f"{mantissa.rstrip('0').rstrip('.') if '.' in mantissa else mantissa}e{int(exponent)}"
        )
    return text


def fmt_array(array: np.ndarray | None) -> str:
    """A value as a user writes it: `12`, `[6, 28]`, `[[1, 2], [3, 4]]`; large ones summarised."""
    if array is None:
        return "-"
    a = np.asarray(array)
    if a.dtype.kind in "fc":
        a = a + 0.0  # -0 shows as 0: they agree, and a table row apart would suggest not
    if a.ndim == 0:
        return fmt_number(a)
    if a.size > _SUMMARY_MAX:
        flat = a.reshape(-1)
        head = ", ".join(fmt_number(v) for v in flat[:3])
        tail = ", ".join(fmt_number(v) for v in flat[-2:])
        return f"[{head}, ..., {tail}] shape {list(a.shape)}"
    return "[" + ", ".join(fmt_array(v) for v in a) + "]"


def fmt_bound(m: Mismatch) -> str:
    return f"atol {m.atol:g} + rtol {m.rtol:g} * |{m.other}|"


def fmt_mismatch(m: Mismatch) -> str:
    """`grad[w] torch vs fd at [1]: 28.0 vs 28.00031, |diff| 3.1e-4 > 2.8e-4 (atol ...)`."""
    if m.index is None:
        return (
            f"{m.quantity} {m.backend}: {m.note}"
            if m.other == "expect"
            else f"{m.quantity} {m.backend} vs {m.other}: {m.note}"
        )
    where = f" at {list(m.index)}" if m.index else ""
    numbers = f"{fmt_number(m.actual, 10)} vs {fmt_number(m.expected, 10)}"
    diff = f"|diff| {m.diff:.3g} > {m.bound:.3g} ({fmt_bound(m)})"
    extra = f"; {m.note}" if m.note else ""
    return f"{m.quantity} {m.backend} vs {m.other}{where}: {numbers}, {diff}{extra}"


def _quantities(result: CaseResult) -> list[tuple[str, Callable[[Any], str | None]]]:
    """(label, show) per quantity; `show` takes an Outcome or an Expect (None: it has none)."""
    case = result.case

    def item(kind: str, name: str) -> Callable[[Any], str | None]:
        def show(side: Any) -> str | None:
            found = (getattr(side, kind) or {}).get(name)
            if found is None:
                return None
            return (
                fmt_array(found)
                if kind in ("grad", "hvp")
                else f"{fmt_array(case.params[name])} -> {fmt_array(found)}"
            )

        return show

    def whole(kind: str) -> Callable[[Any], str | None]:
        return lambda side: None if getattr(side, kind) is None else fmt_array(getattr(side, kind))

    rows = [("value", whole("value"))]
    if "grad" in case.checks:
        rows += [(f"grad {n}", item("grad", n)) for n in case.wrt]
    if "jvp" in case.checks:
        rows.append(("jvp", whole("jvp")))
    if "hvp" in case.checks:
        rows += [(f"hvp {n}", item("hvp", n)) for n in case.wrt]
    if case.optimizer is not None:
        rows += [(n, item("params", n)) for n in case.wrt] + [("costs", whole("costs"))]
    return rows


def value_lines(result: CaseResult, only: Iterable[str] | None = None) -> list[str]:
    """Each quantity, its distinct values, and which backends (or expect) gave each."""
    sides = [
        (r.backend, r.outcome)
        for r in result.backends.values()
        if r.outcome.skip is None and r.outcome.error is None
    ]
    sides += [(f"expect:{b}", e) for b, e in result.case.expect_backend.items() if e.raises is None]
    if result.case.expect is not None and result.case.expect.raises is None:
        sides.append(("expect", result.case.expect))
    lines = []
    for label, show in _quantities(result):
        if only is not None and label not in only:
            continue
        groups: dict[str, list[str]] = {}
        for name, side in sides:
            text = show(side)
            if text is not None:
                groups.setdefault(text, []).append(name)
        for i, (text, names) in enumerate(groups.items()):
            lines.append(f"{label if i == 0 else '':<10} {text}   {' '.join(names)}")
    return lines


def quantity_label(mismatch: Mismatch) -> str:
    """The row of `value_lines` that shows a mismatch's quantity."""
    q = mismatch.quantity.removeprefix("shape of ")
    if q.startswith("grad["):
        return f"grad {q[5:-1]}"
    if q.startswith("hvp["):
        return f"hvp {q[4:-1]}"
    if q.startswith("params["):
        return q[7:-1]
    return q.split(" ")[0] if not q.startswith("grad .") else q


def case_lines(result: CaseResult, verbose: bool = False, colour: bool = False) -> list[str]:
    status = result.status.upper()
    head = f"{_style(f'{status:<5}', result.status, colour)} {result.name}  {result.position}"
    lines = [head + _backend_summary(result)]
    body = [
        f"{p.position}: {p.message}" + (f" ({p.hint})" if p.hint else "") for p in result.problems
    ]
    labels: list[str] = []
    for r in result.backends.values():
        if verbose or result.status != "pass":
            body += [f"{r.backend}: {note}" for note in r.outcome.notes]
        kind = f"{r.outcome.error_type}: " if r.outcome.error_type else ""
        if r.status == "error":
            body.append(f"{r.backend}: error: {kind}{r.message}")
        elif verbose and r.outcome.error is not None and not r.mismatches:
            body.append(f"{r.backend}: raised, as expected: {kind}{r.outcome.error}")
        for m in r.mismatches:
            labels.append(quantity_label(m))
    body += _merged(m for r in result.backends.values() for m in r.mismatches)
    if result.case is not None and (verbose or labels):
        body += value_lines(result, None if verbose else labels)
    body += result.notes if (verbose or result.status != "pass") and result.backends else []
    return lines + [_INDENT + line for line in body]


def _merged(mismatches: Iterable[Mismatch]) -> list[str]:
    """One line for mismatches that read the same but for the backend: `numpy torch vs ...`."""
    groups: dict[str, list[str]] = {}
    for m in mismatches:
        key = fmt_mismatch(replace(m, backend="\0"))
        groups.setdefault(key, []).append(m.backend)
    return [key.replace("\0", " ".join(names), 1) for key, names in groups.items()]


def detail_lines(result: CaseResult, verbose: bool = False) -> list[str]:
    """`case_lines` without its head line and indent: what went wrong, for other reports."""
    return [line.removeprefix(_INDENT) for line in case_lines(result, verbose)[1:]]


def _backend_summary(result: CaseResult) -> str:
    if not result.backends:
        return ""
    parts = []
    for r in result.backends.values():
        parts.append(r.backend if r.status == "pass" else f"{r.backend}:{r.status}")
    skipped = sorted(
        {r.message for r in result.backends.values() if r.status == "skip" and r.message}
    )
    text = "  [" + " ".join(parts) + "]"
    return text + (f" ({'; '.join(skipped)})" if skipped else "")


def _style(text: str, status: str, colour: bool) -> str:
    if not colour:
        return text
    import click

    return click.style(text, fg=_COLOURS[status], bold=status != "pass")


def summary(run: RunResult) -> str:
    counts = [
        (run.count("pass"), "passed"),
        (run.count("fail"), "failed"),
        (run.count("error"), "errors"),
        (run.count("skip"), "skipped"),
    ]
    return ", ".join(f"{n} {word}" for n, word in counts)


def versions(run: RunResult) -> dict[str, str]:
    """Each backend's framework version, as the first outcome that ran reported it (for the
    machine-readable reports)."""
    found: dict[str, str] = {}
    for case in run.cases:
        for r in case.backends.values():
            if "version" in r.outcome.info:
                found.setdefault(r.backend, str(r.outcome.info["version"]))
    return found


def case_seconds(result: CaseResult) -> float:
    """The time its backends took (an error or a skip has none)."""
    return sum(float(r.outcome.info.get("seconds", 0.0)) for r in result.backends.values())


def problem_lines(problems: list[Problem]) -> list[str]:
    return [str(p) for p in problems]
