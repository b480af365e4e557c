"""``# noqa`` for the standalone command, with Ruff's semantics, and ``--add-noqa``.

Ruff matches codes exactly (``# noqa: SLS1`` silences nothing; ``# noqa`` silences
everything), reads the directive on the line where the finding starts, or for a
finding inside a multi-line string or a backslash continuation, on the line where that
ends, and honours ``# ruff: noqa`` / ``# flake8: noqa`` (optionally with codes) written
on a line of their own as file-level exemptions (on a line with code, flake8 ignores
``# flake8: noqa`` and so do we, with a warning). Only comments count: ``"# noqa"`` in
a string is text.

The same comments are often read by flake8 too, which matches codes by prefix, needs
``# noqa`` spelt with one space, and skips a whole file for ``# flake8: noqa: CODES``.
Where flake8 would decide a finding differently, the command says so in a warning.
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
_FLAKE8_INLINE = re.compile(
    r"# noqa(?::\s?(?P<codes>[A-Z]+[0-9]+(?:[,\s]*[A-Z]+[0-9]+)*[,\s]*))?", re.I
)
"""What flake8's ``NOQA_INLINE_REGEXP`` (7.x) matches, to tell where its reading differs;
written without its repeated capturing group, which costs more on long lines."""
_FLAKE8_FILE = re.compile(r"\s*# flake8[:=]\s*noqa", re.I)
"""flake8's ``NOQA_FILE``: a line starting with it makes flake8 skip the file."""


def flake8_silences(comment: str, code: str) -> bool:
    """Whether flake8 would silence ``code`` for a line ending with ``comment``: a
    blanket ``# noqa``, or a code list matched by prefix."""
    match = _FLAKE8_INLINE.search(comment)
    if match is None:
        return False
    if match["codes"] is None:
        return True
    codes = tuple(code for code in _SEPARATORS.split(match["codes"]) if code)
    return code.startswith(codes)


def _flake8_blanket(comment: str) -> bool:
    match = _FLAKE8_INLINE.search(comment)
    return match is not None and match["codes"] is None


@dataclass(frozen=True)
class Directive:
    """One ``# noqa`` comment: ``codes`` None means all codes (a blanket noqa)."""

    codes: tuple[str, ...] | None
    start: int
    """Column of its ``#`` within the line."""
    end: int
    """Column just after its last code (or after ``noqa``)."""
    line: int = 0
    """Its line, for file-level exemptions."""

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
            blanket = " (flake8 reads it as a blanket `# noqa`)" if _flake8_blanket(text) else ""
            self.warnings.append(
                f"invalid `# noqa` directive on line {line}: expected a comma-separated list "
                f"of codes (e.g. `# noqa: SLS101, SLS102`){blanket}"
            )
            return None
        codes = tuple(_SEPARATORS.split(match["codes"])) if match["codes"] else None
        return Directive(codes, column + match.start(), column + match.end())

    def _own_line(self, line: int, column: int) -> bool:
        return 0 < line <= len(self.lines) and not self.lines[line - 1][:column].strip()

    @cached_property
    def exemption(self) -> Directive | None:
        """A file-level ``# ruff: noqa`` / ``# flake8: noqa`` (with or without codes),
        on a line of its own."""
        for line, (column, text) in self.comments.items():
            match = _EXEMPTION.match(text)
            if match is None:
                continue
            if not self._own_line(line, column):
                self.warnings.append(
                    f"`{match.group()}` on line {line} shares the line with code, so it "
                    "exempts nothing (flake8 ignores it there too); put it on a line of its "
                    "own to exempt the file, or write `# noqa` to silence that line"
                )
                continue
            codes = tuple(_SEPARATORS.split(match["codes"])) if match["codes"] else None
            return Directive(codes, column, column + match.end(), line)
        return None

    @cached_property
    def _flake8_skips_file(self) -> int | None:
        """The line of a comment that makes flake8 skip the whole file, if any."""
        for line, (column, text) in self.comments.items():
            if self._own_line(line, column) and _FLAKE8_FILE.match(text):
                return line
        return None

    def silences(self, line: int, code: str) -> bool:
        """Whether a finding of ``code`` on ``line`` is silenced; where flake8 would
        decide otherwise, a warning says so."""
        exemption = self.exemption
        if exemption is not None and exemption.silences(code):
            return True
        target = self.line_for(line)
        directive = self.directive(target)
        ours = directive is not None and directive.silences(code)
        skipped = self._flake8_skips_file
        if skipped is not None and not ours:
            _, text = self.comments[skipped]
            self.warnings.append(
                f"`{text.strip()}` on line {skipped} exempts only the codes it lists here, "
                f"so {code} is reported; flake8 skips the whole file for it"
            )
            return False
        first = line - 1
        physical = "".join(self.lines[first:target])  # the lines flake8 searches
        flake8_match = _FLAKE8_INLINE.search(physical)
        theirs = flake8_match is not None and flake8_silences(flake8_match.group(), code)
        if ours and not theirs:
            text = self.comments[target][1].strip()
            self.warnings.append(
                f"`{text}` on line {target} silences {code} here, but flake8 does not read "
                f"it (it needs `# noqa` spelt with one space): `# noqa: {code}` works for both"
            )
        elif theirs and not ours and flake8_match is not None and not self._invalid(target):
            where = line + physical.count("\n", 0, flake8_match.start())
            self.warnings.append(
                f"`{flake8_match.group().strip()}` on line {where} silences {code} under "
                "flake8 (as a code prefix or a blanket noqa) but not here, where codes are "
                f"exact and only comments count: `# noqa: {code}` works for both"
            )
        return ours

    def _invalid(self, line: int) -> bool:
        comment = self.comments.get(line)
        if comment is None:
            return False
        match = _DIRECTIVE.search(comment[1])
        return match is not None and match["colon"] is not None and match["codes"] is None


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
