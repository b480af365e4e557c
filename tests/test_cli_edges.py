"""The standalone command at its edges, run as users run it: every error is one line
and exit 2 before any linting; results do not depend on the folder it runs from; and
where its reading of a file or a ``noqa`` comment differs from flake8's, it says so."""

from __future__ import annotations

import gc
import hashlib
import json
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest

from flake8_stateless import lint
from flake8_stateless.options import Settings
from tests.helpers import ROOT, run_flake8
from tests.test_cli import CLEAN, VIEWS, codes, run_cli, write

LATIN1 = VIEWS.encode() + b"# caf\xe9\n"
"""Two findings, and a byte that is not UTF-8."""


def one_line_error(result: subprocess.CompletedProcess[str], *expected: str) -> str:
    """The single stderr line of a failed run (exit 2, nothing on stdout)."""
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    for text in expected:
        assert text in lines[0]
    return lines[0]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """Two findings in app.py, and a latin-1 file: linting it prints a warning, so a
    one-line stderr proves an error came before any linting."""
    return write(tmp_path, {"app.py": VIEWS, "clean.py": CLEAN, "legacy.py": LATIN1})


# --------------------------------------------------------------------------- crashes
@pytest.mark.parametrize(
    ("value", "expected"),
    [("bogus", "invalid value 'bogus'"), ("yaml", "expected one of: concise, full")],
)
def test_bad_output_format_from_the_environment(project: Path, value: str, expected: str) -> None:
    result = run_cli(["check", "."], project, env={"FLAKE8_STATELESS_OUTPUT_FORMAT": value})
    one_line_error(result, "$FLAKE8_STATELESS_OUTPUT_FORMAT", expected)


def test_output_format_names_are_case_insensitive(project: Path) -> None:
    from_env = run_cli(["check", "app.py"], project, env={"FLAKE8_STATELESS_OUTPUT_FORMAT": "JSON"})
    assert [d["code"] for d in json.loads(from_env.stdout)] == ["SLS101", "SLS102"]
    from_flag = run_cli(["check", "--output-format", "Concise", "app.py"], project)
    assert codes(from_flag.stdout) == [("app.py", 10, "SLS101"), ("app.py", 17, "SLS102")]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["-o", "missing/out.txt"], "--output-file missing/out.txt: the folder"),
        (["-o", "reports"], "--output-file reports: is a folder"),
        (["--write-baseline", "missing/base.json"], "--write-baseline missing/base.json: the"),
        (["--write-baseline", "reports"], "--write-baseline reports: is a folder"),
        (["--output-format", "sarif", "-o", "/nonexistent/x.sarif"], "does not exist"),
    ],
)
def test_unwritable_report_or_baseline(project: Path, args: list[str], expected: str) -> None:
    (project / "reports").mkdir()
    one_line_error(run_cli(["check", *args, "."], project), expected)
    assert not (project / "missing").exists()


@pytest.mark.parametrize("jobs", ["0", "-1", "many"])
def test_jobs_must_be_at_least_one(project: Path, jobs: str) -> None:
    one_line_error(run_cli(["check", "-j", jobs, "."], project), "-j/--jobs", "from 1 up")


def test_usage_errors_are_one_line(project: Path) -> None:
    one_line_error(run_cli(["check", "--output-format", "yaml", "."], project), "invalid value")
    one_line_error(run_cli(["check", "--no-such-flag"], project), "unrecognized arguments")


# ---------------------------------------------------------------------- baselines
def test_a_baseline_matches_from_any_folder(tmp_path: Path) -> None:
    """Written at the project root, read from a sub-folder (and the other way round):
    paths are stored relative to the baseline's own folder."""
    write(tmp_path, {"pkg/app.py": VIEWS, "pkg/sub/more.py": VIEWS})
    assert run_cli(["check", "--write-baseline", "base.json", "."], tmp_path).returncode == 0
    document = json.loads((tmp_path / "base.json").read_text())
    assert document["version"] == 2
    assert {entry["path"] for entry in document["findings"]} == {"pkg/app.py", "pkg/sub/more.py"}
    below = run_cli(["check", "--baseline", "../base.json", "."], tmp_path / "pkg")
    assert below.returncode == 0, below.stdout
    deeper = run_cli(
        ["check", "--baseline", "../../base.json", "more.py"], tmp_path / "pkg" / "sub"
    )
    assert deeper.returncode == 0, deeper.stdout
    write(
        tmp_path, {"pkg/app.py": VIEWS + "\n\n@app.get('/more')\ndef more():\n    carts.clear()\n"}
    )
    new = run_cli(
        ["check", "--baseline", "../base.json", "--output-format", "concise", "."], tmp_path / "pkg"
    )
    assert codes(new.stdout) == [("app.py", 23, "SLS101")]
    written_below = run_cli(["check", "--write-baseline", "below.json", "app.py"], tmp_path / "pkg")
    assert written_below.returncode == 0
    from_root = run_cli(["check", "--baseline", "pkg/below.json", "pkg/app.py"], tmp_path)
    assert from_root.returncode == 0, from_root.stdout


