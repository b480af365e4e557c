"""Where build work counts as done by the running app (shared by SLS401 and SLS403).

Not a rule: the build rules flag the same call in a view, an app factory or a WSGI
module, and leave it alone in build scripts, management commands, CLI commands and
``if __name__ == "__main__":`` blocks, which run at build or deploy time.
"""

from __future__ import annotations

import ast
import re

from flake8_stateless.context import Context, FunctionNode

BUILD_SCRIPT_WORDS = frozenset(
    {
        "setup",
        "build",
        "builder",
        "noxfile",
        "tasks",
        "fabfile",
        "dodo",
        "manage",
        "compile",
        "release",
        "bootstrap",
        "install",
    }
)
"""Words in a file name that say it is a build or deploy script (``build_assets.py``,
``hatch_build.py``, ``noxfile.py``, ``manage.py``)."""

BUILD_SCRIPT_DIRS = frozenset(
    {"scripts", "script", "tools", "bin", "ci", "devtools", "buildscripts"}
)
CLI_FUNCTION_NAMES = frozenset({"main", "cli"})
CLI_DECORATORS = frozenset(
    {
        "invoke.task",
        "fabric.task",
        "fabric.api.task",
        "nox.session",
        "click.command",
        "click.group",
        "typer.Typer.command",
    }
)
CLI_DECORATOR_METHODS = frozenset({"command", "group"})
"""``@app.cli.command()``, ``@click.command()``, ``@cli.group()``, ``@manager.command``."""

_WORDS = re.compile(r"[_\-.]+")


def is_build_script(filename: str) -> bool:
    """Whether the path names a build, deploy or CLI script rather than app code."""
    parts = [p for p in filename.replace("\\", "/").split("/") if p not in ("", ".")]
    if not parts:
        return False
    stem = parts[-1][:-3] if parts[-1].endswith(".py") else parts[-1]
    words = {w.lower() for w in _WORDS.split(stem) if w}
    directories = {p.lower() for p in parts[:-1]}
    return bool(words & BUILD_SCRIPT_WORDS or directories & BUILD_SCRIPT_DIRS)


def runs_in_app(node: ast.AST, function: FunctionNode | None, context: Context) -> bool:
    """Whether ``node`` runs in the deployed app: request-serving code anywhere, or
    other code of a web-app module outside scripts, commands and ``__main__`` blocks."""
    if context.path.never_serves or is_build_script(context.filename):
        return False
    if context.in_main_guard(node) or context.is_guarded(node):
        return False
    if context.is_request_serving(function):
        return True
    if not context.imports_web_framework:
        return False
    current = function
    while current is not None:
        if current.name in CLI_FUNCTION_NAMES or _is_cli_command(current, context):
            return False
        current = context.function_parent.get(id(current))
    return True


def _is_cli_command(function: FunctionNode, context: Context) -> bool:
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if context.qualified_name(target) in CLI_DECORATORS:
            return True
        if isinstance(target, ast.Attribute) and target.attr in CLI_DECORATOR_METHODS:
            return True
    return False
