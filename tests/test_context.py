"""Which functions serve requests, framework by framework (the "Scope" of rules.md)."""

from __future__ import annotations

import ast
import textwrap

import pytest

from flake8_stateless.context import FUNCTION_TYPES, Context, PathFacts
from flake8_stateless.options import Settings
from flake8_stateless.semantic.walk import walk


def serving(source: str, filename: str = "app.py", settings: Settings | None = None) -> set[str]:
    """Names of the request-serving functions (``Class.method`` for methods)."""
    tree = ast.parse(textwrap.dedent(source))
    context = Context(tree, filename, settings or Settings())
    walk(tree, context.handlers(), frozenset())
    context.finish()
    names = set()
    for function in context.functions:
        if context.is_request_serving(function):
            cls = context.method_class.get(id(function))
            names.add(f"{cls.name}.{function.name}" if cls else function.name)
    return names


FRAMEWORKS = {
    "flask": (
        """
        from flask import Flask as F, Blueprint
        app = F(__name__)
        bp = Blueprint("b", __name__)
        @app.route("/")
        def index(): ...
        @bp.get("/x")
        def x(): ...
        @app.before_request
        def before(): ...
        @app.errorhandler(404)
        def missing(e): ...
        def registered(): ...
        app.add_url_rule("/r", view_func=registered)
        @app.cli.command()
        def seed(): ...
        """,
        {"index", "x", "before", "missing", "registered"},
    ),
    "fastapi": (
        """
        import fastapi as fa
        from starlette.routing import Route, WebSocketRoute
        api = fa.FastAPI()
        router = fa.APIRouter()
        @api.get("/")
        async def root(): ...
        @router.post("/items")
        def create(): ...
        @api.websocket("/ws")
        async def ws(websocket): ...
        @api.on_event("startup")
        async def startup(): ...
        async def homepage(request): ...
        async def socket(websocket): ...
        routes = [Route("/", homepage), WebSocketRoute("/ws2", endpoint=socket)]
        """,
        {"root", "create", "ws", "homepage", "socket"},
    ),
    "django-views": (
        """
        from django.views.generic import ListView
        from django.contrib.auth.decorators import login_required
        def index(request): ...
        def _helper(value): ...
        @login_required
        def profile(req): ...
        class Books(ListView):
            def get_queryset(self): ...
            def get_template_names(self): ...
        """,
        {"index", "profile", "Books.get_queryset"},
    ),
    "drf": (
        """
        from rest_framework import viewsets
        from rest_framework.decorators import api_view, action
        from rest_framework.views import APIView
        @api_view(["GET"])
        def ping(request): ...
        class Orders(viewsets.ModelViewSet):
            def perform_create(self, serializer): ...
            @action(detail=True)
            def refund(self, request, pk=None): ...
            def get_serializer_class(self): ...
        class Health(APIView):
            def get(self, request): ...
        """,
        {"ping", "Orders.perform_create", "Orders.refund", "Health.get"},
    ),
    "channels": (
        """
        from channels.generic.websocket import AsyncJsonWebsocketConsumer
        class Chat(AsyncJsonWebsocketConsumer):
            async def connect(self): ...
            async def chat_message(self, event): ...
            def __str__(self): ...
        """,
        {"Chat.connect", "Chat.chat_message"},
    ),
    "aiohttp": (
        """
        from aiohttp import web
        routes = web.RouteTableDef()
        @routes.get("/")
        async def hello(request): ...
        async def bye(request): ...
        class Items(web.View):
            async def post(self): ...
        app = web.Application()
        app.router.add_get("/bye", bye)
        """,
        {"hello", "bye", "Items.post"},
    ),
    "tornado": (
        """
        import tornado.web, tornado.websocket
        class Main(tornado.web.RequestHandler):
            def get(self): ...
            def compute(self): ...
        class Echo(tornado.websocket.WebSocketHandler):
            def on_message(self, message): ...
        """,
        {"Main.get", "Echo.on_message"},
    ),
    "sanic": (
        """
        from sanic import Sanic
        from sanic.views import HTTPMethodView
        app = Sanic("s")
        @app.route("/")
        async def index(request): ...
        @app.listener("before_server_start")
        async def setup(app, loop): ...
        class Simple(HTTPMethodView):
            async def get(self, request): ...
        """,
        {"index", "Simple.get"},
    ),
    "litestar": (
        """
        from litestar import Controller, get, post as p
        @get("/")
        async def index() -> str: ...
        class Users(Controller):
            @p("/users")
            async def create(self) -> None: ...
        """,
        {"index", "Users.create"},
    ),
    "pyramid": (
        """
        from pyramid.view import view_config
        @view_config(route_name="home")
        def home(request): ...
        """,
        {"home"},
    ),
    "falcon": (
        """
        import falcon
        class Things:
            def on_get(self, req, resp): ...
            def on_post_collection(self, req, resp): ...
            def helper(self): ...
        """,
        {"Things.on_get", "Things.on_post_collection"},
    ),
    "socketio": (
        """
        import socketio
        from flask_socketio import SocketIO
        sio = socketio.AsyncServer()
        socketio_app = SocketIO()
        @sio.event
        async def connect(sid, environ): ...
        @sio.on("chat")
        async def chat(sid, data): ...
        @socketio_app.on("join")
        def join(data): ...
        class Ns(socketio.AsyncNamespace):
            async def on_message(self, sid, data): ...
        """,
        {"connect", "chat", "join", "Ns.on_message"},
    ),
    "sockjs": (
        """
        import sockjs.tornado
        import octoprint.vendor.sockjs.tornado
        from app.vendor.sockjs.tornado.conn import SockJSConnection as Vendored
        from notsockjs.tornado import SockJSConnection as LookAlike
        class Chat(sockjs.tornado.SockJSConnection):
            def on_open(self, info): ...
            def on_message(self, message): ...
            def on_close(self): ...
            def send_all(self, message): ...
        class Printer(octoprint.vendor.sockjs.tornado.SockJSConnection):
            def on_message(self, message): ...
        class Feed(Vendored):
            def on_open(self, info): ...
        class Other(LookAlike):
            def on_open(self, info): ...
        """,
        {"Chat.on_open", "Chat.on_message", "Chat.on_close", "Printer.on_message", "Feed.on_open"},
    ),
    "tasks": (
        """
        import dramatiq
        from celery import Celery, shared_task
        from rq import job
        app = Celery("t")
        @app.task
        def add(x, y): ...
        @shared_task(bind=True)
        def mail(self): ...
        @dramatiq.actor
        def count(url): ...
        @job("default")
        def resize(path): ...
        """,
        {"add", "mail", "count", "resize"},
    ),
}


