"""Facts the SLS2xx rules share: which calls write a local file, which names a function
derives from a temporary file, an upload or the raw request body, what a function removes
again, which writes are scratch space in the system temp dir, and where a path comes from.

Everything here works on one function at a time and only runs for the rare call that
already looks like a file write, so the common path through every rule stays a couple
of attribute lookups.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar, cast

from flake8_stateless.context import (
    FUNCTION_TYPES,
    Context,
    FunctionNode,
    dotted_name,
    string_value,
)
from flake8_stateless.registry import UNIT_MARK
from flake8_stateless.semantic.syntax import LineSpans
from flake8_stateless.semantic.tempdirs import FIXED, TEMP_DIR_CALLS, is_temp_dir_leaf
from flake8_stateless.semantic.tempdirs import PATH_CALLS as TEMP_PATH_CALLS
from flake8_stateless.semantic.tempdirs import PATH_METHODS as TEMP_PATH_METHODS

TEMP_FACTORIES = frozenset(
    {
        "tempfile.NamedTemporaryFile", "tempfile.TemporaryFile", "tempfile.SpooledTemporaryFile",
        "tempfile.TemporaryDirectory", "tempfile.mkstemp", "tempfile.mkdtemp", "tempfile.mktemp",
    }
)
"""Calls whose result (a file object, a name or a directory) is temporary by intent."""

MEMORY_BUFFERS = frozenset(
    {"io.BytesIO", "io.StringIO", "tempfile.SpooledTemporaryFile", "tempfile.TemporaryFile"}
)
"""File-like objects that never become a named file on disk."""

OPENERS: dict[str, tuple[int, str, str]] = {
    # qualified name: (index of the mode argument, mode keyword, how to read the mode)
    "open": (1, "mode", "chars"),
    "io.open": (1, "mode", "chars"),
    "codecs.open": (1, "mode", "chars"),
    "gzip.open": (1, "mode", "chars"),
    "gzip.GzipFile": (1, "mode", "chars"),
    "bz2.open": (1, "mode", "chars"),
    "bz2.BZ2File": (1, "mode", "chars"),
    "lzma.open": (1, "mode", "chars"),
    "lzma.LZMAFile": (1, "mode", "chars"),
    "aiofiles.open": (1, "mode", "chars"),
    "aiofiles.threadpool.open": (1, "mode", "chars"),
    "anyio.open_file": (1, "mode", "chars"),
    "trio.open_file": (1, "mode", "chars"),
    "tarfile.open": (1, "mode", "first"),
    "tarfile.TarFile.open": (1, "mode", "first"),
    "zipfile.ZipFile": (1, "mode", "first"),
}
"""Functions that open a file at a path (argument 0, keyword ``file``/``name``...) with a
mode. ``chars``: any of ``w a x +`` writes; ``first``: the mode's first letter decides
(``tarfile`` reads ``"r:xz"``)."""

PATH_KEYWORDS = ("file", "filename", "name", "path", "file_or_path")
STREAM_OPENERS = frozenset(
    {
        "gzip.open", "gzip.GzipFile", "bz2.open", "bz2.BZ2File", "lzma.open",
        "lzma.LZMAFile", "tarfile.open", "tarfile.TarFile.open", "zipfile.ZipFile",
    }
)
"""Openers as happy with a file object as with a path (``ZipFile(response, "w")``): a
write counts only when the argument looks like a path."""
PATH_KEEPING_METHODS = frozenset(
    {"replace", "format", "strip", "rstrip", "with_suffix", "with_name", "with_stem",
     "joinpath", "resolve", "absolute", "expanduser"}
)
"""Methods whose result is still a path when their receiver is one."""
_PATH_WORDS = re.compile(r"path|file|name|dir|dest|target|archive", re.I)
_STREAM_WORDS = re.compile(r"obj|buf|stream|response|resp|fp$|fh$|io$|wfile|out$", re.I)
OPENER_NAMES = frozenset(name.rpartition(".")[2] for name in OPENERS)

COPIERS: dict[str, str] = {
    "shutil.copy": "dst", "shutil.copy2": "dst", "shutil.copyfile": "dst",
    "shutil.copytree": "dst", "shutil.move": "dst", "os.rename": "dst", "os.replace": "dst",
}
"""Calls that put a file at a destination path (positional argument 1 or the keyword)."""
COPIER_NAMES = frozenset(name.rpartition(".")[2] for name in COPIERS)

OS_WRITE_FLAGS = frozenset({"O_WRONLY", "O_RDWR", "O_CREAT", "O_APPEND", "O_TRUNC", "O_EXCL"})
PATH_WRITE_METHODS = frozenset({"write_text", "write_bytes"})

FILE_WRITERS: dict[str, int] = {
    "json.dump": 1, "pickle.dump": 1, "marshal.dump": 1, "yaml.dump": 1, "yaml.safe_dump": 1,
    "yaml.dump_all": 1, "toml.dump": 1, "tomli_w.dump": 1, "shutil.copyfileobj": 1,
    "csv.writer": 0, "csv.DictWriter": 0, "plistlib.dump": 1,
}
"""Functions that write into a file object, by the index of that argument."""

REMOVERS = frozenset(
    {"os.remove", "os.unlink", "os.rmdir", "os.removedirs", "shutil.rmtree"}
)
DIRECTORY_REMOVERS = frozenset({"shutil.rmtree", "os.removedirs", "os.rmdir"})
REMOVING_METHODS = frozenset({"unlink", "cleanup", "rmdir", "rmtree", "remove"})
CONSUMERS = frozenset({"shutil.move", "os.rename", "os.replace"})
"""Calls that take a temporary file away from where it was made (it is not left behind)."""
T = TypeVar("T")
_REMOVAL_WORDS = re.compile(r"remove|delete|unlink|clean_?up|rmtree|purge|discard", re.I)
_MODE = re.compile(r"[rwaxbtU+]{1,4}")
_ABSOLUTE = re.compile(r"^(/|~|\\|[A-Za-z]:[\\/])")

UPLOAD_ANNOTATIONS = frozenset(
    {
        "fastapi.UploadFile", "starlette.datastructures.UploadFile",
        "werkzeug.datastructures.FileStorage", "werkzeug.FileStorage",
        "django.core.files.uploadedfile.UploadedFile",
        "django.core.files.uploadedfile.InMemoryUploadedFile",
        "django.core.files.uploadedfile.TemporaryUploadedFile",
        "litestar.datastructures.UploadFile", "quart.datastructures.FileStorage",
    }
)
"""Parameter annotations that make a parameter an uploaded file."""
UPLOAD_DEFAULTS = frozenset({"fastapi.File", "fastapi.params.File"})
REQUEST_NAMES = frozenset({"request", "req", "self.request", "self.req"})
"""Receivers of ``.files``/``.FILES`` that hold the request's uploads."""
FORM_PACKAGES = frozenset({"flask_wtf", "wtforms"})
FLASK_PACKAGES = ("flask", "werkzeug", "quart")


# ------------------------------------------------------------------ small helpers
def mentions(node: ast.AST, names: set[str] | frozenset[str]) -> bool:
    """Whether ``node`` reads any of ``names``."""
    if not names:
        return False
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(node))


def bound_names(target: ast.AST) -> set[str]:
    """Names bound by an assignment target (tuples and starred targets unpacked)."""
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}


def memoised(context: Context, what: str, node: ast.AST, compute: Callable[[], T]) -> T:
    """``compute()`` once per file for ``(what, node)``: a rule asks about the same
    function for every candidate call in it, and must not rescan it each time."""
    key = (what, id(node))
    memo = context.rule_memo
    if key not in memo:
        memo[key] = compute()
    return cast(T, memo[key])


def bindings(function: FunctionNode, context: Context) -> list[tuple[ast.AST, ast.expr]]:
    """(target, value) for every binding in ``function``'s own body: assignments,
    ``for`` targets, ``with ... as`` targets, walrus, comprehension targets."""
    return memoised(context, "bindings", function, lambda: list(_bindings(function, context)))


