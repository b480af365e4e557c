"""SLS501 fire-and-forget-work: request code starting work that it never waits for."""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass

from flake8_stateless.context import Context, FunctionNode, dotted_name
from flake8_stateless.excerpts import Excerpts, quoted
from flake8_stateless.registry import UNIT_MARK, Finding, Rule
from flake8_stateless.rules.durability.background import (
    BACKGROUND_TASK_NAMES,
    accepted_background_task,
    answers_accepted,
    task_name,
)

THREAD_CLASSES = {
    "threading.Thread": "thread",
    "threading.Timer": "timer thread",
    "multiprocessing.Process": "process",
    "multiprocessing.context.Process": "process",
}
"""Constructors whose ``.start()`` runs work beside the request, by qualified name."""
THREAD_PACKAGES = frozenset({"threading", "multiprocessing"})

TASK_FUNCTIONS = {
    "asyncio.create_task": "asyncio task",
    "asyncio.ensure_future": "asyncio task",
    "asyncio.tasks.create_task": "asyncio task",
    "asyncio.tasks.ensure_future": "asyncio task",
    "asyncio.run_coroutine_threadsafe": "asyncio task",
    "gevent.spawn": "greenlet",
    "gevent.spawn_later": "greenlet",
    "eventlet.spawn": "greenlet",
    "eventlet.spawn_after": "greenlet",
    "eventlet.greenthread.spawn": "greenlet",
}
"""Functions that start work and return a handle to wait on."""

HANDLELESS_FUNCTIONS = {
    "gevent.spawn_raw": "greenlet",
    "eventlet.spawn_n": "greenlet",
    "eventlet.greenthread.spawn_n": "greenlet",
}
"""Functions that start work and return nothing to wait on."""

EXECUTOR_CLASSES = frozenset(
    {
        "concurrent.futures.ThreadPoolExecutor",
        "concurrent.futures.ProcessPoolExecutor",
        "concurrent.futures.thread.ThreadPoolExecutor",
        "concurrent.futures.process.ProcessPoolExecutor",
        "concurrent.futures.InterpreterPoolExecutor",
        "flask_executor.Executor",
    }
)
LOOP_FACTORIES = frozenset(
    {
        "asyncio.get_event_loop",
        "asyncio.get_running_loop",
        "asyncio.new_event_loop",
        "asyncio.events.get_event_loop",
        "asyncio.events.get_running_loop",
    }
)
TRIGGER_NAMES = frozenset(
    {
        "start",
        "create_task",
        "ensure_future",
        "run_coroutine_threadsafe",
        "submit",
        "submit_stored",
        "run_in_executor",
        "spawn",
        "spawn_later",
        "spawn_after",
        "spawn_raw",
        "spawn_n",
        "start_background_task",
        "spawn_callback",
        "add_callback",
        "add_task",
        *BACKGROUND_TASK_NAMES,
    }
)
"""Last names of every call this rule looks at: a cheap first filter (calls of functions
wrapped by a decorator that starts work are looked up separately)."""

ASYNC_WAITERS = frozenset(
    {
        "asyncio.gather",
        "asyncio.wait",
        "asyncio.wait_for",
        "asyncio.shield",
        "asyncio.as_completed",
        "asyncio.tasks.gather",
        "asyncio.tasks.wait",
        "asyncio.tasks.wait_for",
        "asyncio.tasks.shield",
    }
)
"""Combinators whose own result decides: ``await asyncio.gather(t)`` waits, a bare
``asyncio.gather(t)`` does not."""

SYNC_WAITERS = frozenset(
    {
        "concurrent.futures.wait",
        "concurrent.futures.as_completed",
        "gevent.joinall",
        "gevent.wait",
        "gevent.killall",
        "eventlet.greenthread.waitall",
    }
)
WAIT_METHODS = frozenset(
    {"join", "result", "exception", "wait", "cancel", "kill", "run_until_complete"}
)
"""Methods on a handle (or taking it) that wait for the work or end it in the request."""

STORE_METHODS = frozenset(
    {
        "append",
        "add",
        "insert",
        "extend",
        "appendleft",
        "extendleft",
        "setdefault",
        "put",
        "put_nowait",
    }
)
"""Container methods that keep a handle for later: the container becomes the handle."""

HARMLESS_CALLS = frozenset(
    {"print", "len", "id", "str", "repr", "type", "isinstance", "hash", "bool"}
)
LOGGING_METHODS = frozenset(
    {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}
)

CONNECTION_IO = frozenset(
    {
        "disconnect",
        "close",
        "aclose",
        "emit",
        "write_message",
        "send_json",
        "send_text",
        "send_bytes",
        "ping",
        "keepalive",
        "keep_alive",
        "heartbeat",
    }
)
"""Targets that only talk to (or keep up) a live connection: if the process dies, so
does the connection, and nothing durable is lost."""

UNWRAPPED = frozenset(
    {"partial", "to_thread", "run_sync", "copy_current_request_context", "copy_current_app_context"}
)
"""Wrappers whose first argument is the real work: ``partial(send, to)`` runs ``send``."""

