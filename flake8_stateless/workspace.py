"""Where the standalone command's settings come from, the way Ruff finds its own.

Each file takes ``[tool.flake8-stateless]`` from the nearest ``pyproject.toml`` that has
that table, looking upward from the file (``--config`` names one for every file,
``--isolated`` ignores them all). Rule selection follows Ruff: ``select`` replaces the
set, ``extend-select`` adds, ``ignore`` removes, the most specific selector wins (at the
same specificity, ``ignore`` does), and the command line is applied after the file.
Opt-in rules come on only when their full code is selected.
"""

from __future__ import annotations

import fnmatch
import os
import re
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from flake8_stateless.options import OPTIONS, ConfigurationError, Settings
from flake8_stateless.registry import Rule
from flake8_stateless.rules import ALL_RULES
from flake8_stateless.user_rules import with_rules_file

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

SECTION = "flake8-stateless"
PYPROJECT = "pyproject.toml"

DEFAULT_EXCLUDE = (
    ".bzr",
    ".direnv",
    ".eggs",
    ".git",
    ".git-rewrite",
    ".hg",
    ".ipynb_checkpoints",
    ".mypy_cache",
    ".nox",
    ".pants.d",
    ".pyenv",
    ".pytest_cache",
    ".pytype",
    ".ruff_cache",
    ".svn",
    ".tox",
    ".venv",
    ".vscode",
    "__pypackages__",
    "_build",
    "buck-out",
    "build",
    "dist",
    "node_modules",
    "site-packages",
    "venv",
)
"""Ruff's default ``exclude``: version control, caches, virtualenvs, build output.
Directories holding a ``pyvenv.cfg`` (a virtualenv of any name) are skipped as well."""

SELECTOR_KEYS = ("select", "extend-select", "ignore")
PATTERN_KEYS = ("exclude", "extend-exclude")
KNOWN_KEYS = (*(spec.name for spec in OPTIONS), *SELECTOR_KEYS, "per-file-ignores", *PATTERN_KEYS)

_SELECTOR = re.compile(r"ALL|SLS\d{0,3}")
USER_RANGE = "SLS9"
"""Codes of the user's own rules (a rules file, rule packs): selectable before they load."""


def _toml(text: str, where: str) -> dict[str, Any]:
    try:
        document: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigurationError(f"flake8-stateless: {where}: invalid TOML: {error}") from None
    return document


# --------------------------------------------------------------------------- selection
@dataclass(frozen=True)
class Selection:
    """One layer of rule selection: the config file's, or the command line's."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()


def _specificity(selector: str) -> int:
    """``ALL`` < ``SLS`` < ``SLS1`` < ``SLS10`` < ``SLS101``."""
    return 0 if selector == "ALL" else len(selector) - 2


def _matches(selector: str, code: str) -> bool:
    return selector == "ALL" or code.startswith(selector)


def check_selector(selector: object, rules: Sequence[Rule], where: str) -> str:
    """``selector`` itself, or a one-line error: it must name at least one rule."""
    if (
        not isinstance(selector, str)
        or not _SELECTOR.fullmatch(selector)
        or not (
            selector.startswith(USER_RANGE) or any(_matches(selector, rule.code) for rule in rules)
        )
    ):
        raise ConfigurationError(
            f"flake8-stateless: {where}: unknown rule selector {selector!r}; expected ALL, "
            "SLS, or a prefix of a rule code such as SLS1 or SLS101"
        )
    return selector


def enabled_codes(layers: Iterable[Selection], rules: Sequence[Rule]) -> frozenset[str]:
    """The codes enabled after applying each layer in turn (see the module docs)."""
    live = [rule for rule in rules if rule.removed_in is None]
    enabled = {rule.code for rule in live if rule.default_enabled}
    for layer in layers:
        selectors = [*(layer.select or ()), *layer.extend_select]
        updates: dict[str, bool] = {}
        for level in range(5):
            for selector in selectors:
                if _specificity(selector) == level:
                    for rule in live:
                        if _matches(selector, rule.code) and (
                            rule.default_enabled or rule.code == selector
                        ):
                            updates[rule.code] = True
            for selector in layer.ignore:
                if _specificity(selector) == level:
                    updates.update({r.code: False for r in live if _matches(selector, r.code)})
        if layer.select is not None:
            enabled = {code for code, on in updates.items() if on}
        else:
            enabled |= {code for code, on in updates.items() if on}
            enabled -= {code for code, on in updates.items() if not on}
    return frozenset(enabled)


# ------------------------------------------------------------------------ config files
@dataclass(frozen=True)
class ProjectConfig:
    """One ``[tool.flake8-stateless]`` table, validated; paths are relative to ``root``."""

    root: Path
    source: str
    """Where it came from, for error messages (``pyproject.toml``, or "defaults")."""
    base: Settings = field(default_factory=Settings)
    """The options' settings, every default rule on (selection is applied per file)."""
    selection: Selection = Selection()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()

    def excludes(self, path: Path) -> bool:
        """Whether ``exclude``/``extend-exclude`` match the file or directory ``path``
        (a pattern without ``/`` matches the base name, others the path from ``root``)."""
        return self._excluded.match(path, self.root)

    @cached_property
    def _excluded(self) -> _Globs:
        return _globs((*self.exclude, *self.extend_exclude))

    def ignored_codes(self, path: Path, rules: Sequence[Rule]) -> frozenset[str]:
        """Codes that ``per-file-ignores`` turns off for ``path``."""
        ignored: set[str] = set()
        rules = (*rules, *self.base.rules_file)
        for pattern, selectors in self.per_file_ignores:
            if _glob_match(path, self.root, (pattern,)):
                ignored.update(
                    rule.code for rule in rules if any(_matches(s, rule.code) for s in selectors)
                )
        return frozenset(ignored)


