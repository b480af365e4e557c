"""Where a project is and what is in it: its root, its Python files, their module names.

The project is the tree of Python files around the linted file: the nearest folder with
``pyproject.toml``, ``setup.cfg``, ``setup.py`` or ``.git``, else the folder above the
outermost package (namespace packages, folders without ``__init__.py``, in between).
A file outside any project (no marker, not in a package) is a project of its own. The
home folder and the file system's root are never a project root: a dotfiles repository
in ``~`` must not make every script there index the whole home.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from flake8_stateless.semantic.paths import PathFacts

ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")

SKIPPED_FOLDERS = frozenset(
    {
        "__pycache__",
        "node_modules",
        "site-packages",
        "dist-packages",
        "build",
        "dist",
        "htmlcov",
    }
)
"""Folders that hold no code of the project (or copies of it, like ``build/lib``)."""

MAX_FILES = 50_000
"""Beyond this many Python files the project is indexed no further (files are taken in
a stable order, so results stay deterministic); a guard against indexing a whole disk."""


@dataclass(frozen=True)
class Layout:
    """A project's root and the rules that name its modules."""

    root: Path

    @classmethod
    def around(cls, filename: str) -> Layout | None:
        """The layout of the project holding ``filename``, or None for a file outside
        any project (and for stdin without a display name)."""
        if not filename or filename in ("-", "stdin"):
            return None
        path = Path(os.path.abspath(filename))
        folder = path.parent
        never = _never_roots()
        for candidate in (folder, *folder.parents):
            if candidate in never:
                break
            try:
                if any((candidate / marker).exists() for marker in ROOT_MARKERS):
                    return cls(candidate)
            except OSError:
                return None
        outermost = _outermost_package(folder, never)
        if outermost is None or outermost.parent in never:
            return None
        return cls(outermost.parent)

    def module_names(self, path: Path) -> tuple[str, tuple[str, ...], bool] | None:
        """(canonical name, other names code may import it by, is a package's
        ``__init__``) for a Python file under the root, or None for a file no import can
        name. The canonical name is the path from the root (``src.`` left out for a src
        layout): relative imports resolve against it, namespace packages included. Code
        may also import it by a shorter name when a folder above it is on ``sys.path``
        (``open_webui.utils.auth`` in ``backend/``, a script's neighbour ``models``):
        every suffix of two parts or more, and the name its package chain gives it."""
        try:
            relative = path.relative_to(self.root)
        except ValueError:
            return None
        if path.suffix != ".py":
            return None
        is_package = path.name == "__init__.py"
        parts = list(relative.parts[:-1]) + ([] if is_package else [path.stem])
        if parts[:1] == ["src"] and len(parts) > 1:
            parts = parts[1:]
        if not parts or not all(part.isidentifier() for part in parts):
            return None
        canonical = ".".join(parts)
        aliases = [".".join(parts[start:]) for start in range(1, len(parts) - 1)]
        chain = self._package_chain(path, is_package)
        if chain and chain not in aliases and chain != canonical:
            aliases.append(chain)
        return canonical, tuple(aliases), is_package

    def _package_chain(self, path: Path, is_package: bool) -> str | None:
        """The name the file's chain of packages (folders with ``__init__.py``) gives it."""
        parts: list[str] = [] if is_package else [path.stem]
        folder = path.parent
        while folder != self.root and (folder / "__init__.py").is_file():
            parts.insert(0, folder.name)
            folder = folder.parent
        if not parts or not all(part.isidentifier() for part in parts):
            return None
        return ".".join(parts)

    def python_files(self, skip: Path | None = None) -> Iterator[Path]:
        """The project's Python files that may serve requests or be reached from them, in
        a stable order: hidden folders, virtual environments, build output and the cache
        folder are skipped, as are tests, migrations and management commands (they never
        serve requests). Symbolic links to folders are not followed (no loops)."""
        count = 0
        pending = [self.root]
        while pending:
            folder = pending.pop()
            try:
                entries = sorted(os.scandir(folder), key=lambda e: e.name)
            except OSError:
                continue
            if folder != self.root and any(e.name == "pyvenv.cfg" for e in entries):
                continue
            folders: list[Path] = []
            for entry in entries:
                name = entry.name
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if name.startswith(".") or name in SKIPPED_FOLDERS:
                            continue
                        path = Path(entry.path)
                        if skip is not None and path == skip:
                            continue
                        folders.append(path)
                    elif name.endswith(".py") and entry.is_file():
                        path = Path(entry.path)
                        if PathFacts.from_filename(str(path.relative_to(self.root))).never_serves:
                            continue
                        count += 1
                        if count > MAX_FILES:
                            return
                        yield path
                except OSError:
                    continue
            pending.extend(reversed(folders))


def _never_roots() -> frozenset[Path]:
    roots = {Path(os.path.abspath(os.sep))}
    home = os.environ.get("HOME") or os.path.expanduser("~")
    if home and home != "~":
        roots.add(Path(os.path.abspath(home)))
    return frozenset(roots)


def _outermost_package(folder: Path, never: frozenset[Path]) -> Path | None:
    """The outermost package folder (one holding ``__init__.py``) among ``folder`` and
    its ancestors, below the never-roots; folders without one in between are namespace
    packages (``open_webui/storage/`` in package ``open_webui``). None when no ancestor
    is a package."""
    outermost = None
    for current in (folder, *folder.parents):
        if current in never:
            break
        try:
            if (current / "__init__.py").is_file():
                outermost = current
        except OSError:
            break
    return outermost
