"""Leaky buckets of query-cost points (Shopify's model): each client's bucket fills by the cost
of its requests and drains at `BUDGET_POINTS_PER_SECOND`; a request that would overflow
`BUDGET_POINTS` is refused with how long to wait.

With `REDIS_URL` every process shares one bucket per client: one Lua script per request
reads, drains, charges and writes the bucket atomically on Redis's clock. Without it the
buckets live in this process.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from services.platform import metrics
from services.platform.redis_client import REDIS_TIMEOUT, fail_fast_redis
from services.platform.settings import Settings

log = logging.getLogger("prework.limits")

# Buckets kept in one process: the least recently charged go first (a full bucket of a
# client gone quiet is empty again after BUDGET_POINTS / rate seconds anyway).
_LOCAL_CLIENTS = 100_000
# The drain is computed from float clock readings (64.1 - 64.0 != 0.1): a request overflowing
# by less than this is a rounding error, not an overflow, and is allowed.
_ROUNDING = 1e-9

_CHARGE = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'level', 'at')
local level = tonumber(state[1]) or 0
local at = tonumber(state[2]) or now
level = math.max(0, level - math.max(0, now - at) * rate)
local allowed = 0
if level + cost <= capacity then
  level = level + cost
  allowed = 1
end
redis.call('HSET', KEYS[1], 'level', tostring(level), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(capacity / rate * 1000) + 1000)
return {allowed, tostring(level)}
"""


@dataclass(frozen=True)
class Charge:
    """The outcome of charging a request: allowed or not, and the bucket afterwards."""

    allowed: bool
    cost: int
    capacity: int
    rate: float
    level: float  # points in the bucket after this request

    @property
    def available(self) -> int:
        return max(0, math.floor(self.capacity - self.level))

    @property
    def retry_after(self) -> float:
        """Seconds until this request's cost fits (0 when it was allowed)."""
        if self.allowed:
            return 0.0
        return max(0.0, (self.level + self.cost - self.capacity) / self.rate)


class Budget(Protocol):
    async def charge(self, *, client: str, cost: int) -> Charge: ...

    async def aclose(self) -> None: ...


class LocalBudget:
    """Buckets in this process (one API process, or tests)."""

    def __init__(
        self, *, capacity: int, rate: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.capacity = capacity
        self.rate = rate
        self._clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()

    async def charge(self, *, client: str, cost: int) -> Charge:
        now = self._clock()
        level, at = self._buckets.pop(client, (0.0, now))
        level = max(0.0, level - (now - at) * self.rate)
        allowed = level + cost <= self.capacity + _ROUNDING
        if allowed:
            level += cost
        self._buckets[client] = (level, now)
        while len(self._buckets) > _LOCAL_CLIENTS:
            self._buckets.popitem(last=False)
        return Charge(allowed, cost, self.capacity, self.rate, level)

    async def aclose(self) -> None:
        self._buckets.clear()


class RedisBudget:
    """Buckets in Redis, shared by every API process. If Redis does not answer within a
    second the request is let through (logged and counted): budgets protect the backend,
    they must not take the API down with Redis."""

    def __init__(self, url: str, *, capacity: int, rate: float) -> None:
        self.capacity = capacity
        self.rate = rate
        self._redis: Any = fail_fast_redis(url)
        self._script: Any = self._redis.register_script(_CHARGE)

    async def charge(self, *, client: str, cost: int) -> Charge:
        try:
            allowed, level = await asyncio.wait_for(
                self._script(
                    keys=[f"prework:budget:{client}"], args=[self.capacity, self.rate, cost]
                ),
                REDIS_TIMEOUT,
            )
        except Exception as error:  # Redis down or slow: let the request through
            metrics.BUDGET_UNCHECKED.inc()
            log.warning("budget check in redis failed: %r; request let through", error)
            return Charge(True, cost, self.capacity, self.rate, 0.0)
        return Charge(bool(int(allowed)), cost, self.capacity, self.rate, float(level))

    async def aclose(self) -> None:
        await self._redis.aclose()


def budget_for(settings: Settings) -> Budget:
    """Shared through Redis when `REDIS_URL` is set, otherwise in this process."""
    capacity, rate = settings.budget_points, settings.budget_points_per_second
    if settings.redis_url:
        return RedisBudget(settings.redis_url, capacity=capacity, rate=rate)
    return LocalBudget(capacity=capacity, rate=rate)
