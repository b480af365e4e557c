"""SLS305 affinity-cookie: code that sets or routes on a server-affinity cookie.

A pattern rule: the cookie names of AWS load balancers, HAProxy, Traefik and
ingress-nginx are specific enough that setting or reading them is the whole condition.
"""

from __future__ import annotations

from flake8_stateless.patterns import Pattern
from flake8_stateless.registry import Rule, no_ast_check

AFFINITY_COOKIES = (
    "AWSALB",
    "AWSALBCORS",
    "AWSELB",
    "SERVERID",
    "ROUTEID",
    "INGRESSCOOKIE",
    "route",
)
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
    node_types=(),
    check=no_ast_check,
    scope="config",
    references=(
        "https://12factor.net/processes",
        "https://docs.aws.amazon.com/elasticloadbalancing/latest/application/sticky-sessions.html",
        "https://kubernetes.github.io/ingress-nginx/examples/affinity/cookie/",
    ),
    notes=(
        "Leaves alone ordinary cookies (a word such as `route` only counts as a cookie "
        "name), test code and anything under `if DEBUG:`.",
    ),
    patterns=PATTERNS,
)
