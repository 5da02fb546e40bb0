"""A walkthrough as a picture: Graphviz DOT, rendered to SVG or PNG by Graphviz's `dot`.

Each node is labelled with its equation, its op, its value and its adjoint; each edge that
carries a cotangent back is labelled with that contribution. Params are blue boxes,
constants (inputs, literals, values computed from constants alone) grey, operations white
ellipses, the cost an orange double octagon; a legend in the picture says so.
"""

from __future__ import annotations

import shutil
import subprocess
from typing import TYPE_CHECKING

from .errors import GradcheckError, UsageError
from .report.text import fmt_array

if TYPE_CHECKING:
    from .explain import Comparison, Node, Walkthrough

FORMATS = ("dot", "svg", "png")
INSTALL_HINT = (
    "install Graphviz (Debian/Ubuntu: apt-get install graphviz; macOS: brew install graphviz; "
    "conda: conda install graphviz; Windows: winget install graphviz), "
    "or write the DOT text with --format dot and render it elsewhere"
)

_BASE = 'fontname="Helvetica", fontsize=11'
STYLES = {
    "param": 'shape=box, style="rounded,filled", fillcolor="#cfe2ff", color="#1c4f9c"',
    "held": 'shape=box, style="rounded,filled,dashed", fillcolor="#e9ecef", color="#1c4f9c"',
    "input": 'shape=box, style="filled", fillcolor="#e9ecef", color="#6c757d"',
    "literal": 'shape=circle, style="filled", fillcolor="#e9ecef", color="#6c757d", fontsize=10',
    "constant": 'shape=ellipse, style="filled", fillcolor="#e9ecef", color="#6c757d"',
    "op": 'shape=ellipse, style="filled", fillcolor="#ffffff", color="#343a40"',
    "cost": 'shape=doubleoctagon, style="filled", fillcolor="#ffd8a8", color="#d9480f"',
    "note": "shape=plaintext, fontsize=10",
}
_REDUCED = 'color="#d9480f", penwidth=2'  # the cost before its reduction to a scalar
LEGEND = (
    ("param", "param (differentiated)"),
    ("held", "param held constant\n(not in wrt)"),
    ("input", "constant: an input"),
    ("constant", "operation on\nconstants only"),
    ("literal", "literal"),
    ("op", "operation"),
    ("cost", "the cost (an orange border:\nthe cost before its reduction)"),
    ("note", "an edge: operand -> operation,\nlabelled with the cotangent\nit carries back"),
)
_SPLIT = 'color="#c92a2a", penwidth=3'  # where numpy and a --compare framework part ways


def quote(text: str) -> str:
    """A DOT string: quotes and backslashes escaped, lines joined by DOT's `\\n`."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\n", "\\n") + '"'


def dot(w: Walkthrough, comparison: Comparison | None = None) -> str:
    """The walkthrough's graph in Graphviz DOT."""
    lines = [f"digraph {quote(w.case.name)} {{", "  rankdir=TB;"]
    lines += [f"  node [{_BASE}];", '  edge [fontname="Helvetica", fontsize=10, color="#495057"];']
    lines.append(f"  graph [label={quote(_title(w, comparison))}, labelloc=t, {_BASE}];")
    for node in w.nodes:
        lines.append(f"  {quote(node.name)} [label={quote(_label(w, node, comparison))}, "
                     f"{_style(w, node, comparison)}];")  # fmt: skip
    for node in w.nodes:
        lines += _edges(w, node)
    if w.reduce != "none":
        lines += _reduction(w)
    return "\n".join(lines + _legend(w, comparison) + ["}"]) + "\n"


def _title(w: Walkthrough, comparison: Comparison | None) -> str:
    where = f", after {w.step} optimizer steps" if w.step else ""
    against = f"; numpy vs {comparison.backend}" if comparison else ""
    return f"{w.case.name}: the numpy engine, {w.case.dtype}{where}{against}"