@dataclass(frozen=True)
class _Globs:
    """Glob patterns compiled once: a pattern without ``/`` matches a base name, others
    the path relative to the project root (or, written absolute, the absolute path)."""

    names: frozenset[str]
    name: re.Pattern[str] | None
    relative: re.Pattern[str] | None
    absolute: re.Pattern[str] | None

    def match(self, path: Path, root: Path) -> bool:
        name = path.name
        if name in self.names or (self.name is not None and self.name.match(name)):
            return True
        if self.absolute is not None and self.absolute.match(path.as_posix()):
            return True
        if self.relative is None:
            return False
        try:
            relative = path.relative_to(root).as_posix()
        except ValueError:
            return False
        return self.relative.match(relative) is not None


def _either(patterns: Iterable[str]) -> re.Pattern[str] | None:
    listed = [fnmatch.translate(pattern) for pattern in patterns]
    return re.compile("|".join(listed)) if listed else None


@lru_cache(maxsize=256)
def _globs(patterns: tuple[str, ...]) -> _Globs:
    cleaned = [pattern.rstrip("/") for pattern in patterns]
    bare = [p for p in cleaned if "/" not in p]
    return _Globs(
        names=frozenset(p for p in bare if not any(c in p for c in "*?[")),
        name=_either(p for p in bare if any(c in p for c in "*?[")),
        relative=_either(
            p.removeprefix("./") for p in cleaned if "/" in p and not os.path.isabs(p)
        ),
        absolute=_either(p for p in cleaned if "/" in p and os.path.isabs(p)),
    )


def _glob_match(path: Path, root: Path, patterns: Iterable[str]) -> bool:
    return _globs(tuple(patterns)).match(path, root)


