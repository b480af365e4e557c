"""The plugin never crashes and never goes quadratic, whatever code it is given.

flake8 aborts the user's whole run when a plugin raises, so every rule and the context
must survive any module that parses: the whole standard library, generated programs,
pathologically deep nesting, very long files. On real scientific code (networkx and
sympy) no file may cost more than a few times its parse (issue 10: a banner comment
after a matrix product hung the text prefilter). The conftest sets FLAKE8_STATELESS_RAISE,
so a failing rule raises here instead of hiding behind an SLS000 finding.

Most rules only look inside request-serving code, which the standard library and
generated programs rarely contain; :func:`everything_serves` makes every function count
as request-serving (the context still does its real work) so that every rule runs on
every function.
"""

from __future__ import annotations

import ast
import cProfile
import os
import pstats
import signal
import sys
import sysconfig
import textwrap
import time
import tokenize
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from types import FrameType
from typing import Any
from unittest import mock

import hypothesmith
import pytest
from hypothesis import HealthCheck, assume, given, settings

from benchmarks.corpus import SCIENTIFIC, CorpusError, CorpusPackage, ensure_corpus
from flake8_stateless import engine
from flake8_stateless.context import Context, FunctionNode
from flake8_stateless.options import Settings
from flake8_stateless.registry import Finding
from flake8_stateless.rules import ALL_RULES

EVERY_RULE = Settings(
    enabled_codes=frozenset(rule.code for rule in ALL_RULES if rule.removed_in is None)
)
DISPLAY_NAMES = ("app/views.py", "app/settings.py", "app/tasks.py", "app/main.py")
"""Paths decide Django views modules and settings; the modules below rotate through them."""


@contextmanager
def everything_serves() -> Iterator[None]:
    """Every function is request-serving, so request-scope rules run everywhere."""

    def serving(self: Context, function: FunctionNode | None) -> bool:
        return function is not None

    with mock.patch.object(Context, "is_request_serving", serving), mock.patch.object(
        Context, "has_request_serving_code", property(lambda self: True)
    ):
        yield


# ---------------------------------------------------------------- standard library
def _read_like_flake8(path: Path) -> str:
    try:
        with tokenize.open(path) as stream:
            return stream.read()
    except (SyntaxError, UnicodeError):
        return path.read_text(encoding="latin-1")


@pytest.mark.slow
def test_standard_library_lints_without_an_exception() -> None:
    """About 1,800 modules and 850k lines, tests included; each is linted once, every
    third one with every function request-serving (that triples the rules' work, so
    doing it for all would take over a minute here). 20-35 s here, by load."""
    root = Path(sysconfig.get_paths()["stdlib"])
    paths = sorted(p for p in root.rglob("*.py") if "site-packages" not in p.parts)
    assert len(paths) > 500, f"no standard library found under {root}"
    failures: list[str] = []
    linted = 0
    for index, path in enumerate(paths):
        source = _read_like_flake8(path)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # invalid escapes in old test data
                tree = ast.parse(source)
        except (SyntaxError, ValueError):
            continue  # deliberately broken test data; flake8 reports E999 there
        lines = source.splitlines(keepends=True)
        filename = DISPLAY_NAMES[index % len(DISPLAY_NAMES)]
        forced = everything_serves() if index % 3 == 0 else nullcontext()
        try:
            with forced:
                engine.check(tree, lines, filename, EVERY_RULE)
        except Exception as error:
            failures.append(f"{path.relative_to(root)}: {type(error).__name__}: {error}")
        linted += 1
    assert linted > 0.95 * len(paths)
    assert not failures, "\n".join(failures[:20])


# ---------------------------------------------------------------- scientific corpus
PARSES = 5
"""What one file may cost through the plugin's path (the text prefilter, then every
enabled rule), in times its ``ast.parse``: about one parse or less on this corpus today,
where issue 10's hang never ended."""
PARSE_FLOOR = 0.05
"""Seconds allowed on top of that: fixed per-file costs, and timer noise on small files."""
FILE_DEADLINE = 60.0
"""Seconds after which one file fails the test instead of hanging it."""


