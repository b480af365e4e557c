"""Meta-tests keeping the registry honest: every rule is documented, exemplified,
fixtured and changelogged, and its examples do what they say."""

from __future__ import annotations

import re

import pytest

from flake8_stateless.options import OPTIONS, Settings
from flake8_stateless.registry import Rule
from flake8_stateless.rules import ALL_RULES, affinity, build, durability, files, state
from tests.helpers import FIXTURES, ROOT, lint_source

FAMILIES = {1: state, 2: files, 3: affinity, 4: build, 5: durability}
LIVE_RULES = [rule for rule in ALL_RULES if rule.removed_in is None]
IDS = [rule.code for rule in LIVE_RULES]


def every_rule_on() -> Settings:
    return Settings(enabled_codes=frozenset(rule.code for rule in LIVE_RULES))


def test_codes_and_names_are_unique() -> None:
    codes = [rule.code for rule in ALL_RULES]
    names = [rule.name for rule in ALL_RULES]
    assert len(codes) == len(set(codes))
    assert len(names) == len(set(names))


@pytest.mark.parametrize("rule", ALL_RULES, ids=[r.code for r in ALL_RULES])
def test_rule_shape(rule: Rule) -> None:
    assert re.fullmatch(r"SLS[1-8]\d\d", rule.code), "SLS + three digits; 9xx is for users"
    family = FAMILIES[int(rule.code[3])]
    assert rule in family.RULES, f"{rule.code} belongs in {family.__name__}"
    assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)*", rule.name)
    assert rule.summary.endswith(".")
    assert rule.rationale
    assert not rule.message.endswith("."), "messages end without a period"
    assert ";" in rule.message, "messages end with the way out, after a semicolon"
    assert rule.node_types or rule.patterns, "a rule has node types to check or patterns"
    if rule.patterns:
        assert rule.scope in ("module", "config"), "patterns know no request scope"
    known = {spec.name for spec in OPTIONS}
    assert set(rule.options) <= known


@pytest.mark.parametrize("rule", LIVE_RULES, ids=IDS)
def test_bad_example_gives_exactly_its_code(rule: Rule) -> None:
    codes = {f.code for f in lint_source(rule.bad_example, rule.example_filename, every_rule_on())}
    assert codes == {rule.code}


@pytest.mark.parametrize("rule", LIVE_RULES, ids=IDS)
def test_good_example_is_silent(rule: Rule) -> None:
    assert lint_source(rule.good_example, rule.example_filename, every_rule_on()) == []


@pytest.mark.parametrize("rule", LIVE_RULES, ids=IDS)
def test_rule_has_fixture_and_changelog(rule: Rule) -> None:
    assert list(FIXTURES.glob(f"{rule.code}*.py")), f"no fixtures/{rule.code}*.py"
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert rule.code in changelog, f"{rule.code} missing from CHANGELOG.md"


ENGINE_OPTIONS = {"rules-file", "cache-dir", "no-cache"}
"""Options the engine or the project index reads for every rule (the user's own rules,
the cache of module summaries), not one rule's."""


def test_every_option_is_used_by_a_rule() -> None:
    used = {name for rule in ALL_RULES for name in rule.options} | ENGINE_OPTIONS
    assert {spec.name for spec in OPTIONS} <= used


def test_messages_fit_on_a_line() -> None:
    for rule in LIVE_RULES:
        for finding in lint_source(rule.bad_example, rule.example_filename, every_rule_on()):
            assert len(finding.message) <= 150, finding.message
