"""Values followed through names: what an expression may hold when the code runs.

Rules judge values, not spellings (rules.md "Scope: values"): ``set_cookie(AFFINITY, ...)``
with ``AFFINITY = "SERVERID"`` sets the same cookie as ``set_cookie("SERVERID", ...)``.
This module answers for one module: literals; module-level and local assignments, every
binding of a name (``X = "a"`` in ``try`` and ``X = "b"`` in ``except`` gives both);
``Final`` annotations; tuple unpacking; loops over literal collections; both sides of
``a if c else b`` and ``a or b``; ``+`` and f-strings of string constants; class
attributes of the module's classes (also through ``self``); entries of literal dicts.
A name imported from another module is asked of a hook (the project index, wired in by
the context), so that ``from settings import AFFINITY`` resolves to the literal there.

No rule knowledge: a value says what it is (a constant, the result of a call, a read of
the environment, or unknown), where it is written, and whether it is bound under a debug
switch; rules decide what that means.

Bounded: an expression is followed at most ``MAX_DEPTH`` levels (names, operands) deep
and ``MAX_STEPS`` steps wide per question, has at most ``MAX_VALUES`` values, and each
name of each scope is resolved once per module (memoised; a name caught in a cycle or
cut short by a bound is recomputed, never stored incomplete).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from itertools import product
from typing import TYPE_CHECKING, TypeVar

from flake8_stateless.semantic.syntax import FunctionNode

if TYPE_CHECKING:
    from flake8_stateless.semantic.model import ModuleFacts

N = TypeVar("N", bound=ast.AST)

MAX_DEPTH = 8
"""Names and operands followed from one expression, one inside the other."""
MAX_STEPS = 400
"""Expressions looked at to answer one question (a name bound a hundred times to names
each bound a hundred times stops here)."""
MAX_VALUES = 16
"""Values kept per expression; more are summed up as one unknown value."""
MAX_OPERANDS = 16
"""Operands of one ``+`` chain or f-string that are folded into a constant."""

ENVIRONMENT_HEADS = frozenset({"env", "config", "decouple"})
"""Heads of calls that read settings from the environment (``env("X")``, django-environ,
python-decouple's ``config("X")``)."""


def reads_environment(qualified: str) -> bool:
    """Whether a qualified name reads the environment or a settings helper
    (``os.environ``, ``os.getenv``, ``env.str``, ``decouple.config``)."""
    return (
        "environ" in qualified
        or "getenv" in qualified
        or qualified.partition(".")[0] in ENVIRONMENT_HEADS
    )


@dataclass(frozen=True)
class Value:
    """One value an expression may have."""

    node: ast.AST | None = None
    """Where the value is written in this module: the literal, the call, the dict...
    (for an unknown value, the expression that could not be followed, if any). None for
    a value found in another module."""
    known: bool = False
    """Whether ``constant`` holds the value (a literal, or a constant folded from some)."""
    constant: object = None
    environment: bool = False
    """Read from the environment (``os.environ[...]``, ``os.getenv(...)``, ``env(...)``):
    the deployer's choice."""
    callee: str | None = None
    """Qualified name of the callable whose result it is
    (``django.core.files.storage.FileSystemStorage`` for ``FileSystemStorage(...)``)."""
    guarded: bool = False
    """Bound under a debug or development switch (``if DEBUG:``): not what is deployed."""
    origin: str | None = None
    """The module-level name of another module it was found under (``settings.AFFINITY``),
    also for a constant folded from one; None for a value written in this module."""
    scope: FunctionNode | None = field(default=None, compare=False, repr=False)
    """The function whose code holds ``node`` (None: module level), to follow it further."""

    @property
    def string(self) -> str | None:
        """The value when it is a known string."""
        return self.constant if self.known and isinstance(self.constant, str) else None


class Values(tuple[Value, ...]):
    """Every value an expression may have, in the order the code binds them."""

    __slots__ = ()

    @property
    def environment(self) -> bool:
        """Whether some value is read from the environment."""
        return any(value.environment for value in self)

    def deployed(self) -> list[Value]:
        """The values not bound under a debug or development switch."""
        return [value for value in self if not value.guarded]

    def here(self) -> Values:
        """The values written in this module (a rule whose text prefilter cannot see
        another module's literal keeps to these)."""
        return Values(value for value in self if value.origin is None)

    def constants(self) -> list[object]:
        """The known constants among the deployed values, each once, in order."""
        found: list[object] = []
        for value in self.deployed():
            if value.known and not any(
                type(value.constant) is type(seen) and value.constant == seen for seen in found
            ):
                found.append(value.constant)
        return found

    def strings(self) -> list[str]:
        """The known strings among the deployed values, each once, in order."""
        return [constant for constant in self.constants() if isinstance(constant, str)]

    def nodes(self, kind: type[N]) -> list[N]:
        """The deployed values written in this module as a ``kind`` node (the literal
        dicts a name holds: ``nodes(ast.Dict)``)."""
        return [value.node for value in self.deployed() if isinstance(value.node, kind)]


ImportedValues = Callable[[str], tuple[Value, ...]]
"""The values of a name imported from another module, given its import target as written
(``.settings.AFFINITY``, ``myapp.settings.AFFINITY``); empty when nothing is known."""

_Site = tuple[str, ast.AST | None]
"""How a local name is bound: ("value", expr), ("element", iterable), ("import",
statement) or ("unknown", None)."""


class ValueFollower:
    """The values of expressions of one module (see the module docs)."""

    def __init__(self, facts: ModuleFacts, imported: ImportedValues | None = None) -> None:
        self._facts = facts
        self._imported = imported
        self._names: dict[tuple[int, str], tuple[Value, ...]] = {}
        self._locals: dict[int, dict[str, list[_Site]]] = {}
        self._rebinds: dict[str, list[tuple[FunctionNode, ast.expr | None]]] | None = None
        self._steps = 0
        self.followed = 0
        """Expressions looked at so far: an operation count for the growth tests."""
        self._cuts = 0
        """Answers cut short by a bound or a cycle so far: a name whose answer saw one
        is not memoised."""

    # ------------------------------------------------------------------ questions
    def values(self, expr: ast.AST, function: FunctionNode | None) -> Values:
        """The values ``expr``, written in ``function`` (None: at module level), may have."""
        self._steps = 0
        return Values(_bounded(self._follow(expr, function, 0)))

    def elements(self, iterable: ast.AST, function: FunctionNode | None) -> Values:
        """The values a loop over ``iterable`` gives its target."""
        self._steps = 0
        return Values(_bounded(self._elements(iterable, function, 0)))

    # ------------------------------------------------------------------ expressions
    def _follow(self, expr: ast.AST, function: FunctionNode | None, depth: int) -> list[Value]:
        self._steps += 1
        self.followed += 1
        if depth > MAX_DEPTH or self._steps > MAX_STEPS:
            self._cuts += 1
            return [Value(node=expr, scope=function)]
        if isinstance(expr, ast.Constant):
            return [Value(node=expr, known=True, constant=expr.value, scope=function)]
        if isinstance(expr, ast.Name):
            return self._name(expr.id, function, depth)
        if isinstance(expr, ast.Attribute):
            return self._attribute(expr, function, depth)
        if isinstance(expr, (ast.JoinedStr, ast.BinOp)):
            folded = self._fold(expr, function, depth)
            return folded if folded is not None else [Value(node=expr, scope=function)]
        if isinstance(expr, ast.IfExp):
            return [
                *self._follow(expr.body, function, depth + 1),
                *self._follow(expr.orelse, function, depth + 1),
            ]
        if isinstance(expr, ast.BoolOp):
            found: list[Value] = []
            for operand in expr.values[:MAX_OPERANDS]:
                found.extend(self._follow(operand, function, depth + 1))
            return found
        if isinstance(expr, ast.Call):
            facts = self._facts
            return [
                Value(
                    node=expr,
                    callee=facts.qualified_name(expr.func),
                    environment=facts.from_environment(expr.func),
                    scope=function,
                )
            ]
        if isinstance(expr, ast.Subscript):
            return self._subscript(expr, function, depth)
        return [Value(node=expr, scope=function)]

    def _subscript(
        self, expr: ast.Subscript, function: FunctionNode | None, depth: int
    ) -> list[Value]:
        """``os.environ["X"]`` is the environment's; ``SETTINGS["cookie"]`` of a literal
        dict is that entry's value."""
        if self._facts.from_environment(expr.value):
            return [Value(node=expr, environment=True, scope=function)]
        keys = self._follow(expr.slice, function, depth + 1)
        wanted = [key.constant for key in keys if key.known]
        if not wanted or len(wanted) != len(keys):
            return [Value(node=expr, scope=function)]
        found: list[Value] = []
        for holder in self._follow(expr.value, function, depth + 1):
            if not isinstance(holder.node, ast.Dict):
                return [Value(node=expr, scope=function)]
            for key, value in zip(holder.node.keys, holder.node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value in wanted:
                    found.extend(self._follow(value, holder.scope, depth + 1))
        return found or [Value(node=expr, scope=function)]

    def _attribute(
        self, expr: ast.Attribute, function: FunctionNode | None, depth: int
    ) -> list[Value]:
        """``self.COOKIE``/``cls.COOKIE`` and ``Config.COOKIE`` of a class of this module
        (its class-level value, when instances do not set their own), or ``settings.X``
        through an imported module."""
        facts = self._facts
        unknown = [Value(node=expr, scope=function)]
        head = expr.value
        if not isinstance(head, ast.Name):
            return self._imported_chain(expr, function, depth)
        cls: ast.ClassDef | None = None
        if head.id in ("self", "cls") and function is not None:
            cls = facts.enclosing_class(function)
            if cls is not None and expr.attr in facts.instance_attributes(cls):
                return unknown
        elif self._owner(function, head.id) is None and head.id in facts.classes:
            cls = facts.classes[head.id]
        if cls is not None:
            found = facts.class_attribute(cls, expr.attr)
            if found is None:
                return unknown
            return self._follow(found[1], None, depth + 1)
        return self._imported_chain(expr, function, depth)

    def _imported_chain(
        self, expr: ast.Attribute, function: FunctionNode | None, depth: int
    ) -> list[Value]:
        """``settings.AFFINITY``, ``myapp.settings.AFFINITY`` where the head is a module
        imported at module level and not rebound: asked of the project."""
        parts: list[str] = []
        current: ast.AST = expr
        while isinstance(current, ast.Attribute):
            parts.append(current.attr)
            current = current.value
        unknown = [Value(node=expr, scope=function)]
        if not isinstance(current, ast.Name) or self._owner(function, current.id) is not None:
            return unknown
        bound = self._facts.module_bindings.get(current.id, ())
        target = self._facts.aliases.get(current.id)
        if target is None or not bound or not all(
            isinstance(b, (ast.Import, ast.ImportFrom)) for b in bound
        ):
            return unknown
        found = self._ask_project(".".join([target, *reversed(parts)]))
        return found or unknown

    def _ask_project(self, target: str) -> list[Value]:
        if self._imported is None:
            return []
        return list(self._imported(target))

    def _fold(
        self, expr: ast.JoinedStr | ast.BinOp, function: FunctionNode | None, depth: int
    ) -> list[Value] | None:
        """The strings a ``+`` chain or an f-string of constants makes (each operand
        known, a few combinations at most), else None."""
        operands: list[ast.expr] = []
        if isinstance(expr, ast.JoinedStr):
            for part in expr.values:
                if isinstance(part, ast.FormattedValue):
                    if part.format_spec is not None or part.conversion not in (-1, 115):
                        return None
                    operands.append(part.value)
                else:
                    operands.append(part)
        else:
            left: ast.expr = expr
            while isinstance(left, ast.BinOp) and isinstance(left.op, ast.Add):
                operands.append(left.right)
                if len(operands) > MAX_OPERANDS:
                    return None
                left = left.left
            if left is expr:
                return None  # another operator
            operands.append(left)
            operands.reverse()
        if len(operands) > MAX_OPERANDS:
            return None
        choices: list[list[str]] = []
        formatted = isinstance(expr, ast.JoinedStr)
        origin: str | None = None
        for operand in operands:
            values = self._follow(operand, function, depth + 1)
            texts: list[str] = []
            for value in values:
                if not value.known:
                    return None
                origin = origin or value.origin
                constant = value.constant
                if isinstance(constant, str):
                    texts.append(constant)
                elif formatted and isinstance(constant, int):
                    texts.append(str(constant))
                else:
                    return None
            choices.append(list(dict.fromkeys(texts)))
        combinations = 1
        for options in choices:
            combinations *= len(options)
            if combinations > MAX_VALUES:
                return None
        return [
            Value(node=expr, known=True, constant="".join(parts), origin=origin, scope=function)
            for parts in product(*choices)
        ]

    # ------------------------------------------------------------------ names
    def _owner(self, function: FunctionNode | None, name: str) -> FunctionNode | None:
        """The function whose local ``name`` is, None when it is the module's."""
        facts = self._facts
        current = function
        while current is not None:
            scope = facts.scope(current)
            if name in scope.global_:
                return None
            if name in scope.local:
                return current
            current = facts.function_parent.get(id(current))
        return None

    def _name(self, name: str, function: FunctionNode | None, depth: int) -> list[Value]:
        owner = self._owner(function, name)
        key = (id(owner) if owner is not None else 0, name)
        known = self._names.get(key)
        if known is not None:
            if not known:  # asked again while being answered: a cycle
                self._cuts += 1
                return [Value()]
            return list(known)
        self._names[key] = ()
        cuts = self._cuts
        found = _bounded(self._bound_values(owner, name, depth))
        if self._cuts == cuts:
            self._names[key] = tuple(found)
        else:
            del self._names[key]
        return found

    def _bound_values(self, owner: FunctionNode | None, name: str, depth: int) -> list[Value]:
        facts = self._facts
        found: list[Value] = []
        if owner is not None:
            sites = self._local_sites(owner).get(name)
            arguments = owner.args
            parameters = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
            if arguments.vararg is not None:
                parameters.append(arguments.vararg)
            if arguments.kwarg is not None:
                parameters.append(arguments.kwarg)
            if not sites or any(parameter.arg == name for parameter in parameters):
                found.append(Value())  # an argument, or bound in a way not followed
            for kind, node in sites or ():
                if kind == "value" and node is not None:
                    found.extend(self._follow(node, owner, depth + 1))
                elif kind == "element" and node is not None:
                    found.extend(self._elements(node, owner, depth + 1))
                elif kind == "import" and isinstance(node, (ast.Import, ast.ImportFrom)):
                    found.extend(self._ask_project(_import_target(node, name)) or [Value()])
                else:
                    found.append(Value())
            return found
        bound = facts.module_bindings.get(name, [])
        rebinds = self._global_rebinds().get(name, [])
        if not bound and not rebinds:
            return [Value()]  # a builtin, or bound by a star import
        for site in bound:
            if isinstance(site, ast.expr):
                values = self._follow(site, None, depth + 1)
                if facts.is_guarded(site):
                    values = [replace(value, guarded=True) for value in values]
                found.extend(values)
            elif isinstance(site, (ast.Import, ast.ImportFrom)):
                found.extend(self._ask_project(_import_target(site, name)) or [Value()])
            else:
                found.append(Value(node=site))  # a def or class
        for function, value in rebinds:
            if value is None:
                found.append(Value())
            else:
                found.extend(self._follow(value, function, depth + 1))
        return found

    def _elements(
        self, iterable: ast.AST, function: FunctionNode | None, depth: int
    ) -> list[Value]:
        """What a loop over ``iterable`` binds: the items of a literal tuple, list or set,
        the keys of a literal dict, the values of its ``.values()``."""
        found: list[Value] = []
        for holder in self._follow(iterable, function, depth + 1):
            node = holder.node
            if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
                for item in node.elts[:MAX_VALUES]:
                    if isinstance(item, ast.Starred):
                        found.append(Value())
                    else:
                        found.extend(self._follow(item, holder.scope, depth + 1))
            elif isinstance(node, ast.Dict):
                for key in node.keys[:MAX_VALUES]:
                    found.extend(
                        [Value()] if key is None else self._follow(key, holder.scope, depth + 1)
                    )
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "values"
                and not node.args
            ):
                for mapping in self._follow(node.func.value, holder.scope, depth + 1):
                    if isinstance(mapping.node, ast.Dict):
                        for item in mapping.node.values[:MAX_VALUES]:
                            found.extend(self._follow(item, mapping.scope, depth + 1))
                    else:
                        found.append(Value())
            else:
                found.append(Value())
        return found

    def _local_sites(self, function: FunctionNode) -> dict[str, list[_Site]]:
        """Name -> how ``function``'s own code binds it, in source order; built once."""
        known = self._locals.get(id(function))
        if known is not None:
            return known
        table: dict[str, list[_Site]] = {}
        for node in _in_source_order(self._facts.own_nodes(function)):
            for name, site in _sites(node):
                table.setdefault(name, []).append(site)
        self._locals[id(function)] = table
        return table

    def _global_rebinds(self) -> dict[str, list[tuple[FunctionNode, ast.expr | None]]]:
        """Module-level names rebound in functions through ``global``: every binding
        counts. Built once per module, from the functions that declare one."""
        if self._rebinds is None:
            rebinds: dict[str, list[tuple[FunctionNode, ast.expr | None]]] = {}
            facts = self._facts
            for function in facts.functions:
                declared = facts.scope(function).global_
                if not declared:
                    continue
                for node in _in_source_order(facts.own_nodes(function)):
                    if isinstance(node, _LOOPS):
                        continue
                    for name, (kind, value) in _sites(node):
                        if name in declared:
                            assigned = kind == "value" and isinstance(value, ast.expr)
                            bound = value if assigned and isinstance(value, ast.expr) else None
                            rebinds.setdefault(name, []).append((function, bound))
            self._rebinds = rebinds
        return self._rebinds


_LOOPS = (ast.For, ast.AsyncFor)
_BINDING_NODES = (
    ast.Assign, ast.AnnAssign, ast.AugAssign, ast.NamedExpr, *_LOOPS, ast.withitem,
    ast.Import, ast.ImportFrom, ast.ExceptHandler,
)


def _in_source_order(nodes: Iterable[ast.AST]) -> list[ast.AST]:
    """The binding statements among ``nodes``, in the order the source has them."""

    def position(node: ast.AST) -> tuple[int, int]:
        at = node.context_expr if isinstance(node, ast.withitem) else node
        return getattr(at, "lineno", 0), getattr(at, "col_offset", 0)

    return sorted((n for n in nodes if isinstance(n, _BINDING_NODES)), key=position)


def _sites(node: ast.AST) -> Iterator[tuple[str, _Site]]:
    """The names a binding statement binds, with how."""
    if isinstance(node, ast.Assign):
        for target in node.targets:
            yield from _target_sites(target, node.value)
    elif isinstance(node, ast.AnnAssign):
        if isinstance(node.target, ast.Name) and node.value is not None:
            yield node.target.id, ("value", node.value)
    elif isinstance(node, ast.NamedExpr):
        yield node.target.id, ("value", node.value)
    elif isinstance(node, _LOOPS):
        if isinstance(node.target, ast.Name):
            yield node.target.id, ("element", node.iter)
        else:
            yield from ((name, ("unknown", None)) for name in _names_in(node.target))
    elif isinstance(node, ast.AugAssign):
        yield from ((name, ("unknown", None)) for name in _names_in(node.target))
    elif isinstance(node, ast.withitem):
        if node.optional_vars is not None:
            yield from ((name, ("unknown", None)) for name in _names_in(node.optional_vars))
    elif isinstance(node, (ast.Import, ast.ImportFrom)):
        for alias in node.names:
            if alias.name != "*":
                yield (alias.asname or alias.name).partition(".")[0], ("import", node)
    elif isinstance(node, ast.ExceptHandler) and node.name:
        yield node.name, ("unknown", None)


def _target_sites(target: ast.expr, value: ast.expr) -> Iterator[tuple[str, _Site]]:
    """``a = v``; ``a, b = x, y`` pairwise (nested too); other targets: unknown."""
    pending: list[tuple[ast.expr, ast.expr | None]] = [(target, value)]
    while pending:
        current, bound = pending.pop()
        if isinstance(current, ast.Name):
            yield current.id, ("value", bound) if bound is not None else ("unknown", None)
        elif (
            isinstance(current, (ast.Tuple, ast.List))
            and isinstance(bound, (ast.Tuple, ast.List))
            and len(current.elts) == len(bound.elts)
            and not any(isinstance(e, ast.Starred) for e in (*current.elts, *bound.elts))
        ):
            pending.extend(zip(reversed(current.elts), reversed(bound.elts), strict=True))
        elif isinstance(current, (ast.Tuple, ast.List, ast.Starred)):
            yield from ((name, ("unknown", None)) for name in _names_in(current))


def _names_in(target: ast.AST) -> Iterable[str]:
    return [node.id for node in ast.walk(target) if isinstance(node, ast.Name)]


def _import_target(statement: ast.Import | ast.ImportFrom, name: str) -> str:
    """What ``statement`` binds to ``name``, as written (``.settings.AFFINITY``)."""
    for alias in statement.names:
        bound = alias.asname or alias.name
        if isinstance(statement, ast.Import):
            if alias.asname is None and bound.partition(".")[0] == name:
                return name
            if bound == name:
                return alias.name
        elif bound == name:
            module = "." * statement.level + (statement.module or "")
            return f"{module}{alias.name}" if module.endswith(".") else f"{module}.{alias.name}"
    return name  # pragma: no cover - ``statement`` binds ``name``: some alias matched


def _bounded(values: list[Value]) -> list[Value]:
    if len(values) <= MAX_VALUES:
        return values
    return [*values[: MAX_VALUES - 1], Value()]
