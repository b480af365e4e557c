"""Declarative rules: ast-grep-py patterns declared in rule modules, run as one search.

A rule whose whole condition is a syntactic shape (a settings assignment, a keyword in a
call) declares :class:`Pattern` objects instead of, or next to, an AST check. Per file:

1. a substring prefilter keeps only the patterns whose trigger words occur in the text,
   so a file that cannot match is never parsed by ast-grep;
2. the remaining patterns are folded into one ast-grep ``any`` search (one traversal,
   whatever the number of rules);
3. each of the rare hits is classified by re-matching it against the candidates alone,
   which also applies their constraints and captures their metavariables.

ast-grep counts lines from 0 and columns in characters; findings carry our positions
(1-based lines, UTF-8 byte columns that the engine turns into character columns like
those of every other rule). ast-grep may raise ``pyo3_runtime.PanicException``, a
``BaseException``; failures are returned to the engine, which reports them as SLS000.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from ast_grep_py import Config, SgNode, SgRoot

from flake8_stateless.excerpts import shorten
from flake8_stateless.registry import Finding

if TYPE_CHECKING:
    from flake8_stateless.context import Context
    from flake8_stateless.registry import Rule

LANGUAGE = "python"
EXPANDO = "µ"
"""The character ast-grep substitutes for ``$`` before parsing a Python pattern."""

_METAVARIABLE = re.compile(r"\$\$\$([A-Z_][A-Z0-9_]*)?|\$([A-Z_][A-Z0-9_]*)")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_VALUE_WIDTH = 60
_RELATIONS = ("inside", "has", "precedes", "follows")


@dataclass(frozen=True, eq=False)
class Pattern:
    """One ast-grep rule of a pattern rule. Compared by identity (it holds dicts)."""

    rule: Mapping[str, Any]
    """An ast-grep rule object: ``pattern``, ``kind``, ``regex``, ``has``, ``inside``,
    ``all``, ``any``, ``not``... exactly as in an ast-grep YAML rule's ``rule:``."""
    triggers: tuple[str, ...]
    """Words of which at least one occurs in any file this pattern can match (checked
    case-sensitively on the raw text). Empty: the pattern is tried on every file."""
    values: Mapping[str, str] = field(default_factory=dict)
    """Placeholders of the rule's message; ``$NAME`` in a value is replaced by the text
    the metavariable captured (one line, shortened)."""
    constraints: Mapping[str, Any] | None = None
    """ast-grep ``constraints`` on this pattern's metavariables. A constrained pattern
    costs a search of its own; built-in rules constrain with ``has``/``regex`` instead."""
    report: str | None = None
    """The metavariable whose position is reported; by default the whole match."""

    @property
    def config(self) -> Config:
        """The ast-grep config searching for this pattern alone."""
        config: Config = {"rule": cast("Any", dict(self.rule))}
        if self.constraints:
            config["constraints"] = dict(self.constraints)
        return config


# --------------------------------------------------------------------------- search
Failure = tuple[str, BaseException]
"""(what failed: a rule code or "the pattern rules", the exception)."""


def candidates(rules: Iterable[Rule], text: str) -> list[tuple[Rule, Pattern]]:
    """The patterns worth an ast-grep parse of ``text``: those with a trigger word in it."""
    seen: dict[str, bool] = {}  # patterns share words: scan the text once per word

    def occurs(word: str) -> bool:
        known = seen.get(word)
        if known is None:
            known = seen[word] = word in text
        return known

    found: list[tuple[Rule, Pattern]] = []
    for rule in rules:
        for pattern in rule.patterns:
            if not pattern.triggers or any(occurs(word) for word in pattern.triggers):
                found.append((rule, pattern))
    return found


def search(
    rules: Sequence[Rule], context: Context, *, strict: bool = False
) -> tuple[list[Finding], list[Failure]]:
    """Findings of the enabled pattern rules on one module, and the failures to report
    as SLS000 (re-raised instead when ``strict``). Never parses a file no pattern can
    match; a failing rule does not stop the others."""
    wanted = [(rule, p) for rule, p in candidates(rules, context.text) if in_scope(rule, context)]
    if not wanted:
        return [], []
    try:
        root = SgRoot(context.text, LANGUAGE).root()
    except BaseException as error:
        _reraise_unless_rust(error, strict)
        return [], [("the pattern rules", error)]
    findings: list[Finding] = []
    failures: list[Failure] = []
    folded = [(rule, p) for rule, p in wanted if not p.constraints]
    alone = [(rule, p) for rule, p in wanted if p.constraints]
    if folded:
        try:
            hits = root.find_all(_folded(p for _, p in folded))
        except BaseException as error:
            _reraise_unless_rust(error, strict)
            alone = wanted  # find the culprit: each pattern on its own
        else:
            findings.extend(_classified(hits, folded, context, failures, strict))
    for rule, pattern in alone:
        if any(code == rule.code for code, _ in failures):
            continue
        try:
            for match in root.find_all(pattern.config):
                findings.append(_finding(match, rule, pattern, context))
        except BaseException as error:
            _reraise_unless_rust(error, strict)
            failures.append((rule.code, error))
    failed = {code for code, _ in failures}
    kept = [finding for finding in findings if finding.code not in failed]
    return _unique(_outside_debug_blocks(kept, rules, context)), failures


