"""What counts as state (rules.md "Scope: what counts as state"): the decisions a rule
asks about a container it sees changed while serving a request.

- A per-process **memo** of data that is the same on every process is not state: a
  read-through cache (read by key, stored under that key on a miss) that is revalidated
  against its source before use (an expiry, mtime or version stamp compared), or whose
  key is not a request value (what was computed from files and settings shipped with the
  code, or keyed by one that serves only as its key: ``_pages[locale]``). A memo keyed by
  a request value (``cache[current_user.id]``) or storing one is state: after a write,
  the other processes serve stale answers. An index derived from another container of
  the same object and dropped when it changes holds nothing new (:func:`derived_index`).
- A **short-lived entry**, added and removed again in the same request (deleted in
  ``finally``), is not state; nor is the in-flight mark of work the request starts
  (``pool.submit(run, key)``) that the work removes in its ``finally``.
- A container keyed by a Socket.IO ``sid`` that only its own connection reads is per
  connection, on a module or on a long-lived object; one read as a whole (who is online)
  is state, unless the whole read only addresses each of its own keys (a loop that ends
  this process's own connections and removes their entries).

Every answer is computed once per function or per module (``Context.rule_memo``).
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

from flake8_stateless import frameworks
from flake8_stateless.project.summary import ref_of
from flake8_stateless.semantic.syntax import (
    FUNCTION_TYPES,
    FunctionNode,
    dotted_name,
    iterated_view,
    keyed_container,
    mutation_sites,
    root_name,
)

if TYPE_CHECKING:
    from flake8_stateless.context import Context

REQUEST_ROOTS = frozenset(
    {"request", "req", "session", "current_user", "g", "websocket", "ws", "sid", "user"}
)
"""Names whose values come from the request being served (Flask's ``request``,
``session``, ``g`` and Flask-Login's ``current_user``, handlers' ``request``...)."""

STAMP_WORDS = ("mtime", "modified", "expire", "expiry", "stamp", "version", "etag", "ttl",
               "deadline", "valid_until", "last_check", "last_refresh", "last_update")
"""Words of a name that holds when cached data was computed or stops being valid."""

STAMP_CALLS = frozenset(
    {"os.stat", "os.path.getmtime", "os.path.getsize", "time.time", "time.monotonic"}
)


KEY_READERS = frozenset({"get", "__contains__", "__getitem__"})
KEY_TAKERS = KEY_READERS | {"pop"}
REMOVERS = frozenset({"pop", "discard", "remove", "__delitem__"})
ADDERS = frozenset({"add", "append", "setdefault", "__setitem__"})
WHOLE_READERS = frozenset({"values", "items", "keys", "copy"})


# ----------------------------------------------------------------- request values
def is_request_value(expression: ast.AST, function: FunctionNode, context: Context) -> bool:
    """Whether ``expression`` is computed from the request being served: it reads
    ``request``, ``session``, ``current_user``, ``g``..., a parameter of the handler
    itself (a route's ``user_id``), or a local variable assigned from one of those
    (``user_id = session["uid"]``). Bounded: keys are small expressions."""
    names = _request_names(function, context)
    for count, node in enumerate(ast.walk(expression)):
        if count > 200:
            return False
        if isinstance(node, ast.Name) and node.id in names:
            return True
    return False


def _request_names(function: FunctionNode, context: Context) -> frozenset[str]:
    """Names holding request values in ``function`` (once per function)."""
    key = ("state-request-names", id(function))
    known = context.rule_memo.get(key)
    if isinstance(known, frozenset):
        return known
    names = set(REQUEST_ROOTS)
    reach = context.reach_of(function)
    if reach is not None and reach.depth == 0:
        arguments = function.args
        names |= {
            a.arg for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)
        } - {"self", "cls"}
    for node in context.own_nodes(function):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name) and any(
                isinstance(part, ast.Name) and part.id in names
                for count, part in enumerate(ast.walk(node.value))
                if count < 60
            ):
                names.add(target.id)
    found = frozenset(names)
    context.rule_memo[key] = found
    return found


# ------------------------------------------------------------------ revalidation
def revalidates(function: FunctionNode, context: Context) -> bool:
    """Whether ``function`` compares a validity stamp before using what it cached: an
    ``if`` comparing a global it rebinds (``if now > _expires:``), or a value named or
    computed like a stamp (``mtime``, ``last_modified()``, ``os.stat(...)``)."""
    key = ("state-revalidates", id(function))
    known = context.rule_memo.get(key)
    if isinstance(known, bool):
        return known
    rebound = context.scope(function).global_
    found = False
    for node in context.own_nodes(function):
        if isinstance(node, ast.Compare) and _mentions_stamp(node, rebound, context):
            found = True
            break
    context.rule_memo[key] = found
    return found


def _mentions_stamp(compare: ast.Compare, rebound: set[str], context: Context) -> bool:
    """A comparison with a validity stamp: a name or call that says so (``mtime``,
    ``expires``, ``os.stat(...)``, ``time.time()``), or a global the function rebinds
    compared with something computed (``_listing_mtime == mtime``; ``if hits > 100`` is a
    threshold, not a stamp)."""
    sides = (compare.left, *compare.comparators)
    constant_side = any(isinstance(side, ast.Constant) for side in sides)
    for part in sides:
        for count, node in enumerate(ast.walk(part)):
            if count > 50:
                break
            if isinstance(node, ast.Name) and node.id in rebound and not constant_side:
                return True
            name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
            if isinstance(name, str) and any(word in name.lower() for word in STAMP_WORDS):
                return True
            if isinstance(node, ast.Call) and context.qualified_name(node.func) in STAMP_CALLS:
                return True
    return False


def refreshes_a_memo(function: FunctionNode, context: Context) -> bool:
    """Whether the globals ``function`` rebinds are a memo and its validity stamp: it
    compares one of them, and that one is named like a stamp or stored beside the
    cached value (``if _listing_mtime == mtime: return _listing`` then both rebound).
    A lone counter compared and reset (``if hits > 100: hits = 0``) is not."""
    key = ("state-refreshes", id(function))
    known = context.rule_memo.get(key)
    if isinstance(known, bool):
        return known
    rebound = context.scope(function).global_
    found = False
    for node in context.own_nodes(function):
        if not isinstance(node, ast.Compare):
            continue
        sides = (node.left, *node.comparators)
        if any(isinstance(side, ast.Constant) for side in sides):
            continue  # ``if last_seen > 10``: a threshold, not a stamp checked against its source
        compared = {
            part.id
            for side in sides
            for part in ast.walk(side)
            if isinstance(part, ast.Name) and part.id in rebound
        }
        if any(any(w in name.lower() for w in STAMP_WORDS) for name in compared) or (
            compared and len(rebound) > 1
        ):
            found = True
            break
    context.rule_memo[key] = found
    return found


def under_revalidation(node: ast.AST, function: FunctionNode, context: Context) -> bool:
    """Whether ``node`` sits in an ``if`` (either branch) whose test compares a validity
    stamp: ``if now > _expires: _cache.clear(); _expires = now + TTL``, or
    ``if _listing_mtime == mtime: files = _listing else: _listing = ...``."""
    rebound = context.scope(function).global_
    return any(
        isinstance(part, ast.Compare) and _mentions_stamp(part, rebound, context)
        for branch in context.enclosing_ifs(node, function)
        for part in ast.walk(branch.test)
    )


# ------------------------------------------------------------------- memos
def memo_store(
    container: ast.expr,
    key: ast.expr | None,
    function: FunctionNode,
    context: Context,
    value: ast.expr | None = None,
) -> str | None:
    """For ``cache[key] = value`` in ``function``: "memo" when it is a read-through
    cache that is not state (revalidated, or not keyed by a request value, or keyed by
    one that serves only as its key), "request" when it is a memo of request data (what
    it stores reads the request, or the request decides more than the key): state; None
    when it is not a memo."""
    if key is None:
        return None
    name = dotted_name(container)
    if name is None:
        return None
    wanted = _key_text(key)
    if wanted not in _keys_read(function, context).get(name, set()):
        return None
    if not _per_container(_returns_what_it_stores, name, function, context):
        return None  # ``if name in users: raise`` then ``users[name] = user``: a table
    if _per_container(_accumulates, name, function, context):
        return None  # ``hits[k] = hits.get(k, 0) + 1``: a counter, not a copy of data
    if value is not None and is_request_value(value, function, context):
        return "request"  # ``by_prefix[p] = [k for k in request.args ...]``: the request's data
    if revalidates(function, context):
        return "memo"
    if not is_request_value(key, function, context):
        return "memo"
    return "memo" if _request_only_keys(name, function, context) else "request"


def _per_container(
    question: Callable[[str, FunctionNode, Context], bool],
    name: str,
    function: FunctionNode,
    context: Context,
) -> bool:
    """``question`` about container ``name`` in ``function``, asked once per pair: a
    function storing into one memo on many lines is read once, not once per line."""
    key = (f"{question.__name__}|{name}", id(function))
    known = context.rule_memo.get(key)
    if not isinstance(known, bool):
        known = context.rule_memo[key] = question(name, function, context)
    return known


def _request_only_keys(name: str, function: FunctionNode, context: Context) -> bool:
    """Whether the request values ``function`` reads serve only as keys of container
    ``name`` (``_pages[locale]`` filled with pages built from the app's own templates):
    the key picks one of a few copies of deploy-time data, the same on every process. A
    request value anywhere else (in what is stored, in a guard that skips the memo, in
    what is returned) makes the memo's data the request's: state."""
    uses, defined, keys = _request_name_uses(function, context)
    allowed = keys.get(name, set())
    return all(use in defined or use in allowed for use in uses)


def _request_name_uses(
    function: FunctionNode, context: Context
) -> tuple[list[int], set[int], dict[str, set[int]]]:
    """One pass over ``function`` (memoised): the ids of the loads of its request names,
    the ids of names in the definitions of request names (``locale = _locale_str(g.locale)``),
    and per container the ids of names in the keys it is read or stored by."""
    memo_key = ("state-request-name-uses", id(function))
    known = context.rule_memo.get(memo_key)
    if isinstance(known, tuple):
        return known
    names = _request_names(function, context)
    uses: list[int] = []
    defined: set[int] = set()
    keys: dict[str, set[int]] = {}
    for node in context.own_nodes(function):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in names:
            uses.append(id(node))
        elif (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id in names
        ):
            defined.update(_name_ids(node.value))
        else:
            keyed = _keyed(node)
            if keyed is not None:
                keys.setdefault(keyed[0], set()).update(_name_ids(keyed[1]))
    found = (uses, defined, keys)
    context.rule_memo[memo_key] = found
    return found


def _keyed(node: ast.AST) -> tuple[str, ast.expr] | None:
    """The container ``node`` reads or stores by a key, and the key: ``c[k]``,
    ``c.get(k)`` (and the other key methods), ``k in c``."""
    container: ast.expr | None = None
    key: ast.expr | None = None
    if isinstance(node, ast.Subscript):
        container, key = node.value, node.slice
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in KEY_TAKERS
        and node.args
    ):
        container, key = node.func.value, node.args[0]
    elif (
        isinstance(node, ast.Compare)
        and len(node.ops) == 1
        and isinstance(node.ops[0], (ast.In, ast.NotIn))
    ):
        container, key = node.comparators[0], node.left
    name = dotted_name(container) if container is not None else None
    return None if name is None or key is None else (name, key)


def _name_ids(expression: ast.expr) -> Iterator[int]:
    """Ids of the name nodes in a small expression (a key, a local's definition)."""
    for count, node in enumerate(ast.walk(expression)):
        if count > 200:
            return
        if isinstance(node, ast.Name):
            yield id(node)


def _returns_what_it_stores(name: str, function: FunctionNode, context: Context) -> bool:
    """A read-through cache reads an entry before storing the same variable, or hands
    back what it stored: ``token = cache.get(key)`` ... ``cache[key] = token``, or
    ``cache[key] = token`` then ``return token`` (a tuple holding it, ``cache[key]``)."""
    stored: set[str] = set()
    returned: set[str] = set()
    read: set[str] = set()
    for node in context.own_nodes(function):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Subscript) and dotted_name(target.value) == name:
                    stored.update(_names_in(node.value))
                elif isinstance(target, ast.Name) and _reads_from(node.value, name):
                    read.add(target.id)  # ``token = cache.get(key)``
        elif isinstance(node, ast.Return) and node.value is not None:
            value = node.value
            if isinstance(value, ast.Subscript) and dotted_name(value.value) == name:
                return True
            returned.update(_names_in(value))
    return not stored.isdisjoint(returned | read)


def _accumulates(name: str, function: FunctionNode, context: Context) -> bool:
    """Whether ``function`` stores into container ``name`` a value built from the entry
    already there (``hits[k] = hits.get(k, 0) + 1``, ``totals[k] += n``): the entry
    grows with every call, so it is state, whatever the function returns."""
    for node in context.own_nodes(function):
        if isinstance(node, ast.AugAssign):
            target = node.target
            if isinstance(target, ast.Subscript) and dotted_name(target.value) == name:
                return True
        elif (
            isinstance(node, ast.Assign)
            and any(
                isinstance(target, ast.Subscript) and dotted_name(target.value) == name
                for target in node.targets
            )
            and any(
                isinstance(part, (ast.Call, ast.Subscript)) and _reads_from(part, name)
                for part in ast.walk(node.value)
            )
        ):
            return True
    return False


def _reads_from(value: ast.expr, name: str | None) -> bool:
    """``cache.get(key)`` or ``cache[key]`` of container ``name``."""
    if isinstance(value, ast.Subscript):
        return dotted_name(value.value) == name
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and value.func.attr == "get"
        and dotted_name(value.func.value) == name
    )


def _names_in(value: ast.expr) -> set[str]:
    """Plain names in a value or a tuple/list of values."""
    items = value.elts if isinstance(value, (ast.Tuple, ast.List)) else [value]
    return {item.id for item in items if isinstance(item, ast.Name)}


def is_silent_memo(name: str, context: Context) -> bool:
    """Whether every store into module-level container ``name`` in this module is a memo
    store that is not state, or a refresh of one from its own source: its other changes
    (``clear()`` on expiry, ``pop`` of a stale entry) are then the memo's upkeep."""
    key = ("state-silent-memo", hash(name))
    known = context.rule_memo.get(key)
    if isinstance(known, bool):
        return known
    stores = _stores(context).get(name, [])
    fills = [
        site for site in stores if memo_store(site[0], site[1], site[3], context, site[2]) == "memo"
    ]
    sources = {_source_of(value, function, context) for _c, _k, value, function in fills}
    filled = {id(value) for _c, _k, value, _f in fills}
    verdict = bool(fills) and all(
        id(site[2]) in filled or _refreshed_from(site, sources, context) for site in stores
    )
    context.rule_memo[key] = verdict
    return verdict


def _refreshed_from(site: Store, sources: set[str | None], context: Context) -> bool:
    """``_directories[self.archive] = self._files`` after ``self._files =
    _read_directory(self.archive)``, where the memo's fill on a miss stores what
    ``_read_directory`` returns: the entry re-read from the memo's own source, with no
    request value in the key or in the call."""
    _container, key, value, function = site
    source = _source_of(value, function, context)
    if source is None or source not in sources or key is None:
        return False
    call = _source_call(value, function, context)
    return (
        call is not None
        and not is_request_value(key, function, context)
        and not is_request_value(call, function, context)
    )


def _source_of(value: ast.expr, function: FunctionNode, context: Context) -> str | None:
    """The dotted name of the function whose result ``value`` is (see :func:`_source_call`)."""
    call = _source_call(value, function, context)
    return None if call is None else dotted_name(call.func)


def _source_call(value: ast.expr, function: FunctionNode, context: Context) -> ast.Call | None:
    """The call ``value`` is the result of: the call itself, or the one call assigned in
    ``function`` to the name or ``self`` attribute ``value`` reads (``files =
    _read_directory(path)`` then ``cache[path] = files``)."""
    if isinstance(value, ast.Call):
        return value
    wanted = dotted_name(value)
    if wanted is None or not isinstance(value, (ast.Name, ast.Attribute)):
        return None
    calls = _assigned_calls(function, context).get(wanted, [])
    return calls[0] if len(calls) == 1 else None


def _assigned_calls(function: FunctionNode, context: Context) -> dict[str, list[ast.Call]]:
    """Name or ``self`` attribute -> the calls ``function`` assigns to it (once per
    function)."""
    key = ("state-assigned-calls", id(function))
    known = context.rule_memo.get(key)
    if isinstance(known, dict):
        return known
    found: dict[str, list[ast.Call]] = {}
    for node in context.own_nodes(function):
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.value, ast.Call)
            and (target := dotted_name(node.targets[0])) is not None
        ):
            found.setdefault(target, []).append(node.value)
    context.rule_memo[key] = found
    return found