def scientific_corpus() -> list[CorpusPackage]:
    """networkx and sympy (benchmarks/corpus.json, group "scientific"), downloaded into
    the cache on first use; the test is skipped only when that fails (no network)."""
    try:
        return ensure_corpus(group=SCIENTIFIC)
    except (CorpusError, OSError) as error:
        pytest.skip(
            "the scientific corpus could not be downloaded (python -m benchmarks.corpus "
            f"--group scientific): {error}"
        )


def plugin_cost(source: str, display_name: str) -> tuple[float, float]:
    """Seconds to parse ``source``, then to run the plugin's per-file work on the tree."""
    lines = source.splitlines(keepends=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escapes in docstrings
        start = time.perf_counter()
        tree = ast.parse(source)
        parsed = time.perf_counter() - start
    start = time.perf_counter()
    engine.check_file(tree, lines, display_name, EVERY_RULE)
    return parsed, time.perf_counter() - start


def too_slow(parsed: float, checked: float) -> bool:
    return checked > PARSES * parsed + PARSE_FLOOR


@pytest.mark.slow
def test_scientific_code_costs_a_few_parses_per_file() -> None:
    """About 2,100 modules and 950k lines, each parsed and checked once (a file over the
    budget is measured twice more, the best times count, so that a noisy moment cannot
    fail the run). 25-35 s here, most of it in ``ast.parse``."""
    offenders: list[str] = []
    checked_files = 0
    for package in scientific_corpus():
        for path in package.python_files():
            source = _read_like_flake8(path)
            display_name = path.relative_to(package.root).as_posix()
            try:
                with deadline(FILE_DEADLINE):
                    parsed, checked = plugin_cost(source, display_name)
                    for _ in range(2):
                        if not too_slow(parsed, checked):
                            break
                        again = plugin_cost(source, display_name)
                        parsed, checked = min(parsed, again[0]), min(checked, again[1])
            except (SyntaxError, ValueError):
                continue  # flake8 reports E999 and runs no plugin
            except TooSlow:
                offenders.append(f"{package.name}: {display_name}: over {FILE_DEADLINE:.0f} s")
                continue
            checked_files += 1
            if too_slow(parsed, checked):
                offenders.append(
                    f"{package.name}: {display_name}: parsed in {parsed * 1e3:.1f} ms, "
                    f"checked in {checked * 1e3:.1f} ms"
                )
    assert checked_files > 2000
    assert not offenders, "\n".join(offenders[:20])


# ---------------------------------------------------------------- generated programs
EXAMPLES = int(os.environ.get("FLAKE8_STATELESS_HYPOTHESIS_EXAMPLES", "40"))
"""Examples per strategy: bounded in CI; raise it by hand to search longer."""

HANDLER_PREFIX = """\
from flask import Flask

app = Flask(__name__)


@app.route("/")
def handler():
"""


def _parse_quietly(source: str) -> ast.Module | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)  # "'float' object is not callable"
        try:
            return ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return None


def _lint_generated(source: str) -> None:
    tree = _parse_quietly(source)
    assume(tree is not None)  # grammar-valid programs that Python's compiler rejects
    assert tree is not None
    # The same statements inside a Flask handler, where request-scope rules look
    # (None where multi-line strings do not survive re-indenting).
    nested = HANDLER_PREFIX + textwrap.indent(source, "    ") + "\n    pass\n"
    nested_tree = _parse_quietly(nested)
    with everything_serves():
        for filename in DISPLAY_NAMES[:2]:
            engine.check(tree, source.splitlines(keepends=True), filename, EVERY_RULE)
        if nested_tree is not None:
            engine.check(nested_tree, nested.splitlines(keepends=True), "app.py", EVERY_RULE)


GENERATED = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                           HealthCheck.data_too_large],
)


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # hypothesmith compiles its output
@GENERATED
@given(source=hypothesmith.from_grammar())
def test_programs_from_the_grammar_never_make_a_rule_raise(source: str) -> None:
    _lint_generated(source)


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # hypothesmith compiles its output
@GENERATED
@given(source=hypothesmith.from_node())
def test_programs_from_syntax_trees_never_make_a_rule_raise(source: str) -> None:
    _lint_generated(source)