CONNECTION_NAMES = frozenset({"websocket", "ws", "websock", "sock"})
"""Arguments that tie the work to one live connection, which dies with the process."""

QUEUE_CONSTRUCTORS = frozenset(
    {
        "queue.Queue",
        "queue.SimpleQueue",
        "asyncio.Queue",
        "janus.Queue",
        "multiprocessing.Queue",
        "anyio.create_memory_object_stream",
    }
)
"""A queue made in the request and handed to the work: the request reads what the work
produces (a streamed response), so the work ends with the response."""

WAY_OUT = {
    "thread": "join it",
    "timer thread": "join it",
    "process": "join it",
    "greenlet": "join it",
    "background task": "join it",
    "asyncio task": "await it",
    "executor job": "wait for it",
    "Tornado callback": "await it",
}


@dataclass(frozen=True)
class _Work:
    """Work a call starts: what it is, the user's name for it, and whether the call
    returns a handle the request could wait on (``None``: ``Thread(...).start()``)."""

    kind: str
    name: str
    call: ast.Call
    handle_call: ast.expr | None
    source: ast.Call
    """The call naming the work and its arguments (``Thread(target=..., args=...)``)."""
    via: str = ""
    """The decorator that starts it, for a call of a decorated function (``@threadpool``)."""


def check(node: ast.AST, function: FunctionNode | None, context: Context) -> Iterator[Finding]:
    if function is None or not isinstance(node, ast.Call):
        return
    func = node.func
    if isinstance(func, ast.Attribute):
        last = original = func.attr
    elif isinstance(func, ast.Name):
        last, original = func.id, context.aliases.get(func.id, "").rpartition(".")[2]
    else:
        return
    if last not in TRIGGER_NAMES and original not in TRIGGER_NAMES:
        if last in _starting_decorated(context):
            yield from _decorated_start(node, function, context)
        return
    if (
        last == "add_task" or last in BACKGROUND_TASK_NAMES or original in BACKGROUND_TASK_NAMES
    ) and accepted_background_task(node, function, context):
        yield RULE.finding(
            node, kind="background task", name=task_name(node, context),
            response="202 Accepted response", way_out="persist the job",
        )
        return
    work = _started_work(node, function, context)
    yield from _unless_waited(work, function, context)


def _unless_waited(
    work: _Work | None, function: FunctionNode, context: Context
) -> Iterator[Finding]:
    if work is None or work.name.rpartition(".")[2] in CONNECTION_IO:
        return
    if _is_queue_worker(work, function, context):
        return  # a consumer: the jobs are in its queue, which SLS502 reports when fed
    if not work.via and _in_starter_wrapper(function, context):
        return  # reported where the decorated function is called
    if _feeds_the_response(work, function, context) or _waited_for(work, function, context):
        return
    accepted = answers_accepted(function, context)
    yield RULE.finding(
        work.call, kind=f"{work.via} {work.kind}".lstrip(), name=quoted(work.name),
        way_out=WAY_OUT[work.kind], response="202 Accepted response" if accepted else UNIT_MARK,
    )


def _is_queue_worker(work: _Work, function: FunctionNode, context: Context) -> bool:
    """Work that serves a queue in a loop (``while running: job = self.queue.get()``,
    followed through the project functions it calls): a long-lived worker the request
    starts or restarts, not a job it hands off. What a worker loses with the process is
    what waits in its queue, and feeding that queue is SLS502's."""
    if not all(part.isidentifier() for part in work.name.split(".")):
        return False
    return context.runs_queue_worker(function, work.name)


# ------------------------------------------------------------ starting decorators
KNOWN_STARTERS = {"tornado.concurrent.run_on_executor": ("executor job", True)}
"""Library decorators that run the decorated function elsewhere: (kind, returns a handle)."""


@dataclass(frozen=True)
class _Starter:
    """A decorator whose wrapper starts the decorated function as background work."""

    decorator: str
    kind: str
    returns_handle: bool


def _starting_decorated(context: Context) -> dict[str, list[tuple[FunctionNode, _Starter]]]:
    """Functions of the module wrapped by a decorator that starts them as background
    work (``@threadpool``, ``@run_on_executor``), by name: built once per file."""
    key = ("sls501-decorated", 0)
    known = context.rule_memo.get(key)
    if isinstance(known, dict):
        return known
    index: dict[str, list[tuple[FunctionNode, _Starter]]] = {}
    context.rule_memo[("sls501-wrappers", 0)] = set()
    for function in context.functions:
        for decorator in function.decorator_list:
            starter = _starter(decorator, context)
            if starter is not None:
                index.setdefault(function.name, []).append((function, starter))
                break
    context.rule_memo[key] = index
    return index


def _starter(decorator: ast.expr, context: Context) -> _Starter | None:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    shown = dotted_name(target)
    if shown is None:
        return None
    known = KNOWN_STARTERS.get(context.qualified_name(target) or "")
    if known is not None:
        return _Starter(shown, *known)
    if not isinstance(target, ast.Name):
        return None
    bound = context.module_bindings.get(target.id, ())
    if len(bound) != 1 or not isinstance(bound[0], (ast.FunctionDef, ast.AsyncFunctionDef)):
        return None
    key = ("sls501-starter", id(bound[0]))
    if key not in context.rule_memo:
        context.rule_memo[key] = _local_starter(bound[0], shown, context)
    found = context.rule_memo[key]
    return found if isinstance(found, _Starter) else None


