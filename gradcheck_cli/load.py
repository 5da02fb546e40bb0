"""YAML -> frozen Case objects: defaults merged, every key validated, every problem positioned.

`load_file` reads one case file and returns its cases, or raises CaseFileError listing
every problem of the file at once, each with file:line:column and what to do. A case is
read by walking the case format's description (`caseformat.KEYS`) in order, each key by
`caseformat.read.read_key`: there is no list of keys here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .case import CASE_KEYS, Case
from .caseformat import BY_KEY, KEYS, Expression
from .caseformat.read import read_key
from .caseformat.reader import Reader, show, suggest
from .document import DocumentError, Node, parse
from .errors import CaseFileError, Position, Problem
from .limits import DEFAULT, Limits


def _read_case(node: Node, file: str, limits: Limits) -> tuple[Case | None, list[Problem]]:
    name = node.value.get("name")
    r = Reader(node, name.value if name is not None and isinstance(name.value, str) else "", limits)
    for key, pos in node.keys.items():
        if key not in BY_KEY:
            r.problem(pos, f"unknown key '{key}'", suggest(key, CASE_KEYS))
    got: dict[str, Any] = {}  # each key's value, in the description's order
    for key in KEYS:
        got[key.name] = read_key(r, key, node, key.name, got)
    _derivative_rules(r, node, got)
    texts = {k for k, key in BY_KEY.items() if isinstance(key.kind, Expression)}
    case = Case(
        position=Position(file, node.pos.line, node.pos.column),
        source={k: v.pos for k, v in node.value.items()},
        origins={k: v.origin for k, v in node.value.items() if k in texts and v.origin},
        **{key.field or key.name: got[key.name] for key in KEYS if key.field is not None},
    )
    return (None if r.problems else case), r.problems


def _derivative_rules(r: Reader, node: Node, got: dict[str, Any]) -> None:
    """(v2) What no single key can check: a given `tangent` names every param in `wrt`, and
    `jvp`/`hvp` are not defined on complex params."""
    given = node.value.get("tangent")
    wrt, tangent = got.get("wrt") or (), got.get("tangent") or {}
    if given is not None and isinstance(given.value, dict):
        missing = [w for w in wrt if w not in given.value]
        if missing:
            hint = "give a direction for each differentiated param, or leave tangent out (seeded)"
            r.problem(given.pos, f"tangent: no direction for '{missing[0]}'", hint)
    beyond = [c for c in got.get("checks") or () if c != "grad"]
    if beyond and str(got.get("dtype", "")).startswith("complex"):
        where = node.value.get("checks")
        message = f"checks: {beyond[0]} on complex params is not defined (v2)"
        r.problem(where.pos if where else node.pos, message, "use checks: [grad] in a complex case")
    got["tangent"] = {k: v for k, v in tangent.items() if k in wrt}


def _merge(defaults: Node | None, case: Node) -> Node:
    """The case's mapping over the defaults' (a key the case sets wins)."""
    if defaults is None or not isinstance(defaults.value, dict):
        return case
    merged = Node({**defaults.value, **case.value}, case.pos, {**defaults.keys, **case.keys})
    return merged


def _case_nodes(root: Node, file: str) -> tuple[list[Node], list[Problem], list[Problem]]:
    """The case mappings; the file's own problems (none of its cases can be read when its
    `defaults` or top-level keys are wrong); and the problems of items that are no case."""
    if not isinstance(root.value, dict):
        problem = Problem(root.pos, "a case file holds a mapping", "start with `name:` or `cases:`")
        return [], [problem], []
    if "cases" not in root.value:
        return [root], [], []
    problems = [
        Problem(pos, f"unknown top-level key '{k}'", "beside cases: only defaults: is allowed")
        for k, pos in root.keys.items()
        if k not in ("cases", "defaults")
    ]
    defaults, cases = root.value.get("defaults"), root.value["cases"]
    if defaults is not None and not isinstance(defaults.value, dict):
        problems.append(Problem(defaults.pos, "defaults: expected a mapping of case keys"))
    if defaults is not None and isinstance(defaults.value, dict):
        for key, pos in defaults.keys.items():
            if key not in BY_KEY or BY_KEY[key].per_case:
                hint = suggest(key, CASE_KEYS)
                problems.append(Problem(pos, f"defaults: '{key}' cannot be a default", hint))
    if not isinstance(cases.value, list) or not cases.value:
        problems.append(Problem(cases.pos, "cases: expected a list of cases"))
    if problems:
        return [], problems, []
    nodes, items = [], []
    for item in cases.value:
        if isinstance(item.value, dict):
            nodes.append(_merge(defaults, item))
        else:
            items.append(
                Problem(item.pos, f"cases: each case is a mapping, not {show(item.value)}")
            )
    return nodes, [], items


def read_text(text: str, file: str, limits: Limits = DEFAULT) -> tuple[list[Case], list[Problem]]:
    """The valid cases of one file's text, and every problem: an invalid case is left out
    (its problems name it), the others are kept; a file-level problem leaves out them all."""
    try:
        root = parse(text, file, limits)
    except DocumentError as exc:
        return [], exc.problems
    nodes, problems, items = _case_nodes(root, file)
    if problems:
        return [], problems
    cases, problems = [], items
    seen: dict[str, Position] = {}
    for node in nodes:
        case, found = _read_case(node, file, limits)
        problems += found
        if case is not None and case.name in seen:
            problems.append(
                Problem(
                    case.position,
                    f"name '{case.name}' is used twice in this file",
                    f"the first is at line {seen[case.name].line}",
                    case.name,
                )
            )
        elif case is not None:
            seen[case.name] = case.position
            cases.append(case)
    return cases, sorted(problems, key=lambda p: (p.position.line, p.position.column))


def load_text(text: str, file: str, limits: Limits = DEFAULT) -> list[Case]:
    """The cases of one file's text; CaseFileError with every problem of the file."""
    cases, problems = read_text(text, file, limits)
    if problems:
        raise CaseFileError(problems)
    return cases


def read_file(path: Path | str, limits: Limits = DEFAULT) -> tuple[list[Case], list[Problem]]:
    """`read_text` of a file; one that cannot be read is a problem of its own."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [Problem(Position(str(path)), f"cannot read the file: {exc}")]
    return read_text(text, str(path), limits)


def load_file(path: Path | str, limits: Limits = DEFAULT) -> list[Case]:
    cases, problems = read_file(path, limits)
    if problems:
        raise CaseFileError(problems)
    return cases
