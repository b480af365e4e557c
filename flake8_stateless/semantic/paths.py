"""What a file's path says about the code in it: tests, development settings,
management commands, migrations, views modules."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from flake8_stateless.conventions import (
    CONFIG_TOKENS,
    DEV_COMPONENT,
    DEV_NAME_TOKENS,
    TEST_TOKENS,
    TOKEN_SPLIT,
)


@dataclass(frozen=True)
class PathFacts:
    """What the file's path says about the code in it."""

    is_test: bool
    is_dev_settings: bool
    is_management_command: bool
    is_migration: bool
    is_views_module: bool

    @classmethod
    def from_filename(cls, filename: str) -> PathFacts:
        parts = [p for p in filename.replace("\\", "/").split("/") if p not in ("", ".")]
        basename = parts[-1] if parts else ""
        dirs = {p.lower() for p in parts[:-1]}
        stem = basename[:-3] if basename.endswith(".py") else basename
        tokens = {t.lower() for t in TOKEN_SPLIT.split(stem) if t}
        configish = bool(tokens & CONFIG_TOKENS or dirs & CONFIG_TOKENS)
        lowered = [p.lower() for p in parts[:-1]]
        return cls(
            is_test=bool(tokens & TEST_TOKENS or dirs & TEST_TOKENS),
            is_dev_settings=configish
            and not tokens & TEST_TOKENS
            and not dirs & TEST_TOKENS
            and bool(tokens & DEV_NAME_TOKENS or any(DEV_COMPONENT.match(d) for d in dirs)),
            is_management_command=any(
                a == "management" and b == "commands" for a, b in itertools.pairwise(lowered)
            ),
            is_migration="migrations" in dirs or "alembic" in dirs,
            is_views_module="views" in tokens or "views" in dirs,
        )

    @property
    def never_serves(self) -> bool:
        """Tests, management commands and migrations never serve a request."""
        return self.is_test or self.is_management_command or self.is_migration