def _classified(
    hits: list[SgNode],
    folded: list[tuple[Rule, Pattern]],
    context: Context,
    failures: list[Failure],
    strict: bool,
) -> Iterator[Finding]:
    """Findings of the folded search: each hit re-matched against each candidate."""
    for hit in hits:
        for rule, pattern in folded:
            if any(code == rule.code for code, _ in failures):
                continue
            try:
                yield from _classify(hit, rule, pattern, context)
            except BaseException as error:
                _reraise_unless_rust(error, strict)
                failures.append((rule.code, error))


def _reraise_unless_rust(error: BaseException, strict: bool) -> None:
    """Keep Ctrl-C and exits; turn exceptions and Rust panics into failures."""
    if strict:
        raise error
    if not isinstance(error, Exception) and type(error).__name__ != "PanicException":
        raise error


def _folded(patterns: Iterable[Pattern]) -> Config:
    """One ``any`` over the rules of patterns without constraints (constraints are
    global to an ast-grep config, and metavariable names may clash between rules, so
    constrained patterns are searched on their own)."""
    return {"rule": {"any": [cast("Any", dict(p.rule)) for p in patterns]}}


def _classify(hit: SgNode, rule: Rule, pattern: Pattern, context: Context) -> Iterator[Finding]:
    """The finding for ``hit`` if ``pattern`` on its own matches exactly this node."""
    where = hit.range()
    for match in hit.find_all(pattern.config):
        span = match.range()
        if (
            span.start.index == where.start.index
            and span.end.index == where.end.index
            and (match.kind() == hit.kind())
        ):
            yield _finding(match, rule, pattern, context)
            return


def _finding(match: SgNode, rule: Rule, pattern: Pattern, context: Context) -> Finding:
    reported = match.get_match(pattern.report) if pattern.report else None
    start = (reported or match).range().start
    line = start.line + 1
    column = _byte_column(context.lines, line, start.column)
    values = {key: _fill(value, match, braces=False) for key, value in pattern.values.items()}
    message = _fill(rule.message, match, braces=True).format(**values)
    return Finding(line, column, rule.code, f"{rule.code} {message}")


def _byte_column(lines: Sequence[str], line: int, characters: int) -> int:
    """ast-grep's character column as the UTF-8 byte offset the AST rules report, so
    that the engine's single conversion to characters applies to every finding."""
    if not 0 < line <= len(lines) or characters == 0:
        return characters
    text = lines[line - 1]
    return characters if text.isascii() else len(text[:characters].encode("utf-8"))


def _fill(template: str, match: SgNode, *, braces: bool) -> str:
    """``$NAME`` and ``$$$NAME`` replaced by the text they captured, on one line."""

    def text_of(found: re.Match[str]) -> str:
        many, one = found.group(1), found.group(2)
        if many is not None:
            nodes = [n for n in match.get_multiple_matches(many) if n.is_named()]
            captured = ", ".join(n.text() for n in nodes)
        else:
            node = match.get_match(one) if one is not None else None
            if node is None:
                return found.group(0)
            captured = node.text()
        value = _shorten(captured)
        return value.replace("{", "{{").replace("}", "}}") if braces else value

    return _METAVARIABLE.sub(text_of, template)


def metavariables(text: str) -> list[str]:
    """The metavariable names ``$NAME`` and ``$$$NAME`` in ``text``."""
    return [many or one for many, one in _METAVARIABLE.findall(text) if many or one]


def _shorten(text: str) -> str:
    return shorten(text, _VALUE_WIDTH)


def _unique(findings: list[Finding]) -> list[Finding]:
    """One finding per rule and position, even when several of its patterns match."""
    seen: set[tuple[int, int, str]] = set()
    unique: list[Finding] = []
    for finding in findings:
        key = (finding.line, finding.col, finding.code)
        if key not in seen:
            seen.add(key)
            unique.append(finding)
    return unique


def in_scope(rule: Rule, context: Context) -> bool:
    """File-level scope: configuration rules skip tests and development settings."""
    return rule.scope != "config" or not (context.path.is_test or context.path.is_dev_settings)


def _outside_debug_blocks(
    findings: list[Finding], rules: Sequence[Rule], context: Context
) -> list[Finding]:
    """Drop configuration findings under a debug switch, like the engine does for AST
    nodes of ``scope="config"`` rules."""
    config_codes = {rule.code for rule in rules if rule.scope == "config"}
    return [
        finding
        for finding in findings
        if finding.code not in config_codes or not context.is_guarded_line(finding.line)
    ]


