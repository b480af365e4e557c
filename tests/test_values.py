"""Values followed through names (``semantic/values.py``), in one module and across the
project (``ProjectIndex.constant``): what rules see when a value passes through a name."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from flake8_stateless import project
from flake8_stateless.context import Context
from flake8_stateless.options import Settings
from flake8_stateless.semantic.model import ModuleFacts
from flake8_stateless.semantic.values import MAX_VALUES, Value, ValueFollower, Values
from flake8_stateless.semantic.walk import walk

MODULE = """\
import os
from typing import Final

AFFINITY: Final = "SERVERID"
PREFIX = "AWS"
ALB = PREFIX + "ALB"
ELB = f"{PREFIX}ELB"
WRAPPED = f"{PREFIX!r}"
try:
    BACKEND = "memory://"
except ImportError:
    BACKEND = "redis://"
FROM_ENVIRONMENT = os.environ.get("COOKIE", "SERVERID")
OR_DEFAULT = os.getenv("COOKIE") or "theme"
COOKIES = ("AWSALB", "route")
BY_KEY = {"lb": "INGRESSCOOKIE"}
LOOP_A = LOOP_B
LOOP_B = LOOP_A
CHOSEN = "a" if os.environ.get("X") else "b"
if DEBUG:
    DEV_ONLY = "SERVERID"


class Conf:
    COOKIE = AFFINITY

    def method(self):
        return self.COOKIE


class Instance:
    COOKIE = "theme"

    def __init__(self):
        self.COOKIE = "x"

    def method(self):
        return self.COOKIE


def handler(argument):
    local = "ROUTEID"
    first, second = "p", "q"
    chosen = local if argument else ALB
    for cookie in COOKIES:
        use(cookie)
    for value in BY_KEY.values():
        use(value)
    for key in BY_KEY:
        use(key)
    return BY_KEY["lb"]


def rebind():
    global BACKEND
    BACKEND = "memcached://"
