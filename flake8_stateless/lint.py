"""Linting files for the standalone command: read, decode, prefilter, parse, run the
engine (the same one flake8 runs), apply ``noqa``; on every core.

No flake8 here. A file that cannot be read is an ``io-error``, one that does not parse an
``invalid-syntax`` diagnostic (Ruff's names); the other files still run. A file that is
not valid in its encoding (UTF-8, or what its coding comment declares) is read as
latin-1 with a warning, as flake8 reads it before calling the plugin: both report the
same findings.
A file whose text cannot match any enabled rule is not parsed at all (``prefilter``),
so its syntax is not checked either: this is a linter, not a compiler.
"""

from __future__ import annotations

import ast
import codecs
import gc
import io
import multiprocessing
import os
import pickle
import re
import tokenize
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from flake8_stateless import engine, project
from flake8_stateless.noqa import NoqaMap, add_directives
from flake8_stateless.options import Settings
from flake8_stateless.prefilter import Prefilter
from flake8_stateless.registry import Finding, Rule
from flake8_stateless.rules import ALL_RULES

SYNTAX_ERROR = "invalid-syntax"
IO_ERROR = "io-error"
CONTEXT_LINES = 2
"""Lines of source kept around each diagnostic for the ``full`` format."""

_EXTENT = re.compile(
    r"\w+(?:\s*\.\s*\w+)*"
    r"|[rRbBuUfF]{0,2}(?:\"[^\"\\\n]*(?:\\.[^\"\\\n]*)*\"|'[^'\\\n]*(?:\\.[^'\\\n]*)*')"
)
"""What a finding's column points at, for its end column: a dotted name or a string."""
_CODING = re.compile(rb"^[ \t\f]*#.*?coding[:=]", re.MULTILINE)


@dataclass(frozen=True)
class Diagnostic:
    """One reported problem, positions 1-based, columns in characters; ``end_col`` is
    just past the reported name (findings carry a start only)."""

    path: str
    line: int
    col: int
    end_line: int
    end_col: int
    code: str
    message: str
    noqa_row: int | None
    snippet: tuple[tuple[int, str], ...] = ()
    """(line number, text) of the reported line and its neighbours."""

    @property
    def is_rule(self) -> bool:
        return self.code not in (SYNTAX_ERROR, IO_ERROR)

    @property
    def source_line(self) -> str:
        return next((text for number, text in self.snippet if number == self.line), "")


@dataclass(frozen=True)
class Options:
    """Per-run switches every worker needs."""

    ignore_noqa: bool = False
    noqa_rows: bool = True
    """Work out each finding's ``noqa_row`` (tokenizing the file): for the formats that
    print it and ``--add-noqa``. Without it, a file with no "noqa" in its text is not
    tokenized and its findings' ``noqa_row`` is None."""


@dataclass
class FileResult:
    path: str
    diagnostics: list[Diagnostic] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """What the user should know about this file (printed after its path)."""
    parsed: bool = False


@dataclass(frozen=True)
class Task:
    """One file: its path (or "-" with ``stdin``), engine name and settings index."""

    path: str
    engine_name: str
    settings: int
    stdin: bytes | None = None


# ------------------------------------------------------------------------- one file
def encoding_of(data: bytes) -> str:
    """The file's encoding: from a BOM or PEP 263 coding comment, else UTF-8. Raises
    SyntaxError for an unknown encoding."""
    if data.startswith(codecs.BOM_UTF8) or _CODING.search(data, 0, _second_line_end(data)):
        return tokenize.detect_encoding(io.BytesIO(data).readline)[0]
    return "utf-8"


@dataclass(frozen=True)
class Decoded:
    """A file's text, the encoding it was read with (and is written back in), and why it
    was read as latin-1 when it was."""

    text: str
    encoding: str
    fallback: str | None = None


def decode(data: bytes) -> Decoded:
    """The file's text the way flake8 reads it: in its declared encoding (UTF-8 by
    default), and as latin-1 when that fails or names an unknown codec, so that the
    command and the plugin see the same text."""
    try:
        encoding = encoding_of(data)
        return Decoded(data.decode(encoding), encoding)
    except UnicodeDecodeError as error:
        declared = "UTF-8" if error.encoding in ("utf-8", "utf-8-sig") else error.encoding
        reason = f"is not valid {declared} (byte {data[error.start]:#04x} at offset {error.start})"
    except SyntaxError as error:  # an unknown encoding in the coding comment
        reason = f"declares an encoding Python does not know ({error.msg})"
    text = data.decode("latin-1").removeprefix(codecs.BOM_UTF8.decode("latin-1"))
    return Decoded(text, "latin-1", f"{reason}: read as latin-1, as flake8 does")


def _second_line_end(data: bytes) -> int:
    first = data.find(b"\n")
    if first < 0:
        return len(data)
    second = data.find(b"\n", first + 1)
    return len(data) if second < 0 else second


