"""The user's own ast-grep rules, read from the YAML file ``--stateless-rules-file`` names.

The file holds ast-grep rules in ast-grep's own format (one YAML document per rule,
separated by ``---``), plus the ``code`` each is reported under, in SLS900-SLS999. They
become ordinary pattern rules: same engine, noqa, selection and SLS000 on failure.

Everything is checked on load, because a rule that is silently skipped or silently
matches nothing is worse than none: a malformed file, an unknown key, a code outside
the range, a duplicate, or a pattern that does not parse is a one-line
:class:`~flake8_stateless.options.ConfigurationError` naming the file and the problem.

YAML is read with PyYAML (``safe_load_all``): ast-grep-py takes rules as Python
mappings and exposes no YAML reader of its own, and PyYAML is imported only when the
option is set.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from flake8_stateless.options import ConfigurationError, Settings
from flake8_stateless.patterns import Pattern, metavariables, problem, required_words
from flake8_stateless.registry import Rule, no_ast_check

CODE = re.compile(r"SLS9\d\d")
ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")
REQUIRED_KEYS = ("id", "code", "message", "rule")
OPTIONAL_KEYS = ("language", "constraints", "note", "url", "scope", "triggers")
UNSUPPORTED_KEYS = {
    "severity": "flake8's select and ignore decide what is reported",
    "fix": "flake8 does not rewrite code",
    "transform": "flake8 does not rewrite code",
    "utils": "write the shared rule inline",
    "files": "use flake8's per-file-ignores",
    "ignores": "use flake8's per-file-ignores",
    "metadata": "put notes in 'note'",
}
LANGUAGES = frozenset({"python", "py"})
SCOPES = ("module", "config")


def with_rules_file(settings: Settings) -> Settings:
    """``settings`` with the rules of its ``rules_file_path`` read and validated: a
    broken file is a one-line :class:`ConfigurationError` naming it and the problem.
    The faces (the flake8 plugin, the command) call this; options stay data."""
    if not settings.rules_file_path:
        return settings
    return replace(settings, rules_file=load_rules_file(settings.rules_file_path))


def load_rules_file(path: str) -> tuple[Rule, ...]:
    """Every rule of the file at ``path``, validated, in file order."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as error:
        raise _error(path, f"cannot read it ({_reason(error)})") from None
    documents = _documents(path, text)
    if not documents:
        raise _error(path, "it holds no rules")
    rules: list[Rule] = []
    for number, document in enumerate(documents, start=1):
        rule = _rule(path, number, document)
        for earlier in rules:
            if earlier.code == rule.code:
                raise _error(path, f"rule {number} ('{rule.name}'): code {rule.code} is used twice")
            if earlier.name == rule.name:
                raise _error(path, f"rule {number}: id '{rule.name}' is used twice")
        rules.append(rule)
    return tuple(rules)


def _documents(path: str, text: str) -> list[object]:
    import yaml  # noqa: PLC0415 - PyYAML is only needed when the option is set

    try:
        return [document for document in yaml.safe_load_all(text) if document is not None]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        reason = getattr(error, "problem", None) or type(error).__name__
        raise _error(path, f"invalid YAML{where}: {reason}") from None


def _rule(path: str, number: int, document: object) -> Rule:
    if not isinstance(document, Mapping):
        raise _error(path, f"rule {number} is not a mapping of keys (id, code, message, rule)")
    label = f"rule {number}"
    if isinstance(document.get("id"), str):
        label += f" ('{document['id']}')"

    def fail(reason: str) -> ConfigurationError:
        return _error(path, f"{label}: {reason}")

    for key in document:
        if key in UNSUPPORTED_KEYS:
            raise fail(f"key '{key}' is not supported: {UNSUPPORTED_KEYS[key]}")
        if key not in REQUIRED_KEYS and key not in OPTIONAL_KEYS:
            known = ", ".join(sorted((*REQUIRED_KEYS, *OPTIONAL_KEYS)))
            raise fail(f"unknown key '{key}'; expected one of {known}")
    for key in REQUIRED_KEYS:
        if key not in document:
            raise fail(f"missing key '{key}'")
    name, code, message = document["id"], document["code"], document["message"]
    if not isinstance(name, str) or not ID.fullmatch(name):
        raise fail("'id' must be a name of letters, digits, '-', '_' or '.'")
    if not isinstance(code, str) or not CODE.fullmatch(code):
        raise fail(f"code {code!r} is outside SLS900-SLS999, the range reserved for your rules")
    if not isinstance(message, str) or not message.strip() or "\n" in message.strip():
        raise fail("'message' must be one non-empty line")
    language = document.get("language", "python")
    if not isinstance(language, str) or language.lower() not in LANGUAGES:
        raise fail(f"language {language!r} is not supported; flake8 lints Python")
    scope = document.get("scope", "module")
    if scope not in SCOPES:
        raise fail(f"scope {scope!r} is not one of {', '.join(SCOPES)}")
    pattern = _pattern(document, fail)
    captured = set(metavariables(repr(pattern.rule)))
    for variable in metavariables(message):
        if variable not in captured:
            raise fail(f"'message' uses ${variable}, which the rule does not capture")
    note = document.get("note")
    url = document.get("url")
    if note is not None and not isinstance(note, str):
        raise fail("'note' must be text")
    if url is not None and not isinstance(url, str):
        raise fail("'url' must be text")
    text = message.strip()
    return Rule(
        code=code,
        name=name,
        message=text.replace("{", "{{").replace("}", "}}"),
        summary=text,
        rationale=note or f"Your rule '{name}' from {path}.",
        bad_example="",
        good_example="",
        node_types=(),
        check=no_ast_check,
        scope=scope,
        added_in="user",
        references=(url,) if url else (),
        patterns=(pattern,),
    )


def _pattern(document: Mapping[str, Any], fail: Any) -> Pattern:
    rule = document["rule"]
    constraints = document.get("constraints")
    triggers = document.get("triggers")
    if not isinstance(rule, Mapping) or not rule:
        raise fail("'rule' must be an ast-grep rule mapping (pattern, kind, has...)")
    if constraints is not None and not isinstance(constraints, Mapping):
        raise fail("'constraints' must be a mapping of metavariable names to rules")
    if triggers is None:
        words = required_words(rule)
        triggers = sorted(words) if words else []
    elif not isinstance(triggers, list) or not all(isinstance(w, str) and w for w in triggers):
        raise fail("'triggers' must be a list of words")
    pattern = Pattern(rule=dict(rule), triggers=tuple(triggers), constraints=constraints)
    trouble = problem(pattern)
    if trouble is not None:
        raise fail(trouble)
    return pattern


def _error(path: str, reason: str) -> ConfigurationError:
    return ConfigurationError(
        f"flake8-stateless: option --stateless-rules-file {path}: {reason}",
        option="rules-file",
        reason=reason,
    )


def _reason(error: Exception) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error).splitlines()[0] if str(error) else type(error).__name__
