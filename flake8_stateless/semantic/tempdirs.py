"""The system temp directory as code names it, and the values behind a path.

A path is in the temp dir when its leading component is: ``tempfile.gettempdir()``, a
``mkdtemp()`` directory, ``tempfile.tempdir``, ``TemporaryDirectory().name``, a
``/tmp`` or ``/var/tmp`` literal, or a call to a project function that returns such a
path (``get_temp_dir()``: this module's functions are followed here, other modules' are
answered by the project index through the summaries). Names are followed through their
simple assignments in the function (every binding must agree) and the module's
constants. A parameter is in the temp dir when every call site in the project passes a
temp path for it (the project index answers from the summaries, which record, per call
site, where each path-like argument leads: :meth:`TempDirs.argument_origin`).

Used by the project summaries (which functions return a temp path) and by the SLS2xx
rules (which writes are scratch space). One iterative loop with a bound on its steps
answers each question, helpers of the module included: never recursion on user code.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Sequence
from typing import NamedTuple

from flake8_stateless.semantic.model import ModuleFacts
from flake8_stateless.semantic.syntax import FunctionNode

TEMP_DIR_CALLS = frozenset({"tempfile.gettempdir", "tempfile.gettempdirb", "tempfile.mkdtemp"})
"""Calls that give the system temp directory or a new directory in it."""
TEMP_DIR_ATTRIBUTES = frozenset({"tempfile.tempdir"})
TEMP_OBJECTS = frozenset({"tempfile.TemporaryDirectory", "tempfile.NamedTemporaryFile"})
"""Objects whose ``.name`` is a path in the temp dir."""
TEMP_DIR_ROOTS = ("/tmp", "/var/tmp")

PATH_CALLS = frozenset(
    {
        "os.path.join", "pathlib.Path", "pathlib.PurePath", "pathlib.PosixPath",
        "pathlib.PurePosixPath", "Path", "str", "os.fspath", "os.path.abspath",
        "os.path.realpath", "os.path.normpath", "os.path.expanduser",
    }
)
"""Calls whose first argument leads the path they build."""
PATH_METHODS = frozenset(
    {"joinpath", "with_name", "with_suffix", "with_stem", "resolve", "absolute", "format"}
)
"""Methods of a path (or a format string) that keep its leading component."""
MAX_STEPS = 32
"""How many expressions one question may look at: real paths take a handful."""

Values = Callable[[str], Sequence[ast.expr] | None]
"""The values a name may hold where it is read (every binding), None when unknown (a
parameter, a loop variable, an import)."""
QualifiedName = Callable[[ast.AST], str | None]

UNIQUE_MAKERS = frozenset(
    {
        "uuid.uuid1", "uuid.uuid4", "secrets.token_hex", "secrets.token_urlsafe",
        "secrets.token_bytes", "time.time", "time.time_ns", "time.monotonic_ns",
    }
)
"""Calls whose value differs on every request: a name holding one is made for it."""
FRESH_MAKERS = UNIQUE_MAKERS | TEMP_OBJECTS | {"tempfile.mkdtemp"}
"""Calls that make a path part for this call alone: unique values and fresh temp dirs."""
UNIQUE_METHODS = frozenset({"hexdigest", "digest", "timestamp"})
"""Methods whose value is made from this request's data (a hash, a time stamp)."""
NAMED = "named"
"""A parameter whose every caller passes a temp path with a part made for that call."""
FIXED = "fixed"
"""A parameter whose every caller passes a temp path, some with no such part."""


_TEMP_DIR_PREFIXES = tuple(root + "/" for root in TEMP_DIR_ROOTS)


def is_temp_dir_text(text: str) -> bool:
    """``/tmp``, ``/tmp/x``, ``/var/tmp/x``: not ``/tmpfiles``."""
    return text in TEMP_DIR_ROOTS or text.startswith(_TEMP_DIR_PREFIXES)


