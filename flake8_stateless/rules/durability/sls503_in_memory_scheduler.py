"""SLS503 in-memory-scheduler: a job scheduler living inside the web process."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from flake8_stateless.context import Context, FunctionNode, string_value
from flake8_stateless.frameworks import NON_REQUEST_FUNCTION_NAMES
from flake8_stateless.registry import Finding, Rule

APSCHEDULER_3 = {
    "apscheduler.schedulers.background.BackgroundScheduler": "BackgroundScheduler",
    "apscheduler.schedulers.asyncio.AsyncIOScheduler": "AsyncIOScheduler",
    "apscheduler.schedulers.gevent.GeventScheduler": "GeventScheduler",
    "apscheduler.schedulers.tornado.TornadoScheduler": "TornadoScheduler",
    "apscheduler.schedulers.twisted.TwistedScheduler": "TwistedScheduler",
    "apscheduler.schedulers.qt.QtScheduler": "QtScheduler",
}
"""APScheduler 3 schedulers that run beside the app in its own process. The
``BlockingScheduler`` is left alone: it blocks, so it only runs as a process of its own."""

APSCHEDULER_4 = {
    "apscheduler.AsyncScheduler": "AsyncScheduler",
    "apscheduler.Scheduler": "Scheduler",
}
"""APScheduler 4 schedulers: in memory unless given a persistent ``data_store``."""

FLASK_APSCHEDULER = frozenset(
    {"flask_apscheduler.APScheduler", "flask_apscheduler.scheduler.APScheduler"}
)
SCHEDULE_LOOP = frozenset({"schedule.run_pending", "schedule.run_all"})
SCHEDULE_CLASSES = frozenset({"schedule.Scheduler"})
MEMORY_STORES = frozenset({"MemoryJobStore", "MemoryDataStore"})

_STORE_SETTINGS = re.compile(
    r"\badd_jobstore\b|\bSCHEDULER_JOBSTORES\b|['\"]apscheduler\.jobstores\."
)


def _configured_elsewhere(text: str) -> bool:
    """Job stores given after construction or through configuration keys:
    ``add_jobstore``, ``SCHEDULER_JOBSTORES``, ``"apscheduler.jobstores..."`` or
    ``.configure(... jobstores ...)``. The last is searched by hand: the regex
    ``\\.configure\\([^)]*jobstores`` rescans the text up to the next ``)`` from every
    ``.configure(``, quadratic in a file of them."""
    if _STORE_SETTINGS.search(text):
        return True
    start = 0
    while (found := text.find(".configure(", start)) >= 0:
        arguments = found + len(".configure(")
        close = text.find(")", arguments)
        end = len(text) if close < 0 else close
        if text.find("jobstores", arguments, end) >= 0:
            return True
        start = end  # a later .configure( before that ")" has fewer arguments to search
    return False


SCHEDULER_PACKAGES = frozenset({"apscheduler", "flask_apscheduler", "schedule"})
"""Every name this rule knows comes from one of these imports: a free first filter."""


def check(node: ast.AST, function: FunctionNode | None, context: Context) -> Iterator[Finding]:
    if not isinstance(node, ast.Call) or SCHEDULER_PACKAGES.isdisjoint(context.imported_packages):
        return
    qualified = context.qualified_name(node.func)
    if qualified is None:
        return
    what = _in_memory_scheduler(node, qualified, context)
    if what is None or not _in_web_process(node, function, context):
        return
    if what == "schedule":
        yield RULE.finding(
            node, what="schedule.run_pending() loop", fix="run it in its own clock process"
        )
    elif what in APSCHEDULER_4.values():
        yield RULE.finding(node, what=f"{what}()", fix="give it a SQLAlchemy data_store")
    else:
        yield RULE.finding(node, what=f"{what}()", fix="use a SQLAlchemy/Redis job store")


def _in_memory_scheduler(call: ast.Call, qualified: str, context: Context) -> str | None:
    """The scheduler's name when ``call`` makes one that keeps its jobs in memory,
    "schedule" for the ``schedule`` library's loop, else None."""
    if qualified in APSCHEDULER_3:
        return None if _persistent_v3(call, context) else APSCHEDULER_3[qualified]
    if qualified in APSCHEDULER_4:
        store = _keyword(call, "data_store")
        if store is not None:
            return APSCHEDULER_4[qualified] if _is_memory_store(store, context) else None
        return None if _unknown_configuration(call) else APSCHEDULER_4[qualified]
    if qualified in FLASK_APSCHEDULER:
        if _keyword(call, "scheduler") is not None or _unknown_configuration(call):
            return None  # the scheduler passed in is checked where it is made
        if _configured_elsewhere(context.text):
            return None
        return "APScheduler"
    if qualified in SCHEDULE_LOOP:
        return "schedule"
    func = call.func
    if (
        isinstance(func, ast.Attribute)
        and func.attr == "run_pending"
        and isinstance(func.value, ast.Name)
    ):
        value = context.module_values.get(func.value.id)
        if isinstance(value, ast.Call) and context.qualified_name(value.func) in SCHEDULE_CLASSES:
            return "schedule"
    return None


def _persistent_v3(call: ast.Call, context: Context) -> bool:
    """A non-memory job store given to the constructor or configured in the module;
    configuration we cannot see (``gconfig``, ``**options``, positional) counts too."""
    stores = _keyword(call, "jobstores")
    if stores is None:
        return _unknown_configuration(call) or _configured_elsewhere(context.text)
    if isinstance(stores, ast.Name):
        resolved = context.module_values.get(stores.id)
        if resolved is None:
            return True
        stores = resolved
    if not isinstance(stores, ast.Dict):
        return True
    return any(
        value is not None and not _is_memory_store(value, context) for value in stores.values
    )


def _is_memory_store(store: ast.expr, context: Context) -> bool:
    """``MemoryJobStore()``, ``{"type": "memory"}`` or ``"memory"``."""
    if isinstance(store, ast.Call):
        name = context.qualified_name(store.func) or ""
        return name.rpartition(".")[2] in MEMORY_STORES
    if isinstance(store, ast.Dict):
        for key, value in zip(store.keys, store.values, strict=True):
            if key is not None and string_value(key) == "type":
                return string_value(value) == "memory"
        return False
    return string_value(store) == "memory"


def _unknown_configuration(call: ast.Call) -> bool:
    return bool(call.args) or any(
        keyword.arg is None or keyword.arg == "gconfig" for keyword in call.keywords
    )


def _keyword(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _in_web_process(node: ast.Call, function: FunctionNode | None, context: Context) -> bool:
    """Anywhere the web app may import and run it, like any configuration: everywhere but
    the dedicated entry points a clock or worker process starts from (``__main__`` blocks,
    ``main()``/``cli()``/``run()`` and the functions only they use, management commands,
    scripts looping forever at top level). A ``BackgroundScheduler`` exists to run beside
    something else, and in a web project that is the web server."""
    if context.path.is_management_command or context.path.is_migration:
        return False
    if context.in_main_guard(node):
        return False
    current = function
    outermost = function
    while current is not None:
        if current.name in NON_REQUEST_FUNCTION_NAMES - {"create_app", "make_app"}:
            return False
        outermost = current
        current = context.function_parent.get(id(current))
    if context.is_request_serving(function):
        return True
    if outermost is not None and _only_used_by_main_guard(outermost, context):
        return False
    return not _loops_forever_at_top_level(context)


def _loops_forever_at_top_level(context: Context) -> bool:
    """``while True:`` at module level: a script that never returns, so a process of
    its own (``clock.py``), not a module the web app imports."""
    return any(
        isinstance(statement, ast.While)
        and isinstance(statement.test, ast.Constant)
        and bool(statement.test.value)
        for statement in context.tree.body
    )


def _only_used_by_main_guard(function: FunctionNode, context: Context) -> bool:
    """A top-level function the ``__main__`` block calls and nothing else mentions: the
    script's own entry point (``def start_clock(): ...`` then ``start_clock()``)."""
    if context.function_parent.get(id(function)) is not None or not context.main_guard_spans:
        return False
    name = function.name
    used_by_main = False
    for statement in context.tree.body:
        if statement is function:
            continue
        for node in ast.walk(statement):
            if isinstance(node, ast.Name) and node.id == name:
                if not context.in_main_guard(node):
                    return False
                used_by_main = True
    return used_by_main


RULE = Rule(
    code="SLS503",
    name="in-memory-scheduler",
    message="{what} keeps jobs in memory: lost on restart, run by every worker; {fix}",
    summary="A job scheduler keeps its jobs in the web process's memory.",
    rationale=(
        "An APScheduler started inside the web app, with its default in-memory job store, "
        "lives and dies with each web process: jobs added at runtime (a reminder in two "
        "days, a retry in an hour) vanish on every deploy or restart, and since every "
        "gunicorn worker and every replica starts its own scheduler, each periodic job runs "
        "once per process: the classic duplicated-email bug. Keep jobs in a persistent job "
        "store, and run the scheduler as one dedicated clock process."
    ),
    bad_example="""\
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

app = Flask(__name__)
scheduler = BackgroundScheduler()
scheduler.start()
""",
    good_example="""\
import os

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

app = Flask(__name__)
scheduler = BackgroundScheduler(
    jobstores={"default": SQLAlchemyJobStore(url=os.environ["DATABASE_URL"])}
)
""",
    node_types=(ast.Call,),
    check=check,
    scope="config",
    triggers=tuple(sorted(SCHEDULER_PACKAGES)),
    references=(
        "https://12factor.net/processes",
        "https://apscheduler.readthedocs.io/en/3.x/userguide.html#configuring-the-scheduler",
        "https://apscheduler.readthedocs.io/en/3.x/faq.html"
        "#how-do-i-use-apscheduler-in-a-web-application",
        "https://schedule.readthedocs.io/en/stable/faq.html",
    ),
    notes=(
        "Flags APScheduler 3 `BackgroundScheduler`, `AsyncIOScheduler`, `GeventScheduler`, "
        "`TornadoScheduler`, `TwistedScheduler` and `QtScheduler` made without a persistent "
        "job store, APScheduler 4 `Scheduler`/`AsyncScheduler` without a persistent "
        "`data_store`, Flask-APScheduler `APScheduler()` without `SCHEDULER_JOBSTORES`, and "
        "the `schedule` library's `run_pending()` loop, wherever the web app may import them "
        "(like any configuration: a `scheduler.py` set up from `create_app()` counts).",
        "Leaves alone SQLAlchemy, Redis, MongoDB and other persistent job stores (given to "
        "the constructor, via `add_jobstore()`, `configure()` or `SCHEDULER_JOBSTORES`), "
        "configuration it cannot see (`gconfig`, `**options`), `BlockingScheduler` (a "
        'process of its own), dedicated entry points (`if __name__ == "__main__":`, '
        "`main()`/`cli()`/`run()`, management commands such as django-apscheduler's "
        "`runapscheduler`), scripts looping forever at top level (`while True:` in "
        "`clock.py`), tests, development settings and code under `if DEBUG:`.",
    ),
)
