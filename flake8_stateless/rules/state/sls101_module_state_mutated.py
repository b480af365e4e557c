"""SLS101 module-state-mutated: request code changing a module-level container."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from flake8_stateless.context import (
    Context,
    FunctionNode,
    dotted_name,
    mutation_sites,
    root_name,
)
from flake8_stateless.registry import Finding, Rule
from flake8_stateless.scope import state


def check(node: ast.AST, function: FunctionNode | None, context: Context) -> Iterator[Finding]:
    if function is None:
        return
    for changed, reported in mutation_sites(node):
        container = _through_entry_alias(changed, reported, node, function, context)
        if _per_connection(node, reported, container, function, context):
            continue  # live connections can only be tracked where they live (SLS302)
        what = _state(node, container, reported, function, context)
        if what is None or _not_state(node, container, reported, function, context):
            continue
        if what.startswith("app state") and _refilled(node, function, context):
            continue
        yield RULE.finding(reported, what=what, group=f"{id(function)}:{what}")
    if isinstance(node, ast.Call):
        memo = _memoised_call(node, function, context)
        if memo is not None:
            yield RULE.finding(node, what=memo, group=f"{id(function)}:{memo}")


SET_UP_METHODS = frozenset({"__init__", "__new__", "__post_init__", "__enter__", "__aenter__"})


def _rebuilt_from_itself(node: ast.AST, reported: ast.expr, function: FunctionNode) -> bool:
    """``self.pending = list(filter(..., self.pending))`` outside set-up: the container
    held in ``self.pending`` is replaced by a changed copy of itself, which changes it
    as surely as ``remove`` would (OctoPrint's app keys drop entries this way)."""
    if not (
        isinstance(node, ast.Assign)
        and isinstance(reported, ast.Attribute)
        and isinstance(reported.value, ast.Name)
        and reported.value.id == "self"
        and function.name not in SET_UP_METHODS
    ):
        return False
    attribute = reported.attr
    if dotted_name(node.value) == f"self.{attribute}":
        return False  # ``self.items = self.items``: nothing changes
    return any(
        isinstance(part, ast.Attribute)
        and part.attr == attribute
        and isinstance(part.value, ast.Name)
        and part.value.id == "self"
        for part in ast.walk(node.value)
    )


def _holds_a_container(attribute: str, function: FunctionNode, context: Context) -> bool:
    """``self.<attribute> = []`` (or another container) in a method of the class."""
    cls = context.enclosing_class(function)
    return cls is not None and attribute in context.instance_containers(cls)


ENTRY_GETTERS = frozenset({"get", "setdefault"})
"""Methods that hand back an entry of a mapping itself (not a copy)."""


def _through_entry_alias(
    container: ast.expr,
    reported: ast.expr,
    node: ast.AST,
    function: FunctionNode,
    context: Context,
) -> ast.expr:
    """``cart = CARTS.get(uid)`` then ``cart["items"] = ...``: a local name bound once,
    before the change, to an entry of another container (``X[k]``, ``X.get(k)``,
    ``X.setdefault(k, ...)``) is that entry, so changing it in place (an item set or
    deleted, a mutating method) changes ``X``. Returns the container as ``X[k]...``;
    anything else (a copy, a name bound twice, a parameter, an attribute set on the
    entry) is returned unchanged."""
    if isinstance(reported, ast.Attribute):
        return container  # an attribute of an object: may be anything
    levels: list[ast.Subscript] = []
    root = container
    while isinstance(root, ast.Subscript):
        levels.append(root)
        root = root.value
    if not isinstance(root, ast.Name):
        return container
    entry = _entry_bound_to(root.id, node, function, context)
    if entry is None:
        return container
    for level in reversed(levels):
        entry = ast.copy_location(ast.Subscript(entry, level.slice, ast.Load()), level)
    return entry


def _entry_bound_to(
    name: str, node: ast.AST, function: FunctionNode, context: Context
) -> ast.expr | None:
    """The entry expression (``X[k]``) ``name`` is bound to in ``function``, when its one
    binding there is ``name = X[k]`` / ``X.get(k)`` / ``X.setdefault(k, ...)`` before
    ``node``."""
    binding = _entry_bindings(function, context).get(name)
    if binding is None or binding.lineno >= getattr(node, "lineno", 0):
        return None
    value = binding.value
    if isinstance(value, ast.Subscript):
        return value
    assert isinstance(value, ast.Call)
    assert isinstance(value.func, ast.Attribute)
    subscript = ast.Subscript(value.func.value, value.args[0], ast.Load())
    return ast.copy_location(subscript, value)


def _entry_bindings(function: FunctionNode, context: Context) -> dict[str, ast.Assign]:
    """Local names of ``function`` bound exactly once, by ``name = <an entry>`` (once per
    function: the rule asks for every change of a local container)."""
    key = ("sls101-entry-bindings", id(function))
    known = context.rule_memo.get(key)
    if isinstance(known, dict):
        return known
    arguments = function.args
    parameters = {
        a.arg
        for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                  arguments.vararg, arguments.kwarg)
        if a is not None
    }
    stores: dict[str, int] = {}
    assigned: dict[str, ast.Assign] = {}
    for candidate in context.own_nodes(function):
        if isinstance(candidate, ast.Name) and not isinstance(candidate.ctx, ast.Load):
            stores[candidate.id] = stores.get(candidate.id, 0) + 1
        elif (
            isinstance(candidate, ast.Assign)
            and len(candidate.targets) == 1
            and isinstance(candidate.targets[0], ast.Name)
            and _is_entry(candidate.value)
        ):
            assigned[candidate.targets[0].id] = candidate
    bound = {
        name: assign
        for name, assign in assigned.items()
        if stores.get(name) == 1 and name not in parameters
    }
    context.rule_memo[key] = bound
    return bound


