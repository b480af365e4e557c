"""SLS203 local-database-file: a file-backed embedded store as the app's persistence."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Sequence

from flake8_stateless.context import Context, FunctionNode, dotted_name, string_value
from flake8_stateless.excerpts import code
from flake8_stateless.frameworks import NON_REQUEST_FUNCTION_NAMES
from flake8_stateless.registry import Finding, Rule
from flake8_stateless.rules.files.common import (
    argument,
    bindings,
    callee_last_name,
    chosen_by_environment,
    config_entries,
    memoised,
    setting_name,
)

DATABASE_FIX = "use a database server (PostgreSQL, MySQL) from the environment"
STORE_FIX = "use the database or Redis"
CACHE_FIX = "use Redis or Memcached"

CONNECTORS: dict[str, tuple[tuple[str, ...], str, str]] = {
    # qualified name: (keywords naming the file, what it keeps, the way out)
    "sqlite3.connect": (("database",), "data", DATABASE_FIX),
    "aiosqlite.connect": (("database",), "data", DATABASE_FIX),
    "sqlite_utils.Database": (("filename_or_conn",), "data", DATABASE_FIX),
    "peewee.SqliteDatabase": (("database",), "data", DATABASE_FIX),
    "playhouse.sqlite_ext.SqliteExtDatabase": (("database",), "data", DATABASE_FIX),
    "playhouse.sqlite_ext.CSqliteExtDatabase": (("database",), "data", DATABASE_FIX),
    "playhouse.sqliteq.SqliteQueueDatabase": (("database",), "data", DATABASE_FIX),
    "sqlitedict.SqliteDict": (("filename",), "data", STORE_FIX),
    "shelve.open": (("filename",), "data", STORE_FIX),
    "dbm.open": (("file",), "data", STORE_FIX),
    "dbm.gnu.open": (("filename",), "data", STORE_FIX),
    "dbm.ndbm.open": (("filename",), "data", STORE_FIX),
    "dbm.dumb.open": (("file",), "data", STORE_FIX),
    "tinydb.TinyDB": (("path",), "data", STORE_FIX),
    "diskcache.Cache": (("directory",), "the cache", CACHE_FIX),
    "diskcache.FanoutCache": (("directory",), "the cache", CACHE_FIX),
    "diskcache.core.Cache": (("directory",), "the cache", CACHE_FIX),
    "diskcache.fanout.FanoutCache": (("directory",), "the cache", CACHE_FIX),
    "diskcache.Index": (("directory",), "data", STORE_FIX),
    "diskcache.Deque": (("directory",), "data", STORE_FIX),
}
"""Embedded stores that keep their data in a local file or directory."""
CONNECTOR_NAMES = frozenset(name.rpartition(".")[2] for name in CONNECTORS)

URL_TAKERS = frozenset(
    {
        "sqlalchemy.create_engine", "sqlalchemy.engine.create_engine",
        "sqlalchemy.ext.asyncio.create_async_engine", "sqlmodel.create_engine",
        "databases.Database", "dataset.connect", "playhouse.db_url.connect",
        "records.Database",
    }
)
"""Calls taking a database URL as their first argument."""
URL_TAKER_NAMES = frozenset(name.rpartition(".")[2] for name in URL_TAKERS)

SQLITE_ENGINES = frozenset(
    {"django.db.backends.sqlite3", "django.contrib.gis.db.backends.spatialite"}
)
ENVIRONMENT_READERS = frozenset(
    {"dj_database_url.config", "environs.Env", "decouple.config", "os.getenv", "os.environ.get"}
)
SEARCH_FIX = "use a search service or the database's full-text search"
SEARCH_INDEXES: dict[str, tuple[int, str]] = {
    # qualified name: (position, keyword) of the index's directory
    "whoosh.index.create_in": (0, "dirname"),
    "whoosh.index.open_dir": (0, "dirname"),
    "whoosh.filedb.filestore.FileStorage": (0, "path"),
    "tantivy.Index": (1, "path"),
    "tantivy.Index.open": (0, "path"),
    "xapian.WritableDatabase": (0, "path"),
}
"""Search engines that keep their index in a local directory when given one."""
SEARCH_INDEX_NAMES = frozenset(name.rpartition(".")[2] for name in SEARCH_INDEXES)
INDEX_EXTENSIONS = {
    # qualified name: (settings that choose the index's place, the default directory)
    "flask_whooshee.Whooshee": (("WHOOSHEE_DIR", "WHOOSHEE_MEMORY_STORAGE"), "whooshee"),
    "flask_whooshalchemy.whoosh_index": (("WHOOSH_BASE",), "whoosh_index"),
    "flask_whooshalchemy.search_index": (("WHOOSH_BASE",), "whoosh_index"),
}
"""Flask extensions that put a Whoosh index in a local directory unless configured."""
INDEX_EXTENSION_NAMES = frozenset(name.rpartition(".")[2] for name in INDEX_EXTENSIONS)
INDEX_SETTINGS = frozenset({"WHOOSH_BASE", "WHOOSHEE_DIR", "WHOOSH_INDEX_PATH"})
WHOOSH_ENGINES = frozenset({"haystack.backends.whoosh_backend.WhooshEngine"})
"""django-haystack's Whoosh backend: its ``PATH`` is a local directory."""
SQL_RUNNERS = frozenset({"execute", "executescript", "executemany", "exec_driver_sql"})
_ATTACH = re.compile(r"\s*attach\s+(?:database\s+)?(?P<file>'[^']*'|\"[^\"]*\"|\S+)", re.I)
PATH_WRAPPERS = frozenset(
    {"str", "os.fspath", "pathlib.Path", "os.path.expanduser", "os.path.abspath"}
)
"""Calls that leave a path what it is: ``Path(os.environ["DB_PATH"])`` is still the
deployer's."""
CLI_PACKAGES = frozenset({"argparse", "optparse", "click", "typer", "fire", "docopt"})
ENTRY_DECORATORS = ("command", "group", "callback")
"""``@click.command()``, ``@app.cli.command()``, ``@cli.group()``, Typer ``callback``."""
SETTINGS_BASES = frozenset(
    {"pydantic_settings.BaseSettings", "pydantic.BaseSettings", "pydantic.v1.BaseSettings"}
)
_SQLITE_URL = re.compile(r"sqlite(\+\w+)?://(?P<rest>.*)", re.I | re.S)
_PLACEHOLDER = "{…}"