def _error(
    path: str,
    code: str,
    message: str,
    *,
    line: int = 1,
    col: int = 1,
    lines: Sequence[str] = (),
) -> Diagnostic:
    return Diagnostic(path, line, col, line, col, code, message, None, _snippet(lines, line))


def _snippet(lines: Sequence[str], line: int) -> tuple[tuple[int, str], ...]:
    """(number, text) of ``line`` and of up to ``CONTEXT_LINES`` lines around it."""
    index = line - 1
    first = max(index - CONTEXT_LINES, 0)
    return tuple(
        (number + 1, lines[number].rstrip("\r\n"))
        for number in range(first, min(index + CONTEXT_LINES + 1, len(lines)))
    )


def lint_bytes(
    path: str,
    data: bytes,
    *,
    engine_name: str,
    settings: Settings,
    prefilter: Prefilter,
    options: Options,
) -> FileResult:
    """Lint one file's bytes; never raises for the file's fault."""
    result = FileResult(path)
    decoded = decode(data)
    text = decoded.text
    if decoded.fallback is not None:
        result.warnings.append(decoded.fallback)
    source = data if decoded.encoding in ("utf-8", "utf-8-sig") else text.encode("utf-8")
    possible = engine.possible_rules(source, engine_name, settings)
    if not possible:
        return result
    result.parsed = True
    lines = io.StringIO(text, newline=None).readlines()
    joined = "".join(lines)
    only_possible = replace(settings, enabled_codes=possible)  # the others cannot report
    linted = joined.encode("utf-8", "surrogatepass")  # the lines as the rules see them
    saved = engine.saved_findings(linted, engine_name, only_possible)
    findings = saved.findings
    if findings is None:
        findings = _parsed_and_checked(
            result, joined, lines, engine_name, only_possible, saved=saved
        )
    if not findings:
        return result
    needs_map = options.noqa_rows or (not options.ignore_noqa and "noqa" in joined.lower())
    noqa = NoqaMap.build(joined, lines) if needs_map else None
    kept = [
        finding
        for finding in findings
        if noqa is None or options.ignore_noqa or not noqa.silences(finding.line, finding.code)
    ]
    if noqa is not None:
        result.warnings.extend(dict.fromkeys(noqa.warnings))
    result.diagnostics.extend(_diagnostic(path, f, lines, noqa) for f in kept)
    return result


def _parsed_and_checked(
    result: FileResult,
    joined: str,
    lines: list[str],
    engine_name: str,
    settings: Settings,
    *,
    saved: engine.SavedFindings,
) -> list[Finding]:
    """The findings of a file no run saved them for (``joined``: its ``lines``); a
    file that does not parse gets its syntax error in ``result`` and no finding."""
    path = result.path
    try:
        tree = ast.parse(joined, filename=path)
    except SyntaxError as error:
        line = error.lineno or 1
        col = max(error.offset or 1, 1)
        message = error.msg if error.msg else "invalid syntax"
        result.diagnostics.append(
            _error(path, SYNTAX_ERROR, message, line=line, col=col, lines=lines)
        )
        return []
    except (ValueError, RecursionError, MemoryError) as error:
        result.diagnostics.append(_error(path, SYNTAX_ERROR, f"{type(error).__name__}: {error}"))
        return []
    return engine.check(tree, lines, engine_name, settings, saved=saved)


def _diagnostic(
    path: str, finding: Finding, lines: Sequence[str], noqa: NoqaMap | None
) -> Diagnostic:
    index = finding.line - 1
    text = lines[index].rstrip("\r\n") if 0 <= index < len(lines) else ""
    match = _EXTENT.match(text, finding.col)
    end = match.end() if match else min(finding.col + 1, max(len(text), finding.col))
    message = finding.message.removeprefix(finding.code + " ")
    return Diagnostic(
        path,
        finding.line,
        finding.col + 1,
        finding.line,
        end + 1,
        finding.code,
        message,
        noqa.line_for(finding.line) if noqa is not None else None,
        _snippet(lines, finding.line),
    )


def add_noqa(diagnostics: Iterable[Diagnostic]) -> int:
    """``--add-noqa``: write ``# noqa: CODES`` on each diagnostic's ``noqa_row``, in the
    file's own encoding and line endings, merged into the directive already there;
    how many lines changed. Runs after the baseline, on what is left to report."""
    by_file: dict[str, dict[int, set[str]]] = {}
    for d in diagnostics:
        if d.is_rule and d.noqa_row is not None and d.path != "-":
            by_file.setdefault(d.path, {}).setdefault(d.noqa_row, set()).add(d.code)
    changed = 0
    for path, by_line in by_file.items():
        decoded = decode(Path(path).read_bytes())
        original = io.StringIO(decoded.text, newline="").readlines()
        lines = io.StringIO(decoded.text, newline=None).readlines()
        edited, count = add_directives(original, by_line, NoqaMap.build("".join(lines), lines))
        if count:
            Path(path).write_bytes("".join(edited).encode(decoded.encoding))
            changed += count
    return changed


