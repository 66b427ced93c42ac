"""Readiness checks against the real moto server, and against Redis endpoints that fail."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator

import pytest
import redis

from services.platform.settings import Settings
from services.runtime.health import readiness
from services.runtime.wiring import RuntimeScope
from tests.support.server import free_port


async def test_ready_when_dynamodb_and_s3_answer(settings: Settings) -> None:
    # given the provisioned local stack and no Redis configured
    async with RuntimeScope(settings) as runtime:
        # when checking readiness
        state = await readiness(runtime)
    # then both AWS checks pass and Redis is not checked
    assert state.ready
    assert {c.name: c.ok for c in state.checks} == {"dynamodb": True, "s3": True}


async def test_a_missing_bucket_makes_the_service_unready(settings: Settings) -> None:
    # given settings naming a bucket that does not exist
    broken = settings.model_copy(update={"media_bucket": "no-such-bucket-for-readyz"})
    async with RuntimeScope(broken) as runtime:
        # when checking readiness
        state = await readiness(runtime)
    # then S3 fails, by name, and DynamoDB still passes
    body = state.as_json()
    assert not state.ready
    assert body["status"] == "unavailable"
    checks = body["checks"]
    assert isinstance(checks, dict)
    assert checks["s3"]["status"] == "failed"
    assert checks["dynamodb"]["status"] == "ok"


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A TCP port that accepts connections and never answers (a hung dependency)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    yield int(server.getsockname()[1])
    server.close()


async def test_a_hung_redis_fails_within_the_deadline(settings: Settings, silent_port: int) -> None:
    # given a Redis URL whose server accepts but never replies
    hung = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{silent_port}/0"})
    async with RuntimeScope(hung) as runtime:
        # (connections to moto opened first: a cold first call on a loaded test machine can
        # itself take longer than the short deadline below)
        await runtime.aws.dynamodb.describe_table(TableName=runtime.tables.users)
        await runtime.aws.s3.head_bucket(Bucket=runtime.settings.media_bucket_name)
        # when checking readiness with a short deadline
        started = time.monotonic()
        state = await readiness(runtime, seconds_each=0.5)
        elapsed = time.monotonic() - started
    # then Redis fails on time, and the AWS checks are unaffected (they ran concurrently)
    results = {c.name: c for c in state.checks}
    assert not state.ready
    assert not results["redis"].ok
    assert results["redis"].error == "no answer within 0.5 s"
    assert results["dynamodb"].ok and results["s3"].ok
    assert elapsed < 2


async def test_an_unreachable_redis_fails(settings: Settings) -> None:
    # given a Redis URL where nothing listens
    down = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0"})
    async with RuntimeScope(down) as runtime:
        # when checking readiness
        state = await readiness(runtime)
    # then the Redis check fails with the kind of error
    redis_check = next(c for c in state.checks if c.name == "redis")
    assert not redis_check.ok
    assert redis_check.error


@pytest.fixture
def redis_url() -> Iterator[str]:
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (make test installs it)")
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis.from_url(url, socket_timeout=1).ping()
                break
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


async def test_a_live_redis_passes(settings: Settings, redis_url: str) -> None:
    # given a running Redis
    with_redis = settings.model_copy(update={"redis_url": redis_url})
    async with RuntimeScope(with_redis) as runtime:
        # when checking readiness
        state = await readiness(runtime)
    # then all three checks pass
    assert state.ready
    assert sorted(c.name for c in state.checks) == ["dynamodb", "redis", "s3"]