# ---------------------------------------------------------------- work budget
class TooMuchWork(BaseException):
    """Raised from the tracer, so a quadratic rule fails fast instead of hanging CI.
    A BaseException, so that no ``except Exception`` in the code under test eats it."""


class TooSlow(BaseException):
    """Raised by :func:`deadline`, so that a hang fails its test instead of the suite."""


@contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Raise TooSlow in the block after ``seconds`` (the regex engine, too, checks for
    signals as it runs). A hard stop for runaway work, never a measure of speed."""

    def expire(signum: int, frame: FrameType | None) -> None:
        raise TooSlow(f"still running after {seconds:.0f} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def python_steps(action: Callable[[], object], limit: int | None = None) -> int:
    """Python lines executed (and calls made) while ``action`` runs: a deterministic
    measure of work, unlike a timer, so growth can be asserted without flakiness."""
    count = 0

    def trace(frame: FrameType, event: str, arg: Any) -> Any:
        nonlocal count
        count += 1
        if limit is not None and count > limit:
            raise TooMuchWork(f"more than {limit:,} Python steps")
        return trace

    previous = sys.gettrace()
    sys.settrace(trace)
    try:
        action()
    finally:
        sys.settrace(previous)
    return count


# ---------------------------------------------------------------- deep nesting
STEPS_PER_NODE = 600
"""Work allowed per AST node (per lint) on the deep sources below. Every rule and the
context together take at most 250 today; code that rescans a function or subtree for
each node it visits needs thousands, since these trees are hundreds of nodes deep."""
FIXED_STEPS = 100_000

HEADROOM = 50
"""Frames the engine may use beyond the caller's: well below every nesting depth below,
so code that recursed once per nesting level would fail even where Python's default
limit of 1,000 frames would let it pass."""


@contextmanager
def shallow_stack(frames: int = HEADROOM) -> Iterator[None]:
    depth = 0
    frame: FrameType | None = sys._getframe()
    while frame is not None:
        depth += 1
        frame = frame.f_back
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(depth + frames)
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)


def _handler(body: str) -> str:
    return HANDLER_PREFIX + textwrap.indent(body, "    ")


def _nested(opening: str, closing: str, depth: int, inner: str) -> str:
    return opening * depth + inner + closing * depth


def _nested_blocks(header: Callable[[int], str], depth: int, innermost: str) -> str:
    lines = [" " * level + header(level) for level in range(depth)]
    return "\n".join([*lines, " " * depth + innermost]) + "\n"


DEEP_SOURCES: dict[str, str] = {
    "2000-term sum at module level": "x = " + " + ".join(["1"] * 2000) + "\n",
    "2000-term sum in a handler": _handler(
        "CACHE = {}\ntotal = " + " + ".join(["1"] * 2000) + "\nCACHE['k'] = total\n"
    ),
    "2000-term string concatenation in a call": _handler(
        "open('f', " + " + ".join(["'w'"] * 2000) + ").write('x')\n"
    ),
    "190 nested lists": "x = " + _nested("[", "]", 190, "1") + "\n",
    "190 nested calls in a handler": _handler("f = g\nx = " + _nested("f(", ")", 190, "1") + "\n"),
    "190 nested dict settings": (
        "CACHES = " + _nested("{'default': ", "}", 190,
                              "'django.core.cache.backends.locmem.LocMemCache'") + "\n"
    ),
    "190 nested keyword calls": (
        "from flask_limiter import Limiter\n"
        "limiter = " + _nested("Limiter(storage_uri=", ")", 190, "'memory://'") + "\n"
    ),
    "95 nested functions under a route": (
        "from flask import Flask\nSTATE = {}\napp = Flask(__name__)\n\n@app.route('/')\n"
        + _nested_blocks(lambda level: f"def f{level}():", 95, "STATE['k'] = 1")
    ),
    "95 nested async functions with globals": _nested_blocks(
        lambda level: f"async def f{level}():\n{' ' * (level + 1)}global G{level}", 95,
        "G0 = 1",
    ),
    "95 nested classes": "from django.views import View\n" + _nested_blocks(
        lambda level: f"class C{level}(View):\n{' ' * (level + 1)}items = []", 95,
        "def get(self, request):\n" + " " * 96 + "self.items.append(request)",
    ),
    "95 nested ifs at module level": _nested_blocks(
        lambda level: f"if DEBUG{level}:", 95, "CACHE_TYPE = 'simple'"
    ),
    "95 nested ifs in a handler": _handler(_nested_blocks(
        lambda level: f"if request.args{level}:", 95, "STATE.append(1)"
    )),
    "95 nested for/with/while blocks": _handler(_nested_blocks(
        lambda level: ("for i in x:", "with open(p, 'w') as f:", "while True:")[level % 3],
        95, "STATE[i] = f",
    )),
    "1000-branch elif chain in a handler": _handler("".join(
        ("if" if i == 0 else "elif") + f" key == {i}:\n    STATE[{i}] = key\n"
        for i in range(1000)
    )),
    "2000-attribute assignment target": _handler("STATE" + ".a" * 2000 + " = 1\n"),
    "2000-subscript assignment target": _handler("STATE" + "[0]" * 2000 + " = 1\n"),
    "2000-call chain": _handler("x = f" + "()" * 2000 + "\n"),
    "1000-method chain ending in append": _handler("STATE" + ".get()" * 1000 + ".append(1)\n"),
    "500 nested lambdas": "x = " + "lambda: " * 500 + "1\n",
    "150 nested conditional expressions": (
        "x = " + _nested("a if b else (", ")", 150, "c") + "\n"
    ),
    "2000 and-terms in a debug switch": "if " + " and ".join(["DEBUG"] * 2000) + ":\n    X = 1\n",
}

DEEP_SOURCES.update({
    "2000 nots in a debug switch": "if " + "not " * 2000 + "DEBUG:\n    CACHE_TYPE = 'simple'\n",
    "190 nested and-groups in a debug switch": (
        "if " + "(" * 190 + "DEBUG" + " and X)" * 190 + ":\n    CACHE_TYPE = 'simple'\n"
    ),
    "95 nested ifs after a started task": _handler(
        "import asyncio\ntask = asyncio.ensure_future(work())\n"
        + _nested_blocks(lambda level: f"if request.args{level}:", 95, "task.cancel()")
    ),
    "95 nested ifs around a started task": _handler(_nested_blocks(
        lambda level: f"if request.args{level}:", 95,
        "task = asyncio.ensure_future(work())",
    ) + "import asyncio\n"),
    "2000-class local inheritance chain": (
        "from django.views import View\nclass C0(View):\n    pass\n"
        + "".join(f"class C{i}(C{i - 1}):\n    pass\n" for i in range(1, 2000))
        + "class Last(C1999):\n    seen = []\n\n    def get(self, request):\n"
        "        self.seen.append(request)\n"
    ),
})

DEEP_SOURCES.update({
    "2000 temp dir helpers built on each other": (
        "import os\nimport tempfile\nimport uuid\n"
        "def h0():\n    return tempfile.gettempdir()\n"
        + "".join(f"def h{i}():\n    return os.path.join(h{i - 1}(), 'x')\n"
                  for i in range(1, 2000))
        + _handler("open(os.path.join(h1999(), str(uuid.uuid4())), 'w')\n")
    ),
    "a temp path of 1000 joins and names": _handler(
        "import os, tempfile\np0 = tempfile.gettempdir()\n"
        + "".join(f"p{i} = os.path.join(p{i - 1}, name{i})\n" for i in range(1, 1000))
        + "open(p999, 'w')\nreturn {'path': p999}\n"
    ),
})

KNOWN_FAILURES: dict[str, tuple[type[BaseException], str]] = {}
"""Known bugs, as strict xfails: fixing one makes its case pass, which fails the run
until the entry is removed here, so the list cannot go stale."""


def _deep_case(name: str) -> Any:
    known = KNOWN_FAILURES.get(name)
    marks = () if known is None else pytest.mark.xfail(strict=True, raises=known[0],
                                                       reason=known[1])
    return pytest.param(DEEP_SOURCES[name], id=name, marks=marks)


@pytest.mark.parametrize("source", [_deep_case(name) for name in DEEP_SOURCES])
def test_deep_nesting_neither_raises_nor_recurses_nor_rescans(source: str) -> None:
    tree = ast.parse(source)
    lines = source.splitlines(keepends=True)
    nodes = sum(1 for _ in ast.walk(tree))

    filenames = DISPLAY_NAMES[:2]  # a views module and a settings module

    def lint_everywhere() -> None:
        with shallow_stack():
            for filename in filenames:
                engine.check(tree, lines, filename, EVERY_RULE)

    budget = len(filenames) * (FIXED_STEPS + STEPS_PER_NODE * nodes)
    with everything_serves():
        python_steps(lint_everywhere, limit=budget)


def test_known_failures_name_real_cases() -> None:
    assert set(KNOWN_FAILURES) <= set(DEEP_SOURCES)


def test_shallow_stack_catches_recursion() -> None:
    """The headroom really is small: a recursive visitor fails on the 190 nested lists."""
    tree = ast.parse(DEEP_SOURCES["190 nested lists"])
    with shallow_stack(), pytest.raises(RecursionError):
        ast.NodeVisitor().visit(tree)


# ---------------------------------------------------------------- long files
APP_UNIT = """\
STATE_%% = {}
SEEN_%% = []
HITS_%% = 0