def _local_starter(
    decorator: FunctionNode, shown: str, context: Context
) -> _Starter | None:
    """Whether a decorator of this module wraps the function it is given in work that
    it starts (``executor.submit(f, ...)``, ``Thread(target=f).start()``,
    ``create_task(f(...))``) without waiting for it, directly or as a decorator factory;
    and whether the wrapper returns the handle to its caller."""
    nested = [
        node
        for node in ast.walk(decorator)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node is not decorator
    ]
    parameters = {
        argument.arg
        for function in [decorator, *nested]
        for argument in [*function.args.posonlyargs, *function.args.args]
    }
    for wrapper in nested:
        for call in context.calls_by_function.get(id(wrapper), ()):
            work = _started_work(call, wrapper, context)
            if work is None or work.name not in parameters:
                continue
            if work.handle_call is None:
                returns_handle = False
            elif _returned(work.handle_call, wrapper, context):
                returns_handle = True
            elif not _waited_for(work, wrapper, context):
                returns_handle = False
            else:
                continue
            wrappers = context.rule_memo.setdefault(("sls501-wrappers", 0), set())
            assert isinstance(wrappers, set)
            wrappers.add(id(wrapper))
            return _Starter(shown, work.kind, returns_handle=returns_handle)
    return None


def _in_starter_wrapper(function: FunctionNode, context: Context) -> bool:
    """Whether ``function`` is the wrapper of a starting decorator applied in this
    module: its work is reported at the calls of the decorated functions instead."""
    _starting_decorated(context)
    wrappers = context.rule_memo.get(("sls501-wrappers", 0))
    return isinstance(wrappers, set) and id(function) in wrappers


def _returned(handle: ast.expr, function: FunctionNode, context: Context) -> bool:
    """``return executor.submit(...)``, or the name it is kept under returned."""
    parents = context.parents(function)
    parent = parents.get(id(handle))
    if isinstance(parent, ast.Return):
        return True
    if isinstance(parent, ast.Assign):
        kept = {p for t in parent.targets for p in _target_paths(t)}
    else:
        kept = set(_target_paths(handle))
    return any(
        isinstance(node, ast.Return) and node.value is not None and _holds(node.value, kept)
        for node in context.own_nodes(function)
    )


def _decorated_start(call: ast.Call, function: FunctionNode, context: Context) -> Iterator[Finding]:
    """A call of a function wrapped by a starting decorator: ``send_email(to)`` after
    ``@threadpool def send_email(...)``, ``self.crunch()`` after ``@run_on_executor``."""
    func = call.func
    candidates = _starting_decorated(context).get(
        func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", ""), []
    )
    for target, starter in candidates:
        if isinstance(func, ast.Name):
            if context.binds_locally(function, func.id) or id(target) in context.method_class:
                continue
            if context.function_parent.get(id(target)) is not None:
                continue
        elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            cls = context.enclosing_class(function) if func.value.id in {"self", "cls"} else None
            owner = context.method_class.get(id(target))
            if cls is None or owner is None or (
                owner is not cls and owner not in context.local_ancestors(cls)
            ):
                continue
        else:
            continue
        work = _Work(
            starter.kind, target.name, call, call if starter.returns_handle else None, call,
            via=f"@{starter.decorator}",
        )
        yield from _unless_waited(work, function, context)
        return


# ------------------------------------------------------------------ what is started
def _started_work(call: ast.Call, function: FunctionNode, context: Context) -> _Work | None:
    def named(target: ast.expr | None) -> str:
        return _work_name(target, context.excerpts)

    func = call.func
    qualified = context.qualified_name(func) or ""
    if qualified in TASK_FUNCTIONS:
        kind = TASK_FUNCTIONS[qualified]
        index = 1 if qualified.endswith(("spawn_later", "spawn_after")) else 0
        return _Work(kind, named(_argument(call, index, "coro")), call, call, call)
    if qualified in HANDLELESS_FUNCTIONS:
        return _Work(HANDLELESS_FUNCTIONS[qualified], named(_argument(call, 0)), call, None, call)
    if not isinstance(func, ast.Attribute):
        return None
    method, receiver = func.attr, func.value
    if method == "start" and not call.args:
        if THREAD_PACKAGES.isdisjoint(context.imported_packages):
            return None  # ``.start()`` is common; threads need one of these imports
        return _started_thread(call, receiver, function, context)
    if method == "create_task" and _is_event_loop(receiver, context):
        return _Work("asyncio task", named(_argument(call, 0, "coro")), call, call, call)
    if method == "run_in_executor":
        return _Work("executor job", named(_argument(call, 1)), call, call, call)
    if method in {"submit", "submit_stored"} and _is_executor(receiver, call, function, context):
        index = 1 if method == "submit_stored" else 0
        return _Work("executor job", named(_argument(call, index, "fn")), call, call, call)
    if method == "start_background_task":
        return _Work("background task", named(_argument(call, 0, "target")), call, call, call)
    if method in {"spawn_callback", "add_callback"} and _is_tornado_loop(receiver, context):
        return _Work("Tornado callback", named(_argument(call, 0, "callback")), call, None, call)
    return None


