"""SLS106 per-process-secret: a signing or encryption key the process draws for itself."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from flake8_stateless.context import Context, FunctionNode, dotted_name, string_value
from flake8_stateless.conventions import camel_words
from flake8_stateless.excerpts import code
from flake8_stateless.registry import Finding, Rule
from flake8_stateless.rules.files.common import bindings, bound_names
from flake8_stateless.semantic.switches import debug_branch

GENERATORS = frozenset(
    {
        "os.urandom",
        "os.getrandom",
        "secrets.token_hex",
        "secrets.token_urlsafe",
        "secrets.token_bytes",
        "secrets.choice",
        "secrets.randbits",
        "secrets.SystemRandom",
        "random.choice",
        "random.choices",
        "random.sample",
        "random.random",
        "random.randint",
        "random.randrange",
        "random.getrandbits",
        "random.randbytes",
        "random.SystemRandom",
        "uuid.uuid1",
        "uuid.uuid4",
        "django.utils.crypto.get_random_string",
        "django.core.management.utils.get_random_secret_key",
        "cryptography.fernet.Fernet.generate_key",
        "Crypto.Random.get_random_bytes",
        "Cryptodome.Random.get_random_bytes",
        "nacl.utils.random",
    }
)
"""Calls (or factories handed on, ``default_factory=secrets.token_hex``) whose value is
different in every process."""

KEYED_CONSTRUCTORS: dict[str, tuple[int, str]] = {
    # qualified name: (position, keyword) of the key
    "itsdangerous.URLSafeTimedSerializer": (0, "secret_key"),
    "itsdangerous.URLSafeSerializer": (0, "secret_key"),
    "itsdangerous.TimedSerializer": (0, "secret_key"),
    "itsdangerous.Serializer": (0, "secret_key"),
    "itsdangerous.Signer": (0, "secret_key"),
    "itsdangerous.TimestampSigner": (0, "secret_key"),
    "itsdangerous.url_safe.URLSafeTimedSerializer": (0, "secret_key"),
    "itsdangerous.url_safe.URLSafeSerializer": (0, "secret_key"),
    "itsdangerous.serializer.Serializer": (0, "secret_key"),
    "itsdangerous.timed.TimedSerializer": (0, "secret_key"),
    "itsdangerous.signer.Signer": (0, "secret_key"),
    "itsdangerous.timed.TimestampSigner": (0, "secret_key"),
    "cryptography.fernet.Fernet": (0, "key"),
    "starlette.middleware.sessions.SessionMiddleware": (1, "secret_key"),
    "aiohttp_session.cookie_storage.EncryptedCookieStorage": (0, "secret_key"),
    "aiohttp_session.nacl_storage.NaClCookieStorage": (0, "secret_key"),
    "nacl.secret.SecretBox": (0, "key"),
    "pyramid.session.SignedCookieSessionFactory": (0, "secret"),
    "pyramid.authentication.AuthTktAuthenticationPolicy": (0, "secret"),
    "pyramid.authentication.AuthTktCookieHelper": (0, "secret"),
}
"""Signers, serializers, ciphers and session stores, and where their key goes."""
KEYED_CONSTRUCTOR_NAMES = frozenset(name.rpartition(".")[2] for name in KEYED_CONSTRUCTORS)

OPTION_DEFINERS = frozenset({"define", "add_argument", "add_option", "option", "Option"})
"""Option declarations whose first argument names the option: ``define("cookie_secret",
default=...)`` (tornado.options), argparse, optparse, click and Typer."""
NAMED_READERS = frozenset({"get", "getenv", "setdefault", "str", "bytes", "env", "config"})
"""Reads of a named value with a fallback: ``os.environ.get("SECRET_KEY", default)``,
``app.config.setdefault(...)``, environs ``env.str(...)``, decouple ``config(...)``."""
CONFIG_RECEIVERS = frozenset(
    {"app", "application", "flask_app", "config", "settings", "conf", "cfg", "environ"}
)
"""Objects whose settings are the app's configuration wherever they are written."""
KEYWORD_SINKS = frozenset(
    {
        "Application", "SessionMiddleware", "add_middleware", "Middleware", "Flask", "Quart",
        "Starlette", "FastAPI", "JWTStrategy", "CookieTransport", "SessionInterface",
    }
)  # fmt: skip
"""Calls that configure an app, a middleware or an auth backend: a ``secret_key=``
keyword given to them inside a function is configuration."""
CONFIG_METHODS = frozenset({"update", "from_mapping", "setdefault"})
"""``app.config.update(SECRET_KEY=...)``: configuration when called on the app's config
(``profile.update(secret=...)`` is not)."""
SERVER_PACKAGES = frozenset(
    {
        "aiohttp", "bottle", "falcon", "fastapi", "flask", "litestar", "pyramid", "quart",
        "sanic", "starlette", "tornado", "uvicorn", "gunicorn", "hypercorn", "waitress",
        "werkzeug", "granian", "daphne",
    }
)  # fmt: skip
"""A module importing one of these builds or starts a server: the defaults of its
options and parameters are the server's keys (Django is left out: scripts import it for
``get_random_secret_key`` alone)."""
HANDED_OUT = frozenset(
    {
        "write", "write_text", "write_bytes", "writelines", "set", "save", "dump", "put",
        "setex", "store", "print", "echo", "secho", "set_secret", "put_secret_value",
        "create_secret",
    }
)  # fmt: skip
"""Calls that keep a generated key somewhere it is read back from (a file, the settings
store, a secrets manager) or show it to the person who will configure it."""