def _version_1_fingerprints(project: Path, paths_from: Path) -> list[str]:
    """The fingerprints 0.1.0 wrote: sha256 of path (from the working directory), code,
    message, stripped line text and occurrence, joined by NUL, first 32 hex digits."""
    report = run_cli(["check", "--output-format", "json", "."], project)
    prints = []
    for d in json.loads(report.stdout):
        path = Path(d["filename"])
        line = path.read_text().splitlines()[d["location"]["row"] - 1].strip()
        relative = path.relative_to(paths_from).as_posix()
        key = "\0".join([relative, d["code"], d["message"], line])
        prints.append(hashlib.sha256(f"{key}\0{1}".encode()).hexdigest()[:32])
    return prints


def test_version_1_baselines_are_still_read(tmp_path: Path) -> None:
    write(tmp_path, {"pkg/app.py": VIEWS})
    prints = _version_1_fingerprints(tmp_path, tmp_path)
    old = {"tool": "flake8-stateless", "version": 1,
           "findings": [{"fingerprint": f} for f in prints]}  # fmt: skip
    (tmp_path / "old.json").write_text(json.dumps(old))
    assert run_cli(["check", "--baseline", "old.json", "."], tmp_path).returncode == 0
    below = run_cli(["check", "--baseline", "../old.json", "."], tmp_path / "pkg")
    assert below.returncode == 0, "written at the root, the baseline's folder: still matched"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("[]", "expected a JSON object with 'version' and 'findings', not a list"),
        ('{"version": 2, "findings": [{"path": "app.py"}]}', "finding 1 has no 'fingerprint'"),
        ('{"version": 3, "findings": []}', "unknown version 3"),
        ('{"findings": []}', "no 'version'"),
        ('{"version": 2}', "no 'findings' list"),
        ('{"version": 2, "findings": {}}', "'findings' must be a list, not an object"),
        ("{oops", "not JSON"),
    ],
)
def test_a_bad_baseline_is_one_line(project: Path, content: str, expected: str) -> None:
    (project / "base.json").write_text(content)
    one_line_error(run_cli(["check", "--baseline", "base.json", "."], project), expected)


def test_a_missing_baseline_is_one_line(project: Path) -> None:
    result = run_cli(["check", "--baseline", "nope.json", "."], project)
    one_line_error(result, "baseline nope.json: cannot read it (No such file or directory)")


def test_add_noqa_leaves_baselined_findings_alone(tmp_path: Path) -> None:
    write(tmp_path, {"app.py": VIEWS})
    run_cli(["check", "--write-baseline", "base.json", "."], tmp_path)
    grown = VIEWS + "\n\n@app.get('/more')\ndef more():\n    carts.clear()\n"
    write(tmp_path, {"app.py": grown})
    result = run_cli(["check", "--add-noqa", "--baseline", "base.json", "."], tmp_path)
    assert result.stderr.strip() == "Added 1 noqa directive."
    text = (tmp_path / "app.py").read_text()
    assert text.count("# noqa") == 1
    assert "    carts.clear()  # noqa: SLS101\n" in text
    assert run_cli(["check", "--baseline", "base.json", "."], tmp_path).returncode == 0


