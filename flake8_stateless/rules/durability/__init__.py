"""SLS5xx: work lost when the process dies."""

from __future__ import annotations

from flake8_stateless.registry import Rule

RULES: tuple[Rule, ...] = ()