def check(node: ast.AST, function: FunctionNode | None, context: Context) -> Iterator[Finding]:
    if isinstance(node, ast.Call):
        found = _call(node, function, context)
        if found is not None:
            config_like = found[1]
            if _in_app_code(node, function, context, config_like=config_like):
                yield found[0]
        if not node.keywords:
            return
        entries = config_entries(node)
    elif isinstance(node, (ast.Assign, ast.AnnAssign)):
        entries = iter(())
        finding = _assignment(node, function, context)
        if finding is not None and _in_app_code(node, function, context, config_like=True):
            yield finding
    elif isinstance(node, ast.Dict):
        entries = config_entries(node)
    else:
        return
    for name, value, holder in entries:
        finding = _entry(name, value, holder, function, context)
        if finding is None:
            continue
        if isinstance(node, ast.Call) and _reads_environment(node, context):
            return  # ``env.db(default="sqlite:///...")``: checked only for the rare hit
        if _in_app_code(node, function, context, config_like=True):
            yield finding


# ------------------------------------------------------------------ what is a local store
def sqlite_url(expr: ast.AST) -> str | None:
    """The text of a SQLite URL naming a file (``sqlite:///app.db``, also built with
    an f-string, ``.format()`` or ``+``), with ``{…}`` for the parts computed at run time.
    None for in-memory URLs (``sqlite://``, ``sqlite:///:memory:``, ``mode=memory``)."""
    text = _literal_text(expr)
    if text is None:
        return None
    match = _SQLITE_URL.fullmatch(text)
    if match is None:
        return None
    rest = match["rest"]
    if rest in ("", "/") or ":memory:" in rest or "mode=memory" in rest:
        return None
    return text


