"""SLS302 local-connection-registry: live connections kept in process memory to reach users.

An AST rule: it needs scopes (is the container module-level, a class attribute, or a
local?), the handler's parameters and annotations, and the module's other functions
(is the registry iterated to send messages?).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar, cast

from flake8_stateless.context import (
    FUNCTION_TYPES,
    Context,
    FunctionNode,
    dotted_name,
)
from flake8_stateless.frameworks import CONNECTION_CLASS_KINDS
from flake8_stateless.registry import SERVES_REQUESTS, Finding, Rule
from flake8_stateless.semantic.syntax import outer_container

STORE_METHODS = {"append": 0, "add": 0, "appendleft": 0, "insert": 1, "setdefault": 1}
"""Methods that put a value into a container, with the position of that value."""

SEND_METHODS = frozenset(
    {
        "send",
        "send_text",
        "send_json",
        "send_bytes",
        "send_str",
        "send_message",
        "write_message",
        "emit",
        "put",
        "put_nowait",
        "publish",
        "write",
        "notify",
    }
)
"""Methods that push a message to a connection (or to the queue feeding a stream)."""

RECIPIENT_KEYWORDS = frozenset({"to", "room", "sid", "namespace_sid"})
"""Keywords of ``emit``/``send`` that name the Socket.IO client to reach."""

CONNECTION_PARAMETERS = frozenset({"websocket", "ws", "websocket_connection", "wsock"})

WEAK_CONTAINERS = {
    "weakref.WeakSet": "WeakSet",
    "weakref.WeakValueDictionary": "WeakValueDictionary",
    "weakref.WeakKeyDictionary": "WeakKeyDictionary",
}
T = TypeVar("T")

STREAM_QUEUES = frozenset({"asyncio.Queue", "queue.Queue", "queue.SimpleQueue", "janus.Queue"})


@dataclass(frozen=True)
class Registry:
    """A container that outlives requests: how users see it, and how code refers to it."""

    description: str
    """Where the connections are kept, as the message says it."""
    references: frozenset[str]
    owner_class: ast.ClassDef | None = None
    """For ``self.x`` references: the class whose methods may use them."""


def check(node: ast.AST, function: FunctionNode | None, context: Context) -> Iterator[Finding]:
    if function is None or context.path.never_serves:
        return
    for container, value in _stores(node):
        connection = _connection(value, function, context)
        handed = connection is None
        if handed:
            connection = _handed_connection(value, function, context)
        if connection is None:
            continue
        registry = _registry(container, function, context, handed=handed)
        if registry is None:
            continue
        # a connection handed to a long-lived object's ``register``/``subscribe`` is kept
        # there to be called back: the hand-over says what the container is for
        if handed or _reaches_users(registry, context):
            yield RULE.finding(node, what=connection, where=registry.description)
            return


def _handed_connection(value: ast.expr, function: FunctionNode, context: Context) -> str | None:
    """``listener`` in ``self._listeners.append(listener)`` when a per-connection handler
    elsewhere in the project hands itself (or a bound method of itself) to this
    parameter: ``self._users.register_listener(self)`` in a websocket's ``on_open``."""
    if not isinstance(value, ast.Name):
        return None
    owner = _parameter_owner(function, value.id, context)
    if owner is None:
        return None
    return context.connection_parameter(owner[2], value.id)


