"""Messages quote the user's code as written (``excerpts.py``): the same text on every
Python version, one line, shortened to its head, names in quotes and code in backticks,
and no more of the module read than the excerpt needs."""

from __future__ import annotations

import ast
import textwrap
from collections.abc import Iterator, Sequence
from typing import overload

import pytest

from flake8_stateless.excerpts import Excerpts, quoted, shorten
from tests.helpers import lint_source


def excerpt(source: str, limit: int = 24, pick: int = 0) -> str:
    """The label of the ``pick``-th call in ``source``."""
    source = textwrap.dedent(source)
    calls = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call)]
    calls.sort(key=lambda n: (n.lineno, n.col_offset))
    return Excerpts(source.splitlines(keepends=True)).label(calls[pick], limit)


def test_fstrings_keep_the_quotes_the_user_wrote() -> None:
    """``ast.unparse`` respells these differently from Python 3.12 on."""
    assert excerpt("""f"logs/{request.args['name']}.txt".upper()""", 60) == (
        """f"logs/{request.args['name']}.txt".upper()"""
    )
    assert excerpt("""open(f"logs/{request.args['name']}.txt", 'a')""") == (
        """open(f"logs/{req…, …)"""
    )


def test_short_code_whole_long_code_by_its_head() -> None:
    assert excerpt('open("a.txt", "w")') == 'open("a.txt", "w")'
    assert excerpt("os.path.join(REPORTS, name, 'x.csv')") == "os.path.join(REPORTS, …)"
    assert excerpt("str(DATA_DIR / 'exports' / name)") == "str(DATA_DIR / …)"
    assert excerpt("str(template % (first_name, last_name))") == "str(template % …)"


def test_multi_line_code_on_one_line() -> None:
    source = """
        shutil.copy(
            src,
            os.path.join(
                BASE,
                "x",
            ),
        )
    """
    assert excerpt(source, 80) == 'shutil.copy(src, os.path.join(BASE, "x"))'
    continued = """
        open(base + \\
             "x.txt", "w")
    """
    assert excerpt(continued, 80) == 'open(base + "x.txt", "w")'


def test_comments_never_enter_a_message() -> None:
    source = """
        open(
            path,  # where the report goes
            "w",
        )
    """
    text = excerpt(source, 80)
    assert "#" not in text
    assert "report goes" not in text


def test_non_ascii_text_before_the_node() -> None:
    """AST columns count UTF-8 bytes; the excerpt must cut at characters."""
    source = 'x = "héllo wörld"; y = open("übersicht.txt", "w")\n'
    assert excerpt(source, 40) == 'open("übersicht.txt", "w")'
    wide = 'x = "€😀"; y = open("€😀.txt", "w"); z = open(\n "😀", "a")\n'
    assert excerpt(wide, 40) == 'open("€😀.txt", "w")'
    assert excerpt(wide, 40, pick=1) == 'open("😀", "a")'


def test_no_position_no_crash() -> None:
    node = ast.Call(func=ast.Name(id="open"), args=[], keywords=[])
    assert Excerpts([]).label(node) == "…"
    beyond = ast.parse("\n\nopen(a, b)\n").body[0]
    assert Excerpts(["x = 1\n"]).label(beyond) == "…"
    misaligned = Excerpts(["x = 1\n"]).label(ast.parse("open(a, b)\n").body[0])
    assert "\n" not in misaligned  # wrong lines give wrong text, never a crash


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("sessions", "'sessions'"),
        ("form.photo.data", "'form.photo.data'"),
        ("request.files['f']", "`request.files['f']`"),
        ('request.files.get("cover")', '`request.files.get("cover")`'),
        ("", "``"),
    ],
)
def test_names_in_quotes_code_in_backticks(text: str, shown: str) -> None:
    assert quoted(text) == shown


def test_messages_never_nest_quotes() -> None:
    source = """
        from flask import Flask, request

        app = Flask(__name__)


        @app.post("/cover")
        def cover():
            request.files.get('cover').save(f"covers/{request.form['id']}.png")
    """
    (message,) = [f.message for f in lint_source(textwrap.dedent(source))]
    assert message.startswith("SLS202 upload `request.files.get('cover')` is saved")


class CountingLines(Sequence[str]):
    """Lines that count how many of them are read."""

    def __init__(self, lines: list[str]) -> None:
        self._lines = lines
        self.reads = 0

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        self.reads += 1
        return self._lines[index]

    def __len__(self) -> int:
        return len(self._lines)

    def __iter__(self) -> Iterator[str]:
        raise AssertionError("an excerpt never walks the whole module")


def test_an_excerpt_reads_only_what_it_shows() -> None:
    """A 100,000-line call costs a few line reads, not a scan: linear in the findings."""
    source = "open(\n" + "    part,\n" * 100_000 + '    "w",\n)\n'
    call = ast.parse(source).body[0]
    assert isinstance(call, ast.Expr)
    lines = CountingLines(source.splitlines(keepends=True))
    assert Excerpts(lines).label(call.value) == "open(part, …)"
    assert lines.reads < 50


class CountingLine(str):
    measured = 0

    def isascii(self) -> bool:
        CountingLine.measured += 1
        return super().isascii()


def test_a_non_ascii_line_is_measured_once() -> None:
    """2,000 excerpts of one long non-ASCII line: one table of its characters, then a
    lookup per column (not a decode of the line's head each time)."""
    source = "é = [" + ", ".join(f"open(p{i}, 'w')" for i in range(2_000)) + "]\n"
    calls = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call)]
    excerpts = Excerpts([CountingLine(source)])
    CountingLine.measured = 0
    shown = {excerpts.label(call) for call in calls}
    assert shown == {f"open(p{i}, 'w')" for i in range(2_000)}
    assert CountingLine.measured == 1


def test_a_hash_in_a_string_is_not_a_comment() -> None:
    assert excerpt('open("#tag.txt", "w")') == 'open("#tag.txt", "w")'
    assert excerpt('open(\n    name,\n    "#w")', 40) == 'open(name, "#w")'


def test_pattern_captures_read_like_ast_excerpts() -> None:
    """ast-grep rules quote their metavariables through the same one-line rendering."""
    assert shorten('Broadcast(\n    "memory://",  # in-process\n)', 60) == "Broadcast(…"
    assert shorten('InMemoryChannelLayer(\n    capacity=100,\n)', 60) == (
        "InMemoryChannelLayer(capacity=100)"
    )
    assert shorten("x" * 100, 10) == "x" * 9 + "…"