def _literal_text(expr: ast.AST) -> str | None:
    """The text of a string built from literals, ``{…}`` where it is computed. Strings
    that cannot start with ``sqlite`` stop at the first look."""
    head = expr
    while isinstance(head, ast.BinOp):
        head = head.left
    if isinstance(head, ast.JoinedStr):
        head = head.values[0] if head.values else head
    elif isinstance(head, ast.Call) and isinstance(head.func, ast.Attribute):
        head = head.func.value
    if not (
        isinstance(head, ast.Constant)
        and isinstance(head.value, str)
        and head.value[:6].lower() == "sqlite"
    ):
        return None
    if isinstance(expr, ast.Constant):
        return expr.value if isinstance(expr.value, str) else None
    if isinstance(expr, ast.JoinedStr):
        parts = [
            part.value if isinstance(part, ast.Constant) and isinstance(part.value, str)
            else _PLACEHOLDER
            for part in expr.values
        ]
        return "".join(parts)
    if (
        isinstance(expr, ast.Call)
        and isinstance(expr.func, ast.Attribute)
        and expr.func.attr == "format"
        and isinstance(expr.func.value, ast.Constant)
        and isinstance(expr.func.value.value, str)
    ):
        return re.sub(r"\{[^{}]*\}", _PLACEHOLDER, expr.func.value.value)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Add, ast.Mod)):
        return head.value + _PLACEHOLDER  # ``"sqlite:///" + path``: the head is the text
    return None


def _is_memory_path(path: ast.expr | None) -> bool:
    text = string_value(path) if path is not None else None
    if text is None:
        return False
    return text in ("", ":memory:") or "mode=memory" in text or text.startswith("file::memory:")


def _call(
    call: ast.Call, function: FunctionNode | None, context: Context
) -> tuple[Finding, bool] | None:
    """An embedded store opened on a file (not config-like), or a database URL
    passed to an engine (config-like)."""
    func = call.func
    last = callee_last_name(func, context)
    known = CONNECTORS.get(context.qualified_name(func) or "") if last in CONNECTOR_NAMES else None
    if known is not None:
        name = context.qualified_name(func) or ""
        keywords, purpose, fix = known
        path = argument(call, 0, *keywords)
        if _is_memory_path(path) or _in_memory_tinydb(call, name, context):
            return None
        if path is not None and read_from_environment(path, function, context):
            return None
        label = context.excerpts.label
        shown = f"{label(func)}({label(path, 24)})" if path is not None else f"{label(func)}()"
        return RULE.finding(call, what=code(shown), purpose=purpose, fix=fix), False
    if last in SEARCH_INDEX_NAMES or last in INDEX_EXTENSION_NAMES:
        return _search_index(call, function, context)
    if last in SQL_RUNNERS and call.args:
        attached = _attached_file(call.args[0], function, context)
        if attached is not None:
            return RULE.finding(
                call.args[0], what=f"ATTACH DATABASE {attached}", purpose="data", fix=DATABASE_FIX
            ), False
        return None
    if last in URL_TAKER_NAMES and call.args:
        name = context.qualified_name(func) or ""
        url = _url_argument(call.args[0], function, context) if name in URL_TAKERS else None
        if url is not None:
            return RULE.finding(
                call.args[0], what=f"{code(context.excerpts.label(func) + '()')} URL {_shown(url)}",
                purpose="data",
                fix=DATABASE_FIX,
            ), True
    return None


def _search_index(
    call: ast.Call, function: FunctionNode | None, context: Context
) -> tuple[Finding, bool] | None:
    """A search index in a local directory: Whoosh ``create_in``/``open_dir``/
    ``FileStorage``, tantivy and xapian given a path, Flask-Whooshee and
    Flask-WhooshAlchemy with their default directory. In-memory indexes (``RamStorage``,
    tantivy without a path) and directories from the environment are silent."""
    name = context.qualified_name(call.func) or ""
    extension = INDEX_EXTENSIONS.get(name)
    if extension is not None:
        settings, default = extension
        if any(setting in context.text for setting in settings):
            return None  # configured: the setting is reported where it names a directory
        shown = code(context.excerpts.label(call.func) + "()")
        return RULE.finding(
            call, what=f"{shown} (default '{default}' folder)",
            purpose="the search index", fix=SEARCH_FIX,
        ), False
    place = SEARCH_INDEXES.get(name)
    if place is None:
        return None
    path = argument(call, *place)
    if path is None or string_value(path) == "" or _path_from_environment(path, function, context):
        return None
    return RULE.finding(
        call,
        what=code(f"{context.excerpts.label(call.func)}({context.excerpts.label(path, 24)})"),
        purpose="the search index",
        fix=SEARCH_FIX,
    ), False


