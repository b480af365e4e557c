"""Facts about one module, gathered during the engine's single walk and finished once.

Rules ask the context instead of walking the tree themselves: what a name was imported
as, what a module-level name holds, which functions serve requests, whether a line sits
under a debug switch. Everything is per file; nothing is kept between files.
"""

from __future__ import annotations

import ast
import bisect
import fnmatch
import itertools
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, TypeGuard

from flake8_stateless import frameworks
from flake8_stateless.excerpts import Excerpts

if TYPE_CHECKING:
    from flake8_stateless.options import Settings

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
FUNCTION_TYPES = (ast.FunctionDef, ast.AsyncFunctionDef)

MUTABLE_CONSTRUCTORS = {
    "dict": "dict",
    "list": "list",
    "set": "set",
    "bytearray": "bytearray",
    "collections.defaultdict": "defaultdict",
    "collections.OrderedDict": "OrderedDict",
    "collections.Counter": "Counter",
    "collections.deque": "deque",
    "collections.ChainMap": "ChainMap",
    "cachetools.Cache": "Cache",
    "cachetools.LRUCache": "LRUCache",
    "cachetools.TTLCache": "TTLCache",
    "cachetools.LFUCache": "LFUCache",
    "cachetools.TLRUCache": "TLRUCache",
    "cachetools.FIFOCache": "FIFOCache",
    "cachetools.RRCache": "RRCache",
    "cachetools.MRUCache": "MRUCache",
}
"""Calls that build a mutable container, by qualified name, with the kind users see."""

MUTATING_METHODS = frozenset(
    {
        "append",
        "extend",
        "insert",
        "remove",
        "pop",
        "popitem",
        "clear",
        "update",
        "setdefault",
        "add",
        "discard",
        "difference_update",
        "intersection_update",
        "symmetric_difference_update",
        "appendleft",
        "extendleft",
        "popleft",
        "rotate",
        "sort",
        "reverse",
        "subtract",
        "move_to_end",
        "__setitem__",
        "__delitem__",
    }
)
"""Methods of the standard containers (and cachetools caches) that change them in place."""

VALUE_CLASS_BASES = frozenset(
    {
        "pydantic.BaseModel",
        "pydantic_settings.BaseSettings",
        "pydantic.BaseSettings",
        "sqlmodel.SQLModel",
        "msgspec.Struct",
        "typing.NamedTuple",
        "typing.TypedDict",
        "typing_extensions.TypedDict",
        "enum.Enum",
        "enum.IntEnum",
        "enum.StrEnum",
        "django.db.models.Model",
        "marshmallow.Schema",
    }
)
"""Bases whose class-level "mutable" defaults are copied per instance or are not state."""

VALUE_CLASS_DECORATORS = frozenset(
    {
        "dataclasses.dataclass",
        "attr.s",
        "attr.attrs",
        "attr.define",
        "attrs.define",
        "attr.frozen",
        "attrs.frozen",
        "pydantic.dataclasses.dataclass",
    }
)

DEBUG_FLAG_NAMES = frozenset(
    {
        "debug",
        "testing",
        "development",
        "dev",
        "local",
        "is_dev",
        "is_debug",
        "is_local",
        "is_testing",
        "is_test",
        "debug_mode",
        "dev_mode",
        "is_development",
        "test_mode",
        "in_test",
    }
)
"""Switch names (compared lower-cased) whose truth means "not production"."""

DEV_VALUES = frozenset({"dev", "development", "local", "test", "testing", "debug"})
PROD_VALUES = frozenset({"prod", "production", "live"})

DEV_NAME_TOKENS = frozenset({"test", "tests", "testing", "dev", "development", "local", "debug"})
"""Words in a config class or settings module name that say it is never production."""

TEST_TOKENS = frozenset({"test", "tests", "testing", "conftest"})
CONFIG_TOKENS = frozenset({"settings", "config", "configs", "conf", "configuration"})
_TOKEN_SPLIT = re.compile(r"[_\-.]+")
_CAMEL_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_REGISTRAR_LAST_NAMES = (
    frozenset(name.rpartition(".")[2] for name in frameworks.ENDPOINT_REGISTRARS)
    | frameworks.ENDPOINT_REGISTRAR_METHODS
)
_DEV_COMPONENT = re.compile(
    r"^(dev|devel|develop|development|local|debug)(project|site|server|settings|env)?$"
)
_FALCON_RESPONDER = re.compile(r"on_(get|post|put|patch|delete|head|options)(_\w+)?$")


def dotted_name(node: ast.AST) -> str | None:
    """``a.b.c`` for a Name/Attribute chain, else None (calls, subscripts...)."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def root_name(node: ast.AST) -> ast.Name | None:
    """The Name under a chain of attributes and subscripts (``a`` in ``a.b[k].c``)."""
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node if isinstance(node, ast.Name) else None


def string_value(node: ast.AST | None) -> str | None:
    """The value of a string literal, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _line_span(body: list[ast.stmt]) -> tuple[int, int]:
    return body[0].lineno, body[-1].end_lineno or body[-1].lineno


