"""Facts about in-process background work that SLS501 and SLS504 both ask about: which
calls hand work to FastAPI/Starlette background tasks, and which handlers answer
202 Accepted. SLS501 reports background tasks of a 202 handler (the client was told the
work is queued); SLS504, opt-in, reports the others."""

from __future__ import annotations

import ast

from flake8_stateless.context import Context, FunctionNode, dotted_name, statements_of

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

ACCEPTED_NAMES = frozenset({"HTTP_202_ACCEPTED"})
"""``status.HTTP_202_ACCEPTED`` (FastAPI, Starlette, DRF), ``HTTPStatus.ACCEPTED``; not
a bare ``ACCEPTED``, which is as often an order's or an invitation's state."""
STATUS_KEYWORDS = frozenset({"status_code", "status"})
ACCEPTED_RESPONSES = frozenset({"aiohttp.web.HTTPAccepted", "aiohttp.web_exceptions.HTTPAccepted"})
POSITIONAL_STATUS = frozenset({"make_response"})
"""Flask's ``make_response(body, 202)``: the status as the second argument."""


# ------------------------------------------------------------------ background tasks
def background_task_call(call: ast.Call, function: FunctionNode, context: Context) -> bool:
    """``tasks.add_task(f, ...)`` on a ``BackgroundTasks``, or ``BackgroundTask(f, ...)``
    made in request-serving code, that is not a clean-up (closing a stream, removing a
    temporary file: losing it loses nothing a user asked for)."""
    if FRAMEWORKS.isdisjoint(context.imported_packages) or context.path.never_serves:
        return False
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "add_task":
        receiver = func.value
        found = isinstance(receiver, ast.Name) and is_background_tasks(
            receiver.id, function, context
        )
    else:
        found = (
            _last_name(func, context) in BACKGROUND_TASK_NAMES
            and context.qualified_name(func) in BACKGROUND_TASK
            and context.is_request_serving(function)
        )
    return found and not is_cleanup(task_name(call, context))


def is_cleanup(name: str) -> bool:
    last = name.rpartition(".")[2].lower()
    return last in CLEANUP_NAMES or last.startswith(("cleanup", "clean_up", "close"))


def task_name(call: ast.Call, context: Context) -> str:
    """The function a background task runs, as the user wrote it."""
    target = (
        call.args[0]
        if call.args
        else next((k.value for k in call.keywords if k.arg in {"func", "function"}), None)
    )
    if target is None:
        return "task"
    return dotted_name(target) or context.excerpts.label(target, 40)


def _last_name(func: ast.expr, context: Context) -> str:
    """``BackgroundTask`` for ``BackgroundTask``, ``background.BackgroundTask`` or an
    alias imported as ``BT``: cheap, before resolving the whole name."""
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return context.aliases.get(func.id, func.id).rpartition(".")[2]
    return ""


def is_background_tasks(name: str, function: FunctionNode, context: Context) -> bool:
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


# ------------------------------------------------------------------ 202 Accepted
def accepted_background_task(call: ast.Call, function: FunctionNode, context: Context) -> bool:
    """A background task handed the work of a request that was answered 202 Accepted:
    SLS501 reports it, on by default, and SLS504 leaves it to SLS501."""
    return (
        context.is_request_serving(function)
        and background_task_call(call, function, context)
        and answers_accepted(function, context)
    )


def answers_accepted(function: FunctionNode, context: Context) -> bool:
    """Whether ``function`` (or the function it is nested in) answers 202 Accepted: in
    its route decorator (``status_code=status.HTTP_202_ACCEPTED``) or in what it returns
    (``JSONResponse(..., status_code=202)``, ``Response(status=202)``, Flask's
    ``return body, 202``, ``make_response(body, 202)``, aiohttp ``HTTPAccepted``,
    ``response.status_code = 202``, Tornado ``self.set_status(202)``). Memoised per
    function: every background call of a handler asks."""
    key = ("answers-202", id(function))
    known = context.rule_memo.get(key)
    if isinstance(known, bool):
        return known
    current: FunctionNode | None = function
    answer = False
    while current is not None and not answer:
        answer = _answers_accepted(current, context)
        current = context.function_parent.get(id(current))
    context.rule_memo[key] = answer
    return answer


def _answers_accepted(function: FunctionNode, context: Context) -> bool:
    for decorator in function.decorator_list:
        if isinstance(decorator, ast.Call) and _status_keyword(decorator, context):
            return True
    for node in context.own_nodes(function):
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple):
            elements = node.value.elts
            if len(elements) >= 2 and is_accepted(elements[1], context):
                return True
        elif isinstance(node, ast.Call):
            func = node.func
            last = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if "response" in last.lower() and _status_keyword(node, context):
                return True
            if last in POSITIONAL_STATUS | {"set_status"}:
                index = 0 if last == "set_status" else 1
                if len(node.args) > index and is_accepted(node.args[index], context):
                    return True
            if context.qualified_name(func) in ACCEPTED_RESPONSES:
                return True
        elif (
            isinstance(node, ast.Assign)
            and is_accepted(node.value, context)
            and any(
                isinstance(t, ast.Attribute) and t.attr in STATUS_KEYWORDS for t in node.targets
            )
        ):
            return True
    return False


def _status_keyword(call: ast.Call, context: Context) -> bool:
    return any(k.arg in STATUS_KEYWORDS and is_accepted(k.value, context) for k in call.keywords)


def is_accepted(value: ast.expr, context: Context) -> bool:
    """``202``, ``status.HTTP_202_ACCEPTED``, ``HTTPStatus.ACCEPTED``, or a module
    constant holding one of them."""
    if isinstance(value, ast.Name):
        bound = context.module_values.get(value.id)
        if isinstance(bound, (ast.Constant, ast.Attribute)):
            value = bound  # ``JOB_ACCEPTED = status.HTTP_202_ACCEPTED``
    if isinstance(value, ast.Constant):
        return value.value == 202 and not isinstance(value.value, bool)
    name = context.qualified_name(value)
    return name is not None and (
        name.rpartition(".")[2] in ACCEPTED_NAMES
        or name == "HTTPStatus.ACCEPTED"
        or name.endswith(".HTTPStatus.ACCEPTED")
    )
