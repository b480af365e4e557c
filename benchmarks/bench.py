"""Speed of flake8-stateless on the pinned real corpus: ``python -m benchmarks.bench``.

Everything is measured side by side in one process, in alternating rounds (the order of
the contenders flips every round, so drift in the machine's speed hits both), and
reported as medians and ratios; absolute seconds mean little on a shared machine.

- ``engine``: the plugin's own work on already-parsed trees (``engine.check``, every rule
  on, context included) against one bare ``ast.walk`` of the same trees: the floor,
  since flake8 has parsed the file before the plugin sees it. The budget: at most 2x.
- ``flake8``: ``flake8 -j1`` with and without the plugin (every rule on), one process
  per package, so whole-process costs (start-up, reading, tokenizing) are included.
- ``standalone``: ``flake8-stateless check`` (when it exists) against
  ``flake8 --select=SLS`` and ``ruff check`` on the same files.
- ``growth``: the plugin on one file and on the same file repeated 2x, 4x, 8x, with the
  same number of lines per measurement, so a linear plugin gives ratios near 1.
- ``profile`` (only when asked, ``--parts profile``): the engine's time by phase (walk
  with the context's handlers, request scope, each rule, ast-grep patterns) and, under
  cProfile, the functions that take it.

It is a benchmark, run by hand; nothing here is a test.
"""

from __future__ import annotations

import argparse
import ast
import cProfile
import gc
import importlib.util
import os
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import time
import tokenize
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.corpus import CorpusError, CorpusPackage, count_lines, ensure_corpus
from flake8_stateless import engine, patterns
from flake8_stateless.context import FUNCTION_TYPES, Context
from flake8_stateless.options import Settings
from flake8_stateless.registry import Finding
from flake8_stateless.rules import ALL_RULES

PARTS = ("engine", "flake8", "standalone", "growth")
EXTRA_PARTS = ("profile",)
"""Run only when asked: where the engine's time goes (phases, rules, functions)."""
BUDGET = 2.0
"""The plugin's own work may cost at most this many bare ``ast.walk``s of the same trees."""

LIVE_CODES = tuple(rule.code for rule in ALL_RULES if rule.removed_in is None)
EVERY_RULE = Settings(enabled_codes=frozenset(LIVE_CODES))
USER_RULE_CODES = "SLS9"
"""Codes of users' own rules and rule packs; any pack installed here (the test suite's)
is left out of every run, since users' environments do not have it."""
EVERY_RULE_FLAKE8_ARGS = (
    f"--extend-select={','.join(LIVE_CODES)}",
    f"--extend-ignore={USER_RULE_CODES}",
)
"""Opt-in rules come on only when named; naming every built-in code turns all of them on."""

_FUTURE_IMPORT = re.compile(r"^from\s+__future__\s+import\b.*$", re.MULTILINE)


# ------------------------------------------------------------------------ sources
@dataclass
class Source:
    """One corpus file as flake8 hands it to plugins: its lines and its tree."""

    display: str
    lines: list[str]
    tree: ast.Module


def read_lines(path: Path) -> list[str]:
    """The file's lines, decoded the way flake8 does (its coding cookie, else latin-1)."""
    try:
        with tokenize.open(path) as stream:
            return stream.readlines()
    except (SyntaxError, UnicodeError):
        with path.open(encoding="latin-1") as stream:
            return stream.readlines()


def parse(lines: Sequence[str]) -> ast.Module | None:
    """flake8's tree for these lines; None where flake8 would report E999 instead."""
    try:
        return ast.parse("".join(lines))
    except (SyntaxError, ValueError):
        return None


@dataclass
class PackageSources:
    package: CorpusPackage
    sources: list[Source]
    files: int
    lines: int
    unparsable: list[str] = field(default_factory=list)


def load_package(package: CorpusPackage) -> PackageSources:
    paths = package.python_files()
    sources: list[Source] = []
    unparsable: list[str] = []
    for path in paths:
        display = path.relative_to(package.root).as_posix()
        lines = read_lines(path)
        tree = parse(lines)
        if tree is None:
            unparsable.append(display)
        else:
            sources.append(Source(display, lines, tree))
    return PackageSources(package, sources, len(paths), count_lines(paths), unparsable)


