"""Everything the plugin and the command run on the user's text is linear in its size.

Issue 10: the prefilter's decorator regex split a run of ``#`` (or of spaces in a
comment) in exponentially many ways, and flake8 hung on a banner comment after a matrix
product. This file keeps that from coming back:

- ``AUDIT`` lists every regex in ``flake8_stateless`` (a meta-test finds each ``re.`` and
  ``fnmatch.`` call in the source and fails on one missing from the list), what it reads
  and why it is linear;
- every regex that reads the user's text (code, comments, file names) runs on adversarial
  inputs: long runs of each character class it quantifies, 10^4 and 10^5 characters, and
  the larger may cost at most ``ALLOWED`` times the smaller (30x, where a quadratic
  regex costs 100x and an exponential one never ends: a deadline fails it instead);
- the decorator scanner agrees with the regex it replaced on generated text mixing
  ``@``, ``#``, ``\\``, brackets, dots, spaces and newlines, in a bounded number of steps;
- the issue's reproducers run through the real flake8 and the command in about the time
  flake8 needs without the plugin.
"""

from __future__ import annotations

import ast
import fnmatch
import importlib
import re
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from flake8_stateless import engine, frameworks, lint, prefilter, workspace
from flake8_stateless.context import PathFacts
from flake8_stateless.noqa import NoqaMap
from flake8_stateless.prefilter import has_decorator_method
from flake8_stateless.rules.durability import sls503_in_memory_scheduler as sls503
from flake8_stateless.rules.files import sls203_local_database_file as sls203
from tests.helpers import ROOT
from tests.test_robustness import (
    EVERY_RULE,
    PARSE_FLOOR,
    PARSES,
    TooSlow,
    deadline,
    python_steps,
)

PACKAGE = ROOT / "flake8_stateless"


# ------------------------------------------------------------------ the audit
@dataclass(frozen=True)
class Audited:
    """One place that runs a regex: the module, the name it is bound to (or the
    function that calls ``re``), what text it reads, and why it is linear."""

    module: str
    owner: str
    reads: str
    verdict: str

    @property
    def user_text(self) -> bool:
        return not self.reads.startswith("configuration")


