"""A module's summary: what the project index needs to follow requests through it.

Built from the module's facts (the same ones the rules use), small, and plain data so it
can be cached on disk as JSON and compared for equality. Names stay symbolic here
("refs", see :func:`ref_of`): the index resolves them against the other modules' summaries.

A ref is a dotted chain as written in the code, whose segments may end with ``()`` for a
call: ``storage.save_invoice``, ``self.manager.add``, ``get_store().commit``,
``super().save``. Its head is resolved in the scope of the function that holds it.
A segment in brackets takes an element out of a container: ``[watching]`` by a constant
key, ``[]`` by any other key (``data[uuid]``, ``.values()`` in a loop), ``[*]`` by
iterating the container itself (``for w in self.workers``); in a class's ``elements``,
``[+]`` stands for what ``append``/``add`` put in (taken out by index or by iterating).
"""

from __future__ import annotations

import ast
import json
import math
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from flake8_stateless.frameworks import CONNECTION_CLASS_KINDS
from flake8_stateless.semantic.handlers import HandlerScope, is_entry_point
from flake8_stateless.semantic.model import ModuleFacts
from flake8_stateless.semantic.syntax import (
    FUNCTION_TYPES,
    FunctionNode,
    drains_queue_in_loop,
    extend_with_children,
    is_self_attribute,
    iterated_view,
    iterates_a_queue,
)
from flake8_stateless.semantic.tempdirs import TempDirs
from flake8_stateless.semantic.values import ValueFollower

SUMMARY_FORMAT = 41
"""Bumped whenever the summary's shape or meaning changes (part of the cache key)."""

MAX_REF_SEGMENTS = 6
"""Longer chains (``a.b.c.d.e.f.g()``) are not followed: real service calls are short."""

SPAWN_KEYWORDS = frozenset({"target", "func", "fn", "function"})
"""Keyword arguments that hand a function to a thread, executor or loop."""

LATER_CALLBACKS = frozenset({"add_done_callback", "call_later", "call_at"})
"""Methods whose callback runs later, after the request moved on."""

FACTORY_PREFIXES = ("create_", "make_", "init_", "setup", "construct", "register", "build_")
"""Names of set-up functions: an object they hand to another function lives as long as
the process (``construct_blueprint(datastore)`` inside ``create_app``)."""

CACHE_DECORATORS = frozenset({"functools.lru_cache", "functools.cache"})

MAX_CONSTANT_LENGTH = 256
"""Longer strings are not kept in the summary (a template in a constant is no setting)."""


MAX_KEY_LENGTH = 64
"""Longer constant keys are not kept in refs."""

ELEMENT_GETTERS = frozenset({"get", "pop", "setdefault"})
"""Container methods that give back an element (``watching.get(uuid)``)."""

ELEMENT_ADDERS = frozenset({"append", "appendleft", "add", "insert"})
"""Container methods that put their last argument in (``self.workers.append(w)``)."""


def key_segment(key: ast.expr) -> str | None:
    """The ref segment of a subscript's key: ``[watching]`` for a constant string made of
    letters, digits, ``_`` and ``-``, ``[]`` for any other key that is not a slice; None
    when it cannot be written in a ref (a slice, a string with dots or spaces)."""
    if isinstance(key, ast.Slice):
        return None
    if isinstance(key, ast.Constant) and isinstance(key.value, str):
        text = key.value
        if not text or len(text) > MAX_KEY_LENGTH:
            return None
        if not all(c.isalnum() or c in "_-" for c in text):
            return None
        return f"[{text}]"
    return "[]"


def ref_of(node: ast.AST) -> str | None:
    """The symbolic ref of a callee expression, or None when it cannot be followed
    (lambdas, slices, calls on literals). Iterative: never recurses on user code."""
    if isinstance(node, ast.Name):  # the common shapes first: ``f`` and ``module.f``
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"{node.value.id}.{node.attr}"
    segments: list[str] = []
    current = node
    called = False
    while True:
        if len(segments) > MAX_REF_SEGMENTS:
            return None
        if isinstance(current, ast.Attribute):
            segments.append(current.attr + ("()" if called else ""))
            called = False
            current = current.value
        elif isinstance(current, ast.Subscript):
            key = key_segment(current.slice)
            if called or key is None:
                return None  # ``handlers[name]()`` is not followed
            segments.append(key)
            current = current.value
        elif isinstance(current, ast.Call):
            if called:
                return None  # f()() is not followed
            called = True
            current = current.func
        elif isinstance(current, ast.Name):
            segments.append(current.id + ("()" if called else ""))
            break
        else:
            return None
    return ".".join(reversed(segments))


def _hands_over_self(call: ast.Call, ref: str) -> bool:
    """``UserManager.remove_user(self, name)``: a method of a named class called on this
    function's own ``self`` (an explicit base-class call)."""
    first = call.args[0] if call.args else None
    return (
        isinstance(first, ast.Name)
        and first.id == "self"
        and "." in ref
        and ref.partition(".")[0] not in ("self", "cls", "super()")
    )


@dataclass(frozen=True)
class FunctionSummary:
    qualname: str
    line: int
    handler: str | None = None
    """"request" or "task" for a framework handler (local evidence), else None."""
    entry: bool = False
    """An entry point (``main``, ``cli``, ``create_app``): never reached by requests."""
    cls: str | None = None
    """Qualname of the class this function is a method of."""
    parent: str | None = None
    """Qualname of the enclosing function, for nested functions."""
    params: tuple[str, ...] = ()
    calls: tuple[str, ...] = ()
    """Refs this function calls, or hands to a thread, executor or callback."""
    decorators: tuple[str, ...] = ()
    """Refs of its decorators (``login_required``, ``requires_role()``)."""
    returns: tuple[str, ...] = ()
    """Names of the nested functions it returns (a decorator's wrapper)."""
    locals: tuple[tuple[str, str], ...] = ()
    """(variable, ref) for local variables bound to a call result or another ref, and
    (name, ``import:a.b``) for imports inside the function; one pair per binding, in
    source order (every binding counts)."""
    returns_ref: str | None = None
    """Ref of what it returns when that is a call or a name (``return Store(path)``,
    ``return _store``, ``return cls._instance``): the first such return in the source."""
    cached: bool = False
    """Decorated with an argument-less ``@cache``/``@lru_cache`` and taking no arguments:
    what it returns is built once per process."""
    shared_self: bool = False
    """A handler method whose object serves every request (a route decorator on a method
    of a plugin or resource object, a Falcon responder): ``self`` is long-lived."""
    self_calls: tuple[str, ...] = ()
    """Refs of its calls that hand over its own ``self`` first (``Base.method(self, x)``):
    the method runs on the same object, as long-lived as this one."""
    returns_temp_dir: bool = False
    """Every value it returns is a path in the system temp directory (built from
    ``tempfile.gettempdir()``, ``mkdtemp()``, a ``/tmp`` literal or another such function
    of the module): calibre-web's ``get_temp_dir()``. See ``semantic/tempdirs.py``."""
    released: tuple[tuple[str, str], ...] = ()
    """(claim ref, release ref): a call given a local name as its first argument, followed
    by a call in a ``finally`` block given the same name first (``claim(uuid, ...)`` then
    ``finally: release(uuid, ...)``): what the first marks lasts as long as this
    function's work on it. See :func:`released_pairs`."""
    drains_queue: bool = False
    """Runs a service loop waiting for items from a queue (``while running: q.get()``):
    a thread running it is a worker, not a job. See ``syntax.drains_queue_in_loop``."""
    handed: tuple[str, ...] = ()
    """Refs of ``calls`` it only hands to a thread, executor or callback, never calls
    itself: what runs elsewhere, not as part of this function."""
    hands_connection: tuple[tuple[str, str, str], ...] = ()
    """(callee ref, slot, argument) for each call in a method of a per-connection handler
    class (``frameworks.CONNECTION_CLASS_KINDS``) that hands over the connection itself
    (``self``) or a bound method of it (``self._on_event``): ``manager.register(self)`` is
    (``manager.register``, ``"0"``, ``self``); a keyword's slot is ``=name``."""
    arguments: tuple[tuple[str, str], ...] = ()
    """(ref, argument tokens joined by spaces, see :func:`argument_tokens`) for each of
    its calls of a ref that may name project code, each distinct pair once."""