def _started_thread(
    call: ast.Call, receiver: ast.expr, function: FunctionNode, context: Context
) -> _Work | None:
    """``Thread(...).start()``, or ``t.start()`` after ``t = Thread(...)`` in the same
    function (a thread made elsewhere, e.g. a module-level worker, is not this request's)."""
    if isinstance(receiver, ast.Call):
        kind = _thread_kind(receiver, context)
        if kind is None:
            return None
        return _Work(kind, _thread_name(receiver, kind, context.excerpts), call, None, receiver)
    path = _path(receiver)
    if path is None:
        return None
    constructor: ast.Call | None = None
    for node in context.own_nodes(function):
        if (
            isinstance(node, ast.Assign)
            and node.lineno <= call.lineno
            and isinstance(node.value, ast.Call)
            and any(_path(target) == path for target in node.targets)
            and (constructor is None or node.lineno >= constructor.lineno)
        ):
            constructor = node.value
    if constructor is None:
        return None
    kind = _thread_kind(constructor, context)
    if kind is None:
        return None
    name = _thread_name(constructor, kind, context.excerpts)
    return _Work(kind, name, call, receiver, constructor)


def _thread_kind(constructor: ast.Call, context: Context) -> str | None:
    qualified = context.qualified_name(constructor.func)
    if qualified is None:
        return None
    kind = THREAD_CLASSES.get(qualified)
    if kind is not None:
        return kind
    local = context.classes.get(qualified)
    seen: set[int] = set()
    while local is not None and id(local) not in seen:
        seen.add(id(local))
        next_local = None
        for base in local.bases:
            base_name = context.qualified_name(base) or ""
            if base_name in THREAD_CLASSES:
                return THREAD_CLASSES[base_name]
            next_local = next_local or context.classes.get(base_name)
        local = next_local
    return None


def _thread_name(constructor: ast.Call, kind: str, excerpts: Excerpts) -> str:
    """The target the thread runs (``target=``, ``Timer``'s function), else its class."""
    if kind == "timer thread":
        target = _argument(constructor, 1, "function")
    else:
        target = _argument(constructor, 1, "target")
    if target is None:
        return dotted_name(constructor.func) or "Thread"
    return _work_name(target, excerpts)


def _argument(call: ast.Call, index: int, keyword: str | None = None) -> ast.expr | None:
    if keyword is not None:
        for item in call.keywords:
            if item.arg == keyword:
                return item.value
    positional = call.args[index] if len(call.args) > index else None
    return None if isinstance(positional, ast.Starred) else positional


def _work_name(expr: ast.expr | None, excerpts: Excerpts) -> str:
    """The user's name for the work: the coroutine function called, the target passed,
    unwrapping ``functools.partial(f, ...)`` and ``asyncio.to_thread(f, ...)``."""
    for _ in range(3):
        if expr is None:
            return "work"
        if isinstance(expr, ast.Await):
            expr = expr.value
        if isinstance(expr, ast.Lambda):
            return "lambda"
        if not isinstance(expr, ast.Call):
            break
        inner = dotted_name(expr.func) or ""
        if inner.rpartition(".")[2] in UNWRAPPED and expr.args:
            expr = expr.args[0]
            continue
        return inner or "work"
    name = dotted_name(expr) if expr is not None else None
    if name is not None:
        return name
    return excerpts.label(expr, 40) if expr is not None else "work"


def _is_event_loop(receiver: ast.expr, context: Context) -> bool:
    """``loop``, ``self._loop``, ``asyncio.get_running_loop()``: not a TaskGroup or a
    nursery, whose ``async with`` waits for every task."""
    if isinstance(receiver, ast.Call):
        return context.qualified_name(receiver.func) in LOOP_FACTORIES
    path = _path(receiver)
    return path is not None and path.rpartition(".")[2].lower().endswith("loop")


def _is_tornado_loop(receiver: ast.expr, context: Context) -> bool:
    target = receiver.func if isinstance(receiver, ast.Call) else receiver
    qualified = context.qualified_name(target) or _path(target) or ""
    lowered = qualified.lower()
    return qualified.startswith("tornado.") or "ioloop" in lowered or "io_loop" in lowered


