"""The WebSocket protocol `prework serve` runs (graph/server/sockets.py): uvicorn's, without
the upgrade request and response kept for the connection's life and with a lighter receive
queue, plus `send_now`, a frame written below the ASGI send chain; the socket works as
before."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket
from websockets.asyncio.client import connect
from websockets.frames import Frame, Opcode

from graph.server.sockets import SEND_NOW, Flag, Inbox, SendNow, WebSocketProtocol, text_frame
from tests.support.server import ServerThread


async def _echo(websocket: WebSocket) -> None:
    await websocket.accept(subprotocol="graphql-transport-ws")
    async for text in websocket.iter_text():
        await websocket.send_text(f"{text} ({websocket.headers['x-probe']})")


async def _send_now_then_close(websocket: WebSocket) -> None:
    """Answers each message twice through `send_now`; on "close", closes the socket and
    reports what `send_now` says afterwards through the close reason."""
    await websocket.accept()
    send_now: SendNow = websocket.scope["extensions"][SEND_NOW]
    async for text in websocket.iter_text():
        if text == "close":
            await websocket.close(1000)
            websocket.app.state.after_close = send_now(b"late")  # type: ignore[attr-defined]
            return
        assert send_now(f"{text} 1".encode())
        assert send_now(f"{text} 2 é".encode())


def _url(server: ServerThread, path: str) -> str:
    return server.url.replace("http://", "ws://") + path


async def test_an_open_socket_keeps_no_handshake_and_still_works() -> None:
    # given the protocol serving an echo socket
    server = ServerThread(Starlette(routes=[WebSocketRoute("/ws", _echo)])).start()
    try:
        async with connect(
            _url(server, "/ws"),
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
            assert isinstance(connection.queue, Inbox)
    finally:
        server.stop()


async def test_send_now_writes_frames_in_order_and_refuses_a_closed_socket() -> None:
    # given an app that answers through send_now
    app = Starlette(routes=[WebSocketRoute("/ws", _send_now_then_close)])
    server = ServerThread(app).start()
    try:
        async with connect(_url(server, "/ws")) as ws:
            # when messages arrive
            await ws.send("a")
            await ws.send("b")
            # then each answer arrives as a text frame, in order
            assert [await ws.recv() for _ in range(4)] == ["a 1", "a 2 é", "b 1", "b 2 é"]
            # when the app has closed the socket, then send_now refuses to write
            await ws.send("close")
            await ws.wait_closed()
        assert app.state.after_close is False
    finally:
        server.stop()


@pytest.mark.parametrize("length", [0, 1, 125, 126, 127, 65535, 65536, 70000])
def test_a_text_frame_is_what_websockets_would_send(length: int) -> None:
    # given a payload of each length class of RFC 6455's frame header
    data = b"x" * length
    # when framed here and by websockets (a server: unmasked, no extensions)
    ours = text_frame(data)
    theirs = Frame(Opcode.TEXT, data).serialize(mask=False)
    # then the bytes are the same
    assert ours == theirs


@given(st.binary(max_size=300))
def test_any_short_payload_frames_as_websockets_frames_it(data: bytes) -> None:
    assert text_frame(data) == Frame(Opcode.TEXT, data).serialize(mask=False)


async def test_the_inbox_hands_items_over_in_order_and_wakes_its_reader() -> None:
    # given an empty inbox and a reader waiting on it
    inbox = Inbox()
    reader = asyncio.create_task(inbox.get())
    await asyncio.sleep(0)
    assert not reader.done() and inbox.empty()
    # when items are put
    inbox.put_nowait(1)
    inbox.put_nowait(2)
    # then the reader gets the first, and the rest stay in order
    assert await reader == 1
    assert not inbox.empty()
    assert await inbox.get() == 2
    assert inbox.empty()


async def test_a_woken_reader_that_is_cancelled_passes_the_item_on() -> None:
    # given two readers waiting
    inbox = Inbox()
    first = asyncio.create_task(inbox.get())
    second = asyncio.create_task(inbox.get())
    await asyncio.sleep(0)
    # when an item wakes the first, which is cancelled before it runs
    inbox.put_nowait("item")
    first.cancel()
    # then the second reader gets the item
    assert await asyncio.wait_for(second, 1) == "item"
    with pytest.raises(asyncio.CancelledError):
        await first


async def test_the_flag_waits_until_set() -> None:
    # given a cleared flag and a waiter
    flag = Flag(is_set=True)
    assert flag.is_set() and await flag.wait()
    flag.clear()
    waiting = asyncio.create_task(flag.wait())
    await asyncio.sleep(0.01)
    assert not waiting.done()
    # when it is set
    flag.set()
    # then the waiter returns
    assert await asyncio.wait_for(waiting, 1) is True
    assert flag.is_set()