def _path_from_environment(
    expr: ast.expr, function: FunctionNode | None, context: Context
) -> bool:
    """A directory read from the environment, in place or through a name bound to it
    (locally, else at module level): the deployer chooses where the index lives."""
    if context.from_environment(expr):
        return True
    if isinstance(expr, (ast.Name, ast.Attribute)) and _imported_from_environment(
        expr, function, context
    ):
        return True
    names = {n.id for n in ast.walk(expr) if isinstance(n, ast.Name)}
    for name in names:
        if function is not None and context.binds_locally(function, name):
            values = [v for t, v in bindings(function, context) if isinstance(t, ast.Name)
                      and t.id == name]
        else:
            values = [v for v in context.module_bindings.get(name, ()) if isinstance(v, ast.expr)]
        if values and all(context.from_environment(value) for value in values):
            return True
    return False


def _attached_file(
    sql: ast.expr, function: FunctionNode | None, context: Context
) -> str | None:
    """The file an ``ATTACH DATABASE`` statement adds to a connection (also through
    SQLAlchemy's ``text()``), shown for the message; None when it is not an attach,
    attaches an in-memory database, or takes its file from the environment."""
    if isinstance(sql, ast.Call) and sql.args and (
        context.qualified_name(sql.func) or ""
    ).endswith("text"):
        sql = sql.args[0]
    text, computed = _sql_text(sql)
    if text is None or "attach" not in text[:40].lower():
        return None
    match = _ATTACH.match(text)
    if match is None:
        return None
    attached = match["file"]
    bare = attached.strip("'\"")
    if bare in ("", ":memory:") or "mode=memory" in bare or bare.startswith("file::memory:"):
        return None
    if "://" in bare or bare.startswith("md:"):
        return None  # DuckDB attaching a remote database (``s3://``, MotherDuck)
    if attached.startswith(("?", ":")):
        return None  # a parameter: judged where the path is made, if anywhere
    if any(_path_from_environment(part, function, context) for part in computed):
        return None
    return attached if len(attached) <= 30 else attached[:29] + "…"


def _sql_text(sql: ast.expr) -> tuple[str | None, list[ast.expr]]:
    """The text of a SQL statement with ``{…}`` where it is computed (f-strings,
    ``.format()``, ``%`` and ``+``), and the computed parts."""
    if isinstance(sql, ast.JoinedStr):
        text = "".join(
            v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else _PLACEHOLDER
            for v in sql.values
        )
        return text, [v.value for v in sql.values if isinstance(v, ast.FormattedValue)]
    if (
        isinstance(sql, ast.Call)
        and isinstance(sql.func, ast.Attribute)
        and sql.func.attr == "format"
        and isinstance(sql.func.value, ast.Constant)
        and isinstance(sql.func.value.value, str)
    ):
        text = re.sub(r"\{[^{}]*\}", _PLACEHOLDER, sql.func.value.value)
        return text, [*sql.args, *(k.value for k in sql.keywords)]
    if isinstance(sql, ast.BinOp) and isinstance(sql.op, ast.Mod):
        head = string_value(sql.left)
        if head is not None:
            return re.sub(r"%(\(\w*\))?s", _PLACEHOLDER, head), [sql.right]
    if isinstance(sql, ast.BinOp) and isinstance(sql.op, ast.Add):
        operands: list[ast.expr] = []
        left: ast.expr = sql
        while isinstance(left, ast.BinOp) and isinstance(left.op, ast.Add):
            operands.append(left.right)
            left = left.left
        operands.append(left)
        operands.reverse()
        if string_value(operands[0]) is not None:
            texts = [string_value(operand) for operand in operands]
            return "".join(_PLACEHOLDER if t is None else t for t in texts), [
                operand for operand, t in zip(operands, texts, strict=True) if t is None
            ]
    return string_value(sql), []


def _url_argument(
    expr: ast.expr, function: FunctionNode | None, context: Context
) -> str | None:
    """The SQLite file URL given to an engine: written in place, or held in a local
    variable of the function (a module-level constant is reported where it is set)."""
    url = sqlite_url(expr)
    if url is not None or function is None or not isinstance(expr, ast.Name):
        return url
    if not context.binds_locally(function, expr.id):
        return None
    for target, value in bindings(function, context):
        if isinstance(target, ast.Name) and target.id == expr.id:
            url = sqlite_url(value)
            if url is not None:
                return url
    return None


def _in_memory_tinydb(call: ast.Call, name: str, context: Context) -> bool:
    if name != "tinydb.TinyDB":
        return False
    return any(
        k.arg == "storage" and (context.qualified_name(k.value) or "").endswith("MemoryStorage")
        for k in call.keywords
    )


