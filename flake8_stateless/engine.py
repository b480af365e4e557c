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
from typing import NamedTuple

from flake8_stateless import patterns, results
from flake8_stateless.context import Context, FunctionNode, locate
from flake8_stateless.options import Settings
from flake8_stateless.prefilter import Prefilter
from flake8_stateless.registry import UNIT_MARK, VIA_MARK, WHERE_MARK, Finding, Rule
from flake8_stateless.rules import ALL_RULES
from flake8_stateless.semantic.walk import Bucket, walk

INTERNAL_ERROR_CODE = "SLS000"
RAISE_ENV = "FLAKE8_STATELESS_RAISE"
"""Set (to anything but "" or "0") to let rule exceptions propagate: the project's own
tests do, so that bugs are never hidden behind an SLS000 finding. Then saved findings
are never given back either (they are still saved): every rule runs on every file, so
that nothing hides a rule that now fails, and each face computes what its tests check."""


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
    possible = possible_rules(source, filename, settings)
    if not possible:
        return []
    only_possible = replace(settings, enabled_codes=possible)
    saved = saved_findings(source, filename, only_possible)
    return check(tree, lines, filename, only_possible, saved=saved)


def possible_rules(source: bytes, filename: str, settings: Settings) -> frozenset[str]:
    """The enabled rules that may report on a file, from its text and, for a module
    without handlers of its own, whether handlers elsewhere in the project reach it."""
    prefilter = _prefilter(settings)
    possible, if_reached = prefilter.possible_both(source, filename)
    if prefilter.request_codes <= possible or if_reached == possible:
        return possible  # being reached adds nothing: the project index need not be asked
    located = locate(filename, settings)
    if located.index.layout is None or located.module not in located.index.reached_modules():
        return possible
    return if_reached


class SavedFindings(NamedTuple):
    """What earlier runs saved for one file (see ``results.py``)."""

    findings: list[Finding] | None
    """The findings saved for exactly this text, project, settings and plugin; None
    when there are none (or in strict mode): then they are computed."""
    slot: results.Slot | None
    """Where computed findings are saved; None when they are not kept."""


def saved_findings(source: bytes, filename: str, settings: Settings) -> SavedFindings:
    """The findings :func:`check` would give back without parsing the file, and where
    to save them. ``source``: the lines the rules see, joined and encoded as UTF-8
    (``surrogatepass``). The standalone command, which reads files itself, asks before
    it parses; the plugin asks with the bytes its prefilter read."""
    if not _plan(settings).rules:
        return SavedFindings([], None)
    try:
        slot = results.slot_for(source, filename, settings)
    except Exception:
        if _strict():
            raise
        return SavedFindings(None, None)  # the project cannot be told: lint, keep nothing
    if slot is None or _strict():
        return SavedFindings(None, slot)  # strict mode computes every file, and still saves
    return SavedFindings(slot.load(), slot)


def check(
    tree: ast.AST,
    lines: Sequence[str],
    filename: str,
    settings: Settings,
    *,
    saved: SavedFindings | None = None,
) -> list[Finding]:
    """Findings for one module, sorted, with character columns: the ones a run saved
    for exactly this text, project, settings and plugin (``saved``, when the caller
    already asked), or computed and saved. Never raises unless
    ``FLAKE8_STATELESS_RAISE`` is set: a failing rule becomes one SLS000 finding and
    the other rules still run."""
    plan = _plan(settings)
    if not plan.rules or not isinstance(tree, ast.Module):
        return []
    if saved is None:
        source = "".join(lines).encode("utf-8", "surrogatepass")
        saved = saved_findings(source, filename, settings)
    if saved.findings is not None:
        return saved.findings
    findings = _computed(tree, lines, filename, settings, plan)
    if saved.slot is not None and not any(f.code == INTERNAL_ERROR_CODE for f in findings):
        saved.slot.save(findings)  # an internal error is reported afresh until it is fixed
    return findings


def _strict() -> bool:
    return os.environ.get(RAISE_ENV, "") not in ("", "0")


def _computed(
    tree: ast.Module, lines: Sequence[str], filename: str, settings: Settings, plan: _Plan
) -> list[Finding]:
    strict = _strict()
    try:
        context = Context(tree, filename, settings, lines)
        buckets = walk(tree, context.handlers(), plan.node_types)
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
    findings = _apply_precedence(findings, plan.rules)
    findings.sort()
    return [_to_character_column(finding, lines) for finding in findings]


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
            for finding in check(node, owner, context):
                if (
                    scope == "request"
                    and owner is not None
                    and context.skipped_on_requests(node, owner)
                ):
                    continue  # a branch no request-serving call takes (findings are rare)
                placed = _place(finding, owner, context) if "\ue000" in finding.message else finding
                found.append(placed)
    if scope == "config" and found and context.guarded_spans:
        # findings are rare: filter them, not the many nodes, by the debug switches
        found = [f for f in found if not context.is_guarded_line(f.line)]
    return _grouped(found, context.lines)


def _grouped(findings: list[Finding], lines: Sequence[str]) -> list[Finding]:
    """One finding per group (see ``Finding.group``): the first site, naming the others.
    A site whose line carries a ``noqa`` comment stays a finding of its own, so that
    ``noqa`` keeps working per site: silencing one site leaves the others reported."""
    if not any(f.group for f in findings):
        return findings
    first: dict[str, Finding] = {}
    others: dict[str, list[int]] = {}
    kept: list[Finding] = []
    for finding in sorted(findings):
        if not finding.group or _has_noqa(lines, finding.line):
            kept.append(finding._replace(group=""))
        elif finding.group not in first:
            first[finding.group] = finding
        elif finding.line != first[finding.group].line:
            others.setdefault(finding.group, []).append(finding.line)
    for group, finding in first.items():
        also = sorted(set(others.get(group, ())))
        message = finding.message
        if also:
            label = "line" if len(also) == 1 else "lines"
            head, separator, tail = message.partition("; ")
            numbers = ", ".join(str(line) for line in also)
            message = f"{head}, also on {label} {numbers}{separator}{tail}"
        kept.append(finding._replace(message=message, group=""))
    return kept


def _has_noqa(lines: Sequence[str], line: int) -> bool:
    return 0 < line <= len(lines) and "noqa" in lines[line - 1].lower()


def _place(finding: Finding, owner: FunctionNode | None, context: Context) -> Finding:
    """Fill in where the reported code runs (see ``registry.PLACES``)."""
    reach = context.reach_of(owner)
    via = ""
    if reach is not None and reach.depth > 0:
        via = f" (reached from {reach.root_label(context.requests.module)})"
    task = reach is not None and reach.kind == "task"
    message = (
        finding.message.replace(WHERE_MARK, context.where(owner))
        .replace(VIA_MARK, via)
        .replace(UNIT_MARK, "task" if task else "response")
    )
    return finding._replace(message=message)


def _apply_precedence(findings: list[Finding], rules: Sequence[Rule]) -> list[Finding]:
    """When two rules report the same line, the more specific one reports (a rule's
    ``yields_to``); when it does not, the general one's finding stands."""
    yielding = {rule.code: rule.yields_to for rule in rules if rule.yields_to}
    if not yielding or len(findings) < 2:
        return findings
    codes_by_line: dict[int, set[str]] = {}
    for finding in findings:
        codes_by_line.setdefault(finding.line, set()).add(finding.code)
    return [
        finding
        for finding in findings
        if codes_by_line[finding.line].isdisjoint(yielding.get(finding.code, ()))
    ]


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
