"""`gradcheck explain`: the numpy engine's reverse pass over one case, node by node.

`walkthrough` runs the engine and splits every adjoint into the contribution of each edge
(`walkthrough.py`); the text of each edge's local derivative or VJP comes from the op's
own rule (`edges.py`); `render` is the text `gradcheck explain` prints (`render.py`);
`compare_with` puts a framework's own adjoints beside the engine's (`framework.py`).
"""

from __future__ import annotations

from .edges import edge_text, expression
from .framework import Comparison, compare_with, framework_adjoints
from .render import WIDE, render
from .walkthrough import Node, Term, Walkthrough, node_names, params_after, walkthrough

__all__ = [
    "WIDE",
    "Comparison",
    "Node",
    "Term",
    "Walkthrough",
    "compare_with",
    "edge_text",
    "expression",
    "framework_adjoints",
    "node_names",
    "params_after",
    "render",
    "walkthrough",
]
