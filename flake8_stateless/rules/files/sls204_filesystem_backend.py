"""SLS204 filesystem-backend: a session, cache or storage backend on local disk."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from flake8_stateless.context import Context, FunctionNode, string_value
from flake8_stateless.excerpts import quoted
from flake8_stateless.registry import Finding, Rule
from flake8_stateless.rules.files.common import (
    callee_last_name,
    chosen_by_environment,
    config_entries,
    memoised,
)
from flake8_stateless.scope.media import field_using_local_default

FILESYSTEM_CACHE_TYPES = frozenset(
    {
        "filesystem", "filesystemcache", "flask_caching.backends.filesystem",
        "flask_caching.backends.filesystemcache",
    }
)
FILE_BASED_CACHE = "django.core.cache.backends.filebased.FileBasedCache"
FILE_SESSION_ENGINE = "django.contrib.sessions.backends.file"
FILE_SYSTEM_STORAGES = frozenset(
    {
        "django.core.files.storage.FileSystemStorage",
        "django.core.files.storage.filesystem.FileSystemStorage",
    }
)
BEAKER_TYPE_KEYS = {
    "session.type": "sessions", "beaker.session.type": "sessions",
    "cache.type": "the cache", "beaker.cache.type": "the cache",
}
BEAKER_FILE_TYPES = frozenset({"file", "dbm"})
STORAGE_FIX = "use django-storages (S3Boto3Storage, GoogleCloudStorage)"

CONSTRUCTORS = {
    "cachelib.FileSystemCache": ("cachelib FileSystemCache()", "the cache", "use RedisCache"),
    "cachelib.file.FileSystemCache": ("cachelib FileSystemCache()", "the cache", "use RedisCache"),
    "flask_caching.backends.FileSystemCache": (
        "Flask-Caching FileSystemCache()", "the cache", "use RedisCache"
    ),
    "flask_caching.backends.filesystemcache.FileSystemCache": (
        "Flask-Caching FileSystemCache()", "the cache", "use RedisCache"
    ),
    "werkzeug.contrib.cache.FileSystemCache": (
        "werkzeug FileSystemCache()", "the cache", "use RedisCache"
    ),
    "flask_session.FileSystemSessionInterface": (
        "Flask-Session FileSystemSessionInterface()", "sessions", "use RedisSessionInterface"
    ),
    "flask_session.filesystem.FileSystemSessionInterface": (
        "Flask-Session FileSystemSessionInterface()", "sessions", "use RedisSessionInterface"
    ),
    "flask_session.sessions.FileSystemSessionInterface": (
        "Flask-Session FileSystemSessionInterface()", "sessions", "use RedisSessionInterface"
    ),
}
"""Backends built in code, by qualified name: (what, what it keeps, the way out)."""


def check(node: ast.AST, function: FunctionNode | None, context: Context) -> Iterator[Finding]:
    if context.path.is_management_command or context.path.is_migration:
        return  # a command or migration configures itself, not the served app
    findings: list[Finding] = []
    if isinstance(node, ast.Call):
        found = _constructor(node, context)
        if found is not None:
            findings.append(found)
    if not findings:
        for name, value, holder in config_entries(node):
            if name == "MEDIA_ROOT":
                finding = _media_root(value, holder, function, context)
            else:
                finding = _setting(name, value, holder, function, context)
            if finding is not None:
                findings.append(finding)
    if findings and not (
        context.in_main_guard(node) or chosen_by_environment(node, function, context)
    ):
        yield from findings


def _constructor(call: ast.Call, context: Context) -> Finding | None:
    func = call.func
    last = callee_last_name(func, context)
    if last.endswith("FileSystemCache") or last.endswith("FileSystemSessionInterface"):
        known = CONSTRUCTORS.get(context.qualified_name(func) or "")
        if known is not None:
            what, purpose, fix = known
            return RULE.finding(call, what=what, purpose=purpose, fix=fix)
        return None
    if "beaker" not in context.imported_packages or not call.keywords:
        return None
    name = context.qualified_name(func) or ""
    if name.startswith("beaker."):
        for keyword in call.keywords:
            if keyword.arg == "type" and string_value(keyword.value) in BEAKER_FILE_TYPES:
                return RULE.finding(
                    keyword.value, what=f"Beaker type '{string_value(keyword.value)}'",
                    purpose="sessions" if "ession" in name else "the cache",
                    fix="use 'ext:redis' or 'ext:database'",
                )
    return None


FILE_FIELD_SUFFIXES = ("FileField", "ImageField")
"""Model fields (``FileField``, ``ImageField``, ``ThumbnailerImageField``...) whose
``storage=`` is followed through names."""
LOCAL_ONLY = frozenset({"BACKEND", "default"})
"""Entries followed through names of this module only: "backend" and "default" are in too
many files for the text prefilter to keep each that could name another module's value."""

