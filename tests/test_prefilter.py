"""The standalone command's text prefilter: a file it skips has no findings."""

from __future__ import annotations

import ast
import dataclasses
import shlex
from pathlib import Path

import pytest

from flake8_stateless import engine
from flake8_stateless.options import Settings
from flake8_stateless.prefilter import Prefilter
from flake8_stateless.registry import SERVES_REQUESTS, Rule
from flake8_stateless.rules import ALL_RULES
from tests.helpers import FIXTURES, ROOT, directives

LIVE_RULES = [rule for rule in ALL_RULES if rule.removed_in is None]
FIXTURE_FILES = sorted(FIXTURES.glob("SLS*.py"))


def every_rule_on(**options: str) -> Settings:
    settings = Settings.from_values(options)
    codes = frozenset(rule.code for rule in LIVE_RULES)
    return Settings(**{**settings.__dict__, "enabled_codes": codes})


def findings(source: str, filename: str, settings: Settings) -> list[str]:
    lines = source.splitlines(keepends=True)
    return [f.code for f in engine.check(ast.parse(source), lines, filename, settings)]


def _fixture_settings(path: Path) -> tuple[str, Settings]:
    options = directives(path.read_text(encoding="utf-8"))
    values = {}
    for arg in shlex.split(options.get("flake8-args", "")):
        name, _, value = arg.partition("=")
        if name.startswith("--stateless-"):
            values[name.removeprefix("--stateless-")] = value
    filename = options.get("filename", str(path.relative_to(ROOT)))
    return filename, every_rule_on(**values)


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=[p.name for p in FIXTURE_FILES])
def test_a_skipped_fixture_has_no_findings(path: Path) -> None:
    """Rule by rule: whenever the prefilter (with only that rule on) says a fixture
    cannot match, the engine agrees."""
    source = path.read_text(encoding="utf-8")
    filename, settings = _fixture_settings(path)
    for rule in LIVE_RULES:
        alone = Settings(**{**settings.__dict__, "enabled_codes": frozenset({rule.code})})
        if not Prefilter(alone, ALL_RULES).may_report(source.encode(), filename):
            assert findings(source, filename, alone) == [], rule.code


@pytest.mark.parametrize("rule", LIVE_RULES, ids=[r.code for r in LIVE_RULES])
def test_each_rule_passes_on_its_bad_example(rule: Rule) -> None:
    alone = Settings(enabled_codes=frozenset({rule.code}))
    prefilter = Prefilter(alone, ALL_RULES)
    assert prefilter.may_report(rule.bad_example.encode(), rule.example_filename)


def test_files_without_request_code_or_trigger_words_are_skipped() -> None:
    prefilter = Prefilter(Settings(enabled_codes=frozenset({"SLS101"})), ALL_RULES)
    plain = b"CACHE = {}\n\ndef remember(key, value):\n    CACHE[key] = value\n"
    assert not prefilter.may_report(plain, "lib/util.py")
    flask = b"from flask import Flask\napp = Flask(__name__)\n\n@app.get('/')\ndef f():\n    pass\n"
    assert prefilter.may_report(flask, "app.py")
    assert not prefilter.may_report(flask, "tests/test_app.py"), "tests never serve requests"
    assert prefilter.may_report(b"def index(request):\n    pass\n", "shop/views.py")
    assert not prefilter.may_report(b"def index(request):\n    pass\n", "shop/forms.py")
    assert not Prefilter(Settings(enabled_codes=frozenset()), ALL_RULES).may_report(flask, "a.py")


@pytest.mark.parametrize(
    "decorator",
    [
        "@bp . route('/')",
        "@(bp\n  .route)('/')",
        "@bp.\\\n    route('/')",
        "@(bp  # the blueprint\n  .route)('/')",
        "@\uff42\uff50.\uff52\uff4f\uff55\uff54\uff45('/')",  # full-width: bp.route
        "@api.v1.get('/')",
    ],
)
def test_every_spelling_of_a_handler_decorator_is_seen(decorator: str) -> None:
    source = f"from .views import bp\nstore = {{}}\n\n{decorator}\ndef f():\n    store[1] = 2\n"
    settings = Settings(enabled_codes=frozenset({"SLS101"}))
    assert findings(source, "app.py", settings) == ["SLS101"]
    assert Prefilter(settings, ALL_RULES).may_report(source.encode(), "app.py")


