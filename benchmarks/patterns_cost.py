"""What the declarative (ast-grep) rules cost: ``python -m benchmarks.patterns_cost``.

Side by side in one process, in alternating rounds (the order rotates every round, so
drift in a shared machine's speed hits every contender alike), on the pinned corpus:

- ``patterns on``: ``flake8 -j1`` with the plugin, every rule on (flake8's own checks too);
- ``patterns off``: the same with every rule that has ast-grep patterns ignored, so
  ast-grep never runs;
- ``plugin off``: the same selecting only flake8's own codes (the plugin sees no enabled
  rule and returns at once), for scale.

flake8 runs in this process through its application object, so the CPU time measured is
flake8's and the plugin's alone. Medians of CPU and wall time per contender, and ratios.

The difference is small next to flake8's own noise, so the plugin's engine is also timed
alone on the already-parsed trees (as flake8 hands them over), with and without the
pattern rules, in alternating rounds. Then the prefilter: how many files hold a trigger
word of an enabled pattern in scope (and so are parsed by ast-grep), and the CPU time of
the text test and of those searches on their own.

It is a benchmark, run by hand; nothing here is a test.
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import os
import statistics
import time
import tokenize
from collections.abc import Sequence
from pathlib import Path

from flake8.main.application import Application

from benchmarks.corpus import ensure_corpus
from flake8_stateless import engine, patterns
from flake8_stateless.context import Context
from flake8_stateless.options import Settings
from flake8_stateless.rules import ALL_RULES

PATTERN_CODES = tuple(rule.code for rule in ALL_RULES if rule.patterns)
LIVE_CODES = tuple(rule.code for rule in ALL_RULES if rule.removed_in is None)
CONTENDERS: dict[str, tuple[str, ...]] = {
    "patterns on": (f"--extend-select={','.join(LIVE_CODES)}",),
    "patterns off": (
        f"--extend-select={','.join(LIVE_CODES)}",
        f"--extend-ignore={','.join(PATTERN_CODES)}",
    ),
    "plugin off": ("--select=E,W,F,C90",),
}


def run_flake8(arguments: Sequence[str], paths: Sequence[Path]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one in-process ``flake8 -j1`` run."""
    argv = ["-j1", "--isolated", "--exit-zero", "--output-file", os.devnull, *arguments]
    application = Application()
    cpu, wall = time.process_time(), time.perf_counter()
    with contextlib.suppress(SystemExit):
        application.run([*argv, *map(str, paths)])
    return time.process_time() - cpu, time.perf_counter() - wall


def read_like_flake8(path: Path) -> str:
    try:
        with tokenize.open(path) as stream:
            return stream.read()
    except (SyntaxError, UnicodeError):
        return path.read_text(encoding="latin-1")


Source = tuple[ast.Module, list[str], str]


def parsed_sources(paths: Sequence[Path]) -> list[Source]:
    """Every file flake8 would hand to plugins: its tree, its lines, its name."""
    sources: list[Source] = []
    for root in paths:
        for path in sorted(root.rglob("*.py")):
            text = read_like_flake8(path)
            try:
                tree = ast.parse(text)
            except (SyntaxError, ValueError):
                continue  # flake8 reports E999 and runs no plugin
            sources.append((tree, text.splitlines(keepends=True), str(path)))
    return sources


def engine_side_by_side(sources: Sequence[Source], rounds: int) -> None:
    """``engine.check`` over every tree, with and without the pattern rules."""
    contenders = {
        "engine, patterns on": Settings(enabled_codes=frozenset(LIVE_CODES)),
        "engine, patterns off": Settings(
            enabled_codes=frozenset(set(LIVE_CODES) - set(PATTERN_CODES))
        ),
    }
    spent: dict[str, list[float]] = {name: [] for name in contenders}
    names = list(contenders)
    for round_number in range(rounds):
        for name in names if round_number % 2 == 0 else reversed(names):
            settings = contenders[name]
            started = time.process_time()
            for tree, lines, filename in sources:
                engine.check(tree, lines, filename, settings)
            spent[name].append(time.process_time() - started)
    on, off = (statistics.median(spent[name]) for name in names)
    print(f"engine alone, patterns on:  median {on:.2f}s CPU over {len(sources)} files")
    print(f"engine alone, patterns off: median {off:.2f}s CPU")
    print(f"patterns on / off (engine): {on / off:.3f}x; the pattern rules add {on - off:.2f}s")