"""


def facts_of(source: str) -> ModuleFacts:
    tree = ast.parse(source)
    facts = ModuleFacts(tree, "app.py", source.splitlines(keepends=True))
    walk(tree, facts.handlers(), frozenset())
    return facts


def shown(values: Values) -> list[object]:
    return [
        value.constant if value.known else "<environment>" if value.environment else "<?>"
        for value in values
    ]


@pytest.fixture(scope="module")
def facts() -> ModuleFacts:
    return facts_of(MODULE)


def values_at(facts: ModuleFacts, code: str, function: str | None = None) -> Values:
    """The values of ``code`` written in ``function`` (``Class.method`` for a method)."""
    scope = None
    if function is not None:
        cls, _, name = function.rpartition(".")
        scope = next(
            f
            for f in facts.functions
            if f.name == name
            and (not cls or getattr(facts.method_class.get(id(f)), "name", None) == cls)
        )
    return facts.values(ast.parse(code, mode="eval").body, scope)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("AFFINITY", ["SERVERID"]),
        ("ALB", ["AWSALB"]),
        ("ELB", ["AWSELB"]),
        ("WRAPPED", ["<?>"]),  # a conversion other than !s is not folded
        ("BACKEND", ["memory://", "redis://", "memcached://"]),  # every binding counts
        ("FROM_ENVIRONMENT", ["<environment>"]),  # its default is not the value
        ("OR_DEFAULT", ["<environment>", "theme"]),
        ("LOOP_A", ["<?>"]),  # a cycle is unknown
        ("CHOSEN", ["a", "b"]),
        ("Conf.COOKIE", ["SERVERID"]),
        ("BY_KEY['lb']", ["INGRESSCOOKIE"]),
        ("BY_KEY[name]", ["<?>"]),
        ("undefined_name", ["<?>"]),
        ("len", ["<?>"]),
    ],
)
def test_module_level_values(facts: ModuleFacts, code: str, expected: list[object]) -> None:
    assert shown(values_at(facts, code)) == expected


@pytest.mark.parametrize(
    ("code", "function", "expected"),
    [
        ("local", "handler", ["ROUTEID"]),
        ("first", "handler", ["p"]),
        ("second", "handler", ["q"]),
        ("chosen", "handler", ["ROUTEID", "AWSALB"]),
        ("argument", "handler", ["<?>"]),
        ("cookie", "handler", ["AWSALB", "route"]),
        ("value", "handler", ["INGRESSCOOKIE"]),
        ("key", "handler", ["lb"]),
        ("AFFINITY", "handler", ["SERVERID"]),
        ("self.COOKIE", "Conf.method", ["SERVERID"]),
        ("self.COOKIE", "Instance.method", ["<?>"]),  # each instance sets its own
    ],
)
def test_local_values(facts: ModuleFacts, code: str, function: str, expected: list[object]) -> None:
    assert shown(values_at(facts, code, function)) == expected


def test_values_under_a_debug_switch_are_not_deployed(facts: ModuleFacts) -> None:
    values = values_at(facts, "DEV_ONLY")
    assert [v.guarded for v in values] == [True]
    assert values.strings() == []
    assert values_at(facts, "BACKEND").strings() == ["memory://", "redis://", "memcached://"]
    assert values_at(facts, "FROM_ENVIRONMENT").environment


def test_calls_name_their_callee() -> None:
    facts = facts_of(
        "from django.core.files.storage import FileSystemStorage as FSS\n"
        "fs = FSS(location='/srv')\n"
        "def view():\n    kept = fs\n    return kept\n"
    )
    [value] = values_at(facts, "kept", "view")
    assert value.callee == "django.core.files.storage.FileSystemStorage"
    assert isinstance(value.node, ast.Call)
    assert value.scope is None  # written at module level


def test_wide_and_deep_bindings_stay_bounded() -> None:
    wide = "\n".join(f"X = {'A' if i % 2 else 'B'}{i}" for i in range(200))
    names = "\n".join(f"A{i} = 'a{i}'\nB{i} = 'b{i}'" for i in range(200))
    facts = facts_of(f"{names}\n{wide}\n")
    values = values_at(facts, "X")
    assert len(values) == MAX_VALUES
    assert values[-1] == Value()  # the rest, summed up as unknown
    chain = "\n".join(f"N{i} = N{i + 1}" for i in range(3000)) + "\nN3000 = 'end'\n"
    deep = facts_of(chain)
    assert shown(values_at(deep, "N0")) == ["<?>"]  # cut off, never a RecursionError
    assert shown(values_at(deep, "N2995")) == ["end"]


def test_long_concatenations_are_not_folded() -> None:
    long = " + ".join(["'a'"] * 2000)
    facts = facts_of(f"X = {long}\nY = 'a' + 'b'\n")
    assert shown(values_at(facts, "X")) == ["<?>"]
    assert shown(values_at(facts, "Y")) == ["ab"]


# ------------------------------------------------------------------ across the project
SETTINGS = """\
import os

import environ
from django.core.files.storage import FileSystemStorage

env = environ.Env()
AFFINITY = "SERVERID"
PREFIX = "AWS"
ALB = PREFIX + "ALB"
ALIAS = AFFINITY
QUEUE = None
PORT = 6379
FROM_ENVIRONMENT = os.environ.get("COOKIE", "SERVERID")
FROM_ENV_HELPER = env("COOKIE")
DB_PATH = os.environ["DB_PATH"]
private = FileSystemStorage(location="/srv/private")
TEMPLATE = "x" * 10
if DEBUG:
    DEV_ONLY = "SERVERID"

from shop import helpers


class Local:
    pass


def make():
    pass


thing = make().client
VIA_MODULE = helpers.COOKIE
VIA_MISSING = helpers.missing.deeper
CHAINED = make().attribute
LOCAL_INSTANCE = Local()
HELPER_RESULT = helpers.build()
READ = env.read()
MYSTERY = mystery()
UPPER = AFFINITY.upper()
THING_CALLED = thing()
""" + "".join(f"WIDE = 'w{i}'\n" for i in range(20)) + "".join(
    f"C{i} = C{i + 1}\n" for i in range(20)
) + "C20 = 'end'\n"

VIEWS = """\
from shop import settings
from .settings import AFFINITY, ALB, ALIAS, QUEUE, PORT, FROM_ENVIRONMENT, FROM_ENV_HELPER
from .settings import private, DEV_ONLY, TEMPLATE, MISSING, DB_PATH
import shop.settings


