"""Generated documentation stays in step with the registry."""

from __future__ import annotations

from flake8_stateless import docs
from flake8_stateless.rules import ALL_RULES
from tests.helpers import ROOT


def test_generated_docs_are_fresh() -> None:
    stale = docs.stale_files(ROOT)
    assert not stale, (
        f"stale generated docs: {[str(p.relative_to(ROOT)) for p in stale]}; "
        "run: python -m flake8_stateless.docs"
    )


def test_every_rule_has_a_page_and_a_table_row() -> None:
    table = docs.rules_table()
    for rule in ALL_RULES:
        assert f"[{rule.code}](docs/rules/{rule.code}.md) | {rule.name} |" in table
        page = docs.rule_markdown(rule)
        assert page.startswith(f"# {rule.name} ({rule.code})\n")
        assert rule.bad_example.strip() in page
        assert rule.good_example.strip() in page


def test_opt_in_rules_say_how_to_enable_them() -> None:
    for rule in ALL_RULES:
        if not rule.default_enabled and rule.removed_in is None:
            assert f"--extend-select {rule.code}" in docs.rule_markdown(rule)
            assert "*(opt-in)*" in docs.rules_table().split(rule.code, 2)[2].split("\n")[0]
