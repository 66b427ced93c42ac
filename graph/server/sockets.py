"""uvicorn's WebSocket protocol (websockets-sansio, its default), minus what an open socket
no longer needs.

An idle subscription is mostly per-connection objects, so they are what limits subscribers
per process (docs/limits.md). uvicorn keeps the upgrade request and its 101 response, headers
and all (about 3.5 kB), for the life of the connection; they are read only until the
handshake is sent. The ASGI scope keeps its own copy of the request headers.

It also offers the application a way to write a text frame without going through the ASGI
send chain (`SEND_NOW` in the scope's extensions): a subscription event goes to thousands of
sockets in one loop, and each send through Starlette's and Strawberry's wrappers and
uvicorn's `send` cost about as much as the write itself (bench/notes.md).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from websockets.http11 import Request
from websockets.protocol import State

# For uvicorn's `ws` option (an import string also reaches `--workers` processes).
WS_PROTOCOL = "graph.server.sockets:WebSocketProtocol"

# The scope extension holding `WebSocketProtocol.send_now` (ASGI lets servers add their own).
SEND_NOW = "prework.websocket.send_now"
SendNow = Callable[[bytes], bool]


class WebSocketProtocol(WebSocketsSansIOProtocol):
    async def send(self, message: Any) -> None:
        await super().send(message)
        if self.handshake_complete and hasattr(self, "response"):
            del self.request, self.response

    def handle_connect(self, event: Request) -> None:
        super().handle_connect(event)
        if hasattr(self, "scope"):  # the upgrade was accepted: the app will run
            # ASGI types extension values as dicts; a bound method costs less per socket
            self.scope["extensions"][SEND_NOW] = self.send_now  # type: ignore[assignment]

    def send_now(self, data: bytes) -> bool:
        """Write `data` (UTF-8 text) as one text frame now, if the socket is open and its
        buffer below the high-water mark. False when it is not: then the caller sends through
        ASGI, which waits for the buffer to drain or reports the closed socket."""
        if (
            not self.writable.is_set()
            or self.close_sent
            or self.disconnected
            or self.conn.state is not State.OPEN
        ):
            return False
        self.conn.send_text(data)
        self.transport.write(b"".join(self.conn.data_to_send()))
        return True