CONFIG = "configuration"
SLS203_PATH = "rules/files/sls203_local_database_file.py"
AUDIT = (
    # prefilter.py: the command's and the plugin's first look at every file
    Audited("prefilter.py", "_decorator_method_pattern", "user code, at one position",
            "fixed: the @receiver.method regex (nested gaps of spaces and comments, "
            "exponential) is now an automaton, has_decorator_method; this regex is what "
            "is left: a handler method's name as a whole word, tried at one position"),
    Audited("prefilter.py", "_BASE_SUFFIX", "the file's distinct words",
            "linear: an alternation of literal suffixes and a one-byte lookahead"),
    Audited("prefilter.py", "_IDENTIFIER", f"{CONFIG}: rule triggers", "linear: one class"),
    Audited("prefilter.py", "_RUN", f"{CONFIG}: rule triggers", "linear: one class"),
    Audited("prefilter.py", "_glob_fragments", f"{CONFIG}: handler-decorators globs",
            "linear: a negated class between literals; a class"),
    # the command reads comments (noqa.py), lines and encoding declarations (lint.py)
    Audited("noqa.py", "_DIRECTIVE", "user comments",
            "linear: \\s* runs end at a fixed word; code letters, digits and separators "
            "are disjoint classes, so a list of codes is read one way only"),
    Audited("noqa.py", "_EXEMPTION", "user comments", "linear: as _DIRECTIVE, anchored"),
    Audited("noqa.py", "_SEPARATORS", "the codes of a directive", "linear: one class"),
    Audited("lint.py", "_EXTENT", "the line of a finding, from its column",
            "linear: dotted names need a '.' per repetition; strings are the unrolled "
            "loop [^\"\\\\]*(?:\\\\.[^\"\\\\]*)*"),
    Audited("lint.py", "_CODING", "the file's first two lines",
            "linear: anchored at the start of a line; .*? tries one literal per byte"),
    # context.py: file names, class and method names, decorator names
    Audited("conventions.py", "TOKEN_SPLIT", "the file's name", "linear: one class"),
    Audited("conventions.py", "CAMEL_WORDS", "class names",
            "linear: each alternative is one or two disjoint classes"),
    Audited("conventions.py", "DEV_COMPONENT", "directory names",
            "linear: anchored alternation of literals"),
    Audited("frameworks.py", "FALCON_RESPONDER", "method names",
            "linear: anchored literals, then one class to the end"),
    Audited("semantic/handlers.py", "_decorator_kind", "decorator names (against user globs)",
            "linear: fnmatch translates each * to an atomic-group emulation since 3.9"),
    # workspace.py, options.py, packs.py, user_rules.py, patterns.py: settings and rules
    Audited("workspace.py", "_either", "file paths (against exclude globs)",
            "linear: fnmatch.translate, as above"),
    Audited("workspace.py", "_SELECTOR", f"{CONFIG}: select/ignore", "linear: literals"),
    Audited("options.py", "_DECORATOR_PATTERN", f"{CONFIG}: handler-decorators",
            "linear: anchored classes"),
    Audited("packs.py", "CUSTOM_CODE", f"{CONFIG}: rule pack codes", "linear: literals"),
    Audited("user_rules.py", "CODE", f"{CONFIG}: rules-file codes", "linear: literals"),
    Audited("user_rules.py", "ID", f"{CONFIG}: rules-file ids", "linear: anchored classes"),
    Audited("patterns.py", "_METAVARIABLE", f"{CONFIG}: rule patterns and messages",
            "linear: $ and literals, then one class (the captured code is inserted by "
            "re.sub, never searched again)"),
    Audited("patterns.py", "_WORD", f"{CONFIG}: rule patterns", "linear: two classes"),
    Audited("patterns.py", "one_line_error", f"{CONFIG}: ast-grep's error message",
            "linear: anchored"),
    # rules: identifiers, string constants, the module's text
    Audited("rules/files/common.py", "_PATH_WORDS", "identifiers", "linear: literals"),
    Audited("rules/files/common.py", "_STREAM_WORDS", "identifiers", "linear: literals"),
    Audited("rules/files/common.py", "_REMOVAL_WORDS", "identifiers", "linear: literals"),
    Audited("rules/files/common.py", "_MODE", "string constants (open modes)",
            "linear: bounded {1,4}"),
    Audited("rules/files/common.py", "_ABSOLUTE", "string constants (paths)",
            "linear: anchored, bounded"),
    Audited("rules/files/sls203_local_database_file.py", "_SQLITE_URL",
            "string constants", "linear: anchored (fullmatch), one class, then .*"),
    Audited("rules/files/sls203_local_database_file.py", "_literal_text",
            "string constants (.format templates)",
            "linear: each { scans to the next brace, which ends every attempt"),
    Audited("rules/files/sls203_local_database_file.py", "_READ_ARGUMENTS",
            "the module's text",
            "fixed: (getenv|env\\w*|...)\\( rescanned a long word at every 'env' "
            "(quadratic); now the arguments are matched from each '(' and the word "
            "before it is read backwards, once per file"),
    Audited("rules/durability/sls503_in_memory_scheduler.py", "_STORE_SETTINGS",
            "the module's text",
            "fixed: .configure\\([^)]*jobstores rescanned to the next ')' from every "
            "'.configure(' (quadratic); now literals only, and _configured_elsewhere "
            "scans the .configure( calls with str.find"),
    Audited(SLS203_PATH, "_ATTACH", "SQL strings run by execute()",
            "linear: matched at the start only; \\s runs end at literal words, and the "
            "file part is a quoted run or one \\S run"),
    Audited("noqa.py", "_FLAKE8_FILE", "user comments, one line at a time",
            "linear: matched at the start only; \\s runs end at literal characters"),
    Audited("rules/state/sls106_per_process_secret.py", "_CAMEL", "setting names",
            "linear: a zero-width position between two classes"),
    Audited(SLS203_PATH, "_sql_text", "SQL string templates",
            "linear: a negated class between braces; an optional \\w run in brackets"),
    Audited("noqa.py", "_FLAKE8_INLINE", "user comments",
            "linear: flake8's own NOQA_INLINE; codes are letters then digits, separators a "
            "disjoint class, so each character is read one way"),
    Audited("rules/build/runtime.py", "_WORDS", "the file's name", "linear: one class"),
    Audited("rules/build/sls403_build_tool_at_runtime.py", "_EXECUTABLE",
            "string constants (commands)",
            "linear: a lazy class between a '/' (or the start) and the end: every "
            "attempt ends at the next character outside the class"),
)
"""Besides these, the command decodes with ``tokenize.detect_encoding`` and finds
comments with ``tokenize`` (the standard library; covered by the encoding and noqa cases
below), and the user's YAML rules may hold ``regex:`` constraints, which ast-grep runs
with Rust's regex crate (linear by construction)."""


