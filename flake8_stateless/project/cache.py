"""The on-disk cache of module summaries and of findings, like mypy's and Ruff's.

``.flake8-stateless-cache/`` at the project root (with a ``.gitignore`` of ``*`` and a
``CACHEDIR.TAG``, so that git and backup tools leave it alone), one JSON file per module
under a folder named for the plugin version and the options that change summaries. An
entry is used when the file's size and modification time still match. Writes are
atomic (a temporary file renamed over the entry), so concurrent runs and flake8's
``--jobs`` workers never read a torn file; an entry that does not parse is a miss. When
the folder cannot be written, the cache lives in memory for the run.

A fresh checkout gives every file a new modification time (CI restoring a kept cache
folder into a new clone): an entry whose file still has exactly the bytes it was made
from (sha1) is used too, as mypy does, and stamped anew.

JSON, never pickle: the cache folder sits inside a repository that may not be trusted.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flake8_stateless import __version__
from flake8_stateless.project.summary import SUMMARY_FORMAT, ModuleSummary

CACHE_FOLDER = ".flake8-stateless-cache"
PROJECT_FILE = "project.json"
"""The project-wide answer (what handlers reach), beside the modules' entries."""
PROJECT_KEY = "<project>"
FILES_FILE = "files.json"
"""Every project module's size, modification time and sha1 at the last run: the
project's stamp is made of its modules' texts, read again only when size or time
changed."""
FILES_KEY = "<files>"
FINDINGS_FOLDER = "findings"
"""One file per linted file: its findings and the key they were computed under (see
``flake8_stateless.results``)."""
CACHE_DIR_ENV = "FLAKE8_STATELESS_CACHE_DIR"
_TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by flake8-stateless.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)


@dataclass(frozen=True)
class Stamp:
    """What must not have changed for a cached entry to be used."""

    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: Path) -> Stamp | None:
        try:
            status = path.stat()
        except OSError:
            return None
        return cls(status.st_size, status.st_mtime_ns)


@dataclass(frozen=True)
class Entry:
    """A cached answer about one file: whether its text may hold handlers or set the app
    up, and its summary once it has been built (None: not needed yet, or the file does
    not parse)."""

    may_serve: bool
    sets_up: bool
    summary: ModuleSummary | None
    parsed: bool
    """Whether the summary was attempted: a file that does not parse has ``parsed`` and
    no summary, and is not parsed again until it changes."""
    digest: str | None = None
    """sha1 of the bytes the entry was made from: the linted file's own summary is
    taken from here when flake8 lints exactly these bytes, and the entry is used for a
    file with other times but these bytes."""


