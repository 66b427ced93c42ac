"""The local stack's moto server: DynamoDB requests one at a time in order of arrival, and
no DynamoDB model instance kept after moto is done with it."""

from __future__ import annotations

import gc
import threading

from moto.dynamodb.models.table import Table

from services.local.stack import Turns
from services.platform.settings import Settings
from tests.support.clients import boto, scratch_table
from tests.support.factories.media import wait_for

TRANSACTIONS = 20


def _take_turn(turns: Turns, order: list[str], name: str) -> None:
    with turns:
        order.append(name)


def _wait_until_queued(turns: Turns, count: int) -> None:
    wait_for(lambda: turns.queued == count, what=f"{count} to queue")


def test_a_waiter_goes_before_a_holder_that_asks_again() -> None:
    # given a holder and one request waiting behind it
    turns = Turns()
    order: list[str] = []
    turns.__enter__()
    waiter = threading.Thread(target=_take_turn, args=(turns, order, "waiter"))
    waiter.start()
    _wait_until_queued(turns, 1)
    # when the holder leaves and at once asks again (a plain Lock lets it back in first)
    turns.__exit__(None, None, None)
    _take_turn(turns, order, "holder")
    waiter.join(timeout=5)
    # then the one that waited went first, and nobody waits now
    assert order == ["waiter", "holder"]
    assert turns.queued == 0


def test_waiters_go_in_the_order_they_came() -> None:
    # given a holder and five requests that queued one after another
    turns = Turns()
    order: list[str] = []
    turns.__enter__()
    names = [f"w{i}" for i in range(5)]
    waiters = []
    for count, name in enumerate(names, start=1):
        waiter = threading.Thread(target=_take_turn, args=(turns, order, name))
        waiter.start()
        waiters.append(waiter)
        _wait_until_queued(turns, count)
    # when the holder leaves
    turns.__exit__(None, None, None)
    for waiter in waiters:
        waiter.join(timeout=5)
    # then they went in the order they came
    assert order == names


def _live_tables() -> int:
    gc.collect()
    return sum(isinstance(thing, Table) for thing in gc.get_objects())


def test_transactions_leave_no_copies_of_the_tables_behind(settings: Settings) -> None:
    # given a table of its own in the session's moto server, with one item
    dynamodb = boto(settings, "dynamodb")
    with scratch_table(dynamodb, prefix=f"{settings.table_prefix}-stack-test", key="id") as name:
        before = _live_tables()
        # when transactions write to it (moto backs up each table a transaction touches)
        for number in range(TRANSACTIONS):
            item = {"id": {"S": "one"}, "n": {"N": str(number)}}
            put = {"Put": {"TableName": name, "Item": item}}
            dynamodb.transact_write_items(TransactItems=[put])
        # then no backup outlives its transaction (kept, they would add one table each; a
        # transaction of the session's server in flight may hold a copy or two for a moment)
        assert _live_tables() - before < TRANSACTIONS // 4
