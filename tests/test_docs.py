"""Generated documentation stays in step with the registry."""

from __future__ import annotations

import pytest

from flake8_stateless import __version__, docs
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


def test_the_table_says_opt_in_once() -> None:
    """A rule whose summary already ends with "(opt-in)" gets the marker once."""
    for row in docs.rules_table().splitlines()[2:]:
        assert row.count("opt-in") <= 1, row
    summary = "Background tasks carry durable work (opt-in)."
    assert docs._without_marker(summary, "(opt-in)") == "Background tasks carry durable work."


# ---------------------------------------------------------------------------- README
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _yaml_blocks(text: str) -> list[str]:
    return [block.split("```", 1)[0] for block in text.split("```yaml\n")[1:]]


def test_readme_pre_commit_snippet_needs_nothing_filled_in() -> None:
    """The local hook runs this repository's hook entry, pinned to the PyPI version;
    no placeholder owner, no tag that may not exist."""
    yaml = pytest.importorskip("yaml")
    section = README.split("## pre-commit", 1)[1].split("\n## ", 1)[0]
    assert "OWNER" not in README
    assert "rev: v" not in section
    local = yaml.safe_load(_yaml_blocks(section)[0])["repos"][0]
    assert local["repo"] == "local"
    (hook,) = local["hooks"]
    (published,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    for key in ("id", "entry", "language", "types_or", "require_serial"):
        assert hook[key] == published[key], key
    assert hook["additional_dependencies"] == [f"flake8-stateless=={__version__}"]
    assert f"flake8-stateless=={__version__}" in _yaml_blocks(section)[1]


def test_readme_recommends_a_flake8_run_that_reports_missing_paths() -> None:
    assert "flake8 --select=SLS,E902 src/" in README
    assert "flake8 --select=SLS src/" not in README
    assert "`.venv/`" in README.split("## Using it with Ruff", 1)[1].split("\n## ", 1)[0]