SETTING_NAMES = frozenset(
    {"storage", "default", "SESSION_TYPE", "CACHE_TYPE", "BACKEND", "SESSION_ENGINE",
     "DEFAULT_FILE_STORAGE", *BEAKER_TYPE_KEYS}
)
"""The only entry names this rule reads: everything else is rejected by one lookup."""


def _setting(
    name: str, value: ast.expr, holder: ast.AST, function: FunctionNode | None, context: Context
) -> Finding | None:
    """One configuration entry: ``name`` set to ``value`` (in place, or through names:
    ``storage=private`` with ``private = FileSystemStorage(...)``, ``"BACKEND":
    STORAGE_BACKEND``, ``SESSION_TYPE = SESSION_KIND``)."""
    if name not in SETTING_NAMES:
        return None
    if isinstance(value, ast.Name) and value.id == name:
        return None  # ``app.config["SESSION_TYPE"] = SESSION_TYPE``: reported where it is set
    if name == "storage":
        return _field_storage(value, holder, function, context)
    if name == "default":
        configs = [value] if isinstance(value, ast.Dict) else (
            context.values(value, function).nodes(ast.Dict)
        )
        for config in configs:
            backend = _backend(config)
            if backend is not None and FILE_SYSTEM_STORAGES.intersection(
                context.strings(backend, function, across_modules=name not in LOCAL_ONLY)
            ):
                return RULE.finding(
                    backend if config is value else value,
                    what="STORAGES['default'] FileSystemStorage", purpose="uploaded files",
                    fix=STORAGE_FIX,
                )
        return None
    for text in context.strings(value, function, across_modules=name not in LOCAL_ONLY):
        found = _text_setting(name, text, value, holder)
        if found is not None:
            return found
    return None


def _field_storage(
    value: ast.expr, holder: ast.AST, function: FunctionNode | None, context: Context
) -> Finding | None:
    """``storage=FileSystemStorage(...)`` on a model field, or ``storage=private`` on a
    file or image field where the name holds one (bound here or in another module)."""
    if isinstance(value, ast.Call):
        if context.qualified_name(value.func) in FILE_SYSTEM_STORAGES:
            return RULE.finding(
                value, what="FileSystemStorage() as a field's storage", purpose="uploaded files",
                fix=STORAGE_FIX,
            )
        return None
    if not isinstance(value, (ast.Name, ast.Attribute)) or not isinstance(holder, ast.Call):
        return None
    if not callee_last_name(holder.func, context).endswith(FILE_FIELD_SUFFIXES):
        return None
    for bound in context.values(value, function).deployed():
        if bound.callee in FILE_SYSTEM_STORAGES:
            shown = quoted(context.excerpts.label(value, 32))
            return RULE.finding(
                value, what=f"FileSystemStorage {shown} as a field's storage",
                purpose="uploaded files", fix=STORAGE_FIX,
            )
    return None


