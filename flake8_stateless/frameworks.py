"""What request-serving code looks like in each framework: data only, no logic.

Names are qualified (``flask.Flask``), as the context resolves them through the module's
imports. Add a framework by adding rows here.
"""

from __future__ import annotations

import re

HTTP_VERBS = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "trace", "connect"}
)

WEB_PACKAGES = frozenset(
    {
        "aiohttp",
        "apiflask",
        "bottle",
        "channels",
        "connexion",
        "django",
        "falcon",
        "fastapi",
        "flask",
        "flask_restful",
        "flask_restx",
        "flask_smorest",
        "flask_socketio",
        "litestar",
        "ninja",
        "pyramid",
        "quart",
        "rest_framework",
        "sanic",
        "socketio",
        "starlette",
        "tornado",
        "celery",
        "dramatiq",
        "rq",
        "huey",
    }
)
"""Top-level packages whose import marks a module as part of a web (or worker) app."""

APP_CLASSES = frozenset(
    {
        "flask.Flask",
        "flask.Blueprint",
        "quart.Quart",
        "quart.Blueprint",
        "apiflask.APIFlask",
        "apiflask.APIBlueprint",
        "flask_smorest.Blueprint",
        "fastapi.FastAPI",
        "fastapi.APIRouter",
        "fastapi.routing.APIRouter",
        "starlette.applications.Starlette",
        "starlette.routing.Router",
        "sanic.Sanic",
        "sanic.Blueprint",
        "aiohttp.web.RouteTableDef",
        "socketio.Server",
        "socketio.AsyncServer",
        "flask_socketio.SocketIO",
        "celery.Celery",
        "huey.RedisHuey",
        "huey.Huey",
        "ninja.NinjaAPI",
        "ninja.Router",
        "bottle.Bottle",
        "litestar.Router",
    }
)
"""Objects whose decorator methods register handlers (``@app.route``, ``@sio.on``)."""

HANDLER_DECORATOR_METHODS = frozenset(
    HTTP_VERBS
    | {
        "route",
        "api_route",
        "websocket",
        "websocket_route",
        "ws",
        "before_request",
        "after_request",
        "before_app_request",
        "after_app_request",
        "teardown_request",
        "teardown_appcontext",
        "context_processor",
        "errorhandler",
        "app_errorhandler",
        "exception_handler",
        "middleware",
        "on",
        "event",
        "task",
        "periodic_task",
        "view",
        "endpoint",
    }
)
"""Decorator method names that register a request, event or task handler.

Startup hooks (``on_event``, ``before_first_request``, ``listener``) are absent on purpose:
they run once per process, like import-time code."""

AMBIGUOUS_DECORATOR_METHODS = frozenset(HTTP_VERBS | {"on", "event", "task", "view"})
"""Method names common outside web frameworks: trusted only on a receiver that is not
bound to some other library's object."""

SOCKET_RECEIVER_HINTS = ("sio", "socket")
"""``@x.on``/``@x.event`` counts when ``x`` is unresolved only if its name says Socket.IO."""

HANDLER_DECORATORS = frozenset(
    {
        # Celery, RQ, Dramatiq, Huey
        "celery.shared_task",
        "celery.task",
        "rq.job",
        "rq.decorators.job",
        "dramatiq.actor",
        "huey.contrib.djhuey.task",
        "huey.contrib.djhuey.db_task",
        # Django and DRF
        "rest_framework.decorators.api_view",
        "rest_framework.decorators.action",
        "django.views.decorators.http.require_http_methods",
        "django.views.decorators.http.require_GET",
        "django.views.decorators.http.require_POST",
        "django.views.decorators.http.require_safe",
        "django.views.decorators.csrf.csrf_exempt",
        "django.contrib.auth.decorators.login_required",
        "django.contrib.auth.decorators.permission_required",
        # Pyramid
        "pyramid.view.view_config",
        # Litestar
        "litestar.get",
        "litestar.post",
        "litestar.put",
        "litestar.patch",
        "litestar.delete",
        "litestar.head",
        "litestar.route",
        "litestar.websocket",
        "litestar.websocket_listener",
        "litestar.handlers.get",
        "litestar.handlers.post",
        "litestar.handlers.put",
        "litestar.handlers.patch",
        "litestar.handlers.delete",
        "litestar.handlers.route",
        "litestar.handlers.websocket",
        # Flask extensions that only wrap views
        "flask_login.login_required",
    }
)
"""Decorators that mark a function as a handler wherever they appear."""

