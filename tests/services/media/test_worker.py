"""The SQS worker and the Lambda handler: redelivery changes nothing, test events and junk
are dropped, SIGTERM-style stops are prompt, and Lambda reports partial batch failures."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest

from services.local import provisioning
from services.media.worker import Worker, lambda_handler
from services.platform.aws import Aws
from services.platform.settings import Settings
from services.runtime.wiring import RuntimeScope
from tests.conftest import Stack
from tests.support.clients import Api, boto
from tests.support.factories import images
from tests.support.factories.media import ready_image, s3_event, side_upload, stored_item, wait_for
from tests.support.server import run_async


def _send(stack: Stack, body: str) -> str:
    sqs = boto(stack.settings, "sqs")
    url = sqs.get_queue_url(QueueName=stack.settings.queue_name)["QueueUrl"]
    return str(sqs.send_message(QueueUrl=url, MessageBody=body)["MessageId"])


def _handled(stack: Stack, message_id: str) -> bool:
    worker: Worker = stack.server.app.state.worker
    return message_id in worker.handled


def test_redelivering_the_same_event_changes_nothing(
    api: Api, user_token: str, stack: Stack
) -> None:
    # given a READY image and the state of its item and thumbnails
    image = ready_image(api, user_token, seed=21)
    before = stored_item(stack.settings, image["id"])
    s3 = boto(stack.settings, "s3")
    thumbs = stack.settings.thumbnails_bucket_name
    rest = before["originalKey"].split("/", 2)[2]

    def thumbnail_objects() -> list[tuple[str, str, Any]]:
        listed = s3.list_objects_v2(Bucket=thumbs).get("Contents", [])
        return sorted((o["Key"], o["ETag"], o["LastModified"]) for o in listed if rest in o["Key"])

    objects = thumbnail_objects()
    assert [key for key, _, _ in objects] == [
        f"thumbnails/{width}/{rest}{extension}"
        for width in (200, 400)
        for extension in ("", ".avif", ".webp")
    ]

    # when SQS delivers the same S3 event twice more
    body = s3_event(before["bucket"], before["originalKey"], int(before["size"]))
    sent = [_send(stack, body), _send(stack, body)]
    for message_id in sent:
        wait_for(lambda m=message_id: _handled(stack, m), what="the worker to take the message")

    # then the item, its version and the thumbnail objects are exactly as they were
    assert stored_item(stack.settings, image["id"]) == before
    assert thumbnail_objects() == objects


def test_test_events_and_junk_are_dropped_and_the_worker_goes_on(
    api: Api, user_token: str, stack: Stack
) -> None:
    # given S3's test event, a non-JSON body and an event for an object nobody requested
    junk = [
        '{"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"b"}',
        "not json at all",
        "[1, 2, 3]",
        s3_event(stack.settings.media_bucket_name, "uploads/nobody/1-x.jpg"),
    ]
    # when they reach the worker
    sent = [_send(stack, body) for body in junk]
    for message_id in sent:
        wait_for(lambda m=message_id: _handled(stack, m), what="the worker to take the message")
    # then they are deleted from the queue, and a real upload still works
    sqs = boto(stack.settings, "sqs")
    url = sqs.get_queue_url(QueueName=stack.settings.queue_name)["QueueUrl"]

    def drained() -> bool:
        attributes = sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        )["Attributes"]
        return all(v == "0" for v in attributes.values())

    wait_for(drained, what="the queue to drain")
    assert ready_image(api, user_token, seed=22)["status"] == "READY"


# A deployment of its own (stage "side") in the same moto server: its queue has no worker
# running, so these tests decide exactly who processes what.
@pytest.fixture(scope="module")
def side(stack: Stack) -> Settings:
    # Built afresh: a copy would keep the cached bucket and queue names of the main stage.
    settings = Settings.model_validate({**stack.settings.model_dump(), "stage": "side"})

    async def provision() -> None:
        async with Aws(settings) as aws:
            await provisioning.provision(aws=aws, settings=settings)

    run_async(provision())
    return settings


@pytest.fixture
def lambda_env(side: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Iterator[None]:
    # Lambda reads its configuration from the environment, like the service.
    monkeypatch.chdir(tmp_path)
    for name, value in {
        "ENV": "test",
        "STAGE": "side",
        "AWS_ENDPOINT_URL": str(side.aws_endpoint_url),
        "AWS_REGION": side.aws_region,
        "CURSOR_SECRET": "lambda-test",
    }.items():
        monkeypatch.setenv(name, value)
    yield


def _sqs_event(*bodies: tuple[str, str]) -> dict[str, Any]:
    return {
        "Records": [
            {"messageId": message_id, "eventSource": "aws:sqs", "body": body}
            for message_id, body in bodies
        ]
    }


def test_the_lambda_handler_processes_s3_events_from_sqs(side: Settings, lambda_env: None) -> None:
    # given an uploaded image and a broken one in the side deployment
    good = side_upload(side, images.photo_jpeg(500, 250, seed=1))
    bad = side_upload(side, images.HTML)
    # when Lambda delivers their S3 events as one SQS batch
    result = lambda_handler(
        _sqs_event(
            ("m-good", s3_event(good.bucket, good.original_key)),
            ("m-bad", s3_event(bad.bucket, bad.original_key)),
            ("m-test", '{"Event":"s3:TestEvent"}'),
        ),
        None,
    )
    # then both are finished (one READY, one FAILED) and no message is reported as failed
    assert result == {"batchItemFailures": []}
    assert stored_item(side, good.media_id)["status"] == "READY"
    assert int(stored_item(side, good.media_id)["width"]) == 500
    assert stored_item(side, bad.media_id)["status"] == "FAILED"


def test_the_lambda_handler_takes_raw_s3_events_too(side: Settings, lambda_env: None) -> None:
    # given an uploaded PNG
    uploaded = side_upload(side, images.tiny())
    # when S3 invokes the function directly
    event = s3_event(uploaded.bucket, uploaded.original_key)
    result = lambda_handler(json.loads(event), None)
    # then the image is processed (declared as JPEG, it is a PNG: FAILED, wrong type)
    assert result == {"batchItemFailures": []}
    assert stored_item(side, uploaded.media_id)["failureReason"].startswith("wrong type")


def test_the_lambda_handler_reports_messages_it_could_not_finish(
    side: Settings, lambda_env: None
) -> None:
    # given an upload another processor is working on right now
    uploaded = side_upload(side, images.photo_jpeg(100, 100))
    boto(side, "dynamodb").update_item(
        TableName=side.table("media"),
        Key={"mediaId": {"S": uploaded.media_id}},
        UpdateExpression="SET #s = :p",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":p": {"S": "PROCESSING"}},
    )
    # when its event arrives in a batch
    result = lambda_handler(
        _sqs_event(("m-busy", s3_event(uploaded.bucket, uploaded.original_key))), None
    )
    # then that message is handed back to SQS for a later retry
    assert result == {"batchItemFailures": [{"itemIdentifier": "m-busy"}]}


def test_a_stopped_worker_returns_promptly_while_long_polling(side: Settings) -> None:
    # given a worker long-polling an empty queue for up to 20 seconds
    settings = side.model_copy(update={"worker_wait_seconds": 20})

    async def scenario() -> float:
        async with RuntimeScope(settings) as runtime:
            worker = Worker(runtime=runtime)
            task = asyncio.create_task(worker.run())
            await worker.polling.wait()  # it is inside the long poll
            # when it is told to stop (what SIGTERM does)
            loop = asyncio.get_running_loop()
            started = loop.time()
            worker.stop()
            await asyncio.wait_for(task, timeout=5)
            return loop.time() - started

    # then it stops at once instead of finishing the poll
    assert run_async(scenario()) < 2
