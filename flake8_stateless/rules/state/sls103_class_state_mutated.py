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
        if _writes_a_constant(node, reported, context):
            continue  # the same constant every time: identical on every process
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


IDEMPOTENT_METHODS = frozenset({"update", "setdefault", "add"})
"""Methods that store their constant arguments once however often they are called
(``append``, ``extend`` and ``insert`` grow the container every time)."""
MAX_CONSTANT_ITEMS = 64
"""Longer literals are not looked through (a constant write is a handful of messages)."""


def _writes_a_constant(node: ast.AST, reported: ast.expr, context: Context) -> bool:
    """``self.error_messages["not_staff"] = _("...")``, ``.update({"k": "v"})``,
    ``.update(k="v")``, ``.setdefault("k", None)``, ``.add("k")``: a constant key and a
    constant value written into a container. Every request writes the same entry, so
    after the first the container is what the code says on every process (as if the
    class had declared it). A key or value from the request is state."""
    if isinstance(node, ast.Assign):
        return (
            len(node.targets) == 1
            and node.targets[0] is reported
            and isinstance(reported, ast.Subscript)
            and _constant(reported.slice, context)
            and _constant(node.value, context)
        )
    if not (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in IDEMPOTENT_METHODS
    ):
        return False
    arguments = [*node.args, *(k.value for k in node.keywords)]
    if not arguments or any(k.arg is None for k in node.keywords):
        return False  # ``.update()`` of nothing, or of ``**values``
    if node.func.attr == "update" and node.args:
        if len(node.args) != 1 or not isinstance(node.args[0], ast.Dict):
            return False  # ``.update(other)``: what another mapping holds
        literal = node.args[0]
        if None in literal.keys or len(literal.keys) > MAX_CONSTANT_ITEMS:
            return False
        arguments = [*(k for k in literal.keys if k is not None), *literal.values]
        arguments += [k.value for k in node.keywords]
    return all(_constant(argument, context) for argument in arguments)


LAZY_SUFFIX = "_lazy"
"""Suffix of Django's lazy translations (``gettext_lazy``, ``pgettext_lazy``): the
message stays a constant, translated when it is shown (``gettext`` itself translates
into the current request's language)."""


def _constant(value: ast.expr, context: Context) -> bool:
    """A literal (a string, number, ``None``, a tuple of literals) or a lazy translation
    of literals (``pgettext_lazy("admin", "...")``, ``_("...")`` imported as
    ``gettext_lazy``, Flask-Babel's ``lazy_gettext``)."""
    if isinstance(value, ast.Constant):
        return True
    if isinstance(value, ast.Tuple):
        return len(value.elts) <= MAX_CONSTANT_ITEMS and all(
            isinstance(element, ast.Constant) for element in value.elts
        )
    if not isinstance(value, ast.Call) or not value.args:
        return False
    name = context.qualified_name(value.func) or ""
    last = name.rpartition(".")[2]
    if not (last.endswith(LAZY_SUFFIX) or last.startswith("lazy_")):
        return False
    return all(
        isinstance(argument, ast.Constant)
        for argument in [*value.args, *(k.value for k in value.keywords)]
    )


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
        "Leaves alone a constant written under a constant key "
        "(`self.error_messages[\"locked\"] = _(\"Too many attempts.\")`, "
        "`.update({\"not_staff\": pgettext_lazy(...)})`, `.setdefault(\"k\", None)`, "
        "`.add(\"k\")`): every request writes the same entry, so the container is the same "
        "on every process. Literals and lazy translations of literals count; a request "
        "value, `gettext(...)` (the current request's language) and `append` (grows on "
        "every request) are reported.",
    ),
)
