"""SLS502 in-process-queue: request code feeding a module-level queue that a consumer
in the same process drains."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

from flake8_stateless.context import Context, FunctionNode, dotted_name
from flake8_stateless.registry import Finding, Rule
from flake8_stateless.scope import state
from flake8_stateless.semantic.syntax import iterated_view, keyed_container, queue_take

QUEUE_CLASSES = {
    "queue.Queue": "queue.Queue",
    "queue.SimpleQueue": "queue.SimpleQueue",
    "queue.LifoQueue": "queue.LifoQueue",
    "queue.PriorityQueue": "queue.PriorityQueue",
    "asyncio.Queue": "asyncio.Queue",
    "asyncio.PriorityQueue": "asyncio.PriorityQueue",
    "asyncio.LifoQueue": "asyncio.LifoQueue",
    "asyncio.queues.Queue": "asyncio.Queue",
    "multiprocessing.Queue": "multiprocessing.Queue",
    "multiprocessing.SimpleQueue": "multiprocessing.SimpleQueue",
    "multiprocessing.JoinableQueue": "multiprocessing.JoinableQueue",
    "gevent.queue.Queue": "gevent Queue",
    "gevent.queue.JoinableQueue": "gevent Queue",
    "eventlet.queue.Queue": "eventlet Queue",
    "janus.Queue": "janus.Queue",
}
"""Thread/task hand-off queues, by qualified constructor name: made to be drained by a
consumer, so feeding one from a request is enough."""

QUEUE_PUTS = frozenset({"put", "put_nowait"})
QUEUE_TAKES = frozenset({"get", "get_nowait"})
CONTAINER_PUTS = frozenset({"append", "appendleft", "extend", "extendleft", "insert"})
CONTAINER_TAKES = frozenset({"pop", "popleft"})


def check(node: ast.AST, function: FunctionNode | None, context: Context) -> Iterator[Finding]:
    if function is None or not isinstance(node, ast.Call):
        return
    fed = fed_queue(node, function, context)
    what: str | None
    if fed is not None:
        kind, name = fed
        what = f"module-level {kind} '{name}'"
    else:
        what = _long_lived_queue(node, function, context)
    if what is not None:
        yield RULE.finding(node, what=what, group=f"{id(function)}:{what}")


def _long_lived_queue(call: ast.Call, function: FunctionNode, context: Context) -> str | None:
    """``self.queue.put(task)`` in a method reached on an object that lives as long as
    the process, where ``self.queue`` is a ``queue.Queue`` it made; or ``update_q.put(x)``
    where ``update_q`` was handed over at set-up and is a project queue class."""
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr not in QUEUE_PUTS:
        return None
    receiver = func.value
    if isinstance(receiver, ast.Attribute) and isinstance(receiver.value, ast.Name):
        owner = receiver.value.id
        cls: ast.ClassDef | None = None
        if owner == "self":
            if context.self_is_long_lived(function):
                cls = context.enclosing_class(function)
        else:
            # ``ins = cls.get_instance(); ins.queue.put(task)``: a singleton of this module
            found = context.long_lived_object(function, owner)
            cls = context.classes.get(found) if found is not None else None
        held = f"{owner}.{receiver.attr}"
        if cls is None or _takes_in(function, held, QUEUE_TAKES, context):
            return None
        kind = _attribute_queue_kind(cls, receiver.attr, context)
        if kind is None:
            return None
        if _is_event_bus(cls, None, f"self.{receiver.attr}", context):
            return None
        return f"{kind} '{held}' of the long-lived {cls.name}"
    if isinstance(receiver, ast.Name) and context.binds_locally(function, receiver.id):
        queue_class = context.long_lived_object(function, receiver.id)
        if queue_class is not None and queue_class.endswith("Queue"):
            return f"the long-lived {queue_class} '{receiver.id}'"
    return None


def _attribute_queue_kind(cls: ast.ClassDef, attr: str, context: Context) -> str | None:
    """The queue class ``self.<attr>`` is made of in a method of ``cls``."""
    return _attribute_queues(cls, context).get(attr)


def _attribute_queues(cls: ast.ClassDef, context: Context) -> dict[str, str]:
    """Attribute -> the queue class the methods of ``cls`` make it of (the first
    assignment that makes a queue), read once per class."""
    key = ("sls502-attribute-queues", id(cls))
    known = context.rule_memo.get(key)
    if isinstance(known, dict):
        return known
    kinds: dict[str, str] = {}
    for statement in cls.body:
        if not isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in context.own_nodes(statement):
            if not isinstance(node, ast.Assign):
                continue
            for target in node.targets:
                if (
                    isinstance(target, ast.Attribute)
                    and isinstance(target.value, ast.Name)
                    and target.value.id == "self"
                    and target.attr not in kinds
                ):
                    kind = _queue_kind(node.value, context)
                    if kind is not None:
                        kinds[target.attr] = kind
    context.rule_memo[key] = kinds
    return kinds


def fed_queue(call: ast.Call, function: FunctionNode, context: Context) -> tuple[str, str] | None:
    """(kind, name) when ``call`` puts work into a module-level queue, or a list or deque
    that another function drains; None otherwise. SLS101 asks too, so that a container
    used as a queue is reported once, as a queue."""
    func = call.func
    if not isinstance(func, ast.Attribute) or not isinstance(func.value, ast.Name):
        return None
    method = func.attr
    if method not in QUEUE_PUTS and method not in CONTAINER_PUTS:
        return None
    name = func.value.id
    if context.binds_locally(function, name):
        return None
    value = context.module_values.get(name)
    if value is None:
        return None
    queue_kind = _queue_kind(value, context)
    if queue_kind is not None:
        if (
            method in QUEUE_PUTS
            and not _takes_in(function, name, QUEUE_TAKES, context)
            and not _is_event_bus(None, context.functions, name, context)
        ):
            return queue_kind, name
        return None
    container_kind = _container_kind(value, context)
    if container_kind is not None and state.holds_work_handles(name, context):
        return None  # the process's own worker threads, not jobs
    if (
        container_kind is not None
        and method in CONTAINER_PUTS
        and not _takes_in(function, name, CONTAINER_TAKES, context)
        and _drained_elsewhere(function, name, context)
    ):
        return container_kind, name
    return None


# ------------------------------------------------------------------ event buses
SUBSCRIBING_METHODS = frozenset({"append", "add", "insert", "appendleft"})


def _is_event_bus(
    owner: ast.ClassDef | None,
    functions: Sequence[FunctionNode] | None,
    queue: str,
    context: Context,
) -> bool:
    """Whether ``queue`` (``self._queue``, a module-level ``events``) is the dispatch queue
    of an event bus: one of ``functions`` (the class's methods, the module's functions)
    drains it in a loop that calls every subscriber of a table that another of them fills
    with the callables it is given (``subscribe(event, callback)``). Its items are notices
    of what already happened, handed to this process's own listeners: the listener table
    is the per-process state (SLS101/SLS103/SLS302), not the queue. ``owner``: the class
    holding the queue, None for a module-level one; ``functions`` None: its methods."""
    key = ("sls502-event-buses", id(owner) if owner is not None else 0)
    known = context.rule_memo.get(key)
    if not isinstance(known, frozenset):
        if functions is None:
            functions = [
                s
                for s in (owner.body if owner is not None else ())
                if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))
            ]
        tables = _subscriber_tables(functions, context)
        known = frozenset(
            taken
            for function in (functions if tables else ())
            for taken in _dispatch_queues(function, tables, context)
        )
        context.rule_memo[key] = known  # one reading per class (or module), every queue
    return queue in known


def _subscriber_tables(functions: Sequence[FunctionNode], context: Context) -> set[str]:
    """Tables the functions store one of their own parameters into: ``self._listeners
    [event].append(callback)``, ``handlers.setdefault(name, []).append(fn)``,
    ``self._subscribers[key] = callback``."""
    tables: set[str] = set()
    for function in functions:
        arguments = function.args
        params = {a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]}
        params.discard("self")
        if not params:
            continue
        for node in context.own_nodes(function):
            stored: ast.expr | None = None
            table: ast.expr | None = None
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in SUBSCRIBING_METHODS
                and node.args
            ):
                stored, table = node.args[-1], node.func.value
            elif isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if isinstance(target, ast.Subscript):
                    stored, table = node.value, target.value
            if isinstance(stored, ast.Name) and stored.id in params and table is not None:
                path = keyed_container(table)
                if path is not None:
                    tables.add(path)
    return tables


def _dispatch_queues(function: FunctionNode, tables: set[str], context: Context) -> set[str]:
    """The queues ``function`` takes items from in a ``while`` loop that, in the same
    loop, calls each entry of a subscriber table (``for listener in
    self._listeners[event]: listener(event, payload)``, also through a local name bound
    to the table)."""
    aliases: dict[str, ast.expr] = {}
    loops: list[ast.While] = []
    for node in context.own_nodes(function):
        if isinstance(node, ast.While):
            loops.append(node)
        elif (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            aliases[node.targets[0].id] = node.value
    found: set[str] = set()
    for loop in loops:
        takes: set[str] = set()
        dispatches = False
        for node in _loop_nodes(loop):
            if isinstance(node, ast.Call):
                taken = queue_take(node)
                name = dotted_name(taken) if taken is not None else None
                if name is not None:
                    takes.add(name)
            elif isinstance(node, (ast.For, ast.AsyncFor)) and isinstance(node.target, ast.Name):
                iterated = iterated_view(node.iter)[0]
                if isinstance(iterated, ast.Name) and iterated.id in aliases:
                    iterated = aliases[iterated.id]
                path = keyed_container(iterated)
                dispatches = dispatches or (
                    path in tables and _calls_each(node, node.target.id)
                )
        if dispatches:
            found |= takes
    return found


def _loop_nodes(loop: ast.While) -> Iterator[ast.AST]:
    """The nodes of a loop's body, not of functions it defines."""
    pending: list[ast.AST] = list(loop.body)
    while pending:
        node = pending.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            pending.extend(ast.iter_child_nodes(node))


