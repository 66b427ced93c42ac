"""Batched reads against the moto server: chunking and the UnprocessedKeys retry path."""

from __future__ import annotations

from typing import Any

import pytest

from services.platform.aws import Aws
from services.platform.errors import Unavailable
from services.platform.settings import Settings
from services.store.dynamo import WIDE_READ, batch_get, collect_page, query_fetch, to_item
from tests.support.clients import boto

TABLE = "dynamo-helpers-test"


@pytest.fixture(scope="module")
def table(settings: Settings) -> str:
    client = boto(settings, "dynamodb")
    client.create_table(
        TableName=TABLE,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
    )
    for i in range(250):
        client.put_item(TableName=TABLE, Item=to_item({"id": f"k{i}", "n": i, "even": i % 2 == 0}))
    return TABLE


def _drop_some_keys(calls: list[int], *, times: int) -> Any:
    """A botocore hook that moves half of a real response's items back to UnprocessedKeys,
    as DynamoDB does under throttling (moto never does, so the fault is injected here)."""

    def hook(parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name != "BatchGetItem":
            return
        calls.append(1)
        if len(calls) > times:
            return
        for table, items in parsed.get("Responses", {}).items():
            kept, dropped = items[: len(items) // 2], items[len(items) // 2 :]
            parsed["Responses"][table] = kept
            if dropped:
                parsed.setdefault("UnprocessedKeys", {})[table] = {
                    "Keys": [{"id": i["id"]} for i in dropped]
                }

    return hook


async def test_batch_get_chunks_by_100(settings: Settings, table: str) -> None:
    # given 250 keys (and a duplicate)
    keys = [{"id": f"k{i}"} for i in range(250)] + [{"id": "k0"}, {"id": "missing"}]
    async with Aws(settings) as aws:
        calls: list[int] = []
        aws.dynamodb.meta.events.register(
            "after-call.dynamodb.BatchGetItem", _drop_some_keys(calls, times=0)
        )
        # when
        items = await batch_get(aws=aws, table=table, keys=keys)
    # then three calls, every item once, the missing key absent
    assert len(calls) == 3
    assert sorted(i["n"] for i in items) == list(range(250))


async def test_unprocessed_keys_are_retried_until_all_arrive(
    settings: Settings, table: str
) -> None:
    # given a DynamoDB that returns only half of each answer, three times
    async with Aws(settings) as aws:
        calls: list[int] = []
        aws.dynamodb.meta.events.register(
            "after-call.dynamodb.BatchGetItem", _drop_some_keys(calls, times=3)
        )
        # when
        items = await batch_get(
            aws=aws, table=table, keys=[{"id": f"k{i}"} for i in range(40)], base_delay=0.001
        )
    # then every item arrives after retries
    assert sorted(i["n"] for i in items) == list(range(40))
    assert len(calls) == 4


async def test_unprocessed_keys_that_never_arrive_fail_loudly(
    settings: Settings, table: str
) -> None:
    # given a DynamoDB that never answers fully
    async with Aws(settings) as aws:
        aws.dynamodb.meta.events.register(
            "after-call.dynamodb.BatchGetItem", _drop_some_keys([], times=10**6)
        )
        # when / then: no silent drop
        with pytest.raises(Unavailable):
            await batch_get(
                aws=aws,
                table=table,
                keys=[{"id": "k1"}, {"id": "k2"}],
                max_attempts=3,
                base_delay=0.001,
            )


async def test_filtered_pages_are_full_while_matches_remain(settings: Settings, table: str) -> None:
    # given a scan filtered to even numbers (half the items fail the filter)
    request = {
        "TableName": table,
        "FilterExpression": "#e = :t",
        "ExpressionAttributeNames": {"#e": "even"},
        "ExpressionAttributeValues": {":t": {"BOOL": True}},
    }
    async with Aws(settings) as aws:
        fetch = query_fetch(aws=aws, request=request)
        seen: list[int] = []
        start = None
        while True:
            # when reading pages of 7
            page = await collect_page(fetch=fetch, limit=7, start_key=start)
            seen += [i["n"] for i in page.items]
            if not page.has_next:
                break
            # then every page but the last is full
            assert len(page.items) == 7
            start = {"id": page.items[-1]["id"]}
    # and all 125 even items arrive exactly once
    assert sorted(seen) == list(range(0, 250, 2))


async def test_a_page_takes_at_most_max_reads_calls_and_resumes_where_it_stopped(
    settings: Settings, table: str
) -> None:
    # given a scan filtered to 5 of 250 items (a selective filter)
    request = {
        "TableName": table,
        "FilterExpression": "#n < :five",
        "ExpressionAttributeNames": {"#n": "n"},
        "ExpressionAttributeValues": {":five": {"N": "5"}},
    }
    async with Aws(settings) as aws:
        inner = query_fetch(aws=aws, request=request)
        calls: list[int] = []

        async def fetch(start: Any, limit: int) -> Any:
            calls.append(limit)
            return await inner(start, limit)

        seen: list[int] = []
        start = None
        pages = 0
        while True:
            # when reading pages of 3 with at most 2 reads each
            calls.clear()
            page = await collect_page(fetch=fetch, limit=3, start_key=start, max_reads=2)
            pages += 1
            # then no page makes more than 2 calls, the second reading wide
            assert len(calls) <= 2
            assert calls[1:] in ([], [WIDE_READ])
            seen += [i["n"] for i in page.items]
            if not page.has_next:
                break
            start = page.resume or {"id": page.items[-1]["id"]}
        # and every match arrives exactly once, in a few pages
        assert sorted(seen) == [0, 1, 2, 3, 4]
        assert pages <= 3