def handler():
    from .settings import AFFINITY as LOCAL
    return LOCAL
"""


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Context]:
    project.new_run()
    (tmp_path / "setup.cfg").write_text("", encoding="utf-8")
    package = tmp_path / "shop"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "settings.py").write_text(SETTINGS, encoding="utf-8")
    (package / "views.py").write_text(VIEWS, encoding="utf-8")
    (package / "helpers.py").write_text("COOKIE = 'ROUTEID'\n", encoding="utf-8")
    (package / "__init__.py").write_text("from shop import settings as conf\n", encoding="utf-8")
    tree = ast.parse(VIEWS)
    context = Context(tree, str(package / "views.py"), Settings(), VIEWS.splitlines(True))
    walk(tree, context.handlers(), frozenset())
    yield context
    project.new_run()


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("AFFINITY", ["SERVERID"]),
        ("ALB", ["AWSALB"]),
        ("ALIAS", ["SERVERID"]),
        ("QUEUE", [None]),
        ("PORT", [6379]),
        ("FROM_ENVIRONMENT", ["<environment>"]),
        ("FROM_ENV_HELPER", ["<environment>"]),
        ("DB_PATH", ["<environment>"]),
        ("DEV_ONLY", ["<?>"]),  # bound under a debug switch: not kept as a constant
        ("TEMPLATE", ["<?>"]),
        ("MISSING", ["<?>"]),
        ("settings.AFFINITY", ["SERVERID"]),
        ("shop.settings.ALB", ["AWSALB"]),
    ],
)
def test_constants_of_other_modules(shop: Context, code: str, expected: list[object]) -> None:
    values = shop.values(ast.parse(code, mode="eval").body, None)
    assert shown(values) == expected
    if values[0].known:
        assert values[0].origin is not None
        assert values[0].origin.startswith("settings.")


def test_instances_of_other_modules_name_their_class(shop: Context) -> None:
    [value] = shop.values(ast.Name("private", ast.Load()), None)
    assert value.callee == "django.core.files.storage.FileSystemStorage"
    assert value.node is None


@pytest.mark.parametrize(
    ("name", "callee", "expected"),
    [
        ("LOCAL_INSTANCE", "shop.settings.Local", ["<?>"]),
        ("HELPER_RESULT", "shop.helpers.build", ["<?>"]),
        ("READ", "environ.Env().read", ["<environment>"]),
        ("MYSTERY", None, ["<?>"]),
        ("UPPER", None, ["<?>"]),
        ("THING_CALLED", None, ["<?>"]),
        ("CHAINED", None, ["<?>"]),
        ("VIA_MODULE", None, ["ROUTEID"]),
        ("VIA_MISSING", None, ["<?>"]),
    ],
)
def test_what_other_modules_bind(
    shop: Context, name: str, callee: str | None, expected: list[object]
) -> None:
    values = Values(shop.located.index.constant("shop.settings", name))
    assert shown(values) == expected
    assert values[0].callee == callee


def test_other_modules_stay_bounded(shop: Context) -> None:
    index = shop.located.index
    wide = index.constant("shop.settings", "WIDE")
    assert len(wide) == MAX_VALUES
    assert wide[-1] == Value()
    assert shown(Values(index.constant("shop.settings", "C0"))) == ["<?>"]  # too deep
    assert shown(Values(index.constant("shop.settings", "C19"))) == ["end"]


def test_modules_re_exported_by_a_package(shop: Context) -> None:
    index = shop.located.index
    assert shown(Values(index.constant_at("shop.conf.AFFINITY"))) == ["SERVERID"]
    assert index.constant_at("shop.settings.Local.attribute") == ()


def test_function_level_imports_are_followed(shop: Context) -> None:
    handler = shop.functions[0]
    assert shown(shop.values(ast.Name("LOCAL", ast.Load()), handler)) == ["SERVERID"]


def test_the_index_answers_by_module_and_name(shop: Context) -> None:
    index = shop.located.index
    assert shown(Values(index.constant("shop.settings", "AFFINITY"))) == ["SERVERID"]
    assert shown(Values(index.constant("shop.views", "settings.ALB"))) == ["AWSALB"]
    assert index.constant("shop.views", "nothing.here") == ()
    assert index.constant_at("os.environ") == ()


def test_import_cycles_between_constants_terminate(tmp_path: Path) -> None:
    project.new_run()
    (tmp_path / "setup.cfg").write_text("", encoding="utf-8")
    (tmp_path / "one.py").write_text("from two import X\nY = X\n", encoding="utf-8")
    (tmp_path / "two.py").write_text("from one import Y\nX = Y\nX = 'SERVERID'\n", encoding="utf-8")
    source = "from one import Y\nfrom two import X\n"
    tree = ast.parse(source)
    context = Context(tree, str(tmp_path / "three.py"), Settings(), source.splitlines(True))
    walk(tree, context.handlers(), frozenset())
    assert "SERVERID" in context.values(ast.Name("Y", ast.Load()), None).strings()
    assert "SERVERID" in context.values(ast.Name("X", ast.Load()), None).strings()
    project.new_run()


EDGES = """\
import os
import os.path as osp


