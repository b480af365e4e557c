"""Facts about one module: imports and qualified names, every binding of a module-level
name, classes and their attributes, function scopes, call sites, guarded spans.

Gathered during the engine's single walk (the ``_on_*`` handlers) and answered lazily,
each at most once per node. No rule knowledge and no request scope here: the scope
layer decides what serves requests, the rules decide what is wrong.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from flake8_stateless import frameworks
from flake8_stateless.conventions import DEV_NAME_TOKENS, camel_words
from flake8_stateless.semantic.paths import PathFacts
from flake8_stateless.semantic.switches import debug_branch
from flake8_stateless.semantic.syntax import (
    CHILD_FIELDS,
    FUNCTION_TYPES,
    MUTABLE_CONSTRUCTORS,
    NAMED_SCOPES,
    NESTED_SCOPES,
    VALUE_CLASS_BASES,
    VALUE_CLASS_DECORATORS,
    FunctionNode,
    FunctionScope,
    LineSpans,
    child_fields,
    dotted_name,
    is_main_guard,
    is_self_attribute,
    line_span,
    literal_mutable,
    mutates_self,
    statements_of,
)
from flake8_stateless.semantic.values import Value, ValueFollower, Values, reads_environment

REGISTRAR_LAST_NAMES = (
    frozenset(name.rpartition(".")[2] for name in frameworks.ENDPOINT_REGISTRARS)
    | frameworks.ENDPOINT_REGISTRAR_METHODS
)
"""Last names of calls that may register a handler (``add_url_rule``, ``Route``)."""

Handler = Callable[[ast.AST, "FunctionNode | None"], None]

_OPAQUE = NAMED_SCOPES | {ast.Lambda}
"""Nodes whose insides ``statements_of`` does not visit: their code is their own."""
_COMPREHENSIONS = NESTED_SCOPES - _OPAQUE
"""Visited by ``statements_of`` (their code runs in the function), but their names are
their own."""
_DEFINITIONS = (*FUNCTION_TYPES, ast.ClassDef)
MAX_IF_NESTING = 200
"""How many enclosing statements ``enclosing_ifs`` climbs: a bound keeps odd code cheap."""

_LEFT_COMPREHENSION = ast.Pass()
"""Marks, on the pending stack, the end of a comprehension's nodes."""


@dataclass
class Qualnames:
    """Python-style qualified names of a module's functions and classes
    (``Store.save``, ``create_app.<locals>.index``), by node id."""

    by_id: dict[int, str] = field(default_factory=dict)

    @classmethod
    def of(cls, facts: ModuleFacts) -> Qualnames:
        names = cls()
        # the tree is walked top-down, so a parent's name is known before its children's
        pending: list[tuple[ast.AST, str]] = [(facts.tree, "")]
        while pending:
            node, prefix = pending.pop()
            for child in _scope_children(node):
                if isinstance(child, _DEFINITIONS):
                    name = prefix + child.name
                    names.by_id[id(child)] = name
                    inner = name + (".<locals>." if isinstance(child, FUNCTION_TYPES) else ".")
                    pending.append((child, inner))
        return names


def _scope_children(node: ast.AST) -> list[ast.AST]:
    """Function and class definitions directly in ``node``'s scope (through ``if``,
    ``try``, ``with``, loops, but not through other definitions)."""
    found: list[ast.AST] = []
    pending: list[ast.AST] = list(getattr(node, "body", []))
    if not isinstance(node, _DEFINITIONS):
        for extra in ("orelse", "finalbody", "handlers"):
            pending.extend(getattr(node, extra, []))
    while pending:
        current = pending.pop()
        if isinstance(current, _DEFINITIONS):
            found.append(current)
            continue
        cls = current.__class__
        fields = _BLOCK_FIELDS.get(cls)
        if fields is None:
            fields = _BLOCK_FIELDS[cls] = tuple(f for f in _BLOCKS if f in cls._fields)
        for name in fields:
            value = getattr(current, name, None)
            if isinstance(value, list):
                pending.extend(item for item in value if isinstance(item, ast.AST))
    return found


_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")
"""The fields of a statement that hold statements (or handlers and cases, which do)."""
_BLOCK_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {}
"""Per statement class, those of ``_BLOCKS`` it has."""


