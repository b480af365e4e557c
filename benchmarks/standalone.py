"""The standalone command against flake8 and Ruff, single-threaded and on every core:
``python -m benchmarks.standalone [--package django] [--rounds 3]``.

Whole-process wall time of each command on the same code base, side by side in one
run of alternating rounds (the order flips every round), reported as medians and
ratios; CPU seconds (user + system of the child) are shown too, since wall time on a
shared machine also measures the neighbours. Before timing, it checks that the command
reports exactly what ``flake8 --select=SLS`` reports, and counts the files and bytes
the prefilter spares from parsing. A benchmark, run by hand; nothing here is a test.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.corpus import CorpusPackage, count_lines, ensure_corpus
from flake8_stateless.lint import default_jobs
from flake8_stateless.options import Settings
from flake8_stateless.prefilter import Prefilter
from flake8_stateless.rules import ALL_RULES

BIN = Path(sys.executable).parent


@dataclass
class Contender:
    label: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def run(self, cwd: Path) -> None:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run(
            self.argv, cwd=cwd, env={**os.environ, **self.env}, check=False,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.wall.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)

    @property
    def median(self) -> float:
        return statistics.median(self.wall)

    @property
    def median_cpu(self) -> float:
        return statistics.median(self.cpu)


PACK_CODES = "SLS9"
"""Rule packs installed in this environment (the test suite's) are left out of every
run: users' environments do not have them, and a pack without triggers defeats the
prefilter."""


def contenders(target: str, jobs: int) -> list[Contender]:
    cli = [str(BIN / "flake8-stateless"), "check", "--isolated", "--exit-zero", "-q"]
    cli += ["--ignore", PACK_CODES]
    flake8 = [str(BIN / "flake8"), "--isolated", "--select=SLS", "--exit-zero"]
    flake8 += [f"--extend-ignore={PACK_CODES}"]
    ruff_binary = shutil.which("ruff", path=str(BIN)) or shutil.which("ruff")
    found = [
        Contender("flake8-stateless check -j1", [*cli, "-j1", target]),
        Contender(f"flake8-stateless check -j{jobs}", [*cli, f"-j{jobs}", target]),
        Contender("flake8 --select=SLS -j1", [*flake8, "-j1", target]),
        Contender(f"flake8 --select=SLS -j{jobs}", [*flake8, f"-j{jobs}", target]),
    ]
    if ruff_binary:
        ruff = [ruff_binary, "check", "--isolated", "--no-cache", "--exit-zero", "-q", target]
        found += [
            Contender("ruff check, 1 thread", ruff, {"RAYON_NUM_THREADS": "1"}),
            Contender(f"ruff check, {jobs} threads", ruff, {"RAYON_NUM_THREADS": str(jobs)}),
        ]
    return found


def same_findings(package: CorpusPackage) -> bool:
    """Whether the command prints exactly flake8's findings on this code base."""
    name = package.root.name
    flake8 = subprocess.run(
        [str(BIN / "flake8"), "--isolated", "--select=SLS", f"--extend-ignore={PACK_CODES}",
         "-j1", name],
        cwd=package.root.parent, capture_output=True, text=True, check=False,
    )  # fmt: skip
    cli = subprocess.run(
        [str(BIN / "flake8-stateless"), "check", "--isolated", "-q", "--output-format",
         "concise", "--ignore", PACK_CODES, name],
        cwd=package.root.parent, capture_output=True, text=True, check=False,
    )  # fmt: skip
    return sorted(flake8.stdout.splitlines()) == sorted(cli.stdout.splitlines())


def prefilter_share(package: CorpusPackage) -> tuple[int, int, int, int]:
    """(files skipped, files, bytes skipped, bytes) with the default rules."""
    prefilter = Prefilter(Settings(), ALL_RULES)  # built-in rules only, like the runs
    files = package.python_files()
    skipped = skipped_bytes = total_bytes = 0
    for path in files:
        data = path.read_bytes()
        total_bytes += len(data)
        if not prefilter.may_report(data, path.relative_to(package.root.parent).as_posix()):
            skipped += 1
            skipped_bytes += len(data)
    return skipped, len(files), skipped_bytes, total_bytes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", default="django", help="corpus package name (default: django)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    packages = [p for p in ensure_corpus() if p.name == args.package]
    if not packages:
        parser.error(f"no corpus package named {args.package!r}")
    (package,) = packages
    jobs = default_jobs()
    files = package.python_files()
    print(f"{package.root.name}: {len(files)} files, {count_lines(files)} lines, {jobs} cores")
    skipped, total, skipped_bytes, total_bytes = prefilter_share(package)
    print(
        f"prefilter (default rules): {skipped}/{total} files not parsed "
        f"({skipped_bytes / max(total_bytes, 1):.0%} of the bytes)"
    )
    print(f"same findings as flake8 --select=SLS: {same_findings(package)}")
    racers = contenders(package.root.name, jobs)
    for index in range(args.rounds):
        order = racers if index % 2 == 0 else list(reversed(racers))
        for racer in order:
            print(f"round {index + 1}/{args.rounds}: {racer.label}", file=sys.stderr)
            racer.run(package.root.parent)
    baseline = next(r for r in racers if r.label == "flake8 --select=SLS -j1").median
    ruff_one = next((r for r in racers if r.label == "ruff check, 1 thread"), None)
    print(f"\nmedian of {args.rounds} rounds, whole process (wall / CPU seconds)")
    for racer in racers:
        versus_ruff = f", {racer.median / ruff_one.median:5.1f}x ruff 1 thread" if ruff_one else ""
        print(
            f"{racer.label:34} {racer.median:7.2f} s wall {racer.median_cpu:7.2f} s CPU  "
            f"flake8 -j1 / this: {baseline / racer.median:5.1f}x{versus_ruff}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