def _string_list(value: object, key: str, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigurationError(
            f"flake8-stateless: {where}: '{key}' must be a list of strings, not {value!r}"
        )
    return tuple(value)


def parse_table(
    table: Mapping[str, object], root: Path, where: str, rules: Sequence[Rule]
) -> ProjectConfig:
    """A validated :class:`ProjectConfig`; any problem is a one-line error naming
    ``where`` and the key."""
    unknown = sorted(set(table) - set(KNOWN_KEYS))
    if unknown:
        raise ConfigurationError(
            f"flake8-stateless: {where}: unknown option {unknown[0]!r}; "
            f"expected one of: {', '.join(KNOWN_KEYS)}"
        )
    values: dict[str, object] = {}
    for spec in OPTIONS:
        if spec.name not in table:
            continue
        raw = table[spec.name]
        if isinstance(raw, bool) or not isinstance(raw, (str, int, list)):
            raise ConfigurationError(
                f"flake8-stateless: {where}: invalid value {raw!r} for '{spec.name}'; "
                f"expected {spec.accepts}"
            )
        text: str | list[str] = [str(item) for item in raw] if isinstance(raw, list) else str(raw)
        if getattr(spec, "is_path", False) and isinstance(text, str) and text.strip():
            text = str(root / text.strip())
        try:
            spec.parse(text)
        except ValueError:
            raise ConfigurationError(
                f"flake8-stateless: {where}: invalid value {raw!r} for '{spec.name}'; "
                f"expected {spec.accepts}"
            ) from None
        values[spec.name] = text
    try:
        base = with_rules_file(Settings.from_values(values))
    except ConfigurationError as error:  # the rules file's own problems
        raw = table.get("rules-file")
        raise ConfigurationError(
            f"flake8-stateless: {where}: 'rules-file' {raw!r}: {error.reason or error}"
        ) from None
    rules = (*rules, *base.rules_file)
    selectors = {
        key: tuple(
            check_selector(s, rules, f"{where} '{key}'")
            for s in _string_list(table[key], key, where)
        )
        for key in SELECTOR_KEYS
        if key in table
    }
    ignores: list[tuple[str, tuple[str, ...]]] = []
    per_file = table.get("per-file-ignores", {})
    if not isinstance(per_file, dict):
        raise ConfigurationError(
            f"flake8-stateless: {where}: 'per-file-ignores' must be a table of "
            f"glob = [codes], not {per_file!r}"
        )
    for pattern, codes in per_file.items():
        key = f"per-file-ignores {pattern!r}"
        listed = _string_list(codes, key, where)
        ignores.append((pattern, tuple(check_selector(c, rules, f"{where} {key}") for c in listed)))
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    if "exclude" in table:
        exclude = _string_list(table["exclude"], "exclude", where)
    extend_exclude: tuple[str, ...] = ()
    if "extend-exclude" in table:
        extend_exclude = _string_list(table["extend-exclude"], "extend-exclude", where)
    return ProjectConfig(
        root=root,
        source=where,
        base=base,
        selection=Selection(
            select=selectors.get("select"),
            extend_select=selectors.get("extend-select", ()),
            ignore=selectors.get("ignore", ()),
        ),
        per_file_ignores=tuple(ignores),
        exclude=exclude,
        extend_exclude=extend_exclude,
    )


def read_pyproject(path: Path) -> dict[str, Any] | None:
    """The ``[tool.flake8-stateless]`` table of a ``pyproject.toml``, or None."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigurationError(f"flake8-stateless: cannot read {path}: {error}") from None
    if SECTION not in text:
        return None
    tool = _toml(text, str(path)).get("tool", {})
    table = tool.get(SECTION) if isinstance(tool, dict) else None
    if table is None:
        return None
    if not isinstance(table, dict):
        raise ConfigurationError(f"flake8-stateless: {path}: [tool.{SECTION}] must be a table")
    return table


def parse_overrides(overrides: Sequence[str]) -> dict[str, Any]:
    """``--config "key = value"`` snippets, merged (later ones win)."""
    merged: dict[str, Any] = {}
    for snippet in overrides:
        merged.update(_toml(snippet, f"--config {snippet!r}"))
    return merged


# --------------------------------------------------------------------------- workspace
@dataclass(frozen=True)
class Target:
    """One file to lint: where it is, the name the engine sees, its settings."""

    path: Path
    engine_name: str
    settings: Settings


@dataclass
class Workspace:
    """Configuration and file discovery for one run of ``check``."""

    cwd: Path
    cli: Selection = Selection()
    overrides: Mapping[str, Any] = field(default_factory=dict)
    config_file: Path | None = None
    isolated: bool = False
    rules: tuple[Rule, ...] = ALL_RULES
    """Every rule selectors may name: the built-in ones and the installed packs'."""
    pack_rules: tuple[Rule, ...] = ()
    _configs: dict[Path, ProjectConfig] = field(default_factory=dict)
    _settings: dict[tuple[ProjectConfig, frozenset[str]], Settings] = field(default_factory=dict)

    def config_for(self, directory: Path, *, has_pyproject: bool | None = None) -> ProjectConfig:
        """The configuration of files in ``directory`` (absolute). ``has_pyproject``:
        whether the directory holds a ``pyproject.toml``, when the caller listed it."""
        known = self._configs.get(directory)
        if known is not None:
            return known
        if self.isolated or self.config_file is not None:
            config = self._configs.get(self.cwd / "<fixed>")
            if config is None:
                config = self._load(self.config_file, self.cwd)
                self._configs[self.cwd / "<fixed>"] = config
        else:
            candidate = directory / PYPROJECT
            present = candidate.is_file() if has_pyproject is None else has_pyproject
            table = read_pyproject(candidate) if present else None
            if table is not None:
                config = self._from_table(table, directory, str(candidate))
            elif directory.parent != directory:
                config = self.config_for(directory.parent)
            else:
                config = self._from_table({}, self.cwd, "defaults")
        self._configs[directory] = config
        return config

    def _load(self, path: Path | None, default_root: Path) -> ProjectConfig:
        if path is None:
            return self._from_table({}, default_root, "defaults")
        table = read_pyproject(path) if path.name == PYPROJECT else None
        if table is None and path.name != PYPROJECT:
            try:
                document = _toml(path.read_text(encoding="utf-8"), str(path))
            except OSError as error:
                raise ConfigurationError(f"flake8-stateless: cannot read {path}: {error}") from None
            table = document.get("tool", {}).get(SECTION, document)
        return self._from_table(table or {}, path.parent.resolve(), str(path))

    def _from_table(self, table: Mapping[str, Any], root: Path, where: str) -> ProjectConfig:
        merged = {**table, **self.overrides}
        label = where if not self.overrides else f"{where} (with --config overrides)"
        return parse_table(merged, root, label, self.rules)

    def settings_for(self, path: Path) -> Target:
        """The settings and engine name of the file ``path`` (absolute)."""
        config = self.config_for(path.parent)
        ignored = config.ignored_codes(path, self.rules)
        key = (config, ignored)
        settings = self._settings.get(key)
        if settings is None:
            rules = (*self.rules, *config.base.rules_file)
            codes = enabled_codes([config.selection, self.cli], rules) - ignored
            settings = replace(config.base, enabled_codes=codes, pack_rules=self.pack_rules)
            self._settings[key] = settings
        return Target(path, self.engine_name(path, config), settings)

    def engine_name(self, path: Path, config: ProjectConfig) -> str:
        """The file name rules see: relative to the project root (or the working
        directory), so that only the project's own folders say "tests" or "settings"."""
        for base in (config.root, self.cwd):
            try:
                return path.relative_to(base).as_posix()
            except ValueError:
                continue
        return path.as_posix()

    # ----------------------------------------------------------------- discovery
    def discover(self, arguments: Sequence[str], force_exclude: bool = False) -> Iterator[Path]:
        """Python files under ``arguments``, sorted, excluded folders pruned. A file named
        directly is linted whatever its name, unless excluded and ``force_exclude``."""
        seen: set[Path] = set()
        for argument in arguments:
            path = (self.cwd / argument).absolute()
            path = Path(os.path.normpath(path))
            if path.is_dir():
                if force_exclude and self._excluded(path):
                    continue
                found = self._walk(path)
            else:
                found = iter(()) if force_exclude and self._excluded(path) else iter([path])
            for file in found:
                if file not in seen:
                    seen.add(file)
                    yield file

    def excluded(self, path: Path) -> bool:
        """Whether an explicitly named file is excluded (for ``--force-exclude``)."""
        return self._excluded(path)

    def _excluded(self, path: Path) -> bool:
        """Whether ``path`` or a folder above it, up to its project root, is excluded."""
        root = self.config_for(path.parent).root
        current = path
        while True:
            if self.config_for(current.parent).excludes(current):
                return True
            if current == root or root not in current.parents:
                return False
            current = current.parent

    def _walk(self, top: Path) -> Iterator[Path]:
        """``.py`` files under ``top``, one listing per folder: a folder holding a
        ``pyvenv.cfg`` is a virtualenv, and symbolic links to folders are not followed."""
        pending = [top]
        while pending:
            directory = pending.pop()
            try:
                with os.scandir(directory) as listing:
                    entries = sorted(listing, key=lambda entry: entry.name)
            except OSError:
                continue
            names = {entry.name for entry in entries}
            if directory != top and "pyvenv.cfg" in names:
                continue
            config = self.config_for(directory, has_pyproject=PYPROJECT in names)
            folders = []
            for entry in entries:
                path = directory / entry.name
                if entry.is_dir(follow_symlinks=False):
                    if not config.excludes(path):
                        folders.append(path)
                elif entry.name.endswith(".py") and not config.excludes(path):
                    yield path
            pending.extend(reversed(folders))