def _assignment(
    node: ast.Assign | ast.AnnAssign, function: FunctionNode | None, context: Context
) -> Finding | None:
    """``DATABASE_URL = "sqlite:///app.db"``, ``app.config["SQLALCHEMY_DATABASE_URI"] =
    f"sqlite:///{path}"``, ``DATABASES["default"]["ENGINE"] = "...sqlite3"``. Inside a
    function only a setting counts (``app.config[...]``, ``config.DATABASE_URL``): a local
    or ``self.db_url`` holding a URL is reported where it reaches an engine, if it does."""
    value = node.value
    if value is None:
        return None
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    url = sqlite_url(value)
    if url is not None:
        target = targets[0]
        if function is not None and setting_name(target) is None:
            return None
        if isinstance(target, ast.Name) and _environment_default(target.id, context):
            return None
        if _in_settings_class(node, context):
            return None
        return RULE.finding(
            value, what=f"{_target_label(target, context)} {_shown(url)}", purpose="data",
            fix=DATABASE_FIX,
        )
    index = _index_setting(targets, value, function, context)
    if index is not None:
        return None if _in_settings_class(node, context) else index
    for target in targets:
        if isinstance(target, ast.Subscript) and string_value(target.slice) == "ENGINE":
            engine = next(
                (e for e in context.strings(value, function, across_modules=False)
                 if e in SQLITE_ENGINES),
                None,
            )
            if engine is not None:
                return RULE.finding(
                    value, what=f"Django ENGINE '{engine}'", purpose="data",
                    fix=DATABASE_FIX,
                )
    return None


def _index_setting(
    targets: Sequence[ast.expr], value: ast.expr, function: FunctionNode | None, context: Context
) -> Finding | None:
    """``WHOOSH_BASE = os.path.join(basedir, "search.db")``, ``app.config["WHOOSHEE_DIR"]
    = ...``, a config class attribute: where Flask-WhooshAlchemy and Flask-Whooshee keep
    the index."""
    for target in targets:
        name = setting_name(target)
        if name not in INDEX_SETTINGS:
            continue
        if isinstance(target, ast.Name) and _environment_default(target.id, context):
            return None
        return _index_directory(name, value, function, context)
    return None


def _index_directory(
    name: str, value: ast.expr, function: FunctionNode | None, context: Context
) -> Finding | None:
    if isinstance(value, ast.Constant) and value.value in (None, "", False):
        return None
    if _path_from_environment(value, function, context):
        return None
    return RULE.finding(
        value,
        what=f"{name} {code(context.excerpts.label(value, 28))}",
        purpose="the search index",
        fix=SEARCH_FIX,
    )


def _entry(
    name: str, value: ast.expr, holder: ast.AST, function: FunctionNode | None, context: Context
) -> Finding | None:
    """A keyword or dict entry: ``SQLALCHEMY_DATABASE_URI="sqlite:///..."``,
    ``db_url="sqlite://db.sqlite3"``, ``{"ENGINE": "django.db.backends.sqlite3"}`` (the
    engine also through a name of this module: ``{"ENGINE": DB_ENGINE}``; one imported
    from another module is not followed, as "engine" is too common a word for the text
    prefilter to keep every file that could name one)."""
    if name in INDEX_SETTINGS:
        return _index_directory(name, value, None, context)
    if name == "ENGINE" and isinstance(holder, ast.Dict):
        engines = context.strings(value, function, across_modules=False)
        if WHOOSH_ENGINES.intersection(engines):
            return RULE.finding(
                value, what="haystack WhooshEngine", purpose="the search index", fix=SEARCH_FIX
            )
        engine = next((e for e in engines if e in SQLITE_ENGINES), None)
        if (
            engine is not None
            and not _memory_database(holder)
            and not _named_by_environment(holder, context)
        ):
            return RULE.finding(
                value, what=f"Django ENGINE '{engine}'", purpose="data",
                fix=DATABASE_FIX,
            )
        return None
    url = sqlite_url(value)
    if url is None:
        return None
    return RULE.finding(
        value, what=f"{name} {_shown(url)}", purpose="data", fix=DATABASE_FIX
    )


def _memory_database(config: ast.Dict) -> bool:
    return any(
        string_value(k) == "NAME" and _is_memory_path(v)
        for k, v in zip(config.keys, config.values, strict=True)
        if k is not None
    )