def _stores(node: ast.AST) -> Iterator[tuple[ast.expr, ast.expr]]:
    """(container, stored value) for ``c.append(v)``, ``c.setdefault(k, set()).add(v)``,
    ``c[k] = v``, ``c[k].append(v)``."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        position = STORE_METHODS.get(node.func.attr)
        if position is not None and len(node.args) > position:
            yield outer_container(node.func.value), node.args[position]
    elif isinstance(node, ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Subscript):
                yield outer_container(target.value), node.value


def _connection(value: ast.expr, function: FunctionNode, context: Context) -> str | None:
    """How users would call ``value`` if it is a live connection, else None."""
    if isinstance(value, ast.Tuple):
        return next(
            (c for e in value.elts if (c := _connection(e, function, context)) is not None), None
        )
    if isinstance(value, ast.Attribute):
        if (
            value.attr == "sid"
            and isinstance(value.value, ast.Name)
            and (context.qualified_name(value.value) in {"flask.request", "request"})
        ):
            return "Socket.IO sid 'request.sid'"
        return None
    if not isinstance(value, ast.Name):
        return None
    name = value.id
    if name == "self":
        cls = context.enclosing_class(function)
        if cls is not None and context.class_kind(cls) in CONNECTION_CLASS_KINDS:
            return f"'{cls.name}' connection"
        return None
    owner = _parameter_owner(function, name, context)
    if owner is not None:
        parameter, serving, _ = owner
        if _is_websocket_type(parameter.annotation, context) or name in CONNECTION_PARAMETERS:
            return f"websocket '{name}'"
        if name == "sid" and serving:
            return "Socket.IO sid 'sid'"
        return None
    made = _local_constructor(function, name, context)
    if made is not None and made.rpartition(".")[2].startswith("WebSocket"):
        return f"websocket '{name}'"
    if made in STREAM_QUEUES and context.is_request_serving(function):
        return f"stream queue '{name}'"
    return None


def _is_websocket_type(annotation: ast.expr | None, context: Context) -> bool:
    """``WebSocket``, ``fastapi.WebSocket``, ``web.WebSocketResponse``, an alias of one."""
    if annotation is None:
        return False
    names = {dotted_name(annotation) or "", context.qualified_name(annotation) or ""}
    return any("WebSocket" in name.rpartition(".")[2] for name in names)


def _memo(context: Context, what: str, node: ast.AST, compute: Callable[[], T]) -> T:
    """``compute()`` once per file for ``(what, node)``: store sites are many, the
    answers about their function, class or registry are few."""
    key = (what, id(node))
    memo = context.rule_memo
    if key not in memo:
        memo[key] = compute()
    return cast(T, memo[key])


def _parameter_owner(
    function: FunctionNode, name: str, context: Context
) -> tuple[ast.arg, bool, FunctionNode] | None:
    """The parameter ``name`` of ``function`` (or of a function enclosing it), whether
    that function serves requests, and that function."""
    current: FunctionNode | None = function
    while current is not None:
        arguments = current.args
        for parameter in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
            if parameter.arg == name:
                return parameter, context.is_request_serving(current), current
        if name in context.scope(current).local:
            return None
        current = context.function_parent.get(id(current))
    return None


def _local_constructor(function: FunctionNode, name: str, context: Context) -> str | None:
    """The qualified constructor ``name`` is bound to in ``function`` (``ws = Foo()`` or
    ``ws = await Foo()``), if any."""
    constructors = _memo(
        context, "sls302-constructors", function, lambda: _constructors(function, context)
    )
    return constructors.get(name)


def _constructors(function: FunctionNode, context: Context) -> dict[str, str]:
    """Local name -> the qualified constructor it is first bound to, in one pass."""
    found: dict[str, str] = {}
    for node in context.own_nodes(function):
        if isinstance(node, ast.Assign):
            value = node.value.value if isinstance(node.value, ast.Await) else node.value
            constructor = (
                context.qualified_name(value.func) if isinstance(value, ast.Call) else None
            )
            for target in node.targets:
                if isinstance(target, ast.Name) and constructor is not None:
                    found.setdefault(target.id, constructor)
    return found


def _registry(
    container: ast.expr, function: FunctionNode, context: Context, *, handed: bool = False
) -> Registry | None:
    """The container as a process-wide registry, or None when it is per request or
    per connection (a local, an instance attribute of a per-connection handler).
    ``handed``: the stored connection came from another object's handler, so ``self``
    may be a long-lived object of any module (see ``_long_lived_registry``)."""
    if isinstance(container, ast.Name):
        name = container.id
        if context.binds_locally(function, name):
            return None
        kind = _container_kind(context.module_values.get(name), context)
        if kind is None:
            return None
        return Registry(f"module-level {kind} '{name}'", frozenset({name}))
    if not isinstance(container, ast.Attribute) or not isinstance(container.value, ast.Name):
        return None
    holder, attr = container.value.id, container.attr
    if holder in {"self", "cls"}:
        cls = context.enclosing_class(function)
        if cls is None:
            return None
        registry = _attribute_registry(cls, attr, context)
        if registry is None and handed and holder == "self":
            registry = _long_lived_registry(cls, attr, function, context)
        return registry
    local_class = context.classes.get(holder)
    if local_class is not None and not context.binds_locally(function, holder):
        return _class_attribute(local_class, attr, context)
    instance_class = _module_instance_class(holder, context)
    if instance_class is not None and not context.binds_locally(function, holder):
        registry = _attribute_registry(instance_class, attr, context)
        if registry is not None:
            references = registry.references | {f"{holder}.{attr}"}
            return Registry(registry.description, references, instance_class)
    return None


def _attribute_registry(cls: ast.ClassDef, attr: str, context: Context) -> Registry | None:
    """``self.attr``: shared when it is a class attribute, or when the class is a
    manager instantiated once at module level (not a per-connection handler)."""
    shared = _class_attribute(cls, attr, context)
    if shared is not None:
        return shared
    if context.class_kind(cls) is not None:
        return None
    instance = _memo(context, "sls302-instance", cls, lambda: _module_instance(cls, context))
    if instance is None or not _holds_container(cls, attr, context):
        return None
    return Registry(
        f"'{instance}.{attr}'",
        frozenset({f"self.{attr}", f"{instance}.{attr}"}),
        cls,
    )


def _long_lived_registry(
    cls: ast.ClassDef, attr: str, function: FunctionNode, context: Context
) -> Registry | None:
    """``self.attr`` of a manager that requests reach as a long-lived object (made once
    at start-up in another module and handed around), when ``__init__`` makes it a
    container."""
    if context.class_kind(cls) is not None or not context.self_is_long_lived(function):
        return None
    kind = _memo(context, "sls302-held:" + attr, cls, lambda: _held_kind(cls, attr, context))
    if kind is None:
        return None
    return Registry(
        f"{kind} 'self.{attr}' of the long-lived {cls.name}", frozenset({f"self.{attr}"}), cls
    )


def _module_instance(cls: ast.ClassDef, context: Context) -> str | None:
    """The module-level name bound to an instance of ``cls``, if any."""
    return next((n for n, v in context.module_values.items() if _constructs(v, cls, context)), None)


def _class_attribute(cls: ast.ClassDef, attr: str, context: Context) -> Registry | None:
    if attr in context.instance_attributes(cls):
        return None
    found = context.class_attribute(cls, attr)
    if found is None:
        return None
    owner, value = found
    kind = _container_kind(value, context)
    if kind is None:
        return None
    references = {f"self.{attr}", f"cls.{attr}", f"{owner.name}.{attr}", f"{cls.name}.{attr}"}
    return Registry(f"class-level {kind} '{owner.name}.{attr}'", frozenset(references), cls)


def _holds_container(cls: ast.ClassDef, attr: str, context: Context) -> bool:
    """Whether ``__init__`` sets ``self.attr`` to a container."""
    return _held_kind(cls, attr, context) is not None


def _held_kind(cls: ast.ClassDef, attr: str, context: Context) -> str | None:
    """The kind of container ``__init__`` sets ``self.attr`` to, if any."""
    for statement in cls.body:
        if isinstance(statement, FUNCTION_TYPES) and statement.name == "__init__":
            for node in context.own_nodes(statement):
                if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    for target in targets:
                        if (
                            isinstance(target, ast.Attribute)
                            and target.attr == attr
                            and isinstance(target.value, ast.Name)
                            and target.value.id == "self"
                        ):
                            kind = _container_kind(node.value, context)
                            if kind is not None:
                                return kind
    return None


def _module_instance_class(name: str, context: Context) -> ast.ClassDef | None:
    value = context.module_values.get(name)
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Name):
        return context.classes.get(value.func.id)
    return None


def _constructs(value: ast.expr, cls: ast.ClassDef, context: Context) -> bool:
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Name)
        and context.classes.get(value.func.id) is cls
    )


def _container_kind(value: ast.AST | None, context: Context) -> str | None:
    if value is None:
        return None
    if isinstance(value, ast.Call):
        weak = WEAK_CONTAINERS.get(context.qualified_name(value.func) or "")
        if weak is not None:
            return weak
        if isinstance(value.func, ast.Name) and value.func.id in context.classes:
            return None  # an object of the app's own, not a container
    return context.mutable_kind(value)


# ----------------------------------------------------------------- reaching users
def _reaches_users(registry: Registry, context: Context) -> bool:
    """Whether some function sends through the registry: iterates it and sends to each
    connection, or looks one up and sends to it. Once per registry and file."""
    what = "sls302-reaches:" + ",".join(sorted(registry.references))
    owner = registry.owner_class or context.tree
    return _memo(context, what, owner, lambda: _sends_anywhere(registry, context))


def _sends_anywhere(registry: Registry, context: Context) -> bool:
    shared = frozenset(r for r in registry.references if not r.startswith("self."))
    for function in context.functions:
        in_class = context.enclosing_class(function) is registry.owner_class
        references = registry.references if in_class else shared
        if references and any(_sends_through(n, references) for n in context.own_nodes(function)):
            return True
    return False


def _sends_through(node: ast.AST, references: frozenset[str]) -> bool:
    if isinstance(node, (ast.For, ast.AsyncFor)):
        if _refers_to(node.iter, references):
            names = _bound_names(node.target)
            body = [part for statement in node.body for part in ast.walk(statement)]
            return any(_sends_to(part, names) for part in body)
        return False
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
        for generator in node.generators:
            if _refers_to(generator.iter, references):
                names = _bound_names(generator.target)
                elements = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
                if any(_sends_to(p, names) for e in elements for p in ast.walk(e)):
                    return True
        return False
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    method = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if (
        isinstance(func, ast.Attribute)
        and method in SEND_METHODS
        and _looks_up(func.value, references)
    ):
        return True  # registry[user_id].send_text(...)
    if method in {"emit", "send"}:
        return any(
            k.arg in RECIPIENT_KEYWORDS and _looks_up(k.value, references) for k in node.keywords
        )
    return False


def _refers_to(expr: ast.expr, references: frozenset[str]) -> bool:
    """``registry``, ``registry.values()``, ``list(registry)``, ``registry[k]``,
    ``registry.get(k, ())``, ``registry.copy()``..."""
    while True:
        if _dotted(expr) in references:
            return True
        if isinstance(expr, ast.Call):
            if isinstance(expr.func, ast.Attribute):
                expr = expr.func.value
            elif expr.args:
                expr = expr.args[0]
            else:
                return False
        elif isinstance(expr, (ast.Subscript, ast.Starred)):
            expr = expr.value
        else:
            return False


def _looks_up(expr: ast.expr, references: frozenset[str]) -> bool:
    """``registry[k]`` or ``registry.get(k)``: one connection taken out of it."""
    if isinstance(expr, ast.Subscript):
        return _dotted(expr.value) in references
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
        return expr.func.attr == "get" and _dotted(expr.func.value) in references
    return False


def _sends_to(node: ast.AST, names: set[str]) -> bool:
    """``ws.send_text(...)`` on a loop variable, or ``sio.emit(..., to=sid)``."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    method = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
    if isinstance(func, ast.Attribute) and method in SEND_METHODS:
        receiver = func.value
        if isinstance(receiver, ast.Name) and receiver.id in names:
            return True
    if method in {"emit", "send"}:
        return any(
            k.arg in RECIPIENT_KEYWORDS and isinstance(k.value, ast.Name) and k.value.id in names
            for k in node.keywords
        )
    return False


