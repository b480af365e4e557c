"""SLS2xx: local filesystem persistence."""

from __future__ import annotations

from flake8_stateless.registry import Rule

RULES: tuple[Rule, ...] = ()
