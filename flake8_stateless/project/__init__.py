"""The whole project: its layout, the summaries of its modules (cached on disk), and the
index that follows requests from handlers across modules.

:func:`locate` gives the linted file's project index and module name. Indexes are kept
for the run (flake8 lints every file of a run in a few processes; the faces call
:func:`new_run` when a run starts), so a project is scanned once per process, not once
per file. What changes between files of a run is only the linted file's own summary,
which always comes from the tree being linted (an editor's unsaved buffer wins over the
file on disk).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from flake8_stateless.project.cache import SummaryCache
from flake8_stateless.project.index import ProjectIndex, Reach, TextTest
from flake8_stateless.project.layout import Layout
from flake8_stateless.project.summary import SUMMARY_FORMAT

__all__ = ["Located", "ProjectIndex", "Reach", "locate", "new_run"]

_INDEXES: dict[tuple[str, tuple[str, ...], int, str, bool], ProjectIndex] = {}
_LAYOUTS: dict[str, Layout | None] = {}
"""Folder of a linted file -> its project's layout, for the run: finding the root looks
for markers in every folder above, which is worth doing once per folder, not per file."""


@dataclass(frozen=True)
class Located:
    """The linted file within its project."""

    index: ProjectIndex
    module: str
    is_package: bool


def new_run() -> None:
    """Forget the indexes of earlier runs in this process: files may have changed."""
    _INDEXES.clear()
    _LAYOUTS.clear()


def options_key(handler_decorators: tuple[str, ...], root: Path) -> str:
    """A short stable hash of the project root and the options that change summaries
    (part of the cache path: one cache folder may serve several projects)."""
    text = "\n".join((str(SUMMARY_FORMAT), str(root), *sorted(handler_decorators)))
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def _layout_around(filename: str) -> Layout | None:
    """``Layout.around(filename)``, memoised per folder for the run."""
    if not filename or filename in ("-", "stdin"):
        return None
    folder = os.path.dirname(os.path.abspath(filename))
    if folder not in _LAYOUTS:
        _LAYOUTS[folder] = Layout.around(filename)
    return _LAYOUTS[folder]


def locate(
    filename: str,
    *,
    handler_decorators: tuple[str, ...],
    call_depth: int,
    cache_dir: str,
    no_cache: bool,
    may_hold_handlers: TextTest,
) -> Located:
    """The project index for ``filename`` and the file's module name in it. A file outside
    any project gets an index of its own (only itself, from the tree being linted)."""
    layout = _layout_around(filename)
    if layout is None:
        stem = os.path.basename(filename)
        stem = stem[:-3] if stem.endswith(".py") else stem
        module = stem if stem.isidentifier() else "__main__"
        index = ProjectIndex(
            None,
            handler_decorators=handler_decorators,
            call_depth=call_depth,
            cache=SummaryCache(None, ""),
            may_hold_handlers=may_hold_handlers,
        )
        return Located(index, module, False)
    key = (str(layout.root), handler_decorators, call_depth, cache_dir, no_cache)
    known = _INDEXES.get(key)
    if known is not None:
        index = known
    else:
        folder = None if no_cache else SummaryCache.location(layout.root, cache_dir or None)
        index = ProjectIndex(
            layout,
            handler_decorators=handler_decorators,
            call_depth=call_depth,
            cache=SummaryCache(folder, options_key(handler_decorators, layout.root)),
            may_hold_handlers=may_hold_handlers,
        )
        _INDEXES[key] = index
    path = Path(os.path.abspath(filename))
    named = layout.module_names(path)
    if named is None:
        stem = path.stem if path.stem.isidentifier() else "__main__"
        return Located(index, stem, path.name == "__init__.py")
    return Located(index, named[0], named[2])