def _bound_names(target: ast.expr) -> set[str]:
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}


def _dotted(expr: ast.expr) -> str | None:
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
        return f"{expr.value.id}.{expr.attr}"
    return None


RULE = Rule(
    code="SLS302",
    name="local-connection-registry",
    message="{what} stored in {where} reaches only this process's users; broadcast via Redis",
    summary="Live connections are kept in a process-local container and used to reach users.",
    rationale=(
        "A list of open websockets, SSE streams or Socket.IO sids in process memory only "
        "holds the users connected to that process. Broadcasting by iterating it, or "
        "looking a user's connection up in it, silently misses every user connected to "
        "another worker or replica, and works in development only because there is one "
        "process. Publish through a shared channel (Redis pub/sub, a Channels layer, a "
        "Socket.IO message queue) and let each process deliver to its own connections."
    ),
    bad_example="""\
import websockets

CLIENTS = set()


async def handler(websocket):
    CLIENTS.add(websocket)
    try:
        await websocket.wait_closed()
    finally:
        CLIENTS.remove(websocket)


async def broadcast(message):
    for websocket in CLIENTS:
        await websocket.send(message)
""",
    good_example="""\
import os

import redis.asyncio as redis

bus = redis.from_url(os.environ["REDIS_URL"])


async def handler(websocket):
    async with bus.pubsub() as channel:
        await channel.subscribe("news")
        async for message in channel.listen():
            if message["type"] == "message":
                await websocket.send(message["data"])


async def broadcast(message):
    await bus.publish("news", message)
""",
    node_types=(ast.Call, ast.Assign),
    check=check,
    scope="module",
    # per-connection handler classes and stream queues only count in request-serving code
    triggers=("*websocket*", "ws", "wsock", "sid", SERVES_REQUESTS),
    references=(
        "https://12factor.net/processes",
        "https://fastapi.tiangolo.com/advanced/websockets/",
        "https://channels.readthedocs.io/en/stable/topics/channel_layers.html",
    ),
    notes=(
        "Leaves alone per-connection state inside one handler (locals, attributes of a "
        "handler instance that lives as long as its connection), registries that are never "
        "used to send (only closed at shutdown or counted), tests and management commands.",
        "Follows a connection across modules: a per-connection handler (a Tornado or SockJS "
        "connection, a Channels consumer, vendored copies of `sockjs.tornado` included) that "
        "hands itself or a bound method of itself to a method of a long-lived object or to "
        "a module-level function (`users.register_listener(self)` in `on_open`) is reported "
        "where that function stores the parameter into a container it holds; removing it "
        "again (in `on_close`) is the same registration, not SLS101 state.",
    ),
)
