"""Rules users add without touching the plugin: a YAML file of ast-grep rules named by
``--stateless-rules-file``, and rule packs found through ``importlib.metadata``."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from dataclasses import replace
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any, cast

import pytest

from flake8_stateless.options import ConfigurationError, Settings
from flake8_stateless.packs import GROUP, load_rule_packs
from flake8_stateless.patterns import Pattern
from flake8_stateless.registry import Rule, no_ast_check
from flake8_stateless.user_rules import load_rules_file
from tests.helpers import lint_source, parse_output, run_flake8

RULE = """\
id: acme-local-store
code: SLS901
message: "LocalStore($$$ARGS) keeps sessions in this process; use RedisStore"
rule:
  pattern: LocalStore($$$ARGS)
"""

APP = textwrap.dedent(
    """\
    from acme import LocalStore

    store = LocalStore()
    other = LocalStore()  # noqa: SLS901
    cache = LocalCache()
    """
)


def write(directory: Path, text: str, name: str = "rules.yml") -> str:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# ------------------------------------------------------------------- the rules file
def test_rules_file_gives_pattern_rules(tmp_path: Path) -> None:
    [rule] = load_rules_file(write(tmp_path, RULE))
    assert (rule.code, rule.name, rule.scope) == ("SLS901", "acme-local-store", "module")
    assert rule.patterns[0].triggers == ("LocalStore",), "derived from the pattern"
    findings = lint_source(APP, settings=Settings(rules_file=(rule,)))
    assert [(f.line, f.col, f.code) for f in findings] == [(3, 8, "SLS901"), (4, 8, "SLS901")]
    assert (
        findings[0].message == "SLS901 LocalStore() keeps sessions in this process; use RedisStore"
    )


def test_several_documents_with_every_optional_key(tmp_path: Path) -> None:
    text = RULE + textwrap.dedent(
        """\
        ---
        id: acme-cache
        code: SLS999
        language: Python
        scope: config
        triggers: [LocalCache]
        note: One cache per process.
        url: https://example.com/cache
        message: "LocalCache in {braces} is per process; use the shared cache"
        rule:
          kind: call
          has: {field: function, regex: LocalCache$}
        constraints: {}
        """
    )
    first, second = load_rules_file(write(tmp_path, text))
    assert (second.code, second.scope, second.references) == (
        "SLS999",
        "config",
        ("https://example.com/cache",),
    )
    assert second.rationale == "One cache per process."
    findings = lint_source(APP, settings=Settings(rules_file=(first, second)))
    assert [(f.line, f.code) for f in findings] == [(3, "SLS901"), (4, "SLS901"), (5, "SLS999")]
    assert (
        findings[-1].message == "SLS999 LocalCache in {braces} is per process; use the shared cache"
    )


BROKEN = {
    "malformed YAML": ("id: [unclosed\n", "invalid YAML at line 2, column 1"),
    "not a mapping": ("- id: x\n", "rule 1 is not a mapping"),
    "empty file": ("# nothing yet\n", "it holds no rules"),
    "unknown key": (
        RULE + "severty: error\n",
        "rule 1 ('acme-local-store'): unknown key 'severty'",
    ),
    "unsupported key": (RULE + "fix: RedisStore()\n", "key 'fix' is not supported"),
    "missing key": ("id: x\ncode: SLS901\nmessage: m\n", "rule 1 ('x'): missing key 'rule'"),
    "code below the range": (
        RULE.replace("SLS901", "SLS899"),
        "code 'SLS899' is outside SLS900-SLS999",
    ),
    "four digits": (RULE.replace("SLS901", "SLS9001"), "code 'SLS9001' is outside SLS900-SLS999"),
    "not a string": (RULE.replace("SLS901", "901"), "code 901 is outside SLS900-SLS999"),
    "bad id": (RULE.replace("acme-local-store", "'two words'"), "'id' must be a name"),
    "two lines": (
        RULE.replace('"LocalStore', '"line\\nbreak LocalStore'),
        "'message' must be one non-empty line",
    ),
    "language": (RULE + "language: javascript\n", "language 'javascript' is not supported"),
    "scope": (RULE + "scope: request\n", "scope 'request' is not one of module, config"),
    "triggers": (RULE + "triggers: LocalStore\n", "'triggers' must be a list of words"),
    "rule not a mapping": (
        RULE.replace("  pattern: LocalStore($$$ARGS)", "  - LocalStore"),
        "'rule' must be",
    ),
    "unparsable pattern": (
        RULE.replace("LocalStore($$$ARGS)", "LocalStore(("),
        "'LocalStore((' is not valid",
    ),
    "ast-grep error": (
        RULE.replace("pattern: LocalStore($$$ARGS)", "kind: no_such_kind"),
        "Kind `no_such_kind`",
    ),
    "unknown metavariable": (
        RULE.replace("LocalStore($$$ARGS) keeps", "$STORE keeps"),
        "'message' uses $STORE, which the rule does not capture",
    ),
    "constraint": (RULE + "constraints: {OTHER: {regex: x}}\n", "Undefined meta var `OTHER`"),
    "duplicate code": (
        RULE + "---\n" + RULE.replace("acme-local-store", "b"),
        "code SLS901 is used twice",
    ),
    "duplicate id": (
        RULE + "---\n" + RULE.replace("SLS901", "SLS902"),
        "id 'acme-local-store' is used twice",
    ),
    "note": (RULE + "note: [1, 2]\n", "'note' must be text"),
    "url": (RULE + "url: 5\n", "'url' must be text"),
    "constraints": (RULE + "constraints: [ARGS]\n", "'constraints' must be a mapping"),
    "YAML error without a position": (RULE + "--- !!python/name:os.system\n", "invalid YAML"),
}


@pytest.mark.parametrize("case", BROKEN, ids=list(BROKEN))
def test_broken_rules_files_are_one_line_errors(tmp_path: Path, case: str) -> None:
    text, expected = BROKEN[case]
    path = write(tmp_path, text)
    with pytest.raises(ConfigurationError) as raised:
        load_rules_file(path)
    message = str(raised.value)
    assert message.startswith(f"flake8-stateless: option --stateless-rules-file {path}: ")
    assert expected in message
    assert "\n" not in message


def test_missing_rules_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"rules\.yml: cannot read it \(No such file"):
        load_rules_file(str(tmp_path / "rules.yml"))


def test_rules_file_that_is_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "rules.yml").write_bytes(RULE.encode() + b"note: caf\xe9\n")
    with pytest.raises(ConfigurationError, match=r"cannot read it \('utf-8' codec can't decode"):
        load_rules_file(str(tmp_path / "rules.yml"))


def test_rules_file_through_flake8(tmp_path: Path) -> None:
    write(tmp_path, RULE)
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    args = ["--isolated", "--stateless-rules-file=rules.yml", "app.py"]
    assert parse_output(run_flake8(["--select=SLS", *args], cwd=tmp_path).stdout) == [
        (3, 9, "SLS901")
    ]
    assert parse_output(run_flake8(["--select=SLS9", *args], cwd=tmp_path).stdout) == [
        (3, 9, "SLS901")
    ]
    for silenced in (["--select=SLS1"], ["--select=SLS", "--extend-ignore=SLS901"]):
        result = run_flake8([*silenced, *args], cwd=tmp_path)
        assert (result.returncode, result.stdout) == (0, ""), result.stderr
    disabled = run_flake8(["--select=SLS", "--disable-noqa", *args], cwd=tmp_path)
    assert parse_output(disabled.stdout) == [(3, 9, "SLS901"), (4, 9, "SLS901")]


def test_rules_file_from_a_config_file_is_relative_to_it(tmp_path: Path) -> None:
    (tmp_path / "lint").mkdir()
    write(tmp_path / "lint", RULE)
    (tmp_path / "setup.cfg").write_text(
        "[flake8]\nselect = SLS\nstateless-rules-file = lint/rules.yml\n", encoding="utf-8"
    )
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(APP, encoding="utf-8")
    result = run_flake8(["app.py"], cwd=tmp_path / "src")
    assert result.stderr == ""
    result = run_flake8(["src/app.py"], cwd=tmp_path)
    assert parse_output(result.stdout) == [(3, 9, "SLS901")], result.stderr


def test_broken_rules_file_stops_flake8_with_one_line(tmp_path: Path) -> None:
    write(tmp_path, RULE.replace("SLS901", "SLS123"))
    (tmp_path / "app.py").write_text(APP, encoding="utf-8")
    result = run_flake8(
        ["--isolated", "--select=SLS", "--stateless-rules-file=rules.yml", "app.py"], cwd=tmp_path
    )
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [
        "flake8-stateless: option --stateless-rules-file rules.yml: rule 1 ('acme-local-store'): "
        "code 'SLS123' is outside SLS900-SLS999, the range reserved for your rules"
    ]


# ------------------------------------------------------------------------ rule packs
def entry(name: str, value: str) -> EntryPoint:
    return EntryPoint(name=name, value=value, group=GROUP)


def test_the_test_pack_is_installed() -> None:
    names = [point.name for point in entry_points(group=GROUP)]
    assert "testpack" in names, (
        "install it into the test environment: pip install -e tests/rulepack"
    )


def test_packs_load_their_rules() -> None:
    loaded = load_rule_packs(found=[entry("testpack", "stateless_testpack:RULES")])
    assert [rule.code for rule in loaded.rules] == ["SLS950", "SLS951"]
    assert loaded.errors == ()
    single = load_rule_packs(found=[entry("one", "stateless_testpack:PINNED_NODE")])
    assert [rule.code for rule in single.rules] == ["SLS950"]


@pytest.mark.parametrize(
    ("value", "taken", "expected"),
    [
        (
            "no_such_module_xyz:RULES",
            (),
            "failed to load: ModuleNotFoundError: No module named 'no_such_module_xyz'",
        ),
        ("stateless_testpack:MISSING", (), "failed to load: AttributeError"),
        (
            "stateless_testpack:check_pinned_node",
            (),
            "expected a Rule or a tuple of Rules, got function",
        ),
        ("tests.test_custom_rules:NOT_RULES", (), "expected Rule objects, got str"),
        (
            "tests.test_custom_rules:OUT_OF_RANGE",
            (),
            "SLS101: codes of rule packs must be in SLS900-SLS999",
        ),
        (
            "tests.test_custom_rules:BAD_PATTERN",
            (),
            "SLS960: pattern 'broken((' is not valid Python",
        ),
        ("stateless_testpack:RULES", ("SLS951",), "SLS951 is already taken"),
    ],
)
def test_broken_packs_are_reported_by_name(
    value: str, taken: tuple[str, ...], expected: str
) -> None:
    loaded = load_rule_packs(
        taken, found=[entry("acme", value), entry("zz-good", "stateless_testpack:PINNED_NODE")]
    )
    assert [rule.code for rule in loaded.rules] == ["SLS950"], "the healthy pack still loads"
    [error] = loaded.errors
    assert error.startswith(f"rule pack 'acme' ({value})")
    assert expected in error


def pack_rule(code: str, *found: Pattern) -> Rule:
    return Rule(
        code=code,
        name=f"acme-{code.lower()}",
        message="{what}; fix it",
        summary="A rule of a broken pack.",
        rationale="For tests.",
        bad_example="",
        good_example="",
        node_types=() if found else (ast.Call,),
        check=no_ast_check,
        scope="module",
        patterns=found,
    )


NOT_RULES = ("SLS950",)
OUT_OF_RANGE = pack_rule("SLS101")
BAD_PATTERN = pack_rule("SLS960", Pattern({"pattern": "broken(("}, ("broken",)))
ZAP = Pattern({"pattern": "zap()"}, ("zap",))
UNKNOWN_SCOPE = replace(pack_rule("SLS961"), scope=cast(Any, "everywhere"))
NOTHING_TO_CHECK = replace(pack_rule("SLS962"), node_types=())
NOT_AST_TYPES = replace(pack_rule("SLS963"), node_types=cast(Any, (int,)))
CHECK_NOT_CALLABLE = replace(pack_rule("SLS964"), check=cast(Any, "check"))
REQUEST_PATTERNS = replace(pack_rule("SLS965", ZAP), scope="request")
NOT_PATTERNS = replace(pack_rule("SLS966"), patterns=cast(Any, ({"pattern": "x"},)))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("UNKNOWN_SCOPE", "SLS961: unknown scope 'everywhere'"),
        ("NOTHING_TO_CHECK", "SLS962: a rule needs node_types with a check, or patterns"),
        ("NOT_AST_TYPES", "SLS963: node_types must be ast node classes"),
        ("CHECK_NOT_CALLABLE", "SLS964: check is not callable"),
        ("REQUEST_PATTERNS", "SLS965: pattern rules use scope 'module' or 'config'"),
        ("NOT_PATTERNS", "SLS966: patterns must be flake8_stateless.patterns.Pattern objects"),
    ],
)
def test_broken_pack_rules_are_named(name: str, expected: str) -> None:
    loaded = load_rule_packs(found=[entry("acme", f"tests.test_custom_rules:{name}")])
    assert loaded.rules == ()
    assert loaded.errors == (
        f"rule pack 'acme' (tests.test_custom_rules:{name}): {expected}; its rules are off",
    )


def test_a_broken_pack_does_not_stop_the_built_in_rules(tmp_path: Path) -> None:
    """A distribution whose entry point cannot be imported, found through sys.path the
    way importlib.metadata finds installed packages."""
    dist_info = tmp_path / "site" / "acme_broken-1.0.dist-info"
    dist_info.mkdir(parents=True)
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-broken\nVersion: 1.0\n")
    (dist_info / "entry_points.txt").write_text(f"[{GROUP}]\nacme = acme_missing_module:RULES\n")
    (tmp_path / "app.py").write_text(
        "from flask import Flask\n\napp = Flask(__name__)\nhits = {}\n\n\n"
        "@app.get('/')\ndef index():\n    hits['n'] = 1\n    return 'ok'\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "site")}

    def flake8(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "flake8", "--isolated", "--select=SLS", *args, "app.py"]
        return subprocess.run(
            command, cwd=tmp_path, env=env, capture_output=True, text=True, check=False
        )

    result = flake8()
    assert "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "app.py:1:1: SLS000 flake8-stateless: rule pack 'acme' (acme_missing_module:RULES) failed "
        "to load: ModuleNotFoundError: No module named 'acme_missing_module'; fix or uninstall it"
    )
    assert parse_output(result.stdout)[1:] == [(9, 5, "SLS101")]
    ignored = flake8("--extend-ignore=SLS000")
    assert parse_output(ignored.stdout) == [(9, 5, "SLS101")]
