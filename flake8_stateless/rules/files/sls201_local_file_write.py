"""SLS201 local-file-write: request-serving code writing a file on this machine's disk."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator, Sequence

from flake8_stateless.context import Context, FunctionNode
from flake8_stateless.registry import Finding, Rule
from flake8_stateless.rules.files.common import (
    is_scratch,
    local_write,
    memoised,
    path_origin,
    temp_dir_use,
)
from flake8_stateless.semantic.tempdirs import leading_part, rest_parts


def check(node: ast.AST, function: FunctionNode | None, context: Context) -> Iterator[Finding]:
    if function is None or not isinstance(node, ast.Call):
        return
    write = local_write(node, function, context)
    if write is None:
        return
    path = write.path
    if path is None:
        yield RULE.finding(node, what=write.what, origin="")
        return
    if is_scratch(path, function, context) or _content_addressed_cache(path, function, context):
        return
    if _staged_for_archive(node, path, function, context):
        return
    origin = temp_dir_use(path, function, context) or path_origin(path, function, context)
    yield RULE.finding(node, what=write.what, origin=f", {origin}" if origin else "")


EXISTENCE_CHECKS = frozenset({"exists", "is_file", "isfile"})
HASHES = frozenset({"md5", "sha1", "sha224", "sha256", "sha384", "sha512", "blake2b", "blake2s"})


def _content_addressed_cache(path: ast.expr, function: FunctionNode, context: Context) -> bool:
    """A cache file named by a hash of its content's inputs, looked up before it is
    written (``if file_path.is_file(): return FileResponse(file_path)``): a miss on
    another process only costs a recomputation, never a wrong answer."""
    if not isinstance(path, ast.Name):
        return False
    hashed, checked = memoised(
        context, "hashes and existence checks", function,
        lambda: _hashes_and_checks(function, context),
    )
    if not hashed:
        return False
    if path.id in checked:
        return True
    cache_keys = memoised(
        context, "keys of checked cache paths", function,
        lambda: _checked_cache_keys(checked, function, context),
    )
    return bool(cache_keys & _hash_keys(path.id, function, context))


def _checked_cache_keys(checked: set[str], function: FunctionNode, context: Context) -> set[str]:
    """The hashed names the checked cache paths are built from (``name`` in
    ``file_path = CACHE / f"{name}.mp3"`` with ``name = sha256(body).hexdigest()``)."""
    return {key for name in checked for key in _hash_keys(name, function, context)}


def _hash_keys(name: str, function: FunctionNode, context: Context) -> set[str]:
    """The names holding a hash that the path held by ``name`` is built from, through the
    function's simple assignments (two steps: the path, then its parts). A sibling of a
    checked cache file built from the same key (open-webui's ``{name}.json`` beside
    ``{name}.mp3``) belongs to the same cache entry."""
    known: dict[str, set[str]] = memoised(context, "hash keys by name", function, dict)
    if name in known:
        return known[name]
    values = context.temp_dirs.values(function)
    keys = known[name] = set()
    for value in values(name) or ():
        for part in ast.walk(value):
            if isinstance(part, ast.Name) and part.id != name and _holds_a_hash(
                values(part.id) or ()
            ):
                keys.add(part.id)
    return keys


def _holds_a_hash(values: Sequence[ast.expr]) -> bool:
    """Every value is a hash digest (``hashlib.sha256(body).hexdigest()``)."""
    return bool(values) and all(
        any(
            isinstance(node, ast.Call) and _last_name(node.func) in HASHES
            for node in ast.walk(value)
        )
        for value in values
    )


def _last_name(func: ast.expr) -> str:
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _hashes_and_checks(function: FunctionNode, context: Context) -> tuple[bool, set[str]]:
    """Whether ``function`` computes a hash, and the names whose existence it checks
    (one pass per function, asked by each of its writes)."""
    hashed = False
    checked: set[str] = set()
    for node in context.own_nodes(function):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        last = _last_name(func)
        if last in HASHES:
            hashed = True
        elif last in EXISTENCE_CHECKS:
            subject = func.value if isinstance(func, ast.Attribute) and not node.args else (
                node.args[0] if node.args else None
            )
            if isinstance(subject, ast.Name):
                checked.add(subject.id)
    return hashed, checked


ARCHIVES = frozenset({"zipfile.ZipFile", "tarfile.open", "tarfile.TarFile"})
ARCHIVE_ADDS = frozenset({"write", "add"})
"""``ZipFile.write(path)``, ``TarFile.add(path)``: a file copied into the archive."""


def _staged_for_archive(
    write: ast.Call, path: ast.expr, function: FunctionNode, context: Context
) -> bool:
    """A file written only to be put into an archive a few lines later by the same
    function (``open(list_path, "w")`` then ``zip.write(list_path)``): the archive is the
    output, and its own write is what SLS201 reports. Only when the file's name (the
    string literals it is built from) appears in no other function of the module: a
    name another handler also uses is a file it may read back."""
    added_at = memoised(
        context, "archive additions", function, lambda: _archive_additions(function, context)
    )
    if not any(line > write.lineno for line in added_at.get(ast.dump(path), ())):
        return False
    names = _name_literals(path, function, context)
    return bool(names) and not _used_elsewhere(names, function, context)


def _archive_additions(function: FunctionNode, context: Context) -> dict[str, list[int]]:
    """The files ``function`` adds to an archive it opens (``with ZipFile(...) as z``,
    then ``z.write(path)``), as ``ast.dump`` of the path -> the lines that add it: one
    pass per function, asked by each of its writes."""
    archives: set[str] = set()
    for node in context.own_nodes(function):
        pairs: list[tuple[ast.expr, ast.expr | None]] = []
        if isinstance(node, ast.withitem):
            pairs.append((node.context_expr, node.optional_vars))
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            pairs.append((node.value, node.targets[0]))
        for value, target in pairs:
            if (
                isinstance(value, ast.Call)
                and context.qualified_name(value.func) in ARCHIVES
                and isinstance(target, ast.Name)
            ):
                archives.add(target.id)
    added: dict[str, list[int]] = {}
    if not archives:
        return added
    for node in context.own_nodes(function):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ARCHIVE_ADDS
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in archives
            and node.args
        ):
            added.setdefault(ast.dump(node.args[0]), []).append(node.lineno)
    return added


def _name_literals(path: ast.expr, function: FunctionNode, context: Context) -> set[str]:
    """The string literals a file's name is built from (the parts after its folder:
    ``os.path.join(DATA, list_file)`` with ``list_file = "url-list.txt"``), through the
    function's simple assignments."""
    values = context.temp_dirs.values(function)
    parts: list[ast.expr] = []
    current: ast.expr | None = path
    while current is not None and len(parts) < 16:
        parts.extend(rest_parts(current, context.qualified_name))
        current = leading_part(current, context.qualified_name)
    found: set[str] = set()
    seen: set[str] = set()
    while parts and len(seen) < 16:
        for node in ast.walk(parts.pop()):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value:
                found.add(node.value)
            elif isinstance(node, ast.Name) and node.id not in seen:
                seen.add(node.id)
                parts.extend(values(node.id) or ())
    return found


