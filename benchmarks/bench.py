"""Speed of flake8-stateless on the pinned real corpus: ``python -m benchmarks.bench``.

Everything is measured side by side in one process, in alternating rounds (the order of
the contenders flips every round, so drift in the machine's speed hits both), and
reported as medians and ratios; absolute seconds mean little on a shared machine.

- ``engine``: the plugin's own work on already-parsed trees (what the plugin runs per
  file, every rule on, the project index included: built from a cold summary cache, and
  from a warm one) against one bare ``ast.walk`` of the same trees: the floor, since
  flake8 has parsed the file before the plugin sees it. The budget: at most 2x.
- ``flake8``: ``flake8 -j1`` without the plugin, and with it (every rule on) on a cold
  summary cache (a fresh empty cache folder every round) and on a warm one (the same
  folder, filled by an untimed run first); one process per package, so whole-process
  costs (start-up, reading, tokenizing) are included. Budgets: cold 1.15x, warm 1.05x.
- ``standalone``: ``flake8-stateless check -j1`` (cold and warm cache) against
  ``flake8 --select=SLS`` and ``ruff check`` (one thread) on the same files. Budget: the
  command within 3x of Ruff's CPU time.
- ``memory``: the peak memory of building the project index (``ProjectIndex.reach()``)
  per package, cold and warm, each in a fresh process that builds only the index
  (tracemalloc's peak and the growth of the process's maximum resident set).
- ``growth``: the plugin on one file and on the same file repeated 2x, 4x, 8x, with the
  same number of lines per measurement, so a linear plugin gives ratios near 1.
- ``profile`` (only when asked, ``--parts profile``): the engine's time by phase (walk
  with the context's handlers, request scope, each rule, ast-grep patterns) and, under
  cProfile, the functions that take it.

Subprocesses are measured in CPU seconds (user + system, from ``getrusage`` of the
children) beside wall seconds, in-process work in CPU seconds of this process: the
machine is shared, and CPU time counts only our own work. Summaries are cached in a
temporary folder (``FLAKE8_STATELESS_CACHE_DIR``), never in the read-only corpus.

It is a benchmark, run by hand; nothing here is a test.
"""

from __future__ import annotations

import argparse
import ast
import cProfile
import gc
import importlib.util
import json
import os
import pstats
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tokenize
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from benchmarks.corpus import CorpusError, CorpusPackage, count_lines, ensure_corpus
from flake8_stateless import engine, patterns, project
from flake8_stateless.context import FUNCTION_TYPES, Context
from flake8_stateless.options import Settings
from flake8_stateless.project.cache import CACHE_DIR_ENV
from flake8_stateless.registry import Finding
from flake8_stateless.rules import ALL_RULES
from flake8_stateless.scope import requests as request_scope

PARTS = ("engine", "flake8", "standalone", "memory", "growth")
EXTRA_PARTS = ("profile",)
"""Run only when asked: where the engine's time goes (phases, rules, functions)."""
BUDGET = 2.0
"""The plugin's own work may cost at most this many bare ``ast.walk``s of the same trees."""
FLAKE8_COLD_BUDGET = 1.15
"""``flake8 -j1`` with the plugin on a cold summary cache, against flake8 without it."""
FLAKE8_WARM_BUDGET = 1.05
"""The same on a warm cache (the usual run: CI with a kept cache, editors, pre-commit)."""
RUFF_BUDGET = 3.0
"""The standalone command's CPU time against ``ruff check`` on one thread."""

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
    """CPU seconds (and wall seconds) per round for one contender, summed over the
    packages of the round."""

    label: str
    rounds: list[float] = field(default_factory=list)
    walls: list[float] = field(default_factory=list)

    def add(self, round_index: int, seconds: float, wall: float | None = None) -> None:
        while len(self.rounds) <= round_index:
            self.rounds.append(0.0)
            self.walls.append(0.0)
        self.rounds[round_index] += seconds
        self.walls[round_index] += seconds if wall is None else wall

    @property
    def median(self) -> float:
        return statistics.median(self.rounds) if self.rounds else float("nan")

    @property
    def median_wall(self) -> float:
        return statistics.median(self.walls) if self.walls else float("nan")


