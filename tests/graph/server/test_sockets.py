"""The WebSocket protocol `prework serve` runs: uvicorn's, without the upgrade request and
response kept for the connection's life; the socket works as before."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket
from websockets.asyncio.client import connect

from graph.server.sockets import WebSocketProtocol
from tests.support.server import ServerThread


async def _echo(websocket: WebSocket) -> None:
    await websocket.accept(subprotocol="graphql-transport-ws")
    async for text in websocket.iter_text():
        await websocket.send_text(f"{text} ({websocket.headers['x-probe']})")


async def test_an_open_socket_keeps_no_handshake_and_still_works() -> None:
    # given the protocol serving an echo socket
    server = ServerThread(Starlette(routes=[WebSocketRoute("/ws", _echo)])).start()
    try:
        url = server.url.replace("http://", "ws://") + "/ws"
        async with connect(
            url,
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
            additional_headers={"X-Probe": "p-1"},
        ) as ws:
            # when a message goes both ways
            await ws.send("hello")
            echoed = await ws.recv()
            # then the subprotocol was agreed, the headers reached the app
            assert ws.subprotocol == "graphql-transport-ws"
            assert echoed == "hello (p-1)"
            # and the server's connection dropped the upgrade request and response
            (connection,) = server.server.server_state.connections
            assert isinstance(connection, WebSocketProtocol)
            assert not hasattr(connection, "request") and not hasattr(connection, "response")
    finally:
        server.stop()