class ModuleFacts:
    """Per-file facts, filled by the engine's walk, then asked by scope and rules."""

    def __init__(self, tree: ast.Module, filename: str, lines: Sequence[str] = ()) -> None:
        self.tree = tree
        self.lines = lines
        self.filename = filename
        self.path = PathFacts.from_filename(filename)
        self.aliases: dict[str, str] = {}
        self.imported_packages: set[str] = set()
        self.functions: list[FunctionNode] = []
        self.function_parent: dict[int, FunctionNode | None] = {}
        self.method_class: dict[int, ast.ClassDef] = {}
        self.classes: dict[str, ast.ClassDef] = {}
        self.all_classes: list[ast.ClassDef] = []
        self.class_parent: dict[int, FunctionNode | None] = {}
        self.calls_by_function: dict[int, list[ast.Call]] = {}
        self.module_calls: list[ast.Call] = []
        """Calls made at import time (module level, class bodies, decorators, defaults)."""
        self.registrar_calls: list[ast.Call] = []
        """Calls whose name may register a handler (resolved by the handler scope once
        the imports are known: the walk may reach a call before them)."""
        self._qualified: dict[int, str | None] = {}
        self.guarded_spans = LineSpans()
        self.main_guard_spans = LineSpans()
        self._scopes: dict[int, FunctionScope] = {}
        self._mutating_methods: dict[int, set[str]] = {}
        self._instance_attributes: dict[int, set[str]] = {}
        self._instance_containers: dict[int, dict[str, str]] = {}
        self._class_level: dict[int, dict[str, ast.expr]] = {}
        self._value_classes: dict[int, bool] = {}
        self._binding_roles: dict[int, tuple[int, str]] = {}
        """id of a module-level value -> (id of its ``try``, "body" or "handler")."""
        self._parents: dict[int, dict[int, ast.AST]] = {}
        self._own_nodes: dict[int, list[ast.AST]] = {}

    # ----------------------------------------------------------------- walk handlers
    def handlers(self) -> dict[type[ast.AST], Handler]:
        """Node type -> handler the engine calls during its walk."""
        on_function: Handler = self._on_function
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
                self._alias(alias.asname, alias.name)
            elif top not in self.aliases or _stdlib_over_fallback(top, self.aliases[top]):
                self.aliases[top] = top

    def _alias(self, name: str, target: str) -> None:
        """Bind ``name`` to ``target``, except over a standard-library module with a
        Python 2 fallback (``try: import queue`` / ``except ImportError: import Queue as
        queue``): the walk may meet the fallback first."""
        known = self.aliases.get(name)
        if known is not None and _stdlib_over_fallback(known, target):
            return
        self.aliases[name] = target

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
        self.all_classes.append(node)
        self.class_parent[id(node)] = owner
        if owner is None or node.name not in self.classes:
            self.classes[node.name] = node
        for statement in node.body:
            if isinstance(statement, FUNCTION_TYPES):
                self.method_class[id(statement)] = node
        if camel_words(node.name) & DEV_NAME_TOKENS and node.body:
            self.guarded_spans.append(line_span(node.body))

    def _on_if(self, node: ast.AST, owner: FunctionNode | None) -> None:
        assert isinstance(node, ast.If)
        if owner is None and is_main_guard(node.test):
            self.main_guard_spans.append(line_span(node.body))
            return
        branch = debug_branch(node.test)
        if branch == "body":
            self.guarded_spans.append(line_span(node.body))
        elif branch == "orelse" and node.orelse:
            self.guarded_spans.append(line_span(node.orelse))

    def _on_call(self, node: ast.AST, owner: FunctionNode | None) -> None:
        assert isinstance(node, ast.Call)
        if owner is not None:
            self.calls_by_function.setdefault(id(owner), []).append(node)
        else:
            self.module_calls.append(node)
        func = node.func
        last = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if last in REGISTRAR_LAST_NAMES:
            self.registrar_calls.append(node)

    @cached_property
    def qualnames(self) -> Qualnames:
        """Python-style qualified names of this module's functions and classes."""
        return Qualnames.of(self)

    @cached_property
    def text(self) -> str:
        """The module's source text, for cheap "is this word anywhere" questions."""
        return "".join(self.lines)

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
        roles = self._binding_roles
        Role = tuple[int, str] | None
        pending: list[tuple[ast.stmt, Role]] = [(s, None) for s in reversed(self.tree.body)]
        while pending:
            statement, role = pending.pop()
            values: list[tuple[str, ast.AST]] = []
            if isinstance(statement, ast.Assign):
                values = [
                    (t.id, statement.value) for t in statement.targets if isinstance(t, ast.Name)
                ]
            elif isinstance(statement, ast.AnnAssign):
                if isinstance(statement.target, ast.Name) and statement.value is not None:
                    values = [(statement.target.id, statement.value)]
            elif isinstance(statement, (ast.Import, ast.ImportFrom)):
                values = [
                    ((alias.asname or alias.name).partition(".")[0], statement)
                    for alias in statement.names
                ]
            elif isinstance(statement, (*FUNCTION_TYPES, ast.ClassDef)):
                values = [(statement.name, statement)]
            elif isinstance(statement, ast.If):
                if not is_main_guard(statement.test):
                    pending.extend((s, role) for s in reversed(statement.body + statement.orelse))
            elif isinstance(statement, ast.Try):
                body = (id(statement), "body")
                blocks: list[tuple[ast.stmt, Role]] = [
                    *((s, body) for s in [*statement.body, *statement.orelse]),
                    *((s, role) for s in statement.finalbody),
                ]
                for handler in statement.handlers:
                    blocks.extend((s, (id(statement), "handler")) for s in handler.body)
                pending.extend(reversed(blocks))
            elif isinstance(statement, ast.With):
                pending.extend((s, role) for s in reversed(statement.body))
            for name, value in values:
                bindings.setdefault(name, []).append(value)
                if role is not None:
                    roles[id(value)] = role
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
        mutable container, or a call in a ``try`` whose ``except`` binds one; None when
        any binding is something else (a Redis-backed dict chosen by configuration, an
        import, a function)."""
        bound = self.module_bindings.get(name, ())
        kinds = [self.mutable_kind(value) for value in bound]
        if kinds and all(kinds):
            return kinds[-1]
        # ``try: X = json.load(f)`` / ``except OSError: X = {}``: the fallback says what
        # the loaded value is; every binding counts
        fallbacks = {
            self._binding_roles[id(v)][0]: kind
            for v, kind in zip(bound, kinds, strict=True)
            if kind is not None and self._binding_roles.get(id(v), (0, ""))[1] == "handler"
        }
        if not fallbacks:
            return None
        for value, kind in zip(bound, kinds, strict=True):
            if kind is None:
                role = self._binding_roles.get(id(value))
                if role is None or role[1] != "body" or role[0] not in fallbacks:
                    return None
                if not isinstance(value, ast.Call):
                    return None
        return next(iter(fallbacks.values()))

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
            value = self._class_level_values(current).get(attr)
            if value is not None:
                return current, value
            pending.extend(self.local_bases(current))
        return None

    def _class_level_values(self, cls: ast.ClassDef) -> dict[str, ast.expr]:
        """Name -> the first value the class body assigns to it (once per class)."""
        known = self._class_level.get(id(cls))
        if known is not None:
            return known
        values: dict[str, ast.expr] = {}
        for statement in cls.body:
            if isinstance(statement, ast.Assign):
                for target in statement.targets:
                    if isinstance(target, ast.Name):
                        values.setdefault(target.id, statement.value)
            elif (
                isinstance(statement, ast.AnnAssign)
                and isinstance(statement.target, ast.Name)
                and statement.value is not None
            ):
                values.setdefault(statement.target.id, statement.value)
        self._class_level[id(cls)] = values
        return values

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
        per instance or are not state at all (the class itself or a local ancestor).
        Memoised per class, bases first, so a long inheritance chain stays linear."""
        known = self._value_classes.get(id(cls))
        if known is not None:
            return known
        pending = [cls]
        waiting = {id(cls)}
        while pending:
            current = pending[-1]
            if id(current) in self._value_classes:
                pending.pop()
                continue
            bases = [
                b
                for b in self.local_bases(current)
                if id(b) not in self._value_classes and id(b) not in waiting
            ]
            if bases:
                pending.extend(bases)
                waiting.update(id(b) for b in bases)
                continue
            pending.pop()
            self._value_classes[id(current)] = self._is_value_class_itself(current) or any(
                self._value_classes.get(id(b), False) for b in self.local_bases(current)
            )
        return self._value_classes[id(cls)]

    def _is_value_class_itself(self, cls: ast.ClassDef) -> bool:
        for decorator in cls.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if self.qualified_name(target) in VALUE_CLASS_DECORATORS:
                return True
        return any(self.qualified_name(base) in VALUE_CLASS_BASES for base in cls.bases)

    def class_holds_mutable_state(self, cls: ast.ClassDef) -> bool:
        """Whether instances of ``cls`` carry mutable containers (class-level or set on
        ``self`` in ``__init__``)."""
        for statement in cls.body:
            if isinstance(statement, (ast.Assign, ast.AnnAssign)) and statement.value:
                if literal_mutable(statement.value) or self._is_mutable_call(statement.value):
                    return True
            elif isinstance(statement, FUNCTION_TYPES) and statement.name == "__init__":
                for node in statements_of(statement):
                    if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value:
                        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                        on_self = any(is_self_attribute(t) for t in targets)
                        if on_self and (
                            literal_mutable(node.value) or self._is_mutable_call(node.value)
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
            if any(mutates_self(node) for node in statements_of(statement)):
                names.add(statement.name)
        self._mutating_methods[id(cls)] = names
        return names

    def instance_attributes(self, cls: ast.ClassDef) -> set[str]:
        """Attributes that some method of ``cls`` (or of a local base) assigns on
        ``self``: each instance's own, shadowing any class-level default."""
        known = self._instance_attributes.get(id(cls))
        if known is None:
            known = self._read_instance_state(cls)[0]
        return known

    def instance_containers(self, cls: ast.ClassDef) -> dict[str, str]:
        """Attribute -> container kind for ``self.attr = {}`` (or ``[]``, ``set()``,
        ``defaultdict(...)``...) in a method of ``cls`` or of a local base: containers each
        instance holds. Computed once per class."""
        known = self._instance_containers.get(id(cls))
        if known is None:
            known = self._read_instance_state(cls)[1]
        return known

    def _read_instance_state(self, cls: ast.ClassDef) -> tuple[set[str], dict[str, str]]:
        """``instance_attributes`` and ``instance_containers`` of ``cls`` in one pass over
        the own nodes of its methods (and of its local bases' methods)."""
        names: set[str] = set()
        kinds: dict[str, str] = {}
        for current in [cls, *self.local_bases(cls)]:
            for statement in current.body:
                if not isinstance(statement, FUNCTION_TYPES):
                    continue
                for node in self.own_nodes(statement):
                    if isinstance(node, ast.Assign):
                        targets: list[ast.expr] = node.targets
                    elif isinstance(node, ast.AnnAssign) and node.value is not None:
                        targets = [node.target]
                    else:
                        continue
                    on_self = [t.attr for t in targets if is_self_attribute(t)]
                    if not on_self:
                        continue
                    names.update(on_self)
                    kind = self.mutable_kind(node.value)  # type: ignore[arg-type]
                    if kind is None or kind.endswith(" instance"):
                        continue
                    for attribute in on_self:
                        kinds.setdefault(attribute, kind)
        self._instance_attributes[id(cls)] = names
        self._instance_containers[id(cls)] = kinds
        return names, kinds

    def local_container_kind(self, function: FunctionNode, name: str) -> str | None:
        """The container kind of local variable ``name`` of ``function`` when every
        assignment to it there builds a container (``cache = {}`` in an app factory)."""
        kind = None
        for node in self.own_nodes(function):
            if isinstance(node, ast.Assign):
                if not any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                    continue
                value: ast.expr | None = node.value
            elif isinstance(node, ast.AnnAssign):
                if not (isinstance(node.target, ast.Name) and node.target.id == name):
                    continue
                value = node.value
            else:
                continue
            kind = self.mutable_kind(value) if value is not None else None
            if kind is None or kind.endswith(" instance"):
                return None
        return kind

    # ------------------------------------------------------------------ scopes
    def scope(self, function: FunctionNode) -> FunctionScope:
        """Local, global and nonlocal names of ``function`` (not of nested scopes)."""
        known = self._scopes.get(id(function))
        if known is not None:
            return known
        self._read_function(function)
        return self._scopes[id(function)]

    def _read_function(self, function: FunctionNode) -> None:
        """Fill ``own_nodes`` and ``scope`` of ``function`` in one pass over its body:
        the nodes in the order ``statements_of`` yields them, and the names bound in the
        function's own scope (not in comprehensions, lambdas or nested definitions, whose
        names are their own)."""
        local = _parameter_names(function.args)
        global_: set[str] = set()
        nonlocal_: set[str] = set()
        nodes: list[ast.AST] = []
        keep = nodes.append
        pending: list[ast.AST] = list(function.body)
        pop = pending.pop
        push = pending.append
        inner = 0
        """How many comprehensions the node is in: their names are not the function's."""
        name_class, load_class, constant_class = ast.Name, ast.Load, ast.Constant
        ast_class, fields_of = ast.AST, CHILD_FIELDS
        while pending:
            node = pop()
            if node is _LEFT_COMPREHENSION:
                inner -= 1
                continue
            keep(node)
            kind = node.__class__
            if kind is name_class:
                if not inner and node.ctx.__class__ is not load_class:  # type: ignore[attr-defined]
                    local.add(node.id)  # type: ignore[attr-defined]
                continue  # no children but its context marker
            if kind is constant_class:
                continue  # no child nodes
            if kind in _OPAQUE:
                if not inner and kind in NAMED_SCOPES:
                    local.add(node.name)  # type: ignore[attr-defined]
                continue
            if kind in _COMPREHENSIONS:
                push(_LEFT_COMPREHENSION)  # popped after everything inside it
                inner += 1
            elif not inner and kind in _BINDING_STATEMENTS:
                _bind_names(node, local, global_, nonlocal_)
            # ``extend_with_children``, inlined: this runs for every node of every function
            fields = fields_of.get(kind)
            if fields is None:
                fields = child_fields(kind)
            for name in fields:
                value = getattr(node, name, None)
                if value.__class__ is list:
                    for item in value:
                        if isinstance(item, ast_class):
                            push(item)
                elif isinstance(value, ast_class):
                    push(value)
        key = id(function)
        self._scopes[key] = FunctionScope(local - global_ - nonlocal_, global_, nonlocal_)
        self._own_nodes.setdefault(key, nodes)

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

    def enclosing_ifs(self, node: ast.AST, function: FunctionNode) -> Iterator[ast.If]:
        """The ``if`` statements ``node`` sits in (either branch, or the test), innermost
        first, up to ``function``. Bounded: statements nest shallowly."""
        parents = self.parents(function)
        current = parents.get(id(node))
        for _ in range(MAX_IF_NESTING):
            if current is None or current is function:
                return
            if isinstance(current, ast.If):
                yield current
            current = parents.get(id(current))

    def name_guards(self, node: ast.AST, function: FunctionNode) -> list[tuple[str, bool]]:
        """(name, falsy) for each ``if`` of ``function`` that ``node`` runs only when a
        name is set: in the body of ``if name is not None`` (falsy False) or ``if name``
        (falsy True), also as one operand of an ``and``; in the ``else`` of ``if name is
        None`` / ``if not name`` (also one operand of an ``or``)."""
        parents = self.parents(function)
        found: list[tuple[str, bool]] = []
        child: ast.AST = node
        current = parents.get(id(node))
        for _ in range(MAX_IF_NESTING):
            if current is None or current is function:
                break
            if isinstance(current, ast.If) and child is not current.test:
                # a statement of the ``else`` starts at or after its first line
                orelse = current.orelse
                if orelse and getattr(child, "lineno", 0) >= orelse[0].lineno:
                    found.extend(_set_names(current.test, ast.Or, ast.Is, negated=True))
                else:
                    found.extend(_set_names(current.test, ast.And, ast.IsNot, negated=False))
            child, current = current, parents.get(id(current))
        return found

    def own_nodes(self, function: FunctionNode) -> list[ast.AST]:
        """``statements_of(function)`` as a list built once per function, for rules that
        look at a function's code again for each candidate call in it."""
        known = self._own_nodes.get(id(function))
        if known is None:
            self._read_function(function)
            known = self._own_nodes[id(function)]
        return known

    def in_main_guard(self, node: ast.AST) -> bool:
        """Whether ``node`` sits in an ``if __name__ == "__main__":`` block."""
        line = getattr(node, "lineno", 0)
        return line in self.main_guard_spans

    def from_environment(self, node: ast.AST) -> bool:
        """Whether an expression reads its value from the environment or a settings
        helper (``os.environ``, ``os.getenv``, ``env(...)``, ``config(...)``)."""
        for part in ast.walk(node):
            if isinstance(part, (ast.Name, ast.Attribute)) and reads_environment(
                self.qualified_name(part) or ""
            ):
                return True
        return False

    # ------------------------------------------------------------------ values
    @cached_property
    def value_follower(self) -> ValueFollower:
        """Values followed through names (``semantic/values.py``), imported names asked
        of :meth:`imported_values`."""
        return ValueFollower(self, self.imported_values)

    def values(self, expr: ast.AST, function: FunctionNode | None) -> Values:
        """Every value ``expr``, written in ``function`` (None: at module level), may
        have: through module constants, local assignments, every binding of a name, and
        (from the context) names imported from the project's other modules."""
        return self.value_follower.values(expr, function)

    def strings(
        self, expr: ast.AST, function: FunctionNode | None, *, across_modules: bool = True
    ) -> list[str]:
        """The strings ``expr`` may be when deployed: a literal, or the known strings of
        the names, attributes and f-strings it goes through; none when the environment
        chooses (a setting read with ``os.environ.get(..., default)`` is the deployer's).
        ``across_modules=False``: only strings written in this module."""
        if isinstance(expr, ast.Constant):
            return [expr.value] if isinstance(expr.value, str) else []
        values = self.values(expr, function)
        if values.environment:
            return []
        return values.strings() if across_modules else values.here().strings()

    def elements(self, iterable: ast.AST, function: FunctionNode | None) -> Values:
        """The values a ``for`` loop over ``iterable`` gives its target."""
        return self.value_follower.elements(iterable, function)

    def imported_values(self, target: str) -> tuple[Value, ...]:
        """The values of a name imported from another module (its import target as
        written): unknown to one module's facts; the context asks the project."""
        return ()

    def enclosing_class(self, function: FunctionNode) -> ast.ClassDef | None:
        """The class whose method ``function`` is (or is nested in)."""
        current: FunctionNode | None = function
        while current is not None:
            cls = self.method_class.get(id(current))
            if cls is not None:
                return cls
            current = self.function_parent.get(id(current))
        return None


def _parameter_names(arguments: ast.arguments) -> set[str]:
    """The names a function's parameters bind in its scope."""
    local = {a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]}
    for extra in (arguments.vararg, arguments.kwarg):
        if extra is not None:
            local.add(extra.arg)
    return local


