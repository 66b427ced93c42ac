"""The Redis client of the helpers that must never hold a request up (budgets, the persisted
query store): one second to connect or answer, no retries. Their callers treat a failure as
"not checked" or "not found" and go on."""

from __future__ import annotations

from typing import Any

# How long such a helper waits for Redis; callers also bound each call by it.
REDIS_TIMEOUT = 1.0


def fail_fast_redis(url: str) -> Any:
    """An asyncio Redis client that fails within REDIS_TIMEOUT instead of retrying."""
    import redis.asyncio as redis  # only with REDIS_URL set
    from redis.asyncio.retry import Retry
    from redis.backoff import NoBackoff

    return redis.from_url(
        url,
        socket_connect_timeout=REDIS_TIMEOUT,
        socket_timeout=REDIS_TIMEOUT,
        retry=Retry(NoBackoff(), 0),
    )
