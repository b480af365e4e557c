"""Run the real flake8 with a chosen set of plugins: ``python -m benchmarks.flake8_run
MODE [flake8 arguments]``.

flake8 loads every installed plugin and has no switch to leave one out, so comparing
"flake8 with the plugin" against "flake8 without it" in the same environment needs this
small wrapper around flake8's own plugin discovery. Everything else (file discovery,
reading, tokenizing, noqa, selection, reporting) is the unmodified flake8.

MODE is one of:
- ``all``: every installed plugin, exactly like ``flake8``;
- ``without``: every plugin except flake8-stateless (the baseline of the benchmark);
- ``only``: flake8-stateless alone, without pyflakes, pycodestyle or mccabe (the primer:
  the same findings as ``flake8 --select=SLS`` at a fraction of the cost).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

from flake8.main import cli
from flake8.plugins import finder

DISTRIBUTION = "flake8-stateless"
MODES = ("all", "without", "only")


def _keep(mode: str) -> Callable[[Any], bool]:
    """Which discovered plugins (flake8.plugins.finder.Plugin) a mode keeps. Reporters
    and flake8's own formatters are always kept: flake8 needs them to print anything."""
    if mode == "without":
        return lambda plugin: bool(plugin.package != DISTRIBUTION)
    if mode == "only":
        return lambda plugin: bool(
            plugin.package == DISTRIBUTION or plugin.entry_point.group != "flake8.extension"
        )
    return lambda plugin: True


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in MODES:
        print(f"usage: python -m benchmarks.flake8_run {{{','.join(MODES)}}} [flake8 args]",
              file=sys.stderr)
        return 2
    mode, flake8_args = args[0], args[1:]
    discover = finder.find_plugins
    keep = _keep(mode)

    def find_plugins(*a: Any, **k: Any) -> list[Any]:
        found = [plugin for plugin in discover(*a, **k) if keep(plugin)]
        if mode == "only" and not any(p.package == DISTRIBUTION for p in found):
            raise SystemExit(f"{DISTRIBUTION} is not installed in this environment")
        return found

    finder.find_plugins = find_plugins
    return cli.main(flake8_args)


if __name__ == "__main__":
    sys.exit(main())
