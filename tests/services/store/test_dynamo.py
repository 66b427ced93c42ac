"""Batched reads against the moto server: chunking and the UnprocessedKeys retry path."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from services.platform.aws import Aws
from services.platform.errors import Unavailable
from services.platform.settings import Settings
from services.store.dynamo import batch_get, collect_page, query_fetch, to_item
from tests.support.clients import boto
from tests.support.processes import FaultProxy, dynamodb, fault_proxy

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


def _half_unprocessed(answer: dict[str, Any]) -> dict[str, Any]:
    """A real BatchGetItem answer with half of its items moved back to UnprocessedKeys, as
    DynamoDB answers under throttling (moto never does, so the proxy in front of it does)."""
    for table, items in answer.get("Responses", {}).items():
        kept, dropped = items[: len(items) // 2], items[len(items) // 2 :]
        answer["Responses"][table] = kept
        if dropped:
            answer.setdefault("UnprocessedKeys", {})[table] = {
                "Keys": [{"id": i["id"]} for i in dropped]
            }
    return answer


@pytest.fixture(params=["aiodynamo", "aiobotocore"])
def proxied(
    request: pytest.FixtureRequest, settings: Settings
) -> Iterator[tuple[Settings, FaultProxy]]:
    """Settings whose DynamoDB is moto behind a rewriting proxy, with each read client."""
    assert settings.aws_endpoint_url
    with fault_proxy(settings.aws_endpoint_url) as proxy:
        yield (
            settings.model_copy(
                update={"aws_endpoint_url": proxy.url, "dynamodb_read_client": request.param}
            ),
            proxy,
        )


BATCH_GET = dynamodb("BatchGetItem")


async def test_batch_get_chunks_by_100(proxied: tuple[Settings, FaultProxy], table: str) -> None:
    # given 250 keys (and a duplicate)
    settings, proxy = proxied
    keys = [{"id": f"k{i}"} for i in range(250)] + [{"id": "k0"}, {"id": "missing"}]
    async with Aws(settings) as aws:
        # when
        items = await batch_get(aws=aws, table=table, keys=keys)
    # then three calls, every item once, the missing key absent
    assert proxy.count(BATCH_GET) == 3
    assert sorted(i["n"] for i in items) == list(range(250))


async def test_unprocessed_keys_are_retried_until_all_arrive(
    proxied: tuple[Settings, FaultProxy], table: str
) -> None:
    # given a DynamoDB that returns only half of each answer, three times
    settings, proxy = proxied
    proxy.rewrite(BATCH_GET, 3, _half_unprocessed)
    async with Aws(settings) as aws:
        # when
        items = await batch_get(
            aws=aws, table=table, keys=[{"id": f"k{i}"} for i in range(40)], base_delay=0.001
        )
    # then every item arrives after retries
    assert sorted(i["n"] for i in items) == list(range(40))
    assert proxy.count(BATCH_GET) == 4


async def test_unprocessed_keys_that_never_arrive_fail_loudly(
    proxied: tuple[Settings, FaultProxy], table: str
) -> None:
    # given a DynamoDB that never answers fully
    settings, proxy = proxied
    proxy.rewrite(BATCH_GET, 10**6, _half_unprocessed)
    async with Aws(settings) as aws:
        # when / then: no silent drop
        with pytest.raises(Unavailable):
            await batch_get(
                aws=aws,
                table=table,
                keys=[{"id": "k1"}, {"id": "k2"}],
                max_attempts=3,
                base_delay=0.001,
            )
    assert proxy.count(BATCH_GET) == 3


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
