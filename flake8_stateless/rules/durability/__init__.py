"""SLS5xx: work lost when the process dies."""

from __future__ import annotations

from flake8_stateless.registry import Rule
from flake8_stateless.rules.durability import (
    sls501_fire_and_forget_work,
    sls502_in_process_queue,
    sls503_in_memory_scheduler,
    sls504_durable_work_in_background_tasks,
)

RULES: tuple[Rule, ...] = (
    sls501_fire_and_forget_work.RULE,
    sls502_in_process_queue.RULE,
    sls503_in_memory_scheduler.RULE,
    sls504_durable_work_in_background_tasks.RULE,
)
