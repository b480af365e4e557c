"""The declarative engine: trigger-word prefilter, one folded search, classification,
positions, validation of patterns, and failures that never reach flake8."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from ast_grep_py import SgNode, SgRoot

from flake8_stateless import engine, patterns
from flake8_stateless.options import Settings
from flake8_stateless.patterns import Pattern, problem, required_words
from flake8_stateless.registry import Finding, Rule, no_ast_check
from flake8_stateless.rules import ALL_RULES
from tests.helpers import lint_source

PATTERN_RULES = [rule for rule in ALL_RULES if rule.patterns]


def pattern_rule(
    code: str, *found: Pattern, scope: Any = "module", message: str = "{what}; fix it"
) -> Rule:
    return Rule(
        code=code,
        name=f"test-{code.lower()}",
        message=message,
        summary="A test rule.",
        rationale="For tests.",
        bad_example="",
        good_example="",
        node_types=(),
        check=no_ast_check,
        scope=scope,
        patterns=found,
    )


CALL_OF_ZAP = Pattern(
    rule={"kind": "call", "has": {"field": "function", "pattern": "$F", "regex": r"zap$"}},
    triggers=("zap",),
    values={"what": "$F()"},
)


def lint_with(rules: tuple[Rule, ...], source: str, filename: str = "app.py") -> list[Finding]:
    settings = Settings(enabled_codes=frozenset(rule.code for rule in rules), pack_rules=rules)
    return engine.check(ast.parse(source), source.splitlines(keepends=True), filename, settings)


# ------------------------------------------------------------------- registry shape
@pytest.mark.parametrize("rule", PATTERN_RULES, ids=[r.code for r in PATTERN_RULES])
def test_built_in_patterns_are_valid_and_prefiltered(rule: Rule) -> None:
    for pattern in rule.patterns:
        assert problem(pattern) is None
        assert pattern.triggers, "built-in patterns declare trigger words"
        assert not pattern.constraints, "constrain with has/regex: constraints cost a search"


def test_pattern_rules_exist_in_both_families() -> None:
    assert {rule.code for rule in PATTERN_RULES} >= {"SLS303", "SLS304", "SLS305", "SLS401"}


# ------------------------------------------------------------------------ prefilter
def test_files_without_trigger_words_are_never_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[str] = []
    real = SgRoot

    def counting(text: str, language: str) -> Any:
        parsed.append(text)
        return real(text, language)

    monkeypatch.setattr("flake8_stateless.patterns.SgRoot", counting)
    assert lint_source("import os\nx = os.getcwd()\n") == []
    assert parsed == []
    lint_source(
        'CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}\n',
        "s/settings.py",
    )
    assert len(parsed) == 1


def test_candidates_keep_only_triggered_patterns() -> None:
    rule = pattern_rule("SLS990", CALL_OF_ZAP)
    assert patterns.candidates([rule], "x = 1\n") == []
    assert patterns.candidates([rule], "zap()\n") == [(rule, CALL_OF_ZAP)]
    untriggered = Pattern(rule={"kind": "call"}, triggers=())
    assert patterns.candidates([pattern_rule("SLS991", untriggered)], "x = 1\n")


# ------------------------------------------------------------- folding and positions
def test_one_search_classifies_hits_per_rule() -> None:
    other = Pattern(
        rule={"kind": "call", "has": {"field": "function", "pattern": "$F", "regex": r"^boom$"}},
        triggers=("boom",),
        values={"what": "$F!"},
    )
    rules = (pattern_rule("SLS990", CALL_OF_ZAP), pattern_rule("SLS991", other))
    found = lint_with(rules, "zap()\nboom()\nobj.zap(boom())\n")
    assert [(f.line, f.col, f.code) for f in found] == [
        (1, 0, "SLS990"),
        (2, 0, "SLS991"),
        (3, 0, "SLS990"),
        (3, 8, "SLS991"),
    ]
    assert found[0].message == "SLS990 zap(); fix it"
    assert found[3].message == "SLS991 boom!; fix it"


def test_constrained_patterns_are_searched_alone() -> None:
    constrained = Pattern(
        rule={"pattern": "$F($$$)"},
        triggers=("zap",),
        constraints={"F": {"regex": "^zap$"}},
        values={"what": "$F"},
    )
    found = lint_with((pattern_rule("SLS990", constrained),), "zap(1)\nzip(2)\n")
    assert [(f.line, f.code) for f in found] == [(1, "SLS990")]


@pytest.mark.parametrize(
    "prefix", ["", "é = 1; ", "s = '日本語'; ", "r = '🚀🚀'; ", "x = 1;\tz = 2; "]
)
def test_columns_count_characters(prefix: str) -> None:
    """ast-grep counts characters; findings say the same column as AST rules do."""
    source = f"{prefix}zap()\n"
    [finding] = lint_with((pattern_rule("SLS990", CALL_OF_ZAP),), source)
    assert (finding.line, finding.col) == (1, len(prefix))
    [ast_rule_view] = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call)]
    assert len(source.encode()[: ast_rule_view.col_offset].decode()) == finding.col


def test_lines_after_non_ascii_lines() -> None:
    source = '"""Ünïcödé 🚀\nmore"""\n\n\nx = "ß"; zap()\n'
    [finding] = lint_with((pattern_rule("SLS990", CALL_OF_ZAP),), source)
    assert (finding.line, finding.col) == (5, 9)


def test_reported_metavariable_and_multiline_values() -> None:
    pattern = Pattern(
        rule={
            "kind": "call",
            "has": {"field": "function", "pattern": "$F", "regex": "zap$"},
            "all": [{"has": {"field": "arguments", "has": {"nthChild": 1, "pattern": "$ARG"}}}],
        },
        triggers=("zap",),
        values={"what": "$F with $ARG"},
        report="ARG",
    )
    source = "zap(\n    {'a':\n        1},\n)\n"
    [finding] = lint_with((pattern_rule("SLS990", pattern),), source)
    assert (finding.line, finding.col) == (2, 4)
    assert finding.message == "SLS990 zap with {'a': 1}; fix it"


def test_braces_in_captured_text_do_not_break_the_message() -> None:
    rule = pattern_rule(
        "SLS990", Pattern(rule={"pattern": "zap($A)"}, triggers=("zap",)), message="$A {x}; fix"
    )
    with pytest.raises(KeyError):
        lint_with((rule,), "zap({1: 2})\n")  # the rule's own {x} has no value: a rule bug
    rule = pattern_rule(
        "SLS990", Pattern(rule={"pattern": "zap($A)"}, triggers=("zap",)), message="got $A; fix"
    )
    [finding] = lint_with((rule,), "zap({1: 2})\n")
    assert finding.message == "SLS990 got {1: 2}; fix"


def test_config_scope_skips_tests_and_debug_blocks() -> None:
    rule = pattern_rule("SLS990", CALL_OF_ZAP, scope="config")
    source = "zap()\nif DEBUG:\n    zap()\n"
    assert [f.line for f in lint_with((rule,), source)] == [1]
    assert lint_with((rule,), source, "tests/test_app.py") == []
    assert lint_with((rule,), source, "mysite/settings/dev.py") == []


# --------------------------------------------------------------------------- failures
class PanicException(BaseException):
    """Stands in for ``pyo3_runtime.PanicException``, a BaseException."""


def broken(error: BaseException) -> Pattern:
    """A pattern whose search raises ``error`` (as a Rust panic or a bad rule would)."""

    class Exploding(Mapping[str, Any]):
        def __getitem__(self, key: str) -> Any:
            raise error

        def __iter__(self) -> Iterator[str]:
            raise error

        def __len__(self) -> int:
            return 1

    return Pattern(rule=Exploding(), triggers=("zap",))


@pytest.mark.parametrize("error", [PanicException("boom"), RuntimeError("cannot get matcher")])
def test_a_failing_pattern_becomes_sls000_and_others_still_run(
    monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    monkeypatch.delenv(engine.RAISE_ENV)
    rules = (pattern_rule("SLS990", broken(error)), pattern_rule("SLS991", CALL_OF_ZAP))
    found = lint_with(rules, "zap()\n")
    assert [f.code for f in found] == ["SLS000", "SLS991"]
    assert found[0].message.startswith(
        f"SLS000 flake8-stateless: SLS990 raised {type(error).__name__}"
    )


def test_strict_mode_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(engine.RAISE_ENV, "1")
    with pytest.raises(PanicException):
        lint_with((pattern_rule("SLS990", broken(PanicException("boom"))),), "zap()\n")


def test_keyboard_interrupt_is_never_swallowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(engine.RAISE_ENV)
    with pytest.raises(KeyboardInterrupt):
        lint_with((pattern_rule("SLS990", broken(KeyboardInterrupt())),), "zap()\n")


def test_a_failing_parse_is_one_sls000(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(engine.RAISE_ENV)

    def panics(text: str, language: str) -> SgNode:
        raise PanicException("called `Result::unwrap()` on an `Err` value")

    monkeypatch.setattr("flake8_stateless.patterns.SgRoot", panics)
    found = lint_with((pattern_rule("SLS990", CALL_OF_ZAP),), "zap()\n")
    assert [f.code for f in found] == ["SLS000"]
    assert "the pattern rules raised PanicException" in found[0].message


# ------------------------------------------------------------------------ validation
@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"pattern": "foo(("}, "pattern 'foo((' is not valid Python"),
        ({"pattern": "def f(:"}, "is not valid Python"),
        ({"pattern": "x = "}, "is not valid Python"),
        ({"pattern": " "}, "empty pattern"),
        ({"any": [{"pattern": "ok()"}, {"has": {"pattern": "print("}}]}, "'print(' is not valid"),
        ({"patern": "x"}, "unknown field `patern`"),
        ({"kind": "nope"}, "Kind `nope` is invalid."),
        ({"regex": "(("}, "regex parse error"),
        ({"pattern": "$$$"}, "Standalone multi meta variable `$$$` is invalid"),
        ({}, "Rule must have one positive matcher."),
    ],
)
def test_problem_names_what_is_wrong(rule: dict[str, Any], expected: str) -> None:
    found = problem(Pattern(rule=rule, triggers=()))
    assert found is not None
    assert expected in found
    assert "\n" not in found


def test_problem_checks_constraints_and_triggers() -> None:
    undefined = Pattern(rule={"pattern": "f($A)"}, triggers=(), constraints={"Z": {"regex": "x"}})
    assert "Undefined meta var `Z`" in (problem(undefined) or "")
    assert (
        problem(Pattern(rule={"pattern": "f($A)"}, triggers=("",)))
        == "triggers must be non-empty strings"
    )
    good = Pattern(rule={"pattern": "f($A)"}, triggers=("f",), constraints={"A": {"regex": "x"}})
    assert problem(good) is None


@pytest.mark.parametrize(
    ("rule", "words"),
    [
        ({"pattern": "LocalStore($$$)"}, {"LocalStore"}),
        ({"pattern": "$A.config['ACME_CACHE'] = $V"}, {"ACME_CACHE"}),
        ({"pattern": "$F($$$)"}, None),
        ({"kind": "call"}, None),
        ({"kind": "call", "has": {"pattern": "zap_it($A)"}}, {"zap_it"}),
        ({"any": [{"pattern": "alpha()"}, {"pattern": "beta.gamma()"}]}, {"alpha", "gamma"}),
        ({"any": [{"pattern": "alpha()"}, {"kind": "call"}]}, None),
        ({"all": [{"kind": "call"}, {"pattern": "delta($X)"}]}, {"delta"}),
        ({"pattern": "$X", "not": {"pattern": "never_there()"}}, None),
        ({"pattern": {"context": "class A:\n  x = $V", "selector": "assignment"}}, None),
        ({"pattern": "return $X"}, {"return"}),
    ],
)
def test_required_words(rule: dict[str, Any], words: set[str] | None) -> None:
    assert required_words(rule) == (frozenset(words) if words is not None else None)


class ClassifyingFails(Pattern):
    """Folds fine, but raises when its hits are classified (a Rust panic mid-file)."""

    @property
    def config(self) -> Any:
        raise PanicException("panicked while matching")


def test_a_rule_failing_in_classification_loses_only_its_findings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(engine.RAISE_ENV)
    failing = ClassifyingFails(rule=CALL_OF_ZAP.rule, triggers=("zap",), values={"what": "x"})
    constrained = Pattern(
        rule={"pattern": "$F()"}, triggers=("zap",), constraints={"F": {"regex": "zap"}}
    )
    rules = (pattern_rule("SLS990", failing, constrained), pattern_rule("SLS991", CALL_OF_ZAP))
    found = lint_with(rules, "zap()\nzap()\n")
    assert [(f.line, f.code) for f in found] == [(1, "SLS000"), (1, "SLS991"), (2, "SLS991")]


def test_several_patterns_of_a_rule_on_one_node_report_once() -> None:
    twice = Pattern(rule={"pattern": "zap()"}, triggers=("zap",), values={"what": "zap"})
    found = lint_with((pattern_rule("SLS990", CALL_OF_ZAP, twice),), "zap()\n")
    assert [(f.line, f.col, f.code) for f in found] == [(1, 0, "SLS990")]


def test_unknown_metavariables_stay_as_written() -> None:
    rule = pattern_rule("SLS990", CALL_OF_ZAP, message="{what} and $NOPE; fix")
    [finding] = lint_with((rule,), "zap()\n")
    assert finding.message == "SLS990 zap() and $NOPE; fix"


def test_problem_with_selector_patterns_and_odd_shapes() -> None:
    selected = {"pattern": {"context": "{$K: True}", "selector": "pair"}}
    assert problem(Pattern(rule=selected, triggers=())) is None
    broken = {"pattern": {"context": "{$K: ", "selector": "pair"}}
    assert "is not valid Python" in (problem(Pattern(rule=broken, triggers=())) or "")
    not_a_mapping: Any = ["kind", "call"]
    assert problem(Pattern(rule=not_a_mapping, triggers=())) == "'rule' must be a mapping"
    assert required_words("pattern") is None
    assert required_words({"any": ["not a rule"]}) is None


def test_problem_never_swallows_ctrl_c(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(text: str, language: str) -> SgNode:
        raise KeyboardInterrupt

    pattern = Pattern(rule={"kind": "call"}, triggers=())
    monkeypatch.setattr("flake8_stateless.patterns.SgRoot", interrupted)
    with pytest.raises(KeyboardInterrupt):
        problem(pattern)


def test_a_changed_rule_is_never_answered_by_saved_findings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Findings are kept across runs (``results.py``); a pack rule's fields are part of
    their key, so a rule that now says something else is run again."""
    monkeypatch.delenv(engine.RAISE_ENV)  # strict mode never reads saved findings
    first = lint_with((pattern_rule("SLS990", CALL_OF_ZAP, message="{what}: one"),), "zap()\n")
    again = lint_with((pattern_rule("SLS990", CALL_OF_ZAP, message="{what}: two"),), "zap()\n")
    assert [f.message for f in (*first, *again)] == ["SLS990 zap(): one", "SLS990 zap(): two"]
