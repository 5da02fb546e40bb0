"""The JSON Schema (draft 2020-12) of the case format, for editors and YAML language servers.

Built from the loader's own constants (case keys, expect keys, reduces, backends, dtypes,
inits, generated keys, optimizers and their hyperparameters), so it cannot drift from what
`load.py` accepts. It keeps to keywords that draft-07 validators read the same way
(`$ref` to `#/$defs/...`, `if`/`then`/`else`, `anyOf`, `items` as one schema), because the
YAML language server behind most editors validates with draft-07 rules. What a schema
cannot see (an expression's syntax, shapes, names declared elsewhere in the case) stays the
loader's job: `gradcheck run` reports it with file, line and column.
"""

from __future__ import annotations

import keyword
from typing import Any

from .case import CASE_KEYS, EXPECT_KEYS, REDUCES
from .ops import FUNCTIONS
from .optim import HYPERPARAMETERS, REQUIRED
from .results import BACKENDS
from .values import DTYPES, FLOAT_DTYPES, GENERATED_KEYS, INITS

DRAFT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_FILE = "gradcheck.schema.json"  # where `gradcheck schema >` is told to write it
CASE_NAME_PATTERN = r"^[A-Za-z0-9_.\-]+$"  # the loader's rule for `name`
IDENTIFIER_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]*$"  # a param or input name
INT_DTYPES = tuple(d for d in DTYPES if d.startswith("int"))

# The contract's table, key by key (docs: /work/shared/case-format.md, "A case").
DESCRIPTIONS = {
    "name": "unique id within one run: letters, digits, `-`, `_`, `.` (required)",
    "description": "free text",
    "tags": "list of words; `--tag` selects by them (default `[]`)",
    "dtype": "`float32` or `float64`: the floating type of params, inputs and all arithmetic"
    " (default `float64`)",
    "params": "name → value: what is differentiated and, with an optimizer, updated"
    " (required, at least one)",
    "inputs": "name → value: constants (default `{}`)",
    "program": "statements `NAME = EXPR`, one a line, run in order; `#` starts a comment",
    "cost": "an expression (it may be a single name assigned in `program`) (required)",
    "reduce": "how a non-scalar cost becomes the scalar that is differentiated: `sum`"
    " (TensorFlow's implicit rule), `mean`, `none` (the cost must be a scalar), or `native`"
    " (each framework backend does exactly what its framework does with a non-scalar target:"
    " TensorFlow sums, PyTorch and JAX refuse; `numpy` and `fd` sum) (default `none`)",
    "wrt": "the params to differentiate; the others are held constant and the optimizer does"
    " not update them (default: all params)",
    "optimizer": "`{name: ..., hyperparameters...}`, spelled as in `torch.optim`"
    " (default: none, gradients only)",
    "steps": "how many optimizer steps (default 1 with an optimizer)",
    "backends": "which backends run this case; the command line can narrow this further"
    " (default: all five)",
    "reference": "the backend every other backend is compared with (value, grad, params and"
    " costs); it must be one of the case's `backends` (default `fd`)",
    "tolerance": "`{rtol: R, atol: A}`: a pair agrees where abs(a - b) <= atol + rtol * abs(b),"
    " elementwise, b being the reference or expected value (default float64: rtol 1e-7,"
    " atol 1e-9; float32: rtol 1e-4, atol 1e-5; with `fd` on one side at least rtol 1e-5,"
    " atol 1e-7)",
    "expect": "the values every backend must give",
    "expect_backend": "backend name → an `expect` mapping that replaces `expect` for that"
    " backend: how a framework's own semantics are recorded. A backend named here is judged"
    " by this mapping alone and is not compared with the reference",
}
EXPECT_DESCRIPTIONS = {
    "value": "the cost before reduction, at the starting params",
    "grad": "param → d(reduced cost)/d(param) at the starting params",
    "params": "param → its value after `steps` optimizer steps",
    "costs": "the reduced cost before each step (under `native`, what the framework"
    " differentiated: TensorFlow's sum)",
    "raises": "the backend must fail, with this text in its message; the other keys are then"
    " not checked",
}
GENERATED_DESCRIPTIONS = {
    "shape": "the array's shape, e.g. [3, 4]",
    "init": "normal: rng.normal(loc, scale); uniform: rng.uniform(low, high); zeros; ones;"
    " arange: numpy.arange(n).reshape(shape); eye: numpy.eye(*shape) for a 2-D shape",
    "seed": "rng = numpy.random.default_rng(seed) (default 0)",
    "loc": "mean of `normal` (default 0)",
    "scale": "standard deviation of `normal` (default 1)",
    "low": "lower bound of `uniform` (default 0)",
    "high": "upper bound of `uniform` (default 1)",
    "dtype": "the array's dtype (default: the case dtype); drawn in float64, then cast",
}
HYPERPARAMETER_DESCRIPTIONS = {
    "lr": "learning rate",
    "momentum": "momentum factor",
    "dampening": "dampening for momentum",
    "nesterov": "Nesterov momentum (needs momentum > 0 and dampening 0)",
    "weight_decay": "weight decay (L2 penalty; decoupled for adamw)",
    "betas": "coefficients of the running averages of the gradient and its square",
    "eps": "term added to the denominator for numerical stability",
    "amsgrad": "the AMSGrad variant",
    "alpha": "smoothing constant",
    "centered": "normalise by an estimate of the gradient's variance",
    "initial_accumulator_value": "starting value of the sum of squared gradients",
}


