"""Rule packs: rules shipped as Python packages, found through ``importlib.metadata``.

A pack registers entry points in the group ``flake8_stateless.rules``; each entry point
names a :class:`~flake8_stateless.registry.Rule` or a tuple/list of them, declared
exactly like the built-in rules (an AST check, patterns, or both). Pack codes live in
SLS900-SLS999, next to the user's YAML rules, so that built-in codes never collide with
them. A pack that fails to import or declares a bad rule is dropped and reported by
name (each file gets an SLS000 line); the built-in rules and the other packs still run.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points

from flake8_stateless.patterns import Pattern, problem
from flake8_stateless.registry import Rule

GROUP = "flake8_stateless.rules"
CUSTOM_CODE = re.compile(r"SLS9\d\d")
SCOPES = frozenset({"request", "config", "module"})


@dataclass(frozen=True)
class PackLoad:
    """The rules of every healthy pack, and one line per broken one."""

    rules: tuple[Rule, ...] = ()
    errors: tuple[str, ...] = ()


def load_rule_packs(
    taken: Iterable[str] = (), found: Iterable[EntryPoint] | None = None
) -> PackLoad:
    """Load every pack of ``GROUP`` (or the entry points ``found``), skipping codes in
    ``taken`` (built-in and user rules) as broken. Never raises for a pack's fault."""
    used = set(taken)
    rules: list[Rule] = []
    errors: list[str] = []
    points = entry_points(group=GROUP) if found is None else found
    for point in sorted(points, key=lambda p: p.name):
        label = f"rule pack '{point.name}' ({point.value})"
        try:
            loaded = point.load()
        except Exception as error:
            errors.append(f"{label} failed to load: {_describe(error)}; fix or uninstall it")
            continue
        pack_rules, trouble = _rules_of(loaded, used)
        if trouble is not None:
            errors.append(f"{label}: {trouble}; its rules are off")
            continue
        used.update(rule.code for rule in pack_rules)
        rules.extend(pack_rules)
    return PackLoad(tuple(rules), tuple(errors))


def _rules_of(loaded: object, used: set[str]) -> tuple[tuple[Rule, ...], str | None]:
    """The pack's rules, or what is wrong with them (a pack is taken whole or not at all)."""
    items = (loaded,) if isinstance(loaded, Rule) else loaded
    if not isinstance(items, (tuple, list)) or not items:
        return (), f"expected a Rule or a tuple of Rules, got {type(loaded).__name__}"
    codes: set[str] = set()
    for item in items:
        if not isinstance(item, Rule):
            return (), f"expected Rule objects, got {type(item).__name__}"
        trouble = _rule_problem(item)
        if trouble is not None:
            return (), f"{item.code}: {trouble}"
        if item.code in used or item.code in codes:
            return (), f"{item.code} is already taken"
        codes.add(item.code)
    return tuple(items), None


def _rule_problem(rule: Rule) -> str | None:
    if not isinstance(rule.code, str) or not CUSTOM_CODE.fullmatch(rule.code):
        return "codes of rule packs must be in SLS900-SLS999"
    if rule.scope not in SCOPES:
        return f"unknown scope {rule.scope!r}"
    if not rule.node_types and not rule.patterns:
        return "a rule needs node_types with a check, or patterns"
    if not all(isinstance(t, type) and issubclass(t, ast.AST) for t in rule.node_types):
        return "node_types must be ast node classes"
    if not callable(rule.check):
        return "check is not callable"
    if rule.patterns and rule.scope == "request":
        return "pattern rules use scope 'module' or 'config'"
    for pattern in rule.patterns:
        if not isinstance(pattern, Pattern):
            return "patterns must be flake8_stateless.patterns.Pattern objects"
        trouble = problem(pattern)
        if trouble is not None:
            return trouble
    return None


def _describe(error: Exception) -> str:
    detail = str(error).splitlines()[0][:100] if str(error) else ""
    return f"{type(error).__name__}{': ' + detail if detail else ''}"
