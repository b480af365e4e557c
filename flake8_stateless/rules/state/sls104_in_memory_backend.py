"""SLS104 in-memory-backend: cache, session or rate-limit storage in process memory."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from flake8_stateless.context import Context, FunctionNode, string_value
from flake8_stateless.registry import Finding, Rule

SIMPLE_CACHE_TYPES = frozenset(
    {
        "simple",
        "simplecache",
        "flask_caching.backends.simplecache",
        "flask_caching.backends.simple",
        "flask_caching.backends.simplecache.simplecache",
        "flask_caching.backends.simple.simplecache",
    }
)
RATE_LIMIT_STORAGE_KEYS = frozenset({"RATELIMIT_STORAGE_URI", "RATELIMIT_STORAGE_URL"})
BEAKER_TYPE_KEYS = frozenset(
    {"session.type", "beaker.session.type", "cache.type", "beaker.cache.type"}
)
LOCMEM_BACKEND = "django.core.cache.backends.locmem.LocMemCache"
CACHE_SESSION_ENGINE = "django.contrib.sessions.backends.cache"
CACHE_ALIAS_SETTINGS = ("SESSION_CACHE_ALIAS", "CACHE_MIDDLEWARE_ALIAS", "RATELIMIT_USE_CACHE")

MEMORY_CONSTRUCTORS = {
    "cachelib.SimpleCache": ("cachelib SimpleCache()", "the cache"),
    "cachelib.simple.SimpleCache": ("cachelib SimpleCache()", "the cache"),
    "flask_caching.backends.SimpleCache": ("Flask-Caching SimpleCache()", "the cache"),
    "flask_caching.backends.simplecache.SimpleCache": ("Flask-Caching SimpleCache()", "the cache"),
    "werkzeug.contrib.cache.SimpleCache": ("werkzeug SimpleCache()", "the cache"),
    "limits.storage.MemoryStorage": ("limits MemoryStorage()", "rate limits"),
    "limits.aio.storage.MemoryStorage": ("limits MemoryStorage()", "rate limits"),
    "aiocache.SimpleMemoryCache": ("aiocache SimpleMemoryCache()", "the cache"),
    "aiocache.backends.memory.SimpleMemoryCache": ("aiocache SimpleMemoryCache()", "the cache"),
    "fastapi_cache.backends.inmemory.InMemoryBackend": (
        "fastapi-cache InMemoryBackend()",
        "the cache",
    ),
}
LIMITERS = {"flask_limiter.Limiter": "flask-limiter", "slowapi.Limiter": "slowapi"}
STORAGE_FROM_STRING = frozenset(
    {"limits.storage.storage_from_string", "limits.aio.storage.storage_from_string"}
)
AIOCACHE_CACHE = frozenset({"aiocache.Cache", "aiocache.factory.Cache"})


def check(node: ast.AST, function: FunctionNode | None, context: Context) -> Iterator[Finding]:
    if isinstance(node, ast.Call):
        yield from _constructor(node, function, context)
        for keyword in node.keywords:
            if keyword.arg is not None:
                yield from _setting(keyword.arg, keyword.value, function, context)
    elif isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values, strict=True):
            name = string_value(key)
            if name is not None:
                yield from _setting(name, value, function, context)
    elif isinstance(node, (ast.Assign, ast.AnnAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if node.value is None:
            return
        for target in targets:
            name = _setting_name(target)
            if name == "CACHES":
                yield from _django_caches(target, node.value, function, context)
            elif name is not None:
                found = list(_setting(name, node.value, function, context))
                if found and not _overridden_by_subclass(node, name, context):
                    yield from found


def _reported_where_set(key: str, value: ast.expr) -> bool:
    """``app.config["CACHE_TYPE"] = CACHE_TYPE``: the setting of the same name is
    reported where it is written (here, or in the module it is imported from)."""
    return isinstance(value, ast.Name) and value.id == key


def _dicts(value: ast.expr, function: FunctionNode | None, context: Context) -> list[ast.Dict]:
    """The literal dicts ``value`` is, in place or through names (deployed values only)."""
    if isinstance(value, ast.Dict):
        return [value]
    return context.values(value, function).nodes(ast.Dict)


BASE_CONFIG_NAMES = frozenset({"Config", "Settings", "Configuration", "Conf"})


def _overridden_by_subclass(statement: ast.stmt, name: str, context: Context) -> bool:
    """A base config class's default that every deployable subclass replaces is only
    used in development (``class BaseConfig: CACHE_TYPE = "simple"`` with
    ``class ProductionConfig(BaseConfig): CACHE_TYPE = "RedisCache"``)."""
    owner = _class_hierarchy(context).owner.get(id(statement))
    if owner is None or not _looks_like_a_base(owner.name):
        return False
    deployable = [
        cls
        for cls in _class_hierarchy(context).descendants.get(id(owner), ())
        if not context.is_guarded(cls.body[0])
    ]
    return bool(deployable) and all(
        (found := context.class_attribute(cls, name)) is not None and found[0] is not owner
        for cls in deployable
    )


@dataclass(frozen=True)
class _Hierarchy:
    owner: dict[int, ast.ClassDef]
    """id(class-level statement) -> its class."""
    descendants: dict[int, list[ast.ClassDef]]
    """id(class) -> the module's classes deriving from it, directly or not."""