def _is_executor(
    receiver: ast.expr, call: ast.Call, function: FunctionNode, context: Context
) -> bool:
    """A ``concurrent.futures`` (or Flask-Executor) executor, by its constructor or its
    name. Executors of a ``with`` block, or shut down in the function, wait for their
    jobs: not fire-and-forget."""
    target = receiver.func if isinstance(receiver, ast.Call) else receiver
    path = _path(target)
    if path is None:
        return False
    built_here = False
    for node in context.own_nodes(function):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and context.qualified_name(node.value.func) in EXECUTOR_CLASSES
            and any(_path(target) == path for target in node.targets)
        ):
            built_here = True
        if isinstance(node, (ast.With, ast.AsyncWith)) and _within(call, node):
            for item in node.items:
                if item.optional_vars is not None and _path(item.optional_vars) == path:
                    return False
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "shutdown"
            and _path(node.func.value) == path
            and not any(
                k.arg == "wait" and isinstance(k.value, ast.Constant) and not k.value.value
                for k in node.keywords
            )
        ):
            return False
    last = path.rpartition(".")[2].lower()
    if built_here or "executor" in last or "pool" in last:
        return True
    if isinstance(receiver, ast.Name) and not context.binds_locally(function, receiver.id):
        value = context.module_values.get(receiver.id)
        return isinstance(value, ast.Call) and context.qualified_name(value.func) in (
            EXECUTOR_CLASSES
        )
    return False


def _within(node: ast.AST, block: ast.With | ast.AsyncWith) -> bool:
    end = block.end_lineno or block.lineno
    return block.body[0].lineno <= getattr(node, "lineno", 0) <= end


# --------------------------------------------------------------- is it waited for
def _feeds_the_response(work: _Work, function: FunctionNode, context: Context) -> bool:
    """Work handed the request's websocket, or a queue the request made to read from:
    it serves this connection or response and dies with it, losing nothing durable."""
    names = {
        node.id
        for argument in [*work.source.args, *(k.value for k in work.source.keywords)]
        for node in ast.walk(argument)
        if isinstance(node, ast.Name)
    }
    if names & CONNECTION_NAMES:
        return True
    local = {name for name in names if context.binds_locally(function, name)}
    if not local:
        return False
    for node in context.own_nodes(function):
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and context.qualified_name(node.value.func) in QUEUE_CONSTRUCTORS
            and any(_path(target) in local for target in node.targets)
        ):
            return True
    return False


def _waited_for(work: _Work, function: FunctionNode, context: Context) -> bool:
    """Whether the request waits for (or ends) the work, or hands its handle to code
    that may: returned, passed on, awaited, joined, gathered, cancelled."""
    if work.handle_call is None:
        return False
    parents = context.parents(function)
    if work.handle_call is work.call:
        fate = _fate(work.call, parents, context)
        if isinstance(fate, bool):
            return fate
        names = fate
    else:
        path = _path(work.handle_call)
        if path is None:
            return True
        names = {path}
    if names & context.scope(function).global_:
        return True  # a per-process service started on first use (``global worker``)
    return _names_waited(names, work.call, function, context)


def _fate(call: ast.Call, parents: dict[int, ast.AST], context: Context) -> bool | set[str]:
    """What the request does with the handle ``call`` returns: True (waited or handed
    on), False (dropped), or the names it is kept under, to follow further."""
    node: ast.AST = call
    while True:
        parent = parents.get(id(node))
        if parent is None or isinstance(parent, (ast.Return, ast.Yield, ast.YieldFrom, ast.Lambda)):
            return True
        if isinstance(parent, ast.Await):
            return True
        if isinstance(parent, ast.Expr):
            return False
        if isinstance(parent, ast.Assign):
            return {p for t in parent.targets for p in _target_paths(t)} or True
        if isinstance(parent, (ast.AnnAssign, ast.AugAssign, ast.NamedExpr)):
            return set(_target_paths(parent.target)) or True
        if isinstance(
            parent, (ast.List, ast.Tuple, ast.Set, ast.Starred, ast.keyword, ast.IfExp, ast.Dict)
        ):
            node = parent
            continue
        if isinstance(parent, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            if node is getattr(parent, "elt", None) or node is getattr(parent, "value", None):
                node = parent
                continue
            return True
        if isinstance(parent, ast.Call):
            verdict = _argument_fate(parent, context)
            if verdict is None:
                node = parent
                continue
            if isinstance(verdict, str):
                return {verdict}
            return verdict
        if isinstance(parent, ast.Attribute):
            grand = parents.get(id(parent))
            if isinstance(grand, ast.Call) and grand.func is parent:
                if parent.attr in WAIT_METHODS:
                    return True
                if parent.attr == "add_done_callback":
                    return False
            return True
        return True


def _argument_fate(call: ast.Call, context: Context) -> bool | str | None:
    """A handle passed to ``call``: True (waited or handed on), None (a combinator
    whose own fate decides), or the path of the container now keeping it."""
    qualified = context.qualified_name(call.func) or ""
    if qualified in ASYNC_WAITERS:
        return None
    if qualified in SYNC_WAITERS:
        return True
    if isinstance(call.func, ast.Attribute):
        method = call.func.attr
        if method in STORE_METHODS:
            path = _path(call.func.value)
            return path if path is not None else True
        if method in WAIT_METHODS:
            return True
    return True


def _names_waited(
    names: set[str], anchor: ast.Call, function: FunctionNode, context: Context
) -> bool:
    """Whether anything kept under ``names`` (or copied from them into other names,
    containers and loop variables) is waited for or handed on on every path of the
    function after ``anchor`` (the call that started the work), or, for ``self.``
    attributes, in any other method of the class. A task awaited on one branch only
    (``if wait: await task``) is still fire-and-forget on the others."""
    nodes = context.own_nodes(function)
    names = _aliases(names, nodes)
    if _any_wait(names, nodes, context) and _waited_on_every_path(
        anchor, names, function, context
    ):
        return True
    own = {name for name in names if name.startswith("self.")}
    cls = context.enclosing_class(function) if own else None
    if cls is None:
        return False
    for statement in cls.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
            statement is not function
        ):
            method_nodes = context.own_nodes(statement)
            if _any_wait(_aliases(own, method_nodes), method_nodes, context):
                return True
    return False


