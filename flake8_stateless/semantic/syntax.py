"""Syntax facts: pure functions of AST nodes, no module knowledge, no rule knowledge.

The bottom layer: the semantic model, the project summaries, the scope decisions and the
rules all use these. Everything here is iterative (no recursion on user code) and looks
at each node a bounded number of times.
"""

from __future__ import annotations

import ast
import bisect
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TypeGuard

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


KEYED_READS = frozenset({"setdefault", "get"})
"""Methods that give the entry under a key (``tables.setdefault(item, [])``)."""


def outer_container(expression: ast.expr) -> ast.expr:
    """The container under items and keyed reads: ``self._listeners`` for
    ``self._listeners``, ``self._listeners[event]`` and
    ``self._listeners.setdefault(event, []).get(kind, ())``: a table of per-key lists
    is still the table."""
    while True:  # each step goes one node down the expression: bounded by its depth
        if isinstance(expression, ast.Subscript):
            expression = expression.value
        elif (
            isinstance(expression, ast.Call)
            and isinstance(expression.func, ast.Attribute)
            and expression.func.attr in KEYED_READS
        ):
            expression = expression.func.value
        else:
            return expression


def keyed_container(expression: ast.expr) -> str | None:
    """The dotted name of :func:`outer_container`, or None when it is not a name."""
    return dotted_name(outer_container(expression))


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


def line_span(body: list[ast.stmt]) -> tuple[int, int]:
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


@dataclass
class FunctionScope:
    """Names a function binds locally, and those it declares global or nonlocal."""

    local: set[str]
    global_: set[str]
    nonlocal_: set[str]


def is_main_guard(test: ast.expr) -> bool:
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and len(test.comparators) == 1
        and string_value(test.comparators[0]) == "__main__"
    )


def literal_mutable(value: ast.AST) -> bool:
    return isinstance(value, (ast.Dict, ast.List, ast.Set, ast.DictComp, ast.ListComp, ast.SetComp))


def is_self_attribute(node: ast.AST) -> TypeGuard[ast.Attribute]:
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
            extend_with_children(pending, node)


NAMED_SCOPES = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef})
NESTED_SCOPES = NAMED_SCOPES | {
    ast.Lambda,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
}
_OPAQUE_TO_STATEMENTS = NAMED_SCOPES | {ast.Lambda}


LEAF_FIELDS = frozenset(
    {"ctx", "id", "attr", "arg", "name", "asname", "module", "level", "is_async", "simple",
     "conversion", "kind", "type_comment", "tag"}
)  # fmt: skip
"""Fields that never hold a node worth visiting: names, numbers and flags, and ``ctx``
(the Load/Store/Del marker of names and attributes, which no check asks about: they are
a third of the nodes of a function body)."""
CHILD_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {}
"""``child_fields`` of the node classes met so far (for loops that inline the look-up)."""


def child_fields(cls: type[ast.AST]) -> tuple[str, ...]:
    """The fields of node class ``cls`` that may hold child nodes (not ``LEAF_FIELDS``)."""
    fields = CHILD_FIELDS.get(cls)
    if fields is None:
        fields = CHILD_FIELDS[cls] = tuple(f for f in cls._fields if f not in LEAF_FIELDS)
    return fields


def extend_with_children(pending: list[ast.AST], node: ast.AST) -> None:
    """``pending.extend(ast.iter_child_nodes(node))`` without its two generators and
    without ``ctx`` markers: this runs for every node of every function a rule asks
    about."""
    push = pending.append
    cls = node.__class__
    fields = CHILD_FIELDS.get(cls)
    if fields is None:
        fields = child_fields(cls)
    for field in fields:
        value = getattr(node, field, None)
        if value.__class__ is list:
            for item in value:
                if isinstance(item, ast.AST):
                    push(item)
        elif isinstance(value, ast.AST):
            push(value)


def mutates_self(node: ast.AST) -> bool:
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


ITERATION_COPIES = frozenset({"list", "tuple", "sorted", "reversed"})
"""Calls that copy what they iterate: ``for w in list(c.values())`` loops over ``c``."""


def iterated_view(iterated: ast.expr) -> tuple[ast.expr, str]:
    """(container, view) a loop iterates: ``list(c.items())`` -> (``c``, "items"),
    ``c.values()`` -> (``c``, "values"), ``c`` -> (``c``, ""). Copies are looked
    through; a call with arguments is not a view."""
    for _ in range(8):
        if not (
            isinstance(iterated, ast.Call)
            and isinstance(iterated.func, ast.Name)
            and iterated.func.id in ITERATION_COPIES
            and len(iterated.args) == 1
        ):
            break
        iterated = iterated.args[0]
    if (
        isinstance(iterated, ast.Call)
        and isinstance(iterated.func, ast.Attribute)
        and not iterated.args
        and not iterated.keywords
    ):
        return iterated.func.value, iterated.func.attr
    return iterated, ""