def _regex_sites() -> set[tuple[str, str]]:
    """(module, owner) of every ``re.*`` (but ``re.escape``) and ``fnmatch.*`` call:
    owner is the module-level name it is bound to, else the enclosing function."""
    found: set[tuple[str, str]] = set()

    def visit(node: ast.AST, owner: str, module: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = owner
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                inner = child.name
            elif isinstance(node, ast.Module) and isinstance(child, (ast.Assign, ast.AnnAssign)):
                target = child.targets[0] if isinstance(child, ast.Assign) else child.target
                inner = target.id if isinstance(target, ast.Name) else owner
            func = child.func if isinstance(child, ast.Call) else None
            if (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id in ("re", "fnmatch")
                and func.attr != "escape"
            ):
                found.add((module, owner))
            visit(child, inner, module)

    for path in sorted(PACKAGE.rglob("*.py")):
        module = path.relative_to(PACKAGE).as_posix()
        visit(ast.parse(path.read_text(encoding="utf-8")), "<module>", module)
    return found


def test_every_regex_is_audited() -> None:
    """A new regex (or a moved one) needs an entry in AUDIT, with a verdict and, when it
    reads the user's text, adversarial cases below."""
    audited = {(entry.module, entry.owner) for entry in AUDIT}
    sites = _regex_sites()
    assert sites - audited == set(), "add these to AUDIT"
    assert audited - sites == set(), "stale AUDIT entries"


# ------------------------------------------------------------------ linear growth
SMALL = 10_000
"""Characters in the smaller adversarial input; the larger has ten times as many."""
ALLOWED = 30
"""How many times the smaller input's time the larger may take: linear code takes 10x,
quadratic 100x; the rest is room for noise on a loaded machine."""
FLOOR = 0.05
"""Seconds under which the larger input counts as fast whatever the ratio: timer
noise dominates below it, and a quadratic regex on 10^5 characters takes far longer."""
DEADLINE = 20.0
"""Seconds one case may take in all, so that an exponential regex fails the test
instead of hanging the suite (the regex engine checks for signals as it runs)."""


def _seconds(run: Callable[[str], object], text: str, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run(text)
        best = min(best, time.perf_counter() - start)
    return best


def growth_problem(
    run: Callable[[str], object], make: Callable[[int], str], *, attempts: int = 3
) -> str | None:
    """None when ``run`` on ``make(10 * SMALL)`` costs at most ALLOWED times
    ``make(SMALL)`` (or under FLOOR); else what was measured. A failing measure is
    repeated (the best of each counts), so one noisy moment cannot fail a test."""
    small, large = make(SMALL), make(10 * SMALL)
    assert len(large) >= 9 * len(small) >= 9 * SMALL * 0.9, "make(n) must scale with n"
    small_time = large_time = float("inf")
    with deadline(DEADLINE):
        for _ in range(attempts):
            small_time = min(small_time, _seconds(run, small, repeats=5))
            large_time = min(large_time, _seconds(run, large, repeats=1))
            if large_time <= max(ALLOWED * small_time, FLOOR):
                return None
    return (
        f"{len(small):,} characters: {small_time * 1e3:.2f} ms, {len(large):,}: "
        f"{large_time * 1e3:.2f} ms ({large_time / small_time:.0f}x)"
    )


@dataclass(frozen=True)
class Case:
    """An adversarial input for one audited regex, and how the code runs it."""

    module: str
    owner: str
    name: str
    make: Callable[[int], str]
    """About ``n`` characters of the input."""
    run: Callable[[str], object]
    marks: tuple[pytest.MarkDecorator, ...] = field(default=())


def _utf8(function: Callable[[bytes], object]) -> Callable[[str], object]:
    return lambda text: function(text.encode("utf-8"))


def _noqa_directive(comment: str) -> object:
    text = "x = 1  " + comment + "\n"
    return NoqaMap.build(text, [text]).directive(1)


def _noqa_exemption(comment: str) -> object:
    text = comment + "\n"
    return NoqaMap.build(text, [text]).exemption


def _encoding(text: str) -> object:
    try:
        return lint.encoding_of(text.encode("utf-8"))
    except (SyntaxError, LookupError):
        return None  # an unknown encoding: the command reports the file


def _regex(module: str, name: str) -> re.Pattern[str]:
    dotted = "flake8_stateless." + module.removesuffix(".py").replace("/", ".")
    pattern = getattr(importlib.import_module(dotted), name)
    assert isinstance(pattern, re.Pattern)
    return pattern


def _repeated(piece: str) -> Callable[[int], str]:
    return lambda n: piece * (n // len(piece))


def _format_call(template: str) -> ast.expr:
    return ast.Call(ast.Attribute(ast.Constant(template), "format", ast.Load()), [], [])


METHODS = sorted(frameworks.HANDLER_DECORATOR_METHODS)
COMMON = "rules/files/common.py"
SLS203 = "rules/files/sls203_local_database_file.py"
SLS503 = "rules/durability/sls503_in_memory_scheduler.py"
SLS403 = "rules/build/sls403_build_tool_at_runtime.py"


def _cases() -> list[Case]:
    cases: list[Case] = []

    def add(module: str, owner: str, name: str, make: Callable[[int], str],
            run: Callable[[str], object]) -> None:
        cases.append(Case(module, owner, name, make, run))

    # The decorator scanner: the issue's inputs, grown, and every state's own runs.
    scan = _utf8(has_decorator_method)
    prefilter_cases = {
        "@ then #": lambda n: "@" + "#" * n,
        "a @ b, then a banner of #": lambda n: "x = a @ b\n" + "#" * n,
        "@ in a banner": lambda n: "#" * (n // 2) + " (@) " + "#" * (n // 2),
        "@deco, a comment of spaces": lambda n: "@deco  #" + " " * n,
        "@deco, spaces": lambda n: "@deco" + " " * n + "\n",
        "@deco( then \\ and #": lambda n: "@deco(" + " \\\n" * (n // 6) + "#" * (n // 2),
        "@ then brackets": lambda n: "@deco" + "(" * (n // 2) + ")" * (n // 2),
        "@ then dotted names": lambda n: "@" + "a." * (n // 2),
        "@ then spaced dots": lambda n: "@a" + " ." * (n // 2),
        "@ then comment lines of dots": lambda n: "@a\n" + "#.\n" * (n // 3),
        "method words in a comment": lambda n: "@a.#" + "xgetx" * (n // 5),
        "method prefixes": lambda n: "@a." + "websocke" * (n // 8),
        "@ and # alternating": lambda n: "@ # " * (n // 4),
        "only @": lambda n: "@" * n,
        "only words": lambda n: "@" + "a" * n,
    }
    for name, make in prefilter_cases.items():
        add("prefilter.py", "_decorator_method_pattern", name, make, scan)
    base_suffix = prefilter._BASE_SUFFIX
    for word in ("View", "ViewSe", "Handle", "HTTPEndpoin"):
        add("prefilter.py", "_BASE_SUFFIX", f"{word} repeated", _repeated(word),
            _utf8(base_suffix.search))

    # directives in comments, through NoqaMap (which tokenizes the file too)
    noqa_cases = {
        "#": lambda n: "#" * n,
        "# and spaces": lambda n: "# " * (n // 2),
        "# then spaces": lambda n: "#" + " " * n + "noqa",
        "noqa: then letters": lambda n: "# noqa:" + "A" * n,
        "noqa: then digits": lambda n: "# noqa:" + "1" * n,
        "noqa: codes then a letter": lambda n: "# noqa:" + " A1," * (n // 4) + " A",
        "noqa then spaces": lambda n: "# noqa" + " " * (n // 2) + ":" + " " * (n // 2),
        "noqa- repeated": lambda n: "# noqa-" * (n // 7),
        "noqa, separators": lambda n: "# noqa: A1" + ", " * (n // 2) + "B2",
    }
    for name, make in noqa_cases.items():
        add("noqa.py", "_DIRECTIVE", name, make, _noqa_directive)
    add("noqa.py", "_SEPARATORS", "separators", lambda n: "# noqa: A1" + ", " * (n // 2) + "B2",
        _noqa_directive)
    exemption_cases = {
        "flake8 then spaces": lambda n: "# flake8" + " " * n,
        "flake8: noqa: then spaces": lambda n: "# flake8: noqa:" + " " * n + "A",
        "ruff: noqa: then letters": lambda n: "# ruff: noqa:" + "A" * n,
        "flake8: noqa: codes": lambda n: "# flake8: noqa: A1" + ", A1" * (n // 4) + "A",
    }
    for name, make in exemption_cases.items():
        add("noqa.py", "_EXEMPTION", name, make, _noqa_exemption)

    # lint: the extent of a finding, the coding declaration
    extent = lint._EXTENT
    extent_cases = {
        "dotted names ending in a dot": lambda n: "a." * (n // 2),
        "spaced dots": lambda n: "a" + " ." * (n // 2),
        "a word": lambda n: "a" * n,
        "an unterminated string of escapes": lambda n: '"' + "\\x" * (n // 2),
        "an unterminated string": lambda n: "rb'" + "a" * n,
        "prefix letters": lambda n: "rb" * (n // 2),
    }
    for name, make in extent_cases.items():
        add("lint.py", "_EXTENT", name, make, lambda line: extent.match(line, 0))
    coding_cases = {
        "a first line of codin": lambda n: "#" + "codin" * (n // 5) + "\nx = 1\n",
        "two lines of coding without a colon": lambda n: (
            "#" + "coding" * (n // 12) + "\n#" + "coding" * (n // 12) + "\n"
        ),
        "spaces then #": lambda n: " " * n + "#coding=\n",
        "coding: then spaces": lambda n: "# coding:" + " " * n + "utf-8\n",
        "coding: repeated": lambda n: "# " + "coding: !" * (n // 9) + "\n",
    }
    for name, make in coding_cases.items():
        add("lint.py", "_CODING", name, make, _encoding)

    # context: names of files, directories, classes, methods and decorators
    add("conventions.py", "TOKEN_SPLIT", "a long file name",
        lambda n: "dev" + "_-." * (n // 3) + "settings.py",
        PathFacts.from_filename)
    add("conventions.py", "DEV_COMPONENT", "long directory names",
        lambda n: "/".join(["devel" * 40] * (n // 200)) + "/settings.py",
        PathFacts.from_filename)
    camel = _regex("conventions.py", "CAMEL_WORDS")
    for name, make in {
        "upper case": lambda n: "A" * n,
        "upper case then lower": lambda n: "A" * n + "a",
        "mixed": lambda n: "AAa1" * (n // 4),
    }.items():
        add("conventions.py", "CAMEL_WORDS", name, make, camel.findall)
    falcon = _regex("frameworks.py", "FALCON_RESPONDER")
    add("frameworks.py", "FALCON_RESPONDER", "a long responder name",
        lambda n: "on_get_" + "a" * n + "!", falcon.match)
    add("semantic/handlers.py", "_decorator_kind", "a long decorator name",
        lambda n: "a." * (n // 2), lambda name: fnmatch.fnmatchcase(name, "*a*a*.*b"))

    # workspace: file paths against exclude globs
    globs = workspace._globs(("*a*a*a*b", "src/*a*/*b*", "/abs/*a*a*"))
    add("workspace.py", "_either", "a long path",
        lambda n: "/".join(["a" * 50] * (n // 51)),
        lambda path: globs.match(Path(path), Path("/")))

    # rules: identifiers, string constants, the module text
    for owner in ("_PATH_WORDS", "_STREAM_WORDS", "_REMOVAL_WORDS"):
        words = _regex(COMMON, owner)
        add(COMMON, owner, "a long identifier", lambda n: "pat_fil_" * (n // 8), words.search)
    mode, absolute = _regex(COMMON, "_MODE"), _regex(COMMON, "_ABSOLUTE")
    add(COMMON, "_MODE", "a long mode", lambda n: "rw" * (n // 2), mode.fullmatch)
    add(COMMON, "_ABSOLUTE", "a long path", lambda n: "C" * n, absolute.match)
    add(SLS203, "_SQLITE_URL", "a long driver name", lambda n: "sqlite+" + "a" * n,
        lambda text: sqlite_url_of(ast.Constant(text)))
    add(SLS203, "_SQLITE_URL", "drivers repeated", lambda n: "sqlite+" * (n // 7),
        lambda text: sqlite_url_of(ast.Constant(text)))
    add(SLS203, "_literal_text", "unclosed braces", lambda n: "sqlite:///" + "{a" * (n // 2),
        lambda text: sqlite_url_of(_format_call(text)))
    add(SLS203, "_literal_text", "open braces", lambda n: "sqlite:///" + "{" * n + "}",
        lambda text: sqlite_url_of(_format_call(text)))
    env_cases = {
        "a word of env": lambda n: "env" * (n // 3),
        "a word of env, then a call": lambda n: "env" * (n // 3) + "('K', DB)",
        "calls without arguments": lambda n: "getenv(" * (n // 7),
        "quotes": lambda n: "env('" * (n // 5),
        "spaces in the arguments": lambda n: "env(" + " " * n + "'K'" + " " * n,
        "a long key": lambda n: "env('" + "K" * n,
        "many reads": lambda n: "x.get('K', DB)" * (n // 14),
    }
    for name, make in env_cases.items():
        add(SLS203, "_READ_ARGUMENTS", name, make, sls203._environment_defaults)
    elsewhere_cases = {
        "calls without a )": lambda n: ".configure(" * (n // 11),
        "calls with a )": lambda n: ".configure(x)" * (n // 13),
        "a long call": lambda n: ".configure(" + "jobstore " * (n // 9),
        "store words": lambda n: "add_jobstor" * (n // 11),
        "quoted prefixes": lambda n: "'apscheduler.jobstores" * (n // 22),
    }
    for name, make in elsewhere_cases.items():
        add(SLS503, "_STORE_SETTINGS", name, make, sls503._configured_elsewhere)
    add("rules/build/runtime.py", "_WORDS", "a long script name",
        lambda n: "build" + "_-." * (n // 3) + ".py", PathFacts.from_filename)
    executable = _regex(SLS403, "_EXECUTABLE")
    for name, make in {
        "a long word": lambda n: "a" * n + "\n!",
        "path segments": lambda n: "a/" * (n // 2) + "!",
        "slashes": lambda n: "/" * n + "!",
        "extensions": lambda n: ".exe" * (n // 4) + "!",
    }.items():
        add(SLS403, "_EXECUTABLE", name, make, executable.search)
    _regexes_of_rules_and_noqa(add)
    return cases


def _regexes_of_rules_and_noqa(add: Callable[..., None]) -> None:
    """SLS203's ATTACH reader and SQL templates, SLS106's name splitting, and flake8's
    own noqa patterns the command mirrors."""
    attach = _regex(SLS203, "_ATTACH")
    for name, make in {
        "spaces": lambda n: " " * n + "attach",
        "attach and spaces": lambda n: "attach" + " " * n + "x",
        "database words": lambda n: "attach " + "database " * (n // 9),
        "an unclosed quote": lambda n: "attach '" + "a" * n,
    }.items():
        add(SLS203, "_ATTACH", name, make, attach.match)
    flake8_file = _regex("noqa.py", "_FLAKE8_FILE")
    for name, make in {
        "spaces": lambda n: " " * n + "#",
        "flake8 and spaces": lambda n: "# flake8:" + " " * n,
    }.items():
        add("noqa.py", "_FLAKE8_FILE", name, make, flake8_file.match)
    inline = _regex("noqa.py", "_FLAKE8_INLINE")
    for name, make in {
        "noqa repeated": lambda n: "# noqa " * (n // 7),
        "codes": lambda n: "# noqa:" + "A1," * (n // 3),
        "separators": lambda n: "# noqa:A1" + ", " * (n // 2) + "!",
    }.items():
        add("noqa.py", "_FLAKE8_INLINE", name, make, inline.search)
    sql = importlib.import_module("flake8_stateless.rules.files.sls203_local_database_file")
    for name, make in {
        "braces": lambda n: "attach '{" * (n // 9),
        "percents": lambda n: "attach '%(" * (n // 10),
    }.items():
        add(SLS203, "_sql_text", name, make,
            lambda text, m=sql: m._sql_text(_format_call(text)))
    camel = _regex("rules/state/sls106_per_process_secret.py", "_CAMEL")
    for name, make in {
        "camel words": lambda n: "aB" * (n // 2),
        "lower case": lambda n: "a" * n,
        "upper case": lambda n: "A" * n,
    }.items():
        add("rules/state/sls106_per_process_secret.py", "_CAMEL", name, make,
            lambda text, pattern=camel: pattern.sub("_", text))


def sqlite_url_of(expr: ast.expr) -> object:
    return sls203.sqlite_url(expr)


CASES = _cases()


def test_every_regex_on_user_text_has_adversarial_cases() -> None:
    covered = {(case.module, case.owner) for case in CASES}
    missing = [e.owner for e in AUDIT if e.user_text and (e.module, e.owner) not in covered]
    assert not missing
    assert covered <= {(e.module, e.owner) for e in AUDIT}


@pytest.mark.parametrize(
    "case", [pytest.param(c, id=f"{c.owner}: {c.name}") for c in CASES]
)
def test_regexes_on_user_text_grow_linearly(case: Case) -> None:
    problem = growth_problem(case.run, case.make)
    assert problem is None, f"{case.module} {case.owner} on {case.name!r}: {problem}"


def test_the_growth_measure_catches_a_quadratic_regex() -> None:
    """The regex SLS503 used to run: each '.configure(' scans to the end of the text."""
    quadratic = re.compile(r"\.configure\([^)]*jobstores")
    problem = growth_problem(quadratic.search, lambda n: ".configure(" * (n // 11), attempts=1)
    assert problem is not None


def test_the_deadline_stops_an_exponential_regex() -> None:
    with pytest.raises(TooSlow), deadline(0.5):
        re.match(r"(?:a|a)*b", "a" * 64)


# ------------------------------------------------------------------ the scanner
def _old_decorator_pattern() -> re.Pattern[bytes]:
    """The regex the scanner replaced: its meaning is the scanner's contract."""
    gap = rb"(?:[\s\\()]|#[^\n]*)*"
    names = b"|".join(re.escape(m.encode()) for m in sorted(METHODS, key=len, reverse=True))
    name = rb"[\w\x80-\xff]+"
    return re.compile(
        rb"@" + gap + rb"(?:" + name + gap + rb"\." + gap + rb")+(?:" + names
        + rb")(?![\w\x80-\xff])"
    )


OLD_DECORATOR = _old_decorator_pattern()
PIECES = (
    "@", "#", "\\", "(", ")", ".", " ", "\t", "\r", "\n", "a", "app", "x_1", "é", "!",
    "get", "route", "on", "xget", "getx", "\\\n",
)  # fmt: skip
"""What decorators, matrix products, comments and continuations are made of."""
SCANNER = settings(
    max_examples=300, deadline=None, database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


_GAP = st.lists(
    st.sampled_from([" ", "\n", "\\\n", "(", ")", "\t", "#", "# x", "#.", "#get "]), max_size=3
).map("".join)
_SEGMENT = st.tuples(st.sampled_from(["a", "app", "é", "x_1", "get", ""]), _GAP, _GAP).map(
    lambda parts: parts[0] + parts[1] + "." + parts[2]
)
DECORATOR_LIKE = st.tuples(
    st.sampled_from(["", "x = a ", "#", "\n", "a"]),
    _GAP,
    st.lists(_SEGMENT, max_size=3).map("".join),
    st.sampled_from([*METHODS[:6], "getx", "rout", "é", ""]),
    st.sampled_from(["", "(", "x", " ", "é", "\n#"]),
).map(lambda parts: parts[0] + "@" + "".join(parts[1:]))
"""Texts shaped like ``@receiver.method``, right or nearly so."""


@SCANNER
@given(st.one_of(st.lists(st.sampled_from(PIECES), max_size=24).map("".join), DECORATOR_LIKE))
def test_the_scanner_means_what_the_regex_meant(text: str) -> None:
    """On short texts (the old regex is exponential in the number of '#')."""
    assume(text.count("#") <= 8)
    data = text.encode("utf-8")
    with deadline(DEADLINE):
        assert has_decorator_method(data) is (OLD_DECORATOR.search(data) is not None)


@pytest.mark.parametrize(
    "text",
    [
        "@app.route('/')", "@ bp . get", "@(bp\n  .route)", "@bp.\\\n    route",
        "@(bp  # the blueprint\n  .route)", "@api.v1.get('/')", "@a.#xget ", "@a#b.on",
        "@a\n# comment. on", "x = a @ b.get", "@a.getx", "@a.b", "@.get", "a.get",
        "@a.éget", "@é.get",
    ],
)
def test_the_scanner_on_spellings(text: str) -> None:
    data = text.encode("utf-8")
    assert has_decorator_method(data) is (OLD_DECORATOR.search(data) is not None)


STEPS_PER_BYTE = 8
"""Python lines the scanner may run per byte of text (about five today)."""


@SCANNER
@given(st.lists(st.tuples(st.sampled_from(PIECES), st.integers(1, 400)), max_size=12))
def test_the_scanner_reads_each_byte_once(runs: list[tuple[str, int]]) -> None:
    """Long runs of each piece, in any order: the work is bounded by the length, counted
    in Python steps, not timed."""
    data = "".join(piece * count for piece, count in runs).encode("utf-8")
    with deadline(DEADLINE):
        steps = python_steps(lambda: has_decorator_method(data))
    assert steps <= STEPS_PER_BYTE * len(data) + 50


# ------------------------------------------------------------------ the issue's files
REPRODUCERS = {
    "banner.py": (
        "class M:\n    #############################\n    # matmul (@) operator       #\n"
        "    #############################\n    def __matmul__(self, other):\n"
        "        return other\n"
    ),
    "r.py": "x = a @ b\n" + "#" * 4000 + "\n",
    "spaces.py": "@deco" + " " * 20_000 + "\ndef f():\n    pass\n",
    "comment_of_spaces.py": "@deco  #" + " " * 20_000 + "\ndef f():\n    pass\n",
    "continuations.py": "@deco(" + " \\\n" * 200 + "#" * 2000 + "\n)\ndef f():\n    pass\n",
}
"""Issue 10's files (a decorator followed by 20,000 spaces, with and without a comment
around them): each hung the plugin and the command."""


@pytest.mark.parametrize("name", REPRODUCERS)
def test_the_plugin_path_is_fast_on_the_issues_files(name: str) -> None:
    """What the plugin runs per file, against parsing the file (as in the corpus test
    of test_robustness.py: a few parses, plus a floor for fixed costs and noise)."""
    source = REPRODUCERS[name]
    lines = source.splitlines(keepends=True)
    with deadline(DEADLINE):
        for _ in range(3):
            start = time.perf_counter()
            tree = ast.parse(source)
            parsed = time.perf_counter() - start
            start = time.perf_counter()
            engine.check_file(tree, lines, name, EVERY_RULE)
            checked = time.perf_counter() - start
            if checked <= PARSES * parsed + PARSE_FLOOR:
                return
    pytest.fail(f"{name}: parsed in {parsed * 1e3:.1f} ms, checked in {checked * 1e3:.1f} ms")


def _timed(command: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[str]]:
    start = time.perf_counter()
    try:
        done = subprocess.run(
            command, cwd=cwd, capture_output=True, text=True, timeout=120, check=False
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{' '.join(command)} still running after 120 s")
    return time.perf_counter() - start, done


RATIO = 3
SLACK = 3.0
"""The plugin and the command may take RATIO times flake8 without the plugin, plus SLACK
seconds (start-up, and noise on a loaded machine); before the fix, they never ended."""


def test_flake8_and_the_command_are_fast_on_the_issues_files(tmp_path: Path) -> None:
    for name, source in REPRODUCERS.items():
        (tmp_path / name).write_text(source, encoding="utf-8")
    files = sorted(REPRODUCERS)
    flake8 = [sys.executable, "-m", "flake8", "--isolated", "-j1"]
    plain = [*flake8, "--select=E,F,W,C90", *files]  # SLS not selected: not run
    plugin = [*flake8, "--select=E,F,W,C90,SLS", *files]
    command = [sys.executable, "-m", "flake8_stateless", "check", *files]
    for _ in range(2):
        plain_time, plain_run = _timed(plain, tmp_path)
        plugin_time, plugin_run = _timed(plugin, tmp_path)
        command_time, command_run = _timed(command, tmp_path)
        assert plain_run.returncode in (0, 1), plain_run.stderr
        assert plugin_run.returncode in (0, 1), plugin_run.stderr
        assert command_run.returncode in (0, 1), command_run.stderr
        budget = RATIO * plain_time + SLACK
        if max(plugin_time, command_time) <= budget:
            return
    pytest.fail(
        f"flake8 without the plugin: {plain_time:.1f} s; with it: {plugin_time:.1f} s; "
        f"the command: {command_time:.1f} s (allowed {budget:.1f} s)"
    )