@dataclass(frozen=True)
class ClassSummary:
    qualname: str
    line: int
    bases: tuple[str, ...] = ()
    methods: tuple[tuple[str, str], ...] = ()
    """(method name, function qualname)."""
    attributes: tuple[tuple[str, str], ...] = ()
    """(attribute, ref) for ``self.attr = Ref(...)``/``self.attr = param`` in methods;
    ``param:**key`` for ``self.attr = kwargs["key"]`` from the ``**`` parameter."""
    containers: tuple[tuple[str, str], ...] = ()
    """(attribute, container kind) for ``self.attr = {}`` in methods."""
    class_containers: tuple[tuple[str, str], ...] = ()
    """(attribute, container kind) for class-level ``attr = []``."""
    singleton: bool = False
    """Keeps its one instance in a class attribute (``_instance``) or ``__new__``."""
    elements: tuple[tuple[str, str, str], ...] = ()
    """(path, method, ref) for an object a method stores in a container it holds:
    ``self.data['watching'][uuid] = watch`` is (``data[watching][]``, the method's
    qualname, ``watch``), ``self.workers.append(Worker())`` is (``workers[+]``, ...,
    ``Worker()``). The ref is resolved in that method: the element's class."""


Handoff: TypeAlias = tuple[str | None, str, str, int, str | None, bool]
"""``construct_blueprint(datastore)``: an object handed to a function, as (scope: the
qualname of the function making the call, None at module level; callee; argument: the
ref handed over; position: its positional index, or -1 for a keyword; keyword: the
keyword, or ``**key`` for an entry of a resource's ``resource_class_kwargs``; set_up:
made at module level, in an entry point or in a factory-named function). In set-up code
any object so handed lives as long as the app; elsewhere, the index binds the parameter
only to objects already known to live as long as the process.

A plain tuple of strings, numbers and None, not a class: a project has tens of
thousands (every name handed to a call), the index holds them for the whole run, and
the garbage collector stops tracking such tuples, so that the host's full collections
(flake8's, every few hundred files) do not traverse them again and again."""


PathSlot: TypeAlias = tuple[str, tuple[str, ...], bool]
"""One path-like argument of a call site that leads to the temp dir, a parameter of
the caller, or a function of another module (see ``TempDirs.argument_origin``), as
(slot: its position ``"0"`` or ``=keyword``; leaves; named). A plain tuple, as
``Handoff``."""

CallSite: TypeAlias = tuple[str | None, str, tuple[PathSlot, ...] | None]
"""A call whose arguments the index may need to follow into the callee's parameters
(a path built by every caller in the temp dir), as (scope, ref, slots). Every call site
of a ref in a scope is kept when any one of them hands over such a path; ``slots`` is
None for a site whose arguments cannot be matched to parameters (``*args``,
``**kwargs``). A plain tuple, as ``Handoff``."""


@dataclass(frozen=True)
class ModuleSummary:
    name: str
    is_package: bool
    bindings: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """(module-level name, what each binding is): ``def``, ``class``, ``import:a.b``,
    ``ref:Foo()``, ``scoped:start|Foo()`` (assigned through ``global`` in function
    ``start``), ``container:dict``, ``const:<JSON>`` (a string, number, boolean or None
    written or folded from constants of the module, not under a debug switch:
    ``const:"SERVERID"``), ``env`` (read from the environment: ``os.environ["X"]``; calls
    that do are ``ref:`` bindings the index recognises), ``value``."""
    functions: tuple[FunctionSummary, ...] = ()
    classes: tuple[ClassSummary, ...] = ()
    handoffs: tuple[Handoff, ...] = ()
    has_handlers: bool = False
    call_sites: tuple[CallSite, ...] = ()
    module_calls: tuple[str, ...] = ()
    """Refs called at module level (a caller the functions' ``calls`` do not list)."""
    escapes: tuple[str, ...] = ()
    """Names of functions this module uses as values, not calls (``Thread(target=f)``,
    ``HANDLERS = {"a": f}``, ``partial(mod.f, x)``): called where no site shows it."""

    # ---------------------------------------------------------------- JSON
    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "is_package": self.is_package,
            "bindings": [[name, list(kinds)] for name, kinds in self.bindings],
            "functions": [_function_json(f) for f in self.functions],
            "classes": [_class_json(c) for c in self.classes],
            "handoffs": [list(handoff) for handoff in self.handoffs],
            "has_handlers": self.has_handlers,
            "call_sites": [
                [scope, ref, None if slots is None else [
                    [slot, list(leaves), named] for slot, leaves, named in slots
                ]]
                for scope, ref, slots in self.call_sites
            ],
            "module_calls": list(self.module_calls),
            "escapes": list(self.escapes),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModuleSummary:
        """Raises (KeyError, TypeError, ValueError) on anything malformed: the cache
        treats that as a miss."""
        return cls(
            name=str(data["name"]),
            is_package=bool(data["is_package"]),
            bindings=tuple((str(n), tuple(str(k) for k in ks)) for n, ks in data["bindings"]),
            functions=tuple(_function_from_json(f) for f in data["functions"]),
            classes=tuple(_class_from_json(c) for c in data["classes"]),
            handoffs=tuple(_handoff_from_json(h) for h in data["handoffs"]),
            has_handlers=bool(data["has_handlers"]),
            call_sites=tuple(_call_site_from_json(c) for c in data["call_sites"]),
            module_calls=tuple(str(c) for c in data["module_calls"]),
            escapes=tuple(str(e) for e in data["escapes"]),
        )


def _call_site_from_json(data: Any) -> CallSite:
    scope, ref, slots = data
    return (
        None if scope is None else str(scope),
        str(ref),
        None if slots is None else tuple(
            (str(slot), tuple(str(leaf) for leaf in leaves), bool(named))
            for slot, leaves, named in slots
        ),
    )


def _handoff_from_json(data: Any) -> Handoff:
    scope, callee, argument, position, keyword, set_up = data
    return (
        None if scope is None else str(scope),
        str(callee),
        str(argument),
        int(position),
        None if keyword is None else str(keyword),
        bool(set_up),
    )


def _pairs(values: tuple[tuple[str, str], ...]) -> list[list[str]]:
    return [[a, b] for a, b in values]


def _unpairs(values: Any) -> tuple[tuple[str, str], ...]:
    return tuple((str(a), str(b)) for a, b in values)


def _function_json(f: FunctionSummary) -> list[Any]:
    return [
        f.qualname,
        f.line,
        f.handler,
        f.entry,
        f.cls,
        f.parent,
        list(f.params),
        list(f.calls),
        list(f.decorators),
        list(f.returns),
        _pairs(f.locals),
        f.returns_ref,
        f.cached,
        f.shared_self,
        f.returns_temp_dir,
        list(f.self_calls),
        _pairs(f.released),
        f.drains_queue,
        list(f.handed),
        [list(handed) for handed in f.hands_connection],
        _pairs(f.arguments),
    ]


