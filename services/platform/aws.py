"""Long-lived aioboto3 clients, opened once at start-up and shared by every request.

The same code talks to real AWS or to the local moto server: only the endpoint differs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

import aioboto3
import aiohttp
from aiobotocore.config import AioConfig

from services.platform import metrics
from services.platform.dynamodb_reads import DynamoReads
from services.platform.settings import Settings


@dataclass(frozen=True)
class AwsCall:
    """One finished AWS API call, as seen by listeners (tests and benchmarks count these)."""

    service: str
    operation: str
    started: float
    ended: float
    # Made by housekeeping running beside the work (the revocation poll), not by a request.
    background: bool = False


CallListener = Callable[[AwsCall], None]


@dataclass
class CallCount:
    """AWS calls made by one piece of work (a GraphQL operation's actual cost)."""

    calls: int = 0


# The count of the operation running in this context; tasks it starts (DataLoader batches)
# inherit the same counter object.
CURRENT_COUNT: ContextVar[CallCount | None] = ContextVar("prework_aws_call_count", default=None)
# Set inside a background task (its own context): its calls are marked `background`.
BACKGROUND: ContextVar[bool] = ContextVar("prework_aws_background", default=False)


class Aws:
    """The AWS clients of one process. Use `async with Aws.open(settings) as aws`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.listeners: list[CallListener] = []
        self._stack = AsyncExitStack()
        self.dynamodb: Any = None
        self.s3: Any = None
        self.sqs: Any = None
        self.cognito: Any = None
        # GetItem / BatchGetItem / Query / Scan of the read path (dynamodb_reads.py).
        self.dynamodb_reads: DynamoReads = DynamoReads(
            client=None, botocore=None, endpoint="", listeners=self._record
        )

    async def __aenter__(self) -> Aws:
        s = self.settings
        session = aioboto3.Session(region_name=s.aws_region)
        config = AioConfig(
            # Total attempts, first one included (what AWS_MAX_ATTEMPTS means in every AWS SDK;
            # botocore's `max_attempts` key would count retries only).
            retries={"total_max_attempts": s.aws_max_attempts, "mode": s.aws_retry_mode},
            connect_timeout=s.aws_connect_timeout,
            read_timeout=s.aws_read_timeout,
            max_pool_connections=s.aws_max_pool_connections,
            signature_version="s3v4",
            s3={"addressing_style": "path"},
        )
        kwargs: dict[str, Any] = {"config": config, "endpoint_url": s.aws_endpoint_url}
        for attr, name in (
            ("dynamodb", "dynamodb"),
            ("s3", "s3"),
            ("sqs", "sqs"),
            ("cognito", "cognito-idp"),
        ):
            client = await self._stack.enter_async_context(session.client(name, **kwargs))
            self._instrument(client, name)
            setattr(self, attr, client)
        http = None
        if s.dynamodb_read_client == "aiodynamo":
            timeout = aiohttp.ClientTimeout(
                sock_connect=s.aws_connect_timeout, sock_read=s.aws_read_timeout
            )
            connector = aiohttp.TCPConnector(limit=s.aws_max_pool_connections)
            http = await self._stack.enter_async_context(
                aiohttp.ClientSession(connector=connector, timeout=timeout)
            )
        self.dynamodb_reads = DynamoReads.open(
            session=http,
            credentials=session.get_credentials,
            region=s.aws_region,
            endpoint=s.aws_endpoint_url,
            attempts=s.aws_max_attempts,
            botocore=self.dynamodb,
            report=self._record,
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._stack.aclose()

    def _record(
        self, operation: str, started: float, ended: float, service: str = "dynamodb"
    ) -> None:
        metrics.AWS_CALLS.labels(service, operation).inc()
        metrics.AWS_CALL_SECONDS.labels(service, operation).observe(ended - started)
        call = AwsCall(service, operation, started, ended, BACKGROUND.get())
        count = CURRENT_COUNT.get()
        if count is not None:
            count.calls += 1
        for listener in self.listeners:
            listener(call)

    def _instrument(self, client: Any, service: str) -> None:
        def before(context: dict[str, Any], **_: Any) -> None:
            context["prework_started"] = time.perf_counter()

        def after(model: Any, context: dict[str, Any], **_: Any) -> None:
            started = context.get("prework_started", time.perf_counter())
            self._record(model.name, started, time.perf_counter(), service)

        event_service = client.meta.service_model.service_name
        client.meta.events.register(f"before-call.{event_service}", before)
        client.meta.events.register(f"after-call.{event_service}", after)
