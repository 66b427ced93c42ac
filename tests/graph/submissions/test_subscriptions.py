"""submissionStatusChanged over graphql-transport-ws and legacy graphql-ws, authorized at
subscribe time and for every event."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from services.platform.settings import Settings
from tests.conftest import Stack
from tests.support.clients import Api
from tests.support.factories.people import Team, make_submission, make_team

CHANGES = (
    "subscription($id: ID) { submissionStatusChanged(submissionId: $id) { id status userId } }"
)
SUBMIT = "mutation($id: ID!) { submitSubmission(id: $id) { id status } }"


def _ws_url(stack: Stack) -> str:
    return stack.server.url.replace("http://", "ws://") + "/graphql"


async def _open(
    stack: Stack,
    token: str | None,
    protocol: str = "graphql-transport-ws",
    headers: dict[str, str] | None = None,
) -> ClientConnection:
    ws = await connect(
        _ws_url(stack),
        subprotocols=[protocol],  # type: ignore[list-item]
        additional_headers=headers,
    )
    payload = {"Authorization": f"Bearer {token}"} if token else {}
    await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
    ack = json.loads(await asyncio.wait_for(ws.recv(), 5))
    assert ack["type"] == "connection_ack", ack
    return ws


async def _subscribe(
    ws: ClientConnection, variables: dict[str, Any], protocol: str = "graphql-transport-ws"
) -> None:
    kind = "subscribe" if protocol == "graphql-transport-ws" else "start"
    await ws.send(
        json.dumps({"id": "1", "type": kind, "payload": {"query": CHANGES, "variables": variables}})
    )
    await asyncio.sleep(0.3)  # let the server register the subscription before events flow


async def _next(ws: ClientConnection, wait: float = 5) -> dict[str, Any]:
    while True:
        message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), wait))
        if message["type"] in ("next", "data", "error", "complete"):
            return message


@pytest.fixture(scope="module")
def team(api: Api, settings: Settings, admin_token: str) -> Team:
    return make_team(api, settings, admin_token)


@pytest.mark.parametrize("protocol", ["graphql-transport-ws", "graphql-ws"])
async def test_owner_and_manager_see_a_submit_and_outsiders_do_not(
    api: Api, stack: Stack, team: Team, protocol: str
) -> None:
    # given the member's draft and three subscribers to all changes they may see
    draft = make_submission(api, team.member)
    manager = await _open(stack, team.manager.token, protocol)
    owner = await _open(stack, team.member.token, protocol)
    outsider = await _open(stack, team.outsider.token, protocol)
    for ws in (manager, owner, outsider):
        await _subscribe(ws, {}, protocol)
    # when the member submits it
    await asyncio.to_thread(api.data, SUBMIT, {"id": draft["id"]}, token=team.member.token)
    # then the owner and their manager get the event
    for ws in (manager, owner):
        event = await _next(ws)
        assert event["payload"]["data"]["submissionStatusChanged"] == {
            "id": draft["id"],
            "status": "SUBMITTED",
            "userId": team.member.id,
        }
    # and the outsider gets nothing
    with pytest.raises(TimeoutError):
        await _next(outsider, wait=1)
    for ws in (manager, owner, outsider):
        await ws.close()


async def test_subscribing_to_someone_elses_submission_is_forbidden(
    api: Api, stack: Stack, team: Team
) -> None:
    # given the member's draft
    draft = make_submission(api, team.member)
    ws = await _open(stack, team.outsider.token)
    # when an outsider subscribes to it
    await ws.send(
        json.dumps(
            {
                "id": "1",
                "type": "subscribe",
                "payload": {"query": CHANGES, "variables": {"id": draft["id"]}},
            }
        )
    )
    message = await _next(ws)
    # then the subscription fails with FORBIDDEN at subscribe time
    errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
    assert errors[0]["extensions"]["code"] == "FORBIDDEN"
    await ws.close()


async def test_anonymous_subscriptions_are_unauthenticated(stack: Stack) -> None:
    # given a connection without a token
    ws = await _open(stack, None)
    # when subscribing
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": CHANGES}}))
    message = await _next(ws)
    # then
    errors = message["payload"]["errors"] if message["type"] == "next" else message["payload"]
    assert errors[0]["extensions"]["code"] == "UNAUTHENTICATED"
    await ws.close()


async def test_a_bad_token_closes_the_connection(stack: Stack) -> None:
    # when connection_init carries a bad token
    ws = await connect(_ws_url(stack), subprotocols=["graphql-transport-ws"])  # type: ignore[list-item]
    await ws.send(
        json.dumps({"type": "connection_init", "payload": {"Authorization": "Bearer nope"}})
    )
    # then the server closes with 4403
    with pytest.raises(ConnectionClosed):
        await asyncio.wait_for(ws.recv(), 5)
    assert ws.close_code == 4403
