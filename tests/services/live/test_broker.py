"""The Redis broker's life cycle against a real redis-server: events reach subscribers, and
closing never waits on a reader (redis-py can swallow a cancellation inside a blocking read,
which once hung every shutdown that raced it)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from services.live.broker import RedisBroker
from services.platform.settings import Settings
from services.runtime.health import readiness
from services.runtime.wiring import RuntimeScope
from tests.support.processes import RedisServer, redis_server


@pytest.fixture(scope="module")
def redis() -> Iterator[RedisServer]:
    with redis_server() as server:
        yield server


async def test_an_event_published_anywhere_reaches_a_subscriber(redis: RedisServer) -> None:
    # given a subscriber on one broker
    listening, publishing = RedisBroker(redis.url), RedisBroker(redis.url)
    stream = listening.subscribe("greetings")
    first = asyncio.ensure_future(anext(stream))
    await asyncio.sleep(0.3)  # the reader's SUBSCRIBE is on the server
    # when another broker (another process, in production) publishes
    await publishing.publish("greetings", {"hello": "world"})
    # then the subscriber receives it
    assert await asyncio.wait_for(first, 5) == {"hello": "world"}
    await stream.aclose()
    await listening.aclose()
    await publishing.aclose()


async def test_closing_right_after_subscribing_never_hangs(redis: RedisServer) -> None:
    # given brokers closed at every moment of a subscription's start-up
    started = time.monotonic()
    for attempt in range(40):
        broker = RedisBroker(redis.url)
        stream = broker.subscribe("revocations")
        reading = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(attempt * 0.002)
        # when the subscriber is cancelled and the broker closed
        reading.cancel()
        await asyncio.gather(reading, return_exceptions=True)
        # then closing ends within its bound
        await asyncio.wait_for(broker.aclose(), 5)
    assert time.monotonic() - started < 60


async def test_a_runtime_with_redis_opens_and_closes_promptly(
    settings: Settings, redis: RedisServer
) -> None:
    # given a runtime whose revocation follower subscribes through Redis as it starts
    with_redis = settings.model_copy(update={"redis_url": redis.url})
    for _ in range(15):
        # when it is opened, checked and closed at once, again and again
        async def once() -> None:
            async with RuntimeScope(with_redis) as runtime:
                assert (await readiness(runtime)).ready

        # then every close ends within its bound
        await asyncio.wait_for(once(), 10)
