"""SLS1xx: in-process state, data that outlives a request in process memory."""

from __future__ import annotations

from flake8_stateless.registry import Rule
from flake8_stateless.rules.state import (
    sls101_module_state_mutated,
    sls102_global_rebound_in_handler,
    sls103_class_state_mutated,
    sls104_in_memory_backend,
    sls105_shared_memory,
    sls106_per_process_secret,
)

RULES: tuple[Rule, ...] = (
    sls101_module_state_mutated.RULE,
    sls102_global_rebound_in_handler.RULE,
    sls103_class_state_mutated.RULE,
    sls104_in_memory_backend.RULE,
    sls105_shared_memory.RULE,
    sls106_per_process_secret.RULE,
)