def leading_part(expr: ast.expr, qualified_name: QualifiedName) -> ast.expr | None:
    """The component a path expression starts with, one step down
    (``os.path.join(a, b)`` -> ``a``, ``a / "x"`` -> ``a``), None at a leaf."""
    if isinstance(expr, ast.JoinedStr):
        return expr.values[0] if expr.values else None
    if isinstance(expr, ast.FormattedValue):
        return expr.value
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Div, ast.Add, ast.Mod)):
        return expr.left
    if isinstance(expr, ast.Call):
        if qualified_name(expr.func) in PATH_CALLS:
            return expr.args[0] if expr.args else None
        func = expr.func
        if isinstance(func, ast.Attribute) and func.attr in PATH_METHODS:
            return func.value
    return None


def rest_parts(expr: ast.expr, qualified_name: QualifiedName) -> list[ast.expr]:
    """The components a path expression adds after its leading one
    (``os.path.join(a, b, c)`` -> ``b, c``; ``a + ".jpg"`` -> ``".jpg"``)."""
    if isinstance(expr, ast.JoinedStr):
        return list(expr.values[1:])
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, (ast.Div, ast.Add, ast.Mod)):
        return [expr.right]
    if isinstance(expr, ast.Call):
        if qualified_name(expr.func) in PATH_CALLS:
            return [*expr.args[1:], *(k.value for k in expr.keywords)]
        func = expr.func
        if isinstance(func, ast.Attribute) and func.attr in PATH_METHODS:
            return [*expr.args, *(k.value for k in expr.keywords)]
    return []


def is_temp_dir_leaf(expr: ast.expr, qualified_name: QualifiedName) -> bool:
    """A leaf that is the temp dir itself (not through names or helpers)."""
    if isinstance(expr, ast.Constant):
        return isinstance(expr.value, str) and is_temp_dir_text(expr.value)
    if isinstance(expr, ast.Call):
        return qualified_name(expr.func) in TEMP_DIR_CALLS
    if isinstance(expr, ast.Attribute):
        if qualified_name(expr) in TEMP_DIR_ATTRIBUTES:
            return True
        made = expr.value
        return (
            expr.attr == "name"
            and isinstance(made, ast.Call)
            and qualified_name(made.func) in TEMP_OBJECTS
        )
    return False


# ------------------------------------------------------------------ names and values
def simple_values(nodes: Iterable[ast.AST]) -> dict[str, list[ast.expr] | None]:
    """For each name a function's own nodes bind: the values of its plain assignments
    (``x = ...``, ``x: T = ...``, ``(x := ...)``), or None when any other binding (a
    loop, ``with ... as``, unpacking, augmented assignment) also binds it."""
    table: dict[str, list[ast.expr] | None] = {}

    def add(name: str, value: ast.expr | None) -> None:
        known = table.get(name, [])
        if value is None or known is None:
            table[name] = None
        else:
            known.append(value)
            table[name] = known

    for node in nodes:
        if node.__class__ not in _BINDING_NODES:
            continue  # most nodes: one look-up, not the ladder below
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    add(target.id, node.value)
                else:
                    _unknown(target, add)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            if node.value is not None:
                add(node.target.id, node.value)
        elif isinstance(node, ast.NamedExpr):
            add(node.target.id, node.value)
        elif isinstance(node, (ast.AugAssign, ast.For, ast.AsyncFor, ast.comprehension)):
            _unknown(node.target, add)
        elif isinstance(node, ast.withitem) and node.optional_vars is not None:
            _unknown(node.optional_vars, add)
    return table


_BINDING_NODES = frozenset(
    {ast.Assign, ast.AnnAssign, ast.NamedExpr, ast.AugAssign, ast.For, ast.AsyncFor,
     ast.comprehension, ast.withitem}
)  # fmt: skip
"""The nodes ``simple_values`` reads names from."""


def _unknown(target: ast.AST, add: Callable[[str, ast.expr | None], None]) -> None:
    for node in ast.walk(target):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            add(node.id, None)


def module_values_of(
    name: str, bindings: dict[str, list[ast.AST]]
) -> list[ast.expr] | None:
    """Every value a module-level name is assigned, None when an import, ``def`` or
    ``class`` also binds it or it is not bound at all."""
    bound = bindings.get(name)
    if not bound or not all(isinstance(value, ast.expr) for value in bound):
        return None
    return [value for value in bound if isinstance(value, ast.expr)]