# ------------------------------------------------------------------------- noqa_row
def test_json_noqa_row_is_where_add_noqa_writes(tmp_path: Path) -> None:
    """A finding on a line that opens a multi-line string: its directive belongs after
    the string, in the JSON report as in ``--add-noqa`` (and no "noqa" in the file)."""
    source = VIEWS.replace(
        '    carts[request.cookies["sid"]] = request.json\n',
        '    carts[request.cookies["sid"]] = """\n    a note\n    """\n',
    )
    write(tmp_path, {"app.py": source})
    report = json.loads(run_cli(["check", "--output-format", "json", "."], tmp_path).stdout)
    first = report[0]
    assert (first["code"], first["location"]["row"], first["noqa_row"]) == ("SLS101", 10, 12)
    run_cli(["check", "--add-noqa", "--select", "SLS101", "."], tmp_path)
    lines = (tmp_path / "app.py").read_text().splitlines()
    assert lines[first["noqa_row"] - 1] == '    """  # noqa: SLS101'


# -------------------------------------------------------------------------- encodings
def test_undecodable_files_are_read_as_latin1_like_flake8(tmp_path: Path) -> None:
    """One behaviour for the plugin and the command: flake8 reads a file that is not
    valid in its encoding as latin-1 and runs the plugin; the command does the same and
    says so on stderr."""
    declared_ascii = b"# coding: ascii\n" + LATIN1
    unknown = b"# coding: klingon\n" + VIEWS.encode()
    write(tmp_path, {"latin.py": LATIN1, "ascii.py": declared_ascii, "unknown.py": unknown})
    cli = run_cli(["check", "--output-format", "concise", "--quiet", "."], tmp_path)
    flake8 = run_flake8(["--isolated", "--select=SLS", "."], cwd=tmp_path)
    assert cli.returncode == flake8.returncode == 1
    assert sorted(cli.stdout.splitlines()) == sorted(
        line.removeprefix("./") for line in flake8.stdout.splitlines()
    )
    assert {path for path, _, _ in codes(cli.stdout)} == {"latin.py", "ascii.py", "unknown.py"}
    warnings = cli.stderr.splitlines()
    offset = len(VIEWS.encode()) + len(b"# caf")
    assert (
        f"warning: latin.py: is not valid UTF-8 (byte 0xe9 at offset {offset}): read as "
        "latin-1, as flake8 does"
    ) in warnings
    assert any(w.startswith("warning: ascii.py: is not valid ascii (byte 0xe9") for w in warnings)
    assert any("unknown.py: declares an encoding Python does not know" in w for w in warnings)


def test_add_noqa_keeps_a_latin1_file_in_latin1(tmp_path: Path) -> None:
    write(tmp_path, {"latin.py": LATIN1})
    run_cli(["check", "--add-noqa", "."], tmp_path)
    data = (tmp_path / "latin.py").read_bytes()
    assert data.endswith(b"# caf\xe9\n")
    assert data.count(b"# noqa: SLS10") == 2


# ------------------------------------------------------------------- noqa vs flake8
NOQA_CASES = {
    # name: (text added at the end of line 10, or a first line when it ends with "\n")
    "exact.py": "  # noqa: SLS101",
    "blanket.py": "  # noqa",
    "no_space_after_colon.py": "  # noqa:SLS101",
    "file_exempt.py": "# flake8: noqa\n",
    "no_space.py": "  #noqa:SLS101",
    "prefix.py": "  # noqa: SLS1",
    "spaced_colon.py": "  # noqa : SLS102",
    "colon_only.py": "  # noqa:",
    "in_a_string.py": '; note = "# noqa"',
    "code_line.py": "x = 1  # flake8: noqa\n",
    "file_codes.py": "# flake8: noqa: SLS102\n",
}
AGREEING = {"exact.py", "blanket.py", "no_space_after_colon.py", "file_exempt.py"}


def _noqa_project(root: Path) -> Path:
    lines = VIEWS.splitlines()
    for name, text in NOQA_CASES.items():
        edited = list(lines)
        if text.endswith("\n"):
            edited.insert(0, text.rstrip("\n"))
        else:
            edited[9] += text
        write(root, {name: "\n".join(edited) + "\n"})
    return root


def test_noqa_differences_from_flake8_are_warned(tmp_path: Path) -> None:
    """Where flake8 would decide a finding differently, a warning names the file and the
    comment; where both agree, nothing is said."""
    _noqa_project(tmp_path)
    cli = run_cli(["check", "--output-format", "concise", "--select", "SLS101", "."], tmp_path)
    flake8 = run_flake8(["--isolated", "--select=SLS101", "."], cwd=tmp_path)
    ours = {path for path, _, _ in codes(cli.stdout)}
    theirs = {Path(path).name for path, _, _ in codes(flake8.stdout)}
    warned = {line.removeprefix("warning: ").split(":")[0] for line in cli.stderr.splitlines()}
    for name in NOQA_CASES:
        if (name in ours) != (name in theirs):
            assert name in warned, f"{name}: flake8 decides otherwise, and nothing says so"
    assert warned.isdisjoint(AGREEING), cli.stderr
    assert ours == {"prefix.py", "spaced_colon.py", "colon_only.py", "in_a_string.py",
                    "code_line.py", "file_codes.py"}  # fmt: skip
    assert theirs == {"no_space.py", "code_line.py"}