def _is_entry(value: ast.expr) -> bool:
    """``X[k]``, ``X.get(k)``, ``X.setdefault(k, ...)``: the entry itself, not a copy."""
    if isinstance(value, ast.Subscript):
        return True
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr in ENTRY_GETTERS
        and bool(value.args)
        and not isinstance(value.args[0], ast.Starred)
    )


def _not_state(
    node: ast.AST,
    container: ast.expr,
    reported: ast.expr,
    function: FunctionNode,
    context: Context,
) -> bool:
    """rules.md "not state": an entry added and removed in the same request, and a
    per-process memo of data that is the same on every process (see ``scope/state.py``)."""
    key = state.entry_key(node, reported)
    if state.removed_in_finally(container, key, function, context):
        return True
    held = dotted_name(_strip_subscripts(container))
    if held is not None and state.holds_work_handles(held, context):
        return True  # handles of this process's own threads and tasks
    if state.set_up_once(node, function, context):
        return True
    root = _strip_subscripts(container)
    if (
        isinstance(root, ast.Name)
        and not context.binds_locally(function, root.id)
        and context.module_mutable_kind(root.id) is not None
        and state.in_flight_table(root.id, context)
    ):
        return True  # marks of what this process's own workers are working on
    if state.in_service_fallback(node, function, context):
        return True  # the in-memory fallback when the deployer configures no Redis
    if (
        isinstance(node, ast.Assign)
        and isinstance(reported, ast.Attribute)
        and state.lazily_set(reported, function, context)
    ):
        return True  # ``if app.state.model is None: app.state.model = load()``
    if isinstance(node, ast.Assign) and isinstance(reported, ast.Subscript):
        verdict = state.memo_store(container, key, function, context, node.value)
        if verdict is not None:
            return verdict == "memo"
    name = dotted_name(container)
    return name is not None and state.is_silent_memo(name, context)


GETTERS = ("get_", "fetch_", "load_", "refresh_")
"""Functions that refill a copy of backing data (``get_all_models`` storing the list
it fetched in ``app.state``)."""


def _refilled(node: ast.AST, function: FunctionNode, context: Context) -> bool:
    """The app's shared state written as a refilled copy, not as a change a request
    makes: by a ``before_request`` hook (set again before every request reads it), by a
    getter or cache function (``get_all_models`` storing what it fetched), or stored and
    handed back (``app.state.models = models; return models``, or ``return
    app.state.models`` itself)."""
    if state.runs_before_each_request(function):
        return True
    if "cache" in function.name.lower() or function.name.startswith(GETTERS):
        return True
    if not isinstance(node, ast.Assign):
        return False
    value = node.value
    if isinstance(value, ast.Name) and state.returns_name(value.id, function, context):
        return True
    # ``request.app.state.servers = await fetch(...)`` ... ``return request.app.state.servers``
    return state.returns_what_it_stored(node.targets, function, context)


