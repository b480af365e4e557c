"""SLS4xx: build-time work done at runtime."""

from __future__ import annotations

from flake8_stateless.registry import Rule
from flake8_stateless.rules.build import (
    sls401_runtime_asset_build,
    sls402_runtime_compression,
    sls403_build_tool_at_runtime,
)

RULES: tuple[Rule, ...] = (
    sls401_runtime_asset_build.RULE,
    sls402_runtime_compression.RULE,
    sls403_build_tool_at_runtime.RULE,
)