_BINDING_STATEMENTS = frozenset(
    {ast.Global, ast.Nonlocal, ast.Import, ast.ImportFrom, ast.ExceptHandler}
)
"""Nodes other than names and definitions that bind (or declare) names in a scope."""


def _bind_names(node: ast.AST, local: set[str], global_: set[str], nonlocal_: set[str]) -> None:
    """Adds the names a node of ``_BINDING_STATEMENTS`` binds or declares."""
    if isinstance(node, ast.Global):
        global_.update(node.names)
    elif isinstance(node, ast.Nonlocal):
        nonlocal_.update(node.names)
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        for alias in node.names:
            local.add((alias.asname or alias.name).partition(".")[0])
    elif isinstance(node, ast.ExceptHandler) and node.name:
        local.add(node.name)


def _stdlib_over_fallback(preferred: str, other: str) -> bool:
    """Whether ``preferred`` is a standard-library module and ``other`` is not (the
    Python 2 name of a fallback import)."""
    return (
        preferred.partition(".")[0] in sys.stdlib_module_names
        and other.partition(".")[0] not in sys.stdlib_module_names
    )


def _set_names(
    test: ast.expr, joined: type[ast.boolop], compared: type[ast.cmpop], *, negated: bool
) -> list[tuple[str, bool]]:
    """See ``ModuleFacts.name_guards``: the names ``test`` (or one operand of a
    ``joined`` chain) requires set, comparing with None by ``compared`` or testing the
    name itself (under ``not`` when ``negated``)."""
    chained = isinstance(test, ast.BoolOp) and isinstance(test.op, joined)
    operands = test.values if isinstance(test, ast.BoolOp) and chained else [test]
    found: list[tuple[str, bool]] = []
    for operand in operands:
        if (
            isinstance(operand, ast.Compare)
            and isinstance(operand.left, ast.Name)
            and len(operand.ops) == 1
            and isinstance(operand.ops[0], compared)
            and isinstance(operand.comparators[0], ast.Constant)
            and operand.comparators[0].value is None
        ):
            found.append((operand.left.id, False))
        elif negated and isinstance(operand, ast.UnaryOp) and isinstance(operand.op, ast.Not):
            if isinstance(operand.operand, ast.Name):
                found.append((operand.operand.id, True))
        elif not negated and isinstance(operand, ast.Name):
            found.append((operand.id, True))
    return found
