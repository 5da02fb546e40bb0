"""The machine-readable reports, rendered from a real run of real case files.

The run holds a passing, a failing, an erroring and two skipped cases, a case whose
expectations are NaN and infinities, and two invalid files: every format is checked on it
(JSON against docs/report.schema.json, JUnit parsed as a CI server parses it).
"""

from __future__ import annotations

import copy
import json
import re
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from gradcheck_cli import __version__
from gradcheck_cli.report import github, json_report, junit, markdown
from gradcheck_cli.report.formats import FORMATS
from gradcheck_cli.report.text import case_lines, detail_lines, fmt_mismatch, summary
from gradcheck_cli.results import RunResult
from gradcheck_cli.run import Options, invalid_results, load_all, run

SCHEMA = Path(__file__).parents[1] / "docs" / "report.schema.json"

CASES = """
cases:
  - name: good
    description: 'a <quoted> "description" & more'
    tags: [sgd, small]
    params: {w: [2.0, 3.0]}
    cost: sum(w * w)
    optimizer: {name: sgd, lr: 0.1}
    steps: 2
    expect: {grad: {w: [4.0, 6.0]}}
  - name: wrong
    params: {w: [2.0, 3.0]}
    cost: sum(w * w)
    expect: {value: 13.5, grad: {w: [4.0, 7.0]}}
  - name: boom
    params: {x: [1.0, 2.0]}
    cost: sum(x[[5]])
  - name: alone
    params: {w: [1.0]}
    cost: sum(w * 2)
    backends: [numpy]
    reference: numpy
  - name: elsewhere
    params: {w: [1.0]}
    cost: sum(w * 2)
    backends: [torch]
    reference: torch
  - name: odd-numbers
    params: {w: [2.0, 3.0]}
    cost: sum(w * w)
    expect: {value: .inf, grad: {w: [.nan, -.inf]}}
"""

LAMBDA = """
name: refused
params: {w: 1.0}
cost: "(lambda v: v)(w)"
"""

STATUS = {
    "good": "pass",
    "wrong": "fail",
    "boom": "error",
    "alone": "skip",
    "elsewhere": "skip",
    "odd-numbers": "fail",
    "refused": "error",
    "odd,na|me.yaml": "error",
}


@pytest.fixture(scope="module")
def result(tmp_path_factory) -> RunResult:
    folder = tmp_path_factory.mktemp("reports")
    good = folder / "cases.yaml"
    good.write_text(textwrap.dedent(CASES))
    cases, problems = load_all([good])
    assert problems == []
    outcome = run(cases, Options(backends=("numpy", "fd")))
    (folder / "refused.yaml").write_text(LAMBDA)
    (folder / "odd,na|me.yaml").write_text("name: [unclosed\n")
    _, problems = load_all([folder / "refused.yaml", folder / "odd,na|me.yaml"])
    outcome.cases += invalid_results(problems)
    assert {c.name: c.status for c in outcome.cases} == STATUS
    return outcome


def by_name(run_result: RunResult, name: str):
    return next(c for c in run_result.cases if c.name == name)


# --- JSON -------------------------------------------------------------------------------


def test_json_is_valid_against_its_schema(result):
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    data = json.loads(json_report.render(result))
    jsonschema.Draft202012Validator(schema).validate(data)


def test_the_schema_refuses_a_report_it_does_not_describe(result):
    jsonschema = pytest.importorskip("jsonschema")
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text()))
    data = json.loads(json_report.render(result))
    data["cases"][0]["backends"]["numpy"]["values"]["value"] = "a string"
    data["cases"][1]["status"] = "passed"
    assert len(list(validator.iter_errors(data))) == 2


def test_json_has_the_run_summary_exit_code_and_versions(result):
    data = json.loads(json_report.render(result))
    assert data["gradcheck_version"] == __version__
    assert data["summary"] == {"pass": 1, "fail": 2, "error": 3, "skip": 2, "total": 8}
    assert data["exit_code"] == 2  # invalid case files, as the CLI exits
    assert data["versions"]["numpy"].startswith("numpy ")
    assert [c["name"] for c in data["cases"]] == list(STATUS)