def _strip_subscripts(container: ast.expr) -> ast.expr:
    while isinstance(container, ast.Subscript):
        container = container.value
    return container


def _memoised_call(call: ast.Call, function: FunctionNode, context: Context) -> str | None:
    """``profile(session["uid"])`` where ``profile`` is an ``@lru_cache`` function: the
    memo lives as long as the process and is keyed by a request value, so after the
    user changes their profile the other processes keep serving the old one."""
    func = call.func
    if not isinstance(func, ast.Name) or not (call.args or call.keywords):
        return None
    # whether the callee is a memo first: most calls are not, and the request-value test
    # reads the whole function
    decorator = _local_cache_decorator(func.id, context)
    bound = context.module_bindings.get(func.id, ())
    if decorator is None and bound and not any(
        isinstance(value, (ast.Import, ast.ImportFrom)) for value in bound
    ):
        return None  # defined in this module, and not a memo
    if context.binds_locally(function, func.id):
        return None  # a local name: not the module-level function
    if decorator is None:
        decorator = context.project_cache_decorator(func.id)
    if decorator is None:
        return None
    arguments = [*call.args, *(k.value for k in call.keywords)]
    if not any(state.is_request_value(a, function, context) for a in arguments):
        return None
    return f"the `@{decorator}` memo of '{func.id}', keyed by a request value,"


def _local_cache_decorator(name: str, context: Context) -> str | None:
    """The memoising decorator of the module-level function ``name``, when it takes
    arguments."""
    for value in context.module_bindings.get(name, ()):
        if isinstance(value, (ast.FunctionDef, ast.AsyncFunctionDef)):
            decorator = state.cache_decorator(value)
            if decorator is not None and state.takes_arguments(value):
                return decorator
    return None


def _state(
    node: ast.AST,
    container: ast.expr,
    reported: ast.expr,
    function: FunctionNode,
    context: Context,
) -> str | None:
    """How to name the state ``container`` is part of, when it outlives the request:
    a module-level container of this module or of another one, or a container held on
    an object that lives as long as the process."""
    shared = _app_state(container, reported)
    if shared is not None:
        return shared
    root = root_name(container)
    if root is None:
        return None
    if root.id == "self":
        return _long_lived_container(node, container, reported, function, context)
    if context.binds_locally(function, root.id):
        return _captured_container(root.id, function, context) or _held_by_long_lived(
            container, reported, function, context, local=True
        )
    kind = context.module_mutable_kind(root.id)
    if kind is not None:
        if container is root and isinstance(reported, ast.Attribute) and not kind.endswith(
            " instance"
        ):
            return None  # attribute assignment on a dict or list is not this rule's
        return f"module-level {kind} '{root.id}'"
    if root.id in context.module_bindings or context.is_imported(root.id):
        held = _held(container)
        if held is not None:
            found = context.project_container(held)
            if found is not None:
                return found[0]
        return _held_by_long_lived(container, reported, function, context)
    return None


def _held_by_long_lived(
    container: ast.expr,
    reported: ast.expr,
    function: FunctionNode,
    context: Context,
    *,
    local: bool = False,
) -> str | None:
    """``datastore.data["watching"][uuid] = watch`` where ``datastore`` is an object that
    lives as long as the process (handed to a blueprint factory at set-up, a module-level
    instance, a singleton): an item stored in something it holds, or one of its
    attributes rebound from outside (``config.mail_server = ...``). Only what certainly
    changes a container counts; method calls on an unknown attribute (``db.session.add``)
    do not."""
    if isinstance(container, ast.Name) and isinstance(reported, ast.Attribute):
        # ``config.mail_server = form.server``: the object's own attribute rebound
        cls = context.long_lived_object(function, container.id)
        return None if cls is None else f"the long-lived {cls} '{container.id}'"
    if not _certainly_a_container(container, reported):
        return None
    held = _held(container)
    if held is not None and "." not in held:
        if not local:
            return None  # a module-level name: the module-level checks judge it
        # ``watch["paused"] = True`` where the variable ``watch`` holds a long-lived
        # mapping (taken out of a long-lived store's container, or handed one)
        cls = context.long_lived_object(function, held)
        return None if cls is None else f"the long-lived {cls} '{held}'"
    if held is None:
        return None
    name = held.partition(".")[0]
    cls = context.long_lived_object(function, name)
    if cls is None:
        return None
    return f"'{held}' held by the long-lived {cls} '{name}'"


