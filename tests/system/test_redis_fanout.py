"""Subscription events cross processes through Redis: two `prework serve` processes and a
`prework worker` process share a real redis-server. A subscriber on API #1 sees a submission
submitted on API #2 and an upload the worker process finished."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import connect

from tests.conftest import Stack
from tests.support import processes
from tests.support.clients import Api
from tests.support.factories import images
from tests.support.factories.media import post_file, request_upload, wait_for

STAGE = "xproc"
SUBSCRIBE_MEDIA = (
    "subscription { mediaStatusChanged { id status lastUpdatedBy } }"  # all the caller's media
)
SUBSCRIBE_SUBMISSIONS = "subscription { submissionStatusChanged { id status } }"
CREATE = 'mutation { createSubmission(input: {title: "cross"}) { id } }'
SUBMIT = "mutation S($id: ID!) { submitSubmission(id: $id) { id status } }"


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with processes.redis_server() as server:
        yield server.url


@pytest.fixture(scope="module")
def environment(stack: Stack, redis_url: str) -> dict[str, str]:
    """The processes' configuration: a deployment of its own (stage xproc) in the test
    session's moto server, the session's Cognito pool, and the Redis server."""
    settings = processes.side_deployment(
        stack.settings, STAGE, cursor_secret="cross-process-secret"
    )
    return processes.environment(settings, REDIS_URL=redis_url)


@contextmanager
def api_server(env: dict[str, str], cwd: Path) -> Iterator[Api]:
    with processes.api_server(env, cwd) as (api, _):
        yield api


def _next(ws: Any, timeout: float = 15) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(ws.recv(timeout=timeout))
    assert message["type"] == "next", message
    return message


def test_events_cross_processes_through_redis(
    environment: dict[str, str], user_token: str, tmp_path: Path
) -> None:
    # given API #1, API #2 and a worker process, all on one Redis
    with (
        api_server(environment, tmp_path) as api1,
        api_server(environment, tmp_path) as api2,
        processes.prework(["worker"], environment, tmp_path),
    ):
        ws_url = api1.url.replace("http://", "ws://") + "/graphql"
        with connect(ws_url, subprotocols=["graphql-transport-ws"]) as ws:  # type: ignore[list-item]
            init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {user_token}"}}
            ws.send(json.dumps(init))
            assert json.loads(ws.recv(timeout=10))["type"] == "connection_ack"
            # and a subscriber on API #1 to the user's submissions and media
            for sub_id, query in (("s", SUBSCRIBE_SUBMISSIONS), ("m", SUBSCRIBE_MEDIA)):
                ws.send(
                    json.dumps({"id": sub_id, "type": "subscribe", "payload": {"query": query}})
                )

            # when submissions are submitted on API #2 (until the first one arrives: the
            # subscription is registered asynchronously)
            def submitted_elsewhere() -> dict[str, Any] | None:
                created = api2.data(CREATE, token=user_token)["createSubmission"]
                api2.data(SUBMIT, {"id": created["id"]}, token=user_token)
                try:
                    return _next(ws, timeout=1)
                except TimeoutError:
                    return None

            first = wait_for(submitted_elsewhere, timeout=30, what="an event from API #2")
            # then API #1's subscriber receives it
            assert first["id"] == "s"
            assert first["payload"]["data"]["submissionStatusChanged"]["status"] == "SUBMITTED"

            # when an image is uploaded (requested on API #2) and the worker process handles it
            data = images.photo_jpeg(300, 200, seed=51)
            ticket = request_upload(api2, user_token, size=len(data))
            post_file(ticket, data)
            seen = []
            while not seen or seen[-1]["status"] not in ("READY", "FAILED"):
                message = _next(ws)
                if message["id"] == "m":
                    seen.append(message["payload"]["data"]["mediaStatusChanged"])
            # then API #1's subscriber sees PROCESSING and READY, written by the worker process
            assert [m["status"] for m in seen] == ["PROCESSING", "READY"]
            assert {m["id"] for m in seen} == {ticket.media_id}
            assert {m["lastUpdatedBy"] for m in seen} == {"system"}