def test_json_carries_a_passing_case_values_tolerances_and_timing(result):
    case = json.loads(json_report.render(result))["cases"][0]
    assert (case["name"], case["status"], case["line"], case["column"]) == ("good", "pass", 3, 5)
    assert case["file"].endswith("cases.yaml") and case["tags"] == ["sgd", "small"]
    assert case["description"] == 'a <quoted> "description" & more'
    assert case["reference"] == "fd" and case["expect"]["grad"] == {"w": [4.0, 6.0]}
    numpy_side = case["backends"]["numpy"]
    assert numpy_side["values"]["value"] == 13.0
    assert numpy_side["values"]["grad"] == {"w": [4.0, 6.0]}
    assert numpy_side["values"]["params"]["w"] == pytest.approx([1.28, 1.92])
    assert numpy_side["values"]["costs"] == pytest.approx([13.0, 8.32])
    # fd used the complex step here, so it is held to the case's own tolerance
    assert case["backends"]["fd"]["info"]["fd_method"] == "complex"
    assert numpy_side["tolerances"] == {
        "expect": {"rtol": 1e-7, "atol": 1e-9},
        "fd": {"rtol": 1e-7, "atol": 1e-9},
    }
    assert numpy_side["seconds"] > 0 and numpy_side["version"].startswith("numpy")
    assert case["backends"]["fd"]["grad_error"]["w"][0] >= 0


def test_json_spells_out_each_mismatch(result):
    data = json.loads(json_report.render(result))
    mismatches = data["cases"][1]["backends"]["numpy"]["mismatches"]
    assert mismatches[1] == {
        "quantity": "grad[w]",
        "backend": "numpy",
        "other": "expect",
        "index": [1],
        "actual": 6.0,
        "expected": 7.0,
        "diff": 1.0,
        "bound": pytest.approx(1e-9 + 1e-7 * 7.0),
        "rtol": 1e-7,
        "atol": 1e-9,
        "note": "1 of 2 elements disagree",
        "text": fmt_mismatch(by_name(result, "wrong").backends["numpy"].mismatches[1]),
    }
    assert mismatches[0]["index"] == [] and mismatches[0]["actual"] == 13.0


def test_json_errors_skips_and_problems(result):
    cases = {c["name"]: c for c in json.loads(json_report.render(result))["cases"]}
    boom = cases["boom"]["backends"]["numpy"]
    assert boom["status"] == "error" and boom["error_type"] == "IndexError"
    assert "out of bounds" in boom["message"] and boom["seconds"] is None
    assert cases["alone"]["backends"]["numpy"]["message"].startswith("nothing to compare")
    assert cases["elsewhere"]["backends"] == {}
    assert cases["elsewhere"]["notes"] == [
        "reference torch was not selected; compared with expect alone"
    ]
    (problem,) = cases["refused"]["problems"]
    assert problem["line"] == 4 and problem["column"] > 0 and "lambda" in problem["message"]
    assert cases["refused"]["backends"] == {} and cases["refused"]["dtype"] is None


def test_json_writes_nan_and_infinities_as_strings_everywhere(result):
    text = json_report.render(result)
    json.loads(text, parse_constant=lambda token: pytest.fail(f"bare {token} in the JSON"))
    case = json.loads(text)["cases"][5]
    assert case["expect"]["value"] == "Infinity"
    assert case["expect"]["grad"] == {"w": ["NaN", "-Infinity"]}
    (value, grad) = case["backends"]["numpy"]["mismatches"]
    assert (value["expected"], value["diff"], value["bound"]) == ("Infinity",) * 3
    assert (grad["index"], grad["expected"], grad["diff"]) == ([0], "NaN", "NaN")
    assert case["expect_backend"] == {} and case["backends"]["fd"]["values"]["value"] == 13.0


def test_plain_converts_arrays_to_nested_lists_of_json_values():
    assert json_report.plain(np.array([[1.5, np.nan], [np.inf, -np.inf]], np.float32)) == [
        [1.5, "NaN"],
        ["Infinity", "-Infinity"],
    ]
    assert json_report.plain(np.float64("nan")) == "NaN"
    assert json_report.plain({"i": np.arange(3), "b": np.array([True, False])}) == {
        "i": [0, 1, 2],
        "b": [True, False],
    }
    assert json_report.plain((np.int64(2), None, "x")) == [2, None, "x"]


# --- JUnit ------------------------------------------------------------------------------