def _label(w: Walkthrough, node: Node, comparison: Comparison | None) -> str:
    head = f"{node.name} = {node.expr}" if node.expr else node.name
    kind = {"param": "param", "held": "param, held constant", "input": "input"}.get(
        node.kind, node.op
    )
    lines = [head, kind, f"= {fmt_array(node.value)}"]
    if node.adjoint is not None:
        lines.append(f"d{w.function}/d{node.name} = {fmt_array(node.adjoint)}")
    elif node.kind in ("param", "op"):
        lines.append(f"d{w.function}/d{node.name} = 0: the cost does not depend on it")
    if comparison is not None and node.name in comparison.adjoints:
        lines.append(f"{comparison.backend}: {fmt_array(comparison.adjoints[node.name])}")
    return "\n".join(lines)


def _style(w: Walkthrough, node: Node, comparison: Comparison | None) -> str:
    cost = node.name == w.cost and w.reduce == "none"
    style = STYLES["cost" if cost else node.kind]
    if node.name == w.cost and not cost:
        style += f", {_REDUCED}"
    if comparison is not None and comparison.first == node.name:
        style += f", {_SPLIT}"
    return style


def _edges(w: Walkthrough, node: Node) -> list[str]:
    """Operand -> node, each labelled with the cotangent it takes back along that edge."""
    contributions: dict[str, list[str]] = {}
    for other in w.nodes:
        for term in other.terms:
            if term.consumer == node.name:
                contributions.setdefault(other.name, []).append(fmt_array(term.value))
    lines = []
    for i, (text, is_node) in enumerate(node.sources):
        source = quote(text if is_node else f"{node.name}:{i}")
        if not is_node:
            lines.append(f"  {source} [label={quote(text)}, {STYLES['literal']}];")
        taken = contributions.get(text) if is_node else None
        label = f" [label={quote(taken.pop(0))}]" if taken else ""
        lines.append(f"  {source} -> {quote(node.name)}{label};")
    return lines


def _reduction(w: Walkthrough) -> list[str]:
    """The scalar that is differentiated, `f = sum(cost)`, seeding the backward pass."""
    f = w.function
    label = f"{f} = {w.reduction}\nreduce: {w.reduce}\n= {fmt_array(w.total)}\nd{f}/d{f} = 1"
    seed = fmt_array(w.seed)
    return [
        f"  {quote(w.function + ':reduced')} [label={quote(label)}, {STYLES['cost']}];",
        f"  {quote(w.cost)} -> {quote(w.function + ':reduced')} [label={quote(seed)}];",
    ]


def _legend(w: Walkthrough, comparison: Comparison | None) -> list[str]:
    """The kinds of node the picture holds, each drawn as it is drawn there."""
    kinds = {n.kind for n in w.nodes}
    entries = [(k, t, STYLES[k]) for k, t in LEGEND if k not in ("held", "constant") or k in kinds]
    if comparison is not None:
        text = f"a red border: where numpy\nand {comparison.backend} part ways"
        entries.append(("split", text, f"{STYLES['op']}, {_SPLIT}"))
    lines = ["  subgraph cluster_legend {", '    label="legend"; color="#adb5bd";']
    for kind, text, style in entries:
        lines.append(f"    {quote('legend:' + kind)} [label={quote(text)}, {style}];")
    names = " -> ".join(quote("legend:" + kind) for kind, _, _ in entries)
    return lines + [f"    {names} [style=invis];", "  }"]


def render(text: str, fmt: str, path: str | None) -> bytes:
    """DOT text rendered by Graphviz's `dot` into `path` (or returned, for SVG to stdout)."""
    program = shutil.which("dot")
    if program is None:
        raise UsageError(f"--format {fmt} needs Graphviz's `dot` program: {INSTALL_HINT}")
    command = [program, f"-T{fmt}"] + (["-o", path] if path else [])
    done = subprocess.run(command, input=text.encode(), capture_output=True, check=False)
    if done.returncode:
        message = done.stderr.decode(errors="replace").strip()
        raise GradcheckError(f"Graphviz's dot could not render the graph: {message}")
    return done.stdout
