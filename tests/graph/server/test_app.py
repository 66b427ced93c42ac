"""The application (graph/server/app.py): a WebSocket to /graphql goes straight to the GraphQL
view, past the HTTP middleware, still carries the request id of its handshake, and keeps no
headers once connected."""

from __future__ import annotations

import asyncio
import gc
import json
from collections.abc import Iterator
from types import CoroutineType
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection

from graph.context import Context
from graph.server.sockets import WebSocketProtocol
from tests.conftest import Stack
from tests.graph.submissions.test_subscriptions import _open
from tests.support.clients import Api, error_codes

BAD_DOCUMENT = "subscription { noSuchField }"
NESTED = """query Nested($n: Int!) {
  users(first: $n) { edges { node {
    profile { manager { email } }
    submissions(first: 5) { edges { node { status } } }
  } } }
}"""


def _awaiting(coro: Any) -> Iterator[str]:
    """The qualified names of the coroutines `coro` is (transitively) awaiting."""
    while isinstance(coro, CoroutineType):
        yield coro.__qualname__
        coro = coro.cr_await


def _connection(stack: Stack, ws: ClientConnection) -> WebSocketProtocol:
    """The server's end of `ws` (read across threads: tests only)."""
    port = ws.local_address[1]
    (connection,) = [
        c
        for c in list(stack.server.server.server_state.connections)
        if isinstance(c, WebSocketProtocol) and c.client and c.client[1] == port
    ]
    return connection


def _socket_chain(stack: Stack, connection: WebSocketProtocol) -> list[str]:
    """The server's coroutine chain for `connection`."""
    for task in list(stack.server.server.server_state.tasks):
        coro = task.get_coro()
        if coro is not None and coro.cr_frame.f_locals.get("self") is connection:  # type: ignore[union-attr]
            return list(_awaiting(coro))
    raise AssertionError("no task runs the socket")


async def test_a_socket_skips_the_http_middleware_keeps_its_request_id_and_drops_headers(
    stack: Stack, admin_token: str
) -> None:
    # given a socket opened with a request id
    ws = await _open(stack, admin_token, headers={"X-Request-Id": "socket-rid-1"})
    try:
        # when it waits for messages
        connection = _connection(stack, ws)
        chain = _socket_chain(stack, connection)
        # then the GraphQL view serves it, with none of the HTTP middleware in between
        assert "GraphQL.__call__" in chain
        # and the handshake's headers, read once connected, are no longer kept
        assert connection.scope["headers"] == []
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


def _contexts() -> int:
    """Request contexts the process holds, reachable or not (the cyclic collector's share)."""
    return sum(1 for kept in gc.get_objects() if type(kept) is Context)


ANSWERS = {
    "the nested query": (NESTED, {"n": 20}, True, None),
    "a caller's error in a resolver": (NESTED, {"n": 20}, False, "UNAUTHENTICATED"),
    "an error from the service layer": (
        'query { node(id: "VXNlcjpub3QtdGhlcmU=") { id } user(id: "nobody") { id } }',
        {},
        True,
        "NOT_FOUND",
    ),
    "an invalid document": ("query { nothing }", {}, True, "GRAPHQL_VALIDATION_FAILED"),
}


@pytest.mark.parametrize("name", ANSWERS)
def test_a_request_leaves_nothing_for_the_cyclic_collector(
    api: Api, admin_token: str, name: str
) -> None:
    # given a server that has answered the request once, and no cyclic collection
    query, variables, signed_in, code = ANSWERS[name]
    token = admin_token if signed_in else None
    first = api.run(query, variables, token=token)
    assert error_codes(first)[:1] == ([code] if code else [])
    gc.collect()
    gc.disable()
    try:
        before = _contexts()
        # when it answers it five more times
        for _ in range(5):
            api.run(query, variables, token=token)
        # then each request's context (and the loaders, futures and records it reaches) was
        # freed as the request ended, by reference counting alone
        assert _contexts() <= before
    finally:
        gc.enable()


# A JSON POST takes the view's plain path; a media type that Strawberry also reads as JSON
# (it looks for "application/json" inside it) takes Strawberry's general one.
PLAIN, GENERAL = "application/json", "application/json-patch+json"
BODIES = {
    "a query": json.dumps({"query": NESTED, "variables": {"n": 2}}),
    "an invalid document": json.dumps({"query": "{ nothing }"}),
    "a batch": json.dumps([{"query": "{ __typename }"}]),
    "a query that is not text": json.dumps({"query": 5}),
    "variables that are not an object": json.dumps({"query": NESTED, "variables": [2]}),
    "extensions that are not an object": json.dumps({"query": NESTED, "extensions": 1}),
    "an operation name that is not text": json.dumps({"query": NESTED, "operationName": 1}),
    "no query": "{}",
    "not JSON": "{nope",
    "an unknown operation": json.dumps({"query": "query A { __typename }", "operationName": "B"}),
    "two operations, none named": json.dumps(
        {"query": "query A { a: __typename } query B { b: __typename }"}
    ),
    "a subscription": json.dumps({"query": "subscription { submissionStatusChanged { id } }"}),
    "an unknown persisted query": json.dumps(
        {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "ab" * 32}}}
    ),
    "a bare number": "5",
    "a bare string": '"query"',
    "null": "null",
}


def _answer(api: Api, token: str, media_type: str, body: str) -> tuple[int, str, Any]:
    response = api.http.post(
        f"{api.url}/graphql",
        content=body,
        headers={"Content-Type": media_type, "Authorization": f"Bearer {token}"},
    )
    answer = response.json()
    for error in answer.get("errors") or []:
        error.get("extensions", {}).pop("requestId", None)
    answer.pop("extensions", None)  # the budget left differs from one request to the next
    return response.status_code, response.headers["content-type"], answer


@pytest.mark.parametrize("name", BODIES)
def test_a_json_post_is_answered_alike_on_both_paths(api: Api, admin_token: str, name: str) -> None:
    # given a body sent as plain JSON and under another JSON media type
    body = BODIES[name]
    # when both are answered
    plain = _answer(api, admin_token, PLAIN, body)
    general = _answer(api, admin_token, GENERAL, body)
    # then the answers are the same, and never a server error
    assert plain == general
    assert plain[0] < 500


@pytest.mark.parametrize("body", ["5", '"query"', "null", "true"])
@pytest.mark.parametrize("media_type", [PLAIN, GENERAL])
def test_a_body_that_is_not_an_object_is_a_bad_request(
    api: Api, admin_token: str, body: str, media_type: str
) -> None:
    # when the body is a JSON value that is neither an operation nor a batch of them
    status, _, answer = _answer(api, admin_token, media_type, body)
    # then it is refused as a bad request, saying why (Strawberry alone answered with a 500)
    assert status == 400
    assert error_codes(answer) == ["BAD_REQUEST"]
    assert "must be a JSON object" in answer["errors"][0]["message"]


def test_a_subscription_over_http_is_refused_as_a_bad_request(api: Api, admin_token: str) -> None:
    # when a subscription is sent as a plain POST (it streams only over a WebSocket)
    status, _, answer = _answer(api, admin_token, PLAIN, BODIES["a subscription"])
    # then it is a 400 saying so, not an internal error from running its field once
    assert status == 400
    assert error_codes(answer) == ["BAD_REQUEST"]
    assert answer["errors"][0]["message"] == "subscriptions are not allowed when using POST"