def test_junit_counts_and_elements_as_a_ci_server_reads_them(result):
    root = ET.fromstring(junit.render(result))
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    # good, wrong, boom, odd-numbers: numpy and fd; alone: numpy; elsewhere, and the
    # two invalid files: one testcase each
    assert len(cases) == 4 * 2 + 1 + 3
    for element in (root, suite):
        assert element.get("tests") == "12"
        assert element.get("failures") == "4"  # wrong and odd-numbers, on both backends
        assert element.get("errors") == "4"  # boom on both, two invalid files
        assert element.get("skipped") == "2"
        assert float(element.get("time")) > 0
    names = [c.get("name") for c in cases]
    assert names[:4] == ["good[numpy]", "good[fd]", "wrong[numpy]", "wrong[fd]"]
    assert {c.get("classname") for c in cases[:-2]} == {junit.classname(result.cases[0])}
    assert junit.classname(result.cases[0]).endswith(".cases")
    assert "/" not in junit.classname(result.cases[0])


def test_junit_failure_error_and_skipped_carry_the_text_report_lines(result):
    cases = {c.get("name"): c for c in ET.fromstring(junit.render(result)).iter("testcase")}
    wrong = by_name(result, "wrong").backends["numpy"]
    failure = cases["wrong[numpy]"].find("failure")
    assert failure.get("message") == fmt_mismatch(wrong.mismatches[0])
    assert failure.text.splitlines()[:2] == [fmt_mismatch(m) for m in wrong.mismatches]
    assert failure.text.splitlines()[-2:] == [
        "grad w     [4, 6]   numpy fd",
        "           [4, 7]   expect",
    ]
    error = cases["boom[fd]"].find("error")
    assert error.get("type") == "IndexError" and "out of bounds" in error.get("message")
    assert cases["alone[numpy]"].find("skipped").get("message").startswith("nothing to compare")
    assert "torch was not selected" in cases["elsewhere"].find("skipped").get("message")
    assert cases["good[numpy]"].find("*") is None
    invalid = cases["refused"].find("error")
    assert invalid.get("type") == "invalid case" and "lambda" in invalid.get("message")
    assert cases["refused"].get("line") == "4"  # the problem's line: the file has no case yet


def test_junit_escapes_markup_and_drops_what_xml_cannot_hold(result):
    messy = copy.deepcopy(result)
    boom = by_name(messy, "boom").backends["numpy"]
    boom.message = 'bad <tag> & "quote" \x1b[31mred\x1b[0m \x00'
    root = ET.fromstring(junit.render(messy))
    error = next(c for c in root.iter("testcase") if c.get("name") == "boom[numpy]").find("error")
    assert 'bad <tag> & "quote" \\x1b[31mred\\x1b[0m \\x00' in error.get("message")


# --- Markdown ---------------------------------------------------------------------------


def test_markdown_has_a_row_per_case_and_a_column_per_backend(result):
    lines = markdown.render(result).splitlines()
    table = [line for line in lines if line.startswith("|")]
    assert table[0] == "| status | case | numpy | fd |"
    assert len(table) == 2 + len(result.cases)
    assert table[2] == "| ✅ pass | `good` | ✅ pass | ✅ pass |"
    assert table[3] == "| ❌ fail | `wrong` | ❌ fail | ❌ fail |"
    assert table[4] == "| 💥 error | `boom` | 💥 error | 💥 error |"
    assert table[5] == "| ⏭️ skip | `alone` | ⏭️ skip | – |"
    assert table[-1] == "| 💥 error | `odd,na\\|me.yaml` | – | – |"  # `|` would end the cell
    for row in table:
        assert len(re.split(r"(?<!\\)\|", row)) == 6


def test_markdown_details_only_for_failing_and_erroring_cases(result):
    text = markdown.render(result)
    summaries = re.findall(r"<summary>(.*)</summary>", text)
    assert summaries == [
        "❌ wrong: fail",
        "💥 boom: error",
        "❌ odd-numbers: fail",
        "💥 refused: error",
        "💥 odd,na|me.yaml: error",
    ]
    assert text.count("<details>") == text.count("</details>") == 5
    block = text.split("<summary>❌ wrong: fail</summary>")[1].split("</details>")[0]
    assert all(line in block for line in detail_lines(by_name(result, "wrong")))
    assert text.rstrip().splitlines()[-1] == f"**{summary(result)}**"