def helper_%%(key, value):
    STATE_%%[key] = value
    SEEN_%%.append(key)
    return len(SEEN_%%)


@app.route("/items/%%", methods=["POST"])
def create_%%():
    global HITS_%%
    HITS_%% += 1
    payload = request.get_json()
    helper_%%(payload["id"], payload)
    worker = threading.Thread(target=helper_%%, args=(1, 2))
    worker.start()
    with open(f"/tmp/items-%%-{payload['id']}.json", "w") as stream:
        json.dump(payload, stream)
    return {"count": helper_%%("last", payload)}


class ItemView%%(View):
    registry = {}

    def get(self, request, pk):
        self.registry[pk] = request.GET.get("q")
        cached = CACHE.get(pk) or compute(pk)
        return JsonResponse({"pk": pk, "cached": cached})

    async def post(self, request):
        data = await request.json()
        for key, value in data.items():
            if key not in self.registry:
                self.registry.setdefault(key, []).append(value)
        return JsonResponse({"ok": True})


socketio_%% = SocketIO(app, message_queue=os.environ.get("REDIS_URL"))
bare_socketio_%% = SocketIO(app)
"""
CONFIG_UNIT = """\
class Config%%:
    CACHE_TYPE = "redis"


class DevConfig%%(Config%%):
    CACHE_TYPE = "simple"


