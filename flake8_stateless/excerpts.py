"""The user's code, quoted in messages the way they wrote it.

Messages name what they found in the user's own words: ``open(f"logs/{name}", "a")``,
not ``ast.unparse``'s respelling of it (which changes between Python versions: 3.12
started to reuse the outer quote inside f-strings). An excerpt is the source text of a
node, read from the lines the engine already has (the plugin gets them from flake8, the
standalone command from its own read), put on one line and shortened to its head when
long (``os.path.join(REPORTS, …)``).

How messages quote (see the README's *Messages*): a plain name in single quotes
(``'sessions'``, as flake8's own messages do), any other code in backticks, so that its
own quotes stay as written (```request.files['f']```), a string value as a Python
literal (``'memory://'``).

Cost: an excerpt reads only the lines its node spans, and stops once it has more
characters than the message can use; the AST's UTF-8 byte columns become characters
through a table made once per non-ASCII line. No scan of the module, or of a line, per
node.
"""

from __future__ import annotations

import ast
from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from itertools import accumulate

ELLIPSIS = "…"
NAME_WIDTH = 80
"""A dotted name too long for its slot is still shown whole, up to this width."""

_OPERATORS: dict[type[ast.operator], str] = {
    ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.MatMult: "@", ast.Div: "/",
    ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**", ast.LShift: "<<", ast.RShift: ">>",
    ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&",
}
_OPENING = "([{"
_CLOSING = ")]}"


def code(text: str) -> str:
    """Code in a message: in backticks, its own quotes untouched."""
    return f"`{text}`"


def quoted(text: str) -> str:
    """A name in single quotes (``'sessions'``, ``'form.photo.data'``), other code in
    backticks (```request.files['f']```): the quoting never nests."""
    if text and all(part.isidentifier() for part in text.split(".")):
        return f"'{text}'"
    return code(text)


class Excerpts:
    """Source text of the nodes of one module, from its lines (as split for the parser:
    ``lines[0]`` is line 1)."""

    def __init__(self, lines: Sequence[str]) -> None:
        self._lines = lines
        self._starts: dict[int, list[int]] = {}
        """Per line read: the UTF-8 offset of each character, or [] for an ASCII line."""

    def label(self, node: ast.AST, limit: int = 24) -> str:
        """``node`` as written when at most ``limit`` characters, else its head:
        ``os.path.join(REPORTS, …)``, ``DATA_DIR / …``, ``f"logs/{request.args['n…``.
        At most a dozen excerpts per call, whatever the expression's size or depth."""
        return self._label(node, limit, 0)

    def _label(self, node: ast.AST, limit: int, depth: int) -> str:
        text, whole = self.flat(node, limit)
        if whole:
            return text
        if depth < 3:
            half = limit // 2
            if isinstance(node, ast.Call) and node.args:
                head = self._label(node.args[0], half, depth + 1)
                more = f", {ELLIPSIS}" if len(node.args) > 1 or node.keywords else ""
                return f"{self._label(node.func, half, depth + 1)}({head}{more})"
            if isinstance(node, ast.BinOp):
                left: ast.expr = node
                while isinstance(left, ast.BinOp):
                    left = left.left
                symbol = _OPERATORS.get(type(node.op), "+")
                return f"{self._label(left, half, depth + 1)} {symbol} {ELLIPSIS}"
        if _is_dotted(node):
            name, whole = self.flat(node, NAME_WIDTH)
            if name:
                return name if whole else name + ELLIPSIS
        if text:
            return text[: max(limit - 1, 1)] + ELLIPSIS
        return ELLIPSIS

    def flat(self, node: ast.AST, limit: int) -> tuple[str, bool]:
        """The source text of ``node`` on one line, and whether that is all of it: at
        most ``limit`` characters are kept (``("", False)`` when the node has no
        position in these lines). A line break becomes one space (none after an opening
        or before a closing bracket, and a trailing comma before a closing bracket goes);
        a comment in a multi-line node ends the excerpt (see :func:`one_line`)."""
        first = getattr(node, "lineno", None)
        last = getattr(node, "end_lineno", None)
        start = getattr(node, "col_offset", None)
        end = getattr(node, "end_col_offset", None)
        if first is None or last is None or start is None or end is None:
            return "", False
        if not 1 <= first <= last <= len(self._lines):
            return "", False
        if first == last:
            begin = self._column(first, start)
            stop = min(self._column(first, end), begin + limit + 1)
            text = self._lines[first - 1][begin:stop].rstrip("\r\n")
            return (text, True) if len(text) <= limit else (text[:limit], False)
        return one_line(self._spanned(first, start, last, end), limit)

    def _spanned(self, first: int, start: int, last: int, end: int) -> Iterator[str]:
        """The text of lines ``first`` to ``last``, from byte ``start`` of the first to
        byte ``end`` of the last, a line at a time (the reader stops when it has enough)."""
        for number in range(first, last + 1):
            line = self._lines[number - 1]
            begin = self._column(number, start) if number == first else 0
            stop = self._column(number, end) if number == last else len(line)
            yield line[begin:stop]

    def _column(self, number: int, byte_offset: int) -> int:
        """The character column of a UTF-8 byte offset on line ``number``: the offset
        itself on an ASCII line, else found in the line's table of character starts,
        made once per line."""
        if byte_offset == 0:
            return 0
        starts = self._starts.get(number)
        if starts is None:
            line = self._lines[number - 1]
            starts = self._starts[number] = (
                [] if line.isascii() else list(accumulate(map(_utf8_size, line), initial=0))
            )
        return bisect_left(starts, byte_offset) if starts else byte_offset


def _utf8_size(character: str) -> int:
    code_point = ord(character)
    return 1 if code_point < 0x80 else 2 if code_point < 0x800 else 3 if code_point < 0x10000 else 4


def one_line(lines: Iterable[str], limit: int) -> tuple[str, bool]:
    """Consecutive lines of one piece of code as one line of at most ``limit``
    characters, and whether that is all of it. Reads no further than it needs; a comment
    (a ``#`` on any line but the last: on the last line it can only be inside a string)
    ends the text there."""
    pieces: list[str] = []
    size = 0
    pending = iter(lines)
    line = next(pending, None)
    while line is not None:
        following = next(pending, None)
        if following is not None and "#" in line:
            return _joined(pieces)[:limit], False
        piece = line.rstrip().removesuffix("\\").strip()
        if piece:
            pieces.append(piece)
            size += len(piece) + 1
            if size > limit + 1 and following is not None:
                return _joined(pieces)[:limit], False
        line = following
    text = _joined(pieces)
    return (text, True) if len(text) <= limit else (text[:limit], False)


def shorten(text: str, width: int) -> str:
    """Code (ast-grep's text of a node) on one line, ``…`` when longer than ``width``."""
    flat, whole = one_line(text.splitlines(), width)
    return flat if whole else flat[: max(width - 1, 0)] + ELLIPSIS


def _joined(pieces: list[str]) -> str:
    """Pieces of consecutive lines as one line of code."""
    if not pieces:
        return ""
    text = pieces[0]
    for piece in pieces[1:]:
        if piece[0] in _CLOSING:
            text = text.removesuffix(",")
        elif text[-1] not in _OPENING:
            text += " "
        text += piece
    return text


def _is_dotted(node: ast.AST) -> bool:
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)
