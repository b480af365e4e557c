"""Opt-in rules (SLS504) through the real flake8: off under every way of selecting by
prefix or by default, on only when their full code is named, on the command line or in
a config file."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from flake8_stateless.options import Settings
from flake8_stateless.rules import ALL_RULES, RULES_BY_CODE
from tests.helpers import parse_output, run_flake8

APP = textwrap.dedent(
    """\
    import asyncio

    from fastapi import BackgroundTasks, FastAPI

    app = FastAPI()


    async def charge_card(order_id: int) -> None: ...


    @app.post("/orders/{order_id}/pay")
    async def pay(order_id: int, background_tasks: BackgroundTasks):
        background_tasks.add_task(charge_card, order_id)
        asyncio.create_task(charge_card(order_id))
        return {}
    """
)
OPT_IN_LINE = 13
DEFAULT_LINE = 14


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    return tmp_path


def codes_reported(project: Path, args: list[str], config: str | None = None) -> set[str]:
    """The SLS codes flake8 ``args`` report on app.py, with ``config`` as setup.cfg (a
    plain ``ignore =`` also brings back pycodestyle's default-ignored E704 here)."""
    if config is not None:
        (project / "setup.cfg").write_text(f"[flake8]\n{config}\n", encoding="utf-8")
    result = run_flake8([*args, "app.py"], cwd=project)
    assert result.stderr == ""
    found = parse_output(result.stdout)
    lines = {code: line for line, _, code in found}
    assert lines.get("SLS504", OPT_IN_LINE) == OPT_IN_LINE
    assert lines.get("SLS501", DEFAULT_LINE) == DEFAULT_LINE
    return {code for _, _, code in found if code.startswith("SLS")}


@pytest.mark.parametrize(
    ("args", "config"),
    [
        pytest.param(["--isolated"], None, id="default selection"),
        pytest.param(["--isolated", "--select=SLS"], None, id="--select=SLS"),
        pytest.param(["--isolated", "--select=SLS5"], None, id="--select=SLS5"),
        pytest.param(["--isolated", "--extend-select=SLS50"], None, id="--extend-select=SLS50"),
        pytest.param([], "ignore = E501", id="plain ignore in setup.cfg"),
        pytest.param(["--ignore=W"], None, id="plain --ignore"),
        pytest.param([], "select = SLS", id="select = SLS in setup.cfg"),
    ],
)
def test_opt_in_rule_stays_off(project: Path, args: list[str], config: str | None) -> None:
    """Selecting by prefix, or undoing flake8's default-ignore list with ``--select=SLS``
    or a plain ``ignore =``, must not flood a codebase with opt-in findings."""
    assert codes_reported(project, args, config) == {"SLS501"}


@pytest.mark.parametrize(
    ("args", "config", "expected"),
    [
        pytest.param(["--isolated", "--select=SLS504"], None, {"SLS504"}, id="--select=SLS504"),
        pytest.param(
            ["--isolated", "--extend-select=SLS504"],
            None,
            {"SLS501", "SLS504"},
            id="--extend-select=SLS504",
        ),
        pytest.param(
            ["--isolated", "--select=SLS", "--extend-select=SLS504"],
            None,
            {"SLS501", "SLS504"},
            id="--select=SLS --extend-select=SLS504",
        ),
        pytest.param(
            [], "extend-select = SLS504", {"SLS501", "SLS504"}, id="extend-select in setup.cfg"
        ),
        pytest.param([], "select = SLS501,SLS504", {"SLS501", "SLS504"}, id="select in setup.cfg"),
        pytest.param(
            ["--jobs=2"],
            "extend-select = SLS504\nignore = E501",
            {"SLS501", "SLS504"},
            id="setup.cfg with --jobs=2",
        ),
    ],
)
def test_opt_in_rule_comes_on_when_named(
    project: Path, args: list[str], config: str | None, expected: set[str]
) -> None:
    assert codes_reported(project, args, config) == expected


def test_named_opt_in_rule_can_still_be_ignored(project: Path) -> None:
    assert codes_reported(project, ["--extend-select=SLS504", "--extend-ignore=SLS504"]) == {
        "SLS501"
    }


def test_default_settings_leave_opt_in_rules_off() -> None:
    """The engine's own default (the standalone command, editors calling the engine)."""
    opt_in = [rule for rule in ALL_RULES if not rule.default_enabled]
    assert RULES_BY_CODE["SLS504"] in opt_in
    assert not any(Settings().is_enabled(rule) for rule in opt_in)


def test_opt_in_rules_document_how_to_turn_them_on() -> None:
    for rule in ALL_RULES:
        if not rule.default_enabled:
            notes = " ".join(rule.notes)
            assert f"--extend-select={rule.code}" in notes, rule.code
            assert f"extend-select = {rule.code}" in notes, rule.code