# ---------------------------------------------------------------------- many files
@dataclass
class _Worker:
    """What each process keeps for the whole run."""

    settings: Sequence[Settings]
    rules: tuple[Rule, ...]
    options: Options
    prefilters: dict[int, Prefilter] = field(default_factory=dict)

    def prefilter(self, index: int) -> Prefilter:
        known = self.prefilters.get(index)
        if known is None:
            settings = self.settings[index]
            known = Prefilter(settings, (*self.rules, *settings.rules_file, *settings.pack_rules))
            self.prefilters[index] = known
        return known

    def lint(self, task: Task) -> FileResult:
        if task.stdin is not None:
            data = task.stdin
        else:
            try:
                data = Path(task.path).read_bytes()
            except OSError as error:
                return FileResult(
                    task.path, [_error(task.path, IO_ERROR, error.strerror or str(error))]
                )
        return lint_bytes(
            task.path,
            data,
            engine_name=task.engine_name,
            settings=self.settings[task.settings],
            prefilter=self.prefilter(task.settings),
            options=self.options,
        )


COLLECTION_THRESHOLDS = (100_000, 50, 100)
"""The cyclic garbage collector's thresholds while the command lints (Python's default
is 700, 10, 10), as mypy raises its own: parsing and summarising a module allocates
hundreds of thousands of nodes that reference counting frees, and at the default every
700 allocations start a collection that traverses them (and, promoted, the whole heap):
a fifth to a quarter of a cold run's CPU time on open-webui and octoprint, for ~20 MiB
more peak memory. Only the command's own processes: the flake8 plugin runs in flake8's
process and leaves its collector alone."""


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """:data:`COLLECTION_THRESHOLDS` for the duration, then the caller's thresholds."""
    before = gc.get_threshold()
    gc.set_threshold(*COLLECTION_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)


_WORKER: dict[str, _Worker] = {}
"""The worker process's state, set once by the pool's initializer."""


def _start_worker(worker: _Worker) -> None:
    _WORKER["current"] = worker
    gc.set_threshold(*COLLECTION_THRESHOLDS)  # a worker process of ours, for the run


def _lint_chunk(tasks: Sequence[Task]) -> list[FileResult]:
    worker = _WORKER["current"]
    return [worker.lint(task) for task in tasks]


def default_jobs() -> int:
    """The cores this process may use."""
    if hasattr(os, "sched_getaffinity"):
        return max(len(os.sched_getaffinity(0)), 1)
    return os.cpu_count() or 1


def lint_files(
    tasks: Sequence[Task], settings: Sequence[Settings], options: Options, jobs: int
) -> list[FileResult]:
    """Every task's result, in parallel when there are enough files to pay for it."""
    project.new_run()
    worker = _Worker(settings, ALL_RULES, options)
    jobs = max(1, min(jobs, len(tasks)))
    if jobs == 1 or len(tasks) < 4 * jobs:
        with _fewer_collections():
            return [worker.lint(task) for task in tasks]
    context = multiprocessing.get_context()
    if context.get_start_method() != "fork" and not _picklable(worker):
        with _fewer_collections():
            return [worker.lint(task) for task in tasks]  # a rule pack's check is a lambda
    chunks = list(_chunks(tasks, jobs))
    with context.Pool(jobs, initializer=_start_worker, initargs=(worker,)) as pool:
        results = [result for chunk in pool.imap_unordered(_lint_chunk, chunks) for result in chunk]
    return results


def _picklable(worker: _Worker) -> bool:
    """Whether the worker state can reach processes started by spawn or forkserver."""
    try:
        pickle.dumps(worker)
    except (pickle.PicklingError, AttributeError, TypeError):
        return False
    return True


def _chunks(tasks: Sequence[Task], jobs: int) -> Iterator[list[Task]]:
    """Chunks of roughly equal bytes, biggest files first, several per worker so that
    an unlucky chunk of big files does not leave the other cores idle."""
    sized = sorted(((_size(task), task) for task in tasks), key=lambda pair: -pair[0])
    count = min(len(sized), jobs * 8)
    buckets: list[list[Task]] = [[] for _ in range(count)]
    loads = [0] * count
    for size, task in sized:
        lightest = loads.index(min(loads))
        buckets[lightest].append(task)
        loads[lightest] += size + 2048
    yield from (bucket for bucket in buckets if bucket)


def _size(task: Task) -> int:
    try:
        return os.path.getsize(task.path)
    except OSError:
        return 0


def flatten(results: Iterable[FileResult]) -> list[Diagnostic]:
    """All diagnostics, sorted by file, position and code (Ruff's order)."""
    found = [d for result in results for d in result.diagnostics]
    return sorted(found, key=lambda d: (d.path, d.line, d.col, d.code))
