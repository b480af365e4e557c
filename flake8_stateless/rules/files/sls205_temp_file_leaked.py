"""SLS205 temp-file-leaked: a temporary file or directory that outlives its request."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from flake8_stateless.context import Context, FunctionNode
from flake8_stateless.excerpts import quoted
from flake8_stateless.registry import Finding, Rule
from flake8_stateless.rules.files.common import (
    bindings,
    bound_names,
    callee_last_name,
    derived_names,
    mentions,
    removed_expressions,
)

LEAKY = {
    "tempfile.mkstemp": ("mkstemp()", "file"),
    "tempfile.mkdtemp": ("mkdtemp()", "directory"),
    "tempfile.mktemp": ("mktemp()", "file"),
    "tempfile.NamedTemporaryFile": ("NamedTemporaryFile(delete=False)", "file"),
    "tempfile.TemporaryDirectory": ("TemporaryDirectory()", "directory"),
}
"""Temporary files and directories nobody removes unless the code does."""
LEAKY_NAMES = frozenset(name.rpartition(".")[2] for name in LEAKY)
MANAGERS = frozenset({"enter_context", "enter_async_context", "callback"})
PATH_WRAPPERS = frozenset({"str", "os.fspath", "pathlib.Path", "Path"})


def check(node: ast.AST, function: FunctionNode | None, context: Context) -> Iterator[Finding]:
    if function is None or not isinstance(node, ast.Call):
        return
    func = node.func
    if callee_last_name(func, context) not in LEAKY_NAMES:
        return
    name = context.qualified_name(func)
    if name not in LEAKY:
        return
    if name == "tempfile.NamedTemporaryFile" and not _keeps_file(node):
        return
    if name == "tempfile.TemporaryDirectory" and _managed(node, function, context):
        return
    derived = derived_names(function, context, lambda n: n is node)
    if _removed(node, derived, function, context) or _handed_back(node, function, context):
        return
    what, kind = LEAKY[name]
    held = _held_in(node, function, context)
    shown = f"temporary {kind} {quoted(held)}" if held else f"temporary {kind}"
    yield RULE.finding(node, what=f"{shown} from {what}", function=function.name)


def _keeps_file(call: ast.Call) -> bool:
    """``delete=False`` (or 0): the file stays after it is closed."""
    for keyword in call.keywords:
        if keyword.arg == "delete":
            value = keyword.value
            return isinstance(value, ast.Constant) and value.value in (False, 0)
    return False


def _managed(call: ast.Call, function: FunctionNode, context: Context) -> bool:
    """A ``TemporaryDirectory()`` used as a context manager, now or later
    (``with tmp:``), or handed to an ``ExitStack``."""
    held = {n for t, v in bindings(function, context) if v is call for n in bound_names(t)}
    for node in context.own_nodes(function):
        if isinstance(node, ast.withitem):
            expr = node.context_expr
            if expr is call or (isinstance(expr, ast.Name) and expr.id in held):
                return True
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in MANAGERS
            and any(a is call or (isinstance(a, ast.Name) and a.id in held) for a in node.args)
        ):
            return True
    return False


def _removed(call: ast.Call, derived: set[str], function: FunctionNode, context: Context) -> bool:
    """Whether the function (or a callback it defines) removes the object, a name
    made from it, or moves it away."""
    for removed, _directory in removed_expressions(function, context):
        if mentions(removed, derived) or any(n is call for n in ast.walk(removed)):
            return True
    return False


def _direct_names(call: ast.Call, function: FunctionNode, context: Context) -> set[str]:
    """Names holding the object itself or its path: ``tmp``, ``path = tmp.name``,
    ``fd, path = mkstemp()``, ``Path(path)``."""

    def flows(value: ast.expr, known: set[str]) -> bool:
        if value is call:
            return True
        if isinstance(value, ast.Attribute) and value.attr == "name":
            value = value.value
        elif (
            isinstance(value, ast.Call)
            and len(value.args) == 1
            and context.qualified_name(value.func) in PATH_WRAPPERS
        ):
            value = value.args[0]
        return value is call or (isinstance(value, ast.Name) and value.id in known)

    return derived_names(function, context, lambda n: False, None, flows)


def _handed_back(call: ast.Call, function: FunctionNode, context: Context) -> bool:
    """``return path`` (or ``yield``): the caller owns the temporary file now."""
    direct = _direct_names(call, function, context)
    for node in context.own_nodes(function):
        if isinstance(node, (ast.Return, ast.Yield)) and node.value is not None:
            values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
            for value in values:
                named = isinstance(value, ast.Attribute) and value.attr == "name"
                held = value.value if isinstance(value, ast.Attribute) and named else value
                if held is call or (isinstance(held, ast.Name) and held.id in direct):
                    return True
    return False


def _held_in(call: ast.Call, function: FunctionNode, context: Context) -> str | None:
    """The name the user gave the object (the path, for ``fd, path = mkstemp()``)."""
    for target, value in bindings(function, context):
        if value is call:
            named = target.elts[-1] if isinstance(target, ast.Tuple) and target.elts else target
            return context.excerpts.label(named)
    return None


RULE = Rule(
    code="SLS205",
    name="temp-file-leaked",
    message=(
        "{what} is never removed in '{function}'{via}; "
        "delete it in finally or use a with block"
    ),
    summary="A temporary file or directory made while serving a request is never removed.",
    rationale=(
        "`NamedTemporaryFile(delete=False)`, `mkstemp()` and `mkdtemp()` leave their file "
        "or directory behind until someone deletes it. Made on every request and never "
        "removed, they fill the disk of a long-running replica (often a small or "
        "memory-backed `/tmp`), and anything that relies on finding them later only works "
        "on the replica that made them. Scratch files belong to one request: remove them "
        "before the request ends, in a `finally` block or with a context manager."
    ),
    bad_example='''\
import tempfile

from flask import Flask, request, send_file

app = Flask(__name__)


@app.post("/convert")
def convert():
    fd, pdf_path = tempfile.mkstemp(suffix=".pdf")
    with open(fd, "wb") as out:
        out.write(request.get_data())
    return send_file(pdf_path)
''',
    good_example='''\
import os
import tempfile

from flask import Flask, after_this_request, request, send_file

app = Flask(__name__)


@app.post("/convert")
def convert():
    fd, pdf_path = tempfile.mkstemp(suffix=".pdf")
    with open(fd, "wb") as out:
        out.write(request.get_data())

    @after_this_request
    def remove_pdf(response):
        os.remove(pdf_path)
        return response

    return send_file(pdf_path)
''',
    node_types=(ast.Call,),
    check=check,
    scope="request",
    options=("handler-decorators", "call-depth"),
    references=(
        "https://docs.python.org/3/library/tempfile.html",
        "https://12factor.net/disposability",
    ),
    notes=(
        "Reports `NamedTemporaryFile(delete=False)`, `mkstemp()`, `mkdtemp()`, `mktemp()` "
        "and a `TemporaryDirectory()` not used as a context manager, in request handlers "
        "and task functions (Celery, RQ, Dramatiq, Huey) and the code they call.",
        "Leaves alone temporary files that the same function removes, anywhere in it "
        "(`os.remove`/`os.unlink`/`Path.unlink()`/`shutil.rmtree`/`.cleanup()`, in `finally` "
        "or not), including removal handed to a callback or background task "
        "(`@after_this_request`, `BackgroundTask(os.remove, path)`, `add_task(os.unlink, "
        "path)`) or to a helper whose name says so (`delete_file(path)`), files moved away "
        "with `shutil.move`/`os.replace`, `with tempfile...` blocks (`TemporaryDirectory`, "
        "`NamedTemporaryFile()` with the default `delete=True`, `ExitStack.enter_context`), "
        "and a path returned to the caller, who owns it then.",
        "Writes into the system temp dir under a name made for the request (a path under "
        "`tempfile.gettempdir()` or a project helper such as `get_temp_dir()`, also when "
        "every caller hands such a path to the function that writes) are scratch space: "
        "SLS201 leaves them alone, and whether they are cleaned up is this rule's concern. "
        "This rule reports only the files `tempfile` itself makes.",
    ),
)
