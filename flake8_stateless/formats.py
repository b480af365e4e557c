"""Output formats of the standalone command, by Ruff's names and in Ruff's shapes.

- ``concise``/``full``/``pylint``: text for people (``full`` shows the source);
- ``json``/``json-lines``: Ruff's diagnostic objects;
- ``github``: workflow commands, escaped, so findings annotate pull requests;
- ``gitlab``: a Code Quality report (check names, severities, unique fingerprints,
  paths relative to the project);
- ``sarif``: SARIF 2.1.0 as GitHub code scanning accepts it (rules with descriptions and
  help, 1-based regions, no ``security-severity``);
- ``junit``: a JUnit XML report.
"""

from __future__ import annotations

import hashlib
import json
import os
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree

from flake8_stateless import __version__
from flake8_stateless.docs import rule_markdown, rule_text
from flake8_stateless.lint import IO_ERROR, SYNTAX_ERROR, Diagnostic
from flake8_stateless.registry import Rule

TOOL = "flake8-stateless"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


@dataclass(frozen=True)
class Report:
    """What every format needs besides the diagnostics."""

    cwd: Path
    rules: Mapping[str, Rule]
    root: Path | None = None
    """Where relative paths in GitLab/SARIF reports start (CI_PROJECT_DIR, else cwd)."""

    def display(self, path: str) -> str:
        """The path as Ruff prints it: relative to the working directory if inside it."""
        return _relative(path, self.cwd) or path

    def project_path(self, path: str) -> str:
        return _relative(path, self.root or self.cwd) or Path(path).as_posix()

    def name(self, diagnostic: Diagnostic) -> str:
        rule = self.rules.get(diagnostic.code)
        return rule.name if rule is not None else diagnostic.code


def _relative(path: str, base: Path) -> str | None:
    if path == "-":
        return path
    try:
        return Path(path).relative_to(base).as_posix()
    except ValueError:
        return None


def _plural(count: int) -> str:
    return f"{count} error" if count == 1 else f"{count} errors"


def summary(diagnostics: Sequence[Diagnostic]) -> str:
    """Ruff's last line: ``Found 3 errors.`` or ``All checks passed!``."""
    return f"Found {_plural(len(diagnostics))}." if diagnostics else "All checks passed!"


def _headline(diagnostic: Diagnostic) -> str:
    if diagnostic.is_rule:
        return f"{diagnostic.code} {diagnostic.message}"
    return f"{diagnostic.code}: {diagnostic.message}"


# --------------------------------------------------------------------------- text
def concise(diagnostics: Sequence[Diagnostic], report: Report) -> str:
    return "".join(
        f"{report.display(d.path)}:{d.line}:{d.col}: {_headline(d)}\n" for d in diagnostics
    )


TAB_WIDTH = 4
"""Columns a tab advances to in the ``full`` format (Ruff prints tabs as four spaces)."""


def _char_width(char: str) -> int:
    """Terminal columns of one character: two for East Asian wide and full-width ones,
    none for combining marks and format characters."""
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def _displayed(text: str) -> tuple[str, list[int]]:
    """``text`` with tabs expanded, and the display column where each character (and
    the end of the line) starts, so that carets line up under the flagged text."""
    shown: list[str] = []
    starts: list[int] = []
    column = 0
    for char in text:
        starts.append(column)
        if char == "\t":
            step = TAB_WIDTH - column % TAB_WIDTH
            shown.append(" " * step)
            column += step
        else:
            shown.append(char)
            column += _char_width(char)
    starts.append(column)
    return "".join(shown), starts


def full(diagnostics: Sequence[Diagnostic], report: Report) -> str:
    """Each diagnostic with its source and a caret line, like Ruff's default format."""
    blocks = []
    for d in diagnostics:
        width = len(str(max((n for n, _ in d.snippet), default=d.line)))
        pad = " " * width
        lines = [_headline(d), f"{pad}--> {report.display(d.path)}:{d.line}:{d.col}"]
        if d.snippet:
            lines.append(f"{pad} |")
            for number, text in d.snippet:
                shown, starts = _displayed(text)
                lines.append(f"{number:>{width}} | {shown}".rstrip())
                if number == d.line:
                    first = starts[min(d.col - 1, len(text))]
                    last = starts[min(max(d.end_col, d.col) - 1, len(text))]
                    carets = "^" * max(last - first, 1)
                    lines.append(f"{pad} | {' ' * first}{carets}")
            lines.append(f"{pad} |")
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks) + ("\n" if blocks else "")


def pylint(diagnostics: Sequence[Diagnostic], report: Report) -> str:
    return "".join(
        f"{report.display(d.path)}:{d.line}: [{d.code}] {d.message}\n" for d in diagnostics
    )