SECRET_TAILS = frozenset({"secret", "key", "token", "secrets"})
STANDALONE_KEYS = frozenset(
    {"signing_key", "encryption_key", "fernet_key", "jwt_key", "hmac_key", "cookie_key"}
)
SETTINGS_BASES = frozenset(
    {"pydantic_settings.BaseSettings", "pydantic.BaseSettings", "pydantic.v1.BaseSettings"}
)
CONFIG_CLASS_WORDS = frozenset({"config", "settings", "configuration", "conf", "options"})
WRAPPERS = frozenset(
    {"str", "bytes", "b64encode", "urlsafe_b64encode", "hexlify", "join", "hex", "encode"}
)
"""Calls that only re-encode the random value they are given (``str(uuid4())``)."""
TRANSFORMS = frozenset(
    {"encode", "decode", "hex", "hexdigest", "digest", "strip", "lower", "upper", "format"}
)
"""Methods whose result is their receiver's text, transformed: ``key.encode()``."""
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_WALK_LIMIT = 400
"""Nodes of one value looked at: configuration values are small; a generated
thousand-entry literal is not a key."""
_FOLLOW_DEPTH = 3
_FILE_BUDGET = 50_000
"""Value nodes looked at per file, over all slots: far above any real module's needs."""

FALLBACK_FIX = "make the environment variable required"
DIRECT_FIX = "load it from the environment"
DEFAULT_FIX = "require it, with no random default"
FIXES = {"is": DIRECT_FIX, "falls back to": FALLBACK_FIX, "defaults to": DEFAULT_FIX}


def is_secret_name(name: str) -> bool:
    """``SECRET_KEY``, ``secret_key``, ``cookie_secret``, ``JWT_SECRET``,
    ``WTF_CSRF_SECRET_KEY``, ``--secret-key``, ``session.secret``, ``secretKey``."""
    normalised = _CAMEL.sub("_", name.strip("-_")).lower().replace("-", "_").replace(".", "_")
    tokens = [token for token in normalised.split("_") if token]
    while tokens and tokens[-1].isdigit():
        tokens.pop()  # ``SECRET_KEY_2``
    if not tokens:
        return False
    if "secret" in tokens and tokens[-1] in SECRET_TAILS:
        return True
    return "_".join(tokens[-2:]) in STANDALONE_KEYS


@dataclass(frozen=True)
class _Slot:
    """Where a key goes: the node written, the user's name for it, the value given,
    and how the value is taken (``is``, ``falls back to``, ``defaults to``)."""

    node: ast.AST
    name: str
    value: ast.expr
    how: str


