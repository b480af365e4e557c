"""The standalone command, run as users run it: in a subprocess, on real files."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from xml.etree import ElementTree

import pytest

from benchmarks.corpus import default_cache_dir
from flake8_stateless.options import Settings
from tests.helpers import FIXTURES, ROOT, directives

FIXTURE_FILES = sorted(FIXTURES.glob("SLS*.py"))

VIEWS = textwrap.dedent(
    """\
    from flask import Flask, request

    app = Flask(__name__)
    carts = {}
    visits = 0


    @app.post("/cart")
    def add_to_cart():
        carts[request.cookies["sid"]] = request.json
        return {"ok": True}


    @app.get("/")
    def index():
        global visits
        visits += 1
        return str(visits)
    """
)
"""Two findings: SLS101 on line 10, SLS102 on line 17."""

CLEAN = "from flask import Flask\n\napp = Flask(__name__)\n"

RUFF_JSON_KEYS = {
    "cell", "code", "end_location", "filename", "fix", "location", "message", "name",
    "noqa_row", "severity", "url",
}  # fmt: skip
"""The keys of ``ruff check --output-format json`` (0.17) diagnostics."""


def run_cli(
    args: Sequence[str],
    cwd: Path,
    *,
    stdin: str | None = None,
    module: bool = False,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    """``flake8-stateless ARGS`` (or ``python -m flake8_stateless ARGS``) in ``cwd``."""
    script = Path(sys.executable).with_name("flake8-stateless")
    command = [sys.executable, "-m", "flake8_stateless"] if module else [str(script)]
    environment = {k: v for k, v in os.environ.items() if k != "CI_PROJECT_DIR"}
    environment.update(env or {})
    return subprocess.run(
        [*command, *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd,
        check=False,
        env=environment,
    )


def write(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def codes(stdout: str) -> list[tuple[str, int, str]]:
    """(path, line, code) of each concise output line."""
    found = []
    for line in stdout.splitlines():
        match = re.match(r"^(?P<path>.+?):(?P<line>\d+):\d+: (?P<code>[\w-]+)", line)
        if match:
            found.append((match["path"], int(match["line"]), match["code"]))
    return found


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write(tmp_path, {"app.py": VIEWS, "clean.py": CLEAN})


# ----------------------------------------------------------------- same as flake8
def _cli_args_for(path: Path) -> tuple[list[str], str | None]:
    """The CLI arguments equivalent to the golden test's flake8 run of a fixture."""
    source = path.read_text(encoding="utf-8")
    options = directives(source)
    args = ["check", "--isolated", "--output-format", "concise", "--quiet"]
    for arg in shlex.split(options.get("flake8-args", "")):
        name, _, value = arg.partition("=")
        if name.startswith("--stateless-"):
            args += ["--config", f"{name.removeprefix('--stateless-')} = {json.dumps(value)}"]
        else:
            args.append(arg)
    display = options.get("filename")
    if display is None:
        return [*args, str(path.relative_to(ROOT))], None
    return [*args, "--stdin-filename", display, "-"], source


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=[p.name for p in FIXTURE_FILES])
def test_cli_reports_what_flake8_reports(path: Path) -> None:
    """On every fixture, the command prints exactly flake8's reviewed output: the same
    engine, and a prefilter that never skips a file with findings."""
    args, stdin = _cli_args_for(path)
    result = run_cli(args, ROOT, stdin=stdin)
    assert result.returncode in (0, 1), result.stderr
    golden = path.with_name(path.name + ".golden")
    if not golden.exists():
        pytest.skip(f"{golden.name} not generated yet (test_golden fails for it)")
    assert result.stdout == golden.read_text(encoding="utf-8")


