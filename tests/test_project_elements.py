"""Objects taken out of containers the project fills: the summary records which class a
long-lived object stores into a container it holds (``self.data['watching'][uuid] =
watch``), and the index gives that class to what request code takes out of it (by key,
``.get()``, a loop), long-lived when the holder is.

The fixture project ``fixtures/projects/elements`` shows the findings; these tests pin
the summary's shape and the resolution rules, including what must not resolve.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from flake8_stateless import project
from flake8_stateless.context import locate
from flake8_stateless.options import Settings
from flake8_stateless.project.index import ProjectIndex, summarise_facts
from flake8_stateless.project.summary import ModuleSummary, ref_of
from flake8_stateless.semantic.handlers import HandlerScope
from flake8_stateless.semantic.model import ModuleFacts
from flake8_stateless.semantic.walk import walk
from tests.helpers import make_project


@pytest.fixture(autouse=True)
def _fresh_run() -> Iterator[None]:
    project.new_run()
    yield
    project.new_run()


def summary(source: str, module: str = "app.store") -> ModuleSummary:
    tree = ast.parse(source)
    facts = ModuleFacts(tree, "app/store.py", source.splitlines(keepends=True))
    walk(tree, facts.handlers(), frozenset())
    return summarise_facts(facts, HandlerScope(facts, ()), module, False)


def ref(expression: str) -> str | None:
    return ref_of(ast.parse(expression, mode="eval").body)


# ---------------------------------------------------------------------------- refs
def test_refs_take_elements_by_constant_key_or_any_key() -> None:
    assert ref("store.data['watching'][uuid].pause") == "store.data.[watching].[].pause"
    assert ref("store.data['watching'].get(uuid)") == "store.data.[watching].get()"
    assert ref("rows[0].save") == "rows.[].save"


def test_refs_never_written_for_what_a_ref_cannot_spell() -> None:
    assert ref("store.data['a.b'].pause") is None  # a key with a dot
    assert ref("store.data['two words'].pause") is None
    assert ref("rows[1:].save") is None  # a slice
    assert ref("handlers[name]()") is None  # calling an element


# ---------------------------------------------------------------------------- summary
STORE = '''\
from app.model import Watch, Worker


class Store:
    def __init__(self):
        self.__data = {"watching": {}}
        self.workers = []
        self.plain = {}
        self.by_name = {}

    def add(self, uuid, url):
        new_watch = Watch(url)
        self.__data["watching"][uuid] = new_watch

    def hire(self, name):
        self.workers.append(Worker(name))
        self.by_name.setdefault(name, Worker(name))

    def remember(self, key):
        self.plain[key] = {"seen": 0}
        self.plain[key]["seen"] += 1
        other = {}
        other[key] = Watch(key)
'''


def test_the_summary_records_what_a_class_stores_in_its_containers() -> None:
    (cls,) = summary(STORE).classes
    assert cls.elements == (
        ("__data[watching][]", "Store.add", "new_watch"),
        ("by_name[]", "Store.hire", "Worker()"),
        ("workers[+]", "Store.hire", "Worker()"),
    )


def test_elements_survive_the_json_cache() -> None:
    built = summary(STORE)
    assert ModuleSummary.from_json(built.to_json()) == built


LOOPS = '''\
def handler(store, uuid):
    by_key = store.data["watching"][uuid]
    by_get = store.data["watching"].get(uuid)
    for _uuid, pair in list(store.data["watching"].items()):
        pass
    for value in store.data["watching"].values():
        pass
    for item in store.workers:
        pass
    for made in store.load():
        pass
'''


def test_the_summary_binds_names_taken_out_of_containers() -> None:
    (function,) = summary(LOOPS).functions
    assert dict(function.locals) == {
        "by_key": "store.data.[watching].[]",
        "by_get": "store.data.[watching].get()",
        "pair": "store.data.[watching].[]",
        "value": "store.data.[watching].[]",
        "item": "store.workers.[*]",
    }


# ---------------------------------------------------------------------------- index
MODEL = '''\
class Watch(dict):
    def pause(self):
        self["paused"] = True


class Worker:
    def take(self, job):
        pass
'''

STORE_MODULE = STORE + '''
    @property
    def data(self):
        return self.__data

    def watch(self, uuid):
        return self.__data["watching"][uuid]


store = Store()
'''

VIEWS = '''\
from app.store import store, Store


def handler(uuid, name, key):
    by_key = store.data["watching"][uuid]
    by_get = store.data["watching"].get(uuid)
    by_method = store.watch(uuid)
    for _uuid, looped in store.data["watching"].items():
        pass
    for worker in store.workers:
        pass
    named = store.by_name[name]
    keyed = store.data["watching"]["main"]
    plain = store.plain[key]
    keys = [k for k in store.data]
    for uuid_only in store.data["watching"]:
        pass
    fresh = Store().data["watching"][uuid]
    nothing_there = store.data["settings"][uuid]
    sequence_by_name = store.workers["main"]
'''


@pytest.fixture
def index(tmp_path: Path) -> ProjectIndex:
    root = make_project(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/model.py": MODEL,
            "app/store.py": STORE_MODULE,
            "app/views.py": VIEWS,
        },
    )
    return locate(str(root / "app" / "views.py"), Settings()).index


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("by_key", "Watch"),
        ("by_get", "Watch"),
        ("by_method", "Watch"),
        ("looped", "Watch"),
        ("worker", "Worker"),
        ("named", "Worker"),
        ("keyed", "Watch"),  # a dict keyed by any key, asked for a constant one
    ],
)
def test_elements_of_a_long_lived_holder_are_long_lived(
    index: ProjectIndex, name: str, cls: str
) -> None:
    assert index.long_lived_object("app.views", "handler", name) == cls


@pytest.mark.parametrize(
    "name",
    [
        "plain",  # plain dicts were stored
        "uuid_only",  # iterating a mapping gives its keys
        "fresh",  # a store built for this request
        "nothing_there",  # nothing of the project stored under 'settings'
        "sequence_by_name",  # a list is not taken from by a string key
    ],
)
def test_what_is_not_a_stored_element_of_a_long_lived_holder(
    index: ProjectIndex, name: str
) -> None:
    assert index.long_lived_object("app.views", "handler", name) is None


def test_a_fresh_holders_elements_are_known_but_short_lived(index: ProjectIndex) -> None:
    fresh = index.resolve("app.views", "handler", "fresh", False)
    assert fresh is not None
    assert (fresh.kind, fresh.name, fresh.long_lived) == ("instance", "Watch", False)


def test_a_constant_key_is_not_any_key(tmp_path: Path) -> None:
    """Stored under ``'main'`` only: an element taken by another key is not followed."""
    source = STORE_MODULE.replace('self.__data["watching"][uuid] = new_watch',
                                  'self.__data["watching"]["main"] = new_watch')
    root = make_project(
        tmp_path,
        {"app/__init__.py": "", "app/model.py": MODEL, "app/store.py": source,
         "app/views.py": VIEWS},
    )
    index = locate(str(root / "app" / "views.py"), Settings()).index
    assert index.long_lived_object("app.views", "handler", "keyed") == "Watch"
    assert index.long_lived_object("app.views", "handler", "by_key") is None


# ---------------------------------------------------------------------------- hand-overs
def test_resource_class_kwargs_are_handed_to_the_resource(tmp_path: Path) -> None:
    """Flask-RESTful builds the resource per request with the keyword arguments given at
    set-up: ``self.store = kwargs["store"]`` holds the long-lived store."""
    views = '''\
from flask import Flask
from flask_restful import Api, Resource

from app.store import Store


class Item(Resource):
    def __init__(self, **kwargs):
        self.store = kwargs["store"]
        self.other = kwargs.get("other")

    def get(self, uuid):
        return self.store


def create_app():
    app = Flask(__name__)
    store = Store()
    Api(app).add_resource(Item, "/item", resource_class_kwargs={"store": store})
    return app
'''
    root = make_project(
        tmp_path,
        {"app/__init__.py": "", "app/model.py": MODEL, "app/store.py": STORE_MODULE,
         "app/views.py": views},
    )
    index = locate(str(root / "app" / "views.py"), Settings()).index
    module = index.module("app.views")
    assert module is not None
    (item,) = [c for c in module.summary.classes if c.qualname == "Item"]
    assert dict(item.attributes) == {"other": "param:**other", "store": "param:**store"}
    assert index.long_lived_object("app.views", "Item.get", "self.store") == "Store"
    assert index.long_lived_object("app.views", "Item.get", "self.other") is None


def test_a_name_a_package_rebinds_is_not_its_submodule(tmp_path: Path) -> None:
    """``from app import registry`` where ``app/__init__.py`` does ``from .registry import
    registry``: the instance, as Python's ``getattr`` gives it; ``from . import tools``
    in the package keeps the submodule."""
    root = make_project(
        tmp_path,
        {
            "app/__init__.py": "from .registry import registry\nfrom . import tools\n",
            "app/registry.py": "class Registry:\n    pass\n\n\nregistry = Registry()\n",
            "app/tools.py": "def helper():\n    pass\n",
            "app/views.py": "from app import registry, tools\n",
        },
    )
    index = locate(str(root / "app" / "views.py"), Settings()).index
    registry = index.resolve("app.views", None, "registry", False)
    assert registry is not None
    assert (registry.kind, registry.name, registry.long_lived) == ("instance", "Registry", True)
    tools = index.resolve("app.views", None, "tools", False)
    assert tools is not None
    assert (tools.kind, tools.module) == ("module", "app.tools")


REGISTRY = '''\
class Client:
    cache = {}
    others = {}

    def postinit(self):
        self.cache[self.id] = self

    @classmethod
    async def get(cls, user_id):
        client = cls(user_id)
        client.postinit()
        return client


class Note:
    cache = {}

    def keep(self):
        self.cache[self.id] = Client()  # stores something else, not itself


class Plugin:
    async def load(self):
        self.client = await Client.get(self.user)
        self.note = Note()
'''


def test_instances_that_register_themselves_in_a_class_cache_are_long_lived(
    tmp_path: Path,
) -> None:
    root = make_project(tmp_path, {"app/__init__.py": "", "app/clients.py": REGISTRY})
    index = locate(str(root / "app" / "clients.py"), Settings()).index
    assert index.long_lived_object("app.clients", "Plugin.load", "self.client") == "Client"
    assert index.long_lived_object("app.clients", "Plugin.load", "self.note") is None


LOADERS = '''\
class Loader:
    id_cache: dict[str, "Loader"] = {}
    by_path: dict = {}
    names: list[str] = []

    def __init__(self):
        self.references = set()

    @classmethod
    def find(cls, plugin_id):
        return cls.id_cache[plugin_id]

    @classmethod
    def find_path(cls, path):
        return cls.by_path[path]


def handler(plugin_id, path):
    loader = Loader.find(plugin_id)
    unknown = Loader.find_path(path)
    name = Loader.names[0]
'''


def test_a_class_level_container_annotated_with_its_element_class(tmp_path: Path) -> None:
    """``id_cache: dict[str, Loader] = {}`` in the class body: what is taken out of it is
    a Loader, long-lived as the class attribute is; an unannotated ``dict`` or a
    ``list[str]`` names no project class."""
    (cls,) = summary(LOADERS, "app.loaders").classes
    assert ("id_cache[]", "", "Loader()") in cls.elements
    root = make_project(tmp_path, {"app/__init__.py": "", "app/loaders.py": LOADERS})
    index = locate(str(root / "app" / "loaders.py"), Settings()).index
    assert index.long_lived_object("app.loaders", "handler", "loader") == "Loader"
    assert index.long_lived_object("app.loaders", "handler", "unknown") is None
    assert index.long_lived_object("app.loaders", "handler", "name") is None


WORKER_LOOP = '''\
from app import pool


async def run(worker_id, jobs):
    while True:
        uuid = await jobs.get()
        if not pool.claim(uuid, worker_id):
            continue
        pool.log(worker_id, uuid)
        try:
            try:
                await check(uuid)
            finally:
                pool.flush(worker_id)
        finally:
            def later(uuid):
                pool.forget(uuid)
            pool.release(
                uuid,
                worker_id=worker_id,
            )
        pool.unmark(uuid)


def backwards(uuid):
    try:
        pass
    finally:
        pool.release(uuid)
    pool.claim(uuid)
'''


def test_the_summary_pairs_a_claim_with_its_release_in_finally() -> None:
    functions = {f.qualname: f for f in summary(WORKER_LOOP).functions}
    # the same name first, the release later and in a ``finally`` (nested or not); not
    # a call after the ``finally``, a different first argument, or a nested function's
    pairs = set(functions["run"].released)
    assert ("pool.claim", "pool.release") in pairs
    assert ("check", "pool.release") in pairs  # every earlier call given ``uuid``
    assert ("pool.log", "pool.flush") in pairs  # ``worker_id`` first in both
    assert ("pool.claim", "pool.forget") not in pairs  # a nested function's call
    assert ("pool.claim", "pool.unmark") not in pairs  # after the ``finally``
    assert all(release != "pool.release" for claim, release in pairs if claim == "pool.log")
    assert functions["backwards"].released == ()  # released before it is claimed


def test_claim_release_pairs_survive_the_json_cache() -> None:
    built = summary(WORKER_LOOP)
    assert ModuleSummary.from_json(built.to_json()) == built
