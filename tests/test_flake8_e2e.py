"""End to end through the real flake8, the ways users meet the plugin: a path, stdin
from an editor, parallel jobs, noqa, options on the command line and in setup.cfg."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from flake8_stateless import __version__
from tests.helpers import ROOT, parse_output, run_flake8

VIEW = textwrap.dedent(
    """\
    from flask import Flask

    app = Flask(__name__)
    sessions = {}


    @app.post("/login")
    def login():
        sessions["user"] = "ada"
        sessions["last"] = "ada"  # noqa: SLS101
        return "ok"
    """
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "app.py").write_text(VIEW, encoding="utf-8")
    return tmp_path


def test_version_lists_the_plugin() -> None:
    result = run_flake8(["--version"])
    assert f"flake8-stateless: {__version__}" in result.stdout


def test_file_path(project: Path) -> None:
    result = run_flake8(["--isolated", "--select=SLS", "app.py"], cwd=project)
    assert result.returncode == 1
    assert parse_output(result.stdout) == [(9, 5, "SLS101")]
    assert result.stdout.startswith("app.py:9:5: SLS101 module-level dict 'sessions'")


def test_stdin_with_display_name(project: Path) -> None:
    """Editors (pylsp, ALE, nvim-lint) send the buffer on stdin; the display name decides
    the path-based scope, and the stale file on disk is never read."""
    (project / "app.py").write_text("x = 1\n", encoding="utf-8")
    result = run_flake8(
        ["--isolated", "--select=SLS", "--stdin-display-name=app.py", "-"],
        stdin=VIEW,
        cwd=project,
    )
    assert parse_output(result.stdout) == [(9, 5, "SLS101")]
    tests_result = run_flake8(
        ["--isolated", "--select=SLS", "--stdin-display-name=tests/test_app.py", "-"],
        stdin=VIEW,
        cwd=project,
    )
    assert tests_result.stdout == ""


def test_parallel_jobs(project: Path) -> None:
    for index in range(6):
        (project / f"app{index}.py").write_text(VIEW, encoding="utf-8")
    result = run_flake8(["--isolated", "--select=SLS", "--jobs=2", "."], cwd=project)
    assert result.stderr == ""
    assert len(parse_output(result.stdout)) == 7


def test_a_second_run_answers_from_saved_findings(project: Path) -> None:
    """A run on an unchanged project gives back the findings the last run saved (in the
    cache folder, under a key of the text, the project, the settings and the plugin),
    in each ``--jobs`` worker, also in a fresh checkout of the same files; flake8 still
    applies ``noqa`` and selection to them."""
    (project / "setup.cfg").write_text("[flake8]\n", encoding="utf-8")  # the project root
    for index in range(3):
        (project / f"app{index}.py").write_text(VIEW, encoding="utf-8")
    not_strict = {"FLAKE8_STATELESS_RAISE": "0"}  # strict mode never reads saved findings
    args = ["--isolated", "--select=SLS", "--jobs=2", "."]
    first = run_flake8(args, cwd=project, env=not_strict)
    assert len(parse_output(first.stdout)) == 4
    saved = list(Path(os.environ["FLAKE8_STATELESS_CACHE_DIR"]).rglob("findings/*.json"))
    assert len(saved) >= 4
    for entry in saved:  # proof that they are read: a message changed in the cache
        entry.write_text(entry.read_text().replace("module-level dict", "MARKED dict"))
    second = run_flake8(args, cwd=project, env=not_strict)
    assert parse_output(second.stdout) == parse_output(first.stdout)
    assert second.stdout.count("MARKED dict") == 4
    for path in project.rglob("*.py"):  # a fresh checkout: new times, the same bytes
        os.utime(path, ns=(2_000_000_000_000_000_000, 2_000_000_000_000_000_000))
    checked_out = run_flake8(args, cwd=project, env=not_strict)
    assert checked_out.stdout.count("MARKED dict") == 4
    disabled = run_flake8([*args, "--disable-noqa"], cwd=project, env=not_strict)
    assert len(parse_output(disabled.stdout)) == 8


def test_disable_noqa_round_trip(project: Path) -> None:
    honoured = run_flake8(["--isolated", "--select=SLS", "app.py"], cwd=project)
    disabled = run_flake8(["--isolated", "--select=SLS", "--disable-noqa", "app.py"], cwd=project)
    assert parse_output(honoured.stdout) == [(9, 5, "SLS101")]
    assert parse_output(disabled.stdout) == [(9, 5, "SLS101"), (10, 5, "SLS101")]


def test_noqa_needs_the_full_code_or_blanket(project: Path) -> None:
    source = VIEW.replace("# noqa: SLS101", "# noqa: SLS102")
    result = run_flake8(
        ["--isolated", "--select=SLS", "--stdin-display-name=app.py", "-"],
        stdin=source,
        cwd=project,
    )
    assert parse_output(result.stdout) == [(9, 5, "SLS101"), (10, 5, "SLS101")]


def test_extend_ignore_s_hides_every_sls_code(project: Path) -> None:
    """The documented pitfall: flake8 matches by prefix, so bandit's 'S' hides SLS."""
    (project / "setup.cfg").write_text("[flake8]\nextend-ignore = S\n", encoding="utf-8")
    result = run_flake8(["app.py"], cwd=project)
    assert "SLS" not in result.stdout