CLASS_KIND_BY_BASE = {
    # Django class-based views
    "django.views.View": "django",
    "django.views.generic.View": "django",
    "django.views.generic.base.View": "django",
    "django.views.generic.TemplateView": "django",
    "django.views.generic.ListView": "django",
    "django.views.generic.DetailView": "django",
    "django.views.generic.FormView": "django",
    "django.views.generic.CreateView": "django",
    "django.views.generic.UpdateView": "django",
    "django.views.generic.DeleteView": "django",
    "django.views.generic.RedirectView": "django",
    # Django REST framework
    "rest_framework.views.APIView": "drf",
    "rest_framework.generics.GenericAPIView": "drf",
    "rest_framework.viewsets.ViewSet": "drf",
    "rest_framework.viewsets.GenericViewSet": "drf",
    "rest_framework.viewsets.ModelViewSet": "drf",
    "rest_framework.viewsets.ReadOnlyModelViewSet": "drf",
    "rest_framework.viewsets.ViewSetMixin": "drf",
    # Channels consumers: every method handles a message type
    "channels.generic.websocket.WebsocketConsumer": "consumer",
    "channels.generic.websocket.AsyncWebsocketConsumer": "consumer",
    "channels.generic.websocket.JsonWebsocketConsumer": "consumer",
    "channels.generic.websocket.AsyncJsonWebsocketConsumer": "consumer",
    "channels.consumer.AsyncConsumer": "consumer",
    "channels.consumer.SyncConsumer": "consumer",
    "channels.generic.http.AsyncHttpConsumer": "consumer",
    # Flask, Flask-RESTful, Flask-RESTX
    "flask.views.MethodView": "verbs",
    "flask.views.View": "flask_view",
    "flask_restful.Resource": "verbs",
    "flask_restx.Resource": "verbs",
    # aiohttp, Tornado, Starlette, Sanic
    "aiohttp.web.View": "verbs",
    "tornado.web.RequestHandler": "tornado",
    "tornado.websocket.WebSocketHandler": "tornado",
    # sockjs-tornado: one connection object per browser session
    "sockjs.tornado.SockJSConnection": "sockjs",
    "sockjs.tornado.conn.SockJSConnection": "sockjs",
    "starlette.endpoints.HTTPEndpoint": "verbs",
    "starlette.endpoints.WebSocketEndpoint": "starlette_ws",
    "sanic.views.HTTPMethodView": "verbs",
    # Socket.IO class-based namespaces
    "socketio.Namespace": "on_methods",
    "socketio.AsyncNamespace": "on_methods",
    "flask_socketio.Namespace": "on_methods",
    # OctoPrint plugins: the API of a SimpleApiPlugin (one plugin object per process)
    "octoprint.plugin.SimpleApiPlugin": "octoprint_api",
    "octoprint.plugin.types.SimpleApiPlugin": "octoprint_api",
    # Celery class-based tasks
    "celery.Task": "celery_task",
    "celery.app.task.Task": "celery_task",
}
"""Base classes whose subclasses serve requests, and which of their methods do."""

VENDORED_BASES = ("sockjs.tornado.SockJSConnection", "sockjs.tornado.conn.SockJSConnection")
"""Bases an app may vendor inside its own package (OctoPrint's
``octoprint.vendor.sockjs.tornado.SockJSConnection``): a qualified name ending with one of
these after a dot names the same class (see :func:`class_kind_by_base`)."""


def class_kind_by_base(qualified: str) -> str | None:
    """The kind of a request-serving base class by its qualified name, vendored copies
    of the bases in ``VENDORED_BASES`` included."""
    kind = CLASS_KIND_BY_BASE.get(qualified)
    if kind is None:
        for base in VENDORED_BASES:
            if qualified.endswith("." + base):
                return CLASS_KIND_BY_BASE[base]
    return kind


CONNECTION_CLASS_KINDS = frozenset({"tornado", "consumer", "starlette_ws", "sockjs"})
"""Handler classes instantiated once per connection: ``self`` is the connection."""