# ------------------------------------------------------------------ paths
_WAIT, _RETURN, _RAISE, _THROUGH = "wait", "return", "raise", "through"
if sys.version_info >= (3, 11):
    _TRY_TYPES: tuple[type[ast.stmt], ...] = (ast.Try, ast.TryStar)
else:  # pragma: no cover
    _TRY_TYPES = (ast.Try,)
_OWN_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_PATH_DEPTH = 12
"""Nesting of blocks followed; deeper code is taken as waited (silence over a guess)."""


def _waited_on_every_path(
    anchor: ast.AST, names: set[str], function: FunctionNode, context: Context
) -> bool:
    """Whether every way out of ``function`` after ``anchor`` waits for ``names``
    first: the statements after it in its block, then after each enclosing block;
    ``finally`` blocks count on every path; exception handlers are error paths."""
    parents = context.parents(function)
    ends: set[str] = set()
    node: ast.AST = anchor
    while node is not function:
        parent = parents.get(id(node))
        if parent is None:
            break
        block = _block_holding(parent, node) if isinstance(node, ast.stmt) else None
        if block is not None:
            finalbody: list[ast.stmt] = getattr(parent, "finalbody", [])
            if (
                isinstance(parent, _TRY_TYPES)
                and block is not finalbody
                and _outcomes(finalbody, names, context, 0) == {_WAIT}
            ):
                return True
            after = next(i for i, statement in enumerate(block) if statement is node) + 1
            found = _outcomes(block[after:], names, context, 0)
            ends |= found - {_THROUGH}
            if _THROUGH not in found:
                return _WAIT in ends and ends <= {_WAIT, _RAISE}
        node = parent
    return False  # the function ends on a path that never waited


def _block_holding(parent: ast.AST, statement: ast.stmt) -> list[ast.stmt] | None:
    for field in ("body", "orelse", "finalbody"):
        block = getattr(parent, field, None)
        if isinstance(block, list) and any(s is statement for s in block):
            return block
    return None


def _outcomes(
    statements: list[ast.stmt], names: set[str], context: Context, depth: int
) -> set[str]:
    """How running ``statements`` can end: having waited, by ``return`` or ``raise``
    without waiting, or falling through."""
    possible = {_THROUGH}
    for statement in statements:
        possible = (possible - {_THROUGH}) | _statement_outcomes(statement, names, context, depth)
        if _THROUGH not in possible:
            break
    return possible


def _statement_outcomes(
    statement: ast.stmt, names: set[str], context: Context, depth: int
) -> set[str]:
    if depth > _PATH_DEPTH:
        return {_WAIT}
    deeper = depth + 1
    if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {_THROUGH}
    if isinstance(statement, ast.If):
        if _waits_in(statement.test, names, context):
            return {_WAIT}
        held = _tests_for_a_handle(statement.test, names)
        # the branch taken when the name holds no handle has nothing to wait for
        then = {_WAIT} if held is False else _outcomes(statement.body, names, context, deeper)
        orelse = {_WAIT} if held else _outcomes(statement.orelse, names, context, deeper)
        return then | orelse
    if isinstance(statement, (ast.For, ast.AsyncFor, ast.While)):
        header = statement.test if isinstance(statement, ast.While) else statement.iter
        if _waits_in(header, names, context):
            return {_WAIT}
        return _outcomes(statement.body, names, context, deeper)  # loops over the handles
    if isinstance(statement, _TRY_TYPES):
        finalbody: list[ast.stmt] = getattr(statement, "finalbody", [])
        if _outcomes(finalbody, names, context, deeper) == {_WAIT}:
            return {_WAIT}
        body: list[ast.stmt] = [*getattr(statement, "body", []), *getattr(statement, "orelse", [])]
        return _outcomes(body, names, context, deeper)
    if isinstance(statement, (ast.With, ast.AsyncWith)):
        if any(_waits_in(item.context_expr, names, context) for item in statement.items):
            return {_WAIT}
        return _outcomes(statement.body, names, context, deeper)
    if isinstance(statement, ast.Match):
        if _waits_in(statement.subject, names, context):
            return {_WAIT}
        found: set[str] = set()
        for case in statement.cases:
            found |= _outcomes(case.body, names, context, deeper)
        last = statement.cases[-1] if statement.cases else None
        if not (
            last is not None
            and last.guard is None
            and isinstance(last.pattern, ast.MatchAs)
            and last.pattern.pattern is None
        ):
            found.add(_THROUGH)
        return found
    if _waits_in(statement, names, context):
        return {_WAIT}
    if isinstance(statement, ast.Return):
        return {_RETURN}
    if isinstance(statement, ast.Raise):
        return {_RAISE}
    return {_THROUGH}


