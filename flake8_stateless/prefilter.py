"""Text tests that prove a file cannot produce a finding, so that it is never parsed.

Parsing is most of the cost of linting a file (``ast.parse`` costs about four walks of
the tree it builds), and on real code bases most files cannot match any rule: no
request-serving code, none of a configuration rule's words. The standalone command asks
:meth:`Prefilter.may_report` before parsing a file.

Every test here is a *necessary* condition of a finding, so skipping a file never
changes the results (a test compares the command with flake8 on every fixture):

- a rule's own ``triggers`` (and its patterns' triggers): one of the words occurs in
  the text, exactly as ``patterns.candidates`` tests it;
- ``scope="config"`` rules: not a test file or development settings module;
- ``scope="request"`` rules: the file can hold a request-serving function. This mirrors
  ``Context._is_handler``: a known handler decorator or base class (every part of its
  qualified name occurs as a word, since import aliases only rename the head), an
  ``@x.route``-style decorator, a registrar call, a Django views module taking
  ``request``, a user decorator glob's literal parts. Change one, change the other.
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

from flake8_stateless import frameworks
from flake8_stateless.options import Settings
from flake8_stateless.registry import SERVES_REQUESTS, Rule
from flake8_stateless.semantic.paths import PathFacts

_WORD_BYTES = frozenset((string.ascii_letters + string.digits + "_").encode()) | frozenset(
    range(0x80, 0x100)
)
_TO_SPACES = bytes(b if b in _WORD_BYTES else 0x20 for b in range(256))
"""``bytes.translate`` table turning everything but identifier bytes into spaces."""

_IDENTIFIER = re.compile(r"[A-Za-z0-9_]+")
_RUN = re.compile(rb"[A-Za-z0-9_]+")

CLASS_BASE_PREFIXES = (
    "django.views.generic.",
    "django.contrib.auth.views.",
    "rest_framework.generics.",
    "rest_framework.viewsets.",
)
"""Qualified base-class prefixes that ``Context._class_kind_uncached`` treats as views."""

# ---------------------------------------------------------------- decorator scanner
# ``@receiver.method`` (after any dotted receiver): the shape of every decorator whose
# last attribute may register a handler (``@app.route(...)``, ``@sio.on``). Its tokens
# may be separated by a "gap": spaces, newlines, brackets, backslash continuations and
# comments, where a comment may end anywhere on its line (an over-approximation that is
# safe here: a prefilter only has to keep every file that can report). As a regex:
#
#     @ GAP (NAME GAP \. GAP)+ METHOD (?!WORD)     GAP = (?:[\s\\()]|#[^\n]*)*
#
# Python's backtracking engine splits a run of ``#`` or of spaces inside a comment in
# exponentially many ways there (a banner comment after a matrix product ``a @ b``
# hung flake8), and Python 3.10 has neither possessive quantifiers nor atomic groups.
# So the same language is recognised by a small automaton instead: one pass over the
# text, each byte read once, whatever it holds (tests/test_linear_text.py checks it
# against the regex above).

_OTHER, _WORD, _GAP, _NEWLINE, _HASH, _DOT, _AT = range(7)
"""The classes of bytes the automaton tells apart."""
_BYTE_CLASS = bytes(
    _WORD if b in _WORD_BYTES
    else _GAP if b in b" \t\r\f\v\\()"
    else _NEWLINE if b == ord("\n")
    else _HASH if b == ord("#")
    else _DOT if b == ord(".")
    else _AT if b == ord("@")
    else _OTHER
    for b in range(256)
)
"""``bytes.translate`` table from a byte to its class."""

# The automaton's states, one bit each: where a match that began at some ``@`` may be.
_AFTER_AT = 1 << 0  # in the gap after ``@``
_AFTER_AT_COMMENT = 1 << 1  # in a comment within that gap
_IN_NAME = 1 << 2  # in a receiver's name
_AFTER_NAME = 1 << 3  # in the gap between a name and its ``.``
_AFTER_NAME_COMMENT = 1 << 4
_AFTER_DOT = 1 << 5  # in the gap after a ``.``: a method (or another name) may start
_AFTER_DOT_COMMENT = 1 << 6
_METHOD_MAY_START = _AFTER_DOT | _AFTER_DOT_COMMENT
_GAPS = (  # (a gap's plain state, its comment state, where a word goes, where a dot goes)
    (_AFTER_AT, _AFTER_AT_COMMENT, _IN_NAME, 0),
    (_AFTER_NAME, _AFTER_NAME_COMMENT, 0, _AFTER_DOT),
    (_AFTER_DOT, _AFTER_DOT_COMMENT, _IN_NAME, 0),
)


def _step(state: int, byte_class: int) -> int:
    """The states after reading one byte of ``byte_class`` in one ``state``."""
    if state == _IN_NAME:  # the name goes on, or ends and its gap begins
        stays = _IN_NAME if byte_class == _WORD else 0
        return stays | _step(_AFTER_NAME, byte_class)
    for plain, comment, on_word, on_dot in _GAPS:
        if state == plain:
            if byte_class in (_GAP, _NEWLINE):
                return plain
            return {_HASH: comment, _WORD: on_word, _DOT: on_dot}.get(byte_class, 0)
        if state == comment:  # the comment goes on to the end of its line, or ends here
            stays = comment if byte_class != _NEWLINE else 0
            return stays | _step(plain, byte_class)
    raise AssertionError(state)


def _step_all(states: int, byte_class: int) -> int:
    """The states after reading one byte of ``byte_class`` in a set of ``states``."""
    found = _AFTER_AT if byte_class == _AT else 0  # a match may begin at every ``@``
    for bit in range(7):
        if states & (1 << bit):
            found |= _step(1 << bit, byte_class)
    return found


_NEXT = tuple(
    tuple(_step_all(states, byte_class) for byte_class in range(7)) for states in range(1 << 7)
)
"""The automaton's transitions between sets of states, by byte class."""


