"""Django's default file storage across the project: where a model's uploads land when
no storage is named.

A model ``FileField``/``ImageField`` without ``storage=`` saves through the default
storage, and that is ``FileSystemStorage`` under ``MEDIA_ROOT`` unless a settings module
names another (``STORAGES["default"]``, or ``DEFAULT_FILE_STORAGE`` before Django 5.1).
Whether that happens is a fact of the whole project: the fields live in models modules,
the storage in any of several settings modules (``settings/production.py`` may name
what ``settings/base.py`` leaves out). Development and test settings never count: they
do not configure production.

Cost: the module asking (a settings module that sets ``MEDIA_ROOT``) answers from its own
facts first; the rest of the project is read once per process and index
(``ProjectIndex.modules_mentioning``), and only the modules whose text mentions a file
field or a storage setting are parsed, each once per index.
"""

from __future__ import annotations

import ast
import weakref
from collections.abc import Iterator
from dataclasses import dataclass

from flake8_stateless.project import Located, ProjectIndex
from flake8_stateless.project.index import module_facts
from flake8_stateless.semantic.model import ModuleFacts
from flake8_stateless.semantic.syntax import FUNCTION_TYPES, string_value

FILE_FIELDS = frozenset(
    {
        "django.db.models.FileField",
        "django.db.models.ImageField",
        "django.db.models.fields.files.FileField",
        "django.db.models.fields.files.ImageField",
        "sorl.thumbnail.ImageField",
        "sorl.thumbnail.fields.ImageField",
        "easy_thumbnails.fields.ThumbnailerField",
        "easy_thumbnails.fields.ThumbnailerImageField",
        "versatileimagefield.fields.VersatileImageField",
        "imagekit.models.ProcessedImageField",
        "imagekit.models.fields.ProcessedImageField",
    }
)
"""Model fields that save uploads through the default storage unless given ``storage=``
(Django's own, and the thumbnail fields built on them). Form and serializer fields of
the same names only read uploads: they are not model fields."""

DEFAULT_STORAGE_SETTINGS = frozenset({"STORAGES", "DEFAULT_FILE_STORAGE"})

PROJECT_WORDS = frozenset(
    {name.rpartition(".")[2] for name in FILE_FIELDS} | DEFAULT_STORAGE_SETTINGS
)
"""Words of which one occurs in the text of every module that declares such a field or
names a default storage (import aliases rename only the head of a qualified name)."""

STORAGE_POSITION = 3
"""``FileField(verbose_name, name, upload_to, storage)``: four positional arguments may
name a storage."""


@dataclass(frozen=True)
class MediaFacts:
    """What one module says about Django's default storage."""

    fields: tuple[str, ...]
    """Model file fields saving through the default storage, as ``Model.field``, in
    source order."""
    configures_storage: bool
    """Names a default storage outside development-only code (``if DEBUG:``,
    ``class DevConfig``, a development or test settings module)."""


def media_facts(facts: ModuleFacts) -> MediaFacts:
    """The module's model file fields without a storage, and whether it configures a
    default storage for production."""
    production = not (facts.path.is_test or facts.path.is_dev_settings)
    return MediaFacts(
        tuple(_default_storage_fields(facts)), production and _configures_storage(facts)
    )


def field_using_local_default(facts: ModuleFacts, located: Located) -> str | None:
    """A model file field of the project (``'Post.cover'``) whose uploads go to the local
    disk through Django's default storage, when neither this module nor any other
    production module of the project configures a default storage; else None."""
    own = media_facts(facts)
    if own.configures_storage:
        return None
    fields = list(own.fields)
    for module, media in sorted(_project_media(located.index).items()):
        if module == located.module:
            continue  # the linted text wins over the file on disk (an editor's buffer)
        if media.configures_storage:
            return None
        fields.extend(media.fields)
    return fields[0] if fields else None


_PROJECTS: weakref.WeakKeyDictionary[ProjectIndex, dict[str, MediaFacts]] = (
    weakref.WeakKeyDictionary()
)
"""Per index (one per project and run in a process): module -> what it says, for the
modules that declare a file field or configure a storage."""


def _project_media(index: ProjectIndex) -> dict[str, MediaFacts]:
    known = _PROJECTS.get(index)
    if known is None:
        known = {}
        for mention in index.modules_mentioning(PROJECT_WORDS):
            facts = module_facts(mention.text, mention.relative)
            if facts is None:
                continue
            media = media_facts(facts)
            if media.fields or media.configures_storage:
                known[mention.module] = media
        _PROJECTS[index] = known
    return known