def check(node: ast.AST, function: FunctionNode | None, context: Context) -> Iterator[Finding]:
    if context.path.never_serves:
        return
    serving = context.is_request_serving(function)
    for slot in _slots(node, function, serving, context):
        if context.is_guarded(slot.node):
            continue
        search = _Search(context, function, _in_record_class(node, function, context))
        source = search.random_source(slot.value, function)
        if source is None:
            continue
        if isinstance(slot.node, ast.Name) and search.handed_out(slot.node.id, function):
            continue  # ``SECRET_KEY = get_random_string(50)``, then written to a key file
        reported = context.rule_memo.setdefault(("sls106-reported", 0), set())
        assert isinstance(reported, set)
        if id(source) in reported:
            continue  # one key, several slots (``SECRET_KEY = os.environ.get(...)``)
        reported.add(id(source))
        how = slot.how
        if how == "is" and (
            _reads_a_setting(slot.value, context) or _settings_field(node, function, context)
        ):
            how = "falls back to"
        yield RULE.finding(
            source,
            slot=repr(slot.name),
            how=how,
            source=code(context.excerpts.label(source, 32)),
            fix=FIXES[how],
        )


# ------------------------------------------------------------------ where keys go
def _slots(
    node: ast.AST, function: FunctionNode | None, serving: bool, context: Context
) -> Iterator[_Slot]:
    """Every place in ``node`` that holds a signing key. Request-serving code makes
    per-request values (tokens, nonces, credentials it stores): there only the
    unmistakable shapes count, a key read from the environment with a random fallback
    and a signer built on a random key."""
    if isinstance(node, (ast.Assign, ast.AnnAssign)):
        if serving or node.value is None:
            return
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        for target in targets:
            name = _target_name(target, function)
            if name is not None:
                yield _Slot(target, name, node.value, "is")
    elif isinstance(node, ast.Call):
        yield from _call_slots(node, function, serving, context)
    elif isinstance(node, ast.Dict):
        if serving:
            return
        for key, value in zip(node.keys, node.values, strict=True):
            name = string_value(key)
            if name is not None and is_secret_name(name) and _configuration_key(name, function):
                yield _Slot(value, name, value, "is")
    elif isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
        first = node.values[0]
        if isinstance(first, ast.Call):
            name = _named_read(first, function, serving, context)
            if name is not None:
                for value in node.values[1:]:
                    yield _Slot(node, name, value, "falls back to")
    elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _serves(context):
        arguments = node.args
        positional = [*arguments.posonlyargs, *arguments.args]
        first_defaulted = len(positional) - len(arguments.defaults)
        defaulted = positional[first_defaulted:]
        pairs = [
            *zip(defaulted, arguments.defaults, strict=True),
            *zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True),
        ]
        for argument, default in pairs:
            if default is not None and is_secret_name(argument.arg):
                yield _Slot(default, argument.arg, default, "defaults to")


def _target_name(target: ast.expr, function: FunctionNode | None) -> str | None:
    """``SECRET_KEY = ...`` (module or class level), ``app.secret_key = ...``,
    ``app.config["SECRET_KEY"] = ...``. Inside a function a local name is only followed
    to where it goes, and an attribute or key counts when it is configuration."""
    if isinstance(target, ast.Name):
        return target.id if function is None and is_secret_name(target.id) else None
    if isinstance(target, ast.Attribute):
        if not is_secret_name(target.attr):
            return None
        if function is None or target.attr.isupper() or _config_receiver(target.value):
            return dotted_name(target) or target.attr
        return None
    if isinstance(target, ast.Subscript):
        key = string_value(target.slice)
        if key is not None and is_secret_name(key) and _configuration_key(key, function):
            return key
    return None


def _configuration_key(key: str, function: FunctionNode | None) -> bool:
    """In a function, ``"SECRET_KEY"`` and Tornado's ``"cookie_secret"`` are settings;
    ``{"secret": ...}`` is more likely a credential handed to a user or stored."""
    return function is None or key.isupper() or key == "cookie_secret"


def _config_receiver(receiver: ast.expr) -> bool:
    name = dotted_name(receiver)
    return name is not None and name.rpartition(".")[2].lower() in CONFIG_RECEIVERS