class LineSpans:
    """Line ranges (inclusive) with a logarithmic membership test: a long settings module
    has thousands of ``if DEBUG:`` blocks and every finding asks about its line."""

    def __init__(self) -> None:
        self._spans: list[tuple[int, int]] = []
        self._starts: list[int] | None = None
        self._ends: list[int] = []

    def append(self, span: tuple[int, int]) -> None:
        self._spans.append(span)
        self._starts = None

    def __bool__(self) -> bool:
        return bool(self._spans)

    def __contains__(self, line: object) -> bool:
        if not isinstance(line, int) or not self._spans:
            return False
        if self._starts is None:
            self._merge()
        assert self._starts is not None
        index = bisect.bisect_right(self._starts, line) - 1
        return index >= 0 and line <= self._ends[index]

    def _merge(self) -> None:
        starts: list[int] = []
        ends: list[int] = []
        for start, end in sorted(self._spans):
            if ends and start <= ends[-1] + 1:
                ends[-1] = max(ends[-1], end)
            else:
                starts.append(start)
                ends.append(end)
        self._starts, self._ends = starts, ends


@dataclass(frozen=True)
class PathFacts:
    """What the file's path says about the code in it."""

    is_test: bool
    is_dev_settings: bool
    is_management_command: bool
    is_migration: bool
    is_views_module: bool

    @classmethod
    def from_filename(cls, filename: str) -> PathFacts:
        parts = [p for p in filename.replace("\\", "/").split("/") if p not in ("", ".")]
        basename = parts[-1] if parts else ""
        dirs = {p.lower() for p in parts[:-1]}
        stem = basename[:-3] if basename.endswith(".py") else basename
        tokens = {t.lower() for t in _TOKEN_SPLIT.split(stem) if t}
        configish = bool(tokens & CONFIG_TOKENS or dirs & CONFIG_TOKENS)
        lowered = [p.lower() for p in parts[:-1]]
        return cls(
            is_test=bool(tokens & TEST_TOKENS or dirs & TEST_TOKENS),
            is_dev_settings=configish
            and not tokens & TEST_TOKENS
            and not dirs & TEST_TOKENS
            and bool(tokens & DEV_NAME_TOKENS or any(_DEV_COMPONENT.match(d) for d in dirs)),
            is_management_command=any(
                a == "management" and b == "commands" for a, b in itertools.pairwise(lowered)
            ),
            is_migration="migrations" in dirs or "alembic" in dirs,
            is_views_module="views" in tokens or "views" in dirs,
        )

    @property
    def never_serves(self) -> bool:
        """Tests, management commands and migrations never serve a request."""
        return self.is_test or self.is_management_command or self.is_migration


@dataclass
class FunctionScope:
    """Names a function binds locally, and those it declares global or nonlocal."""

    local: set[str]
    global_: set[str]
    nonlocal_: set[str]