class SummaryCache:
    """One project's cache folder, or memory only."""

    def __init__(self, folder: Path | None, options_key: str) -> None:
        self._memory: dict[str, tuple[Stamp, Entry]] = {}
        self._folder: Path | None = None
        if folder is not None:
            self._folder = self._prepare(folder / f"v{SUMMARY_FORMAT}-{__version__}" / options_key)

    @property
    def on_disk(self) -> bool:
        return self._folder is not None

    @staticmethod
    def location(root: Path, configured: str | None) -> Path:
        """Where the cache goes: the option, else ``$FLAKE8_STATELESS_CACHE_DIR``, else
        ``.flake8-stateless-cache`` at the project root. A relative configured folder is
        taken relative to the project root."""
        chosen = configured or os.environ.get(CACHE_DIR_ENV) or ""
        if not chosen:
            return root / CACHE_FOLDER
        path = Path(os.path.expanduser(chosen))
        return path if path.is_absolute() else root / path

    def _prepare(self, folder: Path) -> Path | None:
        base = folder.parent.parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
            tag = base / "CACHEDIR.TAG"
            if not tag.exists():
                _write_atomically(tag, _TAG.encode())
            ignore = base / ".gitignore"
            if not ignore.exists():
                _write_atomically(ignore, b"# created by flake8-stateless\n*\n")
        except OSError:
            return None
        if not os.access(folder, os.W_OK):
            return None
        return folder

    def _file_for(self, key: str) -> Path | None:
        if self._folder is None:
            return None
        digest = hashlib.sha1(key.encode("utf-8", "surrogatepass")).hexdigest()
        return self._folder / f"{digest[:2]}{digest[2:20]}.json"

    def get(self, key: str, stamp: Stamp, same_bytes: str | None = None) -> Entry | None:
        """The entry for ``key`` (a path relative to the project root) if it was made
        from a file with this stamp or, given ``same_bytes`` (the sha1 of the file's
        bytes now), from a file with exactly these bytes."""
        known = self._memory.get(key)
        if known is not None:
            matches = known[0] == stamp or _same(known[1].digest, same_bytes)
            return known[1] if matches else None
        target = self._file_for(key)
        if target is None:
            return None
        try:
            data = json.loads(target.read_bytes())
            if data["key"] != key:
                return None
            if (data["size"], data["mtime"]) != (stamp.size, stamp.mtime_ns) and not _same(
                data["digest"], same_bytes
            ):
                return None
            summary = data["summary"]
            entry = Entry(
                may_serve=bool(data["may_serve"]),
                sets_up=bool(data["sets_up"]),
                summary=None if summary is None else ModuleSummary.from_json(summary),
                parsed=bool(data["parsed"]),
                digest=None if data["digest"] is None else str(data["digest"]),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None  # missing, torn by hand, or from another format: a miss
        self._memory[key] = (stamp, entry)
        return entry

    def get_project(self, stamp: str) -> Any:
        """The project-wide state saved under ``stamp`` (see ``ProjectIndex.reach``), or
        None: missing, torn, or saved for another state of the project."""
        if self._folder is None:
            return None
        try:
            data = json.loads((self._folder / PROJECT_FILE).read_bytes())
            if data["key"] != PROJECT_KEY or data["stamp"] != stamp:
                return None
            return data["state"]
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put_project(self, stamp: str, state: Any) -> None:
        if self._folder is None:
            return
        data = {"key": PROJECT_KEY, "stamp": stamp, "state": state}
        try:
            encoded = json.dumps(data, separators=(",", ":")).encode()
            _write_atomically(self._folder / PROJECT_FILE, encoded)
        except OSError:
            self._folder = None

    def get_file_digests(self) -> dict[str, tuple[int, int, str]]:
        """Path relative to the root -> (size, modification time, sha1) of every project
        module at the last run that saved them; empty when none did."""
        if self._folder is None:
            return {}
        try:
            data = json.loads((self._folder / FILES_FILE).read_bytes())
            if data["key"] != FILES_KEY:
                return {}
            return {
                str(path): (int(size), int(mtime), str(digest))
                for path, (size, mtime, digest) in data["files"].items()
            }
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}

    def put_file_digests(self, files: dict[str, tuple[int, int, str]]) -> None:
        if self._folder is None:
            return
        data = {"key": FILES_KEY, "files": {path: list(row) for path, row in files.items()}}
        try:
            _write_atomically(self._folder / FILES_FILE, json.dumps(data).encode())
        except OSError:
            self._folder = None

    def get_findings(self, name: str, key: str) -> list[Any] | None:
        """The rows saved for the linted file ``name`` under ``key``, or None."""
        target = self._findings_file(name)
        if target is None:
            return None
        try:
            data = json.loads(target.read_bytes())
            if data["name"] != name or data["key"] != key or not isinstance(data["rows"], list):
                return None
            rows: list[Any] = data["rows"]
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return rows

    def put_findings(self, name: str, key: str, rows: list[Any]) -> None:
        target = self._findings_file(name)
        if target is None:
            return
        data = {"name": name, "key": key, "rows": rows}
        try:
            target.parent.mkdir(exist_ok=True)
            _write_atomically(target, json.dumps(data, separators=(",", ":")).encode())
        except OSError:
            self._folder = None

    def _findings_file(self, name: str) -> Path | None:
        if self._folder is None:
            return None
        digest = hashlib.sha1(name.encode("utf-8", "surrogatepass")).hexdigest()
        return self._folder / FINDINGS_FOLDER / f"{digest[:20]}.json"

    def put(self, key: str, stamp: Stamp, entry: Entry) -> None:
        self._memory[key] = (stamp, entry)
        target = self._file_for(key)
        if target is None:
            return
        data: dict[str, Any] = {
            "key": key,
            "size": stamp.size,
            "mtime": stamp.mtime_ns,
            "may_serve": entry.may_serve,
            "sets_up": entry.sets_up,
            "parsed": entry.parsed,
            "digest": entry.digest,
            "summary": None if entry.summary is None else entry.summary.to_json(),
        }
        try:
            _write_atomically(target, json.dumps(data, separators=(",", ":")).encode())
        except OSError:
            self._folder = None  # read-only or full: memory for the rest of the run


def _same(digest: object, same_bytes: str | None) -> bool:
    """Whether an entry made from bytes of sha1 ``digest`` was made from these bytes."""
    return same_bytes is not None and digest == same_bytes


def _write_atomically(target: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``target``, then rename it over
    ``target``: readers see the old file or the new one, never a part."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".json")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