def _call_slots(
    call: ast.Call, function: FunctionNode | None, serving: bool, context: Context
) -> Iterator[_Slot]:
    func = call.func
    last = _last_name(func, context)
    name = _named_read(call, function, serving, context)
    if name is not None:
        how = "defaults to" if last in OPTION_DEFINERS else "falls back to"
        for value in [*call.args, *(k.value for k in call.keywords)]:
            yield _Slot(call, name, value, how)
        return
    if last in KEYED_CONSTRUCTOR_NAMES:
        place = KEYED_CONSTRUCTORS.get(context.qualified_name(func) or "")
        if place is not None:
            index, key_keyword = place
            key = _argument(call, index, key_keyword)
            if key is not None:
                yield _Slot(key, f"{last} key", key, "is")
                return
    if serving:
        return
    for keyword in call.keywords:
        if keyword.arg is None or not is_secret_name(keyword.arg):
            continue
        if (
            function is None
            or keyword.arg.isupper()
            or last in KEYWORD_SINKS
            or (
                last in CONFIG_METHODS
                and isinstance(func, ast.Attribute)
                and _config_receiver(func.value)
            )
        ):
            yield _Slot(keyword.value, keyword.arg, keyword.value, "is")


def _named_read(
    call: ast.Call, function: FunctionNode | None, serving: bool, context: Context
) -> str | None:
    """The secret a call reads or declares by name, with a fallback: environment
    reads anywhere; config reads and option declarations outside request code."""
    func = call.func
    last = _last_name(func, context)
    if last in OPTION_DEFINERS:
        names = [string_value(a) for a in call.args]  # ``add_argument("-s", "--secret")``
    elif last in NAMED_READERS:
        names = [string_value(call.args[0])] if call.args else []
    else:
        return None
    name = next((n for n in names if n is not None and is_secret_name(n)), None)
    if name is None:
        return None
    if context.from_environment(func):
        return name
    if serving:
        return None
    if last in OPTION_DEFINERS:
        return name if _serves(context) or _is_tornado_define(func, context) else None
    if function is None:
        return name
    if isinstance(func, ast.Attribute) and _config_receiver(func.value):
        return name
    return None


def _serves(context: Context) -> bool:
    """Whether the module belongs to a server (imports a web framework or a server): a
    random default of a standalone script's option is that script's business."""
    return context.has_request_serving_code or not context.imported_packages.isdisjoint(
        SERVER_PACKAGES
    )


def _is_tornado_define(func: ast.expr, context: Context) -> bool:
    return (context.qualified_name(func) or "").startswith("tornado.options.")


def _last_name(func: ast.expr, context: Context) -> str:
    """``get`` for ``os.environ.get``; the original name of an imported alias."""
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return context.aliases.get(func.id, func.id).rpartition(".")[2]
    return ""


def _argument(call: ast.Call, index: int, keyword: str) -> ast.expr | None:
    for item in call.keywords:
        if item.arg == keyword:
            return item.value
    if len(call.args) > index and not any(isinstance(a, ast.Starred) for a in call.args):
        return call.args[index]
    return None


def _reads_a_setting(value: ast.expr, context: Context) -> bool:
    """``os.environ.get("SECRET_KEY", ...)``, ``SECRET_KEY or ...``: the random value
    is a fallback, not the only source."""
    return isinstance(value, ast.BoolOp) or (
        isinstance(value, ast.Call) and context.from_environment(value.func)
    )


def _in_record_class(node: ast.AST, function: FunctionNode | None, context: Context) -> bool:
    """Whether ``node`` is a class-level statement of a class that is not configuration
    (a Django model, a pydantic schema, a dataclass): not pydantic ``BaseSettings``,
    nor a class named for configuration (``Config``, ``AppSettings``, ``Options``)."""
    cls = _owner_class(node, function, context)
    if cls is None:
        return False
    words = camel_words(cls.name)
    return not words & CONFIG_CLASS_WORDS and not _is_settings_class(cls, context)


def _settings_field(node: ast.AST, function: FunctionNode | None, context: Context) -> bool:
    """A field default of a pydantic ``BaseSettings`` class: the environment wins."""
    cls = _owner_class(node, function, context)
    return cls is not None and _is_settings_class(cls, context)


def _is_settings_class(cls: ast.ClassDef, context: Context) -> bool:
    return any(context.qualified_name(base) in SETTINGS_BASES for base in cls.bases)


