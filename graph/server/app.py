"""The Starlette application: GraphQL over HTTP and WebSocket, plus health endpoints."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLRequestData
from strawberry.types.unset import UNSET

from graph.context import Context
from graph.live.groups import FanOut
from graph.live.protocols import LegacyWSHandler, TransportWSHandler, WebSocketAdapter
from graph.live.sessions import Sessions
from graph.schema import build_schema
from graph.server.admin_endpoint import ROUTE_METHODS, admin_endpoint
from graph.server.caching import entity_tag, with_cache_headers
from graph.server.graphiql import (
    ASSET_DIR,
    ASSET_ROUTE,
    SIGNIN_DIR,
    SIGNIN_ROUTE,
    GraphiQLPage,
    graphiql_page,
    signin_config,
)
from graph.server.headers import bearer, request_id_of
from graph.server.limits import BodyLimit
from graph.server.media_types import GRAPHQL_RESPONSE, negotiate, request_error
from graph.server.observability import RequestLog, metrics_endpoint
from graph.server.persisted import (
    PersistedOperations,
    PersistedRefusal,
    refusal_response,
    trusted_manifest,
)
from graph.server.refusals import http_error
from services.media.worker import Worker
from services.platform import exactjson
from services.platform.errors import ServiceError
from services.platform.logs import configure_logging
from services.platform.settings import Settings
from services.platform.tracing import configure_tracing, shutdown_tracing
from services.runtime import collector
from services.runtime.health import readiness
from services.runtime.wiring import Runtime, RuntimeScope, load_revocations, poll_revocations

log = logging.getLogger("prework.app")

__all__ = ["GraphQLView", "app_from_env", "bearer", "create_app", "request_id_of"]

NOT_AN_OBJECT = "The GraphQL request must be a JSON object"


def _check_operation_name(name: object) -> None:
    """Strawberry passes any JSON value on as the operation's name: only text (or none) is."""
    if not isinstance(name, str | None):
        raise HTTPException(400, "The GraphQL operation's `operationName` must be a string")


