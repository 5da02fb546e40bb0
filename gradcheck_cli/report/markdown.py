"""The Markdown report: a compact table for a pull-request comment.

One row per case with its status and a column per backend that ran anywhere in the run;
below, for each failing or erroring case, what went wrong in a collapsed `<details>`
block; the summary line last.
"""

from __future__ import annotations

import html
import re

from ..results import ROWS, CaseResult, RunResult
from .text import detail_lines, summary

ICONS = {"pass": "✅", "fail": "❌", "error": "💥", "skip": "⏭️"}
_ABSENT = "–"  # the backend did not run this case


def render(run: RunResult) -> str:
    parts = ["## gradcheck", ""]
    if run.cases:
        parts += table(run) + [""]
    for result in run.cases:
        if result.status in ("fail", "error"):
            parts += details(result) + [""]
    parts.append(f"**{summary(run)}**")
    return "\n".join(parts) + "\n"


def columns(run: RunResult) -> list[str]:
    """The backends (and implementation rows) that ran any case, in the usual order."""
    used = {name for result in run.cases for name in result.backends}
    return [name for name in ROWS if name in used]


def table(run: RunResult) -> list[str]:
    names = columns(run)
    lines = [
        "| status | case | " + " | ".join(names) + " |" if names else "| status | case |",
        "|---|---|" + "---|" * len(names),
    ]
    for result in run.cases:
        cells = [_status(result.status), f"`{_code(result.name)}`"]
        cells += [_backend_cell(result, name) for name in names]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def _backend_cell(result: CaseResult, name: str) -> str:
    r = result.backends.get(name)
    return _status(r.status) if r else _ABSENT


def details(result: CaseResult) -> list[str]:
    """A collapsed block with the case's position and its mismatch, error or problem lines."""
    body = detail_lines(result)
    fence = "`" * max(3, _longest_backtick_run(body) + 1)
    summary_text = f"{ICONS[result.status]} {html.escape(result.name)}: {result.status}"
    return [
        "<details>",
        f"<summary>{summary_text}</summary>",
        "",
        f"`{_code(str(result.position))}`",
        "",
        f"{fence}text",
        *body,
        fence,
        "",
        "</details>",
    ]


def _status(status: str) -> str:
    return f"{ICONS[status]} {status}"


def _code(text: str) -> str:
    # inside a code span nothing is markup, except a `|`, which still ends a table cell
    return text.replace("`", "'").replace("|", "\\|").replace("\n", " ")


def _longest_backtick_run(lines: list[str]) -> int:
    return max((len(run) for line in lines for run in re.findall("`+", line)), default=0)
