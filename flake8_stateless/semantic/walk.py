"""The single iterative walk of a module: facts are gathered inline and the nodes that
rules want are bucketed with the function whose code they are (None at import time).

Decorators, default values and annotations of a function run when the ``def`` runs (at
import time for a module-level handler), so they belong to the enclosing scope, not to
the function: ``@register("ping")`` on a handler is not request code. Iterative, so
that deeply nested code cannot hit the recursion limit.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

from flake8_stateless.semantic.model import Handler
from flake8_stateless.semantic.syntax import FUNCTION_TYPES, FunctionNode, child_fields

Bucket = list[tuple[ast.AST, FunctionNode | None]]

_AST = ast.AST
_LIST = list
_FUNCTION_TYPES = frozenset(FUNCTION_TYPES)
_Kind = tuple[Handler | None, Bucket | None, tuple[str, ...], bool]
"""A node class's handler, bucket, fields that may hold children, and whether it is a
``def`` (whose children other than its ``_OUTSIDE_FIELDS`` belong to it)."""
_OUTSIDE_FIELDS = frozenset({"decorator_list", "args", "returns", "type_params", "type_comment"})
"""Fields of a ``def`` evaluated in the enclosing scope when the ``def`` runs."""


def walk(
    tree: ast.Module,
    handlers: Mapping[type[ast.AST], Handler],
    wanted: frozenset[type[ast.AST]],
) -> dict[type[ast.AST], Bucket]:
    """Call ``handlers`` on every node, in pre-order (a node before its children), and
    return the nodes of the ``wanted`` types with their owning function."""
    buckets: dict[type[ast.AST], Bucket] = {t: [] for t in wanted}
    table = {t: (handlers.get(t), buckets.get(t)) for t in set(handlers) | set(wanted)}
    # ``ctx`` markers and the fields of names and flags are not visited, unless someone
    # (a rule pack) asks for the markers
    leaves = not any(issubclass(t, ast.expr_context) for t in table)
    kinds: dict[type[ast.AST], _Kind] = {}
    """Node class -> what the loop does with its nodes: one look-up per node."""
    stack: list[tuple[ast.AST, FunctionNode | None]] = [(tree, None)]
    pop = stack.pop
    push = stack.append
    while stack:
        item = pop()
        node, owner = item
        cls = node.__class__
        kind = kinds.get(cls)
        if kind is None:
            handler, bucket = table.get(cls, (None, None))
            fields = child_fields(cls) if leaves else cls._fields
            kind = kinds[cls] = (handler, bucket, fields, cls in _FUNCTION_TYPES)
        handler, bucket, fields, is_function = kind
        if handler is not None:
            handler(node, owner)
        if bucket is not None:
            bucket.append(item)  # the stack's own pair: no new tuple per node
        if is_function:
            for name in fields:
                value = getattr(node, name, None)
                child_owner = owner if name in _OUTSIDE_FIELDS else node
                if value.__class__ is _LIST:
                    for child in value:
                        if isinstance(child, _AST):
                            push((child, child_owner))  # type: ignore[arg-type]
                elif isinstance(value, _AST):
                    push((value, child_owner))  # type: ignore[arg-type]
            continue
        for name in fields:
            value = getattr(node, name, None)
            if value.__class__ is _LIST:
                for child in value:
                    if isinstance(child, _AST):
                        push((child, owner))
            elif isinstance(value, _AST):
                push((value, owner))
    return buckets
