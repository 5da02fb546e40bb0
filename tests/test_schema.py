"""The JSON Schema of the case format agrees with the loader: shipped cases validate,
cases the loader refuses are refused, its enums are the loader's lists."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from gradcheck_cli import implementations, optim, values
from gradcheck_cli.case import CASE_KEYS, EXPECT_KEYS, REDUCES
from gradcheck_cli.caseformat.read import READERS
from gradcheck_cli.commands.authoring import schema_command
from gradcheck_cli.document import parse
from gradcheck_cli.errors import CaseFileError
from gradcheck_cli.load import load_text
from gradcheck_cli.results import BACKENDS
from gradcheck_cli.schema import RENDERERS, case_schema

CASES = Path(__file__).parents[1] / "cases"
SCHEMA = case_schema()
VALIDATORS = {
    "2020-12": jsonschema.Draft202012Validator(SCHEMA),
    "draft-07": jsonschema.Draft7Validator(SCHEMA),  # what the YAML language server runs
}
# Keywords that draft-07 and 2020-12 read the same way (no prefixItems, unevaluated*,
# dependentRequired, $dynamicRef...), so editors validate as the tests do.
PORTABLE = {
    "$schema", "$ref", "$defs", "title", "description", "default", "type", "enum", "const",
    "properties", "additionalProperties", "required", "propertyNames", "minProperties",
    "items", "minItems", "maxItems", "uniqueItems", "minimum", "exclusiveMinimum",
    "exclusiveMaximum", "pattern", "anyOf", "allOf", "not", "if", "then", "else",
}  # fmt: skip

BASE = "name: t\nparams: {w: [1.0, 2.0]}\ncost: sum(w * w)\n"

# Each is refused by the loader; the schema must refuse it too. (label, file text)
INVALID = [
    ("unknown key", BASE + "nmae: x\n"),
    ("bad dtype", BASE + "dtype: float16\n"),
    ("int dtype for the case", BASE + "dtype: int64\n"),
    ("bad long-form dtype", BASE + "inputs: {i: {value: [0, 1], dtype: uint8}}\n"),
    ("numbers for a bool input", BASE + "inputs: {m: {value: [1, 0], dtype: bool}}\n"),
    ("floats for an int input", BASE + "inputs: {i: {value: [0.5], dtype: int64}}\n"),
    ("an int param", "name: t\nparams: {w: {value: [1, 2], dtype: int64}}\ncost: sum(w)\n"),
    ("unknown long-form key", BASE + "inputs: {x: {value: [1.0], dtyp: float64}}\n"),
    ("bad init", BASE + "inputs: {x: {shape: [2], init: gaussian}}\n"),
    ("unknown generated key", BASE + "inputs: {x: {shape: [2], init: normal, sigma: 2}}\n"),
    ("bad shape", BASE + "inputs: {x: {shape: [2, -1]}}\n"),
    ("string for a number", "name: t\nparams: {w: [1.0, 1e-8x]}\ncost: sum(w)\n"),
    ("YAML 1.1 boolean", "name: t\nparams: {w: yes}\ncost: w\n"),
    ("bad name", "name: a b\nparams: {w: 1.0}\ncost: w\n"),
    ("param named like a function", "name: t\nparams: {sum: 1.0}\ncost: sum\n"),
    ("no params", "name: t\ncost: '1.0'\n"),
    ("empty params", "name: t\nparams: {}\ncost: '1.0'\n"),
    ("no cost", "name: t\nparams: {w: 1.0}\n"),
    ("no name", "params: {w: 1.0}\ncost: w\n"),
    ("bad reduce", BASE + "reduce: max\n"),
    ("bad backend", BASE + "backends: [numpy, pytorch]\n"),
    ("repeated backend", BASE + "backends: [numpy, numpy]\n"),
    ("empty backends", BASE + "backends: []\n"),
    ("bad reference", BASE + "reference: pytorch\n"),
    ("bad optimizer name", BASE + "optimizer: {name: adamax, lr: 0.1}\n"),
    ("bad optimizer name, short form", BASE + "optimizer: amsgrad\n"),
    ("optimizer without a name", BASE + "optimizer: {lr: 0.1}\n"),
    ("unknown hyperparameter", BASE + "optimizer: {name: sgd, lr: 0.1, lr_decay: 0.1}\n"),
    (
        "another optimizer's hyperparameter",
        BASE + "optimizer: {name: adagrad, betas: [0.9, 0.99]}\n",
    ),
    ("sgd without lr", BASE + "optimizer: {name: sgd, momentum: 0.9}\n"),
    ("negative lr", BASE + "optimizer: {name: adam, lr: -0.1}\n"),
    ("string flag", BASE + "optimizer: {name: adam, amsgrad: 'true'}\n"),
    ("three betas", BASE + "optimizer: {name: adam, betas: [0.9, 0.99, 0.5]}\n"),
    ("beta of 1", BASE + "optimizer: {name: adam, betas: [0.9, 1.0]}\n"),
    ("nesterov without momentum", BASE + "optimizer: {name: sgd, lr: 0.1, nesterov: true}\n"),
    ("steps without optimizer", BASE + "steps: 2\n"),
    ("zero steps", BASE + "optimizer: {name: sgd, lr: 0.1}\nsteps: 0\n"),
    ("expected params without optimizer", BASE + "expect: {params: {w: [1.0, 2.0]}}\n"),
    ("a backend's costs without optimizer", BASE + "expect_backend: {numpy: {costs: [1.0]}}\n"),
    ("empty wrt", BASE + "wrt: []\n"),
    ("unknown expect key", BASE + "expect: {gradient: {w: [2.0, 4.0]}}\n"),
    ("raises not text", BASE + "expect: {raises: [1]}\n"),
    ("unknown expect_backend", BASE + "expect_backend: {pytorch: {raises: x}}\n"),
    ("unknown tolerance key", BASE + "tolerance: {rtol: 1e-3, eps: 1e-3}\n"),
    ("negative tolerance", BASE + "tolerance: {atol: -1.0}\n"),
    ("tags not words", BASE + "tags: [1, 2]\n"),
    ("unknown top-level key", "cases:\n  - " + BASE.replace("\n", "\n    ") + "\nextra: 1\n"),
    ("defaults with a name", "defaults: {name: d}\ncases:\n  - " + BASE.replace("\n", "\n    ")),
    (
        "unknown key in defaults",
        "defaults: {dtyp: float32}\ncases:\n  - " + BASE.replace("\n", "\n    "),
    ),
    ("case of a list without params", "cases:\n  - {name: t, cost: '1.0'}\n"),
    ("case of a list without name", "defaults: {params: {w: 1.0}}\ncases:\n  - {cost: w}\n"),
    ("empty cases", "cases: []\n"),
    ("not a mapping", "- name: t\n"),
]

# Accepted by the loader (the forms it reads leniently): the schema must accept them.
VALID = [
    ("one word for tags and wrt", BASE + "tags: word\nwrt: w\n"),
    ("optimizer by name alone", BASE + "optimizer: adam\n"),
    (
        "every hyperparameter",
        BASE
        + "optimizer: {name: adam, lr: 0.01, betas: [0.8, 0.9], eps: 1.0e-6, weight_decay: 0.1, amsgrad: true}\nsteps: 2\n",
    ),
    (
        "nesterov with momentum",
        BASE + "optimizer: {name: sgd, lr: 0.1, momentum: 0.9, nesterov: true}\n",
    ),
    (
        "negative dampening",
        BASE + "optimizer: {name: sgd, lr: 0.1, momentum: 0.5, dampening: -0.5}\n",
    ),
    ("long form without dtype", BASE + "inputs: {x: {value: [1, 2]}}\n"),
    (
        "int and bool inputs",
        BASE
        + "inputs: {i: {value: [0, 1], dtype: int32}, m: {value: [true, false], dtype: bool}}\n",
    ),
    (
        "generated with a scalar shape",
        BASE
        + "inputs: {x: {shape: 3, init: uniform, low: -1, high: 1, seed: 7, dtype: float32}}\n",
    ),
    (
        "YAML 1.2 numbers and specials",
        "name: t\nparams: {w: [1e-8, 1E5, .5, -.inf]}\ninputs: {n: .nan}\ncost: sum(w)\n",
    ),
    (
        "expect_backend with raises",
        BASE + "reduce: native\nexpect_backend: {torch: {raises: scalar}}\n",
    ),
    (
        "params and cost from defaults",
        "defaults: {params: {w: 1.0}, cost: w}\ncases:\n  - {name: a}\n  - {name: b, cost: 2 * w}\n",
    ),
]


def _plain(text: str, file: str = "case.yaml"):
    return parse(text, file).plain()


def _errors(data, draft: str = "2020-12") -> list[str]:
    return [error.message for error in VALIDATORS[draft].iter_errors(data)]


def test_the_schema_is_a_valid_2020_12_schema():
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_the_schema_keeps_to_keywords_draft_07_reads_the_same_way():
    found: set[str] = set()

    def walk(node, under_properties: bool = False) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if not under_properties:
                    found.add(key)
                named = not under_properties and key in ("properties", "$defs")
                walk(value, under_properties=named)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(SCHEMA)
    assert sorted(found - PORTABLE) == []


@pytest.mark.parametrize(
    "path", sorted(CASES.rglob("*.y*ml")), ids=lambda p: str(p.relative_to(CASES))
)
@pytest.mark.parametrize("draft", sorted(VALIDATORS))
def test_every_shipped_case_file_validates(path, draft):
    assert _errors(_plain(path.read_text(encoding="utf-8"), str(path)), draft) == []


@pytest.mark.parametrize("label, text", INVALID, ids=[label for label, _ in INVALID])
@pytest.mark.parametrize("draft", sorted(VALIDATORS))
def test_what_the_loader_refuses_the_schema_refuses(label, text, draft):
    with pytest.raises(CaseFileError):
        load_text(text, "case.yaml")
    assert _errors(_plain(text), draft), f"the schema accepts: {label}"


@pytest.mark.parametrize("label, text", VALID, ids=[label for label, _ in VALID])
@pytest.mark.parametrize("draft", sorted(VALIDATORS))
def test_what_the_loader_accepts_the_schema_accepts(label, text, draft):
    assert load_text(text, "case.yaml")
    assert _errors(_plain(text), draft) == []


def test_an_error_points_at_the_key():
    error = jsonschema.exceptions.best_match(
        VALIDATORS["2020-12"].iter_errors(_plain(BASE + "dtype: float16\n"))
    )
    assert list(error.absolute_path) == ["dtype"]
    assert "float16" in error.message


# --- the schema's lists are the loader's lists --------------------------------------------

DEFS = SCHEMA["$defs"]
KEYS = DEFS["case_keys"]["properties"]


def _long_form(value_def: dict) -> dict:
    return next(s for s in value_def["anyOf"] if "value" in s.get("properties", {}))


def _generated(value_def: dict) -> dict:
    return next(s for s in value_def["anyOf"] if "shape" in s.get("properties", {}))


def _optimizers() -> dict[str, dict]:
    mapping = next(s for s in KEYS["optimizer"]["anyOf"] if s.get("type") == "object")
    return {
        rule["if"]["properties"]["name"]["const"]: rule["then"]["properties"]
        for rule in mapping["allOf"]
    }


def test_case_and_expect_keys_are_the_loaders():
    assert list(KEYS) == CASE_KEYS
    assert tuple(DEFS["expect"]["properties"]) == EXPECT_KEYS
    assert all(KEYS[key]["description"] for key in CASE_KEYS)


def test_every_kind_the_loader_reads_the_schema_renders():
    assert sorted(k.__name__ for k in set(READERS) - set(RENDERERS)) == []


def test_enums_are_the_loaders():
    assert tuple(KEYS["dtype"]["enum"]) == values.CASE_DTYPES
    assert tuple(KEYS["reduce"]["enum"]) == REDUCES
    assert tuple(KEYS["reference"]["enum"]) == BACKENDS
    assert tuple(KEYS["backends"]["anyOf"][1]["items"]["enum"]) == BACKENDS
    assert tuple(KEYS["expect_backend"]["properties"]) == BACKENDS + implementations.ROWS
    value, param_value = DEFS["value"], DEFS["param_value"]
    assert tuple(_long_form(value)["properties"]["dtype"]["enum"]) == values.DTYPES
    assert tuple(_long_form(param_value)["properties"]["dtype"]["enum"]) == values.CASE_DTYPES
    assert tuple(_generated(value)["properties"]) == values.GENERATED_KEYS
    assert tuple(_generated(value)["properties"]["init"]["enum"]) == values.INITS


def test_optimizers_and_hyperparameters_are_the_loaders():
    names = next(s for s in KEYS["optimizer"]["anyOf"] if "enum" in s)["enum"]
    assert names == list(optim.HYPERPARAMETERS)
    found = _optimizers()
    assert list(found) == list(optim.HYPERPARAMETERS)
    for name, defaults in optim.HYPERPARAMETERS.items():
        assert [k for k in found[name] if k != "name"] == list(defaults), name
        for key, default in defaults.items():
            if default is not optim.REQUIRED:
                expected = list(default) if isinstance(default, tuple) else default
                assert found[name][key]["default"] == expected, (name, key)


def test_gradcheck_schema_prints_it_as_json():
    result = CliRunner().invoke(schema_command, [])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == SCHEMA


def test_a_doc_example_with_every_value_form_validates(tmp_path):
    text = textwrap.dedent(
        """\
        name: seed-sliced-cost
        tags: [founding, slicing]
        dtype: float32
        params:
          w: [2.0, 3.0]
        inputs:
          X: [-1, -2]
          idx: {value: [0, 0, 1], dtype: int64}
          noise: {shape: [3, 4], init: normal, seed: 0}
        program: |
          Y = w * X
        cost: Y[1] * Y
        reduce: sum
        optimizer: {name: sgd, lr: 1.0}
        steps: 1
        expect:
          value: [12.0, 36.0]
          grad: {w: [6.0, 28.0]}
          params: {w: [-4.0, -25.0]}
          costs: [48.0]
        """
    )
    assert load_text(text, "case.yaml")
    assert _errors(_plain(text)) == []