Store = tuple[ast.expr, ast.expr | None, ast.expr, FunctionNode]
"""(container, key, stored value, function) of ``container[key] = value``."""


def _stores(context: Context) -> dict[str, list[Store]]:
    """Name -> every ``name[key] = value`` in the module's functions (once per module)."""
    key = ("state-stores", 0)
    known = context.rule_memo.get(key)
    if isinstance(known, dict):
        return known
    found: dict[str, list[Store]] = {}
    for function in context.functions:
        for node in context.own_nodes(function):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Subscript):
                        name = dotted_name(target.value)
                        if name is not None:
                            site = (target.value, target.slice, node.value, function)
                            found.setdefault(name, []).append(site)
    context.rule_memo[key] = found
    return found


def _keys_read(function: FunctionNode, context: Context) -> dict[str, set[str]]:
    """Container name -> the keys ``function`` reads it by: ``c.get(k)``, ``k in c``,
    ``c[k]`` loaded (once per function)."""
    key = ("state-keys-read", id(function))
    known = context.rule_memo.get(key)
    if isinstance(known, dict):
        return known
    found: dict[str, set[str]] = {}
    for node in context.own_nodes(function):
        name: str | None = None
        read: ast.expr | None = None
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
            if node.func.attr in ("get", "__contains__", "__getitem__"):
                name, read = dotted_name(node.func.value), node.args[0]
        elif isinstance(node, ast.Compare) and len(node.ops) == 1:
            if isinstance(node.ops[0], (ast.In, ast.NotIn)):
                name, read = dotted_name(node.comparators[0]), node.left
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load):
            name, read = dotted_name(node.value), node.slice
        if name is not None and read is not None:
            found.setdefault(name, set()).add(_key_text(read))
    context.rule_memo[key] = found
    return found


