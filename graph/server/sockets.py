"""uvicorn's WebSocket protocol (websockets-sansio, its default), minus what an open socket
no longer needs, plus a way to write a frame now.

An idle subscription is mostly per-connection objects, so they are what limits subscribers
per process (docs/limits.md). Per socket, uvicorn keeps:
- the upgrade request and its 101 response, headers and all (about 3.5 kB), for the life of
  the connection; they are read only until the handshake is sent. websockets' parser keeps
  the same request (a local of its generator), so its headers are emptied, not just dropped;
- an `asyncio.Queue` for received messages and an `asyncio.Event` for "writable": four
  `collections.deque`s of about 0.75 kB each and an inner Event, for a queue that is
  almost always empty and an event almost never waited on. `Inbox` and `Flag` do the same
  for one reader in a few hundred bytes.
The ASGI scope keeps its own copy of the request headers: the view reads them to build the
socket's context and clears them once the socket is acknowledged (graph/server/app.py).

It also offers the application a way to write a text frame without going through the ASGI
send chain (`SEND_NOW` in the scope's extensions): a subscription event goes to thousands of
sockets in one loop, and each send through Starlette's and Strawberry's wrappers and
uvicorn's `send` cost about as much as the write itself (bench/notes.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from uvicorn.server import ServerState
from websockets.http11 import Request
from websockets.protocol import State

# For uvicorn's `ws` option (an import string also reaches `--workers` processes).
WS_PROTOCOL = "graph.server.sockets:WebSocketProtocol"

# The scope extension holding `WebSocketProtocol.send_now` (ASGI lets servers add their own).
SEND_NOW = "prework.websocket.send_now"
SendNow = Callable[[bytes], bool]


class WebSocketProtocol(WebSocketsSansIOProtocol):
    def __init__(
        self,
        config: Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        self.queue = Inbox()  # type: ignore[assignment]
        self.writable = Flag(is_set=True)  # type: ignore[assignment]

    async def send(self, message: Any) -> None:
        await super().send(message)
        if self.handshake_complete and hasattr(self, "response"):
            self.request.headers.clear()
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
        if self.conn.extensions:  # permessage-deflate: websockets compresses the frame
            self.conn.send_text(data)
            self.transport.write(b"".join(self.conn.data_to_send()))
        else:
            self.transport.write(text_frame(data))
        return True


def text_frame(data: bytes) -> bytes:
    """A final, unmasked text frame (RFC 6455 5.2), as a server sends it without extensions.

    websockets' serializer handles masking, extensions and fragments in general; for this one
    case it cost 1.7 µs a frame against 0.2 µs here, at 10,000 frames an event. The test
    checks the bytes against websockets' own for every length class.
    """
    n = len(data)
    if n < 126:
        return b"\x81" + n.to_bytes(1, "big") + data
    if n < 65536:
        return b"\x81\x7e" + n.to_bytes(2, "big") + data
    return b"\x81\x7f" + n.to_bytes(8, "big") + data


class Inbox:
    """What uvicorn uses of `asyncio.Queue` (`put_nowait`, `get`, `empty`), unbounded."""

    __slots__ = ("_items", "_waiters")

    def __init__(self) -> None:
        self._items: list[Any] = []
        self._waiters: list[asyncio.Future[None]] | None = None

    def empty(self) -> bool:
        return not self._items

    def put_nowait(self, item: Any) -> None:
        self._items.append(item)
        self._wake()

    def _wake(self) -> None:
        for waiter in self._waiters or ():
            if not waiter.done():
                waiter.set_result(None)
                return

    async def get(self) -> Any:
        while not self._items:
            waiter = asyncio.get_running_loop().create_future()
            if self._waiters is None:
                self._waiters = []
            self._waiters.append(waiter)
            try:
                await waiter
            except BaseException:
                self._waiters.remove(waiter)
                if waiter.done() and not waiter.cancelled():
                    self._wake()  # woken for an item it will not take: the next one takes it
                raise
            self._waiters.remove(waiter)
        return self._items.pop(0)


class Flag:
    """What uvicorn uses of `asyncio.Event` (`set`, `clear`, `is_set`, `wait`)."""

    __slots__ = ("_set", "_waiters")

    def __init__(self, *, is_set: bool) -> None:
        self._set = is_set
        self._waiters: list[asyncio.Future[None]] | None = None

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        self._set = True
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    def clear(self) -> None:
        self._set = False

    async def wait(self) -> bool:
        if self._set:
            return True
        waiter = asyncio.get_running_loop().create_future()
        waiters = self._waiters = self._waiters or []
        waiters.append(waiter)
        try:
            await waiter
        finally:
            if self._waiters is not None and waiter in self._waiters:
                self._waiters.remove(waiter)
        return True
