"""The JUnit XML report: a testcase per case and backend, for CI servers' test views.

`classname` is the case file's path without its extension, dotted (`cases/ops/trig.yaml`
-> `cases.ops.trig`), because CI servers split a classname at its last dot into package
and class, so a file's cases group as one class's tests; `name` is `case[backend]`, as
pytest names a parametrized test. An invalid case is one testcase with an `error`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import PurePath

from .. import __version__
from ..errors import Position
from ..results import BackendResult, CaseResult, RunResult
from .text import case_seconds, fmt_mismatch, quantity_label, value_lines, versions

# XML 1.0 cannot hold these even escaped (a framework's message may carry a terminal colour)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_COUNTED = {"failure": "failures", "error": "errors", "skipped": "skipped"}


def render(run: RunResult) -> str:
    root = ET.Element("testsuites", name="gradcheck")
    suite = ET.SubElement(root, "testsuite", name="gradcheck")
    properties = ET.SubElement(suite, "properties")
    _property(properties, "gradcheck.version", __version__)
    for backend, version in versions(run).items():
        _property(properties, f"{backend}.version", version)
    for result in run.cases:
        suite.extend(testcases(result))
    for element in (suite, root):
        _count(element, suite, run)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _property(parent: ET.Element, name: str, value: str) -> None:
    ET.SubElement(parent, "property", name=name, value=_clean(value))


def _count(element: ET.Element, suite: ET.Element, run: RunResult) -> None:
    cases = suite.findall("testcase")
    element.set("tests", str(len(cases)))
    for tag, attribute in _COUNTED.items():
        element.set(attribute, str(sum(1 for c in cases if c.find(tag) is not None)))
    element.set("time", _seconds(sum(case_seconds(c) for c in run.cases)))


def classname(result: CaseResult) -> str:
    """`cases/ops/trig.yaml` -> `cases.ops.trig`; the case name when there is no path."""
    path = PurePath(result.position.file)
    parts = [p for p in path.with_suffix("").parts if p not in (path.anchor, ".", "..")]
    return ".".join(parts) or result.name


def testcases(result: CaseResult) -> list[ET.Element]:
    """One testcase per backend; one for a case that has none (invalid, or nothing selected)."""
    if not result.backends:
        # an invalid case's result has the file alone; its first problem has the line
        where = result.problems[0].position if result.problems else result.position
        element = _testcase(result, result.name, 0.0, where)
        if result.problems:
            lines = [str(p) for p in result.problems]
            _outcome(element, "error", lines[0], lines, kind="invalid case")
        else:
            reason = "; ".join(result.notes) or "no selected backend runs this case"
            _outcome(element, "skipped", reason, [])
        return [element]
    return [_backend_testcase(result, r) for r in result.backends.values()]


def _testcase(
    result: CaseResult, name: str, seconds: float, where: Position | None = None
) -> ET.Element:
    where = where or result.position
    element = ET.Element("testcase", classname=_clean(classname(result)), name=_clean(name))
    element.set("file", _clean(where.file))
    if where.line:
        element.set("line", str(where.line))
    element.set("time", _seconds(seconds))
    return element


def _backend_testcase(result: CaseResult, r: BackendResult) -> ET.Element:
    seconds = float(r.outcome.info.get("seconds", 0.0))
    element = _testcase(result, f"{result.name}[{r.backend}]", seconds)
    if r.status == "fail":
        lines = backend_lines(result, r)
        _outcome(element, "failure", lines[0], lines, kind="mismatch")
    elif r.status == "error":
        kind = r.outcome.error_type or "error"
        lines = [f"{r.backend}: error: {kind}: {r.message}", *result.notes]
        _outcome(element, "error", lines[0], lines, kind=kind)
    elif r.status == "skip":
        _outcome(element, "skipped", r.message, [])
    return element


def backend_lines(result: CaseResult, r: BackendResult) -> list[str]:
    """A backend's mismatches as the text report prints them, then the values they concern."""
    lines = [fmt_mismatch(m) for m in r.mismatches]
    labels = [quantity_label(m) for m in r.mismatches]
    return lines + value_lines(result, labels) + result.notes


def _outcome(element: ET.Element, tag: str, message: str, lines: list[str], kind: str = "") -> None:
    child = ET.SubElement(element, tag, message=_clean(message.splitlines()[0] if message else ""))
    if kind:
        child.set("type", _clean(kind))
    if lines:
        child.text = _clean("\n".join(lines))


def _seconds(seconds: float) -> str:
    return f"{seconds:.6f}"


def _clean(text: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
