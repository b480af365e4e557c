"""The project index: which functions of the project run on behalf of a request, reached
from which handler, and whether the object they work on lives as long as the process.

Modules are summarised lazily (``summary.py``), from the on-disk cache when their size
and modification time match, else by parsing the file (never importing it). Requests
enter the project at handlers: only modules whose text can hold one are read first, and
the modules they reach are loaded as calls are followed, up to ``--stateless-call-depth``
calls deep. Names are resolved the way Python would, as far as syntax tells: imported
functions and modules (``from . import x`` too), module-level instances and their
methods, ``self.attr = Class(...)``, ``super()``, objects handed to a factory at set-up,
functions handed to threads and executors, and the wrappers of decorators.

Everything is bounded: resolution depth, call depth, and each (function, long-lived)
state is expanded once, so a project of any size or shape (import cycles included) is
indexed in time linear in what is reached.
"""

from __future__ import annotations

import ast
import gc
import hashlib
import io
import json
import tokenize
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from flake8_stateless import frameworks
from flake8_stateless.project import layout as layout_module
from flake8_stateless.project.cache import Entry, Stamp, SummaryCache
from flake8_stateless.project.layout import Layout
from flake8_stateless.project.summary import (
    ELEMENT_GETTERS,
    ESCAPE_NODES,
    CallSite,
    ClassSummary,
    FunctionSummary,
    ModuleSummary,
    SummaryBuilder,
)
from flake8_stateless.semantic.handlers import HandlerScope
from flake8_stateless.semantic.model import ModuleFacts
from flake8_stateless.semantic.paths import PathFacts
from flake8_stateless.semantic.tempdirs import FIXED, NAMED
from flake8_stateless.semantic.values import MAX_VALUES, Value, reads_environment
from flake8_stateless.semantic.walk import Bucket, walk

_K = TypeVar("_K")
_T = TypeVar("_T")

MAX_PARAMETER_DEPTH = 4
"""How many callers deep a parameter is followed to where its path is built."""

WORKER_CALL_DEPTH = 2
"""How many calls deep a thread's target is followed to the loop that serves a queue."""

MAX_RESOLUTION_DEPTH = 12
"""How many names one resolution may go through (``a`` bound to ``b.c``, ``c`` imported
from ``d``...): enough for re-exports, a bound on cycles."""

TextTest = Callable[[bytes, str], tuple[bool, bool]]
"""Whether a file's text (bytes, path relative to the root) may hold a handler, and
whether it may set the app up (see ``prefilter.HandlerTextTest``)."""


def _code_stamp() -> bytes:
    """The index's own code, part of the key of its saved answer: a change to how names
    are resolved must not be answered by a state saved before it (the summaries have
    ``SUMMARY_FORMAT`` for that; resolution changes more often)."""
    digest = hashlib.sha1()
    for module in (__file__, layout_module.__file__):
        try:
            digest.update(Path(module).read_bytes())
        except (OSError, TypeError):
            digest.update(str(module).encode())
    return digest.digest()


_CODE_STAMP = _code_stamp()

MODULE, FUNCTION, CLASS, INSTANCE, METHOD, SUPER, ELEMENTS = (
    "module",
    "function",
    "class",
    "instance",
    "method",
    "super",
    "elements",
)

PROPERTY_DECORATORS = frozenset({"property", "cached_property"})
"""``obj.data`` runs the method and gives what it returns."""


class Target(NamedTuple):
    """What a name resolves to: a module, a function, a class, an instance of a class
    (long-lived or not), a method bound to one, ``super()`` inside a class, or a
    container an instance holds whose elements the project stores (``ELEMENTS``: its
    name is ``Class|attribute`` and the keys taken so far, ``Store|data[watching]``)."""

    kind: str
    module: str
    name: str = ""
    long_lived: bool = False


@dataclass(frozen=True)
class Reach:
    """How a function comes to serve requests."""

    root_module: str
    root: str
    """Qualname of the handler where the request enters."""
    kind: str
    """"request" or "task": what the handler serves."""
    depth: int
    """Calls between the handler and this function (0: the handler itself)."""

    def root_label(self, from_module: str) -> str:
        """The handler as users know it: ``upload`` in the same module, ``views.upload``
        from another (``<locals>`` of app factories left out)."""
        name = self.root.replace(".<locals>", "")
        if self.root_module == from_module:
            return name
        return f"{self.root_module.rpartition('.')[2]}.{name}"


@dataclass(frozen=True)
class ModuleText:
    """A project module's text, as :meth:`ProjectIndex.modules_mentioning` found it."""

    module: str
    relative: str
    """Its path from the project root (``blog/models.py``)."""
    text: str


def _renamed_imports(summary: ModuleSummary) -> dict[str, str]:
    """Names a module imports under another name (``from m import dump as to_json``,
    also inside functions) -> the name the function has where it is defined."""
    found: dict[str, str] = {}
    pairs = [(name, kind) for name, kinds in summary.bindings for kind in kinds]
    pairs += [pair for function in summary.functions for pair in function.locals]
    for name, kind in pairs:
        if kind.startswith("import:"):
            original = kind.rpartition(".")[2].removeprefix("import:")
            if original and original != name:
                found[name] = original
    return found


def _position(function: FunctionSummary, param: str) -> int | None:
    """Where ``param`` is given positionally in a call of ``function`` (``self`` or
    ``cls`` of a method bound), None when it cannot be (keyword-only, not a parameter)."""
    params = function.params
    if function.cls is not None and "staticmethod" not in function.decorators:
        params = params[1:]
    return params.index(param) if param in params else None


class _Module:
    """A summary with lookup tables. Their values are tuples, not lists: the index holds
    them for the whole run, and the garbage collector stops tracking tuples of strings,
    so that the host's full collections do not traverse them again and again."""

    def __init__(self, summary: ModuleSummary) -> None:
        self.summary = summary
        self.functions: dict[str, FunctionSummary] = {f.qualname: f for f in summary.functions}
        self.classes: dict[str, ClassSummary] = {c.qualname: c for c in summary.classes}
        self.bindings: dict[str, tuple[str, ...]] = dict(summary.bindings)
        self.children: dict[str, tuple[str, ...]] = _grouped(
            (function.parent, function.qualname)
            for function in summary.functions
            if function.parent is not None
        )
        self._locals: dict[str, dict[str, tuple[str, ...]]] = {}
        self._arguments: dict[str, dict[str, tuple[tuple[str, ...], ...]]] = {}

    def arguments(self, function: FunctionSummary, ref: str) -> tuple[tuple[str, ...], ...]:
        """The argument tokens of each call of ``ref`` in ``function``."""
        table = self._arguments.get(function.qualname)
        if table is None:
            table = _grouped(
                (called, tuple(tokens.split())) for called, tokens in function.arguments
            )
            self._arguments[function.qualname] = table
        return table.get(ref, ())

    def local(self, function: FunctionSummary, name: str) -> tuple[str, ...]:
        """The refs local variable ``name`` of ``function`` is bound to, in source order."""
        table = self._locals.get(function.qualname)
        if table is None:
            table = _grouped(function.locals)
            self._locals[function.qualname] = table
        return table.get(name, ())

    def class_of_scope(self, scope: str | None) -> str | None:
        """The class whose method ``scope`` is, or encloses ``scope``."""
        current = scope
        while current is not None:
            function = self.functions.get(current)
            if function is None:
                return None
            if function.cls is not None:
                return function.cls
            current = function.parent
        return None


def _grouped(pairs: Iterable[tuple[_K, _T]]) -> dict[_K, tuple[_T, ...]]:
    """``[(key, value), ...]`` -> ``{key: (value, ...)}``, values in their order."""
    lists: dict[_K, list[_T]] = {}
    for key, value in pairs:
        lists.setdefault(key, []).append(value)
    return {key: tuple(values) for key, values in lists.items()}