def test_noqa_warnings_say_what_to_write(tmp_path: Path) -> None:
    _noqa_project(tmp_path)
    stderr = run_cli(["check", "--select", "SLS101", "."], tmp_path).stderr
    assert (
        "warning: prefix.py: `# noqa: SLS1` on line 10 silences SLS101 under flake8 (as a "
        "code prefix or a blanket noqa) but not here, where codes are exact and only "
        "comments count: `# noqa: SLS101` works for both"
    ) in stderr.splitlines()
    assert "no_space.py: `#noqa:SLS101` on line 10 silences SLS101 here, but flake8" in stderr
    assert "code_line.py: `# flake8: noqa` on line 1 shares the line with code" in stderr
    assert "file_codes.py: `# flake8: noqa: SLS102` on line 1 exempts only the codes" in stderr
    assert "colon_only.py: invalid `# noqa` directive on line 10" in stderr


def test_add_noqa_after_a_prefix_code_writes_the_full_code(tmp_path: Path) -> None:
    """It keeps what was written (flake8 still reads the prefix) and adds the full code,
    after which both tools agree and nothing is warned."""
    lines = VIEWS.splitlines()
    lines[9] += "  # noqa: SLS1"
    write(tmp_path, {"app.py": "\n".join(lines) + "\n"})
    run_cli(["check", "--add-noqa", "--select", "SLS101", "."], tmp_path)
    edited = (tmp_path / "app.py").read_text().splitlines()[9]
    assert edited.endswith("  # noqa: SLS1, SLS101")
    again = run_cli(["check", "--select", "SLS101", "."], tmp_path)
    assert again.returncode == 0
    assert again.stderr == ""


# ---------------------------------------------------------------- nothing checked
@pytest.mark.parametrize(
    ("files", "args", "warning"),
    [
        ({"empty/.keep": ""}, ["empty"], "No Python files found under the given path(s)"),
        ({".venv/lib/x.py": VIEWS, "build/y.py": VIEWS}, ["."], "No Python files found"),
        ({"build/y.py": VIEWS}, ["--force-exclude", "build/y.py"], "No Python files found"),
        ({"app.py": VIEWS}, ["--select=", "."], "No rules are enabled"),
        ({"app.py": VIEWS}, ["--ignore", "SLS", "."], "No rules are enabled"),
    ],
)
def test_nothing_checked_is_warned(
    tmp_path: Path, files: dict[str, str | bytes], args: list[str], warning: str
) -> None:
    write(tmp_path, files)
    result = run_cli(["check", *args], tmp_path)
    assert result.returncode == 0
    assert result.stderr.startswith(f"warning: {warning}")
    assert result.stdout == "All checks passed!\n"


def test_something_checked_is_not_warned(project: Path) -> None:
    assert run_cli(["check", "clean.py"], project).stderr == ""


# ---------------------------------------------------------------- --config, rules-file
def test_config_naming_a_missing_file(project: Path) -> None:
    result = run_cli(["check", "--config", "nope.toml", "."], project)
    one_line_error(result, "--config nope.toml: no such file")
    (project / "conf").mkdir()
    one_line_error(run_cli(["check", "--config", "conf", "."], project), "is a folder")
    bad_option = run_cli(["check", "--config", "call-depth = ", "."], project)
    one_line_error(bad_option, "invalid TOML")


RULES_FILE = textwrap.dedent(
    """\
    id: acme-local-store
    code: SLS901
    message: "$STORE keeps data in this process; use acme.RedisStore"
    note: Acme's LocalStore is a dict in process memory.
    rule:
      pattern: $STORE($$$)
    constraints:
      STORE:
        regex: (^|\\.)LocalStore$
    """
)