class GraphQLView(GraphQL[Context, None]):
    """Strawberry's ASGI view with our typed context and token handling."""

    graphql_transport_ws_handler_class = TransportWSHandler
    graphql_ws_handler_class = LegacyWSHandler
    websocket_adapter_class = WebSocketAdapter

    def __init__(
        self,
        *,
        runtime_ref: Callable[[], Runtime],
        subscription_backlog: int,
        max_query_tokens: int,
        persisted: PersistedOperations | None = None,
        ide_page: GraphiQLPage | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._runtime = runtime_ref
        # APQ, documentId and trusted documents (graph/server/persisted.py)
        self.persisted = persisted or PersistedOperations()
        # equal subscriptions on this process follow one stream
        self.fanout = FanOut(backlog=subscription_backlog, max_tokens=max_query_tokens)
        # signed-in sockets, closed when their user's tokens are revoked
        self.sessions = Sessions()
        self._ide_page = ide_page
        if ide_page is not None and not ide_page.offline:
            log.info("GraphiQL loads its scripts from a CDN; `make graphiql` vendors them")

    async def render_graphql_ide(self, request: Request) -> Response:
        # Our page with the sign-in panel (graph/server/graphiql.py); None only in production,
        # where Strawberry never asks (graphql_ide is off).
        if self._ide_page is None:
            return Response(status_code=404)
        return HTMLResponse(self._ide_page.html, headers=self._ide_page.headers)

    # Exact numbers: JSON scalars (admin items) carry Decimals, and fractions in variables
    # keep their digits (a float subclass, so GraphQL Float arguments work as before).
    def decode_json(self, data: str | bytes) -> object:
        return exactjson.loads_graphql(data)

    def encode_json(self, data: object) -> str:
        # orjson underneath (several times faster than json.dumps on a page of nodes). Text,
        # not bytes: Strawberry sends bytes as binary WebSocket frames, which clients refuse.
        return exactjson.dumps(data).decode()

    def should_render_graphql_ide(self, request: Any) -> bool:
        # A GET naming its operation by hash or id is a query, not a visit to GraphiQL. (Asked
        # after Strawberry's own check, which refuses a POST before reading any parameter.)
        if not super().should_render_graphql_ide(request):
            return False
        params = request.query_params
        return "extensions" not in params and "documentId" not in params

    async def parse_http_body(self, request: Any) -> Any:
        if request.method == "POST" and "json" in (request.content_type or ""):
            # Strawberry would read a bare JSON value (`5`) as an object and fail with a 500.
            raw = self.parse_json(await request.get_body())
            if not isinstance(raw, dict | list):
                raise HTTPException(400, NOT_AN_OBJECT)
        data = await super().parse_http_body(request)
        batch = data if isinstance(data, list) else [data]
        for one in batch:
            _check_operation_name(one.operation_name)
        ids = await self._document_ids(request, len(batch))
        for one, document_id in zip(batch, ids, strict=True):
            one.query = await self.persisted.resolve(
                query=one.query, extensions=one.extensions, document_id=document_id
            )
        return data

    async def _document_ids(self, request: Any, count: int) -> list[object]:
        """Each request's `documentId` (Strawberry drops it): the body is parsed again only
        when it names one."""
        if request.method == "GET":
            return [request.query_params.get("documentId")]
        body = await request.get_body()
        if b"documentId" not in body:
            return [None] * count
        raw = self.parse_json(body)
        items = raw if isinstance(raw, list) else [raw]
        return [item.get("documentId") if isinstance(item, dict) else None for item in items]

    def create_response(self, response_data: Any, sub_response: Response) -> Response:
        # process_result chose the media type (Accept): one Content-Type, not two
        media_type = sub_response.headers.get("content-type")
        if media_type is not None:
            del sub_response.headers["content-type"]
        response = super().create_response(response_data, sub_response)
        if media_type is not None:
            response.headers["content-type"] = media_type
        return response

    async def run(self, request: Any, context: Any = UNSET, root_value: Any = UNSET) -> Any:
        # Strawberry answers a bad request (GET mutation, bad JSON, ...) in plain text.
        try:
            if context is UNSET and root_value is UNSET and self._plain_post(request):
                response = await self._run_plain_post(request)
            else:
                response = await super().run(request, context, root_value)
        except HTTPException as error:
            response = http_error(error.status_code, error.reason)
        except PersistedRefusal as refusal:
            request_id = getattr(request.state, "request_id", None)
            response = refusal_response(
                refusal, accept=request.headers.get("accept"), request_id=request_id
            )
        if isinstance(request, Request) and isinstance(response, Response):
            response = with_cache_headers(request, response, getattr(request.state, "etag", None))
        return response

    def _plain_post(self, request: Any) -> bool:
        """A POST of JSON that wants a JSON answer (not a stream): most requests. They skip
        the general path's per-request work (content-type parsing with the email package, the
        stream-transport scan, a runtime protocol check of every result: about 35 µs)."""
        if (
            not isinstance(request, Request)
            or request.method != "POST"
            or self.schema.config.batching_config is not None
        ):
            return False
        headers = request.headers
        media_type = headers.get("content-type", "").partition(";")[0].strip().lower()
        if media_type != "application/json":
            return False
        accept = headers.get("accept", "")
        return not any(stream.accepts(accept) for stream in self._stream_transport_map.values())

    async def _run_plain_post(self, request: Request) -> Response:
        """Strawberry's `run` for one JSON operation over POST, in the same order and with the
        same refusals (tests/graph/server/test_app.py runs both paths alike)."""
        sub_response = await self.get_sub_response(request)
        context = await self.get_context(request, response=sub_response)
        data = self.parse_json(await request.body())
        if isinstance(data, list):
            raise HTTPException(400, "Batching is not enabled")
        if not isinstance(data, dict):
            raise HTTPException(400, NOT_AN_OBJECT)
        query, variables = data.get("query"), data.get("variables")
        extensions, operation_name = data.get("extensions"), data.get("operationName")
        if not isinstance(query, str | None):
            raise HTTPException(
                400, "The GraphQL operation's `query` must be a string or null, if provided."
            )
        if not isinstance(variables, dict | None):
            raise HTTPException(
                400, "The GraphQL operation's `variables` must be an object or null, if provided."
            )
        if not isinstance(extensions, dict | None):
            raise HTTPException(
                400,
                "The GraphQL operation's `extensions` must be an object or null, if provided.",
            )
        _check_operation_name(operation_name)
        query = await self.persisted.resolve(
            query=query, extensions=extensions, document_id=data.get("documentId")
        )
        result = await self.execute_single(
            request=request,
            request_adapter=self.request_adapter_class(request),
            sub_response=sub_response,
            context=context,
            root_value=None,
            request_data=GraphQLRequestData(
                query=query,
                variables=variables,
                operation_name=operation_name,
                extensions=extensions,
            ),
        )
        return self.create_response(await self.process_result(request, result), sub_response)

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        runtime = self._runtime()
        # RequestLog (outermost middleware) chose it; the fallback serves apps built without it.
        request_id = getattr(request.state, "request_id", None) or request_id_of(request.headers)
        request.state.request_id = request_id
        context = Context(
            runtime=runtime, request_id=request_id, request=request, response=response
        )
        token = bearer(request.headers.get("authorization"))
        if token is not None:
            await self._authenticate(context, token)
        if isinstance(response, Response):
            response.headers["X-Request-Id"] = request_id
            request.state.sub_response = response
        return context

    async def _authenticate(self, context: Context, token: str) -> None:
        try:
            context.identity = await context.runtime.verifier.verify(token)
        except ServiceError as error:
            context.identity, context.auth_error = None, error
        context.refresh()

    async def process_result(self, request: Request, result: Any) -> Any:
        # Parse failures never reach operation extensions; give them their code here too.
        body: dict[str, Any] = dict(await super().process_result(request, result))
        request_id = getattr(request.state, "request_id", None)
        for error in body.get("errors") or []:
            extensions = error.setdefault("extensions", {})
            if "code" not in extensions:
                message = str(error.get("message", ""))
                extensions["code"] = (
                    "GRAPHQL_PARSE_FAILED"
                    if message.startswith("Syntax Error")
                    else "GRAPHQL_VALIDATION_FAILED"
                )
            if request_id:
                extensions.setdefault("requestId", request_id)
        sub_response = getattr(request.state, "sub_response", None)
        if (
            sub_response is not None
            and negotiate(request.headers.get("accept")) == GRAPHQL_RESPONSE
        ):
            # GraphQL over HTTP: a request error (nothing executed) is a 4xx without `data`
            sub_response.headers["content-type"] = f"{GRAPHQL_RESPONSE}; charset=utf-8"
            if request_error(body):
                body.pop("data", None)
                if (sub_response.status_code or 200) < 400:
                    sub_response.status_code = 400
        if request.method == "GET" and not body.get("errors"):
            request.state.etag = entity_tag(body.get("data"))  # graph/server/caching.py
        return body

    async def on_ws_connect(self, context: Context) -> dict[str, object] | None:
        params = context.connection_params or {}
        raw = params.get("Authorization") or params.get("authorization")
        token = bearer(raw) if isinstance(raw, str) else None
        # The context keeps the params as long as the socket is open: not the token (~1 kB).
        params.pop("Authorization", None)
        params.pop("authorization", None)
        if token is not None:
            await self._authenticate(context, token)
            if context.identity is None:
                # A bad token closes the socket (4403) instead of running anonymous.
                raise ConnectionRejectionError({"message": "invalid token"})
            self.sessions.add(context.identity.user_id, context.request)
        # The handshake's headers were read (the request id, the token, the origin) and are
        # not read again; the ASGI scope would keep them (about 1 kB) while the socket is open.
        context.request.scope["headers"].clear()
        return None


def create_app(
    settings: Settings,
    *,
    on_startup: list[Callable[[Runtime], Any]] | None = None,
    local_stack: bool = False,
) -> Starlette:
    """The ASGI app. Clients open at start-up and close at shutdown (the lifespan).

    `local_stack`: served on the embedded local stack (`make run`), so GraphiQL may offer
    the demo people.
    """
    holder: dict[str, Runtime] = {}
    tracer_provider = configure_tracing(settings)

    def runtime() -> Runtime:
        return holder["runtime"]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            async with _running(app) as opened:
                holder["runtime"] = opened
                yield
        finally:
            shutdown_tracing()  # exports buffered spans

    @asynccontextmanager
    async def _running(app: Starlette) -> AsyncIterator[Runtime]:
        async with RuntimeScope(settings) as opened:
            holder["runtime"] = opened
            app.state.runtime = opened
            view.sessions.watch(opened.verifier.revocations)
            view.persisted.documents = opened.documents
            if settings.trusted_documents:
                view.persisted.trusted = await trusted_manifest(
                    aws=opened.aws, source=settings.trusted_documents, schema=schema._schema
                )
            await _load_revocations(opened)
            await opened.verifier.prefetch()
            poller = asyncio.create_task(
                poll_revocations(opened, every=settings.revocation_poll_seconds),
                name="revocations-poll",
            )
            for hook in on_startup or []:
                result = hook(opened)
                if hasattr(result, "__await__"):
                    await result
            collector.settle(threshold=settings.gc_threshold)
            try:
                async with _upload_worker(app, opened) as running:
                    yield running
            finally:
                poller.cancel()
                await asyncio.gather(poller, return_exceptions=True)

    schema = build_schema(settings, tracer_provider=tracer_provider)
    ide = settings.env != "production"
    view = GraphQLView(
        runtime_ref=runtime,
        schema=schema,
        graphql_ide="graphiql" if ide else None,
        ide_page=graphiql_page(signin_config(settings, local_stack=local_stack)) if ide else None,
        connection_init_wait_timeout=timedelta(seconds=settings.connection_init_timeout_seconds),
        max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
        subscription_backlog=settings.subscription_backlog,
        max_query_tokens=settings.max_query_tokens,
        persisted=PersistedOperations(
            enabled=settings.persisted_queries, max_bytes=settings.persisted_query_max_bytes
        ),
        # Browsers send Origin on the WebSocket handshake and Strawberry refuses cross-origin
        # pages not listed (403): the pages allowed to call /graphql over HTTP may subscribe.
        allowed_origins=settings.cors_allowed_origins,
    )

    async def healthz(_: Request) -> Response:
        # Liveness: the process answers. Dependencies are /readyz's business.
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        state = await readiness(runtime())
        return JSONResponse(state.as_json(), status_code=200 if state.ready else 503)

    # Browsers on the configured origins (the web frontend) may call /graphql directly.
    # Only this route: /endpoint answers OPTIONS itself, as seed 003 specifies.
    graphql_http = CORSMiddleware(
        view,
        allow_origins=settings.cors_allowed_origins,
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "X-Request-Id"],
        expose_headers=["X-Request-Id"],
        max_age=600,
    )
    routes: list[BaseRoute] = [
        Route("/graphql", graphql_http),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics_endpoint),
        Route("/endpoint", admin_endpoint, methods=ROUTE_METHODS),
    ]
    if view.graphql_ide:
        routes.append(Mount(SIGNIN_ROUTE, StaticFiles(directory=SIGNIN_DIR)))
        if ASSET_DIR.is_dir():
            routes.append(Mount(ASSET_ROUTE, StaticFiles(directory=ASSET_DIR, check_dir=False)))

    app = Application(
        sockets=view,
        middleware=[
            Middleware(RequestLog),
            Middleware(
                BodyLimit, max_bytes=settings.max_body_bytes, max_url_bytes=settings.max_url_bytes
            ),
        ],
        routes=routes,
        lifespan=lifespan,
    )
    app.state.fanout = view.fanout  # the subscription groups, for tests and debugging
    return app