def _function_from_json(data: Any) -> FunctionSummary:
    (qualname, line, handler, entry, cls, parent, params, calls, decorators, returns,
     local_refs, returns_ref, cached, shared_self, returns_temp_dir, self_calls,
     released, drains_queue, handed, hands_connection, arguments) = data  # fmt: skip
    return FunctionSummary(
        qualname=str(qualname),
        line=int(line),
        handler=None if handler is None else str(handler),
        entry=bool(entry),
        cls=None if cls is None else str(cls),
        parent=None if parent is None else str(parent),
        params=tuple(str(p) for p in params),
        calls=tuple(str(c) for c in calls),
        decorators=tuple(str(d) for d in decorators),
        returns=tuple(str(r) for r in returns),
        locals=_unpairs(local_refs),
        returns_ref=None if returns_ref is None else str(returns_ref),
        cached=bool(cached),
        shared_self=bool(shared_self),
        returns_temp_dir=bool(returns_temp_dir),
        self_calls=tuple(str(c) for c in self_calls),
        released=_unpairs(released),
        drains_queue=bool(drains_queue),
        handed=tuple(str(h) for h in handed),
        hands_connection=tuple((str(c), str(s), str(a)) for c, s, a in hands_connection),
        arguments=_unpairs(arguments),
    )


def _class_json(c: ClassSummary) -> list[Any]:
    return [
        c.qualname,
        c.line,
        list(c.bases),
        _pairs(c.methods),
        _pairs(c.attributes),
        _pairs(c.containers),
        _pairs(c.class_containers),
        c.singleton,
        [list(element) for element in c.elements],
    ]


def _class_from_json(data: Any) -> ClassSummary:
    (qualname, line, bases, methods, attributes, containers, class_containers, singleton,
     elements) = data  # fmt: skip
    return ClassSummary(
        qualname=str(qualname),
        line=int(line),
        bases=tuple(str(b) for b in bases),
        methods=_unpairs(methods),
        attributes=_unpairs(attributes),
        containers=_unpairs(containers),
        class_containers=_unpairs(class_containers),
        singleton=bool(singleton),
        elements=tuple((str(p), str(m), str(r)) for p, m, r in elements),
    )


# ------------------------------------------------------------------------ building
MAX_RELEASED_REFS = 8
"""Distinct refs kept per key name on each side of a claim/release pair: a worker loop
has one or two (keeps the pairing linear in the function's size)."""

if sys.version_info >= (3, 11):
    _TRY_TYPES: tuple[type[ast.stmt], ...] = (ast.Try, ast.TryStar)
else:  # pragma: no cover
    _TRY_TYPES = (ast.Try,)
_NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def released_pairs(function: FunctionNode) -> tuple[tuple[str, str], ...]:
    """``(claim ref, release ref)`` for ``claim(key, ...)`` followed, later in
    ``function``, by ``release(key, ...)`` inside a ``finally`` block, both given the same
    local name ``key`` as their first positional argument: a worker marking the item it
    works on and always unmarking it. One iterative pass (nested functions and classes
    are not entered)."""
    first: dict[str, dict[str, int]] = {}
    """key name -> ref -> line of its first call outside ``finally``."""
    last: dict[str, dict[str, int]] = {}
    """key name -> ref -> line of its last call inside ``finally``."""
    stack: list[tuple[ast.AST, bool]] = [(s, False) for s in reversed(function.body)]
    while stack:
        node, in_finally = stack.pop()
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Name):
            ref = ref_of(node.func)
            refs = (last if in_finally else first).setdefault(node.args[0].id, {})
            if ref is not None and (ref in refs or len(refs) < MAX_RELEASED_REFS):
                if in_finally:
                    refs[ref] = max(refs.get(ref, 0), node.lineno)
                else:
                    refs.setdefault(ref, node.lineno)
        children: list[ast.AST]
        if isinstance(node, _TRY_TYPES):
            stack.extend(  # ``TryStar`` has the same fields
                (statement, True)
                for statement in reversed(node.finalbody)
                if not isinstance(statement, _NESTED_SCOPES)
            )
            children = [*node.body, *node.handlers, *node.orelse]
        else:
            children = []  # ``ast.iter_child_nodes`` without ``ctx`` markers, in order
            extend_with_children(children, node)
        stack.extend(
            (child, in_finally)
            for child in reversed(children)
            if not isinstance(child, _NESTED_SCOPES)
        )
    pairs: dict[tuple[str, str], None] = {}
    for name, releases in last.items():
        for claim, claim_line in first.get(name, {}).items():
            for release, release_line in releases.items():
                if claim_line < release_line and claim != release:
                    pairs[(claim, release)] = None
    return tuple(pairs)


OTHER_ARGUMENT = "?"
"""An argument token for any value but the ones below."""

KWARGS_READERS = frozenset({"get", "pop", "copy", "items", "keys", "values", "clear"})
"""Methods of a ``**`` parameter that add no key to it."""


@dataclass(frozen=True)
class ForwardedNames:
    """Which parameters of a function it hands on unchanged: never rebound, so their
    value is what its caller gave or the default. ``defaults`` marks those defaulting
    to None (``^``) or False (``~``); ``kwargs`` is its ``**`` parameter when it only
    reads it or adds the keys in ``added`` (None when it may hold other keys)."""

    defaults: dict[str, str]
    kwargs: str | None
    added: tuple[str, ...]

    @classmethod
    def of(cls, function: FunctionNode, nodes: list[ast.AST]) -> ForwardedNames:
        arguments = function.args
        positional = [*arguments.posonlyargs, *arguments.args]
        defaulted = positional[len(positional) - len(arguments.defaults):]
        pairs = list(zip(defaulted, arguments.defaults, strict=True))
        pairs += [
            (a, d) for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True) if d
        ]
        stored: set[str] = set()
        kwargs = arguments.kwarg.arg if arguments.kwarg is not None else None
        added: set[str] = set()
        known = kwargs is not None
        for node in nodes:
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                stored.add(node.id)
            elif not known:
                continue
            elif isinstance(node, ast.Call):
                known = _adds_known_keys(node, kwargs, added)
            elif (
                isinstance(node, ast.Subscript)
                and not isinstance(node.ctx, ast.Load)
                and isinstance(node.value, ast.Name)
                and node.value.id == kwargs
            ):
                key = node.slice
                known = isinstance(key, ast.Constant) and isinstance(key.value, str)
                if isinstance(key, ast.Constant):
                    added.add(str(key.value))
        defaults = {}
        for argument, default in pairs:
            if argument.arg in stored or not isinstance(default, ast.Constant):
                continue
            if default.value is None:
                defaults[argument.arg] = "^"
            elif default.value is False:
                defaults[argument.arg] = "~"
        if kwargs in stored or not known:
            kwargs = None
        return cls(defaults, kwargs, tuple(sorted(added)))


def _adds_known_keys(call: ast.Call, kwargs: str | None, added: set[str]) -> bool:
    """Adds to ``added`` the keys ``call`` puts into the ``**`` parameter ``kwargs``;
    False when it may put others (``kwargs.update(other)``, ``helper(kwargs)``)."""
    func = call.func
    if (
        isinstance(func, ast.Attribute)
        and isinstance(func.value, ast.Name)
        and func.value.id == kwargs
        and func.attr not in KWARGS_READERS
    ):
        if func.attr == "update" and not call.args:
            names = [k.arg for k in call.keywords]
            added.update(n for n in names if n is not None)
            return None not in names
        first = call.args[0] if call.args else None
        if func.attr == "setdefault" and isinstance(first, ast.Constant):
            added.add(str(first.value))
            return isinstance(first.value, str)
        return False
    handed = [*call.args, *(k.value for k in call.keywords if k.arg is not None)]
    return not any(isinstance(a, ast.Name) and a.id == kwargs for a in handed)


def _argument_code(value: ast.expr, forwarded: ForwardedNames) -> str:
    if isinstance(value, ast.Constant) and (value.value is None or value.value is False):
        return repr(value.value)
    if isinstance(value, ast.Name) and value.id in forwarded.defaults:
        return forwarded.defaults[value.id] + value.id
    return OTHER_ARGUMENT


