"""SLS403 build-tool-at-runtime: the running app runs a front-end build or collectstatic.

An AST rule: ``subprocess``/``call_command`` must be resolved through the imports, and
where the call runs (view, app factory, build script, management command) decides.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from flake8_stateless.context import Context, FunctionNode, string_value
from flake8_stateless.registry import Finding, Rule
from flake8_stateless.rules.build.runtime import runs_in_app

BUILD_TOOLS = frozenset(
    {
        "npm",
        "yarn",
        "pnpm",
        "npx",
        "webpack",
        "tsc",
        "sass",
        "tailwindcss",
        "esbuild",
        "bun",
        "vite",
    }
)
DJANGO_BUILD_COMMANDS = frozenset({"collectstatic", "compilemessages", "compress", "compilescss"})

PROCESS_CALLS = frozenset(
    {
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "subprocess.Popen",
        "subprocess.getoutput",
        "subprocess.getstatusoutput",
        "os.system",
        "os.popen",
        "os.execvp",
        "os.execlp",
        "os.spawnlp",
        "os.spawnvp",
        "asyncio.create_subprocess_exec",
        "asyncio.create_subprocess_shell",
    }
)
"""Ways to start a program, by qualified name. The program is the first argument (for
``os.spawn*p``, the second)."""

CALL_COMMAND = frozenset(
    {"django.core.management.call_command", "django.core.management.base.call_command"}
)
_EXECUTABLE = re.compile(r"(?:^|[/\\])([\w.-]+?)(?:\.cmd|\.exe)?$")


def check(node: ast.AST, function: FunctionNode | None, context: Context) -> Iterator[Finding]:
    if not isinstance(node, ast.Call):
        return
    name = context.qualified_name(node.func)
    if name in CALL_COMMAND:
        command = string_value(node.args[0]) if node.args else None
        if command in DJANGO_BUILD_COMMANDS and runs_in_app(node, function, context):
            yield RULE.finding(node, step=f"call_command('{command}')")
    elif name in PROCESS_CALLS:
        step = _build_step(node, name)
        if step is not None and runs_in_app(node, function, context):
            yield RULE.finding(node, step=step)


def _build_step(call: ast.Call, name: str) -> str | None:
    """The build tool (``npm``) or Django command a process call runs, if any."""
    position = 1 if name.startswith("os.spawn") else 0
    arguments = call.args[position:]
    if not arguments:
        return None
    first = arguments[0]
    words: list[str | None]
    if isinstance(first, (ast.List, ast.Tuple)):
        words = [string_value(element) for element in first.elts]
    elif name.startswith("asyncio.create_subprocess_exec") or name.startswith("os.exec"):
        words = [string_value(argument) for argument in arguments]
    else:
        text = _leading_text(first)
        words = list(text.split()) if text else []
    return _tool(words)


def _leading_text(expr: ast.expr) -> str | None:
    """A command string, or the literal start of an f-string (``f"npm run {x}"``)."""
    text = string_value(expr)
    if text is not None:
        return text
    if isinstance(expr, ast.JoinedStr) and expr.values:
        return string_value(expr.values[0])
    return None


def _tool(words: list[str | None]) -> str | None:
    if not words:
        return None
    first = words[0]
    if first is not None:
        match = _EXECUTABLE.search(first)
        program = match.group(1) if match else first
        if program in BUILD_TOOLS:
            return f"'{program}'"
    command = next((w for w in words[1:] if w in DJANGO_BUILD_COMMANDS), None)
    if command is not None and any(
        w is not None and (w.endswith("manage.py") or w == "django-admin") for w in words
    ):
        return f"'manage.py {command}'"
    return None


RULE = Rule(
    code="SLS403",
    name="build-tool-at-runtime",
    message="{step} runs a build step inside the running app; run it once when the image is built",
    summary="The running app invokes a front-end build tool, collectstatic or compilemessages.",
    rationale=(
        "A build step run by the app itself repeats in every process and on every start, "
        "needs the build toolchain (Node, npm caches) in the runtime image, writes to local "
        "disk that replicas do not share, and makes the first requests slow or failing "
        "while it runs. Build once, in the image, and release the result."
    ),
    bad_example="""\
import subprocess

from flask import Flask


def create_app():
    app = Flask(__name__)
    subprocess.run(["npm", "run", "build"], check=True)
    return app
""",
    good_example="""\
from flask import Flask


def create_app():
    return Flask(__name__, static_folder="dist")
""",
    node_types=(ast.Call,),
    check=check,
    scope="module",
    # a finding names the tool or the Django command, always written out literally
    triggers=tuple(sorted(BUILD_TOOLS | DJANGO_BUILD_COMMANDS)),
    references=(
        "https://12factor.net/build-release-run",
        "https://docs.djangoproject.com/en/stable/howto/static-files/deployment/",
    ),
    notes=(
        "Leaves alone build scripts (`setup.py`, `build_*.py`, `noxfile.py`, `tasks.py`, "
        "`manage.py`, `scripts/`, `tools/`), management commands, migrations, tests, CLI "
        "commands (`@click.command`, `@app.cli.command`, `main()`), `if __name__ == "
        '"__main__":` blocks, modules that import no web framework and code under '
        "`if DEBUG:`.",
    ),
)
