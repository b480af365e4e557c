"""SLS504 durable-work-in-background-tasks (opt-in): FastAPI/Starlette background tasks,
which run in the web process after the response."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from flake8_stateless.context import Context, FunctionNode
from flake8_stateless.excerpts import quoted
from flake8_stateless.registry import Finding, Rule
from flake8_stateless.rules.durability.background import (
    BACKGROUND_TASK_NAMES,
    accepted_background_task,
    background_task_call,
    task_name,
)


def check(node: ast.AST, function: FunctionNode | None, context: Context) -> Iterator[Finding]:
    if function is None or not isinstance(node, ast.Call):
        return
    if not background_task_call(node, function, context):
        return
    if _sls501_enabled(context) and accepted_background_task(node, function, context):
        return  # a 202 Accepted handler's work: SLS501, on by default, reports it
    yield RULE.finding(node, name=quoted(task_name(node, context)))


def _sls501_enabled(context: Context) -> bool:
    codes = context.settings.enabled_codes
    return codes is None or "SLS501" in codes


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
        "Leaves alone Celery/RQ/arq/Dramatiq enqueueing (the way out) and tests. Background "
        "tasks of a handler that answers 202 Accepted are reported by SLS501 (on by "
        "default) instead, unless SLS501 is turned off.",
    ),
)
