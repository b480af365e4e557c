"""Baselines: record today's findings once, then report only new ones.

A baseline is a JSON document::

    {"tool": "flake8-stateless", "version": 2,
     "findings": [{"path": "pkg/app.py", "code": "SLS101", "message": "...",
                   "fingerprint": "..."}]}

Each fingerprint hashes the file, code, message and the text of the flagged line (see
:func:`~flake8_stateless.formats.fingerprints_by`), so moving code keeps a finding
matched and editing its line brings it back. From version 2 on, paths are relative to
the baseline's own folder: the same baseline matches whatever folder the command runs
from. Version 1 stored paths relative to the working directory (or ``$CI_PROJECT_DIR``)
of the run that wrote it; such files are still read, matching either way.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from flake8_stateless.formats import fingerprints_by
from flake8_stateless.lint import Diagnostic
from flake8_stateless.options import ConfigurationError

TOOL = "flake8-stateless"
VERSION = 2
READABLE_VERSIONS = (1, 2)


def relative_to(folder: Path) -> Callable[[str], str]:
    """A diagnostic's path as the baseline in ``folder`` records it."""

    def path_of(path: str) -> str:
        if path == "-":
            return path
        try:
            return Path(os.path.relpath(path, folder)).as_posix()
        except ValueError:  # another drive, on Windows
            return Path(path).as_posix()

    return path_of


def write(path: Path, diagnostics: Sequence[Diagnostic]) -> int:
    """Record every rule finding (not syntax or I/O errors) in the baseline ``path``;
    how many were recorded."""
    findings = [d for d in diagnostics if d.is_rule]
    path_of = relative_to(path.absolute().parent)
    entries = [
        {"path": path_of(d.path), "code": d.code, "message": d.message, "fingerprint": f}
        for d, f in zip(findings, fingerprints_by(findings, path_of), strict=True)
    ]
    document = {"tool": TOOL, "version": VERSION, "findings": entries}
    text = json.dumps(document, indent=2) + "\n"
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as error:
        reason = _reason(error)
        raise ConfigurationError(
            f"{TOOL}: --write-baseline {path}: cannot write it ({reason})"
        ) from None
    return len(entries)


@dataclass(frozen=True)
class Baseline:
    """The fingerprints a baseline file recorded, and how its paths were written."""

    path: Path
    version: int
    known: frozenset[str]

    def without_known(
        self, diagnostics: Sequence[Diagnostic], project_path: Callable[[str], str]
    ) -> list[Diagnostic]:
        """``diagnostics`` minus the recorded findings. ``project_path``: the paths of
        version 1 baselines (relative to the working directory, or the CI project)."""
        findings = [d for d in diagnostics if d.is_rule]
        namings = [relative_to(self.path.absolute().parent)]
        if self.version == 1:
            namings.append(project_path)
        recorded: set[int] = set()
        for path_of in namings:
            prints = fingerprints_by(findings, path_of)
            recorded.update(id(d) for d, f in zip(findings, prints, strict=True) if f in self.known)
        return [d for d in diagnostics if id(d) not in recorded]


def read(path: Path) -> Baseline:
    """The baseline at ``path``; any problem is a one-line :class:`ConfigurationError`."""

    def fail(reason: str) -> ConfigurationError:
        return ConfigurationError(f"{TOOL}: baseline {path}: {reason}")

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise fail(f"cannot read it ({_reason(error)})") from None
    try:
        document = json.loads(text)
    except ValueError as error:
        raise fail(f"not JSON ({error})") from None
    if not isinstance(document, dict):
        raise fail(
            f"expected a JSON object with 'version' and 'findings', not {_kind(document)}; "
            "write one with --write-baseline"
        )
    version = document.get("version")
    if version not in READABLE_VERSIONS or isinstance(version, bool):
        if version is None:
            raise fail("no 'version'; write one with --write-baseline")
        raise fail(
            f"unknown version {version!r}; this flake8-stateless reads versions "
            f"{', '.join(map(str, READABLE_VERSIONS))} (was it written by a newer one?)"
        )
    findings = document.get("findings")
    if "findings" not in document:
        raise fail("no 'findings' list")
    if not isinstance(findings, list):
        raise fail(f"'findings' must be a list, not {_kind(findings)}")
    known = set()
    for number, entry in enumerate(findings, start=1):
        fingerprint = entry.get("fingerprint") if isinstance(entry, dict) else None
        if not isinstance(fingerprint, str):
            raise fail(f"finding {number} has no 'fingerprint' (a string)")
        known.add(fingerprint)
    return Baseline(path, version, frozenset(known))


def _kind(value: object) -> str:
    if value is None:
        return "null"
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    return names.get(type(value), "a number")


def _reason(error: Exception) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return str(error)
