"""The layers of the package import one way (design.md): facts (``semantic/``) know no
project, scope or rule; the project layer knows no scope or rule; options are data and
load nothing; rules never import another rule module. Checked on the source, so a new
import that closes a circle fails here before it fails at run time."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "flake8_stateless"

FORBIDDEN = {
    "semantic/": ("flake8_stateless.project", "flake8_stateless.scope", "flake8_stateless.rules",
                  "flake8_stateless.context", "flake8_stateless.engine"),
    "project/": ("flake8_stateless.scope", "flake8_stateless.rules", "flake8_stateless.context",
                 "flake8_stateless.engine"),
    "scope/": ("flake8_stateless.rules", "flake8_stateless.engine"),
    "options.py": ("flake8_stateless.packs", "flake8_stateless.user_rules",
                   "flake8_stateless.patterns", "flake8_stateless.context",
                   "flake8_stateless.rules"),
}


def runtime_imports(path: Path) -> set[str]:
    """Modules ``path`` imports when it runs (``if TYPE_CHECKING:`` blocks left out)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    pending: list[ast.AST] = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.dump(node.test):
            pending.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        pending.extend(ast.iter_child_nodes(node))
    return found


SOURCES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=[p.relative_to(PACKAGE).as_posix() for p in SOURCES])
def test_imports_go_one_way(path: Path) -> None:
    relative = path.relative_to(PACKAGE).as_posix()
    imports = runtime_imports(path)
    for prefix, forbidden in FORBIDDEN.items():
        if relative.startswith(prefix):
            bad = sorted(i for i in imports if i.startswith(forbidden))
            assert not bad, f"{relative} imports {bad}"
    if relative.startswith("rules/") and path.name.startswith("sls"):
        family = relative.rsplit("/", 1)[0]
        others = sorted(
            i for i in imports
            if i.startswith("flake8_stateless.rules.") and ".sls" in i
            and not i.startswith(f"flake8_stateless.{family.replace('/', '.')}.sls{path.name[3:6]}")
        )
        assert not others, f"{relative} imports another rule: {others}"