def _captured_container(name: str, function: FunctionNode, context: Context) -> str | None:
    """A container an enclosing function created and its closures keep: ``cache = {}``
    in an app factory whose handlers fill it lives as long as the app."""
    if name in context.scope(function).local:
        return None
    owner = context.binding_function(function, name)
    if owner is None or context.is_request_serving(owner):
        return None  # a closure over one request's own variable
    kind = context.local_container_kind(owner, name)
    if kind is None:
        return None
    return f"{kind} '{name}' captured from '{owner.name}'"


APP_NAMES = frozenset({"app", "application", "current_app"})
"""Names of the running application object in handlers (``request.app``, Tornado's
``self.application``, Flask's ``current_app``)."""
APP_STORES = frozenset({"state", "config", "extensions", "settings", "config_dict"})
"""What an app keeps for every request: Starlette's ``app.state``, Flask's
``app.config`` and ``app.extensions``, Tornado's ``settings``."""


APP_DEPTH = 4
"""How far from the root the app store may sit: ``self.request.app.state``."""


def _app_state(container: ast.expr, reported: ast.expr) -> str | None:
    """The application's own shared state changed while serving a request:
    ``request.app.state.model = ...``, ``current_app.config["X"] = ...``,
    ``request.app["clients"][k] = ...`` (aiohttp), ``self.application.cache[k] = ...``.
    It lives as long as the process, one copy per process."""
    chain: list[ast.expr] = [reported]
    node: ast.expr = reported
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
        chain.append(node)
    # the app and its store sit next to the root (``request.app.state``): only the
    # links nearest it are looked at, so a 2,000-link target costs no more than a short one
    start = max(len(chain) - 1 - APP_DEPTH, 0)
    for index in range(start, len(chain) - 1):
        part = chain[index]
        owner = chain[index + 1]
        owner_name = dotted_name(owner)
        if owner_name is None:
            continue
        last = owner_name.rpartition(".")[2]
        if isinstance(part, ast.Attribute) and last in APP_NAMES and part.attr in APP_STORES:
            if part is reported:
                return None  # ``app.state = State()``: replacing the store is set-up
            return f"app state '{owner_name}.{part.attr}'"
        if isinstance(part, ast.Subscript) and last in APP_NAMES and "." in owner_name:
            return f"app state '{owner_name}[...]'"  # aiohttp's request.app[key]
        if isinstance(part, ast.Attribute) and owner_name == "self.application":
            return "app state 'self.application'"
    return None


def _held(container: ast.expr) -> str | None:
    """The dotted name of the container itself, under any subscripts (``a.b`` for
    ``a.b[k][j]``)."""
    while isinstance(container, ast.Subscript):
        container = container.value
    return dotted_name(container)


CONTAINER_LAYERS = {"maps": frozenset({"ChainMap"})}
"""Attributes of a container that hold its own storage: ``chain.maps[0]`` is the
writable layer of a ``ChainMap``, so changing it changes the ``ChainMap``."""


