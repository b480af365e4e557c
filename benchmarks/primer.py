"""What the plugin reports on real applications: ``python -m benchmarks.primer``.

Like flake8-pyi's typeshed primer: the findings on the pinned applications of the corpus
(``kind: "app"`` in corpus.json) are written to ``benchmarks/primer/findings.txt``, one
sorted line per finding with paths relative to the package root, so a change to a rule
shows up as a diff of that file. ``benchmarks/primer/judgement.md`` holds a verdict for
each finding (true, false alarm or unsure, with the reason); ``counts.txt`` is
regenerated from both: findings per application and per code, and how many were judged
true.

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
from dataclasses import dataclass
from pathlib import Path

from benchmarks.corpus import CorpusError, CorpusPackage, ensure_corpus
from flake8_stateless import engine
from flake8_stateless.rules import ALL_RULES

PRIMER_DIR = Path(__file__).with_name("primer")
FINDINGS = PRIMER_DIR / "findings.txt"
COUNTS = PRIMER_DIR / "counts.txt"
JUDGEMENT = PRIMER_DIR / "judgement.md"
VERDICTS = ("true", "false alarm", "unsure")

LIVE_CODES = tuple(rule.code for rule in ALL_RULES if rule.removed_in is None)

_OUTPUT = re.compile(
    r"^(?:\./)?(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): (?P<code>[A-Z]+\d+) (?P<text>.*)$"
)
_JUDGED = re.compile(
    r"^- `(?P<key>[^`]+)` \*\*(?P<verdict>" + "|".join(VERDICTS) + r")\*\*:? (?P<reason>\S.*)$"
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
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if a finding is unjudged or a judgement is stale")
    args = parser.parse_args(argv)
    try:
        apps = [p for p in ensure_corpus() if p.kind == "app"]
    except CorpusError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    wanted = {n.strip() for n in (args.packages or "").split(",") if n.strip()}
    unknown = wanted - {p.name for p in apps}
    if unknown:
        parser.error(f"not corpus applications: {', '.join(sorted(unknown))}")
    linted = [p for p in apps if not wanted or p.name in wanted]

    findings = [f for f in read_findings() if f.app not in {p.name for p in linted}]
    for package in linted:
        print(f"linting {package.name} {package.version}", file=sys.stderr, flush=True)
        findings.extend(lint(package))
    findings.sort()
    PRIMER_DIR.mkdir(exist_ok=True)
    FINDINGS.write_text("".join(f.render() + "\n" for f in findings), encoding="utf-8")

    verdicts = read_judgement()
    counts = render_counts(findings, verdicts, [p.name for p in apps])
    COUNTS.write_text(counts, encoding="utf-8")
    print(counts)
    keys = {f.key for f in findings}
    unjudged = [f for f in findings if f.key not in verdicts]
    stale = sorted(set(verdicts) - keys)
    for finding in unjudged:
        print(f"unjudged: {finding.render()}")
    for key in stale:
        print(f"stale judgement (no such finding now): {key}")
    print(f"wrote {FINDINGS} and {COUNTS.name}: {len(findings)} findings, "
          f"{len(unjudged)} unjudged, {len(stale)} stale judgements")
    return 1 if args.check and (unjudged or stale) else 0


if __name__ == "__main__":
    sys.exit(main())
