"""Operations pay for their static cost before they run: over MAX_QUERY_COST they are
refused (no AWS call), over the client's budget they are THROTTLED (HTTP 429) until the
advertised wait has passed; every response reports its cost in `extensions.cost`."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
import websockets

from graph.server.app import create_app
from services.platform.settings import Settings
from tests.support.clients import Api, CallLog, error_codes
from tests.support.server import ServerThread

FRONTEND = """
query Home { me { id email profile { firstName manager { email } }
  submissions(first: 10) { edges { node { id title status } } } } }
"""
# 2 + 100 x (2 + 100 x 2) = 20,202 points: tens of thousands of Queries if it ran
EXPENSIVE = """
query Everything { users(first: 100) { edges { node {
  submissions(first: 100) { edges { node { media(first: 100) { edges { node { id } } } } } }
} } } }
"""
PRICED = "query Priced { me { id submissions(first: 20) { edges { node { id } } } } }"  # 3 points


@pytest.fixture(scope="module")
def server(settings: Settings) -> Iterator[tuple[Api, CallLog]]:
    """Its own API server: operations up to 10 points, a budget of 10 draining 1 a second."""
    own = settings.model_copy(
        update={"max_query_cost": 10, "budget_points": 10, "budget_points_per_second": 1.0}
    )
    thread = ServerThread(create_app(own)).start()
    log = CallLog()
    thread.app.state.runtime.aws.listeners.append(log)
    yield Api(thread.url), log
    thread.stop()


def test_a_frontend_query_reports_its_cost(api: Api, user_token: str) -> None:
    # when the web app's home query runs
    body = api.run(FRONTEND, token=user_token)
    # then it succeeds and says what it cost: requested points and the calls it made
    assert not body.get("errors"), body
    cost = body["extensions"]["cost"]
    assert cost["requested"] == 5
    assert 1 <= cost["actual"] <= cost["requested"]
    assert cost["throttleStatus"]["maximumAvailable"] >= cost["requested"]


def test_an_over_budget_query_is_refused_before_any_aws_call(
    server: tuple[Api, CallLog], admin_token: str
) -> None:
    # given an admin (who may list users) on a server allowing 10 points an operation
    api, log = server
    # when they ask for every user's submissions' media
    log.calls.clear()
    body = api.run(EXPENSIVE, token=admin_token)
    # then the operation is refused with its cost and the limit, and nothing ran
    assert error_codes(body) == ["QUERY_TOO_COSTLY"], body
    extensions = body["errors"][0]["extensions"]
    assert extensions["cost"] == 20202
    assert extensions["maximum"] == 10
    assert body["data"] is None
    assert log.calls == []


def test_a_client_that_spends_its_budget_is_throttled_and_recovers(
    server: tuple[Api, CallLog], manager_token: str
) -> None:
    # given a client with a bucket of 10 points (1 a second), and a 3-point query
    api, _ = server
    # when they send it four times at once
    bodies = [api.post(PRICED, token=manager_token) for _ in range(4)]
    # then the fourth is THROTTLED with HTTP 429, Retry-After and when to retry
    assert [r.status_code for r in bodies[:3]] == [200, 200, 200]
    refused = bodies[3]
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    error = refused.json()["errors"][0]
    assert error["extensions"]["code"] == "THROTTLED"
    wait = error["extensions"]["retryAfter"]
    assert 0 < wait <= 3
    assert error["extensions"]["throttleStatus"]["maximumAvailable"] == 10
    # and after the advertised wait the same query passes
    time.sleep(wait)
    again = api.post(PRICED, token=manager_token)
    assert again.status_code == 200, again.text
    assert not again.json().get("errors")


def test_anonymous_clients_pay_per_address(server: tuple[Api, CallLog]) -> None:
    # given anonymous requests from one address (5 points each: refused, but charged)
    api, _ = server
    query = "{ users(first: 3) { edges { node { profile { id } } } } }"
    statuses = [api.post(query).status_code for _ in range(3)]
    # then the third finds the address's bucket empty
    assert statuses == [200, 200, 429]


def _cost(body: dict[str, Any]) -> dict[str, Any]:
    cost: dict[str, Any] = body["extensions"]["cost"]
    return cost


def test_mutations_are_charged_as_writes(api: Api, user_token: str) -> None:
    body = api.run(
        'mutation { createSubmission(input: {title: "priced"}) { id } }', token=user_token
    )
    assert not body.get("errors"), body
    assert _cost(body)["requested"] == 10
    assert 1 <= _cost(body)["actual"] <= 10


COSTLY_SUBSCRIPTION = """
subscription Costly { submissionStatusChanged { owner {
  submissions(first: 50) { edges { node { media(first: 50) { edges { node { id } } } } } }
} } }
"""


async def test_a_subscription_is_costed_when_it_subscribes(
    server: tuple[Api, CallLog], user_token: str
) -> None:
    # given a socket on the server allowing 10 points an operation
    api, log = server
    url = api.url.replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {user_token}"}}
        await ws.send(json.dumps(init))
        assert json.loads(await ws.recv())["type"] == "connection_ack"
        log.calls.clear()
        # when a subscription that may cost 104 points subscribes
        subscribe = {"id": "1", "type": "subscribe", "payload": {"query": COSTLY_SUBSCRIPTION}}
        await ws.send(json.dumps(subscribe))
        # then it is refused at once with its cost, and completes
        refused = json.loads(await asyncio.wait_for(ws.recv(), 10))
        errors = refused["payload"]["errors"] if refused["type"] == "next" else refused["payload"]
        assert errors[0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
        assert errors[0]["extensions"]["cost"] == 1 + 1 + 2 + 50 * 2
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "complete"
    assert log.calls == []
