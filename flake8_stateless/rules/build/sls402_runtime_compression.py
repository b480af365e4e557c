"""SLS402 runtime-compression: django-compressor compressing on request.

An AST rule: whether compression is offline depends on the other settings of the module
(``COMPRESS_OFFLINE`` unset counts as False), which a single pattern cannot see.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from flake8_stateless.context import Context, FunctionNode
from flake8_stateless.conventions import DEBUG_FLAG_NAMES
from flake8_stateless.registry import Finding, Rule

DJANGO_SETTINGS_HINTS = ("compressor", "INSTALLED_APPS", "STATICFILES_FINDERS")
"""Words that say a module is Django settings using django-compressor, not, say, a
Flask-Compress config that happens to use ``COMPRESS_*`` names."""


def check(node: ast.AST, function: FunctionNode | None, context: Context) -> Iterator[Finding]:
    if function is not None or not isinstance(node, (ast.Assign, ast.AnnAssign)):
        return
    if node.value is None:
        return
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    names = {t.id for t in targets if isinstance(t, ast.Name)}
    if not names & {"COMPRESS_OFFLINE", "COMPRESS_ENABLED"}:
        return
    enabled = context.module_values.get("COMPRESS_ENABLED")
    offline = context.module_values.get("COMPRESS_OFFLINE")
    if "COMPRESS_OFFLINE" in names and _is_literal(node.value, False):
        if enabled is None or not _is_literal(enabled, False):
            yield RULE.finding(node, what="COMPRESS_OFFLINE = False")
    elif (
        "COMPRESS_ENABLED" in names
        and _on_in_production(node.value)
        and offline is None
        and not _inherits_settings(context)
        and _uses_compressor(context)
    ):
        yield RULE.finding(node, what="COMPRESS_ENABLED with COMPRESS_OFFLINE unset")


def _is_literal(value: ast.expr, expected: bool) -> bool:
    return isinstance(value, ast.Constant) and value.value is expected


def _on_in_production(value: ast.expr) -> bool:
    """``True``, or ``not DEBUG`` (which is django-compressor's default as well)."""
    if _is_literal(value, True):
        return True
    if isinstance(value, ast.UnaryOp) and isinstance(value.op, ast.Not):
        flag = value.operand
        name = flag.id if isinstance(flag, ast.Name) else getattr(flag, "attr", None)
        return isinstance(name, str) and name.lower() in DEBUG_FLAG_NAMES
    return False


def _inherits_settings(context: Context) -> bool:
    """``from .base import *``: COMPRESS_OFFLINE may be set in the module it extends."""
    return any(
        isinstance(statement, ast.ImportFrom) and any(a.name == "*" for a in statement.names)
        for statement in context.tree.body
    )


def _uses_compressor(context: Context) -> bool:
    return any(hint in context.text for hint in DJANGO_SETTINGS_HINTS)


RULE = Rule(
    code="SLS402",
    name="runtime-compression",
    message="{what}: django-compressor compresses on request; set COMPRESS_OFFLINE = True",
    summary="django-compressor is enabled without offline compression.",
    rationale=(
        "With `COMPRESS_ENABLED` and no offline compression, every process compresses "
        "CSS and JavaScript on the first requests that render a `{% compress %}` block, "
        "writes the result to local disk under `COMPRESS_ROOT` and keeps the index in its "
        "cache: slow first responses after every deploy, work repeated per replica, and "
        "files missing on the replicas that did not compress them. `COMPRESS_OFFLINE = "
        "True` with `manage.py compress` in the build step does the work once."
    ),
    bad_example="""\
INSTALLED_APPS = ["django.contrib.staticfiles", "compressor"]
COMPRESS_ENABLED = True
COMPRESS_OFFLINE = False
""",
    good_example="""\
INSTALLED_APPS = ["django.contrib.staticfiles", "compressor"]
COMPRESS_ENABLED = True
COMPRESS_OFFLINE = True
""",
    node_types=(ast.Assign, ast.AnnAssign),
    check=check,
    scope="config",
    triggers=("COMPRESS_OFFLINE", "COMPRESS_ENABLED"),
    references=(
        "https://django-compressor.readthedocs.io/en/stable/usage.html#offline-compression",
        "https://12factor.net/build-release-run",
    ),
    notes=(
        "Leaves alone `COMPRESS_OFFLINE = True` or a value read from the environment, "
        "settings modules that extend another (`from .base import *`) without setting it, "
        "test settings, development settings modules and anything under `if DEBUG:`.",
    ),
    example_filename="mysite/settings.py",
)
