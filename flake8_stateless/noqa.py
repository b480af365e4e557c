"""``# noqa`` for the standalone command, with Ruff's semantics, and ``--add-noqa``.

Ruff matches codes exactly (``# noqa: SLS1`` silences nothing; ``# noqa`` silences
everything), reads the directive on the line where the finding starts, or for a
finding inside a multi-line string or a backslash continuation, on the line where that
ends, and honours ``# ruff: noqa`` / ``# flake8: noqa`` (optionally with codes) as
file-level exemptions. Only comments count: ``"# noqa"`` in a string is text.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

_CODE_LIST = r"[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*"
_DIRECTIVE = re.compile(r"#\s*(?i:noqa)(?![\w-])(?P<colon>\s*:\s*(?P<codes>" + _CODE_LIST + r")?)?")
_EXEMPTION = re.compile(
    r"#\s*(?i:ruff|flake8)\s*:\s*(?i:noqa)(?![\w-])(?:\s*:\s*(?P<codes>" + _CODE_LIST + r"))?"
)
_SEPARATORS = re.compile(r"[\s,]+")


@dataclass(frozen=True)
class Directive:
    """One ``# noqa`` comment: ``codes`` None means all codes (a blanket noqa)."""

    codes: tuple[str, ...] | None
    start: int
    """Column of its ``#`` within the line."""
    end: int
    """Column just after its last code (or after ``noqa``)."""

    def silences(self, code: str) -> bool:
        return self.codes is None or code in self.codes


@dataclass
class NoqaMap:
    """The comments of one module and where each line's noqa directive belongs."""

    lines: Sequence[str]
    comments: dict[int, tuple[int, str]] = field(default_factory=dict)
    """Line -> (column, text) of the comment ending that line."""
    moved: dict[int, int] = field(default_factory=dict)
    """Line inside a multi-line string or continuation -> the line its noqa goes on."""
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def build(cls, text: str, lines: Sequence[str]) -> NoqaMap:
        mapping = cls(lines)
        try:
            mapping._tokenize(text)
        except (tokenize.TokenError, SyntaxError):
            for number, line in enumerate(lines, start=1):
                start = line.find("#")
                if start >= 0:
                    mapping.comments[number] = (start, line[start:].rstrip("\r\n"))
        return mapping

    def _tokenize(self, text: str) -> None:
        string_starts: list[int] = []
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            kind = token.type
            if kind == tokenize.COMMENT:
                self.comments[token.start[0]] = (token.start[1], token.string)
            elif kind == tokenize.STRING and token.start[0] != token.end[0]:
                self._span(token.start[0], token.end[0])
            elif kind == getattr(tokenize, "FSTRING_START", -1):
                string_starts.append(token.start[0])
            elif kind == getattr(tokenize, "FSTRING_END", -1) and string_starts:
                self._span(string_starts.pop(), token.end[0])
        for number, line in enumerate(self.lines, start=1):
            body = line.rstrip("\r\n")
            if body.endswith("\\") and number not in self.comments and number not in self.moved:
                self.moved[number] = number + 1

    def _span(self, first: int, last: int) -> None:
        for number in range(first, last):
            self.moved.setdefault(number, last)

    def line_for(self, line: int) -> int:
        """The line where a noqa directive for a finding on ``line`` belongs."""
        while line in self.moved:
            line = self.moved[line]
        return line

    def directive(self, line: int) -> Directive | None:
        """The noqa directive on ``line``, if any (an invalid one is warned about)."""
        comment = self.comments.get(line)
        if comment is None:
            return None
        column, text = comment
        match = _DIRECTIVE.search(text)
        if match is None:
            return None
        if match["colon"] is not None and match["codes"] is None:
            self.warnings.append(
                f"invalid `# noqa` directive on line {line}: expected a comma-separated list "
                "of codes (e.g. `# noqa: SLS101, SLS102`)"
            )
            return None
        codes = tuple(_SEPARATORS.split(match["codes"])) if match["codes"] else None
        return Directive(codes, column + match.start(), column + match.end())

    @cached_property
    def exemption(self) -> Directive | None:
        """A file-level ``# ruff: noqa`` / ``# flake8: noqa`` (with or without codes)."""
        for column, text in self.comments.values():
            match = _EXEMPTION.match(text)
            if match is not None:
                codes = tuple(_SEPARATORS.split(match["codes"])) if match["codes"] else None
                return Directive(codes, column, column + match.end())
        return None

    def silences(self, line: int, code: str) -> bool:
        exemption = self.exemption
        if exemption is not None and exemption.silences(code):
            return True
        directive = self.directive(self.line_for(line))
        return directive is not None and directive.silences(code)


def add_directives(
    lines: Sequence[str], codes_by_line: Mapping[int, Iterable[str]], noqa: NoqaMap
) -> tuple[list[str], int]:
    """``lines`` (with their own line endings) with ``# noqa: CODES`` added on the given
    lines, merged into an existing directive's codes; and how many lines changed."""
    edited = list(lines)
    changed = 0
    for number, codes in sorted(codes_by_line.items()):
        if not 0 < number <= len(edited):
            continue
        line = edited[number - 1]
        body = line.rstrip("\r\n")
        ending = line.removeprefix(body)
        directive = noqa.directive(number)
        if directive is not None and directive.codes is None:
            continue
        existing = list(directive.codes or ()) if directive is not None else []
        new = [code for code in sorted(set(codes)) if code not in existing]
        if not new:
            continue
        listed = ", ".join([*existing, *new])
        if directive is None:
            body = f"{body.rstrip()}  # noqa: {listed}"
        else:
            body = f"{body[: directive.start]}# noqa: {listed}{body[directive.end :]}"
        edited[number - 1] = body + ending
        changed += 1
    return edited, changed
