"""Options as data, validated once into a frozen :class:`Settings`.

flake8 and the standalone command read the same options; a bad value is a one-line
:class:`ConfigurationError` naming the option and what it accepts.
"""

from __future__ import annotations

import argparse
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flake8.options.manager import OptionManager

    from flake8_stateless.registry import Rule

_DECORATOR_PATTERN = re.compile(r"^[A-Za-z_*?\[][\w.*?\[\]!-]*$")


class ConfigurationError(ValueError):
    """A bad option value; its message is the whole one-line error users see.
    ``option`` (its name, ``call-depth``) and ``reason`` let a face that knows where the
    value was written say so in its own words."""

    def __init__(self, message: str, *, option: str | None = None, reason: str = "") -> None:
        super().__init__(message)
        self.option = option
        self.reason = reason


def _split(value: str | Sequence[str]) -> list[str]:
    items = value.split(",") if isinstance(value, str) else list(value)
    return [item.strip() for item in items if item.strip()]


def _parse_handler_decorators(value: str | Sequence[str]) -> tuple[str, ...]:
    names = _split(value)
    for name in names:
        if not _DECORATOR_PATTERN.match(name):
            raise ValueError(name)
    return tuple(names)


def _parse_rules_file(value: str | Sequence[str]) -> str:
    """The path of the user's rules file. It is read (and validated) by the face that
    owns the settings (``user_rules.with_rules_file``): options are data only."""
    return (value if isinstance(value, str) else ",".join(value)).strip()


def _parse_folder(value: str | Sequence[str]) -> str:
    path = (value if isinstance(value, str) else ",".join(value)).strip()
    if path and os.path.exists(path) and not os.path.isdir(path):
        raise ValueError(path)
    return path


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"", "0", "false", "no", "off"})


def _parse_switch(value: str | Sequence[str]) -> bool:
    text = (value if isinstance(value, str) else ",".join(value)).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(text)


def _parse_call_depth(value: str | Sequence[str]) -> int:
    text = value if isinstance(value, str) else ",".join(value)
    depth = int(text.strip())
    if not 0 <= depth <= 10:
        raise ValueError(text)
    return depth


@dataclass(frozen=True)
class OptionSpec:
    """One option: its name (``handler-decorators``), help, default and parser."""

    name: str
    help: str
    default: str
    accepts: str
    parse: Callable[[str | Sequence[str]], object]
    comma_separated: bool = False
    is_path: bool = False
    switch: bool = False
    """A flag without a value on the command line (``--stateless-no-cache``); true/false
    in a configuration file."""
    field: str = ""
    """The :class:`Settings` field it fills, when not its own name (``rules_file_path``)."""
    """A file path: flake8 resolves it relative to the config file that sets it."""

    @property
    def flag(self) -> str:
        return f"--stateless-{self.name}"

    @property
    def attribute(self) -> str:
        """Attribute of flake8's option namespace (prefixed ``stateless_``)."""
        return self.name.replace("-", "_")

    @property
    def setting(self) -> str:
        """The :class:`Settings` field it fills."""
        return self.field or self.attribute


OPTIONS: tuple[OptionSpec, ...] = (
    OptionSpec(
        name="handler-decorators",
        help=(
            "Comma-separated decorators that mark your own request, event or task handlers, "
            "as dotted names or globs (e.g. 'myapi.route,*.endpoint')."
        ),
        default="",
        accepts="comma-separated dotted names or globs such as 'api.route' or '*.endpoint'",
        parse=_parse_handler_decorators,
        comma_separated=True,
    ),
    OptionSpec(
        name="call-depth",
        help=(
            "How many calls deep, across the project's modules, code called from a "
            "handler still counts as request-serving (default: 4)."
        ),
        default="4",
        accepts="an integer from 0 to 10",
        parse=_parse_call_depth,
    ),
    OptionSpec(
        name="rules-file",
        help=(
            "A YAML file of your own ast-grep rules, reported under the codes they "
            "declare in SLS900-SLS999 (see docs/custom-rules.md)."
        ),
        default="",
        accepts="the path of a YAML file of ast-grep rules",
        parse=_parse_rules_file,
        is_path=True,
        field="rules_file_path",
    ),
    OptionSpec(
        name="cache-dir",
        help=(
            "Where to cache module summaries of the project index and findings (default: "
            ".flake8-stateless-cache at the project root, or $FLAKE8_STATELESS_CACHE_DIR)."
        ),
        default="",
        accepts="a folder path (not a file)",
        parse=_parse_folder,
        is_path=True,
    ),
    OptionSpec(
        name="no-cache",
        help=(
            "Do not read or write the cache of module summaries and findings (the index "
            "lives in memory, every file is linted afresh)."
        ),
        default="false",
        accepts="true or false",
        parse=_parse_switch,
        switch=True,
    ),
)