def argument_tokens(call: ast.Call, forwarded: ForwardedNames) -> tuple[str, ...]:
    """A call's arguments, one token each, as ``ProjectIndex.passes_argument`` reads them.
    A value is ``None``/``False`` (the literal), ``^name``/``~name`` (a parameter of the
    caller defaulting to None/False, handed on unchanged) or ``?``. Positional arguments
    are their value (``*`` for a starred one), keywords ``name=value``, ``**`` entries
    ``**@keys`` for the caller's own ``**`` parameter (``keys``: those it adds, comma
    separated) and ``**`` for any other mapping."""
    tokens = ["*" if isinstance(a, ast.Starred) else _argument_code(a, forwarded)
              for a in call.args]  # fmt: skip
    for keyword in call.keywords:
        if keyword.arg is not None:
            tokens.append(f"{keyword.arg}={_argument_code(keyword.value, forwarded)}")
        elif isinstance(keyword.value, ast.Name) and keyword.value.id == forwarded.kwargs:
            tokens.append("**@" + ",".join(forwarded.added))
        else:
            tokens.append("**")
    return tuple(tokens)


def absolute_import(target: str, module: str, is_package: bool) -> str:
    """An import target written in ``module`` with its leading dots resolved
    (``.settings.AFFINITY`` in ``shop.views`` is ``shop.settings.AFFINITY``)."""
    if not target.startswith("."):
        return target
    level = len(target) - len(target.lstrip("."))
    rest = target[level:]
    package = module if is_package else module.rpartition(".")[0]
    for _ in range(level - 1):
        package = package.rpartition(".")[0]
    if not package:
        return rest
    return f"{package}.{rest}" if rest else package


ESCAPE_NODES: frozenset[type[ast.AST]] = frozenset({ast.Name, ast.Attribute, ast.ImportFrom})
"""The nodes ``SummaryBuilder`` reads escapes from: a walk that gathers a module's facts
can collect them, so that the builder does not walk the whole tree again."""


_UNREAD = "\0"
"""A callee not read yet (no ref holds a NUL)."""