# ---------------------------------------------------------------------- fields
def _default_storage_fields(facts: ModuleFacts) -> Iterator[str]:
    found: list[tuple[int, str]] = []
    for cls in facts.all_classes:
        for statement in cls.body:
            targets: list[ast.expr]
            value: ast.expr | None
            if isinstance(statement, ast.Assign):
                targets, value = statement.targets, statement.value
            elif isinstance(statement, ast.AnnAssign):
                targets, value = [statement.target], statement.value
            else:
                continue
            if not isinstance(value, ast.Call) or not _saves_to_default_storage(value, facts):
                continue
            for target in targets:
                if isinstance(target, ast.Name):
                    found.append((statement.lineno, f"{cls.name}.{target.id}"))
    for _, label in sorted(found):
        yield label


def _saves_to_default_storage(call: ast.Call, facts: ModuleFacts) -> bool:
    """A model file field built without a storage (``storage=None`` is none); fields
    whose arguments may hide one (``**options``, ``*args``) are given the benefit."""
    if facts.qualified_name(call.func) not in FILE_FIELDS:
        return False
    if len(call.args) > STORAGE_POSITION or any(isinstance(a, ast.Starred) for a in call.args):
        return False
    for keyword in call.keywords:
        if keyword.arg is None:
            return False
        if keyword.arg == "storage":
            return isinstance(keyword.value, ast.Constant) and keyword.value.value is None
    return True


# ---------------------------------------------------------------------- settings
def _configures_storage(facts: ModuleFacts) -> bool:
    """``DEFAULT_FILE_STORAGE = ...``, ``STORAGES = {"default": ...}`` (or a value that
    may hold one), ``STORAGES["default"] = ...``, ``STORAGES.update(default=...)`` or
    ``settings.configure(STORAGES=...)``, at import time (module level, config class
    bodies, top-level blocks) and not in development-only code."""
    for statement in _import_time_assignments(facts.tree):
        if _guarded(statement, facts):
            continue
        targets = statement.targets if isinstance(statement, ast.Assign) else [statement.target]
        value = statement.value
        for target in targets:
            if _names_default_storage(target, value):
                return True
    for call in facts.module_calls:
        if _guarded(call, facts):
            continue
        func = call.func
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "STORAGES"
            and func.attr in ("update", "setdefault", "__setitem__")
        ):
            if func.attr != "update" or call.keywords or not call.args:
                return True  # setdefault("default", ...), update(default=...)
            if _may_hold_default(call.args[0]):
                return True
        for keyword in call.keywords:
            if keyword.arg == "DEFAULT_FILE_STORAGE" or (
                keyword.arg == "STORAGES" and _may_hold_default(keyword.value)
            ):
                return True
    return False


def _names_default_storage(target: ast.expr, value: ast.expr | None) -> bool:
    if isinstance(target, ast.Name):
        if target.id == "DEFAULT_FILE_STORAGE":
            return value is not None and not _is_nothing(value)
        return target.id == "STORAGES" and value is not None and _may_hold_default(value)
    if isinstance(target, ast.Subscript) and isinstance(target.value, ast.Name):
        if target.value.id != "STORAGES":
            return False
        key = string_value(target.slice)
        return key is None or key == "default"
    return False


def _may_hold_default(value: ast.expr) -> bool:
    """A ``STORAGES`` value with a ``"default"`` entry, or one that may hold it (built
    by a call, read from a name, ``**`` merged): only a literal without it is known not
    to."""
    if isinstance(value, ast.Dict):
        return any(key is None or string_value(key) in (None, "default") for key in value.keys)
    return not _is_nothing(value)


def _is_nothing(value: ast.expr) -> bool:
    return isinstance(value, ast.Constant) and value.value in (None, "")


def _guarded(node: ast.AST, facts: ModuleFacts) -> bool:
    return facts.is_guarded(node) or facts.in_main_guard(node)


_ASSIGNMENTS = (ast.Assign, ast.AnnAssign, ast.AugAssign)
_BLOCKS = (ast.stmt, ast.excepthandler, ast.match_case)


def _import_time_assignments(
    tree: ast.Module,
) -> Iterator[ast.Assign | ast.AnnAssign | ast.AugAssign]:
    """Assignment statements that run at import time: module level, inside top-level
    ``if``/``try``/``with`` blocks and class bodies, not in functions. Statements only,
    never expressions: linear in the module's statements."""
    pending: list[ast.AST] = list(reversed(tree.body))
    while pending:
        node = pending.pop()
        if isinstance(node, _ASSIGNMENTS):
            yield node
        elif not isinstance(node, FUNCTION_TYPES):
            children = [c for c in ast.iter_child_nodes(node) if isinstance(c, _BLOCKS)]
            pending.extend(reversed(children))