def _tree(leaf: dict[str, Any], name: str) -> dict[str, Any]:
    """A leaf or a nested list of them, through a `$ref` to its own definition."""
    return {"anyOf": [leaf, {"type": "array", "items": {"$ref": f"#/$defs/{name}"}}]}


def _long_form(dtypes: tuple[str, ...]) -> dict[str, Any]:
    """`{value: V, dtype: D}`: the leaves of V are what D takes (no D: the case's floats)."""
    rules = []
    for kinds, leaves in ((("bool",), "booleans"), (INT_DTYPES, "integers")):
        if set(kinds) & set(dtypes):
            given = {"properties": {"dtype": {"enum": list(kinds)}}, "required": ["dtype"]}
            rules.append(
                {"if": given, "then": {"properties": {"value": {"$ref": f"#/$defs/{leaves}"}}}}
            )
    floats = {"properties": {"dtype": {"enum": list(FLOAT_DTYPES)}}}  # or no dtype at all
    rules.append({"if": floats, "then": {"properties": {"value": {"$ref": "#/$defs/numbers"}}}})
    return {
        "type": "object",
        "description": "long form: a literal array with its own dtype",
        "properties": {
            "value": {"description": "a number or a nested list"},
            "dtype": {"enum": list(dtypes), "description": "the array's dtype"},
        },
        "required": ["value"],
        "additionalProperties": False,
        "allOf": rules,
    }


def _generated(dtypes: tuple[str, ...]) -> dict[str, Any]:
    count = {"type": "integer", "minimum": 0}
    number = {"type": "number"}
    kinds = {
        "shape": {"anyOf": [count, {"type": "array", "items": count}]},
        "init": {"enum": list(INITS), "default": "normal"},
        "seed": {**count, "default": 0},
        "loc": {**number, "default": 0},
        "scale": {**number, "default": 1},
        "low": {**number, "default": 0},
        "high": {**number, "default": 1},
        "dtype": {"enum": list(dtypes)},
    }
    return {
        "type": "object",
        "description": "a generated array: {shape, init, seed}, the same numbers everywhere",
        "properties": {
            key: {**kinds[key], "description": GENERATED_DESCRIPTIONS[key]}
            for key in GENERATED_KEYS
        },
        "required": ["shape"],
        "additionalProperties": False,
    }


