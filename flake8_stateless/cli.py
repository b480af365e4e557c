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
from typing import NoReturn

from flake8_stateless import __version__, baseline
from flake8_stateless.docs import rule_json, rule_markdown
from flake8_stateless.formats import (
    FORMATS,
    NOQA_ROW_FORMATS,
    STATISTICS_FORMATS,
    SUMMARISED,
    Report,
    statistics,
    summary,
)
from flake8_stateless.lint import (
    Diagnostic,
    Options,
    Task,
    add_noqa,
    default_jobs,
    flatten,
    lint_files,
)
from flake8_stateless.options import ConfigurationError, Settings
from flake8_stateless.packs import load_rule_packs
from flake8_stateless.registry import Rule
from flake8_stateless.rules import ALL_RULES
from flake8_stateless.workspace import Selection, Workspace, check_selector, parse_overrides

PROG = "flake8-stateless"
FORMAT_ENV = "FLAKE8_STATELESS_OUTPUT_FORMAT"
NO_FILES = "No Python files found under the given path(s)"


def _codes(value: str) -> list[str]:
    return [code.strip() for code in value.split(",") if code.strip()]


def _output_format(value: str) -> str:
    """A name of :data:`FORMATS`, in any case (``JSON`` is ``json``)."""
    name = value.strip().lower()
    if name not in FORMATS:
        raise argparse.ArgumentTypeError(
            f"invalid value {value!r}; expected one of: {', '.join(sorted(FORMATS))}"
        )
    return name


def _jobs(value: str) -> int:
    try:
        jobs = int(value)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"invalid value {value!r}; expected a number from 1 up")
    return jobs


class _Parser(argparse.ArgumentParser):
    """Usage errors in one line (and exit 2), like every other error of the command."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Find code that breaks the twelve-factor stateless-processes rule.",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser("check", help="lint files and folders (default: .)")
    check.add_argument("paths", nargs="*", metavar="PATH", help="files or folders; - for stdin")
    check.add_argument(
        "--output-format",
        type=_output_format,
        metavar="FORMAT",
        help=f"how to print findings: {', '.join(sorted(FORMATS))} "
        f"(default: full, or ${FORMAT_ENV})",
    )
    check.add_argument(
        "-o",
        "--output-file",
        type=Path,
        metavar="FILE",
        help="write the report to this file (in an existing folder), not to stdout",
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
        type=_jobs,
        default=default_jobs(),
        metavar="N",
        help="processes to lint with, 1 or more (default: every core)",
    )
    check.add_argument("-q", "--quiet", action="store_true", help="print findings only")
    check.add_argument("-s", "--silent", action="store_true", help="print nothing")
    check.set_defaults(parser=check)

    rule = commands.add_parser(
        "rule",
        help="explain a rule (or every rule)",
        description="Explain a rule: a built-in one, a rule pack's, or one of the rules-file "
        "named in the nearest pyproject.toml's [tool.flake8-stateless].",
    )
    rule.add_argument("code", nargs="?", metavar="CODE", help="a rule code (SLS101) or name")
    rule.add_argument("--all", action="store_true", help="explain every rule")
    rule.add_argument("--output-format", choices=("text", "json"), default="text")
    rule.set_defaults(parser=rule)

    commands.add_parser("version", help="print the version")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """The console script ``flake8-stateless``; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            return _check(args, args.parser)
        if args.command == "rule":
            return _rule(args, args.parser)
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
def _known_rules(cwd: Path, with_rules_file: bool) -> tuple[Rule, ...]:
    """The built-in rules, the installed packs' and, if asked, the ``rules-file`` of the
    configuration that ``check`` would use in ``cwd``."""
    packs = load_rule_packs({rule.code for rule in ALL_RULES})
    rules = (*ALL_RULES, *packs.rules)
    if not with_rules_file:
        return rules
    config = Workspace(cwd=cwd, rules=rules).config_for(cwd)
    return (*rules, *config.base.rules_file)


def _find_rules(rules: Sequence[Rule], wanted: str) -> list[Rule]:
    return [r for r in rules if wanted in (r.code, r.name) or wanted.upper() == r.code]