# ------------------------------------------------------------- derived indexes
PURE_BUILTINS = frozenset(
    {"len", "list", "tuple", "set", "frozenset", "dict", "sorted", "reversed", "str",
     "any", "all", "min", "max", "enumerate", "zip", "filter", "isinstance", "bool"}
)
"""Builtins that compute from their arguments only (an index built with them reads
nothing else)."""

MEMO_DROPS = frozenset({"pop", "popitem", "clear"})
"""Methods that drop entries of a memo (its invalidation)."""

DERIVED_BUDGET = 400
"""Nodes looked at per stored value of a derived index, locals' definitions included."""


def derived_index(cls: ast.ClassDef, attribute: str, context: Context) -> bool:
    """Whether ``self.<attribute>`` of ``cls`` is an index derived from the object's own
    containers: filled on a miss (``if prefix not in self._keys: self._keys[prefix] =
    [k for k in self._chain.keys() if k.startswith(prefix)]``) with values computed only
    from the key and other containers of the same object, otherwise only emptied, and
    emptied by a method that changes those containers (directly or through the methods
    it calls). It holds nothing the object does not hold already: if that container is
    state, its changes are reported; if not, neither is the index. An index filled from
    anything else (a request value, a client, a parameter other than the key), or never
    invalidated with its source, stays state."""
    key = ("state-derived-index", hash((id(cls), attribute)))
    known = context.rule_memo.get(key)
    if isinstance(known, bool):
        return known
    verdict = _derived_index(cls, attribute, context)
    context.rule_memo[key] = verdict
    return verdict


def _derived_index(cls: ast.ClassDef, attribute: str, context: Context) -> bool:
    memo = f"self.{attribute}"
    containers = set(context.instance_containers(cls)) - {attribute}
    methods = [m for m in cls.body if isinstance(m, FUNCTION_TYPES)]
    sources: set[str] = set()
    droppers: set[str] = set()
    for method, node, changed, reported in _self_mutations(cls, methods, context).get(memo, []):
        if dotted_name(changed) != memo or isinstance(node, ast.AugAssign):
            return False  # ``self._keys[p].append(k)``: changed in place, not refilled
        if isinstance(node, ast.Assign) and isinstance(reported, ast.Subscript):
            found = _derived_fill(
                reported.slice, node.value, memo, method,
                containers=containers, context=context,
            )
            if found is None:
                return False
            sources |= found
        elif isinstance(node, ast.Delete) or (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in MEMO_DROPS
        ):
            droppers.add(method.name)
        else:
            return False  # ``self._keys.update(...)``: filled some other way
    if not sources or not droppers:
        return False
    invalidating = _callers_of(droppers, cls, methods, context)
    return any(
        _changes_source(method, sources, context)
        for method in methods
        if method.name in invalidating
    )


SelfMutation = tuple[FunctionNode, ast.AST, ast.expr, ast.expr]
"""(method, statement or call, what changes, what is reported) for a change of ``self.x``."""


def _self_mutations(
    cls: ast.ClassDef, methods: list[FunctionNode], context: Context
) -> dict[str, list[SelfMutation]]:
    """``self.<x>`` -> every change of it in the methods of ``cls``, read in one pass per
    class (each attribute's question then looks at its own changes only)."""
    key = ("state-self-mutations", id(cls))
    known = context.rule_memo.get(key)
    if isinstance(known, dict):
        return known
    table: dict[str, list[SelfMutation]] = {}
    for method in methods:
        for node in context.own_nodes(method):
            for changed, reported in mutation_sites(node):
                name = dotted_name(_under_subscripts(changed))
                if name is not None and name.startswith("self."):
                    table.setdefault(name, []).append((method, node, changed, reported))
    context.rule_memo[key] = table
    return table


def _under_subscripts(expression: ast.expr) -> ast.expr:
    while isinstance(expression, ast.Subscript):
        expression = expression.value
    return expression


def _derived_fill(
    key: ast.expr,
    value: ast.expr,
    memo: str,
    method: FunctionNode,
    *,
    containers: set[str],
    context: Context,
) -> set[str] | None:
    """The containers of ``self`` that ``memo[key] = value`` is computed from, when it is
    a fill on a miss (the method reads the memo by the same key) whose value reads only
    the key, those containers, locals defined from them, comprehension variables and
    pure builtins; None for anything else."""
    if not isinstance(key, ast.Name) or key.id not in _keys_read(method, context).get(memo, set()):
        return None
    definitions = _local_definitions(method, context)
    if key.id in definitions:
        return None  # the key rebound in the method: what it holds is not followed
    sources: set[str] = set()
    pending: list[ast.AST] = [value]
    seen_locals: set[str] = set()
    bound: set[str] = {key.id}
    for _ in range(DERIVED_BUDGET):
        if not pending:
            return sources
        node = pending.pop()
        if isinstance(node, ast.Attribute) and isinstance(
            root := _attribute_root(node), ast.Name
        ) and root.id == "self":
            first = _first_attribute(node)
            if first not in containers:
                return None  # ``self.db``, ``self.fetch(...)``: may read anything
            sources.add(first)
            pending.extend(_chain_operands(node))  # ``self._chain[k].get(other)``
            continue
        if isinstance(node, ast.Name):
            if node.id in bound or node.id in PURE_BUILTINS:
                continue
            if node.id in definitions and node.id not in seen_locals:
                seen_locals.add(node.id)
                pending.extend(definitions[node.id])
                continue
            if node.id in seen_locals:
                continue
            return None  # a module name, a parameter, a request value
        if isinstance(node, (ast.Lambda, ast.Await, ast.NamedExpr, ast.Yield, ast.YieldFrom)):
            return None
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            bound.update(  # the loop variables the element and the conditions read
                name.id
                for generator in node.generators
                for name in ast.walk(generator.target)
                if isinstance(name, ast.Name)
            )
        pending.extend(ast.iter_child_nodes(node))
    return None  # too large to follow