class Context:
    """Per-file facts. Filled by the engine's walk (the ``on_*`` handlers), then
    :meth:`finish` decides which functions serve requests."""

    def __init__(
        self, tree: ast.Module, filename: str, settings: Settings, lines: Sequence[str] = ()
    ) -> None:
        self.tree = tree
        self.lines = lines
        self.filename = filename
        self.settings = settings
        self.path = PathFacts.from_filename(filename)
        self.aliases: dict[str, str] = {}
        self.imported_packages: set[str] = set()
        self.functions: list[FunctionNode] = []
        self.function_parent: dict[int, FunctionNode | None] = {}
        self.method_class: dict[int, ast.ClassDef] = {}
        self.classes: dict[str, ast.ClassDef] = {}
        self.calls_by_function: dict[int, list[ast.Call]] = {}
        self.registered_handler_names: set[str] = set()
        self._registrar_calls: list[ast.Call] = []
        self._qualified: dict[int, str | None] = {}
        self.guarded_spans = LineSpans()
        self.main_guard_spans = LineSpans()
        self._serving: set[int] = set()
        self._serving_memo: dict[int, bool] = {}
        self._scopes: dict[int, FunctionScope] = {}
        self._class_kinds: dict[int, str | None] = {}
        self._all_classes: list[ast.ClassDef] = []
        self._mutating_methods: dict[int, set[str]] = {}
        self._instance_attributes: dict[int, set[str]] = {}
        self.rule_memo: dict[tuple[str, int], object] = {}
        """Answers a rule family computes once per file and reuses, keyed by what they
        are and the id of the node they are about (see ``rules/files/common.py``)."""
        self._parents: dict[int, dict[int, ast.AST]] = {}
        self._own_nodes: dict[int, list[ast.AST]] = {}

    # ----------------------------------------------------------------- walk handlers
    def handlers(self) -> dict[type[ast.AST], Callable[[ast.AST, FunctionNode | None], None]]:
        """Node type -> handler the engine calls during its walk."""
        on_function: Callable[[ast.AST, FunctionNode | None], None] = self._on_function
        return {
            ast.Import: self._on_import,
            ast.ImportFrom: self._on_import_from,
            ast.FunctionDef: on_function,
            ast.AsyncFunctionDef: on_function,
            ast.ClassDef: self._on_class,
            ast.If: self._on_if,
            ast.Call: self._on_call,
        }

    def _on_import(self, node: ast.AST, owner: FunctionNode | None) -> None:
        assert isinstance(node, ast.Import)
        for alias in node.names:
            top = alias.name.partition(".")[0]
            self.imported_packages.add(top)
            if alias.asname:
                self.aliases[alias.asname] = alias.name
            else:
                self.aliases.setdefault(top, top)

    def _on_import_from(self, node: ast.AST, owner: FunctionNode | None) -> None:
        assert isinstance(node, ast.ImportFrom)
        module = "." * node.level + (node.module or "")
        if node.level == 0 and node.module:
            self.imported_packages.add(node.module.partition(".")[0])
        prefix = module if module.endswith(".") else module + "."
        for alias in node.names:
            if alias.name != "*":
                self.aliases[alias.asname or alias.name] = prefix + alias.name

    def _on_function(self, node: ast.AST, owner: FunctionNode | None) -> None:
        assert isinstance(node, FUNCTION_TYPES)
        self.functions.append(node)
        self.function_parent[id(node)] = owner

    def _on_class(self, node: ast.AST, owner: FunctionNode | None) -> None:
        assert isinstance(node, ast.ClassDef)
        self._all_classes.append(node)
        if owner is None or node.name not in self.classes:
            self.classes[node.name] = node
        for statement in node.body:
            if isinstance(statement, FUNCTION_TYPES):
                self.method_class[id(statement)] = node
        words = {w.lower() for w in _CAMEL_WORDS.findall(node.name)}
        if words & DEV_NAME_TOKENS and node.body:
            self.guarded_spans.append(_line_span(node.body))

    def _on_if(self, node: ast.AST, owner: FunctionNode | None) -> None:
        assert isinstance(node, ast.If)
        if owner is None and _is_main_guard(node.test):
            self.main_guard_spans.append(_line_span(node.body))
            return
        branch = _debug_branch(node.test)
        if branch == "body":
            self.guarded_spans.append(_line_span(node.body))
        elif branch == "orelse" and node.orelse:
            self.guarded_spans.append(_line_span(node.orelse))

    def _on_call(self, node: ast.AST, owner: FunctionNode | None) -> None:
        assert isinstance(node, ast.Call)
        if owner is not None:
            self.calls_by_function.setdefault(id(owner), []).append(node)
        func = node.func
        last = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if last in _REGISTRAR_LAST_NAMES:
            # resolved in finish(): the walk may reach a call before the imports
            self._registrar_calls.append(node)

    def _register_endpoints(self) -> None:
        """Functions handed to ``Route(...)``, ``app.add_url_rule(...)``, ``web.get(...)``
        and the like serve requests."""
        for call in self._registrar_calls:
            func = call.func
            if (
                not (
                    isinstance(func, ast.Attribute)
                    and func.attr in frameworks.ENDPOINT_REGISTRAR_METHODS
                )
                and self.qualified_name(func) not in frameworks.ENDPOINT_REGISTRARS
            ):
                continue
            for argument in [*call.args, *(k.value for k in call.keywords)]:
                if isinstance(argument, ast.Name):
                    self.registered_handler_names.add(argument.id)

    @cached_property
    def text(self) -> str:
        """The module's source text, for cheap "is this word anywhere" questions."""
        return "".join(self.lines)

    @cached_property
    def excerpts(self) -> Excerpts:
        """The user's code as written, for messages (see ``excerpts.py``)."""
        return Excerpts(self.lines)

    @cached_property
    def method_calls_by_receiver(self) -> dict[tuple[str, str], list[FunctionNode]]:
        """``(name, method)`` -> the functions calling ``name.method(...)``: "does any other
        function pop this queue" answered from one index, not a scan per question."""
        index: dict[tuple[str, str], list[FunctionNode]] = {}
        for function in self.functions:
            for call in self.calls_by_function.get(id(function), ()):
                func = call.func
                if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                    index.setdefault((func.value.id, func.attr), []).append(function)
        return index

    # ------------------------------------------------------------------ names
    def qualified_name(self, node: ast.AST) -> str | None:
        """The dotted name of ``node`` with its head resolved through the imports
        (``F`` -> ``flask.Flask`` after ``from flask import Flask as F``)."""
        key = id(node)
        if key in self._qualified:
            return self._qualified[key]
        name = dotted_name(node)
        if name is not None:
            head, dot, rest = name.partition(".")
            resolved = self.aliases.get(head)
            if resolved is not None:
                name = resolved + dot + rest
        self._qualified[key] = name
        return name

    def is_imported(self, name: str) -> bool:
        """Whether the head of a dotted name was bound by an import."""
        return name.partition(".")[0] in self.aliases

    @cached_property
    def imports_web_framework(self) -> bool:
        """Whether the module imports a web or task framework (it is app code)."""
        return bool(self.imported_packages & frameworks.WEB_PACKAGES)

    @cached_property
    def module_bindings(self) -> dict[str, list[ast.AST]]:
        """Everything bound to each module-level name, in order: assigned values, and
        the import, ``def`` or ``class`` statements binding it. Top-level ``if``/``try``/
        ``with`` bodies count (a backend chosen at import time has several bindings);
        ``__main__`` blocks do not."""
        bindings: dict[str, list[ast.AST]] = {}
        pending: list[ast.stmt] = list(reversed(self.tree.body))
        while pending:
            statement = pending.pop()
            if isinstance(statement, ast.Assign):
                for target in statement.targets:
                    if isinstance(target, ast.Name):
                        bindings.setdefault(target.id, []).append(statement.value)
            elif isinstance(statement, ast.AnnAssign):
                if isinstance(statement.target, ast.Name) and statement.value is not None:
                    bindings.setdefault(statement.target.id, []).append(statement.value)
            elif isinstance(statement, (ast.Import, ast.ImportFrom)):
                for alias in statement.names:
                    bound = (alias.asname or alias.name).partition(".")[0]
                    bindings.setdefault(bound, []).append(statement)
            elif isinstance(statement, (*FUNCTION_TYPES, ast.ClassDef)):
                bindings.setdefault(statement.name, []).append(statement)
            elif isinstance(statement, ast.If):
                if not _is_main_guard(statement.test):
                    pending.extend(reversed(statement.body + statement.orelse))
            elif isinstance(statement, ast.Try):
                blocks = [*statement.body, *statement.orelse, *statement.finalbody]
                for handler in statement.handlers:
                    blocks.extend(handler.body)
                pending.extend(reversed(blocks))
            elif isinstance(statement, ast.With):
                pending.extend(reversed(statement.body))
        return bindings

    @cached_property
    def module_values(self) -> dict[str, ast.expr]:
        """The last value assigned to each module-level name (see ``module_bindings``)."""
        values: dict[str, ast.expr] = {}
        for name, bound in self.module_bindings.items():
            for value in bound:
                if isinstance(value, ast.expr):
                    values[name] = value
        return values

    def module_mutable_kind(self, name: str) -> str | None:
        """The container kind of a module-level name when every binding of it is a
        mutable container; None when any binding is something else (a Redis-backed
        dict chosen by configuration, an import, a function)."""
        kind = None
        for value in self.module_bindings.get(name, ()):
            kind = self.mutable_kind(value)
            if kind is None:
                return None
        return kind

    def mutable_kind(self, value: ast.AST) -> str | None:
        """What kind of mutable container ``value`` builds (``dict``, ``deque``...), the
        class name plus " instance" for a local class holding such, else None."""
        if isinstance(value, (ast.Dict, ast.DictComp)):
            return "dict"
        if isinstance(value, (ast.List, ast.ListComp)):
            return "list"
        if isinstance(value, (ast.Set, ast.SetComp)):
            return "set"
        if not isinstance(value, ast.Call):
            return None
        name = self.qualified_name(value.func)
        if name is None:
            return None
        kind = MUTABLE_CONSTRUCTORS.get(name)
        if kind is not None:
            return kind
        local_class = self.classes.get(name)
        if local_class is not None and self.class_holds_mutable_state(local_class):
            return f"{local_class.name} instance"
        return None

    # ------------------------------------------------------------------ classes
    def class_attribute(self, cls: ast.ClassDef, attr: str) -> tuple[ast.ClassDef, ast.expr] | None:
        """The class-level value of ``attr`` on ``cls`` or a base defined in this module."""
        seen: set[int] = set()
        pending = [cls]
        while pending:
            current = pending.pop(0)
            if id(current) in seen:
                continue
            seen.add(id(current))
            for statement in current.body:
                if isinstance(statement, ast.Assign):
                    if any(isinstance(t, ast.Name) and t.id == attr for t in statement.targets):
                        return current, statement.value
                elif (
                    isinstance(statement, ast.AnnAssign)
                    and isinstance(statement.target, ast.Name)
                    and statement.target.id == attr
                    and statement.value is not None
                ):
                    return current, statement.value
            pending.extend(self.local_bases(current))
        return None

    def local_bases(self, cls: ast.ClassDef) -> list[ast.ClassDef]:
        """Base classes of ``cls`` that are defined in this module."""
        return [
            self.classes[base.id]
            for base in cls.bases
            if isinstance(base, ast.Name)
            and base.id in self.classes
            and self.classes[base.id] is not cls
        ]

    def local_ancestors(self, cls: ast.ClassDef) -> list[ast.ClassDef]:
        """Every base class of ``cls``, transitively, that is defined in this module."""
        found: list[ast.ClassDef] = []
        seen = {id(cls)}
        pending = self.local_bases(cls)
        while pending:
            base = pending.pop()
            if id(base) not in seen:
                seen.add(id(base))
                found.append(base)
                pending.extend(self.local_bases(base))
        return found

    def is_value_class(self, cls: ast.ClassDef) -> bool:
        """Pydantic models, dataclasses, enums... whose class-level defaults are copied
        per instance or are not state at all (the class itself or a local ancestor)."""
        for current in [cls, *self.local_ancestors(cls)]:
            for decorator in current.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                if self.qualified_name(target) in VALUE_CLASS_DECORATORS:
                    return True
            if any(self.qualified_name(base) in VALUE_CLASS_BASES for base in current.bases):
                return True
        return False

    def class_holds_mutable_state(self, cls: ast.ClassDef) -> bool:
        """Whether instances of ``cls`` carry mutable containers (class-level or set on
        ``self`` in ``__init__``)."""
        for statement in cls.body:
            if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value:
                if _literal_mutable(statement.value) or self._is_mutable_call(statement.value):
                    return True
            elif isinstance(statement, FUNCTION_TYPES) and statement.name == "__init__":
                for node in statements_of(statement):
                    if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value:
                        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                        on_self = any(_is_self_attribute(t) for t in targets)
                        if on_self and (
                            _literal_mutable(node.value) or self._is_mutable_call(node.value)
                        ):
                            return True
        return False

    def _is_mutable_call(self, value: ast.expr) -> bool:
        return (
            isinstance(value, ast.Call) and self.qualified_name(value.func) in MUTABLE_CONSTRUCTORS
        )

    def mutating_methods(self, cls: ast.ClassDef) -> set[str]:
        """Methods of ``cls`` (besides ``__init__``) that change state held on ``self``."""
        known = self._mutating_methods.get(id(cls))
        if known is not None:
            return known
        names: set[str] = set()
        for statement in cls.body:
            if not isinstance(statement, FUNCTION_TYPES) or statement.name == "__init__":
                continue
            if any(_mutates_self(node) for node in statements_of(statement)):
                names.add(statement.name)
        self._mutating_methods[id(cls)] = names
        return names

    def instance_attributes(self, cls: ast.ClassDef) -> set[str]:
        """Attributes that some method of ``cls`` (or of a local base) assigns on
        ``self``: each instance's own, shadowing any class-level default."""
        known = self._instance_attributes.get(id(cls))
        if known is not None:
            return known
        names: set[str] = set()
        for current in [cls, *self.local_bases(cls)]:
            for statement in current.body:
                if not isinstance(statement, FUNCTION_TYPES):
                    continue
                for node in statements_of(statement):
                    if isinstance(node, ast.Assign):
                        targets: list[ast.expr] = node.targets
                    elif isinstance(node, ast.AnnAssign) and node.value is not None:
                        targets = [node.target]
                    else:
                        continue
                    names.update(t.attr for t in targets if _is_self_attribute(t))
        self._instance_attributes[id(cls)] = names
        return names

    # ------------------------------------------------------------------ scopes
    def scope(self, function: FunctionNode) -> FunctionScope:
        """Local, global and nonlocal names of ``function`` (not of nested scopes)."""
        known = self._scopes.get(id(function))
        if known is not None:
            return known
        arguments = function.args
        local = {a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]}
        for extra in (arguments.vararg, arguments.kwarg):
            if extra is not None:
                local.add(extra.arg)
        global_: set[str] = set()
        nonlocal_: set[str] = set()
        pending: list[ast.AST] = list(function.body)
        while pending:
            node = pending.pop()
            kind = node.__class__
            if kind is ast.Name:
                if node.ctx.__class__ is not ast.Load:  # type: ignore[attr-defined]
                    local.add(node.id)  # type: ignore[attr-defined]
                continue
            if kind in _NESTED_SCOPES:
                if kind in _NAMED_SCOPES:
                    local.add(node.name)  # type: ignore[attr-defined]
                continue
            if kind is ast.Global:
                global_.update(node.names)  # type: ignore[attr-defined]
            elif kind is ast.Nonlocal:
                nonlocal_.update(node.names)  # type: ignore[attr-defined]
            elif kind is ast.Import or kind is ast.ImportFrom:
                for alias in node.names:  # type: ignore[attr-defined]
                    local.add((alias.asname or alias.name).partition(".")[0])
            elif kind is ast.ExceptHandler and node.name:  # type: ignore[attr-defined]
                local.add(node.name)  # type: ignore[attr-defined]
            _extend_with_children(pending, node)
        scope = FunctionScope(local - global_ - nonlocal_, global_, nonlocal_)
        self._scopes[id(function)] = scope
        return scope

    def binds_locally(self, function: FunctionNode, name: str) -> bool:
        """Whether ``name`` inside ``function`` (or the functions enclosing it, for
        closures) is a local variable rather than the module-level one."""
        current: FunctionNode | None = function
        while current is not None:
            scope = self.scope(current)
            if name in scope.global_:
                return False
            if name in scope.local or name in scope.nonlocal_:
                return True
            current = self.function_parent.get(id(current))
        return False

    def binding_function(self, function: FunctionNode, name: str) -> FunctionNode | None:
        """The enclosing function that owns ``name`` for a ``nonlocal`` in ``function``."""
        current = self.function_parent.get(id(function))
        while current is not None:
            if name in self.scope(current).local:
                return current
            current = self.function_parent.get(id(current))
        return None

    # ------------------------------------------------------------------ guards
    def is_guarded(self, node: ast.AST) -> bool:
        """Whether ``node`` sits under a debug/development switch or in a config class
        named for tests or development (never production configuration)."""
        return self.is_guarded_line(getattr(node, "lineno", 0))

    def is_guarded_line(self, line: int) -> bool:
        return line in self.guarded_spans

    def parents(self, function: FunctionNode) -> dict[int, ast.AST]:
        """``id(node)`` -> parent for the nodes of ``function``'s own body (lambdas and
        comprehensions included, nested functions and classes not). Built on first use,
        once per function: rules asking "what is done with this call's result" share it."""
        known = self._parents.get(id(function))
        if known is not None:
            return known
        parents: dict[int, ast.AST] = {}
        pending: list[ast.AST] = list(function.body)
        for statement in function.body:
            parents[id(statement)] = function
        while pending:
            node = pending.pop()
            if isinstance(node, (*FUNCTION_TYPES, ast.ClassDef)):
                continue
            for child in ast.iter_child_nodes(node):
                parents[id(child)] = node
                pending.append(child)
        self._parents[id(function)] = parents
        return parents

    def own_nodes(self, function: FunctionNode) -> list[ast.AST]:
        """``statements_of(function)`` as a list built once per function, for rules that
        look at a function's code again for each candidate call in it."""
        known = self._own_nodes.get(id(function))
        if known is None:
            known = self._own_nodes[id(function)] = list(statements_of(function))
        return known

    def in_main_guard(self, node: ast.AST) -> bool:
        """Whether ``node`` sits in an ``if __name__ == "__main__":`` block."""
        line = getattr(node, "lineno", 0)
        return line in self.main_guard_spans

    def from_environment(self, node: ast.AST) -> bool:
        """Whether an expression reads its value from the environment or a settings
        helper (``os.environ``, ``os.getenv``, ``env(...)``, ``config(...)``)."""
        for part in ast.walk(node):
            if isinstance(part, (ast.Name, ast.Attribute)):
                name = self.qualified_name(part) or ""
                head = name.partition(".")[0]
                if "environ" in name or "getenv" in name or head in {"env", "config", "decouple"}:
                    return True
        return False

    # ------------------------------------------------------------ request scope
    def finish(self) -> None:
        """Decide which functions serve requests: handlers, then what they call in this
        module, up to ``settings.call_depth`` calls deep."""
        if self.path.never_serves:
            return
        self._register_endpoints()
        frontier = [f for f in self.functions if self._is_handler(f)]
        self._serving = {id(f) for f in frontier}
        by_name = self._functions_by_name()
        children: dict[int, list[FunctionNode]] = {}
        for function in self.functions:
            parent = self.function_parent.get(id(function))
            if parent is not None:
                children.setdefault(id(parent), []).append(function)
        for _ in range(self.settings.call_depth):
            reached: list[FunctionNode] = []
            for function in self._with_nested(frontier, children):
                for call in self.calls_by_function.get(id(function), ()):
                    for callee in self._callees(call, function, by_name):
                        if id(callee) not in self._serving and not _is_entry_point(callee):
                            self._serving.add(id(callee))
                            reached.append(callee)
            if not reached:
                break
            frontier = reached

    @property
    def has_request_serving_code(self) -> bool:
        return bool(self._serving)

    def is_request_serving(self, function: FunctionNode | None) -> bool:
        """Whether code in ``function`` runs while serving a request (or a task)."""
        if function is None or not self._serving:
            return False
        key = id(function)
        known = self._serving_memo.get(key)
        if known is not None:
            return known
        current: FunctionNode | None = function
        result = False
        while current is not None:
            if id(current) in self._serving:
                result = True
                break
            current = self.function_parent.get(id(current))
        self._serving_memo[key] = result
        return result

    def _with_nested(
        self, functions: list[FunctionNode], children: dict[int, list[FunctionNode]]
    ) -> Iterator[FunctionNode]:
        pending = list(functions)
        while pending:
            function = pending.pop()
            yield function
            pending.extend(children.get(id(function), ()))

    def _functions_by_name(self) -> dict[tuple[int, str], FunctionNode]:
        """(id of enclosing function or class, or 0 for the module; name) -> function."""
        index: dict[tuple[int, str], FunctionNode] = {}
        for function in self.functions:
            cls = self.method_class.get(id(function))
            parent = self.function_parent.get(id(function))
            scope = id(cls) if cls is not None else id(parent) if parent is not None else 0
            index.setdefault((scope, function.name), function)
        return index

    def _callees(
        self,
        call: ast.Call,
        caller: FunctionNode,
        by_name: dict[tuple[int, str], FunctionNode],
    ) -> Iterator[FunctionNode]:
        func = call.func
        if isinstance(func, ast.Name):
            current: FunctionNode | None = caller
            while current is not None:
                found = by_name.get((id(current), func.id))
                if found is not None:
                    yield found
                    return
                current = self.function_parent.get(id(current))
            found = by_name.get((0, func.id))
            if found is not None:
                yield found
                return
            cls = self.classes.get(func.id)
            if cls is not None:
                yield from self._methods_named(cls, "__init__", by_name)
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            receiver = func.value.id
            if receiver in {"self", "cls"}:
                cls = self.enclosing_class(caller)
            else:
                cls = self.classes.get(receiver)
            if cls is not None:
                yield from self._methods_named(cls, func.attr, by_name)

    def _methods_named(
        self, cls: ast.ClassDef, name: str, by_name: dict[tuple[int, str], FunctionNode]
    ) -> Iterator[FunctionNode]:
        for current in [cls, *self.local_bases(cls)]:
            found = by_name.get((id(current), name))
            if found is not None:
                yield found
                return

    def enclosing_class(self, function: FunctionNode) -> ast.ClassDef | None:
        """The class whose method ``function`` is (or is nested in)."""
        current: FunctionNode | None = function
        while current is not None:
            cls = self.method_class.get(id(current))
            if cls is not None:
                return cls
            current = self.function_parent.get(id(current))
        return None

    def _is_handler(self, function: FunctionNode) -> bool:
        if any(self._is_handler_decorator(d) for d in function.decorator_list):
            return True
        if function.name in self.registered_handler_names:
            return True
        cls = self.method_class.get(id(function))
        if cls is not None:
            kind = self.class_kind(cls)
            return kind is not None and _serves_as_method(kind, function.name)
        if self.path.is_views_module and self.function_parent.get(id(function)) is None:
            positional = [*function.args.posonlyargs, *function.args.args]
            return bool(positional) and positional[0].arg == "request"
        return False

    def _is_handler_decorator(self, decorator: ast.expr) -> bool:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        raw = dotted_name(target)
        if raw is None:
            return False
        qualified = self.qualified_name(target) or raw
        if qualified in frameworks.HANDLER_DECORATORS:
            return True
        for pattern in self.settings.handler_decorators:
            if fnmatch.fnmatchcase(raw, pattern) or fnmatch.fnmatchcase(qualified, pattern):
                return True
        if not isinstance(target, ast.Attribute):
            return False
        method = target.attr
        if method not in frameworks.HANDLER_DECORATOR_METHODS:
            return False
        return self._is_app_object(target.value, method)

    def _is_app_object(self, receiver: ast.expr, method: str) -> bool:
        """Whether ``receiver`` in ``@receiver.method`` is a framework app, router,
        Socket.IO server or task app, by its binding or, unresolved, by its name."""
        raw = dotted_name(receiver)
        if raw is None:
            return False
        if isinstance(receiver, ast.Name):
            value = self.module_values.get(receiver.id)
            if isinstance(value, ast.Call):
                constructor = self.qualified_name(value.func) or ""
                if constructor in frameworks.APP_CLASSES:
                    return True
                if self.is_imported(constructor) and method in (
                    frameworks.AMBIGUOUS_DECORATOR_METHODS
                ):
                    return False
            elif value is not None and method in frameworks.AMBIGUOUS_DECORATOR_METHODS:
                return False
        if method in {"on", "event"}:
            lowered = raw.lower()
            return any(hint in lowered for hint in frameworks.SOCKET_RECEIVER_HINTS)
        return True

    def class_kind(self, cls: ast.ClassDef) -> str | None:
        """Which kind of request-serving class ``cls`` is (see ``frameworks``), if any."""
        if not self._class_kinds:
            self._class_kinds[0] = None  # computed, even for a module without classes
            # a base class is defined before its subclasses: one pass in source order
            # settles every local inheritance chain without recursion
            for local in sorted(self._all_classes, key=lambda c: (c.lineno, c.col_offset)):
                self._class_kinds[id(local)] = self._class_kind_of(local)
        return self._class_kinds.get(id(cls))

    def _class_kind_of(self, cls: ast.ClassDef) -> str | None:
        """The kind from ``cls``'s own bases; local bases already have theirs."""
        for base in cls.bases:
            qualified = self.qualified_name(base)
            if qualified is None:
                continue
            kind = frameworks.CLASS_KIND_BY_BASE.get(qualified)
            if kind is not None:
                return kind
            if qualified.startswith(("django.views.generic.", "django.contrib.auth.views.")):
                return "django"
            if qualified.startswith(("rest_framework.generics.", "rest_framework.viewsets.")):
                return "drf"
            local = self.classes.get(qualified)
            if local is not None and local is not cls:
                kind = self._class_kinds.get(id(local))
                if kind is not None:
                    return kind
                continue
            package = qualified.partition(".")[0]
            if package in frameworks.WEB_PACKAGES or package in sys.stdlib_module_names:
                continue  # a framework or standard-library class we do not list is not a view
            last = qualified.rpartition(".")[2]
            for suffix, suffix_kind in frameworks.BASE_NAME_SUFFIX_KINDS:
                if last.endswith(suffix):
                    return suffix_kind
        if "falcon" in self.imported_packages and any(
            isinstance(s, FUNCTION_TYPES) and _FALCON_RESPONDER.match(s.name) for s in cls.body
        ):
            return "falcon"
        return None