# ------------------------------------------------------------------------ timing
@dataclass
class Series:
    """Seconds per round for one contender, summed over the packages of the round."""

    label: str
    rounds: list[float] = field(default_factory=list)

    def add(self, round_index: int, seconds: float) -> None:
        while len(self.rounds) <= round_index:
            self.rounds.append(0.0)
        self.rounds[round_index] += seconds

    @property
    def median(self) -> float:
        return statistics.median(self.rounds) if self.rounds else float("nan")


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def alternate(round_index: int, contenders: Sequence[Series]) -> list[Series]:
    """The contenders in this round's order: rotated every round."""
    shift = round_index % len(contenders)
    return [*contenders[shift:], *contenders[:shift]]


def bare_walk(sources: Iterable[Source]) -> None:
    for source in sources:
        for _ in ast.walk(source.tree):
            pass


Lint = Callable[[ast.AST, Sequence[str], str, Settings], list[Finding]]

PLUGIN_ENTRY: Lint = getattr(engine, "check_file", engine.check)
"""What the flake8 plugin runs per file: the text prefilter, then the engine on the rules
that may report (``check_file``); plain ``check`` where there is no prefilter."""


def run_engine(
    sources: Iterable[Source], settings: Settings = EVERY_RULE, lint: Lint = engine.check
) -> int:
    """Every file through ``lint`` (the engine walks every file by default, context
    included); returns the number of SLS000 findings, which should be none."""
    internal = 0
    for source in sources:
        for finding in lint(source.tree, source.lines, source.display, settings):
            internal += finding.code == engine.INTERNAL_ERROR_CODE
    return internal


def parse_all(sources: Iterable[Source]) -> None:
    for source in sources:
        ast.parse("".join(source.lines))


# ------------------------------------------------------------------------ report
class Table:
    """Rows of label, median seconds, ratio to the section's reference, remark."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.rows: list[tuple[str, str, str, str]] = []

    def row(self, label: str, seconds: float, reference: float | None, remark: str = "") -> None:
        ratio = f"{seconds / reference:.2f}x" if reference else ""
        self.rows.append((label, f"{seconds:.3f}", ratio, remark))

    def note(self, text: str) -> None:
        self.rows.append((text, "", "", ""))

    def print(self) -> None:
        width = max([len(r[0]) for r in self.rows if r[1]] + [40])
        print(f"\n{self.title}")
        print(f"  {'':<{width}}  {'median s':>9}  {'ratio':>7}")
        for label, seconds, ratio, remark in self.rows:
            if not seconds:
                print(f"  {label}")
                continue
            line = f"  {label:<{width}}  {seconds:>9}  {ratio:>7}"
            print(f"{line}  {remark}".rstrip())


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------ parts
def bench_engine(loaded: list[PackageSources], rounds: int) -> Table:
    parsing = Series("ast.parse of the same files (for scale)")
    walk = Series("one bare ast.walk")
    plugin = Series(f"the plugin's work per file ({PLUGIN_ENTRY.__name__}), all "
                    f"{len(LIVE_CODES)} rules")
    full = Series("engine.check on every file (no prefilter), all rules")
    contenders = [walk, plugin, parsing] if PLUGIN_ENTRY is engine.check else [
        walk, plugin, full, parsing]
    internal = 0
    for item in loaded:
        progress(f"engine: {item.package.name} ({len(item.sources)} files)")
        gc.collect()
        gc.freeze()  # the held trees are not the contenders' garbage to scan
        try:
            for index in range(rounds):
                for series in alternate(index, contenders):
                    start = time.perf_counter()
                    if series is walk:
                        bare_walk(item.sources)
                    elif series is plugin:
                        internal += run_engine(item.sources, lint=PLUGIN_ENTRY)
                    elif series is full:
                        internal += run_engine(item.sources)
                    else:
                        parse_all(item.sources)
                    seconds = time.perf_counter() - start
                    series.add(index, seconds)
        finally:
            gc.unfreeze()
    table = Table("plugin's own work on already-parsed trees (one process)")
    table.row(walk.label, walk.median, walk.median)
    for series in contenders[1:-1]:
        verdict = "within" if series.median <= BUDGET * walk.median else "OVER"
        remark = f"budget {BUDGET:.0f}x: {verdict}" if series is plugin else "for reference"
        table.row(series.label, series.median, walk.median, remark)
    table.row(parsing.label, parsing.median, walk.median)
    if internal:
        table.note(f"warning: {internal // rounds} SLS000 internal errors per round")
    return table


def _flake8(mode: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "benchmarks.flake8_run", mode, "-j1", "--isolated", *args]


def run_command(command: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> float:
    """Wall-clock seconds of one command; a crash (exit status > 1) stops the benchmark."""
    start = time.perf_counter()
    result = subprocess.run(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True, check=False,
    )
    seconds = time.perf_counter() - start
    if result.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed in {cwd}:\n{result.stderr.strip()}")
    return seconds


def _environment() -> dict[str, str]:
    """The benchmark's subprocesses: importable benchmarks, rule errors as SLS000."""
    env = dict(os.environ)
    env.pop(engine.RAISE_ENV, None)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(Path(__file__).resolve().parent.parent), env.get("PYTHONPATH")) if p
    )
    return env


