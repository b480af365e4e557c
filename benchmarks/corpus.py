"""The pinned corpus of real Python code used by the speed benchmark and the primer.

Benchmarks and primer findings are only comparable between runs if they read the same
bytes, so every package is pinned in ``corpus.json`` by exact file name and sha256. The
files are far too big for the repo, so they are fetched with pip (PyPI is the one source
every machine of this project reaches) into a cache outside the work tree and unpacked
there once.

Run ``python -m benchmarks.corpus`` to populate the cache and print its size.

The manifest holds groups of pins, each cached in its own folder: ``packages`` (the
default) is the benchmark and primer corpus; ``scientific`` (networkx and sympy: matrix
products with ``@``, banner comments, very long modules) is linted only by the
robustness tests, so adding to it changes no benchmark figure
(``python -m benchmarks.corpus --group scientific``).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

MANIFEST = Path(__file__).with_name("corpus.json")
CACHE_ENV_VAR = "FLAKE8_STATELESS_CORPUS"
BENCHMARK = "packages"
"""The default group: what the speed benchmark and the primer read."""
SCIENTIFIC = "scientific"
"""Scientific libraries, for the robustness tests only."""
GROUP_CACHES = {
    BENCHMARK: (CACHE_ENV_VAR, "corpus"),
    SCIENTIFIC: ("FLAKE8_STATELESS_SCIENTIFIC_CORPUS", "scientific"),
}
"""Per group: the environment variable naming its cache, and its default folder name
under ``~/.cache/flake8-stateless``."""
REPO_ROOT = Path(__file__).resolve().parent.parent

# Written last into an unpacked package; holds the archive's sha256, so a package whose
# unpacking was interrupted (or whose pin changed) is unpacked again.
_MARKER = ".corpus-extracted"

_ZIP_SUFFIXES = (".whl", ".zip")
_TAR_SUFFIXES = (".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")

log = logging.getLogger(__name__)


class CorpusError(RuntimeError):
    """The corpus could not be fetched, or a file does not match its pin."""


@dataclass(frozen=True)
class PinnedFile:
    """One entry of corpus.json: an exact file on PyPI."""

    name: str
    version: str
    filename: str
    sha256: str
    kind: str  # "framework" (benchmark volume), "app" (primer findings), "scientific"
    note: str

    @property
    def is_wheel(self) -> bool:
        return self.filename.endswith(".whl")

    @property
    def dirname(self) -> str:
        return f"{self.name}-{self.version}"


@dataclass(frozen=True)
class CorpusPackage:
    """A pinned package unpacked in the cache, ready to be linted."""

    name: str
    version: str
    kind: str
    note: str
    root: Path

    def python_files(self) -> list[Path]:
        """Every .py file under root, sorted so runs visit files in the same order.

        Nothing is filtered out (not even files that are not valid UTF-8): deciding what
        to do with odd files is the caller's business.
        """
        return sorted(path for path in self.root.rglob("*.py") if path.is_file())


def load_pins(manifest: Path = MANIFEST, group: str = BENCHMARK) -> list[PinnedFile]:
    """Read and check one group of corpus.json, so that a typo fails before any download."""
    data = json.loads(manifest.read_text(encoding="utf-8"))
    entries = data.get(group) if isinstance(data, dict) else None
    if not isinstance(entries, list) or not entries:
        raise CorpusError(f"{manifest}: expected a non-empty {group!r} list")
    pins: list[PinnedFile] = []
    for index, entry in enumerate(entries):
        fields = ("name", "version", "filename", "sha256", "kind", "note")
        if not isinstance(entry, dict) or not all(
            isinstance(entry.get(field), str) and entry[field] for field in fields
        ):
            raise CorpusError(f"{manifest}: {group}[{index}] needs the string fields {fields}")
        pin = PinnedFile(**{field: entry[field] for field in fields})
        if len(pin.sha256) != 64 or any(c not in "0123456789abcdef" for c in pin.sha256):
            raise CorpusError(f"{manifest}: {pin.name}: sha256 must be 64 lowercase hex digits")
        if not pin.filename.endswith(_ZIP_SUFFIXES + _TAR_SUFFIXES):
            raise CorpusError(f"{manifest}: {pin.name}: unknown archive type {pin.filename!r}")
        pins.append(pin)
    return pins


def default_cache_dir(group: str = BENCHMARK) -> Path:
    """``$FLAKE8_STATELESS_CORPUS``, else ``~/.cache/flake8-stateless/corpus`` (for the
    benchmark group; other groups have a variable and a folder of their own)."""
    if group not in GROUP_CACHES:
        raise CorpusError(f"unknown corpus group {group!r}: one of {sorted(GROUP_CACHES)}")
    variable, folder = GROUP_CACHES[group]
    configured = os.environ.get(variable)
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "flake8-stateless" / folder


def ensure_corpus(cache_dir: Path | None = None, group: str = BENCHMARK) -> list[CorpusPackage]:
    """Make sure every pinned package is downloaded, verified and unpacked; return them.

    Idempotent: a package already unpacked from the pinned file is returned as it is,
    without network access, hashing or unpacking.
    """
    chosen = cache_dir if cache_dir is not None else default_cache_dir(group)
    cache = chosen.expanduser().resolve()
    if cache == REPO_ROOT or REPO_ROOT in cache.parents:
        # flake8 and git would pick up ~600k lines of other people's code.
        raise CorpusError(f"corpus cache {cache} must be outside the repository {REPO_ROOT}")
    cache.mkdir(parents=True, exist_ok=True)
    packages = []
    for pin in load_pins(group=group):
        root = cache / pin.dirname
        if not _is_extracted(root, pin):
            archive = _ensure_archive(pin, cache / "archives")
            _extract(pin, archive, root)
        packages.append(
            CorpusPackage(
                name=pin.name, version=pin.version, kind=pin.kind, note=pin.note, root=root
            )
        )
    return packages


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def count_lines(paths: Iterable[Path]) -> int:
    """Physical lines, counted on bytes so that files in odd encodings count too."""
    total = 0
    for path in paths:
        data = path.read_bytes()
        total += data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    return total


def _is_extracted(root: Path, pin: PinnedFile) -> bool:
    marker = root / _MARKER
    return marker.is_file() and marker.read_text(encoding="ascii").strip() == pin.sha256


def _check_hash(pin: PinnedFile, path: Path, *, cached: bool) -> None:
    actual = sha256_of(path)
    if actual == pin.sha256:
        return
    advice = (
        f"delete {path} to download it again"
        if cached
        else "pip fetched different bytes than were pinned; if the release was really "
        "replaced, re-pin it in benchmarks/corpus.json on purpose"
    )
    raise CorpusError(
        f"sha256 mismatch for {pin.filename} ({pin.name} {pin.version}):\n"
        f"  expected {pin.sha256}\n  actual   {actual}\n{advice}"
    )


def _ensure_archive(pin: PinnedFile, archives: Path) -> Path:
    """Return the verified archive, downloading it with pip if it is not cached yet."""
    target = archives / pin.filename
    if target.is_file():
        _check_hash(pin, target, cached=True)
        return target
    archives.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=archives, prefix=".download-") as tmp:
        log.info("downloading %s", pin.filename)
        _pip_download(pin, Path(tmp))
        downloaded = Path(tmp) / pin.filename
        if not downloaded.is_file():
            got = sorted(p.name for p in Path(tmp).iterdir())
            raise CorpusError(
                f"pip did not produce {pin.filename} for {pin.name}=={pin.version}; got {got}"
            )
        _check_hash(pin, downloaded, cached=False)
        # Moved in only once verified, so the cache never holds an unchecked file.
        os.replace(downloaded, target)
    return target


def _pip_download(pin: PinnedFile, dest: Path) -> None:
    # --ignore-requires-python: we only read the code, so the running interpreter's
    # version must not change which pinned file can be fetched.
    command = [
        sys.executable, "-m", "pip", "download",
        "--no-deps", "--no-input", "--disable-pip-version-check", "--ignore-requires-python",
        "--only-binary=:all:" if pin.is_wheel else "--no-binary=:all:",
        "--dest", str(dest),
        f"{pin.name}=={pin.version}",
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise CorpusError(
            f"pip download failed for {pin.name}=={pin.version} "
            f"(exit {result.returncode}):\n{result.stderr.strip() or result.stdout.strip()}"
        )


def _extract(pin: PinnedFile, archive: Path, root: Path) -> None:
    """Unpack into a scratch directory and move it into place, so a crash leaves no half tree."""
    log.info("unpacking %s", pin.filename)
    scratch = Path(tempfile.mkdtemp(dir=root.parent, prefix=f".{pin.dirname}-"))
    try:
        if pin.filename.endswith(_ZIP_SUFFIXES):
            with zipfile.ZipFile(archive) as zf:
                zf.extractall(scratch)
        else:
            with tarfile.open(archive) as tf:
                tf.extractall(scratch, filter="data")
        (scratch / _MARKER).write_text(pin.sha256 + "\n", encoding="ascii")
        scratch.chmod(0o755)  # mkdtemp makes it private; the corpus is meant to be read
        if root.exists():
            shutil.rmtree(root)  # a stale or interrupted unpacking
        scratch.rename(root)
    finally:
        if scratch.exists():
            shutil.rmtree(scratch)


def main(argv: list[str] | None = None) -> int:
    """Populate the cache and print files and lines per package."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.corpus", description=__doc__)
    parser.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help=f"where to keep the corpus (default: ${CACHE_ENV_VAR} or {default_cache_dir()})",
    )
    parser.add_argument(
        "--group",
        choices=sorted(GROUP_CACHES),
        default=BENCHMARK,
        help=f"which pins of corpus.json (default: {BENCHMARK}, the benchmark corpus)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    try:
        packages = ensure_corpus(args.cache_dir, args.group)
    except CorpusError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1

    row = "{:<22} {:<10} {:<10} {:>7} {:>10}"
    print(row.format("package", "version", "kind", "files", "lines"))
    total_files = total_lines = 0
    for package in packages:
        files = package.python_files()
        lines = count_lines(files)
        total_files += len(files)
        total_lines += lines
        print(row.format(package.name, package.version, package.kind, len(files), f"{lines:,}"))
    print(row.format("total", "", "", total_files, f"{total_lines:,}"))
    cache = packages[0].root.parent if packages else args.cache_dir
    print(f"cache: {cache}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