@dataclass(frozen=True)
class Settings:
    """Validated options plus the rules that are enabled for this run."""

    handler_decorators: tuple[str, ...] = ()
    call_depth: int = 4
    enabled_codes: frozenset[str] | None = None
    """Codes to run; None means every rule that is on by default."""
    rules_file_path: str = ""
    """``--stateless-rules-file``: where the user's own rules are."""
    rules_file: tuple[Rule, ...] = ()
    """The user's own rules, read from that file by the face (``user_rules``)."""
    pack_rules: tuple[Rule, ...] = ()
    """Rules of the installed rule packs (entry-point group ``flake8_stateless.rules``)."""
    pack_errors: tuple[str, ...] = ()
    """One line per rule pack that failed to load; each file reports them as SLS000."""
    cache_dir: str = ""
    """Where module summaries are cached ("" for the project root's own folder)."""
    no_cache: bool = False
    """Keep the project index in memory only."""

    @property
    def extra_rules(self) -> tuple[Rule, ...]:
        """Rules beyond the built-in ones: the rules file's, then the packs'."""
        return self.rules_file + self.pack_rules

    @classmethod
    def from_values(
        cls, values: Mapping[str, object], enabled_codes: Iterable[str] | None = None
    ) -> Settings:
        """Settings from raw option values keyed by option name (``call-depth``) or
        attribute (``call_depth``); missing options take their defaults."""
        parsed: dict[str, object] = {}
        for spec in OPTIONS:
            raw = values.get(spec.name, values.get(spec.attribute))
            if raw is None:
                raw = spec.default
            if isinstance(raw, bool):
                raw = "true" if raw else "false"
            elif not isinstance(raw, (str, list, tuple)):
                raw = str(raw)
            try:
                parsed[spec.setting] = spec.parse(raw)
            except ConfigurationError:
                raise
            except ValueError:
                reason = f"invalid value {_show(raw)}; expected {spec.accepts}"
                raise ConfigurationError(
                    f"flake8-stateless: option {spec.flag}: {reason}",
                    option=spec.name,
                    reason=reason,
                ) from None
        codes = frozenset(enabled_codes) if enabled_codes is not None else None
        return cls(enabled_codes=codes, **parsed)  # type: ignore[arg-type]

    def is_enabled(self, rule: Rule) -> bool:
        if rule.removed_in is not None:
            return False
        if self.enabled_codes is None:
            return rule.default_enabled
        return rule.code in self.enabled_codes


def _show(raw: str | Sequence[str]) -> str:
    return repr(raw if isinstance(raw, str) else ",".join(raw))


# --------------------------------------------------------------------------- flake8
class _SwitchAction(argparse.Action):
    """A flag without a value on the command line, like ``store_true``; in a config file
    its value is read as text and validated by us. (flake8 reads ``store_true`` options
    from config files with ``getboolean``, whose error on ``= maybe`` is a traceback.)"""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: object) -> None:
        kwargs.pop("nargs", None)
        super().__init__(option_strings, dest, nargs=0, **kwargs)  # type: ignore[arg-type]

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        setattr(namespace, self.dest, "true")


def register_flake8_options(manager: OptionManager) -> None:
    """Add every option to flake8, readable from its config files too."""
    for spec in OPTIONS:
        if spec.switch:
            manager.add_option(
                spec.flag,
                action=_SwitchAction,
                default=spec.default,
                parse_from_config=True,
                help=spec.help,
            )
            continue
        manager.add_option(
            spec.flag,
            default=spec.default,
            parse_from_config=True,
            comma_separated_list=spec.comma_separated,
            normalize_paths=spec.is_path,
            help=spec.help,
        )
