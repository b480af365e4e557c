"""Which functions of one module are framework handlers, by local evidence alone.

A handler is where request scope starts: a route, view, event or task handler of a
known framework (``frameworks.py``), a function registered with ``add_url_rule`` and
the like, a handler method of a class-based view, or a function decorated with one of
the user's ``--stateless-handler-decorators``. What handlers call, in this module or
another, is decided by the project index (``project/index.py``).
"""

from __future__ import annotations

import ast
import fnmatch
import sys
from typing import Literal

from flake8_stateless import frameworks
from flake8_stateless.semantic.model import ModuleFacts
from flake8_stateless.semantic.syntax import FUNCTION_TYPES, FunctionNode, dotted_name

HandlerKind = Literal["request", "task"]


class HandlerScope:
    """The handlers of one module, decided once."""

    def __init__(self, facts: ModuleFacts, handler_decorators: tuple[str, ...]) -> None:
        self.facts = facts
        self.handler_decorators = handler_decorators
        self._class_kinds: dict[int, str | None] = {}
        self._registered: set[str] | None = None

    def kind_of(self, function: FunctionNode) -> HandlerKind | None:
        """ "request" or "task" when ``function`` is a handler, else None."""
        facts = self.facts
        if facts.path.never_serves:
            return None
        for decorator in function.decorator_list:
            kind = self._decorator_kind(decorator)
            if kind is not None:
                return kind
        if function.name in self.registered_names:
            return "request"
        cls = facts.method_class.get(id(function))
        if cls is not None:
            class_kind = self.class_kind(cls)
            if class_kind is None or not serves_as_method(class_kind, function.name):
                return None
            return "task" if class_kind in frameworks.TASK_CLASS_KINDS else "request"
        if facts.path.is_views_module and facts.function_parent.get(id(function)) is None:
            positional = [*function.args.posonlyargs, *function.args.args]
            if positional and positional[0].arg == "request":
                return "request"
        return None

    def shares_self(self, function: FunctionNode) -> bool:
        """Whether ``function`` is a handler method whose object serves every request:
        a route decorator on a method (the object was created once and its bound method
        registered: plugins, resources), a Falcon responder (resources are added once
        with ``add_route``) or an OctoPrint ``SimpleApiPlugin``'s API method. Class-based
        views of Django, Flask, Tornado or DRF make an object per request and do not
        count."""
        cls = self.facts.method_class.get(id(function))
        if cls is None:
            return False
        kind = self.class_kind(cls)
        if kind in frameworks.SHARED_SELF_KINDS and serves_as_method(kind, function.name):
            return True
        return any(self._decorator_kind(d) is not None for d in function.decorator_list)

    @property
    def registered_names(self) -> set[str]:
        """Functions handed to ``Route(...)``, ``app.add_url_rule(...)``, ``web.get(...)``
        and the like serve requests."""
        if self._registered is not None:
            return self._registered
        facts = self.facts
        names: set[str] = set()
        for call in facts.registrar_calls:
            func = call.func
            if (
                not (
                    isinstance(func, ast.Attribute)
                    and func.attr in frameworks.ENDPOINT_REGISTRAR_METHODS
                )
                and facts.qualified_name(func) not in frameworks.ENDPOINT_REGISTRARS
            ):
                continue
            for argument in [*call.args, *(k.value for k in call.keywords)]:
                if isinstance(argument, ast.Name):
                    names.add(argument.id)
        self._registered = names
        return names

    def _decorator_kind(self, decorator: ast.expr) -> HandlerKind | None:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        raw = dotted_name(target)
        if raw is None:
            return None
        qualified = self.facts.qualified_name(target) or raw
        if qualified in frameworks.HANDLER_DECORATORS:
            return "task" if qualified in frameworks.TASK_DECORATORS else "request"
        for pattern in self.handler_decorators:
            if fnmatch.fnmatchcase(raw, pattern) or fnmatch.fnmatchcase(qualified, pattern):
                return "request"
        if not isinstance(target, ast.Attribute):
            return None
        method = target.attr
        if method not in frameworks.HANDLER_DECORATOR_METHODS:
            return None
        if not self._is_app_object(target.value, method):
            return None
        return "task" if method in frameworks.TASK_DECORATOR_METHODS else "request"

    def _is_app_object(self, receiver: ast.expr, method: str) -> bool:
        """Whether ``receiver`` in ``@receiver.method`` is a framework app, router,
        Socket.IO server or task app, by its binding or, unresolved, by its name."""
        raw = dotted_name(receiver)
        if raw is None:
            return False
        facts = self.facts
        if isinstance(receiver, ast.Name):
            value = facts.module_values.get(receiver.id)
            if isinstance(value, ast.Call):
                constructor = facts.qualified_name(value.func) or ""
                if constructor in frameworks.APP_CLASSES:
                    return True
                if facts.is_imported(constructor) and method in (
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
            ordered = sorted(self.facts.all_classes, key=lambda c: (c.lineno, c.col_offset))
            for local in ordered:
                self._class_kinds[id(local)] = self._class_kind_of(local)
        return self._class_kinds.get(id(cls))

    def _class_kind_of(self, cls: ast.ClassDef) -> str | None:
        """The kind from ``cls``'s own bases; local bases already have theirs."""
        facts = self.facts
        for base in cls.bases:
            qualified = facts.qualified_name(base)
            if qualified is None:
                continue
            kind = frameworks.class_kind_by_base(qualified)
            if kind is not None:
                return kind
            if qualified.startswith(("django.views.generic.", "django.contrib.auth.views.")):
                return "django"
            if qualified.startswith(("rest_framework.generics.", "rest_framework.viewsets.")):
                return "drf"
            local = facts.classes.get(qualified)
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
        if "falcon" in facts.imported_packages and any(
            isinstance(s, FUNCTION_TYPES) and frameworks.FALCON_RESPONDER.match(s.name)
            for s in cls.body
        ):
            return "falcon"
        return None


def serves_as_method(kind: str, name: str) -> bool:
    """Whether a method called ``name`` of a class of ``kind`` handles requests."""
    if kind == "consumer":
        return not name.startswith("__")
    if kind == "on_methods":
        return name.startswith("on_")
    if kind == "falcon":
        return bool(frameworks.FALCON_RESPONDER.match(name))
    return name in frameworks.REQUEST_METHODS_BY_KIND.get(kind, frozenset())


def is_entry_point(name: str) -> bool:
    """``main``, ``cli``, ``create_app``...: entry points never serve a request themselves."""
    return name in frameworks.NON_REQUEST_FUNCTION_NAMES
