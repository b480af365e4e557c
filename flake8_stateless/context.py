"""What rules ask about the linted module: its facts, and the scope decisions on them.

:class:`Context` is the one object a rule's check receives. Its facts come from
``semantic/`` (imports, bindings, classes, scopes, guarded spans: no rule knowledge),
which functions serve requests from ``scope/`` with the project index (``project/``)
behind it. Rules only ask; they never walk the tree themselves nor import each other.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from functools import cached_property
from typing import TYPE_CHECKING

from flake8_stateless import project
from flake8_stateless.excerpts import Excerpts
from flake8_stateless.project import Reach
from flake8_stateless.project.summary import ForwardedNames, absolute_import, ref_of
from flake8_stateless.scope.requests import RequestScope
from flake8_stateless.semantic.handlers import HandlerScope
from flake8_stateless.semantic.model import ModuleFacts
from flake8_stateless.semantic.paths import PathFacts
from flake8_stateless.semantic.syntax import (
    FUNCTION_TYPES,
    MUTABLE_CONSTRUCTORS,
    MUTATING_METHODS,
    FunctionNode,
    dotted_name,
    mutation_sites,
    root_name,
    statements_of,
    string_value,
)
from flake8_stateless.semantic.tempdirs import TempDirs
from flake8_stateless.semantic.values import Value, Values

if TYPE_CHECKING:
    from flake8_stateless.options import Settings

__all__ = [
    "FUNCTION_TYPES",
    "MUTABLE_CONSTRUCTORS",
    "MUTATING_METHODS",
    "Context",
    "FunctionNode",
    "PathFacts",
    "Value",
    "Values",
    "dotted_name",
    "mutation_sites",
    "root_name",
    "statements_of",
    "string_value",
]


class Context(ModuleFacts):
    """Per-file facts (filled by the engine's walk), then :meth:`finish` decides which
    functions serve requests, across the project."""

    def __init__(
        self, tree: ast.Module, filename: str, settings: Settings, lines: Sequence[str] = ()
    ) -> None:
        super().__init__(tree, filename, lines)
        self.settings = settings
        self.handler_scope = HandlerScope(self, settings.handler_decorators)
        self.requests = RequestScope()
        self.rule_memo: dict[tuple[str, int], object] = {}
        """Answers a rule family computes once per file and reuses, keyed by what they
        are and the id of the node they are about (see ``rules/files/common.py``)."""
        self._located: project.Located | None = None
        self._defaults: dict[int, dict[str, str]] = {}
        """id of a function -> its parameters defaulting to None/False, never rebound."""

    # ------------------------------------------------------------------ project
    @property
    def located(self) -> project.Located:
        """This file within its project (a project of its own outside any)."""
        if self._located is None:
            self._located = locate(self.filename, self.settings)
        return self._located

    @property
    def module_name(self) -> str:
        return self.located.module

    # ------------------------------------------------------------ request scope
    def finish(self) -> None:
        """Decide which functions serve requests: handlers of this module, and what
        handlers anywhere in the project reach, up to ``settings.call_depth`` calls."""
        if self.path.never_serves:
            return
        self.requests = RequestScope.decide(self, self.handler_scope, self.located)

    @property
    def has_request_serving_code(self) -> bool:
        return self.requests.any

    def is_request_serving(self, function: FunctionNode | None) -> bool:
        """Whether code in ``function`` runs on behalf of a request (or a task)."""
        return self.requests.reach_of(function) is not None

    def reach_of(self, function: FunctionNode | None) -> Reach | None:
        return self.requests.reach_of(function)

    def self_is_long_lived(self, function: FunctionNode) -> bool:
        """Whether ``self`` in ``function`` may live as long as the process."""
        return self.requests.self_is_long_lived(function)

    def where(self, function: FunctionNode | None) -> str:
        return self.requests.where(function)

    def skipped_on_requests(self, node: ast.AST, function: FunctionNode) -> bool:
        """Whether ``node`` sits in a branch of ``function`` that needs a parameter no
        request-serving call gives: ``if path is not None:`` with ``path=None`` by
        default, and every call from code that serves requests leaving it out (see
        ``ProjectIndex.passes_argument``). The branch runs for other callers (a CLI,
        set-up), never on behalf of a request."""
        guards = self.name_guards(node, function)
        if not guards:
            return False
        index = self.located.index
        qualname = self.qualnames.by_id.get(id(function))
        if index.layout is None or qualname is None:
            return False
        defaults = self._defaults.get(id(function))
        if defaults is None:
            defaults = ForwardedNames.of(function, self.own_nodes(function)).defaults
            self._defaults[id(function)] = defaults
        for name, falsy in guards:
            default = defaults.get(name)
            if (default == "^" or (default == "~" and falsy)) and not index.passes_argument(
                self.module_name, qualname, name, falsy=falsy
            ):
                return True
        return False

    def project_container(self, dotted: str) -> tuple[str, str] | None:
        """(description, kind) when ``dotted`` (``registry.online``, an imported
        ``online``, ``tracker.sessions``) names a container of another project module
        that lives as long as the process: a module-level one, or one held by a
        module-level instance."""
        index = self.located.index
        if index.layout is None:
            return None
        return index.container(self.module_name, dotted)

    def imported_values(self, target: str) -> tuple[Value, ...]:
        """The values of a name this module imports (``.settings.AFFINITY`` as written),
        from the project's summary of the module that binds it: the literal there, the
        call that builds it, or an environment read. Empty outside a project."""
        index = self.located.index
        if index.layout is None:
            return ()
        located = self.located
        return index.constant_at(absolute_import(target, located.module, located.is_package))

    def long_lived_object(self, function: FunctionNode | None, name: str) -> str | None:
        """The class of the project object ``name`` refers to in ``function`` when it lives
        as long as the process (handed to a factory at set-up, a module-level instance, a
        singleton), else None."""
        index = self.located.index
        if index.layout is None:
            return None
        scope = self.qualnames.by_id.get(id(function)) if function is not None else None
        return index.long_lived_object(self.module_name, scope, name)

    def runs_queue_worker(self, function: FunctionNode, ref: str) -> bool:
        """Whether ``ref`` (``self.run``, ``drain``), handed to a thread or task in
        ``function``, names a project function that serves a queue in a loop (itself or
        through the functions it calls): a worker, not a job."""
        index = self.located.index
        if index.layout is None:
            return False
        scope = self.qualnames.by_id.get(id(function))
        return index.runs_queue_worker(self.module_name, scope, ref)

    def held_container(self, function: FunctionNode, dotted: str) -> str | None:
        """How to name ``dotted`` (``self.client.references``) in ``function`` when it is a
        container held by a project object that lives as long as the process."""
        index = self.located.index
        scope = self.qualnames.by_id.get(id(function))
        if index.layout is None or scope is None:
            return None
        return index.held_container(self.module_name, scope, dotted)

    def released_by_callers(
        self, claim: FunctionNode, releases: Sequence[FunctionNode]
    ) -> bool | None:
        """Whether every caller in the project of the module-level function ``claim``
        undoes it with one of ``releases`` in a ``finally`` block, given the same key
        (see ``ProjectIndex.released_by_callers``); None when nothing calls it. False
        outside a project."""
        index = self.located.index
        qualname = self.qualnames.by_id.get(id(claim))
        if index.layout is None or qualname is None:
            return False
        names = frozenset(
            name for name in (self.qualnames.by_id.get(id(r)) for r in releases) if name
        )
        return index.released_by_callers(self.module_name, qualname, names)

    def connection_parameter(self, function: FunctionNode, name: str) -> str | None:
        """How to name the live connection that a per-connection handler anywhere in the
        project hands to parameter ``name`` of ``function`` (``manager.register(self)``
        in a websocket's ``on_open``), or None (see ``ProjectIndex.connection_parameter``)."""
        index = self.located.index
        qualname = self.qualnames.by_id.get(id(function))
        if index.layout is None or qualname is None:
            return None
        return index.connection_parameter(self.module_name, qualname, name)

    def project_cache_decorator(self, name: str) -> str | None:
        """The memoising decorator (``lru_cache``) of the function ``name`` refers to at
        module level when another project module defines it and it takes arguments."""
        index = self.located.index
        if index.layout is None:
            return None
        return index.cache_decorator(self.module_name, name)

    @cached_property
    def excerpts(self) -> Excerpts:
        """The user's code as written, for messages (see ``excerpts.py``)."""
        return Excerpts(self.lines)

    @cached_property
    def temp_dirs(self) -> TempDirs:
        """Which paths lie in the system temp directory, through this module's names and
        helpers and, with the project index, helpers of other modules."""
        return TempDirs(self, self._temp_helper_elsewhere, self._temp_parameter)

    def _temp_parameter(self, function: FunctionNode, name: str) -> str | None:
        """Where every caller in the project puts the path parameter ``name`` of
        ``function`` (see ``ProjectIndex.parameter_origin``)."""
        index = self.located.index
        qualname = self.qualnames.by_id.get(id(function))
        if index.layout is None or qualname is None:
            return None
        return index.parameter_origin(self.module_name, qualname, name)

    def _temp_helper_elsewhere(self, call: ast.Call, function: FunctionNode | None) -> bool:
        index = self.located.index
        ref = ref_of(call.func)
        if index.layout is None or ref is None:
            return False
        scope = self.qualnames.by_id.get(id(function)) if function is not None else None
        return index.returns_temp_dir(self.module_name, scope, ref)

    def project_class_container(self, dotted: str) -> tuple[str, str, str] | None:
        """(class, attribute, kind) when ``dotted`` (``Registry.items``) is a mutable
        class attribute of a class another project module defines."""
        index = self.located.index
        if index.layout is None:
            return None
        return index.class_container(self.module_name, dotted)

    def class_kind(self, cls: ast.ClassDef) -> str | None:
        """Which kind of request-serving class ``cls`` is (see ``frameworks``), if any."""
        return self.handler_scope.class_kind(cls)


def locate(filename: str, settings: Settings) -> project.Located:
    """The project index for a file linted with ``settings``."""
    # the prefilter module holds the text tests: imported here to keep layers one-way
    from flake8_stateless.prefilter import handler_text_test  # noqa: PLC0415

    return project.locate(
        filename,
        handler_decorators=settings.handler_decorators,
        call_depth=settings.call_depth,
        cache_dir=settings.cache_dir,
        no_cache=settings.no_cache,
        may_hold_handlers=handler_text_test(settings.handler_decorators),
    )
