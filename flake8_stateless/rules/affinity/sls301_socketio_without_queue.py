"""SLS301 socketio-without-queue: a Socket.IO server that only works with sticky sessions.

An AST rule: which ``SocketIO``/``Server`` is meant needs the module's imports.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field

from flake8_stateless.context import FUNCTION_TYPES, Context, FunctionNode, dotted_name
from flake8_stateless.excerpts import quoted
from flake8_stateless.registry import Finding, Rule

FLASK_SOCKETIO = ("Flask-SocketIO", "message_queue", "message_queue=<redis URL>")
SYNC_SERVER = ("Socket.IO server", "client_manager", "client_manager=RedisManager(url)")
ASYNC_SERVER = ("Socket.IO server", "client_manager", "client_manager=AsyncRedisManager(url)")
SERVERS = {
    "flask_socketio.SocketIO": FLASK_SOCKETIO,
    "socketio.Server": SYNC_SERVER,
    "socketio.AsyncServer": ASYNC_SERVER,
    "socketio.server.Server": SYNC_SERVER,
    "socketio.async_server.AsyncServer": ASYNC_SERVER,
}
"""Server classes: the library users know them by, the option adding a queue, the fix."""

IN_PROCESS_MANAGERS = frozenset(
    {
        "socketio.Manager",
        "socketio.AsyncManager",
        "socketio.BaseManager",
        "socketio.manager.Manager",
        "socketio.async_manager.AsyncManager",
        "socketio.base_manager.BaseManager",
    }
)
"""python-socketio's default managers: they keep rooms and sids in this process."""


def check(node: ast.AST, function: FunctionNode | None, context: Context) -> Iterator[Finding]:
    if not isinstance(node, ast.Call):
        return
    known = SERVERS.get(context.qualified_name(node.func) or "")
    if known is None or any(keyword.arg is None for keyword in node.keywords):
        return  # not a server, or **options that may hold the queue
    library, option, fix = known
    given = next((k.value for k in node.keywords if k.arg == option), None)
    if given is None:
        problem = f"has no {option}"
    elif isinstance(given, ast.Constant) and given.value is None:
        problem = f"has {option}=None"
    elif isinstance(given, ast.Call) and context.qualified_name(given.func) in IN_PROCESS_MANAGERS:
        problem = "has an in-process manager"
    else:
        found = _through_names(given, option, function, context)
        if found is None:
            return
        problem = found
    index = _index(context)
    name = index.assigned.get(id(node))
    if given is None and name is not None and _configured_elsewhere(name, option, node, index):
        return  # init_app(..., message_queue=...) or another branch configures one
    server = f"{library} '{name}'" if name is not None else f"{dotted_name(node.func)}()"
    yield RULE.finding(node, server=server, problem=problem, fix=fix)


def _through_names(
    given: ast.expr, option: str, function: FunctionNode | None, context: Context
) -> str | None:
    """The problem when the queue or manager is given through a name whose every
    deployed value is None or an in-process manager (``message_queue=QUEUE_URL`` with
    ``QUEUE_URL = None``, here or in another module); None when some value may be a real
    queue, is unknown, or comes from the environment."""
    if not isinstance(given, (ast.Name, ast.Attribute)):
        return None
    values = context.values(given, function)
    deployed = values.deployed()
    if not deployed or values.environment:
        return None
    shown = quoted(context.excerpts.label(given, 32))
    if all(value.known and value.constant is None for value in deployed):
        return f"has {option}=None through {shown}"
    if all(value.callee in IN_PROCESS_MANAGERS for value in deployed):
        return f"has an in-process manager through {shown}"
    return None


@dataclass
class _Index:
    """Where servers are bound and configured, gathered once per file (only for files
    with a server lacking a queue)."""

    assigned: dict[int, str] = field(default_factory=dict)
    """id of an assigned value -> the name (or dotted attribute) it is assigned to."""
    bindings: dict[str, list[ast.Call]] = field(default_factory=dict)
    """name -> every call assigned to it."""
    init_apps: dict[str, list[ast.Call]] = field(default_factory=dict)
    """name -> its ``name.init_app(...)`` calls."""


def _index(context: Context) -> _Index:
    """The file's index, built on first use and kept in the context's memo."""
    key = ("sls301-index", id(context.tree))
    known = context.rule_memo.get(key)
    if not isinstance(known, _Index):
        known = context.rule_memo[key] = _build_index(context)
    return known


def _build_index(context: Context) -> _Index:
    index = _Index()
    for node in _everywhere(context):
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = [n for t in targets if (n := dotted_name(t)) is not None]
            if names:
                index.assigned[id(node.value)] = names[0]
                if isinstance(node.value, ast.Call):
                    for name in names:
                        index.bindings.setdefault(name, []).append(node.value)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "init_app"
        ):
            receiver = dotted_name(node.func.value)
            if receiver is not None:
                index.init_apps.setdefault(receiver, []).append(node)
    return index


def _everywhere(context: Context) -> Iterator[ast.AST]:
    """Module-level and class-level code, then every function's own code."""
    pending: list[ast.AST] = list(context.tree.body)
    while pending:
        node = pending.pop()
        yield node
        if not isinstance(node, FUNCTION_TYPES):
            pending.extend(ast.iter_child_nodes(node))
    for function in context.functions:
        yield from context.own_nodes(function)


def _configured_elsewhere(name: str, option: str, node: ast.Call, index: _Index) -> bool:
    """``name.init_app(app, message_queue=...)``, or ``name`` bound in another branch to
    a server that is given a queue: the deployment chooses, the code supports both."""
    for call in index.init_apps.get(name, ()):
        if any(k.arg in (option, None) for k in call.keywords):
            return True
    return any(
        call is not node and any(k.arg == option for k in call.keywords)
        for call in index.bindings.get(name, ())
    )


RULE = Rule(
    code="SLS301",
    name="socketio-without-queue",
    message="{server} {problem} (needs sticky sessions); pass {fix}",
    summary="A Socket.IO server has no message queue, so it needs sticky sessions.",
    rationale=(
        "Without a message queue, a Socket.IO server keeps its clients, rooms and sids in "
        "the memory of one process. With several workers or replicas, an `emit` to a room "
        "only reaches the clients connected to the emitting process, and long-polling "
        "clients fail unless the load balancer pins them to one process. A Redis, Kafka or "
        "AMQP queue lets every process reach every client."
    ),
    bad_example="""\
from flask import Flask
from flask_socketio import SocketIO

app = Flask(__name__)
socketio = SocketIO(app)
""",
    good_example="""\
import os

from flask import Flask
from flask_socketio import SocketIO

app = Flask(__name__)
socketio = SocketIO(app, message_queue=os.environ["REDIS_URL"])
""",
    node_types=(ast.Call,),
    check=check,
    scope="config",
    triggers=("*socketio*",),
    references=(
        "https://flask-socketio.readthedocs.io/en/latest/deployment.html#using-multiple-workers",
        "https://python-socketio.readthedocs.io/en/latest/server.html#using-a-message-queue",
    ),
    notes=(
        "Follows the queue or manager through names, also into other modules of the "
        "project: `message_queue=QUEUE_URL` with `QUEUE_URL = None` is reported, with "
        "`QUEUE_URL = \"redis://...\"` it is not.",
        "Leaves alone servers given a Redis, Kafka, AMQP or other manager or message queue "
        "(literally, through a name holding one, from the environment or through "
        "`**options`), modules that configure "
        "one elsewhere (`socketio.init_app(app, message_queue=...)`, the other branch of an "
        "`if`), test code and anything under `if DEBUG:`.",
    ),
)
