"""SLS102 global-rebound-in-handler: ``global``/``nonlocal`` rebinding in request code."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from flake8_stateless.context import Context, FunctionNode, statements_of
from flake8_stateless.registry import Finding, Rule
from flake8_stateless.scope import state


def check(node: ast.AST, function: FunctionNode | None, context: Context) -> Iterator[Finding]:
    if function is None or not isinstance(node, (ast.Global, ast.Nonlocal)):
        return
    keyword = "global" if isinstance(node, ast.Global) else "nonlocal"
    names = set(node.names)
    if isinstance(node, ast.Nonlocal):
        # a closure over a request-serving function's variable lives one request
        names = {
            name
            for name in names
            if not context.is_request_serving(context.binding_function(function, name))
        }
    if not names:
        return
    if state.refreshes_a_memo(function, context):
        return  # a memo and its validity stamp, refreshed when the stamp is stale
    lazy = _lazily_initialised(function, names)
    first: dict[str, ast.Name] = {}
    for part in statements_of(function):
        if (
            isinstance(part, ast.Name)
            and not isinstance(part.ctx, ast.Load)
            and part.id in names
            and part.id not in lazy
            and not state.under_revalidation(part, function, context)
            and not _torn_down(part, function, context)
            and not _holds_a_process_resource(part, function, context)
            and not _under_start_up_flag(part, function, context)
        ):
            # (a memo and its validity stamp refreshed when the stamp is stale: not state)
            known = first.get(part.id)
            if known is None or (part.lineno, part.col_offset) < (known.lineno, known.col_offset):
                first[part.id] = part
    for name, target in sorted(first.items()):
        yield RULE.finding(target, name=name, keyword=keyword)


def _under_start_up_flag(target: ast.Name, function: FunctionNode, context: Context) -> bool:
    """``def settings(init=False): ... if init: global _instance; _instance = ...``: the
    branch runs only when a caller passes a flag that defaults to off (start-up does),
    so request code that calls ``settings()`` never rebinds it."""
    flags = _off_by_default(function)
    if not flags:
        return False
    return any(
        isinstance(branch.test, ast.Name) and branch.test.id in flags
        for branch in context.enclosing_ifs(target, function)
    )


def _off_by_default(function: FunctionNode) -> set[str]:
    """Parameters whose default is ``False`` or ``None``."""
    arguments = function.args
    positional = [*arguments.posonlyargs, *arguments.args]
    with_defaults = positional[len(positional) - len(arguments.defaults):]
    pairs = list(zip(with_defaults, arguments.defaults, strict=True))
    pairs += [
        (a, d) for a, d in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True) if d
    ]
    return {
        argument.arg
        for argument, default in pairs
        if isinstance(default, ast.Constant) and default.value in (False, None)
    }


def _torn_down(target: ast.Name, function: FunctionNode, context: Context) -> bool:
    """``session = None``: a process-local client dropped (on shutdown, before a
    restart), not data kept for later requests."""
    parent = context.parents(function).get(id(target))
    return (
        isinstance(parent, ast.Assign)
        and isinstance(parent.value, ast.Constant)
        and parent.value.value is None
    )


PROCESS_RESOURCES = frozenset(
    {
        "asyncio.new_event_loop", "asyncio.get_event_loop", "asyncio.get_running_loop",
        "asyncio.Lock", "asyncio.Event", "asyncio.Condition", "asyncio.Semaphore",
        "threading.Thread", "threading.Timer", "threading.Lock", "threading.RLock",
        "threading.Event", "threading.Condition", "threading.Semaphore",
        "threading.BoundedSemaphore", "concurrent.futures.ThreadPoolExecutor",
        "concurrent.futures.ProcessPoolExecutor", "multiprocessing.Process",
    }
)  # fmt: skip
"""Constructors of things that exist only inside this process and carry no data: an
event loop, a lock, a thread or a pool. Every process makes its own, and should."""
PROCESS_CLOCKS = frozenset(
    {"time.monotonic", "time.monotonic_ns", "time.perf_counter", "time.perf_counter_ns"}
)
"""Clocks whose readings mean nothing outside this process (their reference point is
arbitrary): a global holding one is a debounce or throttle stamp of this process's own
work (changedetection's ``gc_debounce``), never data another process could share."""


def _holds_a_process_resource(target: ast.Name, function: FunctionNode, context: Context) -> bool:
    """``_loop = asyncio.new_event_loop()`` (or through a local name: ``loop = ...;
    _loop = loop``): the process's own event loop, lock or thread, or a reading of its
    own clock (``time.monotonic()``), not data a later request reads. A client built
    from settings is not one (its settings are data)."""
    parents = context.parents(function)
    parent = parents.get(id(target))
    if not isinstance(parent, ast.Assign):
        return False
    value = parent.value
    if isinstance(value, ast.Name):
        sources = [
            node.value
            for node in context.own_nodes(function)
            if isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == value.id for t in node.targets)
        ]
        if not sources:
            return False
        return all(_makes_a_process_resource(source, context) for source in sources)
    return _makes_a_process_resource(value, context)