def _owner_class(
    node: ast.AST, function: FunctionNode | None, context: Context
) -> ast.ClassDef | None:
    """The class whose body holds the statement ``node``, from a map built once per file."""
    if function is not None or not isinstance(node, (ast.Assign, ast.AnnAssign)):
        return None
    owners = context.rule_memo.get(("sls106-class-owners", 0))
    if not isinstance(owners, dict):
        owners = {
            id(statement): cls for cls in context.classes.values() for statement in cls.body
        }
        context.rule_memo[("sls106-class-owners", 0)] = owners
    found = owners.get(id(node))
    return found if isinstance(found, ast.ClassDef) else None


# ------------------------------------------------------------------ random values
@dataclass
class _Search:
    """Looks for the random value a slot is given, from the function the slot is in."""

    context: Context
    slot_function: FunctionNode | None
    record_field: bool = False
    """The slot is a field of a model, schema, factory or dataclass: a random value
    handed to a field or factory (``CharField(default=secrets.token_hex)``,
    ``Field(default_factory=...)``, ``LazyFunction(...)``) is made per object (a
    webhook's secret, stored with it), not per process; only a random value drawn for
    the class itself counts."""
    seen: set[int] = field(default_factory=set)

    def random_source(
        self, value: ast.expr, function: FunctionNode | None, depth: int = 0
    ) -> ast.expr | None:
        """The generator call that makes ``value`` different in every process, found in
        it or through the names and module functions it reads; None when there is none,
        or when the generated key is kept where it is read back (a file, the settings
        store), shown to the user or handed back to the caller: then it is not lost."""
        if id(value) in self.seen:
            return None
        self.seen.add(id(value))
        context = self.context
        pending: list[ast.AST] = [value]
        followed: list[ast.Call | ast.Name] = []
        for _ in range(_WALK_LIMIT):
            if not pending or not self._spend():
                break
            node = pending.pop()
            if (
                isinstance(node, (ast.Name, ast.Attribute))
                and isinstance(node.ctx, ast.Load)
                and context.qualified_name(node) in GENERATORS
            ):
                return node  # a factory handed on: ``default_factory=secrets.token_hex``
            if isinstance(node, ast.Call):
                if context.qualified_name(node.func) in GENERATORS:
                    return node
                if isinstance(node.func, ast.Name):
                    followed.append(node)
            elif isinstance(node, ast.Name):
                followed.append(node)
            pending.extend(reversed(_value_parts(node, self.record_field)))
        if depth >= _FOLLOW_DEPTH:
            return None
        for part in followed:  # only when the value itself draws nothing
            if isinstance(part, ast.Call):
                assert isinstance(part.func, ast.Name)
                found = self._returned(part.func.id, function, depth)
            else:
                found = self._bound(part.id, function, depth)
            if found is not None:
                return found
        return None

    def _spend(self) -> bool:
        """One node of the file's budget: whatever a file holds, the rule looks at a
        bounded number of value nodes in all (silence beyond it, never a slow run)."""
        key = ("sls106-budget", 0)
        left = self.context.rule_memo.get(key, _FILE_BUDGET)
        assert isinstance(left, int)
        self.context.rule_memo[key] = left - 1
        return left > 0

    def _bound(self, name: str, function: FunctionNode | None, depth: int) -> ast.expr | None:
        """A random value bound to ``name`` (locally, else at module level) and kept
        only in memory."""
        context = self.context
        scope: FunctionNode | None
        if function is not None and context.binds_locally(function, name):
            scope = function
            values = [v for t, v in bindings(function, context) if name in bound_names(t)]
        else:
            scope = None
            values = [v for v in context.module_bindings.get(name, ()) if isinstance(v, ast.expr)]
        for value in values:
            found = self.random_source(value, scope, depth + 1)
            if found is not None and not self.handed_out(name, scope):
                return found
        return None

    def _returned(self, name: str, caller: FunctionNode | None, depth: int) -> ast.expr | None:
        """A random value returned by ``name()``, a module-level function of this module."""
        context = self.context
        if caller is not None and context.binds_locally(caller, name):
            return None
        bound = context.module_bindings.get(name, ())
        if len(bound) != 1 or not isinstance(bound[0], (ast.FunctionDef, ast.AsyncFunctionDef)):
            return None
        callee = bound[0]
        for node in context.own_nodes(callee):
            if isinstance(node, ast.Return) and node.value is not None:
                found = self.random_source(node.value, callee, depth + 1)
                if found is not None:
                    return found
        return None

    def handed_out(self, name: str, scope: FunctionNode | None) -> bool:
        """Whether ``name`` is written to a file or settings store or printed in its
        scope (``f.write(secret)``, ``s.set([...], secret_key)``), or returned by the
        function the slot is in (``return key, Fernet(key).encrypt(data)``)."""
        stored, returned = _kept_names(scope, self.context)
        return name in stored or (scope is not None and scope is self.slot_function and (
            name in returned
        ))