def _bindings(function: FunctionNode, context: Context) -> Iterator[tuple[ast.AST, ast.expr]]:
    for node in context.own_nodes(function):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                yield target, node.value
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)) and node.value is not None:
            yield node.target, node.value
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.comprehension)):
            yield node.target, node.iter
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            yield node.optional_vars, node.context_expr
        elif isinstance(node, ast.NamedExpr):
            yield node.target, node.value


def values_bound(
    function: FunctionNode, context: Context, *, simple: bool
) -> dict[str, list[ast.expr]]:
    """The values each local name of ``function`` is bound to, indexed once per
    function (a lookup per name, never a scan of the bindings per question). With
    ``simple``, only plain ``name = value`` bindings; without, every binding of the
    name (tuple targets, ``for``/``with`` targets) with the whole value."""
    def index() -> dict[str, list[ast.expr]]:
        found: dict[str, list[ast.expr]] = {}
        for target, value in bindings(function, context):
            if simple:
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, []).append(value)
                continue
            for name in bound_names(target):
                found.setdefault(name, []).append(value)
        return found

    return memoised(context, "simple values" if simple else "bound values", function, index)


def derived_names(
    function: FunctionNode,
    context: Context,
    is_source: Callable[[ast.AST], bool],
    seeds: set[str] | None = None,
    flows: Callable[[ast.expr, set[str]], bool] | None = None,
) -> set[str]:
    """Names of ``function`` whose value comes from a source expression, directly or
    through other such names (a small fixed point over the function's bindings).
    ``flows(value, names)`` says whether a value carries the taint; by default any
    value that contains a source or reads a tainted name does."""
    names = set(seeds or ())
    pairs = bindings(function, context)

    def carries(value: ast.expr, known: set[str]) -> bool:
        return any(is_source(n) for n in ast.walk(value)) or mentions(value, known)

    check = flows or carries
    for _ in range(4):
        before = len(names)
        for target, value in pairs:
            if check(value, names):
                names |= bound_names(target)
        if len(names) == before:
            break
    return names


def is_temp_factory(node: ast.AST, context: Context) -> bool:
    return isinstance(node, ast.Call) and context.qualified_name(node.func) in TEMP_FACTORIES


TEMP_FILE_OBJECTS = frozenset(
    {
        "tempfile.NamedTemporaryFile", "tempfile.TemporaryFile", "tempfile.SpooledTemporaryFile",
        "tempfile.TemporaryDirectory",
    }
)
"""Temporary file and directory objects: their ``.name`` is their path."""
NAME_ONLY_CALLS = frozenset({"os.path.basename", "os.path.splitext", "os.listdir"})
"""Calls that give the name of a file (or names in a folder), not a path to it."""
NAME_ATTRIBUTES = frozenset({"name", "stem", "suffix", "suffixes"})
"""``entry.name``, ``path.stem``: the name of a file, not its path (except ``.name`` of a
temporary file object, which is its path)."""
LISTINGS = frozenset({"os.scandir", "os.walk", "glob.glob", "glob.iglob"})
LISTING_METHODS = frozenset({"iterdir", "glob", "rglob"})
"""Folder listings that give paths in the folder they are given."""


def temp_names(function: FunctionNode, context: Context) -> set[str]:
    """Names of ``function`` holding a temporary file, directory or a path in one."""
    return memoised(
        context, "temp names", function,
        lambda: derived_names(
            function, context, lambda n: is_temp_factory(n, context),
            flows=lambda value, names: _leads_into_temp(value, names, function, context),
        ),
    )


def is_temporary(expr: ast.AST, function: FunctionNode, context: Context) -> bool:
    """Whether ``expr`` is (a path in) a temporary file or directory: scratch space
    for this request, which SLS205 checks is removed again."""
    if not isinstance(expr, ast.expr):
        return False
    return _leads_into_temp(expr, temp_names(function, context), function, context)


def _leads_into_temp(
    value: ast.expr, names: set[str], function: FunctionNode, context: Context
) -> bool:
    """Whether ``value`` is a temporary file or directory or a path inside one: the
    path's leading component is (the first argument of ``os.path.join``, the left of
    ``/`` or ``+``, the head of an f-string). A file's name taken from a temporary
    folder is not a path in it: ``os.path.join(DATA, entry.name)`` is in ``DATA``.
    Shapes not understood here count when they contain a temporary value at all."""
    expr = value
    for _ in range(TEMP_PATH_STEPS):
        if is_temp_factory(expr, context):
            return True
        if isinstance(expr, ast.Name):
            return expr.id in names
        if isinstance(expr, ast.Constant):
            return False
        if isinstance(expr, ast.Attribute):
            if expr.attr in NAME_ATTRIBUTES and not _is_temp_file_object(
                expr.value, function, context
            ):
                return False
            expr = expr.value  # ``entry.path``, ``tmp.name`` of a temporary file
        elif isinstance(expr, ast.Subscript):
            expr = expr.value  # ``mkstemp()[1]``
        elif isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Div, ast.Add)):
            expr = expr.left
        elif isinstance(expr, ast.JoinedStr):
            head = expr.values[0] if expr.values else None
            if not isinstance(head, ast.FormattedValue):
                return False  # ``f"/srv/{name}"``
            expr = head.value
        elif isinstance(expr, ast.Call):
            called = context.qualified_name(expr.func) or ""
            if called in NAME_ONLY_CALLS:
                return False
            method = expr.func.attr if isinstance(expr.func, ast.Attribute) else ""
            if called in TEMP_PATH_CALLS or called in LISTINGS:
                if not expr.args:
                    return False
                expr = expr.args[0]
            elif method in TEMP_PATH_METHODS or method in LISTING_METHODS:
                assert isinstance(expr.func, ast.Attribute)
                expr = expr.func.value
            else:
                break
        else:
            break
    return any(is_temp_factory(n, context) for n in ast.walk(expr)) or mentions(expr, names)


TEMP_PATH_STEPS = 32
"""Expressions one path question looks at: real paths take a handful."""


def _is_temp_file_object(expr: ast.expr, function: FunctionNode, context: Context) -> bool:
    """``f`` in ``f = NamedTemporaryFile()`` or ``with NamedTemporaryFile() as f``, and
    ``d = TemporaryDirectory()``: objects whose ``.name`` is their path."""
    if isinstance(expr, ast.Call):
        return context.qualified_name(expr.func) in TEMP_FILE_OBJECTS
    if not isinstance(expr, ast.Name):
        return False
    return expr.id in memoised(
        context, "temp file objects", function,
        lambda: {
            name
            for target, value in bindings(function, context)
            if isinstance(value, ast.Call)
            and context.qualified_name(value.func) in TEMP_FILE_OBJECTS
            for name in bound_names(target)
        },
    )


def is_memory_buffer(expr: ast.AST, function: FunctionNode | None, context: Context) -> bool:
    """``io.BytesIO()`` and the like, or a name bound to one (locally or in the module)."""
    if isinstance(expr, ast.Call):
        return context.qualified_name(expr.func) in MEMORY_BUFFERS
    if not isinstance(expr, ast.Name):
        return False
    values: list[ast.expr] = []
    if function is not None and context.binds_locally(function, expr.id):
        values = values_bound(function, context, simple=False).get(expr.id, [])
    elif expr.id in context.module_values:
        values = [context.module_values[expr.id]]
    return bool(values) and all(
        isinstance(v, ast.Call) and context.qualified_name(v.func) in MEMORY_BUFFERS
        for v in values
    )


def is_special_device(expr: ast.AST, context: Context) -> bool:
    """``os.devnull``, ``/dev/...`` and ``/proc/...``: not storage."""
    if context.qualified_name(expr) == "os.devnull":
        return True
    text = string_value(expr)
    return text is not None and text.startswith(("/dev/", "/proc/", "/sys/"))


