"""The project index in-process: its cache, odd projects, and growth with project size.

The fixture projects (tests/test_projects.py) show what is found; these tests show that
it stays correct and cheap whatever the project looks like: a warm cache parses
nothing, an edited file is never judged by stale facts, broken modules, import cycles,
symlink loops and torn cache files are handled, and 10,000 modules stay linear.
"""

from __future__ import annotations

import ast
import cProfile
import os
import pstats
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from flake8_stateless import engine, project
from flake8_stateless.context import locate
from flake8_stateless.options import Settings
from flake8_stateless.project.cache import CACHE_DIR_ENV, CACHE_FOLDER
from flake8_stateless.project.index import summarise_facts
from flake8_stateless.project.layout import Layout
from flake8_stateless.project.summary import ModuleSummary
from flake8_stateless.registry import Finding
from flake8_stateless.scope import requests
from flake8_stateless.semantic.handlers import HandlerScope
from flake8_stateless.semantic.model import ModuleFacts
from tests.helpers import make_project

VIEWS = """\
from flask import Flask, request

from shop import storage

app = Flask(__name__)


@app.post("/upload")
def upload():
    storage.save(request.get_data())
    return "ok"
"""

STORAGE = """\
def save(data):
    with open("/srv/data.bin", "wb") as out:
        out.write(data)


def unused(data):
    with open("/srv/other.bin", "wb") as out:
        out.write(data)
"""


@pytest.fixture(autouse=True)
def _fresh_run() -> Iterator[None]:
    """Each test is a run of its own: files change between tests."""
    project.new_run()
    yield
    project.new_run()


def lint(path: Path, settings: Settings | None = None) -> list[Finding]:
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines(keepends=True)
    return engine.check_file(ast.parse(source), lines, str(path), settings or Settings())


def codes(findings: list[Finding]) -> list[tuple[int, str]]:
    return [(f.line, f.code) for f in findings]


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    return make_project(
        tmp_path, {"shop/__init__.py": "", "shop/views.py": VIEWS, "shop/storage.py": STORAGE}
    )


