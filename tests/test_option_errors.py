"""Every option's bad values stop flake8 with one line naming the option and what it
accepts, whether given on the command line or in ``setup.cfg``.

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
        result = run_flake8(["--isolated", "--select=SLS", f"{spec.flag}={bad.value}", "app.py"],
                            cwd=tmp_path)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert spec.flag in lines[0]
    assert (bad.says or spec.accepts) in lines[0]


@pytest.mark.parametrize("spec", OPTIONS, ids=[spec.name for spec in OPTIONS])
def test_default_is_accepted(tmp_path: Path, spec: OptionSpec) -> None:
    """The control: the same run with the option at its default succeeds."""
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    flag = spec.flag if spec.switch else f"{spec.flag}={spec.default}"
    args = ["--isolated", "--select=SLS", flag, "app.py"]
    result = run_flake8(args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
