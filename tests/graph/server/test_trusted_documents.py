"""Trusted documents (TRUSTED_DOCUMENTS): a production API runs only the operations of its
manifest — by APQ hash, by documentId or as full text — over HTTP and over the WebSocket;
anything else is OPERATION_NOT_TRUSTED and never runs; a manifest that does not match the
schema stops the start."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from graph.server.app import create_app
from services.platform.settings import Settings
from tests.support.clients import Api, boto, error_codes
from tests.support.factories.documents import (
    apollo_manifest,
    codegen_manifest,
    sha256,
    write_manifest,
)
from tests.support.server import ServerThread

ME = "query Me { me { id email } }"
STATUS = "subscription Status { submissionStatusChanged { id status } }"
UNLISTED = "query Unlisted { me { id role } }"
INVALID = "query Broken { me { nope } }"


def production(settings: Settings, source: str) -> Settings:
    return settings.model_copy(
        update={"env": "production", "cursor_secret": "t" * 40, "trusted_documents": source}
    )


@pytest.fixture(scope="module")
def trusted(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """A production API whose manifest is Codegen's persisted-documents.json: ME and STATUS."""
    path = write_manifest(
        tmp_path_factory.mktemp("trusted") / "persisted-documents.json",
        codegen_manifest(ME, STATUS),
    )
    server = ServerThread(create_app(production(settings, str(path)))).start()
    yield Api(server.url)
    server.stop()


def post(api: Api, body: dict[str, Any], token: str) -> httpx.Response:
    return api.http.post(
        f"{api.url}/graphql", json=body, headers={"Authorization": f"Bearer {token}"}
    )


def test_an_unlisted_operation_is_refused_and_never_runs(trusted: Api, user_token: str) -> None:
    # when a full query that is not in the manifest is sent, alone or to be registered
    plain = post(trusted, {"query": UNLISTED}, user_token)
    hashed = {"persistedQuery": {"version": 1, "sha256Hash": sha256(UNLISTED)}}
    registering = post(trusted, {"query": UNLISTED, "extensions": hashed}, user_token)
    # then both are refused with a clear code, without data, and nothing was registered
    for refused in (plain, registering):
        assert refused.status_code == 403, refused.text
        assert error_codes(refused.json()) == ["OPERATION_NOT_TRUSTED"]
        assert "data" not in refused.json()
    by_hash = post(trusted, {"extensions": hashed}, user_token)
    assert error_codes(by_hash.json()) == ["OPERATION_NOT_TRUSTED"]
    unknown_id = post(trusted, {"documentId": f"sha256:{sha256(UNLISTED)}"}, user_token)
    assert error_codes(unknown_id.json()) == ["OPERATION_NOT_TRUSTED"]


def test_listed_operations_run_by_text_hash_or_id(trusted: Api, user_token: str) -> None:
    # when the manifest's query is sent as text, by APQ hash (over POST and GET) and by id
    hashed = {"persistedQuery": {"version": 1, "sha256Hash": sha256(ME)}}
    answers = [
        post(trusted, {"query": ME}, user_token),
        post(trusted, {"extensions": hashed}, user_token),
        trusted.http.get(
            f"{trusted.url}/graphql",
            params={"extensions": json.dumps(hashed)},
            headers={"Authorization": f"Bearer {user_token}", "Accept": "application/json"},
        ),
        post(trusted, {"documentId": f"sha256:{sha256(ME)}"}, user_token),
        post(trusted, {"documentId": sha256(ME)}, user_token),
    ]
    # then each runs it
    for answer in answers:
        assert answer.status_code == 200, answer.text
        assert answer.json()["data"]["me"]["email"] == "user@example.com"


def _socket_answer(api: Api, token: str, payload: dict[str, Any]) -> dict[str, Any]:
    """The first message a graphql-transport-ws socket gets for one operation."""
    url = api.url.replace("http://", "ws://") + "/graphql"
    with connect(url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
        ws.send(json.dumps(init))
        assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
        ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
        answer: dict[str, Any] = json.loads(ws.recv(timeout=10))
        return answer


def test_the_websocket_is_held_to_the_manifest(trusted: Api, user_token: str) -> None:
    # when an unlisted subscription is sent over the socket
    refused = _socket_answer(
        trusted, user_token, {"query": "subscription { submissionStatusChanged { id } }"}
    )
    # then it is an error with the same code, and never subscribes
    assert refused["type"] == "error"
    assert refused["payload"][0]["extensions"]["code"] == "OPERATION_NOT_TRUSTED"
    # when the listed query is sent by its id
    listed = _socket_answer(trusted, user_token, {"documentId": f"sha256:{sha256(ME)}"})
    # then it runs
    assert listed["type"] == "next", listed
    assert listed["payload"]["data"]["me"]["email"] == "user@example.com"


def test_the_legacy_websocket_protocol_is_held_to_the_manifest(
    trusted: Api, user_token: str
) -> None:
    # given a socket on the legacy graphql-ws protocol (subscriptions-transport-ws)
    url = trusted.url.replace("http://", "ws://") + "/graphql"
    with connect(url, subprotocols=["graphql-ws"]) as ws:  # type: ignore[list-item]
        init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {user_token}"}}
        ws.send(json.dumps(init))
        assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
        # when an unlisted subscription starts
        unlisted = "subscription { submissionStatusChanged { id } }"
        ws.send(json.dumps({"id": "1", "type": "start", "payload": {"query": unlisted}}))
        refused = json.loads(ws.recv(timeout=10))
    # then it is refused with the same code
    assert refused["type"] == "error", refused
    assert refused["payload"]["extensions"]["code"] == "OPERATION_NOT_TRUSTED"


def test_an_apollo_manifest_in_s3_is_honoured(settings: Settings, user_token: str) -> None:
    # given Apollo's persisted-query-manifest.json in S3
    key = "trusted/persisted-query-manifest.json"
    bucket = settings.documents_bucket_name
    boto(settings, "s3").put_object(Bucket=bucket, Key=key, Body=json.dumps(apollo_manifest(ME)))
    server = ServerThread(create_app(production(settings, f"s3://{bucket}/{key}"))).start()
    try:
        api = Api(server.url)
        # when the listed and an unlisted operation are sent
        listed = post(api, {"query": ME}, user_token)
        unlisted = post(api, {"query": UNLISTED}, user_token)
        # then only the listed one runs
        assert listed.json()["data"]["me"]["email"] == "user@example.com"
        assert error_codes(unlisted.json()) == ["OPERATION_NOT_TRUSTED"]
    finally:
        server.stop()


# uvicorn ends its thread with SystemExit when the start fails: that is the point here
@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_manifest_that_does_not_match_the_schema_stops_the_start(
    settings: Settings, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # given a manifest with an operation the schema cannot run
    path = write_manifest(tmp_path / "persisted-documents.json", codegen_manifest(ME, INVALID))
    # when the API starts with it
    server = ServerThread(create_app(production(settings, str(path))))
    uvicorn_log = logging.getLogger("uvicorn.error")  # uvicorn's own, not propagated
    uvicorn_log.addHandler(caplog.handler)
    try:
        with pytest.raises(RuntimeError, match="did not start"):
            server.start()
    finally:
        uvicorn_log.removeHandler(caplog.handler)
        server.stop()
    # then it does not start, and says which operation and why
    assert "Broken: Cannot query field 'nope' on type 'User'" in caplog.text
