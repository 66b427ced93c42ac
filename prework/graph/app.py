"""The Starlette application: GraphQL over HTTP and WebSocket, plus health endpoints."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError

from prework.graph.context import Context
from prework.graph.ide import ASSET_DIR, ASSET_ROUTE, graphiql_page
from prework.graph.limits import BodyLimit
from prework.graph.observability import RequestLog, metrics_endpoint, request_id_of
from prework.graph.schema import build_schema
from prework.services.container import Services, ServicesScope
from prework.services.errors import ServiceError
from prework.services.health import readiness
from prework.services.logs import configure_logging
from prework.services.settings import Settings
from prework.services.tracing import configure_tracing, shutdown_tracing

log = logging.getLogger("prework.app")

__all__ = ["GraphQLView", "app_from_env", "bearer", "create_app", "request_id_of"]


def bearer(value: str | None) -> str | None:
    if not value:
        return None
    scheme, _, token = value.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


class GraphQLView(GraphQL[Context, None]):
    """Strawberry's ASGI view with our typed context and token handling."""

    def __init__(self, *, services_ref: Callable[[], Services], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._services = services_ref
        self._ide_page, self.ide_offline = graphiql_page()
        if not self.ide_offline:
            log.info("GraphiQL loads its scripts from a CDN; `make graphiql` vendors them")

    async def render_graphql_ide(self, request: Request) -> Response:
        # Vendored assets when present (closed networks), else Strawberry's CDN page.
        return HTMLResponse(self._ide_page)

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        services = self._services()
        # RequestLog (outermost middleware) chose it; the fallback serves apps built without it.
        request_id = getattr(request.state, "request_id", None) or request_id_of(request.headers)
        request.state.request_id = request_id
        context = Context(
            services=services, request_id=request_id, request=request, response=response
        )
        token = bearer(request.headers.get("authorization"))
        if token is not None:
            await self._authenticate(context, token)
        if isinstance(response, Response):
            response.headers["X-Request-Id"] = request_id
        return context

    async def _authenticate(self, context: Context, token: str) -> None:
        try:
            context.identity = await context.services.verifier.verify(token)
        except ServiceError as error:
            context.identity, context.auth_error = None, error
        context.refresh()

    async def on_ws_connect(self, context: Context) -> dict[str, object] | None:
        params = context.connection_params or {}
        raw = params.get("Authorization") or params.get("authorization")
        token = bearer(raw) if isinstance(raw, str) else None
        if token is not None:
            await self._authenticate(context, token)
            if context.identity is None:
                # A bad token closes the socket (4403) instead of running anonymous.
                raise ConnectionRejectionError({"message": "invalid token"})
        return None


def create_app(
    settings: Settings, *, on_startup: list[Callable[[Services], Any]] | None = None
) -> Starlette:
    """The ASGI app. Clients open at start-up and close at shutdown (the lifespan)."""
    holder: dict[str, Services] = {}
    tracer_provider = configure_tracing(settings)

    def services() -> Services:
        return holder["services"]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        try:
            async with ServicesScope(settings) as opened:
                holder["services"] = opened
                app.state.services = opened
                for hook in on_startup or []:
                    result = hook(opened)
                    if hasattr(result, "__await__"):
                        await result
                yield
        finally:
            shutdown_tracing()  # exports buffered spans

    view = GraphQLView(
        services_ref=services,
        schema=build_schema(settings, tracer_provider=tracer_provider),
        graphql_ide="graphiql" if settings.env != "production" else None,
        connection_init_wait_timeout=timedelta(seconds=settings.connection_init_timeout_seconds),
        max_subscriptions_per_connection=settings.max_subscriptions_per_connection,
    )

    async def healthz(_: Request) -> Response:
        # Liveness: the process answers. Dependencies are /readyz's business.
        return JSONResponse({"status": "ok"})

    async def readyz(_: Request) -> Response:
        state = await readiness(services())
        return JSONResponse(state.as_json(), status_code=200 if state.ready else 503)

    routes: list[BaseRoute] = [
        Route("/graphql", view),
        WebSocketRoute("/graphql", view),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/metrics", metrics_endpoint),
    ]
    if view.graphql_ide:
        routes.append(Mount(ASSET_ROUTE, StaticFiles(directory=ASSET_DIR, check_dir=False)))

    return Starlette(
        middleware=[
            Middleware(RequestLog),
            Middleware(BodyLimit, max_bytes=settings.max_body_bytes),
        ],
        routes=routes,
        lifespan=lifespan,
    )


def app_from_env() -> Starlette:
    """Factory for `uvicorn --factory` with several workers: settings from the environment.

    Runs in each worker process, so logging is configured here too (workers are spawned,
    they do not inherit the parent's handlers).
    """
    settings = Settings()
    configure_logging(settings.log_level)
    return create_app(settings)
