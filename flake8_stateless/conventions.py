"""Naming conventions that say code is never production: data only, no logic.

Read by the semantic facts (debug switches, development-named classes), by the path
facts (test and development settings modules) and by configuration scope.
"""

from __future__ import annotations

import re

DEBUG_FLAG_NAMES = frozenset(
    {
        "debug",
        "testing",
        "development",
        "dev",
        "local",
        "is_dev",
        "is_debug",
        "is_local",
        "is_testing",
        "is_test",
        "debug_mode",
        "dev_mode",
        "is_development",
        "test_mode",
        "in_test",
    }
)
"""Switch names (compared lower-cased) whose truth means "not production"."""

DEV_VALUES = frozenset({"dev", "development", "local", "test", "testing", "debug"})
PROD_VALUES = frozenset({"prod", "production", "live"})

DEV_NAME_TOKENS = frozenset({"test", "tests", "testing", "dev", "development", "local", "debug"})
"""Words in a config class or settings module name that say it is never production."""

TEST_TOKENS = frozenset({"test", "tests", "testing", "conftest"})
CONFIG_TOKENS = frozenset({"settings", "config", "configs", "conf", "configuration"})

TOKEN_SPLIT = re.compile(r"[_\-.]+")
"""Splits a module name into its words (``settings_local`` -> settings, local)."""

CAMEL_WORDS = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
"""Splits a class name into its words (``DevelopmentConfig`` -> Development, Config).
Linear: each alternative consumes a disjoint character class run, no nesting."""

DEV_COMPONENT = re.compile(
    r"^(dev|devel|develop|development|local|debug)(project|site|server|settings|env)?$"
)
"""A folder whose name says development (``devproject``, ``local_settings`` is a module)."""


def camel_words(name: str) -> set[str]:
    """The lower-cased words of a CamelCase or snake_case identifier."""
    return {word.lower() for word in CAMEL_WORDS.findall(name)}