class SummaryBuilder:
    """Builds one module's summary from its facts."""

    def __init__(
        self,
        facts: ModuleFacts,
        handlers: HandlerScope,
        module: str,
        is_package: bool,
        nodes: Mapping[type[ast.AST], Sequence[tuple[ast.AST, object]]] | None = None,
    ):
        self.facts = facts
        self.nodes = nodes
        """Every node of ``ESCAPE_NODES`` types in the tree, by type, when the walk that
        gathered ``facts`` collected them (else ``_escapes`` walks the tree)."""
        self.handlers = handlers
        self.module = module
        self.is_package = is_package
        self.qualnames = facts.qualnames
        self.temp_dirs = TempDirs(facts)
        self.constants = ValueFollower(facts)
        """This module's own values (no project hook: summaries never ask other modules)."""
        self._project_heads: dict[str, bool] = {}
        self._import_targets: dict[str, list[str]] | None = None
        self._callees: dict[int, str | None] = {}
        """id of a call -> ``ref_of`` its callee: call sites, hand-offs and function
        summaries each read every call."""
        self.nested_names: dict[int, set[str]] = {}
        """id of a function -> names of the functions defined directly in it."""
        self._own_calls: dict[int, list[ast.Call]] = {}
        """id of a function -> the calls among its own nodes, in their order (filled by
        ``_function``'s pass over them, read by ``_call_sites`` and ``_arguments``)."""
        for function in facts.functions:
            parent = facts.function_parent.get(id(function))
            if parent is not None:
                self.nested_names.setdefault(id(parent), set()).add(function.name)

    def build(self) -> ModuleSummary:
        functions = tuple(self._function(f) for f in self.facts.functions if self._named(f))
        classes = tuple(self._class(c) for c in self.facts.all_classes if self._named(c))
        return ModuleSummary(
            name=self.module,
            is_package=self.is_package,
            bindings=self._bindings(),
            functions=functions,
            classes=classes,
            handoffs=self._handoffs(),
            has_handlers=any(f.handler for f in functions),
            call_sites=self._call_sites(),
            module_calls=tuple(
                dict.fromkeys(
                    ref for ref in (self._callee(c) for c in self.facts.module_calls) if ref
                )
            ),
            escapes=self._escapes(),
        )

    def _callee(self, call: ast.Call) -> str | None:
        key = id(call)
        ref = self._callees.get(key, _UNREAD)
        if ref is _UNREAD:
            ref = self._callees[key] = ref_of(call.func)
        return ref

    # --------------------------------------------------------------- call sites
    def _call_sites(self) -> tuple[CallSite, ...]:
        """Per scope, every call site of each ref that some site of it hands a path in
        the temp dir, a parameter or another module's call result (see ``CallSite``)."""
        facts = self.facts
        found: list[CallSite] = []
        scopes: list[tuple[FunctionNode | None, list[ast.Call]]] = [(None, facts.module_calls)]
        scopes += [
            (f, self._calls_in(f)) for f in facts.functions if self._named(f)
        ]  # the nodes ``FunctionSummary.calls`` is read from: every site of a call is seen
        no_locals: set[str] = set()
        for function, calls in scopes:
            by_ref: dict[str, list[tuple[PathSlot, ...] | None]] = {}
            wanted: set[str] = set()
            local = facts.scope(function).local if function is not None else no_locals
            for call in calls:
                ref = self._callee(call)
                if ref is None:
                    continue
                head = ref.partition(".")[0]
                if not (head in local or head in ("self", "cls", "super()")) and (
                    not self._may_name_project(head)
                ):
                    continue
                slots = self._path_slots(call, function)
                by_ref.setdefault(ref, []).append(slots)
                if slots:
                    wanted.add(ref)
            scope = self.qualname(function) if function is not None else None
            for ref in sorted(wanted):
                found.extend((scope, ref, slots) for slots in by_ref[ref])
        return tuple(found)

    def _path_slots(
        self, call: ast.Call, function: FunctionNode | None
    ) -> tuple[PathSlot, ...] | None:
        if function is None:
            return None  # module level: names there are not followed into callers
        if any(isinstance(a, ast.Starred) for a in call.args):
            return None
        if any(k.arg is None for k in call.keywords):
            return None
        handed: list[tuple[int | str | None, ast.expr]] = list(enumerate(call.args))
        handed += [(k.arg, k.value) for k in call.keywords]
        slots: list[PathSlot] = []
        for slot, value in handed:
            origin = self.temp_dirs.argument_origin(value, function)
            if origin is None:
                continue  # most arguments: the slot's name is written only for the others
            if all(self._may_be_project_call(leaf) for leaf in origin.leaves):
                name = str(slot) if isinstance(slot, int) else f"={slot}"
                slots.append((name, origin.leaves, origin.named))
        return tuple(slots)

    def _may_be_project_call(self, leaf: str) -> bool:
        """Whether a ``call:<ref>`` leaf may call a project function (one that returns a
        temp dir path): not a builtin nor, from a package, a call into another top-level
        package (``uuid.uuid4``, ``os.getcwd``). Keeps the recorded call sites few."""
        kind, _, ref = leaf.partition(":")
        if kind != "call":
            return True
        return self._may_name_project(ref.partition(".")[0])

    def _may_name_project(self, head: str) -> bool:
        """``_may_be_project_call`` of a call whose ref starts with ``head``."""
        known = self._project_heads.get(head)
        if known is None:
            known = self._project_heads[head] = self._may_name_project_code(head)
        return known

    def _may_name_project_code(self, head: str) -> bool:
        package = self.module.partition(".")[0] if "." in self.module else None
        imports = self._imports()
        for node in self.facts.module_bindings.get(head, ()):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                return True  # a def, a class, an assignment in this module
        for target in imports.get(head, ()):
            if target.startswith(".") or package is None:
                return True
            if target.partition(".")[0] == package:
                return True
        return False  # a builtin, or only imports from other packages

    def _imports(self) -> dict[str, list[str]]:
        """Module-level name -> the modules its imports bind it from (``.`` first for a
        relative import), each import statement read once."""
        if self._import_targets is None:
            self._import_targets = {}
            seen: set[int] = set()
            for bound in self.facts.module_bindings.values():
                for node in bound:
                    if id(node) in seen or not isinstance(node, (ast.Import, ast.ImportFrom)):
                        continue
                    seen.add(id(node))
                    for alias in node.names:
                        if isinstance(node, ast.Import):
                            name = (alias.asname or alias.name).partition(".")[0]
                            target = alias.name
                        else:
                            name = alias.asname or alias.name
                            target = "." * node.level + (node.module or "")
                        self._import_targets.setdefault(name, []).append(target)
        return self._import_targets

    def _calls_in(self, function: FunctionNode) -> list[ast.Call]:
        """The calls among ``function``'s own nodes, in their order."""
        calls = self._own_calls.get(id(function))
        if calls is None:
            calls = [n for n in self.facts.own_nodes(function) if isinstance(n, ast.Call)]
            self._own_calls[id(function)] = calls
        return calls

    def _escapes(self) -> tuple[str, ...]:
        """Functions read as values rather than called: a function defined (at any
        depth) or imported here, by its defined name, and any attribute read but not
        called (``mod.f``, ``self.f``, ``storage.f`` handed to a thread or kept in a
        table)."""
        facts = self.facts
        called = {id(c.func) for c in facts.module_calls}
        for calls in facts.calls_by_function.values():
            called.update(id(c.func) for c in calls)
        named: dict[str, set[str]] = {}
        """A name code may read a function by -> the function's own names."""
        for function in facts.functions:
            named.setdefault(function.name, set()).add(function.name)
        nodes = self._escape_nodes()
        load = ast.Load
        names: Sequence[tuple[Any, object]] = nodes[ast.Name]
        read_names = {
            node.id for node, _ in names if node.ctx.__class__ is load and id(node) not in called
        }
        attributes: Sequence[tuple[Any, object]] = nodes[ast.Attribute]
        found = {
            node.attr
            for node, _ in attributes
            if node.ctx.__class__ is load and id(node) not in called
        }
        imports: Sequence[tuple[Any, object]] = nodes[ast.ImportFrom]
        for node, _ in imports:
            for alias in node.names:
                named.setdefault(alias.asname or alias.name, set()).add(alias.name)
        for name in read_names:
            found.update(named.get(name, ()))
        return tuple(sorted(found))

    def _escape_nodes(self) -> Mapping[type[ast.AST], Sequence[tuple[ast.AST, object]]]:
        """The tree's nodes of ``ESCAPE_NODES`` types by type (in no particular order):
        those the facts' walk collected, else from one pass over the tree, without
        ``ast.walk``'s generators (this runs per module)."""
        if self.nodes is not None and self.nodes.keys() >= ESCAPE_NODES:
            return self.nodes
        found: dict[type[ast.AST], list[tuple[ast.AST, object]]] = {t: [] for t in ESCAPE_NODES}
        pending: list[ast.AST] = [self.facts.tree]
        while pending:
            node = pending.pop()
            bucket = found.get(node.__class__)
            if bucket is not None:
                bucket.append((node, None))
            extend_with_children(pending, node)
        return found

    def _named(self, node: ast.AST) -> bool:
        return id(node) in self.qualnames.by_id

    def qualname(self, node: ast.AST) -> str:
        return self.qualnames.by_id[id(node)]

    # --------------------------------------------------------------- imports
    def absolute(self, target: str) -> str:
        """An import target with its leading dots resolved against this module."""
        return absolute_import(target, self.module, self.is_package)

    # --------------------------------------------------------------- module level
    def _bindings(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """Every binding of each module-level name: at module level, and in functions
        that declare it ``global`` (``global user_manager; user_manager = Manager()`` in
        a server's start-up), as ``scoped:<function>|<ref>``."""
        facts = self.facts
        kinds: dict[str, list[str]] = {}
        for name, bound in facts.module_bindings.items():
            kinds[name] = [self._binding_kind(name, value) for value in bound]
        for function in facts.functions:
            declared = facts.scope(function).global_
            if not declared or not self._named(function):
                continue
            for node in facts.own_nodes(function):
                if not isinstance(node, ast.Assign) or len(node.targets) != 1:
                    continue
                target = node.targets[0]
                if isinstance(target, ast.Name) and target.id in declared:
                    value = self._binding_kind(target.id, node.value, function)
                    if value.startswith("ref:"):
                        value = f"scoped:{self.qualname(function)}|{value.removeprefix('ref:')}"
                    kinds.setdefault(target.id, []).append(value)
        # a name imported the same way in ten places is one binding
        return tuple((name, tuple(dict.fromkeys(values))) for name, values in kinds.items())

    def _binding_kind(
        self, name: str, value: ast.AST, function: FunctionNode | None = None
    ) -> str:
        facts = self.facts
        if isinstance(value, FUNCTION_TYPES):
            return "def"
        if isinstance(value, ast.ClassDef):
            return "class"
        if isinstance(value, (ast.Import, ast.ImportFrom)):
            target = facts.aliases.get(name)
            return f"import:{self.absolute(target)}" if target else "value"
        kind = facts.mutable_kind(value)
        if kind is not None and not kind.endswith(" instance"):
            return f"container:{kind}"
        if isinstance(value, (ast.Call, ast.Name, ast.Attribute)):
            ref = ref_of(value)
            if ref is not None:
                return f"ref:{ref}"
        if isinstance(value, (ast.Constant, ast.JoinedStr, ast.BinOp)):
            constant = self._constant(value, function)
            if constant is not None:
                return f"const:{constant}"
        if isinstance(value, ast.expr) and self.constants.values(value, function).environment:
            return "env"  # ``os.environ["DB_PATH"]``, ``os.getenv("URL") or "sqlite://"``
        return "value"

    def _constant(self, value: ast.expr, function: FunctionNode | None) -> str | None:
        """The JSON of the one scalar ``value`` stands for (a literal, or ``+``/f-strings
        of this module's constants), None when it is not one or is bound under a debug
        switch. Names of other modules are not followed here: the index does that."""
        if self.facts.is_guarded(value):
            return None
        values = self.constants.values(value, function)
        if len(values) != 1 or not values[0].known:
            return None
        constant = values[0].constant
        if isinstance(constant, str) and len(constant) <= MAX_CONSTANT_LENGTH:
            return json.dumps(constant)
        if constant is None or isinstance(constant, (bool, int)):
            return json.dumps(constant)
        if isinstance(constant, float) and math.isfinite(constant):
            return json.dumps(constant)
        return None

    def _handoffs(self) -> tuple[Handoff, ...]:
        """Objects handed to functions: everything handed over at module level, in entry
        points and in factory-named functions (``create_app``, ``construct_blueprint``);
        elsewhere, names and attributes of ``self`` only (``_handle_operations(op,
        datastore)``, ``Connection(session, self._plugin_manager)``): the index binds
        those only to objects already known to live as long as the process."""
        facts = self.facts
        found: list[Handoff] = []
        scopes: list[tuple[str | None, bool, list[ast.Call]]] = [(None, True, facts.module_calls)]
        for function in facts.functions:
            if self._named(function):
                calls = facts.calls_by_function.get(id(function), [])
                scopes.append((self.qualname(function), _is_set_up(function.name), calls))
        for scope, set_up, calls in scopes:
            kinds = (ast.Name, ast.Attribute) if set_up else (ast.Name,)
            for call in calls:
                if not call.args and not call.keywords:
                    continue  # nothing handed over
                callee = self._callee(call)
                if callee is None:
                    continue
                handed: list[tuple[int, str | None, ast.expr]]
                handed = [(i, None, a) for i, a in enumerate(call.args)]
                handed += [(-1, k.arg, k.value) for k in call.keywords if k.arg]
                for position, keyword, value in handed:
                    if not isinstance(value, kinds) and not is_self_attribute(value):
                        continue  # ``self.store``: bound only when it is long-lived
                    ref = ref_of(value)
                    if ref is not None:
                        found.append((scope, callee, ref, position, keyword, set_up))
                if call.keywords:
                    found.extend(_constructor_kwargs(call, scope, set_up, kinds))
        return tuple(found)

    # --------------------------------------------------------------- functions
    def _read_call(
        self,
        call: ast.Call,
        local: set[str],
        nested: set[str],
        into: tuple[list[str], list[str], list[str]],
    ) -> None:
        """Adds what ``call`` calls to ``calls``, to ``self_calls`` when it hands over
        ``self`` first, and the functions it hands on to ``calls`` and ``handed``."""
        calls, self_calls, handed = into
        ref = self._callee(call)
        if ref is not None:
            calls.append(ref)
            if _hands_over_self(call, ref):
                self_calls.append(ref)
        given = self._handed_functions(call, local, nested)
        calls.extend(given)
        handed.extend(given)

    def _function(self, function: FunctionNode) -> FunctionSummary:
        facts = self.facts
        cls = facts.method_class.get(id(function))
        parent = facts.function_parent.get(id(function))
        arguments = function.args
        params = tuple(a.arg for a in [*arguments.posonlyargs, *arguments.args])
        calls: list[str] = []
        self_calls: list[str] = []
        handed: list[str] = []
        local_refs: dict[str, dict[str, int]] = {}
        """name -> its refs in source order (the value: first line), every binding kept."""
        nested = self.nested_names.get(id(function), set())
        returned = _Returned(nested)
        scope = facts.scope(function)
        own_calls: list[ast.Call] = []
        loops = has_finally = False
        nodes: list[Any] = facts.own_nodes(function)  # narrowed by class below
        for node in nodes:
            # one pass over the function's own nodes, dispatched on the exact node class
            # (parsed trees hold no subclasses), also noting what later questions would
            # scan them again for: its calls (``_call_sites``, ``_arguments``), a
            # ``finally`` (``_released``), a loop that may drain a queue (read only for
            # functions with a ``while`` or a ``for`` over ``iter(q.get, None)``)
            kind = node.__class__
            if kind is ast.Call:
                own_calls.append(node)
                self._read_call(node, scope.local, nested, (calls, self_calls, handed))
            elif kind is ast.Assign:
                if len(node.targets) != 1:
                    continue
                target = node.targets[0]
                assigned = _awaited(node.value)
                if isinstance(target, ast.Name) and isinstance(
                    assigned, (ast.Call, ast.Attribute, ast.Name, ast.Subscript)
                ):
                    ref = ref_of(assigned)
                    if ref is not None and ref != target.id and target.id not in scope.global_:
                        local_refs.setdefault(target.id, {}).setdefault(ref, node.lineno)
            elif kind is ast.For or kind is ast.AsyncFor:
                if iterates_a_queue(node.iter):
                    loops = True
                looped = _loop_element(node)
                if looped is not None and looped[0] not in scope.global_:
                    local_refs.setdefault(looped[0], {}).setdefault(looped[1], node.lineno)
            elif kind is ast.Import or kind is ast.ImportFrom:
                for name, imported in self._imported(node):
                    local_refs.setdefault(name, {}).setdefault(f"import:{imported}", node.lineno)
            elif kind is ast.Return:
                returned.add(node)
            elif kind is ast.While:
                loops = True
            elif kind in _TRY_TYPES and node.finalbody:
                has_finally = True
        self._own_calls[id(function)] = own_calls
        calls.extend(_dependencies(function))
        decorators = tuple(
            ref for ref in (ref_of(d) for d in function.decorator_list) if ref is not None
        )
        return FunctionSummary(
            qualname=self.qualname(function),
            line=function.lineno,
            handler=self.handlers.kind_of(function),
            entry=parent is None and cls is None and is_entry_point(function.name),
            cls=self.qualname(cls) if cls is not None and self._named(cls) else None,
            parent=self.qualname(parent) if parent is not None and self._named(parent) else None,
            params=params,
            calls=tuple(dict.fromkeys(calls)),
            decorators=decorators,
            returns=tuple(dict.fromkeys(returned.names)),
            locals=tuple(
                (name, ref)
                for name, refs in sorted(local_refs.items())
                for ref, _ in sorted(refs.items(), key=lambda item: (item[1], item[0]))
            ),
            returns_ref=returned.ref or returned.element,
            cached=self._is_cached_factory(function),
            shared_self=self.handlers.shares_self(function),
            returns_temp_dir=self._returns_temp_dir(function),
            self_calls=tuple(dict.fromkeys(self_calls)),
            released=self._released(function, has_finally),
            drains_queue=loops and drains_queue_in_loop(function),
            handed=_only_handed(calls, handed),
            hands_connection=self._hands_connection(function, cls),
            arguments=self._arguments(function),
        )

    def _hands_connection(
        self, function: FunctionNode, cls: ast.ClassDef | None
    ) -> tuple[tuple[str, str, str], ...]:
        """See ``FunctionSummary.hands_connection``: only methods of a connection class,
        only ``self`` and bound methods the class defines (``self._user`` may be any
        object). An explicit base-class call (``Base.__init__(self, session)``) is kept:
        the index binds only methods of long-lived objects and module-level functions."""
        if cls is None or self.handlers.class_kind(cls) not in CONNECTION_CLASS_KINDS:
            return ()
        methods = {s.name for s in cls.body if isinstance(s, FUNCTION_TYPES)}
        found: list[tuple[str, str, str]] = []
        for node in self.facts.own_nodes(function):
            if not isinstance(node, ast.Call):
                continue
            callee = ref_of(node.func)
            if callee is None:
                continue
            handed = [(str(i), a) for i, a in enumerate(node.args)]
            handed += [(f"={k.arg}", k.value) for k in node.keywords if k.arg]
            for slot, value in handed:
                if isinstance(value, ast.Name) and value.id == "self":
                    found.append((callee, slot, "self"))
                elif is_self_attribute(value) and value.attr in methods:
                    found.append((callee, slot, f"self.{value.attr}"))
        return tuple(dict.fromkeys(found))

    def _arguments(self, function: FunctionNode) -> tuple[tuple[str, str], ...]:
        """See ``FunctionSummary.arguments`` (same filter of refs as ``_call_sites``)."""
        facts = self.facts
        local = facts.scope(function).local
        forwarded: ForwardedNames | None = None
        found: dict[tuple[str, str], None] = {}
        for call in self._calls_in(function):
            ref = self._callee(call)
            if ref is None:
                continue
            head = ref.partition(".")[0]
            if not (head in local or head in ("self", "cls", "super()")) and (
                not self._may_name_project(head)
            ):
                continue
            if forwarded is None:
                forwarded = ForwardedNames.of(function, facts.own_nodes(function))
            found[(ref, " ".join(argument_tokens(call, forwarded)))] = None
        return tuple(found)

    def _imported(self, node: ast.Import | ast.ImportFrom) -> list[tuple[str, str]]:
        """(bound name, absolute target) for an import statement inside a function."""
        found: list[tuple[str, str]] = []
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname:
                    found.append((alias.asname, alias.name))
                else:
                    top = alias.name.partition(".")[0]
                    found.append((top, top))
            return found
        module = "." * node.level + (node.module or "")
        prefix = module if module.endswith(".") else module + "."
        for alias in node.names:
            if alias.name != "*":
                found.append((alias.asname or alias.name, self.absolute(prefix + alias.name)))
        return found

    def _handed_functions(self, call: ast.Call, local: set[str], nested: set[str]) -> list[str]:
        """Functions handed to a call (``Thread(target=self.run)``, ``submit(work, x)``,
        ``map(helper, xs)``): they run on behalf of the caller. Only positional arguments
        and ``target=``-like keywords: ``on_progress=self.report`` is called later by
        whoever keeps it, not by the request. Local variables are skipped (their values
        are not functions we can name), nested functions kept."""
        found: list[str] = []
        func = call.func
        if isinstance(func, ast.Attribute) and func.attr in LATER_CALLBACKS:
            return found  # runs when the task ends, not on behalf of the request
        arguments = call.args
        if call.keywords:
            arguments = [*arguments, *(k.value for k in call.keywords if k.arg in SPAWN_KEYWORDS)]
        for argument in arguments:
            if isinstance(argument, ast.Name):
                if argument.id in local and argument.id not in nested:
                    continue
            elif not isinstance(argument, ast.Attribute):
                continue
            ref = ref_of(argument)
            if ref is not None:
                found.append(ref)
        return found

    def _released(self, function: FunctionNode, has_finally: bool) -> tuple[tuple[str, str], ...]:
        """``released_pairs`` only for functions with a ``finally`` that its walk visits
        (few have one): without one there is no release, and the walk is not repeated for
        the rest. That walk skips the nested scopes ``own_nodes`` skips, except that it
        enters a ``def`` written directly in the body (its own nodes are looked at too)
        and a ``class`` written there (such functions always get the walk).
        ``has_finally``: whether the function's own nodes hold a ``finally``."""
        visited = []
        for statement in function.body:
            if isinstance(statement, ast.ClassDef):
                return released_pairs(function)
            if isinstance(statement, FUNCTION_TYPES):
                visited.append(statement)
        if has_finally:
            return released_pairs(function)
        for current in visited:
            for node in self.facts.own_nodes(current):
                if isinstance(node, _TRY_TYPES) and node.finalbody:
                    return released_pairs(function)
        return ()

    def _returns_temp_dir(self, function: FunctionNode) -> bool:
        """Only functions that could be called by name from another module: top-level
        functions and methods (``self.x()`` inside a method is not followed)."""
        if self.facts.function_parent.get(id(function)) is not None:
            return False
        return self.temp_dirs.returns_temp_dir(function)

    def _is_cached_factory(self, function: FunctionNode) -> bool:
        arguments = function.args
        if arguments.args or arguments.posonlyargs or arguments.kwonlyargs:
            return False
        if arguments.vararg or arguments.kwarg:
            return False
        for decorator in function.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if self.facts.qualified_name(target) in CACHE_DECORATORS:
                return True
        return False

    # --------------------------------------------------------------- classes
    def _class(self, cls: ast.ClassDef) -> ClassSummary:
        facts = self.facts
        methods: list[tuple[str, str]] = []
        attributes: dict[str, str] = {}
        containers: dict[str, str] = {}
        class_containers: dict[str, str] = {}
        elements: dict[tuple[str, str], str] = {}
        """(path, ref) -> the first method that stores it."""
        singleton = False
        for statement in cls.body:
            if isinstance(statement, FUNCTION_TYPES):
                methods.append((statement.name, self.qualname(statement)))
                if statement.name == "__new__":
                    singleton = True
                params = {a.arg for a in statement.args.args[1:]}
                for node in _storing_nodes(facts.own_nodes(statement)):
                    stored = _stored_element(node)
                    if stored is not None:
                        elements.setdefault((stored[0], stored[1]), self.qualname(statement))
                    if not isinstance(node, (ast.Assign, ast.AnnAssign)) or node.value is None:
                        continue
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    for target in targets:
                        if not is_self_attribute(target):
                            continue
                        kind = facts.mutable_kind(node.value)
                        if kind is not None and not kind.endswith(" instance"):
                            containers.setdefault(target.attr, kind)
                            continue
                        value = _awaited(node.value)  # ``self.client = await Client.get()``
                        keyword = _keyword_argument(value, statement.args.kwarg)
                        if isinstance(value, ast.Name) and value.id in params:
                            attributes.setdefault(target.attr, f"param:{value.id}")
                        elif keyword is not None:
                            attributes.setdefault(target.attr, f"param:**{keyword}")
                        elif isinstance(value, (ast.Call, ast.Attribute, ast.Name)):
                            ref = ref_of(value)
                            if ref is not None:
                                attributes.setdefault(target.attr, ref)
            elif isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value:
                targets = (
                    statement.targets if isinstance(statement, ast.Assign) else [statement.target]
                )
                for target in targets:
                    if not isinstance(target, ast.Name):
                        continue
                    if target.id in {"_instance", "__instance", "instance", "_singleton"}:
                        singleton = True
                    kind = facts.mutable_kind(statement.value)
                    if kind is not None and not kind.endswith(" instance"):
                        class_containers[target.id] = kind
                        annotated = _annotated_element(statement, target.id)
                        if annotated is not None:
                            elements.setdefault(annotated, "")
        bases = tuple(ref for ref in (ref_of(b) for b in cls.bases) if ref is not None)
        if facts.is_value_class(cls):
            class_containers = {}  # defaults copied per instance (pydantic, dataclasses...)
        return ClassSummary(
            qualname=self.qualname(cls),
            line=cls.lineno,
            bases=bases,
            methods=tuple(methods),
            attributes=tuple(sorted(attributes.items())),
            containers=tuple(sorted(containers.items())),
            class_containers=tuple(sorted(class_containers.items())),
            singleton=singleton,
            elements=tuple(
                sorted((path, method, ref) for (path, ref), method in elements.items())
            )[:MAX_ELEMENTS],
        )


class _Returned:
    """What a function's ``return`` statements name: its nested functions
    (``FunctionSummary.returns``), and the object of its first return in source order
    (``returns_ref``), else of its first return of a container's element."""

    def __init__(self, nested: set[str]) -> None:
        self.nested = nested
        self.names: list[str] = []
        self.ref: str | None = None
        self.line = 0
        self.element: str | None = None
        self.element_line = 0

    def add(self, node: ast.Return) -> None:
        if node.value is None:
            return
        value = _awaited(node.value)
        if isinstance(value, ast.Name) and value.id in self.nested:
            self.names.append(value.id)
        elif isinstance(value, ast.Subscript):
            # ``return self.data["watching"][uuid]``: followed when no return names an
            # object more directly (a cache lookup before the factory)
            element = ref_of(value)
            if element is not None and (self.element is None or node.lineno < self.element_line):
                self.element, self.element_line = element, node.lineno
        elif isinstance(value, (ast.Call, ast.Attribute, ast.Name)) and (
            self.ref is None or node.lineno < self.line
        ):
            # the first return in source order: the main path of a factory (``if kind ==
            # "local": return LocalStorage()``), a singleton's ``return cls._instance``
            self.ref = ref_of(value) or self.ref
            self.line = node.lineno


CONSTRUCTOR_KWARGS = frozenset({"resource_class_kwargs"})
"""Flask-RESTful/RESTX ``add_resource(Resource, url, resource_class_kwargs={...})``: the
resource class is built per request with these keyword arguments."""


def _constructor_kwargs(
    call: ast.Call, scope: str | None, set_up: bool, kinds: tuple[type[ast.expr], ...]
) -> list[Handoff]:
    """``add_resource(Watch, "/watch", resource_class_kwargs={"datastore": datastore})``:
    ``datastore`` handed to ``Watch.__init__(**kwargs)`` as its ``**datastore``."""
    cls = ref_of(call.args[0]) if call.args else None
    if cls is None:
        return []
    found: list[Handoff] = []
    for keyword in call.keywords:
        if keyword.arg not in CONSTRUCTOR_KWARGS or not isinstance(keyword.value, ast.Dict):
            continue
        for key, value in zip(keyword.value.keys, keyword.value.values, strict=True):
            if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
                continue
            ref = ref_of(value) if isinstance(value, kinds) else None
            if ref is not None:
                found.append((scope, cls, ref, -1, f"**{key.value}", set_up))
    return found


def _keyword_argument(value: ast.expr, kwarg: ast.arg | None) -> str | None:
    """``kwargs["datastore"]`` or ``kwargs.get("datastore")`` where ``kwargs`` is the
    method's ``**`` parameter: ``datastore``."""
    if kwarg is None:
        return None
    key: ast.expr | None = None
    holder: ast.expr | None = None
    if isinstance(value, ast.Subscript):
        holder, key = value.value, value.slice
    elif (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr == "get"
        and value.args
    ):
        holder, key = value.func.value, value.args[0]
    if not (isinstance(holder, ast.Name) and holder.id == kwarg.arg):
        return None
    if isinstance(key, ast.Constant) and isinstance(key.value, str):
        return key.value
    return None


MAX_ELEMENTS = 64
"""Elements kept per class: a bound on the summary of generated code."""


_STORING_NODES = frozenset({ast.Assign, ast.AnnAssign, ast.Expr})
"""The nodes ``ClassSummary`` reads from a method: stored elements, ``self.x = ...``."""


def _storing_nodes(nodes: list[ast.AST]) -> list[ast.AST]:
    return [node for node in nodes if node.__class__ in _STORING_NODES]


def _stored_element(node: ast.AST) -> tuple[str, str] | None:
    """(path, ref) when ``node`` stores an object built by a call or named by a variable
    into a container held on ``self``: ``self.x[k1][k2] = value``,
    ``self.x[k].append(value)``, ``self.x.add(value)``, ``self.x.setdefault(k, value)``."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target, value = node.targets[0], node.value
        if not isinstance(target, ast.Subscript):
            return None
        path = _held_path(target)
    elif (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Attribute)
        and node.value.args
        and not node.value.keywords
    ):
        call = node.value
        method = call.func.attr  # type: ignore[attr-defined]
        holder = _held_path(call.func.value)  # type: ignore[attr-defined]
        if method in ELEMENT_ADDERS and len(call.args) == (2 if method == "insert" else 1):
            path = None if holder is None else f"{holder}[+]"
        elif method == "setdefault" and len(call.args) == 2:
            key = key_segment(call.args[0])
            path = None if holder is None or key is None else holder + key
        else:
            return None
        value = call.args[-1]
    else:
        return None
    if path is None or not isinstance(value, (ast.Call, ast.Name)):
        return None  # a literal (a plain dict) names no class
    ref = ref_of(value)
    return None if ref is None else (path, ref)


ANNOTATED_MAPPINGS = frozenset({"dict", "Dict", "defaultdict", "DefaultDict", "OrderedDict"})
ANNOTATED_COLLECTIONS = frozenset({"list", "List", "set", "Set", "deque", "Deque"})


def _annotated_element(statement: ast.Assign | ast.AnnAssign, name: str) -> tuple[str, str] | None:
    """(path, ref) for a class-level container annotated with its element class:
    ``id_cache: dict[str, PluginLoader] = {}`` is (``id_cache[]``, ``PluginLoader()``)."""
    if not isinstance(statement, ast.AnnAssign):
        return None
    annotation = statement.annotation
    if not isinstance(annotation, ast.Subscript):
        return None
    container = ref_of(annotation.value)
    last = container.rpartition(".")[2] if container else ""
    element: ast.expr | None = None
    if last in ANNOTATED_MAPPINGS:
        arguments = annotation.slice
        if isinstance(arguments, ast.Tuple) and len(arguments.elts) == 2:
            element, segment = arguments.elts[1], "[]"
    elif last in ANNOTATED_COLLECTIONS:
        element, segment = annotation.slice, "[+]"
    if isinstance(element, ast.Constant) and isinstance(element.value, str):
        ref = element.value if element.value.isidentifier() else None  # ``"PluginLoader"``
    elif isinstance(element, (ast.Name, ast.Attribute)):
        ref = ref_of(element)
    else:
        return None
    return None if ref is None else (f"{name}{segment}", f"{ref}()")


def _held_path(node: ast.expr) -> str | None:
    """``data[watching]`` for ``self.data['watching']``: a container held on ``self``,
    through at most a few keys; None for anything else."""
    keys: list[str] = []
    while isinstance(node, ast.Subscript) and len(keys) < 4:
        key = key_segment(node.slice)
        if key is None:
            return None
        keys.append(key)
        node = node.value
    if not is_self_attribute(node):
        return None
    return node.attr + "".join(reversed(keys))


DEPENDENCY_MARKERS = frozenset({"Depends", "Security", "Provide"})
"""FastAPI's ``Depends``/``Security`` and Litestar's ``Provide``: the function they name
runs on every request to the endpoint that declares it."""


def _only_handed(calls: list[str], handed: list[str]) -> tuple[str, ...]:
    """The refs of ``handed`` (also in ``calls``) that every occurrence in ``calls``
    hands on: ``Thread(target=self.run)`` and no ``self.run()``."""
    occurrences = Counter(calls)
    handed_occurrences = Counter(handed)
    return tuple(
        ref for ref, count in handed_occurrences.items() if occurrences[ref] == count
    )


def _dependencies(function: FunctionNode) -> list[str]:
    """Refs of the dependencies a function declares in its parameters' defaults and
    annotations (``user=Depends(get_current_user)``, ``Annotated[User, Depends(f)]``) or
    in its decorators (``@app.get("/", dependencies=[Depends(check)])``)."""
    arguments = function.args
    places: list[ast.AST | None] = [
        *arguments.defaults,
        *arguments.kw_defaults,
        *function.decorator_list,
    ]
    places += [
        a.annotation
        for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)
        if a.annotation is not None
    ]
    found: list[str] = []
    pending: list[ast.AST] = [p for p in places if p is not None]
    budget = 2_000  # parameters are small; a bound keeps generated code cheap
    while pending and budget:
        budget -= 1
        node = pending.pop()
        if isinstance(node, ast.Call):
            func = node.func
            last = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if last in DEPENDENCY_MARKERS:
                target = node.args[0] if node.args else next(
                    (k.value for k in node.keywords if k.arg == "dependency"), None
                )
                ref = ref_of(target) if target is not None else None
                if ref is not None:
                    found.append(ref)
        pending.extend(ast.iter_child_nodes(node))
    return found


def _loop_element(loop: ast.For | ast.AsyncFor) -> tuple[str, str] | None:
    """(variable, ref) for a loop that takes elements out of a container: ``for w in
    x.values()`` and ``for k, w in x.items()`` bind ``w`` to ``x.[]``; ``for w in x``
    binds it to ``x.[*]``."""
    iterated, method = iterated_view(loop.iter)
    if isinstance(iterated, ast.Call) and not method:
        return None  # ``for w in load(x)``: not a container held somewhere
    target = loop.target
    if method == "items" and isinstance(target, ast.Tuple) and len(target.elts) == 2:
        target = target.elts[1]
    elif method not in ("", "values"):
        return None
    if not isinstance(target, ast.Name):
        return None
    container = ref_of(iterated)
    if container is None or container.endswith("()"):
        return None  # ``for w in load()``: what a call returns is not a held container
    return target.id, f"{container}.{'[*]' if not method else '[]'}"


def _awaited(value: ast.expr) -> ast.expr:
    """``await f()`` is what ``f()`` gives, for following names."""
    return value.value if isinstance(value, ast.Await) else value


def _is_set_up(name: str) -> bool:
    return is_entry_point(name) or name.startswith(FACTORY_PREFIXES) or name.endswith("_app")
