"""Operation limits, production masking and introspection — each rejection is coded."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from graph.server.app import create_app
from graph.server.graphiql import SIGNIN_ROUTE
from services.platform.settings import Settings
from tests.conftest import Stack
from tests.support.clients import Api, boto, error_codes
from tests.support.server import ServerThread

DEEP = "{ me " + "{ profile { manager " * 5 + "{ email }" + " } }" * 5 + " }"
INTROSPECT = "{ __schema { queryType { name } } }"
SUBSCRIBE_SUBMISSIONS = "subscription { submissionStatusChanged { id } }"


@pytest.fixture(scope="module")
def production(settings: Settings) -> Iterator[Api]:
    """The same stack served with ENV=production."""
    prod = settings.model_copy(update={"env": "production", "cursor_secret": "p" * 40})
    server = ServerThread(create_app(prod)).start()
    yield Api(server.url)
    server.stop()


def test_too_deep_is_refused(api: Api, user_token: str) -> None:
    # when the operation nests deeper than 10
    body = api.run(DEEP, token=user_token)
    # then it is refused before running, with a code
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]
    assert "depth" in body["errors"][0]["message"]


def test_too_many_aliases_are_refused(api: Api, user_token: str) -> None:
    # when one operation uses 31 aliases
    query = "{ " + " ".join(f"a{i}: me {{ id }}" for i in range(31)) + " }"
    body = api.run(query, token=user_token)
    # then
    assert error_codes(body) and set(error_codes(body)) <= {"GRAPHQL_VALIDATION_FAILED"}


def test_too_many_tokens_are_refused(api: Api, user_token: str) -> None:
    # when the document has more than 2000 tokens
    query = "{ me { " + " ".join(["id"] * 2100) + " } }"
    body = api.run(query, token=user_token)
    # then
    assert error_codes(body) and set(error_codes(body)) <= {
        "GRAPHQL_VALIDATION_FAILED",
        "GRAPHQL_PARSE_FAILED",
    }


def test_syntax_errors_are_parse_failures(api: Api) -> None:
    body = api.run("{ me { ")
    assert error_codes(body) == ["GRAPHQL_PARSE_FAILED"]


def test_unknown_fields_are_validation_failures(api: Api, user_token: str) -> None:
    body = api.run("{ me { password } }", token=user_token)
    assert error_codes(body) == ["GRAPHQL_VALIDATION_FAILED"]


def test_wrong_variable_types_are_bad_input(api: Api, user_token: str) -> None:
    body = api.run(
        "query($n: Int!) { users(first: $n) { edges { cursor } } }", {"n": "lots"}, token=user_token
    )
    assert error_codes(body) == ["BAD_USER_INPUT"]


def test_introspection_is_on_in_development(api: Api) -> None:
    assert api.data(INTROSPECT)["__schema"]["queryType"]["name"] == "Query"


def test_production_turns_off_introspection_and_graphiql(production: Api) -> None:
    # when introspecting or opening GraphiQL in production
    body = production.run(INTROSPECT)
    page = production.http.get(f"{production.url}/graphql", headers={"Accept": "text/html"})
    script = production.http.get(f"{production.url}{SIGNIN_ROUTE}/page.js")
    # then both are refused, and the sign-in panel's files are not served
    assert set(error_codes(body)) == {"GRAPHQL_VALIDATION_FAILED"}
    assert page.status_code in (400, 404)
    assert script.status_code == 404


def test_unexpected_errors_are_masked_in_production_and_keep_a_request_id(
    production: Api, settings: Settings, stack: Stack, admin_token: str
) -> None:
    # given a corrupt user item (a role the code does not know)
    boto(settings, "dynamodb").put_item(
        TableName=stack.runtime.tables.users,
        Item={
            "userId": {"S": "corrupt-user"},
            "email": {"S": "c@example.com"},
            "username": {"S": "c"},
            "role": {"S": "OVERLORD"},
            "isActive": {"BOOL": True},
            "profileId": {"S": "none"},
            "createdAt": {"S": "2026-01-01T00:00:00Z"},
            "updatedAt": {"S": "2026-01-01T00:00:00Z"},
            "createdBy": {"S": "x"},
            "lastUpdatedBy": {"S": "x"},
            "version": {"N": "1"},
        },
    )
    # when reading it (then removing it: the users table is shared with other modules)
    try:
        body = production.run('{ user(id: "corrupt-user") { id } }', token=admin_token)
    finally:
        boto(settings, "dynamodb").delete_item(
            TableName=stack.runtime.tables.users, Key={"userId": {"S": "corrupt-user"}}
        )
    # then the client sees a masked, coded error with a request id — no internals
    error = body["errors"][0]
    assert error["message"] == "Internal server error"
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert error["extensions"]["requestId"]
    assert "OVERLORD" not in str(body)


@pytest.fixture(scope="module")
def tight(settings: Settings) -> Iterator[Api]:
    """A copy of the app with small WebSocket limits."""
    small = settings.model_copy(
        update={"max_subscriptions_per_connection": 2, "connection_init_timeout_seconds": 0.5}
    )
    server = ServerThread(create_app(small)).start()
    yield Api(server.url)
    server.stop()


def _ws(api: Api, protocol: str = "graphql-transport-ws") -> ClientConnection:
    url = api.url.replace("http://", "ws://") + "/graphql"
    return connect(url, subprotocols=[protocol])  # type: ignore[list-item]


@pytest.mark.parametrize("protocol", ["graphql-transport-ws", "graphql-ws"])
def test_subscriptions_over_the_per_connection_limit_are_refused_with_a_code(
    tight: Api, user_token: str, protocol: str
) -> None:
    # given a connection allowed two subscriptions, both open
    start = "subscribe" if protocol == "graphql-transport-ws" else "start"
    with _ws(tight, protocol) as ws:
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {user_token}"}}
        ws.send(json.dumps(init))
        assert json.loads(ws.recv(timeout=5))["type"] == "connection_ack"
        for sub_id in ("1", "2", "3"):
            payload = {"query": SUBSCRIBE_SUBMISSIONS}
            ws.send(json.dumps({"id": sub_id, "type": start, "payload": payload}))
        # when a third is started
        message = json.loads(ws.recv(timeout=5))
        # then it alone is refused, with a code, and the connection stays open
        assert (message["type"], message["id"]) == ("error", "3"), message
        errors = (
            message["payload"] if isinstance(message["payload"], list) else [message["payload"]]
        )
        assert [e["extensions"]["code"] for e in errors] == ["TOO_MANY_SUBSCRIPTIONS"]
        ws.ping().wait(5)


def test_a_connection_without_connection_init_is_closed_with_4408(tight: Api) -> None:
    # given a WebSocket that never sends connection_init
    with _ws(tight) as ws:
        started = time.monotonic()
        # when the init timeout passes
        with pytest.raises(ConnectionClosed) as closed:
            ws.recv(timeout=5)
    # then the server closes it with 4408
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4408
    assert time.monotonic() - started < 3


def test_a_mutation_over_get_is_405_with_a_code(api: Api) -> None:
    # when a mutation is sent as a GET
    response = api.http.get(
        f"{api.url}/graphql",
        params={"query": 'mutation { createSubmission(input: {title: "x"}) { id } }'},
    )
    # then it is refused (GraphQL over HTTP: 405, POST allowed), with a code
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert error_codes(response.json()) == ["METHOD_NOT_ALLOWED"]


def test_a_huge_query_string_is_414_with_a_code(api: Api) -> None:
    # when a GET carries a query string over MAX_URL_BYTES (16 KiB)
    query = "{ me { id } }" + " " * 20_000
    response = api.http.get(f"{api.url}/graphql", params={"query": query})
    # then it is refused before parsing
    assert response.status_code == 414
    assert error_codes(response.json()) == ["URI_TOO_LONG"]


@pytest.mark.parametrize(
    ("content", "content_type", "status", "code"),
    [
        (b"{not json", "application/json", 400, "BAD_REQUEST"),
        (b"query=x", "text/plain", 400, "BAD_REQUEST"),
        (b'{"variables": {}}', "application/json", 400, "BAD_REQUEST"),
    ],
    ids=["bad-json", "bad-content-type", "no-query"],
)
def test_malformed_requests_are_4xx_with_a_code(
    api: Api, content: bytes, content_type: str, status: int, code: str
) -> None:
    # when the request itself is malformed
    response = api.http.post(
        f"{api.url}/graphql", content=content, headers={"Content-Type": content_type}
    )
    # then a coded JSON error, never plain text
    assert response.status_code == status
    assert error_codes(response.json()) == [code]


def test_other_methods_are_405_with_a_code(api: Api) -> None:
    response = api.http.put(f"{api.url}/graphql", json={"query": "{ me { id } }"})
    assert response.status_code == 405
    assert error_codes(response.json()) == ["METHOD_NOT_ALLOWED"]
