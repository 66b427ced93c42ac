import json

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tests.support.clients import Api

ME = "{ me { id email role profile { jobTitle manager { email } } } }"


def test_me_answers_for_the_demo_user(api: Api, user_token: str) -> None:
    # given the seeded demo user signed in
    # when they ask who they are
    data = api.data(ME, token=user_token)
    # then their profile and their manager come back
    assert data["me"]["email"] == "user@example.com"
    assert data["me"]["role"] == "USER"
    assert data["me"]["profile"]["manager"]["email"] == "manager@example.com"


def test_oversized_bodies_are_refused_with_413(api: Api) -> None:
    # given a body over the 256 KiB default
    padding = "#" + "x" * 300_000 + "\n"
    # when it is posted
    response = api.post(padding + "{ me { id } }")
    # then a coded 413, not a 500
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


def test_graphiql_is_served_to_browsers(api: Api) -> None:
    # when a browser opens /graphql
    response = api.http.get(f"{api.url}/graphql", headers={"Accept": "text/html"})
    # then GraphiQL comes back
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()


def test_request_id_is_returned_and_in_errors(api: Api) -> None:
    # given a caller-chosen request id
    response = api.post(ME, headers={"X-Request-Id": "abc12345-test"})
    # then it is echoed in the header and in the error extensions
    assert response.headers["x-request-id"] == "abc12345-test"
    assert response.json()["errors"][0]["extensions"]["requestId"] == "abc12345-test"


def test_browsers_on_allowed_origins_may_call_graphql(api: Api) -> None:
    # given the web frontend's origin (a default of CORS_ALLOWED_ORIGINS) and a stranger's
    allowed, stranger = "http://localhost:3001", "https://evil.example.com"
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    # when each sends a CORS pre-flight and a request
    ok = api.http.options(f"{api.url}/graphql", headers={"Origin": allowed, **preflight})
    refused = api.http.options(f"{api.url}/graphql", headers={"Origin": stranger, **preflight})
    answer = api.post(ME, headers={"Origin": allowed})
    # then only the allowed origin is granted, and it can read the request id
    assert ok.status_code == 200
    assert ok.headers["access-control-allow-origin"] == allowed
    assert "authorization" in ok.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-origin" not in refused.headers
    assert answer.headers["access-control-allow-origin"] == allowed
    assert "x-request-id" in answer.headers["access-control-expose-headers"].lower()


def _handshake(api: Api, origin: str) -> str:
    url = api.url.replace("http://", "ws://") + "/graphql"
    with connect(
        url,
        subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
        additional_headers={"Origin": origin},
    ) as ws:
        ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        return str(json.loads(ws.recv(timeout=10))["type"])


def test_browsers_on_allowed_origins_may_open_the_subscription_socket(api: Api) -> None:
    # given a page on the web frontend's origin and a stranger's page (browsers send Origin on
    # the WebSocket handshake; graphql-ws in Apollo / urql cannot leave it out)
    allowed, stranger = "http://localhost:3001", "https://evil.example.com"
    # when each opens the subscription socket
    acknowledged = _handshake(api, allowed)
    with pytest.raises(InvalidStatus) as refused:
        _handshake(api, stranger)
    # then the allowed origin's socket works and the stranger's handshake is refused
    assert acknowledged == "connection_ack"
    assert refused.value.response.status_code == 403