def callee_last_name(func: ast.expr, context: Context | None = None) -> str:
    """``connect`` for ``sqlite3.connect`` or ``connect``: the cheap first test. With a
    context, a bare name imported under an alias gives its original name
    (``FSCache`` -> ``FileSystemCache``)."""
    if isinstance(func, ast.Attribute):
        return func.attr
    if not isinstance(func, ast.Name):
        return ""
    if context is not None:
        imported = context.aliases.get(func.id)
        if imported is not None:
            return imported.rpartition(".")[2]
    return func.id


def argument(call: ast.Call, index: int, *keywords: str) -> ast.expr | None:
    """Argument ``index`` of ``call``, positional or by one of its keyword names."""
    leading = call.args[: index + 1]
    if index < len(call.args) and not any(isinstance(a, ast.Starred) for a in leading):
        return call.args[index]
    for keyword in call.keywords:
        if keyword.arg in keywords:
            return keyword.value
    return None


# ------------------------------------------------------------------ local writes
@dataclass(frozen=True)
class LocalWrite:
    """One call that writes a file on this machine's disk."""

    call: ast.Call
    what: str
    """How the user wrote it, for the message: ``open(report_path, 'w')``."""
    path: ast.expr | None
    """The destination path, when the call names one."""
    is_opener: bool
    """Whether the call returns a file object that other statements write into."""


def local_write(call: ast.Call, function: FunctionNode, context: Context) -> LocalWrite | None:
    """The local file write ``call`` performs, if it does one, before exemptions.
    Checks the callee's spelling first (cheap), and resolves names only for the few
    calls whose last name is a file API."""
    func = call.func
    last = callee_last_name(func, context)
    if (
        last not in OPENER_NAMES
        and last not in COPIER_NAMES
        and (last not in PATH_WRITE_METHODS or not isinstance(func, ast.Attribute))
        and last != "open"
    ):
        return None
    name = context.qualified_name(func)
    if name is not None and name in OPENERS:
        return _opener(call, name, function, context)
    label = context.excerpts.label
    if name is not None and name in COPIERS:
        destination = argument(call, 1, COPIERS[name])
        if destination is None:
            return None
        shown = f"{label(func)}(…, {label(destination)})"
        return LocalWrite(call, shown, destination, False)
    if name == "os.open":
        flags = argument(call, 1, "flags")
        if flags is None or not any(
            isinstance(n, ast.Attribute) and n.attr in OS_WRITE_FLAGS for n in ast.walk(flags)
        ):
            return None
        path = argument(call, 0, "path")
        shown = label(path) if path is not None else "…"
        return LocalWrite(call, f"{label(func)}({shown}, {label(flags, 16)})", path, False)
    if not isinstance(func, ast.Attribute):
        return None
    if last in PATH_WRITE_METHODS:
        return LocalWrite(call, f"{label(func.value)}.{last}()", func.value, False)
    if last == "open":
        return _path_open(call, func, context)
    return None


def _opener(
    call: ast.Call, name: str, function: FunctionNode, context: Context
) -> LocalWrite | None:
    index, keyword, reading = OPENERS[name]
    path = argument(call, 0, *PATH_KEYWORDS)
    if path is None:
        return None  # ``tarfile.open(fileobj=buffer, mode="w")``: a stream, not a path
    if name in STREAM_OPENERS and not _looks_like_path(path, function, context):
        return None
    mode_node = argument(call, index, keyword)
    mode = string_value(mode_node) if mode_node is not None else "r"
    if mode is None:
        if not _written_to(call, function, context):
            return None
    elif not _writes(mode, reading):
        return None
    label = context.excerpts.label
    shown = label(mode_node) if mode_node is not None else "mode"
    callee = label(call.func)
    return LocalWrite(call, f"{callee}({label(path)}, {shown})", path, True)


def _looks_like_path(expr: ast.expr, function: FunctionNode, context: Context) -> bool:
    """A string, an f-string, a joined or ``Path`` built path, or a name that says it
    holds one (``archive_path``, ``tmp.name``); not ``response``, ``buffer``, ``fileobj``."""
    for _ in range(3):
        if isinstance(expr, (ast.Constant, ast.JoinedStr, ast.BinOp)):
            return True
        if isinstance(expr, ast.Call):
            if isinstance(expr.func, ast.Attribute) and expr.func.attr in PATH_KEEPING_METHODS:
                expr = expr.func.value  # ``backup_path.replace(".zip", ".tmp")``
                continue
            return context.qualified_name(expr.func) in PATH_BUILDERS | {"str", "os.fspath"}
        name = dotted_name(expr)
        if name is None:
            return False
        last = name.rpartition(".")[2]
        if _STREAM_WORDS.search(last):
            return False
        if _PATH_WORDS.search(last):
            return True
        values = _values_of(name, function, context) if isinstance(expr, ast.Name) else []
        if len(values) != 1:
            return False
        expr = values[0]
    return False


def _path_open(call: ast.Call, func: ast.Attribute, context: Context) -> LocalWrite | None:
    """``Path.open("w")``: the mode is the first argument. Two-argument ``x.open(name,
    mode)`` belongs to storages, archives and remote file systems: not this."""
    if len(call.args) > 1:
        return None
    mode_node = argument(call, 0, "mode")
    mode = string_value(mode_node) if mode_node is not None else None
    if mode_node is None or mode is None or not _MODE.fullmatch(mode) or not _writes(mode, "chars"):
        return None
    label = context.excerpts.label
    return LocalWrite(call, f"{label(func.value)}.open({label(mode_node)})", func.value, True)


def _writes(mode: str, reading: str) -> bool:
    if reading == "first":
        return mode[:1] in ("w", "a", "x")
    return any(c in mode for c in "wax+")


def file_object_names(call: ast.Call, function: FunctionNode, context: Context) -> set[str]:
    """Names bound to the file object ``call`` opens: ``with open(...) as f`` or
    ``f = open(...)``."""
    names: set[str] = set()
    for target, value in bindings(function, context):
        if value is call and isinstance(target, ast.Name):
            names.add(target.id)
    return names


def _written_to(call: ast.Call, function: FunctionNode, context: Context) -> bool:
    """Whether a file opened with a mode we cannot read is written to: ``f.write``,
    ``json.dump(x, f)``, ``csv.writer(f)``, ``print(..., file=f)``."""
    names = file_object_names(call, function, context)
    return any(
        writes_into(node, names, call, context) for node in calls_using(call, function, context)
    )


def calls_using(opened: ast.Call, function: FunctionNode, context: Context) -> list[ast.Call]:
    """The calls of ``function`` that can use the file ``opened`` opens: inside its
    ``with`` block, or after it is opened (``f = open(...)``). Two ``with open(...) as
    f`` blocks in one function are two files."""
    first = opened.lineno
    last = None
    parent = context.parents(function).get(id(opened))
    if isinstance(parent, ast.withitem):
        statement = context.parents(function).get(id(parent))
        if isinstance(statement, (ast.With, ast.AsyncWith)):
            last = statement.end_lineno
    return [
        node
        for node in calls_in(function, context)
        if node.lineno >= first and (last is None or node.lineno <= last)
    ]


def calls_in(function: FunctionNode, context: Context) -> list[ast.Call]:
    """The calls of ``function``'s own body, listed once per file."""
    return memoised(
        context, "calls", function,
        lambda: [n for n in context.own_nodes(function) if isinstance(n, ast.Call)],
    )


def writes_into(node: ast.Call, names: set[str], opened: ast.Call, context: Context) -> bool:
    """Whether ``node`` writes into the file object ``opened`` (or a name bound to it)."""

    def is_file(expr: ast.AST | None) -> bool:
        return expr is opened or (isinstance(expr, ast.Name) and expr.id in names)

    func = node.func
    if isinstance(func, ast.Attribute) and func.attr in ("write", "writelines"):
        return is_file(func.value)
    if isinstance(func, ast.Name) and func.id == "print":
        return any(k.arg == "file" and is_file(k.value) for k in node.keywords)
    name = context.qualified_name(func)
    index = FILE_WRITERS.get(name or "")
    if index is None:
        return False
    return is_file(argument(node, index, "fp", "file", "stream", "f", "csvfile", "fdst"))