def _named_by_environment(config: ast.Dict, context: Context) -> bool:
    """``{"ENGINE": "...sqlite3", "NAME": env("SQLITE_PATH")}``: the deployer names the file."""
    return any(
        string_value(k) == "NAME" and read_from_environment(v, None, context)
        for k, v in zip(config.keys, config.values, strict=True)
        if k is not None
    )


def _shown(url: str) -> str:
    return repr(url if len(url) <= 40 else url[:39] + "…")


def _target_label(target: ast.expr, context: Context) -> str:
    """The setting's name, like a keyword's (``SQLALCHEMY_DATABASE_URI`` also for
    ``app.config[...]``), else the target as written, in backticks."""
    if isinstance(target, ast.Subscript):
        key = string_value(target.slice)
        if key is not None:
            return key
    return dotted_name(target) or code(context.excerpts.label(target))


# ------------------------------------------------------------------ environment
def _reads_environment(call: ast.Call, context: Context) -> bool:
    """``os.getenv("DATABASE_URL", "sqlite:///app.db")``, ``env.db(default=...)``,
    ``dj_database_url.config(default=...)``: the deployer chooses, the literal is a
    development default."""
    name = context.qualified_name(call.func) or ""
    return name in ENVIRONMENT_READERS or context.from_environment(call.func)


def read_from_environment(
    expr: ast.expr, function: FunctionNode | None, context: Context, depth: int = 0
) -> bool:
    """Whether a database path or URL is read from the environment as a whole, so the
    deployer chooses it: ``os.environ["DB_PATH"]``, ``os.environ.get("DB_PATH", "app.db")``,
    ``os.getenv(...)``, ``env("DB_PATH")``, ``env.str(...)``, ``config(...)``, also as
    ``str(...)``/``Path(...)``, before ``or "app.db"`` (a development default), and
    through a name bound to one (in the function, else the module; a few names deep). A
    path the code builds around such a value (``os.path.join(os.environ["DATA_DIR"],
    "app.db")``) is still the code's own choice of a local file."""
    for _ in range(4):
        if isinstance(expr, ast.BoolOp) and isinstance(expr.op, ast.Or):
            expr = expr.values[0]
        elif (
            isinstance(expr, ast.Call)
            and len(expr.args) == 1
            and context.qualified_name(expr.func) in PATH_WRAPPERS
        ):
            expr = expr.args[0]
        else:
            break
    if isinstance(expr, ast.Name) and depth < 3:
        local = function is not None and context.binds_locally(function, expr.id)
        scope = function if local else None
        values = _values_of(expr.id, scope, context)
        if any(read_from_environment(v, scope, context, depth + 1) for v in values):
            return True
    if isinstance(expr, (ast.Name, ast.Attribute)):
        return _imported_from_environment(expr, function, context)
    if isinstance(expr, ast.Subscript):
        return context.qualified_name(expr.value) == "os.environ"
    if isinstance(expr, ast.Call):
        name = context.qualified_name(expr.func) or ""
        return name in ENVIRONMENT_READERS or context.from_environment(expr.func)
    return False


def _imported_from_environment(
    expr: ast.Name | ast.Attribute, function: FunctionNode | None, context: Context
) -> bool:
    """``DB_PATH`` imported from (or ``settings.DB_PATH`` read in) another module of the
    project that reads it from the environment there."""
    root: ast.expr = expr
    while isinstance(root, ast.Attribute):
        root = root.value
    if not isinstance(root, ast.Name) or not context.is_imported(root.id):
        return False
    if function is not None and context.binds_locally(function, root.id):
        return False
    return context.values(expr, function).environment


def _values_of(name: str, function: FunctionNode | None, context: Context) -> list[ast.expr]:
    """Every value bound to ``name``: in ``function``'s own body, or in the module."""
    if function is not None:
        pairs = bindings(function, context)
        return [v for t, v in pairs if isinstance(t, ast.Name) and t.id == name]
    return [v for v in context.module_bindings.get(name, ()) if isinstance(v, ast.expr)]


def _environment_default(name: str, context: Context) -> bool:
    """Whether module-level ``name`` only serves as the default of an environment read
    (``os.getenv("DATABASE_URL", DEFAULT_URL)``)."""
    defaults = memoised(
        context, "environment defaults", context.tree, lambda: _environment_defaults(context.text)
    )
    return name in defaults