def _long_lived_container(
    node: ast.AST,
    container: ast.expr,
    reported: ast.expr,
    function: FunctionNode,
    context: Context,
) -> str | None:
    """``self.sessions[k] = v`` in a method reached on an object that lives as long as
    the process (a module-level instance, a singleton, an object handed to a factory):
    on an attribute known to hold a container, any mutation; on another attribute, item
    assignment and deletion (certainly a container; ``self.db.add(x)`` is not)."""
    certain = _certainly_a_container(container, reported)
    if (
        isinstance(container, ast.Name)
        and isinstance(reported, ast.Attribute)
        and _rebuilt_from_itself(node, reported, function)
        and _holds_a_container(reported.attr, function, context)
    ):
        container = reported  # ``self.items = [i for i in self.items if ...]``
    elif isinstance(container, ast.Name) and isinstance(reported, ast.Attribute):
        if not isinstance(node, ast.Assign) or not state.is_request_value(
            node.value, function, context
        ):
            return None  # its own bookkeeping (timers, flags, clients): not user data
        if state.is_work_handle(node.value, context):
            return None  # ``self._task = Thread(target=..., kwargs=request data)``: SLS501's
        return _long_lived_attribute(reported, function, context)
    while isinstance(container, ast.Subscript):
        container = container.value
    layers = None
    if (
        isinstance(container, ast.Attribute)
        and container.attr in CONTAINER_LAYERS
        and isinstance(container.value, ast.Attribute)
    ):
        layers, container = container.attr, container.value  # ``self.chain.maps[0]``
    # ``self["paused"] = True``: the object is the container (a dict subclass)
    itself = isinstance(container, ast.Name) and container.id == "self" and certain
    owner = container.value if isinstance(container, ast.Attribute) else None
    if (
        layers is None
        and isinstance(container, ast.Attribute)
        and isinstance(owner, ast.Attribute)
        and isinstance(owner.value, ast.Name)
        and owner.value.id == "self"
        and not isinstance(reported, ast.Attribute)
    ):
        # ``self.client.references.add(self)``: a container of another long-lived object
        return context.held_container(function, f"self.{owner.attr}.{container.attr}")
    if not itself and not (
        isinstance(container, ast.Attribute)
        and isinstance(container.value, ast.Name)
        and container.value.id == "self"
    ):
        return None
    if not context.self_is_long_lived(function):
        return None
    cls = context.enclosing_class(function)
    if cls is None:
        return None
    if layers is not None and (
        not isinstance(container, ast.Attribute)
        or context.instance_containers(cls).get(container.attr, "") not in CONTAINER_LAYERS[layers]
    ):
        return None
    if state.reloads_from_store(function) or state.is_cache_class(cls, context):
        return None  # refilled from the store, or a cache by design
    if state.owns_a_connection(cls, context):
        return None  # the state of the live connection it holds (a serial port)
    if not isinstance(container, ast.Attribute):
        return f"the long-lived {cls.name}" if itself else None
    if "cache" in container.attr.lower() and state.class_revalidates(cls, context):
        return None  # a cache its own methods revalidate against a stamp
    if state.derived_index(cls, container.attr, context):
        return None  # an index of the object's own containers, dropped when they change
    kind = context.instance_containers(cls).get(container.attr)
    if kind is not None:
        return f"{kind} 'self.{container.attr}' of the long-lived {cls.name}"
    if certain and container.attr not in _class_level(cls):
        return f"'self.{container.attr}' held by the long-lived {cls.name}"
    return None


def _long_lived_attribute(
    target: ast.Attribute, function: FunctionNode, context: Context
) -> str | None:
    """``self.selected = request.form["id"]`` in a method reached on a long-lived object:
    what one request chose stays on this process only (the next request, on another
    process, does not see it). Lazy initialisation (``if self._client is None: self._client =
    ...``) and ``__init__`` are left alone."""
    if function.name in SET_UP_METHODS:
        return None
    if not context.self_is_long_lived(function):
        return None
    cls = context.enclosing_class(function)
    if cls is None or target.attr in _class_level(cls) or state.owns_a_connection(cls, context):
        return None  # a class attribute (SLS103's question), or a live connection's state
    if state.lazily_set(target, function, context):
        return None
    return f"the long-lived {cls.name}"


def _certainly_a_container(container: ast.expr, reported: ast.expr) -> bool:
    """Item assignment or deletion (``x.data[k] = v``), or a mutating method called on an
    item (``x.data["settings"].update(...)``): what changes is certainly a container,
    while a method on an attribute (``db.session.add(user)``) may be anything."""
    return isinstance(reported, ast.Subscript) or isinstance(container, ast.Subscript)


def _class_level(cls: ast.ClassDef) -> set[str]:
    """Names assigned in the class body: shared class attributes are SLS103's."""
    names: set[str] = set()
    for statement in cls.body:
        targets = statement.targets if isinstance(statement, ast.Assign) else []
        if isinstance(statement, ast.AnnAssign):
            targets = [statement.target]
        names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


