"""The Python `gql` client against the running service: HTTP for queries and mutations,
graphql-transport-ws for a subscription."""

from __future__ import annotations

import asyncio
import time
import uuid
from io import BytesIO
from typing import Any

import httpx
import pytest
from gql import Client, GraphQLRequest
from gql.transport.httpx import HTTPXAsyncTransport
from gql.transport.websockets import WebsocketsTransport
from PIL import Image

from e2e.conftest import Service

pytestmark = pytest.mark.e2e

STEP_SECONDS = 15

CREATE = GraphQLRequest(
    "mutation Create($input: CreateSubmissionInput!) {"
    "  createSubmission(input: $input) { id status owner { email } } }"
)
SUBMIT = GraphQLRequest("mutation Submit($id: ID!) { submitSubmission(id: $id) { id status } }")
WATCH = GraphQLRequest(
    "subscription Watch($id: ID) { submissionStatusChanged(submissionId: $id) { id status } }"
)


def http_client(service: Service) -> Client:
    transport = HTTPXAsyncTransport(
        url=f"{service.url}/graphql",
        headers={"Authorization": f"Bearer {service.token}"},
        timeout=STEP_SECONDS,
    )
    return Client(transport=transport, execute_timeout=STEP_SECONDS)


def ws_client(service: Service) -> Client:
    transport = WebsocketsTransport(
        url=f"{service.url.replace('http', 'ws', 1)}/graphql",
        init_payload={"Authorization": f"Bearer {service.token}"},
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
        connect_timeout=STEP_SECONDS,
        close_timeout=5,
    )
    return Client(transport=transport, execute_timeout=STEP_SECONDS)


def open_subscriptions(service: Service) -> float:
    """The server's prework_subscriptions_open gauge."""
    text = httpx.get(f"{service.url}/metrics", timeout=STEP_SECONDS).text
    line = next(x for x in text.splitlines() if x.startswith("prework_subscriptions_open"))
    return float(line.rsplit(" ", 1)[1])


async def test_query_and_mutation_over_http(service: Service) -> None:
    # given the demo user's token
    async with http_client(service) as session:
        # when asking who they are and creating a submission
        me = await session.execute(GraphQLRequest("query Me { me { email role } }"))
        title = f"e2e gql {uuid.uuid4().hex[:8]}"
        created = await session.execute(
            GraphQLRequest(CREATE, variable_values={"input": {"title": title}})
        )
    # then both answer as that user
    assert me == {"me": {"email": "user@example.com", "role": "USER"}}
    assert created["createSubmission"]["status"] == "DRAFT"
    assert created["createSubmission"]["owner"] == {"email": "user@example.com"}


async def test_subscription_over_websocket_sees_the_submit(service: Service) -> None:
    # given a draft submission and a subscription to its status
    async with http_client(service) as http:
        created = await http.execute(
            GraphQLRequest(CREATE, variable_values={"input": {"title": "e2e gql subscription"}})
        )
        submission_id = created["createSubmission"]["id"]
        async with ws_client(service) as ws:
            baseline = open_subscriptions(service)
            events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

            async def listen() -> None:
                watch = GraphQLRequest(WATCH, variable_values={"id": submission_id})
                async for event in ws.subscribe(watch):
                    await events.put(event)

            listener = asyncio.create_task(listen())
            try:
                await _until_active(service, baseline)
                # when it is submitted over HTTP
                submitted = await http.execute(
                    GraphQLRequest(SUBMIT, variable_values={"id": submission_id})
                )
                async with asyncio.timeout(STEP_SECONDS):
                    event = await events.get()
            finally:
                listener.cancel()
                await asyncio.gather(listener, return_exceptions=True)
    # then the subscriber receives SUBMITTED for it
    assert submitted["submitSubmission"]["status"] == "SUBMITTED"
    assert event == {"submissionStatusChanged": {"id": submission_id, "status": "SUBMITTED"}}


async def _until_active(service: Service, baseline: float) -> None:
    """Until the server counts one more open subscription (then events reach it)."""
    deadline = time.monotonic() + STEP_SECONDS
    while open_subscriptions(service) <= baseline:
        assert time.monotonic() < deadline, "the subscription never became active"
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)  # the gauge rises as the resolver starts; let it reach the broker


UPLOAD = GraphQLRequest(
    "mutation Upload($input: RequestUploadInput!) {"
    "  requestUpload(input: $input) { media { id status } url fields } }"
)
WATCH_MEDIA = GraphQLRequest(
    "subscription WatchMedia($id: ID) {"
    "  mediaStatusChanged(mediaId: $id) { id status width thumbnailUrl(width: 200) } }"
)


def _photo() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (640, 480), (30, 90, 160)).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


async def test_upload_is_seen_ready_over_websocket(service: Service) -> None:
    # given an upload ticket and a subscription to that medium's status
    photo = _photo()
    async with http_client(service) as http:
        ticket = await http.execute(
            GraphQLRequest(
                UPLOAD,
                variable_values={
                    "input": {
                        "filename": "gql.jpg",
                        "contentType": "image/jpeg",
                        "size": len(photo),
                        "kind": "IMAGE",
                    }
                },
            )
        )
    upload = ticket["requestUpload"]
    async with ws_client(service) as ws:
        baseline = open_subscriptions(service)
        events: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

        async def listen() -> None:
            watch = GraphQLRequest(WATCH_MEDIA, variable_values={"id": upload["media"]["id"]})
            async for event in ws.subscribe(watch):
                await events.put(event["mediaStatusChanged"])

        listener = asyncio.create_task(listen())
        try:
            await _until_active(service, baseline)
            # when the file is posted straight to S3 with the ticket's fields
            async with httpx.AsyncClient(timeout=STEP_SECONDS) as s3:
                posted = await s3.post(
                    upload["url"],
                    data=upload["fields"],
                    files={"file": ("gql.jpg", photo, "image/jpeg")},
                )
            seen = []
            async with asyncio.timeout(STEP_SECONDS):
                while not seen or seen[-1]["status"] not in ("READY", "FAILED"):
                    seen.append(await events.get())
        finally:
            listener.cancel()
            await asyncio.gather(listener, return_exceptions=True)
    # then the subscriber sees it processed to READY, with a working thumbnail link
    assert posted.status_code in (200, 204)
    assert [e["status"] for e in seen][-1] == "READY"
    assert seen[-1]["width"] == 640
    async with httpx.AsyncClient(timeout=STEP_SECONDS) as client:
        thumbnail = await client.get(seen[-1]["thumbnailUrl"])
    assert thumbnail.status_code == 200
