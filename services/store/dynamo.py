"""DynamoDB helpers shared by the domain services: (de)serialization, batched reads,
pages that stay full under filters, and transactional writes."""

from __future__ import annotations

import asyncio
import base64
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import Binary, TypeSerializer
from botocore.exceptions import ClientError

from services.platform.aws import Aws
from services.platform.errors import Conflict, ServiceError, Unavailable

Item = dict[str, Any]
Key = dict[str, Any]

BATCH_GET_LIMIT = 100
_serializer = TypeSerializer()


def _number(text: str) -> int | Decimal:
    # Integral numbers come back as int so versions and sizes stay ints in Python.
    if text.isdigit() or (text[:1] == "-" and text[1:].isdigit()):
        return int(text)
    number = Decimal(text)
    return int(number) if number == number.to_integral_value() else number


def _binary(value: str | bytes) -> Binary:
    # aiobotocore has decoded the base64 already; the aiodynamo read client has not.
    return Binary(value if isinstance(value, bytes) else base64.b64decode(value))


def _value(attribute: Mapping[str, Any]) -> Any:
    """One attribute value as plain Python: what boto3's TypeDeserializer gives, with
    integral numbers as int, in one pass (this runs for every attribute the API reads)."""
    ((kind, value),) = attribute.items()
    if kind == "S":
        return value
    if kind == "N":
        return _number(value)
    if kind == "BOOL":
        return value
    if kind == "M":
        return {k: _value(v) for k, v in value.items()}
    if kind == "L":
        return [_value(v) for v in value]
    if kind == "NULL":
        return None
    if kind == "SS":
        return set(value)
    if kind == "NS":
        return {_number(v) for v in value}
    if kind == "B":
        return _binary(value)
    if kind == "BS":
        return {_binary(v) for v in value}
    raise TypeError(f"unknown DynamoDB attribute type {kind!r}")


def to_item(data: Mapping[str, Any]) -> dict[str, Any]:
    """A plain mapping in DynamoDB's attribute-value form. `None` values are left out."""
    return {k: _serializer.serialize(v) for k, v in data.items() if v is not None}


def from_item(item: Mapping[str, Any]) -> Item:
    """A DynamoDB item as plain Python values."""
    return {k: _value(v) for k, v in item.items()}


def client_error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


async def get_item(*, aws: Aws, table: str, key: Key, consistent: bool = False) -> Item | None:
    """One item by primary key, or None."""
    response = await aws.dynamodb_reads.call(
        "GetItem", {"TableName": table, "Key": to_item(key), "ConsistentRead": consistent}
    )
    item = response.get("Item")
    return from_item(item) if item else None


async def batch_get(
    *,
    aws: Aws,
    table: str,
    keys: Sequence[Key],
    max_attempts: int = 8,
    base_delay: float = 0.02,
) -> list[Item]:
    """All items for `keys` (missing ones are absent), 100 keys a call, chunks in parallel.

    UnprocessedKeys are retried with exponential backoff and jitter; if some are still
    unprocessed after `max_attempts` the call fails rather than silently dropping them.
    """
    unique: dict[tuple[tuple[str, Any], ...], Key] = {}
    for key in keys:
        unique.setdefault(tuple(sorted(key.items())), key)
    chunks = [
        list(unique.values())[i : i + BATCH_GET_LIMIT]
        for i in range(0, len(unique), BATCH_GET_LIMIT)
    ]
    results = await asyncio.gather(
        *(
            _batch_get_chunk(
                aws=aws, table=table, keys=chunk, max_attempts=max_attempts, base_delay=base_delay
            )
            for chunk in chunks
        )
    )
    return [item for chunk in results for item in chunk]


async def _batch_get_chunk(
    *, aws: Aws, table: str, keys: list[Key], max_attempts: int, base_delay: float
) -> list[Item]:
    items: list[Item] = []
    request: dict[str, Any] = {table: {"Keys": [to_item(k) for k in keys]}}
    for attempt in range(max_attempts):
        response = await aws.dynamodb_reads.call("BatchGetItem", {"RequestItems": request})
        items.extend(from_item(i) for i in response.get("Responses", {}).get(table, []))
        request = response.get("UnprocessedKeys") or {}
        if not request:
            return items
        await asyncio.sleep(random.uniform(0, base_delay * 2**attempt))
    raise Unavailable("DynamoDB did not return every requested item; try again")


TableKey = tuple[str, tuple[tuple[str, Any], ...]]


def table_key(table: str, key: Key) -> TableKey:
    """A hashable (table, key) pair, as `batch_get_across` answers by."""
    return table, tuple(sorted(key.items()))