# ------------------------------------------------------------------ removal
def removed_expressions(
    function: FunctionNode, context: Context, *, follow_calls: bool = True
) -> list[tuple[ast.expr, bool]]:
    """What ``function`` removes (see :func:`_removed_expressions`), listed once per file."""
    what = "removed" if follow_calls else "removed here"
    return memoised(
        context, what, function,
        lambda: list(_removed_expressions(function, context, follow_calls=follow_calls)),
    )


def _removed_expressions(
    function: FunctionNode, context: Context, *, follow_calls: bool
) -> Iterator[tuple[ast.expr, bool]]:
    """(expression removed, whether a whole directory goes) for every removal in
    ``function``, its nested functions and lambdas included: ``os.remove(p)``,
    ``Path(p).unlink()``, ``tmp.cleanup()``, ``shutil.rmtree(d)``, a removal handed to a
    background task or callback (``BackgroundTask(os.remove, p)``), a project helper
    named for it (``delete_file(p)``), ``shutil.move``/``os.replace`` of a source, and
    arguments given to a function of this module that removes its parameter, called
    directly or run elsewhere (``Thread(target=self._restore, args=(path,))``)."""
    for node in ast.walk(function):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = context.qualified_name(func) or ""
        if name in REMOVERS or name in CONSUMERS:
            first = argument(node, 0, "path", "src")
            if first is not None:
                yield first, name in DIRECTORY_REMOVERS
            continue
        if isinstance(func, ast.Attribute) and func.attr in REMOVING_METHODS and not node.args:
            yield func.value, func.attr in ("cleanup", "rmtree", "rmdir")
            continue
        references = [a for a in node.args if (context.qualified_name(a) or "") in REMOVERS]
        if references:
            directory = any(context.qualified_name(a) in DIRECTORY_REMOVERS for a in references)
            for other in node.args:
                if other not in references:
                    yield other, directory
            continue
        callee = dotted_name(func) or ""
        if _REMOVAL_WORDS.search(callee.rpartition(".")[2]):
            for other in node.args:
                yield other, True
            continue
        if follow_calls:
            yield from _handed_to_remover(node, function, context)


def _handed_to_remover(
    call: ast.Call, function: FunctionNode, context: Context
) -> Iterator[tuple[ast.expr, bool]]:
    """The arguments of ``call`` when it calls, or hands on, a function of this module
    that removes one of its parameters."""
    references = [call.func, *call.args, *(k.value for k in call.keywords)]
    for reference in references:
        callee = _local_function(reference, function, context)
        if callee is None or not _removes_a_parameter(callee, context):
            continue
        for value in references:
            if value is not reference:
                yield value, True
        return


def _local_function(
    reference: ast.expr, function: FunctionNode, context: Context
) -> FunctionNode | None:
    """The function of this module that ``reference`` names: ``helper`` or
    ``self.helper``/``cls.helper`` on the enclosing class (or a base defined here)."""
    if isinstance(reference, ast.Name):
        for candidate in context.functions:
            if candidate.name == reference.id and candidate is not function:
                return candidate
        return None
    if not (
        isinstance(reference, ast.Attribute)
        and isinstance(reference.value, ast.Name)
        and reference.value.id in ("self", "cls")
    ):
        return None
    cls = context.enclosing_class(function)
    if cls is None:
        return None
    for current in [cls, *context.local_bases(cls)]:
        for statement in current.body:
            if isinstance(statement, FUNCTION_TYPES) and statement.name == reference.attr:
                return statement
    return None


def _removes_a_parameter(callee: FunctionNode, context: Context) -> bool:
    arguments = callee.args
    parameters = {a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]}
    parameters -= {"self", "cls"}
    return any(
        mentions(removed, parameters)
        for removed, _ in removed_expressions(callee, context, follow_calls=False)
    )


def removes_path(path: ast.expr, function: FunctionNode, context: Context) -> bool:
    """Whether ``function`` removes ``path`` again (the same expression or the same
    name), or removes a directory named in it: a scratch file for this request. A
    removal the function itself makes before the write (``if exists(dst):
    rmtree(dst)``, then ``copytree(src, dst)``) replaces what was there: not again.
    Removals in nested functions (an ``after_this_request`` callback) run later."""
    removals = memoised(
        context, "removals by path", function, lambda: _Removals.of(function, context)
    )
    candidates = list(removals.by_dump.get(ast.dump(path), ()))
    if isinstance(path, ast.Name):
        candidates.extend(removals.by_name.get(path.id, ()))
    for name in {n.id for n in ast.walk(path) if isinstance(n, ast.Name)}:
        candidates.extend(r for r in removals.by_name.get(name, ()) if r[1])
    written_at = (path.lineno, path.col_offset)
    for removed, _directory in candidates:
        if id(removed) in removals.own and (
            (removed.lineno, removed.col_offset) < written_at
            or _in_other_branches(removed, path, function, context)
        ):
            continue
        return True
    return False


@dataclass
class _Removals:
    """What a function removes, indexed once per function by the removed expression
    (``ast.dump``) and by name, so each write looks up its own removals."""

    by_dump: dict[str, list[tuple[ast.expr, bool]]]
    by_name: dict[str, list[tuple[ast.expr, bool]]]
    own: set[int]

    @classmethod
    def of(cls, function: FunctionNode, context: Context) -> _Removals:
        by_dump: dict[str, list[tuple[ast.expr, bool]]] = {}
        by_name: dict[str, list[tuple[ast.expr, bool]]] = {}
        for removed, directory in removed_expressions(function, context):
            inner = _unwrap_path(removed, context)
            by_dump.setdefault(ast.dump(inner), []).append((removed, directory))
            if isinstance(inner, ast.Name):
                by_name.setdefault(inner.id, []).append((removed, directory))
        own = {id(n) for n in context.own_nodes(function)}
        return cls(by_dump, by_name, own)


def _in_other_branches(
    first: ast.AST, second: ast.AST, function: FunctionNode, context: Context
) -> bool:
    """Whether two nodes of ``function``'s own body sit in different branches of one
    ``if`` (``if tag: ... rmtree(d)`` / ``elif watch: ... copytree(s, d)``): one never
    runs after the other in the same call."""
    parents = context.parents(function)

    def chain(node: ast.AST) -> list[ast.AST]:
        found = [node]
        for _ in range(200):
            parent = parents.get(id(found[-1]))
            if parent is None:
                break
            found.append(parent)
        return found

    second_chain = chain(second)
    second_ids = {id(node): index for index, node in enumerate(second_chain)}
    first_chain = chain(first)
    for index, node in enumerate(first_chain):
        at = second_ids.get(id(node))
        if at is None:
            continue
        if not isinstance(node, ast.If) or index == 0 or at == 0:
            return False
        first_child, second_child = first_chain[index - 1], second_chain[at - 1]
        return (first_child in node.body) != (second_child in node.body)
    return False


def _unwrap_path(expr: ast.expr, context: Context) -> ast.expr:
    """``Path(p)``, ``str(p)``, ``os.fspath(p)`` -> ``p``."""
    while isinstance(expr, ast.Call) and len(expr.args) == 1 and not expr.keywords:
        name = context.qualified_name(expr.func) or ""
        if name not in ("str", "os.fspath", "pathlib.Path", "pathlib.PurePath", "Path"):
            break
        expr = expr.args[0]
    return expr


def is_scratch(path: ast.expr, function: FunctionNode, context: Context) -> bool:
    """Whether a write to ``path`` leaves nothing behind for later requests: an
    in-memory buffer, a device, a temporary file or directory, a path the same
    function removes again, or scratch space in the system temp dir (see
    :func:`temp_dir_use`)."""
    return (
        is_memory_buffer(path, function, context)
        or is_special_device(path, context)
        or is_temporary(path, function, context)
        or removes_path(path, function, context)
        or temp_dir_use(path, function, context) == ""
    )


