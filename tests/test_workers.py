"""Queue workers and event buses: what a queue take is, which loops serve a queue, and
the summary fact that lets SLS501 follow a thread's target across modules.

The golden fixtures (SLS501_workers.py, SLS502_event_bus.py, projects/fetchpool) show
the findings; these tests pin the pieces they are built from.
"""

from __future__ import annotations

import ast

import pytest

from flake8_stateless.project.index import summarise_source
from flake8_stateless.project.summary import ModuleSummary
from flake8_stateless.semantic.syntax import drains_queue_in_loop, queue_take


def _call(source: str) -> ast.Call:
    node = ast.parse(source, mode="eval").body
    assert isinstance(node, ast.Call)
    return node


@pytest.mark.parametrize(
    "source",
    [
        "q.get()",
        "q.get(True)",
        "q.get(True, 5)",
        "self._queue.get(block=True)",
        "q.get(timeout=1.0)",
        "q.get_nowait()",
        "q.async_get(executor=pool, timeout=1.0)",
    ],
)
def test_queue_takes(source: str) -> None:
    assert queue_take(_call(source)) is not None


@pytest.mark.parametrize(
    "source",
    [
        "d.get('key')",
        "d.get(key, None)",
        "requests.get(url, timeout=5)",
        "client.get(url='/status')",
        "q.get(True, 5, 6)",
        "q.get_nowait(1)",
        "cache.async_get('key', timeout=1)",
        "settings.async_get()",
        "get()",
    ],
)
def test_not_queue_takes(source: str) -> None:
    assert queue_take(_call(source)) is None


def _function(source: str) -> ast.FunctionDef | ast.AsyncFunctionDef:
    node = ast.parse(source).body[0]
    assert isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    return node


@pytest.mark.parametrize(
    "source",
    [
        "def w(q):\n    while True:\n        job = q.get()\n        job()\n",
        "def w(self):\n    while self.active:\n        try:\n"
        "            entry = self.queue.get(block=True)\n        except Exception:\n"
        "            pass\n",
        "async def w(q, stop):\n    while not stop.is_set():\n        item = await q.get()\n",
        "def w(q):\n    while True:\n        if q:\n            for _ in range(3):\n"
        "                q.get(timeout=0.5)\n",
    ],
)
def test_service_loops(source: str) -> None:
    assert drains_queue_in_loop(_function(source))


@pytest.mark.parametrize(
    "source",
    [
        "def w(q):\n    job = q.get()\n    job()\n",
        "def w(q):\n    while not q.empty():\n        q.get()()\n",
        "def w(self):\n    while self.queue.qsize():\n        self.queue.get()\n",
        "def w(d):\n    while True:\n        print(d.get('k'))\n",
        "def w(q):\n    while False:\n        q.get()\n",
        "def w(q):\n    while True:\n        def later():\n            q.get()\n        later()\n",
        "def w(q):\n    while True:\n        break\n    else:\n        q.get()\n",
        "def w(q):\n    while True:\n        try:\n            q.get_nowait()\n"
        "        except Exception:\n            break\n",
        "def w(self):\n    while True:\n        try:\n"
        "            self.queue.put(self.held.get(block=False))\n"
        "        except Exception:\n            break\n",
        "def w(q):\n    while True:\n        q.get(False)\n",
    ],
)
def test_not_service_loops(source: str) -> None:
    assert not drains_queue_in_loop(_function(source))


def test_the_summary_keeps_which_functions_serve_a_queue() -> None:
    source = '''\
import threading


class Worker:
    def run(self):
        while self.running:
            self.queue.get()()

    def start(self):
        threading.Thread(target=self.run).start()


def once(q):
    return q.get()
'''
    summary = summarise_source(source.encode(), "app/workers.py", "app.workers", False, ())
    assert summary is not None
    drains = {f.qualname for f in summary.functions if f.drains_queue}
    assert drains == {"Worker.run"}
    start = next(f for f in summary.functions if f.qualname == "Worker.start")
    assert "self.run" in start.calls
    assert start.handed == ("self.run",)  # handed to the thread, not run by ``start``
    assert ModuleSummary.from_json(summary.to_json()) == summary