def timed(action: Callable[[], object]) -> float:
    """CPU seconds of this process spent in ``action``."""
    start = time.process_time()
    action()
    return time.process_time() - start


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


# ------------------------------------------------------------------------ summary caches
class CacheFolders:
    """Where the project index caches summaries during the benchmark: a temporary folder
    (the corpus is read-only), with one warm folder per package and a fresh empty one for
    every cold measurement."""

    def __init__(self) -> None:
        self.base = Path(tempfile.mkdtemp(prefix="flake8-stateless-bench-"))
        self._count = 0

    def warm(self, package: CorpusPackage) -> Path:
        return self.base / f"warm-{package.name}"

    def cold(self) -> Path:
        """A new empty folder (removed with the rest at the end)."""
        self._count += 1
        return self.base / f"cold-{self._count}"

    def clean(self) -> None:
        shutil.rmtree(self.base, ignore_errors=True)


@contextmanager
def cache_folder(folder: Path) -> Iterator[None]:
    """This process's project indexes start afresh and cache their summaries in
    ``folder`` for the duration."""
    saved = os.environ.get(CACHE_DIR_ENV)
    os.environ[CACHE_DIR_ENV] = str(folder)
    project.new_run()
    try:
        yield
    finally:
        project.new_run()
        if saved is None:
            os.environ.pop(CACHE_DIR_ENV, None)
        else:
            os.environ[CACHE_DIR_ENV] = saved


@contextmanager
def inside(folder: Path) -> Iterator[None]:
    """Work from ``folder``, as flake8 does when run there on ``.``."""
    saved = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(saved)


# ------------------------------------------------------------------------ report
class Table:
    """Rows of label, median seconds, ratio to the section's reference, remark (and the
    median wall seconds when the section measures CPU seconds of subprocesses)."""

    def __init__(self, title: str, unit: str = "median s", wall: bool = False) -> None:
        self.title = title
        self.unit = unit
        self.wall = wall
        self.rows: list[tuple[str, str, str, str, str]] = []

    def row(
        self,
        label: str,
        seconds: float,
        reference: float | None,
        remark: str = "",
        wall: float | None = None,
    ) -> None:
        ratio = f"{seconds / reference:.2f}x" if reference else ""
        walled = f"{wall:.2f}" if wall is not None else ""
        self.rows.append((label, f"{seconds:.3f}", ratio, walled, remark))

    def note(self, text: str) -> None:
        self.rows.append((text, "", "", "", ""))

    def print(self) -> None:
        width = max([len(r[0]) for r in self.rows if r[1]] + [40])
        print(f"\n{self.title}")
        wall = f"  {'wall s':>7}" if self.wall else ""
        print(f"  {'':<{width}}  {self.unit:>10}  {'ratio':>7}{wall}")
        for label, seconds, ratio, walled, remark in self.rows:
            if not seconds:
                print(f"  {label}")
                continue
            line = f"  {label:<{width}}  {seconds:>10}  {ratio:>7}"
            if self.wall:
                line += f"  {walled:>7}"
            print(f"{line}  {remark}".rstrip())


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def verdict(ratio: float, budget: float) -> str:
    return f"budget {budget:.2f}x: {'within' if ratio <= budget else 'OVER'}"


