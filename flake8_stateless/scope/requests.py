"""Which functions of the linted module serve requests, reached from which handler.

The project index decides it for the whole project (handlers, what they call across
modules, what they start); this module maps its answer onto the linted tree. The linted
file's own summary always comes from that tree: when it differs from the file on disk
(an editor's unsaved buffer on stdin), the index is asked again with the tree's version.
"""

from __future__ import annotations

from flake8_stateless.project import Located, Reach
from flake8_stateless.project.index import summarise_facts
from flake8_stateless.semantic.handlers import HandlerScope
from flake8_stateless.semantic.model import ModuleFacts
from flake8_stateless.semantic.syntax import FunctionNode


class RequestScope:
    """Request-serving functions of one module, with how each is reached."""

    def __init__(self) -> None:
        self.module = ""
        self._reach: dict[int, Reach] = {}
        self._long_lived: set[int] = set()
        self._parents: dict[int, FunctionNode | None] = {}

    @classmethod
    def decide(
        cls, facts: ModuleFacts, handlers: HandlerScope, located: Located | None
    ) -> RequestScope:
        scope = cls()
        scope._parents = facts.function_parent
        if located is None or facts.path.never_serves or not facts.functions:
            return scope
        index, module = located.index, located.module
        scope.module = module
        has_handlers = any(handlers.kind_of(f) is not None for f in facts.functions)
        on_disk = index.layout is not None
        if not has_handlers and not (on_disk and module in index.reached_modules()):
            return scope
        source = "".join(facts.lines).encode("utf-8", "surrogatepass")
        if not (
            on_disk
            and facts.lines
            and index.built_from(module, source, facts.path, located.is_package)
        ):
            # the file as linted differs from the index's (an editor's buffer, a file
            # changed since it was summarised): the index is asked with the tree's summary
            summary = summarise_facts(facts, handlers, module, located.is_package)
            known = index.module(module) if on_disk else None
            if known is None or known.summary != summary:
                index = index.derived({module: summary})
        reach = index.reach()
        qualnames = facts.qualnames
        for function in facts.functions:
            qualname = qualnames.by_id.get(id(function))
            if qualname is None:
                continue
            found = reach.get((module, qualname))
            if found is not None:
                scope._reach[id(function)] = found
                if index.is_long_lived(module, qualname):
                    scope._long_lived.add(id(function))
        return scope

    @property
    def any(self) -> bool:
        return bool(self._reach)

    def reach_of(self, function: FunctionNode | None) -> Reach | None:
        """How ``function`` is reached, or None when it does not run on behalf of a
        request. A nested function is reached only when its parent calls it, hands it
        over or decorates it (the project index decides)."""
        if function is None:
            return None
        return self._reach.get(id(function))  # asked for every node of every rule

    def self_is_long_lived(self, function: FunctionNode) -> bool:
        """Whether ``self`` in ``function`` (a method, or a closure in one) may be an
        object that lives as long as the process."""
        current: FunctionNode | None = function
        while current is not None:
            if id(current) in self._long_lived:
                return True
            current = self._parents.get(id(current))
        return False

    def where(self, function: FunctionNode | None) -> str:
        """How a message says where code runs: "while serving requests", "in a task",
        with the handler that reaches it when it is not the handler itself."""
        reach = self.reach_of(function)
        if reach is None:
            return "while serving requests"
        phrase = "in a task" if reach.kind == "task" else "while serving requests"
        if reach.depth == 0:
            return phrase
        return f"{phrase} (reached from {reach.root_label(self.module)})"
