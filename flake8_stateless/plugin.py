"""The flake8 adapter: flake8's tree and lines in, 4-tuples out. Nothing else."""

from __future__ import annotations

import argparse
import ast
from collections.abc import Iterator, Sequence
from typing import Any, ClassVar

from flake8.options.manager import OptionManager

from flake8_stateless import __version__, engine, project
from flake8_stateless.options import (
    ConfigurationError,
    Settings,
    register_flake8_options,
    settings_from_flake8,
)
from flake8_stateless.rules import ALL_RULES


class Plugin:
    """flake8 entry point ``SLS``."""

    name = "flake8-stateless"
    version = __version__
    settings: ClassVar[Settings] = Settings()

    def __init__(self, tree: ast.AST, lines: Sequence[str], filename: str) -> None:
        self._tree = tree
        self._lines = lines
        self._filename = filename

    @staticmethod
    def add_options(manager: OptionManager) -> None:
        register_flake8_options(manager)

    @classmethod
    def parse_options(
        cls, manager: OptionManager, options: argparse.Namespace, paths: Sequence[str]
    ) -> None:
        """Validate once per process (flake8's ``--jobs`` workers may call it again).
        The three-argument form: with one argument, flake8 first calls it with three and
        retries on TypeError, which would run it twice."""
        project.new_run()
        try:
            cls.settings = settings_from_flake8(options, ALL_RULES)
        except ConfigurationError as error:
            raise SystemExit(str(error)) from None

    def run(self) -> Iterator[tuple[int, int, str, type[Any]]]:
        for finding in engine.check_file(self._tree, self._lines, self._filename, self.settings):
            yield finding.line, finding.col, finding.message, type(self)
