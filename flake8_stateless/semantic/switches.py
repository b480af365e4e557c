"""Debug and development switches: which branch of an ``if`` never runs in production.

A fact computed during the walk (the spans of guarded blocks); configuration scope asks
about it. Bounded depth: generated code cannot exhaust the stack.
"""

from __future__ import annotations

import ast

from flake8_stateless.conventions import DEBUG_FLAG_NAMES, DEV_VALUES, PROD_VALUES
from flake8_stateless.semantic.syntax import string_value


def flag_name(node: ast.AST) -> str | None:
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


def debug_branch(test: ast.expr, depth: int = 0) -> str | None:
    """Which branch of ``if test:`` is debug/development-only: "body", "orelse" or None."""
    negated = False
    while isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        negated = not negated
        test = test.operand
    if negated:
        inner = debug_branch(test, depth)
        return {"body": "orelse", "orelse": "body"}.get(inner or "")
    if isinstance(test, ast.BoolOp):
        if depth >= _SWITCH_DEPTH or not isinstance(test.op, ast.And):
            return None
        if any(debug_branch(v, depth + 1) == "body" for v in test.values):
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
        if truthy and any((flag_name(o) or "").lower() in DEBUG_FLAG_NAMES for o in operands):
            return "body" if positive else "orelse" if negative else None
        return None
    name = flag_name(test)
    if name is not None and name.lower() in DEBUG_FLAG_NAMES:
        return "body"
    return None