def _text_digest(
    path: Path, known: tuple[int, int, str] | None
) -> tuple[int, int, str] | None:
    """(size, modification time, sha1) of a file, the sha1 taken from ``known`` (the
    last run's) when size and time did not change; None when it cannot be read."""
    stamp = Stamp.of(path)
    if stamp is None:
        return None
    if known is not None and known[:2] == (stamp.size, stamp.mtime_ns):
        return known
    try:
        return stamp.size, stamp.mtime_ns, hashlib.sha1(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _keys(path: str) -> list[str]:
    """``data[watching][]`` -> ``["data", "watching", ""]``: the attribute, then keys."""
    head, _, rest = path.partition("[")
    return [head, *(rest[:-1].split("][") if rest else [])]


def _key_matches(stored: str, taken: str) -> bool:
    """Whether an element stored under key ``stored`` (``watching``; ``""``: a key not
    known; ``+``: appended) is what taking ``taken`` (``watching``, ``""``: a key not
    known, ``*``: iterating) gives. A key not known is any key; iterating a mapping gives
    its keys, not what was stored."""
    if stored == "+":
        return taken in ("", "*")
    if stored == "":
        return taken != "*"
    return stored == taken


def summarise_facts(
    facts: ModuleFacts,
    handlers: HandlerScope,
    module: str,
    is_package: bool,
    nodes: Mapping[type[ast.AST], Bucket] | None = None,
) -> ModuleSummary:
    """A module's summary from facts the engine already gathered (``nodes``: the names,
    attributes and ``from`` imports of the whole tree, when the walk collected them)."""
    return SummaryBuilder(facts, handlers, module, is_package, nodes).build()


def decode_source(source: bytes) -> str:
    """A module's text from its bytes, as Python reads it (its coding cookie or UTF-8),
    else as latin-1, which decodes any byte (as flake8 does)."""
    try:
        encoding = tokenize.detect_encoding(io.BytesIO(source).readline)[0]
        return source.decode(encoding)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        return source.decode("latin-1")


def module_facts(text: str, relative: str) -> ModuleFacts | None:
    """The facts of a project module's text (parsed and walked, never imported), or None
    when it does not parse: a broken module is skipped, never fatal."""
    walked = _walked(text, relative, frozenset())
    return None if walked is None else walked[0]


def _walked(
    text: str, relative: str, wanted: frozenset[type[ast.AST]]
) -> tuple[ModuleFacts, dict[type[ast.AST], Bucket]] | None:
    """``module_facts``, with the nodes of the ``wanted`` types the walk collected."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    facts = ModuleFacts(tree, relative, text.splitlines(keepends=True))
    try:
        nodes = walk(tree, facts.handlers(), wanted)
    except RecursionError:
        return None
    return facts, nodes


def summarise_source(
    source: bytes, relative: str, module: str, is_package: bool, handler_decorators: tuple[str, ...]
) -> ModuleSummary | None:
    """A module's summary from its bytes, or None when it cannot be parsed. The walk
    that gathers the facts also collects what ``SummaryBuilder`` would walk the tree
    again for (``ESCAPE_NODES``). The tree is freed when ``_summarised`` returns, so
    the cyclic garbage collector is paused until then (see ``_collector_paused``)."""
    with _collector_paused():
        return _summarised(source, relative, module, is_package, handler_decorators)


def _summarised(
    source: bytes, relative: str, module: str, is_package: bool, handler_decorators: tuple[str, ...]
) -> ModuleSummary | None:
    walked = _walked(decode_source(source), relative, ESCAPE_NODES)
    if walked is None:
        return None
    facts, nodes = walked
    try:
        handlers = HandlerScope(facts, handler_decorators)
        return summarise_facts(facts, handlers, module, is_package, nodes)
    except RecursionError:
        return None


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while one module is parsed and
    summarised. Its tree (hundreds of thousands of nodes) lives only that long and holds
    no cycles: reference counting frees it. Collected meanwhile, the tree's nodes would
    be traversed again and again and moved to the oldest generation, whose full
    collections then traverse everything the process holds (the linted trees of a
    whole project): on a cold cache, most of the garbage collector's time. The tree
    must be gone when the collector resumes: the first collection after it would
    traverse every object made meanwhile that is still alive."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class ProjectIndex:
    """One project's modules and what serves requests in them."""

    def __init__(
        self,
        layout: Layout | None,
        *,
        handler_decorators: tuple[str, ...],
        call_depth: int,
        cache: SummaryCache,
        may_hold_handlers: TextTest,
        overrides: dict[str, ModuleSummary] | None = None,
    ) -> None:
        self.layout = layout
        self.handler_decorators = handler_decorators
        self.call_depth = call_depth
        self.cache = cache
        self.may_hold_handlers = may_hold_handlers
        self._overrides = dict(overrides or {})
        self._paths: dict[str, tuple[Path, bool]] | None = None
        self._canonical: dict[str, str] = {}
        self._modules: dict[str, _Module | None] = {}
        self._digests: dict[str, str] = {}
        """Module name -> sha1 of the file bytes its loaded summary was built from."""
        self._resolved: dict[tuple[str, str | None, str, bool], Target | None] = {}
        self._bindings: dict[tuple[str, str], Target | None] = {}
        self._params: dict[tuple[str, str, str], Target] = {}
        self._reach: dict[tuple[str, str], Reach] | None = None
        self._long_lived: set[tuple[str, str]] = set()
        self._reached_modules: frozenset[str] | None = None
        self._base: ProjectIndex | None = None
        """For modules that exist only in the editor: the project without them."""
        self._set_up_scopes: set[tuple[str, str | None]] = set()
        """Factory-named functions whose hand-overs were taken as set-up."""
        self._not_set_up: set[tuple[str, str | None]] = set()
        """Those that turned out to serve requests."""
        self.loaded_from_disk = 0
        """Modules parsed from disk (not from the cache) by this index: for tests."""
        self.resolutions = 0
        """Names resolved (memo misses): an operation count for the growth tests."""
        self.reach_restored = False
        """Whether ``reach()`` was taken from the cache (for tests)."""
        self._mentions: dict[frozenset[str], tuple[ModuleText, ...]] = {}
        self.texts_read = 0
        """Files read by :meth:`modules_mentioning`: an operation count for the tests."""
        self._constants: dict[tuple[str, str], tuple[Value, ...] | None] = {}
        self._callers: dict[str, tuple[tuple[str, str | None, str], ...]] | None = None
        self._escaped: set[str] = set()
        self._sites: dict[tuple[str, str | None, str], tuple[CallSite, ...]] | None = None
        self._parameter_origins: dict[tuple[str, str, str], str | None] = {}
        self._queue_workers: dict[tuple[str, str], bool] = {}
        self._connection_params: dict[tuple[str, str, str], str] | None = None
        self._passes: dict[tuple[str, str, str, bool, bool], bool] = {}
        self._stamp: str | None = None

    # ------------------------------------------------------------------ modules
    def derived(self, overrides: dict[str, ModuleSummary]) -> ProjectIndex:
        """The same project with some modules as the editor has them (stdin)."""
        index = ProjectIndex(
            self.layout,
            handler_decorators=self.handler_decorators,
            call_depth=self.call_depth,
            cache=self.cache,
            may_hold_handlers=self.may_hold_handlers,
            overrides={**self._overrides, **overrides},
        )
        index._paths = self._paths
        index._canonical = self._canonical
        if not any(self.canonical(name) for name in overrides):
            # modules that exist only in the editor: nothing on disk can import them, so
            # the rest of the project is reached as before, and only their own handlers
            # are new (``reach`` adds what they reach to the base's answer)
            index._base = self
        return index

    @property
    def paths(self) -> dict[str, tuple[Path, bool]]:
        """Canonical module name -> (file, is package), for every Python file of the
        project (see ``Layout.module_names``); other names code may import a module by
        map to it through :meth:`canonical`, unless two modules share them."""
        if self._paths is None:
            found: dict[str, tuple[Path, bool]] = {}
            aliases: dict[str, str | None] = {}
            if self.layout is not None:
                for path in self.layout.python_files():
                    named = self.layout.module_names(path)
                    if named is None or named[0] in found:
                        continue
                    canonical, others, is_package = named
                    found[canonical] = (path, is_package)
                    for alias in others:
                        # a name two modules could answer to names neither
                        aliases[alias] = None if alias in aliases else canonical
            self._paths = found
            self._canonical = {
                alias: name
                for alias, name in aliases.items()
                if name is not None and alias not in found
            }
        return self._paths

    def canonical(self, name: str) -> str | None:
        """The canonical name of the module code imports as ``name``, if any."""
        if name in self._overrides or name in self.paths:
            return name
        return self._canonical.get(name)

    def module(self, name: str) -> _Module | None:
        """The summary of module ``name``, loaded on first use."""
        if name in self._modules:
            return self._modules[name]  # a canonical name (the table's keys are)
        canonical = self.canonical(name)
        if canonical is None:
            return None
        name = canonical
        if name in self._modules:
            return self._modules[name]
        loaded: _Module | None = None
        override = self._overrides.get(name)
        if override is not None:
            loaded = _Module(override)
        else:
            located = self.paths.get(name)
            if located is not None:
                summary = self._summary_of(located[0], name, located[1])
                loaded = _Module(summary) if summary is not None else None
        self._modules[name] = loaded
        return loaded

    def built_from(self, name: str, source: bytes, path: PathFacts, is_package: bool) -> bool:
        """Whether this index's summary of module ``name`` was built from exactly these
        bytes, at a path saying the same (``path``), as a module of the same kind: then
        the linted tree of ``source`` has that very summary (a summary depends on nothing
        else), and need not be summarised again."""
        if name in self._overrides or name not in self.paths:
            return False
        module = self.module(name)
        digest = self._digests.get(name)
        if module is None or digest is None or module.summary.is_package != is_package:
            return False
        if PathFacts.from_filename(self._relative(self.paths[name][0])) != path:
            return False
        return digest == hashlib.sha1(source).hexdigest()

    def disk_summary(self, name: str) -> ModuleSummary | None:
        """The module as it is on disk (ignoring overrides)."""
        located = self.paths.get(name)
        if located is None:
            return None
        return self._summary_of(located[0], name, located[1])

    def _relative(self, path: Path) -> str:
        assert self.layout is not None
        return path.relative_to(self.layout.root).as_posix()

    def _entry(self, path: Path, stamp: Stamp) -> Entry:
        key = self._relative(path)
        entry = self.cache.get(key, stamp)
        if entry is not None:
            return entry
        try:
            source = path.read_bytes()
        except OSError:
            source = b""
        digest = hashlib.sha1(source).hexdigest()
        entry = self.cache.get(key, stamp, same_bytes=digest)  # a fresh checkout's file
        if entry is None:
            may_serve, sets_up = self.may_hold_handlers(source, key)
            entry = Entry(may_serve, sets_up, summary=None, parsed=False, digest=digest)
        self.cache.put(key, stamp, entry)  # found by its stamp from now on
        return entry

    def _summary_of(self, path: Path, name: str, is_package: bool) -> ModuleSummary | None:
        stamp = Stamp.of(path)
        if stamp is None:
            return None
        entry = self._entry(path, stamp)
        if entry.parsed and (entry.summary is None or entry.summary.name == name):
            if entry.summary is not None and entry.digest is not None:
                self._digests[name] = entry.digest
            return entry.summary
        try:
            source = path.read_bytes()
        except OSError:
            return None
        key = self._relative(path)
        summary = summarise_source(source, key, name, is_package, self.handler_decorators)
        self.loaded_from_disk += 1
        digest = hashlib.sha1(source).hexdigest()
        if summary is not None:
            self._digests[name] = digest
        entry = Entry(entry.may_serve, entry.sets_up, summary, parsed=True, digest=digest)
        self.cache.put(key, stamp, entry)
        return summary

    def seed_modules(self) -> list[str]:
        """Modules whose text may hold a handler, in a stable order (overrides count as
        they are, whatever the file on disk says)."""
        return self._modules_where(lambda entry: entry.may_serve, lambda s: s.has_handlers)

    def set_up_modules(self) -> list[str]:
        """Modules whose text may build the app (where objects are handed over)."""
        return self._modules_where(lambda entry: entry.sets_up, lambda s: bool(s.handoffs))

    def _modules_where(
        self, on_disk: Callable[[Entry], bool], overridden: Callable[[ModuleSummary], bool]
    ) -> list[str]:
        found: list[str] = []
        for name, (path, _) in sorted(self.paths.items()):
            if name in self._overrides:
                continue
            stamp = Stamp.of(path)
            if stamp is not None and on_disk(self._entry(path, stamp)):
                found.append(name)
        found.extend(name for name, s in sorted(self._overrides.items()) if overridden(s))
        return found

    def modules_mentioning(self, words: Iterable[str]) -> tuple[ModuleText, ...]:
        """The project's modules, as on disk (those of :attr:`paths`: no tests, migrations
        or management commands), whose text holds one of ``words`` as written, anywhere (a
        substring test, linear: a necessary condition, the caller parses what it needs),
        with their text, by module name. Ask for every word of a question at
        once: each file is read once per index and word set, so a project is read at most
        once per process for it (the faces call ``new_run`` when a run starts)."""
        key = frozenset(words)
        known = self._mentions.get(key)
        if known is not None:
            return known
        needles = tuple(sorted(word.encode() for word in key if word))
        found: list[ModuleText] = []
        for name, (path, _) in sorted(self.paths.items()) if needles else ():
            try:
                source = path.read_bytes()
            except OSError:
                continue
            self.texts_read += 1
            if any(needle in source for needle in needles):
                found.append(ModuleText(name, self._relative(path), decode_source(source)))
        self._mentions[key] = answer = tuple(found)
        return answer

    # ------------------------------------------------------------------ reach
    def reach(self) -> dict[tuple[str, str], Reach]:
        """(module, qualname) -> how it is reached, for every function that runs on
        behalf of a request: handlers, what they call, what they start."""
        if self._reach is not None:
            return self._reach
        if self._base is not None:
            return self._reach_beside(self._base)
        stamp = self.project_stamp()
        if stamp is not None and self._restore(self.cache.get_project(stamp)):
            assert self._reach is not None
            return self._reach
        seeds = self.seed_modules()
        for name in [*seeds, *self.set_up_modules()]:
            self.module(name)
        self._bind_handoffs()
        found = self._walk_from(seeds)
        # a factory-named function that turns out to serve requests (a ``create_shelf``
        # view) hands over per-request objects, not long-lived ones: bind again without
        served = {(m, q) for m, q in self._set_up_scopes if (m, q) in found}
        if served:
            self._not_set_up |= served
            self._params.clear()
            self._resolved.clear()
            self._bindings.clear()
            self._long_lived.clear()
            self._bind_handoffs()
            found = self._walk_from(seeds)
        self._reach = found
        if stamp is not None:
            self.cache.put_project(stamp, self._saved_state())
        return found

    # ------------------------------------------------------------------ saved answer
    def project_stamp(self) -> str | None:
        """What the whole project's answer depends on: every module's name, file and
        text (its sha1, read again only when its size or modification time changed: a
        fresh checkout of the same commit has the same stamp), the call depth and the
        index's code (the options that change summaries name the cache folder). None
        when it is not kept: no cache folder, or modules as an editor has them. Taken
        once per index (per run)."""
        if self.layout is None or not self.cache.on_disk or self._overrides:
            return None
        if self._stamp is None:
            self._stamp = self._stamp_now()
        return self._stamp

    def _stamp_now(self) -> str:
        digest = hashlib.sha1(_CODE_STAMP)
        digest.update(f"depth {self.call_depth}\n".encode())
        known = self.cache.get_file_digests()
        files: dict[str, tuple[int, int, str]] = {}
        for name, (path, is_package) in sorted(self.paths.items()):
            relative = self._relative(path)
            text = _text_digest(path, known.get(relative))
            if text is not None:
                files[relative] = text
            line = f"{name}\0{relative}\0{is_package:d}\0{text[2] if text else '-'}\n"
            digest.update(line.encode("utf-8", "surrogatepass"))
        if files != known:
            self.cache.put_file_digests(files)
        return digest.hexdigest()

    def _saved_state(self) -> dict[str, Any]:
        """What ``reach()`` leaves for later questions: the reach, which reached
        functions run on long-lived objects, and the parameters bound at set-up."""
        assert self._reach is not None
        return {
            "reach": [
                [module, qualname, r.root_module, r.root, r.kind, r.depth]
                for (module, qualname), r in self._reach.items()
            ],
            "long_lived": sorted([module, qualname] for module, qualname in self._long_lived),
            "params": [
                [module, scope, name, t.kind, t.module, t.name, t.long_lived]
                for (module, scope, name), t in self._params.items()
            ],
        }

    def _restore(self, state: Any) -> bool:
        """Take a saved answer (from a project in exactly this state); False when there
        is none or it is malformed (then the answer is computed)."""
        if state is None:
            return False
        try:
            reach = {
                (str(module), str(qualname)): Reach(str(root_module), str(root), str(kind),
                                                    int(depth))
                for module, qualname, root_module, root, kind, depth in state["reach"]
            }
            long_lived = {(str(module), str(qualname)) for module, qualname in state["long_lived"]}
            params = {
                (str(module), str(scope), str(name)): Target(str(kind), str(target_module),
                                                             str(target), bool(long_lived_))
                for module, scope, name, kind, target_module, target, long_lived_
                in state["params"]
            }
        except (KeyError, TypeError, ValueError):
            return False
        self._reach, self._long_lived, self._params = reach, long_lived, params
        self._resolved.clear()  # answers given before the parameters were bound
        self._bindings.clear()
        self.reach_restored = True
        return True

    def _reach_beside(self, base: ProjectIndex) -> dict[tuple[str, str], Reach]:
        """The base project's reach, plus what the new modules' own handlers reach (with
        the objects the base project hands over at set-up)."""
        found = dict(base.reach())
        self._params = dict(base._params)
        self._long_lived = set(base._long_lived)
        new = sorted(self._overrides)
        for name in new:
            self.module(name)
        for key, reach in self._walk_from(new).items():
            found.setdefault(key, reach)
        self._reach = found
        return found

    def _walk_from(self, seeds: list[str]) -> dict[tuple[str, str], Reach]:
        """Breadth first from every handler of the seed modules: each function gets the
        handler that reaches it in the fewest calls."""
        found: dict[tuple[str, str], Reach] = {}
        queue: deque[tuple[str, str, bool, Reach]] = deque()
        expanded: set[tuple[str, str, bool]] = set()
        for name in seeds:
            module = self.module(name)
            if module is None:
                continue
            for handler in module.summary.functions:
                if handler.handler is not None:
                    reach = Reach(name, handler.qualname, handler.handler, 0)
                    queue.append((name, handler.qualname, handler.shared_self, reach))
        while queue:
            module_name, qualname, long_lived, reach = queue.popleft()
            state = (module_name, qualname, long_lived)
            if state in expanded:
                continue
            expanded.add(state)
            key = (module_name, qualname)
            if key not in found:
                found[key] = reach
            if long_lived:
                self._long_lived.add(key)
            module = self.module(module_name)
            if module is None:
                continue
            current = module.functions.get(qualname)
            if current is None:
                continue
            # nested functions run when their parent calls or hands them over, or
            # decorates them (``@after_this_request``); a closure it only builds and
            # returns runs later, on someone else's behalf
            used = {ref.partition(".")[0].removesuffix("()") for ref in current.calls}
            for child in module.children.get(qualname, ()):
                nested = module.functions.get(child)
                if child.rpartition(".")[2] in used or (nested is not None and nested.decorators):
                    queue.append((module_name, child, long_lived, reach))
            if reach.depth >= self.call_depth:
                continue
            deeper = Reach(reach.root_module, reach.root, reach.kind, reach.depth + 1)
            for target in self._callees(module_name, current, long_lived):
                callee = self.module(target.module)
                if callee is None:
                    continue
                summary = callee.functions.get(target.name)
                if summary is None or summary.entry:
                    continue
                queue.append((target.module, target.name, target.long_lived, deeper))
        return found

    def reached_modules(self) -> frozenset[str]:
        """Modules with at least one function that serves requests."""
        if self._reached_modules is None:
            self._reached_modules = frozenset(module for module, _ in self.reach())
        return self._reached_modules

    def is_long_lived(self, module: str, qualname: str) -> bool:
        """Whether a reached method may run on an object that lives as long as the
        process (a module-level instance, a singleton, an object handed to a factory)."""
        self.reach()
        return (module, qualname) in self._long_lived

    def _callees(
        self, module_name: str, function: FunctionSummary, long_lived: bool
    ) -> Iterable[Target]:
        for ref in function.calls:
            target = self.resolve(module_name, function.qualname, ref, long_lived)
            if target is not None:
                entry = self._entry_of(target)
                if entry is not None:
                    yield entry
        if long_lived:
            for ref in function.self_calls:  # ``Base.method(self, ...)``: the same object
                target = self.resolve(module_name, function.qualname, ref, long_lived)
                if target is None or target.kind not in (FUNCTION, METHOD):
                    continue
                owner = self.module(target.module)
                callee = owner.functions.get(target.name) if owner is not None else None
                if callee is not None and callee.cls is not None:
                    yield Target(METHOD, target.module, target.name, True)
        yield from self._wrappers(module_name, function)

    def _entry_of(self, target: Target) -> Target | None:
        """The function that runs when ``target`` is called."""
        if target.kind in (FUNCTION, METHOD):
            return target
        if target.kind == CLASS:
            init = self._method(target.module, target.name, "__init__", 0)
            return None if init is None else Target(METHOD, init[0], init[1], False)
        if target.kind == INSTANCE:
            call = self._method(target.module, target.name, "__call__", 0)
            return None if call is None else Target(METHOD, call[0], call[1], target.long_lived)
        return None

    def _wrappers(self, module_name: str, function: FunctionSummary) -> Iterable[Target]:
        """The per-request wrappers of ``function``'s decorators: ``login_required``
        returns ``wrapper``; ``requires_role("admin")`` returns a decorator that returns
        one. The decorator's own body runs at import time and is not reached."""
        for ref in function.decorators:
            called = ref.endswith("()")
            base = ref[:-2] if called else ref
            target = self.resolve(module_name, function.parent, base, False)
            if target is None or target.kind != FUNCTION:
                continue
            layer = [(target.module, target.name)]
            for _ in range(2 if called else 1):
                following: list[tuple[str, str]] = []
                for owner_module, owner in layer:
                    module = self.module(owner_module)
                    summary = module.functions.get(owner) if module else None
                    if summary is not None:
                        following.extend(
                            (owner_module, f"{owner}.<locals>.{name}") for name in summary.returns
                        )
                layer = following
            for owner_module, wrapper in layer:
                yield Target(FUNCTION, owner_module, wrapper, False)

    # ------------------------------------------------------------------ handoffs
    def _bind_handoffs(self) -> None:
        """Parameters bound to long-lived objects handed over at set-up
        (``construct_blueprint(datastore)``), to a fixed point: a parameter handed on
        (``register(app, datastore)`` calling ``construct_blueprint(datastore)``) too."""
        for _ in range(4):
            changed = False
            for name, module in list(self._modules.items()):
                if module is None:
                    continue
                for scope_name, callee_ref, argument_ref, position, keyword, made_at_set_up \
                        in module.summary.handoffs:
                    argument = self.resolve(name, scope_name, argument_ref, False)
                    if argument is None or argument.kind != INSTANCE:
                        continue
                    set_up = made_at_set_up and (name, scope_name) not in self._not_set_up
                    if set_up and scope_name is not None:
                        scope = module.functions.get(scope_name)
                        if scope is not None and scope.handler is not None:
                            set_up = False  # a handler named like a factory
                        else:
                            self._set_up_scopes.add((name, scope_name))
                    if not (set_up or argument.long_lived):
                        continue  # a fresh object handed on within one request
                    callee = self.resolve(name, scope_name, callee_ref, False)
                    if callee is None:
                        continue
                    entry = self._entry_of(callee)
                    if entry is None:
                        continue
                    target_module = self.module(entry.module)
                    summary = target_module.functions.get(entry.name) if target_module else None
                    if summary is None:
                        continue
                    params = summary.params
                    if summary.cls is not None and params:
                        params = params[1:]  # self
                    if position >= 0:
                        if position >= len(params):
                            continue
                        param = params[position]
                    else:
                        param = keyword or ""
                        if param not in summary.params and not param.startswith("**"):
                            continue  # ``**datastore``: taken from its ``**kwargs``
                    key = (entry.module, entry.name, param)
                    bound = Target(INSTANCE, argument.module, argument.name, True)
                    if self._params.get(key) != bound:
                        self._params[key] = bound
                        self._resolved.clear()
                        self._bindings.clear()
                        changed = True
            if not changed:
                return

    # ------------------------------------------------------------------ resolution
    def resolve(
        self, module: str, scope: str | None, ref: str, long_lived: bool, depth: int = 0
    ) -> Target | None:
        """What ``ref`` names in function ``scope`` (None: module level) of ``module``;
        ``long_lived``: whether that function's ``self`` lives as long as the process."""
        key = (module, scope, ref, long_lived)
        if key in self._resolved:
            return self._resolved[key]
        if depth > MAX_RESOLUTION_DEPTH:
            return None
        self._resolved[key] = None  # a cycle through this ref resolves to nothing
        self.resolutions += 1
        segments = ref.split(".")
        head = segments[0]
        called = head.endswith("()")
        target = self._head(module, scope, head[:-2] if called else head, long_lived, depth)
        if target is not None and called:
            target = self._call(target, depth)
        for segment in segments[1:]:
            if target is None:
                break
            if segment.startswith("["):
                target = self._element(target, segment, depth)
                continue
            called = segment.endswith("()")
            if called and target.kind == ELEMENTS and segment[:-2] in ELEMENT_GETTERS:
                target = self._element(target, "[]", depth)  # ``watching.get(uuid)``
                continue
            target = self._attribute(target, segment[:-2] if called else segment, depth)
            if target is not None and called:
                target = self._call(target, depth)
        self._resolved[key] = target
        return target

    def _head(
        self, module_name: str, scope: str | None, name: str, long_lived: bool, depth: int
    ) -> Target | None:
        module = self.module(module_name)
        if module is None:
            return None
        if name in ("self", "cls", "super"):
            cls = module.class_of_scope(scope)
            if cls is None:
                return None
            if name == "self":
                return Target(INSTANCE, module_name, cls, long_lived)
            if name == "cls":
                return Target(CLASS, module_name, cls)
            return Target(SUPER, module_name, cls, long_lived)
        current = scope
        while current is not None:
            function = module.functions.get(current)
            if function is None:
                break
            nested = f"{current}.<locals>.{name}"
            if nested in module.functions:
                return Target(FUNCTION, module_name, nested, long_lived)
            if nested in module.classes:
                return Target(CLASS, module_name, nested)
            bound = self._params.get((module_name, current, name))
            if bound is not None:
                return bound
            refs = module.local(function, name)
            if refs:
                for ref in refs:  # every binding counts: the first that resolves
                    if ref.startswith("import:"):
                        found = self._absolute(ref.removeprefix("import:"), depth + 1)
                    else:
                        found = self.resolve(module_name, current, ref, long_lived, depth + 1)
                    if found is not None:
                        return found
                return None
            if name in function.params:
                return None  # an unbound parameter hides the module-level name
            current = function.parent
        return self._binding(module_name, name, depth)

    def _binding(self, module_name: str, name: str, depth: int) -> Target | None:
        """A module-level name: the first of its bindings that resolves (memoised: it
        does not depend on where the name is used)."""
        key = (module_name, name)
        if key in self._bindings:
            return self._bindings[key]
        self._bindings[key] = None  # a cycle through this name resolves to nothing
        found = self._binding_uncached(module_name, name, depth)
        self._bindings[key] = found
        return found

    def _binding_uncached(self, module_name: str, name: str, depth: int) -> Target | None:
        module = self.module(module_name)
        if module is None:
            return None
        kinds = module.bindings.get(name)
        if kinds is None:
            submodule = self.canonical(f"{module_name}.{name}")
            if module.summary.is_package and submodule is not None:
                return Target(MODULE, submodule)
            return None
        for kind in kinds:
            if kind == "def":
                return Target(FUNCTION, module_name, name)
            if kind == "class":
                return Target(CLASS, module_name, name)
            if kind.startswith("import:"):
                target = self._absolute(kind.removeprefix("import:"), depth + 1)
            elif kind.startswith(("ref:", "scoped:")):
                scope, _, ref = kind.partition(":")[2].rpartition("|")
                target = self.resolve(module_name, scope or None, ref, False, depth + 1)
                if target is not None and target.kind == INSTANCE:
                    target = target._replace(long_lived=True)  # lives as long as the module
            else:
                continue
            if target is not None:
                return target
        return None

    def _absolute(self, dotted: str, depth: int) -> Target | None:
        """An absolute dotted name: the longest module prefix, then attributes. A
        submodule its package's ``__init__`` rebinds (``from .Watch import Watch``) is what
        the package binds: Python imports ``from pkg import Watch`` with ``getattr``."""
        parts = dotted.split(".")
        for end in range(len(parts), 0, -1):
            name = self.canonical(".".join(parts[:end]))
            if name is not None and end == len(parts) and end > 1:
                rebound = self._rebound_submodule(".".join(parts[:-1]), parts[-1], dotted)
                if rebound is not None:
                    return self._binding(rebound, parts[-1], depth + 1)
            if name is not None:
                target: Target | None = Target(MODULE, name)
                for attribute in parts[end:]:
                    if target is None:
                        return None
                    target = self._attribute(target, attribute, depth + 1)
                return target
        return None

    def _rebound_submodule(self, package: str, name: str, dotted: str) -> str | None:
        """The package (canonical name) when its ``__init__`` binds ``name`` to something
        other than its submodule ``dotted``."""
        canonical = self.canonical(package)
        module = self.module(canonical) if canonical is not None else None
        if module is None or not module.summary.is_package:
            return None
        kinds = module.bindings.get(name)
        if not kinds or any(k == f"import:{dotted}" for k in kinds):
            return None
        return canonical

    def _attribute(self, target: Target, name: str, depth: int) -> Target | None:
        if depth > MAX_RESOLUTION_DEPTH:
            return None
        kind = target.kind
        if kind == MODULE:
            found = self._binding(target.module, name, depth + 1)
            if found is not None:
                return found
            submodule = self.canonical(f"{target.module}.{name}")
            return None if submodule is None else Target(MODULE, submodule)
        if kind == ELEMENTS:
            holder, _, path = target.name.partition("|")
            if "[" in path:
                return None  # a method of the container itself (``keys``, ``update``)
            owner = Target(INSTANCE, target.module, holder, target.long_lived)
            held = self._instance_attribute(owner, path, depth + 1)
            return None if held is None else self._attribute(held, name, depth + 1)
        if kind in (CLASS, INSTANCE, SUPER):
            method = self._method(target.module, target.name, name, depth, skip_own=kind == SUPER)
            if method is not None:
                if kind == CLASS:
                    return Target(FUNCTION, method[0], method[1])
                bound = Target(METHOD, method[0], method[1], target.long_lived)
                if kind == INSTANCE and self._is_property(bound):
                    return self._call(bound, depth + 1)  # ``store.data``: what it returns
                return bound
            if kind in (INSTANCE, CLASS):
                elements = self._elements_holder(target, name, depth)
                if elements is not None:
                    return elements
            if kind == INSTANCE:
                return self._instance_attribute(target, name, depth)
            nested = f"{target.name}.{name}"
            module = self.module(target.module)
            if kind == CLASS and module is not None and nested in module.classes:
                return Target(CLASS, target.module, nested)
        return None

    def _registers_itself(self, module_name: str, cls: str, depth: int) -> bool:
        """Whether instances of ``cls`` put themselves into a class-level container
        (``self.cache[self.id] = self`` with ``cache = {}`` in the class body): a registry
        of instances, each kept as long as the process, like a singleton's one."""
        order = self._mro(module_name, cls, depth)
        shared: set[str] = set()
        stored: set[str] = set()
        for owner_module, owner in order:
            module = self.module(owner_module)
            summary = module.classes.get(owner) if module else None
            if summary is None:
                continue
            shared.update(attribute for attribute, _ in summary.class_containers)
            stored.update(
                path.partition("[")[0] for path, _, ref in summary.elements if ref == "self"
            )
        return bool(shared & stored)

    def _is_property(self, method: Target) -> bool:
        module = self.module(method.module)
        function = module.functions.get(method.name) if module else None
        if function is None:
            return False
        return any(
            ref.rpartition(".")[2] in PROPERTY_DECORATORS for ref in function.decorators
        )

    def _elements_holder(self, target: Target, name: str, depth: int) -> Target | None:
        """``store.data`` when a method of the store's class puts objects into
        ``self.data`` (at any key depth): the container, to take elements out of."""
        prefix = (name + "[",)
        for module_name, cls in self._mro(target.module, target.name, depth):
            module = self.module(module_name)
            summary = module.classes.get(cls) if module else None
            if summary is not None and any(p.startswith(prefix) for p, _, _ in summary.elements):
                # a class-level container lives as long as the process, whoever holds it
                shared = name in dict(summary.class_containers)
                if target.kind == CLASS and not shared:
                    return None
                return Target(
                    ELEMENTS, module_name, f"{cls}|{name}", target.long_lived or shared
                )
        return None

    def _element(self, target: Target, segment: str, depth: int) -> Target | None:
        """An element taken out of a container (``segment``: ``[watching]``, ``[]``,
        ``[*]``): the instance the project stored there, long-lived when the container's
        holder is; a container again when the project stores deeper
        (``data['watching']`` of ``data['watching'][uuid] = watch``)."""
        if target.kind != ELEMENTS or depth > MAX_RESOLUTION_DEPTH:
            return None
        module = self.module(target.module)
        holder, _, path = target.name.partition("|")
        summary = module.classes.get(holder) if module else None
        if summary is None or module is None:
            return None
        taken = [*_keys(path), segment[1:-1]]
        deeper = False
        for stored, method, ref in summary.elements:
            keys = _keys(stored)
            if keys[0] != taken[0] or len(keys) < len(taken):
                continue
            pairs = zip(keys[1:len(taken)], taken[1:], strict=True)
            if not all(_key_matches(k, t) for k, t in pairs):
                continue
            if len(keys) > len(taken):
                deeper = True
                continue
            scope = method if method in module.functions else None
            found = self.resolve(target.module, scope, ref, target.long_lived, depth + 1)
            if found is not None and found.kind == INSTANCE:
                return found._replace(long_lived=target.long_lived)
        if deeper:
            return Target(ELEMENTS, target.module, f"{holder}|{path}{segment}", target.long_lived)
        return None

    def _instance_attribute(self, target: Target, name: str, depth: int) -> Target | None:
        """``self.store`` where a method did ``self.store = Store(...)`` (or was handed
        one): an instance, long-lived when its owner is."""
        for module_name, cls in self._mro(target.module, target.name, depth):
            module = self.module(module_name)
            summary = module.classes.get(cls) if module else None
            if summary is None or module is None:
                continue
            ref = dict(summary.attributes).get(name)
            if ref is None:
                continue
            init = f"{cls}.__init__"
            if ref.startswith("param:"):
                found = self._params.get((module_name, init, ref.removeprefix("param:")))
            else:
                scope = init if init in module.functions else None
                found = self.resolve(module_name, scope, ref, target.long_lived, depth + 1)
            if found is not None and found.kind == INSTANCE and target.long_lived:
                found = found._replace(long_lived=True)
            return found
        return None

    def _call(self, target: Target, depth: int) -> Target | None:
        """What calling ``target`` gives."""
        if target.kind == SUPER:
            return target
        if target.kind == CLASS:
            module = self.module(target.module)
            cls = module.classes.get(target.name) if module else None
            long_lived = bool(cls and cls.singleton) or self._registers_itself(
                target.module, target.name, depth
            )
            return Target(INSTANCE, target.module, target.name, long_lived)
        if target.kind in (FUNCTION, METHOD):
            module = self.module(target.module)
            function = module.functions.get(target.name) if module else None
            if function is None or function.returns_ref is None or module is None:
                return None
            returned = self.resolve(
                target.module, function.qualname, function.returns_ref, target.long_lived, depth + 1
            )
            if returned is not None and returned.kind == INSTANCE and function.cached:
                returned = returned._replace(long_lived=True)
            if returned is None and function.cls is not None:
                # ``return cls._instance`` in a singleton's accessor: the one instance
                cls = module.classes.get(function.cls)
                head = function.returns_ref.partition(".")[0]
                if cls is not None and cls.singleton and head in ("cls", "self", cls.qualname):
                    return Target(INSTANCE, target.module, cls.qualname, True)
            return returned
        return None

    def _mro(self, module_name: str, cls: str, depth: int) -> list[tuple[str, str]]:
        """``cls`` and its project base classes, nearest first (bases outside the
        project are not followed)."""
        order: list[tuple[str, str]] = []
        pending = [(module_name, cls)]
        while pending and len(order) < 32:
            current = pending.pop(0)
            if current in order:
                continue
            order.append(current)
            module = self.module(current[0])
            summary = module.classes.get(current[1]) if module else None
            if summary is None:
                continue
            for base in summary.bases:
                target = self.resolve(current[0], None, base, False, depth + 1)
                if target is not None and target.kind == CLASS:
                    pending.append((target.module, target.name))
        return order

    def _method(
        self, module_name: str, cls: str, name: str, depth: int, *, skip_own: bool = False
    ) -> tuple[str, str] | None:
        for index, (owner_module, owner) in enumerate(self._mro(module_name, cls, depth)):
            if skip_own and index == 0:
                continue
            module = self.module(owner_module)
            summary = module.classes.get(owner) if module else None
            if summary is None:
                continue
            for method, qualname in summary.methods:
                if method == name:
                    return owner_module, qualname
        return None

    # ------------------------------------------------------------------ state queries
    def container(self, module_name: str, dotted: str) -> tuple[str, str] | None:
        """What ``dotted``, used at module level of ``module_name``, names when it is a
        container that lives as long as the process in another part of the project:
        a module-level container (``registry.online``, or ``online`` imported from it),
        or a container held by a module-level instance (``tracker.sessions``).
        (description, kind), e.g. ("module-level set 'registry.online'", "set")."""
        parts = dotted.split(".")
        if len(parts) == 1:
            module = self.module(module_name)
            kinds = module.bindings.get(dotted) if module else None
            imported = [k.removeprefix("import:") for k in kinds or () if k.startswith("import:")]
            if len(imported) != 1 or len(kinds or ()) != 1:
                return None
            owner_name, _, attribute = imported[0].rpartition(".")
            owner = self._absolute(owner_name, 0) if owner_name else None
            parts = [dotted]
            rest = [attribute]
        else:
            owner = self.resolve(module_name, None, ".".join(parts[:-1]), False)
            rest = parts[-1:]
        if owner is None:
            return None
        if owner.kind == MODULE:
            module = self.module(owner.module)
            kinds = module.bindings.get(rest[0]) if module else None
            if kinds and all(k.startswith("container:") for k in kinds):
                kind = kinds[-1].removeprefix("container:")
                label = f"{owner.module.rpartition('.')[2]}.{rest[0]}"
                return f"module-level {kind} '{label}'", kind
            return None
        if owner.kind == INSTANCE and owner.long_lived:
            for cls_module, cls in self._mro(owner.module, owner.name, 0):
                module = self.module(cls_module)
                summary = module.classes.get(cls) if module else None
                if summary is None:
                    continue
                held = dict(summary.containers).get(rest[0])
                if held is not None:
                    holder = ".".join(parts[:-1])
                    label = f"{holder}.{rest[0]}"
                    return f"{held} '{label}' of the long-lived {cls.rpartition('.')[2]}", held
        return None

    def held_container(self, module_name: str, scope: str, dotted: str) -> str | None:
        """``self.client.references`` in function ``scope``: the description of a
        container (``set 'self.client.references' of the long-lived Client``) held by an
        object that lives as long as the process, reached through an attribute of
        ``self`` or a local name."""
        owner_ref, _, attribute = dotted.rpartition(".")
        if not owner_ref:
            return None
        self.reach()  # binds the parameters handed over at set-up
        owner = self.resolve(module_name, scope, owner_ref, False)
        if owner is None or owner.kind != INSTANCE or not owner.long_lived:
            return None
        for cls_module, cls in self._mro(owner.module, owner.name, 0):
            module = self.module(cls_module)
            summary = module.classes.get(cls) if module else None
            held = dict(summary.containers).get(attribute) if summary else None
            if held is not None:
                return f"{held} '{dotted}' of the long-lived {owner.name.rpartition('.')[2]}"
        return None

    # ------------------------------------------------------------------ values
    def constant(self, module_name: str, dotted: str) -> tuple[Value, ...]:
        """The values ``dotted`` has at the top level of ``module_name``: a name bound
        there (``AFFINITY``, also through its imports and assignments of other names), or
        a name of a module reached from there (``settings.AFFINITY``). One value per
        binding, every binding counts: a known constant (``const:`` bindings), a read of
        the environment, the result of a call (its callee's qualified name, and whether
        it reads the environment), or unknown. Empty when ``dotted`` names nothing the
        project binds."""
        owner_ref, _, name = dotted.rpartition(".")
        if not owner_ref:
            return self._constant(module_name, name, 0)
        owner = self.resolve(module_name, None, owner_ref, False)
        if owner is None or owner.kind != MODULE:
            return ()
        return self._constant(owner.module, name, 0)

    def constant_at(self, absolute: str) -> tuple[Value, ...]:
        """The values of an absolute dotted name (``shop.settings.AFFINITY``), found in
        the longest project module it starts with; empty outside the project."""
        return self._constant_at(absolute, 0)

    def _constant_at(self, absolute: str, depth: int) -> tuple[Value, ...]:
        parts = absolute.split(".")
        for end in range(len(parts) - 1, 0, -1):
            module = self.canonical(".".join(parts[:end]))
            if module is not None:
                if end == len(parts) - 1:
                    return self._constant(module, parts[end], depth + 1)
                owner = self._absolute(".".join(parts[:-1]), depth + 1)
                if owner is None or owner.kind != MODULE:
                    return ()
                return self._constant(owner.module, parts[-1], depth + 1)
        return ()

    def _constant(self, module_name: str, name: str, depth: int) -> tuple[Value, ...]:
        """The values of module-level ``name`` of ``module_name``, memoised (a name met
        again while being answered, a cycle, is unknown there)."""
        key = (module_name, name)
        if key in self._constants:
            known = self._constants[key]
            return (Value(),) if known is None else known
        if depth > MAX_RESOLUTION_DEPTH:
            return (Value(),)
        self._constants[key] = None
        module = self.module(module_name)
        kinds = module.bindings.get(name, ()) if module is not None else ()
        origin = f"{module_name.rpartition('.')[2]}.{name}"
        found: list[Value] = []
        for kind in kinds:
            if kind.startswith("const:"):
                constant = json.loads(kind.removeprefix("const:"))
                found.append(Value(known=True, constant=constant, origin=origin))
            elif kind == "env":
                found.append(Value(environment=True, origin=origin))
            elif kind.startswith("import:"):
                found.extend(
                    self._constant_at(kind.removeprefix("import:"), depth + 1) or (Value(),)
                )
            elif kind.startswith("ref:"):
                ref = kind.removeprefix("ref:")
                found.extend(self._constant_ref(module_name, ref, depth, origin))
            else:
                found.append(Value(origin=origin))
        if len(found) > MAX_VALUES:
            found = [*found[: MAX_VALUES - 1], Value()]
        result = tuple(found)
        self._constants[key] = result
        return result

    def _constant_ref(
        self, module_name: str, ref: str, depth: int, origin: str
    ) -> list[Value]:
        """The values of a ``ref:`` binding: another name (``ALIAS = AFFINITY``,
        ``COOKIE = settings.AFFINITY``) or the result of a call (``Storage(...)``,
        ``os.environ.get(...)``)."""
        if ref.endswith("()") and "()" not in ref[:-2]:
            callee = self._callee(module_name, ref[:-2], depth + 1)
            environment = callee is not None and reads_environment(callee)
            return [Value(callee=callee, environment=environment, origin=origin)]
        if "()" in ref:
            return [Value(origin=origin)]
        owner_ref, _, attribute = ref.rpartition(".")
        if not owner_ref:
            return list(self._constant(module_name, ref, depth + 1) or (Value(),))
        owner = self.resolve(module_name, None, owner_ref, False, depth + 1)
        if owner is None or owner.kind != MODULE:
            return [Value(origin=origin)]
        return list(self._constant(owner.module, attribute, depth + 1) or (Value(),))

    def _callee(self, module_name: str, ref: str, depth: int) -> str | None:
        """The qualified name of what ``ref`` (a dotted chain, no calls inside) names at
        the top level of ``module_name``: through its imports (``FileSystemStorage`` ->
        ``django.core.files.storage.FileSystemStorage``, also outside the project), its
        definitions (``shop.storage.make``) and assignments of other names; None when it
        cannot be told."""
        if "()" in ref or depth > MAX_RESOLUTION_DEPTH:
            return None  # ``a().b``: what a call returns is not followed
        head, _, rest = ref.partition(".")
        module = self.module(module_name)
        kinds = module.bindings.get(head, ()) if module is not None else ()
        for kind in kinds:
            if kind.startswith("import:"):
                base: str | None = kind.removeprefix("import:")
            elif kind in ("def", "class"):
                base = f"{module_name}.{head}"
            elif kind.startswith("ref:"):
                bound = kind.removeprefix("ref:")
                called = bound.endswith("()")
                base = self._callee(module_name, bound[:-2] if called else bound, depth + 1)
                if base is not None and called:
                    base += "()"  # an instance: ``env("X")`` with ``env = environ.Env()``
            else:
                continue
            if base is not None:
                return f"{base}.{rest}" if rest else base
        return None

    def class_container(self, module_name: str, dotted: str) -> tuple[str, str, str] | None:
        """(class name, attribute, kind) when ``dotted`` (``Registry.items``, used in
        ``module_name``) is a mutable class attribute of a project class defined in
        another module: shared by every instance in the process."""
        owner_ref, _, attribute = dotted.rpartition(".")
        if not owner_ref:
            return None
        owner = self.resolve(module_name, None, owner_ref, False)
        if owner is None or owner.kind != CLASS:
            return None
        for cls_module, cls in self._mro(owner.module, owner.name, 0):
            module = self.module(cls_module)
            summary = module.classes.get(cls) if module else None
            if summary is None:
                continue
            if attribute in dict(summary.containers):
                return None  # each instance's own, set in a method
            kind = dict(summary.class_containers).get(attribute)
            if kind is not None:
                return cls.rpartition(".")[2], attribute, kind
        return None

    def long_lived_object(self, module_name: str, scope: str | None, name: str) -> str | None:
        """The class of the object ``name`` holds in function ``scope`` of ``module_name``
        (None: module level) when that object lives as long as the process: a parameter
        bound at set-up (``construct_blueprint(datastore)``), a module-level instance of a
        project class, a singleton."""
        self.reach()  # binds the parameters handed over at set-up
        target = self.resolve(module_name, scope, name, False)
        if target is None or target.kind != INSTANCE or not target.long_lived:
            return None
        return target.name.rpartition(".")[2]

    def cache_decorator(self, module_name: str, name: str) -> str | None:
        """The memoising decorator (``lru_cache``, ``cache``...) of the function ``name``
        resolves to from module level of ``module_name``, when it takes arguments."""
        target = self.resolve(module_name, None, name, False)
        if target is None or target.kind != FUNCTION:
            return None
        module = self.module(target.module)
        function = module.functions.get(target.name) if module else None
        if function is None or not function.params:
            return None
        for ref in function.decorators:
            last = ref.removesuffix("()").rpartition(".")[2]
            if last in frameworks.MEMO_DECORATORS:
                return last
        return None

    def returns_temp_dir(self, module_name: str, scope: str | None, ref: str) -> bool:
        """Whether ``ref``, called in function ``scope`` of ``module_name``, is a project
        function whose every return value is a path in the system temp directory."""
        target = self.resolve(module_name, scope, ref, False)
        if target is None or target.kind not in (FUNCTION, METHOD):
            return False
        module = self.module(target.module)
        function = module.functions.get(target.name) if module is not None else None
        return function is not None and function.returns_temp_dir

    def runs_queue_worker(self, module_name: str, scope: str | None, ref: str) -> bool:
        """Whether ``ref``, handed to a thread or task in function ``scope`` of
        ``module_name``, is a project function that serves a queue in a loop, itself or
        through the project functions it calls (up to ``WORKER_CALL_DEPTH`` calls deep:
        ``self.run`` -> ``start_single_async_worker`` -> ``async_update_worker``)."""
        target = self.resolve(module_name, scope, ref, False)
        if target is None or target.kind not in (FUNCTION, METHOD):
            return False
        key = (target.module, target.name)
        known = self._queue_workers.get(key)
        if known is None:
            known = self._queue_workers[key] = self._serves_a_queue(*key)
        return known

    def _serves_a_queue(self, module_name: str, qualname: str) -> bool:
        """Breadth first, so that each function is read at the fewest calls deep: the
        answer does not depend on the order of the calls."""
        pending = deque([(module_name, qualname, 0)])
        seen: set[tuple[str, str]] = set()
        while pending:
            module_name, qualname, depth = pending.popleft()
            if (module_name, qualname) in seen:
                continue
            seen.add((module_name, qualname))
            module = self.module(module_name)
            function = module.functions.get(qualname) if module is not None else None
            if function is None:
                continue
            if function.drains_queue:
                return True
            if depth >= WORKER_CALL_DEPTH:
                continue
            for called in function.calls:
                if called in function.handed:
                    continue  # runs elsewhere (a thread it starts), not in this loop
                callee = self.resolve(module_name, qualname, called, False)
                if callee is not None and callee.kind in (FUNCTION, METHOD):
                    pending.append((callee.module, callee.name, depth + 1))
        return False

    # ------------------------------------------------------------------ connections
    def connection_parameter(self, module_name: str, qualname: str, param: str) -> str | None:
        """How to name the live connection a request-serving method of a per-connection
        handler class hands to parameter ``param`` of function ``qualname`` (a method of
        an object that lives as long as the process, or a module-level function):
        ``'PrinterStateConnection' connection`` for ``self._users.register(self)``, or
        ``bound method 'PrinterStateConnection._on_event'`` for its bound method; None
        when no such call reaches it."""
        if self._connection_params is None:
            self._connection_params = self._connections_handed()
        return self._connection_params.get((module_name, qualname, param))

    def _connections_handed(self) -> dict[tuple[str, str, str], str]:
        """Every parameter some reached connection method hands itself to (see
        ``FunctionSummary.hands_connection``), once per index."""
        found: dict[tuple[str, str, str], str] = {}
        for module_name, qualname in sorted(self.reach()):
            module = self.module(module_name)
            caller = module.functions.get(qualname) if module is not None else None
            if caller is None or caller.cls is None:
                continue
            for callee_ref, slot, argument in caller.hands_connection:
                param = self._handed_parameter(module_name, qualname, callee_ref, slot)
                if param is None:
                    continue
                owner = caller.cls.rpartition(".")[2]
                attribute = argument.partition(".")[2]
                what = (
                    f"bound method '{owner}.{attribute}'"
                    if attribute
                    else f"'{owner}' connection"
                )
                found.setdefault(param, what)
        return found

    def _handed_parameter(
        self, module_name: str, scope: str, callee_ref: str, slot: str
    ) -> tuple[str, str, str] | None:
        """(module, qualname, parameter) that ``slot`` of a call of ``callee_ref`` in
        ``scope`` binds, when the callee is a method of a long-lived object or a
        module-level function; None otherwise (the connection's own methods, an object
        made per connection, an unbound method called through its class)."""
        target = self.resolve(module_name, scope, callee_ref, False)
        if target is None:
            return None
        owner = self.module(target.module)
        callee = owner.functions.get(target.name) if owner is not None else None
        if callee is None:
            return None
        if target.kind == METHOD and target.long_lived and callee.cls is not None:
            params = callee.params[1:]
        elif target.kind == FUNCTION and callee.cls is None and callee.parent is None:
            params = callee.params
        else:
            return None
        if slot.startswith("="):
            name = slot[1:]
            return (target.module, target.name, name) if name in params else None
        position = int(slot)
        if position >= len(params):
            return None
        return target.module, target.name, params[position]

    # ------------------------------------------------------------------ parameters
    def parameter_origin(self, module_name: str, qualname: str, param: str) -> str | None:
        """``NAMED``/``FIXED`` when every call site in the project of function
        ``qualname`` passes a path in the system temp dir for ``param`` (built there, or
        handed on from the caller's own parameter whose callers do: followed up to
        ``MAX_PARAMETER_DEPTH`` callers); NAMED when each has a part made for that call
        (a uuid, a hash). None when any caller is unknown or passes something else,
        when the function is used as a value (handed to a thread, kept in a table), or
        when nothing in the project calls it."""
        return self._parameter_origin(module_name, qualname, param, 0)

    def _parameter_origin(
        self, module_name: str, qualname: str, param: str, depth: int
    ) -> str | None:
        key = (module_name, qualname, param)
        if key in self._parameter_origins:
            return self._parameter_origins[key]
        if depth > MAX_PARAMETER_DEPTH:
            return None
        self._parameter_origins[key] = None  # a cycle through this parameter: unknown
        answer = self._parameter_origin_uncached(module_name, qualname, param, depth)
        self._parameter_origins[key] = answer
        return answer

    def _parameter_origin_uncached(
        self, module_name: str, qualname: str, param: str, depth: int
    ) -> str | None:
        module = self.module(module_name)
        function = module.functions.get(qualname) if module is not None else None
        if function is None:
            return None
        name = qualname.rpartition(".")[2]
        callers, escaped = self._caller_table()
        if name in escaped:
            return None
        params = function.params
        if function.cls is not None and "staticmethod" not in function.decorators:
            params = params[1:]
        slots = {f"={param}"}
        if param in params:
            slots.add(str(params.index(param)))
        named = True
        sites = 0
        for caller_module, scope, ref in callers.get(name, ()):
            target = self.resolve(caller_module, scope, ref, False)
            entry = self._entry_of(target) if target is not None else None
            if entry is None:
                if target is None:
                    return None  # a call of that name nothing resolves: may be this one
                continue
            if (entry.module, entry.name) != (module_name, qualname):
                continue
            if scope is None:
                return None  # called at module level: arguments not recorded
            known: list[CallSite | None] = [*self._sites_of(caller_module, scope, ref)]
            for site in known or [None]:
                origin = self._site_origin(caller_module, scope, site, slots, depth)
                if origin is None:
                    return None
                named = named and origin == NAMED
                sites += 1
        if not sites:
            return None
        return NAMED if named else FIXED

    def _site_origin(
        self, module_name: str, scope: str, site: CallSite | None, slots: set[str], depth: int
    ) -> str | None:
        """Where one call site's argument for the parameter lies (see above)."""
        site_slots = None if site is None else site[2]
        if site_slots is None:
            return None
        found = [slot for slot in site_slots if slot[0] in slots]
        if len(found) != 1:
            return None
        _, leaves, named_at_site = found[0]
        params_named: list[bool] = []
        for leaf in leaves:
            kind, _, rest = leaf.partition(":")
            if kind == "call":
                if not self.returns_temp_dir(module_name, scope, rest):
                    return None
            elif kind == "param":
                origin = self._parameter_origin(module_name, scope, rest, depth + 1)
                if origin is None:
                    return None
                params_named.append(origin == NAMED)
            else:
                return None
        named = named_at_site or (bool(params_named) and all(params_named))
        return NAMED if named else FIXED

    # ------------------------------------------------------------- arguments
    def passes_argument(
        self, module_name: str, qualname: str, param: str, *, falsy: bool
    ) -> bool:
        """Whether a call that serves requests may give parameter ``param`` of function
        ``qualname`` a value other than its default (None; with ``falsy``, False too):
        False only when the function is called from request-serving code and every such
        call in the project omits it, passes the literal, or hands on a parameter of its
        own for which the same holds. Calls from code no request reaches (a CLI, set-up,
        module level) do not count; a call this cannot read (``*args``, an unknown
        ``**`` mapping, the function used as a value, decorated or handed to a thread)
        counts as passing it."""
        return self._passes_argument(
            module_name, qualname, param, keyword_only=False, falsy=falsy, depth=0
        )

    def _passes_argument(
        self, module_name: str, qualname: str, param: str, *, keyword_only: bool, falsy: bool,
        depth: int,
    ) -> bool:  # fmt: skip
        key = (module_name, qualname, param, keyword_only, falsy)
        if key in self._passes:
            return self._passes[key]
        if depth > MAX_PARAMETER_DEPTH:
            return True
        self._passes[key] = True  # a cycle through this parameter: may pass it
        answer = self._passes_uncached(
            module_name, qualname, param, keyword_only=keyword_only, falsy=falsy, depth=depth
        )
        self._passes[key] = answer
        return answer

    def _passes_uncached(
        self, module_name: str, qualname: str, param: str, *, keyword_only: bool, falsy: bool,
        depth: int,
    ) -> bool:  # fmt: skip
        module = self.module(module_name)
        function = module.functions.get(qualname) if module is not None else None
        name = qualname.rpartition(".")[2]
        callers, escaped = self._caller_table()
        if function is None or function.handler is not None or name in escaped:
            return True
        if name.startswith("__") or set(function.decorators) - {"staticmethod", "classmethod"}:
            return True  # run by the language or a decorator's wrapper, not by the sites
        position = None if keyword_only else _position(function, param)
        unbound = function.cls is not None and not {"staticmethod", "classmethod"} & set(
            function.decorators
        )
        reach = self.reach()
        sites = 0
        for caller_module, scope, ref in callers.get(name, ()):
            if scope is None or (caller_module, scope) not in reach:
                continue  # not run while serving requests
            caller_summary = self.module(caller_module)
            caller = caller_summary.functions.get(scope) if caller_summary else None
            if caller_summary is None or caller is None:
                return True
            known = caller_summary.arguments(caller, ref)
            target = self.resolve(caller_module, scope, ref, False)
            entry = self._entry_of(target) if target is not None else None
            if entry is None:
                if target is None and (known or ref in caller.handed):
                    return True  # a call of that name nothing resolves: may be this one
                continue  # resolved elsewhere, or a builtin or another package's
            if (entry.module, entry.name) != (module_name, qualname):
                continue
            if ref in caller.handed or ref in caller.self_calls:
                return True
            if unbound and "." in ref:
                owner = self.resolve(caller_module, scope, ref.rpartition(".")[0], False)
                if owner is None or owner.kind == CLASS:
                    return True  # ``Class.method(obj, ...)``: positions shift by one
            if not known:
                return True
            for arguments in known:
                if self._site_passes(
                    caller_module, caller, arguments,
                    param=param, position=position, falsy=falsy, depth=depth,
                ):  # fmt: skip
                    return True
                sites += 1
        return not sites

    def _site_passes(
        self, module_name: str, caller: FunctionSummary, arguments: tuple[str, ...], *,
        param: str, position: int | None, falsy: bool, depth: int,
    ) -> bool:  # fmt: skip
        """Whether one call (its argument tokens, see ``summary.argument_tokens``) may give
        ``param`` (at ``position`` when it can be given positionally) another value."""
        index = 0
        for token in arguments:
            if token in {"*", "**"}:
                return True
            if token.startswith("**@"):
                added = token[3:].split(",")
                if param in added:
                    return True
                if param not in caller.params and self._passes_argument(
                    module_name, caller.qualname, param,
                    keyword_only=True, falsy=falsy, depth=depth + 1,
                ):  # fmt: skip
                    return True  # the caller's own ``**`` may hold it
                continue
            keyword, equals, value = token.partition("=")
            if equals:
                if keyword == param and self._value_passes(module_name, caller, value,
                                                           falsy, depth):  # fmt: skip
                    return True
                continue
            if index == position and self._value_passes(module_name, caller, token, falsy,
                                                        depth):  # fmt: skip
                return True
            index += 1
        return False

    def _value_passes(
        self, module_name: str, caller: FunctionSummary, value: str, falsy: bool, depth: int
    ) -> bool:
        if value == "None" or (value == "False" and falsy):
            return False
        if value.startswith("^") or (value.startswith("~") and falsy):
            forwarded = value[1:]
            return self._passes_argument(
                module_name, caller.qualname, forwarded,
                keyword_only=False, falsy=falsy, depth=depth + 1,
            )  # fmt: skip
        return True  # ``?``, or False where only None is the default

    def released_by_callers(
        self, module_name: str, qualname: str, releases: frozenset[str]
    ) -> bool | None:
        """Whether every call in the project of function ``qualname`` (a claim: it marks
        an item) is followed, in the caller, by a call of one of the functions
        ``releases`` of the same module in a ``finally`` block, given the same name first
        (``FunctionSummary.released``). None when nothing calls it and it is not used
        as a value (not run in this project); False when a caller is unknown, does not
        release it, or calls it at module level."""
        name = qualname.rpartition(".")[2]
        callers, escaped = self._caller_table()
        if name in escaped:
            return False
        sites = 0
        for caller_module, scope, ref in callers.get(name, ()):
            target = self.resolve(caller_module, scope, ref, False)
            entry = self._entry_of(target) if target is not None else None
            if entry is None:
                if target is None:
                    return False  # a call of that name nothing resolves: may be this one
                continue
            if (entry.module, entry.name) != (module_name, qualname):
                continue
            module = self.module(caller_module)
            caller = module.functions.get(scope) if module is not None and scope else None
            if caller is None:
                return False  # called at module level, or by a function not summarised
            released = False
            for claim, release in caller.released:
                if claim != ref:
                    continue
                undone = self.resolve(caller_module, scope, release, False)
                if (
                    undone is not None
                    and undone.kind == FUNCTION
                    and undone.module == module_name
                    and undone.name in releases
                ):
                    released = True
                    break
            if not released:
                return False
            sites += 1
        return True if sites else None

    def _sites_of(self, module_name: str, scope: str, ref: str) -> tuple[CallSite, ...]:
        if self._sites is None:
            self._sites = _grouped(
                ((name, site[0], site[1]), site)
                for name in sorted({*self.paths, *self._overrides})
                for site in self._call_sites(name)
            )
        return self._sites.get((module_name, scope, ref), ())

    def _call_sites(self, name: str) -> tuple[CallSite, ...]:
        module = self.module(name)
        return () if module is None else module.summary.call_sites

    def _caller_table(self) -> tuple[dict[str, tuple[tuple[str, str | None, str], ...]], set[str]]:
        """Every call ref of the project by the name it ends with (module, scope, ref),
        and the names of functions used as values: built once, from every summary."""
        if self._callers is None:
            calls: list[tuple[str, tuple[str, str | None, str]]] = []
            escaped: set[str] = set()
            for name in sorted({*self.paths, *self._overrides}):
                module = self.module(name)
                if module is None:
                    continue
                summary = module.summary
                escaped.update(summary.escapes)
                scoped: list[tuple[str | None, str]] = [(None, r) for r in summary.module_calls]
                scoped += [(f.qualname, r) for f in summary.functions for r in f.calls]
                renamed = _renamed_imports(summary)
                for scope, ref in scoped:
                    last = ref.rpartition(".")[2].removesuffix("()")
                    calls.append((last, (name, scope, ref)))
                    original = renamed.get(last) if "." not in ref else None
                    if original is not None:  # ``from m import dump as to_json``
                        calls.append((original, (name, scope, ref)))
            self._callers, self._escaped = _grouped(calls), escaped
        return self._callers, self._escaped