# --- GitHub -----------------------------------------------------------------------------

COMMAND = re.compile(r"^::(\w+) (.*?)::(.*)$")


def unescape(text: str) -> str:
    return re.sub("%(25|0D|0A|3A|2C)", lambda m: bytes.fromhex(m.group(1)).decode(), text)


def parse(line: str) -> tuple[str, dict[str, str], str]:
    kind, props, message = COMMAND.match(line).groups()
    pairs = dict(p.split("=", 1) for p in props.split(","))
    return kind, {k: unescape(v) for k, v in pairs.items()}, unescape(message)


def test_github_annotates_each_failing_case_at_its_position(result):
    lines = github.render(result).splitlines()
    commands = [parse(line) for line in lines]
    errors = [(props, message) for kind, props, message in commands if kind == "error"]
    titles = [props["title"] for props, _ in errors]
    assert titles == [f"gradcheck {n}" for n in ("wrong", "boom", "odd-numbers", "refused")] + [
        "gradcheck odd,na|me.yaml"
    ]
    props, message = errors[0]
    wrong = by_name(result, "wrong")
    assert props["file"] == github.repo_path(wrong.position.file)
    assert (props["line"], props["col"]) == (str(wrong.position.line), "5")
    assert message.splitlines() == detail_lines(wrong)
    assert commands[-1] == ("notice", {"title": "gradcheck"}, summary(result))


def test_github_puts_a_problem_at_its_own_position(result):
    errors = [parse(line) for line in github.render(result).splitlines()[:-1]]
    (_, props, message) = errors[3]
    problem = by_name(result, "refused").problems[0]
    assert (props["line"], props["col"]) == (
        str(problem.position.line),
        str(problem.position.column),
    )
    assert "lambda" in message
    broken = github.render(result).splitlines()[4]
    assert "odd%2Cna|me.yaml" in broken  # `,` ends a property unless escaped


def test_github_escapes_message_and_properties():
    line = github.command("error", "50% done\r\nnext", file="a,b:c.yaml", title="t")
    assert line == "::error file=a%2Cb%3Ac.yaml,title=t::50%25 done%0D%0Anext"


# --- every format -----------------------------------------------------------------------


def test_the_registry_names_every_format():
    assert list(FORMATS) == ["text", "json", "junit", "markdown", "github"]


def test_text_is_the_terminal_report_without_colour(result):
    text = FORMATS["text"](result)
    assert "\x1b[" not in text
    expected = [line for c in result.cases for line in case_lines(c)] + [summary(result)]
    assert text.splitlines() == expected


@pytest.mark.parametrize("name", list(FORMATS))
def test_every_format_renders_an_empty_run(name):
    text = FORMATS[name](RunResult())
    assert text.endswith("\n")
    if name == "json":
        assert json.loads(text)["summary"]["total"] == 0
    if name == "junit":
        assert ET.fromstring(text).find("testsuite").get("tests") == "0"


def test_a_framework_refusing_a_non_scalar_target_is_an_error_in_every_format(tmp_path):
    jsonschema = pytest.importorskip("jsonschema")
    pytest.importorskip("torch")
    path = tmp_path / "native.yaml"
    path.write_text(
        "name: native\nparams: {w: [1.0, 2.0]}\ncost: w * w\nreduce: native\n"
        "backends: [numpy, torch]\nreference: numpy\n"
    )
    cases, _ = load_all([path])
    outcome = run(cases, Options(backends=("numpy", "torch")))
    torch_side = outcome.cases[0].backends["torch"]
    assert torch_side.status == "error"
    data = json.loads(FORMATS["json"](outcome))
    jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text())).validate(data)
    assert data["cases"][0]["backends"]["torch"]["error_type"] == torch_side.outcome.error_type
    testcase = ET.fromstring(FORMATS["junit"](outcome)).find(
        "testsuite/testcase[@name='native[torch]']"
    )
    assert testcase.find("error").get("type") == torch_side.outcome.error_type
    assert "| 💥 error | `native` | ⏭️ skip | 💥 error |" in FORMATS["markdown"](outcome)
    assert FORMATS["github"](outcome).startswith("::error file=")