@pytest.mark.slow
@pytest.mark.parametrize("app", ["calibreweb-0.6.27", "maubot-0.6.0"])
def test_cli_reports_what_flake8_reports_on_a_real_app(app: str) -> None:
    """On a real application (from the pinned corpus, when it is there), every file the
    prefilter skips really had nothing to report."""
    root = default_cache_dir() / app
    if not root.is_dir():
        pytest.skip(f"corpus not downloaded: python -m benchmarks.corpus ({root})")
    flake8 = subprocess.run(
        [sys.executable, "-m", "flake8", "-j1", "--isolated", "--select=SLS", app],
        capture_output=True,
        text=True,
        cwd=root.parent,
        check=False,
    )
    cli = run_cli(
        ["check", "--isolated", "--output-format", "concise", "--quiet", app], root.parent
    )
    assert flake8.returncode == cli.returncode
    assert sorted(cli.stdout.splitlines()) == sorted(flake8.stdout.splitlines())


def test_parallel_run_equals_serial_run() -> None:
    args = ["check", "--isolated", "--output-format", "concise", "examples"]
    serial = run_cli([*args, "-j1"], ROOT)
    parallel = run_cli([*args, "-j2"], ROOT)
    assert serial.returncode == parallel.returncode == 1
    assert serial.stdout == parallel.stdout
    assert codes(serial.stdout)


def test_the_command_never_imports_flake8() -> None:
    """The same engine, without flake8: teams on Ruff alone need not install its stack."""
    probe = (
        "import sys, flake8_stateless.cli; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('flake8', 'pycodestyle', 'pyflakes')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_python_dash_m_runs_the_same_command(project: Path) -> None:
    script = run_cli(["check", "--output-format", "concise", "."], project)
    module = run_cli(["check", "--output-format", "concise", "."], project, module=True)
    assert module.returncode == script.returncode == 1
    assert module.stdout == script.stdout


def test_a_second_run_answers_from_saved_findings(project: Path) -> None:
    """The second run reads the findings the first saved (nothing changed); noqa,
    the full output and an edit between runs behave as on a first run."""
    (project / "setup.cfg").write_text("[metadata]\nname = shop\n", encoding="utf-8")  # a root
    args = ["check", "--output-format", "full", "."]
    run = partial(run_cli, env={"FLAKE8_STATELESS_RAISE": "0"})  # strict mode never reads
    first = run(args, project)
    assert "module-level" in first.stdout
    findings = list(Path(os.environ["FLAKE8_STATELESS_CACHE_DIR"]).rglob("findings/*.json"))
    assert findings
    second = run(args, project)
    assert (second.returncode, second.stdout) == (first.returncode, first.stdout)
    for entry in findings:  # proof that they are read: a message changed in the cache
        entry.write_text(entry.read_text().replace("module-level", "MARKED"))
    assert "MARKED" in run(args, project).stdout
    app = project / "app.py"
    app.write_text(VIEWS.replace("visits += 1", "visits += 1  # noqa: SLS102"), encoding="utf-8")
    edited = run(["check", "--output-format", "concise", "."], project)
    assert codes(edited.stdout) == [("app.py", 10, "SLS101")]


# ----------------------------------------------------------------------- exit codes
def test_exit_codes(project: Path) -> None:
    assert run_cli(["check", "clean.py"], project).returncode == 0
    found = run_cli(["check", "--output-format", "concise", "."], project)
    assert found.returncode == 1
    assert codes(found.stdout) == [("app.py", 10, "SLS101"), ("app.py", 17, "SLS102")]
    assert found.stdout.endswith("Found 2 errors.\n")
    assert run_cli(["check", "--exit-zero", "."], project).returncode == 0
    assert run_cli(["check", "--select", "XYZ", "."], project).returncode == 2
    assert run_cli(["check", "--output-format", "yaml", "."], project).returncode == 2
    clean = run_cli(["check", "clean.py"], project)
    assert clean.stdout == "All checks passed!\n"


def test_selection_like_ruff(project: Path) -> None:
    def reported(*args: str) -> set[str]:
        result = run_cli(["check", "--output-format", "concise", *args, "."], project)
        return {code for _, _, code in codes(result.stdout)}

    assert reported("--select", "SLS102") == {"SLS102"}
    assert reported("--ignore", "SLS1") == set()
    assert reported("--select", "SLS1", "--ignore", "SLS101") == {"SLS102"}
    assert reported("--select", "SLS101", "--ignore", "SLS1") == {"SLS101"}, "more specific wins"
    assert reported("--ignore", "SLS101", "--extend-select", "SLS101") == {"SLS102"}, "ties: ignore"


def test_opt_in_rules_need_their_full_code(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "main.py": textwrap.dedent(
                """\
                from fastapi import BackgroundTasks, FastAPI

                app = FastAPI()


                def send_receipt(email: str) -> None: ...


                @app.post("/orders")
                async def create_order(email: str, tasks: BackgroundTasks):
                    tasks.add_task(send_receipt, email)
                    return {"ok": True}
                """
            )
        },
    )

    def reported(*args: str) -> set[str]:
        result = run_cli(["check", "--output-format", "concise", *args, "."], tmp_path)
        return {code for _, _, code in codes(result.stdout)}

    assert "SLS504" not in reported()
    assert "SLS504" not in reported("--select", "SLS")
    assert "SLS504" not in reported("--select", "SLS5")
    assert "SLS504" not in reported("--select", "ALL")
    assert "SLS504" in reported("--extend-select", "SLS504")