def _used_elsewhere(names: set[str], function: FunctionNode, context: Context) -> bool:
    """Whether one of ``names`` is a string in the module outside ``function``."""
    strings = memoised(
        context, "string constants", context.tree, lambda: _strings(ast.walk(context.tree))
    )
    inside = memoised(
        context, "string constants", function, lambda: _strings(context.own_nodes(function))
    )
    return any(strings.get(name, 0) > inside.get(name, 0) for name in names)


def _strings(nodes: Iterable[ast.AST]) -> dict[str, int]:
    """How many times each string literal occurs among ``nodes``."""
    counts: dict[str, int] = {}
    for node in nodes:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            counts[node.value] = counts.get(node.value, 0) + 1
    return counts


RULE = Rule(
    code="SLS201",
    name="local-file-write",
    message=(
        "`{what}` writes a local file {where}{origin}; "
        "use object storage or the database"
    ),
    summary="Request-serving code writes a file to the local disk.",
    rationale=(
        "A file written while serving a request exists on one machine only. The next "
        "request may land on another replica, which does not have it; a redeploy or a "
        "container restart throws it away; two replicas writing the same path overwrite "
        "each other. Data that must outlive the request belongs in object storage (S3, "
        "GCS, Azure Blob) or the database. Paths next to the code (`__file__`), under the "
        "app's `root_path`/`instance_path` or in the working directory are also often "
        "read-only in containers."
    ),
    bad_example='''\
import json
import os

from flask import Flask, request

app = Flask(__name__)
EXPORTS = os.path.join(os.path.dirname(__file__), "exports")


@app.post("/reports")
def save_report():
    path = os.path.join(EXPORTS, f"{request.json['name']}.json")
    with open(path, "w") as f:
        json.dump(request.json, f)
    return {"saved": path}
''',
    good_example='''\
import json
import os

import boto3
from flask import Flask, request

app = Flask(__name__)
s3 = boto3.client("s3")
BUCKET = os.environ["REPORTS_BUCKET"]


@app.post("/reports")
def save_report():
    key = f"reports/{request.json['name']}.json"
    s3.put_object(Bucket=BUCKET, Key=key, Body=json.dumps(request.json))
    return {"saved": key}
''',
    node_types=(ast.Call,),
    check=check,
    scope="request",
    options=("handler-decorators", "call-depth"),
    yields_to=("SLS202",),
    references=(
        "https://12factor.net/processes",
        "https://docs.aws.amazon.com/AmazonS3/latest/userguide/upload-objects.html",
        "https://docs.python.org/3/library/functions.html#open",
    ),
    notes=(
        "Reports `open()`/`io.open()`/`codecs.open()`/`gzip`/`bz2`/`lzma`/`aiofiles`/`anyio` "
        "opens with a writing mode (positional or `mode=`), `tarfile`/`zipfile` archives "
        "created on a path, `Path.open('w')`, `Path.write_text()`/`write_bytes()`, `os.open()` "
        "with write flags, and `shutil.copy*()`/`shutil.move()`/`os.rename()`/`os.replace()` "
        "to a local destination. A file opened with a mode the linter cannot read is "
        "reported when the function writes into it (`f.write`, `json.dump(x, f)`, "
        "`pickle.dump`, `yaml.dump`, `csv.writer(f)`, `print(file=f)`); a file opened with "
        "a literal writing mode is reported once, at the `open()`, not again at each dump.",
        "Leaves alone temporary files and directories (`tempfile.*` and paths built from "
        "them: scratch space that SLS205 checks is removed), paths the same function removes "
        "again, in-memory buffers (`io.BytesIO`, `io.StringIO`), archives and compressed streams "
        "written into a response or buffer (`ZipFile(response, 'w')`, "
        "`tarfile.open(fileobj=...)`), "
        "`os.devnull` and `/dev/...`, "
        "reads, and everything outside request-serving code: CLI scripts, management "
        "commands, import-time set-up such as a `logging.FileHandler`, and tests.",
        "Scratch space in the system temp dir is left alone too: a path under "
        "`tempfile.gettempdir()`, `tempfile.tempdir`, a `/tmp` or `/var/tmp` literal, or a "
        "project function returning such a path (calibre-web's `get_temp_dir()`, in any "
        "module, also through another such function), whose name has a part made for this "
        "request (`uuid4()`, a timestamp, a hash of the upload) and is not handed out. "
        "Sending the file itself (`send_file(path)`), passing it to a subprocess or a "
        "helper and leaving it behind keep it scratch: no other request reads it back, so "
        "whether it is removed is a clean-up question (SLS205 checks the files `tempfile` "
        "makes), not state. A temp file another request can find again is "
        "still reported, and the message says why: a fixed name (`/tmp/report.pdf` "
        "written here and served by a download route), a name the caller chooses (a route "
        "parameter, a query or form value, a task argument), or a name the handler hands "
        "out (returned in its response, a redirect URL, the session).",
        "A path parameter is followed to the callers: when every call site in the project "
        "passes a path in the temp dir with a part made for that call (`updateEpub(src, "
        "os.path.join(get_temp_dir(), str(uuid4())))`, also handed on through the callers' "
        "own parameters), the write is scratch space. One caller passing another folder, a "
        "temp path under a fixed name (reported as such), a call at module level or with "
        "`*args`, a same-named call the project index cannot resolve, or the function used "
        "as a value (`Thread(target=f)`, a table of writers) keeps the finding.",
        "A file written only to be put into an archive a few lines later by the same "
        "function (`open(os.path.join(data, 'url-list.txt'), 'w')`, then "
        "`zip.write(os.path.join(data, 'url-list.txt'))` on a `ZipFile`/`tarfile.open` the "
        "function opened) is a step of building the archive: the archive's own write is "
        "reported, not the staged file. A file whose name another function of the module "
        "also uses (a handler that reads it back) is still reported.",
        "A content-addressed cache file is left alone: a path named by a hash "
        "(`name = hashlib.sha256(body).hexdigest()`) whose existence the function checks "
        "before writing it (`if file_path.is_file(): return FileResponse(file_path)`), and "
        "the other files of the same entry, built from the same hash (`{name}.json` beside "
        "`{name}.mp3`): a miss on another process costs a recomputation, never a wrong "
        "answer. A file named by another value, or by a hash no checked path is built from, "
        "is still reported.",
        "An upload copied to disk (a werkzeug, Starlette or Django upload, or the raw "
        "request body) is reported as SLS202 instead when that rule runs: SLS201 declares "
        "`yields_to = ('SLS202',)`, and still reports the write when SLS202 is not selected.",
        "The message says where the path points when the code shows it: next to the code "
        "(`__file__`), under the app's `root_path` or `instance_path`, under `MEDIA_ROOT`, "
        "or in the working directory (`os.getcwd()`, `Path.cwd()`, a relative path).",
    ),
)
