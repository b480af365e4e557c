"""Every rule declared once: code, name, message, docs, examples, and its check.

Docs, the README table, `flake8-stateless rule`, the meta-tests and the engine all read
from here, so a rule's description cannot drift from what it does.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, NamedTuple

if TYPE_CHECKING:
    from flake8_stateless.context import Context, FunctionNode
    from flake8_stateless.patterns import Pattern

Scope = Literal["request", "config", "module"]
"""Where a rule looks.

- ``request``: only nodes inside request-serving functions (the engine filters).
- ``config``: configuration anywhere, except test code, development settings and
  blocks guarded by a debug switch (the engine filters).
- ``module``: every node; the rule decides.
"""


class Finding(NamedTuple):
    """One reported problem. ``col`` is the AST's UTF-8 byte offset until the engine
    converts it to a character column."""

    line: int
    col: int
    code: str
    message: str
    group: str = ""
    """Findings of one rule with the same non-empty group (one object changed in one
    function) are reported once, at the first, naming the other lines: one fix covers
    them all. A ``# noqa`` on the reported line silences the group."""


Check = Callable[[ast.AST, "FunctionNode | None", "Context"], Iterable[Finding]]

WHERE_MARK = "\ue000where\ue000"
VIA_MARK = "\ue000via\ue000"
UNIT_MARK = "\ue000unit\ue000"
PLACES: dict[str, str] = {"where": WHERE_MARK, "via": VIA_MARK, "unit": UNIT_MARK}
"""Placeholders of a message that say where the code runs, filled by the engine from the
function that owns the reported node (rules need not know how it is reached):

- ``{where}``: "while serving requests", "in a task", followed by
  "(reached from views.upload)" when the code is not the handler itself;
- ``{via}``: only the " (reached from views.upload)" part, or nothing;
- ``{unit}``: "response", or "task" in a task handler.

Private-use characters mark them until then, so that no user code quoted in a message
can be mistaken for one."""

SERVES_REQUESTS = "<request-serving code>"
"""A rule trigger (see ``Rule.triggers``) matching every file that can hold
request-serving code, for a ``scope="module"`` rule that mostly reports there."""


@dataclass(frozen=True)
class Rule:
    """A rule's contract with users and with the engine."""

    code: str
    name: str
    message: str
    """``str.format`` template after the code, naming the user's identifier and the fix."""
    summary: str
    rationale: str
    bad_example: str
    good_example: str
    node_types: tuple[type[ast.AST], ...]
    check: Check
    scope: Scope
    options: tuple[str, ...] = ()
    default_enabled: bool = True
    added_in: str = "0.1.0"
    references: tuple[str, ...] = ()
    removed_in: str | None = None
    notes: tuple[str, ...] = field(default=())
    """Extra paragraphs for the docs: what the rule deliberately leaves alone."""
    example_filename: str = "app.py"
    """The path the examples are linted as (``myapp/views.py``, ``settings.py``...)."""
    triggers: tuple[str, ...] = ()
    """Words of which at least one occurs in any file where the AST check can report,
    ignoring case: a word (``sqlite3``) matches a whole word, ``*Consumer``, ``sqlite*``
    and ``*sqlite*`` a word ending, starting or containing it, other text
    (``sessions.backends.file``) itself; ``SERVES_REQUESTS`` any file that can hold
    request-serving code. The standalone command does not parse a file in which no
    enabled rule can report (``prefilter.py``). Empty: no text test of the rule's own;
    ``scope="request"`` rules still need code that can serve requests, the others then
    parse every file."""
    patterns: tuple[Pattern, ...] = ()
    """Declarative ast-grep patterns (see ``patterns.py``), searched once per file when
    their trigger words occur in it. A rule may have patterns, an AST check, or both;
    pattern rules use ``scope="module"`` or ``scope="config"``."""
    yields_to: tuple[str, ...] = ()
    """More specific rules that report the same node better: when one of them reports on
    the same line, the engine drops this rule's finding there; when none does, this
    rule's finding stands (no finding is lost to a hand-off)."""

    def finding(self, node: ast.AST, *, group: str = "", **values: object) -> Finding:
        """A finding at ``node`` with this rule's message filled in (``{where}``,
        ``{via}`` and ``{unit}`` are left to the engine, see ``PLACES``); ``group``: see
        :attr:`Finding.group`."""
        return Finding(
            getattr(node, "lineno", 1),
            getattr(node, "col_offset", 0),
            self.code,
            f"{self.code} {self.message.format_map({**PLACES, **values})}",
            group,
        )


def no_ast_check(
    node: ast.AST, function: FunctionNode | None, context: Context
) -> Iterable[Finding]:
    """The ``check`` of a rule that only has patterns: its ``node_types`` are empty, so
    the engine never calls it."""
    return ()
