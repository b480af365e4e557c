"""SLS4xx: build-time work done at runtime."""

from __future__ import annotations

from flake8_stateless.registry import Rule

RULES: tuple[Rule, ...] = ()