def _decorator_method_pattern(methods: Iterable[str]) -> re.Pattern[bytes]:
    """One of ``methods`` as a whole word, tried at one position."""
    names = b"|".join(re.escape(m.encode()) for m in sorted(methods, key=len, reverse=True))
    return re.compile(rb"(?:" + names + rb")(?![\w\x80-\xff])")


_DECORATOR_METHOD = _decorator_method_pattern(frameworks.HANDLER_DECORATOR_METHODS)


def has_decorator_method(text: bytes) -> bool:
    """Whether ``text`` holds an ``@receiver.method`` decorator shape (see above), in
    time linear in its length: positions without an ``@`` are skipped at C speed, and
    from each ``@`` on, bytes are read one by one only while some match is alive."""
    at = text.find(b"@")
    if at < 0:
        return False
    classes = text.translate(_BYTE_CLASS)
    end = len(text)
    while at >= 0:
        states, position = _AFTER_AT, at + 1
        while states and position < end:
            byte_class = classes[position]
            if (
                states & _METHOD_MAY_START
                and byte_class == _WORD
                and _DECORATOR_METHOD.match(text, position)
            ):
                return True
            states = _NEXT[states][byte_class]
            position += 1
        at = text.find(b"@", position)
    return False


def words_of(source: bytes) -> frozenset[bytes]:
    """The distinct identifier-like words of ``source`` (runs of letters, digits,
    underscores and non-ASCII bytes)."""
    return frozenset(source.translate(_TO_SPACES).split())


@dataclass(frozen=True)
class _Words:
    """A file's text and its words, with the NFKC-normalised spelling of its
    identifiers (Python reads a full-width ``route`` as ``route``) for non-ASCII files."""

    source: bytes

    @cached_property
    def normalised(self) -> bytes:
        if self.source.isascii():
            return self.source
        text = self.source.decode("utf-8", "replace")
        return unicodedata.normalize("NFKC", text).encode("utf-8", "replace")

    @cached_property
    def words(self) -> frozenset[bytes]:
        found = words_of(self.source)
        if self.normalised is not self.source:
            found |= words_of(self.normalised)
        return found

    @cached_property
    def joined(self) -> bytes:
        """The distinct words, lower-cased, in one short string with a space around each:
        part of a word occurs in the text exactly when it occurs in here, at a fraction
        of the cost of searching the text."""
        return b" " + b" ".join(self.words).lower() + b" "

    @cached_property
    def lowered_source(self) -> bytes:
        """The text, lower-cased as written and, for non-ASCII files, NFKC-normalised."""
        if self.normalised is self.source:
            return self.source.lower()
        return self.source.lower() + b"\n" + self.normalised.lower()


Trigger = tuple[str, bytes]
"""(how it is searched, what is searched): see :func:`trigger`."""
_SERVING: Trigger = ("serving", b"")


