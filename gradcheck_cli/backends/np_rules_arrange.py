"""The numpy engine's rules for the v2 functions of `ops.ARRANGE`: forward, VJP and
explain text, per op (see np_rules_common.Rule)."""

from __future__ import annotations

from .np_rules_common import Rule

RULES: dict[str, Rule] = {}
