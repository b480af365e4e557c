"""SLS204's project-wide part in-process: Django's implicit local media storage.

The fixture projects (``fixtures/projects/media*``) show it through flake8 and the
standalone command; these tests cover each way of naming a storage, in the settings
module itself and in another module of the project, each way of declaring a model file
field, the editor's unsaved buffer, and the cost: a settings module without
``MEDIA_ROOT`` reads nothing, the project is read once per run, and 10,000 modules stay
linear.
"""

from __future__ import annotations

import ast
import cProfile
import pstats
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from flake8_stateless import engine, project
from flake8_stateless.context import locate
from flake8_stateless.options import Settings
from flake8_stateless.project.index import module_facts
from flake8_stateless.registry import Finding
from flake8_stateless.scope import media
from flake8_stateless.semantic.model import ModuleFacts
from tests.helpers import make_project

NO_CACHE = Settings(no_cache=True)

SETTINGS = 'MEDIA_URL = "/media/"\nMEDIA_ROOT = "/srv/media"\n'
"""A settings module whose line 2 sets MEDIA_ROOT."""

MODELS = """\
from django.db import models


class Post(models.Model):
    cover = models.ImageField(upload_to="covers/")
"""


@pytest.fixture(autouse=True)
def _fresh_run() -> Iterator[None]:
    project.new_run()
    yield
    project.new_run()


def lint(path: Path, source: str | None = None) -> list[tuple[int, str]]:
    """The findings on ``path`` (its text, or ``source`` as an editor's buffer)."""
    text = path.read_text(encoding="utf-8") if source is None else source
    lines = text.splitlines(keepends=True)
    found: list[Finding] = engine.check_file(ast.parse(text), lines, str(path), NO_CACHE)
    return [(f.line, f.code) for f in found]


ALARM = [(2, "SLS204")]

# ------------------------------------------------------------------ naming a storage
NAMES_A_STORAGE = {
    "DEFAULT_FILE_STORAGE": 'DEFAULT_FILE_STORAGE = "storages.backends.s3boto3.S3Boto3Storage"\n',
    "DEFAULT_FILE_STORAGE from the environment": (
        'import os\nDEFAULT_FILE_STORAGE = os.environ["FILE_STORAGE"]\n'
    ),
    "STORAGES with default": (
        'STORAGES = {"default": {"BACKEND": "storages.backends.s3.S3Storage"}}\n'
    ),
    "STORAGES merged with **": (
        'STORAGES = {**BASE_STORAGES, "staticfiles": {"BACKEND": "x.Static"}}\n'
    ),
    "STORAGES from a call": (
        'import environ\nenv = environ.Env()\nSTORAGES = env.json("STORAGES")\n'
    ),
    "STORAGES['default'] assigned": (
        'STORAGES["default"] = {"BACKEND": "storages.backends.gcloud.GoogleCloudStorage"}\n'
    ),
    "STORAGES.update(default=...)": 'STORAGES.update(default={"BACKEND": "x.S3"})\n',
    "STORAGES.update({...})": 'STORAGES.update({"default": {"BACKEND": "x.S3"}})\n',
    "STORAGES |= {...}": 'STORAGES |= {"default": {"BACKEND": "x.S3"}}\n',
    "production branch": (
        'DEBUG = False\nif not DEBUG:\n    STORAGES = {"default": {"BACKEND": "x.S3"}}\n'
    ),
    "production config class": (
        "class Production:\n"
        '    STORAGES = {"default": {"BACKEND": "x.S3"}}\n'
    ),
    "settings.configure(STORAGES=...)": (
        "from django.conf import settings\n"
        'settings.configure(STORAGES={"default": {"BACKEND": "x.S3"}})\n'
    ),
    "settings.configure(DEFAULT_FILE_STORAGE=...)": (
        "from django.conf import settings\n"
        'settings.configure(DEFAULT_FILE_STORAGE="x.S3")\n'
    ),
    "in a try block": 'try:\n    DEFAULT_FILE_STORAGE = "x.S3"\nexcept ImportError:\n    pass\n',
}

NAMES_NO_STORAGE = {
    "nothing": "DEBUG = False\n",
    "STORAGES for static files only": (
        'STORAGES = {"staticfiles": {"BACKEND": "whitenoise.storage.CompressedStorage"}}\n'
    ),
    "STORAGES['staticfiles'] assigned": 'STORAGES["staticfiles"] = {"BACKEND": "x.Static"}\n',
    "DEFAULT_FILE_STORAGE = None": "DEFAULT_FILE_STORAGE = None\n",
    "under if DEBUG": 'DEBUG = True\nif DEBUG:\n    STORAGES = {"default": {"BACKEND": "x.S3"}}\n',
    "development config class": (
        'class DevConfig:\n    STORAGES = {"default": {"BACKEND": "x.S3"}}\n'
    ),
    "a function's local": (
        'def storages():\n    STORAGES = {"default": {"BACKEND": "x.S3"}}\n    return STORAGES\n'
    ),
    "the __main__ block": (
        'if __name__ == "__main__":\n    DEFAULT_FILE_STORAGE = "x.S3"\n'
    ),
    "reading the setting": (
        "from django.conf import settings\nBACKEND = settings.STORAGES['default']\n"
    ),
}