# ----------------------------------------------------------------------- validation
def problem(pattern: Pattern) -> str | None:
    """What is wrong with a pattern, in one line, or None. ast-grep rejects unknown keys,
    bad kinds and regexes, but a pattern that does not parse silently matches nothing:
    each ``pattern`` is parsed here and rejected if tree-sitter had to repair it."""
    if not isinstance(pattern.rule, Mapping):
        return "'rule' must be a mapping"
    for text in _pattern_texts(pattern.rule):
        trouble = _unparsable(text)
        if trouble is not None:
            return trouble
    try:
        SgRoot("", LANGUAGE).root().find_all(pattern.config)
    except BaseException as error:
        if not isinstance(error, Exception) and type(error).__name__ != "PanicException":
            raise
        return one_line_error(error)
    for word in pattern.triggers:
        if not isinstance(word, str) or not word:
            return "triggers must be non-empty strings"
    return None


def _pattern_texts(rule: object) -> Iterator[str]:
    """Every pattern string in a rule object, nested rules included."""
    pending = [rule]
    while pending:
        current = pending.pop()
        if isinstance(current, Mapping):
            for key, value in current.items():
                if key == "pattern":
                    if isinstance(value, str):
                        yield value
                    elif isinstance(value, Mapping) and isinstance(value.get("context"), str):
                        yield value["context"]
                elif key in ("all", "any") and isinstance(value, list):
                    pending.extend(value)
                elif key in (*_RELATIONS, "not"):
                    pending.append(value)


def _unparsable(text: str) -> str | None:
    if not text.strip():
        return "empty pattern"
    root = SgRoot(text.replace("$", EXPANDO), LANGUAGE).root()
    if root.find(kind="ERROR") is not None or _has_missing_token(root):
        return f"pattern {_shorten(text)!r} is not valid Python"
    return None


def _has_missing_token(root: SgNode) -> bool:
    """tree-sitter inserts zero-width tokens for what it had to invent (``def f(:``)."""
    pending = list(root.children())
    while pending:
        node = pending.pop()
        children = node.children()
        if not children:
            span = node.range()
            if span.start.index == span.end.index and node.kind() != "block":
                return True
        pending.extend(children)
    return False


def one_line_error(error: BaseException) -> str:
    """ast-grep's multi-line error ("cannot get matcher / Caused by: ...") as its most
    specific line, with metavariables shown as users wrote them."""
    lines = [line.strip() for line in str(error).splitlines()]
    lines = lines[: lines.index("Stack backtrace:")] if "Stack backtrace:" in lines else lines
    details = [re.sub(r"^\d+:\s*", "", line) for line in lines if line and line != "Caused by:"]
    if len(details) > 1 and details[0] == "cannot get matcher":
        details = details[1:]
    specific = [d for d in details if not d.startswith(("`rule` is not", "Rule contains"))]
    text = " ".join((specific or details or [type(error).__name__])[:2])
    return text.replace(EXPANDO, "$")


# --------------------------------------------------------------------- trigger words
def required_words(rule: object) -> frozenset[str] | None:
    """Words of which one must occur in the text of any file ``rule`` matches, or None
    when that cannot be told (a bare ``kind`` or ``regex``): then no prefilter."""
    if not isinstance(rule, Mapping):
        return None
    options: list[frozenset[str]] = []
    for key, value in rule.items():
        words: frozenset[str] | None = None
        if key == "pattern":
            words = _pattern_words(value)
        elif key == "all" and isinstance(value, list):
            words = _best([required_words(member) for member in value])
        elif key == "any" and isinstance(value, list):
            words = _union([required_words(member) for member in value])
        elif key in _RELATIONS:
            words = required_words(value)
        if words:
            options.append(words)
    return _best(options)


def _pattern_words(pattern: object) -> frozenset[str] | None:
    if not isinstance(pattern, str):
        return None  # a context/selector pattern: its context need not occur
    words = set(_WORD.findall(_METAVARIABLE.sub(" ", pattern)))
    plain = {w for w in words if not keyword.iskeyword(w) and len(w) > 1}
    chosen = plain or words
    return frozenset({max(sorted(chosen), key=len)}) if chosen else None


def _best(options: Sequence[frozenset[str] | None]) -> frozenset[str] | None:
    """Of several sets that are all required, the most selective: fewest words, then
    the longest shortest word."""
    known = [o for o in options if o]
    if not known:
        return None
    return min(known, key=lambda words: (len(words), -min(len(w) for w in words)))


def _union(options: Sequence[frozenset[str] | None]) -> frozenset[str] | None:
    if not options or any(not o for o in options):
        return None
    return frozenset().union(*(o for o in options if o))