def prefilter_share(paths: Sequence[Path]) -> None:
    """Files whose text holds a trigger word, and the searches' own CPU time."""
    settings = Settings(enabled_codes=frozenset(LIVE_CODES))
    rules = [rule for rule in ALL_RULES if rule.patterns]
    files = sent = 0
    parsed_bytes = total_bytes = 0
    search_cpu = filter_cpu = 0.0
    findings = 0
    for root in paths:
        for path in sorted(root.rglob("*.py")):
            text = read_like_flake8(path)
            try:
                tree = ast.parse(text)
            except (SyntaxError, ValueError):
                continue  # flake8 reports E999 and runs no plugin
            files += 1
            total_bytes += len(text)
            context = Context(tree, str(path), settings, text.splitlines(keepends=True))
            started = time.process_time()
            wanted = [
                (rule, p)
                for rule, p in patterns.candidates(rules, text)
                if patterns.in_scope(rule, context)
            ]
            filter_cpu += time.process_time() - started
            if not wanted:
                continue
            started = time.process_time()
            found, _ = patterns.search(rules, context)
            search_cpu += time.process_time() - started
            sent += 1
            parsed_bytes += len(text)
            findings += len(found)
    print(
        f"prefilter: {sent} of {files} files ({sent / files:.1%}, {parsed_bytes / total_bytes:.1%} "
        f"of the bytes) hold a trigger word and go to ast-grep; {findings} pattern findings"
    )
    print(
        f"prefilter test {filter_cpu:.2f}s CPU over every file; ast-grep parse and search "
        f"{search_cpu:.2f}s CPU over the files it was sent"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.patterns_cost")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--engine-only", action="store_true", help="skip the flake8 runs")
    parser.add_argument(
        "--package", action="append", default=[], help="corpus packages to lint (default: all)"
    )
    args = parser.parse_args(argv)
    packages = ensure_corpus()
    chosen = [p for p in packages if not args.package or p.name in args.package]
    paths = [package.root for package in chosen]
    print(f"corpus: {', '.join(f'{p.name}-{p.version}' for p in chosen)}")
    print(f"pattern rules: {', '.join(PATTERN_CODES)}")
    prefilter_share(paths)
    engine_side_by_side(parsed_sources(paths), args.rounds)
    if args.engine_only:
        return 0
    names = list(CONTENDERS)
    cpu: dict[str, list[float]] = {name: [] for name in names}
    wall: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(args.rounds):
        shift = round_number % len(names)
        order = names[shift:] + names[:shift]
        for name in order:
            spent_cpu, spent_wall = run_flake8(CONTENDERS[name], paths)
            cpu[name].append(spent_cpu)
            wall[name].append(spent_wall)
        print(
            f"round {round_number + 1}: "
            + ", ".join(f"{name} {cpu[name][-1]:.1f}s CPU" for name in names)
        )
    medians = {name: statistics.median(cpu[name]) for name in names}
    for name in names:
        middle = statistics.median(wall[name])
        print(f"{name:>13}: median {medians[name]:.2f}s CPU, {middle:.2f}s wall")
    on, off, bare = medians["patterns on"], medians["patterns off"], medians["plugin off"]
    print(f"patterns on / patterns off: {on / off:.3f}x CPU")
    print(f"patterns on / plugin off:   {on / bare:.3f}x CPU")
    print(f"patterns off / plugin off:  {off / bare:.3f}x CPU")
    print(
        f"the pattern rules' share of the plugin's cost: {(on - off) / (on - bare):.1%}"
        if on > bare
        else ""
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
