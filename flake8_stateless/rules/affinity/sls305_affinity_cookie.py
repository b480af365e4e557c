"""SLS305 affinity-cookie: code that sets or routes on a server-affinity cookie.

The cookie names of AWS load balancers, HAProxy, Traefik and ingress-nginx are specific
enough that setting or reading them is the whole condition. Written as a literal, that is
a pure shape (the ast-grep patterns); passed through a name (``set_cookie(AFFINITY, ...)``
with ``AFFINITY = "SERVERID"`` here or in another module), the AST check follows the
name's values.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from flake8_stateless.context import Context, FunctionNode
from flake8_stateless.excerpts import quoted
from flake8_stateless.patterns import Pattern
from flake8_stateless.registry import Finding, Rule

AFFINITY_COOKIES = (
    "AWSALB",
    "AWSALBCORS",
    "AWSELB",
    "SERVERID",
    "ROUTEID",
    "INGRESSCOOKIE",
    "route",
)
COOKIE_SETTERS = frozenset({"set_cookie", "delete_cookie", "set_signed_cookie"})
JARS = frozenset({"cookies", "COOKIES", "_cookies"})
"""Attributes (or names) holding a cookie jar: ``request.cookies``, ``request.COOKIES``."""
JAR_METHODS = frozenset({"get", "set", "pop"})
_NAME = r"""^[rRuUbB]?["'](""" + "|".join(AFFINITY_COOKIES) + r""")["']$"""
_COOKIE_JAR = r"(^|\.)(cookies|COOKIES|_cookies)$"
TRIGGERS = (*(name for name in AFFINITY_COOKIES if name != "route"), '"route"', "'route'")
"""Quoted ``route``: the bare word is in every Flask app."""


def _first_argument(function: str) -> dict[str, object]:
    """A call of ``function`` (a regex on its text) whose first argument is the cookie."""
    return {
        "kind": "call",
        "all": [
            {"has": {"field": "function", "regex": function}},
            {
                "has": {
                    "field": "arguments",
                    "has": {"nthChild": 1, "kind": "string", "pattern": "$NAME", "regex": _NAME},
                }
            },
        ],
    }


PATTERNS = (
    # response.set_cookie("SERVERID", node) / delete_cookie / requests' jar.set(...)
    Pattern(
        rule=_first_argument(r"\.(set_cookie|delete_cookie|set_signed_cookie)$"),
        triggers=TRIGGERS,
        values={"cookie": "$NAME"},
        report="NAME",
    ),
    Pattern(
        rule=_first_argument(r"(^|\.)(cookies|COOKIES|_cookies)\.(get|set|pop)$"),
        triggers=TRIGGERS,
        values={"cookie": "$NAME"},
        report="NAME",
    ),
    # response.set_cookie(key="AWSALB", value=...)
    Pattern(
        rule={
            "kind": "keyword_argument",
            "regex": r"^key\s*=",
            "has": {"field": "value", "pattern": "$NAME", "regex": _NAME},
            "inside": {
                "kind": "call",
                "has": {
                    "field": "function",
                    "regex": r"\.(set_cookie|delete_cookie|set_signed_cookie)$",
                },
                "stopBy": "end",
            },
        },
        triggers=TRIGGERS,
        values={"cookie": "$NAME"},
        report="NAME",
    ),
    # request.COOKIES["ROUTEID"], response.cookies["SERVERID"] = ...
    Pattern(
        rule={
            "kind": "subscript",
            "all": [
                {"has": {"field": "value", "regex": _COOKIE_JAR}},
                {"has": {"field": "subscript", "pattern": "$NAME", "regex": _NAME}},
            ],
        },
        triggers=TRIGGERS,
        values={"cookie": "$NAME"},
        report="NAME",
    ),
    # requests.get(url, cookies={"AWSALB": token})
    Pattern(
        rule={
            "kind": "pair",
            "has": {"field": "key", "pattern": "$NAME", "regex": _NAME},
            "inside": {"kind": "keyword_argument", "regex": r"^cookies\s*=", "stopBy": "end"},
        },
        triggers=TRIGGERS,
        values={"cookie": "$NAME"},
        report="NAME",
    ),
)


def check(node: ast.AST, function: FunctionNode | None, context: Context) -> Iterator[Finding]:
    """A cookie named through a name, an attribute or an f-string whose value is an
    affinity cookie (literals are the patterns' to report)."""
    for expr in _cookie_names(node):
        if isinstance(expr, ast.Constant):
            continue
        values = context.values(expr, function)
        if values.environment:
            continue  # the deployer names the cookie
        cookie = next((text for text in values.strings() if text in AFFINITY_COOKIES), None)
        if cookie is not None:
            shown = quoted(context.excerpts.label(expr, 32))
            yield RULE.finding(expr, cookie=f"{cookie!r} (value of {shown})")


def _cookie_names(node: ast.AST) -> Iterator[ast.expr]:
    """The expressions naming a cookie in the shapes the patterns match: the first
    argument (or ``key=``) of ``set_cookie``/``delete_cookie``/``set_signed_cookie``, of
    ``cookies.get/set/pop``, a cookie jar's subscript, the keys of ``cookies={...}``."""
    if isinstance(node, ast.Subscript):
        if _is_jar(node.value):
            yield node.slice
        return
    if not isinstance(node, ast.Call):
        return
    func = node.func
    if isinstance(func, ast.Attribute) and (
        func.attr in COOKIE_SETTERS or (func.attr in JAR_METHODS and _is_jar(func.value))
    ):
        if node.args and not isinstance(node.args[0], ast.Starred):
            yield node.args[0]
        elif func.attr in COOKIE_SETTERS:
            yield from (k.value for k in node.keywords if k.arg == "key")
    for keyword in node.keywords:
        if keyword.arg == "cookies" and isinstance(keyword.value, ast.Dict):
            yield from (key for key in keyword.value.keys if key is not None)


def _is_jar(expr: ast.expr) -> bool:
    if isinstance(expr, ast.Attribute):
        return expr.attr in JARS
    return isinstance(expr, ast.Name) and expr.id in JARS


RULE = Rule(
    code="SLS305",
    name="affinity-cookie",
    message=(
        "cookie {cookie} pins each user to one server (sticky sessions); keep state in a "
        "shared store"
    ),
    summary="Code sets or routes on a load balancer's server-affinity cookie.",
    rationale=(
        "Cookies such as `AWSALB`, HAProxy's `SERVERID`, ingress-nginx's `INGRESSCOOKIE` or "
        "Traefik's `route` tell the load balancer which backend holds a user's state. "
        "Setting, copying or routing on them from application code builds the app around "
        "that pinning: users lose their state when their server goes away, and load cannot "
        "be spread freely. Keep per-user state in a backing service instead."
    ),
    bad_example="""\
from flask import Flask, make_response

app = Flask(__name__)


@app.get("/")
def index():
    response = make_response("hello")
    response.set_cookie("SERVERID", "web-3")
    return response
""",
    good_example="""\
from flask import Flask, make_response

app = Flask(__name__)


@app.get("/")
def index():
    response = make_response("hello")
    response.set_cookie("theme", "dark")
    return response
""",
    node_types=(ast.Call, ast.Subscript),
    check=check,
    scope="config",
    triggers=(*COOKIE_SETTERS, *JARS),
    references=(
        "https://12factor.net/processes",
        "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/sticky-sessions.html",
        "https://kubernetes.github.io/ingress-nginx/examples/affinity/cookie/",
    ),
    notes=(
        "Follows the cookie's name through constants and assignments, also into other "
        "modules of the project (`set_cookie(AFFINITY_COOKIE, ...)` with "
        "`AFFINITY_COOKIE = \"SERVERID\"` in `settings.py`) and through loops over "
        "literal tuples.",
        "Leaves alone ordinary cookies (a word such as `route` only counts as a cookie "
        "name), names read from the environment, test code and anything under `if DEBUG:`.",
    ),
    patterns=PATTERNS,
)
