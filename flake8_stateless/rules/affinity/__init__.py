"""SLS3xx: sticky sessions and process affinity."""

from __future__ import annotations

from flake8_stateless.registry import Rule
from flake8_stateless.rules.affinity import (
    sls301_socketio_without_queue,
    sls302_local_connection_registry,
    sls303_in_memory_pubsub,
    sls304_load_balancer_stickiness,
    sls305_affinity_cookie,
)

RULES: tuple[Rule, ...] = (
    sls301_socketio_without_queue.RULE,
    sls302_local_connection_registry.RULE,
    sls303_in_memory_pubsub.RULE,
    sls304_load_balancer_stickiness.RULE,
    sls305_affinity_cookie.RULE,
)