def _local_definitions(function: FunctionNode, context: Context) -> dict[str, list[ast.expr]]:
    """Local name -> the values ``function`` assigns to it (once per function)."""
    key = ("state-local-definitions", id(function))
    known = context.rule_memo.get(key)
    if isinstance(known, dict):
        return known
    found: dict[str, list[ast.expr]] = {}
    for node in context.own_nodes(function):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                found.setdefault(target.id, []).append(node.value)
    context.rule_memo[key] = found
    return found


def _attribute_root(node: ast.Attribute) -> ast.expr:
    current: ast.expr = node
    while isinstance(current, (ast.Attribute, ast.Subscript, ast.Call)):
        current = current.func if isinstance(current, ast.Call) else current.value
    return current


def _chain_operands(node: ast.Attribute) -> Iterator[ast.expr]:
    """The keys and arguments inside an attribute chain (``k`` and ``d`` of
    ``self.x[k].get(d)``): what the chain reads besides its root."""
    current: ast.expr = node
    while isinstance(current, (ast.Attribute, ast.Subscript, ast.Call)):
        if isinstance(current, ast.Subscript):
            yield current.slice
        elif isinstance(current, ast.Call):
            yield from current.args
            yield from (keyword.value for keyword in current.keywords)
        current = current.func if isinstance(current, ast.Call) else current.value


def _first_attribute(node: ast.Attribute) -> str:
    """``x`` of ``self.x.y[0].z()``."""
    current: ast.expr = node
    first = node.attr
    while isinstance(current, (ast.Attribute, ast.Subscript, ast.Call)):
        if isinstance(current, ast.Attribute):
            first = current.attr
        current = current.func if isinstance(current, ast.Call) else current.value
    return first


def _callers_of(
    droppers: set[str], cls: ast.ClassDef, methods: list[FunctionNode], context: Context
) -> set[str]:
    """``droppers`` and the methods that call one of them on ``self``, directly or
    through each other (a method that invalidates the index)."""
    key = ("state-self-calls", id(cls))
    known = context.rule_memo.get(key)
    calls: dict[str, set[str]] = known if isinstance(known, dict) else {}
    if not isinstance(known, dict):
        context.rule_memo[key] = calls
        for method in methods:
            for node in context.own_nodes(method):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id == "self"
                ):
                    calls.setdefault(node.func.attr, set()).add(method.name)
    found = set(droppers)
    pending = list(droppers)
    while pending:
        for caller in calls.get(pending.pop(), set()) - found:
            found.add(caller)
            pending.append(caller)
    return found


def _changes_source(method: FunctionNode, sources: set[str], context: Context) -> bool:
    """Whether ``method`` changes one of the containers ``self.<source>``: in place
    (``self._chain.maps.insert(...)``) or through a local taken from it (``top =
    self._chain.maps[0]`` then ``top[key] = value``)."""
    aliases: set[str] = set()
    for node in context.own_nodes(method):
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, (ast.Attribute, ast.Subscript))
            and _is_source(node.value, sources)
        ):
            aliases.add(node.targets[0].id)
    for node in context.own_nodes(method):
        for changed, _reported in mutation_sites(node):
            root = root_name(changed)
            if root is not None and (root.id in aliases or _is_source(changed, sources)):
                return True
    return False


def _is_source(expression: ast.expr, sources: set[str]) -> bool:
    """``self.<source>`` or something inside it (``self._chain.maps[0]``)."""
    if not isinstance(expression, (ast.Attribute, ast.Subscript)):
        return False
    root = _attribute_root(expression) if isinstance(expression, ast.Attribute) else root_name(
        expression
    )
    if not (isinstance(root, ast.Name) and root.id == "self"):
        return False
    current: ast.expr = expression
    while isinstance(current, ast.Subscript):
        current = current.value
    return isinstance(current, ast.Attribute) and _first_attribute(current) in sources


# -------------------------------------------------------------- short-lived entries
def removed_in_finally(
    container: ast.expr, key: ast.expr | None, function: FunctionNode, context: Context
) -> bool:
    """Whether ``function`` removes this entry again in a ``finally`` block (``del
    IN_FLIGHT[job]``, ``IN_FLIGHT.pop(job, None)``, ``RUNNING.discard(job)``): the entry
    lives one request. The removal itself is part of it. So is the mark of work the
    function starts that the work removes in its own ``finally`` (:func:`_work_removals`),
    and that removal."""
    name = dotted_name(container)
    if name is None or key is None:
        return False
    text = _key_text(key)
    removals, additions = _finally_removals(function, context)
    if text in removals.get(name, set()) and text in additions.get(name, set()):
        return True
    if text in additions.get(name, set()) and text in _work_removals(function, context).get(
        name, set()
    ):
        return True  # the mark of work it starts, removed when that work ends
    if text in removals.get(name, set()) and (id(function), name) in _work_marks(context):
        return True  # the work's own ``finally`` removing that mark
    # the removal made by a function the request's handler defines and hands to its
    # response (``background=cleanup``), judged with the handler that added the entry
    outer = context.function_parent.get(id(function))
    if outer is None:
        return False
    removals, additions = _finally_removals(outer, context)
    return text in removals.get(name, set()) and text in additions.get(name, set())


EMPTYING = frozenset({"pop", "popitem", "discard", "remove", "clear"})
"""Methods that only take entries out of a container."""


def in_flight_table(name: str, context: Context) -> bool:
    """Whether the module-level container ``name`` only ever holds in-flight marks of
    this process's own work, claimed and released across modules: every entry is added
    by a module-level function of this module keyed by its first parameter (a claim:
    ``claim_uuid_for_processing(uuid, worker_id)``), and every call of each claim in the
    project is followed, in the caller, by a call in a ``finally`` block of a function
    of this module that removes the entry keyed by its first parameter (a release),
    given the same name (a worker loop: ``claim(uuid, ...)`` ...
    ``finally: release(uuid, ...)``). Anything else done to it (an entry added by other
    code, a claim used as a value or called without its release) makes it state. A
    request that only takes marks out of such a table (cancelling a running job) changes
    the bookkeeping of this process's own workers. Once per container and module."""
    memo_key = ("state-in-flight", 0)
    known = context.rule_memo.get(memo_key)
    if not isinstance(known, dict):
        known = {}
        context.rule_memo[memo_key] = known
    answer = known.get(name)
    if answer is None:
        candidate = _claims_and_releases(context).get(name)
        answer = known[name] = candidate is not None and _released_by_every_caller(
            *candidate, context
        )
    return bool(answer)


ClaimsAndReleases = tuple[list[FunctionNode], list[FunctionNode]]


def _claims_and_releases(context: Context) -> dict[str, ClaimsAndReleases | None]:
    """Module-level containers by name: (claim functions, release functions) when every
    entry added to it is added by a module-level function keyed by its first parameter,
    else None (one pass over the module, once)."""
    memo_key = ("state-claims", 0)
    known = context.rule_memo.get(memo_key)
    if isinstance(known, dict):
        return known
    found: dict[str, ClaimsAndReleases | None] = {}
    for function in context.functions:
        first = _first_parameter(function, context)
        claimed: set[str] = set()
        released: set[str] = set()
        for node in context.own_nodes(function):
            for site, _ in mutation_sites(node):
                changed = site
                while isinstance(changed, ast.Subscript):
                    changed = changed.value
                name = dotted_name(changed)
                if name is None or "." in name or found.get(name, ()) is None:
                    continue
                if isinstance(node, ast.Delete) or (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in EMPTYING
                ):
                    if any(removed == (name, first) for removed in _removal(node)):
                        released.add(name)
                    found.setdefault(name, ([], []))
                elif first is not None and (name, first) in set(_addition(node)):
                    claimed.add(name)
                    found.setdefault(name, ([], []))
                else:
                    found[name] = None  # an entry added by other code, or by another key
        for name in claimed:
            entry = found.get(name)
            if entry is not None:
                entry[0].append(function)
        for name in released:
            entry = found.get(name)
            if entry is not None:
                entry[1].append(function)
    context.rule_memo[memo_key] = found
    return found


