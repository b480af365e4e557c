"""SLS401 runtime-asset-build: asset bundles built by the running app.

Both kinds of rule at once: settings switched on (``ASSETS_AUTO_BUILD = True``,
``WHITENOISE_AUTOREFRESH = True``...) are pure shapes, declared as ast-grep patterns;
``bundle.build()``, ``SassMiddleware`` and ``sass.compile(dirname=...)`` need the
imports and where the code runs, so they are an AST check.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from flake8_stateless.context import Context, FunctionNode, dotted_name, string_value
from flake8_stateless.patterns import Pattern
from flake8_stateless.registry import Finding, Rule
from flake8_stateless.rules.build.runtime import runs_in_app

SETTINGS = (
    "ASSETS_AUTO_BUILD",
    "SASS_PROCESSOR_ENABLED",
    "WHITENOISE_AUTOREFRESH",
    "WHITENOISE_USE_FINDERS",
)
"""webassets/Flask-Assets, django-sass-processor and WhiteNoise switches that make the
running app build or look up assets (all meant for development)."""
_SETTING = "|".join(SETTINGS)
_QUOTED_SETTING = r"""^[rRuU]?["'](""" + _SETTING + r""")["']$"""
SETTING_FIX = "turn it off and build assets in the image"

BUNDLES = frozenset({"flask_assets.Bundle", "webassets.Bundle", "webassets.bundle.Bundle"})
ENVIRONMENTS = frozenset(
    {"flask_assets.Environment", "webassets.Environment", "webassets.env.Environment"}
)
SASS_MIDDLEWARE = frozenset({"sassutils.wsgi.SassMiddleware", "sassutils.asgi.SassMiddleware"})
SASS_BUILDERS = frozenset({"sassutils.builder.build_directory"})

PATTERNS = (
    # ASSETS_AUTO_BUILD = True, app.config["WHITENOISE_AUTOREFRESH"] = True
    Pattern(
        rule={
            "kind": "assignment",
            "all": [
                {
                    "has": {
                        "field": "left",
                        "pattern": "$SETTING",
                        "regex": r"""(^|\.|\[\s*[rRuU]?["'])(""" + _SETTING + r""")(["']\s*\])?$""",
                    }
                },
                {"has": {"field": "right", "kind": "true"}},
            ],
        },
        triggers=SETTINGS,
        values={"what": "$SETTING = True", "fix": SETTING_FIX},
    ),
    # app.config.update(ASSETS_AUTO_BUILD=True)
    Pattern(
        rule={
            "kind": "keyword_argument",
            "regex": r"^(" + _SETTING + r")\s*=\s*True$",
            "has": {"field": "name", "pattern": "$SETTING"},
        },
        triggers=SETTINGS,
        values={"what": "$SETTING=True", "fix": SETTING_FIX},
    ),
    # {"SASS_PROCESSOR_ENABLED": True}
    Pattern(
        rule={
            "kind": "pair",
            "all": [
                {"has": {"field": "key", "pattern": "$SETTING", "regex": _QUOTED_SETTING}},
                {"has": {"field": "value", "kind": "true"}},
            ],
        },
        triggers=SETTINGS,
        values={"what": "$SETTING: True", "fix": SETTING_FIX},
    ),
    # assets.auto_build = True
    Pattern(
        rule={
            "kind": "assignment",
            "all": [
                {"has": {"field": "left", "pattern": "$ENV", "regex": r"\.auto_build$"}},
                {"has": {"field": "right", "kind": "true"}},
            ],
        },
        triggers=("auto_build",),
        values={"what": "$ENV = True", "fix": SETTING_FIX},
    ),
    # Environment(app, auto_build=True), WhiteNoise(application, autorefresh=True)
    Pattern(
        rule={
            "kind": "call",
            "all": [
                {
                    "has": {
                        "field": "function",
                        "pattern": "$CLASS",
                        "regex": r"(Environment|(^|\.)(WhiteNoise|DjangoWhiteNoise))$",
                    }
                },
                {
                    "has": {
                        "field": "arguments",
                        "has": {
                            "kind": "keyword_argument",
                            "pattern": "$SWITCH",
                            "regex": r"^(auto_build|autorefresh|use_finders)\s*=\s*True$",
                        },
                    }
                },
            ],
        },
        triggers=("auto_build", "autorefresh", "use_finders"),
        values={"what": "$CLASS($SWITCH)", "fix": "drop it and build assets in the image"},
    ),
)


def check(node: ast.AST, function: FunctionNode | None, context: Context) -> Iterator[Finding]:
    if not isinstance(node, ast.Call):
        return
    found = _build_call(node, function, context)
    if found is not None and runs_in_app(node, function, context):
        what, fix = found
        yield RULE.finding(node, what=what, fix=fix)


def _build_call(
    node: ast.Call, function: FunctionNode | None, context: Context
) -> tuple[str, str] | None:
    """(what the user wrote, the fix) when ``node`` builds assets, else None."""
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr == "build":
        bundle = _bundle(func.value, function, context)
        return (
            None
            if bundle is None
            else (f"{bundle}.build()", "run 'flask assets build' in the image")
        )
    name = context.qualified_name(func)
    if name in SASS_MIDDLEWARE:
        return "SassMiddleware", "compile Sass in the image"
    if name in SASS_BUILDERS:
        return "build_directory()", "compile Sass in the image"
    if name == "sass.compile" and any(k.arg == "dirname" for k in node.keywords):
        return "sass.compile(dirname=...)", "compile Sass in the image"
    return None


def _bundle(receiver: ast.expr, function: FunctionNode | None, context: Context) -> str | None:
    """The user's name for a webassets bundle: ``Bundle(...)`` itself, a name bound to
    one (also by a loop over bundles), or an environment's entry (``assets["js"]``,
    ``assets[name]`` where ``assets = Environment(app)``, also through ``bundle =
    assets[name]``). Bundles and environments of other modules are not followed: the
    word ``build`` is in too many files for the text prefilter to keep them all."""
    if isinstance(receiver, ast.Call):
        return "Bundle(...)" if context.qualified_name(receiver.func) in BUNDLES else None
    if not isinstance(receiver, (ast.Name, ast.Attribute, ast.Subscript)):
        return None
    named = dotted_name(receiver)
    for value in context.values(receiver, function).here().deployed():
        if value.callee in BUNDLES:
            return named or context.excerpts.label(receiver, 24)
        entry = value.node
        if isinstance(entry, ast.Subscript) and _is_environment(entry.value, value.scope, context):
            if named is not None:
                return named
            key = string_value(entry.slice)
            holder = dotted_name(entry.value) or "assets"
            return f"{holder}[{key!r}]" if key else f"{holder}[...]"
    return None


def _is_environment(expr: ast.expr, function: FunctionNode | None, context: Context) -> bool:
    """Whether ``expr`` holds a webassets/Flask-Assets ``Environment``."""
    return any(
        value.callee in ENVIRONMENTS
        for value in context.values(expr, function).here().deployed()
    )


RULE = Rule(
    code="SLS401",
    name="runtime-asset-build",
    message="{what} builds assets in the running app; {fix}",
    summary="The running app builds asset bundles or compiles Sass instead of the build step.",
    rationale=(
        "Building assets at runtime makes every new process do build work on its first "
        "requests, writes the output to local disk (which is lost, not shared between "
        "replicas, and often read-only in containers), and lets two processes race on the "
        "same files. Build assets once when the image is built and serve the result; the "
        "development conveniences (auto-build, autorefresh, finders) belong under DEBUG."
    ),
    bad_example="""\
from flask import Flask
from flask_assets import Bundle, Environment

app = Flask(__name__)
app.config["ASSETS_AUTO_BUILD"] = True
assets = Environment(app)
assets.register("js_all", Bundle("a.js", "b.js", output="gen/packed.js"))
""",
    good_example="""\
from flask import Flask
from flask_assets import Bundle, Environment

app = Flask(__name__)
app.config["ASSETS_AUTO_BUILD"] = False
assets = Environment(app)
assets.register("js_all", Bundle("a.js", "b.js", output="gen/packed.js"))
""",
    node_types=(ast.Call,),
    check=check,
    scope="config",
    triggers=("sass", "sassutils", "flask_assets", "webassets"),
    references=(
        "https://12factor.net/build-release-run",
        "https://webassets.readthedocs.io/en/latest/environment.html",
        "https://whitenoise.readthedocs.io/en/stable/django.html#WHITENOISE_AUTOREFRESH",
        "https://github.com/jrief/django-sass-processor#configuration",
    ),
    notes=(
        "Follows bundles through names, loops (`for bundle in (js, css): bundle.build()`), "
        "dict entries and environment subscripts (`for name in names: "
        "assets[name].build()`), within the module: a bundle or environment imported from "
        "another module is not followed.",
        "Leaves alone the same calls in build scripts (`setup.py`, `build_assets.py`, "
        '`scripts/`), management commands, CLI commands and `if __name__ == "__main__":` '
        "blocks, switches set to False or read from DEBUG or the environment, test "
        "settings, development settings modules and anything under `if DEBUG:`.",
        "Flask-Assets builds on request by default, but `ASSETS_AUTO_BUILD` usually lives "
        "in another module than `Environment(app)`, so only switches turned on are flagged.",
    ),
    patterns=PATTERNS,
)