def statistics(diagnostics: Sequence[Diagnostic], report: Report, output_format: str) -> str:
    """``--statistics``: how many of each code, most frequent first; as a text table
    (count, code, rule name) or, for the JSON formats, Ruff's statistics objects."""
    counts = Counter(d.code for d in diagnostics)
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    objects = [
        {"code": code, "name": _rule_name(code, report), "count": count, "fixable": False}
        for code, count in rows
    ]
    if output_format == "json":
        return json.dumps(objects, indent=2) + "\n"
    if output_format == "json-lines":
        return "".join(json.dumps(item, separators=(",", ":")) + "\n" for item in objects)
    if not counts:
        return ""
    width = len(str(max(counts.values())))
    lines = []
    for code, count in rows:
        name = report.rules[code].name if code in report.rules else ""
        lines.append(f"{count:>{width}}\t{code}\t{name}".rstrip())
    return "\n".join(lines) + "\n"


def _rule_name(code: str, report: Report) -> str:
    rule = report.rules.get(code)
    return rule.name if rule is not None else code


# --------------------------------------------------------------------------- json
def _ruff_object(d: Diagnostic, report: Report) -> dict[str, Any]:
    return {
        "cell": None,
        "code": d.code,
        "end_location": {"column": d.end_col, "row": d.end_line},
        "filename": d.path if d.path == "-" else os.path.abspath(d.path),
        "fix": None,
        "location": {"column": d.col, "row": d.line},
        "message": d.message,
        "name": report.name(d),
        "noqa_row": d.noqa_row,
        "severity": "error",
        "url": None,
    }


def json_format(diagnostics: Sequence[Diagnostic], report: Report) -> str:
    return json.dumps([_ruff_object(d, report) for d in diagnostics], indent=2) + "\n"


def json_lines(diagnostics: Sequence[Diagnostic], report: Report) -> str:
    return "".join(
        json.dumps(_ruff_object(d, report), separators=(",", ":")) + "\n" for d in diagnostics
    )


# --------------------------------------------------------------------------- github
def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github(diagnostics: Sequence[Diagnostic], report: Report) -> str:
    """``::error`` workflow commands; GitHub turns them into annotations on the diff."""
    lines = []
    for d in diagnostics:
        path = report.display(d.path)
        properties = ",".join(
            [
                f"title={_escape_property(f'{TOOL} ({d.code})')}",
                f"file={_escape_property(path)}",
                f"line={d.line}",
                f"col={d.col}",
                f"endLine={d.end_line}",
                f"endColumn={d.end_col}",
            ]
        )
        text = f"{path}:{d.line}:{d.col}: {_headline(d)}"
        lines.append(f"::error {properties}::{_escape_data(text)}\n")
    return "".join(lines)


# --------------------------------------------------------------------------- gitlab
def fingerprints(diagnostics: Sequence[Diagnostic], report: Report) -> list[str]:
    """One unique, stable fingerprint per diagnostic, its path taken from the project
    root (see :func:`fingerprints_by`)."""
    return fingerprints_by(diagnostics, report.project_path)


def fingerprints_by(diagnostics: Sequence[Diagnostic], path_of: Callable[[str], str]) -> list[str]:
    """One unique, stable fingerprint per diagnostic: its file (as ``path_of`` names
    it), code, message and the text of its line (not the line number, so unrelated
    edits keep it), made unique among identical findings by their order."""
    seen: Counter[str] = Counter()
    found = []
    for d in diagnostics:
        key = "\0".join([path_of(d.path), d.code, d.message, d.source_line.strip()])
        seen[key] += 1
        digest = hashlib.sha256(f"{key}\0{seen[key]}".encode()).hexdigest()
        found.append(digest[:32])
    return found


def gitlab(diagnostics: Sequence[Diagnostic], report: Report) -> str:
    """GitLab Code Quality: ``check_name``, ``description``, ``severity``,
    ``fingerprint`` and ``location`` with a path relative to the project."""
    entries = [
        {
            "check_name": d.code,
            "description": f"{d.code}: {d.message}",
            "severity": "major" if d.is_rule else "critical",
            "fingerprint": fingerprint,
            "location": {
                "path": report.project_path(d.path),
                "positions": {
                    "begin": {"line": d.line, "column": d.col},
                    "end": {"line": d.end_line, "column": d.end_col},
                },
            },
        }
        for d, fingerprint in zip(diagnostics, fingerprints(diagnostics, report), strict=True)
    ]
    return json.dumps(entries, indent=2) + "\n"


# --------------------------------------------------------------------------- sarif
def _artifact(path: str, report: Report) -> dict[str, str]:
    relative = _relative(path, report.root or report.cwd)
    if relative is not None and relative != "-":
        return {"uri": quote(relative), "uriBaseId": "%SRCROOT%"}
    return {"uri": Path(path).absolute().as_uri() if path != "-" else "stdin"}