QUEUE_TAKE_OPTIONS = frozenset({"block", "timeout"})
"""Keyword arguments of ``Queue.get``: a ``get`` with any other keyword is not a take."""


def queue_take(call: ast.Call) -> ast.expr | None:
    """The queue ``call`` takes an item from, else None: ``q.get()``, ``q.get(True)``,
    ``q.get(block=True, timeout=1)``, ``q.get_nowait()``, and a project queue's own
    blocking getter (``q.async_get(executor=pool, timeout=1.0)``: a method ending in
    ``_get`` with no positional argument, given ``block=`` or ``timeout=``). Not
    ``d.get(key)``, ``requests.get(url)`` or ``client.get(url=...)``."""
    func = call.func
    if not isinstance(func, ast.Attribute):
        return None
    method = func.attr
    keywords = {keyword.arg for keyword in call.keywords}
    if method == "get_nowait":
        return func.value if not call.args and not keywords else None
    if method == "get":
        if len(call.args) > 2 or not keywords <= QUEUE_TAKE_OPTIONS:
            return None
        block = call.args[0] if call.args else None
        if block is not None and not (
            isinstance(block, ast.Constant) and isinstance(block.value, bool)
        ):
            return None
        return func.value
    if method.endswith("_get") and not call.args and keywords & QUEUE_TAKE_OPTIONS:
        return func.value
    return None


def waits_for_an_item(call: ast.Call) -> bool:
    """Whether a queue take blocks until an item comes (``q.get()``, ``q.get(True)``,
    ``q.get(timeout=1)``), unlike ``q.get_nowait()``, ``q.get(False)`` or
    ``q.get(block=False)``, which empty a queue and stop."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "get_nowait":
        return False
    block: ast.expr | None = call.args[0] if call.args else None
    for keyword in call.keywords:
        if keyword.arg == "block":
            block = keyword.value
    return not (isinstance(block, ast.Constant) and block.value is False)


def drains_queue_in_loop(function: FunctionNode) -> bool:
    """Whether ``function`` runs a service loop that waits for items from a queue: a
    ``while`` loop (forever, while a flag holds, until an event is set) whose body
    blocks on a take from a queue its test does not look at. ``while not q.empty():
    q.get()`` and ``while True: q.get_nowait() ... except Empty: break`` empty a queue
    once and stop: not service loops. One walk of the body; each loop test is read
    once."""
    pending: list[tuple[ast.AST, tuple[frozenset[str], ...]]] = [
        (statement, ()) for statement in function.body
    ]
    while pending:
        node, tested = pending.pop()
        if node.__class__ in _OPAQUE_TO_STATEMENTS:
            continue
        if tested and isinstance(node, ast.Call):
            taken = queue_take(node) if waits_for_an_item(node) else None
            taken_name = dotted_name(taken) if taken is not None else None
            last = taken_name.rpartition(".")[2] if taken_name is not None else None
            if last is not None and not any(last in names for names in tested):
                return True
        if isinstance(node, (ast.For, ast.AsyncFor)) and iterates_a_queue(node.iter):
            return True  # ``for job in iter(q.get, None):``
        if isinstance(node, ast.While):
            if isinstance(node.test, ast.Constant) and not node.test.value:
                continue  # ``while False:`` never runs
            if _takes_in_test(node.test):
                return True  # ``while (job := q.get()) is not None:``
            inner = (*tested, _names_read(node.test))
            pending.extend((statement, inner) for statement in node.body)
            pending.append((node.test, tested))
            pending.extend((statement, tested) for statement in node.orelse)
            continue
        children: list[ast.AST] = []
        extend_with_children(children, node)
        pending.extend((child, tested) for child in children)
    return False


def iterates_a_queue(iterated: ast.expr) -> bool:
    """``iter(q.get, None)``: every step blocks until the queue gives an item."""
    return (
        isinstance(iterated, ast.Call)
        and isinstance(iterated.func, ast.Name)
        and iterated.func.id == "iter"
        and len(iterated.args) == 2
        and isinstance(iterated.args[0], ast.Attribute)
        and iterated.args[0].attr == "get"
    )


def _takes_in_test(test: ast.expr) -> bool:
    """A loop test that binds a blocking take (``(job := q.get()) is not None``)."""
    return any(
        isinstance(part, ast.NamedExpr)
        and isinstance(part.value, ast.Call)
        and queue_take(part.value) is not None
        and waits_for_an_item(part.value)
        for part in ast.walk(test)
    )


def _names_read(expression: ast.expr) -> frozenset[str]:
    """The names and attribute names ``expression`` reads (``not self.queue.empty()``
    reads ``self``, ``queue`` and ``empty``): a loop whose test reads the last name of
    a queue is about that queue."""
    names: set[str] = set()
    for node in ast.walk(expression):
        if isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.Name):
            names.add(node.id)
    return frozenset(names)