@pytest.mark.parametrize("shape", sorted(NAMES_A_STORAGE))
def test_a_storage_named_in_the_settings_module_itself(tmp_path: Path, shape: str) -> None:
    root = make_project(
        tmp_path, {"blog/models.py": MODELS, "blog/settings.py": SETTINGS + NAMES_A_STORAGE[shape]}
    )
    assert lint(root / "blog" / "settings.py") == []


@pytest.mark.parametrize("shape", sorted(NAMES_A_STORAGE))
def test_a_storage_named_in_another_settings_module(tmp_path: Path, shape: str) -> None:
    root = make_project(
        tmp_path,
        {
            "blog/models.py": MODELS,
            "blog/settings/base.py": SETTINGS,
            "blog/settings/production.py": "from .base import *\n" + NAMES_A_STORAGE[shape],
        },
    )
    assert lint(root / "blog" / "settings" / "base.py") == []


@pytest.mark.parametrize("shape", sorted(NAMES_NO_STORAGE))
def test_no_storage_named_for_production(tmp_path: Path, shape: str) -> None:
    root = make_project(
        tmp_path,
        {
            "blog/models.py": MODELS,
            "blog/settings.py": SETTINGS + NAMES_NO_STORAGE[shape],
            "blog/storage_settings.py": NAMES_NO_STORAGE[shape],
        },
    )
    assert lint(root / "blog" / "settings.py") == ALARM


@pytest.mark.parametrize(
    "name", ["settings/dev.py", "settings/local.py", "settings_test.py", "tests/settings.py"]
)
def test_development_and_test_settings_configure_no_production(tmp_path: Path, name: str) -> None:
    root = make_project(
        tmp_path,
        {
            "blog/models.py": MODELS,
            "blog/settings.py": SETTINGS,
            f"blog/{name}": NAMES_A_STORAGE["STORAGES with default"],
        },
    )
    assert lint(root / "blog" / "settings.py") == ALARM


# ------------------------------------------------------------------ model file fields
USES_THE_DEFAULT = {
    "models.ImageField": "from django.db import models\nclass P(models.Model):\n"
    "    f = models.ImageField()\n",
    "imported FileField": "from django.db.models import FileField\nclass P:\n"
    "    f = FileField(upload_to='x/')\n",
    "fields.files path": "from django.db.models.fields.files import ImageField as I\nclass P:\n"
    "    f = I()\n",
    "storage=None": "from django.db import models\nclass P:\n"
    "    f = models.FileField(storage=None)\n",
    "annotated": "from django.db import models\nclass P:\n"
    "    f: models.ImageField = models.ImageField()\n",
    "easy-thumbnails": "from easy_thumbnails.fields import ThumbnailerImageField\nclass P:\n"
    "    f = ThumbnailerImageField(upload_to='t/')\n",
    "versatileimagefield": "from versatileimagefield.fields import VersatileImageField\n"
    "class P:\n    f = VersatileImageField('Image', upload_to='v/')\n",
    "sorl-thumbnail": "import sorl.thumbnail\nclass P:\n    f = sorl.thumbnail.ImageField()\n",
}

NAMES_ITS_STORAGE = {
    "storage=": "from django.db import models\nclass P:\n    f = models.FileField(storage=s3)\n",
    "**options": "from django.db import models\nclass P:\n    f = models.FileField(**OPTIONS)\n",
    "*args": "from django.db import models\nclass P:\n    f = models.FileField(*ARGS)\n",
    "positional storage": "from django.db import models\nclass P:\n"
    "    f = models.FileField('File', 'f', 'up/', s3)\n",
    "form field": "from django import forms\nclass F(forms.Form):\n    f = forms.ImageField()\n",
    "serializer field": "from rest_framework import serializers\nclass S:\n"
    "    f = serializers.FileField()\n",
    "wtforms field": "from flask_wtf.file import FileField\nclass F:\n    f = FileField()\n",
    "a field class": "from django.db import models\nclass PrivateField(models.FileField):\n"
    "    pass\n",
    "outside a class": "from django.db import models\nFIELD = models.FileField()\n",
    "in a comment": "# models.ImageField() keeps uploads on disk\n",
}


@pytest.mark.parametrize("shape", sorted(USES_THE_DEFAULT))
def test_model_fields_using_the_default_storage(tmp_path: Path, shape: str) -> None:
    root = make_project(
        tmp_path, {"app/models.py": USES_THE_DEFAULT[shape], "app/settings.py": SETTINGS}
    )
    assert lint(root / "app" / "settings.py") == ALARM