# ------------------------------------------------------------------------ parts
def bench_engine(loaded: list[PackageSources], rounds: int, caches: CacheFolders) -> Table:
    """In one process, per package from its root (so the project index sees the package
    as flake8 run there would): a bare walk, the plugin's per-file work with the project
    index built from a cold cache and from a warm one (a new index every round: one
    flake8 process builds it once), the engine on every file, and parsing."""
    parsing = Series("ast.parse of the same files (for scale)")
    walk = Series("one bare ast.walk")
    cold = Series(f"the plugin's work per file ({PLUGIN_ENTRY.__name__}), all "
                  f"{len(LIVE_CODES)} rules, cold cache")
    warm = Series(f"the plugin's work per file ({PLUGIN_ENTRY.__name__}), all "
                  f"{len(LIVE_CODES)} rules, warm cache")
    full = Series("engine.check on every file (no prefilter), warm cache")
    contenders = [walk, warm, cold, parsing] if PLUGIN_ENTRY is engine.check else [
        walk, warm, cold, full, parsing]
    internal = 0
    for item in loaded:
        progress(f"engine: {item.package.name} ({len(item.sources)} files)")
        warm_folder = caches.warm(item.package)
        with inside(item.package.root), cache_folder(warm_folder):
            run_engine(item.sources, lint=PLUGIN_ENTRY)  # fills the warm cache, untimed
        gc.collect()
        gc.freeze()  # the held trees are not the contenders' garbage to scan
        try:
            for index in range(rounds):
                for series in alternate(index, contenders):
                    if series is walk:
                        seconds = timed(partial(bare_walk, item.sources))
                    elif series is parsing:
                        seconds = timed(partial(parse_all, item.sources))
                    else:
                        folder = caches.cold() if series is cold else warm_folder
                        lint = engine.check if series is full else PLUGIN_ENTRY
                        with inside(item.package.root), cache_folder(folder):
                            start = time.process_time()
                            internal += run_engine(item.sources, lint=lint)
                            seconds = time.process_time() - start
                    series.add(index, seconds)
        finally:
            gc.unfreeze()
    table = Table("plugin's own work on already-parsed trees (one process, CPU seconds)")
    table.row(walk.label, walk.median, walk.median)
    for series in contenders[1:-1]:
        remark = verdict(series.median / walk.median, BUDGET) if series is not full else (
            "for reference")
        table.row(series.label, series.median, walk.median, remark)
    table.row(parsing.label, parsing.median, walk.median)
    if internal:
        table.note(f"warning: {internal // rounds} SLS000 internal errors per round")
    return table


def _flake8(mode: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "benchmarks.flake8_run", mode, "-j1", "--isolated", *args]


def run_command(
    command: Sequence[str], cwd: Path, env: dict[str, str] | None = None
) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one command; a crash (exit status > 1) stops the
    benchmark. CPU: user + system time of the finished child, from ``getrusage``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(
        command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True, check=False,
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if result.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed in {cwd}:\n{result.stderr.strip()}")
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return cpu, wall


def _environment(cache: Path | None = None) -> dict[str, str]:
    """The benchmark's subprocesses: importable benchmarks, rule errors as SLS000,
    summaries cached in ``cache`` (never in the read-only corpus), and modules compiled
    once (see :func:`_compiled_modules`)."""
    env = dict(os.environ)
    env.pop(engine.RAISE_ENV, None)
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(Path(__file__).resolve().parent.parent), env.get("PYTHONPATH")) if p
    )
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(_compiled_modules())
    if cache is not None:
        env[CACHE_DIR_ENV] = str(cache)
    return env


_PYCACHE: list[Path] = []


def _compiled_modules() -> Path:
    """A folder of compiled modules for the children (``PYTHONPYCACHEPREFIX``), filled
    before the first measurement. pip compiles a package's modules when it installs it;
    a checkout run with ``PYTHONDONTWRITEBYTECODE`` (or a read-only one) would compile
    the plugin's seventy modules from source in every child, about 0.2 s a process that
    users never pay, charged to the plugin alone (flake8's own are compiled)."""
    if not _PYCACHE:
        folder = Path(tempfile.mkdtemp(prefix="flake8-stateless-bench-pyc-"))
        here = Path(__file__).resolve().parent
        env = {**os.environ, "PYTHONPYCACHEPREFIX": str(folder)}
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", str(here.parent / "flake8_stateless"),
             str(here)],
            env=env, stdout=subprocess.DEVNULL, check=True,
        )
        _PYCACHE.append(folder)
    return _PYCACHE[0]


@dataclass
class Contender:
    """A command measured in every round, with the cache folder it runs on: ``warm``
    reuses the package's folder (filled before the first round), ``cold`` gets a fresh
    empty one every time, None runs without the plugin's cache mattering."""

    series: Series
    argv: list[str]
    cache: str | None = None
    env: dict[str, str] = field(default_factory=dict)

    def run(self, package: CorpusPackage, caches: CacheFolders, index: int) -> None:
        folder = caches.warm(package) if self.cache == "warm" else caches.cold()
        env = {**_environment(folder), **self.env}
        cpu, wall = run_command(self.argv, package.root, env)
        self.series.add(index, cpu, wall)