def _class_hierarchy(context: Context) -> _Hierarchy:
    """Built once per file, on the first class-level setting that could be reported."""
    known = context.rule_memo.get(("sls104-hierarchy", 0))
    if isinstance(known, _Hierarchy):
        return known
    owner: dict[int, ast.ClassDef] = {}
    descendants: dict[int, list[ast.ClassDef]] = {}
    for cls in context.classes.values():
        for statement in cls.body:
            owner[id(statement)] = cls
        for ancestor in context.local_ancestors(cls):
            descendants.setdefault(id(ancestor), []).append(cls)
    hierarchy = _Hierarchy(owner, descendants)
    context.rule_memo[("sls104-hierarchy", 0)] = hierarchy
    return hierarchy


def _looks_like_a_base(class_name: str) -> bool:
    return (
        class_name in BASE_CONFIG_NAMES
        or class_name.startswith(("Base", "Default", "Common"))
        or class_name.endswith("Base")
    )


def _setting_name(target: ast.expr) -> str | None:
    """``KEY = ...`` (upper case) or ``something["KEY"] = ...``."""
    if isinstance(target, ast.Name) and target.id.isupper():
        return target.id
    if isinstance(target, ast.Attribute) and target.attr.isupper():
        return target.attr
    if isinstance(target, ast.Subscript):
        return string_value(target.slice)
    return None


def _setting(
    key: str, value: ast.expr, function: FunctionNode | None, context: Context
) -> Iterator[Finding]:
    if key not in SETTING_KEYS or _reported_where_set(key, value):
        return
    for text in context.strings(value, function):
        found = _setting_text(key, text, value, context)
        if found is not None:
            yield found
            return


SETTING_KEYS = frozenset(
    {"CACHE_TYPE", "SESSION_ENGINE", *RATE_LIMIT_STORAGE_KEYS, *BEAKER_TYPE_KEYS}
)
"""The only setting names ``_setting`` reads: everything else is rejected by one lookup."""


def _setting_text(key: str, text: str, value: ast.expr, context: Context) -> Finding | None:
    lowered = text.lower()
    if key == "CACHE_TYPE" and lowered in SIMPLE_CACHE_TYPES:
        return RULE.finding(
            value,
            what=f"Flask-Caching CACHE_TYPE '{text}'",
            purpose="the cache",
            fix="use 'RedisCache' or 'MemcachedCache'",
        )
    if key in RATE_LIMIT_STORAGE_KEYS and lowered.startswith("memory://"):
        return RULE.finding(
            value, what=f"{key} '{text}'", purpose="rate limits", fix="use a redis:// URI"
        )
    if key in BEAKER_TYPE_KEYS and lowered == "memory":
        return RULE.finding(
            value,
            what=f"Beaker {key} 'memory'",
            purpose="sessions",
            fix="use 'ext:redis' or 'ext:database'",
        )
    if key == "SESSION_ENGINE" and text == CACHE_SESSION_ENGINE:
        alias = string_value(context.module_values.get("SESSION_CACHE_ALIAS")) or "default"
        if _locmem_aliases(context).get(alias):
            return RULE.finding(
                value,
                what=f"SESSION_ENGINE on LocMemCache '{alias}'",
                purpose="sessions",
                fix="use a Redis cache or the 'db' engine",
            )
    return None


