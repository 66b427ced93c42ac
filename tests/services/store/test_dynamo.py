"""Batched reads against the moto server: chunking and the UnprocessedKeys retry path."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer
from hypothesis import example, given
from hypothesis import strategies as st

from services.platform.aws import Aws
from services.platform.errors import Unavailable
from services.platform.settings import Settings
from services.store.dynamo import (
    WIDE_READ,
    batch_get,
    collect_page,
    from_item,
    query_fetch,
    to_item,
)
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


_numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.decimals(allow_nan=False, allow_infinity=False, places=6).filter(lambda d: abs(d) < 10**20),
)
_values = st.recursive(
    st.one_of(
        st.text(max_size=8),
        _numbers,
        st.booleans(),
        st.none(),
        st.binary(min_size=1, max_size=8),
        st.frozensets(st.text(min_size=1, max_size=4), min_size=1).map(set),
        st.frozensets(st.integers(-100, 100), min_size=1).map(set),
    ),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)


def _reference(item: dict[str, Any]) -> dict[str, Any]:
    """boto3's TypeDeserializer, with integral Decimals as int: what from_item must equal."""
    deserializer = TypeDeserializer()

    def plain(value: Any) -> Any:
        if isinstance(value, Decimal):
            return int(value) if value == value.to_integral_value() else value
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, set):
            return {plain(v) for v in value}
        return value

    return {k: plain(deserializer.deserialize(v)) for k, v in item.items()}


def _base64_binaries(value: Any) -> Any:
    """An attribute value as DynamoDB's JSON carries it: binaries base64-encoded (the read
    client's raw answers) rather than decoded (aiobotocore's)."""
    # Walked by type tag: a map may hold a key named "B" (hypothesis found {"M": {"B": ...}}).
    ((tag, inner),) = value.items()
    if tag == "B":
        return {"B": base64.b64encode(inner).decode()}
    if tag == "BS":
        return {"BS": [base64.b64encode(b).decode() for b in inner]}
    if tag == "M":
        return {"M": {k: _base64_binaries(v) for k, v in inner.items()}}
    if tag == "L":
        return {"L": [_base64_binaries(v) for v in inner]}
    return value


@given(st.dictionaries(st.text(min_size=1, max_size=6), _values, max_size=6))
@example(data={"0": {"B": None}})  # a map with a key named like a type tag
def test_from_item_equals_boto3s_deserializer_for_either_client(data: dict[str, Any]) -> None:
    # given an item in attribute-value form, as aiobotocore and as aiodynamo hand it over
    item = to_item(data)
    raw = {k: _base64_binaries(v) for k, v in item.items()}
    # when / then: the same plain values as boto3's deserializer gives
    expected = _reference(item)
    assert from_item(item) == expected
    assert from_item(raw) == expected


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
