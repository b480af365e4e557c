"""SLS2xx behaviour the golden fixtures cannot show on their own: how SLS201 and SLS202
share a write, what the SLS201 message says about a path, which paths never count, and
temporary files handed to code that runs elsewhere."""

from __future__ import annotations

import textwrap

import pytest

from flake8_stateless.options import Settings
from flake8_stateless.project.index import summarise_source
from flake8_stateless.project.summary import ModuleSummary
from flake8_stateless.rules.files import RULES
from tests.helpers import lint_source

FILE_CODES = frozenset(rule.code for rule in RULES)


def findings(
    source: str, filename: str = "app.py", codes: frozenset[str] = FILE_CODES
) -> list[str]:
    """The messages of the SLS2xx rules (or ``codes``) on ``source``."""
    settings = Settings(enabled_codes=codes)
    return [f.message for f in lint_source(textwrap.dedent(source), filename, settings)]


UPLOAD_COPIED = """
    import shutil

    from fastapi import FastAPI, UploadFile

    app = FastAPI()


    @app.post("/files")
    async def create_file(file: UploadFile):
        with open(f"uploads/{file.filename}", "wb") as buffer:
            shutil.copyfileobj(file.file, buffer)
"""


def test_an_upload_copied_to_disk_is_reported_once_by_the_upload_rule() -> None:
    messages = findings(UPLOAD_COPIED)
    assert [m.split()[0] for m in messages] == ["SLS202"]


def test_without_the_upload_rule_the_write_is_still_reported() -> None:
    messages = findings(UPLOAD_COPIED, codes=FILE_CODES - {"SLS202"})
    assert [m.split()[0] for m in messages] == ["SLS201"]


@pytest.mark.parametrize(
    ("path", "said"),
    [
        ('os.path.join(os.path.dirname(__file__), "x.txt")', "beside __file__"),
        ('os.path.join(current_app.root_path, "x.txt")', "under root_path"),
        ('Path(current_app.instance_path) / "x.txt"', "under instance_path"),
        ('os.path.join(settings.MEDIA_ROOT, "x.txt")', "under MEDIA_ROOT"),
        ('os.path.join(os.getcwd(), "x.txt")', "in the working directory"),
        ('"exports/x.txt"', "in the working directory"),
        ("LOCAL", "beside __file__"),
        ('"/srv/data/x.txt"', None),
    ],
)
def test_the_message_says_where_the_path_points(path: str, said: str | None) -> None:
    source = f"""
        import os
        from pathlib import Path

        from django.conf import settings
        from flask import Flask, current_app

        app = Flask(__name__)
        LOCAL = Path(__file__).parent / "data.json"


        @app.post("/save")
        def save():
            with open({path}, "w") as f:
                f.write("x")
    """
    (message,) = findings(source)
    assert message.startswith("SLS201 ")
    if said is None:
        assert ", " not in message.partition(";")[0].partition(") writes")[2]
    else:
        assert f"serving requests, {said};" in message


HANDLERS = """
    import os
    import shelve
    import sqlite3
    import tempfile

    from flask import Flask, request

    app = Flask(__name__)
    app.config["SESSION_TYPE"] = "filesystem"
    engine_url = "sqlite:///app.db"


    @app.post("/save")
    def save():
        request.files["f"].save("uploads/f.bin")
        with open("notes.txt", "w") as f:
            f.write("x")
        with shelve.open("store") as store:
            store["k"] = 1
        return tempfile.mkdtemp() + str(sqlite3.connect("app.db"))
"""


@pytest.mark.parametrize(
    "filename",
    [
        "tests/test_views.py",
        "app/tests/views.py",
        "conftest.py",
        "shop/management/commands/import_data.py",
        "shop/migrations/0002_data.py",
        "settings/testing.py",
    ],
)
def test_code_that_never_serves_requests_is_silent(filename: str) -> None:
    assert findings(HANDLERS, filename) == []


def test_the_same_code_in_an_app_module_is_reported() -> None:
    codes = sorted(m.split()[0] for m in findings(HANDLERS, "shop/app.py"))
    assert codes == ["SLS201", "SLS202", "SLS203", "SLS203", "SLS203", "SLS204", "SLS205"]


@pytest.mark.parametrize(
    "handoff",
    [
        "threading.Thread(target=self._restore, args=(archive.name,)).start()",
        "self.executor.submit(self._restore, archive.name)",
        "self._restore(archive.name)",
        "restore_later(archive.name)",
    ],
)
def test_a_temporary_file_handed_to_code_that_removes_it_is_silent(handoff: str) -> None:
    source = f"""
        import os
        import tempfile
        import threading

        from flask.views import MethodView


        def restore_later(path):
            os.unlink(path)


        class RestoreView(MethodView):
            def post(self):
                archive = tempfile.NamedTemporaryFile(delete=False)
                {handoff}
                return "started"

            def _restore(self, path):
                try:
                    pass
                finally:
                    os.remove(path)
    """
    assert findings(source, codes=frozenset({"SLS205"})) == []


def test_a_temporary_file_handed_to_code_that_keeps_it_is_reported() -> None:
    source = """
        import tempfile

        from flask.views import MethodView


        class RestoreView(MethodView):
            def post(self):
                archive = tempfile.NamedTemporaryFile(delete=False)
                self._restore(archive.name)

            def _restore(self, path):
                print(path)
    """
    (message,) = findings(source, codes=frozenset({"SLS205"}))
    assert "'archive'" in message
    assert "'post'" in message


