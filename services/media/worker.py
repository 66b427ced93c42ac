"""The upload worker: S3 ObjectCreated events from SQS → `processing.process_upload`.

Runs as `prework worker`, inside `prework serve` (settings.worker_in_process), or as an AWS
Lambda (`lambda_handler`, SQS or raw S3 events). A message is deleted only once every upload
it names is READY or FAILED (or has no media item); anything else is left for SQS to deliver
again, and after `worker_max_receives` receives the queue's redrive policy moves it to the DLQ.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections import deque
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote_plus

import orjson
from botocore.exceptions import BotoCoreError, ClientError

from services.media.pipeline import InProgress, process_upload
from services.platform.settings import Settings
from services.runtime.wiring import Runtime, RuntimeScope

log = logging.getLogger("prework.worker")

_BATCH = 10
_ERROR_PAUSE_SECONDS = 1.0


def uploads_in(event: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(bucket, key) of each ObjectCreated record; keys arrive URL-encoded ('+' for space)."""
    for record in event.get("Records", []):
        if record.get("eventSource") != "aws:s3":
            continue
        if not str(record.get("eventName", "")).startswith("ObjectCreated"):
            continue
        s3 = record.get("s3", {})
        yield s3["bucket"]["name"], unquote_plus(s3["object"]["key"])


async def handle_event(*, runtime: Runtime, event: dict[str, Any]) -> bool:
    """Process every upload in one S3 event; True when the event is finished with."""
    if event.get("Event") == "s3:TestEvent":
        return True  # sent once when the notification is configured
    done = True
    for bucket, key in uploads_in(event):
        try:
            await process_upload(runtime=runtime, bucket=bucket, key=key)
        except InProgress:
            done = False
    return done


async def handle_body(*, runtime: Runtime, body: str) -> bool:
    """One SQS message body (an S3 event as JSON); True when it may be deleted."""
    try:
        event = orjson.loads(body)
    except orjson.JSONDecodeError:
        log.warning("dropping a message that is not JSON: %.200r", body)
        return True
    if not isinstance(event, dict):
        log.warning("dropping a message that is not an S3 event: %.200r", body)
        return True
    return await handle_event(runtime=runtime, event=event)


class Worker:
    """Long-polls the upload queue until `stop()`; the messages in hand are finished first."""

    def __init__(self, *, runtime: Runtime) -> None:
        self.runtime = runtime
        # Ids of recently finished messages (deleted or left for redelivery): logs and tests.
        self.handled: deque[str] = deque(maxlen=1000)
        self.polling = asyncio.Event()  # set once the first receive call is under way
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        settings = self.runtime.settings
        sqs = self.runtime.aws.sqs
        url = (await sqs.get_queue_url(QueueName=settings.queue_name))["QueueUrl"]
        log.info("worker polling %s", settings.queue_name)
        while not self._stopping.is_set():
            self.polling.set()
            receive = asyncio.ensure_future(
                sqs.receive_message(
                    QueueUrl=url,
                    MaxNumberOfMessages=_BATCH,
                    WaitTimeSeconds=settings.worker_wait_seconds,
                    VisibilityTimeout=settings.worker_visibility_timeout,
                )
            )
            stopping = asyncio.ensure_future(self._stopping.wait())
            await asyncio.wait({receive, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if not receive.done():
                # Stopping while nothing is in hand; a message SQS handed out meanwhile
                # simply becomes visible again after the timeout.
                receive.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await receive
                break
            try:
                messages = receive.result().get("Messages", [])
            except (BotoCoreError, ClientError) as error:
                log.warning("receiving from the upload queue failed: %s", error)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), _ERROR_PAUSE_SECONDS)
                continue
            # Not cancelled by stop(): a SIGTERM lets the batch in hand finish.
            await asyncio.gather(*(self._handle(url, m) for m in messages))
        log.info("worker stopped")

    async def _handle(self, url: str, message: dict[str, Any]) -> None:
        try:
            done = await handle_body(runtime=self.runtime, body=message.get("Body", ""))
        except Exception:
            # One bad upload must not stop the worker; SQS retries, then the DLQ keeps it.
            log.exception("processing message %s failed", message.get("MessageId"))
            done = False
        if done:
            try:
                await self.runtime.aws.sqs.delete_message(
                    QueueUrl=url, ReceiptHandle=message["ReceiptHandle"]
                )
            except (BotoCoreError, ClientError) as error:
                log.warning("could not delete message %s: %s", message.get("MessageId"), error)
        self.handled.append(str(message.get("MessageId")))


async def run_worker(settings: Settings) -> None:
    """`prework worker`: poll until SIGTERM or SIGINT, then finish the messages in hand."""
    async with RuntimeScope(settings) as runtime:
        worker = Worker(runtime=runtime)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, worker.stop)
        await worker.run()


async def _lambda(event: dict[str, Any], settings: Settings) -> dict[str, Any]:
    async with RuntimeScope(settings) as runtime:
        records = event.get("Records", [])
        if records and all(r.get("eventSource") == "aws:sqs" for r in records):
            failures = []
            for record in records:
                try:
                    done = await handle_body(runtime=runtime, body=record.get("body", ""))
                except Exception:
                    log.exception("processing message %s failed", record.get("messageId"))
                    done = False
                if not done:
                    failures.append({"itemIdentifier": record["messageId"]})
            return {"batchItemFailures": failures}
        # A raw S3 event (direct trigger): raising makes Lambda retry the invocation.
        if not await handle_event(runtime=runtime, event=event):
            raise RuntimeError("an upload in this event is being processed elsewhere; retry")
        return {"batchItemFailures": []}


def lambda_handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    """AWS Lambda entry point: S3 events delivered through SQS (partial batch responses
    enabled: failed message ids are returned) or directly. Configure with the same
    environment variables as the service."""
    return asyncio.run(_lambda(event, Settings()))