def _released_by_every_caller(
    claims: list[FunctionNode], releases: list[FunctionNode], context: Context
) -> bool:
    """Whether each claim is released by every caller in the project (at least one claim
    has callers; a claim nothing calls or hands on does not run)."""
    if not claims or not releases:
        return False
    called = False
    for claim in claims:
        verdict = context.released_by_callers(claim, releases)
        if verdict is False:
            return False
        if verdict is None and (claim.decorator_list or context.is_request_serving(claim)):
            return False  # run by a framework or a request without a caller we can see
        called = called or verdict is True
    return called


def _first_parameter(function: FunctionNode, context: Context) -> str | None:
    """The first parameter of a module-level function (a claim or release is called
    by name from other modules), else None."""
    if context.function_parent.get(id(function)) is not None:
        return None
    if id(function) in context.method_class:
        return None
    arguments = [*function.args.posonlyargs, *function.args.args]
    return arguments[0].arg if arguments else None


Keys = dict[str, set[str]]

WORK_SUBMITTERS = frozenset({"submit", "run_in_executor", "spawn"})
"""``pool.submit(f, key)``: calls that run their function argument as this process's
own work, with the arguments after it."""


def _work_removals(
    function: FunctionNode, context: Context
) -> dict[str, dict[str, FunctionNode]]:
    """Keys, by container, that the work ``function`` starts removes in its ``finally``
    (with that work's function):
    ``self._pending[key] = None`` then ``pool.submit(self._run, key)`` where ``_run`` pops
    ``self._pending[key]`` in its ``finally``. The entry marks work this process runs and
    lives exactly as long as that work (the work itself is SLS501's). Followed:
    ``submit``/``run_in_executor``-like calls, ``Thread(target=f, args=(...))`` and
    ``create_task(f(...))``, to a function or method of this module (once per function)."""
    memo_key = ("state-work-removals", id(function))
    known = context.rule_memo.get(memo_key)
    if isinstance(known, dict):
        return known
    found: dict[str, dict[str, FunctionNode]] = {}
    for node in context.own_nodes(function):
        if not isinstance(node, ast.Call):
            continue
        for target, arguments in _work_calls(node):
            worker = _local_function(target, function, context)
            if worker is None or worker is function:
                continue
            parameters = [a.arg for a in (*worker.args.posonlyargs, *worker.args.args)]
            if parameters[:1] == ["self"] and isinstance(target, ast.Attribute):
                parameters = parameters[1:]
            removals, _ = _finally_removals(worker, context)
            for position, argument in enumerate(arguments[: len(parameters)]):
                if isinstance(argument, ast.Starred):
                    break  # the positions after it are unknown
                for container, keys in removals.items():
                    if parameters[position] in keys:
                        found.setdefault(container, {})[_key_text(argument)] = worker
    context.rule_memo[memo_key] = found
    return found


def _work_marks(context: Context) -> set[tuple[int, str]]:
    """(work function, container) for every mark a function of the module adds and hands
    the key of to work that removes it in its ``finally`` (once per module)."""
    memo_key = ("state-work-marks", 0)
    known = context.rule_memo.get(memo_key)
    if isinstance(known, set):
        return known
    found: set[tuple[int, str]] = set()
    for function in context.functions:
        _, additions = _finally_removals(function, context)
        for container, keys in _work_removals(function, context).items():
            for key, worker in keys.items():
                if key in additions.get(container, set()):
                    found.add((id(worker), container))
    context.rule_memo[memo_key] = found
    return found


def _work_calls(call: ast.Call) -> Iterator[tuple[ast.expr, list[ast.expr]]]:
    """(function run as work, the arguments it is given) for a call that starts work."""
    func = call.func
    method = _last_name(func)
    if method in WORK_SUBMITTERS and call.args:
        offset = 1 if method == "run_in_executor" else 0
        if len(call.args) > offset:
            yield call.args[offset], list(call.args[offset + 1:])
    elif method in ("create_task", "ensure_future") and call.args:
        inner = call.args[0]
        if isinstance(inner, ast.Call):
            yield inner.func, list(inner.args)
    elif method == "Thread":
        keywords = {k.arg: k.value for k in call.keywords if k.arg}
        target, given = keywords.get("target"), keywords.get("args")
        if target is not None and isinstance(given, (ast.Tuple, ast.List)):
            yield target, list(given.elts)


def _local_function(
    target: ast.expr, function: FunctionNode, context: Context
) -> FunctionNode | None:
    """The function ``target`` names in this module: ``self.run`` (a method of the
    enclosing class), a nested function, a module-level function."""
    name: str | None = None
    if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
        if target.value.id != "self":
            return None
        cls = context.enclosing_class(function)
        body = [] if cls is None else cls.body
        name = target.attr
    elif isinstance(target, ast.Name):
        name = target.id
        body = [*function.body, *context.tree.body]
    else:
        return None
    for statement in body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)) and (
            statement.name == name
        ):
            return statement
    return None


def _finally_removals(function: FunctionNode, context: Context) -> tuple[Keys, Keys]:
    """(keys removed in ``finally`` blocks, keys added anywhere) by container, for
    ``function`` (once per function). A removal of an entry another request added (the
    SSO waiter popped by the wait request) is not short-lived."""
    memo_key = ("state-finally", id(function))
    known = context.rule_memo.get(memo_key)
    if isinstance(known, tuple):
        return known
    removed: Keys = {}
    added: Keys = {}
    nodes = context.own_nodes(function)
    handed = _handed_to_the_response(nodes)
    for node in nodes:
        if isinstance(node, ast.Try) and node.finalbody:
            for inner in _nodes_of(node.finalbody):
                for name, key in _removal(inner):
                    removed.setdefault(name, set()).add(key)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for inner in _response_end_nodes(node, node.name in handed):
                for name, key in _removal(inner):
                    removed.setdefault(name, set()).add(key)
        for name, key in _addition(node):
            added.setdefault(name, set()).add(key)
    found = (removed, added)
    context.rule_memo[memo_key] = found
    return found


RESPONSE_END_HOOKS = frozenset({"BackgroundTask", "after_this_request", "call_on_close"})
"""Calls that run a function when the response is done (Starlette, Flask, Werkzeug)."""


def _handed_to_the_response(nodes: list[ast.AST]) -> set[str]:
    """Names of functions handed to run when the response is done: ``background=f``,
    ``BackgroundTask(f)``, ``after_this_request(f)``, ``response.call_on_close(f)``."""
    handed: set[str] = set()
    for node in nodes:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
            _last_name(decorator) in RESPONSE_END_HOOKS for decorator in node.decorator_list
        ):
            handed.add(node.name)  # ``@after_this_request`` on the nested function
        if not isinstance(node, ast.Call):
            continue
        handed.update(
            k.value.id
            for k in node.keywords
            if k.arg == "background" and isinstance(k.value, ast.Name)
        )
        if _last_name(node.func) in RESPONSE_END_HOOKS:
            handed.update(a.id for a in node.args[:1] if isinstance(a, ast.Name))
    return handed


def _last_name(expression: ast.expr) -> str:
    """``call_on_close`` for ``response.call_on_close``, ``f`` for ``f``, else ""."""
    if isinstance(expression, ast.Attribute):
        return expression.attr
    return expression.id if isinstance(expression, ast.Name) else ""


def _response_end_nodes(nested: FunctionNode, handed: bool) -> Iterator[ast.AST]:
    """What a nested function runs when the response ends: all of it when it is handed
    to the response, the ``finally`` blocks of a generator (a streamed body, closed with
    the response); nothing otherwise (a callback may run much later)."""
    body = list(_nodes_of(nested.body))
    if handed:
        yield from body
        return
    if not any(isinstance(node, (ast.Yield, ast.YieldFrom)) for node in body):
        return
    for node in body:
        if isinstance(node, ast.Try) and node.finalbody:
            yield from _nodes_of(node.finalbody)