def test_rules_file_key_in_pyproject(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": '[tool.flake8-stateless]\nrules-file = "lint/rules.yml"\n',
            "lint/rules.yml": RULES_FILE,
            "pkg/app.py": "from acme import LocalStore\n\nstore = LocalStore()\n",
        },
    )
    found = run_cli(["check", "--output-format", "concise", "."], tmp_path / "pkg")
    assert codes(found.stdout) == [("app.py", 3, "SLS901")]
    (tmp_path / "lint" / "rules.yml").write_text("id: x\n")
    broken = run_cli(["check", "."], tmp_path)
    line = one_line_error(broken, "pyproject.toml: 'rules-file' 'lint/rules.yml': rule 1 ('x')")
    assert "--stateless-rules-file" not in line, "the pyproject key, not flake8's option"


def test_rule_knows_the_rules_file_of_the_project(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": '[tool.flake8-stateless]\nrules-file = "rules.yml"\n',
            "rules.yml": RULES_FILE,
            "pkg/.keep": "",
        },
    )
    page = run_cli(["rule", "SLS901"], tmp_path / "pkg")
    assert page.returncode == 0, page.stderr
    assert page.stdout.startswith("# acme-local-store (SLS901)\n")
    assert "Your own rule (`rules-file`)" in page.stdout
    assert "## Example" not in page.stdout, "no empty example blocks"
    every = json.loads(run_cli(["rule", "--all", "--output-format", "json"], tmp_path).stdout)
    assert every[-1]["code"] == "SLS901"
    assert run_cli(["rule", "acme-local-store"], tmp_path).stdout == page.stdout


def test_rule_usage_errors() -> None:
    both = run_cli(["rule", "--all", "SLS101"], ROOT)
    one_line_error(both, "flake8-stateless rule: error: give a CODE or --all, not both")
    bare = run_cli(["rule"], ROOT)
    one_line_error(bare, "flake8-stateless rule: error: give a CODE", "--all")


# ------------------------------------------------------------------------- stdin
def test_stdin_next_to_paths(project: Path) -> None:
    result = run_cli(
        ["check", "--output-format", "concise", "-", "clean.py", "app.py"], project, stdin=VIEWS
    )
    assert codes(result.stdout) == [
        ("-", 10, "SLS101"),
        ("-", 17, "SLS102"),
        ("app.py", 10, "SLS101"),
        ("app.py", 17, "SLS102"),
    ]
    named = run_cli(
        ["check", "--output-format", "concise", "--stdin-filename", "shop/views.py", "-",
         "clean.py"],
        project,
        stdin=VIEWS,
    )  # fmt: skip
    assert [path for path, _, _ in codes(named.stdout)] == ["shop/views.py", "shop/views.py"]
    one_line_error(run_cli(["check", "--add-noqa", "-", "app.py"], project, stdin=VIEWS), "stdin")


# -------------------------------------------------------------------- statistics
def test_statistics_as_json(tmp_path: Path) -> None:
    broken = "from flask import Flask\n\ndef index(:\n    pass\n"
    project = write(tmp_path, {"app.py": VIEWS, "broken.py": broken})
    result = run_cli(["check", "--statistics", "--output-format", "json", "."], project)
    assert result.returncode == 1
    assert json.loads(result.stdout) == [
        {"code": "SLS101", "name": "module-state-mutated", "count": 1, "fixable": False},
        {"code": "SLS102", "name": "global-rebound-in-handler", "count": 1, "fixable": False},
        {"code": "invalid-syntax", "name": "invalid-syntax", "count": 1, "fixable": False},
    ]
    text = run_cli(["check", "--statistics", "."], project).stdout
    assert text.splitlines() == [
        "1\tSLS101\tmodule-state-mutated",
        "1\tSLS102\tglobal-rebound-in-handler",
        "1\tinvalid-syntax",
        "Found 3 errors.",
    ]
    sarif = run_cli(["check", "--statistics", "--output-format", "sarif", "."], project)
    one_line_error(sarif, "--statistics prints text or JSON, not --output-format sarif")


# ------------------------------------------------------------------------ formats
def test_full_format_carets_after_tabs_and_wide_characters(tmp_path: Path) -> None:
    source = VIEWS.replace(
        '    carts[request.cookies["sid"]] = request.json\n    return {"ok": True}\n',
        '\tlabel = "日本語"; carts[request.cookies["sid"]] = request.json\n\treturn {}\n',
    )
    write(tmp_path, {"app.py": source})
    result = run_cli(["check", "--output-format", "full", "--select", "SLS101", "."], tmp_path)
    lines = result.stdout.splitlines()
    source_line = next(line for line in lines if line.startswith("10 |"))
    caret_line = lines[lines.index(source_line) + 1]
    assert source_line == '10 |     label = "日本語"; carts[request.cookies["sid"]] = request.json'
    prefix = '    label = "日本語"; '
    display_width = len(prefix) + 3  # three wide characters take two columns each
    assert caret_line == "   | " + " " * display_width + "^^^^^"


