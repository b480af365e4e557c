"""All rule families; the registry of every rule the engine and the docs know."""

from __future__ import annotations

from flake8_stateless.registry import Rule
from flake8_stateless.rules import affinity, build, durability, files, state

ALL_RULES: tuple[Rule, ...] = (
    *state.RULES,
    *files.RULES,
    *affinity.RULES,
    *build.RULES,
    *durability.RULES,
)

RULES_BY_CODE: dict[str, Rule] = {rule.code: rule for rule in ALL_RULES}