def helper():
    pass


class Thing:
    pass


COUNT = 3
MAJOR = 3
VERSION = f"v{MAJOR}"
RAW = f"{COUNT!r}"
SPEC = f"{COUNT:>3}"
MIXED = "a" + 1
TWICE = "a" * 2
MANY = f"{'a'}{'b'}{'c'}{'d'}{'e'}{'f'}{'g'}{'h'}{'i'}{'j'}{'k'}{'l'}{'m'}{'n'}{'o'}{'p'}{'q'}"
A2 = "a" if os else "b"
WIDE = A2 + A2 + A2 + A2 + A2
FUNCTION = helper
CLASS = Thing
SEQUENCE = ["x", "y"]
LOOKUP = {"k": "v"}
NOT_A_DICT = SEQUENCE[0]
UNKNOWN_PART = "a" + undefined


def kitchen(*args, **kwargs):
    a, *b = "x", "y"
    (c, d), e = ("p", "q"), "r"
    f: str = "annotated"
    g: str
    h = 1
    h += 1
    with open("x") as handle, lock:
        pass
    handle.mode, other = "r", "w"
    import json, os.path
    from os import *
    try:
        pass
    except Exception as error:
        pass
    except:
        pass
    from os import sep as separator
    for i, j in pairs:
        pass
    if (walrus := "w"):
        pass
    for k in unknown_iterable:
        pass
    for m in {"x": "one"}.values():
        pass
    for n in LOOKUP.values():
        pass
    for o in NOT_A_DICT.values():
        pass
    for p in [*args]:
        pass
    for q in {None: 1, **kwargs}:
        pass
    return handle, error, separator


def rebinder():
    global COUNT, FLAG, LOOPED
    COUNT += 1
    FLAG = compute()
    local = "x"
    for LOOPED in range(2):
        pass
    return COUNT