# ---------------------------------------------------------------------------- cache
def test_cache_at_the_project_root_with_its_markers(
    shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(CACHE_DIR_ENV, raising=False)
    assert codes(lint(shop / "shop" / "storage.py")) == [(2, "SLS201")]
    cache = shop / CACHE_FOLDER
    assert (cache / "CACHEDIR.TAG").read_text().startswith("Signature: 8a477f597d28d172")
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"
    assert list(cache.rglob("*.json"))


def test_a_warm_cache_parses_nothing(shop: Path) -> None:
    lint(shop / "shop" / "storage.py")
    project.new_run()
    located = locate(str(shop / "shop" / "storage.py"), Settings())
    assert codes(lint(shop / "shop" / "storage.py")) == [(2, "SLS201")]
    assert located.index.loaded_from_disk == 0


def test_an_edited_file_is_never_judged_by_stale_facts(shop: Path) -> None:
    assert codes(lint(shop / "shop" / "storage.py")) == [(2, "SLS201")]
    views = shop / "shop" / "views.py"
    views.write_text(VIEWS.replace("storage.save(", "storage.unused("), encoding="utf-8")
    os.utime(views, ns=(1, 1))  # even with an old mtime: the size changed too
    project.new_run()
    assert codes(lint(shop / "shop" / "storage.py")) == [(7, "SLS201")]


def test_the_linted_files_summary_is_the_cached_one_when_its_bytes_match(
    shop: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file linted as it is on disk is not summarised again (the index's summary was
    built from the same bytes); an editor's buffer that differs is."""
    built: list[str] = []
    original = summarise_facts

    def counting(
        facts: ModuleFacts, handlers: HandlerScope, module: str, is_package: bool
    ) -> ModuleSummary:
        built.append(module)
        return original(facts, handlers, module, is_package)

    monkeypatch.setattr(requests, "summarise_facts", counting)
    views = shop / "shop" / "views.py"
    lint(views)
    assert built == []
    edited = views.read_text(encoding="utf-8") + "\n\ndef extra():\n    return 1\n"
    engine.check_file(ast.parse(edited), edited.splitlines(keepends=True), str(views), Settings())
    assert built == ["shop.views"]


def test_a_warm_cache_keeps_what_handlers_reach(shop: Path) -> None:
    """The whole project's answer is saved beside the summaries: a run on an unchanged
    project takes it instead of following the handlers again."""
    assert codes(lint(shop / "shop" / "storage.py")) == [(2, "SLS201")]
    located = locate(str(shop / "shop" / "storage.py"), Settings())
    assert not located.index.reach_restored
    project.new_run()
    assert codes(lint(shop / "shop" / "storage.py")) == [(2, "SLS201")]
    located = locate(str(shop / "shop" / "storage.py"), Settings())
    assert located.index.reach_restored
    project.new_run()
    deeper = Settings(call_depth=2)  # another answer: followed again
    assert codes(lint(shop / "shop" / "storage.py", deeper)) == [(2, "SLS201")]
    assert not locate(str(shop / "shop" / "storage.py"), deeper).index.reach_restored


def test_a_handler_in_a_new_module_is_followed_on_a_warm_cache(shop: Path) -> None:
    assert codes(lint(shop / "shop" / "storage.py")) == [(2, "SLS201")]
    admin = VIEWS.replace("storage.save(", "storage.unused(").replace("/upload", "/admin")
    (shop / "shop" / "admin.py").write_text(admin, encoding="utf-8")
    project.new_run()
    assert codes(lint(shop / "shop" / "storage.py")) == [(2, "SLS201"), (7, "SLS201")]
    located = locate(str(shop / "shop" / "storage.py"), Settings())
    assert not located.index.reach_restored


def test_no_cache_writes_nothing(shop: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CACHE_DIR_ENV, raising=False)
    assert codes(lint(shop / "shop" / "storage.py", Settings(no_cache=True))) == [(2, "SLS201")]
    assert not (shop / CACHE_FOLDER).exists()


def test_cache_dir_option_and_environment(shop: Path, tmp_path_factory: pytest.TempPathFactory,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    chosen = tmp_path_factory.mktemp("chosen")
    lint(shop / "shop" / "storage.py", Settings(cache_dir=str(chosen)))
    assert (chosen / "CACHEDIR.TAG").exists()
    project.new_run()
    from_env = tmp_path_factory.mktemp("from-env")
    monkeypatch.setenv(CACHE_DIR_ENV, str(from_env))
    lint(shop / "shop" / "storage.py")
    assert list(from_env.rglob("*.json"))


def test_an_unwritable_cache_falls_back_to_memory(shop: Path) -> None:
    blocker = shop / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    settings = Settings(cache_dir=str(blocker / "cache"))
    assert codes(lint(shop / "shop" / "storage.py", settings)) == [(2, "SLS201")]
    located = locate(str(shop / "shop" / "storage.py"), settings)
    assert not located.index.cache.on_disk


def test_a_cache_file_truncated_by_hand_is_a_miss(shop: Path) -> None:
    settings = Settings()
    lint(shop / "shop" / "storage.py", settings)
    cache = Path(os.environ[CACHE_DIR_ENV])
    torn = 0
    for entry in cache.rglob("*.json"):  # summaries, the saved reach, saved findings
        text = entry.read_text()
        entry.write_text(text[: len(text) // 2])
        torn += 1
    assert torn >= 4
    project.new_run()
    assert codes(lint(shop / "shop" / "storage.py", settings)) == [(2, "SLS201")]
    located = locate(str(shop / "shop" / "storage.py"), settings)
    assert located.index.loaded_from_disk >= 1  # parsed again, then cached again
    assert not located.index.reach_restored


# ------------------------------------------------------------ findings across runs
@pytest.fixture
def computed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files whose findings were computed (not given back from the cache). Saved
    findings are given back only outside the tests' strict mode (see ``RAISE_ENV``)."""
    monkeypatch.delenv(engine.RAISE_ENV, raising=False)
    seen: list[str] = []
    original = engine._computed

    def counting(tree: ast.Module, lines: Any, filename: str, settings: Settings,
                 plan: Any) -> list[Finding]:
        seen.append(Path(filename).name)
        return original(tree, lines, filename, settings, plan)

    monkeypatch.setattr(engine, "_computed", counting)
    return seen


def test_an_unchanged_file_of_an_unchanged_project_is_not_linted_again(
    shop: Path, computed: list[str]
) -> None:
    storage = shop / "shop" / "storage.py"
    assert codes(lint(storage)) == [(2, "SLS201")]
    project.new_run()
    first = lint(storage)
    assert codes(first) == [(2, "SLS201")]
    assert computed == ["storage.py"]
    assert "reached from views.upload" in first[0].message  # the message as computed


def test_saved_findings_follow_the_rest_of_the_project(shop: Path, computed: list[str]) -> None:
    """storage.py itself does not change: the handler that reached its first function
    now reaches the second, so the finding moves."""
    storage = shop / "shop" / "storage.py"
    assert codes(lint(storage)) == [(2, "SLS201")]
    views = shop / "shop" / "views.py"
    views.write_text(VIEWS.replace("storage.save(", "storage.unused("), encoding="utf-8")
    project.new_run()
    assert codes(lint(storage)) == [(7, "SLS201")]
    views.unlink()
    project.new_run()
    assert codes(lint(storage)) == []
    assert computed == ["storage.py", "storage.py"]  # the last: nothing reaches it any more


def test_saved_findings_follow_the_text_linted(shop: Path, computed: list[str]) -> None:
    """An editor's unsaved buffer is judged as it is, not by the findings of the file on
    disk; the file on disk is still answered from the cache afterwards."""
    storage = shop / "shop" / "storage.py"
    lint(storage)
    buffer = "# a draft\n" + STORAGE
    project.new_run()
    found = engine.check_file(ast.parse(buffer), buffer.splitlines(keepends=True),
                              str(storage), Settings())
    assert codes(found) == [(3, "SLS201")]
    project.new_run()
    assert codes(lint(storage)) == [(2, "SLS201")]
    assert computed == ["storage.py", "storage.py", "storage.py"]


def test_saved_findings_follow_the_settings(shop: Path, computed: list[str]) -> None:
    """Each set of settings keeps its own findings."""
    storage = shop / "shop" / "storage.py"
    lint(storage)
    project.new_run()
    assert lint(storage, Settings(enabled_codes=frozenset({"SLS201", "SLS101"}))) != []
    assert len(computed) == 2
    project.new_run()
    assert codes(lint(storage, Settings(call_depth=1))) == [(2, "SLS201")]
    assert len(computed) == 3
    for settings in (Settings(), Settings(call_depth=1)):
        project.new_run()
        assert codes(lint(storage, settings)) == [(2, "SLS201")]
    assert len(computed) == 3


def test_a_fresh_checkout_of_the_same_files_is_answered_from_the_cache(
    shop: Path, computed: list[str]
) -> None:
    """CI restores a kept cache folder into a new clone: every file has a new
    modification time but the same bytes. Nothing is parsed, followed or linted again;
    a file whose bytes changed is."""
    storage = shop / "shop" / "storage.py"
    assert codes(lint(storage)) == [(2, "SLS201")]
    for path in shop.rglob("*.py"):
        os.utime(path, ns=(2_000_000_000_000_000_000, 2_000_000_000_000_000_000))
    project.new_run()
    assert codes(lint(storage)) == [(2, "SLS201")]
    index = locate(str(storage), Settings()).index
    assert (index.loaded_from_disk, index.reach_restored) == (0, True)
    assert computed == ["storage.py"]
    views = shop / "shop" / "views.py"
    views.write_text(VIEWS.replace("storage.save(", "storage.unused("), encoding="utf-8")
    os.utime(views, ns=(2_000_000_000_000_000_000, 2_000_000_000_000_000_000))
    project.new_run()
    assert codes(lint(storage)) == [(7, "SLS201")]
    index = locate(str(storage), Settings()).index
    assert (index.loaded_from_disk, index.reach_restored) == (1, False)
    assert computed == ["storage.py", "storage.py"]


def test_internal_errors_are_never_saved(
    shop: Path, computed: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    storage = shop / "shop" / "storage.py"

    def broken(*args: object) -> list[Finding]:
        raise RuntimeError("a bug")

    with monkeypatch.context() as patch:
        patch.setattr(engine, "_run_rule", broken)
        assert {f.code for f in lint(storage)} == {"SLS000"}
    project.new_run()
    assert codes(lint(storage)) == [(2, "SLS201")]
    assert computed == ["storage.py", "storage.py"]


def test_no_cache_keeps_no_findings(shop: Path, computed: list[str]) -> None:
    storage = shop / "shop" / "storage.py"
    lint(storage, Settings(no_cache=True))
    project.new_run()
    lint(storage, Settings(no_cache=True))
    assert computed == ["storage.py", "storage.py"]


def test_strict_mode_computes_every_time(shop: Path, computed: list[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    storage = shop / "shop" / "storage.py"
    lint(storage)
    monkeypatch.setenv(engine.RAISE_ENV, "1")
    project.new_run()
    assert codes(lint(storage)) == [(2, "SLS201")]
    assert computed == ["storage.py", "storage.py"]


# ---------------------------------------------------------------------- odd projects
def test_a_module_that_does_not_parse_is_skipped(shop: Path) -> None:
    (shop / "shop" / "broken.py").write_text("def broken(:\n", encoding="utf-8")
    views = shop / "shop" / "views.py"
    views.write_text("from shop import broken\n" + VIEWS, encoding="utf-8")
    assert codes(lint(shop / "shop" / "storage.py")) == [(2, "SLS201")]


def test_import_cycles_terminate(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {
            "pkg/__init__.py": "from pkg.a import helper\nfrom pkg.b import helper as h2\n",
            "pkg/a.py": "from pkg.b import helper\n",
            "pkg/b.py": "from pkg.a import helper\nfrom pkg import helper as again\n",
            "pkg/views.py": (
                "from flask import Flask\nfrom pkg import helper, h2\nfrom pkg.a import *\n"
                "app = Flask(__name__)\n\n\n@app.get('/')\ndef index():\n"
                "    helper()\n    h2()\n    return 'ok'\n"
            ),
        },
    )
    assert lint(root / "pkg" / "views.py") == []


def test_symlink_loops_are_not_followed(shop: Path) -> None:
    (shop / "shop" / "loop").symlink_to(shop / "shop", target_is_directory=True)
    (shop / "shop" / "self").symlink_to(shop, target_is_directory=True)
    assert codes(lint(shop / "shop" / "storage.py")) == [(2, "SLS201")]
    layout = Layout.around(str(shop / "shop" / "storage.py"))
    assert layout is not None
    assert len(list(layout.python_files())) == 3


def test_a_file_outside_any_project_is_its_own_project(tmp_path: Path) -> None:
    lone = tmp_path / "lone.py"
    lone.write_text(
        "from flask import Flask\napp = Flask(__name__)\n\n\n@app.get('/')\ndef index():\n"
        "    _save()\n    return 'ok'\n\n\ndef _save():\n    open('/srv/x', 'w').close()\n",
        encoding="utf-8",
    )
    assert Layout.around(str(lone)) is None
    assert codes(lint(lone)) == [(12, "SLS201")]


def test_home_is_never_a_project_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".git").mkdir()
    (tmp_path / "script.py").write_text("x = 1\n", encoding="utf-8")
    assert Layout.around(str(tmp_path / "script.py")) is None


def test_src_layout_and_relative_imports(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {
            "src/shop/__init__.py": "",
            "src/shop/api/__init__.py": "",
            "src/shop/api/views.py": VIEWS.replace(
                "from shop import storage", "from .. import storage"
            ),
            "src/shop/storage.py": STORAGE,
        },
    )
    assert codes(lint(root / "src" / "shop" / "storage.py")) == [(2, "SLS201")]


# --------------------------------------------------------------------------- growth
def _generated(root: Path, modules: int) -> Path:
    """``modules`` modules in one package, each with a handler that calls into the next
    module, which writes a file: every module is a seed and every one is reached."""
    files = {"gen/__init__.py": ""}
    for number in range(modules):
        following = (number + 1) % modules
        files[f"gen/m{number}.py"] = (
            "from flask import Blueprint\n"
            f"from gen import m{following}\n"
            f"bp = Blueprint('m{number}', __name__)\n\n\n"
            f"@bp.get('/m{number}')\ndef view():\n    return m{following}.write()\n\n\n"
            "def write():\n    open('/srv/out', 'w').close()\n"
        )
    return make_project(root, files)


def _calls_to_index(root: Path) -> int:
    project.new_run()
    profiler = cProfile.Profile()
    profiler.enable()
    findings = lint(root / "gen" / "m0.py", Settings(no_cache=True))
    profiler.disable()
    assert codes(findings) == [(12, "SLS201")]
    table = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    return sum(stats[1] for stats in table.values())


@pytest.mark.slow
def test_ten_thousand_modules_stay_linear(tmp_path_factory: pytest.TempPathFactory) -> None:
    small = _calls_to_index(_generated(tmp_path_factory.mktemp("small"), 1_000))
    large = _calls_to_index(_generated(tmp_path_factory.mktemp("large"), 10_000))
    assert large < 15 * small, f"1,000 modules: {small:,} calls; 10,000: {large:,}"
