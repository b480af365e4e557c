"""What the plugin reports on real applications: ``python -m benchmarks.primer``.

Like flake8-pyi's typeshed primer: the findings on the pinned applications of the corpus
(``kind: "app"`` in corpus.json) are written to ``benchmarks/primer/findings.txt``, one
sorted line per finding with paths relative to the package root, so a change to a rule
shows up as a diff of that file. ``benchmarks/primer/judgement.md`` holds a verdict for
each finding (true, false alarm or unsure, with the reason); ``counts.txt`` is
regenerated from both: findings per application and per code, and how many were judged
true.

Recall is measured against ``benchmarks/primer/recall/<app>.md``: ledgers of the true
problems found by reading each application's handlers and what they reach, one line per
problem at the site where it should be reported. An entry is reported when findings.txt
has the same application, path, line and code; counts.txt gives recall per application and
per tag (``local``, ``cross-module``, ``long-lived``) next to the precision counts.

The applications' own test directories are linted too: users run flake8 over the whole
repository, and the plugin is meant to recognise test code (request scope and
configuration rules stay silent there), so findings in tests are worth seeing.

The real flake8 runs (``-j1``, ``--isolated``, one application at a time) with only
this plugin loaded and every rule selected, so noqa comments and selection behave as
for users. Rule exceptions are reported as SLS000 findings here, not raised.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from benchmarks.corpus import (
    CorpusError,
    CorpusPackage,
    default_cache_dir,
    ensure_corpus,
    load_pins,
)
from flake8_stateless import engine
from flake8_stateless.project.cache import CACHE_DIR_ENV
from flake8_stateless.rules import ALL_RULES

PRIMER_DIR = Path(__file__).with_name("primer")
FINDINGS = PRIMER_DIR / "findings.txt"
COUNTS = PRIMER_DIR / "counts.txt"
JUDGEMENT = PRIMER_DIR / "judgement.md"
RECALL_DIR = PRIMER_DIR / "recall"
VERDICTS = ("true", "false alarm", "unsure")
# How a ledger entry's site relates to the handler that reaches it (see recall/*.md).
TAGS = ("local", "cross-module", "long-lived")

LIVE_CODES = tuple(rule.code for rule in ALL_RULES if rule.removed_in is None)

_OUTPUT = re.compile(
    r"^(?:\./)?(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d+) (?P<text>.*)$"
)
_JUDGED = re.compile(
    r"^- `(?P<key>[^`]+)` \*\*(?P<verdict>" + "|".join(VERDICTS) + r")\*\*:? (?P<reason>\S.*)$"
)
_LEDGER_TITLE = re.compile(r"^# Recall ledger: (?P<app>\S+) (?P<version>\S+)$")
_LEDGER_ENTRY = re.compile(
    r"^- `(?P<path>[^`:\s]+):(?P<line>[1-9]\d*) (?P<code>SLS\d{3})` "
    r"\*\*(?P<tags>[a-z-]+(?:, [a-z-]+)*)\*\*: (?P<note>\S.*)$"
)


@dataclass(frozen=True, order=True)
class Finding:
    app: str
    path: str
    line: int
    col: int
    code: str
    message: str

    @property
    def key(self) -> str:
        """How judgement.md names a finding: ``app path:line:col CODE``."""
        return f"{self.app} {self.path}:{self.line}:{self.col} {self.code}"

    def render(self) -> str:
        return f"{self.app} {self.path}:{self.line}:{self.col}: {self.code} {self.message}"


def lint(package: CorpusPackage) -> list[Finding]:
    """flake8 with only this plugin loaded, every rule on, over one unpacked package."""
    env = dict(os.environ)
    env.pop(engine.RAISE_ENV, None)
    # the corpus is read-only: the project index caches its summaries beside it
    env.setdefault(CACHE_DIR_ENV, str(default_cache_dir().parent / "summaries"))
    repo = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (repo, env.get("PYTHONPATH")) if p)
    command = [
        sys.executable, "-m", "benchmarks.flake8_run", "only", "-j1", "--isolated",
        "--select=SLS", f"--extend-select={','.join(LIVE_CODES)}",
        "--extend-ignore=SLS9",  # users' own rules: a pack installed here is the tests'
        ".",
    ]  # fmt: skip
    result = subprocess.run(
        command, cwd=package.root, env=env, capture_output=True, text=True, check=False
    )
    if result.returncode not in (0, 1):
        raise SystemExit(f"flake8 failed on {package.name}:\n{result.stderr.strip()}")
    findings = []
    for line in result.stdout.splitlines():
        match = _OUTPUT.match(line)
        if match is None:
            raise SystemExit(f"unexpected flake8 output on {package.name}: {line!r}")
        findings.append(Finding(package.name, match["path"], int(match["line"]),
                                int(match["col"]), match["code"], match["text"]))
    return findings


def read_findings(path: Path = FINDINGS) -> list[Finding]:
    findings: list[Finding] = []
    if not path.is_file():
        return findings
    for line in path.read_text(encoding="utf-8").splitlines():
        app, _, rest = line.partition(" ")
        match = _OUTPUT.match(rest)
        if match is not None:
            findings.append(Finding(app, match["path"], int(match["line"]), int(match["col"]),
                                    match["code"], match["text"]))
    return findings


def read_judgement(path: Path = JUDGEMENT) -> dict[str, str]:
    """Finding key -> verdict, from the ``- `key` **verdict**: reason`` lines."""
    verdicts: dict[str, str] = {}
    if not path.is_file():
        return verdicts
    for line in path.read_text(encoding="utf-8").splitlines():
        match = _JUDGED.match(line.strip())
        if match is not None:
            verdicts[match["key"]] = match["verdict"]
    return verdicts


@dataclass(frozen=True)
class LedgerEntry:
    """One true problem of a recall ledger, at the site where it should be reported."""

    app: str
    path: str
    line: int
    code: str
    tags: tuple[str, ...]
    note: str


@dataclass(frozen=True)
class Ledgers:
    """Every ledger's entries, and the lines that break the format (``file:line: why``)."""

    entries: list[LedgerEntry]
    problems: list[str]