def _region(d: Diagnostic) -> dict[str, int]:
    return {
        "startLine": d.line,
        "startColumn": d.col,
        "endLine": d.end_line,
        "endColumn": max(d.end_col, d.col),
    }


def _sarif_rule(rule: Rule) -> dict[str, Any]:
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.rationale},
        "help": {"text": rule_text(rule), "markdown": rule_markdown(rule)},
        "defaultConfiguration": {"enabled": rule.default_enabled, "level": "error"},
        "properties": {
            "tags": [TOOL, "twelve-factor", rule.name],
            "precision": "high",
        },
    }


def sarif(diagnostics: Sequence[Diagnostic], report: Report) -> str:
    findings = [d for d in diagnostics if d.is_rule]
    codes = sorted({d.code for d in findings})
    index = {code: position for position, code in enumerate(codes)}
    rules = [
        _sarif_rule(report.rules[code]) if code in report.rules else {"id": code} for code in codes
    ]
    results = [
        {
            "ruleId": d.code,
            "ruleIndex": index[d.code],
            "level": "error",
            "message": {"text": d.message},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": _artifact(d.path, report),
                        "region": _region(d),
                    }
                }
            ],
            "partialFingerprints": {f"{TOOL}/v1": fingerprint},
        }
        for d, fingerprint in zip(findings, fingerprints(findings, report), strict=True)
    ]
    notifications = [
        {
            "level": "error",
            "message": {"text": f"{d.code}: {d.message}"},
            "descriptor": {"id": d.code},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": _artifact(d.path, report),
                        "region": _region(d),
                    }
                }
            ],
        }
        for d in diagnostics
        if not d.is_rule
    ]
    base = (report.root or report.cwd).absolute().as_uri().rstrip("/") + "/"
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": TOOL, "version": __version__, "rules": rules}},
                "originalUriBaseIds": {"%SRCROOT%": {"uri": base}},
                "columnKind": "unicodeCodePoints",
                "results": results,
                "invocations": [
                    {"executionSuccessful": True, "toolExecutionNotifications": notifications}
                ],
            }
        ],
    }
    return json.dumps(document, indent=2) + "\n"


# --------------------------------------------------------------------------- junit
def junit(diagnostics: Sequence[Diagnostic], report: Report) -> str:
    """One test suite per file, one failing test case per diagnostic (Ruff's layout)."""
    suites = ElementTree.Element(
        "testsuites",
        name=TOOL,
        tests=str(len(diagnostics)),
        skipped="0",
        failures=str(len(diagnostics)),
        errors="0",
    )
    by_file: dict[str, list[Diagnostic]] = {}
    for d in diagnostics:
        by_file.setdefault(d.path, []).append(d)
    if not by_file:
        suite = ElementTree.SubElement(
            suites, "testsuite", name=TOOL, tests="1", skipped="0", errors="0", failures="0"
        )
        ElementTree.SubElement(suite, "testcase", name="No errors found", classname=TOOL)
    for path, found in by_file.items():
        shown = report.display(path)
        suite = ElementTree.SubElement(
            suites,
            "testsuite",
            name=shown,
            tests=str(len(found)),
            skipped="0",
            errors="0",
            failures=str(len(found)),
            package=f"org.{TOOL}",
        )
        classname = shown[:-3] if shown.endswith(".py") else shown
        for d in found:
            case = ElementTree.SubElement(
                suite,
                "testcase",
                name=f"org.{TOOL}.{d.code}",
                classname=classname,
                line=str(d.line),
                column=str(d.col),
            )
            failure = ElementTree.SubElement(case, "failure", message=d.message)
            failure.text = f"line {d.line}, col {d.col}, {d.message}"
    ElementTree.indent(suites, space="    ")
    body = ElementTree.tostring(suites, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n{body}\n'


Formatter = Callable[[Sequence[Diagnostic], Report], str]

FORMATS: dict[str, Formatter] = {
    "concise": concise,
    "full": full,
    "json": json_format,
    "json-lines": json_lines,
    "github": github,
    "gitlab": gitlab,
    "sarif": sarif,
    "junit": junit,
    "pylint": pylint,
}
"""Every ``--output-format``, by Ruff's names."""

SUMMARISED = frozenset({"concise", "full"})
"""Formats followed by Ruff's ``Found N errors.`` line."""

NOQA_ROW_FORMATS = frozenset({"json", "json-lines"})
"""Formats that print each finding's ``noqa_row``."""

STATISTICS_FORMATS = frozenset({*SUMMARISED, "json", "json-lines"})
"""Formats ``--statistics`` prints in: a text table, or JSON."""

__all__ = [
    "FORMATS",
    "IO_ERROR",
    "NOQA_ROW_FORMATS",
    "STATISTICS_FORMATS",
    "SUMMARISED",
    "SYNTAX_ERROR",
    "Report",
    "summary",
]