def _text_setting(name: str, text: str, value: ast.expr, holder: ast.AST) -> Finding | None:
    lowered = text.lower()
    if name == "SESSION_TYPE" and lowered == "filesystem":
        return RULE.finding(
            value, what=f"Flask-Session SESSION_TYPE '{text}'", purpose="sessions",
            fix="use 'redis' or 'sqlalchemy'",
        )
    if name == "CACHE_TYPE" and (
        lowered in FILESYSTEM_CACHE_TYPES or lowered.endswith(".filesystemcache")
    ):
        return RULE.finding(
            value, what=f"Flask-Caching CACHE_TYPE '{text}'", purpose="the cache",
            fix="use 'RedisCache' or 'MemcachedCache'",
        )
    if name == "BACKEND" and text == FILE_BASED_CACHE and isinstance(holder, ast.Dict):
        return RULE.finding(
            value, what="Django FileBasedCache", purpose="the cache",
            fix="use RedisCache or PyMemcacheCache",
        )
    if name == "SESSION_ENGINE" and text == FILE_SESSION_ENGINE:
        return RULE.finding(
            value, what=f"SESSION_ENGINE '{text}'", purpose="sessions",
            fix="use the 'db' or 'cache' engine with Redis",
        )
    if name == "DEFAULT_FILE_STORAGE" and text in FILE_SYSTEM_STORAGES:
        return RULE.finding(
            value, what="DEFAULT_FILE_STORAGE FileSystemStorage", purpose="uploaded files",
            fix=STORAGE_FIX,
        )
    purpose = BEAKER_TYPE_KEYS.get(name)
    if purpose is not None and lowered in BEAKER_FILE_TYPES:
        return RULE.finding(
            value, what=f"Beaker {name} '{text}'", purpose=purpose,
            fix="use 'ext:redis' or 'ext:database'",
        )
    return None


def _media_root(
    value: ast.expr, holder: ast.AST, function: FunctionNode | None, context: Context
) -> Finding | None:
    """``MEDIA_ROOT`` set by settings (at import time, or ``settings.configure(...)``)
    while no settings module of the project names a default storage and a model has a
    file field without ``storage=``: Django saves its uploads under ``MEDIA_ROOT``."""
    site: ast.AST
    if isinstance(holder, ast.Name) and function is None:
        site = holder
    elif (
        isinstance(holder, ast.Call)
        and context.qualified_name(holder.func) == "django.conf.settings.configure"
    ):
        site = next(k for k in holder.keywords if k.arg == "MEDIA_ROOT")
    else:
        return None  # a local variable, ``settings.MEDIA_ROOT = ...`` in a test, a dict
    if not _names_a_folder(value, context):
        return None
    field = memoised(
        context, "field using the local default storage", context.tree,
        lambda: field_using_local_default(context, context.located),
    )
    if field is None:
        return None
    return RULE.finding(
        site, what="'MEDIA_ROOT' with no default storage", purpose=f"uploads of '{field}'",
        fix="set `STORAGES[\"default\"]` to object storage", group="MEDIA_ROOT",
    )


def _names_a_folder(value: ast.expr, context: Context) -> bool:
    """Not Django's empty default, nor a value built from the settings already loaded
    (``settings.MEDIA_ROOT``, ``getattr(settings, "MEDIA_ROOT")``,
    ``Path(settings.BASE_DIR) / "media"``): that is app code, not a settings module."""
    if isinstance(value, ast.Constant) and value.value in (None, ""):
        return False
    for part in ast.walk(value):
        if isinstance(part, ast.Attribute) and (
            part.attr == "MEDIA_ROOT"
            or (context.qualified_name(part) or "").startswith("django.conf.settings.")
        ):
            return False
        if (
            isinstance(part, ast.Call)
            and isinstance(part.func, ast.Name)
            and part.func.id == "getattr"
            and any(string_value(argument) == "MEDIA_ROOT" for argument in part.args)
        ):
            return False
    return True


def _backend(config: ast.Dict) -> ast.expr | None:
    for key, value in zip(config.keys, config.values, strict=True):
        if key is not None and string_value(key) == "BACKEND":
            return value
    return None


