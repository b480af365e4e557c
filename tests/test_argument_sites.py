"""Call arguments in the summary: what ``ProjectIndex.passes_argument`` reads to tell
that no request-serving call gives a parameter (``fixtures/projects/guardedparams``
shows the findings; these tests pin the tokens each call shape becomes)."""

from __future__ import annotations

import ast

import pytest

from flake8_stateless.project.summary import ForwardedNames, argument_tokens


def tokens(source: str) -> tuple[str, ...]:
    """The tokens of the last call in the function defined by ``source``."""
    function = ast.parse(source).body[0]
    assert isinstance(function, ast.FunctionDef)
    nodes = list(ast.walk(function))
    calls = [n for n in nodes if isinstance(n, ast.Call)]
    return argument_tokens(calls[-1], ForwardedNames.of(function, nodes[1:]))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def f(x):\n    g(x, None, False, 1)", ("?", "None", "False", "?")),
        (
            "def f(path=None, flag=False):\n    g(path=path, flag=flag)",
            ("path=^path", "flag=~flag"),
        ),
        ("def f(path=None):\n    path = path or 'x'\n    g(path)", ("?",)),
        ("def f(path='x'):\n    g(path)", ("?",)),
        ("def f(*, path=None):\n    g(path=path)", ("path=^path",)),
        ("def f(*a):\n    g(*a)", ("*",)),
        ("def f(o):\n    g(**o)", ("**",)),
        ("def f(**kw):\n    g(**kw)", ("**@",)),
        ("def f(**kw):\n    kw.update(indent=2)\n    g(**kw)", ("**@indent",)),
        ("def f(**kw):\n    kw['path'] = 'x'\n    g(**kw)", ("**@path",)),
        ("def f(**kw):\n    kw[k] = 'x'\n    g(**kw)", ("**",)),
        ("def f(o, **kw):\n    kw.update(o)\n    g(**kw)", ("**",)),
        ("def f(**kw):\n    fill(kw)\n    g(**kw)", ("**",)),
        ("def f(**kw):\n    kw = dict(kw)\n    g(**kw)", ("**",)),
        ("def f(**kw):\n    kw.get('x')\n    g(**kw)", ("**@",)),
    ],
)
def test_argument_tokens(source: str, expected: tuple[str, ...]) -> None:
    assert tokens(source) == expected