def trigger(written: str, *, substring: bool = False) -> Trigger:
    """How a rule's trigger is searched, ignoring case (a rule's condition may ignore it
    too: ``SQLite://``). A word matches a whole word, ``*word``/``word*``/``*word*`` a word
    ending, starting or containing it, anything else (``sessions.backends.file``) the
    text as written. ``substring``: a pattern trigger, searched like ``*word*``."""
    if written == SERVES_REQUESTS:
        return ("serving", b"")
    core = written.strip("*").lower().encode("utf-8")
    if not _IDENTIFIER.fullmatch(core.decode("utf-8")):
        return ("text", written.lower().encode("utf-8"))
    # searched in the space-separated distinct words: a space marks a word's edge
    before = b"" if written.startswith("*") or substring else b" "
    after = b"" if written.endswith("*") or substring else b" "
    return ("part", before + core + after)


@dataclass(frozen=True)
class _Needs:
    """What one enabled rule needs from a file's text."""

    code: str
    scope: str
    check: frozenset[Trigger] | None
    """Its AST check's triggers (empty: none needed); None when it has no AST check."""
    patterns: tuple[frozenset[Trigger], ...]
    """Each pattern's triggers; an empty set matches every file."""

    @classmethod
    def of(cls, rule: Rule) -> _Needs:
        check = frozenset(trigger(w) for w in rule.triggers) if rule.node_types else None
        patterns = tuple(
            frozenset(trigger(w, substring=True) for w in p.triggers) for p in rule.patterns
        )
        return cls(rule.code, rule.scope, check, patterns)

    @property
    def triggers(self) -> frozenset[Trigger]:
        return frozenset().union(self.check or (), *self.patterns)


def _qualified_parts(names: Iterable[str]) -> tuple[frozenset[bytes], ...]:
    """Each dotted name as the set of its parts, all of which occur as whole words in a
    module whose code resolves to that name."""
    return tuple(
        frozenset(part.encode() for part in name.split(".") if part) for name in sorted(names)
    )


_SERVING_NAMES = _qualified_parts(
    frameworks.HANDLER_DECORATORS
    | frameworks.ENDPOINT_REGISTRARS
    | frameworks.CLASS_KIND_BY_BASE.keys()
    | set(CLASS_BASE_PREFIXES)
)
_REGISTRAR_METHODS = frozenset(m.encode() for m in frameworks.ENDPOINT_REGISTRAR_METHODS)
_BASE_SUFFIX = re.compile(
    b"(?:"
    + b"|".join(re.escape(s.encode()) for s, _ in frameworks.BASE_NAME_SUFFIX_KINDS)
    + rb")(?![\w\x80-\xff])"
)
"""A word ending like a view or handler base class (``BaseView``, ``ApiRequestHandler``)."""


def _glob_fragments(pattern: str) -> tuple[bytes, ...]:
    """The literal runs of a decorator glob: each occurs in the text of any module
    where the glob matches a decorator's dotted (or import-resolved) name."""
    literal = re.sub(r"\[[^\]]*\]", "*", pattern)
    return tuple(part.encode() for part in re.split(r"[*?.\[\]]+", literal) if part)