def _rule(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.all and args.code:
        parser.error("give a CODE or --all, not both")
    if not args.all and not args.code:
        parser.error("give a CODE (such as SLS101) or --all")
    cwd = Path.cwd()
    if args.all:
        chosen = list(_known_rules(cwd, with_rules_file=True))
    else:
        wanted = args.code.strip()
        # the project's configuration is read only for a code nothing else knows
        chosen = _find_rules(_known_rules(cwd, with_rules_file=False), wanted) or _find_rules(
            _known_rules(cwd, with_rules_file=True), wanted
        )
        if not chosen:
            print(f"{PROG}: unknown rule {wanted!r}; see '{PROG} rule --all'", file=sys.stderr)
            return 2
    if args.output_format == "json":
        payload = [rule_json(r) for r in chosen] if args.all else rule_json(chosen[0])
        print(json.dumps(payload, indent=2))
    else:
        print("\n".join(rule_markdown(r) for r in chosen), end="")
    return 0


# ------------------------------------------------------------------------- check
def _check(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    output_format = _validated_output(args, parser)
    cwd = Path.cwd()
    reading_stdin = "-" in args.paths or (not args.paths and args.stdin_filename is not None)
    if args.add_noqa and reading_stdin:
        parser.error("--add-noqa cannot edit stdin")
    if args.add_noqa and args.write_baseline is not None:
        parser.error("--add-noqa and --write-baseline: choose one way to adopt the findings")
    known = baseline.read(args.baseline) if args.baseline is not None else None
    packs = load_rule_packs({rule.code for rule in ALL_RULES})
    for error in packs.errors:
        _warn(error)
    rules = (*ALL_RULES, *packs.rules)
    workspace = _workspace(args, parser, cwd, rules, packs.rules)
    tasks, table = _plan(args, workspace, reading_stdin)
    if not tasks:
        _warn(NO_FILES)
    elif not any(settings.enabled_codes for settings in table):
        _warn(
            "No rules are enabled (see --select, --ignore and [tool.flake8-stateless]): "
            "nothing was checked"
        )
    noqa_rows = args.add_noqa or output_format in NOQA_ROW_FORMATS
    options = Options(ignore_noqa=args.ignore_noqa, noqa_rows=noqa_rows)
    results = lint_files(tasks, table, options, args.jobs)
    report = Report(cwd, {rule.code: rule for rule in rules}, _project_root(cwd))
    for result in sorted(results, key=lambda result: result.path):
        for warning in result.warnings:
            _warn(f"{report.display(result.path)}: {warning}")
    diagnostics = flatten(results)
    if args.write_baseline is not None:
        recorded = baseline.write(args.write_baseline, diagnostics)
        if not args.silent:
            print(f"Recorded {recorded} findings in {args.write_baseline}.", file=sys.stderr)
        return 0
    if known is not None:
        diagnostics = known.without_known(diagnostics, report.project_path)
    if args.add_noqa:
        added = add_noqa(diagnostics)
        if not args.silent:
            print(f"Added {added} noqa directive{'' if added == 1 else 's'}.", file=sys.stderr)
        return 0
    if not args.silent:
        _print_report(args, output_format, diagnostics, report)
    return 1 if diagnostics and not args.exit_zero else 0


def _validated_output(args: argparse.Namespace, parser: argparse.ArgumentParser) -> str:
    """The output format, and the files to write, checked before any linting."""
    output_format = args.output_format
    if output_format is None:
        value = os.environ.get(FORMAT_ENV, "").strip() or "full"
        try:
            output_format = _output_format(value)
        except argparse.ArgumentTypeError as error:
            raise ConfigurationError(f"{PROG}: ${FORMAT_ENV}: {error}") from None
    if args.statistics and output_format not in STATISTICS_FORMATS:
        parser.error(
            f"--statistics prints text or JSON, not --output-format {output_format} "
            f"(use one of: {', '.join(sorted(STATISTICS_FORMATS))})"
        )
    for flag, path in (
        ("--output-file", args.output_file),
        ("--write-baseline", args.write_baseline),
    ):
        if path is not None:
            _check_writable(flag, path)
    return str(output_format)


def _check_writable(flag: str, path: Path) -> None:
    if path.is_dir():
        raise ConfigurationError(f"{PROG}: {flag} {path}: is a folder; name a file")
    folder = path.absolute().parent
    if not folder.is_dir():
        raise ConfigurationError(f"{PROG}: {flag} {path}: the folder {folder} does not exist")


def _config_arguments(values: Sequence[str]) -> tuple[list[Path], list[str]]:
    """``--config`` values: files (anything without ``=``), and TOML option snippets."""
    files: list[Path] = []
    snippets: list[str] = []
    for value in values:
        path = Path(value)
        if path.is_file():
            files.append(path)
        elif "=" in value:
            snippets.append(value)
        elif path.is_dir():
            raise ConfigurationError(
                f"{PROG}: --config {value}: is a folder; name a pyproject.toml or TOML file"
            )
        else:
            raise ConfigurationError(
                f"{PROG}: --config {value}: no such file (an option is written "
                '"key = value", such as "call-depth = 1")'
            )
    return files, snippets


def _workspace(
    args: argparse.Namespace,
    parser: argparse.ArgumentParser,
    cwd: Path,
    rules: tuple[Rule, ...],
    pack_rules: tuple[Rule, ...],
) -> Workspace:
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
    files, snippets = _config_arguments(args.config)
    if len(files) > 1:
        parser.error("--config names more than one file")
    overrides = parse_overrides(snippets)
    if args.exclude:
        overrides["exclude"] = [p for group in args.exclude for p in group]
    if args.extend_exclude:
        overrides["extend-exclude"] = [p for group in args.extend_exclude for p in group]
    return Workspace(
        cwd=cwd,
        cli=cli,
        overrides=overrides,
        config_file=files[0].absolute() if files else None,
        isolated=args.isolated,
        rules=rules,
        pack_rules=pack_rules,
    )


def _warn(message: str) -> None:
    print(f"warning: {message}", file=sys.stderr)


def _project_root(cwd: Path) -> Path:
    """Where CI report paths start: GitLab's project directory when set, else cwd."""
    project = os.environ.get("CI_PROJECT_DIR")
    return Path(project).absolute() if project else cwd


def _plan(
    args: argparse.Namespace, workspace: Workspace, reading_stdin: bool
) -> tuple[list[Task], list[Settings]]:
    """One task per file to lint (stdin first, when read), and the distinct settings
    the tasks refer to by index."""
    table: list[Settings] = []
    index: dict[int, int] = {}
    tasks: list[Task] = []

    def add(path: Path, shown: str, stdin: bytes | None = None) -> None:
        target = workspace.settings_for(path)
        key = id(target.settings)
        if key not in index:
            index[key] = len(table)
            table.append(target.settings)
        tasks.append(Task(shown, target.engine_name, index[key], stdin))

    if reading_stdin:
        name = args.stdin_filename
        path = (workspace.cwd / name).absolute() if name else workspace.cwd / "-"
        data = sys.stdin.buffer.read()
        if not (name and args.force_exclude and workspace.excluded(path)):
            add(path, str(path) if name else "-", data)
    paths = [path for path in args.paths if path != "-"]
    if paths or not reading_stdin:
        for path in workspace.discover(paths or ["."], args.force_exclude):
            add(path, str(path))
    return tasks, table


def _print_report(
    args: argparse.Namespace, output_format: str, diagnostics: list[Diagnostic], report: Report
) -> None:
    if args.statistics:
        text = statistics(diagnostics, report, output_format)
    else:
        text = FORMATS[output_format](diagnostics, report)
    if args.output_file is not None:
        try:
            args.output_file.write_text(text, encoding="utf-8")
        except OSError as error:
            reason = error.strerror or str(error)
            raise ConfigurationError(
                f"{PROG}: --output-file {args.output_file}: cannot write it ({reason})"
            ) from None
    else:
        sys.stdout.write(text)
    if not args.quiet and output_format in SUMMARISED:
        stream = sys.stderr if args.output_file is not None else sys.stdout
        print(summary(diagnostics), file=stream)