def test_handler_decorators_from_setup_cfg(project: Path) -> None:
    source = textwrap.dedent(
        """\
        from ourframework import api

        cache = {}


        @api.expose("/items")
        def items():
            cache["x"] = 1
        """
    )
    (project / "service.py").write_text(source, encoding="utf-8")
    silent = run_flake8(["--select=SLS", "service.py"], cwd=project)
    assert silent.stdout == ""
    (project / "setup.cfg").write_text(
        "[flake8]\nstateless-handler-decorators = api.expose, other.*\n", encoding="utf-8"
    )
    found = run_flake8(["--select=SLS", "service.py"], cwd=project)
    assert parse_output(found.stdout) == [(8, 5, "SLS101")]


def test_call_depth_option(project: Path) -> None:
    source = textwrap.dedent(
        """\
        from flask import Flask

        app = Flask(__name__)
        cache = {}


        @app.get("/")
        def index():
            return first()


        def first():
            return second()


        def second():
            cache["x"] = 1
        """
    )
    (project / "deep.py").write_text(source, encoding="utf-8")
    default = run_flake8(["--isolated", "--select=SLS", "deep.py"], cwd=project)
    shallow = run_flake8(
        ["--isolated", "--select=SLS", "--stateless-call-depth=1", "deep.py"], cwd=project
    )
    assert parse_output(default.stdout) == [(17, 5, "SLS101")]
    assert shallow.stdout == ""


@pytest.mark.parametrize(
    ("option", "value", "accepted"),
    [
        ("--stateless-call-depth", "deep", "an integer from 0 to 10"),
        ("--stateless-call-depth", "11", "an integer from 0 to 10"),
        ("--stateless-handler-decorators", "api.route(x)", "dotted names or globs"),
    ],
)
def test_bad_option_is_one_line(project: Path, option: str, value: str, accepted: str) -> None:
    result = run_flake8(["--isolated", f"{option}={value}", "app.py"], cwd=project)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert option in lines[0]
    assert accepted in lines[0]
    assert "Traceback" not in result.stderr


def test_character_columns_on_non_ascii_lines(project: Path) -> None:
    source = VIEW.replace('sessions["user"] = "ada"', 'name = "Zoë"; sessions["ü"] = "ada"')
    result = run_flake8(
        ["--isolated", "--select=SLS", "--stdin-display-name=app.py", "-"],
        stdin=source,
        cwd=project,
    )
    # 'name = "Zoë"; ' is 14 characters but 15 UTF-8 bytes: flake8 prints column 19
    assert parse_output(result.stdout) == [(9, 19, "SLS101")]


def test_lints_its_own_examples() -> None:
    result = run_flake8(["--isolated", "--select=SLS", "examples"], cwd=ROOT)
    codes = {code for _, _, code in parse_output(result.stdout)}
    assert {"SLS101", "SLS102", "SLS103", "SLS104", "SLS105"} <= codes
