"""Processes dying and backing services restarting: a worker SIGKILLed in the middle of an
upload (SQS redelivers it; it ends READY exactly once), and Redis stopped and started again
under live subscriptions (mutations still succeed; subscriptions recover)."""

from __future__ import annotations

import json
import signal
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from websockets.sync.client import ClientConnection

from graph.server.app import create_app
from services.platform.settings import Settings
from tests.conftest import Stack
from tests.support.clients import Api, boto, subscribed
from tests.support.factories import images
from tests.support.factories.media import side_upload, stored_item, wait_for
from tests.support.processes import environment, prework, redis_server, side_deployment
from tests.support.server import ServerThread

VISIBILITY = 2
CREATE = 'mutation { createSubmission(input: {title: "redis"}) { id } }'
SUBMIT = "mutation S($id: ID!) { submitSubmission(id: $id) { id status } }"
READ = "query R($id: ID!) { submission(id: $id) { status } }"
SUBSCRIBE = "subscription { submissionStatusChanged { id status } }"


def _queue_depth(settings: Settings) -> int:
    sqs = boto(settings, "sqs")
    total = 0
    for name in (settings.queue_name, f"{settings.queue_name}-dlq"):
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
        attributes = sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        total += sum(int(v) for v in attributes.values())
    return total


def _audit_actions(settings: Settings, media_id: str) -> Counter[str]:
    items = boto(settings, "dynamodb").query(
        TableName=settings.table("audit-log"),
        IndexName="EntityIdIndex",
        KeyConditionExpression="entityId = :e",
        ExpressionAttributeValues={":e": {"S": media_id}},
    )["Items"]
    return Counter(item["action"]["S"] for item in items)


def test_a_worker_killed_mid_upload_is_redelivered_and_finishes_exactly_once(
    settings: Settings, tmp_path: Path
) -> None:
    # given a deployment of its own with a short SQS visibility timeout, and a worker process
    side = side_deployment(settings, "kill", worker_visibility_timeout=VISIBILITY)
    env = environment(side, WORKER_VISIBILITY_TIMEOUT=str(VISIBILITY))
    data = images.slow_png()
    with prework(["worker"], env, tmp_path) as first:
        # when an upload that takes a while to process arrives
        media = side_upload(side, data, filename="big.png", content_type="image/png")
        wait_for(
            lambda: stored_item(side, media.media_id)["status"] == "PROCESSING",
            timeout=30,
            what="the worker to claim the upload",
        )
        # and the worker is killed outright right after claiming it
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    assert stored_item(side, media.media_id)["status"] == "PROCESSING"
    # when another worker starts
    with prework(["worker"], env, tmp_path):
        # then SQS redelivers the message after the visibility timeout and it is finished
        wait_for(
            lambda: stored_item(side, media.media_id)["status"] == "READY",
            timeout=40,
            what="the redelivered upload",
        )
        wait_for(lambda: _queue_depth(side) == 0, timeout=20, what="the message to be deleted")
    # and exactly once in effect: one READY, thumbnails under the usual keys, nothing twice
    item = stored_item(side, media.media_id)
    assert (item["status"], int(item["width"])) == ("READY", 7000)
    actions = _audit_actions(side, media.media_id)
    assert actions["PROCESSED"] == 1 and actions["CREATE"] == 1, actions
    assert actions["PROCESS"] == 2, actions  # the dead worker's claim, then the takeover
    rest = item["originalKey"].split("/", 2)[2]
    listed = boto(side, "s3").list_objects_v2(Bucket=side.thumbnails_bucket_name)
    keys = sorted(o["Key"] for o in listed.get("Contents", []) if rest in o["Key"])
    assert keys == [
        f"thumbnails/{width}/{rest}{extension}"
        for width in (200, 400)
        for extension in ("", ".avif", ".webp")
    ]
    assert (item["thumb200Key"], item["thumb400Key"]) == (keys[0], keys[3])


def _submit(api: Api, token: str) -> str:
    created = api.data(CREATE, token=token)["createSubmission"]["id"]
    assert api.data(SUBMIT, {"id": created}, token=token)["submitSubmission"]["status"] == (
        "SUBMITTED"
    )
    return str(created)


def _event_for(ws: ClientConnection, api: Api, token: str) -> tuple[str, dict[str, Any]] | None:
    """Submit one submission and return (its id, the first event seen within a second)."""
    submitted = _submit(api, token)
    try:
        message = json.loads(ws.recv(timeout=1))
    except TimeoutError:
        return None
    assert message["type"] == "next", message
    return submitted, message["payload"]["data"]["submissionStatusChanged"]


def test_redis_down_and_back_keeps_mutations_working_and_subscriptions_recover(
    stack: Stack, user_token: str
) -> None:
    with redis_server() as redis:
        # given an API instance fanning events out through Redis, and a live subscription
        app = create_app(stack.settings.model_copy(update={"redis_url": redis.url}))
        server = ServerThread(app).start()
        api = Api(server.url)
        try:
            with subscribed(api, user_token, SUBSCRIBE) as ws:
                wait_for(lambda: _event_for(ws, api, user_token), timeout=20, what="first event")
                # when Redis stops
                redis.stop()
                # then mutations still succeed promptly: the write is durable in DynamoDB,
                # the event is best-effort (logged and counted as dropped)
                started = time.monotonic()
                during = _submit(api, user_token)
                assert time.monotonic() - started < 5
                assert api.data(READ, {"id": during}, token=user_token)["submission"] == {
                    "status": "SUBMITTED"
                }
                # when Redis comes back on the same port
                redis.start()
                # then the same subscription receives events again, without reconnecting
                _, event = wait_for(
                    lambda: _event_for(ws, api, user_token), timeout=30, what="events after"
                )
                assert event["status"] == "SUBMITTED"
                assert event["id"] != during
        finally:
            server.stop()


@pytest.fixture(autouse=True)
def _quiet_retries(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("ERROR", logger="prework.events")