def read_ledgers(versions: Mapping[str, str], directory: Path = RECALL_DIR) -> Ledgers:
    """Parse ``directory/<app>.md`` for the applications in ``versions`` (name -> version).

    A ledger starts with ``# Recall ledger: <app> <version>`` (the file's own name and the
    pinned version), then free text; every line that starts with ``- `` is an entry:
    ``- `path:line CODE` **tag[, tag]**: what it is and the chain from the handler``.
    Malformed entries, unknown applications or tags and duplicate sites are problems. A
    code only has to look like one (``SLS`` and three digits): a ledger may list problems
    for a rule that is still being written.
    """
    entries: list[LedgerEntry] = []
    problems: list[str] = []
    for ledger in sorted(directory.glob("*.md")) if directory.is_dir() else []:
        app = ledger.stem
        where = ledger.name
        if app not in versions:
            problems.append(f"{where}: not a corpus application: {app!r}")
            continue
        lines = ledger.read_text(encoding="utf-8").splitlines()
        title = _LEDGER_TITLE.match(lines[0]) if lines else None
        if title is None or title["app"] != app:
            problems.append(f"{where}:1: expected '# Recall ledger: {app} {versions[app]}'")
        elif title["version"] != versions[app]:
            problems.append(f"{where}:1: {app} is pinned at {versions[app]}, "
                            f"not {title['version']}")
        seen: set[tuple[str, int, str]] = set()
        for number, text in enumerate(lines, start=1):
            if not text.startswith("- "):
                continue
            match = _LEDGER_ENTRY.match(text)
            if match is None:
                problems.append(f"{where}:{number}: malformed entry, expected "
                                "- `path:line CODE` **tag[, tag]**: note")
                continue
            tags = tuple(match["tags"].split(", "))
            unknown = [t for t in tags if t not in TAGS]
            if unknown or len(set(tags)) != len(tags):
                problems.append(f"{where}:{number}: tags must be distinct, from {', '.join(TAGS)}")
                continue
            site = (match["path"], int(match["line"]), match["code"])
            if site in seen:
                problems.append(f"{where}:{number}: {site[0]}:{site[1]} {site[2]} listed twice")
                continue
            seen.add(site)
            entries.append(LedgerEntry(app, site[0], site[1], site[2], tags, match["note"]))
    return Ledgers(entries, problems)