def _calls_each(loop: ast.For | ast.AsyncFor, name: str) -> bool:
    """``listener(...)`` or ``listener.on_event(...)`` in the body of ``for listener in``."""
    for statement in loop.body:
        for node in ast.walk(statement):
            if isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Attribute):
                    func = func.value
                if isinstance(func, ast.Name) and func.id == name:
                    return True
    return False


def _queue_kind(value: ast.expr, context: Context) -> str | None:
    """The queue class a module-level value builds, by the name users know it by; local
    subclasses of a queue class (``class JobQueue(queue.Queue)``) by their own name."""
    if not isinstance(value, ast.Call):
        return None
    qualified = context.qualified_name(value.func)
    own_name = qualified if qualified in context.classes else None
    seen: set[int] = set()
    while qualified is not None:
        kind = QUEUE_CLASSES.get(qualified)
        if kind is not None:
            return own_name or kind
        local = context.classes.get(qualified)
        if local is None or id(local) in seen:
            return None
        seen.add(id(local))
        qualified = next(
            (
                base_name
                for base in local.bases
                if (base_name := context.qualified_name(base)) is not None
                and (base_name in QUEUE_CLASSES or base_name in context.classes)
            ),
            None,
        )
    return None


def _container_kind(value: ast.expr, context: Context) -> str | None:
    if isinstance(value, ast.List):
        return "list"
    if isinstance(value, ast.Call):
        qualified = context.qualified_name(value.func)
        if qualified == "collections.deque":
            return "deque"
        if qualified == "list" and not value.args:
            return "list"
    return None