# ------------------------------------------------------------------ scratch space
FIXED_NAME = "in the temp dir under a fixed name"
CHOSEN_NAME = "in the temp dir under a name the caller chooses"
HANDED_OUT = f"in the temp dir under a name the {UNIT_MARK} hands out"
KEPT_IN_SESSION = "in the temp dir under a name kept in the session"

CLIENT_ATTRIBUTES = frozenset(
    {
        "args", "form", "values", "json", "view_args", "match_info", "path_params",
        "query_params", "query", "GET", "POST", "headers", "cookies", "COOKIES",
    }
)
"""``request.X``: values the client sends (Flask, Django, aiohttp, Starlette)."""
CLIENT_CALLS = frozenset(
    {"get_json", "get_argument", "get_query_argument", "get_body_argument", "get_cookie"}
)
"""``request.get_json()``, Tornado's ``self.get_argument(...)``: values the client sends."""
NOT_CLIENT_PARAMETERS = frozenset({"self", "cls", "request", "req", "websocket", "ws"})
NAME_KEEPERS = frozenset({"secure_filename", "basename", "slugify", "quote", "int"})
"""Functions that keep what a name is made of (``secure_filename(request.args["n"])``):
their arguments are looked at."""
NAME_KEEPING_METHODS = frozenset({"lower", "upper", "strip", "rstrip", "lstrip"})
"""String methods that keep what a name is made of: the string is looked at."""
NAME_CARRIERS = frozenset(
    {
        "str", "basename", "join", "relpath", "fspath", "Path", "url_for", "reverse", "quote",
        "format", "dumps", "dict", "jsonify", "json_response", "JSONResponse", "JsonResponse",
        "render", "render_template", "TemplateResponse", "redirect", "RedirectResponse",
        "HttpResponseRedirect", "make_response", "Response", "HttpResponse",
        "PlainTextResponse", "HTMLResponse",
    }
)
"""Calls whose result still names the file, when given its name or id: path and URL
builders, and the responses that send it to the client (``jsonify(job=job)``,
``redirect(url_for(...))``). Not ``send_file(path)`` (the file's content) nor helpers
computing something from it (``convert(path)``)."""


def temp_dir_use(path: ast.expr, function: FunctionNode, context: Context) -> str | None:
    """How a write to ``path`` uses the system temp dir: None when ``path`` is not in
    it; ``""`` when it is scratch space for this request; otherwise why another request
    can find the file, for the message (a fixed name, a name the client or caller
    chooses, or a name the handler hands out in its response or the session).

    Scratch space means no other request reads the file back. In practice: the name
    has a part made for this request (``uuid4()``, a timestamp, a hash of the upload,
    anything but constants and values the client sends) and the handler does not
    hand it out. Sending the file itself (``send_file(path)``), passing it to a
    subprocess or to a helper of the same request, and leaving it behind all keep it
    scratch: whether it is removed is a clean-up question (SLS205 checks the files
    ``tempfile`` makes), not state. ``mkstemp()``/``mkdtemp()`` files are
    :func:`is_temporary` and never come here."""
    return memoised(
        context, "temp dir use", path, lambda: _temp_dir_use(path, function, context)
    )


def _temp_dir_use(path: ast.expr, function: FunctionNode, context: Context) -> str | None:
    if not context.temp_dirs.in_temp_dir(path, function):
        return None
    parts = _name_parts(path, function, context)
    if "other" not in parts:
        return CHOSEN_NAME if "client" in parts else FIXED_NAME
    return _hands_out(path, function, context) or ""


def _name_parts(path: ast.expr, function: FunctionNode, context: Context) -> set[str]:
    """What the parts of a temp path are made of: ``fixed`` (literals, constants, the
    temp dir), ``client`` (values the client sends, parameters of the handler or task
    the caller fills) or ``other`` (anything made for this request, or unknown)."""
    temp_dirs = context.temp_dirs
    values = temp_dirs.values(function)
    client_parameters = _client_parameters(function, context)
    parts: set[str] = set()
    pending: list[ast.expr] = [path]
    seen: set[str] = set()
    steps = 0
    while pending:
        steps += 1
        if steps > 64:
            parts.add("other")
            break
        expr = pending.pop()
        if isinstance(expr, ast.Constant):
            parts.add("fixed")
        elif isinstance(expr, ast.JoinedStr):
            pending.extend(expr.values)
        elif isinstance(expr, ast.FormattedValue):
            pending.append(expr.value)
        elif isinstance(expr, ast.BinOp):
            pending.extend((expr.left, expr.right))
        elif _is_client_value(expr):
            parts.add("client")
        elif isinstance(expr, ast.Name):
            if expr.id in seen:
                continue
            seen.add(expr.id)
            if expr.id in client_parameters:
                parts.add("client")
                continue
            bound = values(expr.id)
            if bound:
                pending.extend(bound)
            elif temp_dirs.parameter_origin(function, expr.id) == FIXED:
                parts.add("fixed")  # a caller builds it in the temp dir under a fixed name
            else:
                parts.add("other")
        elif isinstance(expr, ast.Call):
            pending.extend(_call_parts(expr, function, context, parts))
        elif is_temp_dir_leaf(expr, context.qualified_name):
            parts.add("fixed")
        else:
            parts.add("other")
    return parts


def _call_parts(
    call: ast.Call, function: FunctionNode, context: Context, parts: set[str]
) -> list[ast.expr]:
    """The parts of a call in a temp path to look at next (its arguments, for path
    builders and temp dir helpers); adds what the call itself is to ``parts``."""
    name = context.qualified_name(call.func) or ""
    if name in TEMP_DIR_CALLS:
        parts.add("fixed" if name != "tempfile.mkdtemp" else "other")
        return []
    func = call.func
    if name in TEMP_PATH_CALLS:
        return list(call.args)
    if isinstance(func, ast.Attribute) and func.attr in TEMP_PATH_METHODS:
        return [func.value, *call.args]
    if context.temp_dirs.is_temp_helper(call, function):
        if not call.args and not call.keywords:
            parts.add("fixed")
        return [*call.args, *(k.value for k in call.keywords)]
    if isinstance(func, ast.Attribute) and func.attr in NAME_KEEPING_METHODS:
        return [func.value]
    if callee_last_name(func) in NAME_KEEPERS and call.args:
        return list(call.args)
    parts.add("other")
    return []


def _is_client_value(expr: ast.expr) -> bool:
    """``request.args["id"]``, ``request.form.get("name")``, ``request.match_info["id"]``,
    ``request.get_json()["id"]``, ``self.get_argument("id")``: sent by the client."""
    for _ in range(4):
        if isinstance(expr, ast.Subscript):
            expr = expr.value
        elif isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
            if expr.func.attr in CLIENT_CALLS:
                return True
            if expr.func.attr not in ("get", "getlist", "getone", "getall"):
                return False
            expr = expr.func.value
        else:
            break
    return (
        isinstance(expr, ast.Attribute)
        and expr.attr in CLIENT_ATTRIBUTES
        and dotted_name(expr.value) in REQUEST_NAMES
    )


def _client_parameters(function: FunctionNode, context: Context) -> set[str]:
    """Parameters of a handler or task itself (not of the functions it calls), other
    than the request and uploads: route parameters, query values, a task's arguments."""
    reach = context.reach_of(function)
    if reach is None or reach.depth > 0:
        return set()
    arguments = function.args
    names = {a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]}
    return names - NOT_CLIENT_PARAMETERS - upload_parameters(function, context)


def _hands_out(path: ast.expr, function: FunctionNode, context: Context) -> str | None:
    """Why the file's name leaves the request, if it does: a handler or task returns it
    (or the id it is made from) other than as the file it sends, or a session keeps it."""
    names = _names_in_path(path, function, context)
    if not names:
        return None
    carried = derived_names(function, context, lambda n: False, names, _carries_name)
    reach = context.reach_of(function)
    returns = reach is not None and reach.depth == 0
    for node in context.own_nodes(function):
        if returns and isinstance(node, ast.Return) and node.value is not None:
            if _carries_name(node.value, carried):
                return HANDED_OUT
        elif (
            isinstance(node, ast.Assign)
            and any(_is_session_entry(t) for t in node.targets)
            and _carries_name(node.value, carried)
        ):
            return KEPT_IN_SESSION
    return None