# ----------------------------------------------------------------------- formats
def test_json_has_ruffs_shape(project: Path) -> None:
    result = run_cli(["check", "--output-format", "json", "."], project)
    diagnostics = json.loads(result.stdout)
    assert [d["code"] for d in diagnostics] == ["SLS101", "SLS102"]
    for d in diagnostics:
        assert set(d) == RUFF_JSON_KEYS
        assert Path(d["filename"]).is_absolute()
        assert d["location"]["row"] >= 1
        assert d["location"]["column"] >= 1
        assert d["end_location"]["column"] > d["location"]["column"]
        assert d["name"]
        assert not d["message"].startswith("SLS")
    assert diagnostics[0]["location"] == {"row": 10, "column": 5}
    assert diagnostics[0]["end_location"] == {"row": 10, "column": 10}
    lines = run_cli(["check", "--output-format", "json-lines", "."], project).stdout
    assert [json.loads(line) for line in lines.splitlines()] == diagnostics


def test_sarif_as_github_code_scanning_accepts_it(project: Path) -> None:
    result = run_cli(["check", "--output-format", "sarif", "."], project)
    document = json.loads(result.stdout)
    assert document["version"] == "2.1.0"
    assert document["$schema"].endswith("sarif-2.1.0.json")
    (run,) = document["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "flake8-stateless"
    assert driver["version"]
    rules = driver["rules"]
    assert [r["id"] for r in rules] == ["SLS101", "SLS102"]
    for rule in rules:
        assert rule["shortDescription"]["text"]
        assert rule["fullDescription"]["text"]
        assert "## What it does" in rule["help"]["markdown"]
        assert rule["help"]["text"]
    assert "security-severity" not in result.stdout
    for item in run["results"]:
        assert rules[item["ruleIndex"]]["id"] == item["ruleId"]
        assert item["level"] in ("error", "warning", "note")
        assert item["message"]["text"]
        (location,) = item["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"] == {"uri": "app.py", "uriBaseId": "%SRCROOT%"}
        region = physical["region"]
        assert region["startLine"] >= 1
        assert region["startColumn"] >= 1
        assert region["endColumn"] >= region["startColumn"]
    assert run["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 10


def test_gitlab_code_quality(tmp_path: Path) -> None:
    write(tmp_path, {"shop/app.py": VIEWS, "shop/copy.py": VIEWS})
    result = run_cli(["check", "--output-format", "gitlab", "shop"], tmp_path)
    report = json.loads(result.stdout)
    assert len(report) == 4
    assert len({issue["fingerprint"] for issue in report}) == 4
    for issue in report:
        assert issue["check_name"] in ("SLS101", "SLS102")
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert issue["description"].startswith(issue["check_name"])
        assert issue["location"]["path"] in ("shop/app.py", "shop/copy.py")
        assert issue["location"]["positions"]["begin"]["line"] >= 1
    again = json.loads(run_cli(["check", "--output-format", "gitlab", "shop"], tmp_path).stdout)
    assert [i["fingerprint"] for i in again] == [i["fingerprint"] for i in report]
    from_below = run_cli(
        ["check", "--output-format", "gitlab", "."],
        tmp_path / "shop",
        env={"CI_PROJECT_DIR": str(tmp_path)},
    )
    paths = [issue["location"]["path"] for issue in json.loads(from_below.stdout)]
    assert paths == ["shop/app.py", "shop/app.py", "shop/copy.py", "shop/copy.py"]


def test_github_workflow_commands_are_escaped(tmp_path: Path) -> None:
    write(tmp_path, {"a,b:c%d.py": VIEWS})
    result = run_cli(["check", "--output-format", "github", "."], tmp_path)
    first = result.stdout.splitlines()[0]
    assert first.startswith("::error title=flake8-stateless (SLS101),file=a%2Cb%3Ac%25d.py,")
    assert "line=10,col=5,endLine=10,endColumn=10::" in first
    assert first.endswith(
        "carts' is mutated while serving requests; store it in a backing service (Redis, database)"
    )
    message = first.split("::", 2)[2]
    assert message.startswith("a,b:c%25d.py:10:5: SLS101 ")


def test_junit_and_pylint(project: Path) -> None:
    junit = run_cli(["check", "--output-format", "junit", "."], project)
    suites = ElementTree.fromstring(junit.stdout)
    assert suites.get("failures") == "2"
    cases = suites.findall("./testsuite/testcase")
    assert [case.get("name") for case in cases] == [
        "org.flake8-stateless.SLS101",
        "org.flake8-stateless.SLS102",
    ]
    assert all(case.find("failure") is not None for case in cases)
    clean = run_cli(["check", "--output-format", "junit", "clean.py"], project)
    assert ElementTree.fromstring(clean.stdout).get("failures") == "0"
    pylint = run_cli(["check", "--output-format", "pylint", "."], project)
    assert pylint.stdout.splitlines()[0].startswith("app.py:10: [SLS101] module-level dict")


def test_full_format_shows_the_source(project: Path) -> None:
    result = run_cli(["check", "--output-format", "full", "app.py"], project)
    assert result.stdout.startswith("SLS101 module-level dict 'carts' is mutated")
    assert "  --> app.py:10:5\n" in result.stdout
    assert "10 |     carts[request.cookies" in result.stdout
    assert "   |     ^^^^^\n" in result.stdout


def test_output_file_and_statistics(project: Path) -> None:
    result = run_cli(["check", "--output-format", "sarif", "-o", "out.sarif", "."], project)
    assert result.returncode == 1
    assert result.stdout == ""
    assert json.loads((project / "out.sarif").read_text())["version"] == "2.1.0"
    stats = run_cli(["check", "--statistics", "."], project)
    assert stats.stdout.splitlines()[:2] == [
        "1\tSLS101\tmodule-state-mutated",
        "1\tSLS102\tglobal-rebound-in-handler",
    ]


# --------------------------------------------------------------------------- noqa
def test_noqa_has_ruffs_exact_code_semantics(tmp_path: Path) -> None:
    lines = VIEWS.splitlines()
    cases = {
        "exact.py": (10, "  # noqa: SLS101", set()),
        "other.py": (10, "  # noqa: SLS102", {"SLS101"}),
        "prefix.py": (10, "  # noqa: SLS1", {"SLS101"}),
        "blanket.py": (10, "  # noqa", set()),
        "several.py": (10, "  # NOQA:E501,SLS101 reason", set()),
        "in_string.py": (10, '; x = "# noqa"', {"SLS101"}),
    }
    for name, (line, suffix, _) in cases.items():
        edited = list(lines)
        edited[line - 1] += suffix
        write(tmp_path, {name: "\n".join(edited) + "\n"})
    result = run_cli(["check", "--output-format", "concise", "--select", "SLS101", "."], tmp_path)
    reported = {path: {code for p, _, code in codes(result.stdout) if p == path} for path in cases}
    assert reported == {name: expected for name, (_, _, expected) in cases.items()}
    ignored = run_cli(["check", "--ignore-noqa", "--select", "SLS101", "exact.py"], tmp_path)
    assert ignored.returncode == 1


def test_file_level_exemptions(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "all.py": "# ruff: noqa\n" + VIEWS,
            "one.py": "# flake8: noqa: SLS101\n" + VIEWS,
        },
    )
    result = run_cli(["check", "--output-format", "concise", "."], tmp_path)
    assert codes(result.stdout) == [("one.py", 18, "SLS102")]


def test_invalid_noqa_is_a_warning(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": VIEWS.replace("request.json\n", "request.json  # noqa:\n")})
    result = run_cli(["check", "--output-format", "concise", "."], tmp_path)
    assert ("app.py", 10, "SLS101") in codes(result.stdout)
    assert "invalid `# noqa` directive on line 10" in result.stderr


def test_add_noqa_appends_and_merges_once(tmp_path: Path) -> None:
    source = VIEWS.replace("        global visits\n", "        global visits\n").replace(
        "    visits += 1\n", "    visits += 1  # noqa: E501\n"
    )
    source = source.replace("\n", "\r\n")
    write(tmp_path, {"app.py": source.encode()})
    first = run_cli(["check", "--add-noqa", "."], tmp_path)
    assert first.returncode == 0
    assert first.stderr.strip() == "Added 2 noqa directives."
    text = (tmp_path / "app.py").read_bytes().decode()
    assert '    carts[request.cookies["sid"]] = request.json  # noqa: SLS101\r\n' in text
    assert "    visits += 1  # noqa: E501, SLS102\r\n" in text
    assert text.count("\r\n") == source.count("\r\n")
    second = run_cli(["check", "--add-noqa", "."], tmp_path)
    assert second.stderr.strip() == "Added 0 noqa directives."
    assert (tmp_path / "app.py").read_bytes().decode() == text
    assert run_cli(["check", "."], tmp_path).returncode == 0


def test_add_noqa_after_a_multiline_string(tmp_path: Path) -> None:
    source = VIEWS.replace("    visits += 1\n", '    visits += len("""\n    text\n    """)\n')
    write(tmp_path, {"app.py": source})
    run_cli(["check", "--add-noqa", "--select", "SLS102", "."], tmp_path)
    text = (tmp_path / "app.py").read_text()
    assert '    """)  # noqa: SLS102\n' in text
    assert run_cli(["check", "--select", "SLS102", "."], tmp_path).returncode == 0


# ------------------------------------------------------------------------ baseline
def test_baseline_hides_known_findings_only(project: Path) -> None:
    written = run_cli(["check", "--write-baseline", "baseline.json", "."], project)
    assert written.returncode == 0
    assert run_cli(["check", "--baseline", "baseline.json", "."], project).returncode == 0
    moved = "\n\n" + VIEWS + "\n\n@app.get('/more')\ndef more():\n    carts.clear()\n"
    write(project, {"app.py": moved})
    result = run_cli(
        ["check", "--baseline", "baseline.json", "--output-format", "concise", "."], project
    )
    assert codes(result.stdout) == [("app.py", 25, "SLS101")]


# ---------------------------------------------------------------------- configuration
def test_configuration_from_the_nearest_pyproject(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": textwrap.dedent(
                """\
                [tool.flake8-stateless]
                ignore = ["SLS102"]
                per-file-ignores = {"src/legacy/*" = ["SLS1"]}
                extend-exclude = ["generated"]
                handler-decorators = ["ourapi.expose"]
                """
            ),
            "src/pkg/app.py": VIEWS,
            "src/pkg/custom.py": textwrap.dedent(
                """\
                import ourapi

                seen = []


                @ourapi.expose
                def hook(event):
                    seen.append(event)
                """
            ),
            "src/legacy/old.py": VIEWS,
            "src/generated/gen.py": VIEWS,
            "src/other/pyproject.toml": "[project]\nname = 'other'\n",
            "src/other/more.py": VIEWS,
        },
    )
    result = run_cli(["check", "--output-format", "concise", "."], tmp_path / "src")
    assert codes(result.stdout) == [
        ("other/more.py", 10, "SLS101"),
        ("pkg/app.py", 10, "SLS101"),
        ("pkg/custom.py", 8, "SLS101"),
    ]
    nested = run_cli(["check", "--output-format", "concise", "."], tmp_path / "src" / "pkg")
    assert codes(nested.stdout) == [("app.py", 10, "SLS101"), ("custom.py", 8, "SLS101")]
    isolated = run_cli(
        ["check", "--isolated", "--output-format", "concise", "app.py"], tmp_path / "src" / "pkg"
    )
    assert codes(isolated.stdout) == [("app.py", 10, "SLS101"), ("app.py", 17, "SLS102")]
    explicit = run_cli(["check", "generated/gen.py"], tmp_path / "src")
    assert explicit.returncode == 1
    forced = run_cli(["check", "--force-exclude", "generated/gen.py"], tmp_path / "src")
    assert forced.returncode == 0


