"""Golden fixture projects: requests followed across modules, through the real flake8.

Each folder under ``fixtures/projects/`` is a small project (a ``setup.cfg`` marks its
root) whose handlers live in one module and whose effects live in others. Every
``# error:`` line in any of its modules must be reported, every other line is silent,
and the rendered output matches ``fixtures/projects/<name>.golden``. The same findings
come out with ``--jobs 2``, with worker processes started by spawn, for each file piped
through stdin, and from the standalone command.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import FIXTURES, expected_findings, run_flake8

PROJECTS = sorted(p for p in (FIXTURES / "projects").iterdir() if p.is_dir())
FLAKE8_ARGS = ["--isolated", "--select=SLS"]

Site = tuple[str, int, str]
"""(path relative to the project root, line, code)."""


def expected_sites(project: Path) -> set[Site]:
    sites: set[Site] = set()
    for path in sorted(project.rglob("*.py")):
        relative = path.relative_to(project).as_posix()
        for expected in expected_findings(path.read_text(encoding="utf-8")):
            sites.add((relative, expected.line, expected.code))
    return sites


def reported_sites(output: str) -> set[Site]:
    sites: set[Site] = set()
    for line in output.splitlines():
        path, number, _, rest = line.split(":", 3)
        sites.add((path.removeprefix("./"), int(number), rest.split()[0]))
    return sites


def flake8(project: Path, *extra: str, stdin: str | None = None) -> str:
    result = run_flake8([*FLAKE8_ARGS, *extra], stdin=stdin, cwd=project)
    assert result.returncode in (0, 1), result.stderr
    assert not result.stderr, result.stderr
    return result.stdout


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_project_findings(project: Path, update_golden: bool) -> None:
    output = flake8(project, ".")
    assert reported_sites(output) == expected_sites(project), output
    golden = project.with_name(project.name + ".golden")
    if update_golden:
        golden.write_text(output, encoding="utf-8")
    assert golden.read_text(encoding="utf-8") == output, "review with --update-golden"


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_two_jobs_give_the_same_findings(project: Path) -> None:
    assert flake8(project, "--jobs=2", ".") == flake8(project, "--jobs=1", ".")


def test_spawned_workers_give_the_same_findings() -> None:
    """Python 3.14 starts workers with forkserver, macOS and Windows with spawn: every
    worker parses the options again and builds its own index."""
    project = FIXTURES / "projects" / "invoices"
    code = (
        "import multiprocessing, sys\n"
        "multiprocessing.set_start_method('spawn', force=True)\n"
        "from flake8.main.cli import main\n"
        "sys.exit(main())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *FLAKE8_ARGS, "--jobs=2", "."],
        capture_output=True,
        text=True,
        cwd=project,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout == flake8(project, "--jobs=1", ".")


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_each_file_through_stdin(project: Path) -> None:
    """An editor sends the buffer on stdin with the file's path: the rest of the project
    is read from disk, and the finding is the same."""
    expected = expected_sites(project)
    for path in sorted(project.rglob("*.py")):
        relative = path.relative_to(project).as_posix()
        output = flake8(
            project, f"--stdin-display-name={relative}", "-", stdin=path.read_text("utf-8")
        )
        assert reported_sites(output) == {s for s in expected if s[0] == relative}, relative


def test_an_unsaved_buffer_wins_over_the_file_on_disk() -> None:
    """The service module as edited in the editor: its new write is reported, and one
    removed from the buffer is not, whatever the file on disk says."""
    project = FIXTURES / "projects" / "invoices"
    source = (project / "billing" / "storage.py").read_text("utf-8")
    edited = source.replace(
        "def _write(path, data):\n    with open(path, \"wb\") as out:  # error: SLS201\n",
        "def _write(path, data):\n    with open(path, \"rb\") as out:\n",
    ).replace(
        "def read_invoice(invoice_id):\n",
        "def read_invoice(invoice_id):\n    open('/srv/last', 'w').close()\n",
    )
    assert edited.count("\n") == source.count("\n") + 1
    output = flake8(project, "--stdin-display-name=billing/storage.py", "-", stdin=edited)
    assert {(line, code) for _, line, code in reported_sites(output)} == {
        (21, "SLS201"),  # _remember, as on disk
        (29, "SLS201"),  # the new write in read_invoice, reached from views.download
    }, output
    assert "reached from views.download" in output


@pytest.mark.parametrize("project", PROJECTS, ids=[p.name for p in PROJECTS])
def test_the_standalone_command_agrees(project: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flake8_stateless", "check", "--isolated", "--exit-zero",
         "--output-format=concise", "-j1", "."],
        capture_output=True,
        text=True,
        cwd=project,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.count(":") >= 3]
    assert lines == flake8(project, ".").replace("./", "").splitlines()  # none: a look-alike


def test_a_changed_service_module_alone_is_judged_by_its_callers() -> None:
    """pre-commit passes only the changed files: the index still covers the project."""
    project = FIXTURES / "projects" / "invoices"
    output = flake8(project, "billing/storage.py")
    assert reported_sites(output) == {
        s for s in expected_sites(project) if s[0] == "billing/storage.py"
    }
