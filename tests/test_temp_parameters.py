"""SLS201 and a path parameter built by every caller in the temp dir: scratch when every
call site in the project passes a fresh temp path (calibre-web's ``updateEpub(src,
dest)`` called with ``os.path.join(get_temp_dir(), uuid)``), reported as soon as one
caller is unknown or passes something else."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from flake8_stateless import engine, project
from flake8_stateless.options import Settings
from flake8_stateless.project.index import summarise_source
from flake8_stateless.project.summary import ModuleSummary
from tests.helpers import make_project

NO_CACHE = Settings(no_cache=True)

FILES = """\
import os
import tempfile


def get_temp_dir():
    return os.path.join(tempfile.gettempdir(), "app")
"""

HELPER = """\
def write_epub(src, dest):
    with open(dest, "wb") as f:
        f.write(b"PK")
"""

VIEWS = """\
import os
import uuid

from flask import Flask

from app.files import get_temp_dir
from app.helper import write_epub

app = Flask(__name__)


@app.get("/book/<int:book_id>")
def download(book_id):
    write_epub("in.epub", os.path.join(get_temp_dir(), str(uuid.uuid4())))
    return ""
"""


@pytest.fixture(autouse=True)
def _fresh_run() -> Iterator[None]:
    project.new_run()
    yield
    project.new_run()


def lint(path: Path) -> list[tuple[int, str]]:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    found = engine.check_file(ast.parse(text), lines, str(path), NO_CACHE)
    return [(f.line, f.code) for f in found]


def helper_findings(tmp_path: Path, views: str, extra: dict[str, str] | None = None) -> list[str]:
    root = make_project(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/files.py": FILES,
            "app/helper.py": HELPER,
            "app/views.py": views,
            **(extra or {}),
        },
    )
    return [code for _, code in lint(root / "app" / "helper.py")]


def test_every_caller_passes_a_fresh_temp_path(tmp_path: Path) -> None:
    assert helper_findings(tmp_path, VIEWS) == []


CALLER_LOOK_ALIKES = {
    "a caller passes a data folder": (
        '\n\n@app.post("/save")\ndef save():\n'
        '    write_epub("in.epub", "/srv/books/out.epub")\n    return ""\n'
    ),
    "a caller passes its own unknown argument": (
        '\n\n@app.post("/save")\ndef save():\n    return keep("/srv/x")\n\n\n'
        "def keep(dest):\n    write_epub('in.epub', dest)\n"
    ),
    "a caller spreads its arguments": (
        '\n\n@app.post("/save")\ndef save():\n    args = ("a", "b")\n'
        '    write_epub(*args)\n    return ""\n'
    ),
    "the function is kept in a table": 'WRITERS = {"epub": write_epub}\n',
    "the function is handed to a thread": (
        "\n\nimport threading\n\n\ndef later():\n"
        '    threading.Thread(target=write_epub, args=("a", "/srv/b")).start()\n'
    ),
    "handed on as an attribute of its module": (
        "\n\nfrom app import helper\n\n\ndef later(pool):\n"
        '    pool.submit(helper.write_epub, "a", "/srv/b")\n'
    ),
    "called at module level": 'write_epub("in.epub", "/srv/books/seed.epub")\n',
    "a method of the same name on an unknown object": (
        '\n\ndef other(obj):\n    obj.write_epub("in.epub", "/srv/books/x.epub")\n'
    ),
    "a temp path under a fixed name": (
        '\n\n@app.post("/cover")\ndef cover():\n'
        '    write_epub("in.epub", os.path.join(get_temp_dir(), "cover.epub"))\n'
        '    return ""\n'
    ),
}


@pytest.mark.parametrize("shape", sorted(CALLER_LOOK_ALIKES))
def test_one_caller_that_is_not_a_fresh_temp_path_keeps_the_finding(
    tmp_path: Path, shape: str
) -> None:
    assert helper_findings(tmp_path, VIEWS + CALLER_LOOK_ALIKES[shape]) == ["SLS201"]


def test_a_caller_in_another_module_counts(tmp_path: Path) -> None:
    other = "from app.helper import write_epub\n\n\ndef seed():\n    write_epub('a', '/srv/b')\n"
    assert helper_findings(tmp_path, VIEWS, {"app/seed.py": other}) == ["SLS201"]


def test_a_parameter_no_project_code_passes_is_reported(tmp_path: Path) -> None:
    """A handler's own parameter: the framework calls it, no call site says where."""
    root = make_project(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/views.py": (
                "from flask import Flask\n\napp = Flask(__name__)\n\n\n"
                "@app.post('/x/<dest>')\ndef x(dest):\n    with open(dest, 'wb') as f:\n"
                "        f.write(b'')\n    return ''\n"
            ),
        },
    )
    assert [code for _, code in lint(root / "app" / "views.py")] == ["SLS201"]


def test_the_path_is_followed_through_a_chain_of_callers(tmp_path: Path) -> None:
    chain = VIEWS.replace(
        'write_epub("in.epub", os.path.join(get_temp_dir(), str(uuid.uuid4())))',
        "stage(os.path.join(get_temp_dir(), uuid.uuid4().hex))",
    ) + "\n\ndef stage(path):\n    write_epub('in.epub', path + '.epub')\n"
    assert helper_findings(tmp_path, chain) == []
    (tmp_path / "two").mkdir()
    assert helper_findings(
        tmp_path / "two", chain + "\n\ndef seed():\n    stage('/srv/books/x')\n"
    ) == ["SLS201"]


def test_call_sites_are_recorded_in_the_summary() -> None:
    summary = summarise_source(VIEWS.encode(), "app/views.py", "app.views", False, ())
    assert summary is not None
    assert summary.call_sites == (
        ("download", "write_epub", (("1", ("call:get_temp_dir",), True),)),
    )
    assert "write_epub" not in summary.escapes
    assert ModuleSummary.from_json(summary.to_json()) == summary
