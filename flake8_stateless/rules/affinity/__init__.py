"""SLS3xx: sticky sessions and process affinity."""

from __future__ import annotations

from flake8_stateless.registry import Rule

RULES: tuple[Rule, ...] = ()