def race(
    packages: list[CorpusPackage], rounds: int, contenders: list[Contender],
    caches: CacheFolders, part: str,
) -> None:
    """Warm the warm caches (untimed), then alternate the contenders round by round."""
    for contender in contenders:
        if contender.cache == "warm":
            for package in packages:
                progress(f"{part}: warming the cache for {package.name}")
                Contender(Series(""), contender.argv, "warm").run(package, caches, 0)
            break
    for index in range(rounds):
        for package in packages:
            progress(f"{part} round {index + 1}/{rounds}: {package.name}")
            order = alternate(index, [c.series for c in contenders])
            for series in order:
                next(c for c in contenders if c.series is series).run(package, caches, index)


def bench_flake8(packages: list[CorpusPackage], rounds: int, caches: CacheFolders) -> Table:
    without = Series("flake8 -j1 without the plugin")
    cold = Series("flake8 -j1 with the plugin, every rule on, cold cache")
    warm = Series("flake8 -j1 with the plugin, every rule on, warm cache")
    every = _flake8("all", *EVERY_RULE_FLAKE8_ARGS, ".")
    contenders = [
        Contender(without, _flake8("without", ".")),
        Contender(cold, every, "cold"),
        Contender(warm, every, "warm"),
    ]
    race(packages, rounds, contenders, caches, "flake8")
    table = Table("whole flake8 runs, one process per package (CPU seconds of the child)",
                  "median CPU", wall=True)
    table.row(without.label, without.median, without.median, wall=without.median_wall)
    for series, budget in ((cold, FLAKE8_COLD_BUDGET), (warm, FLAKE8_WARM_BUDGET)):
        ratio = series.median / without.median
        share = (series.median - without.median) / series.median
        table.row(series.label, series.median, without.median,
                  f"{verdict(ratio, budget)}; plugin share {share:.1%}",
                  wall=series.median_wall)
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


def bench_standalone(packages: list[CorpusPackage], rounds: int, caches: CacheFolders) -> Table:
    selected = Series("flake8 -j1 --select=SLS (every plugin loaded), warm cache")
    only = Series("flake8 -j1 with only this plugin loaded, warm cache")
    ruff = Series("ruff check, one thread, no cache (its default rules)")
    cold = Series("flake8-stateless check -j1, every rule on, cold cache")
    warm = Series("flake8-stateless check -j1, every rule on, warm cache")
    here = str(Path(sys.executable).parent)
    ruff_binary = shutil.which("ruff", path=here) or shutil.which("ruff")
    command = standalone_command()
    contenders: list[Contender] = []
    if command:
        every_code = f"--select={','.join(LIVE_CODES)}"
        argv = [*command, "check", "-j1", "--isolated", every_code, "--ignore", USER_RULE_CODES,
                "--exit-zero", "-s", "."]
        contenders += [Contender(warm, argv, "warm"), Contender(cold, argv, "cold")]
    contenders += [
        Contender(selected, _flake8("all", "--select=SLS", *EVERY_RULE_FLAKE8_ARGS, "."), "warm"),
        Contender(only, _flake8("only", "--select=SLS", *EVERY_RULE_FLAKE8_ARGS, "."), "warm"),
    ]
    if ruff_binary:
        contenders.append(Contender(
            ruff, [ruff_binary, "check", "--isolated", "--no-cache", "--exit-zero", "--quiet",
                   "."], env={"RAYON_NUM_THREADS": "1"}))
    race(packages, rounds, contenders, caches, "standalone")
    reference = ruff if ruff_binary else selected
    table = Table(f"standalone command vs flake8 vs ruff, one process per package (CPU seconds "
                  f"of the child; ratio to {'ruff' if ruff_binary else 'flake8 --select=SLS'})",
                  "median CPU", wall=True)
    if command is None:
        table.note("flake8-stateless check: skipped, flake8_stateless/cli.py does not exist yet")
    if not ruff_binary:
        table.note("ruff check: skipped, ruff is not installed")
    for contender in contenders:
        series = contender.series
        remark = ""
        if ruff_binary and series in (cold, warm):
            remark = verdict(series.median / ruff.median, RUFF_BUDGET)
        table.row(series.label, series.median, reference.median, remark,
                  wall=series.median_wall)
    return table