class Application(Starlette):
    """Starlette, with WebSocket connections to /graphql going straight to the GraphQL view.

    The HTTP middleware (request log, body limits, Starlette's error and exception handlers)
    does nothing for a socket but keep a coroutine frame each for the socket's life, and
    wrap every send; at 10,000 subscribers a process that is memory and CPU (bench/notes.md).
    (The request id, which RequestLog sets for HTTP, the view reads from the headers.)
    """

    def __init__(self, *, sockets: ASGIApp, **options: Any) -> None:
        super().__init__(**options)
        self.sockets = sockets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and scope["path"] == "/graphql":
            scope["app"] = self
            await self.sockets(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


@asynccontextmanager
async def _upload_worker(app: Starlette, opened: Runtime) -> AsyncIterator[Runtime]:
    """`make run`: the upload worker lives in the API process, on its event loop."""
    settings = opened.settings
    if not settings.worker_in_process:
        yield opened
        return
    worker = Worker(runtime=opened)
    app.state.worker = worker
    task = asyncio.create_task(worker.run(), name="upload-worker")
    app.state.worker_task = task
    try:
        yield opened
    finally:
        worker.stop()
        # The batch in hand finishes; a stuck one is cancelled and SQS redelivers it.
        try:
            await asyncio.wait_for(task, timeout=settings.worker_visibility_timeout)
        except TimeoutError:
            log.warning("the upload worker did not stop in time; cancelled")
        except Exception:
            log.exception("the upload worker failed")


async def _load_revocations(runtime: Runtime) -> None:
    """The deny-list at start: the stored revocation list (one GetItem, no Scan)."""
    try:
        await load_revocations(runtime)
    except Exception as error:  # AWS down at start: serve; the poll fills the list shortly
        log.warning("could not rebuild the revocation list: %r", error)


def app_from_env() -> Starlette:
    """Factory for `uvicorn --factory` with several workers: settings from the environment.

    Runs in each worker process, so logging is configured here too (workers are spawned,
    they do not inherit the parent's handlers).
    """
    settings = Settings()
    configure_logging(settings.log_level)
    return create_app(settings)