def bench_flake8(packages: list[CorpusPackage], rounds: int) -> Table:
    without = Series("flake8 -j1 without the plugin")
    with_plugin = Series("flake8 -j1 with the plugin, every rule on")
    commands = {
        id(without): _flake8("without", "."),
        id(with_plugin): _flake8("all", *EVERY_RULE_FLAKE8_ARGS, "."),
    }
    env = _environment()
    for index in range(rounds):
        for package in packages:
            progress(f"flake8 round {index + 1}/{rounds}: {package.name}")
            for series in alternate(index, [without, with_plugin]):
                series.add(index, run_command(commands[id(series)], package.root, env))
    table = Table("whole flake8 runs, one process per package (wall clock)")
    table.row(without.label, without.median, without.median)
    share = (with_plugin.median - without.median) / with_plugin.median
    table.row(with_plugin.label, with_plugin.median, without.median,
              f"plugin share of the run: {share:.1%}")
    return table


def standalone_command() -> list[str] | None:
    """``flake8-stateless`` from this interpreter's environment, or None until it exists."""
    script = Path(sys.executable).with_name("flake8-stateless")
    if script.is_file():
        return [str(script)]
    if importlib.util.find_spec("flake8_stateless.cli") is None:
        return None
    run = "import sys; from flake8_stateless.cli import main; sys.exit(main())"
    return [sys.executable, "-c", run]


def bench_standalone(packages: list[CorpusPackage], rounds: int) -> Table:
    selected = Series("flake8 -j1 --select=SLS (every plugin loaded)")
    only = Series("flake8 -j1 with only this plugin loaded")
    ruff = Series("ruff check, one thread, no cache (its default rules)")
    standalone = Series("flake8-stateless check -j1, every rule on")
    env = _environment()
    ruff_env = {**env, "RAYON_NUM_THREADS": "1"}
    here = str(Path(sys.executable).parent)
    ruff_binary = shutil.which("ruff", path=here) or shutil.which("ruff")
    command = standalone_command()
    commands: dict[int, tuple[list[str], dict[str, str]]] = {
        id(selected): (_flake8("all", "--select=SLS", *EVERY_RULE_FLAKE8_ARGS, "."), env),
        id(only): (_flake8("only", "--select=SLS", *EVERY_RULE_FLAKE8_ARGS, "."), env),
    }
    if ruff_binary:
        commands[id(ruff)] = ([ruff_binary, "check", "--isolated", "--no-cache", "--exit-zero",
                               "--quiet", "."], ruff_env)
    if command:
        every_code = f"--select={','.join(LIVE_CODES)}"
        argv = [*command, "check", "-j1", "--isolated", every_code, "--ignore", USER_RULE_CODES,
                "--exit-zero", "-s", "."]
        commands[id(standalone)] = (argv, env)
    contenders = [s for s in (standalone, selected, only, ruff) if id(s) in commands]
    for index in range(rounds):
        for package in packages:
            progress(f"standalone round {index + 1}/{rounds}: {package.name}")
            for series in alternate(index, contenders):
                argv, series_env = commands[id(series)]
                series.add(index, run_command(argv, package.root, series_env))
    table = Table("standalone command vs flake8 vs ruff, one process per package (wall clock)")
    if command is None:
        table.note("flake8-stateless check: skipped, flake8_stateless/cli.py does not exist yet")
    if not ruff_binary:
        table.note("ruff check: skipped, ruff is not installed")
    for series in contenders:
        table.row(series.label, series.median, selected.median)
    return table