@pytest.mark.parametrize("framework", sorted(FRAMEWORKS))
def test_handlers_per_framework(framework: str) -> None:
    source, expected = FRAMEWORKS[framework]
    filename = "shop/views.py" if framework == "django-views" else "app.py"
    assert serving(source, filename) == expected


def test_called_functions_follow_the_call_graph_up_to_the_depth() -> None:
    source = """
        from flask import Flask
        app = Flask(__name__)
        @app.get("/")
        def index():
            one()
        def one():
            two()
        def two():
            three()
        def three(): ...
        def unrelated(): ...
        def main():
            one()
        """
    assert serving(source) == {"index", "one", "two", "three"}
    assert serving(source, settings=Settings(call_depth=1)) == {"index", "one"}
    assert serving(source, settings=Settings(call_depth=0)) == {"index"}


def test_methods_called_through_self_and_nested_closures() -> None:
    source = """
        from django.views import View
        class Page(View):
            def get(self, request):
                def inner(): ...
                def later(): ...  # built and handed back, never run by this request
                inner()
                self.callback = later
                return self.render()
            def render(self): ...
            def unused(self): ...
        def create_app():
            from flask import Flask
            app = Flask("x")
            @app.route("/")
            def index(): ...
            return app
        """
    assert serving(source) == {"Page.get", "inner", "Page.render", "index"}


def test_unresolved_receivers_and_other_libraries() -> None:
    source = """
        import typer
        from .app import app, router
        cli = typer.Typer()
        @app.route("/")
        def index(): ...
        @router.get("/x")
        def x(): ...
        @cli.command()
        def command(): ...
        @emitter.on("event")
        def on_event(): ...
        @client.event
        async def on_ready(): ...
        """
    assert serving(source) == {"index", "x"}


def test_project_base_classes_by_name() -> None:
    source = """
        import logging
        from ..handlers import APIHandler
        from .base import BaseView
        class Users(APIHandler):
            async def get(self): ...
            def helper(self): ...
        class Page(BaseView):
            def post(self, request): ...
        class Log(logging.Handler):
            def emit(self, record): ...
            def get(self): ...
        """
    assert serving(source) == {"Users.get", "Page.post"}


def test_own_decorators_by_name_or_glob() -> None:
    source = """
        from ourframework import api
        @api.expose("/a")
        def a(): ...
        @handlers.rpc
        def b(): ...
        """
    assert serving(source) == set()
    settings = Settings(handler_decorators=("api.expose", "*.rpc"))
    assert serving(source, settings=settings) == {"a", "b"}


@pytest.mark.parametrize(
    "filename",
    ["tests/test_views.py", "app/tests.py", "conftest.py", "shop/management/commands/seed.py",
     "shop/migrations/0001_initial.py", "views_test.py"],
)
def test_tests_commands_and_migrations_never_serve(filename: str) -> None:
    source = """
        from flask import Flask
        app = Flask(__name__)
        @app.get("/")
        def index(): ...
        """
    assert serving(source, filename) == set()


@pytest.mark.parametrize(
    ("filename", "test", "dev"),
    [
        ("mysite/settings_test.py", True, False),
        ("mysite/settings/testing.py", True, False),
        ("mysite/settings/dev.py", False, True),
        ("config/settings_local.py", False, True),
        ("devproject/settings.py", False, True),
        ("mysite/settings/production.py", False, False),
        ("shop/latest.py", False, False),
        ("devices/settings.py", False, False),
    ],
)
def test_path_facts(filename: str, test: bool, dev: bool) -> None:
    facts = PathFacts.from_filename(filename)
    assert (facts.is_test, facts.is_dev_settings) == (test, dev)


def test_function_types_are_the_scopes() -> None:
    assert set(FUNCTION_TYPES) == {ast.FunctionDef, ast.AsyncFunctionDef}


def test_the_walk_skips_context_markers_unless_a_rule_wants_them() -> None:
    """``ctx`` markers (Load/Store/Del) are a third of a body's nodes and no built-in
    check asks for them; a rule pack that does still gets them, and nothing else changes:
    the same nodes in the same order."""
    tree = ast.parse("def f(a):\n    b = a.x[0]\n    return [c for c in b]\n")
    every = [n for n in ast.walk(tree) if not isinstance(n, ast.expr_context)]
    wanted = frozenset({ast.Name, ast.Attribute, ast.Subscript, ast.comprehension})
    skipping = walk(tree, {}, wanted)
    stores = walk(tree, {}, wanted | {ast.Store})
    assert {t: [id(n) for n, _ in b] for t, b in skipping.items()} == {
        t: [id(n) for n, _ in b] for t, b in stores.items() if t is not ast.Store
    }
    assert len(stores[ast.Store]) == 2  # b and c
    assert sum(len(b) for b in skipping.values()) == sum(
        isinstance(n, tuple(wanted)) for n in every
    )