def _value(dtypes: tuple[str, ...]) -> dict[str, Any]:
    """A value: a number or nested list, the long form, or a generated array."""
    return {
        "anyOf": [{"$ref": "#/$defs/numbers"}, _long_form(dtypes), _generated(dtypes)],
    }


def _words(item: dict[str, Any]) -> dict[str, Any]:
    """A list of words, or one word read as a one-element list (as the loader does)."""
    return {"anyOf": [item, {"type": "array", "items": item, "uniqueItems": True}]}


def _named(value_ref: str) -> dict[str, Any]:
    return {
        "type": "object",
        "propertyNames": {"$ref": "#/$defs/identifier"},
        "additionalProperties": {"$ref": f"#/$defs/{value_ref}"},
    }


def _hyperparameter(key: str, default: object) -> dict[str, Any]:
    """The schema of one hyperparameter, judged by the kind of its default (as optim.check)."""
    text = HYPERPARAMETER_DESCRIPTIONS.get(key, key)
    if isinstance(default, bool):
        return {"type": "boolean", "default": default, "description": text}
    if isinstance(default, tuple):  # betas: torch.optim wants both in [0, 1)
        item = {"type": "number", "minimum": 0, "exclusiveMaximum": 1}
        return {
            "type": "array",
            "items": item,
            "minItems": 2,
            "maxItems": 2,
            "default": list(default),
            "description": text,
        }
    out: dict[str, Any] = {"type": "number", "description": text}
    if key != "dampening":  # torch.optim refuses the others below 0
        out["minimum"] = 0
    if default is REQUIRED:
        out["description"] = f"{text} (required)"
    else:
        out["default"] = default
    return out


def _one_optimizer(name: str) -> dict[str, Any]:
    defaults = HYPERPARAMETERS[name]
    then: dict[str, Any] = {
        "properties": {
            "name": {"const": name},
            **{key: _hyperparameter(key, value) for key, value in defaults.items()},
        },
        "required": ["name", *(k for k, v in defaults.items() if v is REQUIRED)],
        "additionalProperties": False,
    }
    if "nesterov" in defaults:
        then["if"] = {"properties": {"nesterov": {"const": True}}, "required": ["nesterov"]}
        then["then"] = {
            "properties": {"momentum": {"exclusiveMinimum": 0}, "dampening": {"const": 0}},
            "required": ["momentum"],
        }
    return {"if": {"properties": {"name": {"const": name}}, "required": ["name"]}, "then": then}


def _optimizer() -> dict[str, Any]:
    names = {"enum": list(HYPERPARAMETERS), "description": "the torch.optim name"}
    mapping = {
        "type": "object",
        "properties": {"name": names},
        "required": ["name"],
        "allOf": [_one_optimizer(name) for name in HYPERPARAMETERS],
    }
    return {"anyOf": [names, mapping]}


def _expect() -> dict[str, Any]:
    kinds = {
        "value": {"$ref": "#/$defs/value"},
        "grad": _named("value"),
        "params": _named("value"),
        "costs": {"$ref": "#/$defs/value"},
        "raises": {"type": "string"},
    }
    return {
        "type": "object",
        "description": "every key is optional; with `raises`, the others are not checked",
        "properties": {
            key: {**kinds[key], "description": EXPECT_DESCRIPTIONS[key]} for key in EXPECT_KEYS
        },
        "additionalProperties": False,
    }


