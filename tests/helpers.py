"""Running the real flake8 the way users do, and reading fixture annotations."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from flake8_stateless import engine
from flake8_stateless.options import Settings
from flake8_stateless.registry import Finding

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

_ANNOTATION = re.compile(
    r"#\s*error:\s*(?P<codes>[A-Z]+\d+(?:@\d+)?(?:\s*,\s*[A-Z]+\d+(?:@\d+)?)*)"
)
_DIRECTIVE = re.compile(r"^#\s*fixture:\s*(?P<key>[\w-]+)\s*=\s*(?P<value>.*?)\s*$")
_OUTPUT = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d+) ")


@dataclass(frozen=True)
class Expected:
    line: int
    code: str
    col: int | None


def run_flake8(
    args: Sequence[str],
    *,
    stdin: str | None = None,
    cwd: Path = ROOT,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``python -m flake8 ARGS`` in a subprocess, isolated from the user's config;
    ``env`` adds to (or overrides) the environment."""
    return subprocess.run(
        [sys.executable, "-m", "flake8", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
        env={**os.environ, **env} if env else None,
    )


def directives(source: str) -> dict[str, str]:
    """``# fixture: key = value`` lines at the top of a fixture."""
    found: dict[str, str] = {}
    for line in source.splitlines():
        match = _DIRECTIVE.match(line)
        if match is None:
            if line.strip() and not line.startswith("#"):
                break
            continue
        found[match["key"]] = match["value"]
    return found


def expected_findings(source: str) -> set[Expected]:
    """Every ``# error: CODE[@col]`` annotation, by line (columns 1-based, as printed)."""
    expected: set[Expected] = set()
    for number, line in enumerate(source.splitlines(), start=1):
        match = _ANNOTATION.search(line)
        if match is None:
            continue
        for item in match["codes"].split(","):
            code, _, col = item.strip().partition("@")
            expected.add(Expected(number, code, int(col) if col else None))
    return expected


def parse_output(stdout: str) -> list[tuple[int, int, str]]:
    """(line, 1-based column, code) for each flake8 output line."""
    results = []
    for line in stdout.splitlines():
        match = _OUTPUT.match(line)
        if match is not None:
            results.append((int(match["line"]), int(match["col"]), match["code"]))
    return results


def lint_source(
    source: str, filename: str = "app.py", settings: Settings | None = None
) -> list[Finding]:
    """The engine alone on a source string, every default rule on."""
    tree = ast.parse(source)
    return engine.check(tree, source.splitlines(keepends=True), filename, settings or Settings())


def make_project(root: Path, files: dict[str, str]) -> Path:
    """A project folder (a ``setup.cfg`` marks its root) holding ``files`` by path."""
    (root / "setup.cfg").write_text("", encoding="utf-8")
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