_READ_ARGUMENTS = re.compile(r"\(\s*['\"]\w+['\"]\s*,\s*(\w+)(?:\s*=\s*(\w+))?")
"""``("KEY", NAME`` or ``("KEY", default=NAME``: the start of a call's arguments."""


def _environment_defaults(text: str) -> frozenset[str]:
    """The names given as the default of a call that reads like an environment read:
    ``getenv("KEY", NAME)``, ``env.str("KEY", default=NAME)``, ``config("KEY", NAME)``,
    ``environ.get(...)``. One pass over the text: the word before each ``(`` is read
    backwards (a regex searching ``env\\w*\\(`` rescans a long word at each ``env``)."""
    found: set[str] = set()
    for match in _READ_ARGUMENTS.finditer(text):
        start = end = match.start()
        while start > 0 and (text[start - 1].isalnum() or text[start - 1] == "_"):
            start -= 1
        callee = text[start:end]
        dotted_get = callee == "get" and start > 0 and text[start - 1] == "."
        if dotted_get or "env" in callee or callee.endswith(("config", "str")):
            found.add(match[1])
            if match[1] == "default" and match[2] is not None:
                found.add(match[2])
    return frozenset(found)


def _in_settings_class(node: ast.AST, context: Context) -> bool:
    """A field default of a pydantic ``BaseSettings`` class: read from the environment."""
    for cls in context.classes.values():
        if any(statement is node for statement in cls.body):
            return any(
                (context.qualified_name(base) or "") in SETTINGS_BASES
                or (dotted_name(base) or "").endswith("Settings")
                for base in cls.bases
            )
    return False


# ------------------------------------------------------------------ where it counts
def _in_app_code(
    node: ast.AST, function: FunctionNode | None, context: Context, *, config_like: bool
) -> bool:
    """The app's own persistence: request-serving code, configuration and module-level
    set-up of an app; not tests, test or development settings, migrations, management
    commands, CLI scripts, ``__main__`` blocks, ``main()``/click commands, or blocks under
    a debug switch. A store opened inside some other function counts only in a module
    that imports a web framework (a data-pipeline helper is not the app's database)."""
    path = context.path
    if path.never_serves or path.is_dev_settings:
        return False
    if context.is_guarded(node) or context.in_main_guard(node):
        return False
    if chosen_by_environment(node, function, context):
        return False
    if context.is_request_serving(function):
        return True
    if not context.imports_web_framework and _is_cli_module(context):
        return False
    if function is None:
        return True
    if _in_entry_point(function, context):
        return False
    return config_like or context.imports_web_framework


def _is_cli_module(context: Context) -> bool:
    return bool(context.main_guard_spans) or bool(context.imported_packages & CLI_PACKAGES)


def _in_entry_point(function: FunctionNode, context: Context) -> bool:
    current: FunctionNode | None = function
    while current is not None:
        if current.name in NON_REQUEST_FUNCTION_NAMES - {"create_app", "make_app"}:
            return True
        if "test" in current.name.lower().split("_"):
            return True  # ``_clone_test_db``: a test helper
        for decorator in current.decorator_list:
            target = decorator.func if isinstance(decorator, ast.Call) else decorator
            if (dotted_name(target) or "").rpartition(".")[2] in ENTRY_DECORATORS:
                return True
        current = context.function_parent.get(id(current))
    return False