def _kept_names(scope: FunctionNode | None, context: Context) -> tuple[set[str], set[str]]:
    """Names passed to a call that keeps or shows them (``write``, ``set``, ``print``...)
    and names returned or yielded, in a function's own code or the module's: one pass
    per scope, whatever the number of keys asked about."""
    key = ("sls106-kept", id(scope) if scope is not None else 0)
    known = context.rule_memo.get(key)
    if isinstance(known, tuple):
        return known
    stored: set[str] = set()
    returned: set[str] = set()
    seen_stored: set[int] = set()  # nested keeping calls are read once, not once per level
    seen_returned: set[int] = set()
    nodes = context.own_nodes(scope) if scope is not None else _module_nodes(context)
    for node in nodes:
        if isinstance(node, (ast.Return, ast.Yield)) and node.value is not None:
            returned.update(_names_in(node.value, seen_returned))
        elif isinstance(node, ast.Call):
            func = node.func
            last = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if last in HANDED_OUT:
                for argument in [*node.args, *(k.value for k in node.keywords)]:
                    stored.update(_names_in(argument, seen_stored))
    context.rule_memo[key] = (stored, returned)
    return stored, returned


def _names_in(expr: ast.AST, visited: set[int]) -> set[str]:
    """Names read in ``expr``, skipping the subtrees already read."""
    names: set[str] = set()
    pending = [expr]
    while pending:
        node = pending.pop()
        if id(node) in visited:
            continue
        visited.add(id(node))
        if isinstance(node, ast.Name):
            names.add(node.id)
        pending.extend(ast.iter_child_nodes(node))
    return names


def _value_parts(node: ast.AST, record_field: bool = False) -> list[ast.AST]:
    """The parts of an expression that its value is made of: the arguments of a call
    and the text a method transforms (``secret.encode()``), not the object an attribute
    or key is read from (``settings.SECRET_KEY`` is not ``settings``) nor a condition.
    For a record's field, only the arguments of calls that re-encode their argument."""
    if isinstance(node, ast.Call):
        func = node.func
        callee = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        parts: list[ast.AST] = []
        if not record_field or callee in WRAPPERS:
            parts.extend(node.args)
            parts.extend(k.value for k in node.keywords)
        if isinstance(func, ast.Attribute) and func.attr in TRANSFORMS:
            parts.append(func.value)
        return parts
    if isinstance(node, (ast.Attribute, ast.Subscript)):
        base: ast.expr = node.value
        while isinstance(base, (ast.Attribute, ast.Subscript)):
            base = base.value
        return [node.value] if isinstance(base, ast.Call) else []  # ``uuid4().hex``
    if isinstance(node, ast.IfExp):
        development = debug_branch(node.test)  # ``get_random_secret_key() if DEBUG else ...``
        return [
            part
            for part, branch in ((node.body, "body"), (node.orelse, "orelse"))
            if branch != development
        ]
    if isinstance(node, ast.Lambda):
        return [] if record_field else [node.body]
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.GeneratorExp)):
        return [node.elt, *(g.iter for g in node.generators)]
    if isinstance(node, (ast.BinOp, ast.BoolOp, ast.UnaryOp, ast.JoinedStr, ast.FormattedValue,
                         ast.Tuple, ast.List, ast.Starred, ast.Await, ast.NamedExpr)):
        return list(ast.iter_child_nodes(node))
    return []