# ------------------------------------------------------------------ one module
ElsewhereHelper = Callable[[ast.Call, FunctionNode | None], bool]
"""Whether a call in a function (None: module level) calls a function of another module
that returns a temp dir path (the project index answers; the summaries have no index)."""
ParameterOrigin = Callable[[FunctionNode, str], str | None]
"""Where every caller's value of a function's parameter lies: :data:`NAMED` or
:data:`FIXED` in the temp dir, None when not known to (the project index answers)."""


class ArgumentOrigin(NamedTuple):
    """Where a path-like argument leads, as the summaries record it."""

    leaves: tuple[str, ...]
    """What the index must still answer: ``param:<name>`` (a parameter of the calling
    function: its own callers decide) and ``call:<ref>`` (a function of another module
    that may return a temp dir path). Empty: the temp dir itself, known here."""
    named: bool
    """A part of the path is made for this call (a uuid, a time stamp, a hash)."""


_PATH_NODES = frozenset(
    {ast.Name, ast.Attribute, ast.Call, ast.JoinedStr, ast.FormattedValue, ast.BinOp}
)
"""Expressions, besides literals, that ``_leads_to_temp_dir`` may follow to the temp dir:
a leaf (``is_temp_dir_leaf``, ``_temp_object_name``), a name, or a path builder
(``leading_part``); it answers False at once for any other."""