def _addition(node: ast.AST) -> Iterator[tuple[str, str]]:
    """(container, key text) of ``c[k] = v`` or ``c.add(k)``-like calls."""
    return _keyed_changes(node, ast.Assign, ADDERS)


def _removal(node: ast.AST) -> Iterator[tuple[str, str]]:
    """(container, key text) of ``del c[k]`` or ``c.pop(k)``-like calls."""
    return _keyed_changes(node, ast.Delete, REMOVERS)


def _keyed_changes(
    node: ast.AST, statement: type[ast.Assign] | type[ast.Delete], methods: frozenset[str]
) -> Iterator[tuple[str, str]]:
    if isinstance(node, statement):
        for target in node.targets:
            if isinstance(target, ast.Subscript):
                name = dotted_name(target.value)
                if name is not None:
                    yield name, _key_text(target.slice)
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in methods
        and node.args
    ):
        name = dotted_name(node.func.value)
        if name is not None:
            yield name, _key_text(node.args[0])


def entry_key(node: ast.AST, reported: ast.expr) -> ast.expr | None:
    """The key a mutation stores or removes: ``c[key] = v``, ``c.add(key)``,
    ``c.pop(key)``, ``del c[key]``."""
    if isinstance(reported, ast.Subscript):
        return reported.slice
    if isinstance(node, ast.Call) and node.args:
        return node.args[0]
    return None


# --------------------------------------------------------- per-connection containers
def read_whole(name: str, context: Context) -> bool:
    """Whether module-level container ``name`` is read as a whole by request-serving code
    of the module (iterated, ``.values()``, ``len()``, passed on, returned): a "who is
    online" table, not one connection's own entry."""
    key = ("state-read-whole", 0)
    known = context.rule_memo.get(key)
    if not isinstance(known, set):
        known = _names_read_whole(context)
        context.rule_memo[key] = known
    return name in known


def _names_read_whole(context: Context) -> set[str]:
    """Containers read as a whole while serving a request (a background loop sweeping
    this process's own connections is housekeeping, not an answer to a user; so is a
    loop that only addresses each of its own keys, see :func:`_addresses_own_keys`)."""
    found: set[str] = set()
    for function in context.functions:
        if not context.is_request_serving(function):
            continue
        nodes = context.own_nodes(function)
        skipped = {
            id(part)
            for node in nodes
            if isinstance(node, (ast.For, ast.AsyncFor)) and _addresses_own_keys(node)
            for part in (node, *ast.walk(node.iter))
        }
        for node in nodes:
            if id(node) in skipped:
                continue
            if isinstance(node, (ast.For, ast.comprehension)):
                name = dotted_name(node.iter)
                if name is not None:
                    found.add(name)
            elif isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Attribute) and func.attr in WHOLE_READERS:
                    name = dotted_name(func.value)
                    if name is not None:
                        found.add(name)
                for argument in node.args:
                    name = dotted_name(argument)
                    if name is not None:
                        found.add(name)
            elif isinstance(node, ast.Return) and node.value is not None:
                name = dotted_name(node.value)
                if name is not None:
                    found.add(name)
    return found


KEY_VIEWS = frozenset({"keys", "items", "copy"})
"""Views of a mapping whose loop binds each key (``for sid, channel in c.items()``)."""
SENDS = frozenset({"emit", "send"})
RECIPIENTS = frozenset({"to", "room", "sid"})
"""``sio.emit(event, data, to=sid)``: the keywords naming the one connection reached."""


LOOP_BUDGET = 400
"""Nodes of a loop's body looked at before it counts as a whole read."""


def _addresses_own_keys(loop: ast.For | ast.AsyncFor) -> bool:
    """Whether a loop over a container only addresses each of its own keys: every send
    in it goes to the key (``emit(..., to=sid)``), the key and its value are used for
    nothing else than that, comparisons and removing the entry, and it sends with
    ``ignore_queue=True`` (delivery to this process's own connections only, said by the
    code). Such a loop tears down this process's own connections. A loop that sends
    through the message queue reaches other processes' users too, so a table of this
    process's sids behind it is a read of the whole table: "kick everyone" that pops
    and emits to each sid kicks only the users of this process."""
    container, key, value = _keyed_iteration(loop.iter, loop.target)
    if container is None or key is None:
        return False
    names = {key} if value is None else {key, value}
    allowed: set[int] = set()
    local_only = False
    for count, node in enumerate(_nodes_of(loop.body)):
        if count > LOOP_BUDGET:
            return False  # a cleanup loop is short; nested loops are not walked again and again
        if isinstance(node, (ast.Return, ast.Yield, ast.YieldFrom)):
            return False  # the table answers the request
        if isinstance(node, ast.Compare):
            allowed.update(id(part) for part in (node.left, *node.comparators))
        elif isinstance(node, ast.Delete):
            for target in node.targets:
                if isinstance(target, ast.Subscript) and dotted_name(target.value) == container:
                    allowed.add(id(target.slice))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            method = node.func.attr
            if method in REMOVERS and dotted_name(node.func.value) == container and node.args:
                first = node.args[0]
                allowed.add(id(first))
            elif method in SENDS:
                recipient = next((k.value for k in node.keywords if k.arg in RECIPIENTS), None)
                if not (isinstance(recipient, ast.Name) and recipient.id == key):
                    return False  # a send elsewhere (a room, everyone)
                local_only |= any(
                    k.arg == "ignore_queue"
                    and isinstance(k.value, ast.Constant)
                    and k.value.value is True
                    for k in node.keywords
                )
                allowed.update(id(part) for part in ast.walk(node))
    if not local_only:
        return False
    return all(
        id(node) in allowed
        for node in _nodes_of(loop.body)
        if isinstance(node, ast.Name) and node.id in names
    )


def _keyed_iteration(
    iterated: ast.expr, target: ast.expr
) -> tuple[str | None, str | None, str | None]:
    """(container, key name, value name) of ``for k in c`` / ``c.keys()`` / ``list(c)``
    / ``for k, v in c.items()``; the container is None for anything else (``c.values()``
    binds no key)."""
    iterated, view = iterated_view(iterated)
    if view and view not in KEY_VIEWS:
        return None, None, None
    container = dotted_name(iterated)
    if container is None:
        return None, None, None
    if view == "items":
        if isinstance(target, ast.Tuple) and len(target.elts) == 2:
            key, value = target.elts
            if isinstance(key, ast.Name) and isinstance(value, ast.Name):
                return container, key.id, value.id
        return None, None, None
    if isinstance(target, ast.Name):
        return container, target.id, None
    return None, None, None