# ---------------------------------------------------------------------- helpers
def _serves_as_method(kind: str, name: str) -> bool:
    if kind == "consumer":
        return not name.startswith("__")
    if kind == "on_methods":
        return name.startswith("on_")
    if kind == "falcon":
        return bool(_FALCON_RESPONDER.match(name))
    return name in frameworks.REQUEST_METHODS_BY_KIND.get(kind, frozenset())


def _is_entry_point(function: FunctionNode) -> bool:
    return function.name in frameworks.NON_REQUEST_FUNCTION_NAMES


def _is_main_guard(test: ast.expr) -> bool:
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and len(test.comparators) == 1
        and string_value(test.comparators[0]) == "__main__"
    )


def _flag_name(node: ast.AST) -> str | None:
    """The identifier a switch reads: ``DEBUG``, ``settings.DEBUG``, ``config["DEBUG"]``,
    ``os.environ.get("DEBUG")``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Subscript):
        return string_value(node.slice)
    if isinstance(node, ast.Call):
        for argument in node.args:
            value = string_value(argument)
            if value is not None:
                return value
    return None


_SWITCH_DEPTH = 8
"""How deeply nested a debug switch may be (``not``s, ``and`` groups): real switches are
shallow, and a bound keeps generated or pathological code from exhausting the stack."""


def debug_branch(test: ast.expr) -> str | None:
    """Which branch of ``if test:`` (or ``a if test else b``) only runs in debug or
    development: "body", "orelse" or None."""
    return _debug_branch(test)


def _debug_branch(test: ast.expr, depth: int = 0) -> str | None:
    """Which branch of ``if test:`` is debug/development-only: "body", "orelse" or None."""
    negated = False
    while isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        negated = not negated
        test = test.operand
    if negated:
        inner = _debug_branch(test, depth)
        return {"body": "orelse", "orelse": "body"}.get(inner or "")
    if isinstance(test, ast.BoolOp):
        if depth >= _SWITCH_DEPTH or not isinstance(test.op, ast.And):
            return None
        if any(_debug_branch(v, depth + 1) == "body" for v in test.values):
            return "body"
        return None
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        op = test.ops[0]
        operands = [test.left, test.comparators[0]]
        values = {string_value(o) for o in operands} - {None}
        lowered = {v.lower() for v in values if v is not None}
        positive = isinstance(op, (ast.Eq, ast.In, ast.Is))
        negative = isinstance(op, (ast.NotEq, ast.NotIn, ast.IsNot))
        if lowered & DEV_VALUES:
            return "body" if positive else "orelse" if negative else None
        if lowered & PROD_VALUES:
            return "orelse" if positive else "body" if negative else None
        truthy = any(isinstance(o, ast.Constant) and o.value is True for o in operands)
        if truthy and any((_flag_name(o) or "").lower() in DEBUG_FLAG_NAMES for o in operands):
            return "body" if positive else "orelse" if negative else None
        return None
    name = _flag_name(test)
    if name is not None and name.lower() in DEBUG_FLAG_NAMES:
        return "body"
    return None


def _literal_mutable(value: ast.AST) -> bool:
    return isinstance(value, (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp))


def _is_self_attribute(node: ast.AST) -> TypeGuard[ast.Attribute]:
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    )


def statements_of(function: FunctionNode) -> Iterator[ast.AST]:
    """Nodes of ``function``'s own body, not of nested functions or classes."""
    pending: list[ast.AST] = list(function.body)
    while pending:
        node = pending.pop()
        yield node
        if node.__class__ not in _OPAQUE_TO_STATEMENTS:
            _extend_with_children(pending, node)