if DEBUG:
    CACHES_%% = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    CACHES_%% = {"default": {"BACKEND": os.environ["CACHE_BACKEND_%%"]}}

limiter_%% = Limiter(get_remote_address, app=app, storage_uri="memory://")

if __name__ == "__main__":
    app.run(debug=True)
"""
SECRETS_AND_WORK_UNIT = """\
import asyncio
import secrets
import sqlite3

from cryptography.fernet import Fernet
from fastapi import BackgroundTasks, FastAPI
from whoosh.index import create_in

api = FastAPI()
SECRET_KEY_%% = os.environ.get("SECRET_KEY_%%", secrets.token_hex(32))
KEY_%% = secrets.token_hex()
with open("key-%%", "w") as out_%%:
    out_%%.write(KEY_%%)
app.config["JWT_SECRET_%%"] = KEY_%%
cipher_%% = Fernet(Fernet.generate_key())
app.config["WHOOSH_BASE"] = os.path.join("/srv", "index-%%")
index_%% = create_in("index-%%", None)


def threadpool_%%(func):
    def wrapper(*args):
        return executor_%%.submit(func, *args)

    return wrapper


@threadpool_%%
def send_%%(to):
    print(to)


@api.post("/jobs/%%", status_code=202)
async def job_%%(tasks: BackgroundTasks, wait: bool = False):
    tasks.add_task(send_%%, "x")
    task = asyncio.create_task(asyncio.sleep(1))
    if wait:
        await task
    send_%%("y")
    sqlite3.connect(":memory:").execute("ATTACH DATABASE 'db-%%.sqlite' AS d")
    return {"token": secrets.token_hex()}
