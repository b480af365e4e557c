"""SLS101 module-state-mutated: request code changing a module-level container."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from flake8_stateless.context import (
    MUTATING_METHODS,
    Context,
    FunctionNode,
    mutation_sites,
    root_name,
)
from flake8_stateless.registry import Finding, Rule
from flake8_stateless.rules.affinity.sls302_local_connection_registry import (
    check as registers_connection,
)
from flake8_stateless.rules.durability.sls502_in_process_queue import fed_queue


def check(node: ast.AST, function: FunctionNode | None, context: Context) -> Iterator[Finding]:
    if function is None:
        return
    for container, reported in mutation_sites(node):
        root = root_name(container)
        if root is None:
            continue
        kind = context.module_mutable_kind(root.id)
        if kind is None or context.binds_locally(function, root.id):
            continue
        if isinstance(node, ast.Call) and fed_queue(node, function, context) is not None:
            continue  # a list or deque used as a work queue is SLS502's
        if _per_connection(node, reported) or any(registers_connection(node, function, context)):
            continue  # live connections can only be tracked where they live: SLS302's
        attribute_on_container = container is root and isinstance(reported, ast.Attribute)
        if attribute_on_container and not kind.endswith(" instance"):
            continue  # attribute assignment on a dict or list is not this rule's
        yield RULE.finding(reported, kind=kind, name=root.id)
    yield from _local_mutating_method(node, function, context)


CONNECTION_NAMES = frozenset(
    {"ws", "websocket", "socket", "sock", "sid", "conn", "connection"}
)
"""Names of a live connection or its id (Socket.IO ``sid``): a connection exists in one
process only, so tracking it there is not shared state (SLS302 judges registries that
are used to reach users)."""


def _per_connection(node: ast.AST, reported: ast.expr) -> bool:
    """Whether the mutation adds, removes or keys a live connection or its ``sid``."""
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
        name = item.attr if isinstance(item, ast.Attribute) else getattr(item, "id", None)
        if isinstance(name, str) and (
            name.lower() in CONNECTION_NAMES or name.lower().endswith(("_ws", "_sid", "_socket"))
        ):
            return True
    return False


def _local_mutating_method(
    node: ast.AST, function: FunctionNode, context: Context
) -> Iterator[Finding]:
    """``store.remember(x)`` where ``store`` is a module-level instance of a class of
    this module whose ``remember`` changes state held on ``self``."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return
    receiver = node.func.value
    if not isinstance(receiver, ast.Name):
        return
    value = context.module_values.get(receiver.id)
    if not isinstance(value, ast.Call) or not isinstance(value.func, ast.Name):
        return
    cls = context.classes.get(value.func.id)
    method = node.func.attr
    if cls is None or method in MUTATING_METHODS:
        return  # a standard mutating method is already reported as a container mutation
    if method not in context.mutating_methods(cls) or context.binds_locally(function, receiver.id):
        return
    yield RULE.finding(node, kind=f"{cls.name} instance", name=receiver.id)


RULE = Rule(
    code="SLS101",
    name="module-state-mutated",
    message=(
        "module-level {kind} '{name}' is mutated while serving requests; "
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
    references=(
        "https://12factor.net/processes",
        "https://docs.djangoproject.com/en/stable/topics/cache/",
    ),
    notes=(
        "Leaves alone tables filled at import time (decorator registries, constants), "
        "mutation in import-time code, CLI scripts and tests, and request context held "
        "in `threading.local()` or `contextvars`.",
    ),
)
