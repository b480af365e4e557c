"""SLS201 local-file-write: request-serving code writing a file on this machine's disk."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from flake8_stateless.context import Context, FunctionNode
from flake8_stateless.registry import Finding, Rule
from flake8_stateless.rules.files.common import (
    is_scratch,
    local_write,
    memoised,
    path_origin,
    temp_dir_use,
)


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
    return hashed and path.id in checked


def _hashes_and_checks(function: FunctionNode, context: Context) -> tuple[bool, set[str]]:
    """Whether ``function`` computes a hash, and the names whose existence it checks
    (one pass per function, asked by each of its writes)."""
    hashed = False
    checked: set[str] = set()
    for node in context.own_nodes(function):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        last = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if last in HASHES:
            hashed = True
        elif last in EXISTENCE_CHECKS:
            subject = func.value if isinstance(func, ast.Attribute) and not node.args else (
                node.args[0] if node.args else None
            )
            if isinstance(subject, ast.Name):
                checked.add(subject.id)
    return hashed, checked


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
        "An upload copied to disk (a werkzeug, Starlette or Django upload, or the raw "
        "request body) is reported as SLS202 instead when that rule runs: SLS201 declares "
        "`yields_to = ('SLS202',)`, and still reports the write when SLS202 is not selected.",
        "The message says where the path points when the code shows it: next to the code "
        "(`__file__`), under the app's `root_path` or `instance_path`, under `MEDIA_ROOT`, "
        "or in the working directory (`os.getcwd()`, `Path.cwd()`, a relative path).",
    ),
)