def test_the_django_startproject_database_is_reported_in_settings_only() -> None:
    settings_source = """
        DATABASES = {
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": "db.sqlite3",
            }
        }
    """
    assert len(findings(settings_source, "mysite/settings.py")) == 1
    assert findings(settings_source, "mysite/settings/test.py") == []
    assert findings(settings_source, "mysite/settings/dev.py") == []


def test_columns_count_characters_after_non_ascii_text() -> None:
    source = """
        from flask import Flask

        app = Flask(__name__)


        @app.post("/é")
        def save():
            note = "ünïcode"; open("x.txt", "w")
    """
    settings = Settings(enabled_codes=frozenset({"SLS201"}))
    (finding,) = lint_source(textwrap.dedent(source), "app.py", settings)
    line = textwrap.dedent(source).splitlines()[finding.line - 1]
    assert line[finding.col:].startswith('open("x.txt"')


RAW_BODY_SAVED = """
    from aiohttp import web

    routes = web.RouteTableDef()


    @routes.put("/plugin")
    async def put_plugin(request):
        return await store(await request.read())


    async def store(content):
        with open("/var/lib/bot/plugin.mbp", "wb") as f:
            f.write(content)
        return web.Response()
"""


def test_a_raw_body_saved_to_disk_is_the_upload_rules() -> None:
    messages = findings(RAW_BODY_SAVED)
    assert [m.split()[0] for m in messages] == ["SLS202"]
    assert "upload 'content'" in messages[0]


def test_without_the_upload_rule_the_raw_body_write_is_still_reported() -> None:
    """SLS201 yields to SLS202 through ``Rule.yields_to``: when SLS202 does not run,
    SLS201's finding stands (no finding lost to a hand-off)."""
    messages = findings(RAW_BODY_SAVED, codes=FILE_CODES - {"SLS202"})
    assert [m.split()[0] for m in messages] == ["SLS201"]


@pytest.mark.parametrize(
    "content",
    ["json.loads(body)['name']", "str(len(body))", "request.headers['X-Name']"],
)
def test_what_is_computed_from_a_raw_body_is_not_the_upload(content: str) -> None:
    source = f"""
        import json
        from flask import Flask, request

        app = Flask(__name__)


        @app.post("/hook")
        def hook():
            body = request.get_data()
            with open("/srv/hook.txt", "w") as f:
                f.write({content})
            return ""
    """
    assert [m.split()[0] for m in findings(source)] == ["SLS201"]


TEMP_WRITE = """
    import os
    import tempfile
    import uuid

    from flask import Flask, jsonify, request, send_file

    app = Flask(__name__)


    @app.post("/x/<key>")
    def handler(key):
        path = {path}
        with open(path, "w") as f:
            f.write("...")
        {tail}
"""


@pytest.mark.parametrize(
    ("path", "tail", "said"),
    [
        ('os.path.join(tempfile.gettempdir(), f"{uuid.uuid4()}.csv")', "return send_file(path)",
         None),
        ('f"/tmp/{uuid.uuid4()}.csv"', "return ''", None),
        ('f"/var/tmp/{uuid.uuid4()}.csv"', "return os.path.getsize(path)", None),
        ('os.path.join(tempfile.tempdir, uuid.uuid4().hex)', "return ''", None),
        ('os.path.join(tempfile.gettempdir(), "x.csv")', "return ''", "under a fixed name"),
        ('"/tmp/x.csv"', "return send_file(path)", "under a fixed name"),
        ('f"/tmp/{key}.csv"', "return ''", "under a name the caller chooses"),
        ('f"/tmp/{request.args[\'k\']}.csv"', "return ''", "under a name the caller chooses"),
        ('f"/tmp/{uuid.uuid4()}.csv"', "return jsonify(path=path)",
         "under a name the response hands out"),
        ('f"/tmp/{uuid.uuid4()}.csv"', "return {'url': '/dl/' + os.path.basename(path)}",
         "under a name the response hands out"),
        ('f"/tmpfiles/{uuid.uuid4()}.csv"', "return ''", ""),
    ],
)
def test_temp_dir_writes(path: str, tail: str, said: str | None) -> None:
    """Scratch space (silent) or a temp file another request can find (reported, and
    the message says why); ``/tmpfiles`` is not the temp dir."""
    messages = findings(TEMP_WRITE.replace("{path}", path).replace("{tail}", tail))
    if said is None:
        assert messages == []
    else:
        (message,) = messages
        assert message.startswith("SLS201")
        assert (f"in the temp dir {said}" in message) if said else "temp dir" not in message


def test_a_temp_dir_helper_is_recorded_in_the_summary() -> None:
    source = b'''
import os
import tempfile


def get_temp_dir():
    folder = os.path.join(tempfile.gettempdir(), "app")
    os.makedirs(folder, exist_ok=True)
    return folder


def exports():
    return os.path.join(get_temp_dir(), "exports")


def maybe(flag):
    if flag:
        return get_temp_dir()
    return "/var/lib/app"


def data():
    return os.environ["DATA"]
'''
    summary = summarise_source(source, "app/files.py", "app.files", False, ())
    assert summary is not None
    temp = {f.qualname for f in summary.functions if f.returns_temp_dir}
    assert temp == {"get_temp_dir", "exports"}
    assert ModuleSummary.from_json(summary.to_json()) == summary