def _takes_in(function: FunctionNode, name: str, methods: frozenset[str], context: Context) -> bool:
    """Whether ``function`` itself takes from ``name`` too: a pool it borrows from and
    returns to, or a buffer it trims, not a hand-off to another consumer."""
    key = ("sls502-method-calls", id(function))
    called = context.rule_memo.get(key)
    if not isinstance(called, set):
        called = {
            (dotted_name(call.func.value), call.func.attr)
            for call in context.calls_by_function.get(id(function), ())
            if isinstance(call.func, ast.Attribute)
        }
        context.rule_memo[key] = called  # once per function: every site in it asks
    return any((name, method) in called for method in methods)


def _drained_elsewhere(function: FunctionNode, name: str, context: Context) -> bool:
    """Whether another function of the module pops items off the module-level ``name``:
    a consumer (a worker thread, a flush loop) in this process."""
    index = context.method_calls_by_receiver
    for method in CONTAINER_TAKES:
        for other in index.get((name, method), ()):
            if other is not function and not context.binds_locally(other, name):
                return True
    return False


RULE = Rule(
    code="SLS502",
    name="in-process-queue",
    message=(
        "{what} holds jobs in process memory{via}, lost if it dies; "
        "use Celery, RQ or arq"
    ),
    summary="Request-serving code puts work into a module-level queue drained in-process.",
    rationale=(
        "A module-level queue with a worker thread or task draining it is a job queue that "
        "lives in one process's memory. Jobs still waiting when the process is restarted, "
        "scaled down or killed are gone, with no retry and no record; and with several "
        "processes each has its own queue and its own consumer, so ordering and "
        "back-pressure only hold per process. A task queue keeps the jobs in a backing "
        "service (Redis, RabbitMQ, the database) that outlives any one process."
    ),
    bad_example="""\
import queue

from flask import Flask, request

app = Flask(__name__)
thumbnail_jobs = queue.Queue()


@app.post("/photos")
def upload_photo():
    thumbnail_jobs.put(request.form["photo_id"])
    return {"queued": True}
""",
    good_example="""\
from flask import Flask, request

from myapp.tasks import make_thumbnail  # an RQ or Celery task

app = Flask(__name__)


@app.post("/photos")
def upload_photo():
    make_thumbnail.delay(request.form["photo_id"])
    return {"queued": True}
""",
    node_types=(ast.Call,),
    check=check,
    scope="request",
    options=("handler-decorators", "call-depth"),
    references=(
        "https://12factor.net/disposability",
        "https://docs.python.org/3/library/queue.html",
        "https://python-rq.org/",
    ),
    notes=(
        "Flags `put`/`put_nowait` on a module-level `queue`, `asyncio`, `multiprocessing`, "
        "gevent or janus queue (or a local subclass of one), and `append`/`appendleft`/"
        "`extend` on a module-level `deque` or list when another function of the module "
        "pops items off it (`popleft()`, `pop()`).",
        "Leaves alone queues local to a function or held by an object made per request, a "
        "module-level queue "
        "used as a pool (the same function takes from it and puts back), and lists and "
        "deques nobody drains (a module-level list or deque mutated by requests is "
        "SLS101's). A list or deque that is both is reported by SLS101 and SLS502.",
        "Also flags `put` on a queue an object that lives as long as the process made "
        "for itself (`self.jobs = queue.Queue()` on a module-level instance or singleton), "
        "whoever drains it: a job a request queues for a worker thread of the same "
        "process (`self.jobs.put(send_email_job)` drained by `while True: job = "
        "self.jobs.get(); job()`) is lost with the process, even when the worker belongs "
        "to the same object; so is a callback queued for it.",
        "Leaves alone the dispatch queue of an event bus: a queue drained in a loop that "
        "calls every subscriber of a table the same object (or module) fills with the "
        "callables it is given (`subscribe(event, callback)` appends `callback`; the loop "
        "does `for listener in self._listeners[event]: listener(event, payload)`). Its "
        "items are notices of what already happened, handed to this process's own "
        "listeners; the per-process state is the listener table, which SLS101/SLS103 "
        "report where requests subscribe. A fixed dispatch table (a dict literal of "
        "handlers) is a job router and stays reported; a job queue whose handlers "
        "register themselves through a subscribe method looks the same as a bus and is "
        "left alone too.",
    ),
)