BASE_NAME_SUFFIX_KINDS = (
    ("ViewSet", "drf"),
    ("APIView", "drf"),
    ("View", "django"),
    ("Consumer", "consumer"),
    ("HTTPEndpoint", "verbs"),
    ("Handler", "tornado"),
)
"""For a base class imported from the project itself (``from .base import BaseView``,
JupyterHub's ``from ..handlers import APIHandler``): the name's ending tells the kind.
Only the kind's handler methods count (``get``, ``post``... for a ``*Handler``), and
standard-library bases (``logging.Handler``) never do."""

REQUEST_METHODS_BY_KIND: dict[str, frozenset[str]] = {
    "verbs": HTTP_VERBS,
    "django": HTTP_VERBS
    | {
        "dispatch",
        "setup",
        "get_context_data",
        "get_queryset",
        "get_object",
        "form_valid",
        "form_invalid",
        "get_form_kwargs",
        "get_success_url",
        "render_to_response",
    },
    "drf": HTTP_VERBS
    | {
        "dispatch",
        "initial",
        "list",
        "create",
        "retrieve",
        "update",
        "partial_update",
        "destroy",
        "perform_create",
        "perform_update",
        "perform_destroy",
        "get_queryset",
        "get_object",
        "get_serializer_context",
        "finalize_response",
    },
    "tornado": HTTP_VERBS
    | {"prepare", "on_finish", "initialize", "open", "on_message", "on_close"},
    "starlette_ws": frozenset({"on_connect", "on_receive", "on_disconnect"}),
    "sockjs": frozenset({"on_open", "on_message", "on_close"}),
    "flask_view": frozenset({"dispatch_request"}),
    "celery_task": frozenset({"run", "on_success", "on_failure", "after_return"}),
    "octoprint_api": frozenset({"on_api_command", "on_api_get"}),
}
"""Kinds absent here (``consumer``, ``on_methods``, ``falcon``) are decided by rule:
every public method, ``on_*`` methods, and Falcon's ``on_<verb>[_suffix]`` responders."""

SHARED_SELF_KINDS = frozenset({"falcon", "octoprint_api"})
"""Class kinds whose one object serves every request: Falcon resources are added once
with ``add_route``, an OctoPrint plugin is loaded once per process."""


ENDPOINT_REGISTRARS = frozenset(
    {
        "starlette.routing.Route",
        "starlette.routing.WebSocketRoute",
        "aiohttp.web.get",
        "aiohttp.web.post",
        "aiohttp.web.put",
        "aiohttp.web.patch",
        "aiohttp.web.delete",
        "aiohttp.web.route",
        "aiohttp.web.view",
    }
)
"""Functions that register handlers passed to them (qualified call names)."""

ENDPOINT_REGISTRAR_METHODS = frozenset(
    {
        "add_url_rule",
        "add_api_route",
        "add_api_websocket_route",
        "add_route",
        "add_websocket_route",
        "add_get",
        "add_post",
        "add_put",
        "add_patch",
        "add_delete",
        "register_error_handler",
    }
)
"""Methods that register handlers passed to them (``app.add_url_rule(...)``): any
argument naming a function of this module is a handler."""

NON_REQUEST_FUNCTION_NAMES = frozenset({"main", "cli", "run", "create_app", "make_app"})
"""Top-level entry points that never serve a request themselves."""

TASK_DECORATORS = frozenset(
    {
        "celery.shared_task",
        "celery.task",
        "rq.job",
        "rq.decorators.job",
        "dramatiq.actor",
        "huey.contrib.djhuey.task",
        "huey.contrib.djhuey.db_task",
    }
)
"""Handler decorators whose functions run in a task worker, not while serving a request
(messages say "in a task")."""

TASK_DECORATOR_METHODS = frozenset({"task", "periodic_task", "actor"})
"""``@app.task``-style decorator methods: task handlers."""

TASK_CLASS_KINDS = frozenset({"celery_task"})
"""Class kinds whose handler methods run in a task worker."""

FALCON_RESPONDER = re.compile(r"on_(get|post|put|patch|delete|head|options)(_\w+)?$")
"""Falcon responder method names (``on_get``, ``on_post_collection``)."""

MEMO_DECORATORS = frozenset({"lru_cache", "cache", "memoize", "memoized"})
"""Last names of decorators that memoise a function's results per process for good
(``@cached(ttl=...)`` and ``@ttl_cache`` expire their entries: revalidated by time)."""