RULE = Rule(
    code="SLS204",
    name="filesystem-backend",
    message="{what} keeps {purpose} on local disk, one copy per machine; {fix}",
    summary="A session, cache or file storage backend is configured on the local disk.",
    rationale=(
        "A backend on local disk is per machine: behind a load balancer each replica has "
        "its own sessions (users are logged out when they land elsewhere), its own cache "
        "(invalidation misses the other copies) and its own uploaded files (served by one "
        "replica, missing on the others). Containers lose all of it on every deploy. "
        "Sessions and caches belong in Redis, Memcached or the database, files in object "
        "storage."
    ),
    bad_example='''\
from flask import Flask
from flask_session import Session

app = Flask(__name__)
app.config["SESSION_TYPE"] = "filesystem"
Session(app)
''',
    good_example='''\
import os

import redis
from flask import Flask
from flask_session import Session

app = Flask(__name__)
app.config["SESSION_TYPE"] = "redis"
app.config["SESSION_REDIS"] = redis.from_url(os.environ["REDIS_URL"])
Session(app)
''',
    node_types=(ast.Assign, ast.AnnAssign, ast.Dict, ast.Call),
    check=check,
    scope="config",
    triggers=(
        "*filesystem*", "filebased", "beaker", "sessions.backends.file", "session.type",
        "cache.type", "MEDIA_ROOT",
        # a value from another module of the project: only the setting is written here
        "*FileField", "*ImageField", "SESSION_TYPE", "CACHE_TYPE", "SESSION_ENGINE",
        "DEFAULT_FILE_STORAGE",
    ),
    references=(
        "https://12factor.net/backing-services",
        "https://flask-session.readthedocs.io/en/latest/config.html",
        "https://flask-caching.readthedocs.io/en/latest/#built-in-cache-backends",
        "https://docs.djangoproject.com/en/stable/topics/cache/#filesystem-caching",
        "https://docs.djangoproject.com/en/stable/ref/settings/#storages",
    ),
    notes=(
        "Reports Flask-Session `SESSION_TYPE = \"filesystem\"` and "
        "`FileSystemSessionInterface`, Flask-Caching `CACHE_TYPE` `\"filesystem\"`/"
        "`\"FileSystemCache\"`, cachelib/Flask-Caching `FileSystemCache(...)`, Django "
        "`FileBasedCache` (any cache alias), `SESSION_ENGINE = "
        "\"django.contrib.sessions.backends.file\"`, `FileSystemStorage` as "
        "`DEFAULT_FILE_STORAGE`, as `STORAGES[\"default\"]` or as a field's `storage=`, and "
        "Beaker `file`/`dbm` sessions and caches: wherever the configuration is written "
        "(settings modules, config classes, `app.config[...]`, `app.config.update(...)`, "
        "dict literals, constructor keywords).",
        "Reports Django's implicit default too: `MEDIA_ROOT` set by production settings (a "
        "settings module, a production config class, `settings.configure(MEDIA_ROOT=...)`) "
        "while a model of the project has a `FileField`/`ImageField` (or a sorl, "
        "easy-thumbnails, versatileimagefield or imagekit image field) without `storage=`, "
        "and no production settings module of the project names a default storage: "
        "neither `STORAGES[\"default\"]` nor `DEFAULT_FILE_STORAGE`. Django then saves "
        "those uploads with `FileSystemStorage` under `MEDIA_ROOT`. The whole project "
        "counts: `settings/production.py` naming S3 silences `MEDIA_ROOT` in "
        "`settings/base.py`; development and test settings, `if DEBUG:` blocks and "
        "development config classes name nothing for production. A `MEDIA_ROOT` read from "
        "the environment is still reported (the environment picks a folder, not a "
        "backend); if that folder is a volume shared by every machine (NFS, EFS), silence "
        "the line with `# noqa: SLS204`.",
        "Follows values through names: a `FileSystemStorage(...)` instance assigned to a "
        "name and passed as a file or image field's `storage=`, and `SESSION_TYPE`, "
        "`CACHE_TYPE`, `SESSION_ENGINE` and `DEFAULT_FILE_STORAGE` values, also from other "
        "modules of the project (`storage=private_storage` imported from `storage.py`); "
        "`\"BACKEND\"` and `STORAGES[\"default\"]` entries within the module.",
        "Leaves alone object-storage and network backends (`S3Boto3Storage`, GCS, Redis, "
        "Memcached, database sessions), `STORAGES[\"staticfiles\"]` (static files are built "
        "into the image), values read from the environment, test code, development "
        "settings modules and config classes (`settings/dev.py`, `class DevelopmentConfig`), "
        "anything under `if DEBUG:` or in a branch chosen by the environment (`if "
        "os.getenv(...)`), management commands, migrations, and `if __name__ == "
        "\"__main__\":` blocks (the development server). For `MEDIA_ROOT`: fields that "
        "name a storage (or may, through `**options`), form and serializer fields, models in "
        "tests and migrations, an empty `MEDIA_ROOT`, app code that builds it from the loaded "
        "`settings`, and any project where some production settings module names a default "
        "storage (a `STORAGES` value that may hold one, built by a call or merged with `**`, "
        "counts: only a literal without `\"default\"` names none).",
    ),
)