async def batch_get_across(
    *, aws: Aws, keys: Sequence[tuple[str, Key]], max_attempts: int = 8, base_delay: float = 0.02
) -> dict[TableKey, Item]:
    """Items by (table, key) from any number of tables: one BatchGetItem per 100 keys in all
    (chunks in parallel), UnprocessedKeys retried as in `batch_get`."""
    unique = list(dict.fromkeys(table_key(t, k) for t, k in keys))
    chunks = [unique[i : i + BATCH_GET_LIMIT] for i in range(0, len(unique), BATCH_GET_LIMIT)]

    async def one(chunk: list[TableKey]) -> dict[TableKey, Item]:
        request: dict[str, Any] = {}
        for table, pairs in chunk:
            request.setdefault(table, {"Keys": []})["Keys"].append(to_item(dict(pairs)))
        names = {table: [n for n, _ in pairs] for table, pairs in chunk}
        found: dict[TableKey, Item] = {}
        for attempt in range(max_attempts):
            response = await aws.dynamodb.batch_get_item(RequestItems=request)
            for table, raw in response.get("Responses", {}).items():
                for item in map(from_item, raw):
                    found[table_key(table, {n: item[n] for n in names[table]})] = item
            request = response.get("UnprocessedKeys") or {}
            if not request:
                return found
            await asyncio.sleep(random.uniform(0, base_delay * 2**attempt))
        raise Unavailable("DynamoDB did not return every requested item; try again")

    results = await asyncio.gather(*(one(chunk) for chunk in chunks))
    return {k: v for result in results for k, v in result.items()}


@dataclass(frozen=True)
class Page:
    """Up to `limit` items and whether more matching items exist after them. `resume` is
    where to go on when the read limit ended the page early (DynamoDB's LastEvaluatedKey)."""

    items: list[Item]
    has_next: bool
    resume: Key | None = None


Fetch = Callable[[Key | None, int], Awaitable[tuple[list[Item], Key | None]]]

# After a first short read, read wide: a selective filter then needs few calls, not one per
# `limit` items examined (DynamoDB applies Limit before the filter; 1 MB per call still holds).
WIDE_READ = 1000


async def collect_page(
    *, fetch: Fetch, limit: int, start_key: Key | None, max_reads: int | None = None
) -> Page:
    """Keep reading until `limit` matching items are found, the source is exhausted, or
    `max_reads` calls were made (then the page may be short: `has_next` and `resume`).

    DynamoDB applies `Limit` before a FilterExpression, so one call can return a short page
    while matches remain; reading one item past the page tells whether a next page exists.
    """
    items: list[Item] = []
    key = start_key
    reads = 0
    while True:
        wanted = max(limit + 1 - len(items), 1)
        batch, key = await fetch(key, wanted if reads == 0 else max(wanted, WIDE_READ))
        reads += 1
        items.extend(batch)
        if len(items) > limit:
            return Page(items=items[:limit], has_next=True)
        if key is None:
            return Page(items=items, has_next=False)
        if max_reads is not None and reads >= max_reads:
            return Page(items=items, has_next=True, resume=key)


def query_fetch(*, aws: Aws, request: dict[str, Any]) -> Fetch:
    """A `Fetch` over Query (or Scan when the request has no KeyConditionExpression)."""

    async def fetch(start: Key | None, limit: int) -> tuple[list[Item], Key | None]:
        call = dict(request, Limit=limit)
        if start is not None:
            call["ExclusiveStartKey"] = to_item(start)
        operation = "Query" if "KeyConditionExpression" in call else "Scan"
        response = await aws.dynamodb_reads.call(operation, call)
        last = response.get("LastEvaluatedKey")
        return [from_item(i) for i in response.get("Items", [])], from_item(last) if last else None

    return fetch


async def transact(
    *,
    aws: Aws,
    items: list[dict[str, Any]],
    on_condition: ServiceError | None = None,
    refusals: Mapping[int, Callable[[], ServiceError]] | None = None,
    attempts: int = 5,
    base_delay: float = 0.02,
) -> None:
    """Write all of `items` atomically (TransactWriteItems) or nothing.

    A failed condition becomes `on_condition` (default: a CONFLICT error), or, when it is the
    condition of item i in `refusals`, the error `refusals[i]()` makes. A transaction
    cancelled only because another one held one of its items (TransactionConflict: shared
    counters make that common under load) wrote nothing, so it is tried again with backoff
    and jitter; still conflicting after `attempts`, it is a CONFLICT.
    """
    for attempt in range(attempts):
        try:
            await aws.dynamodb.transact_write_items(TransactItems=items)
            return
        except ClientError as error:
            if client_error_code(error) != "TransactionCanceledException":
                raise
            reasons = error.response.get("CancellationReasons", [])
            codes = [r.get("Code") for r in reasons]
            for index, refusal in (refusals or {}).items():
                if index < len(codes) and codes[index] == "ConditionalCheckFailed":
                    raise refusal() from error
            if "ConditionalCheckFailed" in codes:
                raise on_condition or Conflict(
                    "the item was changed by someone else; reload it and try again"
                ) from error
            if "TransactionConflict" not in codes:
                raise
            if attempt == attempts - 1:
                raise Conflict("a concurrent change is in progress; try again") from error
        await asyncio.sleep(random.uniform(0, base_delay * 2**attempt))


def put(
    table: str, item: Mapping[str, Any], *, condition: str | None = None, **extra: Any
) -> dict[str, Any]:
    """A TransactWriteItems `Put` entry."""
    entry: dict[str, Any] = {"TableName": table, "Item": to_item(item)}
    if condition:
        entry["ConditionExpression"] = condition
    entry.update(extra)
    return {"Put": entry}