class Prefilter:
    """The text test for one set of settings; build once, ask per file."""

    def __init__(self, settings: Settings, rules: Sequence[Rule]) -> None:
        self._needs = tuple(_Needs.of(rule) for rule in rules if settings.is_enabled(rule))
        triggers = frozenset().union(*(needs.triggers for needs in self._needs))
        self._parts = tuple(sorted(needle for kind, needle in triggers if kind == "part"))
        self._texts = tuple(
            (needle, tuple(_RUN.findall(needle)))
            for needle in sorted(needle for kind, needle in triggers if kind == "text")
        )
        self._user_globs = tuple(_glob_fragments(p) for p in settings.handler_decorators)
        self.request_codes = frozenset(n.code for n in self._needs if n.scope == "request")
        """Enabled rules that only report in request-serving code."""

    def may_report(self, source: bytes, filename: str) -> bool:
        """False only if no enabled rule can report on this file (UTF-8 ``source``)."""
        return bool(self.possible(source, filename))

    def possible(self, source: bytes, filename: str, *, reached: bool = False) -> frozenset[str]:
        """The enabled rules that may report on this file: the others cannot. ``reached``:
        the project index says handlers elsewhere call into this module, so it serves
        requests whatever its own text says."""
        if not self._needs:
            return frozenset()
        path = PathFacts.from_filename(filename)
        text = _Words(source)
        return self._possible(text, self._present(text), path, reached=reached)

    def possible_both(self, source: bytes, filename: str) -> tuple[frozenset[str], frozenset[str]]:
        """``possible(source, filename)`` and the same with ``reached=True``, from one
        scan of the text."""
        if not self._needs:
            return frozenset(), frozenset()
        path = PathFacts.from_filename(filename)
        text = _Words(source)
        present = self._present(text)
        return (
            self._possible(text, present, path, reached=False),
            self._possible(text, present, path, reached=True),
        )

    def _possible(
        self, text: _Words, present: frozenset[Trigger], path: PathFacts, *, reached: bool
    ) -> frozenset[str]:
        configuration = not (path.is_test or path.is_dev_settings)
        serving: bool | None = True if reached and not path.never_serves else None
        codes = []
        for needs in self._needs:
            if needs.scope == "config" and not configuration:
                continue
            if any(not words or not words.isdisjoint(present) for words in needs.patterns):
                codes.append(needs.code)
                continue
            if needs.check is None:
                continue
            if needs.check and needs.check.isdisjoint(present):
                if _SERVING not in needs.check:
                    continue
                if serving is None:
                    serving = self._may_serve_requests(text, path)
                if not serving:
                    continue
            if needs.scope == "request":
                if serving is None:
                    serving = self._may_serve_requests(text, path)
                if not serving:
                    continue
            codes.append(needs.code)
        return frozenset(codes)

    def _present(self, text: _Words) -> frozenset[Trigger]:
        """The triggers of the enabled rules that occur in the text."""
        joined = text.joined
        found: list[Trigger] = [("part", part) for part in self._parts if part in joined]
        for needle, runs in self._texts:
            # its words must occur in the distinct words before the text is searched
            if all(run in joined for run in runs) and needle in text.lowered_source:
                found.append(("text", needle))
        return frozenset(found)

    def _may_serve_requests(self, text: _Words, path: PathFacts) -> bool:
        """Whether the module can hold a request-serving function (see module docs)."""
        return _may_hold_handlers(text, path, self._user_globs)


@lru_cache(maxsize=8)
def handler_text_test(handler_decorators: tuple[str, ...]) -> HandlerTextTest:
    """The text test for a set of user handler decorators, built once."""
    return HandlerTextTest(handler_decorators)


class HandlerTextTest:
    """Whether a module's text can hold a framework handler: the project index asks it
    of every file to find where requests enter the project, without parsing."""

    def __init__(self, handler_decorators: Sequence[str]) -> None:
        self._user_globs = tuple(_glob_fragments(p) for p in handler_decorators)

    def __call__(self, source: bytes, filename: str) -> tuple[bool, bool]:
        """(may hold a handler, may set the app up): set-up code (an app factory,
        ``register_blueprint``) is where long-lived objects are handed to handlers."""
        path = PathFacts.from_filename(filename)
        text = _Words(source)
        if path.never_serves:
            return False, False
        sets_up = not text.words.isdisjoint(_SET_UP_WORDS)
        return _may_hold_handlers(text, path, self._user_globs), sets_up


_SET_UP_WORDS = frozenset(
    {name.rpartition(".")[2].encode() for name in frameworks.APP_CLASSES}
    | {b"register_blueprint", b"include_router", b"add_url_rule", b"add_route", b"mount"}
    | {b"create_app", b"make_app", b"Application"}
)
"""Words of modules that build an app: where objects are handed to handler factories."""


def _may_hold_handlers(
    text: _Words, path: PathFacts, user_globs: tuple[tuple[bytes, ...], ...]
) -> bool:
    """Whether the module can hold a handler (see the module docs): a necessary condition
    of ``HandlerScope.kind_of`` returning a kind for one of its functions."""
    if path.never_serves:
        return False
    words = text.words
    if path.is_views_module and b"request" in words:
        return True
    if any(parts <= words for parts in _SERVING_NAMES):
        return True
    if not words.isdisjoint(_REGISTRAR_METHODS) or b"falcon" in words:
        return True
    if b"class" in words and _BASE_SUFFIX.search(b" ".join(words)) is not None:
        return True
    if any(all(f in text.normalised for f in fragments) for fragments in user_globs):
        return True
    return has_decorator_method(text.normalised)
