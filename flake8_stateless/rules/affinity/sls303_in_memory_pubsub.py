"""SLS303 in-memory-pubsub: a broadcast or channel layer that spans only one process.

A pattern rule: the whole condition is a shape in configuration (a settings pair, a
constructor with a ``memory://`` URL), so it is declared as ast-grep patterns.
"""

from __future__ import annotations

from flake8_stateless.patterns import Pattern
from flake8_stateless.registry import Rule, no_ast_check

_QUOTE = r"""^[rRuU]?["']"""
IN_MEMORY_LAYER = r"channels\.layers\.InMemoryChannelLayer"
LAYER_FIX = "channels_redis RedisChannelLayer"
BROADCAST_FIX = "a redis://, kafka:// or postgres:// URL"

PATTERNS = (
    # CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    Pattern(
        rule={
            "kind": "pair",
            "all": [
                {"has": {"field": "key", "regex": _QUOTE + r"BACKEND[\"']$"}},
                {"has": {"field": "value", "regex": _QUOTE + IN_MEMORY_LAYER + r"[\"']$"}},
            ],
        },
        triggers=("InMemoryChannelLayer",),
        values={"what": "Channels InMemoryChannelLayer", "fix": LAYER_FIX},
    ),
    # CHANNEL_LAYERS["default"]["BACKEND"] = "channels.layers.InMemoryChannelLayer"
    Pattern(
        rule={
            "kind": "assignment",
            "all": [
                {"has": {"field": "left", "regex": r"\[\s*[\"']BACKEND[\"']\s*\]$"}},
                {"has": {"field": "right", "regex": _QUOTE + IN_MEMORY_LAYER + r"[\"']$"}},
            ],
        },
        triggers=("InMemoryChannelLayer",),
        values={"what": "Channels InMemoryChannelLayer", "fix": LAYER_FIX},
    ),
    # layer = InMemoryChannelLayer()
    Pattern(
        rule={
            "kind": "call",
            "has": {
                "field": "function",
                "pattern": "$LAYER",
                "regex": r"(^|\.)InMemoryChannelLayer$",
            },
        },
        triggers=("InMemoryChannelLayer",),
        values={"what": "$LAYER()", "fix": LAYER_FIX},
    ),
    # broadcast = Broadcast("memory://")  (encode/broadcaster)
    Pattern(
        rule={
            "kind": "call",
            "all": [
                {
                    "has": {
                        "field": "function",
                        "pattern": "$BROADCAST",
                        "regex": r"(^|\.)Broadcast$",
                    }
                },
                {
                    "has": {
                        "field": "arguments",
                        "has": {
                            "any": [
                                {"kind": "string", "nthChild": 1, "regex": _QUOTE + "memory://"},
                                {
                                    "kind": "keyword_argument",
                                    "regex": r"""^url\s*=\s*[rRuU]?["']memory://""",
                                },
                            ]
                        },
                    }
                },
            ],
        },
        triggers=("memory://",),
        values={"what": "$BROADCAST('memory://')", "fix": BROADCAST_FIX},
    ),
)

RULE = Rule(
    code="SLS303",
    name="in-memory-pubsub",
    message="{what} only reaches the connections of this process; use {fix}",
    summary="A broadcast or channel layer is configured to live in one process's memory.",
    rationale=(
        "Channel layers and broadcasters carry messages between the connections of "
        "different users. In memory, they only reach the connections held by the same "
        "process: with two workers or two replicas, a chat message, a notification or a "
        "group send silently reaches about half of the users, and whatever is queued is "
        "lost on restart. A Redis (or other shared) layer reaches every process."
    ),
    bad_example="""\
CHANNEL_LAYERS = {
    "default": {"BACKEND": "channels.layers.InMemoryChannelLayer"},
}
""",
    good_example="""\
import os

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [os.environ["REDIS_URL"]]},
    },
}
""",
    node_types=(),
    check=no_ast_check,
    scope="config",
    references=(
        "https://channels.readthedocs.io/en/stable/topics/channel_layers.html",
        "https://github.com/encode/broadcaster",
        "https://12factor.net/processes",
    ),
    notes=(
        "Leaves alone `RedisChannelLayer` and other shared layers, broadcaster URLs read "
        "from the environment or settings, test settings, development settings modules and "
        "anything under `if DEBUG:`.",
    ),
    example_filename="mysite/settings.py",
    patterns=PATTERNS,
)
