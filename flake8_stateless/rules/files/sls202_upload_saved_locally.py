"""SLS202 upload-saved-locally: an uploaded file written to this machine's disk."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from flake8_stateless.context import Context, FunctionNode, dotted_name, string_value
from flake8_stateless.excerpts import quoted
from flake8_stateless.registry import Finding, Rule
from flake8_stateless.rules.files.common import (
    FLASK_PACKAGES,
    OPENERS,
    argument,
    bindings,
    bound_names,
    filename_readers,
    is_request_files,
    is_scratch,
    local_write,
    receives_upload,
    upload_objects,
)

FILE_SYSTEM_STORAGES = frozenset(
    {
        "django.core.files.storage.FileSystemStorage",
        "django.core.files.storage.filesystem.FileSystemStorage",
    }
)
DEFAULT_STORAGE = "django.core.files.storage.default_storage"
FILE_SYSTEM_STORAGE_SUFFIX = "FileSystemStorage"
CONFIGURE = "django.conf.settings.configure"


def check(node: ast.AST, function: FunctionNode | None, context: Context) -> Iterator[Finding]:
    if function is None or not isinstance(node, ast.Call):
        return
    func = node.func
    if isinstance(func, ast.Attribute) and func.attr == "save":
        yield from _saved(node, func, function, context)
        return
    write = local_write(node, function, context)
    if write is None or write.path is None or is_scratch(write.path, function, context):
        return
    upload = receives_upload(write, function, context)
    if upload is not None:
        yield RULE.finding(node, upload=quoted(upload), how=write.what)


def _saved(
    call: ast.Call, func: ast.Attribute, function: FunctionNode, context: Context
) -> Iterator[Finding]:
    """``file.save(path)`` on a werkzeug upload, ``FileSystemStorage().save(name, f)``,
    and ``default_storage.save(...)`` where this module makes it the file system."""
    receiver = func.value
    label = context.excerpts.label
    if _is_file_system_storage(receiver, function, context):
        content = argument(call, 1, "content")
        shown = label(content) if content is not None else label(receiver)
        yield RULE.finding(call, upload=quoted(shown), how=f"{label(receiver)}.save()")
        return
    if not call.args and not any(k.arg == "dst" for k in call.keywords):
        return  # ``form.save()``, ``instance.save(commit=False)``: not a file
    if not _is_upload_object(receiver, function, context):
        return
    destination = argument(call, 0, "dst")
    if destination is None or _is_stream(destination, function, context) or is_scratch(
        destination, function, context
    ):
        return
    shown = label(receiver, 40)
    how = f"{shown}.save()" if dotted_name(receiver) is not None else "FileStorage.save()"
    yield RULE.finding(call, upload=quoted(shown), how=how)


def _is_upload_object(receiver: ast.expr, function: FunctionNode, context: Context) -> bool:
    """A werkzeug ``FileStorage``: ``request.files[...]``, a name bound to one, a
    parameter annotated as one, Flask-WTF ``form.field.data``, or, in a Flask module,
    a name whose ``.filename`` the function reads."""
    base = receiver
    while isinstance(base, ast.Subscript):
        base = base.value
    if isinstance(base, ast.Call) and isinstance(base.func, ast.Attribute):
        base = base.func.value  # ``request.files.get("f").save(...)``
    if is_request_files(base):
        return True
    if (
        isinstance(receiver, ast.Attribute)
        and receiver.attr == "data"
        and isinstance(receiver.value, ast.Attribute)
        and context.imported_packages & {"flask_wtf", "wtforms"}
    ):
        return True
    if not isinstance(receiver, ast.Name):
        return False
    if receiver.id in upload_objects(function, context):
        return True
    return receiver.id in filename_readers(function, context) and any(
        package.startswith(FLASK_PACKAGES) for package in context.imported_packages
    )


def _is_stream(destination: ast.expr, function: FunctionNode, context: Context) -> bool:
    """A file object the function opened itself (SLS201 reports that ``open()``)."""
    if not isinstance(destination, ast.Name):
        return False
    for target, value in bindings(function, context):
        if destination.id in bound_names(target) and isinstance(value, ast.Call):
            func = value.func
            if context.qualified_name(func) in OPENERS or (
                isinstance(func, ast.Attribute) and func.attr == "open"
            ):
                return True
    return False


def _is_file_system_storage(receiver: ast.expr, function: FunctionNode, context: Context) -> bool:
    """``FileSystemStorage(...)``, a name bound to one here or at module level, or
    ``default_storage`` when this module sets the default storage to the file system."""
    if isinstance(receiver, ast.Call):
        return context.qualified_name(receiver.func) in FILE_SYSTEM_STORAGES
    if not isinstance(receiver, ast.Name):
        return False
    if context.qualified_name(receiver) == DEFAULT_STORAGE:
        return _default_storage_is_file_system(context)
    if context.binds_locally(function, receiver.id):
        values = [v for t, v in bindings(function, context) if receiver.id in bound_names(t)]
    else:
        module_value = context.module_values.get(receiver.id)
        values = [module_value] if module_value is not None else []
    return bool(values) and all(
        isinstance(v, ast.Call) and context.qualified_name(v.func) in FILE_SYSTEM_STORAGES
        for v in values
    )


def _default_storage_is_file_system(context: Context) -> bool:
    """Whether this module's own settings make the default storage the file system: a
    settings-style module, or a single-file app calling ``settings.configure(...)``."""
    settings: dict[str, ast.expr] = dict(context.module_values)
    for statement in context.tree.body:
        if (
            isinstance(statement, ast.Expr)
            and isinstance(statement.value, ast.Call)
            and context.qualified_name(statement.value.func) == CONFIGURE
        ):
            settings.update({k.arg: k.value for k in statement.value.keywords if k.arg})
    legacy = string_value(settings.get("DEFAULT_FILE_STORAGE"))
    if legacy is not None:
        return legacy.endswith(FILE_SYSTEM_STORAGE_SUFFIX)
    storages = settings.get("STORAGES")
    if not isinstance(storages, ast.Dict):
        return False
    for key, value in zip(storages.keys, storages.values, strict=True):
        if key is not None and string_value(key) == "default" and isinstance(value, ast.Dict):
            for inner_key, backend in zip(value.keys, value.values, strict=True):
                text = string_value(backend)
                if inner_key is not None and string_value(inner_key) == "BACKEND" and text:
                    return text.endswith(FILE_SYSTEM_STORAGE_SUFFIX)
    return False


RULE = Rule(
    code="SLS202",
    name="upload-saved-locally",
    message=(
        "upload {upload} is saved to local disk by `{how}`{via}; "
        "stream it to object storage (S3, GCS, Azure Blob)"
    ),
    summary="An uploaded file is saved to the local disk of the process that received it.",
    rationale=(
        "An upload saved to local disk lives on the one replica that received it: the "
        "next request for it may be served by another replica and fail, and the file is "
        "lost when the container is replaced. Uploads belong in object storage (or a "
        "storage backend that writes there, such as django-storages), where every replica "
        "can read them and they survive deploys."
    ),
    bad_example='''\
import os

from flask import Flask, request
from werkzeug.utils import secure_filename

app = Flask(__name__)
UPLOAD_FOLDER = "/srv/uploads"


@app.post("/avatar")
def upload_avatar():
    avatar = request.files["avatar"]
    avatar.save(os.path.join(UPLOAD_FOLDER, secure_filename(avatar.filename)))
    return {"ok": True}
''',
    good_example='''\
import os

import boto3
from flask import Flask, request
from werkzeug.utils import secure_filename

app = Flask(__name__)
s3 = boto3.client("s3")
BUCKET = os.environ["UPLOADS_BUCKET"]


@app.post("/avatar")
def upload_avatar():
    avatar = request.files["avatar"]
    s3.upload_fileobj(avatar.stream, BUCKET, f"avatars/{secure_filename(avatar.filename)}")
    return {"ok": True}
''',
    node_types=(ast.Call,),
    check=check,
    scope="request",
    options=("handler-decorators", "call-depth"),
    references=(
        "https://12factor.net/backing-services",
        "https://flask.palletsprojects.com/en/stable/patterns/fileuploads/",
        "https://fastapi.tiangolo.com/tutorial/request-files/",
        "https://django-storages.readthedocs.io/",
    ),
    notes=(
        "Reports werkzeug `FileStorage.save(path)` (`request.files[...]`, `.get()`, "
        "`.getlist()` items, parameters annotated `FileStorage`, Flask-WTF "
        "`form.field.data`), FastAPI/Starlette `UploadFile` and Django `request.FILES` "
        "content copied into a file opened for writing (`f.write(await file.read())`, "
        "`shutil.copyfileobj(file.file, f)`, `for chunk in upload.chunks()`) or written "
        "with `Path.write_bytes()`, `FileSystemStorage().save()`, and "
        "`default_storage.save()` when the same module sets the default storage to the "
        "file system (settings live in another module otherwise: SLS204 reports them there).",
        "The raw request body is an upload too when its bytes are written to a file as they "
        "are (`f.write(...)`, `writelines`, `shutil.copyfileobj`, `Path.write_bytes()`), "
        "directly, through a name, chunk by chunk or handed to a function of the same "
        "module: aiohttp `await request.read()`, `request.content.read()`/`iter_chunked()`, "
        "file parts of `await request.post()` and `await request.multipart()`; Starlette "
        "`await request.body()` and `request.stream()`; Flask `request.get_data()` and "
        "`request.stream`; Django and Tornado `request.body`. A body parsed first "
        "(`json.loads(body)`), `get_data(as_text=True)` and plain form fields are not: "
        "SLS201 reports such writes.",
        "Leaves alone uploads streamed to object storage (boto3, google-cloud-storage, "
        "Azure clients, django-storages), processed in memory (`io.BytesIO`, "
        "`await file.read()` parsed in place), saved to a temporary file or directory, "
        "to scratch space in the temp dir (see SLS201) or to a path the same function "
        "removes again, and code outside request handlers. "
        "Model `save()` calls without a destination are not uploads.",
        "The report is at the call that writes: the `save()`, or the `open()` of the file "
        "the upload is copied into; SLS201 yields to this rule there (`yields_to`), so a "
        "write is reported once.",
    ),
)
