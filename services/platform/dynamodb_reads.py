"""The DynamoDB client of the hot read path: GetItem, BatchGetItem, Query and Scan.

Why a second client: aiobotocore spends about 1.8 ms of CPU per call on this machine (request
and user-agent building, event emission, shape-driven parsing) where aiodynamo spends 0.8 ms
for the same signed request and the same answer (`bench/dynamodb_client.py`); a nested read
makes 20-100 of these calls, so this is most of the API's CPU per request (bench/results.md).

One story with the rest of the AWS code (aioboto3 stays the SDK for everything else):
- credentials come from the aioboto3 session's own chain (env, profile, container, instance
  role) and its refresh, through `SessionCredentials`;
- retries: the same total attempts (`AWS_MAX_ATTEMPTS`) and the same backoff as botocore's
  standard mode, on throttling, 5xx, connection failures and timeouts;
- failures leave as botocore's own exceptions (`ClientError` with the DynamoDB error code,
  `EndpointConnectionError`, `ReadTimeoutError`), so error codes, health checks and logs do
  not know which client made the call;
- every call is reported to `Aws.listeners`, the `prework_aws_*` metrics and, when tracing
  is on, an OpenTelemetry client span like the aiobotocore instrumentation's.

`DYNAMODB_READ_CLIENT=aiobotocore` sends the same calls through aiobotocore instead (for side
by side measurement, or if a deployment ever needs botocore's adaptive retry mode).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from typing import Any, cast

import aiohttp
from aiodynamo import errors as dynamo_errors
from aiodynamo.client import Client
from aiodynamo.credentials import Credentials, Key
from aiodynamo.http.aiohttp import AIOHTTP
from aiodynamo.http.types import HttpImplementation
from aiodynamo.models import RetryConfig, RetryTimeout
from botocore.exceptions import ClientError, EndpointConnectionError, ReadTimeoutError
from yarl import URL

from services.platform.tracing import tracer


class SessionCredentials(Credentials):
    """aiodynamo credentials read from an aioboto3/aiobotocore session's credential chain,
    so both clients sign with the same (refreshed) keys."""

    def __init__(self, resolve: Callable[[], Any]) -> None:
        self._resolve = resolve  # the session's `get_credentials` coroutine function
        self._credentials: Any = None

    async def get_key(self, http: HttpImplementation) -> Key | None:
        if self._credentials is None:
            self._credentials = await self._resolve()
            if self._credentials is None:
                return None
        # Refreshable credentials refresh themselves here when close to expiry.
        frozen = await self._credentials.get_frozen_credentials()
        return Key(id=frozen.access_key, secret=frozen.secret_key, token=frozen.token)

    def invalidate(self) -> bool:
        # An ExpiredToken answer: resolve the chain again on the next attempt.
        self._credentials = None
        return True

    def is_disabled(self) -> bool:
        return False


@dataclass(frozen=True)
class StandardRetry(RetryConfig):
    """botocore's standard retry mode: `total` attempts, full-jitter exponential backoff
    (random(0, 1) x 2^n seconds, at most 20 s) between them."""

    total: int = 4

    def delays(self) -> Iterable[float]:
        for attempt in range(self.total - 1):
            yield min(random.random() * 2**attempt, 20.0)

    async def attempts(self) -> AsyncIterator[None]:
        # aiodynamo re-raises the last failure on RetryTimeout; running out of delays would
        # otherwise end in a generic BrokenThrottleConfig.
        for delay in (*self.delays(), None):
            yield
            if delay is None:
                raise RetryTimeout()
            await asyncio.sleep(delay)


def _client_error(operation: str, code: str, message: str, status: int) -> ClientError:
    response: Any = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return ClientError(response, operation)


def as_botocore_error(error: BaseException, operation: str, endpoint: str) -> Exception:
    """An aiodynamo/aiohttp failure as the botocore exception aiobotocore would have raised."""
    if isinstance(error, TimeoutError):
        return ReadTimeoutError(endpoint_url=endpoint)
    if isinstance(error, aiohttp.ClientError | OSError):
        return EndpointConnectionError(endpoint_url=endpoint)
    if isinstance(error, dynamo_errors.UnknownError):
        return _client_error(operation, "UnknownError", repr(error.body[:200]), error.status)
    if isinstance(error, dynamo_errors.InternalDynamoError):
        return _client_error(operation, "InternalServerError", "internal error", 500)
    if isinstance(error, dynamo_errors.ServiceUnavailable):
        return _client_error(operation, "ServiceUnavailable", "service unavailable", 503)
    if isinstance(error, dynamo_errors.AIODynamoError):
        data = error.args[0] if error.args and isinstance(error.args[0], dict) else {}
        code = str(data.get("__type", type(error).__name__)).split("#", 1)[-1]
        message = str(data.get("message") or data.get("Message") or code)
        return _client_error(operation, code, message, 400)
    return error if isinstance(error, Exception) else RuntimeError(str(error))


class DynamoReads:
    """`await reads.call("Query", request)` → DynamoDB's JSON answer (attribute-value form),
    the same request and answer shapes as `aws.dynamodb.query(**request)`."""

    def __init__(
        self,
        *,
        client: Client | None,
        botocore: Any,
        endpoint: str,
        listeners: Callable[[str, float, float], None],
    ) -> None:
        self._client = client
        self._botocore = botocore
        self._endpoint = endpoint
        self._report = listeners

    @classmethod
    def open(
        cls,
        *,
        session: aiohttp.ClientSession | None,
        credentials: Any,
        region: str,
        endpoint: str | None,
        attempts: int,
        botocore: Any,
        report: Callable[[str, float, float], None],
    ) -> DynamoReads:
        url = endpoint or f"https://dynamodb.{region}.amazonaws.com"
        client = (
            Client(
                AIOHTTP(session),
                SessionCredentials(credentials),
                region,
                endpoint=URL(url) if endpoint else None,
                throttle_config=StandardRetry(total=attempts),
            )
            if session is not None
            else None
        )
        return cls(client=client, botocore=botocore, endpoint=url, listeners=report)

    async def call(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            if self._client is None:
                method = getattr(self._botocore, _snake(operation))
                return cast(dict[str, Any], await method(**request))
            with _span(operation, request):
                try:
                    return await self._client.send_request(action=operation, payload=request)
                except (dynamo_errors.AIODynamoError, aiohttp.ClientError, OSError) as error:
                    raise as_botocore_error(error, operation, self._endpoint) from error
                except TimeoutError as error:
                    raise as_botocore_error(error, operation, self._endpoint) from error
        finally:
            if self._client is not None:
                # aiobotocore's own calls are reported by its event hooks (aws.py).
                self._report(operation, started, time.perf_counter())


def _snake(operation: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in operation).lstrip("_")


class _NoSpan:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _span(operation: str, request: dict[str, Any]) -> Any:
    """A client span named like the botocore instrumentation's (`DynamoDB.Query`), only when
    tracing is configured (opentelemetry is not imported otherwise)."""
    active = tracer()
    if active is None:
        return _NoSpan()
    from opentelemetry.trace import SpanKind

    tables = (
        [request["TableName"]] if "TableName" in request else list(request.get("RequestItems", {}))
    )
    return active.start_as_current_span(
        f"DynamoDB.{operation}",
        kind=SpanKind.CLIENT,
        attributes={
            "rpc.system": "aws-api",
            "rpc.service": "DynamoDB",
            "rpc.method": operation,
            "aws.dynamodb.table_names": tables,
        },
    )