class TempDirs:
    """Temp-dir questions about one module's code, answers memoised per function."""

    def __init__(
        self,
        facts: ModuleFacts,
        elsewhere: ElsewhereHelper | None = None,
        parameter: ParameterOrigin | None = None,
    ) -> None:
        self.facts = facts
        self.elsewhere = elsewhere
        self.parameter = parameter
        self._parameters: dict[tuple[int, str], str | None] = {}
        self._tables: dict[int, dict[str, list[ast.expr] | None]] = {}
        self._returns: dict[int, bool] = {}
        self._parameter_names: dict[int, set[str]] = {}

    def values(self, function: FunctionNode | None) -> Values:
        """What a name read in ``function`` may hold: its plain assignments in the
        function that owns it (closures included), else the module's assignments."""
        return lambda name: self._values_of(name, function)

    def _values_of(self, name: str, function: FunctionNode | None) -> Sequence[ast.expr] | None:
        facts = self.facts
        current = function
        while current is not None:
            scope = facts.scope(current)
            if name in scope.global_:
                break
            if name in scope.nonlocal_:
                owner = facts.binding_function(current, name)
                return None if owner is None else self._table(owner).get(name)
            if name in scope.local:
                return self._table(current).get(name)
            current = facts.function_parent.get(id(current))
        return module_values_of(name, facts.module_bindings)

    def _table(self, function: FunctionNode) -> dict[str, list[ast.expr] | None]:
        table = self._tables.get(id(function))
        if table is None:
            table = self._tables[id(function)] = simple_values(self.facts.own_nodes(function))
        return table

    def in_temp_dir(self, expr: ast.expr, function: FunctionNode | None) -> bool:
        """Whether the path ``expr``, read in ``function``, lies in the temp dir."""
        return self._leads_to_temp_dir([(expr, function)], self._elsewhere, self._parameter)

    def _elsewhere(self, call: ast.Call, function: FunctionNode | None) -> bool:
        return self.elsewhere is not None and self.elsewhere(call, function)

    def _parameter(self, function: FunctionNode | None, name: str) -> bool:
        return function is not None and self.parameter_origin(function, name) is not None

    def parameter_origin(self, function: FunctionNode, name: str) -> str | None:
        """:data:`NAMED`/:data:`FIXED` when ``name`` is a parameter of ``function``, never
        rebound in it, for which every call site in the project passes a temp path;
        None otherwise (no project, an unknown caller, a path elsewhere)."""
        key = (id(function), name)
        if key not in self._parameters:
            self._parameters[key] = None
            if self.parameter is not None and self.is_plain_parameter(function, name):
                self._parameters[key] = self.parameter(function, name)
        return self._parameters[key]

    def is_plain_parameter(self, function: FunctionNode, name: str) -> bool:
        """A parameter of ``function`` that its body never rebinds."""
        names = self._parameter_names.get(id(function))
        if names is None:
            arguments = function.args
            every = (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)
            names = self._parameter_names[id(function)] = {a.arg for a in every}
        return name in names and name not in self._table(function)

    def argument_origin(self, expr: ast.expr, function: FunctionNode) -> ArgumentOrigin | None:
        """Where a path handed to another function leads, for the summaries: None unless
        every path of it ends in the temp dir, a parameter of ``function`` or a call the
        index can answer (a function of another module)."""
        if isinstance(expr, ast.Constant):  # what ``_leads_to_temp_dir`` answers for it
            temp = isinstance(expr.value, str) and is_temp_dir_text(expr.value)
            return ArgumentOrigin((), False) if temp else None
        if expr.__class__ not in _PATH_NODES:
            return None  # a literal dict, a comparison, a lambda...: no path
        leaves: set[str] = set()
        rest: list[ast.expr] = []

        def on_call(call: ast.Call, _: FunctionNode | None) -> bool:
            ref = _ref(call.func)
            if ref is not None:
                leaves.add(f"call:{ref}")
            return ref is not None

        def on_parameter(owner: FunctionNode | None, name: str) -> bool:
            if owner is not function or not self.is_plain_parameter(function, name):
                return False
            leaves.add(f"param:{name}")
            return True

        if not self._leads_to_temp_dir([(expr, function)], on_call, on_parameter, rest):
            return None
        return ArgumentOrigin(tuple(sorted(leaves)), self._made_here(rest, function))

    def _made_here(self, parts: list[ast.expr], function: FunctionNode) -> bool:
        """Whether a name part is made for this call: a uuid, a time stamp, a hash
        (``str(uuid4())``, ``md5(...).hexdigest()``), directly or through a local name."""
        qualified_name = self.facts.qualified_name
        pending = list(parts)
        seen: set[str] = set()
        steps = 0
        while pending and steps < MAX_STEPS * 4:
            for node in ast.walk(pending.pop()):
                steps += 1
                if isinstance(node, ast.Call):
                    func = node.func
                    if qualified_name(func) in FRESH_MAKERS or (
                        isinstance(func, ast.Attribute) and func.attr in UNIQUE_METHODS
                    ):
                        return True
                elif isinstance(node, ast.Name) and node.id not in seen:
                    seen.add(node.id)
                    pending.extend(self._values_of(node.id, function) or ())
        return False

    def returns_temp_dir(self, function: FunctionNode) -> bool:
        """Whether every value ``function`` returns is a temp dir path (``return
        os.path.join(tempfile.gettempdir(), "app")``, or a name holding one)."""
        key = id(function)
        if key not in self._returns:
            returned = self._returned(function)
            self._returns[key] = bool(returned) and self._leads_to_temp_dir(
                [(value, function) for value in returned], self._elsewhere, _no_parameter
            )
        return self._returns[key]

    def is_temp_helper(self, call: ast.Call, function: FunctionNode | None) -> bool:
        """A call of a function that returns a temp dir path: one defined at this
        module's top level, or elsewhere in the project."""
        defined = self.module_function(call)
        if defined is not None:
            return self.returns_temp_dir(defined)
        return self.elsewhere is not None and self.elsewhere(call, function)

    def module_function(self, call: ast.Call) -> FunctionNode | None:
        """The top-level function of this module that ``call`` calls by name."""
        func = call.func
        if not isinstance(func, ast.Name):
            return None
        bound = self.facts.module_bindings.get(func.id, [])
        if len(bound) == 1 and isinstance(bound[0], (ast.FunctionDef, ast.AsyncFunctionDef)):
            return bound[0]
        return None

    def _returned(self, function: FunctionNode) -> list[ast.expr]:
        return [
            node.value
            for node in self.facts.own_nodes(function)
            if isinstance(node, ast.Return)
            and node.value is not None
            and not (isinstance(node.value, ast.Constant) and node.value.value is None)
        ]

    def _leads_to_temp_dir(
        self,
        start: list[tuple[ast.expr, FunctionNode | None]],
        on_call: ElsewhereHelper,
        on_parameter: Callable[[FunctionNode | None, str], bool],
        rest: list[ast.expr] | None = None,
    ) -> bool:
        """Whether every path of ``start`` (each read in its function) leads to the temp
        dir: its leading component, followed through path builders, names (every value
        a name may hold) and the return values of this module's functions (inlined here,
        so a chain of helpers is followed without recursion), is a temp dir leaf, a call
        ``on_call`` accepts (a temp dir helper of another module) or a parameter
        ``on_parameter`` accepts. ``rest`` collects the components added on the way."""
        qualified_name = self.facts.qualified_name
        pending = list(start)
        seen: set[tuple[str, int]] = set()
        steps = 0
        while pending:
            current: ast.expr | None
            current, function = pending.pop()
            while current is not None:
                steps += 1
                if steps > MAX_STEPS:
                    return False
                if is_temp_dir_leaf(current, qualified_name):
                    if rest is not None and not isinstance(current, ast.Constant):
                        rest.append(current)  # ``mkdtemp()`` is made for this call
                    break
                made = self._temp_object_name(current, function)
                if made is not None:
                    if rest is not None:
                        rest.append(made)
                    break
                if isinstance(current, ast.Name):
                    key = (current.id, id(function))
                    if key in seen:
                        return False
                    seen.add(key)
                    bound = self._values_of(current.id, function)
                    if not bound:
                        if on_parameter(function, current.id):
                            break
                        return False
                    pending.extend((value, function) for value in bound)
                    break
                following = leading_part(current, qualified_name)
                if following is None and isinstance(current, ast.Call):
                    if not self._follow_call(current, function, pending, seen, on_call):
                        return False
                    break
                if rest is not None:
                    rest.extend(rest_parts(current, qualified_name))
                current = following
            else:
                return False
        return True

    def _temp_object_name(
        self, expr: ast.expr, function: FunctionNode | None
    ) -> ast.Call | None:
        """``folder.name`` where every value of ``folder`` is ``TemporaryDirectory()``
        (or ``None``, which has no ``.name``: octoprint's ``folder = None`` before the
        ``try``): the call that made the folder, fresh for this call; None otherwise."""
        if not (
            isinstance(expr, ast.Attribute)
            and expr.attr == "name"
            and isinstance(expr.value, ast.Name)
        ):
            return None
        made: ast.Call | None = None
        for value in self._values_of(expr.value.id, function) or ():
            if isinstance(value, ast.Constant) and value.value is None:
                continue
            if not (
                isinstance(value, ast.Call)
                and self.facts.qualified_name(value.func) in TEMP_OBJECTS
            ):
                return None
            made = value
        return made

    def _follow_call(
        self,
        call: ast.Call,
        function: FunctionNode | None,
        pending: list[tuple[ast.expr, FunctionNode | None]],
        seen: set[tuple[str, int]],
        on_call: ElsewhereHelper,
    ) -> bool:
        """A call that is no path builder: this module's function (its return values
        are followed next) or a temp dir helper elsewhere; False for anything else."""
        defined = self.module_function(call)
        if defined is None:
            return on_call(call, function)
        known = self._returns.get(id(defined))
        if known is not None:
            return known
        key = ("<returns>", id(defined))
        returned = self._returned(defined) if key not in seen else []
        seen.add(key)
        pending.extend((value, defined) for value in returned)
        return bool(returned)


def _no_parameter(function: FunctionNode | None, name: str) -> bool:
    return False


def _ref(node: ast.expr) -> str | None:
    """``get_temp_dir`` / ``file_helper.get_temp_dir``: a dotted callee, as the summaries
    write refs (no calls inside)."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name) or len(parts) > 5:
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))
