"""Change events for subscriptions: an in-process broker, or Redis pub/sub across processes.

Events are small JSON objects published on a channel ("media", "submission"). Subscribers
filter and authorize each event themselves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncGenerator
from typing import Any, Protocol

import orjson

from services.platform import metrics

log = logging.getLogger("prework.events")

Event = dict[str, Any]
_QUEUE_SIZE = 1000
# How long one pub/sub read waits before looking at `_closing` again (and closes wait).
_READ_WAIT = 1.0
_PUBLISH_TIMEOUT = 2.0


class Broker(Protocol):
    async def publish(self, channel: str, event: Event) -> None: ...

    def subscribe(self, channel: str) -> AsyncGenerator[Event, None]: ...

    def subscribers(self, channel: str) -> int: ...

    async def aclose(self) -> None: ...

    async def ping(self) -> None:
        """Raise when the broker cannot carry events (readiness)."""


class LocalBroker:
    """Fan-out inside one process. A slow subscriber drops its oldest events, never blocks."""

    def __init__(self) -> None:
        self._subscribers: dict[str, set[asyncio.Queue[Event]]] = {}

    async def publish(self, channel: str, event: Event) -> None:
        for queue in list(self._subscribers.get(channel, ())):
            if queue.full():
                with contextlib.suppress(asyncio.QueueEmpty):
                    queue.get_nowait()
            queue.put_nowait(event)

    async def subscribe(self, channel: str) -> AsyncGenerator[Event, None]:
        queue = self.register(channel)
        try:
            while True:
                yield await queue.get()
        finally:
            self.unregister(channel, queue)

    def register(self, channel: str) -> asyncio.Queue[Event]:
        """A queue that receives `channel`'s events from now on (until `unregister`)."""
        queue: asyncio.Queue[Event] = asyncio.Queue(maxsize=_QUEUE_SIZE)
        self._subscribers.setdefault(channel, set()).add(queue)
        return queue

    def unregister(self, channel: str, queue: asyncio.Queue[Event]) -> None:
        self._subscribers.get(channel, set()).discard(queue)

    def subscribers(self, channel: str) -> int:
        """How many subscriptions in this process listen on `channel` (health and tests)."""
        return len(self._subscribers.get(channel, ()))

    async def aclose(self) -> None:
        self._subscribers.clear()

    async def ping(self) -> None:
        """In-process: always reachable."""


class RedisBroker:
    """Redis pub/sub: events published by any process (API or worker) reach every API process.

    One Redis subscription per channel per process, shared by all local subscribers.

    Events are best-effort: the change itself is already durable in DynamoDB when it is
    published, so while Redis is unreachable a publish is logged and counted, not raised, and
    takes at most about `_PUBLISH_TIMEOUT` seconds. Subscriptions reconnect on their own.
    """

    def __init__(self, url: str) -> None:
        import redis.asyncio as redis
        from redis.asyncio.retry import Retry
        from redis.backoff import ExponentialBackoff, NoBackoff

        # Publishing: short timeouts and no retry loop, so a mutation never waits on Redis.
        self._redis = redis.from_url(
            url,
            socket_connect_timeout=_PUBLISH_TIMEOUT,
            socket_timeout=_PUBLISH_TIMEOUT,
            retry=Retry(NoBackoff(), 0),
        )
        # Listening: reads block until an event arrives, so no read timeout here; reconnects
        # are retried briefly, then `_read` starts over every second until Redis is back.
        self._listener = redis.from_url(
            url,
            socket_connect_timeout=2,
            health_check_interval=15,
            retry=Retry(ExponentialBackoff(cap=1.0, base=0.1), 2),
        )
        self._local = LocalBroker()
        self._readers: dict[str, asyncio.Task[None]] = {}
        self._ready: dict[str, asyncio.Event] = {}
        self._closing = False

    async def publish(self, channel: str, event: Event) -> None:
        try:
            await asyncio.wait_for(
                self._redis.publish(f"prework:{channel}", orjson.dumps(event)), _PUBLISH_TIMEOUT
            )
        except Exception as error:  # redis down or slow: the write stands, the event is lost
            metrics.EVENTS_DROPPED.labels(channel).inc()
            log.warning("publishing a %s event to redis failed: %r; dropped", channel, error)

    async def subscribe(self, channel: str) -> AsyncGenerator[Event, None]:
        if channel not in self._readers:
            self._ready[channel] = asyncio.Event()
            self._readers[channel] = asyncio.create_task(self._read(channel))
        # Registered before waiting, so no event between ready and the first read is lost;
        # no helper task (one left pending when cancelled could hang the shutdown).
        queue = self._local.register(channel)
        try:
            await self._ready[channel].wait()
            while True:
                yield await queue.get()
        finally:
            self._local.unregister(channel, queue)

    def subscribers(self, channel: str) -> int:
        return self._local.subscribers(channel)

    async def _read(self, channel: str) -> None:
        # Reads with a bounded wait and checks `_closing` between reads: redis-py can swallow
        # a task's cancellation inside a blocking read (redis/redis-py#2028, #2551), which
        # left `aclose` waiting for this task forever.
        while not self._closing:
            pubsub: Any = self._listener.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(f"prework:{channel}")
                self._ready[channel].set()
                while not self._closing:
                    message = await pubsub.get_message(timeout=_READ_WAIT)
                    if message is not None and message.get("type") == "message":
                        await self._local.publish(channel, orjson.loads(message["data"]))
            except asyncio.CancelledError:
                raise
            except Exception as error:  # redis down: retry, subscribers keep waiting
                log.warning("redis subscription on %s failed: %s; retrying", channel, error)
                await asyncio.sleep(1)
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(pubsub.aclose(), _READ_WAIT)

    async def aclose(self) -> None:
        self._closing = True
        readers = list(self._readers.values())
        for task in readers:
            task.cancel()
        if readers:
            # a reader whose cancellation redis-py swallowed still ends within _READ_WAIT
            await asyncio.wait(readers, timeout=2 * _READ_WAIT)
        for client in (self._redis, self._listener):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(client.aclose(), _READ_WAIT)

    async def ping(self) -> None:
        """Redis PING on the shared connection pool."""
        await self._redis.ping()


def broker_for(redis_url: str | None) -> Broker:
    """Redis when configured, otherwise in-process."""
    return RedisBroker(redis_url) if redis_url else LocalBroker()