# ------------------------------------------------------------- memoised functions
def cache_decorator(function: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """The name of the memoising decorator of ``function`` (``lru_cache``), if any."""
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = dotted_name(target)
        if name is not None and name.rpartition(".")[2] in frameworks.MEMO_DECORATORS:
            return name.rpartition(".")[2]
    return None


def takes_arguments(function: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    arguments = function.args
    return bool(
        arguments.posonlyargs or arguments.args or arguments.kwonlyargs
        or arguments.vararg or arguments.kwarg
    )


# --------------------------------------------------------------------- helpers
def _key_text(key: ast.AST) -> str:
    """A comparable spelling of a key expression (small: keys are short)."""
    root = root_name(key) if isinstance(key, (ast.Attribute, ast.Subscript)) else None
    if isinstance(key, ast.Name):
        return key.id
    if root is not None and (dotted := dotted_name(key)) is not None:
        return dotted
    return ast.dump(key) if _small(key) else f"<{id(key)}>"


def _small(node: ast.AST) -> bool:
    return all(count <= 40 for count, _ in enumerate(ast.walk(node)))


def _nodes_of(statements: list[ast.stmt]) -> Iterator[ast.AST]:
    pending: list[ast.AST] = list(statements)
    while pending:
        node = pending.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            pending.extend(ast.iter_child_nodes(node))


# ------------------------------------------------------------- lazy initialisation
def lazily_set(target: ast.Attribute, function: FunctionNode, context: Context) -> bool:
    """Whether ``self.x = ...`` happens only when ``self.x`` is unset: under ``if
    self.x is None:`` or ``if not self.x:`` (a client or connection made on first use, the
    same on every process), and no other function of the module sets it (a request that
    resets it makes it request state)."""
    wanted = dotted_name(target)
    if wanted is None or _setters(context).get(wanted, 0) > 1:
        return False
    return any(
        wanted in _unset_tests(branch.test) for branch in context.enclosing_ifs(target, function)
    )


def _unset_tests(test: ast.expr) -> set[str]:
    """Dotted names ``test`` checks for being unset (``x is None``, ``not x``, ``x ==
    None``, and each part of an ``or``/``and``)."""
    found: set[str] = set()
    pending = [test]
    while pending and len(found) < 20:
        node = pending.pop()
        if isinstance(node, ast.BoolOp):
            pending.extend(node.values)
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            name = dotted_name(node.operand)
            if name is not None:
                found.add(name)
        elif (
            isinstance(node, ast.Compare)
            and len(node.ops) == 1
            and isinstance(node.ops[0], (ast.Is, ast.Eq))
            and isinstance(node.comparators[0], ast.Constant)
            and node.comparators[0].value is None
        ):
            name = dotted_name(node.left)
            if name is not None:
                found.add(name)
    return found


# ------------------------------------------------------------- the process's own work
HANDLE_FACTORIES = frozenset(
    {
        "threading.Thread",
        "threading.Timer",
        "multiprocessing.Process",
        "asyncio.create_task",
        "asyncio.ensure_future",
        "asyncio.get_event_loop().create_task",
    }
)
HANDLE_METHODS = frozenset({"create_task", "ensure_future", "submit", "spawn", "start_soon"})
HANDLE_SUFFIXES = (
    "Thread", "Timer", "Process", "Worker", "Lock", "RLock", "Event", "Condition", "Semaphore",
)
"""Classes whose instances are this process's own work or its synchronisation."""


def holds_work_handles(name: str, context: Context) -> bool:
    """Whether the module stores handles of this process's own running work into
    container ``name`` (threads, tasks, futures, workers): bookkeeping of local work, not
    user data; the work itself is SLS501's."""
    key = ("state-handles", 0)
    known = context.rule_memo.get(key)
    if not isinstance(known, set):
        known = _handle_containers(context)
        context.rule_memo[key] = known
    return name in known


def _handle_containers(context: Context) -> set[str]:
    """Containers the module stores work handles in, and the tables keyed the same way
    (``streams[task_id]`` beside ``tasks[task_id] = task``, in any of its functions)."""
    found: set[str] = set()
    keys: set[str] = set()
    per_function: list[tuple[list[ast.AST], set[str]]] = []
    for function in context.functions:
        nodes = context.own_nodes(function)
        handles = {
            t.id
            for node in nodes
            if isinstance(node, ast.Assign) and is_work_handle(node.value, context)
            for t in node.targets
            if isinstance(t, ast.Name)
        }
        per_function.append((nodes, handles))
        keys |= _handle_keys(nodes, handles, context)
    for nodes, handles in per_function:
        for node in nodes:
            name, key, stored = _store_of(node)
            if name is None:
                continue
            if key is not None and key in keys:
                found.add(name)  # ``streams[task_id] = ...`` beside the task
            elif stored is not None and (
                is_work_handle(stored, context)
                or (isinstance(stored, ast.Name) and (stored.id in handles or stored.id in keys))
            ):
                found.add(name)  # the handle itself, or ``item_tasks[item].append(task_id)``
    return found


def _store_of(node: ast.AST) -> tuple[str | None, str | None, ast.expr | None]:
    """(container, key text, stored value) of ``c[k] = v`` or ``c.append(v)``."""
    if isinstance(node, ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Subscript):
                return keyed_container(target.value), _key_text(target.slice), node.value
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ADDERS
        and node.args
    ):
        return keyed_container(node.func.value), None, node.args[-1]
    return None, None, None


def _handle_keys(nodes: list[ast.AST], handles: set[str], context: Context) -> set[str]:
    """Keys under which a function stores a work handle (``tasks[task_id] = task``):
    other tables keyed by them track the same local work."""
    keys: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Assign):
            stored = node.value
            if is_work_handle(stored, context) or (
                isinstance(stored, ast.Name) and stored.id in handles
            ):
                for target in node.targets:
                    if isinstance(target, ast.Subscript):
                        keys.add(_key_text(target.slice))
    return keys


def is_work_handle(value: ast.expr, context: Context) -> bool:
    """``threading.Thread(...)``, ``pool.submit(...)``, ``create_task(...)``: a handle of
    this process's own work or its synchronisation, not user data."""
    if isinstance(value, ast.Await):
        return False
    if not isinstance(value, ast.Call):
        return False
    name = context.qualified_name(value.func) or ""
    if name in HANDLE_FACTORIES:
        return True
    last = name.rpartition(".")[2]
    return last in HANDLE_METHODS or last.endswith(HANDLE_SUFFIXES)


# ------------------------------------------------------------------ set up once
def set_up_once(
    node: ast.AST, function: FunctionNode, context: Context, filled: str | None = None
) -> bool:
    """Whether ``node`` runs only once per process: under ``if not self._finalized:``,
    ``if X is None:`` or ``if not cc_classes:`` whose block sets the very name it tests
    (so it never runs again), a name no other function of the module sets (a request that
    resets it would make it run again: that is state). The guard may be in the callers:
    ``node`` is in a function every call of which in the module is so guarded, or is
    under ``if not X:`` where ``X`` is the container ``node`` fills and nothing empties
    (``if not cc_classes: setup_cc_classes()``, which fills ``cc_classes``). Calls from
    other modules are not seen."""
    if filled is None:
        filled = _filled_container(node)
    return _guarded_once(node, function, context, filled, 0)


def _guarded_once(
    node: ast.AST, function: FunctionNode, context: Context, filled: str | None, depth: int
) -> bool:
    for branch in context.enclosing_ifs(node, function):
        if depth > 0 and not _in_body(node, branch):
            continue  # a call in the ``else`` runs when the guard is already set
        tested = _unset_tests(branch.test)
        for name in tested & (_assigned_in(branch, context) if tested else set()):
            if (name.startswith("self.") or name in context.module_bindings) and (
                _setters(context).get(name, 0) <= 1
            ):
                return True
        if depth > 0 and filled in tested and _never_emptied(filled, context):
            return True  # the caller's ``if not X:`` around the call that fills ``X``
    if depth >= 3:
        return False
    memo_key = ("state-called-once", hash((id(function), filled, depth)))
    known = context.rule_memo.get(memo_key)
    if isinstance(known, bool):
        return known
    callers = _calls_by_name(context).get(function.name, [])
    found = bool(callers) and all(
        caller is not function and _guarded_once(call, caller, context, filled, depth + 1)
        for call, caller in callers
    )
    context.rule_memo[memo_key] = found
    return found


def _filled_container(node: ast.AST) -> str | None:
    """The container ``node`` adds to: ``X`` of ``X[k] = v`` or ``X.append(v)``."""
    if isinstance(node, ast.Assign):
        for target in node.targets:
            if isinstance(target, ast.Subscript):
                return dotted_name(target.value)
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and (
        node.func.attr in ADDERS or node.func.attr in ("update", "extend", "insert")
    ):
        return dotted_name(node.func.value)
    return None


def _in_body(node: ast.AST, branch: ast.If) -> bool:
    """Whether ``node`` is in the ``if`` block itself (not its ``else`` or test)."""
    line = getattr(node, "lineno", 0)
    return branch.body[0].lineno <= line <= (branch.body[-1].end_lineno or 0)


EMPTIERS = frozenset({"clear", "pop", "popitem", "remove", "discard"})


