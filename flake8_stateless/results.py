"""Findings of unchanged files, kept across runs, the way Ruff keeps its diagnostics.

A file's findings depend on its own text, on the rest of its project (what handlers
reach it, what other modules hold), on the settings and on the plugin itself. When none
of these changed since a run that saved them, the next run gives them back without
walking the tree or running a rule: the usual run (CI with a kept cache, pre-commit,
an editor re-linting on save) pays for reading one small file instead of the rules.

The key is everything the findings are computed from:

- the linted text (a digest of exactly the lines the rules see, so an editor's unsaved
  buffer is never answered by the file on disk), the name the file is linted under and
  its module name in the project;
- the project's state: the same stamp that keys the saved reach (every module's path
  and text, and the call depth; see ``ProjectIndex.project_stamp``);
- the settings: handler decorators, call depth, the enabled codes, and every rule of
  the user's rules file and of the installed rule packs (all their fields, and the text
  of the modules their checks and patterns come from);
- the plugin: its version, the text of its own modules, ast-grep-py's version and the
  Python version (the tree and the patterns' matches may differ between them).

Nothing is kept without an on-disk cache folder (``--stateless-no-cache``, a file outside
any project, an unwritable folder), and findings that include an internal error (SLS000)
are never kept: they are computed again, so that a fixed plugin or pack reports afresh.
One entry per linted file and settings, overwritten when the file, the project or the
plugin changes, so the folder grows only with the settings a project is linted with.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from flake8_stateless import __version__
from flake8_stateless.context import locate
from flake8_stateless.options import Settings
from flake8_stateless.project.cache import SummaryCache
from flake8_stateless.registry import Finding, Rule


@dataclass(frozen=True)
class Slot:
    """Where one file's findings are kept, and the key they must have been saved under."""

    cache: SummaryCache
    name: str
    key: str

    def load(self) -> list[Finding] | None:
        """The saved findings, or None: none saved, saved under another key, or torn."""
        rows = self.cache.get_findings(self.name, self.key)
        if rows is None:
            return None
        try:
            return [Finding(int(line), int(col), str(code), str(message))
                    for line, col, code, message in rows]
        except (TypeError, ValueError):
            return None

    def save(self, findings: Sequence[Finding]) -> None:
        rows = [[f.line, f.col, f.code, f.message] for f in findings]
        self.cache.put_findings(self.name, self.key, rows)


def slot_for(source: bytes, filename: str, settings: Settings) -> Slot | None:
    """The slot of the file linted as ``filename`` with these lines (joined and encoded
    in ``source``) and ``settings``; None when findings are not kept for it."""
    if settings.no_cache:
        return None
    located = locate(filename, settings)
    index = located.index
    if index.layout is None or not index.cache.on_disk:
        return None
    project = index.project_stamp()
    settings_part = _settings_stamp(settings)
    if project is None or settings_part is None:
        return None
    digest = hashlib.sha1(_code_stamp())
    digest.update(settings_part)
    text_digest = hashlib.sha1(source).hexdigest()
    place = f"{filename}\0{located.module}\0{located.is_package:d}\0{project}\0{text_digest}"
    digest.update(place.encode("utf-8", "surrogatepass"))
    # one entry per file and settings: runs with other settings (another face, another
    # selection) keep their own, and a changed file or project overwrites its entry
    name = f"{os.path.abspath(filename)}\0{filename}\0{settings_part.hex()}"
    return Slot(index.cache, name, digest.hexdigest())


@lru_cache(maxsize=1)
def _code_stamp() -> bytes:
    """The plugin as installed: a change to any of its modules (an editable install
    keeps its version number) must not be answered by findings of the code before."""
    digest = hashlib.sha1(f"{__version__}\0{sys.version}\0".encode())
    try:
        digest.update(metadata.version("ast-grep-py").encode())
    except metadata.PackageNotFoundError:
        digest.update(b"no ast-grep-py")
    package = Path(__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"unreadable")
    return digest.digest()


@lru_cache(maxsize=64)
def _settings_stamp(settings: Settings) -> bytes | None:
    """What of the settings changes findings, or None when it cannot be told (a rule
    whose code cannot be read): then nothing is kept."""
    enabled = "*" if settings.enabled_codes is None else ",".join(sorted(settings.enabled_codes))
    parts = [
        "\0".join(settings.handler_decorators),
        str(settings.call_depth),
        enabled,
        *settings.pack_errors,
    ]
    digest = hashlib.sha1("\n".join(parts).encode("utf-8", "surrogatepass"))
    for rule in settings.extra_rules:
        described = _described(rule)
        if described is None:
            return None
        digest.update(described)
    return digest.digest()


def _described(rule: Rule) -> bytes | None:
    """A rule of the user's rules file or of a rule pack, as far as its findings go:
    every field, and the text of the modules its check and its patterns come from."""
    fields: dict[str, object] = {}
    for item in dataclasses.fields(rule):
        value = getattr(rule, item.name)
        if item.name == "check":
            value = _code_name(value)
        elif item.name == "node_types":
            value = [node_type.__name__ for node_type in value]
        elif item.name == "patterns":
            value = [_pattern_fields(pattern) for pattern in value]
        fields[item.name] = value
    text = json.dumps(fields, sort_keys=True, default=repr).encode("utf-8", "surrogatepass")
    modules = {getattr(rule.check, "__module__", None)}
    modules.update(type(pattern).__module__ for pattern in rule.patterns)
    digest = hashlib.sha1(text)
    for name in sorted(module for module in modules if module):
        source = _module_text(name)
        if source is None:
            return None
        digest.update(source)
    return digest.digest()


def _code_name(value: object) -> str:
    return f"{getattr(value, '__module__', '?')}.{getattr(value, '__qualname__', '?')}"


def _pattern_fields(pattern: object) -> dict[str, object]:
    fields: dict[str, object] = {"class": _code_name(type(pattern))}
    if dataclasses.is_dataclass(pattern):
        for item in dataclasses.fields(pattern):
            fields[item.name] = getattr(pattern, item.name)
    return fields


def _module_text(name: str) -> bytes | None:
    """The text of an imported module (where a rule's code comes from)."""
    filename = getattr(sys.modules.get(name), "__file__", None)
    if not filename:
        return None
    try:
        return Path(filename).read_bytes()
    except OSError:
        return None
