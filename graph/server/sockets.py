"""uvicorn's WebSocket protocol (websockets-sansio, its default), minus what an open socket
no longer needs.

An idle subscription is mostly per-connection objects, so they are what limits subscribers
per process (docs/limits.md). uvicorn keeps the upgrade request and its 101 response, headers
and all (about 3.5 kB), for the life of the connection; they are read only until the
handshake is sent. The ASGI scope keeps its own copy of the request headers.
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

# For uvicorn's `ws` option (an import string also reaches `--workers` processes).
WS_PROTOCOL = "graph.server.sockets:WebSocketProtocol"


class WebSocketProtocol(WebSocketsSansIOProtocol):
    async def send(self, message: Any) -> None:
        await super().send(message)
        if self.handshake_complete and hasattr(self, "response"):
            del self.request, self.response