def bench_memory(packages: list[CorpusPackage], caches: CacheFolders) -> Table:
    """The project index's memory per package, cold and warm, each measured in fresh
    processes that do nothing else (``benchmarks.index_memory``): one traced by
    tracemalloc (peak and retained Python allocations), one untraced (growth of the
    resident set, the process's maximum, and the CPU seconds of building the index)."""
    mib = 1024 * 1024
    table = Table("project index memory: a fresh process builds ProjectIndex.reach() only",
                  "peak MiB")

    def child(package: CorpusPackage, folder: Path, *flags: str) -> dict[str, Any]:
        result = subprocess.run(
            [sys.executable, "-m", "benchmarks.index_memory", *flags, str(package.root)],
            env=_environment(folder), capture_output=True, text=True, check=False,
        )
        if result.returncode != 0:
            raise SystemExit(f"index_memory failed on {package.name}:\n{result.stderr}")
        found: dict[str, Any] = json.loads(result.stdout)
        return found

    for package in packages:
        child(package, caches.warm(package), "--rss")  # fills the warm cache if empty
        for state in ("cold", "warm"):
            progress(f"memory: {package.name}, {state} cache")
            traced, untraced = (
                child(package, caches.warm(package) if state == "warm" else caches.cold(), *flags)
                for flags in ((), ("--rss",))
            )
            table.row(
                f"{package.name}, {state} cache", traced["peak"] / mib, None,
                f"retained {traced['retained'] / mib:.1f} MiB; RSS +"
                f"{untraced['rss_growth'] / mib:.1f} MiB (max RSS of the process "
                f"{untraced['maxrss'] / mib:.0f} MiB); {untraced['seconds']:.2f} s CPU; "
                f"{traced['modules']} of {traced['files']} modules loaded, "
                f"{traced['reached']:,} functions reached",
            )
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
    # linted where no project is around it: the engine's growth, not the index's
    outside = Path(tempfile.mkdtemp(prefix="flake8-stateless-growth-"))
    try:
        with inside(outside), cache_folder(outside / "cache"):
            for index in range(rounds):
                for position in range(len(contenders)):
                    k, series = contenders[(position + index) % len(contenders)]
                    work = [copies[k]] * (8 // k)
                    action = (lambda w=work: run_engine(w)) if series in plugin.values() else (
                        lambda w=work: bare_walk(w))
                    series.add(index, timed(action))
    finally:
        gc.unfreeze()
        shutil.rmtree(outside, ignore_errors=True)
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
    """Time the plugin's phases by wrapping its steps for the duration: the prefilter with
    the project's reach, the walk (with the context's handlers), the request-scope
    decision, each rule, the patterns; and, nested in those, the project layer's steps.
    A diagnostic that reaches into the engine, so it names what it cannot find."""
    from flake8_stateless.project import cache, index, layout  # noqa: PLC0415

    def clocked(
        label: Callable[..., str], function: Callable[..., object]
    ) -> Callable[..., object]:
        depth = [0]  # recursive calls are timed once, at the outermost

        def wrapper(*args: object, **kwargs: object) -> object:
            depth[0] += 1
            start = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                depth[0] -= 1
                if not depth[0]:
                    seconds[label(*args)] += time.process_time() - start
        return wrapper

    targets: list[tuple[object, str, Callable[..., str]]] = [
        (engine, "possible_rules", lambda *a: "prefilter (text, reached modules)"),
        (engine, "walk", lambda *a: "walk + context handlers"),
        (Context, "finish", lambda *a: "context.finish (request scope)"),
        (engine, "_run_rule", lambda rule, *a: f"rule {rule.code}"),
        (patterns, "search", lambda *a: "ast-grep pattern rules"),
        *((owner, name, _label(shown)) for owner, name, shown in (
            (layout.Layout, "around", "Layout.around (finding the root)"),
            (index.ProjectIndex, "reach", "ProjectIndex.reach (whole project)"),
            (index.ProjectIndex, "_summary_of", "ProjectIndex._summary_of (cache or parse)"),
            (index, "summarise_source", "summarise_source (parsing project files)"),
            (cache.SummaryCache, "get", "SummaryCache.get (JSON reads)"),
            (cache.SummaryCache, "put", "SummaryCache.put (JSON writes)"),
            (index.ProjectIndex, "_entry", "ProjectIndex._entry (text test or cache)"),
            (request_scope, "summarise_facts", "summarise_facts (the linted file's summary)"),
        )),
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


NESTED = "  within: "
"""Label prefix of the project layer's steps: their time is part of the phases above."""


def _label(shown: str) -> Callable[..., str]:
    return lambda *args: f"{NESTED}{shown}"


def bench_profile(
    loaded: list[PackageSources], caches: CacheFolders, state: str, top: int = 30
) -> Table:
    """Where the plugin's per-file work goes, per package from its root with the given
    cache state, by phase and then by function under cProfile."""

    def lint_all(profile: cProfile.Profile | None = None) -> None:
        for item in loaded:
            folder = caches.warm(item.package) if state == "warm" else caches.cold()
            with inside(item.package.root), cache_folder(folder):
                if profile is None:
                    run_engine(item.sources, lint=PLUGIN_ENTRY)
                else:
                    profile.runcall(run_engine, item.sources, lint=PLUGIN_ENTRY)

    files = sum(len(item.sources) for item in loaded)
    if state == "warm":
        progress("profile: warming the caches")
        lint_all()
    progress(f"profile: phases over {files} files, {state} cache")
    gc.collect()
    gc.freeze()
    seconds: defaultdict[str, float] = defaultdict(float)
    walk = sum(timed(partial(bare_walk, item.sources)) for item in loaded)
    with _phase_clock(seconds):
        total = timed(lint_all)
    table = Table(f"where {PLUGIN_ENTRY.__name__} spends its time, {state} cache ({total:.2f} s "
                  "CPU in all; ratio: share of a bare ast.walk)")
    top_level = {k: v for k, v in seconds.items() if not k.startswith(NESTED)}
    for label, spent in sorted(top_level.items(), key=lambda item: -item[1]):
        table.row(label, spent, walk, f"{spent / total:.1%} of the plugin")
    table.row("the rest (sorting, columns, context set-up)", total - sum(top_level.values()),
              walk)
    for label, spent in sorted(seconds.items(), key=lambda item: -item[1]):
        if label.startswith(NESTED):
            table.row(label, spent, walk, f"{spent / total:.1%} of the plugin")
    progress("profile: cProfile")
    profile = cProfile.Profile()
    lint_all(profile)
    gc.unfreeze()
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
    parser.add_argument("--profile-cache", choices=("warm", "cold"), default="warm",
                        help="the summary cache the profile part starts from (default warm)")
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
    caches = CacheFolders()
    load = os.getloadavg()
    try:
        if "engine" in parts:
            tables.append(bench_engine(loaded, args.rounds, caches))
        if "flake8" in parts:
            tables.append(bench_flake8(packages, args.rounds, caches))
        if "standalone" in parts:
            tables.append(bench_standalone(packages, args.rounds, caches))
        if "memory" in parts:
            tables.append(bench_memory(packages, caches))
        if "growth" in parts:
            tables.append(bench_growth(loaded, args.rounds, args.growth_file))
        if "profile" in parts:
            tables.append(bench_profile(loaded, caches, args.profile_cache))
    finally:
        caches.clean()

    names = ", ".join(f"{p.name} {p.version}" for p in packages)
    print(f"corpus: {len(packages)} packages, {files:,} files, {lines:,} lines ({names})")
    unparsable = [f"{item.package.name}/{d}" for item in loaded for d in item.unparsable]
    if unparsable:
        print(f"  not parsable under Python {sys.version_info.major}.{sys.version_info.minor} "
              f"(skipped in-process, E999 under flake8): {', '.join(unparsable)}")
    print(f"rounds: {args.rounds}, medians of per-round totals; Python {sys.version.split()[0]}; "
          f"{os.cpu_count()} cores")
    after = os.getloadavg()
    print(f"load average (1, 5, 15 min): {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the "
          f"start, {after[0]:.2f} {after[1]:.2f} {after[2]:.2f} at the end")
    for table in tables:
        table.print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