_NAMED_SCOPES = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef})
_NESTED_SCOPES = _NAMED_SCOPES | {
    ast.Lambda,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
}
_OPAQUE_TO_STATEMENTS = _NAMED_SCOPES | {ast.Lambda}


def _extend_with_children(pending: list[ast.AST], node: ast.AST) -> None:
    """``pending.extend(ast.iter_child_nodes(node))`` without its two generators: this
    runs for every node of every function a rule asks about."""
    push = pending.append
    for field in node._fields:
        value = getattr(node, field, None)
        if value.__class__ is list:
            for item in value:
                if isinstance(item, ast.AST):
                    push(item)
        elif isinstance(value, ast.AST):
            push(value)


def _mutates_self(node: ast.AST) -> bool:
    """Whether a statement or call changes something reached through ``self``."""
    targets: list[ast.AST] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        targets = [node.target]
    elif isinstance(node, ast.Delete):
        targets = list(node.targets)
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in MUTATING_METHODS
    ):
        targets = [node.func.value]
    for target in targets:
        if isinstance(target, (ast.Attribute, ast.Subscript)):
            root = root_name(target)
            if root is not None and root.id == "self":
                return True
    return False


def mutation_sites(node: ast.AST) -> Iterator[tuple[ast.expr, ast.expr]]:
    """(container changed in place, expression reported) for a statement or call:
    ``c[k] = v`` / ``del c[k]`` / ``c[k] += 1`` / ``c.attr = v`` give ``c``;
    ``c.append(x)`` gives ``c``. Plain name rebinding is not a mutation."""
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        pending = list(node.targets)
        while pending:
            target = pending.pop()
            if isinstance(target, (ast.Tuple, ast.List)):
                pending.extend(target.elts)
            elif isinstance(target, ast.Starred):
                pending.append(target.value)
            else:
                targets.append(target)
    elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        if not isinstance(node, ast.AnnAssign) or node.value is not None:
            targets = [node.target]
    elif isinstance(node, ast.Delete):
        targets = list(node.targets)
    elif isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in MUTATING_METHODS:
            yield func.value, node
        return
    for target in targets:
        if isinstance(target, (ast.Subscript, ast.Attribute)):
            yield target.value, target
