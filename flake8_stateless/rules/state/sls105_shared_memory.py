"""SLS105 shared-memory: memory shared between the processes of one machine."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from flake8_stateless.context import Context, FunctionNode
from flake8_stateless.frameworks import NON_REQUEST_FUNCTION_NAMES
from flake8_stateless.registry import Finding, Rule

SHARED_MEMORY_CALLS = {
    "multiprocessing.Manager": "multiprocessing.Manager()",
    "multiprocessing.managers.SyncManager": "SyncManager()",
    "multiprocessing.managers.SharedMemoryManager": "SharedMemoryManager()",
    "multiprocessing.shared_memory.SharedMemory": "SharedMemory()",
    "multiprocessing.shared_memory.ShareableList": "ShareableList()",
    "multiprocessing.Value": "multiprocessing.Value()",
    "multiprocessing.Array": "multiprocessing.Array()",
    "multiprocessing.RawValue": "multiprocessing.RawValue()",
    "multiprocessing.RawArray": "multiprocessing.RawArray()",
    "multiprocessing.sharedctypes.Value": "sharedctypes.Value()",
    "multiprocessing.sharedctypes.Array": "sharedctypes.Array()",
    "multiprocessing.sharedctypes.RawValue": "sharedctypes.RawValue()",
    "multiprocessing.sharedctypes.RawArray": "sharedctypes.RawArray()",
}


def check(node: ast.AST, function: FunctionNode | None, context: Context) -> Iterator[Finding]:
    if not isinstance(node, ast.Call):
        return
    name = context.qualified_name(node.func)
    if name is None or name not in SHARED_MEMORY_CALLS:
        return
    if _in_app_code(node, function, context):
        yield RULE.finding(node, what=SHARED_MEMORY_CALLS[name])


def _in_app_code(node: ast.Call, function: FunctionNode | None, context: Context) -> bool:
    """Request-serving code, or a web app's module outside its CLI entry points.
    Batch scripts (no web framework imported), tests and ``__main__`` blocks are not."""
    if context.is_request_serving(function):
        return True
    if context.path.never_serves or not context.imports_web_framework:
        return False
    if context.in_main_guard(node):
        return False
    current = function
    while current is not None:
        if current.name in NON_REQUEST_FUNCTION_NAMES - {"create_app", "make_app"}:
            return False
        current = context.function_parent.get(id(current))
    return True


RULE = Rule(
    code="SLS105",
    name="shared-memory",
    message=(
        "{what} shares memory between the processes of one machine; other machines cannot "
        "see it: use Redis or the database"
    ),
    summary="Web-app code shares memory between processes with multiprocessing.",
    rationale=(
        "Shared memory and manager processes tie the app to one machine: a second "
        "replica has its own copy, so state diverges as soon as the app scales out, and "
        "the memory (or the manager process) dies with the machine. A backing service "
        "shared by every replica gives the same coordination without the affinity."
    ),
    bad_example="""\
import multiprocessing

from flask import Flask

app = Flask(__name__)
hits = multiprocessing.Value("i", 0)


@app.get("/")
def index():
    with hits.get_lock():
        hits.value += 1
    return {"hits": hits.value}
""",
    good_example="""\
import os

import redis
from flask import Flask

app = Flask(__name__)
store = redis.Redis.from_url(os.environ["REDIS_URL"])


@app.get("/")
def index():
    return {"hits": store.incr("hits")}
""",
    node_types=(ast.Call,),
    check=check,
    scope="module",
    triggers=("multiprocessing",),
    references=(
        "https://12factor.net/processes",
        "https://docs.python.org/3/library/multiprocessing.shared_memory.html",
    ),
    notes=(
        "Leaves alone offline and batch scripts (modules that import no web framework), "
        '`if __name__ == "__main__":` blocks, `main()`/`cli()` functions and tests.',
    ),
)
