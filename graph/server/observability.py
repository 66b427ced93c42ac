"""Request ids, access logs and Prometheus metrics for GraphQL operations.

`RequestLog` (ASGI middleware) gives every HTTP request and WebSocket connection its request
id and writes one JSON access line per HTTP request. `Observability` (schema extension)
records each operation's name, outcome and duration in the metrics and hands the name, the
caller and the error codes to that access line (or logs its own line for operations over a
WebSocket, where there is no HTTP status).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field

from graphql import GraphQLError
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from graph.errors import as_graphql_error, code_of
from graph.server.headers import request_id_of
from services.platform import metrics

log = logging.getLogger("prework.access")

_OPERATION_NAME = re.compile(r"^[_A-Za-z][_0-9A-Za-z]{0,99}$")
# Clients choose operation names; past this many distinct ones, further names are counted as
# "other" so a client cannot grow the metrics without bound.
MAX_OPERATION_NAMES = 500
_QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
_SUBSCRIPTION = OperationType.SUBSCRIPTION.value


@dataclass
class RequestRecord:
    """What the schema extension learns about one HTTP request, for its access line."""

    request_id: str
    operation: str | None = None
    operation_type: str | None = None
    user_id: str | None = None
    error_codes: list[str] = field(default_factory=list)


_current: ContextVar[RequestRecord | None] = ContextVar("prework_request", default=None)


class RequestLog:
    """Outermost middleware: request id into `scope["state"]` (and the `X-Request-Id` header of
    every response), then one JSON log line per HTTP request once the response is sent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # sockets: the view reads it from the headers
            await self.app(scope, receive, send)
            return
        request_id = request_id_of(Headers(scope=scope))
        scope.setdefault("state", {})["request_id"] = request_id

        record = RequestRecord(request_id=request_id)
        token = _current.set(record)
        status = 500  # what the client gets if the app raises before responding
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                if "x-request-id" not in headers:
                    headers.append("X-Request-Id", request_id)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            _current.reset(token)
            if scope["path"] not in _QUIET_PATHS:
                _log_request(scope, record, status, time.perf_counter() - started)


def _log_request(scope: Scope, record: RequestRecord, status: int, seconds: float) -> None:
    level = logging.ERROR if status >= 500 else logging.INFO
    log.log(
        level,
        "graphql request" if record.operation_type else "http request",
        extra={
            "requestId": record.request_id,
            "method": scope["method"],
            "path": scope["path"],
            "status": status,
            "durationMs": round(seconds * 1000, 2),
            "operation": record.operation,
            "operationType": record.operation_type,
            "userId": record.user_id,
            "errorCodes": record.error_codes,
        },
    )


class Observability(SchemaExtension):
    """Per operation: the request counter and latency histogram, and the access-log fields.

    Listed before `ErrorCodes`, so it finishes after it and sees the final codes.
    """

    _names: set[str] = set()

    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        failure: Exception | None = None
        try:
            yield
        except Exception as error:  # recorded, then left to Strawberry
            failure = error
            raise
        finally:
            self._record(time.perf_counter() - started, failure)

    def _record(self, seconds: float, failure: Exception | None) -> None:
        context = self.execution_context
        try:
            kind: str | None = context.operation_type.value
        except RuntimeError:  # the document did not parse
            kind = None
        record_operation(
            seconds=seconds,
            operation_name=context.operation_name,
            kind=kind,
            errors=list(context.result.errors or []) if context.result is not None else [],
            failure=failure,
            context=context.context,
        )


def record_operation(
    *,
    seconds: float,
    operation_name: str | None,
    kind: str | None,
    errors: list[GraphQLError],
    failure: Exception | None,
    context: object,
) -> None:
    """One operation in the metrics, and its access-log fields (its own line over a
    WebSocket). `kind`: "query", "mutation", "subscription", or None if it did not parse."""
    name = operation_label(operation_name)
    if failure is not None and not errors:
        errors = [as_graphql_error(failure)]
    codes = [_code(error) for error in errors]
    metrics.REQUESTS.labels(name, codes[0] if codes else "ok").inc()
    # A subscription's "duration" is how long it stayed open: not a latency.
    if kind != _SUBSCRIPTION:
        metrics.REQUEST_SECONDS.labels(name).observe(seconds)
    identity = getattr(context, "identity", None)
    user_id = getattr(identity, "user_id", None)
    record = _current.get()
    if record is not None:
        record.operation, record.operation_type = name, kind or "unknown"
        record.user_id, record.error_codes = user_id, codes
        return
    # Over a WebSocket: no HTTP request to attach to, so a line of its own.
    log.info(
        "graphql operation",
        extra={
            "requestId": getattr(context, "request_id", None),
            "transport": "websocket",
            "operation": name,
            "operationType": kind or "unknown",
            "userId": user_id,
            "durationMs": round(seconds * 1000, 2),
            "errorCodes": codes,
        },
    )


def operation_label(name: str | None) -> str:
    """The metrics label of an operation name: bounded in shape and in number."""
    if not name:
        return "anonymous"
    if not _OPERATION_NAME.fullmatch(name):
        return "invalid"
    known = Observability._names
    if name not in known:
        if len(known) >= MAX_OPERATION_NAMES:
            return "other"
        known.add(name)
    return name


def _code(error: GraphQLError) -> str:
    # ErrorCodes has usually set it already; otherwise derive it the same way.
    code = (error.extensions or {}).get("code")
    return code if isinstance(code, str) else code_of(error)


async def metrics_endpoint(_: Request) -> Response:
    """Prometheus text exposition of this process's (or all workers') metrics."""
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type)