def _is_session_entry(target: ast.expr) -> bool:
    """``session["export"]``, ``request.session["export"]``: read by the next request."""
    return isinstance(target, ast.Subscript) and (dotted_name(target.value) or "").endswith(
        "session"
    )


def _names_in_path(path: ast.expr, function: FunctionNode, context: Context) -> set[str]:
    """Local names a temp path is built from, followed through their assignments, but
    not the parameters (the client knows those) nor names holding only the temp dir."""
    values = context.temp_dirs.values(function)
    parameters = {a.arg for a in ast.walk(function.args) if isinstance(a, ast.arg)}
    found: set[str] = set()
    pending: list[ast.expr] = [path]
    while pending and len(found) < 32:
        expr = pending.pop()
        for node in ast.walk(expr):
            if not isinstance(node, ast.Name) or node.id in found or node.id in parameters:
                continue
            if not context.binds_locally(function, node.id):
                continue
            bound = values(node.id) or []
            if bound and all(_only_temp_dir(v, function, context) for v in bound):
                continue
            found.add(node.id)
            pending.extend(bound)
    return found


def _only_temp_dir(value: ast.expr, function: FunctionNode, context: Context) -> bool:
    """``tempfile.gettempdir()``, ``"/tmp"``, ``get_temp_dir()``: the directory, no name."""
    if is_temp_dir_leaf(value, context.qualified_name):
        return True
    return (
        isinstance(value, ast.Call)
        and not value.args
        and context.temp_dirs.is_temp_helper(value, function)
    )


def _carries_name(value: ast.expr, known: set[str]) -> bool:
    """Whether ``value`` still names the file, through names of ``known``: a name, a
    string, container or dict built from it, a path or URL built from it, a response
    carrying it (``jsonify(job=job)``); not its content (``open(path).read()``,
    ``send_file(path)``) nor what a helper computes from it."""
    pending: list[ast.AST] = [value]
    steps = 0
    while pending and steps < 256:
        steps += 1
        expr = pending.pop()
        if isinstance(expr, ast.Name):
            if expr.id in known:
                return True
        elif isinstance(expr, (ast.JoinedStr, ast.Tuple, ast.List, ast.Set)):
            pending.extend(expr.values if isinstance(expr, ast.JoinedStr) else expr.elts)
        elif isinstance(expr, ast.Dict):
            pending.extend(key for key in expr.keys if key is not None)
            pending.extend(expr.values)
        elif isinstance(expr, (ast.FormattedValue, ast.Starred)):
            pending.append(expr.value)
        elif isinstance(expr, ast.BinOp):
            pending.extend((expr.left, expr.right))
        elif isinstance(expr, ast.Attribute) and expr.attr in ("name", "stem", "parent"):
            pending.append(expr.value)
        elif isinstance(expr, ast.Call) and callee_last_name(expr.func) in NAME_CARRIERS:
            pending.extend(expr.args)
            pending.extend(keyword.value for keyword in expr.keywords)
    return False


# ------------------------------------------------------------------ uploads
def upload_parameters(
    function: FunctionNode, context: Context, *, follow_callers: bool = True
) -> set[str]:
    """Parameters that receive an uploaded file: annotated ``UploadFile``/``FileStorage``
    (also inside ``list[...]``, ``Optional[...]``, ``Annotated[...]``), defaulting to
    FastAPI's ``File(...)``, or given an upload by a caller in this module."""
    arguments = function.args
    positional = [*arguments.posonlyargs, *arguments.args]
    with_defaults = positional[len(positional) - len(arguments.defaults):]
    defaults: dict[str, ast.expr] = {
        a.arg: d for a, d in zip(with_defaults, arguments.defaults, strict=True)
    }
    for keyword_only, default in zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True):
        if default is not None:
            defaults[keyword_only.arg] = default
    found: set[str] = set()
    for parameter in [*positional, *arguments.kwonlyargs]:
        annotation = parameter.annotation
        if annotation is not None and any(
            context.qualified_name(n) in UPLOAD_ANNOTATIONS
            for n in ast.walk(annotation)
            if isinstance(n, (ast.Name, ast.Attribute))
        ):
            found.add(parameter.arg)
            continue
        default = defaults.get(parameter.arg)
        if isinstance(default, ast.Call) and (
            context.qualified_name(default.func) in UPLOAD_DEFAULTS
        ):
            found.add(parameter.arg)
    if follow_callers:
        found |= _parameters_given_uploads(function, [*positional, *arguments.kwonlyargs], context)
    return found


def _parameters_given_uploads(
    function: FunctionNode, parameters: list[ast.arg], context: Context
) -> set[str]:
    """Parameters that a caller in this module passes an upload to
    (``handle_uploaded_file(request.FILES["file"])``), one call level deep."""

    def gives_upload(caller: FunctionNode) -> Callable[[ast.expr], bool]:
        origins = upload_origins(caller, context, follow_callers=False)
        return lambda value: upload_in(value, origins, context) is not None

    return parameters_given(function, parameters, context, gives_upload)


def parameters_given(
    function: FunctionNode,
    parameters: list[ast.arg],
    context: Context,
    gives: Callable[[FunctionNode], Callable[[ast.expr], bool]],
) -> set[str]:
    """Parameters of ``function`` that a caller in this module passes a value to for
    which ``gives(caller)(value)`` holds, positionally or by keyword."""
    names = {p.arg for p in parameters}
    if not names:
        return set()
    offset = 1 if parameters and parameters[0].arg in ("self", "cls") else 0
    found: set[str] = set()
    for caller in context.functions:
        calls = [
            call
            for call in context.calls_by_function.get(id(caller), ())
            if callee_last_name(call.func) == function.name
        ]
        if not calls:
            continue
        test = gives(caller)
        for call in calls:
            for index, value in enumerate(call.args):
                position = index + offset
                if position < len(parameters) and test(value):
                    found.add(parameters[position].arg)
            for keyword in call.keywords:
                if keyword.arg in names and test(keyword.value):
                    found.add(keyword.arg)
    return found


def is_request_files(node: ast.AST) -> bool:
    """``request.files`` (Flask, Quart, Tornado's ``self.request.files``) or Django's
    ``request.FILES``."""
    return (
        isinstance(node, ast.Attribute)
        and node.attr in ("files", "FILES")
        and dotted_name(node.value) in REQUEST_NAMES
    )


def _is_form_file_data(node: ast.AST, context: Context) -> bool:
    """Flask-WTF ``form.photo.data`` in a module using WTForms."""
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "data"
        and isinstance(node.value, ast.Attribute)
        and isinstance(node.value.value, ast.Name)
        and bool(context.imported_packages & FORM_PACKAGES)
    )


def upload_objects(
    function: FunctionNode, context: Context, *, follow_callers: bool = True
) -> set[str]:
    """Names holding an uploaded file object itself: upload parameters, and names bound
    to ``request.files[...]``/``.get(...)``/``.getlist(...)`` items or Flask-WTF
    ``form.field.data``, by assignment or iteration (not through other calls)."""
    seeds = upload_parameters(function, context, follow_callers=follow_callers)
    seeds |= form_parts(function, context)

    def is_object(value: ast.expr, known: set[str]) -> bool:
        while isinstance(value, (ast.Subscript, ast.Await)):
            value = value.value
        if (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Attribute)
            and value.func.attr in ("get", "getlist", "pop", "values", "getall", "getone")
        ):
            value = value.func.value
        if isinstance(value, ast.Name):
            return value.id in known
        return is_request_files(value) or _is_form_file_data(value, context)

    return derived_names(function, context, lambda n: False, seeds, is_object)


