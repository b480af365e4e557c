"""SLS504 durable-work-in-background-tasks (opt-in): FastAPI/Starlette background tasks,
which run in the web process after the response."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from flake8_stateless.context import Context, FunctionNode, dotted_name, statements_of
from flake8_stateless.excerpts import quoted
from flake8_stateless.registry import Finding, Rule

BACKGROUND_TASKS = frozenset(
    {
        "fastapi.BackgroundTasks",
        "fastapi.background.BackgroundTasks",
        "starlette.background.BackgroundTasks",
    }
)
BACKGROUND_TASK = frozenset({"starlette.background.BackgroundTask"})
BACKGROUND_TASK_NAMES = frozenset({"BackgroundTask"})
FRAMEWORKS = frozenset({"fastapi", "starlette"})
"""Background tasks come from these imports: files without them pay nothing."""
CLEANUP_NAMES = frozenset({"aclose", "release", "unlink", "remove", "rmtree", "cleanup"})
CONVENTIONAL_NAMES = frozenset({"background_tasks"})
"""The parameter name FastAPI's documentation uses throughout: a ``background_tasks``
receiving ``add_task`` is a ``BackgroundTasks`` even when unannotated."""


def check(node: ast.AST, function: FunctionNode | None, context: Context) -> Iterator[Finding]:
    if function is None or not isinstance(node, ast.Call):
        return
    if FRAMEWORKS.isdisjoint(context.imported_packages) or context.path.never_serves:
        return
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr == "add_task":
        receiver = func.value
        if isinstance(receiver, ast.Name) and _is_background_tasks(receiver.id, function, context):
            yield from _unless_cleanup(node, context)
    elif (
        _last_name(func, context) in BACKGROUND_TASK_NAMES
        and context.qualified_name(func) in BACKGROUND_TASK
        and context.is_request_serving(function)
    ):
        yield from _unless_cleanup(node, context)


def _unless_cleanup(call: ast.Call, context: Context) -> Iterator[Finding]:
    """Closing a stream or removing a temporary file after the response is not work
    anyone waits for: losing it loses nothing a user asked for."""
    name = _task_name(call, context)
    last = name.rpartition(".")[2].lower()
    if last in CLEANUP_NAMES or last.startswith(("cleanup", "clean_up", "close")):
        return
    yield RULE.finding(call, name=quoted(name))


def _last_name(func: ast.expr, context: Context) -> str:
    """``BackgroundTask`` for ``BackgroundTask``, ``background.BackgroundTask`` or an
    alias imported as ``BT``: cheap, before resolving the whole name."""
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return context.aliases.get(func.id, func.id).rpartition(".")[2]
    return ""


def _is_background_tasks(name: str, function: FunctionNode, context: Context) -> bool:
    """A parameter annotated ``BackgroundTasks`` (FastAPI injects it per request, so the
    function runs while serving one, dependencies included), a local
    ``BackgroundTasks()``, or the conventional name in request-serving code."""
    current: FunctionNode | None = function
    while current is not None:
        arguments = current.args
        for argument in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]:
            if argument.arg == name:
                if argument.annotation is not None and _annotated(argument.annotation, context):
                    return True
                return name in CONVENTIONAL_NAMES and context.is_request_serving(function)
        for node in statements_of(current):
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Call)
                and context.qualified_name(node.value.func) in BACKGROUND_TASKS
                and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
            ):
                return context.is_request_serving(function)
        current = context.function_parent.get(id(current))
    return False


def _annotated(annotation: ast.expr, context: Context) -> bool:
    """``BackgroundTasks``, ``Optional[BackgroundTasks]``, ``BackgroundTasks | None``,
    ``Annotated[BackgroundTasks, ...]`` or the same as a string."""
    for node in ast.walk(annotation):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                parsed = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                continue
            if any(context.qualified_name(n) in BACKGROUND_TASKS for n in ast.walk(parsed)):
                return True
        elif context.qualified_name(node) in BACKGROUND_TASKS:
            return True
    return False


def _task_name(call: ast.Call, context: Context) -> str:
    target = (
        call.args[0]
        if call.args
        else next((k.value for k in call.keywords if k.arg in {"func", "function"}), None)
    )
    if target is None:
        return "task"
    return dotted_name(target) or context.excerpts.label(target, 40)


RULE = Rule(
    code="SLS504",
    name="durable-work-in-background-tasks",
    message=(
        "background task {name} is lost if the process dies after the response; "
        "use Celery or arq for durable work"
    ),
    summary="FastAPI/Starlette background tasks carry work that runs after the response (opt-in).",
    rationale=(
        "`BackgroundTasks.add_task` runs the function in the same web process after the "
        "response is sent. Nothing records it: if the process is restarted, scaled down or "
        "killed before or while it runs, the work is silently lost and never retried. That "
        "is fine for best-effort work (a log line, a cache warm-up) but not for work that "
        "must happen: emails, payments, webhooks, data processing. This rule cannot tell "
        "the two apart, so it is off by default: turn it on to review every background task."
    ),
    bad_example="""\
from fastapi import BackgroundTasks, FastAPI

app = FastAPI()


def charge_card(order_id: int) -> None:
    ...


@app.post("/orders/{order_id}/pay")
async def pay(order_id: int, background_tasks: BackgroundTasks):
    background_tasks.add_task(charge_card, order_id)
    return {"status": "processing"}
""",
    good_example="""\
from fastapi import FastAPI

from myapp.worker import redis_pool  # an arq pool

app = FastAPI()


@app.post("/orders/{order_id}/pay")
async def pay(order_id: int):
    await redis_pool.enqueue_job("charge_card", order_id)
    return {"status": "processing"}
""",
    node_types=(ast.Call,),
    check=check,
    scope="module",
    triggers=("add_task", *sorted(BACKGROUND_TASK_NAMES)),
    default_enabled=False,
    options=("handler-decorators", "call-depth"),
    references=(
        "https://fastapi.tiangolo.com/tutorial/background-tasks/#caveat",
        "https://www.starlette.io/background/",
        "https://arq-docs.helpmanual.io/",
    ),
    notes=(
        "Off by default. Turn it on by naming its full code: `flake8 --extend-select=SLS504` "
        "on the command line, or `extend-select = SLS504` under `[flake8]` in `setup.cfg`, "
        "`tox.ini` or `.flake8`. Prefixes do not turn it on: `--select=SLS` and a plain "
        "`ignore =` (which both undo flake8's default-ignore list) leave it off, so "
        "upgrading never floods a codebase with opt-in findings.",
        "Flags `add_task` on a `BackgroundTasks` parameter (FastAPI injects one per request, "
        "so endpoints and their dependencies are covered), on a local `BackgroundTasks()`, "
        "or on a `background_tasks` parameter in request-serving code, and "
        "`BackgroundTask(...)` objects made in request-serving code.",
        "Leaves alone Celery/RQ/arq/Dramatiq enqueueing (the way out) and tests.",
    ),
)