def test_user_decorator_globs_keep_their_files() -> None:
    source = b"import ourapi\nseen = []\n\n@ourapi.expose\ndef hook(e):\n    seen.append(e)\n"
    plain = Settings(enabled_codes=frozenset({"SLS101"}))
    assert not Prefilter(plain, ALL_RULES).may_report(source, "hooks.py")
    for glob in ("ourapi.expose", "*.expose", "our*.exp?se", "ourapi.[e]xpose"):
        custom = Settings.from_values({"handler-decorators": glob}, {"SLS101"})
        assert Prefilter(custom, ALL_RULES).may_report(source, "hooks.py"), glob
        assert findings(source.decode(), "hooks.py", custom) == ["SLS101"], glob


@pytest.mark.parametrize("rule", LIVE_RULES, ids=[r.code for r in LIVE_RULES])
def test_rules_outside_request_scope_declare_triggers(rule: Rule) -> None:
    """Without triggers, a configuration or module rule makes the standalone command
    parse every file: name the words its findings cannot do without."""
    if rule.node_types and rule.scope != "request":
        assert rule.triggers, f"{rule.code}: add triggers=(...) (see Rule.triggers)"
    for word in rule.triggers:
        core = word.strip("*")
        assert word == SERVES_REQUESTS or (core and "*" not in core), repr(word)


@pytest.mark.parametrize(
    ("triggers", "source", "expected"),
    [
        (("sqlite3",), b"import sqlite3\n", True),
        (("sqlite3",), b"import SQLite3\n", True),
        (("sqlite",), b"import sqlite3\n", False),
        (("sqlite*",), b"import sqlite3\n", True),
        (("*sqlite",), b"import aiosqlite\n", True),
        (("*sqlite",), b"import aiosqlite3\n", False),
        (("*sqlite*",), b"import aiosqlite3\n", True),
        (("*Consumer",), b"class Chat(AsyncJsonWebsocketConsumer): ...\n", True),
        (("sessions.backends.file",), b'E = "django.contrib.sessions.backends.file"\n', True),
        (("sessions.backends.file",), b'E = "django.contrib.sessions.backends.files"\n', True),
        (("sessions.backends.file",), b'E = "sessions.backends.cache"\n', False),
        (
            (SERVES_REQUESTS,),
            b"from flask import Flask\napp = Flask(__name__)\n@app.get('/')\ndef f(): ...\n",
            True,
        ),
        ((SERVES_REQUESTS,), b"def f(): ...\n", False),
    ],
)
def test_trigger_spellings(triggers: tuple[str, ...], source: bytes, expected: bool) -> None:
    base = next(rule for rule in ALL_RULES if rule.code == "SLS105")
    rule = dataclasses.replace(base, triggers=triggers)
    settings = Settings(enabled_codes=frozenset({rule.code}))
    assert Prefilter(settings, [rule]).may_report(source, "app.py") is expected


@pytest.mark.parametrize(
    ("code", "source"),
    [
        ("SLS305", "from .settings import PIN\n\ndef f(r):\n    r.set_cookie(PIN, 'x')\n"),
        ("SLS305", "from shop import settings\nnode = request.cookies.get(settings.PIN)\n"),
        ("SLS104", "from .settings import KIND\napp.config['CACHE_TYPE'] = KIND\n"),
        ("SLS104", "from flask_limiter import Limiter as L\nlimiter = L(key, storage_uri=URI)\n"),
        ("SLS104", "RATELIMIT_STORAGE_URI = 'memory://'\n"),
        ("SLS204", "from .settings import KIND\napp.config['SESSION_TYPE'] = KIND\n"),
        ("SLS204", "from .settings import private\npdf = models.FileField(storage=private)\n"),
        ("SLS204", "from .settings import FILES\nSESSION_ENGINE = FILES\n"),
        ("SLS204", "from .settings import FS\nDEFAULT_FILE_STORAGE = FS\n"),
        ("SLS301", "from flask_socketio import SocketIO\nio = SocketIO(app, message_queue=Q)\n"),
    ],
)
def test_values_from_other_modules_pass_the_prefilter(code: str, source: str) -> None:
    """A value named in another module is not in this file's text: the words of the
    place that uses it must be triggers (rules.md "Scope: values")."""
    settings = Settings(enabled_codes=frozenset({code}))
    assert Prefilter(settings, ALL_RULES).may_report(source.encode(), "shop/config.py")
