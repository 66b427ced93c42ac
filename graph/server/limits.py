"""Transport limits applied before GraphQL parsing: the request body and URL sizes."""

from __future__ import annotations

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodyLimit:
    """Refuses request bodies over `max_bytes` with 413 and query strings over `max_url_bytes`
    with 414, with a coded JSON error (the seed's `{success: false, error}` on `/endpoint`).

    Checks Content-Length up front and counts chunked bodies as they arrive.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int, max_url_bytes: int = 16384) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_url_bytes = max_url_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if len(scope.get("query_string", b"")) > self.max_url_bytes:
            message = f"query string exceeds {self.max_url_bytes} bytes"
            await _refuse(scope, send, 414, "URI_TOO_LONG", message)
            return
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._refuse(scope, send)
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        message = f"request body exceeds {self.max_bytes} bytes"
        await _refuse(scope, send, 413, "PAYLOAD_TOO_LARGE", message)


async def _refuse(scope: Scope, send: Send, status: int, code: str, message: str) -> None:
    if scope.get("path") == "/endpoint":
        # The admin table API keeps the seed's error shape (and its CORS headers).
        body = orjson.dumps({"success": False, "error": message})
        extra = [(b"access-control-allow-origin", b"*")]
    else:
        body = orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})
        extra = []
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                *extra,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass
