"""The application (graph/server/app.py): a WebSocket to /graphql goes straight to the GraphQL
view, past the HTTP middleware, and still carries the request id of its handshake."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from types import CoroutineType
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

from graph.server.sockets import WebSocketProtocol
from tests.conftest import Stack

BAD_DOCUMENT = "subscription { noSuchField }"


async def _open(stack: Stack, token: str, request_id: str) -> ClientConnection:
    url = stack.server.url.replace("http://", "ws://") + "/graphql"
    ws = await connect(
        url,
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        additional_headers={"X-Request-Id": request_id},
    )
    await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": token}}))
    ack = json.loads(await asyncio.wait_for(ws.recv(), 5))
    assert ack["type"] == "connection_ack", ack
    return ws


def _awaiting(coro: Any) -> Iterator[str]:
    """The qualified names of the coroutines `coro` is (transitively) awaiting."""
    while isinstance(coro, CoroutineType):
        yield coro.__qualname__
        coro = coro.cr_await


def _socket_chain(stack: Stack, request_id: str) -> list[str]:
    """The server's coroutine chain for the socket whose handshake carried `request_id`."""
    state = stack.server.server.server_state
    (connection,) = [
        c
        for c in list(state.connections)
        if isinstance(c, WebSocketProtocol)
        and (b"x-request-id", request_id.encode()) in c.scope["headers"]
    ]
    for task in list(state.tasks):
        coro = task.get_coro()
        if coro is not None and coro.cr_frame.f_locals.get("self") is connection:  # type: ignore[union-attr]
            return list(_awaiting(coro))
    raise AssertionError("no task runs the socket")


async def test_a_socket_skips_the_http_middleware_and_keeps_its_request_id(
    stack: Stack, admin_token: str
) -> None:
    # given a socket opened with a request id
    ws = await _open(stack, f"Bearer {admin_token}", "socket-rid-1")
    try:
        # when it waits for messages
        chain = _socket_chain(stack, "socket-rid-1")
        # then the GraphQL view serves it, with none of the HTTP middleware in between
        assert "GraphQL.__call__" in chain
        http_only = {"RequestLog.__call__", "BodyLimit.__call__", "ExceptionMiddleware.__call__"}
        assert not http_only & set(chain), chain
        # when an operation on it fails validation
        subscribe = {"query": BAD_DOCUMENT}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": subscribe}))
        error = json.loads(await asyncio.wait_for(ws.recv(), 5))
        # then the error carries the handshake's request id
        assert error["type"] == "error"
        assert error["payload"][0]["extensions"]["requestId"] == "socket-rid-1"
    finally:
        await ws.close()
