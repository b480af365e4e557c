"""``flake8-stateless``: the rules without flake8, for teams that lint with Ruff alone
and for CI pipelines that want machine-readable results. It feels like Ruff::

    flake8-stateless check [PATHS] [--output-format FORMAT]
                           [--select/--ignore/--extend-select CODES]
                           [--exit-zero] [--add-noqa] [--statistics] [--baseline FILE]
    flake8-stateless rule SLS101 [--output-format text|json]
    flake8-stateless rule --all

Exit codes: 0 nothing found, 1 findings, 2 usage or configuration error. The rules are
the plugin's, run by the same engine; flake8 is never imported.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from flake8_stateless import __version__
from flake8_stateless.docs import rule_json, rule_markdown
from flake8_stateless.formats import FORMATS, SUMMARISED, Report, fingerprints, statistics, summary
from flake8_stateless.lint import (
    Diagnostic,
    FileResult,
    Options,
    Task,
    default_jobs,
    flatten,
    lint_bytes,
    lint_files,
)
from flake8_stateless.options import ConfigurationError, Settings
from flake8_stateless.packs import load_rule_packs
from flake8_stateless.prefilter import Prefilter
from flake8_stateless.registry import Rule
from flake8_stateless.rules import ALL_RULES
from flake8_stateless.workspace import Selection, Workspace, check_selector, parse_overrides

PROG = "flake8-stateless"
FORMAT_ENV = "FLAKE8_STATELESS_OUTPUT_FORMAT"
BASELINE_VERSION = 1


def _codes(value: str) -> list[str]:
    return [code.strip() for code in value.split(",") if code.strip()]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Find code that breaks the twelve-factor stateless-processes rule.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser("check", help="lint files and folders (default: .)")
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or folders; - for stdin")
    check.add_argument(
        "--output-format",
        choices=sorted(FORMATS),
        default=os.environ.get(FORMAT_ENV, "full"),
        help=f"how to print findings (default: full, or ${FORMAT_ENV})",
    )
    check.add_argument(
        "-o", "--output-file", type=Path, help="write the report here, not to stdout"
    )
    for flag, meaning in (
        ("--select", "rules to enable instead of the configured ones"),
        ("--extend-select", "rules to enable on top of the configured ones"),
        ("--ignore", "rules to disable"),
    ):
        check.add_argument(
            flag,
            action="append",
            type=_codes,
            default=[],
            metavar="CODES",
            help=f"comma-separated codes or prefixes: {meaning}",
        )
    check.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="FILE_OR_OPTION",
        help="a pyproject.toml (or TOML file) to use for every file, or an option as "
        'TOML, e.g. "call-depth = 1" (repeatable)',
    )
    check.add_argument("--isolated", action="store_true", help="ignore configuration files")
    check.add_argument(
        "--exclude",
        action="append",
        type=_codes,
        metavar="PATTERNS",
        help="glob patterns to exclude, replacing the defaults",
    )
    check.add_argument(
        "--extend-exclude",
        action="append",
        type=_codes,
        metavar="PATTERNS",
        help="glob patterns to exclude on top of the defaults",
    )
    check.add_argument(
        "--force-exclude",
        action="store_true",
        help="apply excludes to files named on the command line too",
    )
    check.add_argument(
        "--stdin-filename",
        metavar="PATH",
        help="the path of the code read from stdin (for configuration and rules)",
    )
    check.add_argument("--exit-zero", action="store_true", help="exit 0 even with findings")
    check.add_argument(
        "--add-noqa",
        action="store_true",
        help="append '# noqa: SLSnnn' to every line with a finding",
    )
    check.add_argument("--ignore-noqa", action="store_true", help="report findings despite noqa")
    check.add_argument("--statistics", action="store_true", help="count findings per rule")
    check.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help="do not report findings recorded in this baseline file",
    )
    check.add_argument(
        "--write-baseline",
        type=Path,
        metavar="FILE",
        help="record every current finding in this file and exit 0",
    )
    check.add_argument(
        "-j",
        "--jobs",
        type=int,
        default=default_jobs(),
        help="processes to lint with (default: every core)",
    )
    check.add_argument("-q", "--quiet", action="store_true", help="print findings only")
    check.add_argument("-s", "--silent", action="store_true", help="print nothing")

    rule = commands.add_parser("rule", help="explain a rule (or every rule)")
    rule.add_argument("code", nargs="?", metavar="CODE", help="a rule code (SLS101) or name")
    rule.add_argument("--all", action="store_true", help="explain every rule")
    rule.add_argument("--output-format", choices=("text", "json"), default="text")

    commands.add_parser("version", help="print the version")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The console script ``flake8-stateless``; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            return _check(args, parser)
        if args.command == "rule":
            return _rule(args, parser)
        if args.command == "version":
            print(f"{PROG} {__version__}")
            return 0
        parser.print_help(sys.stderr)
        return 2
    except ConfigurationError as error:
        print(str(error).splitlines()[0], file=sys.stderr)
        return 2
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (``| head``): not an error
        return 0


# ------------------------------------------------------------------------- rule
def _known_rules() -> tuple[Rule, ...]:
    packs = load_rule_packs({rule.code for rule in ALL_RULES})
    return (*ALL_RULES, *packs.rules)


def _rule(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    rules = _known_rules()
    if args.all:
        chosen = list(rules)
    elif args.code:
        wanted = args.code.strip()
        chosen = [r for r in rules if wanted in (r.code, r.name) or wanted.upper() == r.code]
        if not chosen:
            print(f"{PROG}: unknown rule {wanted!r}; see '{PROG} rule --all'", file=sys.stderr)
            return 2
    else:
        parser.error("rule: give a CODE or --all")
    if args.output_format == "json":
        payload = [rule_json(r) for r in chosen] if args.all else rule_json(chosen[0])
        print(json.dumps(payload, indent=2))
    else:
        print("\n".join(rule_markdown(r) for r in chosen), end="")
    return 0


# ------------------------------------------------------------------------- check
def _check(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    cwd = Path.cwd()
    packs = load_rule_packs({rule.code for rule in ALL_RULES})
    for error in packs.errors:
        _warn(error)
    rules = (*ALL_RULES, *packs.rules)
    cli = Selection(
        select=tuple(check_selector(s, rules, "--select") for group in args.select for s in group)
        if args.select
        else None,
        extend_select=tuple(
            check_selector(s, rules, "--extend-select")
            for group in args.extend_select
            for s in group
        ),
        ignore=tuple(check_selector(s, rules, "--ignore") for group in args.ignore for s in group),
    )
    files = [value for value in args.config if Path(value).is_file()]
    snippets = [value for value in args.config if not Path(value).is_file()]
    if len(files) > 1:
        parser.error("check: --config names more than one file")
    overrides = parse_overrides(snippets)
    if args.exclude:
        overrides["exclude"] = [p for group in args.exclude for p in group]
    if args.extend_exclude:
        overrides["extend-exclude"] = [p for group in args.extend_exclude for p in group]
    workspace = Workspace(
        cwd=cwd,
        cli=cli,
        overrides=overrides,
        config_file=Path(files[0]).absolute() if files else None,
        isolated=args.isolated,
        rules=rules,
        pack_rules=packs.rules,
    )
    options = Options(add_noqa=args.add_noqa, ignore_noqa=args.ignore_noqa)
    reading_stdin = args.paths == ["-"] or (not args.paths and args.stdin_filename is not None)
    if reading_stdin:
        if args.add_noqa:
            parser.error("check: --add-noqa cannot edit stdin")
        results = _lint_stdin(args, workspace, options)
    else:
        results = _lint_paths(args, workspace, options)
    for result in results:
        for warning in result.warnings:
            _warn(warning)
    if args.add_noqa:
        added = sum(result.noqa_added for result in results)
        if not args.silent:
            print(f"Added {added} noqa directive{'' if added == 1 else 's'}.", file=sys.stderr)
        return 0
    diagnostics = flatten(results)
    report = Report(cwd, {rule.code: rule for rule in rules}, _project_root(cwd))
    if args.write_baseline is not None:
        _write_baseline(args.write_baseline, diagnostics, report)
        if not args.silent:
            print(
                f"Recorded {len(diagnostics)} findings in {args.write_baseline}.", file=sys.stderr
            )
        return 0
    if args.baseline is not None:
        diagnostics = _without_baseline(args.baseline, diagnostics, report)
    if not args.silent:
        _print_report(args, diagnostics, report)
    return 1 if diagnostics and not args.exit_zero else 0


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def _project_root(cwd: Path) -> Path:
    """Where CI report paths start: GitLab's project directory when set, else cwd."""
    project = os.environ.get("CI_PROJECT_DIR")
    return Path(project).absolute() if project else cwd


