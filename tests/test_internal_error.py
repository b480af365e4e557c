"""A rule that raises must not abort the user's flake8 run (SLS000), yet must never be
hidden from this project's own tests (FLAKE8_STATELESS_RAISE).

These run the real flake8 in this process (``-j1``, so no worker processes), because
only in-process can a rule be replaced by one that raises.
"""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest
from flake8.main import cli

from flake8_stateless import engine
from flake8_stateless.context import Context
from flake8_stateless.options import Settings
from flake8_stateless.registry import Finding, Rule
from flake8_stateless.rules import ALL_RULES, RULES_BY_CODE
from tests.helpers import parse_output

SOURCE = """\
from flask import Flask

app = Flask(__name__)
carts = {}
visits = 0


@app.post("/cart")
def add_to_cart():
    global visits
    visits += 1
    carts["item"] = 1
    return {}
"""
BROKEN = "SLS102"
STILL_REPORTED = "SLS101"


class RuleBug(Exception):
    """What the broken rule raises: a type no real rule raises."""


def _broken_check(node: object, function: object, context: object) -> Iterator[Finding]:
    raise RuleBug("list index out of range, say")
    yield  # a generator, like every rule's check


@pytest.fixture
def broken_rule(monkeypatch: pytest.MonkeyPatch) -> Iterator[Rule]:
    """SLS102 replaced by a rule that raises as soon as it sees a node."""
    original = RULES_BY_CODE[BROKEN]
    broken = dataclasses.replace(original, check=_broken_check)
    rules = tuple(broken if rule is original else rule for rule in ALL_RULES)
    monkeypatch.setattr(engine, "ALL_RULES", rules)
    engine._plan.cache_clear()  # plans are cached per Settings
    yield broken
    engine._plan.cache_clear()


def lint_directly() -> list[Finding]:
    """The engine without flake8, default rules on."""
    return engine.check(ast.parse(SOURCE), SOURCE.splitlines(keepends=True), "app.py", Settings())


def flake8(tmp_path: Path, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    path = tmp_path / "app.py"
    path.write_text(SOURCE, encoding="utf-8")
    status = cli.main(["--isolated", "-j1", *args, str(path)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return status, captured.out


def test_the_source_triggers_both_rules(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out = flake8(tmp_path, capsys, "--select=SLS")
    assert {code for _, _, code in parse_output(out)} == {BROKEN, STILL_REPORTED}
    assert status == 1


@pytest.mark.usefixtures("broken_rule")
@pytest.mark.parametrize("selection", [(), ("--select=SLS",), ("--select=E,F,W,SLS",)])
def test_a_raising_rule_becomes_one_sls000_and_the_run_goes_on(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    selection: tuple[str, ...],
) -> None:
    monkeypatch.delenv(engine.RAISE_ENV, raising=False)
    status, out = flake8(tmp_path, capsys, *selection)
    codes = [code for _, _, code in parse_output(out)]
    internal = [line for line in out.splitlines() if f" {engine.INTERNAL_ERROR_CODE} " in line]
    assert len(internal) == 1, out
    assert BROKEN in internal[0], internal[0]
    assert "RuleBug" in internal[0], internal[0]
    assert "please report" in internal[0]
    assert STILL_REPORTED in codes, "the other rules must still run"
    assert BROKEN not in codes
    assert status == 1


def test_a_broken_context_becomes_one_sls000(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(engine.RAISE_ENV, raising=False)

    def finish(self: Context) -> None:
        raise RuleBug("context")

    monkeypatch.setattr(Context, "finish", finish)
    status, out = flake8(tmp_path, capsys, "--select=SLS")
    lines = out.splitlines()
    assert len(lines) == 1, out
    assert " SLS000 " in lines[0]
    assert "module context" in lines[0]
    assert status == 1


@pytest.mark.usefixtures("broken_rule")
def test_with_the_raise_switch_the_exception_propagates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(engine.RAISE_ENV, "1")
    # flake8 wraps only a plugin's constructor; an exception from run() ends the run.
    with pytest.raises(RuleBug):
        flake8(tmp_path, capsys, "--select=SLS")
    with pytest.raises(RuleBug):
        lint_directly()


@pytest.mark.usefixtures("broken_rule")
@pytest.mark.parametrize("value", ["0", ""])
def test_raise_switch_off_values(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(engine.RAISE_ENV, value)
    codes = [finding.code for finding in lint_directly()]
    assert codes.count(engine.INTERNAL_ERROR_CODE) == 1
    assert STILL_REPORTED in codes