def _never_emptied(name: str, context: Context) -> bool:
    """Whether no function of the module rebinds container ``name``, removes from it or
    clears it: once filled, ``if not name:`` stays false (once per module and name)."""
    key = ("state-never-emptied", hash(name))
    known = context.rule_memo.get(key)
    if isinstance(known, bool):
        return known
    emptied = _setters(context).get(name, 0) > 0
    for function in context.functions:
        if emptied:
            break
        for node in context.own_nodes(function):
            if isinstance(node, ast.Delete) and any(
                dotted_name(t.value if isinstance(t, ast.Subscript) else t) == name
                for t in node.targets
            ):
                emptied = True
                break
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in EMPTIERS
                and dotted_name(node.func.value) == name
            ):
                emptied = True
                break
    context.rule_memo[key] = not emptied
    return not emptied


def _assigned_in(branch: ast.If, context: Context) -> set[str]:
    """Dotted names assigned anywhere in the block of ``branch`` (once per ``if``: every
    site under it asks)."""
    key = ("state-assigned-in", id(branch))
    known = context.rule_memo.get(key)
    if isinstance(known, set):
        return known
    found: set[str] = set()
    for node in _nodes_of(branch.body):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                name = dotted_name(target)
                if name is not None:
                    found.add(name)
    context.rule_memo[key] = found
    return found


def _setters(context: Context) -> dict[str, int]:
    """Dotted name -> how many functions of the module (besides ``__init__``) assign it
    (once per module)."""
    key = ("state-setters", 0)
    known = context.rule_memo.get(key)
    if isinstance(known, dict):
        return known
    counts: dict[str, int] = {}
    for function in context.functions:
        if function.name in ("__init__", "__new__"):
            continue  # the initial value, not a reset
        names: set[str] = set()
        for node in context.own_nodes(function):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    name = dotted_name(target)
                    if name is not None:
                        names.add(name)
        for name in names:
            counts[name] = counts.get(name, 0) + 1
    context.rule_memo[key] = counts
    return counts


LOADERS = (
    "load", "_load", "reload", "_reload", "refresh", "_refresh",
    "finalize", "_finalize", "setup", "_setup", "initialize", "_initialize",
)
"""Methods that rebuild what an object holds from its store (a file, the database), or
set it up once on first use (``_finalize`` sorting an import-time registry)."""


def reloads_from_store(function: FunctionNode) -> bool:
    """``_load()``: the object refills its tables from the file or database it saved to,
    the source every process reads."""
    return function.name.startswith(LOADERS)


def is_cache_class(cls: ast.ClassDef, context: Context) -> bool:
    """A cache by design (``class LessSimpleCache(SimpleCache)``): what it holds is a
    per-process copy its users revalidate, not state of its own."""
    names = [cls.name, *(dotted_name(base) or "" for base in cls.bases)]
    return any(name.rpartition(".")[2].endswith("Cache") for name in names)


def class_revalidates(cls: ast.ClassDef, context: Context) -> bool:
    """Whether some method of ``cls`` compares a validity stamp (see :func:`revalidates`)."""
    return any(
        revalidates(statement, context)
        for statement in cls.body
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef))
    )


def returns_name(name: str, function: FunctionNode, context: Context) -> bool:
    """Whether ``function`` returns the local ``name`` (what it just stored somewhere)."""
    return any(
        isinstance(node, ast.Return)
        and isinstance(node.value, ast.Name)
        and node.value.id == name
        for node in context.own_nodes(function)
    )


def returns_what_it_stored(
    targets: list[ast.expr], function: FunctionNode, context: Context
) -> bool:
    """Whether ``function`` returns one of ``targets`` itself, read back from where it
    stored it (``return request.app.state.servers``, ``return app.config["SERVERS"]``)."""
    stored = {ref_of(target) for target in targets} - {None}
    if not stored:
        return False
    key = ("state-returned-refs", id(function))
    returned = context.rule_memo.get(key)
    if not isinstance(returned, set):
        returned = context.rule_memo[key] = {
            ref_of(node.value)
            for node in context.own_nodes(function)
            if isinstance(node, ast.Return) and node.value is not None
        }
    return not stored.isdisjoint(returned)


BEFORE_EACH_REQUEST = frozenset({"before_request", "before_app_request"})


def runs_before_each_request(function: FunctionNode) -> bool:
    """A ``before_request`` hook: what it sets is set again before every request reads
    it, on every process (a prefix copied from a request header)."""
    for decorator in function.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = dotted_name(target)
        if name is not None and name.rpartition(".")[2] in BEFORE_EACH_REQUEST:
            return True
    return False


CONNECTION_ATTRIBUTE_WORDS = ("serial", "socket")


def owns_a_connection(cls: ast.ClassDef, context: Context) -> bool:
    """A class that holds a live I/O connection (``self._serial``, ``self._socket``): what
    it keeps describes that connection, which lives in this one process (a printer's
    serial port, a socket), like a live connection's own state."""
    key = ("state-owns-connection", id(cls))
    known = context.rule_memo.get(key)
    if isinstance(known, bool):
        return known
    found = any(
        any(word in name.lower() for word in CONNECTION_ATTRIBUTE_WORDS)
        for name in context.instance_attributes(cls)
    )
    context.rule_memo[key] = found
    return found


# --------------------------------------------------------- fallbacks without a service
SERVICE_WORDS = ("redis", "memcache", "broker")


def in_service_fallback(
    node: ast.AST, function: FunctionNode, context: Context, depth: int = 0
) -> bool:
    """Whether ``node`` is the in-memory fallback of a backing service the deployer may
    configure: the branch of ``if redis: ... else: ...`` (or under ``if not redis:`` /
    ``if redis is None:``) taken only when no Redis is configured, the ``except`` of the
    Redis branch (Redis failing), or a private helper of the module called only from those."""
    if _fallback_branch(node, function, context):
        return True
    if depth >= 3 or not function.name.startswith("_"):
        return False  # a public function may be called from other modules
    callers = _calls_by_name(context).get(function.name, [])
    return bool(callers) and all(
        caller is not function and in_service_fallback(call, caller, context, depth + 1)
        for call, caller in callers
    )


def _fallback_branch(node: ast.AST, function: FunctionNode, context: Context) -> bool:
    parents = context.parents(function)
    child: ast.AST = node
    current = parents.get(id(node))
    in_handler = False
    for _ in range(200):
        if current is None or current is function:
            return False
        if isinstance(current, ast.Try) and child in current.handlers:
            in_handler = True
        if isinstance(current, ast.If):
            positive = _service_tested(current.test)
            if positive is not None:
                in_body = _contains(current.body, child)
                if positive and in_body and in_handler:
                    return True  # the service failed: the same fallback
                if (positive and not in_body) or (not positive and in_body):
                    return True
        child = current
        current = parents.get(id(current))
    return False


def _calls_by_name(context: Context) -> dict[str, list[tuple[ast.Call, FunctionNode]]]:
    """Function name -> the calls of ``name(...)`` / ``self.name(...)`` in the module and
    the functions making them (once per module)."""
    key = ("calls-by-name", 0)
    known = context.rule_memo.get(key)
    if isinstance(known, dict):
        return known
    calls: dict[str, list[tuple[ast.Call, FunctionNode]]] = {}
    for caller in context.functions:
        for node in context.own_nodes(caller):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Name):
                name = func.id
            elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and (
                func.value.id in ("self", "cls")
            ):
                name = func.attr
            else:
                continue
            calls.setdefault(name, []).append((node, caller))
    context.rule_memo[key] = calls
    return calls


def _service_tested(test: ast.expr) -> bool | None:
    """True for ``if redis:`` / ``if redis is not None``, False for ``if not redis:`` /
    ``if redis is None``, None when the test is not about a backing service."""
    negated = False
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        negated, test = True, test.operand
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        other = test.comparators[0]
        if isinstance(other, ast.Constant) and other.value is None:
            negated ^= isinstance(test.ops[0], (ast.Is, ast.Eq))
            test = test.left
    name = dotted_name(test)
    if name is None or not any(word in name.lower() for word in SERVICE_WORDS):
        return None
    return not negated


def _contains(statements: list[ast.stmt], node: ast.AST) -> bool:
    return any(statement is node for statement in statements)