def _django_caches(
    target: ast.expr, value: ast.expr, function: FunctionNode | None, context: Context
) -> Iterator[Finding]:
    """``CACHES = {"default": {"BACKEND": "...LocMemCache"}}`` or
    ``CACHES["default"] = {...}``, also with the backend or an entry in a name
    (``"BACKEND": CACHE_BACKEND``): flagged for the caches Django actually uses, at the
    backend when it is written in place, else at the entry naming it."""
    if isinstance(target, ast.Subscript):
        entries = [(string_value(target.slice), value)]
    else:
        entries = [
            (string_value(k), v)
            for caches in _dicts(value, function, context)
            for k, v in zip(caches.keys, caches.values, strict=True)
        ]
    used = {"default"} | {
        alias
        for setting in CACHE_ALIAS_SETTINGS
        if (alias := string_value(context.module_values.get(setting))) is not None
    }
    for alias, config in entries:
        if alias not in used:
            continue
        for holder in _dicts(config, function, context):
            backend = _backend(holder)
            if backend is not None and LOCMEM_BACKEND in _backends(backend, function, context):
                yield RULE.finding(
                    backend if holder is config else config,
                    what=f"Django LocMemCache '{alias}'",
                    purpose="the cache",
                    fix="use RedisCache or PyMemcacheCache",
                )
                break


def _backends(backend: ast.expr, function: FunctionNode | None, context: Context) -> list[str]:
    """The backends a ``"BACKEND"`` entry names, through names of this module only:
    "caches" is in too many files for the text prefilter to keep each that could name
    another module's backend."""
    return context.strings(backend, function, across_modules=False)


def _backend(config: ast.Dict) -> ast.expr | None:
    for key, value in zip(config.keys, config.values, strict=True):
        if string_value(key) == "BACKEND":
            return value
    return None


def _locmem_aliases(context: Context) -> dict[str, bool]:
    """Cache alias -> whether every production binding of ``CACHES`` (those not under a
    debug switch) gives it Django's LocMemCache."""
    aliases: dict[str, bool] = {}
    for bound in context.module_bindings.get("CACHES", ()):
        if not isinstance(bound, ast.expr) or context.is_guarded(bound):
            continue
        for caches in _dicts(bound, None, context):
            for key, config in zip(caches.keys, caches.values, strict=True):
                alias = string_value(key)
                backends = [
                    texts
                    for holder in _dicts(config, None, context)
                    if (backend := _backend(holder)) is not None
                    for texts in [_backends(backend, None, context)]
                ]
                if alias is not None and backends:
                    locmem = all(texts == [LOCMEM_BACKEND] for texts in backends)
                    aliases[alias] = aliases.get(alias, True) and locmem
    return aliases


def _constructor(
    call: ast.Call, function: FunctionNode | None, context: Context
) -> Iterator[Finding]:
    name = context.qualified_name(call.func)
    if name is None:
        return
    known = MEMORY_CONSTRUCTORS.get(name)
    if known is not None:
        what, purpose = known
        yield RULE.finding(call, what=what, purpose=purpose, fix="use a Redis or Memcached backend")
    elif name in LIMITERS:
        yield from _limiter(call, LIMITERS[name], function, context)
    elif name in STORAGE_FROM_STRING and call.args:
        uri = _memory_uri(call.args[0], function, context)
        if uri is not None:
            yield RULE.finding(
                call, what=f"storage '{uri}'", purpose="rate limits", fix="use a redis:// URI"
            )
    elif name in AIOCACHE_CACHE and _aiocache_in_memory(call, context):
        yield RULE.finding(
            call,
            what="aiocache Cache(Cache.MEMORY)",
            purpose="the cache",
            fix="use Cache.REDIS or Cache.MEMCACHED",
        )