"""
PRELUDE = """\
import json
import os
import threading

from django.http import JsonResponse
from django.views import View
from flask import Flask, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_socketio import SocketIO

DEBUG = os.environ.get("DEBUG") == "1"
app = Flask(__name__)
"""


def long_module(unit: str, copies: int) -> str:
    """Realistic app code, each copy with its own names (so call graphs, scopes and
    module state grow with the file, as they do in real long modules)."""
    return PRELUDE + "\n\n".join(unit.replace("%%", str(i)) for i in range(copies))


def calls_made(action: Callable[[], object]) -> Counter[str]:
    """Function calls (builtins and generator resumptions included) made while
    ``action`` runs, per function: a deterministic measure of work, unlike a timer,
    so growth can be asserted without flakiness, and it names the culprit."""
    profile = cProfile.Profile()
    profile.runcall(action)
    stats: dict[tuple[str, int, str], tuple[int, int, float, float, object]]
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    return Counter({
        f"{file}:{line}({name})": calls
        for (file, line, name), (_, calls, *_rest) in stats.items()
    })


def linted_with_calls(source: str, settings: Settings) -> tuple[Counter[str], list[Finding]]:
    """The calls made (see :func:`calls_made`) linting ``source`` as ``app/views.py``,
    and the findings."""
    tree = ast.parse(source)
    split = source.splitlines(keepends=True)
    findings: list[Finding] = []
    calls = calls_made(lambda: findings.extend(engine.check(tree, split, "app/views.py", settings)))
    return calls, findings


LINEAR_SLACK = 1.25
"""How much more work per line the long file may take than the short one."""

KNOWN_QUADRATIC_RULES: dict[str, str] = {}
"""Rules known to rescan the module per finding candidate: left out of the linear test
of everything else, and tested alone as strict xfails until fixed."""

EVERY_RULE_BUT_KNOWN_QUADRATIC = frozenset(EVERY_RULE.enabled_codes or ()) - set(
    KNOWN_QUADRATIC_RULES
)
LONG_FILES = [
    pytest.param(APP_UNIT, 20_000, EVERY_RULE_BUT_KNOWN_QUADRATIC, id="application code"),
    *(
        pytest.param(APP_UNIT, 10_000, frozenset({code}), id=f"application code, {code} alone",
                     marks=pytest.mark.xfail(strict=True, reason=reason))
        for code, reason in KNOWN_QUADRATIC_RULES.items()
    ),
    pytest.param(
        APP_UNIT + "\n\n" + CONFIG_UNIT,
        10_000,
        EVERY_RULE_BUT_KNOWN_QUADRATIC,
        id="configuration with debug switches",
    ),
    pytest.param(
        SECRETS_AND_WORK_UNIT,
        10_000,
        EVERY_RULE_BUT_KNOWN_QUADRATIC,
        id="secrets, search indexes and accepted work",
    ),
]


@pytest.mark.parametrize(("unit", "target_lines", "codes"), LONG_FILES)
def test_long_file_stays_linear(unit: str, target_lines: int, codes: frozenset[str]) -> None:
    """A tenth of the lines and all of them (20,000 for application code): ten times
    the lines may cost at most ten times the work, within LINEAR_SLACK."""
    settings = Settings(enabled_codes=codes)
    large = -(-target_lines // unit.count("\n"))
    small = large // 10
    work: dict[int, Counter[str]] = {}
    lines: dict[int, int] = {}
    for copies in (small, large):
        source = long_module(unit, copies)
        lines[copies] = source.count("\n")
        work[copies], findings = linted_with_calls(source, settings)
        assert findings, "the file should exercise the rules"
    assert lines[large] >= target_lines
    growth = lines[large] / lines[small]
    total = {copies: sum(counter.values()) for copies, counter in work.items()}
    if total[large] > total[small] * growth * LINEAR_SLACK:
        ours = [k for k in work[large] if f"{os.sep}flake8_stateless{os.sep}" in k]
        worst = sorted(ours, key=lambda k: work[small][k] * growth - work[large][k])[:4]
        culprits = ", ".join(
            f"{k.rpartition('flake8_stateless' + os.sep)[2]} {work[small][k]:,} -> "
            f"{work[large][k]:,}" for k in worst
        )
        pytest.fail(
            f"{lines[large]:,} lines made {total[large]:,} calls, "
            f"{total[large] / total[small] / growth:.1f}x the calls per line of "
            f"{lines[small]:,} lines; calls grew most in: {culprits}"
        )


LONG_FUNCTION_STEP = """\
        name_%% = entry.name
        dst_%% = os.path.join(DATA, name_%%)
        if os.path.exists(dst_%%):
            shutil.rmtree(dst_%%)
        shutil.copytree(entry.path, dst_%%)
        with open(f"{tmpdir}/staged-%%.txt", "w") as staged_%%:
            staged_%%.write(name_%%)