"""


@pytest.mark.parametrize(
    ("code", "function", "expected"),
    [
        ("VERSION", None, ["v3"]),
        ("RAW", None, ["<?>"]),
        ("SPEC", None, ["<?>"]),
        ("MIXED", None, ["<?>"]),
        ("TWICE", None, ["<?>"]),
        ("MANY", None, ["<?>"]),
        ("WIDE", None, ["<?>"]),  # 32 combinations: not folded
        ("FUNCTION", None, ["<?>"]),
        ("CLASS", None, ["<?>"]),
        ("NOT_A_DICT", None, ["<?>"]),
        ("COUNT", None, [3, "<?>"]),  # ``COUNT += 1`` through ``global``
        ("FLAG", None, ["<?>"]),
        ("osp", None, ["<?>"]),
        ("UNKNOWN_PART", None, ["<?>"]),
        ("LOOKUP.keys", None, ["<?>"]),
        ("COUNT", "rebinder", [3, "<?>"]),
        ("LOOPED", None, ["<?>"]),
        ("a", "kitchen", ["<?>"]),
        ("b", "kitchen", ["<?>"]),
        ("c", "kitchen", ["p"]),
        ("d", "kitchen", ["q"]),
        ("e", "kitchen", ["r"]),
        ("f", "kitchen", ["annotated"]),
        ("h", "kitchen", [1, "<?>"]),
        ("handle", "kitchen", ["<?>"]),
        ("error", "kitchen", ["<?>"]),
        ("separator", "kitchen", ["<?>"]),
        ("os", "kitchen", ["<?>"]),
        ("i", "kitchen", ["<?>"]),
        ("walrus", "kitchen", ["w"]),
        ("k", "kitchen", ["<?>"]),
        ("m", "kitchen", ["one"]),
        ("n", "kitchen", ["v"]),
        ("o", "kitchen", ["<?>"]),
        ("p", "kitchen", ["<?>"]),
        ("q", "kitchen", [None, "<?>"]),  # the literal key, then ``**kwargs``
        ("args", "kitchen", ["<?>"]),
        ("kwargs", "kitchen", ["<?>"]),
        ("SEQUENCE[0]", None, ["<?>"]),
        ("LOOKUP[COUNT]", None, ["<?>"]),
        ("LOOKUP['other']", None, ["<?>"]),
        ("os.sep", None, ["<?>"]),
        ("helper().attribute", None, ["<?>"]),
        ("Thing.missing", None, ["<?>"]),
        ("-COUNT", None, ["<?>"]),
    ],
)
def test_edges(code: str, function: str | None, expected: list[object]) -> None:
    assert shown(values_at(facts_of(EDGES), code, function)) == expected


def test_summaries_never_ask_other_modules() -> None:
    facts = facts_of("from shop.settings import AFFINITY\n")
    follower = ValueFollower(facts)  # the summary's own: no project hook
    assert shown(follower.values(ast.Name("AFFINITY", ast.Load()), None)) == ["<?>"]


def test_the_values_api() -> None:
    facts = facts_of(EDGES)
    values = values_at(facts, "VERSION")
    assert [v.string for v in values] == ["v3"]
    assert values.here() == values
    assert values_at(facts, "COUNT")[0].string is None
    assert values_at(facts, "LOOKUP").nodes(ast.Dict)
    assert not values_at(facts, "LOOKUP").nodes(ast.List)
    assert not values.environment
    iterable = ast.parse("SEQUENCE", mode="eval").body
    assert facts.elements(iterable, None).strings() == ["x", "y"]
    assert facts.strings(ast.Constant(3), None) == []
    assert facts.strings(ast.parse("os.environ['X']", mode="eval").body, None) == []
    assert facts.imported_values("os.sep") == ()


@pytest.mark.parametrize(
    "line",
    [
        "X{i} = X{p} + 'a'\n",  # a chain deeper than any bound: never memoised
        "X{i} = 'a'\nY{i} = f'{{X{i}}}{{X{p}}}'\n",  # memoised names
        "X{i} = 'a'\nX{i} = X{p}\n",  # every name bound twice
    ],
)
def test_following_values_is_linear(line: str) -> None:
    """Asking the value of every name of a module (as its summary does) costs a bounded
    number of steps per name, however the names refer to each other."""

    def steps(count: int) -> int:
        source = "X0 = 'start'\n" + "".join(
            line.format(i=i, p=i - 1) for i in range(1, count)
        )
        facts = facts_of(source)
        follower = ValueFollower(facts)
        for name in facts.module_bindings:
            follower.values(ast.Name(name, ast.Load()), None)
        return follower.followed

    small, large = steps(1_000), steps(10_000)
    assert large < 15 * small, (small, large)
