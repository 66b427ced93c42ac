"""Leaky buckets of query-cost points, in one process and shared through a real Redis."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from services.limits import Budget, LocalBudget, RedisBudget
from tests.support import processes


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    with processes.redis_server() as server:
        yield server.url


async def _spend(budget: Budget, client: str, cost: int, times: int) -> list[bool]:
    return [(await budget.charge(client=client, cost=cost)).allowed for _ in range(times)]


def test_a_bucket_refuses_what_overflows_it_and_says_how_long_to_wait() -> None:
    async def scenario() -> None:
        # given a bucket of 100 points draining 50 a second
        budget = LocalBudget(capacity=100, rate=50)
        # when a client spends 40 points three times at once
        allowed = await _spend(budget, "user:a", 40, 3)
        # then the third is refused, and waiting the advertised time is enough
        assert allowed == [True, True, False]
        refused = await budget.charge(client="user:a", cost=40)
        assert 0.35 < refused.retry_after <= 0.4
        assert refused.available <= 20
        # and another client has a bucket of their own
        assert (await budget.charge(client="user:b", cost=100)).allowed
        await asyncio.sleep(refused.retry_after)
        assert (await budget.charge(client="user:a", cost=40)).allowed

    asyncio.run(scenario())


def test_two_processes_share_one_bucket_through_redis(redis_url: str) -> None:
    async def scenario() -> None:
        # given two budgets on one Redis (as two API processes have)
        first = RedisBudget(redis_url, capacity=100, rate=1)
        second = RedisBudget(redis_url, capacity=100, rate=1)
        try:
            # when a client spends 60 points on one and 60 on the other
            on_first = await first.charge(client="user:shared", cost=60)
            on_second = await second.charge(client="user:shared", cost=60)
            # then the second is refused: they drain one bucket
            assert on_first.allowed
            assert not on_second.allowed
            assert 19 < on_second.retry_after <= 21
        finally:
            await first.aclose()
            await second.aclose()

    asyncio.run(scenario())


def test_with_redis_down_requests_are_let_through() -> None:
    async def scenario() -> None:
        # given a budget whose Redis does not answer
        budget = RedisBudget("redis://127.0.0.1:1/0", capacity=10, rate=1)
        try:
            # then requests are not refused for it (they are counted, and logged)
            assert all(await _spend(budget, "user:x", 10, 3))
        finally:
            await budget.aclose()

    asyncio.run(scenario())
