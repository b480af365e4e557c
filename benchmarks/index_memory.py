"""The project index's memory on one code base: ``python -m benchmarks.index_memory ROOT``.

Run by ``benchmarks.bench --parts memory`` in a fresh process per measurement, so that
nothing else lives in it: builds the index the plugin would build for a file under ROOT
(every rule on, the summary cache in ``$FLAKE8_STATELESS_CACHE_DIR``: cold when that
folder is empty, warm when an earlier run filled it) and asks it for ``reach()``, the
whole project's answer. Prints JSON: tracemalloc's peak and what stays allocated
(bytes), the CPU seconds (slowed by tracemalloc), and how many modules were loaded and
functions reached. With ``--rss`` it does not trace (tracemalloc's own tables would
count) and reports the growth of the process's resident set (Linux ``/proc``), its
maximum resident set, and CPU seconds.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

from flake8_stateless.context import locate
from flake8_stateless.options import Settings
from flake8_stateless.project.layout import Layout
from flake8_stateless.rules import ALL_RULES

EVERY_RULE = Settings(
    enabled_codes=frozenset(rule.code for rule in ALL_RULES if rule.removed_in is None)
)


def resident_bytes() -> int:
    """The process's resident set now (0 where ``/proc`` does not tell)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def measure(root: Path, *, trace: bool) -> dict[str, float | int | str]:
    # the first file that is part of a project (a file in a folder that is not a package
    # is a project of its own)
    first = next((f for f in sorted(root.rglob("*.py")) if Layout.around(str(f))), None)
    if first is None:
        raise SystemExit(f"no Python file of a project under {root}")
    before_rss = resident_bytes()
    if trace:
        tracemalloc.start()
    start = time.process_time()
    located = locate(str(first), EVERY_RULE)
    reached = located.index.reach()
    seconds = time.process_time() - start
    found: dict[str, float | int | str] = {"seconds": seconds}
    if trace:
        found["retained"], found["peak"] = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    else:
        found["rss_growth"] = resident_bytes() - before_rss
        found["maxrss"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB
    index = located.index
    layout = index.layout
    found["root"] = str(layout.root) if layout is not None else ""
    found["files"] = len(index.paths)
    loaded = index._modules.values()  # the modules reach() loaded (a private table)
    found["modules"] = sum(module is not None for module in loaded)
    found["reached"] = len(reached)
    return found


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    trace = "--rss" not in args
    args = [a for a in args if a != "--rss"]
    if len(args) != 1:
        print("usage: python -m benchmarks.index_memory [--rss] ROOT", file=sys.stderr)
        return 2
    print(json.dumps(measure(Path(args[0]), trace=trace)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