CONNECTION_NAMES = frozenset({"ws", "websocket", "socket", "sock", "conn", "connection"})
"""Names of a live connection: it exists in one process only, so tracking it there is
not shared state (SLS302 judges registries that are used to reach users)."""
SID_NAMES = frozenset({"sid", "session_id"})
"""Names of a connection's id (Socket.IO ``sid``): every event of a connection reaches
the process that holds it, so a table keyed by it is per connection, unless the table
is read as a whole."""


def _per_connection(
    node: ast.AST,
    reported: ast.expr,
    container: ast.expr,
    function: FunctionNode,
    context: Context,
) -> bool:
    """Whether the mutation adds, removes or keys a live connection, or keys an entry by
    a connection's ``sid`` in a table that only that connection reads (a table read as a
    whole, "who is online", is state)."""
    if isinstance(node, ast.Call):
        items: list[ast.expr] = list(node.args[:1])
    elif isinstance(reported, ast.Subscript):
        items = [reported.slice]
        if isinstance(node, ast.Assign):
            items.append(node.value)
    else:
        return False
    if items and isinstance(items[0], ast.Tuple):
        items = list(items[0].elts)
    for item in items:
        name = _key_name(item, function, context)
        if name is None:
            continue
        lowered = name.lower()
        if lowered in SID_NAMES or lowered.endswith("_sid"):
            held = dotted_name(container)
            if held is None or not state.read_whole(held, context):
                return True
        elif lowered in CONNECTION_NAMES or lowered.endswith(("_ws", "_socket")):
            return True
    # ``listeners.remove(listener)``: a connection handed over from another module
    return any(
        isinstance(item, ast.Name) and _handed_a_connection(item.id, function, context)
        for item in items
    )


def _handed_a_connection(name: str, function: FunctionNode, context: Context) -> bool:
    """``listener`` of ``unregister_listener(self, listener)`` when a per-connection
    handler elsewhere hands itself to it (``on_close``): the connection's own
    registration, which SLS302 judges where it is added."""
    arguments = function.args
    if not any(a.arg == name for a in [*arguments.posonlyargs, *arguments.args]):
        return False
    return context.connection_parameter(function, name) is not None


def _key_name(item: ast.expr, function: FunctionNode, context: Context) -> str | None:
    """The name a key goes by: ``sid``, ``request.sid``, or ``member["sid"]`` (a field of
    the app's own record; ``request.form["sid"]`` or a handler's ``data["sid"]`` is what
    the client sent, not a connection)."""
    if isinstance(item, ast.Name):
        return item.id
    if isinstance(item, ast.Attribute):
        return item.attr
    if (
        isinstance(item, ast.Subscript)
        and isinstance(item.value, ast.Name)
        and isinstance(item.slice, ast.Constant)
        and isinstance(item.slice.value, str)
        and not state.is_request_value(item.value, function, context)
    ):
        return item.slice.value
    return None