def _also_on(finding: Finding) -> list[int]:
    """The other lines a grouped finding names (``..., also on lines 44, 70; ...``)."""
    _, marker, rest = finding.message.partition(", also on line")
    if not marker:
        return []
    numbers = rest.removeprefix("s").lstrip().partition(";")[0]
    return [int(part) for part in numbers.split(",") if part.strip().isdigit()]


def _ratio(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part // whole}%)" if whole else "-"


def render_recall(
    findings: list[Finding], entries: list[LedgerEntry], apps: list[str], rule_codes: Iterable[str]
) -> str:
    """Ledger entries reported by the tool: per application, per tag, in total.

    An entry is reported when a finding has its application, path, line and code, or names
    its line in "also on lines ..." (one finding per object per function names the other
    sites it covers; each keeps its own line for ``noqa``). A finding on the same line with
    another code does not count; such lines are listed below the table, because they
    usually mean the ledger or the rule picked the wrong code.
    """
    reported_sites = {(f.app, f.path, f.line, f.code) for f in findings}
    reported_sites |= {(f.app, f.path, line, f.code) for f in findings for line in _also_on(f)}
    codes_on_line: dict[tuple[str, str, int], set[str]] = {}
    for f in findings:
        codes_on_line.setdefault((f.app, f.path, f.line), set()).add(f.code)

    def reported(entry: LedgerEntry) -> bool:
        return (entry.app, entry.path, entry.line, entry.code) in reported_sites

    def row(label: str, chosen: list[LedgerEntry]) -> str:
        cells = [_ratio(sum(map(reported, chosen)), len(chosen))]
        for tag in TAGS:
            tagged = [e for e in chosen if tag in e.tags]
            cells.append(_ratio(sum(map(reported, tagged)), len(tagged)))
        return f"{label:<{width}} " + " ".join(f"{c:>14}" for c in cells)

    width = max([len(a) for a in apps] + [11])
    lines = ["recall: ledger entries (benchmarks/primer/recall/*.md) that the tool reports", ""]
    lines.append(f"{'application':<{width}} " + " ".join(f"{h:>14}" for h in ("all", *TAGS)))
    for app in apps:
        chosen = [e for e in entries if e.app == app]
        lines.append(row(app, chosen) if chosen else f"{app:<{width}} {'no ledger':>14}")
    lines.append(row("total", entries))
    other = [
        (e, sorted(codes_on_line[e.app, e.path, e.line]))
        for e in entries
        if not reported(e) and (e.app, e.path, e.line) in codes_on_line
    ]
    if other:
        lines += ["", "not counted: reported on the same line under another code", ""]
        lines += [f"{e.app} {e.path}:{e.line} {e.code} (reported as {', '.join(found)})"
                  for e, found in other]
    known = set(rule_codes)
    pending = Counter(e.code for e in entries if e.code not in known)
    if pending:
        lines += ["", "listed for codes that no rule reports yet: "
                  + ", ".join(f"{code} ({n})" for code, n in sorted(pending.items()))]
    return "\n".join(lines) + "\n"


def render_counts(findings: list[Finding], verdicts: dict[str, str], apps: list[str]) -> str:
    """Findings per application and code, then per code with the verdicts."""
    per_app = Counter((f.app, f.code) for f in findings)
    codes = sorted({f.code for f in findings})
    width = max([len(a) for a in apps] + [11])
    lines = ["findings per application and code", ""]
    lines.append(f"{'application':<{width}} " + " ".join(f"{c:>6}" for c in codes) + "  total")
    for app in apps:
        cells = " ".join(f"{per_app[app, c]:>6}" for c in codes)
        lines.append(f"{app:<{width}} {cells}  {sum(per_app[app, c] for c in codes):>5}")
    lines += ["", "per code, with the verdicts of judgement.md", ""]
    header = ("code", "findings", "true", "false", "unsure", "unjudged")
    lines.append(f"{header[0]:<7} " + " ".join(f"{h:>{max(len(h), 5)}}" for h in header[1:]))
    for code in codes:
        judged = Counter(verdicts.get(f.key, "unjudged") for f in findings if f.code == code)
        total = sum(judged.values())
        lines.append(
            f"{code:<7} {total:>8} {judged['true']:>5} {judged['false alarm']:>5} "
            f"{judged['unsure']:>6} {judged['unjudged']:>8}"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.primer", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--packages", help="comma-separated applications (default: every app); "
                        "findings of the others are kept as they are in findings.txt")
    parser.add_argument("--no-lint", action="store_true",
                        help="do not run flake8: recount findings.txt against judgement.md "
                        "and the recall ledgers")
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if a finding is unjudged, a judgement is stale or a "
                        "recall ledger is malformed")
    args = parser.parse_args(argv)
    try:
        pins = [p for p in load_pins() if p.kind == "app"]
    except CorpusError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    app_names = [p.name for p in pins]
    wanted = {n.strip() for n in (args.packages or "").split(",") if n.strip()}
    unknown = wanted - set(app_names)
    if unknown:
        parser.error(f"not corpus applications: {', '.join(sorted(unknown))}")
    if wanted and args.no_lint:
        parser.error("--packages chooses what to lint; --no-lint lints nothing")

    if args.no_lint:
        findings = read_findings(FINDINGS)
    else:
        try:
            apps = [p for p in ensure_corpus() if p.kind == "app"]
        except CorpusError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        linted = [p for p in apps if not wanted or p.name in wanted]
        findings = [f for f in read_findings(FINDINGS) if f.app not in {p.name for p in linted}]
        for package in linted:
            print(f"linting {package.name} {package.version}", file=sys.stderr, flush=True)
            findings.extend(lint(package))
        findings.sort()
        PRIMER_DIR.mkdir(exist_ok=True)
        FINDINGS.write_text("".join(f.render() + "\n" for f in findings), encoding="utf-8")

    verdicts = read_judgement(JUDGEMENT)
    ledgers = read_ledgers({p.name: p.version for p in pins}, RECALL_DIR)
    counts = (render_counts(findings, verdicts, app_names) + "\n"
              + render_recall(findings, ledgers.entries, app_names, LIVE_CODES))
    COUNTS.write_text(counts, encoding="utf-8")
    print(counts)
    keys = {f.key for f in findings}
    unjudged = [f for f in findings if f.key not in verdicts]
    stale = sorted(set(verdicts) - keys)
    for finding in unjudged:
        print(f"unjudged: {finding.render()}")
    for key in stale:
        print(f"stale judgement (no such finding now): {key}")
    for problem in ledgers.problems:
        print(f"recall ledger: {problem}")
    print(f"wrote {COUNTS.name}{'' if args.no_lint else f' and {FINDINGS.name}'}: "
          f"{len(findings)} findings, {len(unjudged)} unjudged, {len(stale)} stale "
          f"judgements, {len(ledgers.entries)} ledger entries, "
          f"{len(ledgers.problems)} ledger problems")
    return 1 if args.check and (unjudged or stale or ledgers.problems) else 0


if __name__ == "__main__":
    sys.exit(main())