def _tests_for_a_handle(test: ast.expr, names: set[str]) -> bool | None:
    """True when ``test`` holds only if a name in ``names`` holds a handle (``if task is
    not None:``, ``if task:``), False when only if it holds none (``if task is None:``,
    ``if not task:``), None for any other test."""
    negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
    if isinstance(test, ast.UnaryOp) and negated:
        test = test.operand
    held: bool | None = None
    if isinstance(test, (ast.Name, ast.Attribute)):
        held = True
    elif (
        isinstance(test, ast.Compare)
        and len(test.ops) == 1
        and isinstance(test.ops[0], (ast.Is, ast.IsNot))
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value is None
    ):
        held = isinstance(test.ops[0], ast.IsNot)
        test = test.left
    if held is None or not isinstance(test, (ast.Name, ast.Attribute)):
        return None
    path = _path(test)
    if path is None or path not in names:
        return None
    return held != negated


def _waits_in(node: ast.AST, names: set[str], context: Context) -> bool:
    """Whether ``node`` itself (not the functions or lambdas it defines) waits for
    ``names`` or hands them on."""
    own: list[ast.AST] = []
    pending = [node]
    while pending:
        current = pending.pop()
        own.append(current)
        if not isinstance(current, _OWN_SCOPES):
            pending.extend(ast.iter_child_nodes(current))
    return _any_wait(names, own, context)


def _aliases(names: set[str], nodes: list[ast.AST]) -> set[str]:
    """``names`` plus the names, containers and loop variables the handles flow into."""
    names = set(names)
    for _ in range(4):
        before = len(names)
        for node in nodes:
            if isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
                if _mentions(node.iter, names):
                    names.update(_target_paths(node.target))
            elif isinstance(node, ast.Assign) and _holds(node.value, names):
                for target in node.targets:
                    names.update(_target_paths(target))
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in STORE_METHODS
                and any(_holds(a, names) for a in node.args)
            ):
                path = _path(node.func.value)
                if path is not None:
                    names.add(path)
        if len(names) == before:
            break
    return names


def _any_wait(names: set[str], nodes: list[ast.AST], context: Context) -> bool:
    for node in nodes:
        if isinstance(node, ast.Await) and _mentions(node.value, names):
            return True
        if (
            isinstance(node, (ast.Return, ast.Yield, ast.YieldFrom))
            and node.value is not None
            and _holds(node.value, names)
        ):
            return True
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if (
            isinstance(func, ast.Attribute)
            and func.attr in WAIT_METHODS
            and _path(func.value) in names
        ):
            return True
        arguments = [*node.args, *(k.value for k in node.keywords)]
        if not any(_holds(a, names) for a in arguments):
            continue
        qualified = context.qualified_name(func) or ""
        if qualified in SYNC_WAITERS or qualified in ASYNC_WAITERS:
            return True
        if _passes_on(func):
            return True
    return False


def _passes_on(func: ast.expr) -> bool:
    """A call that may keep the handle and wait for it elsewhere, unlike a container
    store, a callback registration, logging or ``len()``."""
    if isinstance(func, ast.Name):
        return func.id not in HARMLESS_CALLS
    if isinstance(func, ast.Attribute):
        return func.attr not in STORE_METHODS | LOGGING_METHODS | {"add_done_callback"}
    return True


# ------------------------------------------------------------------------ paths
def _path(node: ast.AST) -> str | None:
    """``a.b`` for ``a.b``, ``a.b[k]`` and ``a.b[k].c`` alike (subscripts are dropped):
    the name under which a handle, or its container, is kept."""
    parts: list[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Name):
            parts.append(node.id)
            return ".".join(reversed(parts))
        else:
            return None


def _target_paths(target: ast.AST) -> list[str]:
    if isinstance(target, (ast.Tuple, ast.List)):
        return [p for item in target.elts for p in _target_paths(item)]
    if isinstance(target, ast.Starred):
        return _target_paths(target.value)
    path = _path(target)
    return [path] if path is not None else []


def _holds(expr: ast.AST, names: set[str]) -> bool:
    """``expr`` is one of ``names``, or a literal container or starred of one."""
    if isinstance(expr, ast.Starred):
        return _holds(expr.value, names)
    if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
        return any(_holds(item, names) for item in expr.elts)
    if isinstance(expr, ast.Dict):
        return any(_holds(value, names) for value in expr.values)
    if isinstance(expr, (ast.Name, ast.Attribute, ast.Subscript)):
        path = _path(expr)
        return path is not None and path in names
    if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
        return expr.func.attr in {"values", "copy", "items"} and _holds(expr.func.value, names)
    return False


def _mentions(expr: ast.AST, names: set[str]) -> bool:
    for node in ast.walk(expr):
        if isinstance(node, (ast.Name, ast.Attribute)):
            path = _path(node)
            if path is not None and path in names:
                return True
    return False