def _memory_uri(value: ast.expr, function: FunctionNode | None, context: Context) -> str | None:
    """The ``memory://`` URI ``value`` may be, in place or through names."""
    return next(
        (uri for uri in context.strings(value, function) if uri.lower().startswith("memory://")),
        None,
    )


def _limiter(
    call: ast.Call, library: str, function: FunctionNode | None, context: Context
) -> Iterator[Finding]:
    """flask-limiter and slowapi keep limits in memory unless told otherwise."""
    if any(keyword.arg is None for keyword in call.keywords):
        return  # **options: the storage may be in there
    storage = next((k.value for k in call.keywords if k.arg == "storage_uri"), None)
    if storage is None:
        configured_elsewhere = "RATELIMIT_STORAGE" in context.text or any(
            k.arg == "config_filename" for k in call.keywords
        )
        if not configured_elsewhere:
            yield RULE.finding(
                call,
                what=f"{library} Limiter() without storage_uri (memory://)",
                purpose="rate limits",
                fix="pass storage_uri='redis://...'",
            )
        return
    uri = _memory_uri(storage, function, context)
    if uri is not None:
        yield RULE.finding(
            storage,
            what=f"{library} storage_uri '{uri}'",
            purpose="rate limits",
            fix="use a redis:// URI",
        )


def _aiocache_in_memory(call: ast.Call, context: Context) -> bool:
    chosen = call.args[0] if call.args else None
    for keyword in call.keywords:
        if keyword.arg == "cache_class":
            chosen = keyword.value
    if chosen is None:
        return not call.keywords or all(k.arg != "cache_class" for k in call.keywords)
    name = context.qualified_name(chosen) or ""
    return name.endswith(".MEMORY") or name.endswith("SimpleMemoryCache")


RULE = Rule(
    code="SLS104",
    name="in-memory-backend",
    message="{what} keeps {purpose} in process memory, one copy per process; {fix}",
    summary="A cache, session or rate-limit backend is configured to live in process memory.",
    rationale=(
        "In-memory backends are per process. Behind a load balancer, or with several "
        "gunicorn workers, each process has its own cache, its own sessions and its own "
        "rate-limit counters: invalidation misses the other copies, users are logged out "
        "when they land on another process, and a limit of 100 requests becomes 100 per "
        "process. Everything is lost on restart."
    ),
    bad_example="""\
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
    }
}
""",
    good_example="""\
import os

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
    }
}
""",
    node_types=(ast.Assign, ast.AnnAssign, ast.Dict, ast.Call),
    check=check,
    scope="config",
    triggers=(
        "CACHE_TYPE",
        "RATELIMIT_STORAGE_UR*",
        "session.type",
        "cache.type",
        "LocMemCache",
        "SimpleCache",
        "MemoryStorage",
        "InMemoryBackend",
        "Limiter",
        "storage_from_string",
        "aiocache",
    ),
    references=(
        "https://12factor.net/backing-services",
        "https://docs.djangoproject.com/en/stable/topics/cache/#local-memory-caching",
        "https://flask-caching.readthedocs.io/en/latest/#built-in-cache-backends",
        "https://flask-limiter.readthedocs.io/en/stable/#configuring-a-storage-backend",
    ),
    notes=(
        "Follows the backend through names: `CACHE_TYPE`, rate-limit URIs, `SESSION_ENGINE` "
        "and Beaker types also into other modules of the project "
        "(`app.config[\"CACHE_TYPE\"] = CACHE_KIND` with `CACHE_KIND = \"simple\"` in "
        "`settings.py`), Django `CACHES` entries and their `\"BACKEND\"` within the module "
        "(`\"BACKEND\": CACHE_BACKEND`). Every binding of a name counts; one bound under "
        "`if DEBUG:` does not.",
        "Leaves alone Redis, Memcached and database backends, cookie-based sessions, values "
        "read from the environment, test settings, development settings modules and config "
        "classes (`settings/dev.py`, `class DevelopmentConfig`), and anything under "
        "`if DEBUG:`.",
    ),
)
