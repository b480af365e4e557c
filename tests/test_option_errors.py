"""Every option's bad values stop flake8 with one line naming the option and what it
accepts, and exit 2 like flake8's own bad options, whether given on the command line or
in a config file (which the line names).

Parametrized over ``OPTIONS``: an option added without bad values here fails
``test_every_option_has_bad_values``, so none goes untested.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from flake8_stateless.options import OPTIONS, OptionSpec
from tests.helpers import run_flake8


@dataclass(frozen=True)
class BadValue:
    value: str
    says: str | None = None
    """What the error must say; None means the option's ``accepts`` text."""
    file: str | None = None
    """Contents written to a file named ``value`` first (for path options)."""


BAD_VALUES: dict[str, tuple[BadValue, ...]] = {
    "handler-decorators": (
        BadValue("api.route(x)"),
        BadValue("@app.route"),
        BadValue("api/route"),
    ),
    "call-depth": (
        BadValue("deep"),
        BadValue("11"),
        BadValue("-1"),
        BadValue("2.5"),
    ),
    "rules-file": (
        BadValue("missing.yml", says="cannot read it"),
        BadValue("broken.yml", says="invalid YAML", file="id: [unclosed\n"),
        BadValue("empty.yml", says="it holds no rules", file="# nothing yet\n"),
    ),
    "cache-dir": (BadValue("app.py", says="a folder path"),),
    "no-cache": (BadValue("maybe"), BadValue("2")),
}

APP = "cache = {}\n"


def test_every_option_has_bad_values() -> None:
    names = {spec.name for spec in OPTIONS}
    missing = names - set(BAD_VALUES)
    assert not missing, f"declare bad values for the new option(s) {sorted(missing)} above"
    assert set(BAD_VALUES) <= names, f"stale entries: {sorted(set(BAD_VALUES) - names)}"


CASES = [
    pytest.param(spec, bad, source, id=f"{spec.name}={bad.value!r} [{source}]")
    for spec in OPTIONS
    for bad in BAD_VALUES.get(spec.name, ())
    for source in (("setup.cfg",) if spec.switch else ("command line", "setup.cfg"))
]


@pytest.mark.parametrize(("spec", "bad", "source"), CASES)
def test_bad_value_is_a_one_line_error(
    tmp_path: Path, spec: OptionSpec, bad: BadValue, source: str
) -> None:
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    if bad.file is not None:
        (tmp_path / bad.value).write_text(bad.file, encoding="utf-8")
    if source == "setup.cfg":
        config = f"[flake8]\nselect = SLS\n{spec.flag[2:]} = {bad.value}\n"
        (tmp_path / "setup.cfg").write_text(config, encoding="utf-8")
        result = run_flake8(["app.py"], cwd=tmp_path)
    else:
        result = run_flake8(
            ["--isolated", "--select=SLS", f"{spec.flag}={bad.value}", "app.py"], cwd=tmp_path
        )
    assert result.returncode == 2, "flake8's own bad options exit 2"
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert spec.flag in lines[0]
    assert (bad.says or spec.accepts) in lines[0]
    if source == "setup.cfg":
        assert lines[0].startswith("flake8-stateless: setup.cfg: option ")
    else:
        assert lines[0].startswith("flake8-stateless: option ")


@pytest.mark.parametrize("config", ["tox.ini", ".flake8", "setup.cfg"])
def test_the_config_file_is_named(tmp_path: Path, config: str) -> None:
    """From any of flake8's config files, found from a sub-folder too."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(APP, encoding="utf-8")
    (tmp_path / config).write_text("[flake8]\nstateless-call-depth = deep\n", encoding="utf-8")
    result = run_flake8(["app.py"], cwd=tmp_path / "src")
    assert result.returncode == 2
    assert result.stderr == (
        f"flake8-stateless: {tmp_path / config}: option --stateless-call-depth: invalid value "
        "'deep'; expected an integer from 0 to 10\n"
    )
    here = run_flake8(["src/app.py"], cwd=tmp_path)
    assert here.stderr.startswith(f"flake8-stateless: {config}: option --stateless-call-depth")


def test_the_command_line_wins_over_the_file(tmp_path: Path) -> None:
    """A bad value on the command line is not blamed on a config file with a good one,
    and a bad value in a file named by --append-config is blamed on that file."""
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    (tmp_path / "setup.cfg").write_text("[flake8]\nstateless-call-depth = 2\n", encoding="utf-8")
    (tmp_path / "more.cfg").write_text("[flake8]\nstateless-call-depth = 12\n", encoding="utf-8")
    flag = run_flake8(["--stateless-call-depth=11", "app.py"], cwd=tmp_path)
    assert flag.returncode == 2
    assert flag.stderr.startswith("flake8-stateless: option --stateless-call-depth: invalid")
    appended = run_flake8(["--append-config=more.cfg", "app.py"], cwd=tmp_path)
    assert appended.stderr.startswith("flake8-stateless: more.cfg: option --stateless-call-depth")


@pytest.mark.parametrize("spec", OPTIONS, ids=[spec.name for spec in OPTIONS])
def test_default_is_accepted(tmp_path: Path, spec: OptionSpec) -> None:
    """The control: the same run with the option at its default succeeds."""
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    flag = spec.flag if spec.switch else f"{spec.flag}={spec.default}"
    args = ["--isolated", "--select=SLS", flag, "app.py"]
    result = run_flake8(args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
