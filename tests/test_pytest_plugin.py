"""The pytest plugin, through pytester: real case files, real pytest runs (xdist too), and
the same statuses as `gradcheck run` on the same files."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from gradcheck_cli.collect import collect
from gradcheck_cli.errors import CaseFileError
from gradcheck_cli.load import load_file
from gradcheck_cli.pytest_plugin import is_case_file
from gradcheck_cli.results import worst
from gradcheck_cli.run import Options, load_all, run

pytest_plugins = ["pytester"]

PLUGIN = ("-p", "gradcheck_cli.pytest_plugin")
CORE = ("--gradcheck-backend", "numpy", "--gradcheck-backend", "fd")
FOUNDING = Path(__file__).parents[1] / "cases" / "founding"

CASE_FILES = {
    "cases/pass.yaml": """
        name: passes
        params: {w: [2.0, 3.0]}
        cost: sum(w * w)
        expect: {grad: {w: [4.0, 6.0]}}
    """,
    "cases/fail.yaml": """
        # a wrong expectation
        name: fails
        params: {w: [2.0, 3.0]}
        cost: sum(w * w)
        expect: {grad: {w: [4.0, 6.5]}}
    """,
    "cases/error.yaml": """
        name: errs
        params: {w: [2.0, 3.0]}
        cost: w[5]
    """,
    "cases/skips.yml": """
        cases:
          - name: nothing-compared
            params: {w: [2.0, 3.0]}
            cost: sum(w * w)
            backends: [fd]
          - name: torch-only
            params: {w: [2.0, 3.0]}
            cost: sum(w * w)
            backends: [torch, jax]
            reference: torch
    """,
    "cases/nested/tagged.yaml": """
        defaults:
          params: {w: [1.0, -2.0]}
          expect: {value: 1.0}
        cases:
          - name: sliced
            tags: [slicing, seed]
            cost: w[0]
          - name: tagged-skip
            tags: [skip, "not a marker"]
            cost: w[0] ** 2
    """,
}
UNRELATED = {
    "cases/ci.yml": """
        name: CI
        on: [push, pull_request]
        jobs:
          test:
            runs-on: ubuntu-latest
            steps:
              - run: pytest
    """,
    "cases/docker-compose.yml": """
        name: app
        services:
          web: {image: "nginx", ports: ["80:80"]}
    """,
    "cases/action.yml": """
        name: setup-thing
        description: a GitHub action
        inputs:
          version: {description: which, default: "1"}
        runs: {using: node20, main: index.js}
    """,
    "cases/.pre-commit-config.yaml": """
        repos:
          - repo: https://github.com/astral-sh/ruff-pre-commit
            hooks: [{id: ruff}]
    """,
    "cases/notes.yaml": "- just\n- a list\n",
}
EXPECTED_ITEMS = [
    "cases/error.yaml::errs[numpy]",
    "cases/error.yaml::errs[fd]",
    "cases/fail.yaml::fails[numpy]",
    "cases/fail.yaml::fails[fd]",
    "cases/nested/tagged.yaml::sliced[numpy]",
    "cases/nested/tagged.yaml::sliced[fd]",
    "cases/nested/tagged.yaml::tagged-skip[numpy]",
    "cases/nested/tagged.yaml::tagged-skip[fd]",
    "cases/pass.yaml::passes[numpy]",
    "cases/pass.yaml::passes[fd]",
    "cases/skips.yml::nothing-compared[fd]",
    "cases/skips.yml::torch-only",
]


def write(pytester: pytest.Pytester, files: dict[str, str]) -> list[Path]:
    paths = []
    for name, text in files.items():
        path = pytester.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())
        paths.append(path)
    return paths


@pytest.fixture
def tree(pytester: pytest.Pytester) -> list[Path]:
    """The case files of a small tree (unrelated YAML files beside them)."""
    write(pytester, UNRELATED)
    return write(pytester, CASE_FILES)


def item_statuses(junit: Path) -> dict[str, tuple[str, str]]:
    """Item name -> (case, gradcheck status), from the properties each item records."""
    found = {}
    for testcase in ET.parse(junit).getroot().iter("testcase"):
        props = {p.get("name"): p.get("value") for p in testcase.iter("property")}
        found[testcase.get("name")] = (props["gradcheck_case"], props["gradcheck_status"])
    return found


def case_statuses(items: dict[str, tuple[str, str]]) -> dict[str, str]:
    """Per-backend items aggregated as gradcheck aggregates backends: the worst status."""
    grouped: dict[str, list[str]] = {}
    for case, status in items.values():
        grouped.setdefault(case, []).append(status)
    return {case: worst(statuses) for case, statuses in grouped.items()}


def gradcheck_statuses(files: list[Path], backends: tuple[str, ...]) -> dict[str, str]:
    cases, problems = load_all(files)
    assert problems == []
    return {c.name: c.status for c in run(cases, Options(backends=backends)).cases}


def expected_outcomes(items: dict[str, tuple[str, str]]) -> dict[str, int]:
    statuses = [status for _, status in items.values()]
    counts = {
        "passed": statuses.count("pass"),
        "failed": statuses.count("fail") + statuses.count("error"),
        "skipped": statuses.count("skip"),
    }
    return {k: v for k, v in counts.items() if v}


def test_loading_the_plugin_imports_nothing_heavy():
    # pytest imports it in every run of an environment where gradcheck is installed
    code = "import sys, gradcheck_cli.pytest_plugin; print(sorted(m for m in ('numpy', 'yaml', 'torch', 'jax', 'tensorflow') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("name: a\nparams: {w: 1.0}\ncost: w * w\n", True),
        ("cases:\n  - name: a\n", True),
        ("# no name yet\nparams: {w: 1.0}\ncost: w\n", True),  # reported, not left out
        ("name: a\nparams: {w: 1.0}\n", True),  # no cost: reported, not left out
        ("name: CI\non: push\njobs: {}\n", False),  # a GitHub workflow
        ("name: app\nservices: {}\n", False),  # docker-compose
        ("repos: []\n", False),  # pre-commit
        ("apiVersion: v2\nname: chart\nversion: 1.0.0\n", False),  # a Helm chart
        ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n", False),  # Kubernetes
        ("name: env\nchannels: []\ndependencies: [numpy]\n", False),  # conda
        ("version: 2\nupdates: []\n", False),  # dependabot
        ("steps:\n  cost: 3\n  params: 1\n", False),  # nested keys are not top-level
        ("{name: a, params: {w: 1.0}, cost: w}\n", False),  # flow style: name it instead
    ],
)
def test_which_yaml_texts_are_case_files(text, expected):
    assert is_case_file(text) is expected


def test_collects_the_case_files_and_no_other_yaml(pytester, tree):
    result = pytester.runpytest(*PLUGIN, *CORE, "--collect-only", "-q", "cases")
    collected = [line for line in result.outlines if "::" in line]
    assert collected == EXPECTED_ITEMS  # files in name order, backends in report order


@pytest.mark.parametrize("xdist", [False, True], ids=["serial", "xdist"])
def test_the_same_statuses_as_gradcheck_run(pytester, tree, xdist):
    junit = pytester.path / "junit.xml"
    args = (*PLUGIN, *CORE, "cases", f"--junitxml={junit}", "-p", "no:cacheprovider")
    result = pytester.runpytest_subprocess("-n", "2", *args) if xdist else pytester.runpytest(*args)
    items = item_statuses(junit)
    assert case_statuses(items) == gradcheck_statuses(tree, ("numpy", "fd"))
    assert case_statuses(items) == {
        "passes": "pass",
        "fails": "fail",
        "errs": "error",
        "nothing-compared": "skip",
        "torch-only": "skip",
        "sliced": "pass",
        "tagged-skip": "pass",
    }
    result.assert_outcomes(**expected_outcomes(items))


def test_a_failure_reads_as_gradcheck_run_prints_it_without_a_traceback(pytester, tree):
    result = pytester.runpytest(*PLUGIN, *CORE, "cases/fail.yaml", "cases/error.yaml")
    result.stdout.fnmatch_lines(
        [
            "*_ fails[[]numpy[]] _*",
            "FAIL  fails  cases/fail.yaml:2:1  [[]numpy:fail fd:fail[]]",
            "      grad[[]w[]] numpy vs expect at [[]1[]]: 6 vs 6.5, |diff| 0.5 > 6.51e-07 (atol 1e-09 + rtol 1e-07 * |expect|)*",
            "      grad w     [[]4, 6[]]   numpy fd",
            "                 [[]4, 6.5[]]   expect",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "*_ errs[[]numpy[]] _*",
            "ERROR errs  cases/error.yaml:1:1  [[]numpy:error[]]",
            "      numpy: error: IndexError: index 5 is out of bounds for axis 0 with size 2",
        ]
    )
    assert "Traceback" not in result.stdout.str() and "def runtest" not in result.stdout.str()
    result.assert_outcomes(failed=4)


def test_a_skip_names_the_case_file_and_line(pytester, tree):
    result = pytester.runpytest(*PLUGIN, *CORE, "cases/skips.yml", "-rs")
    result.stdout.fnmatch_lines(
        [
            "SKIPPED [[]1[]] cases/skips.yml:2: fd: nothing to compare with (no expect, no reference)",
            "SKIPPED [[]1[]] cases/skips.yml:6: none of this case's backends was selected (--gradcheck-backend)",
        ]
    )


def test_reportinfo_markers_and_keywords(pytester, tree):
    items, _ = pytester.inline_genitems(*PLUGIN, *CORE, "cases/nested/tagged.yaml")
    sliced = items[0]
    assert sliced.reportinfo() == (pytester.path / "cases/nested/tagged.yaml", 4, "sliced[numpy]")
    assert sliced.location == ("cases/nested/tagged.yaml", 4, "sliced[numpy]")
    assert sliced.get_closest_marker("gradcheck").kwargs == {"case": "sliced", "backend": "numpy"}
    assert sliced.get_closest_marker("slicing") and sliced.get_closest_marker("seed")
    tagged_skip = items[2]
    assert tagged_skip.name == "tagged-skip[numpy]"
    assert tagged_skip.get_closest_marker("skip") is None  # a tag must not skip the item
    assert tagged_skip.listextrakeywords() == {"skip", "not a marker"}  # -k still sees tags


def test_k_selects_a_backend_and_m_a_tag_under_strict_markers(pytester, tree):
    by_backend = pytester.runpytest(*PLUGIN, *CORE, "cases", "-k", "numpy", "-v")
    by_backend.assert_outcomes(passed=3, failed=2)
    assert "[fd] " not in by_backend.stdout.str()
    by_tag = pytester.runpytest(*PLUGIN, *CORE, "cases", "-m", "slicing", "--strict-markers")
    by_tag.assert_outcomes(passed=2, deselected=10)
    untagged = pytester.runpytest(*PLUGIN, *CORE, "cases", "-m", "gradcheck and not seed")
    untagged.assert_outcomes(passed=4, failed=4, skipped=2, deselected=2)


SPY = """
import gradcheck_cli.run as run