"""
LONG_FUNCTION_PRELUDE = """\
import os
import shutil
import tempfile

from flask import Flask

app = Flask(__name__)
DATA = "/srv/data"


@app.post("/restore")
def restore():
    with tempfile.TemporaryDirectory() as tmpdir:
        entry = next(os.scandir(tmpdir))
"""


STATE_STEP = """\
        cart_%% = CARTS.get(request.args["u%%"])
        cart_%%["items"] = []
        PENDING["%%"] = True
        try:
            SEEN.append(request.args["u%%"])
        finally:
            del PENDING["%%"]
"""
STATE_PRELUDE = """\
from flask import Flask, request

app = Flask(__name__)
CARTS = {}
PENDING = {}
SEEN = []


@app.post("/many")
def many():
    if request.args:
"""
MEMO_PRELUDE = """\
from fastapi import FastAPI, Request

app = FastAPI()
_pages = {}
SEEN = []


@app.get("/page")
async def page(request: Request):
    locale = request.query_params["locale"]
    if locale in _pages:
        return _pages[locale]
    built = locale.upper()
"""
MEMO_STEP = """\
    _pages[locale] = built
    request.app.state.page_%% = await render(built)
    SEEN.append(request.query_params["u%%"])
    if built == "%%":
        return request.app.state.page_%%
"""
RESOURCE_PRELUDE = """\
import queue

import falcon


class Hub:
    def __init__(self):
        self.index = {}
"""
RESOURCE_STEP = """\
    def reset_%%(self):
        self.a%% = {}
        self.q%% = queue.Queue()
        self.index.clear()

    def on_post_a%%(self, req, resp):
        if req.params["k"] not in self.index:
            self.index[req.params["k"]] = [k for k in self.a%% if k]
        self.a%%[req.params["k"]] = req.media
        self.q%%.put(req.media)

"""
LONG_FUNCTIONS = [
    pytest.param(LONG_FUNCTION_PRELUDE, LONG_FUNCTION_STEP, 1, id="writes and removals"),
    pytest.param(STATE_PRELUDE, STATE_STEP, None, id="entries, marks and appends"),
    pytest.param(MEMO_PRELUDE, MEMO_STEP, None, id="memo stores and app state handed back"),
    pytest.param(RESOURCE_PRELUDE, RESOURCE_STEP, None, id="a resource of many containers"),
]


@pytest.mark.parametrize(("prelude", "step", "per_step"), LONG_FUNCTIONS)
def test_long_function_stays_linear(prelude: str, step: str, per_step: int | None) -> None:
    """One handler with a thousand copies of a few statements: each question a rule asks
    about a site looks up per-function indexes, never every binding, write or removal of
    the function again (ten times the statements: at most ten times the work)."""
    settings = Settings(enabled_codes=EVERY_RULE_BUT_KNOWN_QUADRATIC)
    work: dict[int, int] = {}
    for steps in (100, 1_000):
        source = prelude + "".join(step.replace("%%", str(i)) for i in range(steps))
        calls, findings = linted_with_calls(source, settings)
        work[steps] = sum(calls.values())
        assert findings, "the function should exercise the rules"
        if per_step is not None:
            assert len(findings) == steps * per_step
    assert work[1_000] <= work[100] * 10 * LINEAR_SLACK, work