def filename_readers(function: FunctionNode, context: Context) -> set[str]:
    """Names whose ``.filename`` is read in ``function`` (a werkzeug ``FileStorage``
    passed in from elsewhere)."""
    return {
        n.value.id
        for n in context.own_nodes(function)
        if isinstance(n, ast.Attribute) and n.attr == "filename" and isinstance(n.value, ast.Name)
    }


UPLOAD_METADATA = frozenset(
    {"filename", "name", "content_type", "mimetype", "mimetype_params", "size", "headers",
     "content_length", "charset", "content_type_extra"}
)
"""Attributes of an upload that describe it: a log line with ``file.filename`` does not
save the upload."""


def upload_in(expr: ast.AST, origins: dict[str, str], context: Context) -> str | None:
    """The upload whose content ``expr`` carries (``file`` for ``await file.read()``,
    also through ``contents = await file.read()``), not counting its metadata
    (``file.filename``)."""
    pending: list[ast.AST] = [expr]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Attribute) and node.attr in UPLOAD_METADATA:
            continue
        if isinstance(node, ast.Name) and node.id in origins:
            return origins[node.id]
        if is_request_files(node):
            return context.excerpts.label(node, 40)
        pending.extend(ast.iter_child_nodes(node))
    return None


def upload_origins(
    function: FunctionNode, context: Context, *, follow_callers: bool = True
) -> dict[str, str]:
    """See :func:`_upload_origins`; computed once per file and function."""
    what = "uploads" if follow_callers else "uploads here"
    return memoised(
        context, what, function,
        lambda: _upload_origins(function, context, follow_callers=follow_callers),
    )


def _upload_origins(
    function: FunctionNode, context: Context, *, follow_callers: bool
) -> dict[str, str]:
    """Names whose value is an upload's content, each with the upload it comes from:
    the upload objects themselves, ``contents = await file.read()``, ``for chunk in
    upload.chunks()``, ``meta = self.request.files["f"][0]``."""
    objects = upload_objects(function, context, follow_callers=follow_callers)
    origins = {name: name for name in objects}
    pairs = bindings(function, context)
    for _ in range(4):
        before = len(origins)
        for target, value in pairs:
            source = upload_in(value, origins, context)
            if source is not None:
                for name in bound_names(target):
                    origins.setdefault(name, source)
        if len(origins) == before:
            break
    return origins


def receives_upload(write: LocalWrite, function: FunctionNode, context: Context) -> str | None:
    """The upload that ``write`` saves, if its content comes from one: a file opened
    for writing that an upload is copied into (``f.write(await file.read())``,
    ``shutil.copyfileobj(file.file, f)``, ``for chunk in f.chunks(): out.write(chunk)``),
    or ``Path.write_bytes(await file.read())``."""
    data = upload_origins(function, context)
    raw = raw_body_names(function, context)
    if not data and not raw and not memoised(
        context, "request files or body", function,
        lambda: any(
            is_request_files(n) or (isinstance(n, ast.expr) and raw_body(n, context))
            for n in context.own_nodes(function)
        ),
    ):
        return None
    call = write.call
    if not write.is_opener:
        if isinstance(call.func, ast.Attribute) and call.func.attr in PATH_WRITE_METHODS:
            content = argument(call, 0, "data")
            if content is None:
                return None
            return upload_in(content, data, context) or raw_content(content, raw, context)
        return None
    names = file_object_names(call, function, context)
    for node in calls_using(call, function, context):
        if node.args and writes_into(node, names, call, context):
            found = upload_in(node.args[0], data, context)
            if found is None and _copies_bytes(node, context):
                found = raw_content(node.args[0], raw, context)
            if found is not None:
                return found
    return None


# ------------------------------------------------------------------ raw request bodies
RAW_BODY_ATTRIBUTES = frozenset({"body"})
"""``request.body`` (Django, Tornado): the bytes the client sent. Not ``request.data``,
which Django REST framework parses."""
RAW_BODY_CALLS = frozenset({"read", "body", "get_data", "stream"})
"""``await request.read()`` (aiohttp), ``await request.body()`` and ``request.stream()``
(Starlette), ``request.get_data()`` (Flask), ``request.read()`` (Django)."""
RAW_STREAMS = frozenset({"stream", "content"})
"""``request.stream`` (Flask, werkzeug), ``request.content`` (aiohttp): the body as a stream."""
STREAM_READS = frozenset(
    {"read", "readany", "readexactly", "readline", "readchunk", "iter_chunked", "iter_any",
     "iter_chunks"}
)
FORM_CALLS = frozenset({"post", "multipart"})
"""aiohttp's ``await request.post()`` (fields and ``FileField`` uploads) and
``await request.multipart()`` (a reader of body parts)."""
FORM_ITEMS = frozenset({"get", "getone", "getall", "next", "values"})
PART_USES = frozenset({"file", "filename", "read_chunk"})
"""What the code does with a form part that is a file: ``field.file``, ``part.filename``,
``await part.read_chunk()``."""
BYTE_COPIERS = frozenset({"write", "writelines"})


def _is_request(node: ast.AST) -> bool:
    return dotted_name(node) in REQUEST_NAMES


def raw_body(expr: ast.expr, context: Context) -> str | None:
    """How the code reads the raw request body, when ``expr`` is (awaits) it:
    ``request.body``, ``await request.read()``, ``await request.body()``,
    ``request.get_data()``, ``request.stream`` and ``request.stream.read(...)``,
    ``request.content`` and ``await request.content.read(...)``, ``request.stream()``."""
    expr = _awaited(expr)
    if isinstance(expr, ast.Attribute):
        if expr.attr in RAW_BODY_ATTRIBUTES | RAW_STREAMS and _is_request(expr.value):
            return context.excerpts.label(expr, 40)
        return None
    if not isinstance(expr, ast.Call) or not isinstance(expr.func, ast.Attribute):
        return None
    func = expr.func
    owner = func.value
    if func.attr in RAW_BODY_CALLS and _is_request(owner):
        if any(k.arg == "as_text" for k in expr.keywords):
            return None  # ``get_data(as_text=True)``: a text payload, not a file
        return context.excerpts.label(expr, 40)
    if (
        func.attr in STREAM_READS
        and isinstance(owner, ast.Attribute)
        and owner.attr in RAW_STREAMS
        and _is_request(owner.value)
    ):
        return context.excerpts.label(expr, 40)
    return None


def raw_content(expr: ast.expr, raw: dict[str, str], context: Context) -> str | None:
    """The raw body ``expr`` is, itself or through a name holding it (``content =
    await request.read()``, ``async for chunk in request.stream()``). Strict: a value
    computed from the body (``json.loads(body)``) is not the uploaded bytes."""
    expr = _awaited(expr)
    if isinstance(expr, ast.Name):
        return raw.get(expr.id)
    return raw_body(expr, context)


def _copies_bytes(call: ast.Call, context: Context) -> bool:
    """``f.write(data)``, ``f.writelines(chunks)``, ``shutil.copyfileobj(src, f)``: the
    bytes as they are, not serialised (``json.dump(body, f)``)."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in BYTE_COPIERS:
        return True
    return context.qualified_name(func) == "shutil.copyfileobj"


def raw_body_names(
    function: FunctionNode, context: Context, *, follow_callers: bool = True
) -> dict[str, str]:
    """See :func:`_raw_body_names`; computed once per file and function."""
    what = "raw bodies" if follow_callers else "raw bodies here"
    return memoised(
        context, what, function,
        lambda: _raw_body_names(function, context, follow_callers=follow_callers),
    )


def _raw_body_names(
    function: FunctionNode, context: Context, *, follow_callers: bool
) -> dict[str, str]:
    """Names holding the raw request body or a chunk of it, each with how it was read:
    bound to the body (``content = await request.read()``), to a read of its stream
    (``chunk = await request.content.read(8192)``), iterating it (``async for chunk in
    request.stream()``), aliases of those, and parameters a caller in this module
    passes such a value to (maubot's ``upload_new_plugin(content, ...)``)."""
    found: dict[str, str] = {}
    if follow_callers:
        arguments = function.args
        parameters = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]

        def gives_body(caller: FunctionNode) -> Callable[[ast.expr], bool]:
            held = raw_body_names(caller, context, follow_callers=False)
            return lambda value: raw_content(value, held, context) is not None

        for name in parameters_given(function, parameters, context, gives_body):
            found[name] = name
    pairs = bindings(function, context)
    for _ in range(4):
        before = len(found)
        for target, value in pairs:
            source = raw_content(value, found, context)
            if source is None:
                continue
            for name in bound_names(target):
                found.setdefault(name, name if isinstance(value, ast.Name) else source)
        if len(found) == before:
            break
    return found