real = run.run_case
calls = []


def spy(case, options):
    calls.append(f"{case.name}:{'+'.join(options.backends)}")
    return real(case, options)


def pytest_configure(config):
    run.run_case = spy


def pytest_unconfigure(config):
    run.run_case = real
    print("RUNS", " ".join(sorted(calls)))
"""


def test_items_of_a_case_share_one_run_of_it(pytester, tree):
    pytester.makeconftest(SPY)
    result = pytester.runpytest(*PLUGIN, *CORE, "cases/pass.yaml", "cases/fail.yaml", "-s")
    result.stdout.fnmatch_lines(["RUNS fails:numpy+fd passes:numpy+fd"])


def test_k_runs_the_selected_backends_and_the_reference(pytester, tree):
    pytester.makeconftest(SPY)
    result = pytester.runpytest(*PLUGIN, "cases/pass.yaml", "-k", "numpy", "-s")
    result.stdout.fnmatch_lines(["RUNS passes:numpy+fd"])  # not torch, jax, tensorflow
    result.assert_outcomes(passed=1, deselected=4)


def test_gradcheck_backend_narrows_as_run_b_does(pytester, tree):
    result = pytester.runpytest(*PLUGIN, "cases/fail.yaml", "--gradcheck-backend", "numpy")
    result.stdout.fnmatch_lines(["*reference fd was not selected; compared with expect alone"])
    result.assert_outcomes(failed=1)
    wrong = pytester.runpytest(*PLUGIN, "cases", "--gradcheck-backend", "pytorch")
    assert wrong.ret == pytest.ExitCode.USAGE_ERROR
    wrong.stderr.fnmatch_lines(["*--gradcheck-backend: 'pytorch' is not a backend (choose from*"])


def test_an_invalid_case_is_a_failing_item_with_its_problems(pytester, tree):
    write(
        pytester,
        {
            "cases/bad.yaml": """
            name: bad case
            params: {w: [2.0, 3.0]}
            cost: sum(w) + lambda_(w)
            reduce: sideways
        """
        },
    )
    with pytest.raises(CaseFileError) as problems:  # the loader's own problem lines
        load_file("cases/bad.yaml")
    lines = [str(p) for p in problems.value.problems]
    assert len(lines) == 3
    result = pytester.runpytest(*PLUGIN, *CORE, "cases")
    assert result.ret == pytest.ExitCode.TESTS_FAILED  # the other files' items still ran
    result.stdout.fnmatch_lines(["*_ bad case _*"])
    start = result.outlines.index(lines[0])
    assert result.outlines[start : start + 3] == lines
    assert result.parseoutcomes()["passed"] >= 2  # cases/pass.yaml, on numpy and fd
    assert "Traceback" not in result.stdout.str() and "collect()" not in result.stdout.str()


def test_a_file_that_is_not_yaml_is_a_collection_error(pytester, tree):
    write(pytester, {"cases/broken.yaml": "name: a\nparams: {w: [1.0}\ncost: w\n"})
    result = pytester.runpytest(*PLUGIN, *CORE, "cases")
    result.stdout.fnmatch_lines(["*ERROR collecting cases/broken.yaml*", "cases/broken.yaml:*"])
    assert "Traceback" not in result.stdout.str()


def test_a_name_used_in_two_files_fails_the_second(pytester, tree):
    write(pytester, {"cases/zz-again.yaml": CASE_FILES["cases/pass.yaml"]})
    result = pytester.runpytest(*PLUGIN, *CORE, "cases")
    result.stdout.fnmatch_lines(
        [
            "*_ passes _*",
            "cases/zz-again.yaml:1:1: name 'passes' is also used at cases/pass.yaml:1:1 (names are unique in a run)",
        ]
    )


FLOW = "{name: flow, params: {w: 1.0}, cost: w * w, expect: {grad: {w: 2.0}}}\n"


def test_a_file_named_on_the_command_line_is_always_a_case_file(pytester):
    write(pytester, {"flow.yaml": FLOW, "ci.yml": UNRELATED["cases/ci.yml"]})
    assert pytester.runpytest(*PLUGIN, *CORE, ".").ret == pytest.ExitCode.NO_TESTS_COLLECTED
    pytester.runpytest(*PLUGIN, *CORE, "flow.yaml").assert_outcomes(passed=2)
    named = pytester.runpytest(*PLUGIN, *CORE, "ci.yml")
    named.stdout.fnmatch_lines(["ci.yml:*: unknown key 'on'*"])


def test_gradcheck_paths_makes_every_yaml_below_them_a_case_file(pytester):
    write(
        pytester,
        {
            "cases/flow.yaml": FLOW,
            "cases/broken.yaml": "params: [unclosed\n",
            "other/looks-like-one.yaml": CASE_FILES["cases/pass.yaml"],
        },
    )
    pytester.makeini("[pytest]\ngradcheck_paths = cases\n")
    result = pytester.runpytest(*PLUGIN, *CORE, ".", "--continue-on-collection-errors")
    result.stdout.fnmatch_lines(["*ERROR collecting cases/broken.yaml*", "cases/broken.yaml:*"])
    result.assert_outcomes(passed=2, errors=1)  # flow's two backends; the other folder is left


def test_loading_the_plugin_twice_does_no_harm(pytester, tree, monkeypatch):
    # An installed pytest11 entry point (as pyproject.toml declares it) beside `-p`.
    dist = pytester.path / "site" / "gradcheck_probe-0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: gradcheck-probe\nVersion: 0\n")
    (dist / "entry_points.txt").write_text(
        "[pytest11]\ngradcheck = gradcheck_cli.pytest_plugin:entry\n"
    )
    monkeypatch.setenv("PYTHONPATH", str(dist.parent))
    for extra in [(), PLUGIN, ("-p", "gradcheck")]:
        rewrite = "error::pytest.PytestAssertRewriteWarning"  # the entry point imports first
        result = pytester.runpytest_subprocess(*extra, *CORE, "cases/pass.yaml", "-W", rewrite)
        result.assert_outcomes(passed=2)
        assert "already registered" not in result.stdout.str() + result.stderr.str()


@pytest.mark.frameworks
def test_the_founding_cases_under_xdist_match_gradcheck_run(pytester):
    junit = pytester.path / "junit.xml"
    result = pytester.runpytest_subprocess(
        "-n", "2", *PLUGIN, str(FOUNDING), f"--junitxml={junit}", "-p", "no:cacheprovider"
    )
    files = collect([FOUNDING]).files
    cases, _ = load_all(files)
    expected = run(cases, Options())
    items = item_statuses(junit)
    assert case_statuses(items) == {c.name: c.status for c in expected.cases}
    backend_statuses = [r.status for c in expected.cases for r in c.backends.values()]
    assert sorted(status for _, status in items.values()) == sorted(backend_statuses)
    result.assert_outcomes(**expected_outcomes(items))
    assert len(items) == sum(len(c.backends) for c in expected.cases) == 10