def _module_nodes(context: Context) -> list[ast.AST]:
    """The module's own code (not its functions' or classes' bodies), listed once."""
    known = context.rule_memo.get(("sls106-module-nodes", 0))
    if isinstance(known, list):
        return known
    nodes: list[ast.AST] = []
    pending: list[ast.AST] = list(context.tree.body)
    while pending:
        node = pending.pop()
        nodes.append(node)
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            pending.extend(ast.iter_child_nodes(node))
    context.rule_memo[("sls106-module-nodes", 0)] = nodes
    return nodes


RULE = Rule(
    code="SLS106",
    name="per-process-secret",
    message="{slot} {how} {source}, a new key per process and per restart; {fix}",
    summary="A signing or encryption key is generated by the process itself.",
    rationale=(
        "A secret key drawn at start-up (`os.urandom()`, `secrets.token_hex()`, `uuid4()`, "
        "`get_random_string()`, `Fernet.generate_key()`) is different in every process. "
        "Sessions, signed cookies, CSRF tokens and JWTs issued by one process are rejected "
        "by the others, so users are logged out or see CSRF failures whenever the load "
        "balancer picks another worker, and everyone is logged out on every restart or "
        "deploy. A random fallback for a missing environment variable hides the mistake "
        "until the second replica starts. Every process must read the same key from the "
        "environment or a secrets manager."
    ),
    bad_example="""\
import os

from flask import Flask

app = Flask(__name__)
app.secret_key = os.urandom(24)
""",
    good_example="""\
import os

from flask import Flask

app = Flask(__name__)
app.secret_key = os.environ["SECRET_KEY"]
""",
    node_types=(
        ast.Assign,
        ast.AnnAssign,
        ast.Call,
        ast.Dict,
        ast.BoolOp,
        ast.FunctionDef,
        ast.AsyncFunctionDef,
    ),
    check=check,
    scope="config",
    triggers=(
        "urandom",
        "getrandom",
        "secrets",
        "random",
        "uuid1",
        "uuid4",
        "get_random_string",
        "get_random_secret_key",
        "generate_key",
        "get_random_bytes",
        "nacl",
    ),
    options=("handler-decorators", "call-depth"),
    references=(
        "https://12factor.net/config",
        "https://flask.palletsprojects.com/en/stable/config/#SECRET_KEY",
        "https://docs.djangoproject.com/en/stable/ref/settings/#secret-key",
        "https://www.tornadoweb.org/en/stable/guide/security.html#cookies-and-signed-cookies",
    ),
    notes=(
        "Reports a random value (`os.urandom()`, `secrets.token_*()`, `secrets.choice`/"
        "`random` strings, `uuid4()`, Django `get_random_string()`/"
        "`get_random_secret_key()`, `Fernet.generate_key()`, PyNaCl and PyCryptodome random "
        "bytes) given as a key: `SECRET_KEY`/`JWT_SECRET*`/`WTF_CSRF_SECRET_KEY`/"
        "`cookie_secret` settings (modules, config classes, pydantic settings defaults, "
        "`app.config[...]`, `app.secret_key`, settings dicts, `app.config.update(...)`), "
        "`SessionMiddleware(secret_key=...)`, Tornado `Application(cookie_secret=...)`, "
        "itsdangerous serializers and signers, `Fernet(...)`, Pyramid and aiohttp-session "
        "cookie factories, the default of a `tornado.options`/argparse/click/Typer option or "
        "a function parameter named like a key, and the fallback of a read "
        "(`os.environ.get(\"SECRET_KEY\", secrets.token_hex())`, "
        "`os.getenv(\"JWT_SECRET\") or ...`, `SECRET_KEY = SECRET_KEY or "
        "get_random_string(50)`). Values are followed through names and through functions "
        "of the same module that return them. Reported at the random call.",
        "Leaves alone keys read from the environment, a file or a secrets manager without a "
        "random fallback; a key generated once and written where it is read back (a key "
        "file, the app's settings store) or printed for the operator (a `generate-secret` "
        "command); option and parameter defaults of standalone scripts (modules that "
        "neither serve requests nor import a web framework or server); random defaults of "
        "model, schema, factory and dataclass fields (one per object, stored with it); "
        "random values in request-serving code other than a key setting or a "
        "signer (tokens, nonces, ids and credentials that the request stores); test code "
        "and settings, development settings and config classes, and code under `if DEBUG:`.",
    ),
)
