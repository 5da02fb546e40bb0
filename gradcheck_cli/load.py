"""YAML -> frozen Case objects: defaults merged, every key validated, every problem positioned.

`load_file` reads one case file and returns its cases, or raises CaseFileError listing
every problem of the file at once, each with file:line:column and what to do.
"""

from __future__ import annotations

import difflib
import keyword
import math
import re
from pathlib import Path
from typing import Any

import numpy as np

from . import optim, values
from .case import (
    CASE_KEYS,
    DEFAULT_TOLERANCE,
    EXPECT_KEYS,
    REDUCES,
    Case,
    Expect,
    OptimizerSpec,
    Tolerance,
)
from .document import DocumentError, Node, parse
from .errors import CaseFileError, ExpressionError, Position, Problem
from .ir import Program
from .limits import DEFAULT, Limits, quantity, refusal
from .ops import FUNCTIONS
from .parse import parse as parse_program
from .results import BACKENDS

_NAME = re.compile(r"^[A-Za-z0-9_.\-]+$")


def _suggest(word: str, choices: list[str] | tuple[str, ...]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else f"allowed: {', '.join(choices)}"


class _Reader:
    """Validates one case mapping, collecting problems instead of stopping at the first."""

    def __init__(self, node: Node, name: str, limits: Limits):
        self.node, self.name, self.limits = node, name, limits
        self.problems: list[Problem] = []

    def problem(self, pos: Position, message: str, hint: str = "") -> None:
        self.problems.append(Problem(pos, message, hint, self.name))

    def get(self, key: str) -> Node | None:
        return self.node.value.get(key)

    def kind(self, node: Node, types: tuple[type, ...], what: str, key: str) -> bool:
        ok = isinstance(node.value, types) and not (
            isinstance(node.value, bool) and bool not in types
        )
        if not ok:
            self.problem(node.pos, f"{key}: expected {what}, got {_show(node.value)}")
        return ok

    def array(self, node: Node, dtype: str, key: str) -> np.ndarray | None:
        """A value: literal, long form {value, dtype}, or generated {shape, init, seed}."""
        raw = node.value
        try:
            if isinstance(raw, dict):
                return self._long_form(node, dtype, key)
            return values.literal(node.plain(), dtype)
        except values.TooLarge as exc:
            message = (
                f"{key}: shape {list(exc.shape)} has {quantity(exc.size, 'elements')} "
                f"({quantity(exc.size * np.dtype(dtype).itemsize, 'bytes')}): "
                + refusal(self.limits, "max_elements")
            )
            self.problem(node.pos, message)
            return None
        except ValueError as exc:
            self.problem(_leaf_position(node, exc), f"{key}: {exc}")
            return None

    def _long_form(self, node: Node, dtype: str, key: str) -> np.ndarray | None:
        raw = node.value
        own = raw.get("dtype")
        if own is not None and own.value not in values.DTYPES:
            hint = _suggest(str(own.value), values.DTYPES)
            self.problem(own.pos, f"{key}: dtype {_show(own.value)} is not allowed", hint)
            return None
        dtype = own.value if own is not None else dtype
        allowed = ("value", "dtype") if "value" in raw else values.GENERATED_KEYS
        for k, pos in node.keys.items():
            if k not in allowed:
                hint = _suggest(k, allowed)
                self.problem(pos, f"{key}: unknown key '{k}'", hint)
                return None
        if "value" in raw:
            return values.literal(raw["value"].plain(), dtype)
        if "shape" not in raw:
            hint = "write {value: ..., dtype: ...} or {shape: [..], init: normal, seed: 0}"
            self.problem(node.pos, f"{key}: a long-form value needs 'value' or 'shape'", hint)
            return None
        return values.generated(node.plain(), dtype, self.limits.max_elements)


def _show(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return f"{type(value).__name__} {value!r}"


def _leaf_position(node: Node, exc: ValueError) -> Position:
    """The position of the element a `values` message names (`at [1][0]`), else the node's."""
    match = re.search(r" at ((?:\[\d+\])+)", str(exc))
    target = node.value["value"] if isinstance(node.value, dict) and "value" in node.value else node
    if match:
        for index in re.findall(r"\d+", match.group(1)):
            if not isinstance(target.value, list):
                break
            target = target.value[int(index)]
    return target.pos


def _read_names(r: _Reader, key: str, dtype: str, floats_only: bool) -> dict[str, np.ndarray]:
    node = r.get(key)
    if node is None or not r.kind(node, (dict,), "a mapping of name -> value", key):
        if node is None and key == "params":
            r.problem(
                r.node.pos,
                "params: missing",
                "give at least one param, e.g. params: {w: [2.0, 3.0]}",
            )
        return {}
    out: dict[str, np.ndarray] = {}
    for name, value in node.value.items():
        pos = node.keys[name]
        if not name.isidentifier() or keyword.iskeyword(name) or name in FUNCTIONS:
            r.problem(
                pos,
                f"{key}: '{name}' cannot be a name",
                "use a Python identifier that is not a function name",
            )
            continue
        array = r.array(value, dtype, f"{key}.{name}")
        if array is not None and floats_only and not values.is_float(array):
            r.problem(
                value.pos,
                f"params.{name}: a param must be float, not {array.dtype}",
                "move integer and boolean values to inputs",
            )
            continue
        if array is not None:
            out[name] = array
    if key == "params" and not node.value:
        r.problem(node.pos, "params: empty", "give at least one param")
    return out


def _declared(r: _Reader, key: str) -> list[str]:
    node = r.get(key)
    return list(node.value) if node is not None and isinstance(node.value, dict) else []


def _read_choice(r: _Reader, key: str, choices: tuple[str, ...], default: str) -> str:
    node = r.get(key)
    if node is None:
        return default
    if node.value not in choices:
        r.problem(
            node.pos,
            f"{key}: {_show(node.value)} is not one of {', '.join(choices)}",
            _suggest(str(node.value), choices),
        )
        return default
    return node.value


def _read_list(r: _Reader, key: str, choices: tuple[str, ...] | None, default: tuple) -> tuple:
    node = r.get(key)
    if node is None:
        return default
    if isinstance(node.value, str):
        node = Node([node], node.pos)
    if not r.kind(node, (list,), "a list", key):
        return default
    out: list[str] = []
    for item in node.value:
        if not isinstance(item.value, str) or (choices is not None and item.value not in choices):
            hint = _suggest(str(item.value), choices) if choices else "write words"
            what = f"'{item.value}'" if isinstance(item.value, str) else _show(item.value)
            r.problem(item.pos, f"{key}: {what} is not allowed here", hint)
        elif item.value in out:
            r.problem(item.pos, f"{key}: '{item.value}' is given twice")
        else:
            out.append(item.value)
    return tuple(out)


def _read_program(r: _Reader, known: dict[str, str]) -> Program | None:
    texts: dict[str, str] = {}
    for key in ("program", "cost"):
        node = r.get(key)
        if node is None:
            if key == "cost":
                r.problem(
                    r.node.pos, "cost: missing", "write the cost expression, e.g. cost: sum(w * X)"
                )
            texts[key] = ""
        elif r.kind(node, (str,), "expression text", key):
            texts[key] = node.value
    if "cost" not in texts:
        return None
    if not texts["cost"].strip():
        node = r.get("cost")
        if node is not None:  # a missing cost is said above
            hint = "write the cost expression, e.g. cost: sum(w * X)"
            r.problem(node.pos, "cost: empty", hint)
        return None
    try:
        program = r.get("program")
        start = (program.origin or program.pos).line if program is not None else 0
        return parse_program(texts.get("program", ""), texts["cost"], known, r.limits, start)
    except ExpressionError as exc:
        node = r.get(exc.source)
        origin = node.origin or node.pos
        pos = Position(origin.file, origin.line + exc.line - 1, origin.column + exc.column - 1)
        r.problem(pos, exc.message, exc.hint)
        return None


def _read_optimizer(r: _Reader) -> OptimizerSpec | None:
    node = r.get("optimizer")
    if node is None:
        return None
    if isinstance(node.value, str):
        node = Node({"name": node}, node.pos, {"name": node.pos})
    if not r.kind(node, (dict,), "{name: ..., hyperparameters...}", "optimizer"):
        return None
    plain = node.plain()
    name = plain.pop("name", None)
    if not isinstance(name, str):
        r.problem(node.pos, "optimizer: needs a name", f"one of {', '.join(optim.HYPERPARAMETERS)}")
        return None
    problems = optim.check(name, plain)
    for message in problems:
        key = next((k for k in node.keys if f"'{k}'" in message or message.startswith(k)), "name")
        r.problem(node.keys.get(key, node.pos), f"optimizer: {message}")
    return None if problems else OptimizerSpec(name, plain)


def _read_int(r: _Reader, key: str, default: int, minimum: int, maximum: int) -> int:
    node = r.get(key)
    if node is None:
        return default
    if not r.kind(node, (int,), "an integer", key):
        return default
    if node.value < minimum:
        r.problem(node.pos, f"{key}: {node.value} is below {minimum}")
        return default
    if node.value > maximum:
        r.problem(
            node.pos, f"{key}: {node.value:,} is too many: " + refusal(r.limits, f"max_{key}")
        )
        return default
    return node.value


def _read_tolerance(r: _Reader, dtype: str) -> Tolerance | None:
    node = r.get("tolerance")
    if node is None or not r.kind(node, (dict,), "{rtol: R, atol: A}", "tolerance"):
        return None
    rtol, atol = DEFAULT_TOLERANCE[dtype]
    found = {"rtol": rtol, "atol": atol}
    for key, value in node.value.items():
        if key not in found:
            r.problem(
                node.keys[key], f"tolerance: unknown key '{key}'", _suggest(key, ("rtol", "atol"))
            )
        elif r.kind(value, (int, float), "a number", f"tolerance.{key}"):
            if not 0 <= value.value < math.inf:
                r.problem(value.pos, f"tolerance.{key}: must be a finite number, 0 or more")
            else:
                found[key] = float(value.value)
    return Tolerance(found["rtol"], found["atol"])


def _read_expect(r: _Reader, node: Node, key: str, ctx: dict[str, Any]) -> Expect | None:
    if not r.kind(node, (dict,), "a mapping of value/grad/params/costs/raises", key):
        return None
    found: dict[str, Any] = {}
    for name, value in node.value.items():
        where = f"{key}.{name}"
        if name not in EXPECT_KEYS:
            r.problem(node.keys[name], f"{key}: unknown key '{name}'", _suggest(name, EXPECT_KEYS))
        elif name == "raises":
            if r.kind(value, (str,), "the text of the expected error", where):
                found[name] = value.value
        elif name in ("grad", "params"):
            found[name] = _read_expected_params(r, value, where, ctx, name)
        else:
            found[name] = r.array(value, "float64", where)
    if ("params" in found or "costs" in found) and ctx["optimizer"] is None:
        r.problem(
            node.pos,
            f"{key}: params and costs need an optimizer",
            "add optimizer: {name: sgd, lr: 0.1}",
        )
    costs = found.get("costs")
    if costs is not None and costs.shape != (ctx["steps"],):
        r.problem(
            node.value["costs"].pos,
            f"{key}.costs: expected {ctx['steps']} numbers (one a step)",
            f"got shape {list(costs.shape)}",
        )
    return Expect(position=node.pos, **found)


def _read_expected_params(r: _Reader, node: Node, where: str, ctx: dict, kind: str) -> dict | None:
    if not r.kind(node, (dict,), "a mapping of param -> value", where):
        return None
    allowed = ctx["wrt"] if kind == "grad" else tuple(ctx["params"])
    out = {}
    for name, value in node.value.items():
        if name not in allowed:
            what = "differentiated (wrt)" if kind == "grad" else "a param"
            r.problem(node.keys[name], f"{where}: '{name}' is not {what}", _suggest(name, allowed))
            continue
        array = r.array(value, "float64", f"{where}.{name}")
        shape = ctx["params"][name].shape
        if array is not None and array.shape != shape:
            r.problem(
                value.pos,
                f"{where}.{name}: shape {list(array.shape)} differs from the param's {list(shape)}",
            )
        elif array is not None:
            out[name] = array
    return out


def _read_expect_backend(r: _Reader, ctx: dict[str, Any]) -> dict[str, Expect]:
    node = r.get("expect_backend")
    if node is None or not r.kind(
        node, (dict,), "a mapping of backend -> expect", "expect_backend"
    ):
        return {}
    out = {}
    for name, value in node.value.items():
        if name not in BACKENDS:
            r.problem(
                node.keys[name],
                f"expect_backend: unknown backend '{name}'",
                _suggest(name, BACKENDS),
            )
        elif name not in ctx["backends"]:
            r.problem(
                node.keys[name], f"expect_backend: '{name}' is not among this case's backends"
            )
        else:
            expect = _read_expect(r, value, f"expect_backend.{name}", ctx)
            if expect is not None:
                out[name] = expect
    return out


def _read_case(node: Node, file: str, limits: Limits) -> tuple[Case | None, list[Problem]]:
    name_node = node.value.get("name")
    name = name_node.value if name_node is not None and isinstance(name_node.value, str) else ""
    r = _Reader(node, name, limits)
    for key, pos in node.keys.items():
        if key not in CASE_KEYS:
            r.problem(pos, f"unknown key '{key}'", _suggest(key, CASE_KEYS))
    if name_node is None:
        r.problem(node.pos, "name: missing", "every case needs a name")
    elif not isinstance(name_node.value, str) or not _NAME.match(name_node.value):
        r.problem(
            name_node.pos,
            f"name: {_show(name_node.value)} is not allowed",
            "use letters, digits, '-', '_', '.'",
        )
    dtype = _read_choice(r, "dtype", values.FLOAT_DTYPES, "float64")
    params = _read_names(r, "params", dtype, floats_only=True)
    inputs = _read_names(r, "inputs", dtype, floats_only=False)
    for clash in sorted(set(params) & set(inputs)):
        r.problem(
            r.get("inputs").keys[clash], f"inputs: '{clash}' is also a param", "rename one of them"
        )
    # names whose values were refused still count as declared, so they cause no second error
    known = {
        **{k: "input" for k in _declared(r, "inputs")},
        **{k: "param" for k in _declared(r, "params")},
    }
    program = _read_program(r, known)
    optimizer = _read_optimizer(r)
    steps = _read_int(r, "steps", 1 if optimizer else 0, 1, limits.max_steps)
    if r.get("steps") is not None and r.get("optimizer") is None:
        r.problem(
            r.get("steps").pos,
            "steps: needs an optimizer",
            "add optimizer: {name: sgd, lr: 0.1}, or remove steps",
        )
    wrt = _read_list(r, "wrt", tuple(params), tuple(params))
    if r.get("wrt") is not None and not wrt and r.get("params") is not None:
        hint = f"name at least one of {', '.join(params)}, or leave wrt out (all params)"
        r.problem(r.get("wrt").pos, "wrt: empty", hint)
    backends = _read_list(r, "backends", BACKENDS, BACKENDS)
    if r.get("backends") is not None and not backends:
        r.problem(
            r.get("backends").pos, "backends: empty", f"name at least one of {', '.join(BACKENDS)}"
        )
    reference = _read_choice(r, "reference", BACKENDS, "fd")
    if r.get("reference") is not None and reference not in backends:
        r.problem(
            r.get("reference").pos,
            f"reference: '{reference}' is not among this case's backends",
            "add it to backends or pick one of them",
        )
    ctx = {
        "params": params,
        "wrt": wrt,
        "optimizer": optimizer,
        "steps": steps,
        "backends": backends,
    }
    expect = (
        _read_expect(r, r.get("expect"), "expect", ctx) if r.get("expect") is not None else None
    )
    case = Case(
        name=name,
        position=Position(file, node.pos.line, node.pos.column),
        params=params,
        program=program,
        description=_read_text(r, "description"),
        tags=_read_list(r, "tags", None, ()),
        dtype=dtype,
        inputs=inputs,
        reduce=_read_choice(r, "reduce", REDUCES, "none"),
        wrt=wrt,
        optimizer=optimizer,
        steps=steps,
        backends=backends,
        reference=reference,
        tolerance=_read_tolerance(r, dtype),
        expect=expect,
        expect_backend=_read_expect_backend(r, ctx),
        source={k: v.pos for k, v in node.value.items()},
        origins={
            k: v.origin for k, v in node.value.items() if k in ("program", "cost") and v.origin
        },
    )
    return (None if r.problems else case), r.problems


def _read_text(r: _Reader, key: str) -> str:
    node = r.get(key)
    if node is None or not r.kind(node, (str,), "text", key):
        return ""
    return node.value


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
            if key not in CASE_KEYS or key == "name":
                problems.append(
                    Problem(pos, f"defaults: '{key}' cannot be a default", _suggest(key, CASE_KEYS))
                )
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
                Problem(item.pos, f"cases: each case is a mapping, not {_show(item.value)}")
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
