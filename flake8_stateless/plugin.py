"""The flake8 adapter: flake8's tree and lines in, 4-tuples out; and a bad option value
stops flake8 the way its own bad options do."""

from __future__ import annotations

import argparse
import ast
import configparser
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any, ClassVar

from flake8.options.manager import OptionManager

from flake8_stateless import __version__, engine, project
from flake8_stateless.options import (
    OPTIONS,
    ConfigurationError,
    Settings,
    register_flake8_options,
)
from flake8_stateless.packs import load_rule_packs
from flake8_stateless.registry import Rule
from flake8_stateless.rules import ALL_RULES
from flake8_stateless.user_rules import with_rules_file


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
            message = str(error)
            source = _config_file_setting(manager, options, error.option)
            if source is not None:
                message = message.replace("flake8-stateless: ", f"flake8-stateless: {source}: ", 1)
            print(message, file=sys.stderr)
            raise SystemExit(2) from None  # the status of flake8's own bad options

    def run(self) -> Iterator[tuple[int, int, str, type[Any]]]:
        for finding in engine.check_file(self._tree, self._lines, self._filename, self.settings):
            yield finding.line, finding.col, finding.message, type(self)


def _config_file_setting(
    manager: OptionManager, options: argparse.Namespace, option: str | None
) -> str | None:
    """The flake8 config file (``setup.cfg``, ``tox.ini``, ``.flake8``, ``--config``,
    ``--append-config``) whose value for ``option`` flake8 used, for the error message;
    None when the value came from the command line or the file cannot be told."""
    if option is None:
        return None
    try:
        from flake8.main.options import stage1_arg_parser  # noqa: PLC0415
        from flake8.options import config  # noqa: PLC0415

        # --config, --append-config and --isolated are parsed before the options plugins
        # see, and are not in ``options``: read them again, as flake8 did.
        first, _ = stage1_arg_parser().parse_known_args(sys.argv[1:])
        if first.isolated:
            return None
        find = getattr(config, "_find_config_file")  # noqa: B009 - private since flake8 5.0
        main: str | None = first.config or find(os.path.abspath("."))
        files = [main, *first.append_config] if main else [*first.append_config]
        value = getattr(options, "stateless_" + option.replace("-", "_"), None)
        source: str | None = None
        for path in files:
            parser = configparser.RawConfigParser()
            parser.read(path, encoding="utf-8")
            for key in (f"stateless-{option}", f"stateless_{option.replace('-', '_')}"):
                if parser.has_option("flake8", key):
                    raw = parser.get("flake8", key)
                    spec = manager.config_options_dict.get(key)
                    directory = os.path.dirname(os.path.abspath(main or path))
                    written = spec.normalize(raw, directory) if spec is not None else raw
                    source = path if written == value else None
    except (Exception, SystemExit):  # naming the file is a courtesy, never a new failure
        return None
    if source is None:
        return None
    relative = os.path.relpath(source)
    return source if relative.startswith("..") else relative


def settings_from_flake8(options: argparse.Namespace, rules: Sequence[Rule]) -> Settings:
    """Settings from flake8's parsed options, with the user's rules file and the
    installed rule packs loaded, enabling only the rules flake8 would report, so disabled
    rules never run. Opt-in rules need their full code in ``--select``/
    ``--extend-select``: ``--select=SLS`` and a plain ``ignore =`` (which undo flake8's
    default-ignore list) leave them off."""
    from flake8.style_guide import Decision, DecisionEngine  # noqa: PLC0415

    values = {
        spec.attribute: getattr(options, f"stateless_{spec.attribute}", None) for spec in OPTIONS
    }
    settings = with_rules_file(Settings.from_values(values))
    taken = {rule.code for rule in (*rules, *settings.rules_file)}
    packs = load_rule_packs(taken)
    decider = DecisionEngine(options)
    named = {*(options.select or ()), *(options.extend_select or ())}
    enabled = [
        rule.code
        for rule in (*rules, *settings.rules_file, *packs.rules)
        if decider.decision_for(rule.code) is Decision.Selected
        and (rule.default_enabled or rule.code in named)
    ]
    return replace(
        settings,
        enabled_codes=frozenset(enabled),
        pack_rules=packs.rules,
        pack_errors=packs.errors,
    )