def test_json_url_is_null_as_the_readme_says(project: Path) -> None:
    report = json.loads(run_cli(["check", "--output-format", "json", "."], project).stdout)
    assert report
    assert all(d["url"] is None for d in report)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`url` (always null" in readme


# ---------------------------------------------------------------- this repository
def test_this_repository_is_clean_under_its_own_command() -> None:
    """The project's [tool.flake8-stateless] leaves out what exists to be flagged."""
    result = run_cli(["check", "--output-format", "concise"], ROOT)
    assert result.returncode == 0, result.stdout[-2000:]
    assert result.stderr == ""
    examples = run_cli(["check", "--output-format", "concise", "examples"], ROOT)
    assert examples.returncode == 1, "named on the command line, examples/ is still linted"


# ------------------------------------------------------------------ linear regexes
FLAKE8_NOQA_SAMPLES = [
    "# noqa", "# NOQA", "#noqa", "# noqa:E501", "# noqa: E501,W291", "# noqa:E501 W291",
    "# noqa : E501", "# noqa:  E501", "# noqa:", "# noqa: SLS", "# noqa: SLS1", "# noqa:e501",
    "# noqa:E501,,  W2 reason", "# noqa:A1B2", "x = '# noqa: E1'", "# flake8: noqa",
    "# noqa:E501\n", "# noqa -- E501", "# noqa:1", "# noqa: E501,",
]  # fmt: skip


def test_flake8_noqa_is_read_as_flake8_reads_it() -> None:
    from flake8.defaults import NOQA_INLINE_REGEXP  # noqa: PLC0415

    from flake8_stateless.noqa import _FLAKE8_INLINE  # noqa: PLC0415

    for sample in FLAKE8_NOQA_SAMPLES:
        theirs, ours = NOQA_INLINE_REGEXP.search(sample), _FLAKE8_INLINE.search(sample)
        assert (theirs is None) == (ours is None), sample
        if theirs is not None and ours is not None:
            assert (theirs.span(), theirs["codes"]) == (ours.span(), ours["codes"]), sample


@pytest.mark.parametrize(
    "unit",
    ["A", "A1 ", "A1,", " ", "# noqa:", "1", "# noqa: A"],
    ids=["letters", "codes", "commas", "spaces", "directives", "digits", "prefixes"],
)
def test_reading_noqa_like_flake8_is_linear(unit: str) -> None:
    """The pattern the command runs on lines with findings grows linearly on long runs
    of each character class it repeats: the best of five runs on a 10x longer line
    takes well under 10x10 times as long (30x leaves room for cache effects and load)."""
    import timeit  # noqa: PLC0415

    from flake8_stateless.noqa import flake8_silences  # noqa: PLC0415

    def cost(repeat: int) -> float:
        line = "x = 1  # noqa:" + unit * repeat + "!"
        return min(timeit.repeat(lambda: flake8_silences(line, "SLS101"), number=3, repeat=5))

    small, large = cost(10_000), cost(100_000)
    assert large < 30 * max(small, 1e-4), (small, large)


def test_the_command_collects_garbage_less_often_while_it_lints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its own processes only, for the run: the caller's thresholds come back after."""
    seen: list[tuple[int, ...]] = []
    original = lint.lint_bytes

    def spying(*args: Any, **kwargs: Any) -> lint.FileResult:
        seen.append(gc.get_threshold())
        return original(*args, **kwargs)

    monkeypatch.setattr(lint, "lint_bytes", spying)
    app = write(tmp_path, {"app.py": VIEWS}) / "app.py"
    before = gc.get_threshold()
    [result] = lint.lint_files([lint.Task(str(app), "app.py", 0)], [Settings()], lint.Options(), 1)
    assert [d.code for d in result.diagnostics] == ["SLS101", "SLS102"]
    assert seen == [lint.COLLECTION_THRESHOLDS] != [before]
    assert gc.get_threshold() == before
