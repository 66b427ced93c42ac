"""mediaStatusChanged over real WebSockets (graphql-transport-ws and legacy graphql-ws):
PROCESSING and READY (or FAILED) arrive as they happen, only for media the subscriber may
see."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from PIL import Image
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.conftest import Stack
from tests.support.clients import Api
from tests.support.factories import images
from tests.support.factories.media import media, post_file, request_upload, upload, wait_for

SUBSCRIBE = """
subscription Changes($id: ID) {
  mediaStatusChanged(mediaId: $id) { id status width failureReason ownerId }
}
"""


class Subscription:
    """One GraphQL subscription over a WebSocket, in either protocol."""

    def __init__(self, ws: ClientConnection, protocol: str) -> None:
        self.ws = ws
        self.legacy = protocol == "graphql-ws"

    def start(self, variables: dict[str, Any]) -> None:
        kind = "start" if self.legacy else "subscribe"
        payload = {"query": SUBSCRIBE, "variables": variables}
        self.ws.send(json.dumps({"id": "1", "type": kind, "payload": payload}))

    def next(self, timeout: float = 20) -> dict[str, Any]:
        """The next message about the subscription (keep-alives skipped)."""
        while True:
            message = json.loads(self.ws.recv(timeout=timeout))
            if message["type"] not in ("ka", "ping", "pong"):
                return dict(message)

    def statuses_until_final(self, media_id: str) -> list[str]:
        seen: list[str] = []
        while not seen or seen[-1] not in ("READY", "FAILED"):
            message = self.next()
            assert message["type"] in ("data", "next"), message
            change = message["payload"]["data"]["mediaStatusChanged"]
            if change["id"] == media_id:
                seen.append(change["status"])
        return seen


@contextmanager
def subscribed(stack: Stack, token: str, protocol: str) -> Iterator[Subscription]:
    url = stack.server.url.replace("http://", "ws://") + "/graphql"
    with connect(url, subprotocols=[protocol], open_timeout=10) as ws:  # type: ignore[list-item]
        ws.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        )
        assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
        yield Subscription(ws, protocol)


def _listening(stack: Stack, count: int) -> None:
    """Wait until the server has registered `count` media subscribers (so no event is missed)."""
    wait_for(
        lambda: stack.runtime.events.subscribers("media") >= count,
        what="the subscription to be registered",
    )


@pytest.mark.parametrize("protocol", ["graphql-transport-ws", "graphql-ws"])
def test_the_owner_sees_processing_then_ready(
    api: Api, user_token: str, stack: Stack, protocol: str
) -> None:
    # given a requested upload and its owner subscribed to it
    data = images.photo_jpeg(400, 300, seed=31)
    ticket = request_upload(api, user_token, size=len(data))
    before = stack.runtime.events.subscribers("media")
    with subscribed(stack, user_token, protocol) as sub:
        sub.start({"id": ticket.media_id})
        _listening(stack, before + 1)
        # when the file is posted and processed
        post_file(ticket, data)
        # then the subscriber sees both status changes, in order
        assert sub.statuses_until_final(ticket.media_id) == ["PROCESSING", "READY"]


@pytest.mark.parametrize("protocol", ["graphql-transport-ws", "graphql-ws"])
def test_without_an_id_a_user_sees_only_their_own_media(
    api: Api, user_token: str, manager_token: str, stack: Stack, protocol: str
) -> None:
    # given a user subscribed to all their media
    theirs = images.photo_jpeg(64, 64, seed=32)
    mine = images.HTML
    manager_ticket = request_upload(api, manager_token, size=len(theirs))
    own_ticket = request_upload(api, user_token, size=len(mine))
    before = stack.runtime.events.subscribers("media")
    with subscribed(stack, user_token, protocol) as sub:
        sub.start({})
        _listening(stack, before + 1)
        # when their manager's upload is processed first, then their own broken one
        post_file(manager_ticket, theirs)
        wait_for(
            lambda: (
                api.data(
                    "query($id: ID!) { media(id: $id) { status } }",
                    {"id": manager_ticket.media_id},
                    token=manager_token,
                )["media"]["status"]
                == "READY"
            ),
            what="the manager's upload",
        )
        post_file(own_ticket, mine)
        # then the first events they get are their own (PROCESSING, FAILED with a reason)
        first = sub.next()["payload"]["data"]["mediaStatusChanged"]
        assert first["id"] == own_ticket.media_id
        assert first["status"] == "PROCESSING"
        second = sub.next()["payload"]["data"]["mediaStatusChanged"]
        assert (second["status"], second["failureReason"]) == ("FAILED", "not an image")


@pytest.mark.parametrize("token_name", ["manager_token", "admin_token"])
def test_managers_and_admins_see_a_team_members_media(
    api: Api, user_token: str, stack: Stack, token_name: str, request: pytest.FixtureRequest
) -> None:
    # given the user's manager (or an admin) subscribed to everything they may see
    watcher: str = request.getfixturevalue(token_name)
    data = images.tiny()
    ticket = request_upload(api, user_token, size=len(data), content_type="image/png")
    before = stack.runtime.events.subscribers("media")
    with subscribed(stack, watcher, "graphql-transport-ws") as sub:
        sub.start({})
        _listening(stack, before + 1)
        # when the team member's upload is processed
        post_file(ticket, data)
        # then the watcher sees it
        assert sub.statuses_until_final(ticket.media_id) == ["PROCESSING", "READY"]


def test_subscribing_to_someone_elses_media_is_forbidden(
    api: Api, user_token: str, manager_token: str, stack: Stack
) -> None:
    # given the manager's upload
    ticket = request_upload(api, manager_token, size=10)
    with subscribed(stack, user_token, "graphql-transport-ws") as sub:
        # when their team member subscribes to it
        sub.start({"id": ticket.media_id})
        # then the subscription ends with FORBIDDEN
        message = sub.next()
    # (the check runs inside the stream, so the error arrives as its only result)
    errors = message["payload"] if message["type"] == "error" else message["payload"]["errors"]
    assert message["type"] in ("error", "next"), message
    assert [e["extensions"]["code"] for e in errors] == ["FORBIDDEN"], message


def test_a_bad_token_closes_the_connection(stack: Stack) -> None:
    # given a forged token
    url = stack.server.url.replace("http://", "ws://") + "/graphql"
    with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        # when it is presented in connection_init
        ws.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": "Bearer x.y.z"}})
        )
        # then the server closes the socket
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=10)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


def test_a_failing_rendition_is_seen_as_processing_then_failed_with_its_reason(
    api: Api, user_token: str, stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an AVIF encoder that fails in the server's worker (as a missing codec would)
    save = Image.Image.save

    def failing_avif(self: Image.Image, fp: Any, format: str | None = None, **kw: Any) -> None:
        if format == "AVIF":
            raise OSError("encoder error -2")
        save(self, fp, format, **kw)

    monkeypatch.setattr(Image.Image, "save", failing_avif)
    data = images.photo_jpeg(400, 300, seed=32)
    ticket = request_upload(api, user_token, size=len(data))
    before = stack.runtime.events.subscribers("media")
    with subscribed(stack, user_token, "graphql-transport-ws") as sub:
        sub.start({"id": ticket.media_id})
        _listening(stack, before + 1)
        # when the file is posted and processed
        post_file(ticket, data)
        # then the subscriber sees PROCESSING, then FAILED naming the rendition
        assert sub.statuses_until_final(ticket.media_id) == ["PROCESSING", "FAILED"]
    failed = media(api, user_token, ticket.media_id)
    assert failed is not None
    assert failed["failureReason"].startswith("the 400 px AVIF thumbnail could not be made")
    # and the worker goes on: with the encoder back, the next upload is READY
    monkeypatch.undo()
    assert upload(api, user_token, images.photo_jpeg(320, 240, seed=33))["status"] == "READY"