def _case_keys() -> dict[str, Any]:
    """Every key of a case, and nothing else: the loader refuses unknown keys."""
    backend = {"enum": list(BACKENDS)}
    kinds: dict[str, dict[str, Any]] = {
        "name": {"type": "string", "pattern": CASE_NAME_PATTERN},
        "description": {"type": "string"},
        "tags": _words({"type": "string"}),
        "dtype": {"enum": list(FLOAT_DTYPES), "default": "float64"},
        "params": {**_named("param_value"), "minProperties": 1},
        "inputs": _named("value"),
        "program": {"type": "string"},
        "cost": {"type": "string"},
        "reduce": {"enum": list(REDUCES), "default": "none"},
        "wrt": _words({"$ref": "#/$defs/identifier"}),
        "optimizer": _optimizer(),
        "steps": {"type": "integer", "minimum": 1},
        "backends": {**_words(backend), "minItems": 1},
        "reference": {**backend, "default": "fd"},
        "tolerance": {
            "type": "object",
            "properties": {
                "rtol": {"type": "number", "minimum": 0},
                "atol": {"type": "number", "minimum": 0},
            },
            "additionalProperties": False,
        },
        "expect": {"$ref": "#/$defs/expect"},
        "expect_backend": {
            "type": "object",
            "properties": {name: {"$ref": "#/$defs/expect"} for name in BACKENDS},
            "additionalProperties": False,
        },
    }
    return {
        "type": "object",
        "properties": {key: {**kinds[key], "description": DESCRIPTIONS[key]} for key in CASE_KEYS},
        "additionalProperties": False,
    }


def _needs_optimizer() -> list[dict[str, Any]]:
    """`steps`, and `params` or `costs` under `expect`, mean nothing without an optimizer."""
    stepped = {"anyOf": [{"required": ["params"]}, {"required": ["costs"]}]}
    return [
        {"if": {"required": ["steps"]}, "then": {"required": ["optimizer"]}},
        {
            "if": {"properties": {"expect": stepped}, "required": ["expect"]},
            "then": {"required": ["optimizer"]},
        },
    ]


def _required_unless_default(key: str) -> dict[str, Any]:
    """In a `cases:` file, each case needs `key` unless `defaults:` gives it."""
    return {
        "if": {"properties": {"defaults": {"required": [key]}}, "required": ["defaults"]},
        "else": {"properties": {"cases": {"items": {"required": [key]}}}},
    }


def _forms() -> dict[str, Any]:
    """The two shapes of a file: one case, or `cases:` with optional `defaults:`."""
    keys = {"$ref": "#/$defs/case_keys"}
    no_name = {"not": {}, "description": "a default cannot set name: each case names itself"}
    return {
        "case": {
            "allOf": [keys, *_needs_optimizer()],
            "required": ["name", "params", "cost"],
        },
        "file": {
            "type": "object",
            "properties": {
                "cases": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"allOf": [keys], "required": ["name"]},
                    "description": "the cases of this file, each with its own name",
                },
                "defaults": {
                    "allOf": [keys],
                    "properties": {"name": no_name},
                    "description": "case keys merged under each case (a key the case sets wins)",
                },
            },
            "required": ["cases"],
            "additionalProperties": False,
            "allOf": [_required_unless_default("params"), _required_unless_default("cost")],
        },
    }


def case_schema() -> dict[str, Any]:
    """The JSON Schema of a case file, as a plain dict ready for `json.dumps`."""
    reserved = sorted(set(FUNCTIONS) | set(keyword.kwlist))
    definitions = {
        "numbers": _tree({"type": "number"}, "numbers"),
        "integers": _tree({"type": "integer"}, "integers"),
        "booleans": _tree({"type": "boolean"}, "booleans"),
        "identifier": {
            "type": "string",
            "pattern": IDENTIFIER_PATTERN,
            "not": {"enum": reserved},
            "description": "a Python identifier that is not a keyword or a function name",
        },
        "value": _value(DTYPES),
        "param_value": _value(FLOAT_DTYPES),
        "expect": _expect(),
        "case_keys": _case_keys(),
        **_forms(),
    }
    return {
        "$schema": DRAFT,
        "title": "gradcheck case file",
        "description": "One case (a mapping with `name`), or several under `cases:` with"
        " optional `defaults:`. Written by `gradcheck schema`; see docs/editors.md.",
        "type": "object",
        "if": {"type": "object", "required": ["cases"]},
        "then": {"$ref": "#/$defs/file"},
        "else": {"$ref": "#/$defs/case"},
        "$defs": definitions,
    }