RULE = Rule(
    code="SLS203",
    name="local-database-file",
    message="{what} stores {purpose} in a local file; {fix}",
    summary=(
        "The app keeps its data or search index in a file-backed embedded store (SQLite, "
        "shelve, dbm, Whoosh...)."
    ),
    rationale=(
        "SQLite, shelve, dbm, TinyDB, diskcache and search engines such as Whoosh keep "
        "their data in a file on the machine that runs the code. A second replica gets its "
        "own, empty copy (a post indexed on one machine is never found on the others); a "
        "container that is replaced loses it; several processes writing one SQLite file "
        "over a network volume corrupt it or serialize on its lock. An app that must "
        "scale out or survive redeploys keeps its data in a database server (or Redis for "
        "a cache, a search service for an index) whose address comes from the environment."
    ),
    bad_example='''\
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine("sqlite:///./app.db", connect_args={"check_same_thread": False})
SessionLocal = sessionmaker(bind=engine)
''',
    good_example='''\
import os

from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine(os.environ["DATABASE_URL"])
SessionLocal = sessionmaker(bind=engine)
''',
    example_filename="app/database.py",
    node_types=(ast.Call, ast.Assign, ast.AnnAssign, ast.Dict),
    check=check,
    scope="module",
    triggers=(
        "*sqlite*", "peewee", "playhouse", "shelve", "dbm", "tinydb", "diskcache", "spatialite",
        "*whoosh*", "tantivy", "xapian", "attach",
    ),
    options=("handler-decorators", "call-depth"),
    references=(
        "https://12factor.net/backing-services",
        "https://www.sqlite.org/whentouse.html",
        "https://docs.djangoproject.com/en/stable/ref/settings/#databases",
        "https://docs.sqlalchemy.org/en/20/core/engines.html#sqlite",
    ),
    notes=(
        "Reports `sqlite3.connect()`/`aiosqlite.connect()` on a file, `sqlite_utils`, "
        "peewee `SqliteDatabase`, `SqliteDict`, `shelve.open()`, `dbm.open()`, TinyDB, "
        "`diskcache.Cache`/`FanoutCache`/`Index`/`Deque`; SQLite URLs naming a file "
        "(`sqlite:///app.db`, also built with an f-string, `.format()` or `+`) given to "
        "`create_engine`/`create_async_engine`/`databases.Database`, assigned "
        "(`SQLALCHEMY_DATABASE_URI`, `DATABASE_URL`, `app.config[...]`, config classes) or "
        "passed as a keyword or dict value (`app.config.update(...)`, `db_url=`, "
        "`SQLALCHEMY_BINDS`); Django `DATABASES` entries with the `sqlite3` or "
        "`spatialite` engine; SQLite files attached with `ATTACH DATABASE 'file.db'` "
        "(`execute`, `executescript`, `exec_driver_sql`, SQLAlchemy `text()`), also to an "
        "in-memory engine; local search indexes: Whoosh `create_in`/`open_dir`/"
        "`FileStorage`, `WHOOSH_BASE`/`WHOOSHEE_DIR` settings, Flask-Whooshee and "
        "Flask-WhooshAlchemy left on their default folder, django-haystack's "
        "`WhooshEngine`, tantivy `Index(schema, path=...)` and xapian `WritableDatabase` "
        "on a path. Engines are followed through names of the module "
        "(`\"ENGINE\": DB_ENGINE`); a SQLite URL in a constant is reported where it is "
        "written, once, whichever module uses it; a path or URL imported from a module "
        "that reads it from the environment is the deployer's.",
        "Scope: both a request handler opening the store and module-level set-up "
        "(`engine = create_engine(...)` in `database.py`, `DATABASES` in `settings.py`, a "
        "`Config` class) are the app's persistence, so the rule fires in request-serving "
        "code, at import time and in configuration functions (`create_app`). It stays "
        "silent where the file is not the app's store: tests and test settings, "
        "development settings and config classes, code under `if DEBUG:`, migrations, "
        "management commands, `if __name__ == \"__main__\":` blocks, `main()`/`cli()` and "
        "click/Typer commands, and scripts (modules with a `__main__` block or a CLI "
        "parser that import no web framework). A store opened inside an ordinary "
        "function counts only in a module that imports a web framework.",
        "Leaves alone `\":memory:\"` and other in-memory databases, TinyDB on "
        "`MemoryStorage`, database URLs and file paths read from the environment "
        "(`sqlite3.connect(os.environ[\"DB_PATH\"])`, `os.getenv(..., default)`, "
        "`env(...)`, `config(...)`, `dj_database_url.config(default=...)`, a Django "
        "`NAME` read so, also through a constant or `Path(...)`; pydantic `BaseSettings` "
        "field defaults, a constant used only as such a default, a branch the environment "
        "chooses: `if os.getenv(\"DB_TYPE\") == \"sqlite\":`): the deployer chooses them. "
        "A path the code builds around an environment value "
        "(`os.path.join(os.environ[\"DATA_DIR\"], \"app.db\")`) is still reported: "
        "the code chose the local file. Also left alone: "
        "test helpers (functions named `..._test_...`), and JSON or pickle files written as "
        "a store, which SLS201 reports where they are written. In-memory search indexes "
        "(Whoosh `RamStorage`, tantivy without a path, `xapian.inmemory_open()`, "
        "`WHOOSHEE_MEMORY_STORAGE`), index directories read from the environment, and "
        "databases attached from `:memory:` or through a parameter are silent too.",
    ),
)
