"""Transport-level refusals with codes: HTTP errors Strawberry raises before GraphQL runs, and
the WebSocket subscription limit. Clients always get JSON with `extensions.code`."""

from __future__ import annotations

from typing import Any

import orjson
from starlette.responses import Response
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
)
from strawberry.subscriptions.protocols.graphql_ws.handlers import BaseGraphQLWSHandler

from prework.graph.context import Context

SUBSCRIPTION_LIMIT = "Subscription limit reached"
TOO_MANY_SUBSCRIPTIONS = "TOO_MANY_SUBSCRIPTIONS"
_GET_MUTATION = "mutations are not allowed when using GET"


def http_error(status: int, reason: str) -> Response:
    """Strawberry's plain-text HTTP refusals as coded GraphQL errors.

    A mutation over GET is 405 with `Allow: POST` (GraphQL over HTTP); an unsupported method
    keeps 405; everything else about the request itself (bad JSON, no query, bad content
    type) is 400 `BAD_REQUEST`.
    """
    headers: dict[str, str] = {}
    code = "BAD_REQUEST"
    if reason == _GET_MUTATION or status == 405:
        status, code = 405, "METHOD_NOT_ALLOWED"
        headers["Allow"] = "POST" if reason == _GET_MUTATION else "GET, POST"
    elif status == 404:
        code = "NOT_FOUND"
    body = {"errors": [{"message": reason, "extensions": {"code": code}}]}
    return Response(
        orjson.dumps(body), status_code=status, media_type="application/json", headers=headers
    )


def _with_code(message: Any) -> Any:
    """The limit error Strawberry sends has no code; give it one (both protocols)."""
    if not isinstance(message, dict) or message.get("type") != "error":
        return message
    payload = message.get("payload")
    errors = payload if isinstance(payload, list) else [payload]
    for error in errors:
        if isinstance(error, dict) and error.get("message") == SUBSCRIPTION_LIMIT:
            error["message"] = "too many subscriptions on this connection"
            error.setdefault("extensions", {})["code"] = TOO_MANY_SUBSCRIPTIONS
    return message


class TransportWSHandler(BaseGraphQLTransportWSHandler[Context, None]):
    async def send_message(self, message: Any) -> None:
        await super().send_message(_with_code(message))


class LegacyWSHandler(BaseGraphQLWSHandler[Context, None]):
    async def send_message(self, message: Any) -> None:
        await super().send_message(_with_code(message))
