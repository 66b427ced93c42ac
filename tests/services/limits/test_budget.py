"""Leaky buckets of query-cost points, in one process and shared through a real Redis."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

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


def test_a_request_that_fills_the_bucket_exactly_is_allowed_despite_clock_rounding() -> None:
    # given a bucket that drained to 21 points by a float clock (64.0 + 0.1 - 64.0 is not 0.1)
    now = 64.0
    budget = LocalBudget(capacity=100, rate=10, clock=lambda: now)
    first = asyncio.run(budget.charge(client="user:r", cost=22))
    now += 0.1
    # when a request of exactly the room left (79) comes
    second = asyncio.run(budget.charge(client="user:r", cost=79))
    # then it is allowed: a 1e-14 point of rounding is not an overflow
    assert first.allowed and second.allowed


class BucketMachine(RuleBasedStateMachine):
    """A client charging requests as time passes: the bucket never holds more than its size,
    a request is refused exactly when it would overflow, and the advertised wait is enough."""

    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0
        self.budget = LocalBudget(capacity=100, rate=10, clock=lambda: self.now)
        self.level = 0.0  # the model

    @rule(seconds=st.floats(0, 20))
    def wait(self, seconds: float) -> None:
        self.now += seconds
        self.level = max(0.0, self.level - seconds * 10)

    @rule(cost=st.integers(0, 100))
    def charge(self, cost: int) -> None:
        charge = asyncio.run(self.budget.charge(client="user:m", cost=cost))
        fits = self.level + cost <= 100 + 1e-9
        assert charge.allowed == fits
        if fits:
            self.level += cost
        else:
            # waiting the advertised time makes it fit
            later = self.level - charge.retry_after * 10
            assert later + cost <= 100 + 1e-6
        assert abs(charge.level - self.level) < 1e-6

    @invariant()
    def never_over_capacity(self) -> None:
        assert 0 <= self.level <= 100 + 1e-9


TestBucketMachine = BucketMachine.TestCase