def _lint_stdin(
    args: argparse.Namespace, workspace: Workspace, options: Options
) -> list[FileResult]:
    name = args.stdin_filename
    path = (workspace.cwd / name).absolute() if name else workspace.cwd / "-"
    if name and args.force_exclude and workspace.excluded(path):
        return []
    target = workspace.settings_for(path)
    rules = (*workspace.rules, *target.settings.rules_file)
    data = sys.stdin.buffer.read()
    shown = str(path) if name else "-"
    prefilter = Prefilter(target.settings, rules)
    result = lint_bytes(
        shown,
        data,
        engine_name=target.engine_name,
        settings=target.settings,
        prefilter=prefilter,
        options=options,
    )
    return [result]


def _lint_paths(
    args: argparse.Namespace, workspace: Workspace, options: Options
) -> list[FileResult]:
    table: list[Settings] = []
    index: dict[int, int] = {}
    tasks = []
    for path in workspace.discover(args.paths or ["."], args.force_exclude):
        target = workspace.settings_for(path)
        key = id(target.settings)
        if key not in index:
            index[key] = len(table)
            table.append(target.settings)
        tasks.append(Task(str(path), target.engine_name, index[key]))
    return lint_files(tasks, table, options, args.jobs)


def _print_report(args: argparse.Namespace, diagnostics: list[Diagnostic], report: Report) -> None:
    if args.statistics:
        text = statistics(diagnostics, report)
    else:
        text = FORMATS[args.output_format](diagnostics, report)
    if args.output_file is not None:
        args.output_file.write_text(text, encoding="utf-8")
        stream: TextIO | None = None
    else:
        sys.stdout.write(text)
        stream = sys.stdout
    if not args.quiet and (args.statistics or args.output_format in SUMMARISED):
        print(summary(diagnostics), file=stream or sys.stderr)


# ----------------------------------------------------------------------- baseline
def _write_baseline(path: Path, diagnostics: Sequence[Diagnostic], report: Report) -> None:
    """Record the findings by fingerprint (file, code, message, line text): moving code
    around keeps them matched, changing the flagged line brings it back."""
    findings = [d for d in diagnostics if d.is_rule]
    entries = [
        {
            "path": report.project_path(d.path),
            "code": d.code,
            "message": d.message,
            "fingerprint": f,
        }
        for d, f in zip(findings, fingerprints(findings, report), strict=True)
    ]
    document = {"tool": PROG, "version": BASELINE_VERSION, "findings": entries}
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def _without_baseline(
    path: Path, diagnostics: list[Diagnostic], report: Report
) -> list[Diagnostic]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        known = {entry["fingerprint"] for entry in document["findings"]}
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ConfigurationError(f"{PROG}: cannot read baseline {path}: {error}") from None
    findings = [d for d in diagnostics if d.is_rule]
    recorded = {
        id(d) for d, f in zip(findings, fingerprints(findings, report), strict=True) if f in known
    }
    return [d for d in diagnostics if id(d) not in recorded]