def _awaited(expr: ast.expr) -> ast.expr:
    while isinstance(expr, ast.Await):
        expr = expr.value
    return expr


def _form_of(value: ast.expr) -> ast.expr | None:
    """The form an item comes from: ``data`` for ``data["f"]``, ``data.get("f")``,
    ``await reader.next()`` or ``data.values()`` (iterated)."""
    while isinstance(value, (ast.Await, ast.Subscript)):
        value = value.value
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute):
        return value.func.value if value.func.attr in FORM_ITEMS else None
    return value


def form_parts(function: FunctionNode, context: Context) -> set[str]:
    """aiohttp form parts that are files: names bound to an item of ``await
    request.post()`` or a part of ``await request.multipart()`` (subscript, ``get``,
    ``next()``, iteration) on which the function reads ``.file``, ``.filename`` or
    ``read_chunk()``. Other fields of the form are plain values, not uploads."""
    return memoised(context, "form parts", function, lambda: _form_parts(function, context))


def _form_parts(function: FunctionNode, context: Context) -> set[str]:
    pairs = bindings(function, context)
    forms: set[str] = set()
    for target, value in pairs:
        made = _awaited(value)
        if (
            isinstance(made, ast.Call)
            and isinstance(made.func, ast.Attribute)
            and made.func.attr in FORM_CALLS
            and _is_request(made.func.value)
        ):
            forms |= bound_names(target)
    if not forms:
        return set()
    parts: set[str] = set()
    for target, value in pairs:
        source = _form_of(value)
        if isinstance(source, ast.Name) and source.id in forms:
            parts |= bound_names(target)
    used = {
        n.value.id
        for n in context.own_nodes(function)
        if isinstance(n, ast.Attribute) and n.attr in PART_USES and isinstance(n.value, ast.Name)
    }
    return parts & used


# ------------------------------------------------------------------ path origins
ORIGIN_ATTRIBUTES = {
    "root_path": "root_path",
    "instance_path": "instance_path",
    "MEDIA_ROOT": "MEDIA_ROOT",
}


def path_origin(path: ast.expr, function: FunctionNode | None, context: Context) -> str | None:
    """Where ``path`` points, when the code says so: next to the code (``__file__``),
    under the app's ``root_path``/``instance_path``, under ``MEDIA_ROOT``, or in the
    working directory (``os.getcwd()``, a relative path). Follows local and
    module-level names a few steps."""
    pending: list[tuple[ast.expr, int]] = [(path, 0)]
    seen: set[str] = set()
    while pending:
        expr, depth = pending.pop()
        for node in ast.walk(expr):
            if isinstance(node, ast.Name):
                if node.id == "__file__":
                    return "beside __file__"
                if node.id == "MEDIA_ROOT":
                    return "under MEDIA_ROOT"
                if depth < 3 and node.id not in seen:
                    seen.add(node.id)
                    pending.extend((v, depth + 1) for v in _values_of(node.id, function, context))
            elif isinstance(node, ast.Attribute) and node.attr in ORIGIN_ATTRIBUTES:
                return "under " + ORIGIN_ATTRIBUTES[node.attr]
            elif isinstance(node, ast.Call) and context.qualified_name(node.func) in CWD_CALLS:
                return "in the working directory"
    if _is_relative(path, function, context):
        return "in the working directory"
    return None


CWD_CALLS = frozenset({"os.getcwd", "os.getcwdb", "pathlib.Path.cwd", "Path.cwd"})
PATH_BUILDERS = frozenset({"os.path.join", "pathlib.Path", "pathlib.PurePath", "Path"})


def _values_of(name: str, function: FunctionNode | None, context: Context) -> list[ast.expr]:
    if function is not None and context.binds_locally(function, name):
        return values_bound(function, context, simple=True).get(name, [])
    value = context.module_values.get(name)
    return [value] if value is not None else []


def _is_relative(expr: ast.expr, function: FunctionNode | None, context: Context) -> bool:
    """A path whose first component is a relative literal: ``"out.csv"``,
    ``f"exports/{name}"``, ``os.path.join("uploads", name)``, ``Path("data") / name``,
    or a name holding one."""
    for _ in range(8):
        if isinstance(expr, ast.Constant):
            text = expr.value
            return isinstance(text, str) and bool(text) and not _ABSOLUTE.match(text)
        if isinstance(expr, ast.JoinedStr):
            if not expr.values or not isinstance(expr.values[0], ast.Constant):
                return False
            expr = expr.values[0]
        elif isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Div, ast.Add)):
            expr = expr.left
        elif (
            isinstance(expr, ast.Call)
            and expr.args
            and context.qualified_name(expr.func) in PATH_BUILDERS
        ):
            expr = expr.args[0]
        elif isinstance(expr, ast.Name):
            values = _values_of(expr.id, function, context)
            if len(values) != 1:
                return False
            expr = values[0]
        else:
            return False
    return False


# ------------------------------------------------------------------ configuration
def setting_name(target: ast.expr) -> str | None:
    """The setting an assignment writes: ``KEY = ...`` (upper case, also a config class
    attribute), ``config.KEY = ...`` or ``app.config["KEY"] = ...``."""
    if isinstance(target, ast.Name):
        return target.id if target.id.isupper() else None
    if isinstance(target, ast.Attribute):
        return target.attr if target.attr.isupper() else None
    if isinstance(target, ast.Subscript):
        return string_value(target.slice)
    return None


def config_entries(node: ast.AST) -> Iterator[tuple[str, ast.expr, ast.AST]]:
    """(setting name, value, node whose parent holds it) for the ways configuration is
    written: assignments (settings modules, config classes, ``app.config[...]``), dict
    entries (``{"KEY": value}``, ``CACHES = {...}``) and call keywords
    (``app.config.update(KEY=value)``, ``Session(type=...)``)."""
    if isinstance(node, ast.Assign):
        for target in node.targets:
            name = setting_name(target)
            if name is not None:
                yield name, node.value, target
    elif isinstance(node, ast.AnnAssign):
        if node.value is not None:
            name = setting_name(node.target)
            if name is not None:
                yield name, node.value, node.target
    elif isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values, strict=True):
            name = string_value(key) if key is not None else None
            if name is not None:
                yield name, value, node
    elif isinstance(node, ast.Call):
        for keyword in node.keywords:
            if keyword.arg is not None:
                yield keyword.arg, keyword.value, node


def chosen_by_environment(node: ast.AST, function: FunctionNode | None, context: Context) -> bool:
    """Whether ``node`` sits in a branch of an ``if`` whose test reads the environment
    (``if os.getenv("DB_TYPE") == "sqlite":``, ``elif not os.environ.get(...)``): the
    deployer picks the branch, not the code."""
    scope: ast.AST = function if function is not None else context.tree
    return getattr(node, "lineno", 0) in memoised(
        context, "environment branches", scope, lambda: _environment_branches(scope, context)
    )


def _environment_branches(scope: ast.AST, context: Context) -> LineSpans:
    """The lines under an ``if`` whose test reads the environment, found in one walk of
    the scope: asked for every candidate finding of a long module, never rescanned."""
    spans = LineSpans()
    for candidate in ast.walk(scope):
        if isinstance(candidate, ast.If) and context.from_environment(candidate.test):
            end = candidate.end_lineno or candidate.lineno
            if end > candidate.lineno:
                spans.append((candidate.lineno + 1, end))
    return spans
