"""AWS faults while the service runs: the endpoint goes away and comes back (API and worker),
DynamoDB throttles or answers 500. Requests fail fast with a coded error or are retried, then
recover without a restart; no upload event is lost."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from moto.server import ThreadedMotoServer

from graph.server.app import create_app
from services.platform.settings import Settings
from tests.support.clients import Api, boto, error_codes
from tests.support.factories import images
from tests.support.factories.media import side_upload, stored_item, wait_for
from tests.support.processes import (
    HTML_500,
    SERVER_ERROR,
    THROTTLED,
    FaultProxy,
    dynamodb,
    environment,
    fault_proxy,
    prework,
    side_deployment,
)
from tests.support.server import ServerThread, free_port

ME = "{ me { email } }"


def test_requests_fail_fast_while_aws_is_down_and_recover_after(
    settings: Settings, user_token: str
) -> None:
    # given an API whose AWS endpoint is its own moto server (sharing the session's state)
    port = free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    moto.start()
    own = settings.model_copy(
        update={"aws_endpoint_url": f"http://127.0.0.1:{port}", "aws_max_attempts": 2}
    )
    server = ServerThread(create_app(own)).start()
    api = Api(server.url)
    try:
        assert api.data(ME, token=user_token)["me"]["email"] == "user@example.com"
        # when the endpoint stops
        moto.stop()
        started = time.monotonic()
        body = api.run(ME, token=user_token)
        elapsed = time.monotonic() - started
        # then the request fails fast with a coded, retryable error
        assert error_codes(body) == ["SERVICE_UNAVAILABLE"]
        assert elapsed < 5
        # when it comes back on the same address
        moto = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        moto.start()
        # then the same running API answers again
        assert api.data(ME, token=user_token)["me"]["email"] == "user@example.com"
    finally:
        server.stop()
        moto.stop()


@pytest.fixture(scope="module")
def proxied(settings: Settings) -> Iterator[tuple[Api, FaultProxy]]:
    """A copy of the app whose AWS endpoint is a fault-injecting proxy in front of moto."""
    with fault_proxy(str(settings.aws_endpoint_url)) as proxy:
        # The revocation poll (a GetItem a second) would take faults meant for requests.
        own = settings.model_copy(
            update={
                "aws_endpoint_url": proxy.url,
                "aws_max_attempts": 3,
                "revocation_poll_seconds": 60,
            }
        )
        server = ServerThread(create_app(own)).start()
        try:
            yield Api(server.url), proxy
        finally:
            server.stop()


@pytest.mark.parametrize("answer", [THROTTLED, SERVER_ERROR], ids=["throttled", "500"])
def test_a_throttled_or_failing_dynamodb_call_is_retried(
    proxied: tuple[Api, FaultProxy], user_token: str, answer: tuple[int, dict[str, Any]]
) -> None:
    # given DynamoDB answers the next two calls with a throttle (or a 500)
    api, proxy = proxied
    api.data(ME, token=user_token)  # keys fetched, connections open
    proxy.clear()
    proxy.fail(dynamodb(), 2, answer)
    # when a request needs DynamoDB
    data = api.data(ME, token=user_token)
    # then botocore retried past both failures and the caller never noticed
    assert data["me"]["email"] == "user@example.com"
    assert len(proxy.failed) == 2
    assert proxy.count(dynamodb()) > 2


@pytest.mark.parametrize(
    "answer", [THROTTLED, SERVER_ERROR, HTML_500], ids=["throttled", "500", "html-500"]
)
def test_throttling_that_persists_is_service_unavailable_after_bounded_attempts(
    proxied: tuple[Api, FaultProxy], user_token: str, answer: tuple[int, dict[str, Any]]
) -> None:
    # given DynamoDB throttles (or fails) every call
    api, proxy = proxied
    api.data(ME, token=user_token)
    proxy.clear()
    proxy.fail(dynamodb(), 1000, answer)
    # when a request needs DynamoDB
    started = time.monotonic()
    response = api.post(ME, token=user_token)
    elapsed = time.monotonic() - started
    # then it gives up after AWS_MAX_ATTEMPTS (3) tries, with a coded, retryable error (no 5xx)
    assert response.status_code == 200
    body = response.json()
    assert error_codes(body) == ["SERVICE_UNAVAILABLE"]
    assert "Throttl" not in body["errors"][0]["message"]
    per_operation = Counter(proxy.failed)
    assert per_operation and set(per_operation.values()) == {3}, per_operation
    assert elapsed < 10
    # and once DynamoDB recovers, the same app answers again
    proxy.clear()
    assert api.data(ME, token=user_token)["me"]["email"] == "user@example.com"


def test_the_worker_waits_out_an_outage_and_loses_no_upload_event(
    settings: Settings, tmp_path: Path
) -> None:
    # given a worker process (its own deployment) that reaches AWS through a proxy
    side = side_deployment(settings, "resume", worker_visibility_timeout=3)
    sqs = boto(side, "sqs")
    queue = sqs.get_queue_url(QueueName=side.queue_name)["QueueUrl"]
    with fault_proxy(str(settings.aws_endpoint_url)) as proxy:
        # (a long poll already under way when the outage starts can still hand the worker the
        # message, which it then cannot process: SQS gives it back after the visibility timeout)
        env = environment(
            side,
            AWS_ENDPOINT_URL=proxy.url,
            AWS_MAX_ATTEMPTS="2",
            WORKER_VISIBILITY_TIMEOUT="3",
        )
        with prework(["worker"], env, tmp_path) as worker:
            first = side_upload(side, images.photo_jpeg(120, 90, seed=61))
            wait_for(lambda: stored_item(side, first.media_id)["status"] == "READY", what="warm-up")
            # (the worker deletes the message after the READY write: let it, or the outage
            # below would leave that message in the queue too)
            wait_for(lambda: _in_queue(sqs, queue) == 0, what="warm-up message deleted")
            # when AWS becomes unreachable for the worker and an upload arrives meanwhile
            proxy.down = True
            second = side_upload(side, images.photo_jpeg(120, 90, seed=62))
            time.sleep(3)  # several failed polls
            # then the event waits in the queue, the upload waits, the worker is still running
            assert _in_queue(sqs, queue) == 1
            assert stored_item(side, second.media_id)["status"] == "PENDING_UPLOAD"
            assert worker.poll() is None
            # when AWS is reachable again
            proxy.down = False
            # then the same worker picks the event up and finishes the upload, once
            wait_for(
                lambda: stored_item(side, second.media_id)["status"] == "READY",
                timeout=30,
                what="the upload after the outage",
            )
            wait_for(lambda: _in_queue(sqs, queue) == 0, what="the message to be deleted")
            assert worker.poll() is None


def _in_queue(sqs: Any, url: str) -> int:
    attributes = sqs.get_queue_attributes(
        QueueUrl=url,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return int(attributes["ApproximateNumberOfMessages"]) + int(
        attributes["ApproximateNumberOfMessagesNotVisible"]
    )