RULE = Rule(
    code="SLS501",
    name="fire-and-forget-work",
    message=(
        "{kind} {name} outlives the {response}{via}, lost if the process dies; "
        "{way_out} or use Celery/RQ/arq"
    ),
    summary="Request-serving code starts a thread, task or job it never waits for.",
    rationale=(
        "Work started from a request and left running after the response lives only in "
        "that process's memory. A deploy, an autoscaler or the OOM killer can stop the "
        "process at any moment, and the half-sent email, the unfinished import or the "
        "webhook that was never delivered disappears without a trace or a retry. Servers "
        "also cancel or freeze such work between requests (serverless, gunicorn worker "
        "recycling). Either finish the work before responding, or hand it to a task queue "
        "that keeps it in a backing service and retries it."
    ),
    bad_example="""\
import threading

from flask import Flask, request

app = Flask(__name__)


def send_welcome_email(address):
    ...


@app.post("/signup")
def signup():
    threading.Thread(target=send_welcome_email, args=(request.form["email"],)).start()
    return {"ok": True}
""",
    good_example="""\
from flask import Flask, request

from myapp.tasks import send_welcome_email  # a Celery task

app = Flask(__name__)


@app.post("/signup")
def signup():
    send_welcome_email.delay(request.form["email"])
    return {"ok": True}
""",
    node_types=(ast.Call,),
    check=check,
    scope="request",
    options=("handler-decorators", "call-depth"),
    references=(
        "https://12factor.net/disposability",
        "https://docs.python.org/3/library/asyncio-task.html#asyncio.create_task",
        "https://docs.celeryq.dev/en/stable/getting-started/first-steps-with-celery.html",
        "https://python-rq.org/",
    ),
    notes=(
        "Flags `threading.Thread`/`Timer` and `multiprocessing.Process` (and local "
        "subclasses) started in request-serving code, `asyncio.create_task`, "
        "`ensure_future`, `loop.create_task`, `run_coroutine_threadsafe`, "
        "`loop.run_in_executor`, `executor.submit`, gevent/eventlet `spawn`, Socket.IO "
        "`start_background_task` and Tornado `IOLoop.spawn_callback`/`add_callback`, when the "
        "request does not wait for the result; also a call of a function wrapped by a "
        "decorator that starts it as such work (a decorator of the same module whose "
        "wrapper submits to an executor, starts a thread or creates a task, and Tornado's "
        "`@run_on_executor`), reported at the call.",
        "A handler that answers 202 Accepted (`status_code=status.HTTP_202_ACCEPTED` in its "
        "route decorator, `JSONResponse(..., status_code=202)`, `Response(status=202)`, "
        "Flask's `return body, 202`, `HTTPStatus.ACCEPTED`, `response.status_code = 202`) "
        "and hands the accepted work to FastAPI/Starlette background tasks "
        "(`background_tasks.add_task(...)`, `background=BackgroundTask(...)`) is reported "
        "here, on by default: the client was told the work is queued, and only this "
        "process's memory holds it. Other background tasks are SLS504's (opt-in), which "
        "leaves a 202 handler's tasks to this rule.",
        "Silent when the work is awaited, joined, gathered (`await asyncio.gather(...)`, "
        "`asyncio.wait`, `concurrent.futures.wait`), its result read (`future.result()`), "
        "cancelled before the response, or when the handle is returned or passed on to other "
        "code, on every path after it is started (a task awaited on one branch only, or "
        "after an early `return`, is still reported; `finally` blocks count on every path, "
        "exception handlers and `raise` are error paths; the branch of `if task is not "
        "None:` or `if not task:` where no task was started has nothing to wait for). "
        "Jobs submitted inside "
        "`with ThreadPoolExecutor() as executor:` are silent "
        "(leaving the block waits for them), and so are tasks of an `asyncio.TaskGroup` or "
        "an anyio task group. Handles kept in a module-level set or on `self` are still "
        "fire-and-forget, unless a method of the class awaits or cancels them.",
        "Real task queues are the way out and are never flagged: `task.delay()`, "
        "`apply_async()`, RQ `queue.enqueue()`, Dramatiq `actor.send()`, arq `enqueue_job()`.",
        "Leaves alone a queue worker the request starts or restarts (a settings page that "
        "resizes a worker pool, a reconfigured object born with its own worker): a thread "
        "or task whose target waits for items from a queue in a loop, itself or through "
        "the project functions it calls (not those it hands to other threads), up to two "
        "calls deep (`while not stop.is_set(): job = q.get(timeout=1)`, `while "
        "self.active: entry = self.queue.get()`, an `await q.get()` loop, a project "
        "queue's `q.async_get(timeout=1)`). A worker is not a job: it ends when the "
        "process does by design, and what it loses is what waits in its queue, which "
        "SLS502 reports where requests feed it. A loop that empties a queue once and stops "
        "(`while not q.empty():`, `get_nowait()` or `get(block=False)` until `Empty`), a "
        "loop over anything but a queue (polling a remote status, `d.get(key)`) and a "
        "target that runs one job are still reported, also when the thread is kept on "
        "`self` like a worker's.",
    ),
)