RULE = Rule(
    code="SLS101",
    name="module-state-mutated",
    message=(
        "{what} is mutated {where}; "
        "store it in a backing service (Redis, database)"
    ),
    summary="Request-serving code mutates a module-level dict, list, set or cache.",
    rationale=(
        "A module-level container lives in one process's memory. Every worker process "
        "and every replica has its own copy, so data written while serving one request "
        "is invisible to requests served elsewhere, and it is lost when the process is "
        "restarted or scaled down. Sessions, carts, counters and caches kept this way "
        "work on a laptop and split or vanish in production."
    ),
    bad_example="""\
from flask import Flask, request

app = Flask(__name__)
carts = {}


@app.post("/cart")
def add_to_cart():
    carts.setdefault(request.cookies["sid"], []).append(request.json["item"])
    return {"ok": True}
""",
    good_example="""\
import os

import redis
from flask import Flask, request

app = Flask(__name__)
store = redis.Redis.from_url(os.environ["REDIS_URL"])


@app.post("/cart")
def add_to_cart():
    store.rpush(f"cart:{request.cookies['sid']}", request.json["item"])
    return {"ok": True}
""",
    node_types=(ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Delete, ast.Call),
    check=check,
    scope="request",
    options=("handler-decorators", "call-depth"),
    yields_to=("SLS302", "SLS502", "SLS503"),
    references=(
        "https://12factor.net/processes",
        "https://docs.djangoproject.com/en/stable/topics/cache/",
    ),
    notes=(
        "Follows the request into the project: a helper in another module, a method of "
        "a long-lived object (a module-level instance, an app extension) or a "
        "`functools` cache reached from a handler is request-serving code too.",
        "App state (`request.app.state.x`, `current_app.config[...]`) set by a "
        "`before_request` hook, by a getter or cache function (`get_*`, `*cache*`), or "
        "stored and handed back (`app.state.models = models; return models`, or `return "
        "app.state.models`) is a refilled copy of backing data, not a change a request makes.",
        "On a long-lived object, a container attribute replaced by a changed copy of itself "
        "(`self._pending = list(filter(..., self._pending))`) is changed like `remove` "
        "would; an attribute rebound to a request value is reported too (what one request "
        "chose stays on this process), except a handle of the process's own work "
        "(`self._task = threading.Thread(...)`: the thread is SLS501's).",
        "An entry taken into a local name is the entry itself: `cart = CARTS.get(uid)` "
        "(or `CARTS[uid]`, `CARTS.setdefault(uid, {})`) then `cart[\"items\"] = ...` or "
        "`cart.update(...)` changes `CARTS`. A copy (`dict(...)`, `.copy()`, "
        "`copy.deepcopy(...)`) and a name bound more than once are not followed.",
        "Leaves alone tables filled at import time (decorator registries, constants), "
        "mutation in import-time code, CLI scripts and tests, and request context held "
        "in `threading.local()` or `contextvars`; per-process memos of data that is the "
        "same on every process (settings, files shipped with the app, content-addressed "
        "results); entries added and removed in the same request (also by a streamed "
        "response's generator `finally` or a function handed to the response: "
        "`background=`, `after_this_request`); handles of the "
        "process's own threads, tasks and locks; set-up run once under an unset guard "
        "that nothing resets; and the in-memory fallback taken only when no Redis is "
        "configured.",
        "A table keyed by a Socket.IO `sid` (`ONLINE[sid]`, `self.local[member[\"sid\"]]`, on "
        "a module or a long-lived object) is per connection: every event of a connection "
        "reaches the process that holds it. It is state once request code reads it whole "
        "(`list(ONLINE.values())` returned, a loop sending to every sid), unless that "
        "loop only ends each of this process's own connections: it sends only `to=` the "
        "key, with `ignore_queue=True` (a loop that pops each sid and emits through the "
        "message queue, \"kick everyone\", reaches only this process's users: reported).",
        "A mark of work this process runs is short-lived too: `PENDING[key] = ...` then "
        "`pool.submit(run, key)` (or `Thread(target=run, args=(key,))`, "
        "`create_task(run(key))`) where `run`, a function or method of the same module, "
        "removes `PENDING[key]` in its `finally`. What the work stores for later (its "
        "result, its error) is still reported. Across modules, a module-level table of what "
        "the process's own workers are working on is not state either: every entry added "
        "by a module-level claim function keyed by its first parameter "
        "(`claim(uuid, worker_id)`), and every call of each claim in the project followed "
        "in the caller by a release of the same module in a `finally` block given the same "
        "name (`finally: release(uuid, ...)`); a request cancelling a running job may take "
        "marks out of it. A claim also called without its release (or used as a value), "
        "or an entry added by other code, keeps the table reported.",
        "A memo keyed by a request value is state unless the request value serves only "
        "as its key (`_pages[locale]` filled from the app's own templates); a memo whose "
        "stored value reads the request is state whatever its key. An index filled on a "
        "miss only from the key and other containers of the same object (`self._prefixed"
        "[prefix] = [k for k in self._chain if k.startswith(prefix)]`), otherwise only "
        "emptied, by a method that changes those containers too, holds nothing new: the "
        "containers' own changes are reported. A memo entry re-read from the same source "
        "its fill on a miss reads (`X[path] = _read_directory(path)`) is upkeep.",
        "Set-up run once may be guarded in its callers: a function every call of which "
        "in the module sits under an unset guard (`if not self._finalized: "
        "self._finalized = True; self._finalize()`, followed up to three calls), or under "
        "`if not X:` where `X` is the container the function fills and nothing in the "
        "module empties or rebinds it. Calls from other modules are not seen.",
    ),
)
