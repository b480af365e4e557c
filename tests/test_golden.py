"""Golden fixtures through the real flake8: every ``# error:`` line is reported, every
other line is silent, and the rendered output matches the reviewed ``.golden`` file."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from tests.helpers import (
    FIXTURES,
    ROOT,
    Expected,
    directives,
    expected_findings,
    parse_output,
    run_flake8,
)

FIXTURE_FILES = sorted(FIXTURES.glob("SLS*.py"))


def lint_fixture(path: Path) -> str:
    """flake8's output for a fixture: by path, or on stdin under the display name given
    by ``# fixture: filename = ...`` (the path decides request scope and test code)."""
    source = path.read_text(encoding="utf-8")
    options = directives(source)
    args = ["--isolated", "--select=SLS", *shlex.split(options.get("flake8-args", ""))]
    display = options.get("filename")
    if display is None:
        result = run_flake8([*args, str(path.relative_to(ROOT))])
    else:
        result = run_flake8([*args, f"--stdin-display-name={display}", "-"], stdin=source)
    assert result.returncode in (0, 1), result.stderr
    assert not result.stderr, result.stderr
    return result.stdout


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=[p.name for p in FIXTURE_FILES])
def test_fixture(path: Path, update_golden: bool) -> None:
    output = lint_fixture(path)
    expected = expected_findings(path.read_text(encoding="utf-8"))
    reported = parse_output(output)
    missing = {
        e
        for e in expected
        if not any(
            line == e.line and code == e.code and e.col in (None, col)
            for line, col, code in reported
        )
    }
    unexpected = [
        (line, col, code)
        for line, col, code in reported
        if not any(e.line == line and e.code == code and e.col in (None, col) for e in expected)
    ]
    assert not missing, f"not reported: {sorted(missing, key=lambda e: e.line)}\n{output}"
    assert not unexpected, f"reported without an annotation: {unexpected}\n{output}"

    golden = path.with_name(path.name + ".golden")
    if update_golden:
        golden.write_text(output, encoding="utf-8")
    assert golden.exists(), f"{golden.name} missing: run pytest --update-golden and review it"
    assert golden.read_text(encoding="utf-8") == output, (
        "output changed: review with --update-golden"
    )


def test_every_code_has_alarms_and_a_noqa_line() -> None:
    """Per code, the fixtures (a code may have several, some all silent) hold true
    alarms and at least one ``# noqa`` line that must be honoured."""
    by_code: dict[str, str] = {}
    for path in FIXTURE_FILES:
        by_code[path.name[:6]] = by_code.get(path.name[:6], "") + path.read_text(encoding="utf-8")
    for code, sources in by_code.items():
        assert any(e.code == code for e in expected_findings(sources)), code
        assert f"# noqa: {code}" in sources, f"{code}: no '# noqa: {code}' line"


def test_golden_files_have_fixtures() -> None:
    for golden in FIXTURES.glob("*.golden"):
        assert golden.with_suffix("").exists(), f"stale {golden.name}"


def test_annotation_parser() -> None:
    assert expected_findings("x = 1  # error: SLS101@5, SLS102\n") == {
        Expected(1, "SLS101", 5),
        Expected(1, "SLS102", None),
    }
