"""One walk of an already-parsed tree, dispatching nodes to the enabled rules.

No flake8 here: the plugin and the standalone command both call :func:`check`.
"""

from __future__ import annotations

import ast
import os
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from flake8_stateless import patterns
from flake8_stateless.context import FUNCTION_TYPES, Context, FunctionNode
from flake8_stateless.options import Settings
from flake8_stateless.prefilter import Prefilter
from flake8_stateless.registry import Finding, Rule
from flake8_stateless.rules import ALL_RULES

INTERNAL_ERROR_CODE = "SLS000"
RAISE_ENV = "FLAKE8_STATELESS_RAISE"
"""Set (to anything but "" or "0") to let rule exceptions propagate: the project's own
tests do, so that bugs are never hidden behind an SLS000 finding."""

_AST = ast.AST
_LIST = list


@dataclass(frozen=True)
class _Plan:
    """What a run with given settings needs: enabled rules and the node types they want."""

    rules: tuple[Rule, ...]
    node_types: frozenset[type[ast.AST]]
    patterned: tuple[Rule, ...] = ()
    """Enabled rules with ast-grep patterns (searched once per file, see patterns.py)."""


@lru_cache(maxsize=256)
def _plan(settings: Settings) -> _Plan:
    every_rule = (*ALL_RULES, *settings.extra_rules)
    rules = tuple(rule for rule in every_rule if settings.is_enabled(rule))
    types = frozenset(t for rule in rules for t in rule.node_types)
    return _Plan(rules, types, tuple(rule for rule in rules if rule.patterns))


@lru_cache(maxsize=8)
def _prefilter(settings: Settings) -> Prefilter:
    return Prefilter(settings, (*ALL_RULES, *settings.extra_rules))


def check_file(
    tree: ast.AST, lines: Sequence[str], filename: str, settings: Settings
) -> list[Finding]:
    """What the flake8 plugin runs per file: the text prefilter first (most files of a
    code base cannot match any enabled rule: no framework import, no trigger word), then
    :func:`check` with only the rules that may report. Same findings, less work."""
    source = "".join(lines).encode("utf-8", "surrogatepass")
    possible = _prefilter(settings).possible(source, filename)
    if not possible:
        return []
    return check(tree, lines, filename, replace(settings, enabled_codes=possible))


def check(tree: ast.AST, lines: Sequence[str], filename: str, settings: Settings) -> list[Finding]:
    """Findings for one module, sorted, with character columns. Never raises unless
    ``FLAKE8_STATELESS_RAISE`` is set: a failing rule becomes one SLS000 finding and
    the other rules still run."""
    plan = _plan(settings)
    if not plan.rules or not isinstance(tree, ast.Module):
        return []
    strict = os.environ.get(RAISE_ENV, "") not in ("", "0")
    try:
        context = Context(tree, filename, settings, lines)
        buckets = _walk(tree, context, plan.node_types)
        context.finish()
    except Exception as error:
        if strict:
            raise
        return [_internal_error("the module context", error)]
    findings: list[Finding] = [_pack_error(message) for message in settings.pack_errors]
    for rule in plan.rules:
        try:
            findings.extend(_run_rule(rule, buckets, context))
        except Exception as error:
            if strict:
                raise
            findings.append(_internal_error(rule.code, error))
    if plan.patterned:
        found, failures = patterns.search(plan.patterned, context, strict=strict)
        findings.extend(found)
        findings.extend(_internal_error(where, error) for where, error in failures)
    findings.sort()
    return [_to_character_column(finding, lines) for finding in findings]


Bucket = list[tuple[ast.AST, FunctionNode | None]]


def _walk(
    tree: ast.Module, context: Context, wanted: frozenset[type[ast.AST]]
) -> dict[type[ast.AST], Bucket]:
    """The single iterative walk: context handlers run inline, nodes the rules want are
    bucketed with the function that owns them (None at import time). Iterative so that
    deeply nested code cannot hit the recursion limit."""
    handlers = context.handlers()
    buckets: dict[type[ast.AST], Bucket] = {t: [] for t in wanted}
    table = {t: (handlers.get(t), buckets.get(t)) for t in set(handlers) | set(wanted)}
    function_types = set(FUNCTION_TYPES)
    stack: list[tuple[ast.AST, FunctionNode | None]] = [(tree, None)]
    pop = stack.pop
    push = stack.append
    while stack:
        node, owner = pop()
        cls = node.__class__
        entry = table.get(cls)
        if entry is not None:
            handler, bucket = entry
            if handler is not None:
                handler(node, owner)
            if bucket is not None:
                bucket.append((node, owner))
        if cls in function_types:
            owner = node  # type: ignore[assignment]
        for name in node._fields:
            value = getattr(node, name, None)
            if value.__class__ is _LIST:
                for item in value:
                    if isinstance(item, _AST):
                        push((item, owner))
            elif isinstance(value, _AST):
                push((value, owner))
    return buckets


def _run_rule(rule: Rule, buckets: dict[type[ast.AST], Bucket], context: Context) -> list[Finding]:
    scope = rule.scope
    if scope == "request" and not context.has_request_serving_code:
        return []
    if scope == "config" and (context.path.is_test or context.path.is_dev_settings):
        return []
    check = rule.check
    serving = context.is_request_serving
    found: list[Finding] = []
    for node_type in rule.node_types:
        for node, owner in buckets[node_type]:
            if scope == "request" and (owner is None or not serving(owner)):
                continue
            found.extend(check(node, owner, context))
    if scope == "config" and found and context.guarded_spans:
        # findings are rare: filter them, not the many nodes, by the debug switches
        found = [f for f in found if not context.is_guarded_line(f.line)]
    return found


def _internal_error(where: str, error: BaseException) -> Finding:
    frame = traceback.extract_tb(error.__traceback__)[-1] if error.__traceback__ else None
    location = f" at {os.path.basename(frame.filename)}:{frame.lineno}" if frame else ""
    detail = str(error).splitlines()[0][:80] if str(error) else ""
    message = (
        f"{INTERNAL_ERROR_CODE} flake8-stateless: {where} raised "
        f"{type(error).__name__}{': ' + detail if detail else ''}{location}; "
        "please report this bug"
    )
    return Finding(1, 0, INTERNAL_ERROR_CODE, message)


def _pack_error(message: str) -> Finding:
    """A broken rule pack, reported on every file until it is fixed or uninstalled."""
    return Finding(1, 0, INTERNAL_ERROR_CODE, f"{INTERNAL_ERROR_CODE} flake8-stateless: {message}")


def _to_character_column(finding: Finding, lines: Sequence[str]) -> Finding:
    """AST columns count UTF-8 bytes; editors and flake8 users count characters."""
    index = finding.line - 1
    if finding.col == 0 or not 0 <= index < len(lines):
        return finding
    text = lines[index]
    if text.isascii():
        return finding
    column = len(text.encode("utf-8")[: finding.col].decode("utf-8", "ignore"))
    return finding._replace(col=column)
