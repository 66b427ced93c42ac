"""Readiness: can this process reach what it needs to answer requests?

Liveness (`/healthz`) needs no check: a process that answers HTTP is alive. Readiness asks
each backing service one cheap question, concurrently, each under a short deadline, so a
load balancer stops routing here when DynamoDB, S3 or Redis is unreachable.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from botocore.exceptions import ClientError

from services.runtime.wiring import Runtime

DEFAULT_TIMEOUT_SECONDS = 1.0


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one dependency check."""

    name: str
    ok: bool
    ms: float
    error: str | None = None

    def as_json(self) -> dict[str, object]:
        body: dict[str, object] = {"status": "ok" if self.ok else "failed", "ms": round(self.ms, 1)}
        if self.error is not None:
            body["error"] = self.error
        return body


@dataclass(frozen=True)
class Readiness:
    """All checks; ready only when every one passed."""

    checks: tuple[CheckResult, ...]

    @property
    def ready(self) -> bool:
        return all(check.ok for check in self.checks)

    def as_json(self) -> dict[str, object]:
        return {
            "status": "ready" if self.ready else "unavailable",
            "checks": {check.name: check.as_json() for check in self.checks},
        }


async def readiness(
    runtime: Runtime, *, seconds_each: float = DEFAULT_TIMEOUT_SECONDS
) -> Readiness:
    """Run every dependency check concurrently, each bounded by `seconds_each`.

    DynamoDB: DescribeTable on the users table. S3: HeadBucket on the media bucket.
    Redis: PING, only when `REDIS_URL` is set.
    """
    checks: dict[str, Callable[[], Awaitable[object]]] = {
        "dynamodb": lambda: runtime.aws.dynamodb.describe_table(TableName=runtime.tables.users),
        "s3": lambda: runtime.aws.s3.head_bucket(Bucket=runtime.settings.media_bucket_name),
    }
    if runtime.settings.redis_url:
        checks["redis"] = runtime.events.ping
    results = await asyncio.gather(
        *(_check(name, probe, seconds_each) for name, probe in checks.items())
    )
    return Readiness(checks=tuple(results))


async def _check(name: str, probe: Callable[[], Awaitable[object]], seconds: float) -> CheckResult:
    started = time.perf_counter()
    try:
        async with asyncio.timeout(seconds):
            await probe()
    except TimeoutError:
        return CheckResult(name, False, _ms(started), f"no answer within {seconds:g} s")
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "ClientError")
        return CheckResult(name, False, _ms(started), str(code))
    except Exception as error:  # any failure means not ready; say which kind
        return CheckResult(name, False, _ms(started), type(error).__name__)
    return CheckResult(name, True, _ms(started))


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000
