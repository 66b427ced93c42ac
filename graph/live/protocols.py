"""The WebSocket protocols (graphql-transport-ws and legacy graphql-ws). graphql-transport-ws
subscriptions join their fan-out group (groups.py). On both, errors sent before an operation
runs (the subscription limit, invalid documents) get `extensions.code` and the request id, as
over HTTP; documents named by hash or id, and trusted documents, are resolved as over HTTP
(graph/server/persisted.py)."""

from __future__ import annotations

import asyncio
from typing import Any

from graphql import GraphQLError
from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
    _OperationStreamClosed,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler
from strawberry.types.execution import PreExecutionError

from graph.context import Context
from graph.live.groups import Ended, FanOut
from graph.server.persisted import PersistedOperations, PersistedRefusal
from graph.server.sockets import SEND_NOW, SendNow
from services.platform import metrics

SUBSCRIPTION_LIMIT = "Subscription limit reached"
TOO_MANY_SUBSCRIPTIONS = "TOO_MANY_SUBSCRIPTIONS"


def _with_code(message: Any, request_id: str) -> Any:
    """Errors Strawberry sends before an operation runs (the subscription limit, documents
    that fail validation) have no code; give them one and the request id, as over HTTP
    (both protocols)."""
    if not isinstance(message, dict) or message.get("type") != "error":
        return message
    payload = message.get("payload")
    errors = payload if isinstance(payload, list) else [payload]
    for error in errors:
        if not isinstance(error, dict):
            continue
        extensions = error.setdefault("extensions", {})
        if error.get("message") == SUBSCRIPTION_LIMIT:
            error["message"] = "too many subscriptions on this connection"
            extensions["code"] = TOO_MANY_SUBSCRIPTIONS
        elif "code" not in extensions:
            syntax = str(error.get("message", "")).startswith("Syntax Error")
            extensions["code"] = "GRAPHQL_PARSE_FAILED" if syntax else "GRAPHQL_VALIDATION_FAILED"
        extensions.setdefault("requestId", request_id)
    return message


async def _resolve(view: object, payload: object) -> str | None:
    """The document a subscribe/start payload names (its query, by APQ hash or
    `documentId`, or from the trusted documents); raises PersistedRefusal."""
    persisted: PersistedOperations | None = getattr(view, "persisted", None)
    if persisted is None or not isinstance(payload, dict):
        return None
    if persisted.trusted is None and "extensions" not in payload and "documentId" not in payload:
        return None  # the common case: a plain query, nothing to look up
    query = await persisted.resolve(
        query=payload.get("query"),
        extensions=payload.get("extensions"),
        document_id=payload.get("documentId"),
    )
    if query is not None:
        payload["query"] = query
    return query


class WebSocketAdapter(ASGIWebSocketAdapter):
    """Strawberry's adapter, plus sending text that is already encoded (groups.py)."""

    def send_now(self) -> SendNow | None:
        """The server's way to write a frame below the ASGI send chain, if it offers one
        (graph/server/sockets.py)."""
        send_now: SendNow | None = (self.ws.scope.get("extensions") or {}).get(SEND_NOW)
        return send_now

    async def send_text(self, text: str) -> None:
        try:
            await self.ws.send_text(text)
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


class TransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    websocket: WebSocketAdapter

    async def send_message(self, message: Any) -> None:
        await super().send_message(_with_code(message, self.context.request_id))

    async def handle_subscribe(self, message: Any) -> None:
        """Subscriptions join their fan-out group (groups.py) here, without a Task of their
        own; queries and mutations sent over the socket, documents that do not parse, and
        everything Strawberry refuses (before the ack, a repeated id, over the limit) take
        Strawberry's own path."""
        if self.connection_acknowledged:
            try:
                await _resolve(self.view, message.get("payload"))
            except PersistedRefusal as refusal:
                payload = [refusal.formatted(self.context.request_id)]
                await self.send_message({"id": message["id"], "type": "error", "payload": payload})
                return
        fanout: FanOut | None = getattr(self.view, "fanout", None)
        if fanout is None or not self._joins_group(fanout, message):
            await super().handle_subscribe(message)
            return
        payload = message["payload"]
        operation = Operation(
            self,
            message["id"],
            payload["query"],
            payload.get("variables"),
            payload.get("operationName"),
        )
        ended = fanout.join(self, operation)
        # Strawberry cancels `operation.task` when the client completes the operation or the
        # socket closes, and awaits it at shutdown: the future does both (it leaves the group).
        operation.task = ended  # type: ignore[assignment]
        ended.add_done_callback(lambda _: self._ended(operation, ended))
        self.operations[operation.id] = operation
        metrics.SUBSCRIPTIONS_OPEN.inc()
        # Strawberry's read loop holds the last message until the next one, for most
        # subscribers the life of the socket; the operation keeps what it needs of it.
        message.clear()

    def _joins_group(self, fanout: FanOut, message: Any) -> bool:
        if not self.connection_acknowledged or message["id"] in self.operations:
            return False
        limit = self.max_subscriptions_per_connection
        if limit is not None and len(self.operations) >= limit:
            return False
        payload = message["payload"]
        query, name = payload["query"], payload.get("operationName")
        if not isinstance(query, str) or not isinstance(name, str | None):
            return False  # Strawberry's path answers a malformed subscribe
        return fanout.applies(query, name)

    def _ended(self, operation: Operation[Context, None], ended: Ended) -> None:
        metrics.SUBSCRIPTIONS_OPEN.dec()
        if ended.cancelled():  # completed by the client, or the socket closed
            return
        # The stream ended: tell the client. A Task, since sending may wait on the socket;
        # it becomes the operation's task, so a complete or close from now on cancels it.
        finishing = asyncio.get_running_loop().create_task(self._finish(operation, ended))
        operation.task = finishing
        finishing.add_done_callback(self._task_done)

    async def _finish(self, operation: Operation[Context, None], ended: Ended) -> None:
        outcome = ended.result()
        try:
            if isinstance(outcome, PreExecutionError):
                await self._handle_pre_execution_error(operation, outcome)
            elif outcome is not None:
                # logged by the group; the client learns the operation is over
                extensions = {"code": "INTERNAL_SERVER_ERROR", "requestId": self.context.request_id}
                error = GraphQLError("the subscription failed", extensions=extensions)
                await operation.send_initial_errors([error])
            await operation.send_operation_message({"id": operation.id, "type": "complete"})
        except _OperationStreamClosed:
            return


class LegacyWSHandler(BaseGraphQLWSHandler[Context, None]):
    async def send_message(self, message: Any) -> None:
        await super().send_message(_with_code(message, self.context.request_id))

    async def handle_start(self, message: Any) -> None:
        if self.connection_acknowledged:
            try:
                await _resolve(self.view, message.get("payload"))
            except PersistedRefusal as refusal:
                payload = refusal.formatted(self.context.request_id)
                await self.send_message({"id": message["id"], "type": "error", "payload": payload})
                return
        await super().handle_start(message)

    async def handle_async_results(
        self,
        operation_id: str,
        query: str,
        operation_name: str | None,
        variables: dict[str, object] | None,
    ) -> None:
        # One stream per operation on this protocol (no fan-out groups): count it as open.
        metrics.SUBSCRIPTIONS_OPEN.inc()
        try:
            await super().handle_async_results(operation_id, query, operation_name, variables)
        finally:
            metrics.SUBSCRIPTIONS_OPEN.dec()
