"""SLS3xx and SLS4xx fixtures through the engine in this process (the golden test runs
them through flake8 in a subprocess): the same annotations must hold, noqa aside, which
flake8 applies after the plugin."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from flake8_stateless.options import Settings
from flake8_stateless.rules import ALL_RULES
from tests.helpers import FIXTURES, ROOT, directives, expected_findings, lint_source

FAMILY_FIXTURES = sorted(FIXTURES.glob("SLS[34]0[0-9]*.py"))
EVERY_RULE = Settings(enabled_codes=frozenset(r.code for r in ALL_RULES if r.removed_in is None))
_NOQA = re.compile(r"#\s*noqa:\s*(?P<codes>[A-Z0-9, ]+)")


@pytest.mark.parametrize("path", FAMILY_FIXTURES, ids=[p.name for p in FAMILY_FIXTURES])
def test_engine_reports_what_the_fixture_says(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    filename = directives(source).get("filename", str(path.relative_to(ROOT)))
    lines = source.splitlines()
    silenced = {
        (number, code.strip())
        for number, line in enumerate(lines, start=1)
        if (match := _NOQA.search(line))
        for code in match["codes"].split(",")
    }
    reported = {
        (f.line, f.col + 1, f.code)
        for f in lint_source(source, filename, EVERY_RULE)
        if (f.line, f.code) not in silenced
    }
    expected = expected_findings(source)
    assert {(line, code) for line, _, code in reported} == {(e.line, e.code) for e in expected}
    for wanted in expected:
        if wanted.col is not None:
            assert (wanted.line, wanted.col, wanted.code) in reported