@pytest.mark.parametrize("shape", sorted(NAMES_ITS_STORAGE))
def test_fields_naming_a_storage_and_look_alikes(tmp_path: Path, shape: str) -> None:
    root = make_project(
        tmp_path, {"app/models.py": NAMES_ITS_STORAGE[shape], "app/settings.py": SETTINGS}
    )
    assert lint(root / "app" / "settings.py") == []


def test_models_in_tests_and_migrations_do_not_count(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {
            "app/tests/models.py": MODELS,
            "app/migrations/0001_initial.py": MODELS,
            "app/settings.py": SETTINGS,
        },
    )
    assert lint(root / "app" / "settings.py") == []


def test_a_single_file_app_outside_any_project(tmp_path: Path) -> None:
    """No project around it: the module's own models and settings decide."""
    path = tmp_path / "app.py"
    path.write_text(
        "from django.conf import settings\n"
        "from django.db import models\n"
        'settings.configure(MEDIA_ROOT="/srv/media")\n'
        "class Photo(models.Model):\n"
        "    image = models.ImageField()\n",
        encoding="utf-8",
    )
    assert lint(path) == [(3, "SLS204")]
    assert "'Photo.image'" in _messages(path)[0]


def _messages(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    found = engine.check_file(ast.parse(text), text.splitlines(True), str(path), NO_CACHE)
    return [f.message for f in found]


# ------------------------------------------------------------------ the editor's buffer
def test_the_unsaved_settings_buffer_wins_over_the_file_on_disk(tmp_path: Path) -> None:
    root = make_project(tmp_path, {"blog/models.py": MODELS, "blog/settings.py": SETTINGS})
    settings = root / "blog" / "settings.py"
    named = SETTINGS + NAMES_A_STORAGE["STORAGES with default"]
    assert lint(settings, named) == []  # the buffer names a storage; the disk does not
    project.new_run()
    (settings).write_text(named, encoding="utf-8")
    assert lint(settings, SETTINGS) == ALARM  # the buffer removed it; the disk has it


# ------------------------------------------------------------------ cost
def test_a_settings_module_without_media_root_reads_nothing(tmp_path: Path) -> None:
    root = make_project(
        tmp_path,
        {"blog/models.py": MODELS, "blog/settings.py": 'MEDIA_URL = "/media/"\nDEBUG = False\n'},
    )
    settings = root / "blog" / "settings.py"
    assert lint(settings) == []
    assert locate(str(settings), NO_CACHE).index.texts_read == 0


def _generated(root: Path, modules: int) -> Path:
    """``modules`` plain modules, one models module, two settings modules."""
    files = {"portal/__init__.py": "", "portal/models.py": MODELS, "portal/settings.py": SETTINGS}
    files["portal/settings_prod.py"] = "from portal.settings import *\n" + SETTINGS
    for number in range(modules):
        files[f"portal/m{number}.py"] = f"VALUE = {number}\n\n\ndef double():\n    return VALUE\n"
    return make_project(root, files)


def _counting_parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    parsed: list[str] = []
    original: Callable[[str, str], ModuleFacts | None] = module_facts

    def counting(text: str, relative: str) -> ModuleFacts | None:
        parsed.append(relative)
        return original(text, relative)

    monkeypatch.setattr(media, "module_facts", counting)
    return parsed


def test_the_project_is_read_once_per_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _generated(tmp_path, 200)
    parsed = _counting_parses(monkeypatch)
    assert lint(root / "portal" / "settings.py") == ALARM
    index = locate(str(root / "portal" / "settings.py"), NO_CACHE).index
    assert index.texts_read == 200 + 4  # every module once (``__init__`` included)
    assert parsed == ["portal/models.py"]  # only what mentions a file field or a storage
    assert lint(root / "portal" / "settings_prod.py") == [(3, "SLS204")]
    assert index.texts_read == 204  # the second settings module reads nothing again
    assert parsed == ["portal/models.py"]


def _calls_to_decide(root: Path) -> int:
    project.new_run()
    profiler = cProfile.Profile()
    profiler.enable()
    findings = lint(root / "portal" / "settings.py")
    profiler.disable()
    assert findings == ALARM
    table = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    return sum(stats[1] for stats in table.values())


@pytest.mark.slow
def test_ten_thousand_modules_stay_linear(tmp_path_factory: pytest.TempPathFactory) -> None:
    small = _calls_to_decide(_generated(tmp_path_factory.mktemp("small"), 1_000))
    large = _calls_to_decide(_generated(tmp_path_factory.mktemp("large"), 10_000))
    assert large < 15 * small, f"1,000 modules: {small:,} calls; 10,000: {large:,}"
