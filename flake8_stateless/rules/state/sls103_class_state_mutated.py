"""SLS103 class-state-mutated: a mutable class attribute changed by request code."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from flake8_stateless.context import Context, FunctionNode, dotted_name, mutation_sites, root_name
from flake8_stateless.registry import Finding, Rule


def check(node: ast.AST, function: FunctionNode | None, context: Context) -> Iterator[Finding]:
    if function is None:
        return
    for container, reported in mutation_sites(node):
        if isinstance(node, ast.AugAssign) and isinstance(reported, ast.Attribute):
            # `self.items += [x]` extends the shared list in place before rebinding
            found = _shared_attribute(reported, function, context, rebinding=True)
        else:
            found = _shared_attribute(container, function, context, rebinding=False)
            if found is None and isinstance(reported, ast.Attribute):
                found = _rebound_class_attribute(reported, function, context)
        if found is not None:
            owner, attr, kind = found
            group = f"{id(function)}:{owner.name}.{attr}"
            yield RULE.finding(reported, cls=owner.name, attr=attr, kind=kind, group=group)
            continue
        imported = _imported_class_attribute(container, function, context) or (
            _inherited_class_attribute(container, function, context)
        )
        if imported is not None:
            name, attr, kind = imported
            group = f"{id(function)}:{name}.{attr}"
            yield RULE.finding(reported, cls=name, attr=attr, kind=kind, group=group)


def _inherited_class_attribute(
    expression: ast.expr, function: FunctionNode, context: Context
) -> tuple[str, str, str] | None:
    """``cls.id_cache[key] = loader`` where ``id_cache`` is a class attribute of a base
    class another project module defines (``class ZippedPluginLoader(PluginLoader)``)."""
    while isinstance(expression, ast.Subscript):
        expression = expression.value
    if not (isinstance(expression, ast.Attribute) and isinstance(expression.value, ast.Name)):
        return None
    receiver = expression.value.id
    if receiver not in {"self", "cls"}:
        return None
    cls = context.enclosing_class(function)
    if cls is None or context.class_attribute(cls, expression.attr) is not None:
        return None  # defined here: _shared_attribute decided
    if receiver == "self" and expression.attr in context.instance_attributes(cls):
        return None
    if context.function_parent.get(id(cls)) is not None or context.class_parent.get(id(cls)):
        return None  # a class inside a function: not reachable by name from module level
    return context.project_class_container(f"{cls.name}.{expression.attr}")


def _imported_class_attribute(
    expression: ast.expr, function: FunctionNode, context: Context
) -> tuple[str, str, str] | None:
    """``Registry.items`` where ``Registry`` comes from another module of the project."""
    while isinstance(expression, ast.Subscript):
        expression = expression.value
    if not isinstance(expression, ast.Attribute):
        return None
    root = root_name(expression)
    if root is None or root.id in {"self", "cls"} or root.id in context.classes:
        return None
    if not context.is_imported(root.id) or context.binds_locally(function, root.id):
        return None
    dotted = dotted_name(expression)
    return context.project_class_container(dotted) if dotted is not None else None


def _shared_attribute(
    expression: ast.expr, function: FunctionNode, context: Context, *, rebinding: bool
) -> tuple[ast.ClassDef, str, str] | None:
    """For ``self.items`` / ``cls.items`` / ``Cart.items`` (possibly under subscripts):
    the class holding a mutable class-level ``items`` that instances share."""
    while isinstance(expression, ast.Subscript):
        expression = expression.value
    if not isinstance(expression, ast.Attribute):
        return None
    receiver = expression.value
    if not isinstance(receiver, ast.Name):
        return None
    cls = _receiver_class(receiver, function, context)
    if cls is None:
        return None
    attr = expression.attr
    if receiver.id == "self" and attr in context.instance_attributes(cls):
        return None
    found = context.class_attribute(cls, attr)
    if found is None:
        return None
    owner, value = found
    kind = context.mutable_kind(value)
    if kind is None or context.is_value_class(owner) or context.is_value_class(cls):
        return None
    if rebinding and kind not in {"list", "dict", "set", "bytearray", "deque", "Counter"}:
        return None
    return owner, attr, kind


def _rebound_class_attribute(
    target: ast.Attribute, function: FunctionNode, context: Context
) -> tuple[ast.ClassDef, str, str] | None:
    """``cls.items = ...`` / ``Cart.items = ...``: the class attribute itself replaced."""
    receiver = target.value
    if not isinstance(receiver, ast.Name) or receiver.id == "self":
        return None
    cls = _receiver_class(receiver, function, context)
    if cls is None:
        return None
    found = context.class_attribute(cls, target.attr)
    if found is None:
        return None
    owner, value = found
    kind = context.mutable_kind(value)
    if kind is None or context.is_value_class(owner):
        return None
    return owner, target.attr, kind


def _receiver_class(
    receiver: ast.Name, function: FunctionNode, context: Context
) -> ast.ClassDef | None:
    if receiver.id in {"self", "cls"}:
        return context.enclosing_class(function)
    if context.binds_locally(function, receiver.id):
        return None
    return context.classes.get(receiver.id)


RULE = Rule(
    code="SLS103",
    name="class-state-mutated",
    message=(
        "class attribute '{cls}.{attr}' ({kind}) is shared by all instances and mutated "
        "{where}; keep it in Redis or the database"
    ),
    summary="Request-serving code mutates a mutable class attribute.",
    rationale=(
        "A list or dict assigned in a class body is created once, when the class is "
        "defined, and shared by every instance in the process. A view that appends to "
        "`self.items` therefore leaks data between users of the same worker, while users "
        "served by other workers never see it. It is per-process state in disguise."
    ),
    bad_example="""\
from django.http import JsonResponse
from django.views import View


class RecentSearches(View):
    recent = []

    def get(self, request):
        self.recent.append(request.GET["q"])
        return JsonResponse({"recent": self.recent[-10:]})
""",
    good_example="""\
from django.core.cache import cache
from django.http import JsonResponse
from django.views import View


class RecentSearches(View):
    def get(self, request):
        recent = cache.get("recent", []) + [request.GET["q"]]
        cache.set("recent", recent[-10:])
        return JsonResponse({"recent": recent[-10:]})
""",
    node_types=(ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete, ast.Call),
    check=check,
    scope="request",
    options=("handler-decorators", "call-depth"),
    references=(
        "https://12factor.net/processes",
        "https://docs.python.org/3/tutorial/classes.html#class-and-instance-variables",
    ),
    notes=(
        "Leaves alone instance attributes (assigned on `self` in any method), class-level "
        "constants never mutated, and classes whose defaults are copied per instance "
        "(pydantic models, dataclasses, attrs, enums, Django models).",
    ),
)