def repeated_source(source: Source, times: int) -> Source:
    """The file's text ``times`` times over; later copies lose their ``__future__``
    imports, which are only legal at the top."""
    text = "".join(source.lines)
    if not text.endswith("\n"):
        text += "\n"
    body = _FUTURE_IMPORT.sub("pass", text)
    combined = text + body * (times - 1)
    lines = combined.splitlines(keepends=True)
    return Source(source.display, lines, ast.parse(combined))


def _function_count(source: Source) -> int:
    return sum(isinstance(node, FUNCTION_TYPES) for node in ast.walk(source.tree))


def bench_growth(loaded: list[PackageSources], rounds: int, chosen: str | None) -> Table:
    sources = [s for item in loaded for s in item.sources]
    if chosen:
        matches = [s for s in sources if s.display.endswith(chosen)]
        if not matches:
            raise SystemExit(f"--growth-file {chosen!r} matches no corpus file")
        base = matches[0]
    else:
        # The application file with the most functions: real request-serving code, not
        # one huge literal table.
        apps = [s for item in loaded if item.package.kind == "app" for s in item.sources]
        base = max(apps or sources, key=_function_count)
    factors = (1, 2, 4, 8)
    copies = {k: repeated_source(base, k) for k in factors}
    plugin = {k: Series(f"engine.check, {k}x") for k in factors}
    walk = {k: Series(f"ast.walk, {k}x") for k in factors}
    # Each measurement covers the same 8 copies' worth of lines, so linear means equal.
    contenders = [(k, series) for k in factors for series in (plugin[k], walk[k])]
    progress(f"growth: {base.display} ({len(base.lines)} lines)")
    gc.collect()
    gc.freeze()
    try:
        for index in range(rounds):
            for position in range(len(contenders)):
                k, series = contenders[(position + index) % len(contenders)]
                work = [copies[k]] * (8 // k)
                action = (lambda w=work: run_engine(w)) if series in plugin.values() else (
                    lambda w=work: bare_walk(w))
                series.add(index, timed(action))
    finally:
        gc.unfreeze()
    table = Table(
        f"growth: {base.display} ({len(base.lines):,} lines) repeated k times; each row "
        f"lints {8 * len(base.lines):,} lines (8/k runs of the k-times file), so linear = 1.00x"
    )
    for k in factors:
        grown = walk[k].median / walk[1].median
        table.row(plugin[k].label, plugin[k].median, plugin[1].median,
                  f"bare walk {grown:.2f}x; engine/walk {plugin[k].median / walk[k].median:.2f}x")
    table.note("(the bare walk's own growth is the memory hierarchy: the same walk, bigger tree)")
    return table


@contextmanager
def _phase_clock(seconds: defaultdict[str, float]) -> Iterator[None]:
    """Time the engine's phases by wrapping its private steps for the duration: the walk
    (with the context's handlers), the request-scope decision, each rule, the patterns.
    A diagnostic that reaches into the engine, so it names what it cannot find."""

    def clocked(
        label: Callable[..., str], function: Callable[..., object]
    ) -> Callable[..., object]:
        def wrapper(*args: object, **kwargs: object) -> object:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                seconds[label(*args)] += time.perf_counter() - start
        return wrapper

    targets: list[tuple[object, str, Callable[..., str]]] = [
        (engine, "walk", lambda *a: "walk + context handlers"),
        (Context, "finish", lambda *a: "context.finish (request scope)"),
        (engine, "_run_rule", lambda rule, *a: f"rule {rule.code}"),
        (patterns, "search", lambda *a: "ast-grep pattern rules"),
    ]
    saved = []
    for owner, name, label in targets:
        original = getattr(owner, name, None)
        if original is None:
            progress(f"profile: {getattr(owner, '__name__', owner)}.{name} not found, not timed")
            continue
        saved.append((owner, name, original))
        setattr(owner, name, clocked(label, original))
    try:
        yield
    finally:
        for owner, name, original in saved:
            setattr(owner, name, original)


def bench_profile(loaded: list[PackageSources], top: int = 25) -> Table:
    sources = [s for item in loaded for s in item.sources]
    progress(f"profile: phases over {len(sources)} files")
    gc.collect()
    seconds: defaultdict[str, float] = defaultdict(float)
    walk = timed(lambda: bare_walk(sources))
    with _phase_clock(seconds):
        total = timed(lambda: run_engine(sources))
    table = Table(f"where engine.check spends its time ({total:.2f} s in all; "
                  "ratio: share of a bare ast.walk)")
    for label, spent in sorted(seconds.items(), key=lambda item: -item[1]):
        table.row(label, spent, walk, f"{spent / total:.1%} of the engine")
    table.row("the rest (sorting, columns, context set-up)", total - sum(seconds.values()),
              walk)
    progress("profile: cProfile")
    profile = cProfile.Profile()
    profile.runcall(run_engine, sources)
    stats: dict[tuple[str, int, str], tuple[int, int, float, float, object]]
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    profiled = sum(entry[2] for entry in stats.values())
    table.note("")
    table.note(f"functions by own time under cProfile (of {profiled:.1f} s profiled; "
               "cumulative share in the remark)")
    ranked = sorted(stats.items(), key=lambda item: -item[1][2])[:top]
    for (file, line, name), (_, calls, own, cumulative, _callers) in ranked:
        where = file.rpartition("flake8_stateless" + os.sep)[2] if "flake8_stateless" in file \
            else Path(file).name
        label = f"{where}:{line} {name}" if line else name
        table.row(label[:70], own, None,
                  f"{own / profiled:5.1%} own, {cumulative / profiled:5.1%} cum, {calls:,} calls")
    return table


# ------------------------------------------------------------------------ main
def select_packages(packages: list[CorpusPackage], names: str | None) -> list[CorpusPackage]:
    if not names:
        return packages
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    known = {p.name for p in packages}
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise SystemExit(
            f"unknown package(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    return [p for p in packages if p.name in wanted]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (default 3)")
    parser.add_argument("--packages", help="comma-separated corpus package names (default: all)")
    parser.add_argument("--parts", default=",".join(PARTS),
                        help=f"comma-separated parts to run (default: {','.join(PARTS)}; "
                        f"also: {','.join(EXTRA_PARTS)})")
    parser.add_argument("--growth-file",
                        help="corpus file for the growth part, by path suffix "
                             "(default: the largest application file)")
    args = parser.parse_args(argv)
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    if not set(parts) <= {*PARTS, *EXTRA_PARTS} or args.rounds < 1:
        parser.error(f"--parts takes some of {', '.join(PARTS + EXTRA_PARTS)}; "
                     "--rounds at least 1")
    try:
        packages = select_packages(ensure_corpus(), args.packages)
    except CorpusError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1

    loaded: list[PackageSources] = []
    if {"engine", "growth", "profile"} & set(parts):
        for package in packages:
            progress(f"parsing {package.name}")
            loaded.append(load_package(package))
    files = sum(len(p.python_files()) for p in packages) if not loaded else sum(
        item.files for item in loaded)
    lines = count_lines(f for p in packages for f in p.python_files()) if not loaded else sum(
        item.lines for item in loaded)

    tables: list[Table] = []
    if "engine" in parts:
        tables.append(bench_engine(loaded, args.rounds))
    if "flake8" in parts:
        tables.append(bench_flake8(packages, args.rounds))
    if "standalone" in parts:
        tables.append(bench_standalone(packages, args.rounds))
    if "growth" in parts:
        tables.append(bench_growth(loaded, args.rounds, args.growth_file))
    if "profile" in parts:
        tables.append(bench_profile(loaded))

    names = ", ".join(f"{p.name} {p.version}" for p in packages)
    print(f"corpus: {len(packages)} packages, {files:,} files, {lines:,} lines ({names})")
    unparsable = [f"{item.package.name}/{d}" for item in loaded for d in item.unparsable]
    if unparsable:
        print(f"  not parsable under Python {sys.version_info.major}.{sys.version_info.minor} "
              f"(skipped in-process, E999 under flake8): {', '.join(unparsable)}")
    print(f"rounds: {args.rounds}, medians of per-round totals; Python {sys.version.split()[0]}")
    for table in tables:
        table.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