def _makes_a_process_resource(value: ast.expr, context: Context) -> bool:
    if not isinstance(value, ast.Call):
        return False
    made = context.qualified_name(value.func) or ""
    return made in PROCESS_RESOURCES or made in PROCESS_CLOCKS


def _lazily_initialised(function: FunctionNode, names: set[str]) -> set[str]:
    """Names only ever assigned on first use: under ``if NAME is None:`` /
    ``if not NAME:``, or after ``if NAME: return NAME``. A per-process client,
    connection or computed table created once, not user data."""
    guarded: set[str] = set()
    unguarded: set[str] = set()
    early_returned: set[str] = set()
    pending: list[tuple[ast.AST, frozenset[str]]] = []
    for statement in function.body:
        pending.append((statement, frozenset(early_returned)))
        if isinstance(statement, ast.If) and _returns(statement.body):
            early_returned |= _set_tested(statement.test) & names
    while pending:
        node, guards = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.If):
            tested = _none_tested(node.test) & names
            pending.extend((child, guards | tested) for child in node.body)
            pending.extend((child, guards) for child in node.orelse)
            continue
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load) and node.id in names:
            (guarded if node.id in guards else unguarded).add(node.id)
        pending.extend((child, guards) for child in ast.iter_child_nodes(node))
    return guarded - unguarded


def _returns(body: list[ast.stmt]) -> bool:
    return bool(body) and isinstance(body[-1], ast.Return)


def _none_tested(test: ast.expr) -> set[str]:
    """Names that ``test`` checks for being unset: ``x is None``, ``not x``."""
    if isinstance(test, ast.BoolOp):
        return set().union(*(_none_tested(value) for value in test.values))
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return {test.operand.id} if isinstance(test.operand, ast.Name) else set()
    name = _compared_to_none(test, ast.Is, ast.Eq)
    return {name} if name else set()


def _set_tested(test: ast.expr) -> set[str]:
    """Names that ``test`` checks for being set: ``x``, ``x is not None``, and each of
    them in an ``and`` (``if not refresh and _a is not None and _b: return ...``)."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return set().union(*(_set_tested(value) for value in test.values))
    if isinstance(test, ast.Name):
        return {test.id}
    name = _compared_to_none(test, ast.IsNot, ast.NotEq)
    return {name} if name else set()


def _compared_to_none(test: ast.expr, *operators: type[ast.cmpop]) -> str | None:
    """``NAME`` in ``NAME is None`` (or the given comparison with None), else None."""
    if (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and len(test.ops) == 1
        and isinstance(test.ops[0], operators)
        and isinstance(test.comparators[0], ast.Constant)
        and test.comparators[0].value is None
    ):
        return test.left.id
    return None


RULE = Rule(
    code="SLS102",
    name="global-rebound-in-handler",
    message=(
        "'{name}' is rebound through '{keyword}' {where}; each process has "
        "its own: keep it in Redis or the database"
    ),
    summary="Request-serving code rebinds a module-level (or app-factory) variable.",
    rationale=(
        'A `global` counter, flag or "last seen" value changed by a view lives in one '
        "process. With several workers or replicas each keeps its own value, so users see "
        "numbers jump between requests, and every restart resets them. A `nonlocal` in a "
        "route defined inside an app factory has the same problem: the variable lives as "
        "long as the process."
    ),
    bad_example="""\
from flask import Flask

app = Flask(__name__)
visits = 0


@app.get("/")
def index():
    global visits
    visits += 1
    return {"visits": visits}
""",
    good_example="""\
import os

import redis
from flask import Flask

app = Flask(__name__)
store = redis.Redis.from_url(os.environ["REDIS_URL"])


@app.get("/")
def index():
    return {"visits": store.incr("visits")}
""",
    node_types=(ast.Global, ast.Nonlocal),
    check=check,
    scope="request",
    options=("handler-decorators", "call-depth"),
    references=("https://12factor.net/processes",),
    notes=(
        "Leaves alone `global` in a CLI `main()` and import-time setup, and lazy "
        "initialisation of a per-process client or table (`if _client is None: "
        "_client = ...`, or `if _table: return _table` before computing it), and a "
        "global rebound to the process's own event loop, lock, thread or pool "
        "(`_loop = asyncio.new_event_loop()`): every process makes its own. A global "
        "rebound to a reading of `time.monotonic()` or `time.perf_counter()` is a debounce "
        "or throttle stamp of this process's own work (those clocks mean nothing to another "
        "process); a `time.time()` stamp is still reported.",
    ),
)