def test_virtualenvs_and_build_folders_are_skipped(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "app.py": CLEAN,
            ".venv/lib/site.py": VIEWS,
            "build/lib/app.py": VIEWS,
            "node_modules/x/y.py": VIEWS,
            "env-3.11/pyvenv.cfg": "home = /usr/bin\n",
            "env-3.11/lib/z.py": VIEWS,
        },
    )
    assert run_cli(["check", "."], tmp_path).returncode == 0


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('call-depth = "deep"', "invalid value 'deep' for 'call-depth'; expected an integer"),
        ("call-depth = 11", "invalid value 11 for 'call-depth'"),
        ("handler-decorators = ['a b']", "invalid value ['a b'] for 'handler-decorators'"),
        ('select = ["E501"]', "unknown rule selector 'E501'"),
        ('ignore = "SLS101"', "'ignore' must be a list of strings"),
        ("colour = 1", "unknown option 'colour'"),
        ("per-file-ignores = 3", "'per-file-ignores' must be a table"),
        ("select = [", "invalid TOML"),
    ],
)
def test_a_bad_configuration_is_one_line_and_exit_2(
    tmp_path: Path, table: str, expected: str
) -> None:
    write(tmp_path, {"pyproject.toml": f"[tool.flake8-stateless]\n{table}\n", "app.py": VIEWS})
    result = run_cli(["check", "."], tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    assert len(result.stderr.splitlines()) == 1, result.stderr
    assert expected in result.stderr
    assert "pyproject.toml" in result.stderr


def test_config_overrides_on_the_command_line(project: Path) -> None:
    result = run_cli(
        ["check", "--output-format", "concise", "--config", 'ignore = ["SLS101"]', "."], project
    )
    assert codes(result.stdout) == [("app.py", 17, "SLS102")]


# ------------------------------------------------------------------ broken files
def test_syntax_error_is_reported_for_that_file_only(project: Path) -> None:
    write(project, {"broken.py": "from flask import Flask\n\ndef index(:\n    pass\n"})
    result = run_cli(["check", "--output-format", "concise", "."], project)
    assert result.returncode == 1
    reported = codes(result.stdout)
    assert ("broken.py", 3, "invalid-syntax") in reported
    assert ("app.py", 10, "SLS101") in reported
    diagnostics = json.loads(run_cli(["check", "--output-format", "json", "."], project).stdout)
    broken = next(d for d in diagnostics if d["code"] == "invalid-syntax")
    assert broken["filename"].endswith("broken.py")
    assert broken["noqa_row"] is None
    sarif = json.loads(run_cli(["check", "--output-format", "sarif", "."], project).stdout)
    notes = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert [n["descriptor"]["id"] for n in notes] == ["invalid-syntax"]


def test_undecodable_and_unreadable_files(project: Path) -> None:
    write(
        project,
        {
            "latin.py": b'from flask import Flask\nname = "caf\xe9"\n',
            "declared.py": b"# -*- coding: latin-1 -*-\n"
            + VIEWS.encode().replace(b"carts = {}", b"carts = {'caf\xe9': 1}"),
        },
    )
    (project / "gone.py").symlink_to(project / "missing.py")
    result = run_cli(["check", "--output-format", "concise", "."], project)
    assert result.returncode == 1
    reported = codes(result.stdout)
    assert [line for line in reported if line[0] == "latin.py"] == [], "read as latin-1"
    assert "warning: latin.py: is not valid UTF-8 (byte 0xe9" in result.stderr
    assert ("gone.py", 1, "io-error") in reported
    assert ("declared.py", 11, "SLS101") in reported, "a declared encoding is honoured"
    assert ("app.py", 10, "SLS101") in reported
    missing = run_cli(["check", "nothere.py"], project)
    assert missing.returncode == 1
    assert "io-error" in missing.stdout


def test_stdin_with_a_file_name(project: Path) -> None:
    result = run_cli(
        ["check", "--output-format", "concise", "--stdin-filename", "shop/app.py", "-"],
        project,
        stdin=VIEWS,
    )
    assert codes(result.stdout) == [("shop/app.py", 10, "SLS101"), ("shop/app.py", 17, "SLS102")]
    tests = run_cli(["check", "--stdin-filename", "tests/test_app.py"], project, stdin=VIEWS)
    assert tests.returncode == 0, "test files never serve requests"


# ----------------------------------------------------------------------------- rule
def test_rule_explains_with_ruffs_sections() -> None:
    result = run_cli(["rule", "SLS101"], ROOT)
    assert result.returncode == 0
    text = result.stdout
    assert text.startswith("# module-state-mutated (SLS101)\n")
    positions = [
        text.index(heading)
        for heading in (
            "## What it does",
            "## Why is this bad?",
            "## Example",
            "Use instead:",
            "## Options",
            "## References",
        )
    ]
    assert positions == sorted(positions)
    by_name = run_cli(["rule", "module-state-mutated"], ROOT)
    assert by_name.stdout == text


def test_rule_json_and_all() -> None:
    single = json.loads(run_cli(["rule", "SLS104", "--output-format", "json"], ROOT).stdout)
    assert {
        "name",
        "code",
        "linter",
        "summary",
        "message_formats",
        "fix",
        "explanation",
        "preview",
    } <= set(single)
    assert single["code"] == "SLS104"
    assert single["explanation"].startswith("## What it does")
    every = json.loads(run_cli(["rule", "--all", "--output-format", "json"], ROOT).stdout)
    assert [r["code"] for r in every][:2] == ["SLS101", "SLS102"]
    text = run_cli(["rule", "--all"], ROOT).stdout
    assert text.count("## What it does") == len(every)
    unknown = run_cli(["rule", "SLS999"], ROOT)
    assert unknown.returncode == 2
    assert "unknown rule" in unknown.stderr


# ---------------------------------------------------------------------- pre-commit
def test_pre_commit_hook_runs_the_command_on_the_staged_files(project: Path) -> None:
    """pre-commit runs ``entry`` followed by the staged file names."""
    yaml = pytest.importorskip("yaml")
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "flake8-stateless"
    assert hook["language"] == "python"
    assert "python" in hook["types_or"]
    program, *args = shlex.split(hook["entry"])
    scripts = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert f'{program} = "flake8_stateless.cli:main"' in scripts
    found = run_cli([*args, "app.py", "clean.py"], project)
    assert found.returncode == 1
    assert codes(found.stdout)[0] == ("app.py", 10, "SLS101")
    assert run_cli([*args, "clean.py"], project).returncode == 0
    write(project, {"build/gen.py": VIEWS})
    assert run_cli([*args, "build/gen.py"], project).returncode == 0, "excluded even if staged"


def test_workers_started_by_spawn_lint_like_the_main_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Python 3.14 starts workers with forkserver on Linux (spawn on macOS and Windows):
    the worker state must travel to them and give the same results."""
    import multiprocessing  # noqa: PLC0415

    from flake8_stateless import lint  # noqa: PLC0415

    paths = sorted((ROOT / "examples").rglob("*.py"))
    tasks = [lint.Task(str(p), p.relative_to(ROOT).as_posix(), 0) for p in paths]
    tasks = tasks * 4  # enough files for a pool of two
    serial = lint.lint_files(tasks, [Settings()], lint.Options(), jobs=1)
    spawn = multiprocessing.get_context("spawn")
    monkeypatch.setattr(multiprocessing, "get_context", lambda: spawn)
    parallel = lint.lint_files(tasks, [Settings()], lint.Options(), jobs=2)
    assert lint.flatten(parallel) == lint.flatten(serial)
    assert lint.flatten(serial)
